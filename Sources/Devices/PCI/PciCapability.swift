// PciCapability: one entry of the standard capability list (ID, next pointer, body) with the
// write masks of its registers, and factories for the capabilities the qemu-x64 devices carry:
// MSI, power management, SATA and PCI Express (including the slot registers a hot-plug root
// port needs).
//
// Counterpart: PCI Local Bus 3.0 section 6.7 (capability list), 6.8.1 (MSI); PCI Bus Power
// Management 1.2 section 3.2; AHCI 1.3 section 2.3 (SATA capability); PCI Express Base 4.0
// section 7.5.3 (PCI Express capability structure). QEMU hw/pci/msi.c, hw/pci/pcie.c place
// the same registers.

public struct PciCapability: Sendable {
    public let id: UInt8
    /// Fixed placement in configuration space, or nil to place after the previous capability.
    public let offset: Int?
    /// Bytes after the ID and next-pointer bytes.
    public let body: [UInt8]
    /// Per body byte: bits software may write.
    public let writableMask: [UInt8]
    /// Per body byte: bits that are write-one-to-clear.
    public let writeOneToClearMask: [UInt8]

    public init(
        id: UInt8, offset: Int? = nil, body: [UInt8],
        writableMask: [UInt8] = [], writeOneToClearMask: [UInt8] = []
    ) {
        self.id = id
        self.offset = offset
        self.body = body
        self.writableMask = writableMask + Array(repeating: 0, count: max(0, body.count - writableMask.count))
        self.writeOneToClearMask = writeOneToClearMask
            + Array(repeating: 0, count: max(0, body.count - writeOneToClearMask.count))
    }

    /// Length of the whole capability including its two header bytes.
    public var length: Int { 2 + body.count }

    /// A capability being assembled register by register; offsets are from the capability's
    /// first byte (the ID), as specifications list them.
    struct Layout {
        var bytes: [UInt8]
        var writable: [UInt8]
        var writeOneToClear: [UInt8]

        init(length: Int) {
            bytes = Array(repeating: 0, count: length)
            writable = bytes
            writeOneToClear = bytes
        }

        mutating func set(_ offset: Int, count: Int, value: UInt64, writable mask: UInt64 = 0,
                          writeOneToClear w1c: UInt64 = 0) {
            LittleEndianBytes.store(value, into: &bytes, at: offset, count: count)
            LittleEndianBytes.store(mask, into: &writable, at: offset, count: count)
            LittleEndianBytes.store(w1c, into: &writeOneToClear, at: offset, count: count)
        }

        func capability(id: UInt8, offset: Int?) -> PciCapability {
            PciCapability(id: id, offset: offset, body: Array(bytes.dropFirst(2)),
                          writableMask: Array(writable.dropFirst(2)),
                          writeOneToClearMask: Array(writeOneToClear.dropFirst(2)))
        }
    }
}

// MARK: - MSI

/// Register offsets inside an MSI capability with 64-bit addressing.
public enum PciMsiRegister {
    public static let messageControl = 0x02
    public static let messageAddress = 0x04
    public static let messageUpperAddress = 0x08
    /// Message data of a 64-bit capable MSI capability.
    public static let messageData64 = 0x0C
    /// Message data of a 32-bit-only MSI capability.
    public static let messageData32 = 0x08

    public static let enableBit: UInt16 = 1 << 0
    public static let addressIs64BitBit: UInt16 = 1 << 7
}

extension PciCapability {
    /// MSI with one vector. `is64Bit` adds the upper-address register (bit 7 of message
    /// control). Per-vector masking is not offered.
    public static func msi(offset: Int? = nil, is64Bit: Bool = true) -> PciCapability {
        var layout = Layout(length: is64Bit ? 0x0E : 0x0A)
        // Message control: enable (bit 0) and multiple-message enable (6:4) are writable;
        // multiple-message capable (3:1) = 0 means one vector.
        layout.set(PciMsiRegister.messageControl, count: 2,
                   value: UInt64(is64Bit ? PciMsiRegister.addressIs64BitBit : 0), writable: 0x0071)
        layout.set(PciMsiRegister.messageAddress, count: 4, value: 0, writable: 0xFFFF_FFFC)
        if is64Bit {
            layout.set(PciMsiRegister.messageUpperAddress, count: 4, value: 0, writable: 0xFFFF_FFFF)
            layout.set(PciMsiRegister.messageData64, count: 2, value: 0, writable: 0xFFFF)
        } else {
            layout.set(PciMsiRegister.messageData32, count: 2, value: 0, writable: 0xFFFF)
        }
        return layout.capability(id: PciCapabilityID.msi, offset: offset)
    }

