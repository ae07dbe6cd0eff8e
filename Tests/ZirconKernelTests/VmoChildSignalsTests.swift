// What every child type shares (reference §1.2, §3.12, §4.6): ZX_VMO_ZERO_CHILDREN and
// num_children through every close order (a child lives while it has handles or mappings, and a
// surviving grandchild keeps the signal down), the rights of the new handle, the copied name,
// ZX_INFO_VMO_IMMUTABLE, and parent_koid once a parent dies. After Zircon's vmo-signal.cc and the
// Children tests of vmo-clone2.cc / vmo-slice.cc / vmo-reference.cc.

import Testing
import Zirconia

@Suite struct VmoChildSignalsTests {
    let p = vmoPage

    static let kinds: [(UInt32, UInt64)] = [
        (ZX_VMO_CHILD_SNAPSHOT, vmoPage), (ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE, vmoPage),
        (ZX_VMO_CHILD_SLICE, vmoPage), (ZX_VMO_CHILD_REFERENCE, 0),
    ]

    @Test func zeroChildrenFollowsEveryChildType() throws {
        try cloneRun { c in
            for (options, size) in Self.kinds {
                let vmo = vmoMake(c, p)
                c.yes(vmoHasNoChildren(vmo), "fresh")
                let child = vmoChild(c, vmo, options, 0, size)
                c.yes(!vmoHasNoChildren(vmo), "deasserted before create_child returns, type \(options)")
                c.yes(vmoHasNoChildren(child), "the child has none")
                c.eq(vmoInfo(vmo).1.num_children, 1)
                vmoClose(c, child)
                c.yes(vmoHasNoChildren(vmo), "reasserted, type \(options)")
                c.eq(vmoInfo(vmo).1.num_children, 0)
                vmoClose(c, vmo)
            }
        }
    }

    @Test(arguments: [false, true])
    func manyChildren(reverseClose: Bool) throws {
        try cloneRun { c in
            let vmo = vmoMake(c, p)
            var clones: [zx_handle_t] = []
            for i in 0..<5 {
                clones.append(vmoChild(c, vmo, ZX_VMO_CHILD_SNAPSHOT, 0, p))
                c.eq(vmoInfo(vmo).1.num_children, i + 1)
            }
            let order = reverseClose ? Array((0..<5).reversed()) : Array(0..<5)
            for (closed, index) in order.enumerated() {
                c.yes(!vmoHasNoChildren(vmo))
                vmoClose(c, clones[index])
                c.eq(vmoInfo(vmo).1.num_children, 4 - closed)
            }
            c.yes(vmoHasNoChildren(vmo))
            vmoClose(c, vmo)
        }
    }

    /// vmo-signal ChildSignalClone and vmo-slice ZeroChildrenGrandchildClosedLast: a grandchild
    /// keeps the original's signal down after the intermediate child closed, and is re-homed.
    @Test func survivingGrandchildKeepsTheSignalDown() throws {
        try cloneRun { c in
            for (options, size) in Self.kinds {
                let vmo = vmoMake(c, 2 * p)
                for _ in 0..<3 {
                    c.yes(vmoHasNoChildren(vmo))
                    let child = vmoChild(c, vmo, options, 0, size)
                    let grandchild = vmoChild(c, child, options, 0, size)
                    c.yes(vmoHasNoChildren(grandchild))
                    c.yes(!vmoHasNoChildren(child))
                    c.yes(!vmoHasNoChildren(vmo))
                    vmoClose(c, child)
                    c.yes(!vmoHasNoChildren(vmo), "grandchild alive, type \(options)")
                    c.eq(vmoInfo(vmo).1.num_children, 1)
                    if options == ZX_VMO_CHILD_SNAPSHOT || options == ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE {
                        c.eq(vmoInfo(grandchild).1.parent_koid, vmoInfo(vmo).1.koid, "re-homed to the grandparent")
                    }
                    vmoClose(c, grandchild)
                    c.yes(vmoHasNoChildren(vmo), "type \(options)")
                }
                vmoClose(c, vmo)
            }
        }
    }

