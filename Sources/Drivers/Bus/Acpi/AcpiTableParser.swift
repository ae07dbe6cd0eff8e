// AcpiTableParser: the ACPI bus driver's own decoder of the machine's firmware table ("ZACP") —
// written against the format, not the emulator's encoder, as a real bus driver parses what
// firmware left in memory. Format (documented in Sources/Machines/AcpiTable.swift; all
// little-endian):
//   header   36 bytes: "ZACP", u32 length, u8 revision, u8 checksum (all bytes of the table sum to
//            0 mod 256), 6-byte OEM ID, 8-byte OEM table ID, u32 OEM revision, 4-byte creator ID,
//            u32 creator revision (ACPI 6.4 §5.2.6's system description table header)
//   records  until `length`: u8 type, u8 reserved, u16 record length (header included), body;
//            unknown types are skipped by length
//     type 1 PCI root: str path, str hid, str cid, u16 segment, u8 first bus, u8 last bus,
//            u64 ECAM base, u8 n, n × {u8 kind (0 mem32, 1 mem64, 2 I/O), u8 flags (bit 0
//            prefetchable), u64 base, u64 size}
//     type 2 device: str path, str hid, u8 n + n × str cid, u8 n, n × resource: u8 kind then
//            1 memory {u64 base, u64 size} | 2 I/O {u16 base, u16 length} |
//            3 interrupt {u32 number, u8 flags: bit 0 edge, bit 1 active low}
//   str = u8 length + printable ASCII.
// Every failure names the byte offset (from the start of the table) where decoding stopped.
//
// Counterpart: what ACPICA's table manager checks before Fuchsia's x86 board driver walks the
// namespace (AcpiTbVerifyChecksum, AcpiTbValidateTable: signature, length, checksum) and the
// _CRS resource walk (src/devices/board/drivers/x86/acpi/resources.cc).

/// Why the firmware table does not decode; `offset` is the byte where decoding failed.
public struct AcpiTableParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Problem: Sendable, Equatable {
        case truncated(needed: Int, available: Int)
        case badSignature(String)
        case badLength(UInt32)
        case badChecksum(sum: UInt8)
        case badRecordLength(type: UInt8, length: Int)
        case recordOverrun(type: UInt8, length: Int, remaining: Int)
        case badString
        case badKind(UInt8)
        case badBusRange(first: UInt8, last: UInt8)
    }

    public var offset: Int
    public var problem: Problem

    public init(offset: Int, _ problem: Problem) {
        self.offset = offset
        self.problem = problem
    }

    public var description: String {
        let what: String
        switch problem {
        case let .truncated(needed, available): what = "truncated: needs \(needed) bytes, \(available) left"
        case let .badSignature(signature): what = "signature \"\(signature)\" is not ZACP"
        case let .badLength(length): what = "table length \(length) is shorter than the header or longer than the data"
        case let .badChecksum(sum): what = "checksum fails (bytes sum to 0x\(String(sum, radix: 16)), not 0)"
        case let .badRecordLength(type, length): what = "record type \(type) has length \(length) (< 4)"
        case let .recordOverrun(type, length, remaining):
            what = "record type \(type) of \(length) bytes runs past the table end (\(remaining) left)"
        case .badString: what = "string is not printable ASCII"
        case let .badKind(kind): what = "unknown kind \(kind)"
        case let .badBusRange(first, last): what = "bus range \(first)-\(last) is reversed"
        }
        return "firmware table: at byte \(offset) (0x\(String(offset, radix: 16))): \(what)"
    }
}

/// The decoded table.
public struct AcpiFirmwareTable: Sendable, Equatable {
    public struct PciRoot: Sendable, Equatable {
        public var path: String
        public var hid: String
        public var cid: String
        public var segment: UInt16
        public var busRange: ClosedRange<UInt8>
        public var ecamBase: UInt64
        public var apertures: [PciAperture]
    }

    public enum Resource: Sendable, Equatable {
        case memory(PhysicalRegion)
        case ioPorts(base: UInt16, length: UInt16)
        case interrupt(BusInterrupt)
    }

    public struct Device: Sendable, Equatable {
        public var path: String
        public var hid: String
        public var cids: [String]
        public var resources: [Resource]
    }

    public var oemID: String
    public var oemTableID: String
    public var length: Int
    public var pciRoots: [PciRoot]
    public var devices: [Device]
}

public enum AcpiTableParser {
    public static let headerSize = 36
    public static let signature = "ZACP"

    /// The table length the header at the start of `bytes` announces (to know how much to map).
    public static func announcedLength(header bytes: [UInt8]) throws(AcpiTableParseError) -> Int {
        var reader = Reader(bytes: bytes, position: 0, end: bytes.count)
        let signature = try reader.raw(4)
        guard signature == Array(Self.signature.utf8) else {
            throw AcpiTableParseError(offset: 0, .badSignature(String(decoding: signature, as: UTF8.self)))
        }
        let length = try reader.u32()
        guard length >= UInt32(headerSize) else { throw AcpiTableParseError(offset: 4, .badLength(length)) }
        return Int(length)
    }

