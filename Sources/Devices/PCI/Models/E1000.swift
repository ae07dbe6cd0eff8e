// E1000: the Intel 82540EM gigabit Ethernet controller (8086:100e, class 02/00) at register
// level — BAR0 is 128 KiB of 32-bit registers: device control with a self-clearing software
// reset, link status, EEPROM access, PHY access, interrupt cause/mask registers, receive and
// transmit control, the receive address filter, descriptor ring registers. No packets move:
// the data path (descriptor DMA) is not modelled.
//
// Counterpart: Intel 8254x SDM chapter 13 (register descriptions, reset values) and QEMU
// hw/net/e1000.c (which registers QEMU implements, STATUS/CTRL defaults, ICR read-to-clear).
// Accesses other than 32-bit aligned fault (`.badWidth` / `.misaligned`), as the SDM requires
// dword accesses. Offsets with no register read 0 and ignore writes, as the silicon does; they
// are counted in `unhandledAccessCount` so tests can tell a driver touched something unmodelled.
import Hardware
import Synchronization

/// Register offsets in BAR0.
public enum E1000Register {
    public static let ctrl: UInt64 = 0x0000, status: UInt64 = 0x0008, eecd: UInt64 = 0x0010
    public static let eerd: UInt64 = 0x0014, ctrlExt: UInt64 = 0x0018, mdic: UInt64 = 0x0020
    public static let icr: UInt64 = 0x00C0, itr: UInt64 = 0x00C4, ics: UInt64 = 0x00C8
    public static let ims: UInt64 = 0x00D0, imc: UInt64 = 0x00D8
    public static let rctl: UInt64 = 0x0100, tctl: UInt64 = 0x0400, tipg: UInt64 = 0x0410
    public static let pba: UInt64 = 0x1000
    public static let rdbal: UInt64 = 0x2800, rdbah: UInt64 = 0x2804, rdlen: UInt64 = 0x2808
    public static let rdh: UInt64 = 0x2810, rdt: UInt64 = 0x2818
    public static let tdbal: UInt64 = 0x3800, tdbah: UInt64 = 0x3804, tdlen: UInt64 = 0x3808
    public static let tdh: UInt64 = 0x3810, tdt: UInt64 = 0x3818
    public static let mta: UInt64 = 0x5200
    public static let ral0: UInt64 = 0x5400, rah0: UInt64 = 0x5404
    public static let vfta: UInt64 = 0x5600

    /// CTRL: set link up (6), speed 1000 (9), software-definable pins 0 and 2 — QEMU's reset value.
    public static let ctrlDefault: UInt32 = (1 << 6) | (1 << 9) | (1 << 18) | (1 << 20)
    /// CTRL.RST: device reset, self-clearing.
    public static let ctrlReset: UInt32 = 1 << 26
    /// STATUS: full duplex (0), link up (1), speed 1000 (7:6 = 10b), auto-detected speed 1000 (9:8).
    public static let statusDefault: UInt32 = 0x1 | 0x2 | (0x2 << 6) | (0x2 << 8)
    /// EERD fields (82540 layout): start (0), done (4), word address (15:8), data (31:16).
    public static let eerdStart: UInt32 = 1 << 0
    public static let eerdDone: UInt32 = 1 << 4
    /// EECD pins: SK (0), CS (1), DI (2), DO (3), FWE (5:4), REQ (6), GNT (7), PRES (8).
    public static let eecdClock: UInt32 = 1 << 0, eecdChipSelect: UInt32 = 1 << 1
    public static let eecdDataIn: UInt32 = 1 << 2, eecdDataOut: UInt32 = 1 << 3
    public static let eecdGrant: UInt32 = 1 << 7, eecdPresent: UInt32 = 1 << 8
    /// RCTL.EN / TCTL.EN (bit 1 of each).
    public static let enable: UInt32 = 1 << 1
    /// RAH.AV: the receive address is valid.
    public static let addressValid: UInt32 = 1 << 31
    /// MDIC fields: data (15:0), register (20:16), PHY address (25:21), op (27:26: 01 write,
    /// 10 read), ready (28), interrupt enable (29), error (30).
    public static let mdicReady: UInt32 = 1 << 28, mdicError: UInt32 = 1 << 30
}

