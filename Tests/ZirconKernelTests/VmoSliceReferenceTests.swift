// SLICE and REFERENCE children (reference §3.12, §4.4), after Zircon's vmo-slice.cc and
// vmo-reference.cc: shared pages in both directions, range and option errors, nesting, resizing
// through references, mapping updates that reach every alias, and zero attribution.

import Testing
import Zirconia

@Suite struct VmoSliceTests {
    let p = vmoPage

    @Test func writesGoThroughToTheParent() throws {
        try cloneRun { c in
            let vmo = vmoMake(c, 4 * p)
            c.ok(vmoWrite32(vmo, 42, 0))
            c.ok(vmoWrite32(vmo, 42, p))
            let slice = vmoChild(c, vmo, ZX_VMO_CHILD_SLICE, p, 2 * p)
            vmoExpect(c, slice, 42)
            c.ok(vmoWrite32(slice, 84, 0))
            c.ok(vmoWrite32(slice, 84, p))
            for (page, value) in [(0, 42), (1, 84), (2, 84), (3, 0)] as [(UInt64, UInt32)] {
                vmoExpect(c, vmo, value, page: page)
            }
            c.eq(vmoCommittedPages(vmo), 3)
            c.eq(vmoCommittedPages(slice), 0, "pages are the parent's")
            vmoClose(c, vmo, slice)
        }
    }

    @Test func decommitOnEitherSide() throws {
        try cloneRun { c in
            let vmo = vmoMake(c, p)
            c.ok(vmoWrite32(vmo, 42))
            let slice = vmoChild(c, vmo, ZX_VMO_CHILD_SLICE, 0, p)
            vmoExpect(c, slice, 42)
            c.ok(vmoOp(vmo, ZX_VMO_OP_DECOMMIT, 0, p))
            vmoExpect(c, slice, 0, "parent decommit")
            c.ok(vmoWrite32(vmo, 43))
            c.ok(vmoOp(slice, ZX_VMO_OP_DECOMMIT, 0, p))
            vmoExpect(c, vmo, 0, "slice decommit acts on the parent")
            c.ok(vmoOp(slice, ZX_VMO_OP_COMMIT, 0, p))
            c.ok(vmoWrite32(slice, 44))
            vmoExpect(c, vmo, 44)
            c.eq(vmoCommittedPages(vmo), 1)
            vmoClose(c, vmo, slice)
        }
    }

    @Test func nestedSlices() throws {
        try cloneRun { c in
            let vmo = vmoMake(c, 2 * p)
            c.ok(vmoWrite32(vmo, 42))
            let slice = vmoChild(c, vmo, ZX_VMO_CHILD_SLICE, 0, 2 * p)
            let inner = vmoChild(c, slice, ZX_VMO_CHILD_SLICE, p, p)
            let whole = vmoChild(c, slice, ZX_VMO_CHILD_SLICE, 0, 2 * p)
            vmoExpect(c, whole, 42)
            c.ok(vmoWrite32(inner, 84))
            c.ok(vmoWrite32(whole, 85))
            vmoExpect(c, vmo, 85, page: 0)
            vmoExpect(c, vmo, 84, page: 1)
            c.eq(vmoInfo(inner).1.parent_koid, vmoInfo(slice).1.koid)
            vmoClose(c, vmo, slice, inner, whole)
        }
    }

