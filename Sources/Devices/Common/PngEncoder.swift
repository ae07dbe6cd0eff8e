// PngEncoder: a dependency-free PNG writer for framebuffer snapshots. Pixels go out as 8-bit RGB
// (colour type 2), every scanline with filter type 0, inside a zlib stream made only of *stored*
// (uncompressed) deflate blocks. The files are large but trivially correct, which is what a
// debugging snapshot needs.
//
// Counterpart: PNG specification (ISO/IEC 15948: signature, IHDR/IDAT/IEND chunks, CRC over
// type + data), RFC 1950 (zlib header 0x78 0x01, Adler-32 trailer, big-endian) and RFC 1951
// section 3.2.4 (stored block: BFINAL/BTYPE=00 byte, LEN, one's complement NLEN, little-endian).

public enum PngEncoder {
    /// The eight bytes every PNG file starts with.
    public static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// The largest payload of one stored deflate block (LEN is 16 bits).
    static let maximumStoredBlock = 65535

    /// Encodes `width` x `height` RGB pixels. `pixel(x, y)` returns 0x00RRGGBB.
    /// Returns nil for an empty image or one whose dimensions do not fit PNG's 31-bit fields.
    public static func encodeRGB(
        width: Int, height: Int, pixel: (_ x: Int, _ y: Int) -> UInt32
    ) -> [UInt8]? {
        guard width > 0, height > 0, width <= Int(Int32.max), height <= Int(Int32.max) else {
            return nil
        }
        let (rowLength, rowOverflow) = width.multipliedReportingOverflow(by: 3)
        let (imageLength, imageOverflow) = (rowLength + 1).multipliedReportingOverflow(by: height)
        guard !rowOverflow, !imageOverflow else { return nil }

        // Filtered image data: one filter-type byte (0, None) before each scanline.
        var raw = [UInt8]()
        raw.reserveCapacity(imageLength)
        for y in 0..<height {
            raw.append(0)
            for x in 0..<width {
                let rgb = pixel(x, y)
                raw.append(UInt8(truncatingIfNeeded: rgb >> 16))
                raw.append(UInt8(truncatingIfNeeded: rgb >> 8))
                raw.append(UInt8(truncatingIfNeeded: rgb))
            }
        }

        var header = [UInt8]()
        appendBigEndian(UInt32(width), to: &header)
        appendBigEndian(UInt32(height), to: &header)
        header += [8, 2, 0, 0, 0]  // bit depth 8, colour type RGB, deflate, filter 0, no interlace

        var png = signature
        appendChunk("IHDR", header, to: &png)
        appendChunk("IDAT", zlibStored(raw), to: &png)
        appendChunk("IEND", [], to: &png)
        return png
    }

    /// A zlib stream holding `data` in stored deflate blocks.
    public static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        let blocks = max(1, (data.count + maximumStoredBlock - 1) / maximumStoredBlock)
        var stream = [UInt8]()
        stream.reserveCapacity(data.count + blocks * 5 + 6)
        // CMF 0x78: deflate, 32 KiB window. FLG 0x01: no dictionary, fastest level, and
        // (0x78 << 8 | 0x01) is a multiple of 31 as the FCHECK rule requires.
        stream += [0x78, 0x01]
        var start = 0
        repeat {
            let length = min(maximumStoredBlock, data.count - start)
            let isFinal = start + length == data.count
            stream.append(isFinal ? 1 : 0)
            let len = UInt16(length)
            stream += [UInt8(len & 0xFF), UInt8(len >> 8), UInt8(~len & 0xFF), UInt8(~len >> 8)]
            stream += data[start..<(start + length)]
            start += length
        } while start < data.count
        appendBigEndian(Adler32.checksum(data), to: &stream)
        return stream
    }

    static func appendChunk(_ type: String, _ data: [UInt8], to png: inout [UInt8]) {
        let typeBytes = Array(type.utf8)
        appendBigEndian(UInt32(data.count), to: &png)
        png += typeBytes
        png += data
        var crc = Crc32()
        crc.update(typeBytes)
        crc.update(data)
        appendBigEndian(crc.value, to: &png)
    }

    static func appendBigEndian(_ value: UInt32, to bytes: inout [UInt8]) {
        bytes += [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF),
                  UInt8(value & 0xFF)]
    }
}