/// Interrupt cause bits (ICR/ICS/IMS/IMC).
public struct E1000InterruptCause: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let transmitDescriptorWritten = Self(rawValue: 1 << 0)
    public static let transmitQueueEmpty = Self(rawValue: 1 << 1)
    public static let linkStatusChange = Self(rawValue: 1 << 2)
    public static let receiveSequenceError = Self(rawValue: 1 << 3)
    public static let receiveDescriptorMinimumThreshold = Self(rawValue: 1 << 4)
    public static let receiverOverrun = Self(rawValue: 1 << 6)
    public static let receiverTimer = Self(rawValue: 1 << 7)
    public static let mdioAccessComplete = Self(rawValue: 1 << 9)
}

public final class E1000: PciDevice {
    public let pciFunction: PciFunction
    public let registers: E1000Registers

    /// QEMU's default MAC (52:54:00:12:34:56).
    public static let defaultMac: [UInt8] = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56]

    public init(name: String = "e1000", mac: [UInt8] = defaultMac) throws(PciConfigurationError) {
        let registers = E1000Registers(name: name + " BAR0", eeprom: E1000Eeprom(mac: mac))
        self.registers = registers
        self.pciFunction = try PciFunction(
            name: name,
            identity: PciIdentity(vendorID: PciVendorID.intel, deviceID: 0x100E, classCode: .ethernet,
                                  revisionID: 3, interruptPin: 1),
            bars: [.memory32(0, size: 0x2_0000, handler: registers), .io(1, size: 0x40)])
        registers.connectInterrupt { [weak function = pciFunction] asserted in
            function?.setInterruptRequest(asserted)
        }
    }

    /// Raises interrupt causes from the emulator side (link change, received packet).
    public func raiseInterrupt(_ causes: E1000InterruptCause) { registers.raise(causes) }
}

public final class E1000Registers: MmioDevice {
    public let name: String
    public let regionSize: UInt64 = 0x2_0000
    public let eeprom: E1000Eeprom

    private struct State {
        /// One 32-bit slot per dword offset: storage for the plain read/write registers.
        var words: [UInt32]
        var icr: UInt32 = 0
        var ims: UInt32 = 0
        var microwire = E1000MicrowireState()
        var phy = E1000Phy()
        var unhandledAccesses = 0
        var recentUnhandledOffsets: [UInt64] = []
    }

    private let state: Mutex<State>
    /// The interrupt request output (to the PCI function), called under `state`'s lock so level
    /// changes reach the function in order (lock order: registers → function).
    private let interruptOutput = Mutex<(@Sendable (Bool) -> Void)?>(nil)

    func connectInterrupt(_ output: @escaping @Sendable (Bool) -> Void) {
        interruptOutput.withLock { $0 = output }
    }

    private func interruptLine(_ asserted: Bool) {
        interruptOutput.withLock { $0 }?(asserted)
    }

    init(name: String, eeprom: E1000Eeprom) {
        self.name = name
        self.eeprom = eeprom
        state = Mutex(State(words: Array(repeating: 0, count: 0x2_0000 / 4)))
        state.withLock { Self.reset(&$0, eeprom: eeprom) }
    }

    /// Power-on / CTRL.RST defaults: every register back to its reset value, the receive
    /// address 0 loaded from the EEPROM.
    private static func reset(_ state: inout State, eeprom: E1000Eeprom) {
        let unhandled = (state.unhandledAccesses, state.recentUnhandledOffsets)
        state = State(words: Array(repeating: 0, count: 0x2_0000 / 4))
        (state.unhandledAccesses, state.recentUnhandledOffsets) = unhandled
        state.words[Int(E1000Register.ctrl / 4)] = E1000Register.ctrlDefault
        state.words[Int(E1000Register.pba / 4)] = 0x0010_0030  // 48 KiB receive, 16 KiB transmit
        let mac = eeprom.mac
        state.words[Int(E1000Register.ral0 / 4)] =
            UInt32(mac[0]) | UInt32(mac[1]) << 8 | UInt32(mac[2]) << 16 | UInt32(mac[3]) << 24
        state.words[Int(E1000Register.rah0 / 4)] =
            UInt32(mac[4]) | UInt32(mac[5]) << 8 | E1000Register.addressValid
    }

