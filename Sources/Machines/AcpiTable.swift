// AcpiTable: the qemu-x64 machine's firmware description — Zirconia's own small stand-in for the
// ACPI tables a PC's firmware leaves in memory (MCFG for the ECAM window, the DSDT's \_SB_.PCI0
// and its _CRS apertures, the \_SB_.PCI0.SF8_.KBD_ / MOU_ devices). It is not AML: a flat list of
// records a bus driver decodes in a few lines, with the ACPI system-description-table header so
// it looks and checksums like one.
//
// Counterpart: QEMU hw/i386/acpi-build.c (build_dsdt: PCI0 with _HID PNP0A08 / _CID PNP0A03, KBD_
// PNP0303 with IO 0x60/0x64 and IRQNoFlags(1), MOU_ PNP0F13 with IRQNoFlags(12); build_mcfg) and
// ACPI 6.4 §5.2.6 (the 36-byte header: signature, length, revision, checksum over the whole
// table = 0, OEM ID, OEM table ID, OEM revision, creator ID, creator revision). Fuchsia's x86
// board driver walks the real tables with ACPICA and publishes `acpi-<NAME>` nodes whose
// `GetMmio(index)` hands out each memory resource (driver-model.md §5.3).
//
// Binary layout (all little-endian):
//   header   36 bytes: "ZACP", u32 length, u8 revision (1), u8 checksum, 6-byte OEM ID,
//            8-byte OEM table ID, u32 OEM revision, "ZRCN", u32 creator revision
//   records  until `length`: u8 type, u8 reserved (0), u16 record length (header included),
//            then the body. Unknown types are skipped by length.
//     type 1 PCI root: str path, str hid, str cid, u16 segment, u8 first bus, u8 last bus,
//            u64 ECAM base, u8 aperture count, apertures (u8 kind 0 = mem32 / 1 = mem64 / 2 = I/O,
//            u8 flags bit 0 = prefetchable, u64 base, u64 size)
//     type 2 device: str path, str hid, u8 cid count + strs, u8 resource count, resources:
//            kind 1 memory (u64 base, u64 size), kind 2 I/O ports (u16 base, u16 length),
//            kind 3 interrupt (u32 number, u8 flags: bit 0 edge, bit 1 active low)
//   str = u8 length + ASCII bytes.

/// The machine's firmware description table (see the file comment for the encoding).
public struct AcpiTable: Sendable, Equatable {
    public static let signature: [UInt8] = Array("ZACP".utf8)
    public static let creatorID: [UInt8] = Array("ZRCN".utf8)
    public static let headerSize = 36
    public static let revision: UInt8 = 1

    /// A PCI host bridge: ECAM (MCFG entry) and the windows its _CRS produces.
    public struct PciRoot: Sendable, Equatable {
        public enum ApertureKind: UInt8, Sendable, Equatable { case memory32 = 0, memory64 = 1, io = 2 }
        public struct Aperture: Sendable, Equatable {
            public var kind: ApertureKind
            public var prefetchable: Bool
            /// CPU physical address (I/O: the first port).
            public var base: UInt64
            public var size: UInt64
            public init(kind: ApertureKind, prefetchable: Bool = false, base: UInt64, size: UInt64) {
                self.kind = kind
                self.prefetchable = prefetchable
                self.base = base
                self.size = size
            }
        }

        public var path: String
        public var hid: String
        public var cid: String
        public var segment: UInt16
        public var busRange: ClosedRange<UInt8>
        public var ecamBase: UInt64
        public var apertures: [Aperture]

        public init(path: String, hid: String = "PNP0A08", cid: String = "PNP0A03", segment: UInt16 = 0,
                    busRange: ClosedRange<UInt8>, ecamBase: UInt64, apertures: [Aperture]) {
            self.path = path
            self.hid = hid
            self.cid = cid
            self.segment = segment
            self.busRange = busRange
            self.ecamBase = ecamBase
            self.apertures = apertures
        }
    }

