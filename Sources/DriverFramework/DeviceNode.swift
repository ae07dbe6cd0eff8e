// The coordinator's records: `DeviceNode` (one per device of the unified tree, including proxies
// and the immortal coordinator devices), `HostRecord` (one per driver host process), and
// `StateLock`, the coordinator's one lock with a condition for waiters.
//
// Fuchsia counterpart: src/devices/bin/driver_manager/device.h (Device: flags DEV_CTX_*, state,
// proxy, host, backoff/retries), driver_host.h (DriverHost), coordinator.h.

#if canImport(Glibc)
import Glibc
#endif
import BindRules
import ZX
import ZirconKernel

/// A device of the coordinator's tree. Guarded by the coordinator's `StateLock`.
final class DeviceNode {
    enum State: String, Sendable {
        case initializing, active, suspended, unbinding, dead
    }

    let id: UInt64
    let name: String
    /// The library of the driver that added it ("" for coordinator devices; for a proxy
    /// `<lib>.proxy.so`).
    let library: String
    let protocolId: ProtocolId
    let properties: DeviceProperties
    let flags: DeviceAddFlags
    let isImmortal: Bool
    let isMultiBind: Bool
    /// For a proxy: the device it stands for.
    let proxied: DeviceNode?
    /// The host it lives in; nil for coordinator-owned devices.
    let host: HostRecord?

    var state: State
    /// Hidden until made visible (the `.invisible` flag, or an init hook not yet replied).
    var invisible: Bool
    var bound = false
    /// The devfs parent (a real device, never a proxy); nil for the tree roots.
    weak var parent: DeviceNode?
    var children: [DeviceNode] = []
    var proxy: DeviceNode?
    /// Registration indices of the drivers bound to it.
    var boundDrivers: [Int] = []
    /// Class alias while published: (class directory, entry name).
    var classAlias: (String, String)?
    /// Crash-rebind bookkeeping (reference 2.6).
    var retries = 0
    var backoff: Duration = .zero
    var bindAttempts = 0
    /// A removal asked for while `initializing` (it waits for the init reply).
    var removeAfterInit = false

    init(id: UInt64, name: String, library: String, protocolId: ProtocolId, properties: DeviceProperties,
         flags: DeviceAddFlags, isImmortal: Bool = false, isMultiBind: Bool = false,
         proxied: DeviceNode? = nil, host: HostRecord?, state: State, invisible: Bool) {
        self.id = id
        self.name = name
        self.library = library
        self.protocolId = protocolId
        self.properties = properties
        self.flags = flags
        self.isImmortal = isImmortal
        self.isMultiBind = isMultiBind
        self.proxied = proxied
        self.host = host
        self.state = state
        self.invisible = invisible
    }

    var isProxy: Bool { proxied != nil }
    var isDead: Bool { state == .dead }

    /// Published in devfs: alive, initialized, not invisible, not a proxy, parent published.
    var isPublished: Bool {
        guard !isProxy, !isDead, state != .initializing, !invisible else { return false }
        return parent?.isPublished ?? true
    }

    /// Bind properties: its own, with `fuchsia.BIND_PROTOCOL` from its protocol id.
    var bindProperties: DeviceProperties {
        var props = properties
        if props[.bindProtocol] == nil { props[.bindProtocol] = .int(protocolId.rawValue) }
        return props
    }

    /// Reference 2.4: not BOUND (unless multi-bind), not invisible, not dead, initialized;
    /// plus autobind (not NON_BINDABLE).
    var isBindable: Bool {
        !flags.contains(.nonBindable) && (!bound || isMultiBind) && !invisible && state == .active
            && !isProxy
    }

    /// Pre-order: the device, its proxy, then its children (each likewise) — the unbind order.
    var preorder: [DeviceNode] {
        var list: [DeviceNode] = [self]
        if let proxy { list.append(proxy) }
        for child in children { list.append(contentsOf: child.preorder) }
        return list
    }
}

/// A driver host process as the coordinator sees it. Guarded by the coordinator's `StateLock`.
final class HostRecord {
    let id: UInt64
    let name: String
    let process: Process
    let koid: zx_koid_t
    /// The coordinator's end of the host channel (a value in the manager process's table).
    var channel: zx_handle_t
    /// A handle to the host process in the manager's table (from the host's hello).
    var processHandle: zx_handle_t = ZX_HANDLE_INVALID
    var deviceCount = 0
    /// Being retired by the coordinator (empty, or shutdown): its exit is not a crash.
    var retiring = false
    /// Its exit has been handled.
    var dead = false
    /// ZX_PROCESS_TERMINATED seen (or the host never said hello).
    var terminated = false

    init(id: UInt64, name: String, process: Process, channel: zx_handle_t) {
        self.id = id
        self.name = name
        self.process = process
        self.koid = process.koid
        self.channel = channel
    }
}

/// The coordinator's lock: a pthread mutex with a condition variable on CLOCK_MONOTONIC, so
/// callers can wait (with a deadline) for the coordinator's state to reach a condition. Every
/// section that changes state broadcasts when it unlocks.
final class StateLock: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init() {
        var attr = pthread_mutexattr_t()
        pthread_mutexattr_init(&attr)
        pthread_mutexattr_settype(&attr, Int32(PTHREAD_MUTEX_RECURSIVE))
        pthread_mutex_init(mutex, &attr)
        pthread_mutexattr_destroy(&attr)
        var condAttr = pthread_condattr_t()
        pthread_condattr_init(&condAttr)
        pthread_condattr_setclock(&condAttr, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &condAttr)
        pthread_condattr_destroy(&condAttr)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Runs `body` under the lock, then wakes every waiter.
    func withLock<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        pthread_mutex_lock(mutex)
        defer {
            pthread_cond_broadcast(condition)
            pthread_mutex_unlock(mutex)
        }
        return try body()
    }

    /// Waits until `predicate` (evaluated under the lock) holds or `deadline`
    /// (ZX_CLOCK_MONOTONIC ns) passes; returns the predicate's last value.
    func wait(until deadline: zx_time_t, _ predicate: () -> Bool) -> Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        var spec = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
        while !predicate() {
            if pthread_cond_timedwait(condition, mutex, &spec) == ETIMEDOUT { return predicate() }
        }
        return true
    }
}