    /// Registers that simply hold what software wrote, with the bits that are writable.
    private static func storageMask(_ offset: UInt64) -> UInt32? {
        switch offset {
        case E1000Register.ctrlExt, 0x0028, 0x002C, 0x0030, 0x0038,     // CTRL_EXT, FCAL, FCAH, FCT, VET
             E1000Register.itr, E1000Register.rctl, 0x0170, 0x0178,      // ITR, RCTL, FCTTV, TXCW
             E1000Register.tctl, E1000Register.tipg, 0x0E00,             // TCTL, TIPG, LEDCTL
             E1000Register.pba, 0x2160, 0x2168,                          // PBA, FCRTL, FCRTH
             E1000Register.rdbah, E1000Register.rdh, E1000Register.rdt, 0x2820, 0x2828, 0x282C,
             E1000Register.tdbah, E1000Register.tdh, E1000Register.tdt, 0x3820, 0x3828, 0x382C,
             0x5000, 0x5800, 0x5808, 0x5820:                              // RXCSUM, WUC, WUFC, MANC
            return 0xFFFF_FFFF
        case E1000Register.rdbal, E1000Register.tdbal:
            return 0xFFFF_FFF0          // descriptor rings are 16-byte aligned
        case E1000Register.rdlen, E1000Register.tdlen:
            return 0x000F_FF80          // multiples of 128 bytes
        case E1000Register.mta..<(E1000Register.mta + 0x200),
             E1000Register.ral0..<(E1000Register.ral0 + 0x80),
             E1000Register.vfta..<(E1000Register.vfta + 0x200):
            return 0xFFFF_FFFF
        default:
            return nil
        }
    }

    /// Statistics counters: clear on read; nothing is counted, so they read zero.
    private static func isStatistics(_ offset: UInt64) -> Bool { (0x4000..<0x4100).contains(offset) }

    private func check(_ offset: UInt64, _ width: MmioAccessWidth) throws(MmioFault) {
        try MmioAccessCheck.inRange(offset, width, size: regionSize, device: name)
        guard width == .word else { throw MmioFault(.badWidth, device: name, offset: offset, width: width) }
        try MmioAccessCheck.aligned(offset, width, device: name)
    }

    public func read(offset: UInt64, width: MmioAccessWidth) throws(MmioFault) -> UInt64 {
        try check(offset, width)
        // Interrupt level changes are signalled under the lock so they reach the function in
        // the order they happened (lock order: registers → PCI function).
        return UInt64(state.withLock { state in
            let (value, interrupt) = readLocked(&state, offset)
            if let interrupt { interruptLine(interrupt) }
            return value
        })
    }

    private func readLocked(_ state: inout State, _ offset: UInt64) -> (UInt32, Bool?) {
        switch offset {
        case E1000Register.status:
            return (E1000Register.statusDefault, nil)
        case E1000Register.eecd:
            var value = state.words[Int(offset / 4)] | E1000Register.eecdPresent | E1000Register.eecdGrant
            if state.microwire.dataOut(eeprom) { value |= E1000Register.eecdDataOut }
            return (value, nil)
        case E1000Register.eerd:
            let request = state.words[Int(offset / 4)]
            guard request & E1000Register.eerdStart != 0 else { return (request, nil) }
            let address = Int((request >> 8) & 0xFF)
            let data = eeprom.word(address).map { UInt32($0) << 16 } ?? 0
            return (request | E1000Register.eerdDone | data, nil)
        case E1000Register.icr:
            let causes = state.icr
            state.icr = 0
            return (causes, causes & state.ims != 0 ? false : nil)
        case E1000Register.ims:
            return (state.ims, nil)
        case E1000Register.ctrl, E1000Register.mdic:
            return (state.words[Int(offset / 4)], nil)
        case E1000Register.ics, E1000Register.imc:
            return (0, nil)  // write-only
        default:
            if Self.storageMask(offset) != nil { return (state.words[Int(offset / 4)], nil) }
            if !Self.isStatistics(offset) { Self.noteUnhandled(&state, offset) }
            return (0, nil)
        }
    }

