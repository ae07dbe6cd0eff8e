// StandardLibraries: the bind libraries Zirconia's drivers and buses use, written in the bind
// library language and parsed once. Values are those of the snapshot in the research notes
// (driver-model.md §3.4), filled out from the same era's `src/devices/bind/<lib>/<lib>.bind`
// (protocol ids from one protodefs snapshot: pci 0x1f, acpi 0x1e, hid 0x16/0x17, usb 0x22…,
// platform 84/85). The ACPI string keys are spelled `hid` / `first_cid` as the notes' i8042 rule has
// them (later snapshots renamed them `HID` / `FIRST_CID`). `fuchsia.hardware.pci.Service` is the
// enum that FIDL-generated bind libraries declare for a service.
// Fuchsia counterpart: src/devices/bind/fuchsia.*/fuchsia.*.bind.

extension BindLibrary {
    /// The built-in `fuchsia` library: the legacy keys of `LegacyKeys`, all `uint`, always in
    /// scope in rules (no `using` needed).
    public static let fuchsia = BindLibrary(
        name: "fuchsia", dependencies: [],
        declarations: LegacyKeys.all.map { key in
            Declaration(key: "fuchsia." + key.name, type: .uint, extends: false, values: [], line: 1, column: 1)
        },
        isBuiltin: true)

    /// `fuchsia` plus every library in `StandardLibraries.sources`.
    public static let standard: [BindLibrary] =
        [fuchsia] + StandardLibraries.sources.compactMap { source in try? BindLibrary.parse(source) }
}

/// The sources behind `BindLibrary.standard`.
public enum StandardLibraries {
    public static let sources: [String] = [
        pci, pciMassStorage, pciNetwork, pciSerial, pciSerialUsb, hardwarePci, intelPci,
        platform, googlePlatform, acpi, usb, hid, driverFramework, devicetree,
    ]

    static let pci = """
        library fuchsia.pci;

        extend uint fuchsia.BIND_PROTOCOL { DEVICE = 0x1f, ROOT = 0x20 };
        extend uint fuchsia.BIND_FIDL_PROTOCOL { DEVICE = 4 };

        extend uint fuchsia.BIND_PCI_VID {
          TEST = 0x0eff, AMD = 0x1002, NVIDIA = 0x10de, REALTEK = 0x10ec, BROADCOM = 0x14e4,
          ATHEROS = 0x168c, GOOGLE = 0x1ae0, VIRTIO = 0x1af4, INTEL = 0x8086,
        };

        extend uint fuchsia.BIND_PCI_DID {
          TEST = 0x0fff,
          // virtio 1.0 (modern) device ids: 0x1040 + device type.
          VIRTIO_DEV_TYPE_NETWORK = 0x1041, VIRTIO_DEV_TYPE_BLOCK = 0x1042,
          VIRTIO_DEV_TYPE_CONSOLE = 0x1043, VIRTIO_DEV_TYPE_ENTROPY = 0x1044,
          VIRTIO_DEV_TYPE_SCSI = 0x1048, VIRTIO_DEV_TYPE_BALLOON = 0x104d,
          VIRTIO_DEV_TYPE_GPU = 0x1050, VIRTIO_DEV_TYPE_INPUT = 0x1052, VIRTIO_DEV_TYPE_SOCKET = 0x1053,
          // virtio 0.9 (transitional) device ids.
          VIRTIO_DEV_TYPE_T_NETWORK = 0x1000, VIRTIO_DEV_TYPE_T_BLOCK = 0x1001,
          VIRTIO_DEV_TYPE_T_BALLOON = 0x1002, VIRTIO_DEV_TYPE_T_CONSOLE = 0x1003,
          VIRTIO_DEV_TYPE_T_SCSI_HOST = 0x1004, VIRTIO_DEV_TYPE_T_ENTROPY = 0x1005,
          VIRTIO_DEV_TYPE_T_9P = 0x1009,
          RTL8111 = 0x8168, INTEL_SPT_SPI0 = 0x9d29, GOOGLE_GRAPHICS_ADAPTER = 0xa002,
        };

        extend uint fuchsia.BIND_PCI_CLASS {
          UNCLASSIFIED = 0x00, MASS_STORAGE = 0x01, NETWORK = 0x02, DISPLAY = 0x03, MULTIMEDIA = 0x04,
          MEMORY_CONTROLLER = 0x05, BRIDGE = 0x06, COMMUNICATION_CONTROLLER = 0x07,
          GENERIC_SYSTEM_PERIPHERAL = 0x08, INPUT_DEVICE_CONTROLLER = 0x09, DOCKING_STATION = 0x0a,
          PROCESSOR = 0x0b, SERIAL_BUS_CONTROLLER = 0x0c, WIRELESS_CONTROLLER = 0x0d,
          INTELLIGENT_CONTROLLER = 0x0e, SATELLITE_COMMUNICATIONS_CONTROLLER = 0x0f,
          ENCRYPTION_CONTROLLER = 0x10, SIGNAL_PROCESSING_CONTROLLER = 0x11,
          PROCESSING_ACCELERATORS = 0x12, NONESSENTIAL_INSTRUMENTATION = 0x13, COPROCESSOR = 0x40,
          UNASSIGNED = 0xff,
        };
        """

