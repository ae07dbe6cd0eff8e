// The driver manager (device coordinator): the public `DriverManager`, its configuration
// (isolation policy, crash-rebind backoff, logging), the `driver_manager` process it runs in and
// its message loop, host launch, and the coordinator side of the host protocol (hello,
// add-device, completions, remove / make-visible requests).
//
// Fuchsia counterpart: src/devices/bin/driver_manager/coordinator.cc (Coordinator: AddDevice,
// NewDriverHost, the async loop), device.cc (HandleRpc), driver_host.cc.
//
// Lock domain: `state` (a `StateLock`) guards every mutable field and every `DeviceNode` /
// `HostRecord`. It is held while handling one port packet or one public call, never across a
// blocking wait; channel writes under it never block. Code that touches handles runs on a
// thread of the manager process (its loop thread, or a public call inside `manager.run`).

import BindRules
import ZX
import ZirconKernel

/// Which devices get their children bound in a new driver host behind a proxy.
public struct IsolationPolicy: Sendable {
    public var isolates: @Sendable (DeviceAddFlags, DeviceProperties) -> Bool

    public init(_ isolates: @escaping @Sendable (DeviceAddFlags, DeviceProperties) -> Bool) {
        self.isolates = isolates
    }

    /// Fuchsia DFv1: every device added with `.mustIsolate` (bus devices: PCI functions,
    /// isolated platform devices); protocol devices colocate with their parent.
    public static let mustIsolateFlag = IsolationPolicy { flags, _ in flags.contains(.mustIsolate) }
    /// The old policy statement: also every bus-mastering device (here: every PCI function).
    public static let busMasters = IsolationPolicy { flags, properties in
        flags.contains(.mustIsolate) || properties[.pciVendor] != nil
    }
    /// Everything colocates (only the coordinator's own devices get hosts).
    public static let colocateAll = IsolationPolicy { _, _ in false }
}

public struct DriverManagerConfiguration: Sendable {
    public var isolation: IsolationPolicy
    /// First crash-rebind delay; doubles on each retry (reference 2.6: 250 ms).
    public var rebindBackoff: Duration
    /// Rebinds after crashes before giving up on a device (reference 2.6: 4).
    public var rebindRetries: Int
    /// The board driver's library, shown on `<sys>` (`/boot/driver/bus-acpi.so` in the docs).
    public var sysLibrary: String
    /// Hand the root resource to the host of the `sys` proxy (`get_root_resource()`).
    public var grantRootResourceToSys: Bool
    /// Also receives every log line (called under the coordinator lock: must not call back).
    public var logSink: (@Sendable (String) -> Void)?
    /// Log lines kept in `DriverManager.log`.
    public var logCapacity: Int

    public init(isolation: IsolationPolicy = .mustIsolateFlag, rebindBackoff: Duration = .milliseconds(250),
                rebindRetries: Int = 4, sysLibrary: String = "", grantRootResourceToSys: Bool = true,
                logSink: (@Sendable (String) -> Void)? = nil, logCapacity: Int = 4096) {
        self.isolation = isolation
        self.rebindBackoff = rebindBackoff
        self.rebindRetries = rebindRetries
        self.sysLibrary = sysLibrary
        self.grantRootResourceToSys = grantRootResourceToSys
        self.logSink = logSink
        self.logCapacity = logCapacity
    }
}

/// Fuchsia's device coordinator for one `Kernel`: the unified device tree, the driver index,
/// driver host processes, devfs, `dm dump`, crash isolation. Create it, `register` drivers,
/// `start()`; the immortal devices `root`, `misc`, `sys` and `test` are offered to drivers and
/// binding proceeds from there. `shutdown()` removes every device and ends every process.
public final class DriverManager: @unchecked Sendable {
    public let kernel: Kernel
    public let configuration: DriverManagerConfiguration
    let index = DriverIndex()
    /// The `driver_manager` process: its handle table holds the coordinator's channel ends.
    let manager: Process
    /// A port in the manager process (immutable after init).
    let port: zx_handle_t
    let state = StateLock()