    /// vmo-slice NonSlice / NonResizable: the error of each bad range, in Zircon's order.
    @Test func rangeAndOptionErrors() throws {
        try cloneRun { c in
            let resizable = vmoMake(c, 2 * p, ZX_VMO_RESIZABLE)
            let nearlyMax = UInt64.max - p + 1
            let cases: [(UInt64, UInt64, zx_status_t)] = [
                (0, 3 * p, ZX_ERR_INVALID_ARGS), (p, 2 * p, ZX_ERR_INVALID_ARGS), (2 * p, p, ZX_ERR_INVALID_ARGS),
                (0, UInt64.max, ZX_ERR_OUT_OF_RANGE), (0, nearlyMax, ZX_ERR_OUT_OF_RANGE),
                (nearlyMax, p, ZX_ERR_INVALID_ARGS), (nearlyMax, nearlyMax, ZX_ERR_OUT_OF_RANGE),
                (nearlyMax, UInt64.max, ZX_ERR_OUT_OF_RANGE), (1, p, ZX_ERR_INVALID_ARGS),
                (0, p, ZX_ERR_NOT_SUPPORTED),   // in range, but the parent is resizable
            ]
            for (offset, size, expected) in cases {
                c.st(vmoChildStatus(resizable, ZX_VMO_CHILD_SLICE, offset, size).0, expected, "(\(offset), \(size))")
            }
            c.st(vmoChildStatus(resizable, ZX_VMO_CHILD_SLICE | ZX_VMO_CHILD_RESIZABLE, 0, p).0, ZX_ERR_INVALID_ARGS)
            let fixed = vmoMake(c, p)
            c.st(vmoChildStatus(fixed, ZX_VMO_CHILD_SLICE | ZX_VMO_CHILD_RESIZABLE, 0, p).0, ZX_ERR_INVALID_ARGS)
            let reference = vmoChild(c, resizable, ZX_VMO_CHILD_REFERENCE, 0, 0)
            c.st(vmoChildStatus(reference, ZX_VMO_CHILD_SLICE, 0, p).0, ZX_ERR_NOT_SUPPORTED,
                 "a reference of a resizable VMO is resizable")
            let uncached = vmoMake(c, p)
            c.ok(zx_vmo_set_cache_policy(uncached, ZX_CACHE_POLICY_UNCACHED))
            c.st(vmoChildStatus(uncached, ZX_VMO_CHILD_SLICE, 0, p).0, ZX_ERR_BAD_STATE)
            c.st(vmoChildStatus(uncached, ZX_VMO_CHILD_SNAPSHOT, 0, p).0, ZX_ERR_BAD_STATE)
            c.st(vmoChildStatus(uncached, ZX_VMO_CHILD_REFERENCE, 0, 0).0, ZX_ERR_BAD_STATE)
            c.eq(vmoInfo(resizable).1.num_children, 1)
            vmoClose(c, resizable, fixed, reference, uncached)
        }
    }

    @Test func zeroSizedAndRoundedSlices() throws {
        try cloneRun { c in
            let vmo = vmoMake(c, p)
            c.ok(vmoWrite32(vmo, 42, p - 64))
            let empty1 = vmoChild(c, vmo, ZX_VMO_CHILD_SLICE, 0, 0)
            let empty2 = vmoChild(c, vmo, ZX_VMO_CHILD_SLICE, p, 0)
            for h in [empty1, empty2] {
                c.st(vmoWrite32(h, 1), ZX_ERR_OUT_OF_RANGE)
                c.eq(vmoRead32(h), nil)
                c.eq(vmoGetSize(h), 0)
            }
            let rounded = vmoChild(c, vmo, ZX_VMO_CHILD_SLICE, 0, 42)
            c.eq(vmoGetSize(rounded), p)
            c.eq(vmoContentSize(rounded).1, 42)
            c.eq(vmoRead32(rounded, p - 64), 42, "the rounded-up part is readable")
            let info = vmoInfo(rounded).1
            c.eq(info.flags & ZX_INFO_VMO_IS_COW_CLONE, 0, "a slice is not a COW clone")
            vmoClose(c, vmo, empty1, empty2, rounded)
        }
    }

    @Test func deepSliceChain() throws {
        try cloneRun { c in
            var vmo = vmoMake(c, p)
            c.ok(vmoWrite32(vmo, 5))
            for _ in 0..<1000 {
                let next = vmoChild(c, vmo, ZX_VMO_CHILD_SLICE, 0, p)
                vmoClose(c, vmo)
                vmo = next
            }
            vmoExpect(c, vmo, 5, "through 1000 slices")
            c.ok(vmoWrite32(vmo, 6))
            vmoExpect(c, vmo, 6)
            vmoClose(c, vmo)
        }
    }

    @Test func slicesAreNeverCharged() throws {
        try cloneRun { c in
            let vmo = vmoMake(c, p)
            c.ok(vmoWrite32(vmo, 42))
            let slice = vmoChild(c, vmo, ZX_VMO_CHILD_SLICE, 0, p)
            c.eq(vmoCommittedPages(vmo), 1)
            c.eq(vmoCommittedPages(slice), 0)
            vmoClose(c, vmo)
            c.eq(vmoCommittedPages(slice), 0, "not even after the parent's handle closed")
            vmoExpect(c, slice, 42)
            vmoClose(c, slice)
        }
    }

