// Configuration-space rules of one function: read-only identity, writable command bits, RW1C
// status, BAR sizing for 32/64-bit memory and I/O BARs, capability list walks, conventional vs
// extended space, interrupt delivery (INTx and MSI), and rejected descriptions.
//
// Counterpart: PCI Local Bus 3.0 sections 6.1–6.2.5 and 6.7–6.8; Fuchsia's Device::ProbeBar
// sizing algorithm (driver-model.md section 7.4).

import Hardware
import Synchronization
import Testing
@testable import Devices

@Suite struct PciConfigSpaceTests {
    @Test func identityRegistersAreReadOnly() throws {
        let function = try PciTestDevices.endpoint()
        let before = (0..<0x10).map { function.config8($0) }
        for offset in [0x00, 0x02, 0x08, 0x0A, 0x2C, 0x2E] {
            function.setConfig16(offset, 0x5A5A)
        }
        function.writeConfig(offset: PciConfigOffset.headerType, width: .byte, value: 0x7F)
        #expect(function.config16(PciConfigOffset.vendorID) == 0x1AF4)
        #expect(function.config16(PciConfigOffset.deviceID) == 0x0001)
        #expect(function.config8(PciConfigOffset.baseClass) == 0xFF)
        #expect(function.config8(PciConfigOffset.headerType) == 0)
        #expect(function.config16(PciConfigOffset.subsystemVendorID) == 0x1AF4)
        #expect(function.config16(PciConfigOffset.subsystemID) == 0x1100)
        let after = (0..<0x10).map { function.config8($0) }
        #expect(Array(before[0..<4]) == Array(after[0..<4]))
        #expect(Array(before[8..<0x0C]) == Array(after[8..<0x0C]))
    }

    @Test func commandRegisterHasOnlyTheWritableBits() throws {
        let function = try PciTestDevices.endpoint()
        function.setConfig16(PciConfigOffset.command, 0xFFFF)
        #expect(function.config16(PciConfigOffset.command) == 0x0547)
        function.setConfig16(PciConfigOffset.command, 0)
        #expect(function.config16(PciConfigOffset.command) == 0)
        // Interrupt line is writable, pin is not.
        function.writeConfig(offset: PciConfigOffset.interruptLine, width: .byte, value: 0x0B)
        function.writeConfig(offset: PciConfigOffset.interruptPin, width: .byte, value: 0x03)
        #expect(function.config8(PciConfigOffset.interruptLine) == 0x0B)
        #expect(function.config8(PciConfigOffset.interruptPin) == 0)
    }

    @Test func statusErrorBitsAreWriteOneToClear() throws {
        let function = try PciTestDevices.endpoint()
        function.withConfig { config in
            config.update16(PciConfigOffset.status, setting: PciStatus([.receivedMasterAbort, .detectedParityError]).rawValue, to: true)
        }
        #expect(function.status.contains(.capabilitiesList))
        function.setConfig16(PciConfigOffset.status, 0)  // writing zeros changes nothing
        #expect(function.status.contains([.receivedMasterAbort, .detectedParityError]))
        function.setConfig16(PciConfigOffset.status, UInt32(PciStatus.receivedMasterAbort.rawValue | PciStatus.capabilitiesList.rawValue))
        #expect(!function.status.contains(.receivedMasterAbort))
        #expect(function.status.contains(.detectedParityError))
        #expect(function.status.contains(.capabilitiesList))  // read-only, not RW1C
    }

    @Test func barSizingReturnsSizeMaskAndTypeBits() throws {
        let display = try BochsDisplay()
        let function = display.pciFunction
        // BAR0: 16 MiB prefetchable 32-bit memory.
        #expect(function.config32(0x10) == 0x8)
        function.setConfig32(0x10, 0xFFFF_FFFF)
        let readback = function.config32(0x10)
        #expect(readback == 0xFF00_0008)
        #expect(~(readback & ~0xF) &+ 1 == 16 << 20)
        // BAR1 is unimplemented: reads 0 even after all ones.
        function.setConfig32(0x14, 0xFFFF_FFFF)
        #expect(function.config32(0x14) == 0)
        // BAR2: 4 KiB non-prefetchable.
        function.setConfig32(0x18, 0xFFFF_FFFF)
        #expect(function.config32(0x18) == 0xFFFF_F000)
        // Expansion ROM not implemented.
        function.setConfig32(PciConfigOffset.expansionROM, 0xFFFF_FFFF)
        #expect(function.config32(PciConfigOffset.expansionROM) == 0)
    }

