// The coordinator ↔ driver-host protocol: the commands the coordinator sends a host (bind a
// driver, create a proxy, connect a proxy's top half, run a lifecycle hook, open a devfs
// connection) and the messages a host sends back (hello, add-device call, completion, remove and
// make-visible requests), with their encoding on the framework wire format.
//
// Fuchsia counterpart: fuchsia.device.manager's DriverHostController / Coordinator FIDL
// protocols (BindDriver, CreateDevice, ConnectProxy, Init, Unbind, CompleteRemoval, Suspend,
// Resume / AddDevice, ScheduleRemove, MakeVisible) in src/devices/bin/driver_manager.

import BindRules
import ZX
import ZirconKernel

/// Coordinator → host. Every command carries a request id; the host answers with
/// `HostMessage.completed(request:status:)` once it has run.
enum HostCommand: Sendable {
    case bindDriver(request: UInt64, device: UInt64, driver: UInt32)
    /// The proxy device `proxy` (root of the new host) for a device named `name`; `channel` is
    /// the proxy's end of the channel to the real device's host (invalid for coordinator-owned
    /// devices).
    case createProxy(request: UInt64, proxy: UInt64, name: String, protocolId: UInt32,
                     properties: DeviceProperties, channel: zx_handle_t)
    /// Serve `device`'s protocol on `channel` (the top half of a proxy).
    case connectProxy(request: UInt64, device: UInt64, channel: zx_handle_t)
    /// The proxy of `device` is gone (its host died or was removed): close the top half.
    case disconnectProxy(request: UInt64, device: UInt64)
    case initialize(request: UInt64, device: UInt64)
    case unbind(request: UInt64, device: UInt64)
    case release(request: UInt64, device: UInt64)
    case suspend(request: UInt64, device: UInt64, flags: UInt32)
    case resume(request: UInt64, device: UInt64)
    /// A devfs client connection to `device`.
    case open(request: UInt64, device: UInt64, channel: zx_handle_t)

    private static let base: UInt64 = 0x8000_0000_0000_0100

    func encode() -> MessageEncoder {
        switch self {
        case .bindDriver(let request, let device, let driver):
            var e = header(0, request, device)
            e.write(driver)
            return e
        case .createProxy(let request, let proxy, let name, let protocolId, let properties, let channel):
            var e = header(1, request, proxy)
            e.write(name)
            e.write(protocolId)
            encodeProperties(properties, into: &e)
            e.write(channel != ZX_HANDLE_INVALID)
            if channel != ZX_HANDLE_INVALID { e.write(handle: channel) }
            return e
        case .connectProxy(let request, let device, let channel):
            var e = header(2, request, device)
            e.write(handle: channel)
            return e
        case .disconnectProxy(let request, let device): return header(3, request, device)
        case .initialize(let request, let device): return header(4, request, device)
        case .unbind(let request, let device): return header(5, request, device)
        case .release(let request, let device): return header(6, request, device)
        case .suspend(let request, let device, let flags):
            var e = header(7, request, device)
            e.write(flags)
            return e
        case .resume(let request, let device): return header(8, request, device)
        case .open(let request, let device, let channel):
            var e = header(9, request, device)
            e.write(handle: channel)
            return e
        }
    }

    private func header(_ kind: UInt64, _ request: UInt64, _ device: UInt64) -> MessageEncoder {
        var e = MessageEncoder(header: MessageHeader(ordinal: HostCommand.base + kind))
        e.write(request)
        e.write(device)
        return e
    }

    static func decode(_ d: inout MessageDecoder) throws(ZxStatus) -> HostCommand {
        let header = try d.header()
        let request: UInt64 = try d.read()
        let device: UInt64 = try d.read()
        switch header.ordinal &- base {
        case 0: return .bindDriver(request: request, device: device, driver: try d.read())
        case 1:
            let name: String = try d.read()
            let protocolId: UInt32 = try d.read()
            let properties = try decodeProperties(&d)
            let hasChannel: Bool = try d.read()
            let channel = hasChannel ? try d.readHandle() : ZX_HANDLE_INVALID
            return .createProxy(request: request, proxy: device, name: name, protocolId: protocolId,
                                properties: properties, channel: channel)
        case 2: return .connectProxy(request: request, device: device, channel: try d.readHandle())
        case 3: return .disconnectProxy(request: request, device: device)
        case 4: return .initialize(request: request, device: device)
        case 5: return .unbind(request: request, device: device)
        case 6: return .release(request: request, device: device)
        case 7: return .suspend(request: request, device: device, flags: try d.read())
        case 8: return .resume(request: request, device: device)
        case 9: return .open(request: request, device: device, channel: try d.readHandle())
        default: throw .notSupported
        }
    }
}

