// The e1000 (82540EM) register model: identity, reset defaults, software reset, EEPROM reads by
// EERD and by Microwire bit-banging, the EEPROM checksum, interrupt cause/mask registers, the
// receive address registers, PHY access through MDIC, access-width rules.
//
// Counterpart: Intel 8254x SDM sections 5.6 (checksum), 13.4 (registers); QEMU hw/net/e1000.c.

import Synchronization
import Testing
@testable import Devices

@Suite struct E1000Tests {
    private let mac: [UInt8] = [0x02, 0x11, 0x22, 0x33, 0x44, 0x55]

    private func read(_ registers: E1000Registers, _ offset: UInt64) throws -> UInt32 {
        UInt32(try registers.read(offset: offset, width: .word))
    }

    private func write(_ registers: E1000Registers, _ offset: UInt64, _ value: UInt32) throws {
        try registers.write(offset: offset, width: .word, value: UInt64(value))
    }

    private func eepromWord(_ registers: E1000Registers, _ address: UInt32) throws -> UInt16 {
        try write(registers, E1000Register.eerd, E1000Register.eerdStart | address << 8)
        let value = try read(registers, E1000Register.eerd)
        #expect(value & E1000Register.eerdDone != 0)
        return UInt16(value >> 16)
    }

    @Test func identityAndBars() throws {
        let nic = try E1000(mac: mac)
        let function = nic.pciFunction
        #expect(function.config32(0) == 0x100E_8086)
        #expect(function.config32(0x08) >> 8 == 0x02_0000)
        #expect(function.bars.map(\.index) == [0, 1])
        #expect(function.bars[0].size == 128 << 10)
        #expect(function.config8(PciConfigOffset.interruptPin) == 1)
    }

    @Test func resetDefaultsAndSoftwareReset() throws {
        let registers = try E1000(mac: mac).registers
        #expect(try read(registers, E1000Register.status) == 0x283)  // FD, LU, 1000 Mb/s
        #expect(try read(registers, E1000Register.ctrl) == E1000Register.ctrlDefault)
        try write(registers, E1000Register.rctl, E1000Register.enable | 0x8000)
        try write(registers, E1000Register.tctl, E1000Register.enable)
        try write(registers, E1000Register.ims, 0xFF)
        try write(registers, E1000Register.ral0, 0)
        #expect(try read(registers, E1000Register.rctl) == E1000Register.enable | 0x8000)

        try write(registers, E1000Register.ctrl, E1000Register.ctrlDefault | E1000Register.ctrlReset)
        #expect(try read(registers, E1000Register.ctrl) & E1000Register.ctrlReset == 0)  // self-clearing
        #expect(try read(registers, E1000Register.ctrl) == E1000Register.ctrlDefault)
        #expect(try read(registers, E1000Register.rctl) == 0)
        #expect(try read(registers, E1000Register.tctl) == 0)
        #expect(try read(registers, E1000Register.ims) == 0)
        #expect(try read(registers, E1000Register.ral0) == 0x3322_1102)  // reloaded from EEPROM
    }

    @Test func eerdReadsMacAndChecksum() throws {
        let registers = try E1000(mac: mac).registers
        #expect(try eepromWord(registers, 0) == 0x1102)
        #expect(try eepromWord(registers, 1) == 0x3322)
        #expect(try eepromWord(registers, 2) == 0x5544)
        #expect(try eepromWord(registers, 0x0D) == 0x100E)
        var sum: UInt16 = 0
        for address in UInt32(0)...0x3F { sum &+= try eepromWord(registers, address) }
        #expect(sum == 0xBABA)
        // Without START, EERD reads back what was written and no DONE.
        try write(registers, E1000Register.eerd, 0x0300)
        #expect(try read(registers, E1000Register.eerd) == 0x0300)
        #expect(E1000Eeprom(mac: [1, 2, 3]).mac == [1, 2, 3, 0, 0, 0])
    }

    @Test func microwireBitBangRead() throws {
        let registers = try E1000(mac: mac).registers
        let select = E1000Register.eecdChipSelect
        func clock(_ dataIn: Bool) throws {
            let base = select | (dataIn ? E1000Register.eecdDataIn : 0)
            try write(registers, E1000Register.eecd, base)
            try write(registers, E1000Register.eecd, base | E1000Register.eecdClock)
            try write(registers, E1000Register.eecd, base)
        }
        func readWord(_ address: UInt32) throws -> UInt16 {
            try write(registers, E1000Register.eecd, 0)
            try write(registers, E1000Register.eecd, select)
            for bit in [true, true, false] { try clock(bit) }                 // start + READ
            for shift in (0..<6).reversed() { try clock((address >> UInt32(shift)) & 1 == 1) }
            var word: UInt16 = 0
            for _ in 0..<16 {  // raise SK, sample DO, lower SK
                try write(registers, E1000Register.eecd, select | E1000Register.eecdClock)
                let eecd = try read(registers, E1000Register.eecd)
                word = word << 1 | (eecd & E1000Register.eecdDataOut != 0 ? 1 : 0)
                try write(registers, E1000Register.eecd, select)
            }
            try write(registers, E1000Register.eecd, 0)
            return word
        }
        let eecd = try read(registers, E1000Register.eecd)
        #expect(eecd & (E1000Register.eecdPresent | E1000Register.eecdGrant) == E1000Register.eecdPresent | E1000Register.eecdGrant)
        #expect(try readWord(0) == 0x1102)
        #expect(try readWord(2) == 0x5544)
        #expect(try readWord(0x3F) == E1000Eeprom(mac: mac).words[0x3F])
    }