    /// vmo-slice CowPageSourceThroughSlices: a snapshot of a slice of a COW child is supported.
    @Test func snapshotOfASliceOfACowChild() throws {
        try cloneRun { c in
            let vmo = vmoMake(c, 2 * p)
            c.ok(vmoWrite32(vmo, 1, p))
            let cow = vmoChild(c, vmo, ZX_VMO_CHILD_SNAPSHOT, 0, 2 * p)
            let slice = vmoChild(c, cow, ZX_VMO_CHILD_SLICE, p, p)
            let cow2 = vmoChild(c, slice, ZX_VMO_CHILD_SNAPSHOT, 0, 2 * p)
            vmoExpect(c, cow2, 1)
            vmoExpect(c, cow2, 0, page: 1, "beyond the slice")
            c.ok(vmoWrite32(cow2, 2))
            c.ok(vmoWrite32(slice, 3))
            vmoExpect(c, cow2, 2)
            vmoExpect(c, cow, 3, page: 1)
            vmoExpect(c, vmo, 1, page: 1)
            c.eq(vmoInfo(cow2).1.parent_koid, vmoInfo(slice).1.koid)
            vmoClose(c, slice, cow)
            vmoExpect(c, cow2, 2)
            vmoClose(c, vmo, cow2)
        }
    }
}

@Suite struct VmoReferenceTests {
    let p = vmoPage

    @Test func writesAreSharedBothWays() throws {
        try cloneRun { c in
            let vmo = vmoMake(c, p)
            let ref = vmoChild(c, vmo, ZX_VMO_CHILD_REFERENCE, 0, 0)
            c.ok(vmoWrite32(vmo, 0xaa))
            vmoExpect(c, ref, 0xaa)
            c.ok(vmoWrite32(ref, 0xbb))
            vmoExpect(c, vmo, 0xbb)
            c.eq(vmoCommittedPages(vmo), 1)
            c.eq(vmoCommittedPages(ref), 0, "references report 0")
            c.eq(vmoGetSize(ref), p)
            vmoClose(c, vmo)
            c.eq(vmoCommittedPages(ref), 0, "even after the parent's handle closed")
            vmoExpect(c, ref, 0xbb)
            vmoClose(c, ref)
        }
    }

    @Test func errors() throws {
        try cloneRun { c in
            let fixed = vmoMake(c, p)
            c.st(vmoChildStatus(fixed, ZX_VMO_CHILD_REFERENCE, 0, p).0, ZX_ERR_INVALID_ARGS)
            c.st(vmoChildStatus(fixed, ZX_VMO_CHILD_REFERENCE, p, 0).0, ZX_ERR_INVALID_ARGS)
            c.st(vmoChildStatus(fixed, ZX_VMO_CHILD_REFERENCE | ZX_VMO_CHILD_RESIZABLE, 0, 0).0, ZX_ERR_NOT_SUPPORTED)
            c.st(vmoChildStatus(fixed, ZX_VMO_CHILD_REFERENCE | ZX_VMO_CHILD_SLICE, 0, 0).0, ZX_ERR_INVALID_ARGS)
            c.st(vmoChildStatus(fixed, ZX_VMO_CHILD_REFERENCE | ZX_VMO_CHILD_NO_WRITE | ZX_VMO_CHILD_RESIZABLE, 0, 0).0,
                 ZX_ERR_INVALID_ARGS)
            let ref = vmoChild(c, fixed, ZX_VMO_CHILD_REFERENCE | ZX_VMO_CHILD_NO_WRITE, 0, 0)
            c.st(vmoWrite32(ref, 1), ZX_ERR_ACCESS_DENIED, "NO_WRITE")
            c.st(zx_vmo_set_size(fixed, p), ZX_ERR_UNAVAILABLE)
            vmoClose(c, fixed, ref)
        }
    }

    /// vmo-reference ChildSnapshot / ChildSlice / NestedChild: children of references behave as
    /// children of the referenced VMO; parent_koid names the reference.
    @Test func childrenOfReferences() throws {
        try cloneRun { c in
            let vmo = vmoMake(c, p)
            c.ok(vmoWrite32(vmo, 0xaa))
            let ref = vmoChild(c, vmo, ZX_VMO_CHILD_REFERENCE, 0, 0)
            let snapshot = vmoChild(c, ref, ZX_VMO_CHILD_SNAPSHOT, 0, p)
            let slice = vmoChild(c, ref, ZX_VMO_CHILD_SLICE, 0, p)
            let nested = vmoChild(c, ref, ZX_VMO_CHILD_REFERENCE, 0, 0)
            let nested2 = vmoChild(c, nested, ZX_VMO_CHILD_REFERENCE, 0, 0)
            let refKoid = vmoInfo(ref).1.koid
            for child in [snapshot, slice, nested] { c.eq(vmoInfo(child).1.parent_koid, refKoid) }
            c.eq(vmoInfo(nested2).1.parent_koid, vmoInfo(nested).1.koid)
            c.eq(vmoInfo(ref).1.num_children, 3)
            vmoExpect(c, snapshot, 0xaa)
            c.ok(vmoWrite32(vmo, 0xbb))
            vmoExpect(c, snapshot, 0xaa, "a snapshot does not see later writes")
            for h in [slice, nested, nested2, ref] { vmoExpect(c, h, 0xbb) }
            c.ok(vmoWrite32(snapshot, 0xcc))
            c.ok(vmoWrite32(nested2, 0xdd))
            for h in [vmo, ref, slice, nested] { vmoExpect(c, h, 0xdd) }
            vmoExpect(c, snapshot, 0xcc)
            c.st(vmoOp(nested2, ZX_VMO_OP_DECOMMIT, 0, p), ZX_ERR_NOT_SUPPORTED, "the pages have a COW child")
            vmoClose(c, vmo, ref, snapshot, slice, nested, nested2)
        }
    }

