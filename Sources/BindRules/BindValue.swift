// BindValue, BindKey, DeviceProperties: the vocabulary both sides of binding share. A device
// publishes properties (key → value); a driver's bind rules compare those properties with values.
// Keys are named the way the bind language names them: the legacy numeric keys of
// `lib/ddk/binding.h` as `fuchsia.BIND_<NAME>` (each with its 16-bit id, see LegacyKeys.swift),
// library-declared keys by their qualified name (`fuchsia.acpi.hid`).
// Fuchsia counterpart: the `Symbol` values of `src/devices/lib/bind` (compiler/symbol_table.rs) and
// the device property map of its interpreter (interpreter/match_bind.rs).

/// The type of a key, and of the values it may be compared with: the bind library types.
public enum BindValueType: String, Sendable, Hashable, CustomStringConvertible {
    case uint
    case string
    case bool
    case enumeration = "enum"

    public var description: String { rawValue }
}

/// A property value, or a value a bind rule compares a property with.
///
/// `int` holds the 32-bit values of numeric properties (`zx_device_prop_t.value`). `enumValue`
/// holds the fully qualified name of an enum value declared in a bind library
/// (`"fuchsia.hardware.pci.Service.ZirconTransport"`). Values of different cases never compare
/// equal; comparing them in a rule is a type mismatch (see `BindProgram.evaluate(_:)`).
public enum BindValue: Hashable, Sendable, CustomStringConvertible {
    case int(UInt32)
    case string(String)
    case bool(Bool)
    case enumValue(String)

    /// The bind-library type of this value.
    public var type: BindValueType {
        switch self {
        case .int: .uint
        case .string: .string
        case .bool: .bool
        case .enumValue: .enumeration
        }
    }

    /// Numbers in hex (`0x8086`), strings quoted, enum values by name.
    public var description: String {
        switch self {
        case .int(let value): "0x" + String(value, radix: 16)
        case .string(let value): "\"" + value + "\""
        case .bool(let value): value ? "true" : "false"
        case .enumValue(let name): name
        }
    }
}

/// A property key: its bind-language name, e.g. `fuchsia.BIND_PCI_VID` or `fuchsia.acpi.hid`.
public struct BindKey: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public var name: String

    public init(_ name: String) {
        self.name = name
    }

    public init(stringLiteral name: String) {
        self.name = name
    }

    /// The legacy key with this numeric id (`BIND_PCI_VID` for 0x0100), or nil when the id is not
    /// one of `LegacyKeys.all`. Where two names share an id (the ACPI keys at 0x0400/0x0401) the
    /// name from the older `binding.h` table wins; see `LegacyKeys`.
    public init?(legacyId: UInt32) {
        guard let name = LegacyKeys.nameById[legacyId] else { return nil }
        self.name = name
    }

    /// The 16-bit id of a legacy key (`fuchsia.BIND_PROTOCOL` → 0x0001), nil for library keys.
    public var legacyId: UInt32? { LegacyKeys.idByName[name] }

    /// The name without the `fuchsia.` prefix for legacy keys (`BIND_PCI_VID`), as `dm dump`
    /// prints them; the full name otherwise.
    public var shortName: String {
        legacyId != nil && name.hasPrefix("fuchsia.") ? String(name.dropFirst("fuchsia.".count)) : name
    }

    public var description: String { name }
}

