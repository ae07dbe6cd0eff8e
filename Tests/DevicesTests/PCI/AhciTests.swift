// The ICH9 AHCI model: HBA registers (CAP, GHC with self-clearing HR, PI, VS, IS), per-port
// registers with and without a disk (SIG, SSTS, TFD, IS RW1C, CMD ST/CR and FRE/FR), COMRESET,
// the IDENTIFY DEVICE data, and commands run by DMA from a real command list in emulated RAM.
//
// Counterpart: AHCI 1.3.1 sections 3 and 4; ATA8-ACS IDENTIFY DEVICE; QEMU hw/ide/ahci.c.

import Hardware
import Synchronization
import Testing
import ZX
@testable import Devices

@Suite struct AhciTests {
    private func read(_ abar: AhciRegisters, _ offset: UInt64) throws -> UInt32 {
        UInt32(try abar.read(offset: offset, width: .word))
    }

    private func write(_ abar: AhciRegisters, _ offset: UInt64, _ value: UInt32) throws {
        try abar.write(offset: offset, width: .word, value: UInt64(value))
    }

    private func port(_ index: UInt64, _ register: UInt64) -> UInt64 {
        AhciRegister.portBase + index * AhciRegister.portStride + register
    }

    @Test func hbaRegisters() throws {
        let ahci = try AhciController()
        let abar = ahci.abar
        #expect(ahci.pciFunction.config32(0) == 0x2922_8086)
        #expect(ahci.pciFunction.config32(0x08) >> 8 == 0x01_0601)
        #expect(ahci.pciFunction.bars.map(\.index) == [4, 5])
        #expect(try read(abar, AhciRegister.cap) == 0xC014_1F05)
        #expect(try read(abar, AhciRegister.portsImplemented) == 0x3F)
        #expect(try read(abar, AhciRegister.version) == 0x0001_0000)
        #expect(try read(abar, AhciRegister.ghc) == AhciRegister.ghcAhciEnable)
        #expect(try abar.read(offset: AhciRegister.cap + 1, width: .byte) == 0x1F)  // narrow reads work
        #expect(pciFaultKind { try abar.write(offset: AhciRegister.ghc, width: .halfWord, value: 0) } == .badWidth)
        #expect(pciFaultKind { _ = try abar.read(offset: AhciRegister.ghc, width: .doubleWord) } == .badWidth)
        #expect(pciFaultKind { _ = try abar.read(offset: 0x2, width: .word) } == .misaligned)
        // AE is hard-wired: writing 0 leaves it set.
        try write(abar, AhciRegister.ghc, AhciRegister.ghcInterruptEnable)
        #expect(try read(abar, AhciRegister.ghc) == AhciRegister.ghcAhciEnable | AhciRegister.ghcInterruptEnable)
    }

    @Test func portsWithAndWithoutDisk() throws {
        let abar = try AhciController().abar
        #expect(try read(abar, port(0, AhciRegister.signature)) == 0x0000_0101)
        #expect(try read(abar, port(0, AhciRegister.sataStatus)) == 0x113)
        #expect(try read(abar, port(0, AhciRegister.taskFile)) == 0x50)
        #expect(try read(abar, port(1, AhciRegister.signature)) == 0xFFFF_FFFF)
        #expect(try read(abar, port(1, AhciRegister.sataStatus)) == 0)
        #expect(try read(abar, port(1, AhciRegister.taskFile)) == 0x7F)
        // Read-only registers ignore writes.
        try write(abar, port(0, AhciRegister.signature), 0)
        try write(abar, port(0, AhciRegister.sataStatus), 0)
        #expect(try read(abar, port(0, AhciRegister.signature)) == 0x101)
        #expect(try read(abar, port(0, AhciRegister.sataStatus)) == 0x113)
        // Base address alignment.
        try write(abar, port(0, AhciRegister.clb), 0x1234_5FFF)
        try write(abar, port(0, AhciRegister.fb), 0x1234_5FFF)
        #expect(try read(abar, port(0, AhciRegister.clb)) == 0x1234_5C00)
        #expect(try read(abar, port(0, AhciRegister.fb)) == 0x1234_5F00)
    }

