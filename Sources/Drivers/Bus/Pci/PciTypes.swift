// PCI bus driver vocabulary: what the bus starts from (`PciRootDescription`, the pciroot a board
// driver or the ACPI bus hands it) and what it produces for the driver manager to publish
// (`PciFunctionInfo`: identity, BARs, capabilities, names, bind properties).
//
// Counterpart: src/devices/bus/drivers/pci — the pciroot protocol's GetAddressSpace/ECAM info
// (bus.cc), `Device` (device.h: vendor/device ids, class, BARs, capabilities), the published
// name and properties (device.cc: "%02x:%02x.%1x", BIND_PROTOCOL/VID/DID/CLASS/SUBCLASS/
// INTERFACE/REVISION/TOPO); fuchsia.hardware.pci GetDeviceInfo / GetBar (driver-model.md §5.2).
import ZX

/// Bus/device/function numbers of a PCI function.
public struct PciBdf: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var bus: UInt8
    public var device: UInt8
    public var function: UInt8

    public init(bus: UInt8 = 0, device: UInt8, function: UInt8 = 0) {
        self.bus = bus
        self.device = device
        self.function = function
    }

    public static func < (lhs: PciBdf, rhs: PciBdf) -> Bool {
        (lhs.bus, lhs.device, lhs.function) < (rhs.bus, rhs.device, rhs.function)
    }

    /// `bb:dd.f` — newer bus-pci's node name.
    public var description: String { "\(hex2(bus)):\(hex2(device)).\(String(function, radix: 16))" }
    /// `bb:dd:ff` — the name old bus-pci published and `dm dump` shows (`[00:1f:02]`).
    public var dumpName: String { "\(hex2(bus)):\(hex2(device)):\(hex2(function))" }
    /// BIND_PCI_TOPO: bus << 8 | device << 3 | function.
    public var topology: UInt32 { UInt32(bus) << 8 | UInt32(device & 0x1F) << 3 | UInt32(function & 0x7) }
}

func hex2(_ value: UInt8) -> String {
    let digits = String(value, radix: 16)
    return digits.count < 2 ? "0" + digits : digits
}

func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }

/// One address window of a PCI host bridge (from ACPI _CRS or a device tree's `ranges`).
public struct PciAperture: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case memory32, memory64, io }
    public var kind: Kind
    public var prefetchable: Bool
    /// Address as the CPU (and, on the machines here, the bus) sees it; for `.io` the first port.
    public var base: UInt64
    public var size: UInt64

    public init(kind: Kind, prefetchable: Bool = false, base: UInt64, size: UInt64) {
        self.kind = kind
        self.prefetchable = prefetchable
        self.base = base
        self.size = size
    }
}

/// What the PCI bus driver starts from: one host bridge (pciroot).
public struct PciRootDescription: Sendable, Equatable {
    public var name: String
    public var segment: UInt16
    /// Physical address of ECAM for bus `busRange.lowerBound` (1 MiB per bus).
    public var ecamBase: UInt64
    public var busRange: ClosedRange<UInt8>
    /// The windows BARs may be assigned from. List only windows that decode: an aperture nothing
    /// forwards would give drivers BARs that read all ones.
    public var apertures: [PciAperture]

    public init(name: String, segment: UInt16 = 0, ecamBase: UInt64, busRange: ClosedRange<UInt8>,
                apertures: [PciAperture]) {
        self.name = name
        self.segment = segment
        self.ecamBase = ecamBase
        self.busRange = busRange
        self.apertures = apertures
    }

    /// Size of the ECAM window.
    public var ecamSize: UInt64 { UInt64(busRange.count) << 20 }
}

/// One BAR as the bus driver found and placed it.
public struct PciBarInfo: Sendable, Equatable, CustomStringConvertible {
    /// BAR register index 0–5 (the low half of a 64-bit BAR).
    public var index: Int
    /// Assigned bus address (I/O: port number); nil when no window could hold it.
    public var address: UInt64?
    public var size: UInt64
    public var is64: Bool
    public var prefetchable: Bool
    public var isIO: Bool
    /// The address was kept from firmware rather than allocated by the bus driver.
    public var firmwareAssigned: Bool

