// The user pager (reference §5, profile NEW): creation and its checks, page requests and their
// batching and de-duplication, supply (moving pages out of the auxiliary VMO), FAIL, detach,
// pager close, COMPLETE, and faults through mappings that block until the pager answers.
//
// Zircon counterpart: zircon/system/utest/core/pager (pager.cc, test_thread.cc): the same
// scenarios, driven through our zx_* surface with a pager thread and client threads.

import Synchronization
import Testing
import Zirconia

@Suite struct PagerTests {
    @Test func createChecksAndInfo() throws {
        try vmoInFreshProcess { checks in
            var pager = ZX_HANDLE_INVALID
            checks.st(zx_pager_create(1, &pager), ZX_ERR_INVALID_ARGS, "options")
            checks.ok(zx_pager_create(0, &pager))
            checks.eq(handleBasic(pager).rights, ZX_DEFAULT_PAGER_RIGHTS, "pager rights")
            checks.eq(handleBasic(pager).type, ZX_OBJ_TYPE_PAGER, "pager type")
            var port = ZX_HANDLE_INVALID
            checks.ok(zx_port_create(0, &port))
            var vmo = ZX_HANDLE_INVALID
            checks.st(zx_pager_create_vmo(pager, ZX_VMO_DISCARDABLE, port, 0, vmoPage, &vmo), ZX_ERR_INVALID_ARGS)
            checks.st(zx_pager_create_vmo(pager, ~0, port, 0, vmoPage, &vmo), ZX_ERR_INVALID_ARGS)
            checks.st(zx_pager_create_vmo(port, 0, port, 0, vmoPage, &vmo), ZX_ERR_WRONG_TYPE, "pager is a port")
            // The port's WRITE right is checked before its type.
            let notWritable = vmoDup(port, ZX_RIGHT_READ | ZX_RIGHT_TRANSFER)
            checks.st(zx_pager_create_vmo(pager, 0, notWritable, 0, vmoPage, &vmo), ZX_ERR_ACCESS_DENIED)
            let (_, other) = vmoCreate(vmoPage)
            checks.st(zx_pager_create_vmo(pager, 0, other, 0, vmoPage, &vmo), ZX_ERR_WRONG_TYPE, "port is a vmo")
            checks.st(zx_pager_create_vmo(pager, 0, port, 0, UInt64.max, &vmo), ZX_ERR_OUT_OF_RANGE)
            checks.ok(zx_pager_create_vmo(pager, ZX_VMO_RESIZABLE, port, 0, 3 * vmoPage, &vmo))
            checks.eq(vmoHandleRights(vmo), ZX_DEFAULT_VMO_RIGHTS | ZX_RIGHT_RESIZE, "vmo rights")
            let info = vmoInfo(vmo).1
            checks.yes(info.flags & ZX_INFO_VMO_PAGER_BACKED != 0, "PAGER_BACKED")
            checks.eq(info.committed_bytes, 0, "nothing present")
            checks.eq(vmoContentSize(vmo).1, 3 * vmoPage, "content size")
            checks.yes(vmoHasNoChildren(vmo), "ZERO_CHILDREN")
            checks.yes(pagerPacket(port) == nil, "creating asks nothing")
            for handle in [vmo, other, notWritable, port, pager] { _ = zx_handle_close(handle) }
        }
    }

