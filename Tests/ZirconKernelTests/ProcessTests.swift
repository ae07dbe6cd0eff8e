// Kernel and Process: koids, independent kernels, `run` (values, errors, OS threads,
// concurrency), the self handles, BAD_STATE outside `run`, ZX_INFO_PROCESS, kill/teardown and
// the root resource's ZX_INFO_KMEM_STATS.
//
// Zircon counterpart: zircon/system/utest/core/process, object-info (process topics).

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

private struct Boom: Error, Equatable {
    let code: Int
}

private final class Counter: Sendable {
    let value = Atomic<Int>(0)
    func increment() { value.wrappingAdd(1, ordering: .relaxed) }
}


/// ZX_INFO_KMEM_STATS through a root-resource handle (call inside `run`).
private func kmemStats(_ resource: zx_handle_t) -> (zx_status_t, zx_info_kmem_stats_t) {
    var stats = zx_info_kmem_stats_t()
    var actual = 0, avail = 0
    let status = zx_object_get_info(resource, ZX_INFO_KMEM_STATS, &stats,
                                    MemoryLayout<zx_info_kmem_stats_t>.size, &actual, &avail)
    return (status, stats)
}

private func processInfo(_ handle: zx_handle_t) -> (zx_status_t, zx_info_process_t) {
    var info = zx_info_process_t()
    var actual = 0, avail = 0
    let status = zx_object_get_info(handle, ZX_INFO_PROCESS, &info,
                                    MemoryLayout<zx_info_process_t>.size, &actual, &avail)
    return (status, info)
}

@Suite struct ProcessTests {
    @Test func bareKernelBootsAndRunReturnsValues() throws {
        let kernel = try Kernel()
        let process = try kernel.createProcess(name: "test")
        let value = try process.run { () throws -> Int in 42 }
        #expect(value == 42)
        let text = try process.run { "again: \(zx_system_get_page_size())" }
        #expect(text == "again: 4096")
        #expect(process.name == "test")
        #expect(process.koid >= ZX_KOID_FIRST)
    }

