// KernelObject: the base of every handle-reachable object: koid, type, default rights, signal
// state with an observer list, the ZX_PROP_NAME storage, property hooks and the handle count.
//
// Zircon counterpart: zircon/kernel/object/include/object/dispatcher.h (Dispatcher, SoloDispatcher,
// StateTracker signals, handle_count_, on_zero_handles) and fbl/name.h (Name<ZX_MAX_NAME_LEN>).

import Synchronization
import ZX

/// Something waiting on an object's signals: `zx_object_wait_one`, ports (`wait_async`).
///
/// Observers are called with the object's state lock held, like Zircon's
/// `SignalObserver::OnMatch`, so they must not call back into the object.
protocol SignalObserver: AnyObject, Sendable {
    /// The object's signal state changed to `signals`. Return false to be unregistered.
    func signalsChanged(_ signals: zx_signals_t, on object: KernelObject) -> Bool
    /// The handle entry the wait was made through (`ObjectIdentifier` of its `HandleEntry`), if
    /// any: such waits end when that handle is destroyed, like Zircon's `Dispatcher::Cancel`.
    var boundHandle: ObjectIdentifier? { get }
    /// Unregistered without a match (its handle closed, `zx_port_cancel`); `signals` is the
    /// current state. Called with the state lock held.
    func canceled(_ signals: zx_signals_t, on object: KernelObject)
}

extension SignalObserver {
    var boundHandle: ObjectIdentifier? { nil }
    func canceled(_ signals: zx_signals_t, on object: KernelObject) {}
}

/// The base class of every dispatcher.
///
/// Subclasses override the instance properties `objectType`, `defaultRights`, `supportsName`,
/// `relatedKoid`, and the hooks `onZeroHandles()`, `nameDidChange`, `getProperty`,
/// `setProperty`.
///
/// Lock domain: `state` (a small per-object mutex) guards the signals, the observers and the
/// name. The handle count is a separate atomic because one object can sit in several
/// processes' handle tables.
class KernelObject: @unchecked Sendable {
    /// The kernel object id, unique within one `Kernel` (allocated by `Kernel.allocateKoid()`).
    let koid: zx_koid_t

    private struct State {
        var signals: zx_signals_t = 0
        var observers: [any SignalObserver] = []
        var name: [UInt8] = []
    }

    private let state: Mutex<State>
    private let handleCount = Atomic<Int>(0)

    init(koid: zx_koid_t) {
        self.koid = koid
        self.state = Mutex(State())
    }

    /// An object created with a name (processes, threads, VMOs). Truncated like `set_name`.
    init(koid: zx_koid_t, name: String) {
        self.koid = koid
        var s = State()
        s.name = KernelObject.truncatedName(Array(name.utf8))
        self.state = Mutex(s)
    }

    // MARK: Per-type facts (override)

    /// `ZX_OBJ_TYPE_*` of this object.
    var objectType: zx_obj_type_t { ZX_OBJ_TYPE_NONE }
    /// The rights a freshly created handle to this object gets.
    var defaultRights: zx_rights_t { ZX_RIGHT_NONE }
    /// True if the object has a ZX_PROP_NAME (processes, threads, VMOs, ...).
    var supportsName: Bool { false }
    /// `related_koid` of ZX_INFO_HANDLE_BASIC: the owning process of a thread, a channel's
    /// peer, ... 0 when there is none.
    var relatedKoid: zx_koid_t { ZX_KOID_INVALID }

    // MARK: Handle count

    /// Called by `HandleEntry` when a handle to this object is created.
    final func incrementHandleCount() {
        handleCount.wrappingAdd(1, ordering: .relaxed)
    }

    /// Called by `HandleEntry` when a handle dies; true if it was the last one.
    final func decrementHandleCount() -> Bool {
        handleCount.wrappingSubtract(1, ordering: .acquiringAndReleasing).newValue == 0
    }

    /// Live handles to this object across every handle table.
    final var currentHandleCount: Int { handleCount.load(ordering: .relaxed) }

    /// Called (without any handle-table lock held) when the last handle to the object closes.
    /// The object may stay alive through kernel references (mappings, a running thread).
    func onZeroHandles() {}

    // MARK: Signals

    /// The current signal state.
    final var signalsState: zx_signals_t { state.withLock { $0.signals } }

    /// `new = (old & ~clear) | set`; observers run (under the lock) if the state changed.
    final func updateSignals(set: zx_signals_t = 0, clear: zx_signals_t = 0) {
        state.withLock { s in
            let new = (s.signals & ~clear) | set
            guard new != s.signals else { return }
            s.signals = new
            s.observers.removeAll { !$0.signalsChanged(new, on: self) }
        }
    }

