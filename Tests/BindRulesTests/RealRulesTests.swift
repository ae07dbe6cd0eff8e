// Real rules from the Fuchsia tree against the property sets QEMU's devices get from the PCI,
// platform, ACPI and USB buses: each binds where it does in Fuchsia and nowhere else.

import Testing
import BindRules

@Suite struct RealRulesTests {
    static let pciDevices: [(name: String, properties: DeviceProperties)] = [
        ("ich9Ahci", Devices.ich9Ahci), ("e1000", Devices.e1000), ("bochsVga", Devices.bochsVga),
        ("qemuXhci", Devices.qemuXhci), ("virtioNetTransitional", Devices.virtioNetTransitional),
        ("virtioInput", Devices.virtioInput), ("rtl8111", Devices.rtl8111), ("rtl8139", Devices.rtl8139),
    ]

    /// Which of the PCI functions each PCI driver takes.
    static let expectedPci: [(rules: String, matches: Set<String>)] = [
        (RealRules.ahci, ["ich9Ahci"]),
        (RealRules.e1000, ["e1000"]),
        (RealRules.realtek8111, ["rtl8111"]),
        (RealRules.simpleBochs, ["bochsVga"]),
        (RealRules.xhci, ["qemuXhci"]),
        (RealRules.virtioNet, ["virtioNetTransitional"]),
        (RealRules.i8042, []),
        (RealRules.usbHid, []),
        (RealRules.pl031, []),
    ]

    @Test(arguments: RealRules.all.map(\.name))
    func everyRealRuleCompiles(_ name: String) throws {
        let source = try #require(RealRules.all.first { $0.name == name }).source
        let program = try BindProgram.compile(source)
        #expect(program.source == source)
    }

    @Test(arguments: 0..<expectedPci.count)
    func pciDriversBindTheirFunctionsOnly(_ index: Int) throws {
        let (rules, expected) = Self.expectedPci[index]
        let program = try BindProgram.compile(rules)
        for (name, properties) in Self.pciDevices {
            #expect(program.matches(properties) == expected.contains(name), "\(name): \(program.evaluate(properties))")
        }
    }

    @Test func ahciNeedsTheAhciInterfaceNotJustSata() throws {
        let program = try BindProgram.compile(RealRules.ahci)
        var ide = Devices.ich9Ahci
        ide[.pciInterface] = .int(0x00)
        #expect(program.evaluate(ide) == .noMatch(line: 8, reason: "fuchsia.BIND_PCI_INTERFACE is 0x0, needs == 0x1"))
    }

