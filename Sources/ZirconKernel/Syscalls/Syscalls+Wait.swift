// Signals and waiting: zx_object_signal, zx_object_signal_peer, zx_object_wait_one,
// zx_object_wait_async, the monotonic clock (zx_clock_get_monotonic, zx_deadline_after), and
// the ZX_INFO_HANDLE_COUNT topic.
//
// Zircon counterpart: zircon/kernel/lib/syscalls/object.cc, object_wait.cc (WaitSignalObserver),
// zircon.cc (clock); docs/reference/syscalls/object_{signal,signal_peer,wait_one,wait_async}.md.

import ZX

/// The observer behind one `zx_object_wait_one`: fires once when any trigger bit is asserted,
/// or is canceled when the handle it was made through is destroyed.
///
/// `observed`/`wasCanceled` are written under the object's state lock before `event` is
/// signaled, and read by the waiter after `event.wait` returns true or after a failed
/// `removeObserver` (which takes the same lock).
final class WaitOneObserver: SignalObserver, @unchecked Sendable {
    let trigger: zx_signals_t
    let boundHandle: ObjectIdentifier?
    let event = WaitEvent()
    private(set) var observed: zx_signals_t = 0
    private(set) var wasCanceled = false

    init(trigger: zx_signals_t, boundHandle: ObjectIdentifier) {
        self.trigger = trigger
        self.boundHandle = boundHandle
    }

    func signalsChanged(_ signals: zx_signals_t, on object: KernelObject) -> Bool {
        guard signals & trigger != 0 else { return true }
        observed = signals
        event.signal()
        return false
    }

    func canceled(_ signals: zx_signals_t, on object: KernelObject) {
        observed = signals | ZX_SIGNAL_HANDLE_CLOSED
        wasCanceled = true
        event.signal()
    }
}

extension Sys {
    /// True for objects one can wait on: Zircon's `is_waitable()`, i.e. the type's default
    /// rights include ZX_RIGHT_WAIT (ports, VMARs and resources are not waitable).
    static func isWaitable(_ object: KernelObject) -> Bool {
        object.defaultRights & ZX_RIGHT_WAIT != 0
    }

    /// The signals `zx_object_signal` may touch on `object`: the user signals, plus SIGNALED on
    /// events and event pairs.
    static func userSignalMask(_ object: KernelObject) -> zx_signals_t {
        switch object {
        case is EventDispatcher: return ZX_USER_SIGNAL_ALL | ZX_EVENT_SIGNALED
        case is EventPairDispatcher: return ZX_USER_SIGNAL_ALL | ZX_EVENTPAIR_SIGNALED
        default: return ZX_USER_SIGNAL_ALL
        }
    }

    /// zx_object_signal: clears `clearMask`, then sets `setMask`.
    /// - Throws: `.badHandle`, `.accessDenied` (no SIGNAL), `.notSupported` (not waitable),
    ///   `.invalidArgs` (bits outside `userSignalMask`).
    static func objectSignal(_ handle: zx_handle_t, _ clearMask: UInt32, _ setMask: UInt32) throws(ZxStatus) {
        let context = try context()
        let (object, _) = try context.handles.lookup(handle, as: KernelObject.self, rights: ZX_RIGHT_SIGNAL)
        guard isWaitable(object) else { throw .notSupported }
        guard (clearMask | setMask) & ~userSignalMask(object) == 0 else { throw .invalidArgs }
        object.updateSignals(set: setMask, clear: clearMask)
    }

    /// zx_object_signal_peer.
    /// - Throws: `.badHandle`, `.accessDenied` (no SIGNAL_PEER), `.notSupported` (no peer),
    ///   `.invalidArgs`, `.peerClosed`.
    static func objectSignalPeer(_ handle: zx_handle_t, _ clearMask: UInt32, _ setMask: UInt32) throws(ZxStatus) {
        let context = try context()
        let (object, _) = try context.handles.lookup(handle, as: KernelObject.self, rights: ZX_RIGHT_SIGNAL_PEER)
        guard let peered = object as? any PeeredObject else { throw .notSupported }
        try peered.signalPeer(clear: clearMask, set: setMask)
    }

    /// zx_object_wait_one: blocks until any of `signals` is asserted on the object, the
    /// deadline passes, or the handle is closed. `observed` is set whenever the wait took place
    /// (success, TIMED_OUT, CANCELED): the state when a signal matched, else the state at the
    /// end (with ZX_SIGNAL_HANDLE_CLOSED when canceled).
    /// - Throws: `.badHandle`, `.accessDenied` (no WAIT), `.notSupported` (not waitable),
    ///   `.timedOut`, `.canceled`.
    static func objectWaitOne(_ handle: zx_handle_t, _ signals: zx_signals_t, _ deadline: zx_time_t,
                              _ observed: inout zx_signals_t?) throws(ZxStatus) {
        let context = try context()
        let (object, observer) = try registerWaitOne(context, handle, signals)
        var signaled = observer.event.isSignaled
        if !signaled {
            do throws(ZxStatus) {
                signaled = try observer.event.wait(until: deadline, as: context.thread,
                                                   state: ZX_THREAD_STATE_BLOCKED_WAIT_ONE)
            } catch {
                object.removeObserver(observer)
                throw error
            }
        }
        if signaled {
            observed = observer.observed
        } else if object.removeObserver(observer) {
            observed = object.signalsState
            throw .timedOut
        } else {
            // Fired or canceled concurrently with the timeout; removeObserver's lock ordered it.
            observed = observer.observed
        }
        if observer.wasCanceled { throw .canceled }
    }

