// The Bochs VBE display: DISPI registers in BAR2 (ID, video memory size, GETCAPS, mode set and
// the fixups of an enabled mode), the framebuffer as plain RAM, and the PNG snapshot checked
// with independent CRC-32 and Adler-32 implementations and a stored-block inflater.
//
// Counterpart: QEMU hw/display/vga.c (vbe_ioport_*), vga-pci.c (BAR2 layout); PNG spec, RFC 1950/1951.

import Foundation
import Testing
@testable import Devices

@Suite struct BochsDisplayTests {
    private func dispi(_ display: BochsDisplay, _ index: Int) throws -> UInt64 {
        try display.registers.read(offset: BochsDispi.registerBlockOffset + UInt64(index * 2), width: .halfWord)
    }

    private func setDispi(_ display: BochsDisplay, _ index: Int, _ value: UInt16) throws {
        try display.registers.write(offset: BochsDispi.registerBlockOffset + UInt64(index * 2), width: .halfWord,
                                    value: UInt64(value))
    }

    private func setMode(_ display: BochsDisplay, width: UInt16, height: UInt16, bpp: UInt16) throws {
        try setDispi(display, BochsDispi.enable, 0)
        try setDispi(display, BochsDispi.xResolution, width)
        try setDispi(display, BochsDispi.yResolution, height)
        try setDispi(display, BochsDispi.bitsPerPixel, bpp)
        try setDispi(display, BochsDispi.enable, BochsDispi.enabledBit | BochsDispi.linearFramebufferBit)
    }

    @Test func identityAndRegisters() throws {
        let display = try BochsDisplay()
        #expect(display.pciFunction.config32(0) == 0x1111_1234)
        #expect(display.pciFunction.config32(0x08) >> 8 == 0x03_0000)
        #expect(try dispi(display, BochsDispi.id) == 0xB0C5)
        #expect(try dispi(display, BochsDispi.videoMemory64K) == 256)
        #expect(try display.registers.read(offset: 0x500, width: .word) == 0x0000_B0C5)  // ID + XRES
        #expect(try display.registers.read(offset: 0x501, width: .byte) == 0xB0)
        #expect(try display.registers.read(offset: 0x604, width: .word) == 0x1E1E_1E1E)   // little endian
        #expect(pciFaultKind { _ = try display.registers.read(offset: 0x500, width: .doubleWord) } == .badWidth)
        #expect(pciFaultKind { _ = try display.registers.read(offset: 0x501, width: .halfWord) } == .misaligned)
        // GETCAPS: resolution registers read the maxima.
        try setDispi(display, BochsDispi.enable, BochsDispi.getCapabilitiesBit)
        #expect(try dispi(display, BochsDispi.xResolution) == UInt64(BochsDispi.maximumXResolution))
        #expect(try dispi(display, BochsDispi.bitsPerPixel) == 32)
        try setDispi(display, BochsDispi.enable, 0)
        #expect(try dispi(display, BochsDispi.xResolution) == 0)
        #expect(display.mode == nil)
        #expect(display.pngData() == nil)
    }

