// SNAPSHOT_AT_LEAST_ON_WRITE children of a pager-backed VMO (reference §4.4, §5.2): one-way
// clones that read through the pager's pages — asking the pager, against the parent's offsets,
// for what is missing — fork on write, may show the parent's later writes to pages they never
// wrote, and keep the pages they can see alive after the pager VMO dies.
//
// Zircon counterpart: zircon/system/utest/core/pager (clone tests: CloneReadFromParent,
// CloneCommit, CloneSplit..., ClosePagerVmoWithClone).

import Testing
import Zirconia

@Suite struct PagerCloneTests {
    @Test func clonesReadThroughForkOnWriteAndOutliveTheirParent() throws {
        let kernel = try Kernel(memorySize: 32 << 20)
        let process = try kernel.createProcess(name: "pager-clone")
        let baseline = kernel.memoryStats.freePages
        let checks = VmoChecks()
        let (setup, clone) = try process.run { () -> (PagerSetup, zx_handle_t) in
            let setup = PagerSetup(checks, pages: 4)
            checks.ok(pagerSupply(setup.pager, setup.vmo, 0, vmoPage))
            checks.st(vmoChildStatus(setup.vmo, ZX_VMO_CHILD_SNAPSHOT, 0, 4 * vmoPage).0, ZX_ERR_NOT_SUPPORTED,
                      "SNAPSHOT of a pager VMO")
            let (status, clone) = vmoChildStatus(setup.vmo, ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE, 0, 4 * vmoPage)
            checks.ok(status, "AT_LEAST_ON_WRITE clone")
            let info = vmoInfo(clone).1
            checks.yes(info.flags & ZX_INFO_VMO_PAGER_BACKED != 0, "the clone is pager-backed")
            checks.eq(info.parent_koid, handleBasic(setup.vmo).koid, "parent koid")
            checks.eq(vmoRead32(clone, 0), pagerTag(0), "supplied page read through")
            checks.eq(info.committed_bytes, 0, "nothing of its own")
            checks.yes(pagerPacket(setup.port) == nil, "no request for a supplied page")
            checks.st(vmoChildStatus(clone, ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE, 0, vmoPage).0,
                      ZX_ERR_NOT_SUPPORTED, "a clone of the clone is not built")
            return (setup, clone)
        }
        // A miss in the clone is a request against the parent's offset.
        let reader = try process.startThread {
            checks.eq(vmoRead32(clone, vmoPage), pagerTag(1), "read after the supply")
        }
        try process.run {
            guard let packet = pagerPacket(setup.port, deadline: ZX_TIME_INFINITE) else { return }
            checks.eq(packet.page_request.offset, vmoPage, "asked at the parent's offset")
            checks.ok(pagerSupply(setup.pager, setup.vmo, vmoPage, vmoPage))
        }
        try reader.join()
        try process.run {
            // The parent writes a page the clone never wrote: the clone may (and here does) see it.
            checks.ok(vmoWrite32(setup.vmo, 77, 0))
            checks.eq(vmoRead32(clone, 0), 77, "AT_LEAST_ON_WRITE shows the parent's write")
            // The clone writes: a private copy; the parent keeps its page.
            checks.ok(vmoWrite32(clone, 5, 0))
            checks.eq(vmoRead32(setup.vmo, 0), 77, "parent unchanged")
            checks.eq(vmoRead32(clone, 0), 5, "clone's own page")
            checks.eq(vmoInfo(clone).1.committed_bytes, vmoPage, "one page of its own")
            checks.eq(vmoInfo(setup.vmo).1.committed_bytes, 2 * vmoPage, "the parent's pages stay its own")
            // Through a mapping: a read maps the pager's page read-only, a write forks it.
            let address = vmoMap(checks, clone, 4 * vmoPage)
            checks.eq(try? vmoLoad32(address + UInt(vmoPage)).get(), pagerTag(1), "mapped read")
            checks.ok(vmoStore32(9, address + UInt(vmoPage)), "mapped write forks")
            checks.eq(vmoRead32(setup.vmo, vmoPage), pagerTag(1), "parent page untouched")
            checks.ok(zx_vmar_unmap(zx_vmar_root_self(), address, 4 * Int(vmoPage)))
            // The pager VMO goes first: the clone keeps seeing what it saw, misses now fail.
            _ = zx_handle_close(setup.vmo)
            checks.eq(pagerPacket(setup.port)?.page_request.command, ZX_PAGER_VMO_COMPLETE, "COMPLETE")
            checks.eq(vmoRead32(clone, 0), 5, "own page")
            var word: UInt32 = 0
            checks.st(zx_vmo_read(clone, &word, 3 * vmoPage, 4), ZX_ERR_BAD_STATE, "a miss after the pager VMO died")
            _ = zx_handle_close(clone)
            _ = zx_handle_close(setup.pager)
            _ = zx_handle_close(setup.port)
        }
        checks.report()
        #expect(kernel.memoryStats.freePages == baseline)
    }

    /// Evicting the pager's clean pages (detach) removes the clone's read-only translations of
    /// them: a later access faults again instead of reading a freed page.
    @Test func detachEvictionReachesCloneMappings() throws {
        let kernel = try Kernel(memorySize: 32 << 20)
        let process = try kernel.createProcess(name: "pager-clone-detach")
        let baseline = kernel.memoryStats.freePages
        let checks = VmoChecks()
        try process.run {
            let setup = PagerSetup(checks, pages: 2)
            checks.ok(pagerSupply(setup.pager, setup.vmo, 0, 2 * vmoPage))
            let clone = vmoChildStatus(setup.vmo, ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE, 0, 2 * vmoPage).1
            let address = vmoMap(checks, clone, 2 * vmoPage)
            checks.eq(try? vmoLoad32(address).get(), pagerTag(0), "mapped through")
            checks.ok(zx_pager_detach_vmo(setup.pager, setup.vmo))
            switch vmoLoad32(address) {
            case .success(let value): checks.record("read \(value) from an evicted page", #_sourceLocation)
            case .failure(let fault): checks.st(fault.status, ZX_ERR_BAD_STATE, "the page is gone; the pager detached")
            }
            checks.ok(zx_vmar_unmap(zx_vmar_root_self(), address, 2 * Int(vmoPage)))
            _ = zx_handle_close(clone)
            setup.close()
        }
        checks.report()
        #expect(kernel.memoryStats.freePages == baseline)
    }
}
