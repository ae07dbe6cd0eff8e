// Process death: zx_process_exit from one of several threads, zx_task_kill from another
// process, and an uncaught fatal page fault in a process that holds VMOs, mappings, sub-VMARs
// and many handles — every thread stops, every handle closes, every page goes back to the PMM,
// ZX_PROCESS_TERMINATED is asserted and ZX_INFO_PROCESS reports the return code, while another
// process keeps working.
//
// Zircon counterpart: zircon/system/utest/core/process (exit, kill), exceptions tests
// (an unhandled fatal page fault kills the process with ZX_TASK_RETCODE_EXCEPTION_KILL).

import Synchronization
import Testing
@testable import ZirconKernel
import Zirconia

private func processInfo(_ handle: zx_handle_t) -> (zx_status_t, zx_info_process_t) {
    var info = zx_info_process_t()
    var actual = 0, avail = 0
    let status = zx_object_get_info(handle, ZX_INFO_PROCESS, &info,
                                    MemoryLayout<zx_info_process_t>.size, &actual, &avail)
    return (status, info)
}

/// Joins `thread` and returns the status its closure ended with: ZX_OK for a normal return, the
/// ZxStatus or PageFault status it threw, or ZX_ERR_INTERNAL for anything else.
private func endStatus(_ thread: ThreadHandle) -> zx_status_t {
    do {
        try thread.join()
        return ZX_OK
    } catch let status as ZxStatus {
        return status.rawValue
    } catch let fault as PageFault {
        return fault.status
    } catch {
        return ZX_ERR_INTERNAL
    }
}

/// Starts the three kinds of busy threads a dying process must stop: one looping on syscalls,
/// one on TLB hits, one creating and closing objects. Each sets its flag at `base + 8 * i`
/// before it loops. They end only when killed.
private func startBusyThreads(_ process: Process, base: zx_vaddr_t) throws -> [ThreadHandle] {
    [
        try process.startThread(name: "syscalls") {
            try UserMemory.store(UInt64(1), to: base)
            var actual = 0, avail = 0
            var status = ZX_OK
            while status == ZX_OK {
                status = zx_object_get_info(zx_process_self(), ZX_INFO_HANDLE_VALID, nil, 0, &actual, &avail)
            }
            throw ZxStatus(rawValue: status)
        },
        try process.startThread(name: "memory") {
            try UserMemory.store(UInt64(1), to: base + 8)
            while true { _ = try UserMemory.load(UInt64.self, from: base + 16) }
        },
        try process.startThread(name: "objects") {
            try UserMemory.store(UInt64(1), to: base + 16)
            while true {
                let vmo = try Vmo(size: 4096)
                try vmo.write([1, 2, 3], at: 0)
            }
        },
    ]
}

/// Spins until the busy threads' three flags are set (call in `run`).
private func busyThreadsRunning(_ base: zx_vaddr_t) throws -> Bool {
    try spinUntil { try (0..<3).allSatisfy { try UserMemory.load(UInt64.self, from: base + UInt(8 * $0)) == 1 } }
}

@Suite struct ProcessDeathTests {
    @Test func aCaughtPageFaultLeavesTheProcessAlive() throws {
        let kernel = try Kernel(memorySize: 16 << 20)
        let process = try kernel.createProcess(name: "handled")
        let status = try process.run { () -> zx_status_t in
            do throws(PageFault) {
                _ = try UserMemory.load(UInt64.self, from: 0x1000)
                return ZX_OK
            } catch {
                return error.status
            }
        }
        #expect(status == ZX_ERR_NOT_FOUND)
        #expect(process.isAlive)
        #expect(process.lastException == nil)
        #expect(try process.run { processInfo(zx_process_self()).1.flags } == ZX_INFO_PROCESS_FLAG_STARTED)
    }