    /// Decodes a whole table: header checks (signature, length, checksum), then every record.
    public static func parse(_ bytes: [UInt8]) throws(AcpiTableParseError) -> AcpiFirmwareTable {
        guard bytes.count >= headerSize else {
            throw AcpiTableParseError(offset: 0, .truncated(needed: headerSize, available: bytes.count))
        }
        let length = try announcedLength(header: bytes)
        guard length <= bytes.count else { throw AcpiTableParseError(offset: 4, .badLength(UInt32(length))) }
        let sum = bytes[0..<length].reduce(UInt8(0), &+)
        guard sum == 0 else { throw AcpiTableParseError(offset: 9, .badChecksum(sum: sum)) }
        var header = Reader(bytes: bytes, position: 10, end: headerSize)
        let oemID = String(decoding: try header.raw(6), as: UTF8.self)
        let oemTableID = String(decoding: try header.raw(8), as: UTF8.self)

        var table = AcpiFirmwareTable(oemID: trimmed(oemID), oemTableID: trimmed(oemTableID), length: length,
                                      pciRoots: [], devices: [])
        var position = headerSize
        while position < length {
            var head = Reader(bytes: bytes, position: position, end: length)
            let type = try head.u8()
            _ = try head.u8()
            let recordLength = Int(try head.u16())
            guard recordLength >= 4 else {
                throw AcpiTableParseError(offset: position + 2, .badRecordLength(type: type, length: recordLength))
            }
            guard recordLength <= length - position else {
                throw AcpiTableParseError(offset: position, .recordOverrun(type: type, length: recordLength,
                                                                           remaining: length - position))
            }
            var body = Reader(bytes: bytes, position: position + 4, end: position + recordLength)
            switch type {
            case 1: table.pciRoots.append(try pciRoot(&body))
            case 2: table.devices.append(try device(&body))
            default: break
            }
            position += recordLength
        }
        return table
    }

    private static func pciRoot(_ body: inout Reader) throws(AcpiTableParseError) -> AcpiFirmwareTable.PciRoot {
        let path = try body.string(), hid = try body.string(), cid = try body.string()
        let segment = try body.u16()
        let busOffset = body.position
        let first = try body.u8(), last = try body.u8()
        guard first <= last else { throw AcpiTableParseError(offset: busOffset, .badBusRange(first: first, last: last)) }
        let ecam = try body.u64()
        var apertures: [PciAperture] = []
        for _ in 0..<(try body.u8()) {
            let kindOffset = body.position
            let kindByte = try body.u8()
            let kind: PciAperture.Kind
            switch kindByte {
            case 0: kind = .memory32
            case 1: kind = .memory64
            case 2: kind = .io
            default: throw AcpiTableParseError(offset: kindOffset, .badKind(kindByte))
            }
            let flags = try body.u8()
            apertures.append(PciAperture(kind: kind, prefetchable: flags & 1 != 0, base: try body.u64(), size: try body.u64()))
        }
        return AcpiFirmwareTable.PciRoot(path: path, hid: hid, cid: cid, segment: segment, busRange: first...last,
                                         ecamBase: ecam, apertures: apertures)
    }

    private static func device(_ body: inout Reader) throws(AcpiTableParseError) -> AcpiFirmwareTable.Device {
        let path = try body.string(), hid = try body.string()
        var cids: [String] = []
        for _ in 0..<(try body.u8()) { cids.append(try body.string()) }
        var resources: [AcpiFirmwareTable.Resource] = []
        for _ in 0..<(try body.u8()) {
            let kindOffset = body.position
            switch try body.u8() {
            case 1: resources.append(.memory(PhysicalRegion(base: try body.u64(), size: try body.u64())))
            case 2: resources.append(.ioPorts(base: try body.u16(), length: try body.u16()))
            case 3:
                let number = try body.u32()
                let flags = try body.u8()
                resources.append(.interrupt(BusInterrupt(number: number, edgeTriggered: flags & 1 != 0,
                                                          activeLow: flags & 2 != 0)))
            case let other: throw AcpiTableParseError(offset: kindOffset, .badKind(other))
            }
        }
        return AcpiFirmwareTable.Device(path: path, hid: hid, cids: cids, resources: resources)
    }

    private static func trimmed(_ text: String) -> String {
        var result = Substring(text)
        while result.last == " " { result = result.dropLast() }
        return String(result)
    }

    /// A bounds-checked little-endian cursor over `bytes[position..<end]`.
    struct Reader {
        let bytes: [UInt8]
        var position: Int
        let end: Int

        mutating func raw(_ count: Int) throws(AcpiTableParseError) -> [UInt8] {
            guard count <= end - position else {
                throw AcpiTableParseError(offset: position, .truncated(needed: count, available: max(0, end - position)))
            }
            defer { position += count }
            return Array(bytes[position..<(position + count)])
        }

        mutating func u8() throws(AcpiTableParseError) -> UInt8 { try raw(1)[0] }
        mutating func u16() throws(AcpiTableParseError) -> UInt16 { UInt16(truncatingIfNeeded: try little(2)) }
        mutating func u32() throws(AcpiTableParseError) -> UInt32 { UInt32(truncatingIfNeeded: try little(4)) }
        mutating func u64() throws(AcpiTableParseError) -> UInt64 { try little(8) }

        private mutating func little(_ count: Int) throws(AcpiTableParseError) -> UInt64 {
            try raw(count).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        }

        mutating func string() throws(AcpiTableParseError) -> String {
            let start = position
            let length = Int(try u8())
            let text = try raw(length)
            guard text.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else { throw AcpiTableParseError(offset: start, .badString) }
            return String(decoding: text, as: UTF8.self)
        }
    }
}
