// What a driver sees: the `Driver` protocol, device hooks (`DeviceHooks`, the
// zx_protocol_device_t of Zirconia), `DeviceAddArgs` with its flags, protocol ids with their
// devfs class names, suspend requests, the driver registration the index keeps, and the
// composite-device description the framework leaves room for.
//
// Fuchsia counterpart: lib/ddk/driver.h (zx_driver_ops_t, device_add_args_t, DEVICE_ADD_*),
// lib/ddk/device.h (zx_protocol_device_t), ddk/protodefs.h (protocol ids and class names).

import BindRules
import ZX
import ZirconKernel

/// A driver: offered devices whose properties match its bind rules. Instantiated once per driver
/// host that loads it (the factory in its `DriverRegistration`); all its hooks run on threads of
/// that host, so handles it makes live in that host's table and what it maps lands in that
/// host's address space.
public protocol Driver: Sendable {
    /// Offered `parent` (a device in this host, or the proxy of a device in another host). On
    /// success the driver should have added at least one child with `parent.addChild`. Throwing a
    /// `ZxStatus` fails the bind; a `PageFault` escaping kills the host (crash isolation).
    func bind(to parent: DeviceContext) throws
    /// The host is going away (all the driver's devices are released). Default: nothing.
    func release()
}

extension Driver {
    public func release() {}
}

/// A protocol id (the device's `proto_id`): selects its devfs class directory and is published
/// to bind rules as `fuchsia.BIND_PROTOCOL`. Values follow one snapshot of ddk/protodefs.h.
public struct ProtocolId: Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    /// The `/dev/class/<name>` directory; nil for PF_NOPUB protocols (no class alias).
    public var className: String?

    public init(_ rawValue: UInt32, className: String?) {
        self.rawValue = rawValue
        self.className = className
    }

    public static func == (lhs: ProtocolId, rhs: ProtocolId) -> Bool { lhs.rawValue == rhs.rawValue }
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
    public var description: String { className ?? "proto-\(rawValue)" }

    /// ZX_PROTOCOL_DEVICE: a device with no particular protocol (no class alias).
    public static let device = ProtocolId(0, className: nil)
    public static let block = ProtocolId(1, className: "block")
    public static let console = ProtocolId(8, className: "console")
    public static let displayController = ProtocolId(11, className: "display-controller")
    public static let ethernet = ProtocolId(14, className: "ethernet")
    public static let ethernetImpl = ProtocolId(15, className: "ethernet-impl")
    public static let framebuffer = ProtocolId(16, className: "framebuffer")
    public static let hidbus = ProtocolId(22, className: "hidbus")
    public static let hidDevice = ProtocolId(23, className: "input")
    public static let i2c = ProtocolId(24, className: "i2c")
    public static let inputReport = ProtocolId(26, className: "input-report")
    public static let root = ProtocolId(27, className: nil)
    public static let misc = ProtocolId(28, className: nil)
    public static let miscParent = ProtocolId(29, className: nil)
    public static let acpi = ProtocolId(30, className: "acpi")
    public static let pci = ProtocolId(31, className: "pci")
    public static let pciRoot = ProtocolId(32, className: nil)
    public static let usb = ProtocolId(33, className: nil)
    public static let platformBus = ProtocolId(84, className: "platform-bus")
    public static let platformDevice = ProtocolId(85, className: "platform-dev")
    public static let serial = ProtocolId(87, className: "serial")
    public static let rtc = ProtocolId(115, className: "rtc")
    public static let sysmem = ProtocolId(118, className: "sysmem")
    public static let network = ProtocolId(130, className: "network")
    /// The `sys` device's protocol, which the board driver binds to (Zirconia's value: in DFv1
    /// the board driver was handed `sys` directly). No alias.
    public static let sys = ProtocolId(0x53_5953, className: nil)
    /// ZX_PROTOCOL_TEST_PARENT (no number in the snapshot used; Zirconia's value). No alias.
    public static let testParent = ProtocolId(0x7E57, className: nil)
}

/// `DEVICE_ADD_*` flags.
public struct DeviceAddFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// No driver is bound to the device automatically.
    public static let nonBindable = DeviceAddFlags(rawValue: 1 << 0)
    /// Drivers bound to the device's children run in a new driver host, behind a proxy.
    public static let mustIsolate = DeviceAddFlags(rawValue: 1 << 2)
    /// Hidden from devfs and not bindable until `DeviceContext.makeVisible()`.
    public static let invisible = DeviceAddFlags(rawValue: 1 << 3)
}

/// A suspend request (flags per reference 2.4).
public struct SuspendRequest: Sendable, Equatable {
    public var flags: UInt32
    public init(flags: UInt32) { self.flags = flags }

    public static let reboot = SuspendRequest(flags: 0xdcdc_0100)
    public static let poweroff = SuspendRequest(flags: 0xdcdc_0200)
    public static let mexec = SuspendRequest(flags: 0xdcdc_0300)
    public static let suspendToRam = SuspendRequest(flags: 0xdcdc_0400)
}

