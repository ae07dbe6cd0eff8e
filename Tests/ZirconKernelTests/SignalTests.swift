// Signals and waiting: zx_object_signal / signal_peer rules, zx_object_wait_one (satisfied,
// timed out with the observed state, woken by another thread, canceled by a close), events and
// event pairs, the monotonic clock; plus the helpers the Port and Channel suites share.
//
// Zircon counterpart: zircon/system/utest/core/object-wait, event-pair and the signal cases of
// docs/reference/syscalls/object_{signal,signal_peer,wait_one}.md.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization
import Testing
@testable import ZirconKernel
import Zirconia

// MARK: Shared IPC test helpers

/// A kernel and a process, with the baselines a test compares against at its end.
struct IPCWorld {
    let kernel: Kernel
    let process: Process
    let baselineHandles: Int
    let baselineFreePages: Int

    init(memory: Int = 16 << 20, name: String = "ipc-test") throws {
        kernel = try Kernel(memorySize: memory, seed: 7)
        process = try kernel.createProcess(name: name)
        baselineHandles = process.dispatcher.handles.count
        baselineFreePages = kernel.memoryStats.freePages
    }

    /// Runs `body` as a thread of the process, collecting its failures.
    func run<T>(_ body: (VmoChecks) throws -> T) throws -> T {
        try vmoRun(process, body)
    }

    /// Every handle made by the test is gone and the PMM is back at its baseline.
    func expectNoLeaks(sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(process.dispatcher.handles.count == baselineHandles, "leaked handles",
                sourceLocation: sourceLocation)
        #expect(kernel.memoryStats.freePages == baselineFreePages, "leaked pages",
                sourceLocation: sourceLocation)
    }

    /// The object behind `handle` in this process (kernel view, for observer counts).
    func object(_ handle: zx_handle_t) -> KernelObject? {
        try? process.dispatcher.handles.lookup(handle).object
    }

    /// Spins (yielding) until `handle`'s object has `count` registered observers: how a test
    /// knows another thread's wait is in place before it acts. Bounded.
    func awaitObservers(_ handle: zx_handle_t, _ count: Int = 1) -> Bool {
        guard let object = object(handle) else { return false }
        for _ in 0..<5_000_000 {
            if object.observerCount >= count { return true }
            sched_yield()
        }
        return false
    }
}

