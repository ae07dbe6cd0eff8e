// Races on the copy-on-write hierarchy's bookkeeping: children created and closed on several
// threads while others query the parent link and the child count, and parents closed while their
// children are being inspected. These guard the teardown rules in VmObjectPaged (no temporary
// strong reference under the hierarchy lock; child-count notices delivered after it, in sequence
// order) — a violation shows up as a hang or a wrong ZX_VMO_ZERO_CHILDREN, never silently.

import Synchronization
import Testing
import Zirconia

@Suite struct VmoCloneRaceTests {
    /// Four threads each make and drop children (and grandchildren) of one parent while asking
    /// for their parent koid. When they are done the parent has no children, says so in
    /// ZX_INFO_VMO, and ZX_VMO_ZERO_CHILDREN is asserted: a late notice did not undo the last one.
    @Test func childrenComeAndGoOnManyThreads() throws {
        let kernel = try Kernel(memorySize: 32 << 20)
        let process = try kernel.createProcess(name: "clone-race")
        let baseline = kernel.memoryStats.freePages
        let parent = try process.run { () -> zx_handle_t in
            var vmo = ZX_HANDLE_INVALID
            _ = zx_vmo_create(4 * vmoPage, 0, &vmo)
            for page in 0..<4 { _ = vmoWrite32(vmo, UInt32(page + 1), UInt64(page) * vmoPage) }
            return vmo
        }
        let parentKoid = try process.run { vmoKoid(parent) }
        let errors = Atomic<Int>(0)
        for round in 0..<20 {
            onHostThreads(4) { index in
                _ = try? process.run {
                    for step in 0..<25 {
                        let (status, child) = vmoChildStatus(parent, ZX_VMO_CHILD_SNAPSHOT, 0, 4 * vmoPage)
                        guard status == ZX_OK else { errors.add(1, ordering: .relaxed); continue }
                        if vmoInfo(child).1.parent_koid != parentKoid { errors.add(1, ordering: .relaxed) }
                        if (index + step) % 3 == 0 {
                            // A grandchild outliving its parent is re-homed to the grandparent.
                            let grandchild = vmoChildStatus(child, ZX_VMO_CHILD_SNAPSHOT, 0, vmoPage).1
                            _ = zx_handle_close(child)
                            if vmoInfo(grandchild).1.parent_koid != parentKoid { errors.add(1, ordering: .relaxed) }
                            if vmoRead32(grandchild, 0) != 1 { errors.add(1, ordering: .relaxed) }
                            _ = zx_handle_close(grandchild)
                        } else {
                            _ = vmoWrite32(child, UInt32(round), vmoPage)
                            _ = zx_handle_close(child)
                        }
                    }
                }
            }
            try process.run {
                #expect(vmoInfo(parent).1.num_children == 0, "round \(round)")
                #expect(vmoHasNoChildren(parent), "round \(round): ZX_VMO_ZERO_CHILDREN not asserted")
            }
        }
        #expect(errors.load(ordering: .relaxed) == 0)
        try process.run {
            for page in 0..<4 { #expect(vmoRead32(parent, UInt64(page) * vmoPage) == UInt32(page + 1)) }
            _ = zx_handle_close(parent)
        }
        #expect(kernel.memoryStats.freePages == baseline)
    }

    /// The parent's last handle closes while other threads read its children's parent koid and
    /// make grandchildren: every answer is the parent's koid or 0 (once it died), every child
    /// keeps its contents, and nothing leaks.
    @Test func parentClosesWhileChildrenAreInspected() throws {
        let kernel = try Kernel(memorySize: 32 << 20)
        let process = try kernel.createProcess(name: "parent-close-race")
        let baseline = kernel.memoryStats.freePages
        let errors = Atomic<Int>(0)
        for _ in 0..<100 {
            let (parent, children, parentKoid) = try process.run { () -> (zx_handle_t, [zx_handle_t], zx_koid_t) in
                var vmo = ZX_HANDLE_INVALID
                _ = zx_vmo_create(2 * vmoPage, 0, &vmo)
                _ = vmoWrite32(vmo, 7, 0)
                let children = (0..<3).map { _ in vmoChildStatus(vmo, ZX_VMO_CHILD_SNAPSHOT, 0, 2 * vmoPage).1 }
                return (vmo, children, vmoKoid(vmo))
            }
            onHostThreads(4) { index in
                _ = try? process.run {
                    if index == 0 {
                        _ = zx_handle_close(parent)
                        return
                    }
                    let child = children[index - 1]
                    for _ in 0..<10 {
                        let seen = vmoInfo(child).1.parent_koid
                        if seen != parentKoid && seen != 0 { errors.add(1, ordering: .relaxed) }
                        let grandchild = vmoChildStatus(child, ZX_VMO_CHILD_SNAPSHOT, 0, vmoPage).1
                        if vmoRead32(grandchild, 0) != 7 { errors.add(1, ordering: .relaxed) }
                        _ = zx_handle_close(grandchild)
                    }
                }
            }
            try process.run {
                for child in children {
                    if vmoRead32(child, 0) != 7 { errors.add(1, ordering: .relaxed) }
                    if vmoInfo(child).1.parent_koid != 0 { errors.add(1, ordering: .relaxed) }
                    _ = zx_handle_close(child)
                }
            }
        }
        #expect(errors.load(ordering: .relaxed) == 0)
        #expect(kernel.memoryStats.freePages == baseline)
    }
}

/// The koid of the object behind `handle` (0 on error).
private func vmoKoid(_ handle: zx_handle_t) -> zx_koid_t {
    let (status, info) = basicInfo(handle)
    return status == ZX_OK ? info.koid : 0
}