/// A device's hooks. An absent hook has the DDK default: no `initialize` means the device is
/// visible and bindable as soon as it is added; no `unbind`/`release`/`suspend`/`resume`/`open`
/// means "reply OK at once"; no `message` or `protocol` answers NOT_SUPPORTED.
///
/// Hooks run on a thread of the device's driver host. A hook may throw a `ZxStatus` (reported to
/// the coordinator as the hook's status); any other error — a `PageFault` from a bad memory
/// access — propagates out of the host's message loop and kills the host, as an uncaught fault
/// kills a Fuchsia driver host.
public struct DeviceHooks: Sendable {
    /// Runs after the device is added and before it becomes visible and bindable (its return is
    /// `device_init_reply`; throwing fails the add and schedules the device's removal).
    public var initialize: (@Sendable (DeviceContext) throws -> Void)?
    /// Removal, top-down: the device's children are unbound after this returns.
    public var unbind: (@Sendable (DeviceContext) throws -> Void)?
    /// Removal, bottom-up: runs after every child has been released.
    public var release: (@Sendable () throws -> Void)?
    /// System suspend: runs after every child has suspended.
    public var suspend: (@Sendable (SuspendRequest) throws -> Void)?
    /// System resume: runs before any child resumes.
    public var resume: (@Sendable () throws -> Void)?
    /// A devfs client opens the device; throwing refuses the connection (the client's channel
    /// is closed).
    public var open: (@Sendable () throws -> Void)?
    /// Serves devfs clients' calls on their connection (the `message` hook).
    public var message: (any ProtocolServer)?
    /// The protocol the device offers its children (what `get_protocol` hands a colocated child;
    /// what a proxy forwards to across hosts).
    public var `protocol`: (any ProtocolServer)?

    public init(initialize: (@Sendable (DeviceContext) throws -> Void)? = nil,
                unbind: (@Sendable (DeviceContext) throws -> Void)? = nil,
                release: (@Sendable () throws -> Void)? = nil,
                suspend: (@Sendable (SuspendRequest) throws -> Void)? = nil,
                resume: (@Sendable () throws -> Void)? = nil,
                open: (@Sendable () throws -> Void)? = nil,
                message: (any ProtocolServer)? = nil,
                protocol: (any ProtocolServer)? = nil) {
        self.initialize = initialize
        self.unbind = unbind
        self.release = release
        self.suspend = suspend
        self.resume = resume
        self.open = open
        self.message = message
        self.protocol = `protocol`
    }
}

/// `device_add_args_t`: what a driver passes to `DeviceContext.addChild`.
public struct DeviceAddArgs: Sendable {
    /// At most `DeviceAddArgs.maxNameLength` bytes, no '/'.
    public var name: String
    /// Bind properties (`fuchsia.BIND_PROTOCOL` is added from `protocolId` if absent).
    public var properties: DeviceProperties
    public var protocolId: ProtocolId
    public var flags: DeviceAddFlags
    public var hooks: DeviceHooks

    /// ZX_DEVICE_NAME_MAX.
    public static let maxNameLength = 31

    public init(name: String, properties: DeviceProperties = DeviceProperties([:]),
                protocolId: ProtocolId = .device, flags: DeviceAddFlags = [],
                hooks: DeviceHooks = DeviceHooks()) {
        self.name = name
        self.properties = properties
        self.protocolId = protocolId
        self.flags = flags
        self.hooks = hooks
    }
}

/// A driver as the index knows it: a name, the library path it would be loaded from, its bind
/// rules in the Fuchsia bind language, and the factory that makes the Swift `Driver`.
public struct DriverRegistration: Sendable {
    public var name: String
    /// E.g. "/boot/driver/e1000.so" (shown by `dm dump` next to the devices it adds).
    public var library: String
    /// Bind rules source, compiled by `BindProgram.compile` when registered.
    public var bindRules: String
    public var make: @Sendable () -> any Driver

    public init(name: String, library: String, bindRules: String,
                make: @escaping @Sendable () -> any Driver) {
        self.name = name
        self.library = library
        self.bindRules = bindRules
        self.make = make
    }
}

/// Room for composite devices (reference 2.7): a named device assembled from fragments, each
/// matched by a chain of bind programs from the root to the fragment's device. Not built yet:
/// the manager does not accept composites.
public struct CompositeDeviceDescriptor: Sendable {
    public struct Fragment: Sendable {
        public var name: String
        /// Bind rules, root first, the fragment's device last.
        public var parts: [String]
        public init(name: String, parts: [String]) {
            self.name = name
            self.parts = parts
        }
    }
    public var name: String
    public var properties: DeviceProperties
    public var fragments: [Fragment]
    /// The fragment whose host the composite lives in (nil: a new host).
    public var primaryFragment: String?

    public init(name: String, properties: DeviceProperties, fragments: [Fragment],
                primaryFragment: String?) {
        self.name = name
        self.properties = properties
        self.fragments = fragments
        self.primaryFragment = primaryFragment
    }
}