    @Test func commandEnginesFollowStartAndFre() throws {
        let abar = try AhciController().abar
        let command = port(0, AhciRegister.command)
        try write(abar, command, AhciRegister.cmdFisReceiveEnable)
        #expect(try read(abar, command) & AhciRegister.cmdFisReceiveRunning != 0)
        try write(abar, command, AhciRegister.cmdFisReceiveEnable | AhciRegister.cmdStart)
        #expect(try read(abar, command) & AhciRegister.cmdCommandListRunning != 0)
        try write(abar, command, AhciRegister.cmdFisReceiveEnable)
        #expect(try read(abar, command) & (AhciRegister.cmdCommandListRunning | AhciRegister.cmdStart) == 0)
        try write(abar, command, 0)
        #expect(try read(abar, command) & (AhciRegister.cmdFisReceiveRunning | AhciRegister.cmdFisReceiveEnable) == 0)
        // CI is ignored while the port is stopped.
        try write(abar, port(0, AhciRegister.commandIssue), 1)
        #expect(try read(abar, port(0, AhciRegister.commandIssue)) == 0)
    }

    @Test func hbaResetSelfClearsAndResetsPorts() throws {
        let abar = try AhciController().abar
        try write(abar, port(0, AhciRegister.clb), 0x8000)
        try write(abar, port(0, AhciRegister.portInterruptEnable), 0xFFFF_FFFF)
        try write(abar, port(0, AhciRegister.command), AhciRegister.cmdFisReceiveEnable)
        try write(abar, AhciRegister.ghc, AhciRegister.ghcInterruptEnable)
        try write(abar, AhciRegister.ghc, AhciRegister.ghcReset)
        #expect(try read(abar, AhciRegister.ghc) == AhciRegister.ghcAhciEnable)  // HR clear, IE reset
        #expect(try read(abar, port(0, AhciRegister.portInterruptEnable)) == 0)
        #expect(try read(abar, port(0, AhciRegister.command)) & AhciRegister.cmdFisReceiveEnable == 0)
        #expect(try read(abar, port(0, AhciRegister.signature)) == 0x101)
        #expect(try read(abar, port(0, AhciRegister.clb)) == 0x8000)  // base addresses survive
    }

    @Test func comresetRestoresLinkAndFlagsTheChange() throws {
        let abar = try AhciController().abar
        try write(abar, port(0, AhciRegister.sataControl), 1)
        try write(abar, port(0, AhciRegister.sataControl), 0)
        #expect(try read(abar, port(0, AhciRegister.sataStatus)) == 0x113)
        #expect(try read(abar, port(0, AhciRegister.sataError)) & (1 << 26) != 0)
        let status = try read(abar, port(0, AhciRegister.portInterruptStatus))
        #expect(status & AhciPortInterrupt.portConnectChange.rawValue != 0)
        try write(abar, port(0, AhciRegister.portInterruptStatus), 0xFFFF_FFFF)  // PCS is not RW1C
        #expect(try read(abar, port(0, AhciRegister.portInterruptStatus)) == status)
        try write(abar, port(0, AhciRegister.sataError), 1 << 26)                // cleared via SERR
        #expect(try read(abar, port(0, AhciRegister.portInterruptStatus)) == 0)
    }

    @Test func identifyDeviceData() {
        let disk = AtaDisk(sectorCount: 0x1_2345_6789, model: "ZIRCONIA DISK")
        let data = disk.identifyData()
        #expect(data.count == 512)
        func word(_ index: Int) -> UInt16 { UInt16(data[index * 2]) | UInt16(data[index * 2 + 1]) << 8 }
        #expect(AtaDisk.string(fromIdentify: data, words: 27..<47) == "ZIRCONIA DISK")
        let firstPair: UInt16 = 0x5A49  // "ZI": first character in the high byte
        #expect(word(27) == firstPair)
        #expect(AtaDisk.string(fromIdentify: data, words: 10..<20) == "QM00001")
        let lba28 = UInt32(word(60)) | UInt32(word(61)) << 16
        #expect(lba28 == 0x0FFF_FFFF)   // LBA28 capped
        let lba48 = (0..<4).reduce(UInt64(0)) { $0 | UInt64(word(100 + $1)) << UInt64(16 * $1) }
        #expect(lba48 == 0x1_2345_6789)
        #expect(word(83) & (1 << 10) != 0)
        #expect(word(86) & (1 << 10) != 0)
        #expect(word(49) & (1 << 9) != 0)
        #expect(data[510] == 0xA5)
        #expect(data.reduce(UInt8(0), &+) == 0)  // integrity word

        let small = AtaDisk(sectorCount: 2048).identifyData()
        #expect(UInt32(small[120]) | UInt32(small[121]) << 8 == 2048)
    }