    @Test func e1000TakesEveryListedDeviceId() throws {
        let program = try BindProgram.compile(RealRules.e1000)
        for did: UInt32 in [0x100e, 0x15a3, 0x1570, 0x1533, 0x15b7, 0x15b8, 0x15d8] {
            var nic = Devices.e1000
            nic[.pciDevice] = .int(did)
            #expect(program.matches(nic))
        }
        var other = Devices.e1000
        other[.pciDevice] = .int(0x10d3)
        #expect(program.evaluate(other) == .noMatch(line: 5, reason:
            "fuchsia.BIND_PCI_DID is 0x10d3, not one of {0x100e, 0x15a3, 0x1570, 0x1533, 0x15b7, 0x15b8, 0x15d8}"))
    }

    @Test func bochsNeedsTheFidlProtocolAndCompositeFragment() throws {
        let program = try BindProgram.compile(RealRules.simpleBochs)
        let plain = Devices.pci(vendor: 0x1234, device: 0x1111, classCode: 3, subclass: 0, interface: 0, slot: 1, composite: false)
        #expect(program.evaluate(plain) == .noMatch(line: 3, reason: "fuchsia.BIND_FIDL_PROTOCOL is missing, needs == 0x4"))
        #expect(program.matches(Devices.bochsVga))
    }

    @Test func i8042TakesTheKeyboardByHidOrFirstCid() throws {
        let program = try BindProgram.compile(RealRules.i8042)
        #expect(program.matches(Devices.acpi(hid: "PNP0303")))
        #expect(program.matches(Devices.acpi(hid: "QEMU0001", firstCid: "PNP0303")))
        #expect(!program.matches(Devices.acpi(hid: "PNP0F13")))
        #expect(!program.matches(Devices.acpi(hid: "PNP0501", firstCid: "PNP0500")))
        #expect(program.evaluate(Devices.acpi(hid: nil)) == .noMatch(line: 8, reason:
            "fuchsia.acpi.first_cid is missing, needs == \"PNP0303\""))
        var notFragment = Devices.acpi(hid: "PNP0303")
        notFragment[.composite] = nil
        #expect(!program.matches(notFragment))
    }

    @Test func pl031TakesOnlyTheGenericRtcPlatformDevice() throws {
        let program = try BindProgram.compile(RealRules.pl031)
        #expect(program.matches(Devices.platform(vendor: 0, product: 0, device: 0x06)))
        #expect(!program.matches(Devices.platform(vendor: 0, product: 0, device: 0x1f)))
        #expect(!program.matches(Devices.platform(vendor: 1, product: 0, device: 0x06)))
        #expect(!program.matches(Devices.acpi(hid: "PNP0B00")))
    }

    @Test func xhciTakesThePlatformDeviceThroughTheElseBranch() throws {
        let program = try BindProgram.compile(RealRules.xhci)
        #expect(program.matches(Devices.platform(vendor: 0, product: 0, device: 0x1f)))
        #expect(program.matches(Devices.platform(vendor: 0, product: 0, device: 0x02)))
        #expect(!program.matches(Devices.platform(vendor: 0, product: 0, device: 0x06)))
        var notFragment = Devices.qemuXhci
        notFragment[.composite] = nil
        #expect(!program.matches(notFragment))
    }

    @Test func usbHidTakesHidInterfacesOnly() throws {
        let program = try BindProgram.compile(RealRules.usbHid)
        let keyboard = Devices.usbInterface(vendor: 0x0627, product: 0x0001, classCode: 0x03, subclass: 0x01, protocol: 0x01)
        let storage = Devices.usbInterface(vendor: 0x46f4, product: 0x0001, classCode: 0x08, subclass: 0x06, protocol: 0x50)
        #expect(program.matches(keyboard))
        #expect(!program.matches(storage))
        var wholeDevice = keyboard
        wholeDevice[.bindProtocol] = Devices.value("fuchsia.usb.BIND_PROTOCOL.DEVICE")
        #expect(!program.matches(wholeDevice))
    }

    @Test func uart16550MatchesThePackedLegacyHid() throws {
        let program = try BindProgram.compile(RealRules.uart16550)
        let com1 = DeviceProperties(legacy: [(0x0001, 30), (0x0400, 0x504e_5030), (0x0401, 0x3530_3100)])
        #expect(program.matches(com1))
        let keyboard = DeviceProperties(legacy: [(0x0001, 30), (0x0400, 0x504e_5030), (0x0401, 0x3330_3300)])
        #expect(!program.matches(keyboard))
    }

    @Test func gizmoFollowsItsBranches() throws {
        let program = try BindProgram.compile(RealRules.gizmo)
        let usbDevice = Devices.value("fuchsia.usb.BIND_PROTOCOL.DEVICE")
        func device(_ vid: UInt32, _ classCode: UInt32) -> DeviceProperties {
            [.bindProtocol: usbDevice, .usbVendor: .int(vid), .usbClass: .int(classCode)]
        }
        #expect(program.matches(device(0x8087, 0x01)))
        #expect(!program.matches(device(0x8087, 0x02)))
        #expect(program.matches(device(0x0bda, 0x02)))
        #expect(program.matches(device(0x0bda, 0x0e)))
        #expect(!program.matches(device(0x0bda, 0x01)))
        #expect(program.evaluate(device(0x18d1, 0x01)) == .noMatch(line: 17, reason: "the rules say false"))
    }

    @Test func virtioInputIsACompositeWithAnOptionalAcpiNode() throws {
        let program = try BindProgram.compile(RealRules.virtioInput)
        #expect(program.name == "virtio_input")
        #expect(program.isComposite)
        #expect(program.libraries == ["fuchsia.acpi", "fuchsia.hardware.pci", "fuchsia.pci"])
        #expect(program.nodes.map(\.name) == ["pci", "acpi"])
        #expect(program.nodes.map(\.kind) == [.primary, .optional])

        var pciNode = Devices.virtioInput
        pciNode[BindKey("fuchsia.hardware.pci.Service")] = .enumValue("fuchsia.hardware.pci.Service.ZirconTransport")
        #expect(program.matches(pciNode))
        #expect(!program.matches(Devices.virtioInput))
        #expect(program.nodes[1].matches(Devices.acpi(hid: "PNP0303")))
        #expect(!program.nodes[1].matches(pciNode))
    }

    @Test func intelI2cCompositeMatchesTheDocsPropertyDump() throws {
        let program = try BindProgram.compile(RealRules.intelI2c)
        var pci = Devices.pci(vendor: 0x8086, device: 0x9d62, classCode: 0x0c, subclass: 0x80, interface: 0, slot: 0x15)
        pci[BindKey("fuchsia.driver.framework.dfv2")] = .bool(true)
        let acpi: DeviceProperties = [
            "fuchsia.driver.framework.dfv2": .bool(true), "fuchsia.BIND_ACPI_ID": .int(0x34),
            .pciTopology: .int(0xaa), "fuchsia.BIND_ACPI_BUS_TYPE": .int(1),
        ]
        #expect(program.nodes[0].matches(pci))
        #expect(program.nodes[1].matches(acpi))
        #expect(!program.nodes[1].matches(pci))
        var dfv1 = pci
        dfv1[BindKey("fuchsia.driver.framework.dfv2")] = .bool(false)
        #expect(!program.matches(dfv1))
    }
}
