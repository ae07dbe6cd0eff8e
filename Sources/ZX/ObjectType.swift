// `ObjectType`: the Swift-native, open set of kernel object types over `zx_obj_type_t`.
//
// Zircon counterpart: zircon/system/public/zircon/types.h (ZX_OBJ_TYPE_*; C constants in
// Constants+Object.swift).

/// The type of a kernel object, as reported in `zx_info_handle_basic_t.type`.
public struct ObjectType: RawRepresentable, Hashable, Sendable {
    public var rawValue: zx_obj_type_t
    @inlinable public init(rawValue: zx_obj_type_t) { self.rawValue = rawValue }
    @inlinable public init(_ rawValue: zx_obj_type_t) { self.rawValue = rawValue }

    /// Corresponding Zircon constant: `ZX_OBJ_TYPE_NONE`.
    public static let none = ObjectType(0)
    /// Corresponding Zircon constant: `ZX_OBJ_TYPE_PROCESS`.
    public static let process = ObjectType(1)
    /// Corresponding Zircon constant: `ZX_OBJ_TYPE_THREAD`.
    public static let thread = ObjectType(2)
    /// Corresponding Zircon constant: `ZX_OBJ_TYPE_VMO`.
    public static let vmo = ObjectType(3)
    /// Corresponding Zircon constant: `ZX_OBJ_TYPE_CHANNEL`.
    public static let channel = ObjectType(4)
    /// Corresponding Zircon constant: `ZX_OBJ_TYPE_EVENT`.
    public static let event = ObjectType(5)
    /// Corresponding Zircon constant: `ZX_OBJ_TYPE_PORT`.
    public static let port = ObjectType(6)
    /// Corresponding Zircon constant: `ZX_OBJ_TYPE_INTERRUPT`.
    public static let interrupt = ObjectType(9)
    /// Corresponding Zircon constant: `ZX_OBJ_TYPE_PCI_DEVICE`.
    public static let pciDevice = ObjectType(11)
    /// Corresponding Zircon constant: `ZX_OBJ_TYPE_DEBUGLOG` (alias `ZX_OBJ_TYPE_LOG`).
    public static let debugLog = ObjectType(12)
    /// Corresponding Zircon constant: `ZX_OBJ_TYPE_SOCKET`.
    public static let socket = ObjectType(14)
    /// Corresponding Zircon constant: `ZX_OBJ_TYPE_RESOURCE`.
    public static let resource = ObjectType(15)
    /// Corresponding Zircon constant: `ZX_OBJ_TYPE_EVENTPAIR`.
    public static let eventPair = ObjectType(16)
    /// Corresponding Zircon constant: `ZX_OBJ_TYPE_JOB`.
    public static let job = ObjectType(17)
    /// Corresponding Zircon constant: `ZX_OBJ_TYPE_VMAR`.
    public static let vmar = ObjectType(18)
    /// Corresponding Zircon constant: `ZX_OBJ_TYPE_FIFO`.
    public static let fifo = ObjectType(19)
    /// Corresponding Zircon constant: `ZX_OBJ_TYPE_GUEST`.
    public static let guest = ObjectType(20)
    /// Corresponding Zircon constant: `ZX_OBJ_TYPE_VCPU`.
    public static let vcpu = ObjectType(21)
    /// Corresponding Zircon constant: `ZX_OBJ_TYPE_TIMER`.
    public static let timer = ObjectType(22)
    /// Corresponding Zircon constant: `ZX_OBJ_TYPE_IOMMU`.
    public static let iommu = ObjectType(23)
    /// Corresponding Zircon constant: `ZX_OBJ_TYPE_BTI`.
    public static let bti = ObjectType(24)
    /// Corresponding Zircon constant: `ZX_OBJ_TYPE_PROFILE`.
    public static let profile = ObjectType(25)
    /// Corresponding Zircon constant: `ZX_OBJ_TYPE_PMT`.
    public static let pmt = ObjectType(26)
    /// Corresponding Zircon constant: `ZX_OBJ_TYPE_SUSPEND_TOKEN`.
    public static let suspendToken = ObjectType(27)
    /// Corresponding Zircon constant: `ZX_OBJ_TYPE_PAGER`.
    public static let pager = ObjectType(28)
    /// Corresponding Zircon constant: `ZX_OBJ_TYPE_EXCEPTION`.
    public static let exception = ObjectType(29)
    /// Corresponding Zircon constant: `ZX_OBJ_TYPE_CLOCK`.
    public static let clock = ObjectType(30)
    /// Corresponding Zircon constant: `ZX_OBJ_TYPE_STREAM`.
    public static let stream = ObjectType(31)
    /// Corresponding Zircon constant: `ZX_OBJ_TYPE_MSI`.
    public static let msi = ObjectType(32)
    /// Corresponding Zircon constant: `ZX_OBJ_TYPE_IOB`.
    public static let iob = ObjectType(33)

    /// Every type Zircon defines, with its C name.
    public static let allNamed: [(type: ObjectType, name: String)] = [
        (.none, "ZX_OBJ_TYPE_NONE"), (.process, "ZX_OBJ_TYPE_PROCESS"), (.thread, "ZX_OBJ_TYPE_THREAD"),
        (.vmo, "ZX_OBJ_TYPE_VMO"), (.channel, "ZX_OBJ_TYPE_CHANNEL"), (.event, "ZX_OBJ_TYPE_EVENT"),
        (.port, "ZX_OBJ_TYPE_PORT"), (.interrupt, "ZX_OBJ_TYPE_INTERRUPT"),
        (.pciDevice, "ZX_OBJ_TYPE_PCI_DEVICE"), (.debugLog, "ZX_OBJ_TYPE_DEBUGLOG"),
        (.socket, "ZX_OBJ_TYPE_SOCKET"), (.resource, "ZX_OBJ_TYPE_RESOURCE"),
        (.eventPair, "ZX_OBJ_TYPE_EVENTPAIR"), (.job, "ZX_OBJ_TYPE_JOB"), (.vmar, "ZX_OBJ_TYPE_VMAR"),
        (.fifo, "ZX_OBJ_TYPE_FIFO"), (.guest, "ZX_OBJ_TYPE_GUEST"), (.vcpu, "ZX_OBJ_TYPE_VCPU"),
        (.timer, "ZX_OBJ_TYPE_TIMER"), (.iommu, "ZX_OBJ_TYPE_IOMMU"), (.bti, "ZX_OBJ_TYPE_BTI"),
        (.profile, "ZX_OBJ_TYPE_PROFILE"), (.pmt, "ZX_OBJ_TYPE_PMT"),
        (.suspendToken, "ZX_OBJ_TYPE_SUSPEND_TOKEN"), (.pager, "ZX_OBJ_TYPE_PAGER"),
        (.exception, "ZX_OBJ_TYPE_EXCEPTION"), (.clock, "ZX_OBJ_TYPE_CLOCK"),
        (.stream, "ZX_OBJ_TYPE_STREAM"), (.msi, "ZX_OBJ_TYPE_MSI"), (.iob, "ZX_OBJ_TYPE_IOB"),
    ]
}

extension ObjectType: CustomStringConvertible {
    /// The C name, e.g. "ZX_OBJ_TYPE_VMO"; an undefined value prints as "ZX_OBJ_TYPE(<n>)".
    public var description: String {
        ObjectType.allNamed.first { $0.type == self }?.name ?? "ZX_OBJ_TYPE(\(rawValue))"
    }
}