    // MARK: Power management

    /// PCI power management 1.2: D0/D3hot, PME not supported.
    public static func powerManagement(offset: Int? = nil) -> PciCapability {
        var layout = Layout(length: 8)
        layout.set(0x02, count: 2, value: 0x0003)  // PMC: version 3 (PM 1.2)
        // PMCSR: power state (1:0) writable, No_Soft_Reset (bit 3) set: D3hot->D0 keeps state.
        layout.set(0x04, count: 2, value: 0x0008, writable: 0x0003)
        return layout.capability(id: PciCapabilityID.powerManagement, offset: offset)
    }

    // MARK: SATA

    /// The SATA capability of an AHCI HBA: revision 1.0, "index-data pair in BAR4 at offset 0x10",
    /// what QEMU's ICH9 AHCI advertises.
    public static func sata(offset: Int? = nil) -> PciCapability {
        var layout = Layout(length: 8)
        layout.set(0x02, count: 2, value: 0x0010)           // revision 1.0
        layout.set(0x04, count: 4, value: 0x0000_0048)      // BARLOC 8 (BAR4), BAROFST 4 dwords
        return layout.capability(id: PciCapabilityID.sata, offset: offset)
    }
}

// MARK: - PCI Express

/// Register offsets inside the PCI Express capability (version 2 layout, 0x3C bytes).
public enum PciExpressRegister {
    public static let capabilities = 0x02
    public static let deviceCapabilities = 0x04
    public static let deviceControl = 0x08
    public static let deviceStatus = 0x0A
    public static let linkCapabilities = 0x0C
    public static let linkControl = 0x10
    public static let linkStatus = 0x12
    public static let slotCapabilities = 0x14
    public static let slotControl = 0x18
    public static let slotStatus = 0x1A
    public static let rootControl = 0x1C
    public static let rootCapabilities = 0x1E
    public static let rootStatus = 0x20
    public static let deviceCapabilities2 = 0x24
    public static let deviceControl2 = 0x28
    public static let linkCapabilities2 = 0x2C
    public static let linkControl2 = 0x30
    public static let linkStatus2 = 0x32
    public static let length = 0x3C

    /// PCI Express Capabilities register: "slot implemented" (bit 8).
    public static let slotImplemented: UInt16 = 1 << 8
    /// Link Capabilities: Data Link Layer Link Active reporting capable (bit 20).
    public static let linkActiveReportingCapable: UInt32 = 1 << 20
    /// Link Status: Data Link Layer Link Active (bit 13).
    public static let linkActive: UInt16 = 1 << 13
}

/// Device/port type (PCI Express Capabilities register bits 7:4).
public enum PciExpressPortType: UInt16, Sendable {
    case endpoint = 0x0
    case legacyEndpoint = 0x1
    case rootPort = 0x4
    case upstreamPort = 0x5
    case downstreamPort = 0x6
    case rootComplexIntegratedEndpoint = 0x9
}

/// Slot Capabilities bits (PCIe 4.0 section 7.5.3.9).
public struct PciExpressSlotCapabilities: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let attentionButton = Self(rawValue: 1 << 0)
    public static let powerController = Self(rawValue: 1 << 1)
    public static let mrlSensor = Self(rawValue: 1 << 2)
    public static let attentionIndicator = Self(rawValue: 1 << 3)
    public static let powerIndicator = Self(rawValue: 1 << 4)
    public static let hotPlugSurprise = Self(rawValue: 1 << 5)
    public static let hotPlugCapable = Self(rawValue: 1 << 6)
    public static let noCommandCompleted = Self(rawValue: 1 << 18)

    /// Bits 31:19.
    public static func physicalSlotNumber(_ number: UInt16) -> Self {
        Self(rawValue: UInt32(number & 0x1FFF) << 19)
    }
}

/// Slot Control bits (PCIe 4.0 section 7.5.3.10).
public struct PciExpressSlotControl: OptionSet, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let attentionButtonPressedEnable = Self(rawValue: 1 << 0)
    public static let powerFaultDetectedEnable = Self(rawValue: 1 << 1)
    public static let mrlSensorChangedEnable = Self(rawValue: 1 << 2)
    public static let presenceDetectChangedEnable = Self(rawValue: 1 << 3)
    public static let commandCompletedInterruptEnable = Self(rawValue: 1 << 4)
    public static let hotPlugInterruptEnable = Self(rawValue: 1 << 5)
    public static let linkStateChangedEnable = Self(rawValue: 1 << 12)

    /// Enables, indicator controls (9:6), power controller (10), interlock (11), DLL state
    /// changed enable (12).
    static let writable: UInt16 = 0x1FFF
}

