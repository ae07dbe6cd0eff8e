// Machines from arbitrary device trees: QEMU's other virt dumps (GICv3 with 1 GiB, the secure
// variant with disabled nodes), hand-built trees, and the failures — malformed blobs, trees with
// nothing modelled, no memory, impossible maps — each with a message naming what and where.

import Testing
import Zirconia

private typealias Node = DeviceTreeBuilder.Node
private typealias Property = DeviceTreeBuilder.Property

@Suite struct DeviceTreeMachineTests {
    @Test func embeddedBlobAndFixtureBuildTheSameMachine() throws {
        let fromFixture = try Machine.fromDeviceTree(bytes: Fixture.bytes("qemu-virt-arm64.compact.dtb"),
                                                     options: MachineOptions(memorySize: 16 << 20))
        let builtIn = try Machine.qemuArm64(MachineOptions(memorySize: 16 << 20))
        #expect(fromFixture.description.physicalMap == builtIn.description.physicalMap)
        #expect(fromFixture.description.platformDevices == builtIn.description.platformDevices)
        #expect(builtIn.name == "qemu-arm64" && fromFixture.name == "devicetree")
    }

    @Test func gicv3DumpKeepsItsOneGibibyteAndBoots() throws {
        let machine = try Machine.fromDeviceTree(bytes: Fixture.bytes("qemu-virt-arm64-gicv3-smp2.compact.dtb"))
        #expect(machine.description.ram == PhysicalRange(base: 0x4000_0000, size: 1 << 30))
        #expect(machine.description.platformDevice("arm,pl011")?.interrupts.map(\.number) == [33])
        #expect(machine.description.unmodelledNodes.contains { $0.compatible.contains("arm,gic-v3") })
        let kernel = try machine.boot(seed: 9)
        #expect(kernel.machine.ramBase == 0x4000_0000)
        #expect(kernel.memoryStats.totalPages == (1 << 30) / 4096)
    }

    @Test func secureDumpListsDisabledNodes() throws {
        let machine = try Machine.fromDeviceTree(bytes: Fixture.bytes("qemu-virt-arm64-secure.compact.dtb"),
                                                 options: MachineOptions(memorySize: 16 << 20))
        #expect(machine.uarts.map(\.path) == ["/pl011@9000000"])
        let secureUart = try #require(machine.description.unmodelledNodes.first { $0.path == "/pl011@9040000" })
        #expect(secureUart.reason == "status disabled")
        #expect(machine.uart != nil && machine.console != nil)
    }

    @Test func handBuiltTreeWithTwoUartsBehindABus() throws {
        // A simple-bus at 0x1000_0000 translating child address 0 → 0x1000_0000, two PL011s
        // behind it, stdout naming the second.
        let uart: (String, UInt32) -> Node = { name, offset in
            Node(name, properties: [.strings("compatible", ["arm,pl011", "arm,primecell"]),
                                    .cells("reg", [offset, 0x1000])])
        }
        let tree = DeviceTreeBuilder(root: Node("", properties: [
            .string("compatible", "acme,board"), .u32("#address-cells", 1), .u32("#size-cells", 1),
        ], children: [
            Node("chosen", properties: [.string("stdout-path", "/soc@10000000/serial@1000")]),
            Node("memory@80000000", properties: [.string("device_type", "memory"), .cells("reg", [0x8000_0000, 0x100_0000])]),
            Node("soc@10000000", properties: [
                .string("compatible", "simple-bus"), .u32("#address-cells", 1), .u32("#size-cells", 1),
                .cells("ranges", [0, 0x1000_0000, 0x10_0000]),
            ], children: [uart("serial@0", 0), uart("serial@1000", 0x1000)]),
            Node("watchdog@20000000", properties: [.string("compatible", "acme,wdt"), .cells("reg", [0x2000_0000, 0x1000])]),
        ]))
        let machine = try Machine.fromDeviceTree(bytes: tree.build(), name: "acme")
        #expect(machine.description.ram == PhysicalRange(base: 0x8000_0000, size: 0x100_0000))
        #expect(machine.uarts.map(\.path) == ["/soc@10000000/serial@0", "/soc@10000000/serial@1000"])
        #expect(machine.description.physicalMap.filter { $0.kind == .device }.map(\.base) == [0x1000_0000, 0x1000_1000])
        #expect(machine.description.unmodelledNodes.map(\.path) == ["/soc@10000000", "/watchdog@20000000"])
        // The console is the stdout one.
        let booted = try BootedMachine(machine)
        let region = try #require(booted.machine.description.platformDevices.last?.mmio.first)
        let root = booted.root
        try booted.process.run { () throws in
            let regs = try mapMmio(region, root: root, name: "uart")
            try regs.write32(0x301, 0x30)
            for byte in "ok\n".utf8 { try regs.write32(UInt32(byte), 0) }
        }
        #expect(machine.console?.lines == ["ok"])
        #expect(machine.uarts.first?.console.lines == [])
    }