    @Test func modeSet() throws {
        let display = try BochsDisplay()
        try setMode(display, width: 644, height: 480, bpp: 32)
        #expect(try dispi(display, BochsDispi.xResolution) == 640)  // rounded down to a multiple of 8
        #expect(try dispi(display, BochsDispi.virtualWidth) == 640)
        #expect(try dispi(display, BochsDispi.virtualHeight) == UInt64((16 << 20) / (640 * 4)))
        #expect(display.mode == BochsDisplayMode(width: 640, height: 480, bitsPerPixel: 32, lineLength: 2560,
                                                 startOffset: 0))
        try setDispi(display, BochsDispi.yOffset, 10)
        #expect(display.mode?.startOffset == 25600)
        // An invalid depth falls back to 8 bits per pixel.
        try setMode(display, width: 320, height: 200, bpp: 13)
        #expect(try dispi(display, BochsDispi.bitsPerPixel) == 8)
    }

    @Test func framebufferIsPlainRam() throws {
        let display = try BochsDisplay()
        let framebuffer = display.framebuffer
        #expect(framebuffer.regionSize == 16 << 20)
        try framebuffer.write(offset: 3, width: .doubleWord, value: 0x1122_3344_5566_7788)  // unaligned
        #expect(try framebuffer.read(offset: 3, width: .doubleWord) == 0x1122_3344_5566_7788)
        #expect(try framebuffer.read(offset: 4, width: .halfWord) == 0x6677)
        #expect(try framebuffer.read(offset: 10, width: .byte) == 0x11)
        #expect(pciFaultKind { _ = try framebuffer.read(offset: (16 << 20) - 4, width: .doubleWord) } == .unmappedRegister)
        // Enabling a mode clears the visible part unless NOCLEARMEM is set.
        try setMode(display, width: 64, height: 4, bpp: 32)
        #expect(try framebuffer.read(offset: 3, width: .doubleWord) == 0)
        try framebuffer.write(offset: 0, width: .word, value: 0xFFFF_FFFF)
        try setDispi(display, BochsDispi.enable, 0)
        try setDispi(display, BochsDispi.enable,
                     BochsDispi.enabledBit | BochsDispi.linearFramebufferBit | BochsDispi.noClearMemoryBit)
        #expect(try framebuffer.read(offset: 0, width: .word) == 0xFFFF_FFFF)
    }

    @Test func pngSnapshotIsValid() throws {
        let display = try BochsDisplay()
        try setMode(display, width: 64, height: 48, bpp: 32)
        // Pixel (x, y) = XRGB with red = x * 4, green = y * 5, blue = 0x80.
        for y in 0..<48 {
            for x in 0..<64 {
                let pixel = UInt64(x * 4) << 16 | UInt64(y * 5) << 8 | 0x80
                try display.framebuffer.write(offset: UInt64(y * 256 + x * 4), width: .word, value: pixel)
            }
        }
        let png = try #require(display.pngData())
        #expect(Array(png[0..<8]) == PngEncoder.signature)

        // Walk the chunks, checking each CRC against the bitwise reference.
        var chunks: [(type: String, data: [UInt8])] = []
        var offset = 8
        while offset + 12 <= png.count {
            let length = Int(pciBigEndian32(png, offset))
            let typeAndData = Array(png[(offset + 4)..<(offset + 8 + length)])
            #expect(pciBigEndian32(png, offset + 8 + length) == pciReferenceCrc32(typeAndData))
            chunks.append((String(decoding: typeAndData[0..<4], as: UTF8.self), Array(typeAndData[4...])))
            offset += 12 + length
        }
        #expect(offset == png.count)
        #expect(chunks.map(\.type) == ["IHDR", "IDAT", "IEND"])
        let header = chunks[0].data
        #expect(pciBigEndian32(header, 0) == 64 && pciBigEndian32(header, 4) == 48)
        #expect(Array(header[8...]) == [8, 2, 0, 0, 0])

        let raw = try #require(PngTestInflater.inflateStored(chunks[1].data))
        #expect(raw.count == 48 * (1 + 64 * 3))
        for y in [0, 17, 47] {
            let row = y * (1 + 64 * 3)
            #expect(raw[row] == 0)  // filter type None
            for x in [0, 31, 63] {
                #expect(Array(raw[(row + 1 + x * 3)..<(row + 4 + x * 3)]) == [UInt8(x * 4), UInt8(y * 5), 0x80])
            }
        }

        let path = "/tmp/zirconia-bochs-\(UInt32.random(in: 0...UInt32.max)).png"
        try display.writePNG(to: path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(FileManager.default.contents(atPath: path).map { Array($0) } == png)
        #expect(throws: BochsDisplay.SnapshotError.write(HostFile.WriteError(path: "/nonexistent/dir/x.png", errorNumber: 2))) {
            try display.writePNG(to: "/nonexistent/dir/x.png")
        }
    }

    @Test func sixteenBitModeSnapshot() throws {
        let display = try BochsDisplay()
        try setMode(display, width: 8, height: 1, bpp: 16)
        try display.framebuffer.write(offset: 0, width: .halfWord, value: 0xF800)  // pure red in RGB565
        try display.framebuffer.write(offset: 2, width: .halfWord, value: 0x07E0)  // pure green
        let png = try #require(display.pngData())
        let idatLength = Int(pciBigEndian32(png, 33))
        let raw = try #require(PngTestInflater.inflateStored(Array(png[41..<(41 + idatLength)])))
        #expect(Array(raw[1..<7]) == [0xFF, 0, 0, 0, 0xFF, 0])
    }
}

@Suite struct PngEncoderTests {
    @Test func checksumsMatchKnownVectorsAndReferences() {
        let digits = Array("123456789".utf8)
        #expect(Crc32.checksum(digits) == 0xCBF4_3926)
        #expect(Adler32.checksum(Array("Wikipedia".utf8)) == 0x11E6_0398)
        var generator = SystemRandomNumberGenerator()
        let noise = (0..<20_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        #expect(Crc32.checksum(noise) == pciReferenceCrc32(noise))
        #expect(Adler32.checksum(noise) == pciReferenceAdler32(noise))
        let ones = Array(repeating: UInt8(0xFF), count: 100_000)  // exercises the deferred modulo
        #expect(Adler32.checksum(ones) == pciReferenceAdler32(ones))
        var incremental = Crc32()
        incremental.update(digits[0..<4])
        incremental.update(digits[4...])
        #expect(incremental.value == 0xCBF4_3926)
    }

    @Test func zlibStreamSplitsIntoStoredBlocks() throws {
        let data = (0..<150_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let stream = PngEncoder.zlibStored(data)
        #expect(stream[0] == 0x78 && (UInt16(stream[0]) << 8 | UInt16(stream[1])) % 31 == 0)
        #expect(try #require(PngTestInflater.inflateStored(stream)) == data)
        #expect(try #require(PngTestInflater.inflateStored(PngEncoder.zlibStored([]))) == [])
        #expect(PngEncoder.encodeRGB(width: 0, height: 1) { _, _ in 0 } == nil)
    }
}

/// Decodes a zlib stream made of stored blocks only, verifying LEN/NLEN and the Adler-32 trailer
/// with the reference implementation. Nil on any inconsistency.
enum PngTestInflater {
    static func inflateStored(_ stream: [UInt8]) -> [UInt8]? {
        guard stream.count >= 6, stream[0] & 0x0F == 8, (UInt16(stream[0]) << 8 | UInt16(stream[1])) % 31 == 0 else {
            return nil
        }
        var output: [UInt8] = []
        var offset = 2
        var isFinal = false
        while !isFinal {
            guard offset + 5 <= stream.count, stream[offset] & 0x06 == 0 else { return nil }  // BTYPE 00
            isFinal = stream[offset] & 1 == 1
            let length = Int(stream[offset + 1]) | Int(stream[offset + 2]) << 8
            let complement = Int(stream[offset + 3]) | Int(stream[offset + 4]) << 8
            guard length ^ 0xFFFF == complement, offset + 5 + length <= stream.count else { return nil }
            output += stream[(offset + 5)..<(offset + 5 + length)]
            offset += 5 + length
        }
        guard offset + 4 == stream.count, pciBigEndian32(stream, offset) == pciReferenceAdler32(output) else { return nil }
        return output
    }
}
