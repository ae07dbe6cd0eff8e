// The e1000 driver against the 82540EM model: directly (no kernel), through a booted qemu-x64
// machine from a driver process, the exact reset/EERD access sequence pinned with a mock region,
// the RAL/RAH fallback, and the errors a stuck device gives.

import Drivers
import Testing
import Zirconia

@Suite struct E1000DriverTests {
    static let mac: [UInt8] = [0x02, 0x5A, 0x52, 0x43, 0x4E, 0x07]

    @Test func bringUpAgainstTheModel() throws {
        let nic = try E1000(mac: Self.mac)
        let bar0 = MmioBuffer(device: nic.registers)
        var driver = E1000Driver(bar0: bar0.window)
        let info = try driver.start()
        #expect(info == EthernetInfo(mac: Self.mac, linkUp: true, speedMbps: 1000, fullDuplex: true))
        #expect(info.macString == "02:5a:52:43:4e:07")
        #expect(driver.macSource == .eeprom)
        #expect(driver.eepromChecksumValid == true)
        // What the driver left in the device: the receive address valid, receiver and transmitter on.
        #expect(try bar0.read32(E1000Spec.Register.ral0) == 0x4352_5A02)
        #expect(try bar0.read32(E1000Spec.Register.rah0) == 0x8000_074E)
        #expect(try bar0.read32(E1000Spec.Register.rctl) & E1000Spec.Register.rctlEnable != 0)
        #expect(try bar0.read32(E1000Spec.Register.tctl) & E1000Spec.Register.tctlEnable != 0)
        #expect(!nic.registers.interruptPending)
        #expect(nic.registers.unhandledAccessCount == 0)
    }

    @Test func resetMasksInterruptsAndClearsCauses() throws {
        let nic = try E1000(mac: Self.mac)
        let bar0 = MmioBuffer(device: nic.registers)
        try bar0.write32(0xFFFF_FFFF, 0x00D0)   // IMS: enable every cause
        nic.raiseInterrupt(.linkStatusChange)
        #expect(nic.registers.interruptPending)
        try E1000Driver(bar0: bar0.window).reset()
        #expect(!nic.registers.interruptPending)
        #expect(try bar0.read32(E1000Spec.Register.ctrl) & E1000Spec.Register.ctrlReset == 0)
    }

    /// The bring-up order Fuchsia's e1000_reset_hw and e1000_read_nvm_eerd follow, access by access.
    @Test func resetAndEerdAccessSequenceIsPinned() throws {
        let mock = MockMmioRegion(name: "e1000 mock", size: 0x2_0000)
        let ctrl = UInt64(E1000Spec.Register.ctrl), eerd = UInt64(E1000Spec.Register.eerd)
        mock.expectRead(0x0014_0240, at: ctrl)
        mock.expectWrite(0x0414_0240, at: ctrl)                  // CTRL | RST
        mock.expectRead(0x0414_0240, at: ctrl)                   // still resetting
        mock.expectRead(0x0014_0240, at: ctrl)                   // RST self-cleared
        mock.expectWrite(0xFFFF_FFFF, at: UInt64(E1000Spec.Register.imc))
        mock.expectRead(0x4, at: UInt64(E1000Spec.Register.icr)) // read-to-clear
        for word in 0..<3 {
            mock.expectWrite(UInt64(word) << 8 | 1, at: eerd)    // address | START
            mock.expectRead(UInt64(word) << 8 | 1, at: eerd)     // not done yet
            let data = UInt64(Self.mac[word * 2]) | UInt64(Self.mac[word * 2 + 1]) << 8
            mock.expectRead(data << 16 | UInt64(word) << 8 | 0x11, at: eerd)
        }
        let driver = E1000Driver(bar0: MmioView(device: mock))
        try driver.reset()
        #expect(try driver.macFromEeprom() == Self.mac)
        #expect(mock.verify() == [])
    }

    @Test func macFallsBackToReceiveAddressWhenEerdNeverCompletes() throws {
        let fake = FakeMmioRegion(name: "e1000 fake", registerCount: 0x2_0000 / 4)
        fake.setReadCallback(at: E1000Spec.Register.ral0) { 0x4352_5A02 }
        fake.setReadCallback(at: E1000Spec.Register.rah0) { 0x8000_074E }
        fake.setReadCallback(at: E1000Spec.Register.status) { 0x1 | 0x2 | 1 << 6 }   // FD, LU, 100 Mb/s
        var driver = E1000Driver(bar0: MmioView(device: fake))
        driver.pollBudget = 8
        #expect(throws: DriverError.timeout("e1000 EERD.DONE (word 0)")) { try driver.readEeprom(word: 0) }
        let info = try driver.start()
        #expect(info == EthernetInfo(mac: Self.mac, linkUp: true, speedMbps: 100, fullDuplex: true))
        #expect(driver.macSource == .receiveAddressRegisters)
        #expect(driver.eepromChecksumValid == nil)
    }

    @Test func aResetThatNeverCompletesIsATimeoutNamingTheRegister() throws {
        let fake = FakeMmioRegion(name: "e1000 stuck", registerCount: 0x2_0000 / 4)
        fake.setReadCallback(at: E1000Spec.Register.ctrl) { UInt64(E1000Spec.Register.ctrlReset) }
        var driver = E1000Driver(bar0: MmioView(device: fake))
        driver.pollBudget = 16
        #expect(throws: DriverError.timeout("e1000 CTRL.RST")) { try driver.start() }
        #expect(throws: DriverError.invalidArgument("e1000 EEPROM word 64")) { try driver.readEeprom(word: 64) }
    }

    @Test func aRefusedAccessNamesTheRegister() throws {
        // A window too small for STATUS: the access faults, the error says which register.
        let fake = FakeMmioRegion(name: "e1000 tiny", registerCount: 1)
        let driver = E1000Driver(bar0: MmioView(device: fake))
        #expect {
            try driver.linkStatus()
        } throws: { error in
            guard case let DriverError.mmio(register, _) = error else { return false }
            return register == "e1000 STATUS"
        }
    }

    @Test func bringUpFromADriverProcessOnQemuX64() throws {
        let booted = try BootedMachine(Machine.qemuX64(MachineOptions(memorySize: 32 << 20, mac: Self.mac)))
        let bar0 = try booted.bar(QemuX64PciBus.networkAddress, 0)
        let root = booted.root
        let (info, source) = try booted.process.run { () throws -> (EthernetInfo, E1000Driver<MmioView>.MacSource?) in
            let registers = try mapMmio(bar0, root: root, name: "e1000 bar0")
            var driver = E1000Driver(bar0: registers.window)
            return (try driver.start(), driver.macSource)
        }
        #expect(info == EthernetInfo(mac: Self.mac, linkUp: true, speedMbps: 1000, fullDuplex: true))
        #expect(source == .eeprom)
        #expect(booted.machine.network?.registers.unhandledAccessCount == 0)
    }
}