/// Slot Status bits (PCIe 4.0 section 7.5.3.11).
public struct PciExpressSlotStatus: OptionSet, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let attentionButtonPressed = Self(rawValue: 1 << 0)
    public static let powerFaultDetected = Self(rawValue: 1 << 1)
    public static let mrlSensorChanged = Self(rawValue: 1 << 2)
    public static let presenceDetectChanged = Self(rawValue: 1 << 3)
    public static let commandCompleted = Self(rawValue: 1 << 4)
    /// Read-only: MRL open.
    public static let mrlSensorState = Self(rawValue: 1 << 5)
    /// Read-only: a card is present.
    public static let presenceDetectState = Self(rawValue: 1 << 6)
    public static let electromechanicalInterlock = Self(rawValue: 1 << 7)
    public static let dataLinkLayerStateChanged = Self(rawValue: 1 << 8)

    /// The event bits software acknowledges by writing 1.
    public static let writeOneToClear: Self = [
        .attentionButtonPressed, .powerFaultDetected, .mrlSensorChanged,
        .presenceDetectChanged, .commandCompleted, .dataLinkLayerStateChanged,
    ]
}

extension PciCapability {
    /// A PCI Express capability (version 2) for a 2.5 GT/s x1 link. For a root or downstream
    /// port, `slot` makes it a slot with those capabilities; `portNumber` goes into Link
    /// Capabilities 31:24.
    public static func pciExpress(
        offset: Int? = nil, portType: PciExpressPortType,
        slot: PciExpressSlotCapabilities? = nil, portNumber: UInt8 = 0
    ) -> PciCapability {
        var layout = Layout(length: PciExpressRegister.length)
        var capabilities: UInt16 = 0x2 | (portType.rawValue << 4)
        if slot != nil { capabilities |= PciExpressRegister.slotImplemented }
        layout.set(PciExpressRegister.capabilities, count: 2, value: UInt64(capabilities))
        // Device capabilities: 128-byte max payload, role-based error reporting (bit 15).
        layout.set(PciExpressRegister.deviceCapabilities, count: 4, value: 1 << 15)
        // Device control: error reporting enables, payload/read-request sizes, relaxed ordering,
        // no snoop are all software's to set. Device status error bits (3:0) are RW1C.
        layout.set(PciExpressRegister.deviceControl, count: 2, value: 0x2810, writable: 0x7FFF)
        layout.set(PciExpressRegister.deviceStatus, count: 2, value: 0, writeOneToClear: 0x000F)
        let isPort = portType == .rootPort || portType == .downstreamPort
        var linkCapabilities: UInt32 = 0x1 | (0x1 << 4) | (UInt32(portNumber) << 24)
        if isPort { linkCapabilities |= PciExpressRegister.linkActiveReportingCapable }
        layout.set(PciExpressRegister.linkCapabilities, count: 4, value: UInt64(linkCapabilities))
        layout.set(PciExpressRegister.linkControl, count: 2, value: 0, writable: isPort ? 0x00FB : 0x00C3)
        // Link status: 2.5 GT/s, x1; link bandwidth status bits (15:14) are RW1C.
        layout.set(PciExpressRegister.linkStatus, count: 2, value: 0x0011, writeOneToClear: 0xC000)
        if let slot {
            layout.set(PciExpressRegister.slotCapabilities, count: 4, value: UInt64(slot.rawValue))
            layout.set(PciExpressRegister.slotControl, count: 2, value: 0,
                       writable: UInt64(PciExpressSlotControl.writable))
            layout.set(PciExpressRegister.slotStatus, count: 2, value: 0,
                       writeOneToClear: UInt64(PciExpressSlotStatus.writeOneToClear.rawValue))
        }
        if portType == .rootPort {
            layout.set(PciExpressRegister.rootControl, count: 2, value: 0, writable: 0x001F)
            layout.set(PciExpressRegister.rootStatus, count: 4, value: 0, writeOneToClear: 1 << 16)
        }
        layout.set(PciExpressRegister.linkCapabilities2, count: 4, value: 0x2)  // 2.5 GT/s supported
        layout.set(PciExpressRegister.linkControl2, count: 2, value: 0x1, writable: 0x000F)
        return layout.capability(id: PciCapabilityID.pciExpress, offset: offset)
    }
}
