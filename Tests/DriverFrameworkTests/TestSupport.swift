// Test drivers and helpers for the driver framework tests: a recording event log, a driver made
// of a closure, and the seed-shaped tree (root/null/zero, misc/console, sys/acpi/pci with PCI
// functions whose drivers run isolated behind proxies).

import Synchronization
import Zirconia

/// A thread-safe list of events ("init:a", "unbind:b", ...).
final class EventLog: Sendable {
    private let events = Mutex<[String]>([])
    func add(_ event: String) { events.withLock { $0.append(event) } }
    var all: [String] { events.withLock { $0 } }
    func matching(_ prefix: String) -> [String] { all.filter { $0.hasPrefix(prefix) } }
}

/// A counter shared with driver code.
final class Counter: Sendable {
    private let value = Atomic<Int>(0)
    @discardableResult func increment() -> Int { value.wrappingAdd(1, ordering: .relaxed).newValue }
    var count: Int { value.load(ordering: .relaxed) }
}

/// A box for a value set once from driver code.
final class Box<T: Sendable>: Sendable {
    private let stored = Mutex<T?>(nil)
    func set(_ value: T) { stored.withLock { $0 = value } }
    var value: T? { stored.withLock { $0 } }
}

/// A driver whose bind is a closure.
struct ClosureDriver: Driver {
    let body: @Sendable (DeviceContext) throws -> Void
    func bind(to parent: DeviceContext) throws { try body(parent) }
}

func registration(_ name: String, _ library: String, _ rules: String,
                  _ body: @escaping @Sendable (DeviceContext) throws -> Void) -> DriverRegistration {
    DriverRegistration(name: name, library: library, bindRules: rules) { ClosureDriver(body: body) }
}

/// Hooks that record lifecycle events for `name` in `log`.
func recordingHooks(_ name: String, _ log: EventLog, withInit: Bool = false) -> DeviceHooks {
    var initialize: (@Sendable (DeviceContext) throws -> Void)?
    if withInit { initialize = { @Sendable _ in log.add("init:\(name)") } }
    return DeviceHooks(
        initialize: initialize,
        unbind: { _ in log.add("unbind:\(name)") },
        release: { log.add("release:\(name)") },
        suspend: { _ in log.add("suspend:\(name)") },
        resume: { log.add("resume:\(name)") })
}

func testConfiguration(_ isolation: IsolationPolicy = .mustIsolateFlag) -> DriverManagerConfiguration {
    DriverManagerConfiguration(isolation: isolation, rebindBackoff: .milliseconds(1), rebindRetries: 4,
                               sysLibrary: "/boot/driver/bus-acpi.so")
}

/// What the PCI bus test driver serves each function: BAR 0 is a VMO whose first bytes say
/// which function it is; config space reads return the vendor/device id.
func pciProtocol(vendor: UInt16, device: UInt16, name: String) -> ProtocolRouter {
    var router = ProtocolRouter()
    router.on(Pci.GetBar.self) { request in
        guard request.index == 0 else { throw ZxStatus.notFound }
        let vmo = try Vmo(size: 4096)
        try vmo.write(Array("bar0 of \(name)".utf8), at: 0)
        return Pci.Bar(index: 0, size: 4096, vmo: try vmo.handle.duplicate().release())
    }
    router.on(Pci.ReadConfig.self) { request in
        switch request.offset {
        case 0: return Pci.ConfigValue(value: UInt32(vendor))
        case 2: return Pci.ConfigValue(value: UInt32(device))
        default: return Pci.ConfigValue(value: 0)
        }
    }
    return router
}

struct PciFunction: Sendable {
    var name: String
    var vendor: UInt16
    var device: UInt16
}

let seedFunctions: [PciFunction] = [
    PciFunction(name: "00:00:00", vendor: 0x8086, device: 0x29c0),
    PciFunction(name: "00:01:00", vendor: 0x1234, device: 0x1111),
    PciFunction(name: "00:02:00", vendor: 0x8086, device: 0x100e),
    PciFunction(name: "00:1f:00", vendor: 0x8086, device: 0x2918),
    PciFunction(name: "00:1f:02", vendor: 0x8086, device: 0x2922),
    PciFunction(name: "00:1f:03", vendor: 0x8086, device: 0x2930),
]

