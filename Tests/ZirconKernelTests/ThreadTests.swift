// Threads: several threads of one process running at once over one address space,
// zx_thread_create / start / zx_thread_exit / zx_task_kill on threads, ZX_INFO_THREAD,
// ZX_INFO_PROCESS_THREADS, ZX_THREAD_TERMINATED.
//
// Zircon counterpart: zircon/system/utest/core/threads (create, start, exit, kill, info).

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization
import Testing
@testable import ZirconKernel
import Zirconia

/// Spins (yielding) until `condition` holds; false if it did not within `limit` tries.
func spinUntil(limit: Int = 20_000_000, _ condition: () throws -> Bool) rethrows -> Bool {
    for i in 0..<limit {
        if try condition() { return true }
        if i & 63 == 63 { sched_yield() }
    }
    return false
}

/// Maps a fresh RW VMO of `pages` pages into the calling process's root VMAR (call in `run`).
func mapScratch(_ checks: VmoChecks, pages: Int) -> zx_vaddr_t {
    var vmo = ZX_HANDLE_INVALID
    checks.ok(zx_vmo_create(UInt64(pages) * vmoPage, 0, &vmo), "scratch vmo")
    var address: zx_vaddr_t = 0
    checks.ok(zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, vmo, 0,
                          pages * Int(vmoPage), &address), "scratch map")
    checks.ok(zx_handle_close(vmo))
    return address
}

func threadInfo(_ handle: zx_handle_t) -> (zx_status_t, zx_info_thread_t) {
    var info = zx_info_thread_t()
    var actual = 0, avail = 0
    let status = zx_object_get_info(handle, ZX_INFO_THREAD, &info, MemoryLayout<zx_info_thread_t>.size,
                                    &actual, &avail)
    return (status, info)
}

func handleBasic(_ handle: zx_handle_t) -> zx_info_handle_basic_t {
    var info = zx_info_handle_basic_t()
    var actual = 0, avail = 0
    _ = zx_object_get_info(handle, ZX_INFO_HANDLE_BASIC, &info, MemoryLayout<zx_info_handle_basic_t>.size,
                           &actual, &avail)
    return info
}

/// An Int cell shareable with thread closures.
final class SharedCell: Sendable {
    let value: Atomic<Int>
    init(_ initial: Int = 0) { value = Atomic(initial) }
    func set(_ v: Int) { value.store(v, ordering: .releasing) }
    var get: Int { value.load(ordering: .acquiring) }
}

@Suite struct ThreadTests {
    @Test func threadsOfOneProcessShareItsAddressSpaceConcurrently() throws {
        let kernel = try Kernel(memorySize: 32 << 20)
        let process = try kernel.createProcess(name: "shared")
        let checks = VmoChecks()
        let writers = 3, words = 512
        // Page 0: ready flags; page 1 + w: writer w's data (demand-faulted by the writer).
        let base = try process.run { mapScratch(checks, pages: 1 + writers) }
        var threads: [ThreadHandle] = []
        for w in 0..<writers {
            threads.append(try process.startThread(name: "writer\(w)") {
                let page = base + UInt(1 + w) * UInt(vmoPage)
                for i in 0..<words {
                    try UserMemory.store(UInt64(w) << 32 | UInt64(i), to: page + UInt(8 * i))
                }
                try UserMemory.store(UInt64(1), to: base + UInt(8 * w))
            })
        }
        let reader = try process.startThread(name: "reader") {
            for w in 0..<writers {
                let ready = try spinUntil { try UserMemory.load(UInt64.self, from: base + UInt(8 * w)) == 1 }
                checks.yes(ready, "writer \(w) finished")
                let page = base + UInt(1 + w) * UInt(vmoPage)
                for i in 0..<words {
                    checks.eq(try UserMemory.load(UInt64.self, from: page + UInt(8 * i)),
                              UInt64(w) << 32 | UInt64(i), "word \(i) of writer \(w)")
                }
            }
        }
        for thread in threads { try thread.join() }
        try reader.join()
        #expect(reader.state == ZX_THREAD_STATE_DEAD)
        checks.report()
        #expect(process.isAlive)
        #expect(process.threadCount == 0)
    }