extension BindKey {
    /// `fuchsia.BIND_PROTOCOL`: the device's protocol id (DFv1 sets it from `proto_id`).
    public static let bindProtocol: BindKey = "fuchsia.BIND_PROTOCOL"
    /// `fuchsia.BIND_AUTOBIND`: 0 for devices bound only on request.
    public static let autobind: BindKey = "fuchsia.BIND_AUTOBIND"
    /// `fuchsia.BIND_COMPOSITE`: 1 for fragments of composite devices.
    public static let composite: BindKey = "fuchsia.BIND_COMPOSITE"
    /// `fuchsia.BIND_FIDL_PROTOCOL`: the FIDL protocol a device offers.
    public static let fidlProtocol: BindKey = "fuchsia.BIND_FIDL_PROTOCOL"
    public static let pciVendor: BindKey = "fuchsia.BIND_PCI_VID"
    public static let pciDevice: BindKey = "fuchsia.BIND_PCI_DID"
    public static let pciClass: BindKey = "fuchsia.BIND_PCI_CLASS"
    public static let pciSubclass: BindKey = "fuchsia.BIND_PCI_SUBCLASS"
    public static let pciInterface: BindKey = "fuchsia.BIND_PCI_INTERFACE"
    public static let pciRevision: BindKey = "fuchsia.BIND_PCI_REVISION"
    public static let pciTopology: BindKey = "fuchsia.BIND_PCI_TOPO"
    public static let platformVendor: BindKey = "fuchsia.BIND_PLATFORM_DEV_VID"
    public static let platformProduct: BindKey = "fuchsia.BIND_PLATFORM_DEV_PID"
    public static let platformDevice: BindKey = "fuchsia.BIND_PLATFORM_DEV_DID"
    public static let platformInstance: BindKey = "fuchsia.BIND_PLATFORM_DEV_INSTANCE_ID"
    public static let usbVendor: BindKey = "fuchsia.BIND_USB_VID"
    public static let usbProduct: BindKey = "fuchsia.BIND_USB_PID"
    public static let usbClass: BindKey = "fuchsia.BIND_USB_CLASS"
    public static let usbSubclass: BindKey = "fuchsia.BIND_USB_SUBCLASS"
    public static let usbProtocol: BindKey = "fuchsia.BIND_USB_PROTOCOL"
    /// `fuchsia.acpi.hid`: the ACPI `_HID` string (e.g. `"PNP0303"`).
    public static let acpiHid: BindKey = "fuchsia.acpi.hid"
    /// `fuchsia.acpi.first_cid`: the first ACPI `_CID` string.
    public static let acpiFirstCid: BindKey = "fuchsia.acpi.first_cid"
}

/// The properties a device publishes: at most one value per key.
public struct DeviceProperties: Sendable, Equatable, ExpressibleByDictionaryLiteral, CustomStringConvertible {
    public var values: [BindKey: BindValue]

    public init(_ values: [BindKey: BindValue] = [:]) {
        self.values = values
    }

    /// A repeated key keeps its last value.
    public init(dictionaryLiteral elements: (BindKey, BindValue)...) {
        var values: [BindKey: BindValue] = [:]
        for (key, value) in elements { values[key] = value }
        self.values = values
    }

    /// Numeric DFv1 properties (`zx_device_prop_t {id, value}`) by legacy id. An id outside
    /// `LegacyKeys.all` is kept under the name `fuchsia.BIND_0x<id>` so nothing is lost; a
    /// repeated id keeps its last value.
    public init(legacy: [(id: UInt32, value: UInt32)]) {
        var values: [BindKey: BindValue] = [:]
        for (id, value) in legacy {
            let key = BindKey(legacyId: id) ?? BindKey("fuchsia.BIND_0x" + String(id, radix: 16))
            values[key] = .int(value)
        }
        self.values = values
    }

    public subscript(key: BindKey) -> BindValue? {
        get { values[key] }
        set { values[key] = newValue }
    }

    public var count: Int { values.count }
    public var isEmpty: Bool { values.isEmpty }

    /// Legacy keys first in id order, then library keys by name: a stable order for dumps.
    public var sorted: [(key: BindKey, value: BindValue)] {
        values.map { (key: $0.key, value: $0.value) }.sorted { lhs, rhs in
            switch (lhs.key.legacyId, rhs.key.legacyId) {
            case let (left?, right?): left != right ? left < right : lhs.key.name < rhs.key.name
            case (.some, nil): true
            case (nil, .some): false
            case (nil, nil): lhs.key.name < rhs.key.name
            }
        }
    }

    /// `{fuchsia.BIND_PROTOCOL: 0x1f, fuchsia.BIND_PCI_VID: 0x8086}` in `sorted` order.
    public var description: String {
        "{" + sorted.map { "\($0.key.name): \($0.value)" }.joined(separator: ", ") + "}"
    }
}