    @Test func sixtyFourBitBarUsesTwoSlots() throws {
        let function = try PciTestDevices.endpoint()
        #expect(function.config32(0x18) == 0xC)  // 64-bit, prefetchable
        function.setConfig32(0x18, 0xFFFF_FFFF)
        function.setConfig32(0x1C, 0xFFFF_FFFF)
        let low = UInt64(function.config32(0x18)), high = UInt64(function.config32(0x1C))
        #expect(low == 0xFFF0_000C)
        #expect(high == 0xFFFF_FFFF)
        let size = ~((high << 32) | (low & ~0xF)) &+ 1
        #expect(size == 0x10_0000)

        // A BAR larger than 4 GiB has no writable low address bits.
        let large = try PciFunction(
            name: "large", identity: PciIdentity(vendorID: 1, deviceID: 1, classCode: PciClassCode(0xFF, 0)),
            bars: [.memory64(0, size: 8 << 30, handler: nil)])
        large.setConfig32(0x10, 0xFFFF_FFFF)
        large.setConfig32(0x14, 0xFFFF_FFFF)
        #expect(large.config32(0x10) == 0x4)
        #expect(large.config32(0x14) == 0xFFFF_FFFE)

        // Programming an address keeps it (low bits below the size stay zero).
        function.setConfig32(0x18, 0x4012_3456)
        function.setConfig32(0x1C, 0x0000_0001)
        #expect(function.barAddress(2) == 0x1_4010_0000)
    }

    @Test func ioBarSizing() throws {
        let network = try E1000()
        let function = network.pciFunction
        #expect(function.config32(0x14) == 0x1)
        function.setConfig32(0x14, 0xFFFF_FFFF)
        #expect(function.config32(0x14) == 0xFFFF_FFC1)  // 64 bytes of I/O
        function.setConfig32(0x14, 0xC040)
        #expect(function.barAddress(1) == 0xC040)
    }

    @Test func capabilityListWalk() throws {
        let ahci = try AhciController()
        let walk = ahci.pciFunction.capabilityWalk()
        #expect(walk.map(\.id) == [PciCapabilityID.msi, PciCapabilityID.sata])
        #expect(walk.map(\.offset) == [0x80, 0xA8])
        // The next pointer bytes are read-only.
        ahci.pciFunction.writeConfig(offset: 0x81, width: .byte, value: 0x40)
        #expect(ahci.pciFunction.config8(0x81) == 0xA8)

        let port = try PciHotPlugRootPort()
        #expect(port.pciFunction.capabilityWalk().map(\.id) == [PciCapabilityID.pciExpress, PciCapabilityID.msi])
        let express = port.pciFunction.capabilityWalk()[0].offset
        let capabilities = port.pciFunction.config16(express + PciExpressRegister.capabilities)
        #expect(capabilities & 0xF == 2)                 // version 2
        #expect((capabilities >> 4) & 0xF == 4)          // root port
        #expect(capabilities & 0x100 != 0)               // slot implemented

        // No capabilities: status bit 4 clear.
        let plain = try Q35Functions.isaBridge()
        #expect(plain.capabilityWalk().isEmpty)
        #expect(plain.config8(PciConfigOffset.capabilitiesPointer) == 0)
    }