    /// Looks up `handle` and registers a wait-one observer through it. The entry is held only
    /// while registering (never during the wait), so closing the handle concurrently either
    /// happens first (BAD_HANDLE) or cancels the registered wait when the entry is destroyed.
    private static func registerWaitOne(_ context: ThreadContext, _ handle: zx_handle_t,
                                        _ signals: zx_signals_t) throws(ZxStatus) -> (KernelObject, WaitOneObserver) {
        let entry = try context.handles.lookup(handle)
        guard entry.hasRights(ZX_RIGHT_WAIT) else { throw .accessDenied }
        guard isWaitable(entry.object) else { throw .notSupported }
        let observer = WaitOneObserver(trigger: signals, boundHandle: ObjectIdentifier(entry))
        withExtendedLifetime(entry) { _ = entry.object.addObserverMatchingNow(observer) }
        return (entry.object, observer)
    }

    /// zx_object_wait_async: arms a one-shot observer that queues a ZX_PKT_TYPE_SIGNAL_ONE
    /// packet with `key` on `portHandle` when any of `signals` is (or, with
    /// ZX_WAIT_ASYNC_EDGE, becomes) asserted.
    /// - Throws: `.invalidArgs` (options), port lookup errors with WRITE, `.badHandle`,
    ///   `.accessDenied` (no WAIT), `.notSupported` (not waitable).
    static func objectWaitAsync(_ handle: zx_handle_t, _ portHandle: zx_handle_t, _ key: UInt64,
                                _ signals: zx_signals_t, _ options: UInt32) throws(ZxStatus) {
        let context = try context()
        guard options & ~(ZX_WAIT_ASYNC_TIMESTAMP | ZX_WAIT_ASYNC_EDGE) == 0 else { throw .invalidArgs }
        let (port, _) = try context.handles.lookup(portHandle, as: PortDispatcher.self, rights: ZX_RIGHT_WRITE)
        let entry = try context.handles.lookup(handle)
        guard entry.hasRights(ZX_RIGHT_WAIT) else { throw .accessDenied }
        guard isWaitable(entry.object) else { throw .notSupported }
        withExtendedLifetime(entry) {
            port.waitAsync(object: entry.object, boundHandle: ObjectIdentifier(entry), key: key,
                           signals: signals, options: options)
        }
    }

    /// ZX_INFO_HANDLE_COUNT: live handles to the object (needs INSPECT).
    static func infoHandleCount(_ context: ThreadContext, _ handle: zx_handle_t,
                                _ out: inout InfoOutput) throws(ZxStatus) {
        let (object, _) = try context.handles.lookup(handle, as: KernelObject.self, rights: ZX_RIGHT_INSPECT)
        try out.single(zx_info_handle_count_t(handle_count: UInt32(clamping: object.currentHandleCount)))
    }
}

// zx_status_t zx_object_signal
public func zx_object_signal(_ handle: zx_handle_t, _ clearMask: UInt32, _ setMask: UInt32) -> zx_status_t {
    ZxStatus.capture { () throws(ZxStatus) in try Sys.objectSignal(handle, clearMask, setMask) }
}

// zx_status_t zx_object_signal_peer
public func zx_object_signal_peer(_ handle: zx_handle_t, _ clearMask: UInt32, _ setMask: UInt32) -> zx_status_t {
    ZxStatus.capture { () throws(ZxStatus) in try Sys.objectSignalPeer(handle, clearMask, setMask) }
}

// zx_status_t zx_object_wait_one
/// `observed` may be nil (as NULL in C) or `&variable`.
public func zx_object_wait_one(_ handle: zx_handle_t, _ signals: zx_signals_t, _ deadline: zx_time_t,
                               _ observed: UnsafeMutablePointer<zx_signals_t>?) -> zx_status_t {
    var state: zx_signals_t?
    let status = ZxStatus.capture { () throws(ZxStatus) in
        try Sys.objectWaitOne(handle, signals, deadline, &state)
    }
    if let state, let observed { observed.pointee = state }
    return status
}

// zx_status_t zx_object_wait_async
public func zx_object_wait_async(_ handle: zx_handle_t, _ port: zx_handle_t, _ key: UInt64,
                                 _ signals: zx_signals_t, _ options: UInt32) -> zx_status_t {
    ZxStatus.capture { () throws(ZxStatus) in try Sys.objectWaitAsync(handle, port, key, signals, options) }
}

// zx_time_t zx_clock_get_monotonic
/// ZX_CLOCK_MONOTONIC now, in nanoseconds (works with or without a thread context).
public func zx_clock_get_monotonic() -> zx_time_t {
    Kernel.monotonicNow()
}

// zx_time_t zx_deadline_after
/// The monotonic time `nanoseconds` from now, saturating at ZX_TIME_INFINITE.
public func zx_deadline_after(_ nanoseconds: zx_duration_t) -> zx_time_t {
    zx_time_add_duration(Kernel.monotonicNow(), nanoseconds)
}
