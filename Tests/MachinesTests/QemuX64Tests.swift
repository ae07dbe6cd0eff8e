// The qemu-x64 machine: its physical map and PCI topology, the firmware table (encoding, decoding,
// and reading it from physical memory as an ACPI bus driver would), and the MMIO round trip the
// issue asks for: e1000 reset and MAC through EERD from a process, via root resource → MMIO
// resource → physical VMO → MmioBuffer.

import Testing
import Zirconia

@Suite struct QemuX64Tests {
    static let mac: [UInt8] = [0x02, 0x5A, 0x52, 0x43, 0x4E, 0x01]

    static func machine(_ options: MachineOptions = MachineOptions(memorySize: 64 << 20, mac: mac)) throws -> Machine {
        try Machine.qemuX64(options)
    }

    @Test func physicalMapMatchesTheLayout() throws {
        let machine = try Self.machine()
        let description = machine.description
        #expect(description.profile == .x64)
        #expect(description.ram == PhysicalRange(base: 0x10_0000, size: 64 << 20))
        let map = Dictionary(uniqueKeysWithValues: description.physicalMap.map { ($0.name, ($0.base, $0.size)) })
        #expect(map["firmware table (ZACP)"]?.0 == 0xE_0000)
        #expect(map["pci ecam"]?.0 == 0xB000_0000)
        #expect(map["pci ecam"]?.1 == 16 << 20)
        #expect(map["pci memory aperture"]?.0 == 0xC000_0000)
        #expect(map["pci memory aperture"]?.1 == 0xFEC0_0000 - 0xC000_0000)
        #expect(map["i8042 (ports 0x60-0x67)"]?.0 == 0xFEF0_0060)
        #expect(machine.configuration.devices.count == 4)
        #expect(machine.configuration.ramBase == 0x10_0000)
    }

