// E1000Eeprom and E1000Phy: the parts of the 82540EM a driver reads before it touches the data
// path — the 64-word serial EEPROM (through EERD or by bit-banging the Microwire interface in
// EECD) and the MII registers of the integrated PHY (through MDIC).
//
// Counterpart: Intel PCI/PCI-X Family of Gigabit Ethernet Controllers Software Developer's
// Manual (8254x SDM) section 5 (EEPROM map and checksum: words 0x00–0x3F sum to 0xBABA),
// 13.4.3–13.4.4 (EECD, EERD), 13.4.7 (MDIC); QEMU hw/net/e1000.c (Microwire state machine,
// PHY defaults of the Marvell 88E1011 that the 82540EM integrates).

/// The EEPROM image: MAC address in words 0–2 (little-endian byte pairs), the PCI IDs, and the
/// checksum word 0x3F.
public struct E1000Eeprom: Sendable, Equatable {
    public static let wordCount = 64
    public static let checksumWord = 0x3F
    /// Words 0x00–0x3F add up to this (mod 2^16) in a valid image.
    public static let checksumTarget: UInt16 = 0xBABA

    public private(set) var words: [UInt16]

    /// Builds the image for `mac` (six bytes; missing bytes read as zero).
    public init(mac: [UInt8], deviceID: UInt16 = 0x100E, vendorID: UInt16 = PciVendorID.intel) {
        var words = Array(repeating: UInt16(0xFFFF), count: Self.wordCount)
        for index in 0..<3 {
            let low = index * 2 < mac.count ? UInt16(mac[index * 2]) : 0
            let high = index * 2 + 1 < mac.count ? UInt16(mac[index * 2 + 1]) : 0
            words[index] = low | high << 8
        }
        for index in 3...9 { words[index] = 0 }   // compatibility, OEM and PBA words: unused
        words[0x0A] = 0x6403                      // init control 1: default load, SDP bits
        words[0x0B] = deviceID                    // subsystem ID
        words[0x0C] = vendorID                    // subsystem vendor ID
        words[0x0D] = deviceID
        words[0x0E] = vendorID
        words[0x0F] = 0x3040                      // init control 2: full-duplex pause
        words[Self.checksumWord] = 0
        let sum = words.reduce(UInt16(0), &+)
        words[Self.checksumWord] = Self.checksumTarget &- sum
        self.words = words
    }

    /// The MAC address the image holds.
    public var mac: [UInt8] {
        (0..<3).flatMap { [UInt8(words[$0] & 0xFF), UInt8(words[$0] >> 8)] }
    }

    public func word(_ index: Int) -> UInt16? {
        words.indices.contains(index) ? words[index] : nil
    }
}

/// The Microwire serial interface of the EEPROM as EECD exposes it: software toggles SK with CS
/// high, shifting in a start bit, the 2-bit opcode (10 = READ) and a 6-bit address MSB first;
/// then each further clock shifts one data bit out on DO, MSB first, continuing into the next
/// words.
struct E1000MicrowireState: Sendable {
    private var clockHigh = false
    private var selected = false
    private var bitsShiftedIn = 0
    private var shiftRegister: UInt32 = 0
    private var reading = false
    /// Index of the bit on DO, counted across the whole EEPROM (word * 16 + bit from the MSB).
    private var outputBit = 0

    static let readOpcode: UInt32 = 0b110  // start bit + READ

    mutating func reset() { self = E1000MicrowireState() }

    /// Applies new SK/CS/DI pin levels.
    mutating func drive(clock: Bool, chipSelect: Bool, dataIn: Bool) {
        defer { clockHigh = clock; selected = chipSelect }
        guard chipSelect else {
            bitsShiftedIn = 0
            shiftRegister = 0
            reading = false
            return
        }
        if !selected {  // rising CS starts a new command
            bitsShiftedIn = 0
            shiftRegister = 0
            reading = false
        }
        guard clock != clockHigh else { return }
        if !clock {  // falling edge: the next output bit moves onto DO
            if reading { outputBit += 1 }
            return
        }
        guard !reading else { return }
        shiftRegister = (shiftRegister << 1) | (dataIn ? 1 : 0)
        bitsShiftedIn += 1
        if bitsShiftedIn == 9 {
            reading = (shiftRegister >> 6) & 0b111 == Self.readOpcode
            // The falling edge that ends this clock moves DO to the MSB of the addressed word.
            outputBit = Int(shiftRegister & 0x3F) * 16 - 1
        }
    }

    /// The DO pin. Idle DO reads high (the line is pulled up).
    func dataOut(_ eeprom: E1000Eeprom) -> Bool {
        guard reading, outputBit >= 0 else { return true }
        let word = eeprom.words[(outputBit / 16) % E1000Eeprom.wordCount]
        return (word >> UInt16(15 - outputBit % 16)) & 1 != 0
    }
}

/// MII registers of the PHY at MDIO address 1.
struct E1000Phy: Sendable {
    static let address: UInt32 = 1
    private(set) var registers = Array(repeating: UInt16(0), count: 32)

    /// Registers software may not change (status, identifiers, partner ability).
    private static let readOnly: Set<Int> = [0x01, 0x02, 0x03, 0x05, 0x06, 0x0A, 0x0F, 0x11]

    init() {
        registers[0x00] = 0x1140   // control: autonegotiation on, full duplex, 1000 Mb/s select
        registers[0x01] = 0x796D   // status: link up, autonegotiation complete, 10/100 abilities
        registers[0x02] = 0x0141   // PHY ID 1 (Marvell)
        registers[0x03] = 0x0C20   // PHY ID 2 (88E1011)
        registers[0x04] = 0x0DE1   // autonegotiation advertisement
        registers[0x05] = 0x41E1   // link partner ability
        registers[0x06] = 0x0001   // autonegotiation expansion
        registers[0x09] = 0x0E00   // 1000BASE-T control
        registers[0x0A] = 0x3C00   // 1000BASE-T status: partner 1000 FD/HD, local/remote OK
        registers[0x0F] = 0x3000   // extended status: 1000BASE-T FD/HD
        registers[0x10] = 0x0360   // PHY specific control
        registers[0x11] = 0xAC00   // PHY specific status: 1000 Mb/s, full duplex, resolved, link
    }

    func read(_ register: Int) -> UInt16 {
        registers.indices.contains(register) ? registers[register] : 0
    }

    mutating func write(_ register: Int, _ value: UInt16) {
        guard registers.indices.contains(register), !Self.readOnly.contains(register) else { return }
        // Control: reset (15) and restart autonegotiation (9) complete at once and self-clear.
        registers[register] = register == 0 ? value & ~0x8200 : value
    }
}
