// BochsDisplay: QEMU's standard VGA / Bochs VBE display (1234:1111, class 03/00) as a PCI device
// without legacy VGA: BAR0 is the linear framebuffer (prefetchable 32-bit memory, plain RAM),
// BAR2 the 4 KiB MMIO register BAR whose 0x500 block holds the Bochs DISPI registers; plus a PNG
// snapshot of what the display shows.
//
// Counterpart: QEMU hw/display/vga-pci.c (BAR2 layout: 0x000 EDID, 0x400 VGA ports, 0x500 DISPI
// as 16-bit registers at index * 2, 0x600 QEMU extended registers) and hw/display/vga.c
// (vbe_ioport_read/write_data and the fixup of the mode registers when the display is
// enabled); register numbers and bits from QEMU include/hw/display/bochs-vbe.h.
import Hardware
import Synchronization

/// DISPI register indices and ENABLE bits.
public enum BochsDispi {
    public static let registerBlockOffset: UInt64 = 0x500
    public static let id = 0x0, xResolution = 0x1, yResolution = 0x2, bitsPerPixel = 0x3
    public static let enable = 0x4, bank = 0x5, virtualWidth = 0x6, virtualHeight = 0x7
    public static let xOffset = 0x8, yOffset = 0x9, videoMemory64K = 0xA
    static let registerCount = 0xB

    /// The newest interface ID; what QEMU reports.
    public static let id5: UInt16 = 0xB0C5
    public static let enabledBit: UInt16 = 0x01
    /// While set, XRES/YRES/BPP read back the maximum values instead.
    public static let getCapabilitiesBit: UInt16 = 0x02
    public static let eightBitDacBit: UInt16 = 0x20
    public static let linearFramebufferBit: UInt16 = 0x40
    /// Enabling without it clears the visible video memory.
    public static let noClearMemoryBit: UInt16 = 0x80

    public static let maximumXResolution: UInt16 = 16000
    public static let maximumYResolution: UInt16 = 12000
    public static let maximumBitsPerPixel: UInt16 = 32
}

/// The visible mode of an enabled display.
public struct BochsDisplayMode: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var bitsPerPixel: Int
    /// Bytes per scanline (virtual width times bytes per pixel).
    public var lineLength: Int
    /// Framebuffer offset of the top-left visible pixel.
    public var startOffset: Int
}

public final class BochsDisplay: PciDevice {
    public let pciFunction: PciFunction
    /// BAR0: the linear framebuffer.
    public let framebuffer: RamRegion
    /// BAR2: EDID, VGA ports, DISPI and QEMU extended registers.
    public let registers: BochsDisplayRegisters

    /// `videoMemorySize` must be a power of two of at least 64 KiB (QEMU's default 16 MiB).
    public init(name: String = "bochs-display", videoMemorySize: Int = 16 << 20) throws(PciConfigurationError) {
        guard videoMemorySize >= 1 << 16, videoMemorySize & (videoMemorySize - 1) == 0,
              let framebuffer = RamRegion(name: name + " BAR0", size: videoMemorySize)
        else { throw .barSizeOutOfRange(0, UInt64(max(videoMemorySize, 0))) }
        let registers = BochsDisplayRegisters(name: name + " BAR2", framebuffer: framebuffer)
        self.framebuffer = framebuffer
        self.registers = registers
        self.pciFunction = try PciFunction(
            name: name,
            identity: PciIdentity(vendorID: PciVendorID.qemu, deviceID: 0x1111, classCode: .vgaDisplay,
                                  revisionID: 2),
            bars: [.memory32(0, size: UInt64(videoMemorySize), prefetchable: true, handler: framebuffer),
                   .memory32(2, size: 0x1000, handler: registers)])
    }

    /// The current mode, nil while the display is disabled.
    public var mode: BochsDisplayMode? { registers.currentMode }

    /// A PNG of the visible screen (32, 24 or 16 bits per pixel); nil while disabled or in a
    /// palette mode.
    public func pngData() -> [UInt8]? {
        guard let mode = registers.currentMode, [16, 24, 32].contains(mode.bitsPerPixel) else { return nil }
        return framebuffer.withBytes { memory -> [UInt8]? in
            let bytesPerPixel = (mode.bitsPerPixel + 7) / 8
            return PngEncoder.encodeRGB(width: mode.width, height: mode.height) { x, y in
                let index = mode.startOffset + y * mode.lineLength + x * bytesPerPixel
                guard index >= 0, index + bytesPerPixel <= memory.count else { return 0 }
                switch bytesPerPixel {
                case 4, 3:  // XRGB8888 / RGB888 little-endian: blue at the lowest address
                    return UInt32(memory[index]) | UInt32(memory[index + 1]) << 8 | UInt32(memory[index + 2]) << 16
                default:    // RGB565
                    let pixel = UInt32(memory[index]) | UInt32(memory[index + 1]) << 8
                    let red = (pixel >> 11) & 0x1F, green = (pixel >> 5) & 0x3F, blue = pixel & 0x1F
                    return ((red << 3 | red >> 2) << 16) | ((green << 2 | green >> 4) << 8) | (blue << 3 | blue >> 2)
                }
            }
        }
    }