    /// One resource of a device's _CRS.
    public enum Resource: Sendable, Equatable {
        case memory(base: UInt64, size: UInt64)
        case ioPorts(base: UInt16, length: UInt16)
        case interrupt(number: UInt32, edgeTriggered: Bool, activeLow: Bool)
    }

    /// A device in the namespace: its path, _HID, _CIDs and resources.
    public struct Device: Sendable, Equatable {
        public var path: String
        public var hid: String
        public var cids: [String]
        public var resources: [Resource]

        public init(path: String, hid: String, cids: [String] = [], resources: [Resource]) {
            self.path = path
            self.hid = hid
            self.cids = cids
            self.resources = resources
        }

        /// The memory resources in order: what `GetMmio(index)` hands out.
        public var memoryResources: [(base: UInt64, size: UInt64)] {
            resources.compactMap { if case let .memory(base, size) = $0 { (base, size) } else { nil } }
        }
    }

    public var oemID: String
    public var oemTableID: String
    public var oemRevision: UInt32
    public var pciRoots: [PciRoot]
    public var devices: [Device]

    public init(oemID: String = "ZRCNIA", oemTableID: String = "QEMUX64", oemRevision: UInt32 = 1,
                pciRoots: [PciRoot], devices: [Device]) {
        self.oemID = oemID
        self.oemTableID = oemTableID
        self.oemRevision = oemRevision
        self.pciRoots = pciRoots
        self.devices = devices
    }

    /// The device whose _HID or one of whose _CIDs is `id`.
    public func device(matching id: String) -> Device? {
        devices.first { $0.hid == id || $0.cids.contains(id) }
    }
}

/// Why a table does not decode.
public struct AcpiTableError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case truncated(needed: Int, available: Int)
        case badSignature([UInt8])
        case badLength(UInt32)
        case badChecksum(sum: UInt8)
        case badRecordLength(type: UInt8, length: Int)
        case recordOverrun(type: UInt8)
        case badString
        case badKind(UInt8)
        case badBusRange(first: UInt8, last: UInt8)
        case tooMany(String)
    }

    /// Byte offset in the table where the problem is.
    public var offset: Int
    public var kind: Kind

    public init(offset: Int, _ kind: Kind) {
        self.offset = offset
        self.kind = kind
    }

    public var description: String { "firmware table: at byte \(offset): \(kind)" }
}

// MARK: - Encoding

extension AcpiTable {
    /// The table's bytes: header, then one record per PCI root and per device.
    /// - Throws: `.tooMany` / `.badString` when a field does not fit its encoding (a string of
    ///   more than 255 ASCII bytes, more than 255 resources, a record over 64 KiB).
    public func encoded() throws(AcpiTableError) -> [UInt8] {
        var body: [UInt8] = []
        for root in pciRoots {
            var record = TableWriter()
            try record.string(root.path)
            try record.string(root.hid)
            try record.string(root.cid)
            record.u16(root.segment)
            record.u8(root.busRange.lowerBound)
            record.u8(root.busRange.upperBound)
            record.u64(root.ecamBase)
            try record.count(root.apertures.count, "apertures")
            for aperture in root.apertures {
                record.u8(aperture.kind.rawValue)
                record.u8(aperture.prefetchable ? 1 : 0)
                record.u64(aperture.base)
                record.u64(aperture.size)
            }
            try Self.appendRecord(type: 1, record.bytes, to: &body)
        }
        for device in devices {
            var record = TableWriter()
            try record.string(device.path)
            try record.string(device.hid)
            try record.count(device.cids.count, "compatible IDs")
            for cid in device.cids { try record.string(cid) }
            try record.count(device.resources.count, "resources")
            for resource in device.resources {
                switch resource {
                case let .memory(base, size):
                    record.u8(1)
                    record.u64(base)
                    record.u64(size)
                case let .ioPorts(base, length):
                    record.u8(2)
                    record.u16(base)
                    record.u16(length)
                case let .interrupt(number, edge, activeLow):
                    record.u8(3)
                    record.u32(number)
                    record.u8((edge ? 1 : 0) | (activeLow ? 2 : 0))
                }
            }
            try Self.appendRecord(type: 2, record.bytes, to: &body)
        }

        var header = TableWriter()
        header.bytes += Self.signature
        header.u32(UInt32(Self.headerSize + body.count))
        header.u8(Self.revision)
        header.u8(0)  // checksum, fixed below
        try header.fixed(oemID, 6)
        try header.fixed(oemTableID, 8)
        header.u32(oemRevision)
        header.bytes += Self.creatorID
        header.u32(1)
        var table = header.bytes + body
        table[9] = 0 &- table.reduce(0, &+)
        return table
    }

