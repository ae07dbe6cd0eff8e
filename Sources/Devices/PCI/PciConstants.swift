// PciConstants: configuration-space register offsets, command/status bits, header types,
// capability IDs and class codes — the numbers every PCI model and test shares.
//
// Counterpart: PCI Local Bus Specification 3.0 chapter 6 (configuration space), PCI-to-PCI
// Bridge Architecture 1.2 chapter 3 (type-1 header), PCI Express Base Specification 4.0
// section 7.5 (PCI Express capability); names follow Fuchsia's fuchsia.hardware.pci.Config and
// Linux's pci_regs.h where they agree.

/// Where things live in a function's configuration space.
public enum PciConfigOffset {
    // Common to both header types.
    public static let vendorID = 0x00
    public static let deviceID = 0x02
    public static let command = 0x04
    public static let status = 0x06
    public static let revisionID = 0x08
    public static let programmingInterface = 0x09
    public static let subClass = 0x0A
    public static let baseClass = 0x0B
    public static let cacheLineSize = 0x0C
    public static let latencyTimer = 0x0D
    public static let headerType = 0x0E
    public static let bist = 0x0F
    public static let bar0 = 0x10
    public static let capabilitiesPointer = 0x34
    public static let interruptLine = 0x3C
    public static let interruptPin = 0x3D

    // Type 0 (endpoint).
    public static let cardbusCIS = 0x28
    public static let subsystemVendorID = 0x2C
    public static let subsystemID = 0x2E
    public static let expansionROM = 0x30
    public static let minGrant = 0x3E
    public static let maxLatency = 0x3F

    // Type 1 (bridge).
    public static let primaryBus = 0x18
    public static let secondaryBus = 0x19
    public static let subordinateBus = 0x1A
    public static let secondaryLatencyTimer = 0x1B
    public static let ioBase = 0x1C
    public static let ioLimit = 0x1D
    public static let secondaryStatus = 0x1E
    public static let memoryBase = 0x20
    public static let memoryLimit = 0x22
    public static let prefetchableBase = 0x24
    public static let prefetchableLimit = 0x26
    public static let prefetchableBaseUpper = 0x28
    public static let prefetchableLimitUpper = 0x2C
    public static let ioBaseUpper = 0x30
    public static let ioLimitUpper = 0x32
    public static let bridgeExpansionROM = 0x38
    public static let bridgeControl = 0x3E

    /// The first byte after the predefined header, where capabilities usually start.
    public static let deviceSpecific = 0x40
    /// The first byte of PCI Express extended configuration space.
    public static let extendedCapabilities = 0x100
}

/// Configuration space sizes.
public enum PciConfigSize {
    /// Conventional PCI (and PCI-X mode 1) functions: 256 bytes.
    public static let conventional = 0x100
    /// PCI Express functions: 4 KiB, the part above 0x100 reachable only through ECAM.
    public static let extended = 0x1000
}

/// Command register bits (offset 0x04).
public struct PciCommand: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let ioSpace = PciCommand(rawValue: 1 << 0)
    public static let memorySpace = PciCommand(rawValue: 1 << 1)
    public static let busMaster = PciCommand(rawValue: 1 << 2)
    public static let specialCycles = PciCommand(rawValue: 1 << 3)
    public static let memoryWriteInvalidate = PciCommand(rawValue: 1 << 4)
    public static let vgaPaletteSnoop = PciCommand(rawValue: 1 << 5)
    public static let parityErrorResponse = PciCommand(rawValue: 1 << 6)
    public static let serrEnable = PciCommand(rawValue: 1 << 8)
    public static let fastBackToBack = PciCommand(rawValue: 1 << 9)
    public static let interruptDisable = PciCommand(rawValue: 1 << 10)

    /// The bits QEMU lets software change on every function (pci_init_cmask/wmask): I/O, memory,
    /// bus master, parity, SERR, INTx disable. The rest are hard-wired zero on PCI Express.
    public static let writable: PciCommand = [
        .ioSpace, .memorySpace, .busMaster, .parityErrorResponse, .serrEnable, .interruptDisable,
    ]
}

/// Status register bits (offset 0x06).
public struct PciStatus: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// INTx is asserted by the function (read-only, independent of Interrupt Disable).
    public static let interrupt = PciStatus(rawValue: 1 << 3)
    /// A capability list starts at the capabilities pointer.
    public static let capabilitiesList = PciStatus(rawValue: 1 << 4)
    public static let masterDataParityError = PciStatus(rawValue: 1 << 8)
    public static let signaledTargetAbort = PciStatus(rawValue: 1 << 11)
    public static let receivedTargetAbort = PciStatus(rawValue: 1 << 12)
    public static let receivedMasterAbort = PciStatus(rawValue: 1 << 13)
    public static let signaledSystemError = PciStatus(rawValue: 1 << 14)
    public static let detectedParityError = PciStatus(rawValue: 1 << 15)

    /// The error bits software clears by writing 1 (RW1C).
    public static let writeOneToClear: PciStatus = [
        .masterDataParityError, .signaledTargetAbort, .receivedTargetAbort,
        .receivedMasterAbort, .signaledSystemError, .detectedParityError,
    ]
}

/// The layout selector in the header-type register (bits 6:0); bit 7 marks a multi-function
/// device.
public enum PciHeaderLayout: UInt8, Sendable {
    case endpoint = 0x00
    case bridge = 0x01

    public static let multiFunctionBit: UInt8 = 0x80
}

/// Capability IDs in the standard (0x34-linked) list.
public enum PciCapabilityID {
    public static let powerManagement: UInt8 = 0x01
    public static let msi: UInt8 = 0x05
    public static let vendorSpecific: UInt8 = 0x09
    public static let pciExpress: UInt8 = 0x10
    public static let msix: UInt8 = 0x11
    public static let sata: UInt8 = 0x12
}

/// Base class, sub-class and programming interface (offsets 0x0B, 0x0A, 0x09).
public struct PciClassCode: Sendable, Hashable {
    public var baseClass: UInt8
    public var subClass: UInt8
    public var programmingInterface: UInt8

    public init(_ baseClass: UInt8, _ subClass: UInt8, _ programmingInterface: UInt8 = 0) {
        self.baseClass = baseClass
        self.subClass = subClass
        self.programmingInterface = programmingInterface
    }

    public static let hostBridge = PciClassCode(0x06, 0x00)
    public static let isaBridge = PciClassCode(0x06, 0x01)
    public static let pciToPciBridge = PciClassCode(0x06, 0x04)
    public static let vgaDisplay = PciClassCode(0x03, 0x00)
    public static let ethernet = PciClassCode(0x02, 0x00)
    public static let sataAhci = PciClassCode(0x01, 0x06, 0x01)
    public static let smbus = PciClassCode(0x0C, 0x05)
}

/// Vendor IDs the qemu-x64 machine uses.
public enum PciVendorID {
    public static let intel: UInt16 = 0x8086
    /// QEMU's own devices (std VGA / Bochs display).
    public static let qemu: UInt16 = 0x1234
    /// Red Hat, Inc. (QEMU's generic PCIe root port 1b36:000c).
    public static let redHat: UInt16 = 0x1B36
    /// Red Hat / Qumranet: QEMU's default subsystem vendor on every device.
    public static let redHatQumranet: UInt16 = 0x1AF4
    /// What an absent function answers: no device has vendor 0xFFFF.
    public static let absent: UInt16 = 0xFFFF
}
