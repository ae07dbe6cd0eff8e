// Input and platform-device glue: pc-ps2 (i8042 under misc; its port window is the ACPI device's
// memory resource, asked of the `acpi` device over devfs), xhci (owns the controller's BAR0,
// enumerates the USB devices and publishes each MUST_ISOLATE serving the USB protocol), usb-hid
// (reaches its keyboard only through that protocol: no VMO, no MMIO), and the arm64 platform
// devices: pl011 (the console through the UART's transmit register), pl031 (reads the time),
// virtio-mmio (probe).
//
// Fuchsia counterpart: src/ui/input/drivers/pc-ps2 (i8042.cc), src/devices/usb/drivers/xhci and
// usb-bus (usb_device_add), src/ui/input/drivers/usb-hid, src/devices/serial/drivers/uart-pl011,
// src/devices/rtc/drivers/pl031-rtc, src/devices/bus/lib/virtio (backends/mmio.cc).

import BindRules
import DriverFramework
import Drivers
import ZX
import ZirconKernel

enum InputDrivers {
    /// pc-ps2.so, bound to misc: i8042-keyboard and i8042-mouse.
    static func i8042(_ context: BootContext) -> any Driver {
        GlueDriver { parent in
            let mmio = try acpiMmio(context, parent, device: "PNP0303")
            let ports = try context.map(vmo: mmio.vmo, offset: mmio.offset, size: Int(mmio.size),
                                        label: "i8042 ports", in: parent)
            var driver = I8042Driver(ports: ports.window)
            let info = try driverStep(context, "i8042 init") { () throws(DriverError) in try driver.initialize() }
            context.log("pc-ps2: keyboard \(info.hasKeyboard), mouse \(info.hasMouse)")
            let keep = DeviceHooks(release: { _ = ports })
            if info.hasKeyboard {
                _ = try context.publish(parent, DeviceAddArgs(name: "i8042-keyboard", protocolId: .hidbus, hooks: keep),
                                        facts: ["PS/2 keyboard"])
            }
            if info.hasMouse {
                _ = try context.publish(parent, DeviceAddArgs(name: "i8042-mouse", protocolId: .hidbus, hooks: keep),
                                        facts: ["PS/2 mouse id \(info.mouseID.map(String.init) ?? "?")"])
            }
        }
    }

    /// GetMmio of an ACPI device through `/dev/sys/acpi` (waits, bounded, for it to appear).
    private static func acpiMmio(_ context: BootContext, _ parent: DeviceContext, device: String) throws -> PlatformDevice.Mmio {
        guard let manager = context.manager, let process = manager.hostProcess(koid: parent.hostKoid) else {
            throw ZxStatus.badState
        }
        let deadline = zx_deadline_after(5_000_000_000)
        while manager.device(at: "/dev/sys/acpi") == nil {
            guard zx_clock_get_monotonic() < deadline else { throw ZxStatus.timedOut }
            manager.wait(timeout: .milliseconds(1)) { _ in false }   // a bounded pause
        }
        let channel = try manager.open("/dev/sys/acpi", for: process)
        defer { _ = zx_handle_close(channel) }
        return try ProtocolClient(channel: channel).call(AcpiProtocol.GetMmio.self, .init(device: device, index: 0))
    }

    /// xhci.so: the controller, and one MUST_ISOLATE child per USB device.
    static func xhci(_ context: BootContext) -> any Driver {
        GlueDriver { parent in
            let bar0 = try context.mapBar(parent, 0, label: "xhci")
            let controller = XhciDriver(bar0: bar0.window)
            let devices = try driverStep(context, "xhci init") { () throws(DriverError) -> [UsbDeviceInfo] in
                _ = try controller.initialize()
                return try controller.enumerate()
            }
            let shared = Locked(controller)
            let xhci = try context.publish(parent, DeviceAddArgs(name: "xhci", protocolId: .usb,
                                                                 flags: .nonBindable, hooks: DeviceHooks(release: { _ = bar0 })),
                                           facts: ["\(devices.count) USB device(s)"])
            for device in devices {
                var properties: DeviceProperties = [.bindProtocol: .int(ProtocolId.usb.rawValue)]
                let descriptors = try driverStep(context, "usb descriptors") { () throws(DriverError) in
                    let bytes = try controller.controlTransfer(device: device.address,
                                                               setup: .getDescriptor(type: 1, length: 18))
                    let configuration = try controller.controlTransfer(
                        device: device.address, setup: .getDescriptor(type: 2, length: 255))
                    return (try UsbDescriptors.device(bytes), try UsbDescriptors.configuration(configuration))
                }
                properties[.usbVendor] = .int(UInt32(descriptors.0.vendorID))
                properties[.usbProduct] = .int(UInt32(descriptors.0.productID))
                if let interface = descriptors.1.interfaces.first {
                    properties[.usbClass] = .int(UInt32(interface.interfaceClass))
                    properties[.usbSubclass] = .int(UInt32(interface.subclass))
                    properties[.usbProtocol] = .int(UInt32(interface.interfaceProtocol))
                }
                var router = ProtocolRouter()
                router.on(UsbProtocol.ControlTransfer.self) { request in
                    let setup = UsbSetup(requestType: UInt8(truncatingIfNeeded: request.setup),
                                         request: UInt8(truncatingIfNeeded: request.setup >> 8),
                                         value: UInt16(truncatingIfNeeded: request.setup >> 16),
                                         index: UInt16(truncatingIfNeeded: request.setup >> 32),
                                         length: UInt16(truncatingIfNeeded: request.setup >> 48))
                    do {
                        let data = try shared.with { controller throws(DriverError) in
                            try controller.controlTransfer(device: request.device, setup: setup, data: request.data)
                        }
                        return .init(data: data)
                    } catch DriverError.stall {
                        throw ZxStatus.ioRefused
                    } catch {
                        throw ZxStatus.io
                    }
                }
                router.on(UsbProtocol.InterruptIn.self) { request in
                    do {
                        return .init(try shared.with { controller throws(DriverError) in
                            try controller.interruptIn(device: request.device, endpoint: request.endpoint)
                        })
                    } catch {
                        throw ZxStatus.io
                    }
                }
                let name = "usb-" + String(repeating: "0", count: 3 - min(3, String(device.address).count)) + String(device.address)
                _ = try context.publish(xhci, DeviceAddArgs(name: name, properties: properties, protocolId: .usb,
                                                            flags: .mustIsolate, hooks: DeviceHooks(protocol: router)),
                                        facts: ["USB \(format4(descriptors.0.vendorID)):\(format4(descriptors.0.productID)) "
                                                + "port \(device.port) address \(device.address)"])
            }
        }
    }