    /// Supplying before any access pre-populates: reads see the content and no request is made;
    /// the auxiliary VMO's range is decommitted (its pages moved, not copied).
    @Test func supplyBeforeAccessMovesPages() throws {
        let kernel = try Kernel(memorySize: 32 << 20)
        let process = try kernel.createProcess(name: "pager-supply")
        let baseline = kernel.memoryStats.freePages
        let checks = VmoChecks()
        let setup = try process.run { PagerSetup(checks, pages: 4) }
        let afterCreate = kernel.memoryStats.freePages
        try process.run {
            checks.ok(pagerSupply(setup.pager, setup.vmo, 0, 2 * vmoPage))
            checks.eq(vmoRead32(setup.vmo, vmoPage), pagerTag(1), "supplied page")
            checks.eq(vmoInfo(setup.vmo).1.committed_bytes, 2 * vmoPage, "two pages present")
            checks.yes(pagerPacket(setup.port) == nil, "no request for supplied pages")
        }
        #expect(afterCreate - kernel.memoryStats.freePages == 2, "moved, not copied (the aux VMO is closed)")
        try process.run {
            // Pages already present are not replaced.
            var aux = ZX_HANDLE_INVALID
            checks.ok(zx_vmo_create(vmoPage, 0, &aux))
            checks.ok(vmoWrite32(aux, 0xdead, 0))
            checks.ok(zx_pager_supply_pages(setup.pager, setup.vmo, 0, vmoPage, aux, 0))
            checks.eq(vmoRead32(setup.vmo, 0), pagerTag(0), "existing page kept")
            checks.eq(vmoInfo(aux).1.committed_bytes, 0, "aux range decommitted")
            _ = zx_handle_close(aux)
            setup.close()
        }
        checks.report()
        #expect(kernel.memoryStats.freePages == baseline)
    }

    /// A 2-page read straddling a page boundary blocks and produces one request (0, 2P); the
    /// supply wakes it and the read returns the pager's bytes.
    @Test func readBlocksUntilSupplied() throws {
        let kernel = try Kernel(memorySize: 32 << 20)
        let process = try kernel.createProcess(name: "pager-read")
        let baseline = kernel.memoryStats.freePages
        let checks = VmoChecks()
        let setup = try process.run { PagerSetup(checks, pages: 4) }
        let reader = try process.startThread {
            var words = [UInt32](repeating: 0, count: 2)
            let status = words.withUnsafeMutableBytes { zx_vmo_read(setup.vmo, $0.baseAddress, vmoPage - 4, 8) }
            checks.ok(status, "blocked read")
            checks.eq(words[1], pagerTag(1), "second page's first word")
        }
        try process.run {
            guard let packet = pagerPacket(setup.port, deadline: ZX_TIME_INFINITE) else { return }
            checks.eq(packet.key, 42, "key")
            checks.eq(packet.type, ZX_PKT_TYPE_PAGE_REQUEST, "type")
            checks.eq(packet.page_request.command, ZX_PAGER_VMO_READ, "command")
            checks.eq(packet.page_request.offset, 0, "offset")
            checks.eq(packet.page_request.length, 2 * vmoPage, "one batched request")
            checks.ok(pagerSupply(setup.pager, setup.vmo, 0, 2 * vmoPage))
        }
        try reader.join()
        try process.run {
            checks.yes(pagerPacket(setup.port) == nil, "no further request")
            setup.close()
        }
        checks.report()
        #expect(kernel.memoryStats.freePages == baseline)
    }

    /// Four threads fault the same page through a mapping: one request, not four.
    @Test func concurrentFaultsMakeOneRequest() throws {
        let kernel = try Kernel(memorySize: 32 << 20)
        let process = try kernel.createProcess(name: "pager-dedupe")
        let checks = VmoChecks()
        let (setup, address) = try process.run { () -> (PagerSetup, zx_vaddr_t) in
            let setup = PagerSetup(checks, pages: 2)
            return (setup, vmoMap(checks, setup.vmo, 2 * vmoPage))
        }
        let blocked = Atomic<Int>(0)
        let faulters = try (0..<4).map { _ in
            try process.startThread {
                blocked.add(1, ordering: .relaxed)
                checks.eq(try? vmoLoad32(address + 8).get(), 0, "served page, word 2")
                checks.eq(try? vmoLoad32(address).get(), pagerTag(0), "served page")
            }
        }
        try process.run {
            guard let packet = pagerPacket(setup.port, deadline: ZX_TIME_INFINITE) else { return }
            checks.eq(packet.page_request.length, vmoPage, "mapped faults ask one page")
            // Let every faulter reach the fault before answering (they block on the request).
            _ = spinUntil { blocked.load(ordering: .relaxed) == 4 }
            checks.ok(pagerSupply(setup.pager, setup.vmo, 0, vmoPage))
        }
        for faulter in faulters { try faulter.join() }
        try process.run {
            var extra = 0
            while pagerPacket(setup.port) != nil { extra += 1 }
            checks.eq(extra, 0, "duplicate requests")
            setup.close()
        }
        checks.report()
    }

