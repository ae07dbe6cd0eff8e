// PlatformBus: the platform bus driver's hardware logic — the devices a board describes (from a
// device tree or a board file: name, compatible strings, platform IDs, MMIO regions, IRQs), the
// name and bind properties each is published with, and the platform-device protocol's GetMmio:
// the page-rounded region as a physical VMO plus the offset of the registers in its first page.
// Regions need not be page aligned: QEMU virt's virtio-mmio slots are 0x200 bytes, sixteen to a
// page, so slot 31 (0x0A00_3E00) is offset 0xE00 into the VMO over page 0x0A00_3000 — each
// driver gets its own VMO and only its offset/size window is mapped by lib/mmio.
//
// Naming: a device with board-assigned IDs is published as vid:pid:did (`%02x:%02x:%01x`, with
// `:instance` when the instance id is not 0) as platform-bus does; a device-tree node that binds
// by compatible string keeps its node name (`pl011@9000000`), as the devicetree visitors name
// nodes. Properties: BIND_PROTOCOL = platform device (85), BIND_PLATFORM_DEV_VID/PID (GENERIC = 0
// when the board gave none), BIND_PLATFORM_DEV_DID and INSTANCE_ID when given, and the string
// property fuchsia.devicetree.FIRST_COMPATIBLE.
//
// Threading: Sendable and stateless after init except for the borrowed resource handle;
// getMmio must be called on a thread of the bus driver's process (it makes syscalls).
//
// Counterpart: src/devices/bus/drivers/platform/platform-bus.cc (NodeAdd: name from
// vid/pid/did), platform-device.cc (PDevGetMmio, GetDeviceInfo, the published properties);
// driver-model.md §5.1, §5.4 and §1.5.
import Synchronization
import ZX
import ZirconKernel

/// An interrupt of a platform device.
public struct BusInterrupt: Sendable, Equatable {
    /// The controller's number (GIC INTID on arm64, ISA IRQ on x64).
    public var number: UInt32
    public var edgeTriggered: Bool
    public var activeLow: Bool

    public init(number: UInt32, edgeTriggered: Bool, activeLow: Bool = false) {
        self.number = number
        self.edgeTriggered = edgeTriggered
        self.activeLow = activeLow
    }
}

/// One device as the board describes it (pbus_dev_t / fuchsia.hardware.platform.bus Node).
public struct PlatformBusDevice: Sendable, Equatable {
    public var name: String
    /// Device-tree compatible strings, most specific first.
    public var compatible: [String]
    /// Board-assigned platform IDs; nil for devices that bind by compatible string.
    public var vid: UInt32?
    public var pid: UInt32?
    public var did: UInt32?
    public var instanceID: UInt32
    public var mmio: [PhysicalRegion]
    public var interrupts: [BusInterrupt]

    public init(name: String, compatible: [String] = [], vid: UInt32? = nil, pid: UInt32? = nil, did: UInt32? = nil,
                instanceID: UInt32 = 0, mmio: [PhysicalRegion], interrupts: [BusInterrupt] = []) {
        self.name = name
        self.compatible = compatible
        self.vid = vid
        self.pid = pid
        self.did = did
        self.instanceID = instanceID
        self.mmio = mmio
        self.interrupts = interrupts
    }
}

/// What the platform bus starts from.
public struct PlatformBusDescription: Sendable, Equatable {
    public var devices: [PlatformBusDevice]
    public init(devices: [PlatformBusDevice]) { self.devices = devices }
}

/// A platform device as the bus publishes it.
public struct PlatformDeviceInfo: Sendable, Equatable {
    /// Position in the description (the handle the protocol calls take).
    public var index: Int
    /// The board's name for it.
    public var name: String
    /// The node name the driver manager publishes (see the file comment).
    public var publishedName: String
    public var compatible: [String]
    public var vid: UInt32
    public var pid: UInt32
    public var did: UInt32
    public var mmioCount: Int
    public var interrupts: [BusInterrupt]
    public var properties: BusBindProperties

    /// `properties.integers`, the `[String: UInt32]` the manager publishes.
    public var bindProperties: [String: UInt32] { properties.integers }
}

