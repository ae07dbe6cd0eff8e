// Pl011Driver: the ARM PrimeCell PL011 UART (QEMU virt's console at 0x0900_0000). Initialisation
// follows the TRM's programming sequence: disable (CR = 0), wait for the transmitter to go idle,
// flush the FIFOs (LCR_H.FEN off), program the baud divisors (IBRD/FBRD from the reference clock),
// LCR_H = 8 data bits, no parity, one stop bit, FIFOs on; mask and clear every interrupt; enable
// with UARTEN | TXE | RXE. `write` waits on FR.TXFF for each byte (bounded); `readAvailable`
// drains the receive FIFO while FR.RXFE is clear.
//
// Fuchsia counterpart: src/devices/serial/drivers/uart-pl011 (pl011.cc: Config sets LCR_H WLEN/
// FEN and the divisors, Enable sets CR UARTEN|TXE|RXE, Write polls FR.TXFF, Read drains while
// !RXFE) and the kernel's early console (zircon/kernel/dev/uart/pl011). Registers from ARM
// DDI0183 (PL011 TRM) §3.

import Mmio

/// PL011 registers (TRM table 3-1).
public enum Pl011Spec {
    /// Register offsets and bits (PL011 TRM table 3-1).
    public enum Register {
        public static let dr = 0x000, rsr = 0x004, fr = 0x018, ibrd = 0x024, fbrd = 0x028, lcrH = 0x02C
        public static let cr = 0x030, imsc = 0x038, icr = 0x044

        public static let frBusy: UInt32 = 1 << 3, frRxEmpty: UInt32 = 1 << 4, frTxFull: UInt32 = 1 << 5
        public static let lcrFifoEnable: UInt32 = 1 << 4, lcrWordLength8: UInt32 = 3 << 5
        public static let crEnable: UInt32 = 1 << 0, crTxEnable: UInt32 = 1 << 8, crRxEnable: UInt32 = 1 << 9
        /// DR bits 11:8: overrun, break, parity and framing errors of the received character.
        public static let drErrorMask: UInt32 = 0xF00
        public static let allInterrupts: UInt32 = 0x7FF
    }
}

public struct Pl011Driver<Access: MmioAccess> {
    public typealias Register = Pl011Spec.Register

    public let registers: RegisterWindow<Access>
    /// The UART reference clock (QEMU virt's apb-pclk: 24 MHz).
    public let referenceClockHz: UInt32
    public var pollBudget = Poll.defaultReads
    /// The line rate programmed by `initialize`.
    public private(set) var baudRate: UInt32?
    /// Received characters dropped because the UART flagged an error on them.
    public private(set) var receiveErrors = 0

    public init(registers window: Access, referenceClockHz: UInt32 = 24_000_000) {
        registers = RegisterWindow(window, device: "pl011")
        self.referenceClockHz = referenceClockHz
    }

    /// The divisors for `baud`: 64 × clock / (16 × baud), rounded, split into the integer part
    /// (IBRD) and the 6-bit fraction (FBRD).
    public static func divisors(clockHz: UInt32, baud: UInt32) -> (integer: UInt32, fraction: UInt32) {
        guard baud > 0 else { return (0, 0) }
        let scaled = (UInt64(clockHz) * 8 / UInt64(baud) + 1) / 2   // 64·clk/(16·baud), rounded
        return (UInt32(truncatingIfNeeded: scaled >> 6), UInt32(truncatingIfNeeded: scaled & 0x3F))
    }