    private static func appendRecord(type: UInt8, _ body: [UInt8], to table: inout [UInt8]) throws(AcpiTableError) {
        let length = body.count + 4
        guard length <= Int(UInt16.max) else { throw AcpiTableError(offset: table.count, .tooMany("record bytes")) }
        table += [type, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + body
    }
}

private struct TableWriter {
    var bytes: [UInt8] = []

    mutating func u8(_ value: UInt8) { bytes.append(value) }
    mutating func u16(_ value: UInt16) { append(UInt64(value), 2) }
    mutating func u32(_ value: UInt32) { append(UInt64(value), 4) }
    mutating func u64(_ value: UInt64) { append(value, 8) }

    private mutating func append(_ value: UInt64, _ count: Int) {
        for index in 0..<count { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(index)))) }
    }

    mutating func string(_ text: String) throws(AcpiTableError) {
        let utf8 = Array(text.utf8)
        guard utf8.count <= 255, utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
            throw AcpiTableError(offset: bytes.count, .badString)
        }
        bytes.append(UInt8(utf8.count))
        bytes += utf8
    }

    /// A fixed-width, space-padded ASCII field (ACPI's OEM ID style).
    mutating func fixed(_ text: String, _ width: Int) throws(AcpiTableError) {
        let utf8 = Array(text.utf8)
        guard utf8.count <= width, utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
            throw AcpiTableError(offset: bytes.count, .badString)
        }
        bytes += utf8 + Array(repeating: 0x20, count: width - utf8.count)
    }

    mutating func count(_ value: Int, _ what: String) throws(AcpiTableError) {
        guard value <= 255 else { throw AcpiTableError(offset: bytes.count, .tooMany(what)) }
        bytes.append(UInt8(value))
    }
}

// MARK: - Decoding

extension AcpiTable {
    /// Decodes a table, checking signature, length and checksum first.
    /// - Throws: `AcpiTableError` naming the offset of the first problem.
    public init(decoding bytes: [UInt8]) throws(AcpiTableError) {
        guard bytes.count >= Self.headerSize else {
            throw AcpiTableError(offset: 0, .truncated(needed: Self.headerSize, available: bytes.count))
        }
        var header = TableReader(bytes: bytes, position: 0, end: Self.headerSize)
        let signature = try header.raw(4)
        guard signature == Self.signature else { throw AcpiTableError(offset: 0, .badSignature(signature)) }
        let length = try header.u32()
        guard length >= UInt32(Self.headerSize), Int(length) <= bytes.count else {
            throw AcpiTableError(offset: 4, .badLength(length))
        }
        let table = Array(bytes[0..<Int(length)])
        let sum = table.reduce(UInt8(0), &+)
        guard sum == 0 else { throw AcpiTableError(offset: 9, .badChecksum(sum: sum)) }
        _ = try header.u8()  // revision: every revision so far is 1
        _ = try header.u8()  // checksum
        let oemID = String(decoding: try header.raw(6), as: UTF8.self).trimmingTrailingSpaces
        let oemTableID = String(decoding: try header.raw(8), as: UTF8.self).trimmingTrailingSpaces
        let oemRevision = try header.u32()

        var roots: [PciRoot] = []
        var devices: [Device] = []
        var position = Self.headerSize
        while position < table.count {
            var head = TableReader(bytes: table, position: position, end: table.count)
            let type = try head.u8()
            _ = try head.u8()
            let recordLength = Int(try head.u16())
            guard recordLength >= 4 else {
                throw AcpiTableError(offset: position + 2, .badRecordLength(type: type, length: recordLength))
            }
            guard recordLength <= table.count - position else {
                throw AcpiTableError(offset: position, .recordOverrun(type: type))
            }
            var record = TableReader(bytes: table, position: position + 4, end: position + recordLength)
            switch type {
            case 1: roots.append(try Self.decodeRoot(&record))
            case 2: devices.append(try Self.decodeDevice(&record))
            default: break
            }
            position += recordLength
        }
        self.init(oemID: oemID, oemTableID: oemTableID, oemRevision: oemRevision, pciRoots: roots, devices: devices)
    }