    @Test func malformedBlobsNameTheOffset() throws {
        var blob = QemuVirtBlob.bytes
        blob[0] = 0xD1
        #expect(throws: MachineError.self) { _ = try Machine.fromDeviceTree(bytes: blob) }
        do throws(MachineError) {
            _ = try Machine.fromDeviceTree(bytes: blob)
        } catch {
            guard case let .deviceTree(inner) = error, case .badMagic = inner.kind else {
                Issue.record("expected a bad-magic device-tree error, got \(error)")
                return
            }
            #expect(inner.offset == 0)
            #expect(error.description.contains("bad magic"))
        }
        do throws(MachineError) {
            _ = try Machine.fromDeviceTree(bytes: Array(QemuVirtBlob.bytes.prefix(20)))
            Issue.record("a truncated blob built a machine")
        } catch {
            #expect(error.description.contains("device tree: at byte 0x"))
        }
    }

    @Test func badRegOnAModelledNodeNamesTheNode() throws {
        let tree = DeviceTreeBuilder(root: Node("", properties: [.u32("#address-cells", 2), .u32("#size-cells", 2)], children: [
            Node("memory@40000000", properties: [.string("device_type", "memory"), .cells("reg", [0, 0x4000_0000, 0, 0x100_0000])]),
            Node("pl011@9000000", properties: [.string("compatible", "arm,pl011"), .cells("reg", [0, 0x0900_0000, 0])]),
        ]))
        let badReg = try tree.build()
        do throws(MachineError) {
            _ = try Machine.fromDeviceTree(bytes: badReg)
            Issue.record("a 3-cell reg with 2+2 cells per entry built a machine")
        } catch {
            guard case let .deviceTree(inner) = error else { Issue.record("unexpected \(error)"); return }
            #expect(inner.node == "/pl011@9000000")
            #expect(inner.property == "reg")
            #expect(inner.offset > 0)
        }
        let noReg = DeviceTreeBuilder(root: Node("", children: [
            Node("memory@40000000", properties: [.string("device_type", "memory"), .cells("reg", [0, 0x4000_0000, 0x100_0000])]),
            Node("rtc", properties: [.string("compatible", "arm,pl031")]),
        ]))
        let noRegBytes = try noReg.build()
        do throws(MachineError) {
            _ = try Machine.fromDeviceTree(bytes: noRegBytes)
            Issue.record("a PL031 without reg built a machine")
        } catch {
            guard case let .badNode(path, offset, _) = error else { Issue.record("unexpected \(error)"); return }
            #expect(path == "/rtc" && offset > 0)
        }
    }

    @Test func unknownTreesAndImpossibleMapsFailClearly() throws {
        let memory = Node("memory@40000000", properties: [.string("device_type", "memory"),
                                                          .cells("reg", [0, 0x4000_0000, 0, 0x100_0000])])
        let root: [Property] = [.string("compatible", "acme,toaster"), .u32("#address-cells", 2), .u32("#size-cells", 2)]
        let unknown = DeviceTreeBuilder(root: Node("", properties: root, children: [
            memory, Node("heater@1000", properties: [.string("compatible", "acme,heater"), .cells("reg", [0, 0x1000, 0, 0x100])]),
        ]))
        #expect(throws: MachineError.nothingToModel(rootCompatible: ["acme,toaster"], unmodelledNodes: 1)) {
            _ = try Machine.fromDeviceTree(bytes: unknown.build())
        }
        let noMemory = DeviceTreeBuilder(root: Node("", properties: root, children: [
            Node("pl031@9010000", properties: [.string("compatible", "arm,pl031"), .cells("reg", [0, 0x0901_0000, 0, 0x1000])]),
        ]))
        #expect(throws: MachineError.noMemory) { _ = try Machine.fromDeviceTree(bytes: noMemory.build()) }
        let insideRam = DeviceTreeBuilder(root: Node("", properties: root, children: [
            memory, Node("pl031@40001000", properties: [.string("compatible", "arm,pl031"), .cells("reg", [0, 0x4000_1000, 0, 0x1000])]),
        ]))
        #expect(throws: MachineError.windowOverlapsRam("pl031@40001000", base: 0x4000_1000)) {
            _ = try Machine.fromDeviceTree(bytes: insideRam.build())
        }
        let overlapping = DeviceTreeBuilder(root: Node("", properties: root, children: [
            memory,
            Node("pl031@9010000", properties: [.string("compatible", "arm,pl031"), .cells("reg", [0, 0x0901_0000, 0, 0x1000])]),
            Node("pl011@9010800", properties: [.string("compatible", "arm,pl011"), .cells("reg", [0, 0x0901_0800, 0, 0x1000])]),
        ]))
        #expect(throws: MachineError.overlappingWindows("pl031@9010000", "pl011@9010800")) {
            _ = try Machine.fromDeviceTree(bytes: overlapping.build())
        }
        #expect(throws: MachineError.self) {
            _ = try Machine.fromDeviceTree(bytes: QemuVirtBlob.bytes, options: MachineOptions(memorySize: 1 << 40))
        }
    }
}
