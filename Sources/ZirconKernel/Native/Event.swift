// Event and EventPair: the Swift-native faces of events, plus waiting and signalling on any
// Handle — owning, noncopyable, typed-throws, over the same kernel entry points as zx_event_*,
// zx_object_signal* and zx_object_wait_one. Use inside `Process.run`.
//
// Zircon counterpart: the C++ zx::event / zx::eventpair and zx::object::wait_one/signal.

import ZX

extension Handle {
    /// `zx_object_wait_one`: the signals asserted once any of `signals` is (or at the end).
    /// - Throws: `.timedOut` (nothing matched by `deadline`), `.canceled` (handle closed),
    ///   `.accessDenied` (no WAIT right), `.notSupported`, `.badHandle`.
    @discardableResult
    public func wait(for signals: Signals, deadline: zx_time_t = ZX_TIME_INFINITE) throws(ZxStatus) -> Signals {
        var observed: zx_signals_t?
        try Sys.objectWaitOne(value, signals.rawValue, deadline, &observed)
        return Signals(observed ?? 0)
    }

    /// The signals asserted right now (a wait with a past deadline).
    public func pendingSignals() throws(ZxStatus) -> Signals {
        var observed: zx_signals_t?
        do {
            try Sys.objectWaitOne(value, 0, ZX_TIME_INFINITE_PAST, &observed)
        } catch .timedOut {
        }
        return Signals(observed ?? 0)
    }

    /// `zx_object_signal`: clears `clear`, then sets `set` (user signals, SIGNALED on events).
    public func signal(clear: Signals = [], set: Signals = []) throws(ZxStatus) {
        try Sys.objectSignal(value, clear.rawValue, set.rawValue)
    }

    /// `zx_object_signal_peer` (channels, event pairs).
    public func signalPeer(clear: Signals = [], set: Signals = []) throws(ZxStatus) {
        try Sys.objectSignalPeer(value, clear.rawValue, set.rawValue)
    }
}

/// An event: eight user signals plus ZX_EVENT_SIGNALED, nothing else.
public struct Event: ~Copyable {
    public let handle: Handle

    /// Takes ownership of a raw event handle.
    public init(adopting value: zx_handle_t) { handle = Handle(adopting: value) }

    /// `zx_event_create`.
    public init() throws(ZxStatus) {
        handle = Handle(adopting: try Sys.eventCreate(0))
    }

    /// `zx_object_signal` on the event.
    public func signal(clear: Signals = [], set: Signals = []) throws(ZxStatus) {
        try handle.signal(clear: clear, set: set)
    }

    /// `zx_object_wait_one` on the event.
    @discardableResult
    public func wait(for signals: Signals = .eventSignaled,
                     deadline: zx_time_t = ZX_TIME_INFINITE) throws(ZxStatus) -> Signals {
        try handle.wait(for: signals, deadline: deadline)
    }

    /// `zx_handle_duplicate`.
    public func duplicate(rights: zx_rights_t = ZX_RIGHT_SAME_RIGHTS) throws(ZxStatus) -> Event {
        Event(adopting: try handle.duplicate(rights: rights).release())
    }
}

/// One end of an event pair: signals itself and its peer; sees ZX_EVENTPAIR_PEER_CLOSED.
public struct EventPair: ~Copyable {
    public let handle: Handle

    /// Takes ownership of a raw event pair handle.
    public init(adopting value: zx_handle_t) { handle = Handle(adopting: value) }

    /// `zx_eventpair_create`: both ends.
    public static func create() throws(ZxStatus) -> Ends {
        let (end0, end1) = try Sys.eventPairCreate(0)
        return Ends(first: EventPair(adopting: end0), second: EventPair(adopting: end1))
    }

    /// The two ends `create` returns (take them with `let a = ends.first; let b = ends.second`).
    @frozen public struct Ends: ~Copyable {
        public var first: EventPair
        public var second: EventPair
    }

    public func signal(clear: Signals = [], set: Signals = []) throws(ZxStatus) {
        try handle.signal(clear: clear, set: set)
    }

    public func signalPeer(clear: Signals = [], set: Signals = []) throws(ZxStatus) {
        try handle.signalPeer(clear: clear, set: set)
    }

    @discardableResult
    public func wait(for signals: Signals, deadline: zx_time_t = ZX_TIME_INFINITE) throws(ZxStatus) -> Signals {
        try handle.wait(for: signals, deadline: deadline)
    }
}
