// The standard libraries and the legacy key table agree with the research notes (§3.3, §3.4), and
// library sources and library sets are validated with positioned errors.

import Testing
@testable import BindRules

@Suite struct LibraryTests {
    @Test func everyStandardLibraryParses() throws {
        for source in StandardLibraries.sources {
            _ = try BindLibrary.parse(source)
        }
        #expect(BindLibrary.standard.count == StandardLibraries.sources.count + 1)
        let names = BindLibrary.standard.map(\.name)
        #expect(Set(names).count == names.count)
        for required in ["fuchsia", "fuchsia.pci", "fuchsia.pci.mass_storage", "fuchsia.platform", "fuchsia.acpi",
                         "fuchsia.usb", "fuchsia.hid", "fuchsia.intel.pci", "fuchsia.google.platform"] {
            #expect(names.contains(required), "\(required)")
        }
    }

    @Test func allStandardLibrariesTogetherFormOneSymbolTable() throws {
        let usings = BindLibrary.standard.map { "using \($0.name);" }.joined(separator: "\n")
        _ = try BindProgram.compile(usings + "\ntrue;")
    }

    @Test(arguments: [
        ("BIND_FLAGS", 0x0000), ("BIND_PROTOCOL", 0x0001), ("BIND_AUTOBIND", 0x0002), ("BIND_COMPOSITE", 0x0003),
        ("BIND_FIDL_PROTOCOL", 0x0004), ("BIND_PCI_VID", 0x0100), ("BIND_PCI_DID", 0x0101), ("BIND_PCI_CLASS", 0x0102),
        ("BIND_PCI_SUBCLASS", 0x0103), ("BIND_PCI_INTERFACE", 0x0104), ("BIND_PCI_REVISION", 0x0105),
        ("BIND_PCI_COMPONENT", 0x0106), ("BIND_PCI_TOPO", 0x0107), ("BIND_USB_VID", 0x0200), ("BIND_USB_PROTOCOL", 0x0204),
        ("BIND_PLATFORM_DEV_VID", 0x0300), ("BIND_PLATFORM_DEV_PID", 0x0301), ("BIND_PLATFORM_DEV_DID", 0x0302),
        ("BIND_PLATFORM_PROTO", 0x0303), ("BIND_PLATFORM_DEV_INSTANCE_ID", 0x0304), ("BIND_ACPI_HID_0_3", 0x0400),
        ("BIND_ACPI_HID_4_7", 0x0401), ("BIND_ACPI_CID_0_3", 0x0402), ("BIND_ACPI_CID_4_7", 0x0403),
        ("BIND_IHDA_CODEC_VID", 0x0500), ("BIND_IHDA_CODEC_VENDOR_STEP", 0x0505), ("BIND_SERIAL_CLASS", 0x0600),
        ("BIND_SERIAL_PID", 0x0602), ("BIND_I2C_CLASS", 0x0A00), ("BIND_I2C_DID", 0x0A04), ("BIND_GPIO_PIN", 0x0A10),
        ("BIND_CLOCK_ID", 0x0A30), ("BIND_SPI_CLASS", 0x0A40), ("BIND_SPI_CHIP_SELECT", 0x0A42), ("BIND_PWM_ID", 0x0A50),
        ("BIND_INIT_STEP", 0x0A60), ("BIND_CODEC_INSTANCE", 0x0A70), ("BIND_REGISTER_ID", 0x0A80),
    ] as [(String, UInt32)])
    func legacyKeysHaveTheNotesIds(_ name: String, _ id: UInt32) {
        let key = BindKey("fuchsia." + name)
        #expect(key.legacyId == id)
        #expect(BindKey(legacyId: id) == key)
        #expect(key.shortName == name)
    }

    @Test func sharedAcpiIdsPreferTheOlderNames() {
        #expect(BindKey("fuchsia.BIND_ACPI_BUS_TYPE").legacyId == 0x0400)
        #expect(BindKey(legacyId: 0x0400)?.name == "fuchsia.BIND_ACPI_HID_0_3")
        #expect(BindKey(legacyId: 0x7777) == nil)
        #expect(BindKey.acpiHid.legacyId == nil)
        #expect(DeviceProperties(legacy: [(0x7777, 5)])["fuchsia.BIND_0x7777"] == .int(5))
    }

