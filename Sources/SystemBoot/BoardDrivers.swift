// The root drivers of the `sys` host — the only host holding the root resource: the x86 board
// driver (reads the firmware table, publishes `acpi` and `pci`), the arm64 board driver (the
// platform devices of the device tree, isolated, each serving GetMmio; the PCIe ECAM root), and
// bus-pci (enumerates a root, publishes each function MUST_ISOLATE with its bind properties and
// serves fuchsia.hardware.pci to the function's driver in its own host — BAR VMOs move over the
// channel, the resource never does — plus DMA memory and hot-plug polling on the root port).
//
// Fuchsia counterpart: src/devices/board/drivers/x86 (x86.cc, acpi-nswalk: publishes the ACPI
// devices and the pciroot), src/devices/bus/drivers/platform (platform-bus.cc, platform-device.cc:
// PDevGetMmio), src/devices/bus/drivers/pci (bus.cc, device.cc: DdkAdd with MUST_ISOLATE,
// device_protocol.cc: GetBar/ReadConfig/GetBti).

import BindRules
import DriverFramework
import Drivers
import Hardware
import Machines
import Synchronization
import ZX
import ZirconKernel

/// bus-acpi.so: the x86 board driver, bound to `sys`.
struct X86BoardDriver: Driver {
    let context: BootContext

    func bind(to parent: DeviceContext) throws {
        guard let root = parent.rootResource else { throw ZxStatus.accessDenied }
        guard let tableAddress = context.description.acpiTableAddress else { throw ZxStatus.notFound }
        let acpi = try busStep { () throws(BusDriverError) in try AcpiBus(resource: root, tableAddress: tableAddress) }
        context.log("board x86: ACPI table at \(hexString(tableAddress)): \(acpi.devices.count) devices, "
                    + "\(acpi.pciRoots.count) PCI root(s)")
        context.pciRoot = acpi.pciRoots.first
        let context = self.context
        var router = ProtocolRouter()
        router.on(AcpiProtocol.GetMmio.self) { request in
            let mmio = try busStep { () throws(BusDriverError) in try acpi.getMmio(request.device, index: Int(request.index)) }
            if let region = acpi.device(request.device)?.mmio[safe: Int(request.index)] {
                context.log("bus-acpi: \(request.device) mmio \(request.index) → physical VMO "
                            + "\(hexString(region.base))-\(hexString(region.base + region.size - 1))")
            }
            return PlatformDevice.Mmio(vmo: mmio.vmo, offset: mmio.offset, size: mmio.size)
        }
        _ = try parent.addChild(DeviceAddArgs(name: "acpi", protocolId: .acpi, flags: .nonBindable,
                                              hooks: DeviceHooks(message: router)))
        _ = try parent.addChild(DeviceAddArgs(name: "pci", protocolId: .pciRoot))
    }
}

/// platform-bus.so: the arm64 board driver (device tree), bound to `sys`.
struct PlatformBoardDriver: Driver {
    let context: BootContext

    func bind(to parent: DeviceContext) throws {
        guard let root = parent.rootResource else { throw ZxStatus.accessDenied }
        let description = BoardConversions.platformBus(context.description)
        let bus = try busStep { () throws(BusDriverError) in try PlatformBus(resource: root, description: description) }
        context.log("board arm64: \(bus.devices.count) platform devices from the device tree")
        for device in bus.devices {
            let context = self.context
            var router = ProtocolRouter()
            let index = device.index
            router.on(PlatformDevice.GetMmio.self) { request in
                let mmio = try busStep { () throws(BusDriverError) in try bus.getMmio(device: index, index: Int(request.index)) }
                if let region = description.devices[safe: index]?.mmio[safe: Int(request.index)] {
                    context.log("platform-bus: \(device.publishedName) mmio \(request.index) → physical VMO "
                                + "\(hexString(region.base))-\(hexString(region.base + region.size - 1))")
                }
                return PlatformDevice.Mmio(vmo: mmio.vmo, offset: mmio.offset, size: mmio.size)
            }
            router.on(PlatformDevice.GetDeviceInfo.self) { _ in
                .init(vid: device.vid, pid: device.pid, did: device.did, mmioCount: UInt32(device.mmioCount),
                      irqCount: UInt32(device.interrupts.count), name: device.name)
            }
            _ = try parent.addChild(DeviceAddArgs(
                name: String(device.publishedName.prefix(DeviceAddArgs.maxNameLength)),
                properties: device.properties.deviceProperties, protocolId: .platformDevice,
                flags: .mustIsolate, hooks: DeviceHooks(protocol: router)))
        }
        if let host = context.description.pciHosts.first {
            context.pciRoot = BoardConversions.pciRoot(host)
            _ = try parent.addChild(DeviceAddArgs(name: "pci", protocolId: .pciRoot))
        }
    }
}

/// bus-pci.so: bound to `pci` in the sys host.
struct PciBusDriver: Driver {
    let context: BootContext

    func bind(to parent: DeviceContext) throws {
        guard let root = parent.rootResource, let description = context.pciRoot else { throw ZxStatus.badState }
        let bus = try busStep { () throws(BusDriverError) in try PciBus(resource: root, root: description) }
        let functions = try busStep { () throws(BusDriverError) in try bus.enumerate() }
        context.log("bus-pci: \(description.name) ECAM \(hexString(description.ecamBase)): \(functions.count) functions")
        let state = PciBusState(bus: bus, pci: parent, root: root, context: context)
        for function in functions { try state.publish(function) }
    }
}