    /// ZX_PAGER_OP_FAIL: vmo_read returns the pager's status, a mapped access takes a fatal
    /// PageFault carrying it; failing is not sticky.
    @Test func failedRequestsReachReadersAndFaulters() throws {
        let kernel = try Kernel(memorySize: 32 << 20)
        let process = try kernel.createProcess(name: "pager-fail")
        let checks = VmoChecks()
        let (setup, address) = try process.run { () -> (PagerSetup, zx_vaddr_t) in
            let setup = PagerSetup(checks, pages: 2)
            return (setup, vmoMap(checks, setup.vmo, 2 * vmoPage))
        }
        let reader = try process.startThread {
            var word: UInt32 = 0
            checks.st(zx_vmo_read(setup.vmo, &word, 0, 4), ZX_ERR_IO_DATA_INTEGRITY, "read sees the pager's status")
        }
        try process.run {
            guard let packet = pagerPacket(setup.port, deadline: ZX_TIME_INFINITE) else { return }
            checks.st(zx_pager_op_range(setup.pager, ZX_PAGER_OP_FAIL, setup.vmo, 0, vmoPage, UInt64(bitPattern: Int64(ZX_ERR_INTERNAL))),
                      ZX_ERR_INVALID_ARGS, "status outside the allowed set")
            checks.st(zx_pager_op_range(setup.pager, ZX_PAGER_OP_FAIL, setup.vmo, 0, vmoPage, 0x11ff_ffff_ff),
                      ZX_ERR_INVALID_ARGS, "not a sign-extended status")
            checks.ok(zx_pager_op_range(setup.pager, ZX_PAGER_OP_FAIL, setup.vmo, packet.page_request.offset,
                                        vmoPage, UInt64(bitPattern: Int64(ZX_ERR_IO_DATA_INTEGRITY))))
        }
        try reader.join()
        let faulter = try process.startThread {
            switch vmoLoad32(address + UInt(vmoPage)) {
            case .success: checks.record("load of a failed page succeeded", #_sourceLocation)
            case .failure(let fault): checks.st(fault.status, ZX_ERR_IO, "fault carries the pager's status")
            }
        }
        try process.run {
            guard let packet = pagerPacket(setup.port, deadline: ZX_TIME_INFINITE) else { return }
            checks.eq(packet.page_request.offset, vmoPage, "second page asked")
            checks.ok(zx_pager_op_range(setup.pager, ZX_PAGER_OP_FAIL, setup.vmo, vmoPage, vmoPage,
                                        UInt64(bitPattern: Int64(ZX_ERR_IO))))
        }
        try faulter.join()
        // Not sticky: the next access asks again, and a supply then succeeds.
        let retry = try process.startThread { checks.eq(vmoRead32(setup.vmo, 0), pagerTag(0), "retried read") }
        try process.run {
            guard let packet = pagerPacket(setup.port, deadline: ZX_TIME_INFINITE) else { return }
            checks.eq(packet.page_request.offset, 0, "asked again")
            checks.ok(pagerSupply(setup.pager, setup.vmo, 0, vmoPage))
        }
        try retry.join()
        #expect(process.isAlive, "caught page faults leave the process alive")
        try process.run { setup.close() }
        checks.report()
    }

    /// Detach: waiters fail with BAD_STATE, clean pages are evicted, COMPLETE comes last, and
    /// supply or any later miss fails with BAD_STATE.
    @Test func detachFailsWaitersAndEvictsCleanPages() throws {
        let kernel = try Kernel(memorySize: 32 << 20)
        let process = try kernel.createProcess(name: "pager-detach")
        let baseline = kernel.memoryStats.freePages
        let checks = VmoChecks()
        let setup = try process.run { () -> PagerSetup in
            let setup = PagerSetup(checks, pages: 3)
            checks.ok(pagerSupply(setup.pager, setup.vmo, 0, vmoPage))
            return setup
        }
        let reader = try process.startThread {
            var word: UInt32 = 0
            checks.st(zx_vmo_read(setup.vmo, &word, vmoPage, 4), ZX_ERR_BAD_STATE, "woken by detach")
        }
        try process.run {
            guard let packet = pagerPacket(setup.port, deadline: ZX_TIME_INFINITE) else { return }
            checks.eq(packet.page_request.offset, vmoPage, "request")
            checks.ok(zx_pager_detach_vmo(setup.pager, setup.vmo))
        }
        try reader.join()
        try process.run {
            guard let complete = pagerPacket(setup.port) else {
                checks.record("no COMPLETE after detach", #_sourceLocation)
                return
            }
            checks.eq(complete.page_request.command, ZX_PAGER_VMO_COMPLETE, "COMPLETE")
            checks.eq(vmoInfo(setup.vmo).1.committed_bytes, 0, "clean page evicted")
            checks.st(pagerSupply(setup.pager, setup.vmo, 0, vmoPage), ZX_ERR_BAD_STATE, "supply after detach")
            var word: UInt32 = 0
            checks.st(zx_vmo_read(setup.vmo, &word, 0, 4), ZX_ERR_BAD_STATE, "miss after detach")
            checks.st(zx_pager_op_range(setup.pager, ZX_PAGER_OP_FAIL, setup.vmo, 0, vmoPage,
                                        UInt64(bitPattern: Int64(ZX_ERR_IO))), ZX_ERR_BAD_STATE, "FAIL after detach")
            _ = zx_handle_close(setup.vmo)
            checks.yes(pagerPacket(setup.port) == nil, "COMPLETE only once")
            _ = zx_handle_close(setup.pager)
            _ = zx_handle_close(setup.port)
        }
        checks.report()
        #expect(kernel.memoryStats.freePages == baseline)
    }

    /// Closing the pager fails waiting faults with BAD_STATE, keeps present pages readable, and
    /// sends no COMPLETE; destroying a VMO of a live pager sends one.
    @Test func pagerCloseAndVmoDestruction() throws {
        let kernel = try Kernel(memorySize: 32 << 20)
        let process = try kernel.createProcess(name: "pager-close")
        let checks = VmoChecks()
        let (setup, address) = try process.run { () -> (PagerSetup, zx_vaddr_t) in
            let setup = PagerSetup(checks, pages: 2)
            checks.ok(pagerSupply(setup.pager, setup.vmo, 0, vmoPage))
            // A second VMO: destroying it while the pager lives sends COMPLETE with its key.
            var other = ZX_HANDLE_INVALID
            checks.ok(zx_pager_create_vmo(setup.pager, 0, setup.port, 7, vmoPage, &other))
            _ = zx_handle_close(other)
            let packet = pagerPacket(setup.port)
            checks.eq(packet?.key, 7, "COMPLETE for the destroyed VMO")
            checks.eq(packet?.page_request.command, ZX_PAGER_VMO_COMPLETE, "COMPLETE")
            return (setup, vmoMap(checks, setup.vmo, 2 * vmoPage))
        }
        let faulter = try process.startThread {
            switch vmoLoad32(address + UInt(vmoPage)) {
            case .success: checks.record("load after pager close succeeded", #_sourceLocation)
            case .failure(let fault): checks.st(fault.status, ZX_ERR_BAD_STATE, "pager closed")
            }
        }
        try process.run {
            guard pagerPacket(setup.port, deadline: ZX_TIME_INFINITE) != nil else { return }
            _ = zx_handle_close(setup.pager)
        }
        try faulter.join()
        try process.run {
            checks.eq(try? vmoLoad32(address).get(), pagerTag(0), "present page still readable")
            checks.yes(pagerPacket(setup.port) == nil, "no COMPLETE once the pager closed")
            _ = zx_handle_close(setup.vmo)
            _ = zx_handle_close(setup.port)
        }
        checks.report()
    }

    /// Shrinking below a pending request wakes the waiter with OUT_OF_RANGE; growing exposes
    /// kernel zeros without asking the pager.
    @Test func resizeAroundRequests() throws {
        let kernel = try Kernel(memorySize: 32 << 20)
        let process = try kernel.createProcess(name: "pager-resize")
        let checks = VmoChecks()
        let setup = try process.run { PagerSetup(checks, pages: 4, options: ZX_VMO_RESIZABLE) }
        let reader = try process.startThread {
            var word: UInt32 = 0
            checks.st(zx_vmo_read(setup.vmo, &word, 3 * vmoPage, 4), ZX_ERR_OUT_OF_RANGE, "request cut off")
        }
        try process.run {
            guard pagerPacket(setup.port, deadline: ZX_TIME_INFINITE) != nil else { return }
            checks.ok(zx_vmo_set_size(setup.vmo, 2 * vmoPage))
        }
        try reader.join()
        try process.run {
            checks.ok(zx_vmo_set_size(setup.vmo, 5 * vmoPage))
            checks.eq(vmoRead32(setup.vmo, 4 * vmoPage), 0, "grown range reads zero")
            checks.yes(pagerPacket(setup.port) == nil, "no request for the kernel's zeros")
            var ranges = [zx_vmo_dirty_range_t](repeating: zx_vmo_dirty_range_t(), count: 4)
            var actual = 0, avail = 0
            let status = ranges.withUnsafeMutableBytes {
                zx_pager_query_dirty_ranges(setup.pager, setup.vmo, 0, 5 * vmoPage, $0.baseAddress, $0.count,
                                            &actual, &avail)
            }
            checks.ok(status)
            checks.eq(actual, 1, "one zero range")
            checks.eq(ranges[0], zx_vmo_dirty_range_t(offset: 2 * vmoPage, length: 3 * vmoPage,
                                                      options: ZX_VMO_DIRTY_RANGE_IS_ZERO), "zero range")
            setup.close()
        }
        checks.report()
    }

    @Test func childKindsAndRangeOps() throws {
        try vmoInFreshProcess { checks in
            let setup = PagerSetup(checks, pages: 4)
            checks.ok(pagerSupply(setup.pager, setup.vmo, 0, 4 * vmoPage))
            checks.st(vmoChildStatus(setup.vmo, ZX_VMO_CHILD_SNAPSHOT, 0, vmoPage).0, ZX_ERR_NOT_SUPPORTED, "snapshot")
            let (status, slice) = vmoChildStatus(setup.vmo, ZX_VMO_CHILD_SLICE, vmoPage, vmoPage)
            checks.ok(status, "slice")
            checks.eq(vmoRead32(slice, 0), pagerTag(1), "slice sees the pager's page")
            checks.yes(vmoInfo(slice).1.flags & ZX_INFO_VMO_PAGER_BACKED != 0, "slice is pager-backed")
            checks.st(vmoOp(setup.vmo, ZX_VMO_OP_DECOMMIT, 0, vmoPage), ZX_ERR_NOT_SUPPORTED, "decommit")
            checks.st(zx_pager_op_range(setup.pager, 0, setup.vmo, 0, vmoPage, 0), ZX_ERR_NOT_SUPPORTED, "op 0")
            checks.st(zx_pager_op_range(setup.pager, ZX_PAGER_OP_DIRTY, setup.vmo, 1, vmoPage, 0), ZX_ERR_INVALID_ARGS)
            checks.st(zx_pager_op_range(setup.pager, ZX_PAGER_OP_DIRTY, setup.vmo, 0, 8 * vmoPage, 0), ZX_ERR_OUT_OF_RANGE)
            let (_, stranger) = vmoCreate(vmoPage)
            checks.st(zx_pager_op_range(setup.pager, ZX_PAGER_OP_DIRTY, stranger, 0, vmoPage, 0), ZX_ERR_INVALID_ARGS,
                      "not this pager's VMO")
            checks.st(zx_pager_supply_pages(setup.pager, setup.vmo, 0, vmoPage, setup.vmo, 0), ZX_ERR_NOT_SUPPORTED,
                      "aux is pager-backed")
            let readOnly = vmoDup(stranger, ZX_RIGHT_READ)
            checks.st(zx_pager_supply_pages(setup.pager, setup.vmo, 0, vmoPage, readOnly, 0), ZX_ERR_ACCESS_DENIED,
                      "aux needs READ and WRITE")
            for handle in [slice, stranger, readOnly] { _ = zx_handle_close(handle) }
            setup.close()
        }
    }

    /// Dirty tracking: a supplied page is Clean; a write makes it Dirty; WRITEBACK_BEGIN/END make
    /// it Clean again; with TRAP_DIRTY the write waits for ZX_PAGER_OP_DIRTY.
    @Test func dirtyStateTransitions() throws {
        let kernel = try Kernel(memorySize: 32 << 20)
        let process = try kernel.createProcess(name: "pager-dirty")
        let checks = VmoChecks()
        func dirtyRanges(_ setup: PagerSetup) -> [zx_vmo_dirty_range_t] {
            var ranges = [zx_vmo_dirty_range_t](repeating: zx_vmo_dirty_range_t(), count: 8)
            var actual = 0, avail = 0
            let status = ranges.withUnsafeMutableBytes {
                zx_pager_query_dirty_ranges(setup.pager, setup.vmo, 0, 4 * vmoPage, $0.baseAddress, $0.count,
                                            &actual, &avail)
            }
            checks.ok(status, "query")
            return Array(ranges.prefix(actual))
        }
        try process.run {
            let setup = PagerSetup(checks, pages: 4)
            checks.ok(pagerSupply(setup.pager, setup.vmo, 0, 4 * vmoPage))
            checks.eq(dirtyRanges(setup), [], "supplied pages are clean")
            checks.ok(vmoWrite32(setup.vmo, 5, vmoPage))
            checks.ok(vmoWrite32(setup.vmo, 6, 2 * vmoPage))
            checks.eq(dirtyRanges(setup), [zx_vmo_dirty_range_t(offset: vmoPage, length: 2 * vmoPage)], "dirty run")
            checks.ok(zx_pager_op_range(setup.pager, ZX_PAGER_OP_WRITEBACK_BEGIN, setup.vmo, 0, 4 * vmoPage, 0))
            checks.eq(dirtyRanges(setup).count, 1, "awaiting clean is still reported")
            checks.ok(vmoWrite32(setup.vmo, 7, 2 * vmoPage))   // dirty again during write-back
            checks.ok(zx_pager_op_range(setup.pager, ZX_PAGER_OP_WRITEBACK_END, setup.vmo, 0, 4 * vmoPage, 0))
            checks.eq(dirtyRanges(setup), [zx_vmo_dirty_range_t(offset: 2 * vmoPage, length: vmoPage)],
                      "only the re-dirtied page stays dirty")
            var stats = zx_pager_vmo_stats_t()
            checks.ok(zx_pager_query_vmo_stats(setup.pager, setup.vmo, ZX_PAGER_RESET_VMO_STATS, &stats,
                                               MemoryLayout<zx_pager_vmo_stats_t>.size))
            checks.eq(stats.modified, ZX_PAGER_VMO_STATS_MODIFIED, "modified")
            checks.ok(zx_pager_query_vmo_stats(setup.pager, setup.vmo, 0, &stats, MemoryLayout<zx_pager_vmo_stats_t>.size))
            checks.eq(stats.modified, 0, "reset")
            setup.close()
        }
        // TRAP_DIRTY: a mapped write to a clean page waits for the DIRTY acknowledgement.
        let (setup, address) = try process.run { () -> (PagerSetup, zx_vaddr_t) in
            let setup = PagerSetup(checks, pages: 2, options: ZX_VMO_TRAP_DIRTY)
            checks.ok(pagerSupply(setup.pager, setup.vmo, 0, 2 * vmoPage))
            checks.st(zx_pager_op_range(setup.pager, ZX_PAGER_OP_DIRTY, setup.vmo, 0, vmoPage, 0), ZX_OK)
            return (setup, vmoMap(checks, setup.vmo, 2 * vmoPage))
        }
        let writer = try process.startThread {
            checks.eq(try? vmoLoad32(address + UInt(vmoPage)).get(), pagerTag(1), "read needs no acknowledgement")
            checks.ok(vmoStore32(99, address + UInt(vmoPage)), "write after acknowledgement")
        }
        try process.run {
            guard let packet = pagerPacket(setup.port, deadline: ZX_TIME_INFINITE) else { return }
            checks.eq(packet.page_request.command, ZX_PAGER_VMO_DIRTY, "DIRTY request")
            checks.eq(packet.page_request.offset, vmoPage, "for the written page")
            checks.ok(zx_pager_op_range(setup.pager, ZX_PAGER_OP_DIRTY, setup.vmo, vmoPage, vmoPage, 0))
        }
        try writer.join()
        try process.run {
            checks.eq(vmoRead32(setup.vmo, vmoPage), 99, "the write landed")
            setup.close()
        }
        checks.report()
    }

    /// ZX_VMAR_OP_COMMIT over a pager mapping asks for the missing run in one request and waits
    /// (without holding the aspace lock: the pager answers from the same process); a failure is
    /// the call's result.
    @Test func vmarCommitWaitsForThePager() throws {
        let kernel = try Kernel(memorySize: 32 << 20)
        let process = try kernel.createProcess(name: "pager-vmar-commit")
        let checks = VmoChecks()
        let (setup, address) = try process.run { () -> (PagerSetup, zx_vaddr_t) in
            let setup = PagerSetup(checks, pages: 4)
            return (setup, vmoMap(checks, setup.vmo, 4 * vmoPage))
        }
        let committer = try process.startThread {
            checks.ok(zx_vmar_op_range(zx_vmar_root_self(), ZX_VMAR_OP_COMMIT, address, 2 * Int(vmoPage), nil, 0),
                      "commit waits for the supply")
            checks.st(zx_vmar_op_range(zx_vmar_root_self(), ZX_VMAR_OP_COMMIT, address + 2 * UInt(vmoPage),
                                       Int(vmoPage), nil, 0), ZX_ERR_IO, "a failed request is the result")
        }
        try process.run {
            guard let first = pagerPacket(setup.port, deadline: ZX_TIME_INFINITE) else { return }
            checks.eq(first.page_request.offset, 0, "offset")
            checks.eq(first.page_request.length, 2 * vmoPage, "one batched request")
            // Mapping something while the other thread waits needs the aspace lock: not held.
            _ = mapScratch(checks, pages: 1)
            checks.ok(pagerSupply(setup.pager, setup.vmo, 0, 2 * vmoPage))
            guard let second = pagerPacket(setup.port, deadline: ZX_TIME_INFINITE) else { return }
            checks.eq(second.page_request.offset, 2 * vmoPage, "next request")
            checks.ok(zx_pager_op_range(setup.pager, ZX_PAGER_OP_FAIL, setup.vmo, 2 * vmoPage, vmoPage,
                                        UInt64(bitPattern: Int64(ZX_ERR_IO))))
        }
        try committer.join()
        try process.run {
            checks.eq(vmoInfo(setup.vmo).1.committed_bytes, 2 * vmoPage, "two pages present")
            setup.close()
        }
        checks.report()
    }
}