/// Registers the seed's drivers; `extraFunctions` are added by the PCI bus after the seed's.
func registerSeedDrivers(_ manager: DriverManager, log: EventLog = EventLog(),
                         functions: [PciFunction] = seedFunctions,
                         barContents: Box<String> = Box(), e1000Host: Box<UInt64> = Box()) throws {
    try manager.register(registration("builtin", "/boot/driver/builtin.so", "fuchsia.BIND_PROTOCOL == 27;") { parent in
        _ = try parent.addChild(DeviceAddArgs(name: "null", flags: .nonBindable))
        _ = try parent.addChild(DeviceAddArgs(name: "zero", flags: .nonBindable))
    })
    try manager.register(registration("console", "/boot/driver/console.so", "fuchsia.BIND_PROTOCOL == 29;") { parent in
        _ = try parent.addChild(DeviceAddArgs(name: "console", protocolId: .console, flags: .nonBindable))
    })
    try manager.register(registration("bus-acpi", "/boot/driver/bus-acpi.so",
                                      "fuchsia.BIND_PROTOCOL == \(ProtocolId.sys.rawValue);") { parent in
        _ = try parent.addChild(DeviceAddArgs(name: "acpi", protocolId: .acpi, flags: .nonBindable))
        _ = try parent.addChild(DeviceAddArgs(name: "pci", protocolId: .pciRoot))
    })
    try manager.register(registration("bus-pci", "/boot/driver/bus-pci.so", "fuchsia.BIND_PROTOCOL == 32;") { parent in
        for function in functions {
            let properties: DeviceProperties = [.pciVendor: .int(UInt32(function.vendor)),
                                                .pciDevice: .int(UInt32(function.device))]
            _ = try parent.addChild(DeviceAddArgs(
                name: function.name, properties: properties, protocolId: .pci, flags: .mustIsolate,
                hooks: DeviceHooks(protocol: pciProtocol(vendor: function.vendor, device: function.device,
                                                         name: function.name))))
        }
    })
    try manager.register(registration("bochs_vbe", "/boot/driver/bochs-vbe.so", """
        fuchsia.BIND_PROTOCOL == 31;
        fuchsia.BIND_PCI_VID == 0x1234;
        fuchsia.BIND_PCI_DID == 0x1111;
        """) { parent in
        _ = try parent.addChild(DeviceAddArgs(name: "bochs_vbe", protocolId: .displayController))
    })
    try manager.register(registration("framebuffer", "/boot/driver/framebuffer.so", "fuchsia.BIND_PROTOCOL == 11;") { parent in
        _ = try parent.addChild(DeviceAddArgs(name: "framebuffer", protocolId: .framebuffer, flags: .nonBindable))
    })
    try manager.register(registration("e1000", "/boot/driver/e1000.so", """
        fuchsia.BIND_PROTOCOL == 31;
        fuchsia.BIND_PCI_VID == 0x8086;
        accept fuchsia.BIND_PCI_DID { 0x100e, 0x10d3 }
        """) { parent in
        // MMIO from the parent over the protocol: across the proxy, the VMO handle lands here.
        let pci = try parent.protocolClient()
        let bar = try pci.call(Pci.GetBar.self, Pci.GetBar.Request(index: 0))
        let vmo = Vmo(adopting: bar.vmo)
        let address = try Vmar.root().map(vmo, length: 4096, options: [.permRead])
        var bytes: [UInt8] = []
        for offset in 0..<16 {
            let byte = try UserMemory.load(UInt8.self, from: address + UInt(offset))
            if byte != 0 { bytes.append(byte) }
        }
        barContents.set(String(decoding: bytes, as: UTF8.self))
        e1000Host.set(parent.hostKoid)
        _ = try parent.addChild(DeviceAddArgs(name: "e1000", protocolId: .ethernetImpl,
                                              hooks: recordingHooks("e1000", log)))
    })
    try manager.register(registration("ethernet", "/boot/driver/ethernet.so", "fuchsia.BIND_PROTOCOL == 15;") { parent in
        var router = ProtocolRouter()
        router.on(GetMac.self) { _ in GetMac.Response(mac: [0x52, 0x54, 0x00, 0x12, 0x34, 0x56]) }
        _ = try parent.addChild(DeviceAddArgs(name: "ethernet", protocolId: .ethernet, flags: .nonBindable,
                                              hooks: DeviceHooks(message: router)))
    })
    try manager.register(registration("ahci", "/boot/driver/ahci.so", """
        fuchsia.BIND_PROTOCOL == 31;
        fuchsia.BIND_PCI_VID == 0x8086;
        fuchsia.BIND_PCI_DID == 0x2922;
        """) { parent in
        _ = try parent.addChild(DeviceAddArgs(name: "ahci", protocolId: .block, flags: .nonBindable))
    })
}

/// A devfs-client method of the test ethernet device.
enum GetMac: ProtocolMethod {
    static let name = "zirconia.test/Ethernet.GetMac"
    typealias Request = EmptyMessage
    struct Response: ProtocolMessage, Equatable {
        var mac: [UInt8]
        init(mac: [UInt8]) { self.mac = mac }
        func encode(into encoder: inout MessageEncoder) { encoder.write(mac) }
        init(from decoder: inout MessageDecoder) throws(ZxStatus) { mac = try decoder.read() }
    }
}

/// A kernel, a manager with the seed drivers, started and settled.
func seedManager(_ kernel: Kernel, log: EventLog = EventLog(), barContents: Box<String> = Box(),
                 e1000Host: Box<UInt64> = Box(),
                 isolation: IsolationPolicy = .mustIsolateFlag) throws -> DriverManager {
    let manager = try DriverManager(kernel: kernel, configuration: testConfiguration(isolation))
    try registerSeedDrivers(manager, log: log, barContents: barContents, e1000Host: e1000Host)
    try manager.start()
    _ = manager.settle()
    return manager
}