    public func write(offset: UInt64, width: MmioAccessWidth, value: UInt64) throws(MmioFault) {
        try check(offset, width)
        state.withLock { state in
            if let interrupt = writeLocked(&state, offset, UInt32(truncatingIfNeeded: value)) {
                interruptLine(interrupt)
            }
        }
    }

    private func writeLocked(_ state: inout State, _ offset: UInt64, _ value: UInt32) -> Bool? {
        let index = Int(offset / 4)
        switch offset {
        case E1000Register.ctrl:
            if value & E1000Register.ctrlReset != 0 {
                let wasPending = state.icr & state.ims != 0
                Self.reset(&state, eeprom: eeprom)
                return wasPending ? false : nil
            }
            state.words[index] = value
        case E1000Register.status:
            break  // read-only
        case E1000Register.eecd:
            // SK, CS, DI, FWE and REQ are software's; DO, GNT and PRES come from the device.
            state.words[index] = value & 0x0000_0077
            state.microwire.drive(clock: value & E1000Register.eecdClock != 0,
                                  chipSelect: value & E1000Register.eecdChipSelect != 0,
                                  dataIn: value & E1000Register.eecdDataIn != 0)
        case E1000Register.eerd:
            state.words[index] = value & 0x0000_FF01
        case E1000Register.mdic:
            state.words[index] = Self.phyAccess(&state.phy, value)
        case E1000Register.ics:
            return Self.updateCauses(&state) { $0.icr |= value }
        case E1000Register.ims:
            return Self.updateCauses(&state) { $0.ims |= value }
        case E1000Register.imc:
            return Self.updateCauses(&state) { $0.ims &= ~value }
        case E1000Register.icr:
            return Self.updateCauses(&state) { $0.icr &= ~value }  // writing 1s also clears
        default:
            if let mask = Self.storageMask(offset) {
                state.words[index] = value & mask
            } else if !Self.isStatistics(offset) {
                Self.noteUnhandled(&state, offset)
            }
        }
        return nil
    }

    /// A PHY read or write through MDIC completes immediately: ready set, data for a read, the
    /// error bit for a PHY address other than 1.
    private static func phyAccess(_ phy: inout E1000Phy, _ command: UInt32) -> UInt32 {
        let register = Int((command >> 16) & 0x1F)
        let phyAddress = (command >> 21) & 0x1F
        let operation = (command >> 26) & 0x3
        var result = (command & 0x3FFF_FFFF) | E1000Register.mdicReady
        guard phyAddress == E1000Phy.address else { return result | E1000Register.mdicError }
        switch operation {
        case 0b01: phy.write(register, UInt16(truncatingIfNeeded: command))
        case 0b10: result = (result & ~0xFFFF) | UInt32(phy.read(register))
        default: result |= E1000Register.mdicError
        }
        return result
    }

    /// Applies a change to ICR/IMS; returns the new interrupt level if it changed.
    private static func updateCauses(_ state: inout State, _ change: (inout State) -> Void) -> Bool? {
        let before = state.icr & state.ims != 0
        change(&state)
        let after = state.icr & state.ims != 0
        return before == after ? nil : after
    }

    private static func noteUnhandled(_ state: inout State, _ offset: UInt64) {
        state.unhandledAccesses += 1
        state.recentUnhandledOffsets.append(offset)
        if state.recentUnhandledOffsets.count > 16 { state.recentUnhandledOffsets.removeFirst() }
    }

    /// Sets interrupt causes (the hardware side of ICS).
    func raise(_ causes: E1000InterruptCause) {
        state.withLock { state in
            if let interrupt = Self.updateCauses(&state, { $0.icr |= causes.rawValue }) { interruptLine(interrupt) }
        }
    }

    /// Accesses to offsets with no register, and the last few of those offsets.
    public var unhandledAccessCount: Int { state.withLock { $0.unhandledAccesses } }
    public var recentUnhandledOffsets: [UInt64] { state.withLock { $0.recentUnhandledOffsets } }

    /// True while an unmasked cause is pending (the level behind INTx / the MSI request).
    public var interruptPending: Bool { state.withLock { $0.icr & $0.ims != 0 } }
}