    private static func decodeRoot(_ record: inout TableReader) throws(AcpiTableError) -> PciRoot {
        let path = try record.string(), hid = try record.string(), cid = try record.string()
        let segment = try record.u16()
        let first = try record.u8(), last = try record.u8()
        guard first <= last else { throw AcpiTableError(offset: record.position - 2, .badBusRange(first: first, last: last)) }
        let ecam = try record.u64()
        var apertures: [PciRoot.Aperture] = []
        for _ in 0..<(try record.u8()) {
            let kindOffset = record.position
            guard let kind = PciRoot.ApertureKind(rawValue: try record.u8()) else {
                throw AcpiTableError(offset: kindOffset, .badKind(record.bytes[kindOffset]))
            }
            let flags = try record.u8()
            apertures.append(PciRoot.Aperture(kind: kind, prefetchable: flags & 1 != 0,
                                              base: try record.u64(), size: try record.u64()))
        }
        return PciRoot(path: path, hid: hid, cid: cid, segment: segment, busRange: first...last,
                       ecamBase: ecam, apertures: apertures)
    }

    private static func decodeDevice(_ record: inout TableReader) throws(AcpiTableError) -> Device {
        let path = try record.string(), hid = try record.string()
        var cids: [String] = []
        for _ in 0..<(try record.u8()) { cids.append(try record.string()) }
        var resources: [Resource] = []
        for _ in 0..<(try record.u8()) {
            let kindOffset = record.position
            switch try record.u8() {
            case 1: resources.append(.memory(base: try record.u64(), size: try record.u64()))
            case 2: resources.append(.ioPorts(base: try record.u16(), length: try record.u16()))
            case 3:
                let number = try record.u32()
                let flags = try record.u8()
                resources.append(.interrupt(number: number, edgeTriggered: flags & 1 != 0, activeLow: flags & 2 != 0))
            case let other: throw AcpiTableError(offset: kindOffset, .badKind(other))
            }
        }
        return Device(path: path, hid: hid, cids: cids, resources: resources)
    }
}

private struct TableReader {
    let bytes: [UInt8]
    var position: Int
    let end: Int

    mutating func raw(_ count: Int) throws(AcpiTableError) -> [UInt8] {
        guard count <= end - position else {
            throw AcpiTableError(offset: position, .truncated(needed: count, available: end - position))
        }
        defer { position += count }
        return Array(bytes[position..<(position + count)])
    }

    mutating func u8() throws(AcpiTableError) -> UInt8 { try raw(1)[0] }
    mutating func u16() throws(AcpiTableError) -> UInt16 { UInt16(truncatingIfNeeded: try little(2)) }
    mutating func u32() throws(AcpiTableError) -> UInt32 { UInt32(truncatingIfNeeded: try little(4)) }
    mutating func u64() throws(AcpiTableError) -> UInt64 { try little(8) }

    private mutating func little(_ count: Int) throws(AcpiTableError) -> UInt64 {
        try raw(count).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    mutating func string() throws(AcpiTableError) -> String {
        let start = position
        let length = Int(try u8())
        let utf8 = try raw(length)
        guard utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else { throw AcpiTableError(offset: start, .badString) }
        return String(decoding: utf8, as: UTF8.self)
    }
}

extension String {
    fileprivate var trimmingTrailingSpaces: String {
        var text = Substring(self)
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }
}
