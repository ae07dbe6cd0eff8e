// Checksums: CRC-32 (ISO 3309 / ITU-T V.42, as PNG chunks and gzip use it) and Adler-32 (RFC 1950,
// the zlib stream trailer). Both are incremental so large images can be summed in pieces.
//
// Counterpart: PNG specification (ISO/IEC 15948) annex D, RFC 1950 section 8.2. Facts only; the
// table-driven CRC is the textbook reflected form with polynomial 0xEDB88320.

/// CRC-32 with the reflected polynomial 0xEDB88320, initial value and final XOR 0xFFFFFFFF.
public struct Crc32: Sendable {
    /// The 256-entry lookup table, computed once.
    static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 {
            value = (value & 1) != 0 ? (0xEDB8_8320 ^ (value >> 1)) : (value >> 1)
        }
        return value
    }

    private var register: UInt32 = 0xFFFF_FFFF

    public init() {}

    /// Adds bytes to the running checksum.
    public mutating func update(_ bytes: some Sequence<UInt8>) {
        let table = Self.table
        var crc = register
        for byte in bytes {
            crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
        }
        register = crc
    }

    /// The checksum of everything added so far.
    public var value: UInt32 { register ^ 0xFFFF_FFFF }

    /// The CRC-32 of one buffer.
    public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc = Crc32()
        crc.update(bytes)
        return crc.value
    }
}

/// Adler-32: two 16-bit sums modulo 65521, the largest prime below 2^16.
public struct Adler32: Sendable {
    private static let modulus: UInt32 = 65521
    /// The number of bytes that can be summed before the 32-bit accumulators could overflow
    /// (RFC 1950's NMAX), so the modulo is taken only once per block.
    private static let blockLength = 5552

    private var low: UInt32 = 1
    private var high: UInt32 = 0

    public init() {}

    public mutating func update(_ bytes: some Collection<UInt8>) {
        var pending = 0
        for byte in bytes {
            low &+= UInt32(byte)
            high &+= low
            pending += 1
            if pending == Self.blockLength {
                low %= Self.modulus
                high %= Self.modulus
                pending = 0
            }
        }
        low %= Self.modulus
        high %= Self.modulus
    }

    public var value: UInt32 { (high << 16) | low }

    public static func checksum(_ bytes: some Collection<UInt8>) -> UInt32 {
        var adler = Adler32()
        adler.update(bytes)
        return adler.value
    }
}