    /// usb-hid.so: a boot keyboard, through the USB protocol of its parent only.
    static func usbHid(_ context: BootContext) -> any Driver {
        GlueDriver { parent in
            let host = UsbProtocolClient(client: try parent.protocolClient(), address: 0)
            let address = UInt8(truncatingIfNeeded: parent.name.split(separator: "-").last.flatMap { Int($0) } ?? 1)
            var keyboard = UsbHidKeyboardDriver(host: host, device: address)
            let info = try driverStep(context, "usb-hid bind") { () throws(DriverError) in try keyboard.bind() }
            context.log("usb-hid: \(info.product ?? "keyboard") \(format4(info.vendorID)):\(format4(info.productID)) "
                        + "in driver_host pid=\(parent.hostKoid), through the controller's USB protocol only")
            _ = try context.publish(parent, DeviceAddArgs(name: "usb-hid-keyboard", protocolId: .hidDevice,
                                                          flags: .nonBindable),
                                    facts: ["\(info.product ?? "keyboard") endpoint \(hexString(UInt64(info.endpoint)))"])
        }
    }
}

enum PlatformDrivers {
    static let consoleBanner = "zirconia: console on pl011"

    static func pl011(_ context: BootContext) -> any Driver {
        GlueDriver { parent in
            let registers = try context.mapPlatformMmio(parent, 0, label: "pl011")
            var driver = Pl011Driver(registers: registers.window)
            try driverStep(context, "pl011") { () throws(DriverError) in
                try driver.initialize()
                try driver.write(consoleBanner + " (driver_host pid=\(parent.hostKoid))\n")
            }
            context.log("pl011: console up at \(driver.baudRate ?? 0) baud")
            _ = try context.publish(parent, DeviceAddArgs(name: "pl011", protocolId: .serial, flags: .nonBindable,
                                                          hooks: DeviceHooks(release: { _ = registers })),
                                    facts: ["baud \(driver.baudRate ?? 0)"])
        }
    }

    static func pl031(_ context: BootContext) -> any Driver {
        GlueDriver { parent in
            let registers = try context.mapPlatformMmio(parent, 0, label: "pl031")
            let driver = Pl031Driver(registers: registers.window)
            let time = try driverStep(context, "pl031") { () throws(DriverError) -> RtcTime in
                _ = try driver.verifyIdentity()
                try driver.initialize()
                return try driver.readTime()
            }
            context.log("pl031-rtc: time \(time)")
            _ = try context.publish(parent, DeviceAddArgs(name: "rtc", protocolId: .rtc, flags: .nonBindable,
                                                          hooks: DeviceHooks(release: { _ = registers })),
                                    facts: ["time \(time)"])
        }
    }

    static func virtio(_ context: BootContext) -> any Driver {
        GlueDriver { parent in
            let registers = try context.mapPlatformMmio(parent, 0, label: "virtio \(parent.name)")
            var driver = VirtioMmioDriver(registers: registers.window)
            let info = try driverStep(context, "virtio probe") { () throws(DriverError) in try driver.initialize() }
            guard let info else { throw ZxStatus.notSupported }   // an empty slot
            context.log("virtio: \(parent.name) device id \(info.deviceID) features \(hexString(info.features))")
            _ = try context.publish(parent, DeviceAddArgs(name: "virtio-\(info.deviceID)", flags: .nonBindable,
                                                          hooks: DeviceHooks(release: { _ = registers })),
                                    facts: ["virtio device \(info.deviceID)"])
        }
    }
}
