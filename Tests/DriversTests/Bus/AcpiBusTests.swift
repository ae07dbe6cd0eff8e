// AcpiBus on the booted qemu-x64 machine: the firmware table read from physical memory through a
// physical VMO decodes to the PCI root (which PciBus then enumerates) and the i8042 devices with
// their bind properties and GetMmio; and the parser's errors name the offset for a bad checksum,
// a truncated header, a record running past the table and a string running past its record.

import Drivers
import Testing
import Zirconia

@Suite struct AcpiBusTests {
    @Test func tableFromPhysicalMemoryDescribesPciAndTheI8042() throws {
        let booted = try BusTestMachine.x64()
        let address = try #require(booted.machine.description.acpiTableAddress)
        booted.machine.i8042?.pressKey(set2Code: 0x1C)
        let resource = booted.root
        let (acpi, mmio, status, scancode, functions) = try booted.process.run {
            () throws -> (AcpiBus, DeviceMmio, UInt8, UInt8, [PciFunctionInfo]) in
            let acpi = try AcpiBus(resource: resource, tableAddress: address)
            let mmio = try acpi.getMmio("PNP0303", index: 0)
            let i8042 = try BusFixtures.map(mmio)
            let status = try i8042.read8(4)
            let scancode = try i8042.read8(0)
            let root = try #require(acpi.pciRoots.first)
            let pci = try PciBus(resource: resource, root: root)
            defer { pci.shutdown() }
            return (acpi, mmio, status, scancode, try pci.enumerate())
        }
        #expect(acpi.table.oemID == "ZRCNIA")
        let root = try #require(acpi.pciRoots.first)
        #expect(root.name == "PCI0" && root.ecamBase == 0xB000_0000 && root.busRange == 0...15)
        #expect(root.apertures == [PciAperture(kind: .memory32, base: 0xC000_0000, size: 0xFEC0_0000 - 0xC000_0000),
                                   PciAperture(kind: .io, base: 0xC000, size: 0x4000)])
        #expect(functions.count == 8 && functions.contains { $0.name == "00:02.0" && $0.deviceID == 0x100E })

        #expect(acpi.devices.map(\.publishedName) == ["acpi-KBD_", "acpi-MOU_"])
        let keyboard = try #require(acpi.device("PNP0303"))
        #expect(keyboard.path == "\\_SB_.PCI0.SF8_.KBD_")
        #expect(keyboard.ioPorts == [0x60..<0x61, 0x64..<0x65])
        #expect(keyboard.interrupts == [BusInterrupt(number: 1, edgeTriggered: true)])
        #expect(keyboard.bindProperties == ["fuchsia.BIND_PROTOCOL": 30, "fuchsia.BIND_ACPI_HID_0_3": 0x504E_5030,
                                            "fuchsia.BIND_ACPI_HID_4_7": 0x3330_3300])
        #expect(keyboard.properties.strings == ["fuchsia.acpi.hid": "PNP0303"])
        #expect(acpi.device("PNP0F13")?.mmio.isEmpty == true)
        #expect(mmio.offset == 0x60 && mmio.size == 8)
        #expect(status & I8042Controller.StatusBit.outputBufferFull != 0)
        #expect(scancode == 0x1C)
        booted.expectClean()
    }

    static func tableBytes() throws -> [UInt8] {
        try #require(try Machine.qemuX64(MachineOptions(memorySize: 16 << 20)).acpiTable).encoded()
    }

    /// Re-balances the checksum byte after an edit.
    static func fixChecksum(_ bytes: inout [UInt8]) {
        bytes[9] = 0
        bytes[9] = 0 &- bytes.reduce(0, &+)
    }

    @Test func parserMatchesTheFormatAndNamesOffsetsOfErrors() throws {
        let bytes = try Self.tableBytes()
        let table = try AcpiTableParser.parse(bytes)
        #expect(table.length == bytes.count && table.pciRoots.count == 1 && table.devices.count == 2)

        var corrupt = bytes
        corrupt[50] ^= 0x5A
        #expect(throws: AcpiTableParseError(offset: 9, .badChecksum(sum: corrupt[50] &- bytes[50]))) {
            try AcpiTableParser.parse(corrupt)
        }
        #expect(throws: AcpiTableParseError(offset: 0, .truncated(needed: 36, available: 20))) {
            try AcpiTableParser.parse(Array(bytes[0..<20]))
        }
        #expect(throws: AcpiTableParseError(offset: 4, .badLength(UInt32(bytes.count)))) {
            try AcpiTableParser.parse(Array(bytes.dropLast()))
        }
        var signature = bytes
        signature[0] = UInt8(ascii: "X")
        #expect(throws: AcpiTableParseError(offset: 0, .badSignature("XACP"))) { try AcpiTableParser.parse(signature) }

        // The first record (at 36) claims more bytes than the table has.
        var overrun = bytes
        overrun[38] = 0xFF
        overrun[39] = 0x7F
        Self.fixChecksum(&overrun)
        #expect(throws: AcpiTableParseError(offset: 36, .recordOverrun(type: 1, length: 0x7FFF, remaining: bytes.count - 36))) {
            try AcpiTableParser.parse(overrun)
        }
        // The PCI root's path string (length byte at 40) runs past the end of its record.
        var longString = bytes
        longString[40] = 0xFF
        Self.fixChecksum(&longString)
        let recordLength = Int(bytes[38]) | Int(bytes[39]) << 8
        #expect(throws: AcpiTableParseError(offset: 41, .truncated(needed: 255, available: recordLength - 5))) {
            try AcpiTableParser.parse(longString)
        }
        // A record length below its own header.
        var tiny = bytes
        tiny[38] = 2
        tiny[39] = 0
        Self.fixChecksum(&tiny)
        #expect(throws: AcpiTableParseError(offset: 38, .badRecordLength(type: 1, length: 2))) { try AcpiTableParser.parse(tiny) }

        // Through the bus: the error and the status a protocol server would answer.
        let error = try #require(busFailure { () throws(BusDriverError) in
            try AcpiBus(resource: zx_handle_t(ZX_HANDLE_INVALID), bytes: corrupt)
        })
        #expect(error == .ioDataIntegrity)
        #expect(AcpiTableParseError(offset: 9, .badChecksum(sum: 3)).description.contains("at byte 9"))
    }
}
