// MachineDescription: what a machine tells its root bus drivers — the inputs Fuchsia's board
// drivers have. The platform bus driver gets `platformDevices` (pbus_dev_t: name, vid/pid/did,
// MMIO regions by index, IRQs); the PCI bus driver gets `pciHosts` (pciroot: ECAM window, bus
// range, the apertures it may allocate BARs from, and the hot-plug windows firmware reserved);
// the ACPI bus driver gets `acpiTable` and the physical address it sits at (as the bootloader
// hands Fuchsia the RSDP's address in the ZBI). `physicalMap` is the whole address map.
//
// Counterpart: Fuchsia src/devices/board/drivers/qemu-arm64 (qemu-virt.h, the pdev lists),
// src/devices/board/drivers/x86 (ACPI walk, pciroot GetAddressSpace), the devicetree visitors
// (did = DEVICETREE, FIRST_COMPATIBLE) and pdev GetMmio's {base, length} (driver-model.md §5).
import Devices
import Hardware
import ZirconKernel

/// One MMIO region of a device, as `GetMmio(index)` describes it: physical base and length
/// (not necessarily page aligned; the bus driver rounds out and reports the offset).
public struct MmioRegionDescription: Sendable, Equatable, CustomStringConvertible {
    public var base: UInt64
    public var size: UInt64

    public init(base: UInt64, size: UInt64) {
        self.base = base
        self.size = size
    }

    public var description: String { "0x\(String(base, radix: 16))+0x\(String(size, radix: 16))" }
}

/// One interrupt of a device.
public struct InterruptDescription: Sendable, Equatable, CustomStringConvertible {
    /// The interrupt number as the machine's controller numbers it: the GIC INTID on arm64
    /// (SPI n is 32 + n), the ISA IRQ on x64.
    public var number: UInt32
    public var edgeTriggered: Bool
    public var activeLow: Bool
    /// The raw specifier cells (device tree) for controllers the machine does not decode.
    public var cells: [UInt32]

    public init(number: UInt32, edgeTriggered: Bool, activeLow: Bool = false, cells: [UInt32] = []) {
        self.number = number
        self.edgeTriggered = edgeTriggered
        self.activeLow = activeLow
        self.cells = cells
    }

    public var description: String { "\(number) (\(edgeTriggered ? "edge" : "level"))" }
}

/// The platform-bus IDs of a device (BIND_PLATFORM_DEV_VID/PID/DID).
public struct PlatformDeviceIDs: Sendable, Equatable {
    public static let vidGeneric: UInt32 = 0
    public static let pidGeneric: UInt32 = 0
    public static let didRtcPl031: UInt32 = 0x06

    public var vid: UInt32
    public var pid: UInt32
    public var did: UInt32

    public init(vid: UInt32, pid: UInt32, did: UInt32) {
        self.vid = vid
        self.pid = pid
        self.did = did
    }
}

/// A device a root bus driver publishes without enumerating a bus.
public struct PlatformDeviceDescription: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        /// A device-tree node (its path); binds by FIRST_COMPATIBLE.
        case deviceTree(path: String)
        /// An ACPI namespace device (its path); binds by _HID / first _CID.
        case acpi(path: String)
    }

    public var name: String
    /// Device-tree `compatible` strings, or ACPI [_HID] + _CIDs.
    public var compatible: [String]
    public var source: Source
    /// Platform-bus IDs where Fuchsia's board driver assigns them (the PL031: GENERIC/GENERIC/
    /// RTC_PL031); nil for devices that bind by compatible string.
    public var platformIDs: PlatformDeviceIDs?
    /// MMIO regions by index.
    public var mmio: [MmioRegionDescription]
    public var interrupts: [InterruptDescription]
    /// x86 I/O port ranges (ACPI IO resources); the machine routes them through `mmio`.
    public var ioPorts: [Range<UInt32>]

    public init(name: String, compatible: [String], source: Source, platformIDs: PlatformDeviceIDs? = nil,
                mmio: [MmioRegionDescription], interrupts: [InterruptDescription] = [], ioPorts: [Range<UInt32>] = []) {
        self.name = name
        self.compatible = compatible
        self.source = source
        self.platformIDs = platformIDs
        self.mmio = mmio
        self.interrupts = interrupts
        self.ioPorts = ioPorts
    }
}

/// A window of a PCI host bridge.
public struct PciApertureDescription: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case memory32, memory64, io }
    public var kind: Kind
    public var prefetchable: Bool
    /// PCI bus address of the window (I/O: the first port).
    public var busAddress: UInt64
    /// Where the CPU sees it (equal to `busAddress` for memory on both machines).
    public var cpuAddress: UInt64
    public var size: UInt64
    /// True if accesses inside it reach devices. The 64-bit window of arm64 virt and the I/O
    /// windows are described (BARs may be assigned from them) but nothing decodes them.
    public var decoded: Bool

    public init(kind: Kind, prefetchable: Bool = false, busAddress: UInt64, cpuAddress: UInt64,
                size: UInt64, decoded: Bool) {
        self.kind = kind
        self.prefetchable = prefetchable
        self.busAddress = busAddress
        self.cpuAddress = cpuAddress
        self.size = size
        self.decoded = decoded
    }
}