    // Guarded by `state`.
    var nodes: [UInt64: DeviceNode] = [:]
    var hosts: [UInt64: HostRecord] = [:]
    var pending: [UInt64: (host: HostRecord, then: (ZxStatus?) -> Void)] = [:]
    var timers: [(deadline: zx_time_t, action: () -> Void)] = []
    var operations = 0
    var nextRequest: UInt64 = 1
    var nextHostId: UInt64 = 1
    var nextCoordinatorId: UInt64 = 1
    var logLines: [String] = []
    var classDirectories: [String: (next: Int, entries: [String: UInt64])] = [:]
    var stopped = false
    var loopThread: ThreadHandle?

    let root: DeviceNode
    let misc: DeviceNode
    let sys: DeviceNode
    let test: DeviceNode

    static let wakeKey: UInt64 = 0
    static let stopKey: UInt64 = .max

    /// Counts for tests and diagnostics.
    public struct Counters: Sendable, Equatable {
        public var hostsLaunched = 0
        public var hostCrashes = 0
        public var bindAttempts = 0
        public var rebindsScheduled = 0
        public var rebindsAbandoned = 0
    }

    /// Creates the `driver_manager` process, its loop thread and the immortal devices.
    /// - Throws: `ZxStatus` from process, port or thread creation.
    public init(kernel: Kernel, configuration: DriverManagerConfiguration = DriverManagerConfiguration()) throws {
        self.kernel = kernel
        self.configuration = configuration
        manager = try kernel.createProcess(name: "driver_manager")
        port = try manager.run { () throws -> zx_handle_t in
            var port = ZX_HANDLE_INVALID
            let status = zx_port_create(0, &port)
            guard status == ZX_OK else { throw ZxStatus(status) }
            return port
        }
        func immortal(_ id: UInt64, _ name: String, _ proto: ProtocolId, library: String, multi: Bool) -> DeviceNode {
            DeviceNode(id: id, name: name, library: library, protocolId: proto, properties: DeviceProperties([:]),
                       flags: [.mustIsolate], isImmortal: true, isMultiBind: multi, host: nil,
                       state: .active, invisible: false)
        }
        root = immortal(1, "root", .root, library: "", multi: true)
        misc = immortal(2, "misc", .miscParent, library: "", multi: true)
        sys = immortal(3, "sys", .sys, library: configuration.sysLibrary, multi: false)
        test = immortal(4, "test", .testParent, library: "", multi: true)
        nextCoordinatorId = 5
        for device in [misc, sys, test] {
            device.parent = root
            root.children.append(device)
        }
        for device in [root, misc, sys, test] { nodes[device.id] = device }
        loopThread = try manager.startThread(name: "coordinator") { [self] in try loop() }
    }

    deinit {
        manager.kill()
    }

    // MARK: Public surface

    /// Adds a driver to the index (after those already there: first match wins).
    /// - Throws: the `BindError` of malformed bind rules (line, column, message).
    public func register(_ driver: DriverRegistration) throws(BindError) {
        let position = try index.add(driver)
        state.withLock {
            record("registered driver \(driver.name) (\(driver.library)) at index \(position)")
        }
    }

    /// Offers the immortal devices to the registered drivers (and re-offers every unbound
    /// device: call again after registering more drivers).
    public func start() throws {
        try inManager {
            for node in self.nodes.values.sorted(by: { $0.id < $1.id }) where node.isBindable {
                self.attemptBind(node)
            }
        }
    }

    /// Waits until no command, removal, pending rebind or exiting host is outstanding.
    /// Returns false if `timeout` passed first.
    @discardableResult
    public func settle(timeout: Duration = .seconds(30)) -> Bool {
        state.wait(until: deadline(after: timeout)) { isIdle }
    }

    /// Waits until `predicate` holds (evaluated after every state change, under the
    /// coordinator lock: use only the manager's `snapshot`-free accessors like `counters`).
    @discardableResult
    public func wait(timeout: Duration = .seconds(30), until predicate: (DriverManager) -> Bool) -> Bool {
        state.wait(until: deadline(after: timeout)) { predicate(self) }
    }