    static let pciMassStorage = """
        library fuchsia.pci.mass_storage;

        extend uint fuchsia.BIND_PCI_SUBCLASS {
          SCSI = 0x00, IDE = 0x01, FLOPPY_DISK = 0x02, IPI_BUS = 0x03, RAID_BUS = 0x04, ATA = 0x05,
          SATA = 0x06, SERIAL_SCSI = 0x07, NVMEM = 0x08, MASS_STORAGE = 0x80,
        };
        """

    static let pciNetwork = """
        library fuchsia.pci.network;

        extend uint fuchsia.BIND_PCI_SUBCLASS {
          ETHERNET = 0x00, TOKEN_RING = 0x01, FDDI = 0x02, ATM = 0x03, ISDN = 0x04, WORLDFIP = 0x05,
          PICMG = 0x06, INFINIBAND = 0x07, FABRIC = 0x08, NETWORK = 0x80,
        };
        """

    static let pciSerial = """
        library fuchsia.pci.serial;

        extend uint fuchsia.BIND_PCI_SUBCLASS {
          IEEE_1394 = 0x00, ACCESS = 0x01, SSA = 0x02, USB = 0x03, FIBER_CHANNEL = 0x04, SMBUS = 0x05,
          INFINIBAND = 0x06, IPMI = 0x07, SERCOS = 0x08, CAN = 0x09, MIPI_I3C = 0x0a, OTHER = 0x80,
        };
        """

    static let pciSerialUsb = """
        library fuchsia.pci.serial.usb;

        extend uint fuchsia.BIND_PCI_INTERFACE {
          UHCI = 0x00, OHCI = 0x10, EHCI = 0x20, XHCI = 0x30, OTHER = 0x80, DEVICE = 0xfe,
        };
        """

    static let hardwarePci = """
        library fuchsia.hardware.pci;

        // The service a PCI node offers, as FIDL-generated bind libraries declare it.
        enum Service { ZirconTransport, DriverTransport };
        """

    static let intelPci = """
        library fuchsia.intel.pci;

        extend uint fuchsia.BIND_PCI_DID {
          WILDCAT_POINT_SERIALIO_DMA = 0x9ce0, WILDCAT_POINT_SERIALIO_I2C0 = 0x9ce1,
          WILDCAT_POINT_SERIALIO_I2C1 = 0x9ce2, WILDCAT_POINT_SERIALIO_UART0 = 0x9ce3,
          WILDCAT_POINT_SERIALIO_UART1 = 0x9ce4, WILDCAT_POINT_SERIALIO_SPI0 = 0x9ce5,
          WILDCAT_POINT_SERIALIO_SPI1 = 0x9ce6, WILDCAT_POINT_SERIALIO_SDIO = 0x9cb5,
          SUNRISE_POINT_SERIALIO_I2C0 = 0x9d60, SUNRISE_POINT_SERIALIO_I2C1 = 0x9d61,
          SUNRISE_POINT_SERIALIO_I2C2 = 0x9d62, SUNRISE_POINT_SERIALIO_I2C3 = 0x9d63,
          SUNRISE_POINT_SERIALIO_I2C4 = 0x9d64,
        };
        """

    static let platform = """
        library fuchsia.platform;

        extend uint fuchsia.BIND_PROTOCOL { BUS = 84, DEVICE = 85 };

        extend uint fuchsia.BIND_PLATFORM_DEV_VID { GENERIC = 0, QEMU = 1, DESIGNWARE = 12, MEDIATEK = 13 };
        extend uint fuchsia.BIND_PLATFORM_DEV_PID { GENERIC = 0, QEMU = 1 };

        extend uint fuchsia.BIND_PLATFORM_DEV_DID {
          KPCI = 0x03, USB_DWC2 = 0x05, RTC_PL031 = 0x06, GPIO_TEST = 0x08, OPTEE = 0x0e,
          ETH_MAC = 0x10, HID_BUTTONS = 0x13, FAKE_DISPLAY = 0x16, FOCALTOUCH = 0x17,
          GPIO_LIGHT = 0x1c, CPU_TRACE = 0x1d, XHCI = 0x1f, SSD1306 = 0x20, OT_RADIO = 0x23,
          POWER_DOMAIN_COMPOSITE = 0x27, PWM_VREG = 0x2b, FUSB302 = 0x2c, RAM_DISK = 0x2d,
          RAM_NAND = 0x2e, VIRTUAL_AUDIO = 0x2f, BT_HCI_EMULATOR = 0x30, POWER_CORE = 0x31,
        };
        """