    /// vmo-signal ChildSignalMap: a child lives while it is mapped.
    @Test func aMappedChildIsAlive() throws {
        try cloneRun { c in
            let vmo = vmoMake(c, 2 * p)
            for (options, size) in Self.kinds where size > 0 {
                for _ in 0..<3 {
                    let child = vmoChild(c, vmo, options, 0, size)
                    let address = vmoMapPages(c, child, 1)
                    c.yes(!vmoHasNoChildren(vmo))
                    vmoClose(c, child)
                    c.yes(!vmoHasNoChildren(vmo), "the mapping keeps the child")
                    c.eq(vmoInfo(vmo).1.num_children, 1)
                    vmoUnmap(c, address, 1)
                    c.yes(vmoHasNoChildren(vmo), "unmapping the last reference kills it")
                }
            }
            vmoClose(c, vmo)
        }
    }

    @Test func parentKoidAfterTheParentDies() throws {
        try cloneRun { c in
            let vmo = vmoMake(c, p)
            let child = vmoChild(c, vmo, ZX_VMO_CHILD_SNAPSHOT, 0, p)
            c.eq(vmoInfo(child).1.parent_koid, vmoInfo(vmo).1.koid)
            vmoClose(c, vmo)
            c.eq(vmoInfo(child).1.parent_koid, 0, "no live parent")
            c.eq(vmoInfo(child).1.flags & ZX_INFO_VMO_IS_COW_CLONE, ZX_INFO_VMO_IS_COW_CLONE)
            vmoClose(c, child)
        }
    }

    // MARK: Rights, names, flags

    /// Reference §1.2: start from the parent handle's rights without RESIZE; add RESIZE if asked;
    /// always GET/SET_PROPERTY; NO_WRITE removes WRITE, otherwise snapshots gain WRITE and lose
    /// EXECUTE while slices and references keep what the parent handle had.
    @Test func childRights() throws {
        try cloneRun { c in
            let resizable = vmoMake(c, p, ZX_VMO_RESIZABLE)
            var executable = ZX_HANDLE_INVALID
            c.ok(zx_vmo_replace_as_executable(vmoDup(resizable, ZX_RIGHT_SAME_RIGHTS), ZX_HANDLE_INVALID, &executable))
            let minimal = vmoDup(resizable, ZX_RIGHT_DUPLICATE | ZX_RIGHT_READ)
            let fixed = vmoMake(c, p)
            let fixedMinimal = vmoDup(fixed, ZX_RIGHT_DUPLICATE | ZX_RIGHT_READ | ZX_RIGHT_MAP)
            let parents = [resizable, executable, minimal, fixed, fixedMinimal]
            let options: [(UInt32, UInt64)] = [
                (ZX_VMO_CHILD_SNAPSHOT, p), (ZX_VMO_CHILD_SNAPSHOT | ZX_VMO_CHILD_RESIZABLE, p),
                (ZX_VMO_CHILD_SNAPSHOT | ZX_VMO_CHILD_NO_WRITE, p), (ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE, p),
                (ZX_VMO_CHILD_SLICE, p), (ZX_VMO_CHILD_SLICE | ZX_VMO_CHILD_NO_WRITE, p),
                (ZX_VMO_CHILD_REFERENCE, 0), (ZX_VMO_CHILD_REFERENCE | ZX_VMO_CHILD_NO_WRITE, 0),
                (ZX_VMO_CHILD_REFERENCE | ZX_VMO_CHILD_RESIZABLE, 0),
            ]
            for parent in parents {
                let r = vmoHandleRights(parent)
                for (option, size) in options {
                    let (status, child) = vmoChildStatus(parent, option, 0, size)
                    guard status == ZX_OK else {
                        // Slices of resizable VMOs and resizable references of fixed ones.
                        c.yes(status == ZX_ERR_NOT_SUPPORTED, "parent rights \(r) option \(option): \(status)")
                        continue
                    }
                    var expected = (r & ~ZX_RIGHT_RESIZE) | (option & ZX_VMO_CHILD_RESIZABLE != 0 ? ZX_RIGHT_RESIZE : 0)
                        | ZX_RIGHT_GET_PROPERTY | ZX_RIGHT_SET_PROPERTY
                    let snapshot = option & (ZX_VMO_CHILD_SNAPSHOT | ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE) != 0
                    if option & ZX_VMO_CHILD_NO_WRITE != 0 {
                        expected &= ~ZX_RIGHT_WRITE
                    } else if snapshot {
                        expected = (expected | ZX_RIGHT_WRITE) & ~ZX_RIGHT_EXECUTE
                    }
                    c.eq(vmoHandleRights(child), expected, "parent rights \(r) option \(option)")
                    let immutable = option == ZX_VMO_CHILD_SNAPSHOT | ZX_VMO_CHILD_NO_WRITE
                    c.eq(vmoInfo(child).1.flags & ZX_INFO_VMO_IMMUTABLE, immutable ? ZX_INFO_VMO_IMMUTABLE : 0,
                         "option \(option)")
                    vmoClose(c, child)
                }
            }
            for parent in parents { vmoClose(c, parent) }
        }
    }