    @Test func runRethrowsTheClosuresError() throws {
        let kernel = try Kernel(memorySize: 16 << 20)
        let process = try kernel.createProcess(name: "thrower")
        #expect(throws: Boom(code: 7)) {
            try process.run { () throws -> Int in throw Boom(code: 7) }
        }
        // The process is still usable afterwards.
        #expect(try process.run { 1 } == 1)
    }

    @Test func runUsesANewOSThreadEachTime() throws {
        let kernel = try Kernel(memorySize: 16 << 20)
        let process = try kernel.createProcess(name: "threads")
        let host = pthread_self()
        let onHost = try process.run { pthread_equal(pthread_self(), host) != 0 }
        #expect(!onHost)
        let hasContext = try process.run { ThreadContext.current != nil }
        #expect(hasContext)
        #expect(ThreadContext.current == nil)
    }

    @Test func selfHandlesAreValidInsideRun() throws {
        let kernel = try Kernel(memorySize: 16 << 20)
        let process = try kernel.createProcess(name: "selfs")
        let (statuses, processKoid, threadKoid1, threadHandle1) = try process.run {
            () -> ([zx_status_t], zx_koid_t, zx_koid_t, zx_handle_t) in
            var actual = 0, avail = 0
            let statuses = [zx_process_self(), zx_thread_self(), zx_vmar_root_self()].map {
                zx_object_get_info($0, ZX_INFO_HANDLE_VALID, nil, 0, &actual, &avail)
            }
            var info = zx_info_handle_basic_t()
            _ = zx_object_get_info(zx_process_self(), ZX_INFO_HANDLE_BASIC, &info,
                                   MemoryLayout<zx_info_handle_basic_t>.size, &actual, &avail)
            let pk = info.koid
            _ = zx_object_get_info(zx_thread_self(), ZX_INFO_HANDLE_BASIC, &info,
                                   MemoryLayout<zx_info_handle_basic_t>.size, &actual, &avail)
            return (statuses, pk, info.koid, zx_thread_self())
        }
        #expect(statuses == [ZX_OK, ZX_OK, ZX_OK])
        #expect(processKoid == process.koid)
        // Each run is a new thread with a new koid; the old thread handle is gone.
        let (threadKoid2, oldThreadValid, sameSelf) = try process.run { () -> (zx_koid_t, Bool, Bool) in
            var info = zx_info_handle_basic_t()
            var actual = 0, avail = 0
            _ = zx_object_get_info(zx_thread_self(), ZX_INFO_HANDLE_BASIC, &info,
                                   MemoryLayout<zx_info_handle_basic_t>.size, &actual, &avail)
            let oldValid = zx_object_get_info(threadHandle1, ZX_INFO_HANDLE_VALID, nil, 0, &actual, &avail) == ZX_OK
            return (info.koid, oldValid, zx_process_self() != ZX_HANDLE_INVALID)
        }
        #expect(threadKoid2 != threadKoid1)
        #expect(!oldThreadValid)
        #expect(sameSelf)
        #expect(process.dispatcher.handles.count == 2)   // process self + root VMAR
    }

    @Test func syscallsOutsideRunReportBadState() throws {
        _ = try Kernel(memorySize: 16 << 20)
        var out = ZX_HANDLE_INVALID
        var actual = 0, avail = 0
        #expect(zx_handle_close(0x1233) == ZX_ERR_BAD_STATE)
        #expect(zx_handle_close(ZX_HANDLE_INVALID) == ZX_ERR_BAD_STATE)
        #expect(zx_handle_duplicate(0x1233, ZX_RIGHT_SAME_RIGHTS, &out) == ZX_ERR_BAD_STATE)
        #expect(zx_object_get_info(0x1233, ZX_INFO_HANDLE_VALID, nil, 0, &actual, &avail) == ZX_ERR_BAD_STATE)
        #expect(zx_process_self() == ZX_HANDLE_INVALID)
        #expect(zx_thread_self() == ZX_HANDLE_INVALID)
        #expect(zx_vmar_root_self() == ZX_HANDLE_INVALID)
        #expect(zx_system_get_page_size() == 4096)
    }

    @Test func runWorksConcurrentlyFromSeveralHostThreads() throws {
        let kernel = try Kernel(memorySize: 16 << 20)
        let process = try kernel.createProcess(name: "concurrent")
        let ok = Counter(), failed = Counter()
        let hostThreads = 4, runsPerThread = 25
        onHostThreads(hostThreads) { _ in
            for _ in 0..<runsPerThread {
                do {
                    let good = try process.run { () -> Bool in
                        var dup = ZX_HANDLE_INVALID
                        guard zx_handle_duplicate(zx_process_self(), ZX_RIGHT_SAME_RIGHTS, &dup) == ZX_OK,
                              zx_handle_close(dup) == ZX_OK else { return false }
                        let (status, info) = processInfo(zx_process_self())
                        return status == ZX_OK && info.flags & ZX_INFO_PROCESS_FLAG_STARTED != 0
                    }
                    if good { ok.increment() } else { failed.increment() }
                } catch {
                    failed.increment()
                }
            }
        }
        #expect(ok.value.load(ordering: .relaxed) == hostThreads * runsPerThread)
        #expect(failed.value.load(ordering: .relaxed) == 0)
        #expect(process.dispatcher.handles.count == 2)
        #expect(process.dispatcher.threadCount == 0)
    }

    @Test func koidsAreUniqueAndKernelsIndependent() throws {
        let a = try Kernel(memorySize: 16 << 20)
        let b = try Kernel(memorySize: 16 << 20)
        let pa1 = try a.createProcess(name: "a1")
        let pb1 = try b.createProcess(name: "b1")
        let pa2 = try a.createProcess(name: "a2")
        // Same allocation sequence in each kernel: counters are per kernel.
        #expect(pa1.koid == pb1.koid)
        #expect(pa2.koid > pa1.koid)
        let koids = try pa1.run { () -> [zx_koid_t] in
            [zx_process_self(), zx_thread_self(), zx_vmar_root_self()].map { h in
                var info = zx_info_handle_basic_t()
                var actual = 0, avail = 0
                _ = zx_object_get_info(h, ZX_INFO_HANDLE_BASIC, &info,
                                       MemoryLayout<zx_info_handle_basic_t>.size, &actual, &avail)
                return info.koid
            }
        }
        #expect(Set(koids + [pa2.koid]).count == 4)
        // A root-resource handle can only be installed in the kernel's own processes.
        #expect(throws: ZxStatus.invalidArgs) { try a.rootResource(for: pb1) }
    }

    @Test func seededKernelsAreDeterministic() throws {
        func selfValue() throws -> zx_handle_t {
            let kernel = try Kernel(memorySize: 16 << 20, seed: 0x5eed)
            return try kernel.createProcess(name: "p").run { zx_process_self() }
        }
        #expect(try selfValue() == selfValue())
    }

    @Test func processInfoAndKillLifecycle() throws {
        let kernel = try Kernel(memorySize: 16 << 20)
        let watcher = try kernel.createProcess(name: "watcher")
        let target = try kernel.createProcess(name: "target")
        // Give the watcher a handle to the target (no handle transfer syscall yet).
        let targetHandle = try watcher.dispatcher.handles.add(target.dispatcher, target.dispatcher.defaultRights)
        let before = try watcher.run { processInfo(targetHandle) }
        #expect(before.0 == ZX_OK)
        #expect(before.1.flags == 0)
        let running = try target.run { processInfo(zx_process_self()) }
        #expect(running.1.flags == ZX_INFO_PROCESS_FLAG_STARTED)
        #expect(running.1.start_time > 0)
        // Killed while a thread runs: its next kernel entry fails with INTERNAL_INTR_KILLED;
        // once the closure has returned, the process is dead.
        let statusAfterKill = try target.run { () -> zx_status_t in
            target.kill()
            return processInfo(zx_process_self()).0
        }
        #expect(statusAfterKill == ZX_ERR_INTERNAL_INTR_KILLED)
        let after = try watcher.run { processInfo(targetHandle) }
        #expect(after.1.flags == ZX_INFO_PROCESS_FLAG_STARTED | ZX_INFO_PROCESS_FLAG_EXITED)
        #expect(after.1.return_code == ZX_TASK_RETCODE_SYSCALL_KILL)
        #expect(target.hasExited)
        #expect(throws: ZxStatus.badState) { try target.run { 0 } }
        #expect(target.dispatcher.handles.count == 0)
    }

    @Test func teardownReturnsPagesToThePMM() throws {
        let kernel = try Kernel(memorySize: 16 << 20)
        let observer = try kernel.createProcess(name: "observer")
        let resource = try kernel.rootResource(for: observer)
        let initial = try observer.run { kmemStats(resource) }
        #expect(initial.0 == ZX_OK)
        #expect(initial.1.total_bytes == 16 << 20)
        #expect(initial.1.free_bytes <= initial.1.total_bytes)
        do {
            let doomed = try kernel.createProcess(name: "doomed")
            _ = try doomed.run { 0 }
            #expect(kernel.liveProcesses.count == 2)
        }
        let afterDrop = try observer.run { kmemStats(resource).1.free_bytes }
        #expect(afterDrop == initial.1.free_bytes)
        #expect(kernel.liveProcesses.count == 1)
        let killed = try kernel.createProcess(name: "killed")
        killed.kill()
        let afterKill = try observer.run { kmemStats(resource).1.free_bytes }
        #expect(afterKill == initial.1.free_bytes)
    }
}
