// `Rights`: the Swift-native option set over `zx_rights_t`.
//
// Zircon counterpart: zircon/system/public/zircon/rights.h (C constants in
// Constants+Rights.swift); bit positions from zircon/vdso/rights.fidl, NEW profile.

/// The rights carried by a handle.
public struct Rights: OptionSet, Hashable, Sendable {
    public var rawValue: zx_rights_t
    @inlinable public init(rawValue: zx_rights_t) { self.rawValue = rawValue }
    @inlinable public init(_ rawValue: zx_rights_t) { self.rawValue = rawValue }

    /// Corresponding Zircon constant: `ZX_RIGHT_DUPLICATE`.
    public static let duplicate = Rights(1 << 0)
    /// Corresponding Zircon constant: `ZX_RIGHT_TRANSFER`.
    public static let transfer = Rights(1 << 1)
    /// Corresponding Zircon constant: `ZX_RIGHT_READ`.
    public static let read = Rights(1 << 2)
    /// Corresponding Zircon constant: `ZX_RIGHT_WRITE`.
    public static let write = Rights(1 << 3)
    /// Corresponding Zircon constant: `ZX_RIGHT_EXECUTE`.
    public static let execute = Rights(1 << 4)
    /// Corresponding Zircon constant: `ZX_RIGHT_MAP`.
    public static let map = Rights(1 << 5)
    /// Corresponding Zircon constant: `ZX_RIGHT_GET_PROPERTY`.
    public static let getProperty = Rights(1 << 6)
    /// Corresponding Zircon constant: `ZX_RIGHT_SET_PROPERTY`.
    public static let setProperty = Rights(1 << 7)
    /// Corresponding Zircon constant: `ZX_RIGHT_ENUMERATE`.
    public static let enumerate = Rights(1 << 8)
    /// Corresponding Zircon constant: `ZX_RIGHT_DESTROY`.
    public static let destroy = Rights(1 << 9)
    /// Corresponding Zircon constant: `ZX_RIGHT_SET_POLICY`.
    public static let setPolicy = Rights(1 << 10)
    /// Corresponding Zircon constant: `ZX_RIGHT_GET_POLICY`.
    public static let getPolicy = Rights(1 << 11)
    /// Corresponding Zircon constant: `ZX_RIGHT_SIGNAL`.
    public static let signal = Rights(1 << 12)
    /// Corresponding Zircon constant: `ZX_RIGHT_SIGNAL_PEER`.
    public static let signalPeer = Rights(1 << 13)
    /// Corresponding Zircon constant: `ZX_RIGHT_WAIT`.
    public static let wait = Rights(1 << 14)
    /// Corresponding Zircon constant: `ZX_RIGHT_INSPECT`.
    public static let inspect = Rights(1 << 15)
    /// Corresponding Zircon constant: `ZX_RIGHT_MANAGE_JOB`.
    public static let manageJob = Rights(1 << 16)
    /// Corresponding Zircon constant: `ZX_RIGHT_MANAGE_PROCESS`.
    public static let manageProcess = Rights(1 << 17)
    /// Corresponding Zircon constant: `ZX_RIGHT_MANAGE_THREAD`.
    public static let manageThread = Rights(1 << 18)
    /// Corresponding Zircon constant: `ZX_RIGHT_APPLY_PROFILE`.
    public static let applyProfile = Rights(1 << 19)
    /// Corresponding Zircon constant: `ZX_RIGHT_MANAGE_SOCKET`.
    public static let manageSocket = Rights(1 << 20)
    /// Needed on a VMAR handle to destroy it, or to unmap/protect/op_range across sub-VMARs.
    ///
    /// Corresponding Zircon constant: `ZX_RIGHT_OP_CHILDREN`.
    public static let opChildren = Rights(1 << 21)
    /// Needed on a resizable VMO handle for `zx_vmo_set_size`.
    ///
    /// Corresponding Zircon constant: `ZX_RIGHT_RESIZE`.
    public static let resize = Rights(1 << 22)
    /// Needed on a pager handle to create or detach pager-backed VMOs.
    ///
    /// Corresponding Zircon constant: `ZX_RIGHT_ATTACH_VMO`.
    public static let attachVmo = Rights(1 << 23)
    /// Needed on a pager handle to supply pages and run pager ops.
    ///
    /// Corresponding Zircon constant: `ZX_RIGHT_MANAGE_VMO`.
    public static let manageVmo = Rights(1 << 24)
    /// Sentinel for duplicate/replace: keep the source handle's rights. Never held by a handle.
    ///
    /// Corresponding Zircon constant: `ZX_RIGHT_SAME_RIGHTS`.
    public static let sameRights = Rights(1 << 31)