    public enum SnapshotError: Error, Sendable, Equatable {
        case displayDisabled
        case write(HostFile.WriteError)
    }

    /// Writes `pngData()` to a file.
    public func writePNG(to path: String) throws(SnapshotError) {
        guard let png = pngData() else { throw .displayDisabled }
        do throws(HostFile.WriteError) {
            try HostFile.write(png, to: path)
        } catch {
            throw .write(error)
        }
    }
}

/// BAR2 of the Bochs display.
public final class BochsDisplayRegisters: MmioDevice {
    public let name: String
    public let regionSize: UInt64 = 0x1000
    private let framebuffer: RamRegion
    private let dispi: Mutex<[UInt16]>

    private static let extendedRegistersOffset: UInt64 = 0x600
    /// QEMU extended registers: region size and the framebuffer byte order (little endian).
    private static let extendedRegionSize: UInt32 = 8
    private static let littleEndianMarker: UInt32 = 0x1E1E_1E1E

    init(name: String, framebuffer: RamRegion) {
        self.name = name
        self.framebuffer = framebuffer
        var registers = Array(repeating: UInt16(0), count: BochsDispi.registerCount)
        registers[BochsDispi.id] = BochsDispi.id5
        registers[BochsDispi.videoMemory64K] = UInt16(truncatingIfNeeded: framebuffer.regionSize >> 16)
        dispi = Mutex(registers)
    }

    private var dispiRange: Range<UInt64> {
        BochsDispi.registerBlockOffset..<(BochsDispi.registerBlockOffset + UInt64(BochsDispi.registerCount * 2))
    }

    private func check(_ offset: UInt64, _ width: MmioAccessWidth) throws(MmioFault) {
        guard width != .doubleWord else { throw MmioFault(.badWidth, device: name, offset: offset, width: width) }
        try MmioAccessCheck.inRange(offset, width, size: regionSize, device: name)
        try MmioAccessCheck.aligned(offset, width, device: name)
    }

    public func read(offset: UInt64, width: MmioAccessWidth) throws(MmioFault) -> UInt64 {
        try check(offset, width)
        if dispiRange.contains(offset) {
            return dispi.withLock { registers in
                var value: UInt64 = 0
                // Byte lanes of the 16-bit registers the access covers.
                for lane in 0..<width.byteCount {
                    let byteOffset = Int(offset - BochsDispi.registerBlockOffset) + lane
                    guard byteOffset / 2 < registers.count else { continue }
                    let register = Self.readValue(registers, index: byteOffset / 2)
                    value |= UInt64((register >> UInt16((byteOffset & 1) * 8)) & 0xFF) << UInt64(lane * 8)
                }
                return value
            }
        }
        if offset >= Self.extendedRegistersOffset, offset < Self.extendedRegistersOffset + 8 {
            let register = offset < Self.extendedRegistersOffset + 4 ? Self.extendedRegionSize : Self.littleEndianMarker
            return RegisterLanes.extract(register, accessOffset: offset, width: width)
        }
        return 0  // EDID (not provided), VGA ports, unused space.
    }

    public func write(offset: UInt64, width: MmioAccessWidth, value: UInt64) throws(MmioFault) {
        try check(offset, width)
        guard dispiRange.contains(offset) else { return }
        let first = Int(offset - BochsDispi.registerBlockOffset)
        let clearRange: Range<Int>? = dispi.withLock { registers in
            var clear: Range<Int>?
            var lane = 0
            while lane < width.byteCount {
                let byteOffset = first + lane
                let index = byteOffset / 2
                guard index < registers.count else { break }
                var newValue: UInt16
                if byteOffset & 1 == 0, lane + 1 < width.byteCount {
                    newValue = UInt16(truncatingIfNeeded: value >> UInt64(lane * 8))
                    lane += 2
                } else {  // a single byte: merge into the stored register
                    let shift = UInt16((byteOffset & 1) * 8)
                    let byte = UInt16(truncatingIfNeeded: value >> UInt64(lane * 8)) & 0xFF
                    newValue = (registers[index] & ~(0xFF << shift)) | (byte << shift)
                    lane += 1
                }
                if let range = writeRegister(&registers, index: index, value: newValue) { clear = range }
            }
            return clear
        }
        if let clearRange { framebuffer.zero(clearRange) }
    }

    /// What software reads from register `index` (GETCAPS substitutes the maxima).
    private static func readValue(_ registers: [UInt16], index: Int) -> UInt16 {
        if registers[BochsDispi.enable] & BochsDispi.getCapabilitiesBit != 0 {
            switch index {
            case BochsDispi.xResolution: return BochsDispi.maximumXResolution
            case BochsDispi.yResolution: return BochsDispi.maximumYResolution
            case BochsDispi.bitsPerPixel: return BochsDispi.maximumBitsPerPixel
            default: break
            }
        }
        return registers[index]
    }

