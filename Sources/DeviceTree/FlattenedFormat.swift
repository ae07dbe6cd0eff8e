// FlattenedFormat: the on-disk layout of a flattened device tree (DTB) — header fields, structure
// tokens, alignment — and the bounds-checked big-endian reads the parser and builder share.
// Layout per the Devicetree Specification v0.4, chapter 5 ("Flattened Devicetree (DTB) Format");
// libfdt's fdt.h and Zircon's `zircon/kernel/lib/devicetree` define the same constants.

/// Constants of the DTB format.
enum FlattenedFormat {
    static let magic: UInt32 = 0xd00d_feed
    /// Size of the version 17 header (ten 32-bit fields); the header this library writes.
    static let headerSize = 40
    /// Version 16 has no size_dt_struct field, so its header is one field shorter.
    static let version16HeaderSize = 36
    /// Accept blobs whose version is at least this (as Linux and U-Boot do)…
    static let oldestVersion: UInt32 = 16
    /// …and whose last compatible version is at most this: what a version 17 reader can read.
    static let newestVersion: UInt32 = 17
    /// Deepest node nesting accepted (the root is level 1); bounds recursion and stack growth.
    static let maximumDepth = 64
    /// Largest #address-cells / #size-cells accepted (Linux's OF_MAX_ADDR_CELLS).
    static let maximumCells = 4

    // Header field offsets.
    static let totalSizeField = 4
    static let structureOffsetField = 8
    static let stringsOffsetField = 12
    static let reservationsOffsetField = 16
    static let versionField = 20
    static let lastCompatibleVersionField = 24
    static let bootCpuField = 28
    static let stringsSizeField = 32
    static let structureSizeField = 36

    // Structure block tokens.
    static let beginNode: UInt32 = 1
    static let endNode: UInt32 = 2
    static let property: UInt32 = 3
    static let nop: UInt32 = 4
    static let end: UInt32 = 9

    /// Rounds up to the 4-byte token alignment. Inputs are offsets below 2^33, so no overflow.
    @inline(__always) static func align4(_ offset: Int) -> Int { (offset + 3) & ~3 }
}

extension UnsafeBufferPointer<UInt8> {
    /// The big-endian 32-bit word at `offset`; the caller has checked `offset + 4 <= count`.
    @inline(__always) func bigEndianWord(at offset: Int) -> UInt32 {
        UInt32(self[offset]) << 24 | UInt32(self[offset + 1]) << 16 | UInt32(self[offset + 2]) << 8
            | UInt32(self[offset + 3])
    }
}

extension Collection<UInt8> where Index == Int {
    /// The big-endian 32-bit word at `offset`, or nil when fewer than four bytes remain.
    @inline(__always) func bigEndianWordIfPresent(at offset: Int) -> UInt32? {
        guard offset >= startIndex, offset <= endIndex - 4 else { return nil }
        return UInt32(self[offset]) << 24 | UInt32(self[offset + 1]) << 16 | UInt32(self[offset + 2]) << 8
            | UInt32(self[offset + 3])
    }
}

extension Array<UInt8> {
    /// Appends `value` big-endian.
    @inline(__always) mutating func appendBigEndian(_ value: UInt32) {
        append(UInt8(truncatingIfNeeded: value >> 24))
        append(UInt8(truncatingIfNeeded: value >> 16))
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }

    @inline(__always) mutating func appendBigEndian(_ value: UInt64) {
        appendBigEndian(UInt32(truncatingIfNeeded: value >> 32))
        appendBigEndian(UInt32(truncatingIfNeeded: value))
    }

    /// Stores `value` big-endian over the four bytes at `offset` (which the caller wrote before).
    @inline(__always) mutating func storeBigEndian(_ value: UInt32, at offset: Int) {
        self[offset] = UInt8(truncatingIfNeeded: value >> 24)
        self[offset + 1] = UInt8(truncatingIfNeeded: value >> 16)
        self[offset + 2] = UInt8(truncatingIfNeeded: value >> 8)
        self[offset + 3] = UInt8(truncatingIfNeeded: value)
    }
}