/// Runs `bodies` concurrently, each as its own thread of `process`, and waits for all.
func runConcurrently(_ process: Process, _ checks: VmoChecks, _ bodies: [@Sendable (VmoChecks) -> Void]) {
    let threads = bodies.map { body in
        VmoHostThread {
            do {
                try process.run { body(checks) }
            } catch {
                checks.record("run failed: \(error)", #_sourceLocation)
            }
        }
    }
    for thread in threads { thread.join() }
}

func ipcEvent(_ checks: VmoChecks, sourceLocation: SourceLocation = #_sourceLocation) -> zx_handle_t {
    var handle = ZX_HANDLE_INVALID
    checks.ok(zx_event_create(0, &handle), "zx_event_create", sourceLocation: sourceLocation)
    return handle
}

func ipcChannel(_ checks: VmoChecks, sourceLocation: SourceLocation = #_sourceLocation) -> (zx_handle_t, zx_handle_t) {
    var a = ZX_HANDLE_INVALID, b = ZX_HANDLE_INVALID
    checks.ok(zx_channel_create(0, &a, &b), "zx_channel_create", sourceLocation: sourceLocation)
    return (a, b)
}

func ipcPort(_ checks: VmoChecks, sourceLocation: SourceLocation = #_sourceLocation) -> zx_handle_t {
    var handle = ZX_HANDLE_INVALID
    checks.ok(zx_port_create(0, &handle), "zx_port_create", sourceLocation: sourceLocation)
    return handle
}

func ipcDup(_ handle: zx_handle_t, _ rights: zx_rights_t = ZX_RIGHT_SAME_RIGHTS) -> zx_handle_t {
    var out = ZX_HANDLE_INVALID
    _ = zx_handle_duplicate(handle, rights, &out)
    return out
}

func ipcReplace(_ handle: zx_handle_t, _ rights: zx_rights_t) -> zx_handle_t {
    var out = ZX_HANDLE_INVALID
    _ = zx_handle_replace(handle, rights, &out)
    return out
}

func ipcWait(_ handle: zx_handle_t, _ signals: zx_signals_t,
             _ deadline: zx_time_t = ZX_TIME_INFINITE_PAST) -> (zx_status_t, zx_signals_t) {
    var observed: zx_signals_t = 0xDEAD
    let status = zx_object_wait_one(handle, signals, deadline, &observed)
    return (status, observed)
}

/// The signals asserted right now.
func ipcSignals(_ handle: zx_handle_t) -> zx_signals_t {
    ipcWait(handle, 0).1
}

func ipcBasic(_ handle: zx_handle_t) -> zx_info_handle_basic_t? {
    var info = zx_info_handle_basic_t()
    var actual = 0, avail = 0
    guard zx_object_get_info(handle, ZX_INFO_HANDLE_BASIC, &info, MemoryLayout<zx_info_handle_basic_t>.size,
                             &actual, &avail) == ZX_OK else { return nil }
    return info
}

func ipcIsValid(_ handle: zx_handle_t) -> Bool {
    var actual = 0, avail = 0
    return zx_object_get_info(handle, ZX_INFO_HANDLE_VALID, nil, 0, &actual, &avail) == ZX_OK
}

func ipcHandleCount(_ handle: zx_handle_t) -> UInt32? {
    var info = zx_info_handle_count_t()
    var actual = 0, avail = 0
    guard zx_object_get_info(handle, ZX_INFO_HANDLE_COUNT, &info, MemoryLayout<zx_info_handle_count_t>.size,
                             &actual, &avail) == ZX_OK else { return nil }
    return info.handle_count
}

func ipcClose(_ handles: zx_handle_t...) {
    for handle in handles { _ = zx_handle_close(handle) }
}

// MARK: Tests

@Suite struct SignalTests {
    @Test func objectSignalRules() throws {
        let world = try IPCWorld()
        try world.run { c in
            var bad = ZX_HANDLE_INVALID
            c.st(zx_event_create(1, &bad), ZX_ERR_INVALID_ARGS, "event_create options")
            let event = ipcEvent(c)
            c.eq(ipcBasic(event)?.type, ZX_OBJ_TYPE_EVENT, "type")
            c.eq(ipcBasic(event)?.rights, ZX_DEFAULT_EVENT_RIGHTS, "rights")
            c.eq(ipcSignals(event), 0, "fresh event")

            // Clear first, then set; only user signals and SIGNALED.
            c.ok(zx_object_signal(event, 0, ZX_EVENT_SIGNALED | ZX_USER_SIGNAL_3), "set")
            c.eq(ipcSignals(event), ZX_EVENT_SIGNALED | ZX_USER_SIGNAL_3, "after set")
            c.ok(zx_object_signal(event, ZX_USER_SIGNAL_3 | ZX_EVENT_SIGNALED, ZX_USER_SIGNAL_3), "clear+set")
            c.eq(ipcSignals(event), ZX_USER_SIGNAL_3, "clear happens before set")
            c.st(zx_object_signal(event, 0, __ZX_OBJECT_READABLE), ZX_ERR_INVALID_ARGS, "non-user bit")
            c.st(zx_object_signal(event, __ZX_OBJECT_SIGNAL_4, 0), ZX_ERR_INVALID_ARGS, "non-user clear bit")
            c.st(zx_object_signal(event ^ 0x10, 0, ZX_USER_SIGNAL_0), ZX_ERR_BAD_HANDLE, "bad handle")

            let noSignal = ipcDup(event, ZX_RIGHTS_BASIC)
            c.st(zx_object_signal(noSignal, 0, ZX_USER_SIGNAL_0), ZX_ERR_ACCESS_DENIED, "no SIGNAL right")
            c.st(zx_object_signal_peer(event, 0, ZX_USER_SIGNAL_0), ZX_ERR_ACCESS_DENIED, "event lacks SIGNAL_PEER")

            // Other objects: user signals only; SIGNALED is the VMO's ZERO_CHILDREN bit.
            var vmo = ZX_HANDLE_INVALID
            c.ok(zx_vmo_create(4096, 0, &vmo), "vmo")
            c.ok(zx_object_signal(vmo, 0, ZX_USER_SIGNAL_7), "vmo user signal")
            c.eq(ipcSignals(vmo), ZX_VMO_ZERO_CHILDREN | ZX_USER_SIGNAL_7, "vmo signals")
            c.st(zx_object_signal(vmo, ZX_VMO_ZERO_CHILDREN, 0), ZX_ERR_INVALID_ARGS, "vmo system bit")
            c.st(zx_object_signal_peer(vmo, 0, ZX_USER_SIGNAL_0), ZX_ERR_ACCESS_DENIED, "vmo has no SIGNAL_PEER")
            // Ports have no SIGNAL right and are not waitable.
            let port = ipcPort(c)
            c.st(zx_object_signal(port, 0, ZX_USER_SIGNAL_0), ZX_ERR_ACCESS_DENIED, "port")
            c.st(ipcWait(port, ZX_USER_SIGNAL_0).0, ZX_ERR_ACCESS_DENIED, "wait on port")
            ipcClose(event, noSignal, vmo, port)
        }
        world.expectNoLeaks()
    }

    @Test func waitOneImmediateAndTimeouts() throws {
        let world = try IPCWorld()
        try world.run { c in
            let event = ipcEvent(c)
            c.ok(zx_object_signal(event, 0, ZX_USER_SIGNAL_1), "signal")
            // Already satisfied: OK at once, even with a past deadline; observed is everything.
            var (status, observed) = ipcWait(event, ZX_USER_SIGNAL_1 | ZX_EVENT_SIGNALED)
            c.ok(status, "satisfied")
            c.eq(observed, ZX_USER_SIGNAL_1, "observed all asserted")
            // Not satisfied: TIMED_OUT with the current state.
            (status, observed) = ipcWait(event, ZX_EVENT_SIGNALED)
            c.st(status, ZX_ERR_TIMED_OUT, "past deadline")
            c.eq(observed, ZX_USER_SIGNAL_1, "observed on timeout")
            (status, observed) = ipcWait(event, 0, 0)
            c.st(status, ZX_ERR_TIMED_OUT, "zero signals, deadline 0")
            let before = zx_clock_get_monotonic()
            (status, observed) = ipcWait(event, ZX_EVENT_SIGNALED, zx_deadline_after(ZX_MSEC(2)))
            c.st(status, ZX_ERR_TIMED_OUT, "2 ms deadline")
            c.yes(zx_clock_get_monotonic() - before >= ZX_MSEC(2), "waited until the deadline")
            c.eq(observed, ZX_USER_SIGNAL_1, "observed after a real wait")
            // NULL observed is allowed.
            c.ok(zx_object_wait_one(event, ZX_USER_SIGNAL_1, ZX_TIME_INFINITE, nil), "nil observed")
            // Rights.
            let noWait = ipcDup(event, ZX_RIGHT_DUPLICATE | ZX_RIGHT_SIGNAL)
            c.st(ipcWait(noWait, ZX_USER_SIGNAL_1).0, ZX_ERR_ACCESS_DENIED, "no WAIT right")
            c.st(ipcWait(ZX_HANDLE_INVALID, ZX_USER_SIGNAL_1).0, ZX_ERR_BAD_HANDLE, "invalid handle")
            c.st(ipcWait(zx_vmar_root_self(), 1).0, ZX_ERR_ACCESS_DENIED, "VMAR handle has no WAIT")
            c.eq(world.object(event)?.observerCount, 0, "no observer left behind")
            ipcClose(event, noWait)
        }
        world.expectNoLeaks()
    }

    @Test func waitOneIsWokenByAnotherThread() throws {
        let world = try IPCWorld()
        let checks = VmoChecks()
        let event = try world.run { c in ipcEvent(c) }
        let round = Atomic<Int>(0)
        // Several rounds: the waiter blocks (its observer is in place) before the signaller acts.
        runConcurrently(world.process, checks, [
            { c in
                for i in 0..<20 {
                    let bit = i % 2 == 0 ? ZX_USER_SIGNAL_0 : ZX_USER_SIGNAL_1
                    let (status, observed) = ipcWait(event, bit, ZX_TIME_INFINITE)
                    c.ok(status, "woken \(i)")
                    c.yes(observed & bit != 0, "observed \(i)")
                    c.ok(zx_object_signal(event, bit, 0), "reset \(i)")
                    round.store(i + 1, ordering: .releasing)
                }
            },
            { c in
                for i in 0..<20 {
                    let bit = i % 2 == 0 ? ZX_USER_SIGNAL_0 : ZX_USER_SIGNAL_1
                    c.yes(world.awaitObservers(event), "waiter registered \(i)")
                    c.ok(zx_object_signal(event, 0, bit), "signal \(i)")
                    while round.load(ordering: .acquiring) <= i { sched_yield() }
                }
            },
        ])
        checks.report()
        try world.run { _ in ipcClose(event) }
        world.expectNoLeaks()
    }

    @Test func manyWaitersAreAllWoken() throws {
        let world = try IPCWorld()
        let checks = VmoChecks()
        let event = try world.run { c in ipcEvent(c) }
        let waiters = 6
        var bodies: [@Sendable (VmoChecks) -> Void] = (0..<waiters).map { _ in
            { c in
                let (status, observed) = ipcWait(event, ZX_EVENT_SIGNALED, ZX_TIME_INFINITE)
                c.ok(status, "waiter")
                c.eq(observed, ZX_EVENT_SIGNALED, "observed")
            }
        }
        bodies.append { c in
            c.yes(world.awaitObservers(event, waiters), "all waiters registered")
            c.ok(zx_object_signal(event, 0, ZX_EVENT_SIGNALED), "signal")
        }
        runConcurrently(world.process, checks, bodies)
        checks.report()
        try world.run { _ in ipcClose(event) }
        world.expectNoLeaks()
    }

    @Test func closingTheWaitedHandleCancels() throws {
        let world = try IPCWorld()
        let checks = VmoChecks()
        let (event, waited) = try world.run { c in
            let event = ipcEvent(c)
            c.ok(zx_object_signal(event, 0, ZX_USER_SIGNAL_2), "signal")
            return (event, ipcDup(event))
        }
        runConcurrently(world.process, checks, [
            { c in
                let (status, observed) = ipcWait(waited, ZX_EVENT_SIGNALED, ZX_TIME_INFINITE)
                c.st(status, ZX_ERR_CANCELED, "closed while waiting")
                c.eq(observed, ZX_USER_SIGNAL_2 | ZX_SIGNAL_HANDLE_CLOSED, "observed has HANDLE_CLOSED")
            },
            { c in
                c.yes(world.awaitObservers(waited), "waiter registered")
                // Closing another handle to the same object does not cancel the wait...
                let other = ipcDup(event)
                c.ok(zx_handle_close(other), "close other")
                c.eq(world.object(event)?.observerCount, 1, "still waiting")
                // ...closing the handle it waits through does.
                c.ok(zx_handle_close(waited), "close waited handle")
            },
        ])
        checks.report()
        try world.run { c in
            c.eq(world.object(event)?.observerCount, 0, "observer removed")
            ipcClose(event)
        }
        world.expectNoLeaks()
    }

    @Test func eventPairPeers() throws {
        let world = try IPCWorld()
        try world.run { c in
            var a = ZX_HANDLE_INVALID, b = ZX_HANDLE_INVALID
            c.st(zx_eventpair_create(1, &a, &b), ZX_ERR_NOT_SUPPORTED, "options")
            c.ok(zx_eventpair_create(0, &a, &b), "create")
            let infoA = ipcBasic(a), infoB = ipcBasic(b)
            c.eq(infoA?.type, ZX_OBJ_TYPE_EVENTPAIR, "type")
            c.eq(infoA?.rights, ZX_DEFAULT_EVENTPAIR_RIGHTS, "rights")
            c.eq(infoA?.related_koid, infoB?.koid, "a's related koid is b")
            c.eq(infoB?.related_koid, infoA?.koid, "b's related koid is a")

            c.ok(zx_object_signal_peer(a, 0, ZX_EVENTPAIR_SIGNALED | ZX_USER_SIGNAL_5), "signal peer")
            c.eq(ipcSignals(b), ZX_EVENTPAIR_SIGNALED | ZX_USER_SIGNAL_5, "peer got it")
            c.eq(ipcSignals(a), 0, "self untouched")
            c.ok(zx_object_signal(a, 0, ZX_EVENTPAIR_SIGNALED), "signal self")
            c.st(zx_object_signal_peer(a, 0, ZX_EVENTPAIR_PEER_CLOSED), ZX_ERR_INVALID_ARGS, "PEER_CLOSED not settable")
            c.st(zx_object_signal(a, 0, ZX_EVENTPAIR_PEER_CLOSED), ZX_ERR_INVALID_ARGS, "nor on self")
            let noPeerRight = ipcDup(a, ZX_RIGHTS_BASIC | ZX_RIGHT_SIGNAL)
            c.st(zx_object_signal_peer(noPeerRight, 0, ZX_USER_SIGNAL_0), ZX_ERR_ACCESS_DENIED, "no SIGNAL_PEER")

            // Closing every handle to b asserts PEER_CLOSED on a.
            c.ok(zx_handle_close(b), "close b")
            c.eq(ipcSignals(a), ZX_EVENTPAIR_SIGNALED | ZX_EVENTPAIR_PEER_CLOSED, "PEER_CLOSED on a")
            c.st(zx_object_signal_peer(a, 0, ZX_USER_SIGNAL_0), ZX_ERR_PEER_CLOSED, "peer gone")
            c.st(zx_object_signal_peer(a, 0, ZX_EVENTPAIR_PEER_CLOSED), ZX_ERR_INVALID_ARGS, "args before peer")
            c.eq(ipcBasic(a)?.related_koid, infoB?.koid, "related koid survives the peer")
            ipcClose(a, noPeerRight)
        }
        world.expectNoLeaks()
    }

    @Test func clockAndDeadlines() throws {
        let a = zx_clock_get_monotonic()
        let b = zx_clock_get_monotonic()
        #expect(a > 0 && b >= a)
        #expect(zx_deadline_after(ZX_TIME_INFINITE) == ZX_TIME_INFINITE)
        #expect(zx_deadline_after(ZX_SEC(1)) > b)
    }

    @Test func nativeEventAPI() throws {
        let world = try IPCWorld()
        try world.run { c in
            do throws(ZxStatus) {
                let event = try Event()
                try event.signal(set: .eventSignaled)
                c.eq(try event.wait(), .eventSignaled, "wait")
                let copy = try event.duplicate()
                try copy.signal(clear: .eventSignaled)
                do throws(ZxStatus) {
                    try event.wait(deadline: zx_deadline_after(ZX_USEC(100)))
                    c.record("expected a timeout", #_sourceLocation)
                } catch {
                    c.eq(error, .timedOut, "timeout")
                }
                let ends = try EventPair.create()
                let a = ends.first
                let b = ends.second
                try a.signalPeer(set: Signals(ZX_USER_SIGNAL_0))
                c.eq(try b.wait(for: Signals(ZX_USER_SIGNAL_0)), Signals(ZX_USER_SIGNAL_0), "peer signal")
                _ = consume b
                c.eq(try a.handle.pendingSignals(), Signals(ZX_EVENTPAIR_PEER_CLOSED), "peer closed")
            } catch {
                c.record("native API failed: \(error)", #_sourceLocation)
            }
        }
        world.expectNoLeaks()
    }
}