    public var description: String {
        let kind = isIO ? "io" : (is64 ? "mem64" : "mem32") + (prefetchable ? " pref" : "")
        return "BAR\(index) \(kind) \(address.map(hex) ?? "unassigned") size \(hex(size))"
    }
}

/// A capability in the standard (0x34) or extended (0x100) list.
public struct PciCapabilityInfo: Sendable, Equatable {
    public var id: UInt16
    public var offset: Int
    /// Extended (PCI Express, config offset >= 0x100) capability.
    public var extended: Bool
}

/// A PCI function as the bus driver publishes it.
public struct PciFunctionInfo: Sendable, Equatable {
    public var bdf: PciBdf
    public var vendorID: UInt16
    public var deviceID: UInt16
    public var classCode: UInt8
    public var subclass: UInt8
    public var progIf: UInt8
    public var revision: UInt8
    /// Header type (low 7 bits): 0 endpoint, 1 PCI-to-PCI bridge.
    public var headerType: UInt8
    public var bars: [PciBarInfo]
    public var capabilities: [PciCapabilityInfo]
    /// For bridges: the secondary and subordinate bus numbers.
    public var secondaryBus: UInt8?
    public var subordinateBus: UInt8?
    /// A hot-plug capable root/downstream port.
    public var isHotPlugPort: Bool

    /// `bb:dd.f`.
    public var name: String { bdf.description }
    /// `bb:dd:ff` as `dm dump` prints PCI devices.
    public var dumpName: String { bdf.dumpName }
    public var isBridge: Bool { headerType == 1 }

    public func bar(_ index: Int) -> PciBarInfo? { bars.first { $0.index == index } }
    public func capability(_ id: UInt16, extended: Bool = false) -> PciCapabilityInfo? {
        capabilities.first { $0.id == id && $0.extended == extended }
    }

    /// What the function's device node carries for binding.
    public var bindProperties: [String: UInt32] {
        [
            BusBindKey.proto: BusProtocolID.pciDevice,
            BusBindKey.pciVendor: UInt32(vendorID),
            BusBindKey.pciDevice: UInt32(deviceID),
            BusBindKey.pciClass: UInt32(classCode),
            BusBindKey.pciSubclass: UInt32(subclass),
            BusBindKey.pciInterface: UInt32(progIf),
            BusBindKey.pciRevision: UInt32(revision),
            BusBindKey.pciTopology: bdf.topology,
        ]
    }
}

/// What `getBar` hands a child's driver.
public enum PciBarResource: Sendable, Equatable {
    /// A memory BAR: a physical VMO (owned by the caller) over the page-rounded BAR; the BAR's
    /// registers start `offset` bytes in (0 unless the BAR is smaller than a page and not page
    /// aligned) and are `size` bytes long.
    case mmio(DeviceMmio)
    /// An I/O BAR: the first port and an IOPORT resource (owned by the caller) for the range.
    case io(port: UInt64, size: UInt64, resource: zx_handle_t)

    public var size: UInt64 {
        switch self {
        case let .mmio(mmio): return mmio.size
        case let .io(_, size, _): return size
        }
    }
}

/// A hot-plug slot change the bus driver handled.
public enum PciHotPlugEvent: Sendable, Equatable {
    /// A card appeared behind `port`; its functions were enumerated and given BARs.
    case inserted(port: PciBdf, functions: [PciFunctionInfo])
    /// The card behind `port` went away; its functions are forgotten and their BAR ranges free.
    case removed(port: PciBdf, functions: [PciFunctionInfo])
}

/// Policies of the bus driver.
public struct PciBusOptions: Sendable, Equatable {
    /// Keep BAR addresses firmware assigned when decode was enabled and they lie inside the
    /// window the function sits behind (Fuchsia's choice). When false every BAR is reassigned.
    public var keepFirmwareAssignments: Bool
    /// Turn on memory / I/O decode for functions whose BARs got addresses.
    public var enableDecode: Bool

    public init(keepFirmwareAssignments: Bool = true, enableDecode: Bool = true) {
        self.keepFirmwareAssignments = keepFirmwareAssignments
        self.enableDecode = enableDecode
    }
}