    @Test func processThreadsAndThreadInfo() throws {
        let kernel = try Kernel(memorySize: 16 << 20)
        let process = try kernel.createProcess(name: "enumerate")
        let checks = VmoChecks()
        let base = try process.run { mapScratch(checks, pages: 1) }
        let go = base + 64
        let workers = try (0..<3).map { i in
            try process.startThread(name: "w\(i)") {
                try UserMemory.store(UInt64(1), to: base + UInt(8 * i))
                checks.yes(try spinUntil { try UserMemory.load(UInt64.self, from: go) == 1 }, "go")
            }
        }
        let (koids, avail, selfKoid, selfState) = try process.run {
            () throws -> ([zx_koid_t], Int, zx_koid_t, zx_thread_state_t) in
            checks.yes(try spinUntil {
                try (0..<3).allSatisfy { try UserMemory.load(UInt64.self, from: base + UInt(8 * $0)) == 1 }
            }, "workers running")
            var koids = [zx_koid_t](repeating: 0, count: 8)
            var actual = 0, avail = 0
            checks.ok(zx_object_get_info(zx_process_self(), ZX_INFO_PROCESS_THREADS, &koids,
                                         8 * MemoryLayout<zx_koid_t>.size, &actual, &avail))
            // A short buffer reports how many there are.
            var one = [zx_koid_t](repeating: 0, count: 1)
            var actual1 = 0, avail1 = 0
            checks.ok(zx_object_get_info(zx_process_self(), ZX_INFO_PROCESS_THREADS, &one,
                                         MemoryLayout<zx_koid_t>.size, &actual1, &avail1))
            checks.eq(actual1, 1)
            checks.eq(avail1, 4)
            // ENUMERATE is needed.
            var weak = ZX_HANDLE_INVALID
            checks.ok(zx_handle_duplicate(zx_process_self(), ZX_RIGHT_INSPECT, &weak))
            checks.st(zx_object_get_info(weak, ZX_INFO_PROCESS_THREADS, &koids,
                                         8 * MemoryLayout<zx_koid_t>.size, &actual1, &avail1),
                      ZX_ERR_ACCESS_DENIED)
            // ZX_INFO_THREAD of the caller and of a non-thread.
            let (status, info) = threadInfo(zx_thread_self())
            checks.ok(status)
            checks.st(threadInfo(zx_process_self()).0, ZX_ERR_WRONG_TYPE)
            try UserMemory.store(UInt64(1), to: go)
            return (Array(koids.prefix(actual)), avail, handleBasic(zx_thread_self()).koid, info.state)
        }
        for worker in workers { try worker.join() }
        checks.report()
        #expect(avail == 4)
        #expect(Set(koids) == Set(workers.map(\.koid) + [selfKoid]))
        #expect(selfState == ZX_THREAD_STATE_RUNNING)
        #expect(workers.allSatisfy { $0.state == ZX_THREAD_STATE_DEAD && $0.hasExited })
        #expect(workers.allSatisfy { $0.thread.signalsState & ZX_THREAD_TERMINATED != 0 })
    }

