// A driver host: the Swift side of one `driver_host:<name>` process. Its message loop runs on a
// thread of that process, waits on a port for its coordinator channel and its connections (proxy
// top halves it serves, devfs clients), runs driver and device hooks, and answers the
// coordinator. `DeviceContext` is what drivers get: a device in this host, through which they
// add children, reach their parent's protocol and ask for removal.
//
// Fuchsia counterpart: src/devices/bin/driver_host/ (driver_host.cc: the DriverHostController
// handlers; zx_device.cc / api.cc: device_add, device_async_remove, device_get_protocol;
// proxy_iostate.cc: the proxy channel; devfs_connection.cc).

import BindRules
import KernelContainers
import ZX
import ZirconKernel

/// A device as its host knows it.
final class HostDevice: @unchecked Sendable {
    let id: UInt64
    let name: String
    let protocolId: ProtocolId
    let properties: DeviceProperties
    let hooks: DeviceHooks
    /// The device it was added under in this host (nil for a proxy: the host's root).
    let parent: HostDevice?
    /// For a proxy: its end of the channel to the real device's host (invalid for the proxy of a
    /// coordinator-owned device).
    let proxyChannel: zx_handle_t?
    let isProxy: Bool
    /// The registration index of the driver that added it (nil for a proxy).
    let owner: UInt32?
    var context: DeviceContext?

    init(id: UInt64, name: String, protocolId: ProtocolId, properties: DeviceProperties,
         hooks: DeviceHooks, parent: HostDevice?, proxyChannel: zx_handle_t?, isProxy: Bool,
         owner: UInt32?) {
        self.isProxy = isProxy
        self.owner = owner
        self.id = id
        self.name = name
        self.protocolId = protocolId
        self.properties = properties
        self.hooks = hooks
        self.parent = parent
        self.proxyChannel = proxyChannel
    }
}

/// One driver host's runtime. Lock domain: `lock` guards `devices`, `drivers`, `connections`
/// and the counters; hooks and channel calls run outside it.
final class DriverHostRuntime: @unchecked Sendable {
    let hostId: UInt64
    let name: String
    let index: DriverIndex
    /// The host's end of its coordinator channel (a value in the host's table).
    let coordinator: zx_handle_t
    /// The root resource, for the host of the `sys` proxy (the board driver's host).
    let rootResource: zx_handle_t?
    private(set) var koid: zx_koid_t = 0

    private let lock = KernelLock()
    private var devices: [UInt64: HostDevice] = [:]
    private var drivers: [UInt32: any Driver] = [:]
    /// Port key → (channel, device, kind).
    private var connections: [UInt64: (channel: zx_handle_t, device: UInt64, isProxy: Bool)] = [:]
    private var nextKey: UInt64 = 1
    private var nextLocalId: UInt64 = 1

    init(hostId: UInt64, name: String, index: DriverIndex, coordinator: zx_handle_t,
         rootResource: zx_handle_t?) {
        self.hostId = hostId
        self.name = name
        self.index = index
        self.coordinator = coordinator
        self.rootResource = rootResource
    }

    // MARK: The message loop

    /// The host's main thread. Returns when the coordinator closes its end; a `PageFault` from
    /// driver code propagates (and kills the host).
    func run() throws {
        var port = ZX_HANDLE_INVALID
        try check(zx_port_create(0, &port))
        defer { _ = zx_handle_close(port) }
        var info = zx_info_handle_basic_t()
        var actual = 0, avail = 0
        try check(zx_object_get_info(zx_process_self(), ZX_INFO_HANDLE_BASIC, &info,
                                     MemoryLayout<zx_info_handle_basic_t>.size, &actual, &avail))
        koid = info.koid
        var processCopy = ZX_HANDLE_INVALID
        try check(zx_handle_duplicate(zx_process_self(), ZX_RIGHT_SAME_RIGHTS, &processCopy))
        defer { lock.withLock { devices = [:]; drivers = [:] } }
        try sendMessage(HostMessage.hello(process: processCopy).encode(), on: coordinator)
        try arm(coordinator, port: port, key: 0)

        while true {
            var packet = zx_port_packet_t()
            try check(zx_port_wait(port, ZX_TIME_INFINITE, &packet))
            if packet.key == 0 {
                guard try drainCoordinator() else { return }
                try arm(coordinator, port: port, key: 0)
            } else if try drainConnection(key: packet.key) {
                armConnection(packet.key, port: port)
            }
            // Newly registered connections are armed here (they were added by a command, and
            // may have been closed again by a later one).
            for key in takeUnarmed() { armConnection(key, port: port) }
        }
    }

