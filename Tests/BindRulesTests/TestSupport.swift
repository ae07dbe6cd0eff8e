// Shared test support: real bind rules (from the research notes' §3.5, as the Fuchsia tree spells
// them), the property sets the PCI, platform, ACPI and USB buses publish for QEMU's devices, and a
// seeded random generator for the property and fuzz tests.

import BindRules

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, deterministic, good enough for test input.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Real rules, by driver.
enum RealRules {
    static let ahci = """
        // src/devices/block/drivers/ahci/ahci.bind
        using fuchsia.pci;
        using fuchsia.pci.mass_storage;

        fuchsia.BIND_PROTOCOL == fuchsia.pci.BIND_PROTOCOL.DEVICE;
        fuchsia.BIND_PCI_CLASS ==  fuchsia.pci.BIND_PCI_CLASS.MASS_STORAGE;
        fuchsia.BIND_PCI_SUBCLASS ==  fuchsia.pci.mass_storage.BIND_PCI_SUBCLASS.SATA;
        fuchsia.BIND_PCI_INTERFACE ==  0x01;
        """

    /// e1000's DID list from the driver-binding docs, in the current language.
    static let e1000 = """
        using fuchsia.pci;

        fuchsia.BIND_PROTOCOL == fuchsia.pci.BIND_PROTOCOL.DEVICE;
        fuchsia.BIND_PCI_VID == fuchsia.pci.BIND_PCI_VID.INTEL;
        accept fuchsia.BIND_PCI_DID {
          0x100E, // QEMU 82540EM
          0x15A3, // Broadwell
          0x1570, // Skylake
          0x1533, // I210 standalone
          0x15B7, // Skull Canyon NUC
          0x15B8, // I219
          0x15D8, // Kaby Lake NUC
        }
        """

    static let realtek8111 = """
        using fuchsia.pci;

        fuchsia.BIND_PROTOCOL == fuchsia.pci.BIND_PROTOCOL.DEVICE;
        fuchsia.BIND_PCI_VID == fuchsia.pci.BIND_PCI_VID.REALTEK;
        fuchsia.BIND_PCI_DID == fuchsia.pci.BIND_PCI_DID.RTL8111;
        fuchsia.BIND_COMPOSITE == 1;
        """

    static let simpleBochs = """
        using fuchsia.pci;

        fuchsia.BIND_FIDL_PROTOCOL == fuchsia.pci.BIND_FIDL_PROTOCOL.DEVICE;

        // QEMU_GFX_VID
        fuchsia.BIND_PCI_VID == 0x1234;
        // QEMU_VGA_DID
        fuchsia.BIND_PCI_DID == 0x1111;
        fuchsia.BIND_COMPOSITE == 1;
        """

    static let i8042 = """
        using fuchsia.acpi;
        using fuchsia.driver.framework;

        fuchsia.BIND_COMPOSITE == 1;
        if fuchsia.acpi.hid == "PNP0303" {
            true;
        } else {
            fuchsia.acpi.first_cid == "PNP0303";
        }
        """

    static let pl031 = """
        using fuchsia.platform;

        fuchsia.BIND_PLATFORM_DEV_VID == fuchsia.platform.BIND_PLATFORM_DEV_VID.GENERIC;
        fuchsia.BIND_PLATFORM_DEV_PID == fuchsia.platform.BIND_PLATFORM_DEV_PID.GENERIC;
        fuchsia.BIND_PLATFORM_DEV_DID == fuchsia.platform.BIND_PLATFORM_DEV_DID.RTC_PL031;
        """

    static let usbHid = """
        using fuchsia.usb;

        fuchsia.BIND_PROTOCOL == fuchsia.usb.BIND_PROTOCOL.INTERFACE;
        fuchsia.BIND_USB_CLASS == fuchsia.usb.BIND_USB_CLASS.HID;
        """

    static let xhci = """
        using fuchsia.pci;
        using fuchsia.pci.serial;
        using fuchsia.pci.serial.usb;
        using fuchsia.platform;
        using fuchsia.driver.framework;

        if fuchsia.BIND_PROTOCOL == fuchsia.pci.BIND_PROTOCOL.DEVICE {
          // PCI binding support.
          fuchsia.BIND_PCI_CLASS == fuchsia.pci.BIND_PCI_CLASS.SERIAL_BUS_CONTROLLER;
          fuchsia.BIND_PCI_SUBCLASS == fuchsia.pci.serial.BIND_PCI_SUBCLASS.USB;
          fuchsia.BIND_PCI_INTERFACE == fuchsia.pci.serial.usb.BIND_PCI_INTERFACE.XHCI;
          fuchsia.BIND_COMPOSITE == 1;
        } else {
          // Platform bus support.
          fuchsia.BIND_PLATFORM_DEV_VID == fuchsia.platform.BIND_PLATFORM_DEV_VID.GENERIC;
          fuchsia.BIND_PLATFORM_DEV_PID == fuchsia.platform.BIND_PLATFORM_DEV_PID.GENERIC;
          accept fuchsia.BIND_PLATFORM_DEV_DID {
            fuchsia.platform.BIND_PLATFORM_DEV_DID.XHCI,
            0x02,  // Only relevant to vim2, needs to be cleaned up.
          }
        }
        """

