// Facts about QEMU's own virt device trees (fixtures dumped by scripts/dump-qemu-dtbs.sh), checked
// against values read off the dtc decompilations beside them, and a full cross-check of every
// node and property against dtc.

import Testing
@testable import DeviceTree

@Suite struct QemuVirtFixtureTests {
    @Test func headerOfTheRawDump() throws {
        let tree = try Fixture.tree(Fixture.virt)
        #expect(tree.header.totalSize == 0x10_0000)
        #expect(tree.header.version == 17)
        #expect(tree.header.lastCompatibleVersion == 16)
        #expect(tree.header.bootCpuId == 0)
        #expect(tree.header.memoryReservationsOffset == 0x30)
        #expect(tree.header.structureOffset == 0x40)
        #expect(tree.header.structureSize == 0x1b10)
        #expect(tree.header.stringsOffset == 0x1b50)
        #expect(tree.header.stringsSize == 0x1b2)
        #expect(tree.memoryReservations.isEmpty)
    }

    @Test func embeddedBlobIsTheCompactedDump() throws {
        #expect(QemuVirtBlob.bytes == (try Fixture.bytes(Fixture.virtCompact)))
        let compact = try DeviceTree(parsing: QemuVirtBlob.bytes)
        let dumped = try Fixture.tree(Fixture.virt)
        #expect(compact.header.totalSize == 0x1cfa)
        #expect(DeviceTreeBuilder(compact) == DeviceTreeBuilder(dumped))
    }

    @Test func rootNode() throws {
        let root = try Fixture.tree(Fixture.virt).root
        #expect(root.path == "/")
        #expect(root.isRoot)
        #expect(try root.compatible() == ["linux,dummy-virt"])
        #expect(try root.string("model") == "linux,dummy-virt")
        #expect(try root.addressCells() == 2)
        #expect(try root.sizeCells() == 2)
        #expect(try root.u32("interrupt-parent") == 0x8002)
    }

    @Test func pl011Uart() throws {
        let tree = try Fixture.tree(Fixture.virt)
        let uart = try #require(tree.node(atPath: "/pl011@9000000"))
        #expect(uart.name == "pl011@9000000")
        #expect(uart.baseName == "pl011")
        #expect(uart.unitAddress == "9000000")
        #expect(try uart.compatible() == ["arm,pl011", "arm,primecell"])
        #expect(uart.isCompatible(with: "arm,primecell"))
        #expect(!uart.isCompatible(with: "arm,pl01"))
        #expect(try uart.reg() == [DeviceTree.Region(address: 0x900_0000, size: 0x1000)])
        #expect(try uart.translatedReg() == [DeviceTree.Region(address: 0x900_0000, size: 0x1000)])
        #expect(try uart.stringList("clock-names") == ["uartclk", "apb_pclk"])
        #expect(uart.isEnabled)
        #expect(uart.status == .okay)

        let interrupts = try uart.interrupts()
        #expect(interrupts.count == 1)
        #expect(interrupts.first?.controller.path == "/intc@8000000")
        #expect(interrupts.first?.cells == [0, 1, 4])
        let gic = try #require(interrupts.first?.armGic)
        #expect(gic.kind == .spi)
        #expect(gic.interruptId == 33)
        #expect(gic.triggerType == 4)
        #expect(gic.isLevelTriggered)

        #expect(tree.stdoutNode == uart)
        #expect(tree.firstNode(compatibleWith: "arm,pl011") == uart)
        #expect(tree.node(atPath: "/pl011") == uart)   // base name alone, as Linux allows
    }

    @Test func pl031RealTimeClock() throws {
        let tree = try Fixture.tree(Fixture.virt)
        let rtcs = tree.nodes(compatibleWith: "arm,pl031")
        #expect(rtcs.map(\.path) == ["/pl031@9010000"])
        let rtc = try #require(rtcs.first)
        #expect(try rtc.translatedReg() == [DeviceTree.Region(address: 0x901_0000, size: 0x1000)])
        #expect(try rtc.interrupts().first?.armGic?.interruptId == 34)
    }

