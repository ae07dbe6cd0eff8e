// LegacyKeys: the numeric device-property keys of DFv1 (`lib/ddk/binding.h`), which the bind
// compiler hard-codes under the `fuchsia` namespace (`fuchsia.BIND_PCI_VID`) and which are always
// in scope without a `using`. Ids follow the research notes' table (driver-model.md §3.3), which
// matches the compiler's `deprecated_keys()` list of that era.
// Fuchsia counterpart: src/devices/lib/bind/src/compiler/symbol_table.rs (`deprecated_keys`),
// src/lib/ddk/include/lib/ddk/binding_priv.h.

/// One legacy key: its bind-language name and its 16-bit property id.
public struct LegacyKey: Sendable, Hashable {
    /// The name without the `fuchsia.` prefix, e.g. `BIND_PCI_VID`.
    public var name: String
    public var id: UInt32

    /// The key as the bind language names it: `fuchsia.BIND_PCI_VID`.
    public var key: BindKey { BindKey("fuchsia." + name) }
}

/// The table of legacy keys, and lookups by name and id.
public enum LegacyKeys {
    /// Every legacy key, in id order. Two pairs share ids: `BIND_ACPI_BUS_TYPE` (0x0400) and
    /// `BIND_ACPI_ID` (0x0401) are the later snapshot's reuse of the slots that the older table
    /// gives to `BIND_ACPI_HID_0_3` / `BIND_ACPI_HID_4_7`. Looking a name up by id
    /// (`BindKey(legacyId:)`) returns the older name; rules may use either name.
    public static let all: [LegacyKey] = [
        LegacyKey(name: "BIND_FLAGS", id: 0x0000),
        LegacyKey(name: "BIND_PROTOCOL", id: 0x0001),
        LegacyKey(name: "BIND_AUTOBIND", id: 0x0002),
        LegacyKey(name: "BIND_COMPOSITE", id: 0x0003),
        LegacyKey(name: "BIND_FIDL_PROTOCOL", id: 0x0004),

        LegacyKey(name: "BIND_PCI_VID", id: 0x0100),
        LegacyKey(name: "BIND_PCI_DID", id: 0x0101),
        LegacyKey(name: "BIND_PCI_CLASS", id: 0x0102),
        LegacyKey(name: "BIND_PCI_SUBCLASS", id: 0x0103),
        LegacyKey(name: "BIND_PCI_INTERFACE", id: 0x0104),
        LegacyKey(name: "BIND_PCI_REVISION", id: 0x0105),
        LegacyKey(name: "BIND_PCI_COMPONENT", id: 0x0106),
        LegacyKey(name: "BIND_PCI_TOPO", id: 0x0107),

        LegacyKey(name: "BIND_USB_VID", id: 0x0200),
        LegacyKey(name: "BIND_USB_PID", id: 0x0201),
        LegacyKey(name: "BIND_USB_CLASS", id: 0x0202),
        LegacyKey(name: "BIND_USB_SUBCLASS", id: 0x0203),
        LegacyKey(name: "BIND_USB_PROTOCOL", id: 0x0204),
        LegacyKey(name: "BIND_USB_INTERFACE_NUMBER", id: 0x0205),

        LegacyKey(name: "BIND_PLATFORM_DEV_VID", id: 0x0300),
        LegacyKey(name: "BIND_PLATFORM_DEV_PID", id: 0x0301),
        LegacyKey(name: "BIND_PLATFORM_DEV_DID", id: 0x0302),
        LegacyKey(name: "BIND_PLATFORM_PROTO", id: 0x0303),
        LegacyKey(name: "BIND_PLATFORM_DEV_INSTANCE_ID", id: 0x0304),
        LegacyKey(name: "BIND_PLATFORM_DEV_INTERRUPT_ID", id: 0x0305),

        LegacyKey(name: "BIND_ACPI_HID_0_3", id: 0x0400),
        LegacyKey(name: "BIND_ACPI_HID_4_7", id: 0x0401),
        LegacyKey(name: "BIND_ACPI_CID_0_3", id: 0x0402),
        LegacyKey(name: "BIND_ACPI_CID_4_7", id: 0x0403),
        LegacyKey(name: "BIND_ACPI_BUS_TYPE", id: 0x0400),
        LegacyKey(name: "BIND_ACPI_ID", id: 0x0401),

        LegacyKey(name: "BIND_IHDA_CODEC_VID", id: 0x0500),
        LegacyKey(name: "BIND_IHDA_CODEC_DID", id: 0x0501),
        LegacyKey(name: "BIND_IHDA_CODEC_MAJOR_REV", id: 0x0502),
        LegacyKey(name: "BIND_IHDA_CODEC_MINOR_REV", id: 0x0503),
        LegacyKey(name: "BIND_IHDA_CODEC_VENDOR_REV", id: 0x0504),
        LegacyKey(name: "BIND_IHDA_CODEC_VENDOR_STEP", id: 0x0505),

        LegacyKey(name: "BIND_SERIAL_CLASS", id: 0x0600),
        LegacyKey(name: "BIND_SERIAL_VID", id: 0x0601),
        LegacyKey(name: "BIND_SERIAL_PID", id: 0x0602),

        LegacyKey(name: "BIND_NAND_CLASS", id: 0x0700),

        LegacyKey(name: "BIND_BT_GATT_SVC_UUID16", id: 0x0800),
        LegacyKey(name: "BIND_BT_GATT_SVC_UUID128_1", id: 0x0801),
        LegacyKey(name: "BIND_BT_GATT_SVC_UUID128_2", id: 0x0802),
        LegacyKey(name: "BIND_BT_GATT_SVC_UUID128_3", id: 0x0803),
        LegacyKey(name: "BIND_BT_GATT_SVC_UUID128_4", id: 0x0804),

        LegacyKey(name: "BIND_SDIO_VID", id: 0x0900),
        LegacyKey(name: "BIND_SDIO_PID", id: 0x0901),
        LegacyKey(name: "BIND_SDIO_FUNCTION", id: 0x0902),

        LegacyKey(name: "BIND_I2C_CLASS", id: 0x0A00),
        LegacyKey(name: "BIND_I2C_BUS_ID", id: 0x0A01),
        LegacyKey(name: "BIND_I2C_ADDRESS", id: 0x0A02),
        LegacyKey(name: "BIND_I2C_VID", id: 0x0A03),
        LegacyKey(name: "BIND_I2C_DID", id: 0x0A04),
        LegacyKey(name: "BIND_GPIO_PIN", id: 0x0A10),
        LegacyKey(name: "BIND_POWER_DOMAIN", id: 0x0A20),
        LegacyKey(name: "BIND_POWER_DOMAIN_COMPOSITE", id: 0x0A21),
        LegacyKey(name: "BIND_CLOCK_ID", id: 0x0A30),
        LegacyKey(name: "BIND_SPI_CLASS", id: 0x0A40),
        LegacyKey(name: "BIND_SPI_BUS_ID", id: 0x0A41),
        LegacyKey(name: "BIND_SPI_CHIP_SELECT", id: 0x0A42),
        LegacyKey(name: "BIND_PWM_ID", id: 0x0A50),
        LegacyKey(name: "BIND_INIT_STEP", id: 0x0A60),
        LegacyKey(name: "BIND_CODEC_INSTANCE", id: 0x0A70),
        LegacyKey(name: "BIND_REGISTER_ID", id: 0x0A80),
        LegacyKey(name: "BIND_POWER_SENSOR_DOMAIN", id: 0x0A90),

        // Topological properties (a device carries at most one from this range).
        LegacyKey(name: "BIND_TOPO_PCI", id: 0x0B00),
        LegacyKey(name: "BIND_TOPO_I2C", id: 0x0B01),
        LegacyKey(name: "BIND_TOPO_SPI", id: 0x0B02),
    ]

    /// Full name (`fuchsia.BIND_PCI_VID`) → id.
    static let idByName: [String: UInt32] = {
        var table: [String: UInt32] = [:]
        for key in all { table["fuchsia." + key.name] = key.id }
        return table
    }()

    /// Id → full name; the first name listed for an id wins.
    static let nameById: [UInt32: String] = {
        var table: [UInt32: String] = [:]
        for key in all where table[key.id] == nil { table[key.id] = "fuchsia." + key.name }
        return table
    }()
}