    /// Brings the UART up at `baud`, 8N1 with FIFOs, interrupts masked.
    /// - Throws: `.invalidArgument` for a rate the divisors cannot express; `.timeout("pl011
    ///   FR.BUSY")` if the transmitter never drains.
    public mutating func initialize(baud: UInt32 = 115_200) throws(DriverError) {
        let (integer, fraction) = Self.divisors(clockHz: referenceClockHz, baud: baud)
        guard integer >= 1, integer <= 0xFFFF else {
            throw .invalidArgument("pl011 baud \(baud) with a \(referenceClockHz) Hz clock (IBRD \(integer))")
        }
        try registers.write32(0, Register.cr, "CR")
        try registers.poll32(Register.fr, "FR", "FR.BUSY", maxReads: pollBudget) { $0 & Register.frBusy == 0 }
        try registers.write32(0, Register.lcrH, "LCR_H")   // FEN off flushes both FIFOs
        try registers.write32(integer, Register.ibrd, "IBRD")
        try registers.write32(fraction, Register.fbrd, "FBRD")
        // LCR_H must be written after the divisors: the write latches them (TRM 3.3.6).
        try registers.write32(Register.lcrWordLength8 | Register.lcrFifoEnable, Register.lcrH, "LCR_H")
        try registers.write32(0, Register.imsc, "IMSC")
        try registers.write32(Register.allInterrupts, Register.icr, "ICR")
        try registers.write32(Register.crEnable | Register.crTxEnable | Register.crRxEnable, Register.cr, "CR")
        baudRate = baud
    }

    /// Sends `bytes`, waiting for room in the transmit FIFO before each one.
    /// - Throws: `.timeout("pl011 FR.TXFF")` if the FIFO stays full.
    public func write(bytes: some Sequence<UInt8>) throws(DriverError) {
        for byte in bytes {
            try registers.poll32(Register.fr, "FR", "FR.TXFF", maxReads: pollBudget) { $0 & Register.frTxFull == 0 }
            try registers.write32(UInt32(byte), Register.dr, "DR")
        }
    }

    /// Sends the UTF-8 bytes of `text`.
    public func write(_ text: String) throws(DriverError) {
        try write(bytes: text.utf8)
    }

    /// Everything waiting in the receive FIFO (at most `limit` characters). Characters received
    /// with an error flag are dropped and counted in `receiveErrors`.
    public mutating func readAvailable(limit: Int = 4096) throws(DriverError) -> [UInt8] {
        var bytes: [UInt8] = []
        while bytes.count < limit {
            guard try registers.read32(Register.fr, "FR") & Register.frRxEmpty == 0 else { break }
            let entry = try registers.read32(Register.dr, "DR")
            if entry & Register.drErrorMask != 0 {
                receiveErrors += 1
                try registers.write32(0, Register.rsr, "ECR")   // clear the error status
                continue
            }
            bytes.append(UInt8(truncatingIfNeeded: entry))
        }
        return bytes
    }

    /// Checks the PrimeCell identification: component ID 0xB105F00D, part 0x011, designer 'A'.
    public func verifyIdentity() throws(DriverError) {
        let id = try PrimeCellIdentity.read(registers)
        guard id.isPrimeCell, id.part == 0x011, id.designer == 0x41 else {
            throw .unsupportedDevice("pl011 PeriphID \(String.hex(id.peripheralID)) CellID \(String.hex(id.cellID))")
        }
    }
}

/// The PrimeCell identification registers at 0xFE0–0xFFC (PeriphID0–3, CellID0–3), one byte in
/// the low bits of each word.
public struct PrimeCellIdentity: Sendable, Equatable {
    /// PeriphID3..0 as one word: part (11:0), designer (19:12), revision (23:20).
    public var peripheralID: UInt32
    /// CellID3..0 as one word (0xB105F00D on every PrimeCell).
    public var cellID: UInt32

    public init(peripheralID: UInt32, cellID: UInt32) {
        self.peripheralID = peripheralID
        self.cellID = cellID
    }

    public var part: UInt32 { peripheralID & 0xFFF }
    public var designer: UInt32 { (peripheralID >> 12) & 0xFF }
    public var revision: UInt32 { (peripheralID >> 20) & 0xF }
    public var isPrimeCell: Bool { cellID == 0xB105_F00D }

    public static func read<Access: MmioAccess>(_ registers: RegisterWindow<Access>) throws(DriverError) -> Self {
        var peripheral: UInt32 = 0, cell: UInt32 = 0
        for index in 0..<4 {
            peripheral |= (try registers.read32(0xFE0 + index * 4, "PeriphID\(index)") & 0xFF) << UInt32(8 * index)
            cell |= (try registers.read32(0xFF0 + index * 4, "CellID\(index)") & 0xFF) << UInt32(8 * index)
        }
        return Self(peripheralID: peripheral, cellID: cell)
    }
}