/// A hot-plug root port and the windows firmware reserved behind it.
public struct PciHotPlugWindowDescription: Sendable, Equatable {
    public var port: PciAddress
    public var secondaryBus: UInt8
    public var memory: ClosedRange<UInt64>?
    public var prefetchable: ClosedRange<UInt64>?
}

/// A function present at boot, for listings (the bus driver finds them itself through ECAM).
public struct PciFunctionDescription: Sendable, Equatable {
    public var address: PciAddress
    public var vendorID: UInt16
    public var deviceID: UInt16
    public var classCode: UInt32
    public var name: String
    /// Assigned memory BARs: (index, base, size).
    public var memoryBars: [MemoryBar]

    public struct MemoryBar: Sendable, Equatable {
        public var index: Int
        public var base: UInt64
        public var size: UInt64
    }
}

/// A PCI host bridge (pciroot).
public struct PciHostDescription: Sendable, Equatable {
    public var name: String
    public var ecam: MmioRegionDescription
    public var busRange: ClosedRange<UInt8>
    public var apertures: [PciApertureDescription]
    public var hotPlugWindows: [PciHotPlugWindowDescription]
    public var functions: [PciFunctionDescription]
}

/// A device-tree node the machine does not model.
public struct UnmodelledNode: Sendable, Equatable {
    public var path: String
    public var compatible: [String]
    public var reason: String
}

/// One entry of the physical address map.
public struct PhysicalMapEntry: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case ram, device, rom }
    public var name: String
    public var base: UInt64
    public var size: UInt64
    public var kind: Kind
}

/// Everything root bus drivers and tools need to know about a machine.
public struct MachineDescription: Sendable {
    public var name: String
    public var profile: MachineProfile
    public var ram: PhysicalRange
    public var platformDevices: [PlatformDeviceDescription]
    public var pciHosts: [PciHostDescription]
    /// The firmware table (qemu-x64) and its physical address, nil on device-tree machines.
    public var acpiTable: AcpiTable?
    public var acpiTableAddress: UInt64?
    /// Device-tree nodes seen but not modelled (device-tree machines).
    public var unmodelledNodes: [UnmodelledNode]
    /// RAM and every device window, sorted by base.
    public var physicalMap: [PhysicalMapEntry]

    /// The platform device named `name`, or whose compatible list contains `name`.
    public func platformDevice(_ name: String) -> PlatformDeviceDescription? {
        platformDevices.first { $0.name == name } ?? platformDevices.first { $0.compatible.contains(name) }
    }

    /// A listing for `zirconia boot`: the map, the platform devices, the PCI hosts.
    public var summary: [String] {
        func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }
        var lines = ["machine \(name) (\(profile))"]
        for entry in physicalMap {
            lines.append("  \(hex(entry.base))-\(hex(entry.base &+ entry.size &- 1))  \(entry.kind)  \(entry.name)")
        }
        for device in platformDevices {
            let irqs = device.interrupts.map(\.description).joined(separator: ", ")
            lines.append("  platform \(device.name) [\(device.compatible.joined(separator: ", "))] mmio "
                         + device.mmio.map(\.description).joined(separator: ", ") + (irqs.isEmpty ? "" : " irq \(irqs)"))
        }
        for host in pciHosts {
            lines.append("  pci \(host.name) ecam \(host.ecam) buses \(host.busRange.lowerBound)-\(host.busRange.upperBound)")
            for function in host.functions {
                lines.append("    \(function.address) \(hex4(function.vendorID)):\(hex4(function.deviceID)) \(function.name)")
            }
        }
        for node in unmodelledNodes { lines.append("  not modelled: \(node.path) (\(node.reason))") }
        return lines
    }

    private func hex4(_ value: UInt16) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

extension PciHostDescription {
    /// Describes `bridge`: ECAM, windows, hot-plug windows and the functions present now.
    init(_ bridge: PciEcamHostBridge, apertures: [PciApertureDescription]) {
        let configuration = bridge.configuration
        name = bridge.name
        ecam = MmioRegionDescription(base: configuration.ecamBase, size: configuration.ecamSize)
        busRange = configuration.busRange
        self.apertures = apertures
        hotPlugWindows = bridge.rootPorts.compactMap { port in
            guard let address = bridge.presentFunctions().first(where: { $0.function === port.pciFunction })?.address
            else { return nil }
            let secondary = UInt8(truncatingIfNeeded: port.pciFunction.readConfig(
                offset: PciConfigOffset.secondaryBus, width: .byte))
            return PciHotPlugWindowDescription(port: address, secondaryBus: secondary,
                                               memory: port.memoryWindow, prefetchable: port.prefetchableWindow)
        }
        functions = bridge.presentFunctions().map { address, function in
            let classCode = function.readConfig(offset: PciConfigOffset.revisionID, width: .word) >> 8
            let bars = function.bars.filter(\.isMemory).compactMap { bar -> PciFunctionDescription.MemoryBar? in
                guard let base = function.barAddress(bar.index), base != 0 else { return nil }
                return PciFunctionDescription.MemoryBar(index: bar.index, base: base, size: bar.size)
            }
            return PciFunctionDescription(address: address, vendorID: function.vendorID, deviceID: function.deviceID,
                                          classCode: classCode, name: function.name, memoryBars: bars)
        }
    }
}
