// E1000Driver: bring-up of an Intel 8254x (82540EM, 8086:100e) gigabit Ethernet controller through
// its BAR0 registers — software reset, interrupts masked, the MAC address from the EEPROM (EERD)
// with the receive-address registers as fallback, the EEPROM checksum, link state, the receive
// address filter, and the receiver and transmitter enabled. It publishes an `EthernetInfo`.
//
// Not done (the device model has no data path): descriptor rings, packet DMA, interrupts, PHY
// management beyond what STATUS reports. RCTL/TCTL are enabled with the rings left empty.
//
// Fuchsia counterpart: src/connectivity/ethernet/drivers/e1000 (the FreeBSD-derived em driver:
// e1000_reset_hw — CTRL.RST then a wait for it to clear, IMC = ~0, ICR read to clear —
// e1000_read_nvm_eerd, e1000_validate_nvm_checksum (words 0x00–0x3F sum to 0xBABA),
// e1000_read_mac_addr, e1000_rar_set, em_initialize_receive_unit/transmit_unit). Register layout
// from the Intel 8254x SDM chapter 13.

import Mmio

/// What the ethernet device publishes.
public struct EthernetInfo: Sendable, Equatable, CustomStringConvertible {
    /// The station address, six bytes.
    public var mac: [UInt8]
    public var linkUp: Bool
    /// 10, 100 or 1000 (from STATUS.SPEED).
    public var speedMbps: Int
    public var fullDuplex: Bool

    public init(mac: [UInt8], linkUp: Bool, speedMbps: Int, fullDuplex: Bool) {
        self.mac = mac
        self.linkUp = linkUp
        self.speedMbps = speedMbps
        self.fullDuplex = fullDuplex
    }

    /// "52:54:00:12:34:56".
    public var macString: String {
        mac.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: ":")
    }

    public var description: String {
        "\(macString) link \(linkUp ? "up" : "down") \(speedMbps) Mb/s \(fullDuplex ? "full" : "half") duplex"
    }
}

/// E1000 register layout (8254x SDM §13) and EEPROM facts.
public enum E1000Spec {
    /// BAR0 offsets and bits (8254x SDM §13).
    public enum Register {
        public static let ctrl = 0x0000, status = 0x0008, eerd = 0x0014
        public static let icr = 0x00C0, imc = 0x00D8
        public static let rctl = 0x0100, tctl = 0x0400, tipg = 0x0410
        public static let ral0 = 0x5400, rah0 = 0x5404

        public static let ctrlReset: UInt32 = 1 << 26
        /// CTRL.SLU (set link up) and ASDE (auto speed detection).
        public static let ctrlSetLinkUp: UInt32 = 1 << 6, ctrlAutoSpeed: UInt32 = 1 << 5
        public static let statusFullDuplex: UInt32 = 1 << 0, statusLinkUp: UInt32 = 1 << 1
        public static let eerdStart: UInt32 = 1 << 0, eerdDone: UInt32 = 1 << 4
        public static let rahAddressValid: UInt32 = 1 << 31
        /// RCTL: EN, broadcast accept, strip CRC; buffer size 2048 (BSIZE 00).
        public static let rctlEnable: UInt32 = 1 << 1, rctlBroadcast: UInt32 = 1 << 15
        public static let rctlStripCrc: UInt32 = 1 << 26
        /// TCTL: EN, pad short packets, collision threshold 0x0F, collision distance 0x40.
        public static let tctlEnable: UInt32 = 1 << 1, tctlPadShort: UInt32 = 1 << 3
        public static let tctlCollisionThreshold: UInt32 = 0x0F << 4
        public static let tctlCollisionDistance: UInt32 = 0x40 << 12
        /// The 82540EM's recommended inter-packet gap for copper (IPGT 10, IPGR1 8, IPGR2 6).
        public static let tipgCopper: UInt32 = 10 | 8 << 10 | 6 << 20
    }

    /// EEPROM facts (8254x SDM §5.6).
    public enum Eeprom {
        public static let wordCount = 0x40
        public static let checksumTarget: UInt16 = 0xBABA
    }
}

public struct E1000Driver<Access: MmioAccess> {
    public typealias Register = E1000Spec.Register
    public typealias Eeprom = E1000Spec.Eeprom

    /// Where the published MAC came from.
    public enum MacSource: Sendable, Equatable {
        /// EEPROM words 0–2 read through EERD, with a valid checksum.
        case eeprom
        /// RAL0/RAH0 as the hardware loaded them at reset (EEPROM unreadable or bad checksum).
        case receiveAddressRegisters
    }

    public let registers: RegisterWindow<Access>
    /// Reads a poll may take before it counts as a timeout.
    public var pollBudget = Poll.defaultReads

    /// After `start()`: what was published, and how the MAC was found.
    public private(set) var info: EthernetInfo?
    public private(set) var macSource: MacSource?
    /// After `start()`: whether the EEPROM checksum was valid (nil if the EEPROM was unreadable).
    public private(set) var eepromChecksumValid: Bool?

    /// A driver for the controller whose BAR0 is `bar0` (128 KiB of 32-bit registers).
    public init(bar0: Access) {
        registers = RegisterWindow(bar0, device: "e1000")
    }

    // MARK: Bring-up