    static let virtioNet = """
        using fuchsia.pci;
        using fuchsia.driver.framework;

        fuchsia.BIND_PROTOCOL == fuchsia.pci.BIND_PROTOCOL.DEVICE;
        fuchsia.BIND_PCI_VID == fuchsia.pci.BIND_PCI_VID.VIRTIO;
        accept fuchsia.BIND_PCI_DID {
          fuchsia.pci.BIND_PCI_DID.VIRTIO_DEV_TYPE_NETWORK,
          fuchsia.pci.BIND_PCI_DID.VIRTIO_DEV_TYPE_T_NETWORK,
        }
        fuchsia.BIND_COMPOSITE == 1;
        """

    static let virtioInput = """
        composite virtio_input;

        using fuchsia.acpi;
        using fuchsia.hardware.pci;
        using fuchsia.pci;

        primary node "pci" {
            fuchsia.hardware.pci.Service == fuchsia.hardware.pci.Service.ZirconTransport;
            fuchsia.BIND_PCI_VID == fuchsia.pci.BIND_PCI_VID.VIRTIO;
            fuchsia.BIND_PCI_DID == fuchsia.pci.BIND_PCI_DID.VIRTIO_DEV_TYPE_INPUT;
        }

        optional node "acpi" {
            fuchsia.BIND_PROTOCOL == fuchsia.acpi.BIND_PROTOCOL.DEVICE;
        }
        """

    /// The intel-i2c composite of the "bind rules from property dumps" docs.
    static let intelI2c = """
        composite intel_i2c;

        using fuchsia.driver.framework;
        using fuchsia.pci;
        using fuchsia.intel.pci;

        primary node "pci" {
            fuchsia.driver.framework.dfv2 == true;

            fuchsia.BIND_PROTOCOL == fuchsia.pci.BIND_PROTOCOL.DEVICE;
            fuchsia.BIND_PCI_VID == fuchsia.pci.BIND_PCI_VID.INTEL;
            accept fuchsia.BIND_PCI_DID {
                // For now we only add the DID for the touchpad.
                fuchsia.intel.pci.BIND_PCI_DID.SUNRISE_POINT_SERIALIO_I2C2,
            }
        }

        node "acpi" {
            fuchsia.driver.framework.dfv2 == true;

            fuchsia.BIND_ACPI_ID == 0x000034;
            fuchsia.BIND_PCI_TOPO == 0x0000aa;
            fuchsia.BIND_ACPI_BUS_TYPE == 0x000001;
        }
        """

    /// uart16550 on the legacy ACPI keys: _HID "PNP0501" split into two big-endian words.
    static let uart16550 = """
        using fuchsia.acpi;

        fuchsia.BIND_PROTOCOL == fuchsia.acpi.BIND_PROTOCOL.DEVICE;
        fuchsia.BIND_ACPI_HID_0_3 == 0x504e5030; // 'PNP0'
        fuchsia.BIND_ACPI_HID_4_7 == 0x35303100; // '501\\0'
        """

    /// The gizmo example of driver-binding.md, with its older `abort;` spelling.
    static let gizmo = """
        using fuchsia.usb;

        // The device must be a USB device.
        fuchsia.BIND_PROTOCOL == fuchsia.usb.BIND_PROTOCOL.DEVICE;

        if fuchsia.BIND_USB_VID == fuchsia.usb.BIND_USB_VID.INTEL {
          // If the device's vendor is Intel, the device class must be audio.
          fuchsia.BIND_USB_CLASS == fuchsia.usb.BIND_USB_CLASS.AUDIO;
        } else if fuchsia.BIND_USB_VID == fuchsia.usb.BIND_USB_VID.REALTEK {
          // If the device's vendor is Realtek, the device class must be one of the following values:
          accept fuchsia.BIND_USB_CLASS {
            fuchsia.usb.BIND_USB_CLASS.COMM,
            fuchsia.usb.BIND_USB_CLASS.VIDEO,
          }
        } else {
          // If the vendor is neither Intel or Realtek, do not bind.
          abort;
        }
        """