/// bus-pci's state, confined to the sys host: the bus, and the device of each function.
final class PciBusState: @unchecked Sendable {
    private let lock = Mutex(())
    private let bus: PciBus
    private let pci: DeviceContext
    private let root: zx_handle_t
    private let context: BootContext
    private var devices: [PciBdf: DeviceContext] = [:]

    init(bus: PciBus, pci: DeviceContext, root: zx_handle_t, context: BootContext) {
        self.bus = bus
        self.pci = pci
        self.root = root
        self.context = context
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        try lock.withLock { _ in try body() }
    }

    /// Adds the function's device (MUST_ISOLATE, the function's bind properties).
    func publish(_ function: PciFunctionInfo) throws {
        var router = ProtocolRouter()
        let bdf = function.bdf
        router.on(Pci.GetBar.self) { [self] request in try getBar(bdf, Int(request.index)) }
        router.on(Pci.ReadConfig.self) { [self] request in
            let value = try locked {
                try busStep { () throws(BusDriverError) in
                    try bus.readConfig(bdf, offset: Int(request.offset), width: Int(request.width))
                }
            }
            return Pci.ConfigValue(value: value)
        }
        router.on(Pci.WriteConfig.self) { [self] request in
            try locked {
                try busStep { () throws(BusDriverError) in
                    try bus.writeConfig(bdf, offset: Int(request.access.offset), width: Int(request.access.width),
                                        value: request.value)
                }
            }
            return EmptyMessage()
        }
        router.on(BusMasterProtocol.Enable.self) { [self] _ in
            try locked { try busStep { () throws(BusDriverError) in try bus.enableBusMastering(bdf) } }
            return EmptyMessage()
        }
        router.on(DmaProtocol.Allocate.self) { [self] request in try allocateDma(bdf, request) }
        var hooks = DeviceHooks(protocol: router)
        if function.isHotPlugPort {
            var port = ProtocolRouter()
            port.on(HotPlugProtocol.Poll.self) { [self] _ in Lines(try pollHotPlug()) }
            hooks.message = port
        }
        let device = try pci.addChild(DeviceAddArgs(
            name: function.dumpName, properties: deviceProperties(function.bindProperties), protocolId: .pci,
            flags: .mustIsolate, hooks: hooks))
        locked { devices[bdf] = device }
    }

    private func getBar(_ bdf: PciBdf, _ index: Int) throws -> Pci.Bar {
        let resource = try locked { try busStep { () throws(BusDriverError) in try bus.getBar(bdf, index: index) } }
        switch resource {
        case let .mmio(mmio):
            let base = locked { bus.function(bdf)?.bar(index)?.address } ?? 0
            context.log("bus-pci: \(bdf) BAR\(index) → physical VMO \(hexString(base))-\(hexString(base + mmio.size - 1)) "
                        + "(\(mmio.size / 1024) KiB) for the function's driver")
            guard mmio.offset == 0 else {
                _ = zx_handle_close(mmio.vmo)
                throw ZxStatus.notSupported   // sub-page BAR: Pci.Bar carries no offset
            }
            return Pci.Bar(index: UInt32(index), size: mmio.size, vmo: mmio.vmo)
        case let .io(_, size, resource):
            _ = zx_handle_close(resource)
            return Pci.Bar(index: UInt32(index), size: size, vmo: ZX_HANDLE_INVALID)
        }
    }

    /// A contiguous VMO and its bus address (zx_bti_pin done by the bus for its function).
    private func allocateDma(_ bdf: PciBdf, _ request: DmaProtocol.Allocate.Request) throws -> DmaProtocol.Allocate.Response {
        guard request.size > 0, request.size <= 16 << 20, request.alignmentLog2 < 32 else { throw ZxStatus.invalidArgs }
        let length = Int((request.size + 0xFFF) & ~0xFFF)
        var vmo = zx_handle_t(ZX_HANDLE_INVALID)
        let alignment = request.alignmentLog2 <= 12 ? 0 : request.alignmentLog2
        var status = zx_vmo_create_contiguous(root, length, alignment, &vmo)
        guard status == ZX_OK else { throw ZxStatus(status) }
        var address: zx_vaddr_t = 0
        status = zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_MAP_RANGE, 0, vmo, 0, length, &address)
        guard status == ZX_OK else {
            _ = zx_handle_close(vmo)
            throw ZxStatus(status)
        }
        defer { _ = zx_vmar_unmap(zx_vmar_root_self(), address, length) }
        guard let process = context.manager?.hostProcess(koid: pci.hostKoid),
              let physical = process.addressSpace.arch.query(VirtualAddress(address))?.0.rawValue else {
            _ = zx_handle_close(vmo)
            throw ZxStatus.internal
        }
        return .init(vmo: vmo, physicalAddress: physical, size: UInt64(length))
    }

    /// Polls the hot-plug ports and publishes / removes the functions that came and went.
    private func pollHotPlug() throws -> [String] {
        let events = try locked { try busStep { () throws(BusDriverError) in try bus.handleHotPlug() } }
        var lines: [String] = []
        for event in events {
            switch event {
            case let .inserted(port, functions):
                for function in functions {
                    lines.append("bus-pci: \(function.bdf) inserted behind \(port) "
                                 + String(format4(function.vendorID)) + ":" + format4(function.deviceID))
                    try publish(function)
                }
            case let .removed(port, functions):
                for function in functions {
                    lines.append("bus-pci: \(function.bdf) removed from behind \(port)")
                    let device = locked { devices.removeValue(forKey: function.bdf) }
                    try device?.scheduleRemove()
                }
            }
        }
        for line in lines { context.log(line) }
        return lines
    }
}

func format4(_ value: UInt16) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