public final class PlatformBus: Sendable {
    public let description: PlatformBusDescription
    public let devices: [PlatformDeviceInfo]
    /// The resource GetMmio mints from (borrowed: the board's, not closed by the bus).
    private let resource: zx_handle_t
    private let stopped = Atomic<Bool>(false)

    /// - Throws: `.badDescription` for a region that is empty or wraps, or two devices with the
    ///   same published name.
    public init(resource: zx_handle_t, description: PlatformBusDescription) throws(BusDriverError) {
        self.resource = resource
        self.description = description
        var infos: [PlatformDeviceInfo] = []
        var names = Set<String>()
        for (index, device) in description.devices.enumerated() {
            for (regionIndex, region) in device.mmio.enumerated() where region.pageRange == nil {
                throw .badDescription("\(device.name): MMIO \(regionIndex) \(region) is empty or wraps")
            }
            let info = Self.info(device, index: index)
            guard names.insert(info.publishedName).inserted else {
                throw .badDescription("two platform devices are named \(info.publishedName)")
            }
            infos.append(info)
        }
        devices = infos
    }

    private static func info(_ device: PlatformBusDevice, index: Int) -> PlatformDeviceInfo {
        let vid = device.vid ?? 0, pid = device.pid ?? 0
        var integers: [String: UInt32] = [
            BusBindKey.proto: BusProtocolID.platformDevice,
            BusBindKey.platformVendor: vid,
            BusBindKey.platformProduct: pid,
        ]
        var published = device.name
        if let did = device.did {
            integers[BusBindKey.platformDevice] = did
            integers[BusBindKey.platformInstance] = device.instanceID
            published = "\(hex2(UInt8(truncatingIfNeeded: vid))):\(hex2(UInt8(truncatingIfNeeded: pid))):\(String(did, radix: 16))"
            if device.instanceID != 0 { published += ":\(device.instanceID)" }
        }
        var strings: [String: String] = [:]
        if let first = device.compatible.first { strings[BusBindKey.firstCompatible] = first }
        return PlatformDeviceInfo(
            index: index, name: device.name, publishedName: published, compatible: device.compatible,
            vid: vid, pid: pid, did: device.did ?? 0, mmioCount: device.mmio.count, interrupts: device.interrupts,
            properties: BusBindProperties(integers: integers, strings: strings))
    }

    /// The device published as `name`, named `name` by the board, or whose first compatible
    /// string is `name` (the first such).
    public func device(_ name: String) -> PlatformDeviceInfo? {
        devices.first { $0.publishedName == name } ?? devices.first { $0.name == name }
            ?? devices.first { $0.compatible.first == name }
    }

    /// PDevGetMmio(index): a VMO over the page-rounded region, the region's offset in it and its
    /// size. The VMO is the caller's.
    /// - Throws: `.noSuchDevice`, `.indexOutOfRange` (OUT_OF_RANGE), `.kernel` from the syscalls.
    /// Refuses every later GetMmio (BAD_STATE). The bus owns no handle of its own: the resource
    /// is the board's and the VMOs it made belong to the children.
    public func shutdown() { stopped.store(true, ordering: .releasing) }

    public var isShutDown: Bool { stopped.load(ordering: .acquiring) }

    public func getMmio(device: Int, index: Int) throws(BusDriverError) -> DeviceMmio {
        guard !isShutDown else { throw .shutDown }
        guard description.devices.indices.contains(device) else { throw .noSuchDevice("platform device #\(device)") }
        let entry = description.devices[device]
        guard entry.mmio.indices.contains(index) else { throw .indexOutOfRange(index, count: entry.mmio.count) }
        return try DeviceMemory.vmo(for: entry.mmio[index], resource: resource, name: "mmio \(index)")
    }

    /// GetMmio by published name.
    public func getMmio(_ name: String, index: Int) throws(BusDriverError) -> DeviceMmio {
        guard let info = device(name) else { throw .noSuchDevice(name) }
        return try getMmio(device: info.index, index: index)
    }
}