    private var unarmed: [UInt64] = []

    /// Waits for the connection's next message; a connection that cannot be waited on closes.
    private func armConnection(_ key: UInt64, port: zx_handle_t) {
        guard let channel = lock.withLock({ connections[key]?.channel }) else { return }
        do {
            try arm(channel, port: port, key: key)
        } catch {
            closeConnection(key)
        }
    }

    private func takeUnarmed() -> [UInt64] {
        lock.withLock {
            let list = unarmed
            unarmed = []
            return list
        }
    }

    private func arm(_ channel: zx_handle_t, port: zx_handle_t, key: UInt64) throws {
        try check(zx_object_wait_async(channel, port, key, ZX_CHANNEL_READABLE | ZX_CHANNEL_PEER_CLOSED, 0))
    }

    /// Handles every queued coordinator command; false once the coordinator is gone.
    private func drainCoordinator() throws -> Bool {
        while true {
            var decoder: MessageDecoder
            do {
                decoder = try receiveMessage(from: coordinator)
            } catch .shouldWait {
                return true
            } catch {
                return false
            }
            let command: HostCommand
            do {
                command = try HostCommand.decode(&decoder)
            } catch {
                decoder.closeUntaken()
                continue
            }
            try handle(command)
        }
    }

    /// Serves every queued message of a connection; false (and the connection closed) once its
    /// peer is gone.
    private func drainConnection(key: UInt64) throws -> Bool {
        guard let connection = lock.withLock({ connections[key] }) else { return false }
        let device = lock.withLock { devices[connection.device] }
        while true {
            var request: MessageDecoder
            do {
                request = try receiveMessage(from: connection.channel)
            } catch .shouldWait {
                return true
            } catch {
                closeConnection(key)
                return false
            }
            let server = connection.isProxy ? device?.hooks.protocol : device?.hooks.message
            let reply = try serveFramed(server, &request)
            do {
                try sendMessage(reply, on: connection.channel)
            } catch {
                closeConnection(key)
                return false
            }
        }
    }

    private func closeConnection(_ key: UInt64) {
        if let connection = lock.withLock({ connections.removeValue(forKey: key) }) {
            _ = zx_handle_close(connection.channel)
        }
    }

    private func addConnection(_ channel: zx_handle_t, device: UInt64, isProxy: Bool) {
        lock.withLock {
            let key = nextKey
            nextKey += 1
            connections[key] = (channel, device, isProxy)
            unarmed.append(key)
        }
    }

    // MARK: Commands