    /// TRANSFER | DUPLICATE | WAIT | INSPECT.
    ///
    /// Corresponding Zircon constant: `ZX_RIGHTS_BASIC`.
    public static let basic: Rights = [.transfer, .duplicate, .wait, .inspect]
    /// READ | WRITE.
    ///
    /// Corresponding Zircon constant: `ZX_RIGHTS_IO`.
    public static let io: Rights = [.read, .write]
    /// GET_PROPERTY | SET_PROPERTY.
    ///
    /// Corresponding Zircon constant: `ZX_RIGHTS_PROPERTY`.
    public static let property: Rights = [.getProperty, .setProperty]
    /// GET_POLICY | SET_POLICY.
    ///
    /// Corresponding Zircon constant: `ZX_RIGHTS_POLICY`.
    public static let policy: Rights = [.getPolicy, .setPolicy]

    /// Rights of a handle from `zx_vmo_create` (0xD0EF).
    ///
    /// Corresponding Zircon constant: `ZX_DEFAULT_VMO_RIGHTS`.
    public static let defaultVmo: Rights = basic.union(io).union(property).union([.map, .signal])
    /// Rights of a VMAR handle before CAN_MAP_* additions (0x208003).
    ///
    /// Corresponding Zircon constant: `ZX_DEFAULT_VMAR_RIGHTS`.
    public static let defaultVmar: Rights = basic.subtracting(.wait).union(.opChildren)
    /// Corresponding Zircon constant: `ZX_DEFAULT_PAGER_RIGHTS`.
    public static let defaultPager: Rights = [.inspect, .transfer, .attachVmo, .manageVmo]
    /// Corresponding Zircon constant: `ZX_DEFAULT_PORT_RIGHTS`.
    public static let defaultPort: Rights = basic.subtracting(.wait).union(io)
    /// Corresponding Zircon constant: `ZX_DEFAULT_PROCESS_RIGHTS`.
    public static let defaultProcess: Rights =
        basic.union(io).union(property).union([.enumerate, .destroy, .signal, .manageProcess, .manageThread])
    /// Corresponding Zircon constant: `ZX_DEFAULT_THREAD_RIGHTS`.
    public static let defaultThread: Rights =
        basic.union(io).union(property).union([.destroy, .signal, .manageThread])
    /// Corresponding Zircon constant: `ZX_DEFAULT_JOB_RIGHTS`.
    public static let defaultJob: Rights =
        basic.union(io).union(property).union(policy)
        .union([.enumerate, .destroy, .signal, .manageJob, .manageProcess, .manageThread])
    /// Corresponding Zircon constant: `ZX_DEFAULT_CHANNEL_RIGHTS`.
    public static let defaultChannel: Rights =
        basic.subtracting(.duplicate).union(io).union([.signal, .signalPeer])
    /// Corresponding Zircon constant: `ZX_DEFAULT_EVENT_RIGHTS`.
    public static let defaultEvent: Rights = basic.union(.signal)
    /// Corresponding Zircon constant: `ZX_DEFAULT_RESOURCE_RIGHTS`.
    public static let defaultResource: Rights = [.transfer, .duplicate, .write, .inspect]
    /// Corresponding Zircon constant: `ZX_DEFAULT_BTI_RIGHTS`.
    public static let defaultBti: Rights = basic.subtracting(.wait).union(io).union(property).union(.map)

    /// Every right bit Zircon defines (bits 0–24), excluding the SAME_RIGHTS sentinel.
    public static let all = Rights(rawValue: (1 << 25) - 1)
}

extension Rights: CustomStringConvertible {
    /// The `ZX_RIGHT_*` names of the bits set, e.g. "[READ, WRITE]"; unknown bits as hex.
    public var description: String {
        var names: [String] = []
        var rest = rawValue
        for (bit, name) in Rights.bitNames where rawValue & bit != 0 {
            names.append(name)
            rest &= ~bit
        }
        if rest != 0 { names.append("0x" + String(rest, radix: 16)) }
        return "[" + names.joined(separator: ", ") + "]"
    }

    static let bitNames: [(zx_rights_t, String)] = [
        (1 << 0, "DUPLICATE"), (1 << 1, "TRANSFER"), (1 << 2, "READ"), (1 << 3, "WRITE"),
        (1 << 4, "EXECUTE"), (1 << 5, "MAP"), (1 << 6, "GET_PROPERTY"), (1 << 7, "SET_PROPERTY"),
        (1 << 8, "ENUMERATE"), (1 << 9, "DESTROY"), (1 << 10, "SET_POLICY"), (1 << 11, "GET_POLICY"),
        (1 << 12, "SIGNAL"), (1 << 13, "SIGNAL_PEER"), (1 << 14, "WAIT"), (1 << 15, "INSPECT"),
        (1 << 16, "MANAGE_JOB"), (1 << 17, "MANAGE_PROCESS"), (1 << 18, "MANAGE_THREAD"),
        (1 << 19, "APPLY_PROFILE"), (1 << 20, "MANAGE_SOCKET"), (1 << 21, "OP_CHILDREN"),
        (1 << 22, "RESIZE"), (1 << 23, "ATTACH_VMO"), (1 << 24, "MANAGE_VMO"), (1 << 31, "SAME_RIGHTS"),
    ]
}