    /// Counts of host launches, crashes, bind attempts and rebinds.
    public var counters: Counters {
        get { state.withLock { countersStorage } }
    }

    /// What keeps the manager from being idle (pending commands by host, timers, removals and
    /// power sequences in progress, hosts still exiting): for diagnostics.
    public var outstandingWork: String {
        state.withLock {
            let commands = pending.values.map { $0.host.name }.sorted()
            let exiting = hosts.values.filter { $0.retiring && !$0.terminated }.map(\.name).sorted()
            return "commands \(commands), timers \(timers.count), operations \(operations), exiting hosts \(exiting)"
        }
    }

    /// The manager's log, oldest first (the last `logCapacity` lines).
    public var log: [String] { state.withLock { logLines } }

    /// Removes the device at devfs `path` (unbind top-down, release bottom-up) and waits.
    /// - Throws: `.notFound`, `.accessDenied` (an immortal device), `.timedOut`.
    public func remove(path: String, timeout: Duration = .seconds(30)) throws {
        var done = false
        try inManager {
            guard let node = self.lookup(path) else { throw ZxStatus.notFound }
            guard !node.isImmortal else { throw ZxStatus.accessDenied }
            self.scheduleRemoval(node) { done = true }
        }
        guard state.wait(until: deadline(after: timeout), { done }) else { throw ZxStatus.timedOut }
    }

    /// Suspends every device, children before parents, and waits.
    public func suspend(_ request: SuspendRequest = .suspendToRam, timeout: Duration = .seconds(30)) throws {
        try runPowerSequence(suspend: request, timeout: timeout)
    }

    /// Resumes every device, parents before children, and waits.
    public func resume(timeout: Duration = .seconds(30)) throws {
        try runPowerSequence(suspend: nil, timeout: timeout)
    }

    /// Kills the host process with koid `koid` (as a crash would end it), for tests and `dm`.
    public func killHost(koid: zx_koid_t) throws {
        let process: Process? = state.withLock { hosts.values.first { $0.koid == koid }?.process }
        guard let process else { throw ZxStatus.notFound }
        process.kill()
    }

    /// The process of the live host with koid `koid` (to run code in it, as tests and tools do).
    public func hostProcess(koid: zx_koid_t) -> Process? {
        state.withLock { hosts.values.first { $0.koid == koid && !$0.dead }?.process }
    }

    /// Koids of the live host processes.
    public var hostKoids: [zx_koid_t] {
        state.withLock { hosts.values.filter { !$0.dead }.map(\.koid).sorted() }
    }

    /// Removes every device (unbind/release, as `remove`), ends every host and waits for the
    /// processes to be gone, then stops the loop and ends the manager process.
    public func shutdown(timeout: Duration = .seconds(30)) throws {
        var remaining = 0
        try inManager {
            self.stopped = true
            self.timers.removeAll()
            let tops = self.root.children.flatMap { $0.isImmortal ? $0.children : [$0] }
                + [self.root, self.misc, self.sys, self.test].compactMap(\.proxy)
            remaining = tops.count
            for node in tops {
                self.scheduleRemoval(node) { remaining -= 1 }
            }
        }
        guard state.wait(until: deadline(after: timeout), { remaining == 0 }) else { throw ZxStatus.timedOut }
        try inManager {
            for host in self.hosts.values where !host.retiring { self.retire(host) }
        }
        guard state.wait(until: deadline(after: timeout), { hosts.isEmpty }) else { throw ZxStatus.timedOut }
        try manager.run {
            var packet = zx_port_packet_t(key: DriverManager.stopKey, type: ZX_PKT_TYPE_USER, status: ZX_OK)
            _ = zx_port_queue(port, &packet)
        }
        try loopThread?.join()
        manager.kill()
        manager.wait()
    }

    // MARK: Internals shared by the extensions

    var countersStorage: Counters {
        get { counters_ }
        set { counters_ = newValue }
    }
    private var counters_ = Counters()