    private func handle(_ command: HostCommand) throws {
        switch command {
        case .bindDriver(let request, let id, let driverIndex):
            try complete(request) { () throws in
                guard let device = lock.withLock({ devices[id] }) else { throw ZxStatus.notFound }
                let driver = try loadDriver(driverIndex)
                try driver.bind(to: DeviceContext(host: self, device: device, driver: driverIndex))
            }
        case .createProxy(let request, let id, let name, let protocolId, let properties, let channel):
            try complete(request) { () throws in
                let device = HostDevice(id: id, name: name,
                                        protocolId: ProtocolId(protocolId, className: nil),
                                        properties: properties, hooks: DeviceHooks(), parent: nil,
                                        proxyChannel: channel == ZX_HANDLE_INVALID ? nil : channel,
                                        isProxy: true, owner: nil)
                device.context = DeviceContext(host: self, device: device, driver: nil)
                lock.withLock { devices[id] = device }
            }
        case .connectProxy(let request, let id, let channel):
            try complete(request) { () throws in
                guard lock.withLock({ devices[id] }) != nil else {
                    _ = zx_handle_close(channel)
                    throw ZxStatus.notFound
                }
                addConnection(channel, device: id, isProxy: true)
            }
        case .disconnectProxy(let request, let id):
            try complete(request) { () throws in
                let keys = lock.withLock { connections.filter { $0.value.device == id && $0.value.isProxy }.map(\.key) }
                for key in keys { closeConnection(key) }
            }
        case .initialize(let request, let id):
            try complete(request) { () throws in
                let device = try lookup(id)
                if let hook = device.hooks.initialize, let context = device.context { try hook(context) }
            }
        case .unbind(let request, let id):
            try complete(request) { () throws in
                let device = try lookup(id)
                if let hook = device.hooks.unbind, let context = device.context { try hook(context) }
                // device_unbind_reply closes the device's connections.
                let keys = lock.withLock { connections.filter { $0.value.device == id }.map(\.key) }
                for key in keys { closeConnection(key) }
            }
        case .release(let request, let id):
            try complete(request) { () throws in
                let device = try lookup(id)
                lock.withLock { _ = devices.removeValue(forKey: id) }
                if let channel = device.proxyChannel { _ = zx_handle_close(channel) }
                device.context = nil
                try device.hooks.release?()
            }
        case .suspend(let request, let id, let flags):
            try complete(request) { () throws in
                try lookup(id).hooks.suspend?(SuspendRequest(flags: flags))
            }
        case .resume(let request, let id):
            try complete(request) { () throws in try lookup(id).hooks.resume?() }
        case .open(let request, let id, let channel):
            try complete(request) { () throws in
                do {
                    try lookup(id).hooks.open?()
                } catch {
                    _ = zx_handle_close(channel)
                    throw error
                }
                addConnection(channel, device: id, isProxy: false)
            }
        }
    }

    private func lookup(_ id: UInt64) throws(ZxStatus) -> HostDevice {
        guard let device = lock.withLock({ devices[id] }) else { throw .notFound }
        return device
    }

    /// Runs `body` and reports its status; a non-`ZxStatus` error (a fault) is rethrown.
    private func complete(_ request: UInt64, _ body: () throws -> Void) throws {
        var status = ZX_OK
        do {
            try body()
        } catch let error as ZxStatus {
            status = error.rawValue
        }
        try? sendMessage(HostMessage.completed(request: request, status: status).encode(), on: coordinator)
    }

    private func loadDriver(_ index: UInt32) throws(ZxStatus) -> any Driver {
        if let loaded = lock.withLock({ drivers[index] }) { return loaded }
        guard let registration = self.index.registration(at: Int(index)) else { throw .notFound }
        let driver = registration.make()
        lock.withLock { drivers[index] = driver }
        return driver
    }

    // MARK: Calls from DeviceContext

    func addChild(of parent: HostDevice, _ args: DeviceAddArgs, driver: UInt32) throws(ZxStatus) -> DeviceContext {
        guard !args.name.isEmpty, args.name.utf8.count <= DeviceAddArgs.maxNameLength,
              !args.name.contains("/") else { throw .invalidArgs }
        var properties = args.properties
        if properties[.bindProtocol] == nil { properties[.bindProtocol] = .int(args.protocolId.rawValue) }
        let id: UInt64 = lock.withLock {
            let id = hostId << 32 | nextLocalId
            nextLocalId += 1
            return id
        }
        let device = HostDevice(id: id, name: args.name, protocolId: args.protocolId,
                                properties: properties, hooks: args.hooks, parent: parent,
                                proxyChannel: nil, isProxy: false, owner: driver)
        let context = DeviceContext(host: self, device: device, driver: driver)
        device.context = context
        // Registered before the coordinator hears of it, so a command for it always finds it.
        lock.withLock { devices[id] = device }
        let request = AddDeviceRequest(parent: parent.id, id: id, name: args.name, properties: properties,
                                       protocolId: args.protocolId.rawValue,
                                       className: args.protocolId.className ?? "", flags: args.flags.rawValue,
                                       hasInit: args.hooks.initialize != nil, driver: driver)
        do throws(ZxStatus) {
            var reply = try callMessage(HostMessage.addDevice(request).encode(), on: coordinator,
                                        deadline: ZX_TIME_INFINITE)
            let status: Int32 = try reply.read()
            reply.closeUntaken()
            guard status == ZX_OK else { throw ZxStatus(status) }
        } catch {
            lock.withLock { _ = devices.removeValue(forKey: id) }
            device.context = nil
            throw error
        }
        return context
    }