    @Test func thirtyTwoVirtioMmioSlots() throws {
        let tree = try Fixture.tree(Fixture.virt)
        let slots = tree.nodes(compatibleWith: "virtio,mmio")
        #expect(slots.count == 32)
        var addresses: [UInt64] = []
        for slot in slots {
            let reg = try slot.translatedReg()
            #expect(reg.count == 1)
            #expect(reg.first?.size == 0x200)
            addresses.append(reg.first?.address ?? 0)
            // Slot n raises SPI 16 + n.
            let spi = try slot.interrupts().first?.armGic
            #expect(spi?.kind == .spi)
            #expect(spi?.number == UInt32(0x10 + (Int((reg.first?.address ?? 0) - 0xa00_0000) / 0x200)))
            #expect(slot.hasProperty("dma-coherent"))
        }
        #expect(addresses.sorted() == (0..<32).map { 0xa00_0000 + UInt64($0) * 0x200 })
    }

    @Test func pcieEcamHostBridge() throws {
        let tree = try Fixture.tree(Fixture.virt)
        let pcie = try #require(tree.firstNode(compatibleWith: "pci-host-ecam-generic"))
        #expect(pcie.path == "/pcie@10000000")
        #expect(pcie.deviceType == "pci")
        #expect(try pcie.addressCells() == 3)
        #expect(try pcie.sizeCells() == 2)
        // The ECAM window sits above 4 GiB (QEMU's highmem ECAM), whatever the node name says.
        #expect(try pcie.translatedReg() == [DeviceTree.Region(address: 0x40_1000_0000, size: 0x1000_0000)])
        #expect(try pcie.pciBusRange() == 0...255)

        let windows = try pcie.pciRanges()
        #expect(windows == [
            DeviceTree.PciRange(flags: 0x0100_0000, pciAddress: 0, cpuAddress: 0x3eff_0000, size: 0x1_0000),
            DeviceTree.PciRange(flags: 0x0200_0000, pciAddress: 0x1000_0000, cpuAddress: 0x1000_0000, size: 0x2eff_0000),
            DeviceTree.PciRange(flags: 0x0300_0000, pciAddress: 0x80_0000_0000, cpuAddress: 0x80_0000_0000,
                                size: 0x80_0000_0000),
        ])
        #expect(windows.map(\.space) == [.io, .memory32, .memory64])
        #expect(windows.allSatisfy { !$0.prefetchable && !$0.nonRelocatable && !$0.aliased })

        // A 3-cell child address space is not a plain 64-bit one.
        #expect(throws: DeviceTreeError.self) { try pcie.ranges() }
        #expect(throws: DeviceTreeError.self) { try tree.root.pciRanges() }
    }

    /// QEMU swizzles INTA–INTD across slots: device d, pin p raises SPI 3 + (d + p - 1) mod 4.
    @Test func pcieLegacyInterruptRouting() throws {
        let tree = try Fixture.tree(Fixture.virt)
        let pcie = try #require(tree.node(atPath: "/pcie@10000000"))
        let gic = try #require(tree.node(atPath: "/intc@8000000"))
        let map = try #require(try pcie.interruptMap())
        #expect(map.count == 16)
        #expect(map.allSatisfy { $0.controller == gic && $0.parentAddress == [0, 0] && $0.childAddress.count == 3 })
        #expect(map.first?.childSpecifier == [1])
        #expect(try pcie.cells("interrupt-map-mask") == [0x1800, 0, 0, 7])
        for device in UInt8(0)..<8 {
            for pin in UInt8(1)...4 {
                let interrupt = try pcie.pciInterrupt(device: device, pin: pin)
                #expect(interrupt?.controller == gic)
                #expect(interrupt?.cells == [0, 3 + (UInt32(device) + UInt32(pin) - 1) % 4, 4], "device \(device) pin \(pin)")
            }
        }
        #expect(try pcie.pciInterrupt(device: 0, pin: 5) == nil)
        #expect(try tree.root.interruptMap() == nil)
    }

    @Test func memoryAndChosen() throws {
        let tree = try Fixture.tree(Fixture.virt)
        #expect(tree.memoryNodes.map(\.path) == ["/memory@40000000"])
        #expect(try tree.memoryRegions() == [DeviceTree.Region(address: 0x4000_0000, size: 128 << 20)])
        #expect(tree.node(atPath: "/memory")?.path == "/memory@40000000")
        let chosen = try #require(tree.chosen)
        #expect(try chosen.string("stdout-path") == "/pl011@9000000")
        #expect(!chosen.hasProperty("rng-seed"))   // dumped with dtb-randomness=off

        let gicv3 = try Fixture.tree(Fixture.gicv3)
        #expect(try gicv3.memoryRegions() == [DeviceTree.Region(address: 0x4000_0000, size: 1 << 30)])
    }

    @Test func phandlesAndGicFrame() throws {
        let tree = try Fixture.tree(Fixture.virt)
        #expect(tree.node(phandle: 0x8000)?.path == "/apb-pclk")
        #expect(tree.node(phandle: 0x8001)?.path == "/cpus/cpu@0")
        #expect(tree.node(phandle: 0x8002)?.path == "/intc@8000000")
        #expect(tree.node(phandle: 0x8003)?.path == "/intc@8000000/v2m@8020000")
        #expect(tree.node(phandle: 0x8004)?.path == "/pl061@9030000")
        #expect(tree.node(phandle: 0x9999) == nil)
        #expect(try tree.node(phandle: 0x8000)?.number("clock-frequency") == 24_000_000)

        let gic = try #require(tree.node(phandle: 0x8002))
        #expect(gic.phandle == 0x8002)
        #expect(try gic.reg() == [DeviceTree.Region(address: 0x800_0000, size: 0x1_0000),
                                  DeviceTree.Region(address: 0x801_0000, size: 0x1_0000)])
        #expect(try gic.ranges() == [])   // `ranges;` — identity
        let frame = try #require(gic.child(named: "v2m@8020000"))
        #expect(try frame.translatedReg() == [DeviceTree.Region(address: 0x802_0000, size: 0x1000)])
    }

    @Test func descendantsAreTheSubtreeInPreorder() throws {
        let tree = try Fixture.tree(Fixture.virt)
        let cpus = try #require(tree.node(atPath: "/cpus"))
        #expect(cpus.descendants.map(\.path) == [
            "/cpus/cpu-map", "/cpus/cpu-map/socket0", "/cpus/cpu-map/socket0/cluster0",
            "/cpus/cpu-map/socket0/cluster0/core0", "/cpus/cpu@0",
        ])
        #expect(cpus.children.map(\.name) == ["cpu-map", "cpu@0"])
        #expect(tree.root.descendants.count == tree.nodes.count - 1)
        #expect(try #require(tree.node(atPath: "/chosen")).descendants.isEmpty)
    }

    @Test func base64DecoderBehindTheEmbeddedBlob() {
        #expect(Base64.decode("") == [])
        #expect(Base64.decode("TWFu") == Array("Man".utf8))
        #expect(Base64.decode("TWE=\n") == Array("Ma".utf8))
        #expect(Base64.decode("TQ==") == Array("M".utf8))
        #expect(Base64.decode("TQ=") == nil)        // partial group
        #expect(Base64.decode("TQ==TWFu") == nil)   // data after padding
        #expect(Base64.decode("T=Fu") == nil)       // padding inside a group
        #expect(Base64.decode("TW*u") == nil)       // outside the alphabet
    }

    @Test func cpusAreNotTranslatable() throws {
        let tree = try Fixture.tree(Fixture.virt)
        let cpu = try #require(tree.node(atPath: "/cpus/cpu@0"))
        #expect(try cpu.reg() == [DeviceTree.Region(address: 0, size: 0)])   // #size-cells 0
        let cpus = try #require(cpu.parent)
        let error = #expect(throws: DeviceTreeError.self) { try cpu.translatedReg() }
        #expect(error?.kind == .notTranslatable(bus: "/cpus"))
        #expect(error?.offset == cpus.offset)
    }

    @Test func flashBanksAndTimerInterrupts() throws {
        let tree = try Fixture.tree(Fixture.virt)
        let flash = try #require(tree.node(atPath: "/flash@0"))
        #expect(try flash.translatedReg() == [DeviceTree.Region(address: 0, size: 0x400_0000),
                                              DeviceTree.Region(address: 0x400_0000, size: 0x400_0000)])
        let timer = try #require(tree.node(atPath: "/timer"))
        let ppis = try timer.interrupts().compactMap(\.armGic)
        #expect(ppis.map(\.kind) == [.ppi, .ppi, .ppi, .ppi])
        #expect(ppis.map(\.interruptId) == [29, 30, 27, 26])
        #expect(ppis.map(\.flags) == [0x104, 0x104, 0x104, 0x104])
    }

    @Test func gicv3SmpVariant() throws {
        let tree = try Fixture.tree(Fixture.gicv3)
        let gic = try #require(tree.firstNode(compatibleWith: "arm,gic-v3"))
        #expect(try gic.translatedReg() == [DeviceTree.Region(address: 0x800_0000, size: 0x1_0000),
                                            DeviceTree.Region(address: 0x80a_0000, size: 0xf6_0000)])
        #expect(tree.nodes(compatibleWith: "arm,cortex-a57").map(\.path) == ["/cpus/cpu@0", "/cpus/cpu@1"])
        #expect(try gic.interrupts().isEmpty)
        #expect(try gic.child(named: "its")?.translatedReg() == [DeviceTree.Region(address: 0x808_0000, size: 0x2_0000)])
    }

    @Test func secureVariantStatus() throws {
        let tree = try Fixture.tree(Fixture.secure)
        let secureUart = try #require(tree.node(atPath: "/pl011@9040000"))
        #expect(secureUart.status == .disabled)
        #expect(!secureUart.isEnabled)
        #expect(try secureUart.string("secure-status") == "okay")
        #expect(tree.nodes(compatibleWith: "arm,pl011").filter(\.isEnabled).map(\.path) == ["/pl011@9000000"])
        // secram is a memory node, but disabled: not RAM for the normal world.
        #expect(tree.memoryNodes.map(\.path) == ["/memory@40000000", "/secram@e000000"])
        #expect(try tree.memoryRegions() == [DeviceTree.Region(address: 0x4000_0000, size: 128 << 20)])
        #expect(tree.node(atPath: "/secure-chosen")?.hasProperty("stdout-path") == true)

        // With virtualization=on the GIC has a maintenance interrupt (PPI 9), which goes to the
        // GIC itself: it has no interrupt-parent, its parent (the root) points back at it.
        let gic = try #require(tree.node(atPath: "/intc@8000000"))
        let maintenance = try gic.interrupts()
        #expect(maintenance.map(\.controller) == [gic])
        #expect(maintenance.first?.armGic?.interruptId == 25)
    }

    /// Every node, cell property and string property dtc prints is what the parser reads.
    @Test(arguments: Fixture.dumps) func agreesWithDtcOnEveryProperty(_ fixture: String) throws {
        let tree = try Fixture.tree(fixture)
        let source = try Fixture.source(fixture)
        #expect(tree.nodes.map(\.path) == source.nodeOrder)
        for (path, expected) in source.nodes {
            let node = try #require(tree.node(atPath: path), "\(path) missing")
            for (name, cells) in expected.cells {
                #expect(try node.cells(name) == cells, "\(path) \(name)")
            }
            for (name, strings) in expected.strings {
                #expect(try node.stringList(name) == strings, "\(path) \(name)")
            }
            for name in expected.emptyProperties {
                #expect(node.property(name)?.isEmpty == true, "\(path) \(name)")
            }
            let count = expected.cells.count + expected.strings.count + expected.emptyProperties.count
            #expect(node.properties.count == count, "\(path) property count")
        }
    }

    /// Every node of every dump either translates its reg or says which bus stops it.
    @Test(arguments: Fixture.dumps) func everyRegTranslatesOrExplains(_ fixture: String) throws {
        let tree = try Fixture.tree(fixture)
        for node in tree.nodes where node.hasProperty("reg") {
            do throws(DeviceTreeError) {
                let regions = try node.translatedReg()
                #expect(!regions.isEmpty)
            } catch {
                // Only CPUs (IDs, under /cpus which has no ranges) may fail.
                #expect(error.kind == .notTranslatable(bus: "/cpus"), "\(node.path): \(error)")
            }
        }
    }
}