    /// vmo-reference Resize / UnsupportedResize: references share size and content size.
    @Test func resizeThroughReferences() throws {
        try cloneRun { c in
            let vmo = vmoMake(c, 4 * p, ZX_VMO_RESIZABLE)
            let ref = vmoChild(c, vmo, ZX_VMO_CHILD_REFERENCE | ZX_VMO_CHILD_RESIZABLE, 0, 0)
            let plain = vmoChild(c, vmo, ZX_VMO_CHILD_REFERENCE, 0, 0)
            c.yes(vmoHandleRights(ref) & ZX_RIGHT_RESIZE != 0)
            c.eq(vmoHandleRights(plain) & ZX_RIGHT_RESIZE, 0)
            c.eq(vmoInfo(plain).1.flags & ZX_INFO_VMO_RESIZABLE, ZX_INFO_VMO_RESIZABLE, "resizable with its parent")
            c.ok(zx_vmo_set_size(vmo, 2 * p - 8))
            for h in [vmo, ref, plain] {
                c.eq(vmoGetSize(h), 2 * p)
                c.eq(vmoContentSize(h).1, 2 * p - 8)
            }
            c.ok(zx_vmo_set_size(ref, 3 * p - 8))
            for h in [vmo, ref, plain] {
                c.eq(vmoGetSize(h), 3 * p)
                c.eq(vmoContentSize(h).1, 3 * p - 8)
            }
            c.st(zx_vmo_set_size(plain, p), ZX_ERR_ACCESS_DENIED)
            c.ok(vmoSetContentSize(plain, 5))
            c.eq(vmoContentSize(vmo).1, 5, "the content size is shared")
            c.ok(vmoWrite32(vmo, 0xffff_ffff, 2 * p))
            c.ok(zx_vmo_set_size(ref, 2 * p))
            c.st(vmoWrite32(plain, 1, 2 * p), ZX_ERR_OUT_OF_RANGE)
            c.ok(zx_vmo_set_size(vmo, 3 * p))
            vmoExpect(c, plain, 0, page: 2, "shrunk pages come back zero")
            vmoClose(c, vmo, ref, plain)
        }
    }

    /// vmo-reference MappingUpdate*: decommit through any member reaches every mapping.
    @Test(arguments: [0, 1, 2, 3])
    func mappingUpdates(variant: Int) throws {
        try cloneRun { c in
            let vmo = vmoMake(c, p)
            c.ok(vmoWrite32(vmo, 0xaa))
            let ref1 = vmoChild(c, vmo, ZX_VMO_CHILD_REFERENCE, 0, 0)
            let ref2 = vmoChild(c, vmo, ZX_VMO_CHILD_REFERENCE, 0, 0)
            let nested = vmoChild(c, ref1, ZX_VMO_CHILD_REFERENCE, 0, 0)
            let slice = vmoChild(c, nested, ZX_VMO_CHILD_SLICE, 0, p)
            let handles = [vmo, ref1, ref2, nested, slice]
            let addresses = handles.map { vmoMapPages(c, $0, 1) }
            for address in addresses { c.eq(try? vmoLoad32(address).get(), 0xaa) }
            c.ok(vmoStore32(0xbb, addresses[variant]))
            for address in addresses { c.eq(try? vmoLoad32(address).get(), 0xbb) }
            // Drop one member's handle (its mapping keeps it), then decommit through another.
            vmoClose(c, handles[variant])
            let actor = handles[(variant + 1) % handles.count]
            c.ok(vmoOp(actor, ZX_VMO_OP_DECOMMIT, 0, p))
            for address in addresses { c.eq(try? vmoLoad32(address).get(), 0, "reads zero after decommit") }
            for (i, h) in handles.enumerated() where i != variant { c.eq(vmoCommittedPages(h), 0) }
            for address in addresses { vmoUnmap(c, address, 1) }
            for (i, h) in handles.enumerated() where i != variant { vmoClose(c, h) }
        }
    }
}