    func notify(_ message: HostMessage) throws(ZxStatus) {
        try sendMessage(message.encode(), on: coordinator)
    }
}

private func check(_ status: zx_status_t) throws(ZxStatus) {
    guard status == ZX_OK else { throw ZxStatus(status) }
}

/// A device in the calling driver's host: the `parent` a driver's `bind` receives and what
/// `addChild` returns. Use it on a thread of that host (driver hooks run there).
public final class DeviceContext: @unchecked Sendable {
    let host: DriverHostRuntime
    let device: HostDevice
    /// The driver on whose behalf children are added (the one being bound, or the one that
    /// added this device); it decides the library `dm dump` shows for them.
    let driver: UInt32?

    init(host: DriverHostRuntime, device: HostDevice, driver: UInt32?) {
        self.host = host
        self.device = device
        self.driver = driver
    }

    /// True for a proxy: the root of an isolated host, standing for a device in another host.
    public var isProxy: Bool { device.isProxy }

    /// The device id the coordinator knows it by.
    public var id: UInt64 { device.id }
    public var name: String { device.name }
    public var protocolId: ProtocolId { device.protocolId }
    /// Its bind properties (with `fuchsia.BIND_PROTOCOL`).
    public var properties: DeviceProperties { device.properties }
    /// The koid of the driver host process the device lives in.
    public var hostKoid: zx_koid_t { host.koid }
    /// The process name of its host (`driver_host:<name>`).
    public var hostName: String { host.name }
    /// The root resource, given to the host of the `sys` proxy only (`get_root_resource()`).
    public var rootResource: zx_handle_t? { host.rootResource }

    /// `device_add`: adds a child of this device, in this host, on behalf of the driver this
    /// context was handed to (its library is what `dm dump` shows). Returns once the
    /// coordinator has the device; its `initialize` hook, if any, runs later on this host's
    /// loop, and only then is the device visible and offered to drivers.
    /// - Throws: `.invalidArgs` (empty name, over 31 bytes, contains '/'), `.notFound` (unknown
    ///   driver: a proxy's own context), `.alreadyExists` (a sibling has that name), `.badState`
    ///   (this device is being removed), `.peerClosed` (the coordinator is gone).
    public func addChild(_ args: DeviceAddArgs) throws(ZxStatus) -> DeviceContext {
        guard let driver else { throw .notFound }
        return try host.addChild(of: device, args, driver: driver)
    }

    /// The protocol this device offers its children: its own server when colocated (direct
    /// calls), or — for a proxy — a client over the channel to the real device's host.
    /// - Throws: `.notSupported` if the device offers none.
    public func protocolClient() throws(ZxStatus) -> ProtocolClient {
        if isProxy {
            guard let channel = device.proxyChannel else { throw .notSupported }
            return ProtocolClient(channel: channel)
        }
        guard let server = device.hooks.protocol else { throw .notSupported }
        return ProtocolClient(local: server)
    }

    /// `device_async_remove`: asks the coordinator to remove this device (unbind top-down, then
    /// release bottom-up). Returns at once.
    public func scheduleRemove() throws(ZxStatus) {
        try host.notify(.scheduleRemove(device: device.id))
    }

    /// `device_make_visible`: publishes a device added with `.invisible` and offers it to drivers.
    public func makeVisible() throws(ZxStatus) {
        try host.notify(.makeVisible(device: device.id))
    }
}