    var isIdle: Bool { pending.isEmpty && timers.isEmpty && operations == 0 && hosts.values.allSatisfy { !$0.retiring || $0.terminated } }

    /// Runs `body` on a thread of the manager process, under the coordinator lock.
    func inManager(_ body: () throws -> Void) throws {
        try manager.run { try state.withLock { try body() } }
    }

    func deadline(after timeout: Duration) -> zx_time_t {
        let (seconds, attoseconds) = timeout.components
        let nanos = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !nanos.overflow else { return .max }
        let total = nanos.partialValue.addingReportingOverflow(attoseconds / 1_000_000_000)
        guard !total.overflow else { return .max }
        let result = zx_clock_get_monotonic().addingReportingOverflow(total.partialValue)
        return result.overflow ? .max : result.partialValue
    }

    /// Appends to the log (under the lock).
    func record(_ line: String) {
        let message = "driver_manager: " + line
        if logLines.count >= max(configuration.logCapacity, 1) { logLines.removeFirst() }
        logLines.append(message)
        configuration.logSink?(message)
    }

    // MARK: The loop

    private func loop() throws {
        while true {
            let deadline = state.withLock { timers.map(\.deadline).min() ?? ZX_TIME_INFINITE }
            var packet = zx_port_packet_t()
            let status = zx_port_wait(port, deadline, &packet)
            if status == ZX_ERR_TIMED_OUT {
                state.withLock { runDueTimers() }
                continue
            }
            guard status == ZX_OK else { throw ZxStatus(status) }
            if packet.key == DriverManager.stopKey { return }
            state.withLock { dispatch(packet) }
        }
    }

    private func runDueTimers() {
        let now = zx_clock_get_monotonic()
        let due = timers.filter { $0.deadline <= now }
        timers.removeAll { $0.deadline <= now }
        for timer in due { timer.action() }
    }

    func addTimer(after delay: Duration, _ action: @escaping () -> Void) {
        timers.append((deadline(after: delay), action))
        var packet = zx_port_packet_t(key: DriverManager.wakeKey, type: ZX_PKT_TYPE_USER, status: ZX_OK)
        _ = zx_port_queue(port, &packet)
    }

    private func dispatch(_ packet: zx_port_packet_t) {
        guard packet.key != DriverManager.wakeKey, let host = hosts[packet.key >> 1] else { return }
        if packet.key & 1 == 1 {
            host.terminated = true
            hostExited(host)
            finish(host)
            return
        }
        while !host.dead {
            var decoder: MessageDecoder
            do {
                decoder = try receiveMessage(from: host.channel)
            } catch .shouldWait {
                let status = zx_object_wait_async(host.channel, port, host.id << 1,
                                                  ZX_CHANNEL_READABLE | ZX_CHANNEL_PEER_CLOSED, 0)
                if status != ZX_OK { hostExited(host) }
                return
            } catch {
                hostExited(host)
                return
            }
            handle(&decoder, from: host)
        }
    }

    private func handle(_ decoder: inout MessageDecoder, from host: HostRecord) {
        let message: HostMessage
        let header: MessageHeader
        do {
            header = try decoder.header()
            message = try HostMessage.decode(&decoder)
        } catch {
            decoder.closeUntaken()
            record("malformed message from \(host.name) (koid \(host.koid)): \(error)")
            return
        }
        switch message {
        case .hello(let process):
            host.processHandle = process
            let status = zx_object_wait_async(process, port, host.id << 1 | 1, ZX_PROCESS_TERMINATED, 0)
            if status != ZX_OK { record("cannot watch \(host.name): \(ZxStatus(status))") }
        case .addDevice(let request):
            var after: (() -> Void)?
            var status = ZX_OK
            do {
                after = try addDevice(request, from: host)
            } catch {
                status = error.rawValue
            }
            var reply = MessageEncoder(header: MessageHeader(txid: header.txid, ordinal: header.ordinal))
            reply.write(status)
            try? sendMessage(reply, on: host.channel)
            after?()
        case .completed(let request, let status):
            if let entry = pending.removeValue(forKey: request) {
                entry.then(status == ZX_OK ? nil : ZxStatus(status))
            }
        case .scheduleRemove(let id):
            if let node = nodes[id], node.host === host { scheduleRemoval(node, then: nil) }
        case .makeVisible(let id):
            if let node = nodes[id], node.host === host, node.invisible {
                node.invisible = false
                publish(node)
                for device in node.preorder { attemptBind(device) }
            }
        }
    }