/// What a host asks of the coordinator when one of its drivers adds a device.
struct AddDeviceRequest: Sendable {
    var parent: UInt64
    var id: UInt64
    var name: String
    var properties: DeviceProperties
    var protocolId: UInt32
    /// The protocol's class directory ("" for none).
    var className: String
    var flags: UInt32
    var hasInit: Bool
    /// The registration index of the driver that added it (its library is shown by `dm dump`).
    var driver: UInt32
}

/// Host → coordinator.
enum HostMessage: Sendable {
    /// First message of a host: a duplicate of its process handle (the coordinator waits on it
    /// for ZX_PROCESS_TERMINATED).
    case hello(process: zx_handle_t)
    /// Sent with zx_channel_call; the reply carries a status.
    case addDevice(AddDeviceRequest)
    case completed(request: UInt64, status: Int32)
    case scheduleRemove(device: UInt64)
    case makeVisible(device: UInt64)

    private static let base: UInt64 = 0x8000_0000_0000_0200

    func encode() -> MessageEncoder {
        switch self {
        case .hello(let process):
            var e = MessageEncoder(header: MessageHeader(ordinal: HostMessage.base))
            e.write(handle: process)
            return e
        case .addDevice(let add):
            var e = MessageEncoder(header: MessageHeader(ordinal: HostMessage.base + 1))
            e.write(add.parent)
            e.write(add.id)
            e.write(add.name)
            encodeProperties(add.properties, into: &e)
            e.write(add.protocolId)
            e.write(add.className)
            e.write(add.flags)
            e.write(add.hasInit)
            e.write(add.driver)
            return e
        case .completed(let request, let status):
            var e = MessageEncoder(header: MessageHeader(ordinal: HostMessage.base + 2))
            e.write(request)
            e.write(status)
            return e
        case .scheduleRemove(let device):
            var e = MessageEncoder(header: MessageHeader(ordinal: HostMessage.base + 3))
            e.write(device)
            return e
        case .makeVisible(let device):
            var e = MessageEncoder(header: MessageHeader(ordinal: HostMessage.base + 4))
            e.write(device)
            return e
        }
    }

    static func decode(_ d: inout MessageDecoder) throws(ZxStatus) -> HostMessage {
        let header = try d.header()
        switch header.ordinal &- base {
        case 0: return .hello(process: try d.readHandle())
        case 1:
            let parent: UInt64 = try d.read()
            let id: UInt64 = try d.read()
            let name: String = try d.read()
            let properties = try decodeProperties(&d)
            return .addDevice(AddDeviceRequest(parent: parent, id: id, name: name, properties: properties,
                                               protocolId: try d.read(), className: try d.read(),
                                               flags: try d.read(),
                                               hasInit: try d.read(), driver: try d.read()))
        case 2: return .completed(request: try d.read(), status: try d.read())
        case 3: return .scheduleRemove(device: try d.read())
        case 4: return .makeVisible(device: try d.read())
        default: throw .notSupported
        }
    }
}

func encodeProperties(_ properties: DeviceProperties, into e: inout MessageEncoder) {
    let sorted = properties.sorted
    e.write(UInt32(sorted.count))
    for (key, value) in sorted {
        e.write(key.name)
        switch value {
        case .int(let v):
            e.write(UInt8(0))
            e.write(v)
        case .string(let v):
            e.write(UInt8(1))
            e.write(v)
        case .bool(let v):
            e.write(UInt8(2))
            e.write(v)
        case .enumValue(let v):
            e.write(UInt8(3))
            e.write(v)
        }
    }
}

func decodeProperties(_ d: inout MessageDecoder) throws(ZxStatus) -> DeviceProperties {
    let count: UInt32 = try d.read()
    guard count <= 1024 else { throw .invalidArgs }
    var values: [BindKey: BindValue] = [:]
    for _ in 0..<count {
        let key: String = try d.read()
        let tag: UInt8 = try d.read()
        switch tag {
        case 0: values[BindKey(key)] = .int(try d.read())
        case 1: values[BindKey(key)] = .string(try d.read())
        case 2: values[BindKey(key)] = .bool(try d.read())
        case 3: values[BindKey(key)] = .enumValue(try d.read())
        default: throw .invalidArgs
        }
    }
    return DeviceProperties(values)
}