    @Test func immutableOnlyForAnExplicitSnapshot() throws {
        try cloneRun { c in
            let vmo = vmoMake(c, p)
            let a = vmoChild(c, vmo, ZX_VMO_CHILD_SNAPSHOT | ZX_VMO_CHILD_NO_WRITE, 0, p)
            let b = vmoChild(c, vmo, ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE | ZX_VMO_CHILD_NO_WRITE, 0, p)
            c.eq(vmoInfo(a).1.flags & ZX_INFO_VMO_IMMUTABLE, ZX_INFO_VMO_IMMUTABLE)
            c.eq(vmoInfo(b).1.flags & ZX_INFO_VMO_IMMUTABLE, 0)
            c.st(vmoWrite32(a, 1), ZX_ERR_ACCESS_DENIED)
            vmoClose(c, vmo, a, b)
        }
    }

    @Test func nameIsCopiedOnlyWithGetProperty() throws {
        try cloneRun { c in
            let vmo = vmoMake(c, p)
            let name = Array("parent-name".utf8)
            c.ok(zx_object_set_property(vmo, ZX_PROP_NAME, name, name.count))
            let blind = vmoDup(vmo, ZX_RIGHT_DUPLICATE | ZX_RIGHT_READ)
            for (options, size) in Self.kinds {
                let named = vmoChild(c, vmo, options, 0, size)
                let unnamed = vmoChild(c, blind, options, 0, size)
                c.eq(ZxName.string(from: vmoInfo(named).1.name), "parent-name", "options \(options)")
                c.eq(ZxName.string(from: vmoInfo(unnamed).1.name), "", "options \(options)")
                c.yes(vmoHandleRights(unnamed) & ZX_RIGHT_GET_PROPERTY != 0, "children always get GET_PROPERTY")
                vmoClose(c, named, unnamed)
            }
            vmoClose(c, vmo, blind)
        }
    }

    /// Reference §3.12 step 5 for snapshots, in order, and the content size of every child type.
    @Test func snapshotErrorsAndSizes() throws {
        try cloneRun { c in
            let vmo = vmoMake(c, 2 * p)
            c.st(vmoChildStatus(vmo, ZX_VMO_CHILD_SNAPSHOT, 1, p).0, ZX_ERR_INVALID_ARGS, "unaligned offset")
            c.st(vmoChildStatus(vmo, ZX_VMO_CHILD_SNAPSHOT, 0, UInt64.max).0, ZX_ERR_OUT_OF_RANGE)
            c.st(vmoChildStatus(vmo, ZX_VMO_CHILD_SNAPSHOT, 1, UInt64.max).0, ZX_ERR_INVALID_ARGS, "offset first")
            c.eq(vmoInfo(vmo).1.num_children, 0)
            let big = vmoChild(c, vmo, ZX_VMO_CHILD_SNAPSHOT, 5 * p, 3 * p + 7)
            c.eq(vmoGetSize(big), 4 * p)
            c.eq(vmoContentSize(big).1, 3 * p + 7)
            vmoExpect(c, big, 0, page: 3)
            c.ok(vmoWrite32(big, 9, 3 * p))
            vmoExpect(c, big, 9, page: 3)
            c.eq(vmoInfo(big).1.flags & ZX_INFO_VMO_RESIZABLE, 0)
            let resizable = vmoChild(c, vmo, ZX_VMO_CHILD_SNAPSHOT | ZX_VMO_CHILD_RESIZABLE, 0, p)
            c.eq(vmoInfo(resizable).1.flags & ZX_INFO_VMO_RESIZABLE, ZX_INFO_VMO_RESIZABLE)
            c.st(zx_vmo_set_size(big, p), ZX_ERR_UNAVAILABLE)
            vmoClose(c, vmo, big, resizable)
        }
    }
}