    @Test func createStartAndExitThroughTheCSurface() throws {
        let kernel = try Kernel(memorySize: 16 << 20)
        let process = try kernel.createProcess(name: "c-threads")
        let checks = VmoChecks()
        let progress = SharedCell()
        try process.run {
            var thread = ZX_HANDLE_INVALID
            checks.ok(zx_thread_create(zx_process_self(), "worker", 6, 0, &thread))
            let basic = handleBasic(thread)
            checks.eq(basic.type, ZX_OBJ_TYPE_THREAD)
            checks.eq(basic.rights, ZX_DEFAULT_THREAD_RIGHTS)
            checks.eq(basic.related_koid, process.koid)
            checks.eq(threadInfo(thread).1.state, ZX_THREAD_STATE_NEW)
            var name = [CChar](repeating: 0, count: Int(ZX_MAX_NAME_LEN))
            checks.ok(zx_object_get_property(thread, ZX_PROP_NAME, &name, name.count))
            checks.eq(String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self), "worker")
            // Entry addresses cannot run here.
            checks.st(zx_thread_start(thread, 0x1000, 0x2000, 0, 0), ZX_ERR_NOT_SUPPORTED)

            // Argument checks, in Zircon's order.
            var out = ZX_HANDLE_INVALID
            checks.st(zx_thread_create(zx_process_self(), "x", 1, 1, &out), ZX_ERR_INVALID_ARGS)
            checks.st(zx_thread_create(zx_process_self(), nil, 0, 0, &out), ZX_ERR_INVALID_ARGS)
            checks.st(zx_thread_create(ZX_HANDLE_INVALID, "x", 1, 0, &out), ZX_ERR_BAD_HANDLE)
            checks.st(zx_thread_create(zx_vmar_root_self(), "x", 1, 0, &out), ZX_ERR_WRONG_TYPE)
            var noManage = ZX_HANDLE_INVALID
            checks.ok(zx_handle_duplicate(zx_process_self(), ZX_DEFAULT_PROCESS_RIGHTS & ~ZX_RIGHT_MANAGE_THREAD,
                                          &noManage))
            checks.st(zx_thread_create(noManage, "x", 1, 0, &out), ZX_ERR_ACCESS_DENIED)
            checks.ok(zx_handle_close(noManage))
            // Long names are truncated to ZX_MAX_NAME_LEN - 1 bytes.
            let long = String(repeating: "n", count: 40)
            checks.ok(zx_thread_create(zx_process_self(), long, 40, 0, &out))
            checks.ok(zx_object_get_property(out, ZX_PROP_NAME, &name, name.count))
            checks.eq(name.prefix { $0 != 0 }.count, Int(ZX_MAX_NAME_LEN) - 1)
            checks.ok(zx_handle_close(out))

            // Start with a closure; zx_thread_exit ends it where it stands.
            let exitNow = progress.get == 0
            checks.ok(zx_thread_start(thread) {
                progress.set(1)
                if exitNow { try zx_thread_exit() }
                progress.set(2)
            })
            checks.st(zx_thread_start(thread) {}, ZX_ERR_BAD_STATE)
            var observed: zx_signals_t = 0
            checks.ok(zx_object_wait_one(thread, ZX_THREAD_TERMINATED, zx_deadline_after(10_000_000_000),
                                         &observed))
            checks.yes(observed & ZX_THREAD_TERMINATED != 0, "TERMINATED observed")
            checks.eq(threadInfo(thread).1.state, ZX_THREAD_STATE_DEAD)
            checks.st(zx_thread_start(thread) {}, ZX_ERR_BAD_STATE)
            checks.ok(zx_handle_close(thread))
        }
        checks.report()
        #expect(progress.get == 1)
        // zx_thread_exit from a `run` thread: run rethrows the unwinding error, the process lives.
        #expect(throws: ZxStatus.internalIntrKilled) {
            try process.run { () throws -> Int in
                if progress.get == 1 { try zx_thread_exit() }
                return 5
            }
        }
        #expect(process.isAlive)
        #expect(try process.run { 3 } == 3)
        #expect(process.dispatcher.handles.count == 2)
    }

    @Test func nativeThreadObjectJoinsAndRethrows() throws {
        struct Failure: Error, Equatable {}
        let kernel = try Kernel(memorySize: 16 << 20)
        let process = try kernel.createProcess(name: "native")
        let (sum, joinedError, state) = try process.run { () throws -> (Int, Bool, zx_thread_state_t) in
            let thread = try ThreadObject(name: "adder")
            let cell = SharedCell()
            let handle = try thread.start {
                var total = 0
                for i in 1...100 { total += i }
                cell.set(total)
            }
            try handle.join()
            let state = try thread.info().state
            let failing = try ThreadObject(name: "failing").start { throw Failure() }
            var sawFailure = false
            do { try failing.join() } catch is Failure { sawFailure = true }
            return (cell.get, sawFailure, state)
        }
        #expect(sum == 5050)
        #expect(state == ZX_THREAD_STATE_DEAD)
        #expect(joinedError)
        // A thread's ordinary error does not hurt its process.
        #expect(process.isAlive)
        #expect(process.lastException == nil)
    }

    @Test func killingThreads() throws {
        let kernel = try Kernel(memorySize: 16 << 20)
        let process = try kernel.createProcess(name: "kills")
        let checks = VmoChecks()
        let base = try process.run { mapScratch(checks, pages: 1) }
        let lastStatus = SharedCell()
        try process.run {
            // 1. A thread spinning on TLB hits stops: the kill shoots its TLB down.
            let spinner = try ThreadObject(name: "spinner")
            let spinning = try spinner.start {
                try UserMemory.store(UInt64(1), to: base)
                while true { _ = try UserMemory.load(UInt64.self, from: base + 8) }
            }
            checks.yes(try spinUntil { try UserMemory.load(UInt64.self, from: base) == 1 }, "spinner runs")
            checks.ok(zx_task_kill(spinner.handle.value))
            checks.ok(zx_object_wait_one(spinner.handle.value, ZX_THREAD_TERMINATED,
                                         zx_deadline_after(10_000_000_000), nil))
            do {
                try spinning.join()
                checks.yes(false, "spinner ended normally")
            } catch let fault as PageFault {
                checks.eq(fault.status, ZX_ERR_INTERNAL_INTR_KILLED, "spinner's fault")
            } catch {
                checks.yes(false, "spinner threw \(error)")
            }
            checks.eq(try spinner.info().state, ZX_THREAD_STATE_DEAD)

            // 2. A thread looping on syscalls sees ZX_ERR_INTERNAL_INTR_KILLED at its next one.
            let looper = try ThreadObject(name: "looper")
            let looping = try looper.start {
                try UserMemory.store(UInt64(2), to: base)
                var actual = 0, avail = 0
                var status = ZX_OK
                while status == ZX_OK {
                    status = zx_object_get_info(zx_process_self(), ZX_INFO_HANDLE_VALID, nil, 0, &actual, &avail)
                }
                lastStatus.set(Int(status))
            }
            checks.yes(try spinUntil { try UserMemory.load(UInt64.self, from: base) == 2 }, "looper runs")
            looping.kill()
            try looping.join()

            // 3. A NEW thread dies at once and can no longer start.
            let unborn = try ThreadObject(name: "unborn")
            try unborn.kill()
            checks.eq(try unborn.info().state, ZX_THREAD_STATE_DEAD)
            checks.st(zx_thread_start(unborn.handle.value) {}, ZX_ERR_BAD_STATE)

            // 4. Errors: DESTROY is needed (only tasks have it, so it is checked before the type).
            var noDestroy = ZX_HANDLE_INVALID
            checks.ok(zx_handle_duplicate(unborn.handle.value, ZX_DEFAULT_THREAD_RIGHTS & ~ZX_RIGHT_DESTROY,
                                          &noDestroy))
            checks.st(zx_task_kill(noDestroy), ZX_ERR_ACCESS_DENIED)
            checks.st(zx_task_kill(zx_vmar_root_self()), ZX_ERR_ACCESS_DENIED)
            checks.st(zx_task_kill(ZX_HANDLE_INVALID), ZX_ERR_BAD_HANDLE)
            checks.ok(zx_handle_close(noDestroy))
        }
        checks.report()
        #expect(lastStatus.get == Int(ZX_ERR_INTERNAL_INTR_KILLED))
        // Killing threads leaves the process alive and without an exception.
        #expect(process.isAlive)
        #expect(process.lastException == nil)
        #expect(process.returnCode == nil)
        #expect(try process.run { try UserMemory.load(UInt64.self, from: base) } == 2)
        #expect(process.threadCount == 0)
    }

    @Test func aThreadKillingItselfDoesNotReturn() throws {
        let kernel = try Kernel(memorySize: 16 << 20)
        let process = try kernel.createProcess(name: "self-kill")
        let status = try process.run { zx_task_kill(zx_thread_self()) }
        #expect(status == ZX_ERR_INTERNAL_INTR_KILLED)
        #expect(process.isAlive)
    }
}