    /// Reset, MAC, checksum, receive address, link, receiver and transmitter on. Publishes and
    /// returns the `EthernetInfo`.
    /// - Throws: `.timeout("e1000 CTRL.RST")` if reset never completes; `.deviceError` if neither
    ///   the EEPROM nor RAL0/RAH0 yield an address; register faults as `.mmio`.
    @discardableResult
    public mutating func start() throws(DriverError) -> EthernetInfo {
        try reset()
        var mac: [UInt8]?
        do throws(DriverError) {
            let checksumValid = try verifyEepromChecksum()
            eepromChecksumValid = checksumValid
            if checksumValid { mac = try macFromEeprom() }
        } catch .timeout {
            eepromChecksumValid = nil   // no EEPROM answers through EERD: use what reset loaded
        }
        if let mac, Self.isUsable(mac) {
            macSource = .eeprom
        } else {
            guard let loaded = try macFromReceiveAddress(), Self.isUsable(loaded) else {
                throw .deviceError("e1000: no MAC address in the EEPROM or RAL0/RAH0")
            }
            mac = loaded
            macSource = .receiveAddressRegisters
        }
        let address = mac ?? []
        try programReceiveAddress(address)
        try registers.setBits32(Register.ctrlSetLinkUp | Register.ctrlAutoSpeed, Register.ctrl, "CTRL")
        try enableReceiveAndTransmit()
        let link = try linkStatus()
        let published = EthernetInfo(mac: address, linkUp: link.up, speedMbps: link.speedMbps, fullDuplex: link.fullDuplex)
        info = published
        return published
    }

    /// Device reset: CTRL.RST, wait for it to self-clear, mask every interrupt (IMC), and read
    /// ICR to drop causes latched before the reset.
    public func reset() throws(DriverError) {
        let control = try registers.read32(Register.ctrl, "CTRL")
        try registers.write32(control | Register.ctrlReset, Register.ctrl, "CTRL")
        try registers.poll32(Register.ctrl, "CTRL", "CTRL.RST", maxReads: pollBudget) { $0 & Register.ctrlReset == 0 }
        try registers.write32(0xFFFF_FFFF, Register.imc, "IMC")
        _ = try registers.read32(Register.icr, "ICR")
    }

    /// One EEPROM word through EERD: write the address with START, poll for DONE, take the data.
    public func readEeprom(word: Int) throws(DriverError) -> UInt16 {
        guard (0..<Eeprom.wordCount).contains(word) else { throw .invalidArgument("e1000 EEPROM word \(word)") }
        try registers.write32(UInt32(word) << 8 | Register.eerdStart, Register.eerd, "EERD")
        let value = try registers.poll32(Register.eerd, "EERD", "EERD.DONE (word \(word))", maxReads: pollBudget) {
            $0 & Register.eerdDone != 0
        }
        return UInt16(truncatingIfNeeded: value >> 16)
    }

    /// True if EEPROM words 0x00–0x3F add up to 0xBABA.
    public func verifyEepromChecksum() throws(DriverError) -> Bool {
        var sum: UInt16 = 0
        for word in 0..<Eeprom.wordCount { sum &+= try readEeprom(word: word) }
        return sum == Eeprom.checksumTarget
    }

    /// The MAC in EEPROM words 0–2 (each word low byte first).
    public func macFromEeprom() throws(DriverError) -> [UInt8] {
        var mac: [UInt8] = []
        for word in 0..<3 {
            let value = try readEeprom(word: word)
            mac += [UInt8(truncatingIfNeeded: value), UInt8(truncatingIfNeeded: value >> 8)]
        }
        return mac
    }

    /// The MAC in RAL0/RAH0, or nil unless RAH0.AV says it is valid.
    public func macFromReceiveAddress() throws(DriverError) -> [UInt8]? {
        let low = try registers.read32(Register.ral0, "RAL0")
        let high = try registers.read32(Register.rah0, "RAH0")
        guard high & Register.rahAddressValid != 0 else { return nil }
        return LittleEndian.bytes(low) + LittleEndian.bytes(UInt16(truncatingIfNeeded: high))
    }

    /// Programs receive address 0 with `mac` and marks it valid.
    public func programReceiveAddress(_ mac: [UInt8]) throws(DriverError) {
        guard mac.count == 6 else { throw .invalidArgument("e1000 MAC of \(mac.count) bytes") }
        let low = UInt32(mac[0]) | UInt32(mac[1]) << 8 | UInt32(mac[2]) << 16 | UInt32(mac[3]) << 24
        let high = UInt32(mac[4]) | UInt32(mac[5]) << 8 | Register.rahAddressValid
        try registers.write32(low, Register.ral0, "RAL0")
        try registers.write32(high, Register.rah0, "RAH0")
    }

    /// Link state from STATUS: LU, FD, and SPEED (bits 7:6: 00 = 10, 01 = 100, 1x = 1000 Mb/s).
    public func linkStatus() throws(DriverError) -> (up: Bool, speedMbps: Int, fullDuplex: Bool) {
        let status = try registers.read32(Register.status, "STATUS")
        let speed: Int
        switch (status >> 6) & 3 {
        case 0: speed = 10
        case 1: speed = 100
        default: speed = 1000
        }
        return (status & Register.statusLinkUp != 0, speed, status & Register.statusFullDuplex != 0)
    }

    /// RCTL.EN (broadcast accepted, CRC stripped) and TCTL.EN (short packets padded, standard
    /// collision parameters), with the copper inter-packet gap.
    public func enableReceiveAndTransmit() throws(DriverError) {
        try registers.write32(Register.tipgCopper, Register.tipg, "TIPG")
        try registers.write32(Register.rctlEnable | Register.rctlBroadcast | Register.rctlStripCrc, Register.rctl, "RCTL")
        try registers.write32(Register.tctlEnable | Register.tctlPadShort | Register.tctlCollisionThreshold
                                  | Register.tctlCollisionDistance, Register.tctl, "TCTL")
    }

    /// A unicast address that is neither all zeros nor all ones (what em's e1000_validate_mac_addr
    /// refuses).
    static func isUsable(_ mac: [UInt8]) -> Bool {
        mac.count == 6 && mac[0] & 1 == 0 && mac.contains { $0 != 0 } && mac.contains { $0 != 0xFF }
    }
}