    @Test(arguments: [
        ("fuchsia.pci.BIND_PROTOCOL.DEVICE", BindValue.int(31)),
        ("fuchsia.pci.BIND_FIDL_PROTOCOL.DEVICE", .int(4)),
        ("fuchsia.pci.BIND_PCI_VID.INTEL", .int(0x8086)), ("fuchsia.pci.BIND_PCI_VID.VIRTIO", .int(0x1af4)),
        ("fuchsia.pci.BIND_PCI_VID.REALTEK", .int(0x10ec)), ("fuchsia.pci.BIND_PCI_DID.VIRTIO_DEV_TYPE_NETWORK", .int(0x1041)),
        ("fuchsia.pci.BIND_PCI_DID.VIRTIO_DEV_TYPE_T_BLOCK", .int(0x1001)), ("fuchsia.pci.BIND_PCI_DID.VIRTIO_DEV_TYPE_INPUT", .int(0x1052)),
        ("fuchsia.pci.BIND_PCI_CLASS.MASS_STORAGE", .int(0x01)), ("fuchsia.pci.BIND_PCI_CLASS.SERIAL_BUS_CONTROLLER", .int(0x0c)),
        ("fuchsia.pci.mass_storage.BIND_PCI_SUBCLASS.SATA", .int(0x06)), ("fuchsia.pci.serial.BIND_PCI_SUBCLASS.USB", .int(0x03)),
        ("fuchsia.pci.serial.usb.BIND_PCI_INTERFACE.XHCI", .int(0x30)),
        ("fuchsia.platform.BIND_PROTOCOL.BUS", .int(84)), ("fuchsia.platform.BIND_PROTOCOL.DEVICE", .int(85)),
        ("fuchsia.platform.BIND_PLATFORM_DEV_VID.QEMU", .int(1)), ("fuchsia.platform.BIND_PLATFORM_DEV_VID.DESIGNWARE", .int(12)),
        ("fuchsia.platform.BIND_PLATFORM_DEV_DID.RTC_PL031", .int(0x06)), ("fuchsia.platform.BIND_PLATFORM_DEV_DID.ETH_MAC", .int(0x10)),
        ("fuchsia.platform.BIND_PLATFORM_DEV_DID.FAKE_DISPLAY", .int(0x16)),
        ("fuchsia.acpi.BIND_PROTOCOL.DEVICE", .int(30)), ("fuchsia.acpi.BIND_ACPI_BUS_TYPE.I2C", .int(3)),
        ("fuchsia.acpi.BIND_ACPI_BUS_TYPE.UNKNOWN", .int(0xff)),
        ("fuchsia.usb.BIND_USB_VID.GOOGLE", .int(0x18d1)), ("fuchsia.usb.BIND_USB_CLASS.HID", .int(0x03)),
        ("fuchsia.usb.BIND_USB_CLASS.CDC_DATA", .int(0x0a)), ("fuchsia.usb.BIND_USB_CLASS.VENDOR_SPECIFIC", .int(0xff)),
        ("fuchsia.intel.pci.BIND_PCI_DID.SUNRISE_POINT_SERIALIO_I2C2", .int(0x9d62)),
        ("fuchsia.google.platform.BIND_PLATFORM_DEV_VID.GOOGLE", .int(3)),
        ("fuchsia.hardware.pci.Service.ZirconTransport", .enumValue("fuchsia.hardware.pci.Service.ZirconTransport")),
    ] as [(String, BindValue)])
    func standardValuesMatchTheNotes(_ name: String, _ value: BindValue) {
        #expect(BindLibrary.value(named: name) == value)
    }