    @Test func pciTopologyIsQ35PlusXhci() throws {
        let host = try #require(try Self.machine().description.pciHosts.first)
        #expect(host.ecam == MmioRegionDescription(base: 0xB000_0000, size: 16 << 20))
        #expect(host.busRange == 0...15)
        let ids = host.functions.map { "\($0.address) \(String($0.vendorID, radix: 16)):\(String($0.deviceID, radix: 16))" }
        #expect(ids == ["00:00.0 8086:29c0", "00:01.0 1234:1111", "00:02.0 8086:100e", "00:03.0 1b36:d",
                        "00:1c.0 1b36:c", "00:1f.0 8086:2918", "00:1f.2 8086:2922", "00:1f.3 8086:2930"])
        let xhci = try #require(host.functions.first { $0.address == PciAddress(device: 3) })
        #expect(xhci.classCode == 0x0C_03_30)
        #expect(xhci.memoryBars.first?.size == 0x4000)
        // Every assigned BAR is inside the decoded aperture.
        for function in host.functions {
            for bar in function.memoryBars {
                #expect(bar.base >= 0xC000_0000 && bar.base + bar.size <= 0xFEC0_0000, "\(function.name) BAR\(bar.index)")
            }
        }
        let window = try #require(host.hotPlugWindows.first)
        #expect(window.port == PciAddress(device: 0x1C))
        #expect(window.secondaryBus == 1)
        #expect(window.memory.map { $0.upperBound - $0.lowerBound + 1 } == 2 << 20)
        #expect(window.prefetchable.map { $0.upperBound - $0.lowerBound + 1 } == 2 << 20)
    }

    @Test func hotPluggedCardAppearsInTheDescription() throws {
        let machine = try Self.machine()
        let port = try #require(machine.hotPlugPorts.first)
        try port.insert(E1000(name: "hotplug e1000"), assignResources: true)
        let functions = try #require(machine.description.pciHosts.first).functions
        let card = try #require(functions.first { $0.address == PciAddress(bus: 1, device: 0) })
        #expect(card.vendorID == 0x8086 && card.deviceID == 0x100E)
        let window = try #require(port.memoryWindow)
        let bar = try #require(card.memoryBars.first)
        #expect(window.contains(bar.base))
    }

    @Test func firmwareTableRoundTripsAndDescribesPciAndI8042() throws {
        let machine = try Self.machine()
        let table = try #require(machine.acpiTable)
        let bytes = try table.encoded()
        #expect(Array(bytes[0..<4]) == Array("ZACP".utf8))
        #expect(bytes.reduce(UInt8(0), &+) == 0)
        #expect(try AcpiTable(decoding: bytes) == table)
        let root = try #require(table.pciRoots.first)
        #expect(root.hid == "PNP0A08" && root.cid == "PNP0A03")
        #expect(root.ecamBase == 0xB000_0000 && root.busRange == 0...15)
        #expect(root.apertures.contains(.init(kind: .memory32, base: 0xC000_0000, size: 0xFEC0_0000 - 0xC000_0000)))
        let keyboard = try #require(table.device(matching: "PNP0303"))
        #expect(keyboard.resources.contains(.ioPorts(base: 0x60, length: 1)))
        #expect(keyboard.resources.contains(.ioPorts(base: 0x64, length: 1)))
        #expect(keyboard.resources.contains(.interrupt(number: 1, edgeTriggered: true, activeLow: false)))
        #expect(keyboard.memoryResources.first?.base == 0xFEF0_0060)
        let mouse = try #require(table.device(matching: "PNP0F13"))
        #expect(mouse.resources == [.interrupt(number: 12, edgeTriggered: true, activeLow: false)])
        let platform = try #require(machine.description.platformDevice("PNP0303"))
        #expect(platform.mmio == [MmioRegionDescription(base: 0xFEF0_0060, size: 8)])
        #expect(platform.ioPorts == [0x60..<0x61, 0x64..<0x65])
        #expect(platform.source == .acpi(path: "\\_SB_.PCI0.SF8_.KBD_"))
    }

    @Test func firmwareTableDecodeErrorsNameTheOffset() throws {
        let bytes = try #require(try Self.machine().acpiTable).encoded()
        var corrupt = bytes
        corrupt[40] ^= 0xFF
        #expect(throws: AcpiTableError(offset: 9, .badChecksum(sum: corrupt[40] &- bytes[40]))) {
            try AcpiTable(decoding: corrupt)
        }
        #expect(throws: AcpiTableError(offset: 0, .badSignature(Array("XACP".utf8)))) {
            try AcpiTable(decoding: Array("X".utf8) + bytes.dropFirst())
        }
        #expect(throws: AcpiTableError(offset: 0, .truncated(needed: 36, available: 10))) {
            try AcpiTable(decoding: Array(bytes[0..<10]))
        }
        #expect(throws: AcpiTableError.self) { try AcpiTable(decoding: Array(bytes.dropLast())) }
    }

    @Test func e1000ResetAndMacThroughEerdFromAProcess() throws {
        let booted = try BootedMachine(Self.machine())
        let host = try #require(booted.machine.description.pciHosts.first)
        let nic = try #require(host.functions.first { $0.address == QemuX64PciBus.networkAddress })
        let bar0 = try #require(nic.memoryBars.first { $0.index == 0 })
        #expect(bar0.size == 0x2_0000)
        let root = booted.root
        let (mac, status, control) = try booted.process.run { () throws -> ([UInt8], UInt32, UInt32) in
            let regs = try mapMmio(MmioRegionDescription(base: bar0.base, size: bar0.size), root: root, name: "e1000 bar0")
            try regs.write32(0xFFFF_FFFF, Int(E1000Register.ims))
            try regs.setBits32(E1000Register.ctrlReset, Int(E1000Register.ctrl))   // CTRL.RST
            let control = try regs.read32(Int(E1000Register.ctrl))
            var mac: [UInt8] = []
            for word in 0..<3 {
                try regs.write32(UInt32(word) << 8 | E1000Register.eerdStart, Int(E1000Register.eerd))
                var value: UInt32 = 0
                for _ in 0..<100 {
                    value = try regs.read32(Int(E1000Register.eerd))
                    if value & E1000Register.eerdDone != 0 { break }
                }
                #expect(value & E1000Register.eerdDone != 0)
                mac += [UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 24)]
            }
            return (mac, try regs.read32(Int(E1000Register.status)), control)
        }
        #expect(mac == Self.mac)
        #expect(control & E1000Register.ctrlReset == 0)   // self-clearing
        #expect(status == E1000Register.statusDefault)     // link up, full duplex, 1000 Mb/s
        #expect(booted.machine.network?.registers.unhandledAccessCount == 0)
        #expect(booted.kernel.memoryStats.freePages == booted.baseline)
    }

    @Test func firmwareTableReadFromPhysicalMemoryAndI8042ThroughThePortWindow() throws {
        let booted = try BootedMachine(Self.machine())
        let description = booted.machine.description
        let tableAddress = try #require(description.acpiTableAddress)
        let keyboard = try #require(description.platformDevice("PNP0303")?.mmio.first)
        booted.machine.i8042?.pressKey(set2Code: 0x1C)   // 'A' make code, set 2
        let root = booted.root
        let (bytes, status, scancode) = try booted.process.run { () throws -> ([UInt8], UInt8, UInt8) in
            let header = try mapMmio(MmioRegionDescription(base: tableAddress, size: 36), root: root, name: "acpi")
            let length = Int(try header.read32(4))
            let table = try mapMmio(MmioRegionDescription(base: tableAddress, size: UInt64(length)), root: root, name: "acpi")
            var bytes: [UInt8] = []
            for offset in 0..<length { bytes.append(try table.read8(offset)) }
            let i8042 = try mapMmio(keyboard, root: root, name: "i8042")
            let status = try i8042.read8(4)      // port 0x64
            let scancode = try i8042.read8(0)    // port 0x60
            return (bytes, status, scancode)
        }
        #expect(try AcpiTable(decoding: bytes) == booted.machine.acpiTable)
        #expect(status & I8042Controller.StatusBit.outputBufferFull != 0)
        #expect(scancode == 0x1C)
        #expect(booted.kernel.memoryStats.freePages == booted.baseline)
    }

    @Test func xhciBarReachesTheKeyboard() throws {
        let booted = try BootedMachine(Self.machine())
        let host = try #require(booted.machine.description.pciHosts.first)
        let bar = try #require(host.functions.first { $0.address == QemuX64Layout.xhciAddress }?.memoryBars.first)
        let root = booted.root
        let (capLength, identifier, portStatus) = try booted.process.run { () throws -> (UInt8, UInt32, UInt32) in
            let regs = try mapMmio(MmioRegionDescription(base: bar.base, size: bar.size), root: root, name: "xhci")
            let portRegisters = Int(XhciController.portRegisterBase) + 0x10 * 4   // port 5, the first USB 2 port
            return (try regs.read8(0), try regs.read32(Int(XhciTransferMailbox.base)), try regs.read32(portRegisters))
        }
        #expect(capLength == UInt8(XhciController.capabilityLength))
        #expect(identifier == XhciTransferMailbox.identifier)
        #expect(portStatus & XhciController.PortStatus.currentConnect != 0)
        #expect(booted.machine.usbKeyboard != nil)
        #expect(booted.kernel.memoryStats.freePages == booted.baseline)
    }

    @Test func aMachineBootsOnce() throws {
        let machine = try Self.machine()
        #expect(machine.ahci?.disk(atPort: 0) != nil)
        _ = try machine.boot(seed: 2)
        #expect(throws: MachineError.alreadyBooted) { _ = try machine.boot() }
    }

    @Test func optionsThatCannotFitAreRefused() throws {
        #expect(throws: MachineError.self) { _ = try Machine.qemuX64(MachineOptions(memorySize: 3 << 30)) }
        #expect(throws: MachineError.self) { _ = try Machine.qemuX64(MachineOptions(memorySize: 64 << 20, mac: [1, 2])) }
        #expect(throws: MachineError.unknownMachine("pdp-11", known: Machine.builtInNames)) {
            _ = try Machine.named("pdp-11")
        }
        let noUsb = try Machine.named("qemu-x64", options: MachineOptions(memorySize: 16 << 20, usbKeyboard: false))
        #expect(noUsb.xhci == nil)
        #expect(noUsb.description.pciHosts.first?.functions.count == 7)
    }
}