    /// Registers `observer`; returns the signal state at registration time, so the caller can
    /// decide atomically whether it is already satisfied.
    @discardableResult
    final func addObserver(_ observer: any SignalObserver) -> zx_signals_t {
        state.withLock { s in
            s.observers.append(observer)
            return s.signals
        }
    }

    /// Offers `observer` the current state first (under the lock, as Zircon's `AddObserver`
    /// does) and registers it only if that call returned true. Returns the state.
    @discardableResult
    final func addObserverMatchingNow(_ observer: any SignalObserver) -> zx_signals_t {
        state.withLock { s in
            if observer.signalsChanged(s.signals, on: self) { s.observers.append(observer) }
            return s.signals
        }
    }

    /// Unregisters every observer `match` selects, calling its `canceled` (under the lock).
    /// Returns how many there were.
    @discardableResult
    final func cancelObservers(where match: (any SignalObserver) -> Bool) -> Int {
        state.withLock { s in
            guard !s.observers.isEmpty else { return 0 }
            var canceled = 0
            s.observers.removeAll { observer in
                guard match(observer) else { return false }
                observer.canceled(s.signals, on: self)
                canceled += 1
                return true
            }
            return canceled
        }
    }

    /// Ends the waits made through the handle entry `handle` (it is being destroyed, or moved
    /// into a new table by a channel read).
    final func cancelObservers(boundTo handle: ObjectIdentifier) {
        cancelObservers { $0.boundHandle == handle }
    }

    /// Registered observers right now (diagnostics and tests).
    final var observerCount: Int { state.withLock { $0.observers.count } }

    /// Unregisters `observer`; false if it was not registered (already fired and removed).
    @discardableResult
    final func removeObserver(_ observer: any SignalObserver) -> Bool {
        state.withLock { s in
            guard let i = s.observers.firstIndex(where: { $0 === observer }) else { return false }
            s.observers.remove(at: i)
            return true
        }
    }

    // MARK: Name (ZX_PROP_NAME)

    /// The stored name bytes (at most ZX_MAX_NAME_LEN - 1); empty for unnamed objects.
    final var nameBytes: [UInt8] { state.withLock { $0.name } }

    /// The name as a String (invalid UTF-8 repaired).
    final var name: String { String(decoding: nameBytes, as: UTF8.self) }

    /// Sets the name, truncated to ZX_MAX_NAME_LEN - 1 bytes.
    /// - Throws: `.notSupported` if the object type has no name.
    final func setName(_ bytes: UnsafeRawBufferPointer) throws(ZxStatus) {
        try setName(bytes: Array(bytes))
    }

    /// Sets the name from a Swift string (kernel-internal callers).
    final func setName(_ name: String) throws(ZxStatus) {
        try setName(bytes: Array(name.utf8))
    }

    private func setName(bytes: [UInt8]) throws(ZxStatus) {
        guard supportsName else { throw .notSupported }
        let truncated = KernelObject.truncatedName(bytes)
        state.withLock { $0.name = truncated }
        nameDidChange(name)
    }

    /// Called (no lock held) after ZX_PROP_NAME changed, e.g. to mirror it into a VM object.
    func nameDidChange(_ name: String) {}

    /// At most ZX_MAX_NAME_LEN - 1 bytes, cut at the first NUL (as ZxName stores names).
    static func truncatedName(_ bytes: [UInt8]) -> [UInt8] {
        Array(bytes.prefix(ZX_MAX_NAME_LEN - 1).prefix { $0 != 0 })
    }

    // MARK: Property hooks (ZX_PROP_NAME is handled by the syscall layer for every object)

    /// `zx_object_get_property` for properties other than ZX_PROP_NAME. The handle already has
    /// GET_PROPERTY; `rights` are its full rights. The default knows only which properties
    /// belong to other types, so their errors come in Zircon's order.
    func getProperty(_ property: UInt32, into value: UnsafeMutableRawBufferPointer,
                     rights: zx_rights_t) throws(ZxStatus) {
        switch property {
        case ZX_PROP_VMO_CONTENT_SIZE:
            guard value.count >= MemoryLayout<UInt64>.size else { throw .bufferTooSmall }
            throw .wrongType
        default:
            throw .notSupported
        }
    }

    /// `zx_object_set_property` for properties other than ZX_PROP_NAME. The handle already has
    /// SET_PROPERTY; `rights` are its full rights.
    func setProperty(_ property: UInt32, from value: UnsafeRawBufferPointer,
                     rights: zx_rights_t) throws(ZxStatus) {
        switch property {
        case ZX_PROP_VMO_CONTENT_SIZE:
            guard rights & ZX_RIGHT_WRITE != 0 else { throw .accessDenied }
            guard value.count >= MemoryLayout<UInt64>.size else { throw .bufferTooSmall }
            throw .wrongType
        default:
            throw .notSupported
        }
    }
}