    /// RAM layout of the DMA test: command list, received FIS, a command table, data buffers.
    private enum Layout {
        static let ramBase: UInt64 = 0x10_0000
        static let commandList: UInt64 = 0x10_0000
        static let receivedFis: UInt64 = 0x10_0400
        static let commandTable: UInt64 = 0x10_1000
        static let buffer: UInt64 = 0x10_2000
    }

    private func store(_ memory: PhysicalMemory, _ bytes: [UInt8], at address: UInt64) {
        let pointer = memory.hostPointer(PhysicalAddress(address))
        for (index, byte) in bytes.enumerated() { pointer.storeBytes(of: byte, toByteOffset: index, as: UInt8.self) }
    }

    private func load(_ memory: PhysicalMemory, _ address: UInt64, count: Int) -> [UInt8] {
        let pointer = memory.hostPointer(PhysicalAddress(address))
        return (0..<count).map { pointer.load(fromByteOffset: $0, as: UInt8.self) }
    }

    private func littleEndian(_ value: UInt32) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }

    /// Builds slot `slot`'s command: header in the list, H2D FIS and one PRD in the table.
    private func prepare(_ memory: PhysicalMemory, slot: Int, opcode: UInt8, lba: UInt64 = 0, count: UInt16 = 0,
                         features: UInt16 = 0, write: Bool = false, bytes: Int) {
        let table = Layout.commandTable + UInt64(slot) * 0x100
        let flags: UInt32 = 5 | (write ? 1 << 6 : 0) | 1 << 16  // CFL 5 dwords, one PRD
        store(memory, littleEndian(flags) + littleEndian(0) + littleEndian(UInt32(table)) + littleEndian(0),
              at: Layout.commandList + UInt64(slot) * 32)
        var fis = Array(repeating: UInt8(0), count: 20)
        fis[0] = 0x27
        fis[1] = 0x80
        fis[2] = opcode
        fis[3] = UInt8(features & 0xFF)
        fis[11] = UInt8(features >> 8)
        for byte in 0..<3 { fis[4 + byte] = UInt8(truncatingIfNeeded: lba >> UInt64(8 * byte)) }
        fis[7] = 0x40
        for byte in 0..<3 { fis[8 + byte] = UInt8(truncatingIfNeeded: lba >> UInt64(24 + 8 * byte)) }
        fis[12] = UInt8(count & 0xFF)
        fis[13] = UInt8(count >> 8)
        store(memory, fis, at: table)
        store(memory, littleEndian(UInt32(Layout.buffer)) + littleEndian(0) + littleEndian(0)
              + littleEndian(UInt32(bytes - 1) | 1 << 31), at: table + 0x80)
    }

    private func startedPort(memory: PhysicalMemory) throws -> (AhciController, AhciRegisters) {
        let disk = AtaDisk(sectorCount: 4096, model: "DMA DISK")
        let ahci = try AhciController(disk: disk, memory: BusMasterMemory(physicalMemory: memory))
        let abar = ahci.abar
        ahci.pciFunction.setConfig16(PciConfigOffset.command,
                                     UInt32(PciCommand([.memorySpace, .busMaster]).rawValue))
        try write(abar, port(0, AhciRegister.clb), UInt32(Layout.commandList))
        try write(abar, port(0, AhciRegister.fb), UInt32(Layout.receivedFis))
        try write(abar, port(0, AhciRegister.command), AhciRegister.cmdFisReceiveEnable | AhciRegister.cmdStart)
        return (ahci, abar)
    }

    @Test func identifyThroughTheCommandList() throws {
        let memory = try PhysicalMemory(base: PhysicalAddress(Layout.ramBase), size: 64 << 10)
        let (ahci, abar) = try startedPort(memory: memory)
        let signals = Mutex<[PciInterruptSignal]>([])
        ahci.pciFunction.setInterruptSink { signal in signals.withLock { $0.append(signal) } }
        try write(abar, port(0, AhciRegister.portInterruptEnable), 0xFFFF_FFFF)
        try write(abar, AhciRegister.ghc, AhciRegister.ghcInterruptEnable)

        prepare(memory, slot: 0, opcode: 0xEC, bytes: 512)
        try write(abar, port(0, AhciRegister.commandIssue), 1)
        #expect(try read(abar, port(0, AhciRegister.commandIssue)) == 0)
        let identify = load(memory, Layout.buffer, count: 512)
        #expect(identify == ahci.disk(atPort: 0)?.identifyData())
        #expect(AtaDisk.string(fromIdentify: identify, words: 27..<47) == "DMA DISK")
        // PRDBC = 512, D2H FIS posted with DRDY status, PIO setup FIS posted.
        #expect(load(memory, Layout.commandList + 4, count: 4) == littleEndian(512))
        #expect(load(memory, Layout.receivedFis + 0x40, count: 3) == [0x34, 0x40, 0x50])
        #expect(load(memory, Layout.receivedFis + 0x20, count: 1) == [0x5F])
        let status = try read(abar, port(0, AhciRegister.portInterruptStatus))
        #expect(status & (AhciPortInterrupt.deviceToHostRegisterFis.rawValue | AhciPortInterrupt.pioSetupFis.rawValue) != 0)
        #expect(try read(abar, AhciRegister.interruptStatus) == 1)
        #expect(ahci.abar.interruptPending)
        try write(abar, port(0, AhciRegister.portInterruptStatus), status)
        #expect(try read(abar, AhciRegister.interruptStatus) == 0)
        #expect(signals.withLock { $0 } == [.legacy(asserted: true), .legacy(asserted: false)])
    }

    @Test func dmaWriteThenReadBack() throws {
        let memory = try PhysicalMemory(base: PhysicalAddress(Layout.ramBase), size: 64 << 10)
        let (ahci, abar) = try startedPort(memory: memory)
        let pattern = (0..<1024).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        store(memory, pattern, at: Layout.buffer)
        prepare(memory, slot: 3, opcode: 0x35, lba: 100, count: 2, write: true, bytes: 1024)  // WRITE DMA EXT
        try write(abar, port(0, AhciRegister.commandIssue), 1 << 3)
        #expect(try read(abar, port(0, AhciRegister.commandIssue)) == 0)
        #expect(ahci.disk(atPort: 0)?.read(lba: 100, count: 2) == pattern)

        store(memory, Array(repeating: 0, count: 1024), at: Layout.buffer)
        prepare(memory, slot: 1, opcode: 0x60, lba: 100, features: 2, bytes: 1024)  // READ FPDMA QUEUED
        try write(abar, port(0, AhciRegister.sataActive), 1 << 1)
        try write(abar, port(0, AhciRegister.commandIssue), 1 << 1)
        #expect(load(memory, Layout.buffer, count: 1024) == pattern)
        #expect(try read(abar, port(0, AhciRegister.sataActive)) == 0)
        #expect(try read(abar, port(0, AhciRegister.portInterruptStatus)) & AhciPortInterrupt.setDeviceBitsFis.rawValue != 0)
        #expect(load(memory, Layout.receivedFis + 0x58, count: 1) == [0xA1])

        // Past the end of the disk: ID not found, task file error.
        prepare(memory, slot: 0, opcode: 0x25, lba: 4095, count: 2, bytes: 1024)
        try write(abar, port(0, AhciRegister.commandIssue), 1)
        #expect(try read(abar, port(0, AhciRegister.taskFile)) == 0x1041)
        #expect(try read(abar, port(0, AhciRegister.portInterruptStatus)) & AhciPortInterrupt.taskFileError.rawValue != 0)
    }

    @Test func commandsWaitForBusMasterAndFaultOutsideRam() throws {
        let memory = try PhysicalMemory(base: PhysicalAddress(Layout.ramBase), size: 64 << 10)
        let (ahci, abar) = try startedPort(memory: memory)
        prepare(memory, slot: 0, opcode: 0xEC, bytes: 512)
        ahci.pciFunction.setConfig16(PciConfigOffset.command, UInt32(PciCommand.memorySpace.rawValue))
        try write(abar, port(0, AhciRegister.commandIssue), 1)
        #expect(try read(abar, port(0, AhciRegister.commandIssue)) == 1)  // stays issued

        // Command list pointing outside RAM: host bus fatal error.
        ahci.pciFunction.setConfig16(PciConfigOffset.command,
                                     UInt32(PciCommand([.memorySpace, .busMaster]).rawValue))
        try write(abar, port(0, AhciRegister.command), 0)
        try write(abar, port(0, AhciRegister.clb), 0x4000_0000)
        try write(abar, port(0, AhciRegister.command), AhciRegister.cmdFisReceiveEnable | AhciRegister.cmdStart)
        try write(abar, port(0, AhciRegister.commandIssue), 1)
        #expect(try read(abar, port(0, AhciRegister.portInterruptStatus)) & AhciPortInterrupt.hostBusFatalError.rawValue != 0)
        #expect(try read(abar, port(0, AhciRegister.commandIssue)) == 0)
    }
}
