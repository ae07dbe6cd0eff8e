// The framework glue of the device drivers: each binds to the device its bus published, gets
// its registers as a VMO over the bus protocol (never a resource), maps it with lib/mmio in its
// own host, runs the hardware driver of the Drivers module and publishes what Fuchsia's driver
// publishes. Also the builtins (null, zero, console, dmctl, ptmx) and the protocol-child drivers
// (ethernet, framebuffer, hid).
//
// Fuchsia counterpart: src/connectivity/ethernet/drivers/e1000, src/graphics/display/drivers/
// simple (bochs_vbe), src/devices/block/drivers/ahci, src/ui/input/drivers/pc-ps2,
// src/devices/usb/drivers/xhci + src/ui/input/drivers/usb-hid, src/devices/serial/drivers/
// uart-pl011, src/devices/rtc/drivers/pl031-rtc, src/devices/bus/lib/virtio; the builtin
// devices of devcoordinator (null, zero) and misc (console, dmctl, pty).

import BindRules
import DriverFramework
import Drivers
import Mmio
import ZX
import ZirconKernel

/// A driver made of a closure (builtins and small protocol drivers).
struct GlueDriver: Driver {
    let body: @Sendable (DeviceContext) throws -> Void
    func bind(to parent: DeviceContext) throws { try body(parent) }
}

/// A message hook that answers Describe with `facts`.
func describing(_ facts: [String]) -> ProtocolRouter {
    var router = ProtocolRouter()
    router.on(DescribeProtocol.Describe.self) { _ in Lines(facts) }
    return router
}

extension BootContext {
    /// BAR `index` of the PCI function behind `parent`, mapped in the calling host.
    func mapBar(_ parent: DeviceContext, _ index: UInt32, label: String) throws -> MappedMmio {
        let bar = try parent.protocolClient().call(Pci.GetBar.self, .init(index: index))
        guard bar.isMmio else { throw ZxStatus.notSupported }
        return try map(vmo: bar.vmo, offset: 0, size: Int(bar.size), label: "\(label) BAR\(index)", in: parent)
    }

    /// MMIO `index` of the platform device behind `parent`, mapped in the calling host.
    func mapPlatformMmio(_ parent: DeviceContext, _ index: UInt32, label: String) throws -> MappedMmio {
        let mmio = try parent.protocolClient().call(PlatformDevice.GetMmio.self, .init(index: index))
        return try map(vmo: mmio.vmo, offset: mmio.offset, size: Int(mmio.size), label: "\(label) mmio \(index)", in: parent)
    }

    /// Records and publishes `facts` about a device.
    func publish(_ parent: DeviceContext, _ args: DeviceAddArgs, facts: [String]) throws -> DeviceContext {
        var args = args
        if args.hooks.message == nil { args.hooks.message = describing(facts) }
        let device = try parent.addChild(args)
        recorder.report(host: device.hostKoid, device: args.name, facts)
        return device
    }
}

enum DeviceDrivers {
    static func e1000(_ context: BootContext) -> any Driver {
        GlueDriver { parent in
            let bar0 = try context.mapBar(parent, 0, label: "e1000")
            var driver = E1000Driver(bar0: bar0.window)
            let info = try driverStep(context, "e1000 start") { () throws(DriverError) in try driver.start() }
            context.log("e1000: MAC \(info.macString), link \(info.linkUp ? "up" : "down") \(info.speedMbps) Mb/s")
            var router = ProtocolRouter()
            router.on(EthernetQuery.self) { _ in
                _ = bar0   // the registers stay mapped while the device lives
                return Lines(["mac \(info.macString)", "link \(info.linkUp ? "up" : "down")", "speed \(info.speedMbps) Mb/s"])
            }
            _ = try context.publish(parent, DeviceAddArgs(name: "e1000", protocolId: .ethernetImpl,
                                                          hooks: DeviceHooks(protocol: router)),
                                    facts: ["mac \(info.macString)", "link \(info.linkUp ? "up" : "down")",
                                            "BAR0 mapped at \(hexString(UInt64(bar0.address)))"])
        }
    }

    static func ethernet(_ context: BootContext) -> any Driver {
        GlueDriver { parent in
            let facts = try parent.protocolClient().call(EthernetQuery.self, EmptyMessage()).lines
            _ = try context.publish(parent, DeviceAddArgs(name: "ethernet", protocolId: .ethernet, flags: .nonBindable),
                                    facts: facts)
        }
    }

    static func bochsVbe(_ context: BootContext) -> any Driver {
        GlueDriver { parent in
            let framebuffer = try context.mapBar(parent, 0, label: "bochs_vbe")
            let registers = try context.mapBar(parent, 2, label: "bochs_vbe")
            var driver = BochsVbeDriver(bar2: registers.window, bar0: framebuffer.window)
            let info = try driverStep(context, "bochs_vbe mode set") { () throws(DriverError) -> FramebufferInfo in
                _ = try driver.probe()
                let info = try driver.setMode(width: 1024, height: 768)
                try driver.drawTestPattern()
                return info
            }
            let line = "\(info.width)x\(info.height) \(info.format) stride \(info.stride)"
            context.log("bochs_vbe: mode \(line)")
            var router = ProtocolRouter()
            router.on(DisplayQuery.self) { _ in
                _ = (framebuffer, registers)
                return Lines(["mode \(line)"])
            }
            _ = try context.publish(parent, DeviceAddArgs(name: "bochs_vbe", protocolId: .displayController,
                                                          hooks: DeviceHooks(protocol: router)),
                                    facts: ["mode \(line)"])
        }
    }

