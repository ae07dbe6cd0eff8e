// AtaDisk: an ATA hard disk as a SATA port sees it — a sector store plus the 512-byte IDENTIFY
// DEVICE response a driver parses for the model string and capacity.
//
// Counterpart: ATA/ATAPI Command Set (ATA8-ACS) section 7.16 (IDENTIFY DEVICE data: strings as
// byte-swapped ASCII words, words 60–61 LBA28 capacity, 83 bit 10 48-bit feature set, 100–103
// LBA48 capacity, word 255 integrity checksum) and QEMU hw/ide/core.c ide_identify (which fields
// QEMU fills). Sectors never written read as zero and cost no memory.
import Synchronization

public final class AtaDisk: Sendable {
    public static let sectorSize = 512

    public let sectorCount: UInt64
    public let model: String
    public let serialNumber: String
    public let firmwareRevision: String
    private let sectors = Mutex<[UInt64: [UInt8]]>([:])

    public init(sectorCount: UInt64, model: String = "QEMU HARDDISK", serialNumber: String = "QM00001",
                firmwareRevision: String = "2.5+") {
        self.sectorCount = sectorCount
        self.model = model
        self.serialNumber = serialNumber
        self.firmwareRevision = firmwareRevision
    }

    // MARK: Sector store

    /// True if `count` sectors from `lba` exist.
    public func contains(lba: UInt64, count: UInt64) -> Bool {
        lba <= sectorCount && count <= sectorCount - lba
    }

    /// Reads `count` sectors; nil if the range is outside the disk.
    public func read(lba: UInt64, count: UInt64) -> [UInt8]? {
        guard contains(lba: lba, count: count) else { return nil }
        return sectors.withLock { sectors in
            var data = [UInt8]()
            data.reserveCapacity(Int(count) * Self.sectorSize)
            for sector in lba..<(lba + count) {
                data += sectors[sector] ?? Array(repeating: 0, count: Self.sectorSize)
            }
            return data
        }
    }

    /// Writes whole sectors from `data` (its length rounded down to sectors); false if outside.
    @discardableResult
    public func write(lba: UInt64, _ data: [UInt8]) -> Bool {
        let count = UInt64(data.count / Self.sectorSize)
        guard contains(lba: lba, count: count) else { return false }
        sectors.withLock { sectors in
            for index in 0..<Int(count) {
                let start = index * Self.sectorSize
                sectors[lba + UInt64(index)] = Array(data[start..<(start + Self.sectorSize)])
            }
        }
        return true
    }

    // MARK: IDENTIFY DEVICE

    /// The 256 IDENTIFY words, little-endian as the device sends them.
    public func identifyData() -> [UInt8] {
        var words = Array(repeating: UInt16(0), count: 256)
        let lba28 = UInt32(min(sectorCount, 0x0FFF_FFFF))
        let cylinders = UInt16(min(sectorCount / (16 * 63), 16383))

        words[0] = 0x0040                       // fixed device, not removable
        words[1] = cylinders                    // legacy geometry: cylinders, 16 heads, 63 sectors
        words[3] = 16
        words[6] = 63
        Self.put(serialNumber, into: &words, at: 10, wordCount: 10)
        Self.put(firmwareRevision, into: &words, at: 23, wordCount: 4)
        Self.put(model, into: &words, at: 27, wordCount: 20)
        words[47] = 0x8010                      // READ/WRITE MULTIPLE: up to 16 sectors
        words[49] = 0x0B00                      // IORDY, LBA, DMA supported
        words[50] = 0x4000
        words[53] = 0x0007                      // words 54-58, 64-70 and 88 are valid
        words[54] = cylinders
        words[55] = 16
        words[56] = 63
        let chsSectors = UInt32(cylinders) * 16 * 63
        words[57] = UInt16(truncatingIfNeeded: chsSectors)
        words[58] = UInt16(truncatingIfNeeded: chsSectors >> 16)
        words[59] = 0x0110                      // multiple sector setting valid, 16
        words[60] = UInt16(truncatingIfNeeded: lba28)
        words[61] = UInt16(truncatingIfNeeded: lba28 >> 16)
        words[63] = 0x0007                      // multiword DMA 0-2 supported
        words[64] = 0x0003                      // PIO 3-4
        words[65...68] = [120, 120, 120, 120]   // cycle times (ns)
        words[75] = 31                          // queue depth 32 (NCQ)
        words[76] = 0x0102                      // SATA Gen1 (1.5 Gb/s), NCQ supported
        words[80] = 0x01F0                      // ATA/ATAPI-4 through ATA8-ACS
        words[82] = 0x4021                      // SMART, write cache; word valid
        words[83] = 0x7400                      // FLUSH CACHE EXT, FLUSH CACHE, 48-bit LBA; valid
        words[84] = 0x4000
        words[85] = 0x4021                      // enabled: SMART, write cache
        words[86] = 0x3400                      // enabled: FLUSH CACHE (EXT), 48-bit LBA
        words[87] = 0x4000
        words[88] = 0x203F                      // UDMA 0-5 supported, mode 5 selected
        for index in 0..<4 {
            words[100 + index] = UInt16(truncatingIfNeeded: sectorCount >> UInt64(16 * index))
        }
        words[106] = 0x4000                     // one logical sector per physical sector

        var bytes = words.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        // Word 255: signature 0xA5 in the low byte, and a high byte making all 512 bytes sum to 0.
        bytes[510] = 0xA5
        let sum = bytes[0..<511].reduce(UInt8(0), &+)
        bytes[511] = 0 &- sum
        return bytes
    }

    /// ATA strings: space-padded ASCII, two characters per word with the first in the high byte.
    private static func put(_ text: String, into words: inout [UInt16], at first: Int, wordCount: Int) {
        var characters = Array(text.utf8.map { $0 < 0x20 || $0 > 0x7E ? UInt8(ascii: "?") : $0 }.prefix(wordCount * 2))
        characters += Array(repeating: UInt8(ascii: " "), count: wordCount * 2 - characters.count)
        for index in 0..<wordCount {
            words[first + index] = UInt16(characters[index * 2]) << 8 | UInt16(characters[index * 2 + 1])
        }
    }

    /// Decodes an ATA string field from IDENTIFY data (for tests and logs).
    public static func string(fromIdentify data: [UInt8], words: Range<Int>) -> String {
        var characters: [UInt8] = []
        for word in words where word * 2 + 1 < data.count {
            characters.append(data[word * 2 + 1])
            characters.append(data[word * 2])
        }
        return String(decoding: characters, as: UTF8.self).trimmingTrailingSpaces()
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var result = Substring(self)
        while result.last == " " { result = result.dropLast() }
        return String(result)
    }
}
