// BusBindProperties: the bind property keys and values root bus drivers publish on the devices
// they add, spelled as the bind language names them (`fuchsia.BIND_PCI_VID`, ...), as plain
// `[String: UInt32]` / `[String: String]` dictionaries so bus drivers do not depend on BindRules.
//
// Counterpart: the legacy bind keys of lib/ddk/binding_priv.h (BIND_PROTOCOL 0x0001,
// BIND_PCI_* 0x0100–0x0107, BIND_PLATFORM_DEV_* 0x0300–0x0304, BIND_ACPI_* 0x0400–0x0403) and
// the protocol values of src/devices/bind (fuchsia.pci BIND_PROTOCOL.DEVICE = 31,
// fuchsia.platform BIND_PROTOCOL.DEVICE = 85, fuchsia.acpi BIND_PROTOCOL.DEVICE = 30);
// driver-model.md §3.3–3.4 and §5.1–5.4.

public enum BusBindKey {
    public static let proto = "fuchsia.BIND_PROTOCOL"
    public static let pciVendor = "fuchsia.BIND_PCI_VID"
    public static let pciDevice = "fuchsia.BIND_PCI_DID"
    public static let pciClass = "fuchsia.BIND_PCI_CLASS"
    public static let pciSubclass = "fuchsia.BIND_PCI_SUBCLASS"
    public static let pciInterface = "fuchsia.BIND_PCI_INTERFACE"
    public static let pciRevision = "fuchsia.BIND_PCI_REVISION"
    /// bus << 8 | device << 3 | function.
    public static let pciTopology = "fuchsia.BIND_PCI_TOPO"
    public static let platformVendor = "fuchsia.BIND_PLATFORM_DEV_VID"
    public static let platformProduct = "fuchsia.BIND_PLATFORM_DEV_PID"
    public static let platformDevice = "fuchsia.BIND_PLATFORM_DEV_DID"
    public static let platformInstance = "fuchsia.BIND_PLATFORM_DEV_INSTANCE_ID"
    public static let acpiHid03 = "fuchsia.BIND_ACPI_HID_0_3"
    public static let acpiHid47 = "fuchsia.BIND_ACPI_HID_4_7"
    public static let acpiCid03 = "fuchsia.BIND_ACPI_CID_0_3"
    public static let acpiCid47 = "fuchsia.BIND_ACPI_CID_4_7"
    /// String properties.
    public static let firstCompatible = "fuchsia.devicetree.FIRST_COMPATIBLE"
    public static let acpiHid = "fuchsia.acpi.hid"
    public static let acpiFirstCid = "fuchsia.acpi.first_cid"
}

/// Protocol ids (`fuchsia.BIND_PROTOCOL` values) of the devices bus drivers publish.
public enum BusProtocolID {
    public static let acpiDevice: UInt32 = 30
    public static let pciDevice: UInt32 = 31
    public static let platformBus: UInt32 = 84
    public static let platformDevice: UInt32 = 85
}

/// Bind properties of one published device.
public struct BusBindProperties: Sendable, Equatable {
    public var integers: [String: UInt32]
    public var strings: [String: String]

    public init(integers: [String: UInt32] = [:], strings: [String: String] = [:]) {
        self.integers = integers
        self.strings = strings
    }

    public subscript(key: String) -> UInt32? { integers[key] }

    /// An ACPI ID (`PNP0303`, up to 8 characters) as two big-endian u32s, zero padded:
    /// "PNP0" → 0x504e5030, "303\0" → 0x33303300 (driver-model.md §3.3).
    public static func acpiIDWords(_ id: String) -> (UInt32, UInt32) {
        var bytes = Array(id.utf8.prefix(8))
        bytes += Array(repeating: 0, count: 8 - bytes.count)
        func word(_ slice: ArraySlice<UInt8>) -> UInt32 { slice.reduce(UInt32(0)) { $0 << 8 | UInt32($1) } }
        return (word(bytes[0..<4]), word(bytes[4..<8]))
    }
}