    static func framebuffer(_ context: BootContext) -> any Driver {
        GlueDriver { parent in
            let facts = try parent.protocolClient().call(DisplayQuery.self, EmptyMessage()).lines
            _ = try context.publish(parent, DeviceAddArgs(name: "framebuffer", protocolId: .framebuffer,
                                                          flags: .nonBindable), facts: facts)
        }
    }

    static func ahci(_ context: BootContext) -> any Driver {
        GlueDriver { parent in
            let abar = try context.mapBar(parent, 5, label: "ahci")
            _ = try parent.protocolClient().call(BusMasterProtocol.Enable.self, EmptyMessage())
            let dma = BusDmaAllocator(client: try parent.protocolClient())
            var driver = AhciDriver(abar: abar.window, dma: dma)
            let disks = try driverStep(context, "ahci probe") { () throws(DriverError) -> [Int: BlockInfo] in
                _ = try driver.initialize()
                return try driver.probePorts()
            }
            var facts: [String] = []
            for (port, disk) in disks.sorted(by: { $0.key < $1.key }) {
                let line = "port \(port): \(disk.model) \(disk.sectorCount) sectors of \(disk.sectorSize) bytes "
                    + "(\(disk.capacityBytes >> 20) MiB)"
                facts.append(line)
                context.log("ahci: \(line)")
            }
            let keep = DeviceHooks(release: { _ = abar; _ = dma })
            _ = try context.publish(parent, DeviceAddArgs(name: "ahci", protocolId: .block, flags: .nonBindable,
                                                          hooks: keep), facts: facts)
        }
    }

    static func builtins(_ context: BootContext) -> any Driver {
        GlueDriver { parent in
            _ = try context.publish(parent, DeviceAddArgs(name: "null", flags: .nonBindable), facts: ["reads nothing"])
            _ = try context.publish(parent, DeviceAddArgs(name: "zero", flags: .nonBindable), facts: ["reads zeros"])
        }
    }

    static func single(_ context: BootContext, _ name: String, _ proto: ProtocolId) -> any Driver {
        GlueDriver { parent in
            _ = try context.publish(parent, DeviceAddArgs(name: name, protocolId: proto, flags: .nonBindable),
                                    facts: [name])
        }
    }

    static func hid(_ context: BootContext) -> any Driver {
        GlueDriver { parent in
            let number = context.nextHidDevice()
            let name = "hid-device-" + String(repeating: "0", count: max(0, 3 - String(number).count)) + String(number)
            _ = try context.publish(parent, DeviceAddArgs(name: name, protocolId: .hidDevice, flags: .nonBindable),
                                    facts: ["hid device over \(parent.name)"])
        }
    }
}

/// ethernet-impl query between e1000 and ethernet (colocated).
enum EthernetQuery: ProtocolMethod {
    static let name = "fuchsia.hardware.ethernet/EthernetImpl.Query"
    typealias Request = EmptyMessage
    typealias Response = Lines
}

/// display-controller query between bochs_vbe and framebuffer (colocated).
enum DisplayQuery: ProtocolMethod {
    static let name = "fuchsia.hardware.display/Controller.Query"
    typealias Request = EmptyMessage
    typealias Response = Lines
}

/// DMA memory from the PCI bus: each buffer is a contiguous VMO the bus pinned, mapped here.
final class BusDmaAllocator: DmaAllocator, @unchecked Sendable {
    let client: ProtocolClient
    init(client: ProtocolClient) { self.client = client }

    func allocateContiguous(size: Int, alignmentLog2: Int) throws(DriverError) -> any DmaBuffer {
        guard size > 0, alignmentLog2 >= 0, alignmentLog2 < 32 else { throw .invalidArgument("dma \(size)") }
        let response: DmaProtocol.Allocate.Response
        do {
            response = try client.call(DmaProtocol.Allocate.self, .init(size: UInt64(size), alignmentLog2: UInt32(alignmentLog2)))
        } catch {
            throw .dma("bus refused \(size) bytes: \(error)")
        }
        var address: zx_vaddr_t = 0
        let status = zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE | ZX_VM_MAP_RANGE, 0,
                                 response.vmo, 0, Int(response.size), &address)
        guard status == ZX_OK else {
            _ = zx_handle_close(response.vmo)
            throw .dma("mapping dma vmo: \(ZxStatus(rawValue: status))")
        }
        return MappedDmaBuffer(vmo: response.vmo, address: address, size: Int(response.size),
                               physicalAddress: response.physicalAddress)
    }
}

final class MappedDmaBuffer: DmaBuffer {
    let vmo: zx_handle_t
    let address: zx_vaddr_t
    let size: Int
    let physicalAddress: UInt64

    init(vmo: zx_handle_t, address: zx_vaddr_t, size: Int, physicalAddress: UInt64) {
        self.vmo = vmo
        self.address = address
        self.size = size
        self.physicalAddress = physicalAddress
    }

    func read(at offset: Int, count: Int) throws(DriverError) -> [UInt8] {
        try checkRange(offset, count)
        var bytes = [UInt8](repeating: 0, count: count)
        for index in 0..<count {
            do {
                bytes[index] = try UserMemory.load(UInt8.self, from: address + UInt(offset + index))
            } catch {
                throw .dma("dma read: \(error)")
            }
        }
        return bytes
    }

    func write(_ bytes: [UInt8], at offset: Int) throws(DriverError) {
        try checkRange(offset, bytes.count)
        for (index, byte) in bytes.enumerated() {
            do {
                try UserMemory.store(byte, to: address + UInt(offset + index))
            } catch {
                throw .dma("dma write: \(error)")
            }
        }
    }

    deinit {
        _ = zx_vmar_unmap(zx_vmar_root_self(), address, size)
        _ = zx_handle_close(vmo)
    }
}