    @Test func anUncaughtPageFaultInAStartedThreadKillsItsProcess() throws {
        let kernel = try Kernel(memorySize: 16 << 20)
        let baseline = kernel.memoryStats.freePages
        let process = try kernel.createProcess(name: "crasher")
        let thread = try process.startThread(name: "faulter") {
            try UserMemory.store(UInt8(1), to: 0x4000)
        }
        #expect(throws: PageFault(address: 0x4000, isWrite: true, status: ZX_ERR_NOT_FOUND)) {
            try thread.join()
        }
        #expect(process.wait(timeout: .seconds(10)) == ZX_TASK_RETCODE_EXCEPTION_KILL)
        #expect(process.hasExited)
        #expect(!process.isAlive)
        let exception = try #require(process.lastException)
        #expect(exception.type == ZX_EXCP_FATAL_PAGE_FAULT)
        #expect(exception.threadKoid == thread.koid)
        #expect(exception.address == 0x4000)
        #expect(exception.isWrite)
        #expect(exception.status == ZX_ERR_NOT_FOUND)
        #expect(kernel.recentLog.contains { $0.contains("fatal page fault") && $0.contains("crasher") })
        #expect(throws: ZxStatus.badState) { try process.run { 0 } }
        #expect(throws: ZxStatus.badState) { try process.startThread {} }
        #expect(kernel.memoryStats.freePages == baseline)
    }

    @Test func processExitFromOneThreadStopsTheOthers() throws {
        let kernel = try Kernel(memorySize: 32 << 20)
        let observer = try kernel.createProcess(name: "observer")
        let baseline = kernel.memoryStats.freePages
        let process = try kernel.createProcess(name: "exiter")
        let processHandle = try observer.dispatcher.handles.add(process.dispatcher, process.dispatcher.defaultRights)
        let checks = VmoChecks()
        let base = try process.run { mapScratch(checks, pages: 1) }
        let busy = try startBusyThreads(process, base: base)
        let reachedEnd = SharedCell()
        #expect(throws: ZxStatus.internalIntrKilled) {
            try process.run { () throws -> Int in
                checks.yes(try busyThreadsRunning(base), "busy threads running")
                if reachedEnd.get == 0 { try zx_process_exit(7) }
                reachedEnd.set(1)
                return 0
            }
        }
        checks.report()
        #expect(reachedEnd.get == 0, "zx_process_exit does not return")
        #expect(process.wait(timeout: .seconds(10)) == 7)
        #expect(busy.map(endStatus) == [ZX_ERR_INTERNAL_INTR_KILLED, ZX_ERR_INTERNAL_INTR_KILLED,
                                         ZX_ERR_INTERNAL_INTR_KILLED])
        #expect(busy.allSatisfy { $0.state == ZX_THREAD_STATE_DEAD })
        let info = try observer.run { processInfo(processHandle) }
        #expect(info.0 == ZX_OK)
        #expect(info.1.flags == ZX_INFO_PROCESS_FLAG_STARTED | ZX_INFO_PROCESS_FLAG_EXITED)
        #expect(info.1.return_code == 7)
        #expect(process.returnCode == 7)
        #expect(process.lastException == nil)
        #expect(process.dispatcher.handles.count == 0)
        #expect(process.dispatcher.signalsState & ZX_PROCESS_TERMINATED != 0)
        #expect(process.threadCount == 0)
        #expect(throws: ZxStatus.badState) { try process.run { 0 } }
        // A second exit or kill changes nothing.
        process.kill()
        #expect(process.returnCode == 7)
        #expect(kernel.memoryStats.freePages == baseline)
    }

    @Test func taskKillFromAnotherProcess() throws {
        let kernel = try Kernel(memorySize: 32 << 20)
        let killer = try kernel.createProcess(name: "killer")
        let victim = try kernel.createProcess(name: "victim")
        let victimHandle = try killer.dispatcher.handles.add(victim.dispatcher, victim.dispatcher.defaultRights)
        let checks = VmoChecks()
        let base = try victim.run { mapScratch(checks, pages: 1) }
        let busy = try startBusyThreads(victim, base: base)
        #expect(try victim.run { try busyThreadsRunning(base) })
        let (weakStatus, killStatus, waitStatus, observed, info) = try killer.run {
            () -> (zx_status_t, zx_status_t, zx_status_t, zx_signals_t, zx_info_process_t) in
            var weak = ZX_HANDLE_INVALID
            checks.ok(zx_handle_duplicate(victimHandle, ZX_DEFAULT_PROCESS_RIGHTS & ~ZX_RIGHT_DESTROY, &weak))
            let weakStatus = zx_task_kill(weak)
            let killStatus = zx_task_kill(victimHandle)
            var observed: zx_signals_t = 0
            let waitStatus = zx_object_wait_one(victimHandle, ZX_PROCESS_TERMINATED,
                                                zx_deadline_after(10_000_000_000), &observed)
            return (weakStatus, killStatus, waitStatus, observed, processInfo(victimHandle).1)
        }
        checks.report()
        #expect(weakStatus == ZX_ERR_ACCESS_DENIED)
        #expect(killStatus == ZX_OK)
        #expect(waitStatus == ZX_OK)
        #expect(observed & ZX_PROCESS_TERMINATED != 0)
        #expect(info.flags & ZX_INFO_PROCESS_FLAG_EXITED != 0)
        #expect(info.return_code == ZX_TASK_RETCODE_SYSCALL_KILL)
        #expect(busy.map(endStatus).allSatisfy { $0 == ZX_ERR_INTERNAL_INTR_KILLED })
        #expect(victim.hasExited)
        #expect(killer.isAlive)
        #expect(try killer.run { 1 } == 1)

        // A process killing itself: the call does not return (it reports INTERNAL_INTR_KILLED).
        let suicidal = try kernel.createProcess(name: "suicidal")
        #expect(try suicidal.run { zx_task_kill(zx_process_self()) } == ZX_ERR_INTERNAL_INTR_KILLED)
        #expect(suicidal.wait() == ZX_TASK_RETCODE_SYSCALL_KILL)
    }

    /// The driver-manager scenario: a process faults midway through building its address space
    /// while it holds VMOs, mappings, sub-VMARs, threads and many handles, and another process
    /// works on throughout.
    @Test func aProcessThatFaultsMidwayDiesCleanly() throws {
        let kernel = try Kernel(memorySize: 64 << 20)
        let checks = VmoChecks()

        // The bystander: its pages are committed before the baseline, and a thread of it keeps
        // writing and verifying them while the victim lives and dies.
        let bystander = try kernel.createProcess(name: "bystander")
        let bystanderPages = 8
        let bystanderBase = try bystander.run { () throws -> zx_vaddr_t in
            let base = mapScratch(checks, pages: bystanderPages)
            for page in 0..<bystanderPages { try UserMemory.store(UInt64(page), to: base + UInt(page) * UInt(vmoPage)) }
            return base
        }
        let baseline = kernel.memoryStats.freePages

        let victim = try kernel.createProcess(name: "victim")
        let victimHandle = try bystander.dispatcher.handles.add(victim.dispatcher, victim.dispatcher.defaultRights)
        let stop = SharedCell()
        let rounds = SharedCell()
        let worker = try bystander.startThread(name: "worker") {
            var round: UInt64 = 1
            while stop.get == 0 && round < 2_000_000 {
                for page in 0..<bystanderPages {
                    let address = bystanderBase + UInt(page) * UInt(vmoPage) + UInt(8 * (Int(round) % 64))
                    try UserMemory.store(round &* 31 &+ UInt64(page), to: address)
                    checks.eq(try UserMemory.load(UInt64.self, from: address), round &* 31 &+ UInt64(page),
                              "bystander page \(page)")
                }
                round += 1
                rounds.set(Int(round))
            }
        }

        #expect(spinUntil { rounds.get > 1 }, "the bystander works before the victim starts")

        // The victim: busy threads, threads blocked in kernel waits, a channel to the
        // bystander, then a builder that faults.
        let scratch = try victim.run { mapScratch(checks, pages: 1) }
        let busy = try startBusyThreads(victim, base: scratch)
        let (event, port, victimEnd, movedEnd) = try victim.run { () -> (zx_handle_t, zx_handle_t, zx_handle_t, zx_handle_t) in
            var event = ZX_HANDLE_INVALID, port = ZX_HANDLE_INVALID
            var end0 = ZX_HANDLE_INVALID, end1 = ZX_HANDLE_INVALID
            checks.ok(zx_event_create(0, &event))
            checks.ok(zx_port_create(0, &port))
            checks.ok(zx_channel_create(0, &end0, &end1))
            return (event, port, end0, end1)
        }
        let bystanderEnd = try bystander.dispatcher.handles.add(try victim.dispatcher.handles.remove(movedEnd))
        let waiters = [
            try victim.startThread(name: "wait-one") {
                throw ZxStatus(rawValue: zx_object_wait_one(event, ZX_EVENT_SIGNALED, ZX_TIME_INFINITE, nil))
            },
            try victim.startThread(name: "port-wait") {
                var packet = zx_port_packet_t()
                throw ZxStatus(rawValue: zx_port_wait(port, ZX_TIME_INFINITE, &packet))
            },
        ]
        #expect(spinUntil { waiters.allSatisfy { $0.state & 0xFF == ZX_THREAD_STATE_BLOCKED } },
                "the waiters block")
        #expect(waiters[0].state == ZX_THREAD_STATE_BLOCKED_WAIT_ONE)
        #expect(waiters[1].state == ZX_THREAD_STATE_BLOCKED_PORT)
        _ = victimEnd  // stays in the victim's table until the victim dies
        let vmoCount = 48, vmarCount = 8, vmarPages = 16
        var heldHandles = 0
        var faultAddress: zx_vaddr_t = 0
        do {
            _ = try victim.run { () throws -> Int in
                checks.yes(try busyThreadsRunning(scratch), "busy threads running")
                var vmos: [zx_handle_t] = []
                for i in 0..<vmoCount {
                    var vmo = ZX_HANDLE_INVALID
                    checks.ok(zx_vmo_create(4 * vmoPage, 0, &vmo))
                    checks.ok(vmoPut(vmo, [UInt8(truncatingIfNeeded: i)], UInt64(i % 4) * vmoPage))
                    var duplicate = ZX_HANDLE_INVALID
                    checks.ok(zx_handle_duplicate(vmo, ZX_RIGHT_SAME_RIGHTS, &duplicate))
                    vmos.append(vmo)
                }
                var lastVmar: zx_vaddr_t = 0
                for i in 0..<vmarCount {
                    var child = ZX_HANDLE_INVALID
                    var childBase: zx_vaddr_t = 0
                    checks.ok(zx_vmar_allocate(zx_vmar_root_self(),
                                               ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE | ZX_VM_CAN_MAP_SPECIFIC, 0,
                                               vmarPages * Int(vmoPage), &child, &childBase))
                    // A nested sub-VMAR with one mapping, and a mapping in the child itself.
                    var grandchild = ZX_HANDLE_INVALID
                    var grandchildBase: zx_vaddr_t = 0
                    checks.ok(zx_vmar_allocate(child, ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE | ZX_VM_SPECIFIC, 0,
                                               4 * Int(vmoPage), &grandchild, &grandchildBase))
                    var mapped: zx_vaddr_t = 0
                    checks.ok(zx_vmar_map(grandchild, ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, vmos[i], 0,
                                          4 * Int(vmoPage), &mapped))
                    for page in 0..<4 { try UserMemory.store(UInt32(i), to: mapped + UInt(page) * UInt(vmoPage)) }
                    checks.ok(zx_vmar_map(child, ZX_VM_PERM_READ | ZX_VM_PERM_WRITE | ZX_VM_SPECIFIC,
                                          8 * Int(vmoPage), vmos[vmarCount + i], 0, 4 * Int(vmoPage), &mapped))
                    try UserMemory.store(UInt32(i), to: mapped)
                    lastVmar = childBase
                }
                heldHandles = victim.dispatcher.handles.count
                // Midway through mapping the last region: touch its unmapped tail.
                try UserMemory.store(UInt64(0xdead), to: lastVmar + UInt(12) * UInt(vmoPage))
                return 0
            }
            Issue.record("the victim's run returned instead of faulting")
        } catch let fault as PageFault {
            #expect(fault.status == ZX_ERR_NOT_FOUND)
            #expect(fault.isWrite)
            faultAddress = fault.address
        }

        // TERMINATED, observed from the bystander through zx_object_wait_one; the victim's end
        // of the channel closed with it.
        let (waitStatus, info, peerStatus) = try bystander.run { () -> (zx_status_t, zx_info_process_t, zx_status_t) in
            let status = zx_object_wait_one(victimHandle, ZX_PROCESS_TERMINATED,
                                            zx_deadline_after(10_000_000_000), nil)
            let peer = zx_object_wait_one(bystanderEnd, ZX_CHANNEL_PEER_CLOSED, zx_deadline_after(10_000_000_000), nil)
            return (status, processInfo(victimHandle).1, peer)
        }
        #expect(waitStatus == ZX_OK)
        #expect(peerStatus == ZX_OK)
        #expect(info.flags == ZX_INFO_PROCESS_FLAG_STARTED | ZX_INFO_PROCESS_FLAG_EXITED)
        #expect(info.return_code == ZX_TASK_RETCODE_EXCEPTION_KILL)
        #expect(victim.wait() == ZX_TASK_RETCODE_EXCEPTION_KILL)
        #expect(victim.hasExited)
        #expect(victim.dispatcher.signalsState & ZX_PROCESS_TERMINATED != 0)

        // Every thread stopped, every handle closed, the exception recorded.
        #expect(busy.map(endStatus).allSatisfy { $0 == ZX_ERR_INTERNAL_INTR_KILLED })
        #expect(waiters.map(endStatus) == [ZX_ERR_INTERNAL_INTR_KILLED, ZX_ERR_INTERNAL_INTR_KILLED])
        #expect(heldHandles >= 2 * vmoCount + 2 * vmarCount)
        #expect(victim.dispatcher.handles.count == 0)
        #expect(victim.threadCount == 0)
        let exception = try #require(victim.lastException)
        #expect(exception.type == ZX_EXCP_FATAL_PAGE_FAULT)
        #expect(exception.address == faultAddress)
        #expect(exception.status == ZX_ERR_NOT_FOUND)
        #expect(!busy.contains { $0.koid == exception.threadKoid })

        // The bystander worked throughout and still does; every victim page is back.
        let roundsAtDeath = rounds.get
        #expect(spinUntil { rounds.get > roundsAtDeath + 16 }, "the bystander works on after the death")
        stop.set(1)
        try worker.join()
        checks.report()
        #expect(kernel.memoryStats.freePages == baseline)
        let firstWords = try bystander.run {
            try (0..<bystanderPages).map { try UserMemory.load(UInt64.self, from: bystanderBase + UInt($0) * UInt(vmoPage)) }
        }
        #expect(firstWords.count == bystanderPages)
        #expect(bystander.isAlive)
        #expect(bystander.lastException == nil)
    }
}
