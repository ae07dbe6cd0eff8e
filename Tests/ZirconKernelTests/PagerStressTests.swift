// The user pager under load and across process death: a pool of pager threads serving four
// faulting threads over thousands of pages with some requests failed on purpose (no lost
// wake-up, no deadlock, every page right, nothing leaked); a client process that dies of an
// unhandled pager failure mid-way through its mappings while holding channels and the pager
// VMO; and a thread blocked on the pager that is killed.
//
// Zircon counterpart: zircon/system/utest/core/pager (the multi-threaded and failure tests).

import Synchronization
import Testing
@testable import ZirconKernel
import Zirconia

@Suite struct PagerStressTests {
    /// 3 pager threads, 4 faulting threads, 2,048 pages, each faulter in its own order; pages
    /// with `page % 97 == 13` are failed every time they are asked for.
    @Test func pagerPoolServesFaultingThreads() throws {
        let pages = 2048
        let kernel = try Kernel(memorySize: 64 << 20)
        let process = try kernel.createProcess(name: "pager-stress")
        let baseline = kernel.memoryStats.freePages
        let checks = VmoChecks()
        let (setup, address) = try process.run { () -> (PagerSetup, zx_vaddr_t) in
            let setup = PagerSetup(checks, pages: pages)
            return (setup, vmoMap(checks, setup.vmo, UInt64(pages) * vmoPage))
        }
        let stats = PagerServeStats()
        let failing: @Sendable (UInt64) -> Bool = { $0 % 97 == 13 }
        let servers = try (0..<3).map { _ in
            try process.startThread { pagerServe(setup.pager, setup.port, setup.vmo, stats: stats, shouldFail: failing) }
        }
        let wrong = Atomic<Int>(0)
        let faulters = try (0..<4).map { index in
            try process.startThread {
                var rng = SplitMix(state: UInt64(index) &+ 11)
                var order = Array(0..<pages)
                if index > 0 { order.shuffle(using: &rng) }
                if index == 3 { order.reverse() }
                for page in order {
                    let result = vmoLoad32(address + UInt(page) * UInt(vmoPage))
                    switch result {
                    case .success(let value) where !failing(UInt64(page)) && value == pagerTag(UInt64(page)):
                        break
                    case .failure(let fault) where failing(UInt64(page)) && fault.status == ZX_ERR_IO:
                        break
                    default:
                        if wrong.add(1, ordering: .relaxed).newValue == 1 {
                            checks.record("faulter \(index) page \(page): \(result) (seed \(index + 11))", #_sourceLocation)
                        }
                    }
                }
            }
        }
        for faulter in faulters { try faulter.join() }
        try process.run { for _ in servers { pagerStopServing(setup.port) } }
        for server in servers { try server.join() }
        #expect(wrong.load(ordering: .relaxed) == 0)
        let failingPages = (0..<UInt64(pages)).filter(failing).count
        // Each good page is asked for once; a failed page may be asked for by every faulter.
        let requested = stats.pagesRequested.load(ordering: .relaxed)
        #expect(requested >= pages, "every page was asked for")
        #expect(requested <= pages + 3 * failingPages, "duplicate requests for supplied pages")
        try process.run {
            checks.eq(vmoInfo(setup.vmo).1.committed_bytes, UInt64(pages - failingPages) * vmoPage, "committed")
            _ = zx_vmar_unmap(zx_vmar_root_self(), address, pages * Int(vmoPage))
            setup.close()
        }
        checks.report()
        #expect(kernel.memoryStats.freePages == baseline)
    }

    /// The client maps the pager VMO it received over a channel, reads supplied pages, then
    /// faults on one the pager fails. The fault is unhandled: the client dies with
    /// ZX_TASK_RETCODE_EXCEPTION_KILL; its handles close (the pager process's channel end sees
    /// PEER_CLOSED, the VMO's destruction sends COMPLETE); nothing leaks.
    @Test func clientDiesOfAFailedPageCleanly() throws {
        let kernel = try Kernel(memorySize: 32 << 20)
        let server = try kernel.createProcess(name: "pager-server")
        // After the server (which lives on, with its page tables); the client dies.
        let baseline = kernel.memoryStats.freePages
        let client = try kernel.createProcess(name: "client")
        let checks = VmoChecks()
        let serverHandles = server.dispatcher.handles.count
        let (setup, mine, theirs, given) = try server.run { () -> (PagerSetup, zx_handle_t, zx_handle_t, zx_handle_t) in
            let setup = PagerSetup(checks, pages: 8)
            checks.ok(pagerSupply(setup.pager, setup.vmo, 0, 4 * vmoPage))
            var mine = ZX_HANDLE_INVALID, theirs = ZX_HANDLE_INVALID
            checks.ok(zx_channel_create(0, &mine, &theirs))
            return (setup, mine, theirs, vmoDup(setup.vmo, ZX_RIGHT_SAME_RIGHTS))
        }
        let vmoInClient = try client.transferHandle(given, from: server)
        let channelInClient = try client.transferHandle(theirs, from: server)
        let stats = PagerServeStats()
        let pagerThread = try server.startThread {
            pagerServe(setup.pager, setup.port, setup.vmo, stats: stats, shouldFail: { $0 >= 6 })
        }
        let outcome = Result { () throws -> Void in
            try client.run {
                var address: zx_vaddr_t = 0
                checks.ok(zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, vmoInClient, 0,
                                      8 * Int(vmoPage), &address))
                checks.eq(try UserMemory.load(UInt32.self, from: address + UInt(vmoPage)), pagerTag(1), "supplied")
                checks.eq(try UserMemory.load(UInt32.self, from: address + 5 * UInt(vmoPage)), pagerTag(5), "served")
                try UserMemory.store(UInt32(3), to: address + 2 * UInt(vmoPage))
                _ = try UserMemory.load(UInt32.self, from: address + 7 * UInt(vmoPage))   // failed: unhandled
                checks.record("the failed page was readable", #_sourceLocation)
            }
        }
        #expect((try? outcome.get()) == nil, "the fault escaped run")
        client.wait()
        #expect(client.returnCode == ZX_TASK_RETCODE_EXCEPTION_KILL)
        #expect(client.lastException?.status == ZX_ERR_IO)
        // The server's own handle is the VMO's last reference now: closing it sends COMPLETE.
        try server.run { _ = zx_handle_close(setup.vmo) }
        try pagerThread.join()
        #expect(stats.completes.load(ordering: .relaxed) == 1, "COMPLETE once the VMO is gone")
        try server.run {
            var observed: zx_signals_t = 0
            checks.ok(zx_object_wait_one(mine, ZX_CHANNEL_PEER_CLOSED, 0, &observed), "peer closed")
            _ = zx_handle_close(mine)
            _ = zx_handle_close(setup.pager)
            _ = zx_handle_close(setup.port)
        }
        #expect(server.dispatcher.handles.count == serverHandles, "server handles back to where they were")
        checks.report()
        #expect(kernel.memoryStats.freePages == baseline)
        _ = channelInClient
    }

    /// A thread blocked on a page request is killed with its process: it unwinds, the process
    /// dies, and a late supply is harmless.
    @Test func killWakesAThreadBlockedOnThePager() throws {
        let kernel = try Kernel(memorySize: 32 << 20)
        let server = try kernel.createProcess(name: "pager-server")
        // After the server (which lives on, with its page tables); the client dies.
        let baseline = kernel.memoryStats.freePages
        let client = try kernel.createProcess(name: "client")
        let checks = VmoChecks()
        let (setup, given) = try server.run { () -> (PagerSetup, zx_handle_t) in
            let setup = PagerSetup(checks, pages: 2)
            return (setup, vmoDup(setup.vmo, ZX_RIGHT_SAME_RIGHTS))
        }
        let vmoInClient = try client.transferHandle(given, from: server)
        let blocked = try client.startThread {
            var word: UInt32 = 0
            _ = zx_vmo_read(vmoInClient, &word, 0, 4)
            throw ZxStatus.internalIntrKilled
        }
        try server.run {
            guard pagerPacket(setup.port, deadline: ZX_TIME_INFINITE) != nil else { return }
            client.kill()
        }
        #expect(client.wait() == ZX_TASK_RETCODE_SYSCALL_KILL)
        #expect(throws: (any Error).self) { try blocked.join() }
        try server.run {
            checks.ok(pagerSupply(setup.pager, setup.vmo, 0, vmoPage), "late supply")
            checks.eq(vmoRead32(setup.vmo, 0), pagerTag(0), "the supply landed")
            setup.close()
        }
        checks.report()
        #expect(kernel.memoryStats.freePages == baseline)
    }
}
