// The driver index of a booted system: every boot driver with its library path (as `dm dump`
// shows it) and its bind rules in the Fuchsia bind language, matching the properties the buses
// publish (fuchsia.BIND_PROTOCOL, PCI vendor/device/class, platform-device and device-tree
// compatible, USB class). First match in index order wins, as in the coordinator.
//
// Fuchsia counterpart: each driver's BUILD.gn `driver_bind_rules` (e1000.bind, bochs-vbe.bind,
// ahci.bind, xhci.bind, usb-hid.bind, pl011.bind, ...) and the boot driver list of the
// coordinator (/boot/driver/*.so).

import DriverFramework

enum DriverCatalog {
    static func registrations(_ context: BootContext) -> [DriverRegistration] {
        func entry(_ name: String, _ library: String, _ rules: String,
                   _ make: @escaping @Sendable () -> any Driver) -> DriverRegistration {
            DriverRegistration(name: name, library: "/boot/driver/\(library)", bindRules: rules, make: make)
        }
        let pciDevice = "fuchsia.BIND_PROTOCOL == \(ProtocolId.pci.rawValue);\n"
        let platformDevice = "using fuchsia.devicetree;\nfuchsia.BIND_PROTOCOL == \(ProtocolId.platformDevice.rawValue);\n"
        let misc = "fuchsia.BIND_PROTOCOL == \(ProtocolId.miscParent.rawValue);"
        var list: [DriverRegistration] = [
            entry("builtin", "builtin.so", "fuchsia.BIND_PROTOCOL == \(ProtocolId.root.rawValue);") {
                DeviceDrivers.builtins(context)
            },
            entry("console", "console.so", misc) { DeviceDrivers.single(context, "console", .console) },
            entry("dmctl", "dmctl.so", misc) { DeviceDrivers.single(context, "dmctl", .device) },
            entry("pty", "pty.so", misc) { DeviceDrivers.single(context, "ptmx", .device) },
        ]
        if context.isArm {
            list.append(entry("platform-bus", "platform-bus.so", "fuchsia.BIND_PROTOCOL == \(ProtocolId.sys.rawValue);") {
                PlatformBoardDriver(context: context)
            })
        } else {
            list.append(entry("pc-ps2", "pc-ps2.so", misc) { InputDrivers.i8042(context) })
            list.append(entry("bus-acpi", "bus-acpi.so", "fuchsia.BIND_PROTOCOL == \(ProtocolId.sys.rawValue);") {
                X86BoardDriver(context: context)
            })
        }
        list += [
            entry("hid", "hid.so", "fuchsia.BIND_PROTOCOL == \(ProtocolId.hidbus.rawValue);") { DeviceDrivers.hid(context) },
            entry("bus-pci", "bus-pci.so", "fuchsia.BIND_PROTOCOL == \(ProtocolId.pciRoot.rawValue);") {
                PciBusDriver(context: context)
            },
            entry("bochs_vbe", "bochs-vbe.so", pciDevice + """
                fuchsia.BIND_PCI_VID == 0x1234;
                fuchsia.BIND_PCI_DID == 0x1111;
                """) { DeviceDrivers.bochsVbe(context) },
            entry("framebuffer", "framebuffer.so", "fuchsia.BIND_PROTOCOL == \(ProtocolId.displayController.rawValue);") {
                DeviceDrivers.framebuffer(context)
            },
            entry("e1000", "e1000.so", pciDevice + """
                fuchsia.BIND_PCI_VID == 0x8086;
                accept fuchsia.BIND_PCI_DID { 0x100e, 0x100f, 0x10d3 }
                """) { DeviceDrivers.e1000(context) },
            entry("ethernet", "ethernet.so", "fuchsia.BIND_PROTOCOL == \(ProtocolId.ethernetImpl.rawValue);") {
                DeviceDrivers.ethernet(context)
            },
            entry("ahci", "ahci.so", pciDevice + """
                fuchsia.BIND_PCI_CLASS == 0x01;
                fuchsia.BIND_PCI_SUBCLASS == 0x06;
                fuchsia.BIND_PCI_INTERFACE == 0x01;
                """) { DeviceDrivers.ahci(context) },
            entry("xhci", "xhci.so", pciDevice + """
                fuchsia.BIND_PCI_CLASS == 0x0c;
                fuchsia.BIND_PCI_SUBCLASS == 0x03;
                fuchsia.BIND_PCI_INTERFACE == 0x30;
                """) { InputDrivers.xhci(context) },
            entry("usb-hid", "usb-hid.so", """
                fuchsia.BIND_PROTOCOL == \(ProtocolId.usb.rawValue);
                fuchsia.BIND_USB_CLASS == 0x03;
                """) { InputDrivers.usbHid(context) },
        ]
        if context.isArm {
            list += [
                entry("pl011", "pl011.so", platformDevice + "fuchsia.devicetree.FIRST_COMPATIBLE == \"arm,pl011\";") {
                    PlatformDrivers.pl011(context)
                },
                entry("pl031-rtc", "pl031-rtc.so", platformDevice + "fuchsia.devicetree.FIRST_COMPATIBLE == \"arm,pl031\";") {
                    PlatformDrivers.pl031(context)
                },
                entry("virtio", "virtio.so", platformDevice + "fuchsia.devicetree.FIRST_COMPATIBLE == \"virtio,mmio\";") {
                    PlatformDrivers.virtio(context)
                },
            ]
        }
        return list
    }
}