    @Test func interruptCauseReadClearsAndMaskRegisters() throws {
        let nic = try E1000(mac: mac)
        let registers = nic.registers
        let signals = Mutex<[PciInterruptSignal]>([])
        nic.pciFunction.setInterruptSink { signal in signals.withLock { $0.append(signal) } }

        try write(registers, E1000Register.ics, 0x84)  // cause bits without a mask: no interrupt
        #expect(!registers.interruptPending)
        try write(registers, E1000Register.ims, 0x04)
        try write(registers, E1000Register.ims, 0x80)
        #expect(try read(registers, E1000Register.ims) == 0x84)
        #expect(registers.interruptPending)
        try write(registers, E1000Register.imc, 0x80)
        #expect(try read(registers, E1000Register.ims) == 0x04)
        #expect(try read(registers, E1000Register.icr) == 0x84)  // read returns all causes
        #expect(try read(registers, E1000Register.icr) == 0)     // and clears them
        #expect(!registers.interruptPending)

        nic.raiseInterrupt(.linkStatusChange)
        #expect(nic.pciFunction.interruptRequested)
        _ = try read(registers, E1000Register.icr)
        #expect(!nic.pciFunction.interruptRequested)
        #expect(signals.withLock { $0 } == [.legacy(asserted: true), .legacy(asserted: false),
                                             .legacy(asserted: true), .legacy(asserted: false)])
    }

    @Test func receiveAddressRegisters() throws {
        let registers = try E1000(mac: mac).registers
        #expect(try read(registers, E1000Register.ral0) == 0x3322_1102)
        #expect(try read(registers, E1000Register.rah0) == 0x8000_5544)  // AV set
        try write(registers, E1000Register.ral0 + 8, 0xDEAD_BEEF)         // RAL1 is plain storage
        #expect(try read(registers, E1000Register.ral0 + 8) == 0xDEAD_BEEF)
        try write(registers, E1000Register.rdbal, 0x1234_5678)
        try write(registers, E1000Register.rdlen, 0x1234)
        #expect(try read(registers, E1000Register.rdbal) == 0x1234_5670)
        #expect(try read(registers, E1000Register.rdlen) == 0x1200)
    }

    @Test func phyAccessThroughMdic() throws {
        let registers = try E1000(mac: mac).registers
        func mdic(_ operation: UInt32, phy: UInt32 = 1, register: UInt32, data: UInt32 = 0) throws -> UInt32 {
            try write(registers, E1000Register.mdic, operation << 26 | phy << 21 | register << 16 | data)
            return try read(registers, E1000Register.mdic)
        }
        let id1 = try mdic(0b10, register: 2)
        #expect(id1 & E1000Register.mdicReady != 0 && id1 & 0xFFFF == 0x0141)
        #expect(try mdic(0b10, register: 1) & 0x0004 != 0)  // link up
        _ = try mdic(0b01, register: 4, data: 0x01E1)
        #expect(try mdic(0b10, register: 4) & 0xFFFF == 0x01E1)
        #expect(try mdic(0b10, phy: 2, register: 2) & E1000Register.mdicError != 0)
    }

    @Test func accessRules() throws {
        let registers = try E1000(mac: mac).registers
        #expect(pciFaultKind { _ = try registers.read(offset: 0x8, width: .halfWord) } == .badWidth)
        #expect(pciFaultKind { try registers.write(offset: 0x0, width: .byte, value: 0) } == .badWidth)
        #expect(pciFaultKind { _ = try registers.read(offset: 0x0, width: .doubleWord) } == .badWidth)
        #expect(pciFaultKind { _ = try registers.read(offset: 0x6, width: .word) } == .misaligned)
        #expect(pciFaultKind { _ = try registers.read(offset: 0x2_0000, width: .word) } == .unmappedRegister)
        // Unknown offsets read zero, swallow writes, and are counted.
        #expect(try read(registers, 0x0F00) == 0)
        try write(registers, 0x0F00, 0xFFFF_FFFF)
        #expect(try read(registers, 0x0F00) == 0)
        #expect(registers.unhandledAccessCount == 3)
        #expect(registers.recentUnhandledOffsets == [0x0F00, 0x0F00, 0x0F00])
        #expect(try read(registers, 0x4000) == 0)  // statistics: known, zero
        #expect(registers.unhandledAccessCount == 3)
    }
}