    // MARK: Hosts

    /// Starts a `driver_host:<name>` process with its loop thread and coordinator channel.
    func launchHost(name: String, rootResource: Bool) throws -> HostRecord {
        let process = try kernel.createProcess(name: name)
        var ours = ZX_HANDLE_INVALID, theirs = ZX_HANDLE_INVALID
        let status = zx_channel_create(0, &ours, &theirs)
        guard status == ZX_OK else { throw ZxStatus(status) }
        let hostEnd: zx_handle_t
        do {
            hostEnd = try process.transferHandle(theirs, from: manager)
        } catch {
            _ = zx_handle_close(ours)
            throw error
        }
        let resource = rootResource ? try kernel.rootResource(for: process) : nil
        let id = nextHostId
        nextHostId += 1
        let runtime = DriverHostRuntime(hostId: id, name: name, index: index, coordinator: hostEnd,
                                        rootResource: resource)
        let host = HostRecord(id: id, name: name, process: process, channel: ours)
        hosts[id] = host
        let armed = zx_object_wait_async(ours, port, id << 1, ZX_CHANNEL_READABLE | ZX_CHANNEL_PEER_CLOSED, 0)
        guard armed == ZX_OK else {
            hosts[id] = nil
            _ = zx_handle_close(ours)
            process.kill()
            throw ZxStatus(armed)
        }
        do {
            _ = try process.startThread(name: "driver_host") { try runtime.run() }
        } catch {
            hosts[id] = nil
            _ = zx_handle_close(ours)
            process.kill()
            throw error
        }
        countersStorage.hostsLaunched += 1
        record("launched \(name) (pid=\(host.koid))")
        return host
    }

    /// Sends `command` (built with a fresh request id) to `host`; `then` runs with its status
    /// (nil for OK) when the host completes it, or with `.peerClosed` if the host is gone.
    func send(to host: HostRecord, _ command: (UInt64) -> HostCommand, then: @escaping (ZxStatus?) -> Void) {
        guard !host.dead, !host.retiring else {
            then(.peerClosed)
            return
        }
        let request = nextRequest
        nextRequest += 1
        pending[request] = (host, then)
        do {
            try sendMessage(command(request).encode(), on: host.channel)
        } catch {
            pending[request] = nil
            then(error)
        }
    }

    /// Ends an empty (or, at shutdown, any) host: closes its channel and kills the process;
    /// its ZX_PROCESS_TERMINATED finishes the record.
    func retire(_ host: HostRecord) {
        guard !host.retiring, !host.dead else { return }
        host.retiring = true
        record("retiring \(host.name) (pid=\(host.koid))")
        failPending(of: host)
        _ = zx_handle_close(host.channel)
        host.channel = ZX_HANDLE_INVALID
        host.process.kill()
        if host.processHandle == ZX_HANDLE_INVALID {
            // It never said hello: nothing will report its termination.
            host.terminated = true
            finish(host)
        }
    }

    func failPending(of host: HostRecord) {
        let failed = pending.filter { $0.value.host === host }.sorted { $0.key < $1.key }
        for (request, _) in failed { pending[request] = nil }
        for (_, entry) in failed { entry.then(.peerClosed) }
    }

    /// Drops a terminated host's record.
    private func finish(_ host: HostRecord) {
        guard host.terminated else { return }
        if host.processHandle != ZX_HANDLE_INVALID {
            _ = zx_handle_close(host.processHandle)
            host.processHandle = ZX_HANDLE_INVALID
        }
        if host.channel != ZX_HANDLE_INVALID {
            _ = zx_handle_close(host.channel)
            host.channel = ZX_HANDLE_INVALID
        }
        hosts[host.id] = nil
    }
}