    static let googlePlatform = """
        library fuchsia.google.platform;

        extend uint fuchsia.BIND_PLATFORM_DEV_VID { GOOGLE = 3 };

        extend uint fuchsia.BIND_PLATFORM_DEV_PID {
          GAUSS = 0x01, MACHINA = 0x02, ASTRO = 0x03, SHERLOCK = 0x05, CLEO = 0x06, EAGLE = 0x07,
          VISALIA = 0x08, C18 = 0x09, NELSON = 0x0a, VS680_EVK = 0x0b, LUIS = 0x0c, GOLDFISH = 0x0d,
        };

        extend uint fuchsia.BIND_PLATFORM_DEV_DID {
          GAUSS_AUDIO_IN = 0x01, GAUSS_AUDIO_OUT = 0x02, GAUSS_I2C_TEST = 0x03, GAUSS_LED = 0x04,
          ASTRO_GOODIXTOUCH = 0x05, GOOGLE_AMLOGIC_CPU = 0x06, GOLDFISH_CONTROL = 0x07,
        };
        """

    static let acpi = """
        library fuchsia.acpi;

        extend uint fuchsia.BIND_PROTOCOL { DEVICE = 30 };
        extend uint fuchsia.BIND_ACPI_BUS_TYPE { PCI = 1, SPI = 2, I2C = 3, UNKNOWN = 0xff };

        // The device's ACPI _HID, and the first of its _CIDs (e.g. "PNP0303").
        string hid;
        string first_cid;
        """

    static let usb = """
        library fuchsia.usb;

        // BIND_PROTOCOL.DEVICE is a whole device (ZX_PROTOCOL_USB_DEVICE); INTERFACE one interface.
        extend uint fuchsia.BIND_PROTOCOL {
          DEVICE = 0x22, BUS = 0x23, COMPOSITE = 0x24, DCI = 0x25, INTERFACE = 0x26, PERIPHERAL = 0x27,
          FUNCTION = 0x28, HCI = 0x2a, INTERFACE_ASSOCIATION = 0xa6,
        };

        extend uint fuchsia.BIND_USB_VID {
          FTDI = 0x0403, CYPRESS = 0x04b4, ASIX = 0x0b95, REALTEK = 0x0bda, ATHEROS = 0x0cf3,
          SIERRA = 0x1199, RALINK = 0x148f, GOOGLE = 0x18d1, INTEL = 0x8087,
        };

        extend uint fuchsia.BIND_USB_PID {
          AX88179 = 0x1790, FTDI232R = 0x6001, FTDI2232 = 0x6010, FTDI232H = 0x6014,
          ASIX = 0x772b, HARRIET = 0x9302,
        };

        // usb.org class codes. CDC_DATA is 0x0a (one snapshot's library had it as 0x10).
        extend uint fuchsia.BIND_USB_CLASS {
          AUDIO = 0x01, COMM = 0x02, HID = 0x03, PHYSICAL = 0x05, IMAGE = 0x06, PRINTER = 0x07,
          MASS_STORAGE = 0x08, HUB = 0x09, CDC_DATA = 0x0a, SMART_CARD = 0x0b, CONTENT_SECURITY = 0x0d,
          VIDEO = 0x0e, PERSONAL_HEALTHCARE = 0x0f, AUDIO_VIDEO = 0x10, BILLBOARD = 0x11,
          USB_C_BRIDGE = 0x12, DIAGNOSTIC = 0xdc, WIRELESS = 0xe0, MISC = 0xef,
          APPLICATION_SPECIFIC = 0xfe, VENDOR_SPECIFIC = 0xff,
        };

        extend uint fuchsia.BIND_USB_SUBCLASS { VENDOR_SPECIFIC = 0xff };
        extend uint fuchsia.BIND_USB_PROTOCOL { TEST_FTDI = 0x01 };
        """

    static let hid = """
        library fuchsia.hid;

        extend uint fuchsia.BIND_PROTOCOL { BUS = 0x16, DEVICE = 0x17 };

        // Usage pages / page+usage pairs present in a HID descriptor.
        bool CONSUMER__CONSUMER_CONTROL;
        bool DIGITIZER__TOUCH_PAD;
        bool DIGITIZER__TOUCH_SCREEN;
        bool DIGITIZER__TOUCH_SCREEN_CONFIGURATION;
        bool GENERIC_DESKTOP__KEYBOARD;
        bool GENERIC_DESKTOP__MOUSE;
        bool FIDO_ALLIANCE;
        bool SENSOR;
        """

    static let driverFramework = """
        library fuchsia.driver.framework;

        // True when the system runs DFv2.
        bool dfv2;
        """

    static let devicetree = """
        library fuchsia.devicetree;

        // The first string of the node's `compatible` property (e.g. "arm,pl011").
        string FIRST_COMPATIBLE;
        """
}