    @Test(arguments: [
        ("uint X { A = 1 };", 1, 1, "expected 'library' declaration, found 'uint'"),
        ("library a;\nuint X { A = \"s\" };", 2, 14, "value 'A' of a uint key must be a number, found \"s\""),
        ("library a;\nbool B { T = 1 };", 2, 14, "value 'T' of a bool key must be true or false, found '1'"),
        ("library a;\nextend uint B { X = 1 };", 2, 13, "cannot extend key 'B' with no namespace"),
        ("library a;\nuint x.y;", 2, 6, "cannot declare key 'x.y' with a namespace; did you mean 'extend'?"),
        ("library a;\nextend uint q.K { X = 1 };", 2, 13, "cannot resolve 'q' in 'q.K': no using declaration names it"),
        ("library a;\nenum E { A = 1 };", 2, 12, "enum value 'A' takes no '=' literal"),
        ("library a;\nenum E { A, B, A };", 2, 16, "duplicate value 'A' in 'a.E'"),
        ("library a;\nuint X { A = 1 B = 2 };", 2, 16, "expected ',' or '}' after value 'A', found 'B'"),
        ("library a;\nuint X { A = 1 }\nuint Y;", 2, 17, "expected ';' after declaration"),
        ("library a;\nfloat X;", 2, 1, "expected a type (uint, string, bool or enum), found 'float'"),
        ("library a;\nuint X { A 1 };", 2, 12, "expected '=' after value name 'A', found '1'"),
    ] as [(String, Int, Int, String)])
    func malformedLibrariesAreRejected(_ source: String, _ line: Int, _ column: Int, _ message: String) {
        #expect(throws: BindError(line: line, column: column, message: message)) {
            try BindLibrary.parse(source)
        }
    }

    @Test func libraryParsesEnumsWithoutTrailingCommaAndEmptyBraces() throws {
        let library = try BindLibrary.parse("library x.y; using a.b as c; enum E { P, Q }; uint U {};")
        #expect(library.name == "x.y" && library.dependencies == ["a.b"])
        #expect(library.declarations.map(\.key) == ["x.y.E", "x.y.U"])
        #expect(library.declarations[0].values.map(\.value) == [.enumValue("x.y.E.P"), .enumValue("x.y.E.Q")])
    }

    /// Problems that only show when libraries meet are reported at the `using` that imports them.
    @Test func inconsistentLibrarySetsAreRejectedAtTheirUsing() throws {
        let base = try BindLibrary.parse("library l.base; uint K { A = 1 };")
        let twice = try BindLibrary.parse("library l.twice; using l.base; extend string l.base.K { B = \"b\" };")
        let undeclared = try BindLibrary.parse("library l.undeclared; extend uint fuchsia.BIND_NOPE { A = 1 };")
        let missing = try BindLibrary.parse("library l.missing; using l.gone;")
        let cycleA = try BindLibrary.parse("library l.a; using l.b;")
        let cycleB = try BindLibrary.parse("library l.b; using l.a;")
        let all = [base, twice, undeclared, missing, cycleA, cycleB]
        let cases: [(String, BindError)] = [
            ("using l.base;\nusing l.twice;\ntrue;",
             BindError(line: 2, column: 7, message: "library 'l.twice' line 1: 'l.base.K' is a uint key but is extended as string")),
            ("using l.undeclared;\ntrue;",
             BindError(line: 1, column: 7, message: "library 'l.undeclared' line 1: extends 'fuchsia.BIND_NOPE', which no library declares")),
            ("using l.base;\nusing l.missing;\ntrue;",
             BindError(line: 2, column: 7, message: "library 'l.missing' uses 'l.gone', which is not available")),
            ("using l.a;\ntrue;",
             BindError(line: 1, column: 7, message: "circular dependency: library 'l.b' uses 'l.a', which uses it back")),
        ]
        for (source, expected) in cases {
            #expect(throws: expected) { try BindProgram.compile(source, libraries: all) }
        }
    }

    @Test func propertiesPrintInLegacyIdOrder() {
        let properties: DeviceProperties = [.acpiHid: .string("PNP0303"), .pciVendor: .int(0x8086), .bindProtocol: .int(0x1f)]
        #expect(properties.description == "{fuchsia.BIND_PROTOCOL: 0x1f, fuchsia.BIND_PCI_VID: 0x8086, fuchsia.acpi.hid: \"PNP0303\"}")
    }
}