    /// Applies one register write; returns the framebuffer range to clear when a mode is enabled
    /// without NOCLEARMEM.
    private func writeRegister(_ registers: inout [UInt16], index: Int, value: UInt16) -> Range<Int>? {
        switch index {
        case BochsDispi.id:
            if (0xB0C0...BochsDispi.id5).contains(value) { registers[index] = value }
        case BochsDispi.videoMemory64K:
            break  // read-only
        case BochsDispi.enable:
            let wasEnabled = registers[index] & BochsDispi.enabledBit != 0
            registers[index] = value & ~BochsDispi.noClearMemoryBit
            guard value & BochsDispi.enabledBit != 0 else {
                registers[BochsDispi.bank] = 0
                return nil
            }
            guard !wasEnabled else { return nil }
            // A newly enabled mode starts with the virtual screen equal to the visible one.
            registers[BochsDispi.virtualWidth] = registers[BochsDispi.xResolution]
            registers[BochsDispi.virtualHeight] = registers[BochsDispi.yResolution]
            registers[BochsDispi.xOffset] = 0
            registers[BochsDispi.yOffset] = 0
            let mode = fixUp(&registers)
            guard value & BochsDispi.noClearMemoryBit == 0, let mode else { return nil }
            return 0..<(mode.lineLength * mode.height)
        case BochsDispi.bank:
            let banks = max(1, Int(framebuffer.regionSize >> 16))
            registers[index] = UInt16(Int(value) % banks)
        default:
            registers[index] = value
            _ = fixUp(&registers)
        }
        return nil
    }

    private static let validDepths: Set<UInt16> = [4, 8, 15, 16, 24, 32]

    private static func bytesTimesEight(_ bitsPerPixel: UInt16) -> Int {
        bitsPerPixel == 15 ? 16 : Int(bitsPerPixel)
    }

    /// Brings the mode registers of an enabled display into a state the video memory can show:
    /// a valid depth, a width multiple of 8, the virtual screen at least the visible one and
    /// inside video memory, offsets that keep the visible screen inside. VIRT_HEIGHT becomes
    /// the number of lines that fit. Returns the resulting mode (nil while disabled).
    @discardableResult
    private func fixUp(_ registers: inout [UInt16]) -> BochsDisplayMode? {
        guard registers[BochsDispi.enable] & BochsDispi.enabledBit != 0 else { return nil }
        if !Self.validDepths.contains(registers[BochsDispi.bitsPerPixel]) { registers[BochsDispi.bitsPerPixel] = 8 }
        let bits = Self.bytesTimesEight(registers[BochsDispi.bitsPerPixel])
        var width = min(registers[BochsDispi.xResolution] & ~7, BochsDispi.maximumXResolution)
        if width == 0 { width = 8 }
        registers[BochsDispi.xResolution] = width
        var virtualWidth = min(max(registers[BochsDispi.virtualWidth] & ~7, width), BochsDispi.maximumXResolution)
        let memory = Int(framebuffer.regionSize)
        var lineLength = Int(virtualWidth) * bits / 8
        if lineLength > memory {
            virtualWidth = width
            lineLength = Int(width) * bits / 8
        }
        registers[BochsDispi.virtualWidth] = virtualWidth
        let linesThatFit = max(1, memory / max(lineLength, 1))
        var height = min(max(registers[BochsDispi.yResolution], 1), BochsDispi.maximumYResolution)
        height = UInt16(min(Int(height), linesThatFit))
        registers[BochsDispi.yResolution] = height
        registers[BochsDispi.virtualHeight] = UInt16(min(linesThatFit, Int(UInt16.max)))
        registers[BochsDispi.xOffset] = min(registers[BochsDispi.xOffset], BochsDispi.maximumXResolution)
        registers[BochsDispi.yOffset] = min(registers[BochsDispi.yOffset], BochsDispi.maximumYResolution)
        var start = Int(registers[BochsDispi.xOffset]) * bits / 8 + Int(registers[BochsDispi.yOffset]) * lineLength
        let visibleBytes = Int(height) * lineLength
        if start + visibleBytes > memory {
            registers[BochsDispi.xOffset] = 0
            start = Int(registers[BochsDispi.yOffset]) * lineLength
            if start + visibleBytes > memory {
                registers[BochsDispi.yOffset] = 0
                start = 0
            }
        }
        return BochsDisplayMode(width: Int(width), height: Int(height), bitsPerPixel: Int(registers[BochsDispi.bitsPerPixel]),
                                lineLength: lineLength, startOffset: start)
    }

    /// The mode being displayed, nil while disabled.
    var currentMode: BochsDisplayMode? {
        dispi.withLock { registers in
            var copy = registers
            return fixUp(&copy)
        }
    }
}