    static let all: [(name: String, source: String)] = [
        ("ahci", ahci), ("e1000", e1000), ("realtek8111", realtek8111), ("simpleBochs", simpleBochs),
        ("i8042", i8042), ("pl031", pl031), ("usbHid", usbHid), ("xhci", xhci), ("virtioNet", virtioNet),
        ("virtioInput", virtioInput), ("intelI2c", intelI2c), ("uart16550", uart16550), ("gizmo", gizmo),
    ]
}

/// Property sets as Fuchsia's buses publish them.
enum Devices {
    static func value(_ name: String) -> BindValue {
        BindLibrary.value(named: name) ?? .string("missing library value \(name)")
    }

    /// A PCI function as the DFv1 PCI bus driver publishes it (protocol, ids, class triple,
    /// revision, topology), optionally as a composite fragment and with the FIDL protocol.
    static func pci(
        vendor: UInt32, device: UInt32, classCode: UInt32, subclass: UInt32, interface: UInt32,
        bus: UInt32 = 0, slot: UInt32, composite: Bool = true
    ) -> DeviceProperties {
        var properties: DeviceProperties = [
            .bindProtocol: value("fuchsia.pci.BIND_PROTOCOL.DEVICE"),
            .pciVendor: .int(vendor), .pciDevice: .int(device), .pciClass: .int(classCode),
            .pciSubclass: .int(subclass), .pciInterface: .int(interface), .pciRevision: .int(0),
            .pciTopology: .int(bus << 8 | slot << 3),
        ]
        if composite {
            properties[.composite] = .int(1)
            properties[.fidlProtocol] = value("fuchsia.pci.BIND_FIDL_PROTOCOL.DEVICE")
        }
        return properties
    }

    // QEMU q35's functions.
    static let ich9Ahci = pci(vendor: 0x8086, device: 0x2922, classCode: 0x01, subclass: 0x06, interface: 0x01, slot: 0x1f)
    static let e1000 = pci(vendor: 0x8086, device: 0x100e, classCode: 0x02, subclass: 0x00, interface: 0x00, slot: 2)
    static let bochsVga = pci(vendor: 0x1234, device: 0x1111, classCode: 0x03, subclass: 0x00, interface: 0x00, slot: 1)
    static let qemuXhci = pci(vendor: 0x1b36, device: 0x000d, classCode: 0x0c, subclass: 0x03, interface: 0x30, slot: 4)
    static let virtioNetTransitional = pci(vendor: 0x1af4, device: 0x1000, classCode: 0x02, subclass: 0x00, interface: 0x00, slot: 3)
    static let virtioInput = pci(vendor: 0x1af4, device: 0x1052, classCode: 0x09, subclass: 0x80, interface: 0x00, slot: 5)
    static let rtl8111 = pci(vendor: 0x10ec, device: 0x8168, classCode: 0x02, subclass: 0x00, interface: 0x00, slot: 6)
    static let rtl8139 = pci(vendor: 0x10ec, device: 0x8139, classCode: 0x02, subclass: 0x00, interface: 0x00, slot: 7)

    /// A platform device as the platform bus publishes it.
    static func platform(vendor: UInt32, product: UInt32, device: UInt32) -> DeviceProperties {
        [.bindProtocol: value("fuchsia.platform.BIND_PROTOCOL.DEVICE"),
         .platformVendor: .int(vendor), .platformProduct: .int(product), .platformDevice: .int(device)]
    }

    /// An ACPI device node as the x86 ACPI bus publishes it (a composite fragment).
    static func acpi(hid: String?, firstCid: String? = nil) -> DeviceProperties {
        var properties: DeviceProperties = [.bindProtocol: value("fuchsia.acpi.BIND_PROTOCOL.DEVICE"), .composite: .int(1)]
        properties[.acpiHid] = hid.map(BindValue.string)
        properties[.acpiFirstCid] = firstCid.map(BindValue.string)
        return properties
    }

    /// One USB interface as usb-composite publishes it.
    static func usbInterface(vendor: UInt32, product: UInt32, classCode: UInt32, subclass: UInt32, protocol: UInt32) -> DeviceProperties {
        [.bindProtocol: value("fuchsia.usb.BIND_PROTOCOL.INTERFACE"), .usbVendor: .int(vendor),
         .usbProduct: .int(product), .usbClass: .int(classCode), .usbSubclass: .int(subclass),
         .usbProtocol: .int(`protocol`)]
    }
}