    @Test func extendedConfigurationSpace() throws {
        let conventional = try PciTestDevices.endpoint()
        #expect(conventional.config32(0x100) == 0xFFFF_FFFF)
        #expect(conventional.config8(0xFFF) == 0xFF)
        conventional.setConfig32(0x200, 0)
        #expect(conventional.config32(0x200) == 0xFFFF_FFFF)

        let express = try PciTestDevices.endpoint(express: true)
        #expect(express.config32(0x100) == 0)  // empty extended capability list
        #expect(express.config32(0xFFC) == 0)
        #expect(express.readConfig(offset: 0xFFE, width: .word) == 0xFFFF_FFFF)  // runs off the end
    }

    @Test func rejectedDescriptions() {
        let identity = PciIdentity(vendorID: 1, deviceID: 1, classCode: PciClassCode(0xFF, 0))
        #expect(throws: PciConfigurationError.barSizeNotPowerOfTwo(0, 0x3000)) {
            try PciFunction(name: "x", identity: identity, bars: [.memory32(0, size: 0x3000, handler: nil)])
        }
        #expect(throws: PciConfigurationError.barIndexOutOfRange(5)) {
            try PciFunction(name: "x", identity: identity, bars: [.memory64(5, size: 0x1000, handler: nil)])
        }
        #expect(throws: PciConfigurationError.barSlotsOverlap(1)) {
            try PciFunction(name: "x", identity: identity,
                            bars: [.memory64(0, size: 0x1000, handler: nil), .io(1, size: 16)])
        }
        #expect(throws: PciConfigurationError.barSizeOutOfRange(0, 8)) {
            try PciFunction(name: "x", identity: identity, bars: [.memory32(0, size: 8, handler: nil)])
        }
        #expect(throws: PciConfigurationError.capabilitiesOverlap(id: PciCapabilityID.sata)) {
            try PciFunction(name: "x", identity: identity,
                            capabilities: [.msi(offset: 0x80), .sata(offset: 0x84)])
        }
        #expect(throws: PciConfigurationError.capabilityDoesNotFit(id: PciCapabilityID.msi)) {
            try PciFunction(name: "x", identity: identity, capabilities: [.msi(offset: 0xF8)])
        }
    }

    @Test func legacyInterruptFollowsRequestAndDisableBit() throws {
        let function = try PciTestDevices.endpoint()
        let signals = Mutex<[PciInterruptSignal]>([])
        function.setInterruptSink { signal in signals.withLock { $0.append(signal) } }
        function.setInterruptRequest(true)
        #expect(function.status.contains(.interrupt))
        function.setConfig16(PciConfigOffset.command, UInt32(PciCommand.interruptDisable.rawValue))
        #expect(function.status.contains(.interrupt))  // status still shows the request
        function.setConfig16(PciConfigOffset.command, 0)
        function.setInterruptRequest(false)
        #expect(!function.status.contains(.interrupt))
        #expect(signals.withLock { $0 } == [.legacy(asserted: true), .legacy(asserted: false),
                                             .legacy(asserted: true), .legacy(asserted: false)])
    }

    @Test func messageSignaledInterrupt() throws {
        let function = try PciTestDevices.endpoint()
        let signals = Mutex<[PciInterruptSignal]>([])
        function.setInterruptSink { signal in signals.withLock { $0.append(signal) } }
        guard let msi = function.capabilityOffsets[PciCapabilityID.msi] else {
            Issue.record("no MSI capability")
            return
        }
        function.setConfig32(msi + PciMsiRegister.messageAddress, 0xFEE0_1003)  // low two bits are RO 0
        function.setConfig32(msi + PciMsiRegister.messageUpperAddress, 0)
        function.setConfig16(msi + PciMsiRegister.messageData64, 0x4041)
        function.setConfig16(msi + PciMsiRegister.messageControl, 0xFFFF)
        #expect(function.config16(msi + PciMsiRegister.messageControl) == 0x00F1)  // 64-bit, enabled, MME
        function.setInterruptRequest(true)
        function.setInterruptRequest(true)   // still asserted: no second message
        function.setInterruptRequest(false)
        function.setInterruptRequest(true)
        let expected = PciInterruptSignal.messageSignaled(address: 0xFEE0_1000, data: 0x4041)
        #expect(signals.withLock { $0 } == [expected, expected])
        #expect(!function.status.contains(.interrupt))
    }
}
