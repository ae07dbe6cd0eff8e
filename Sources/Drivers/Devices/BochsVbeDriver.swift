// BochsVbeDriver: QEMU's standard VGA / Bochs VBE display (1234:1111) — the DISPI registers in the
// MMIO BAR (BAR2, block at 0x500, 16-bit registers at index × 2), the linear framebuffer in BAR0.
// It checks the DISPI interface ID, sets a mode (disable, depth, resolution, virtual width, bank
// and offsets, then enable with the linear framebuffer), reads the mode back, and publishes a
// `FramebufferInfo`; `fill`, `fillRect` and `drawTestPattern` draw by writing pixels through the
// framebuffer BAR.
//
// Fuchsia counterpart: src/graphics/display/drivers/simple/simple-bochs.cc (bochs_vbe: reads
// BOCHS_VBE_DISPI_ID, programs ENABLE=0, BPP, XRES, YRES, BANK, VIRT_WIDTH, VIRT_HEIGHT, X/Y
// OFFSET, ENABLE = ENABLED | LFB_ENABLED through the 0x500 MMIO block, then publishes the
// framebuffer as a simple display) and the older src/graphics/display/drivers/bochs-vbe; register
// numbers from QEMU include/hw/display/bochs-vbe.h.

import Mmio

/// Pixel layouts of a linear framebuffer (Fuchsia's ZX_PIXEL_FORMAT_* / fuchsia.images2 names).
public enum PixelFormat: String, Sendable, Equatable {
    /// 32 bits: blue, green, red, unused — little-endian 0x00RRGGBB.
    case xrgb8888
    /// 24 bits: blue, green, red.
    case rgb888
    /// 16 bits: 5 red, 6 green, 5 blue.
    case rgb565
    /// 8 bits through a palette.
    case indexed8

    public var bytesPerPixel: Int {
        switch self {
        case .xrgb8888: return 4
        case .rgb888: return 3
        case .rgb565: return 2
        case .indexed8: return 1
        }
    }
}

/// What the display publishes: the visible mode over the framebuffer BAR.
public struct FramebufferInfo: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// Bytes from one scanline to the next.
    public var stride: Int
    public var format: PixelFormat
    /// Bytes of video memory the device reports (VIDEO_MEMORY_64K × 64 KiB).
    public var videoMemorySize: Int

    public init(width: Int, height: Int, stride: Int, format: PixelFormat, videoMemorySize: Int) {
        self.width = width
        self.height = height
        self.stride = stride
        self.format = format
        self.videoMemorySize = videoMemorySize
    }
}

/// The DISPI register block (QEMU bochs-vbe.h).
public enum BochsVbeSpec {
    /// DISPI register indices (bochs-vbe.h) and the block's place in BAR2.
    public enum Dispi {
        public static let blockOffset = 0x500
        public static let id = 0x0, xResolution = 0x1, yResolution = 0x2, bitsPerPixel = 0x3
        public static let enable = 0x4, bank = 0x5, virtualWidth = 0x6, virtualHeight = 0x7
        public static let xOffset = 0x8, yOffset = 0x9, videoMemory64K = 0xA
        public static let supportedIDs: ClosedRange<UInt16> = 0xB0C0...0xB0C5
        public static let enabled: UInt16 = 0x01, linearFramebuffer: UInt16 = 0x40
        public static let noClearMemory: UInt16 = 0x80

        static let names = ["ID", "XRES", "YRES", "BPP", "ENABLE", "BANK", "VIRT_WIDTH", "VIRT_HEIGHT",
                            "X_OFFSET", "Y_OFFSET", "VIDEO_MEMORY_64K"]
    }
}

public struct BochsVbeDriver<Registers: MmioAccess, Framebuffer: MmioAccess> {
    public typealias Dispi = BochsVbeSpec.Dispi

    public let registers: RegisterWindow<Registers>
    public let framebuffer: Framebuffer
    /// The DISPI interface ID read by `probe()`.
    public private(set) var interfaceID: UInt16?
    /// The mode published by `setMode`.
    public private(set) var info: FramebufferInfo?

    /// `bar2` is the 4 KiB MMIO register BAR, `bar0` the linear framebuffer.
    public init(bar2: Registers, bar0: Framebuffer) {
        registers = RegisterWindow(bar2, device: "bochs-vbe")
        framebuffer = bar0
    }

    public func readDispi(_ index: Int) throws(DriverError) -> UInt16 {
        try registers.read16(Dispi.blockOffset + index * 2, Self.name(index))
    }

    public func writeDispi(_ index: Int, _ value: UInt16) throws(DriverError) {
        try registers.write16(value, Dispi.blockOffset + index * 2, Self.name(index))
    }

    private static func name(_ index: Int) -> String {
        "DISPI " + (Dispi.names.indices.contains(index) ? Dispi.names[index] : String(index))
    }

    /// Reads DISPI_ID; throws unless it is one of 0xB0C0…0xB0C5.
    @discardableResult
    public mutating func probe() throws(DriverError) -> UInt16 {
        let id = try readDispi(Dispi.id)
        guard Dispi.supportedIDs.contains(id) else {
            throw .unsupportedDevice("bochs-vbe DISPI ID \(String.hex(id)) (expected 0xb0c0…0xb0c5)")
        }
        interfaceID = id
        return id
    }

    /// Sets `width` × `height` at `bitsPerPixel` (32, 24, 16 or 8) with the linear framebuffer,
    /// reads the mode back and publishes it.
    /// - Throws: `.invalidArgument` for a depth without a pixel format or a size that does not fit
    ///   video memory or the BAR; `.deviceError` if the device did not take the mode.
    @discardableResult
    public mutating func setMode(width: Int, height: Int, bitsPerPixel: Int = 32) throws(DriverError) -> FramebufferInfo {
        if interfaceID == nil { try probe() }
        let format: PixelFormat
        switch bitsPerPixel {
        case 32: format = .xrgb8888
        case 24: format = .rgb888
        case 16: format = .rgb565
        case 8: format = .indexed8
        default: throw .invalidArgument("bochs-vbe depth \(bitsPerPixel)")
        }
        guard width > 0, height > 0, width <= 16000, height <= 12000, width % 8 == 0 else {
            throw .invalidArgument("bochs-vbe mode \(width)x\(height) (width a multiple of 8, at most 16000x12000)")
        }
        let videoMemory = Int(try readDispi(Dispi.videoMemory64K)) << 16
        let needed = width * height * format.bytesPerPixel
        guard needed <= videoMemory, needed <= framebuffer.size else {
            throw .invalidArgument("bochs-vbe mode \(width)x\(height)x\(bitsPerPixel) needs \(needed) bytes; "
                                   + "video memory \(videoMemory), BAR \(framebuffer.size)")
        }
        try writeDispi(Dispi.enable, 0)
        try writeDispi(Dispi.bitsPerPixel, UInt16(bitsPerPixel))
        try writeDispi(Dispi.xResolution, UInt16(width))
        try writeDispi(Dispi.yResolution, UInt16(height))
        try writeDispi(Dispi.bank, 0)
        try writeDispi(Dispi.virtualWidth, UInt16(width))
        try writeDispi(Dispi.virtualHeight, UInt16(min(videoMemory / (width * format.bytesPerPixel), 0xFFFF)))
        try writeDispi(Dispi.xOffset, 0)
        try writeDispi(Dispi.yOffset, 0)
        try writeDispi(Dispi.enable, Dispi.enabled | Dispi.linearFramebuffer)

        let mode = try currentMode(videoMemory: videoMemory)
        guard mode.width == width, mode.height == height, mode.format == format else {
            throw .deviceError("bochs-vbe kept \(mode.width)x\(mode.height) \(mode.format) for \(width)x\(height)x\(bitsPerPixel)")
        }
        info = mode
        return mode
    }

    /// The mode the registers hold now (the display must be enabled).
    public func currentMode(videoMemory: Int? = nil) throws(DriverError) -> FramebufferInfo {
        let enable = try readDispi(Dispi.enable)
        guard enable & Dispi.enabled != 0 else { throw .deviceError("bochs-vbe display is disabled") }
        let depth = try readDispi(Dispi.bitsPerPixel)
        let format: PixelFormat
        switch depth {
        case 32: format = .xrgb8888
        case 24: format = .rgb888
        case 15, 16: format = .rgb565
        default: format = .indexed8
        }
        let memory: Int
        if let videoMemory { memory = videoMemory } else { memory = Int(try readDispi(Dispi.videoMemory64K)) << 16 }
        return FramebufferInfo(
            width: Int(try readDispi(Dispi.xResolution)), height: Int(try readDispi(Dispi.yResolution)),
            stride: Int(try readDispi(Dispi.virtualWidth)) * format.bytesPerPixel, format: format,
            videoMemorySize: memory)
    }

    /// Turns the display off (ENABLE = 0).
    public mutating func disable() throws(DriverError) {
        try writeDispi(Dispi.enable, 0)
        info = nil
    }

    // MARK: Drawing (32-bit modes)

    /// Fills the whole visible screen with `color` (0x00RRGGBB).
    public func fill(_ color: UInt32) throws(DriverError) {
        let mode = try requireXrgb()
        try fillRect(x: 0, y: 0, width: mode.width, height: mode.height, color: color)
    }

    /// Fills a rectangle (clipped to the screen) with `color` (0x00RRGGBB). Pixel pairs go out as
    /// one 64-bit store where the row allows it.
    public func fillRect(x: Int, y: Int, width: Int, height: Int, color: UInt32) throws(DriverError) {
        let mode = try requireXrgb()
        guard width > 0, height > 0 else { return }
        // Saturating ends: width and height are positive, so an overflow means "past the edge".
        let (xEnd, xOverflow) = x.addingReportingOverflow(width), (yEnd, yOverflow) = y.addingReportingOverflow(height)
        let left = max(x, 0), top = max(y, 0)
        let right = xOverflow ? mode.width : min(xEnd, mode.width)
        let bottom = yOverflow ? mode.height : min(yEnd, mode.height)
        guard left < right, top < bottom else { return }
        let pair = UInt64(color) | UInt64(color) << 32
        for row in top..<bottom {
            var column = left
            let rowBase = row * mode.stride
            while column < right {
                let offset = rowBase + column * 4
                if offset % 8 == 0, column + 1 < right {
                    try store(pair, at: offset)
                    column += 2
                } else {
                    try store(color, at: offset)
                    column += 1
                }
            }
        }
    }

    /// SMPTE-like colour bars: eight vertical bars (white, yellow, cyan, green, magenta, red, blue,
    /// black) over the top three quarters, a grey ramp below.
    public func drawTestPattern() throws(DriverError) {
        let mode = try requireXrgb()
        let barsHeight = mode.height * 3 / 4
        for (index, color) in Self.testPatternColors.enumerated() {
            let left = mode.width * index / 8, right = mode.width * (index + 1) / 8
            try fillRect(x: left, y: 0, width: right - left, height: barsHeight, color: color)
        }
        let steps = 16
        for step in 0..<steps {
            let level = UInt32(step * 255 / (steps - 1))
            let left = mode.width * step / steps, right = mode.width * (step + 1) / steps
            try fillRect(x: left, y: barsHeight, width: right - left, height: mode.height - barsHeight,
                         color: level << 16 | level << 8 | level)
        }
    }

    /// The bars of `drawTestPattern`, left to right.
    public static var testPatternColors: [UInt32] {
        [0xFFFFFF, 0xFFFF00, 0x00FFFF, 0x00FF00, 0xFF00FF, 0xFF0000, 0x0000FF, 0x000000]
    }

    /// The pixel at (x, y) read back through the BAR (0x00RRGGBB).
    public func pixel(x: Int, y: Int) throws(DriverError) -> UInt32 {
        let mode = try requireXrgb()
        guard (0..<mode.width).contains(x), (0..<mode.height).contains(y) else {
            throw .invalidArgument("bochs-vbe pixel (\(x), \(y)) outside \(mode.width)x\(mode.height)")
        }
        let offset = y * mode.stride + x * 4
        do { return try framebuffer.read(UInt32.self, at: offset) & 0xFF_FFFF } catch {
            throw .mmio("bochs-vbe framebuffer +\(String.hex(offset))", error)
        }
    }

    private func requireXrgb() throws(DriverError) -> FramebufferInfo {
        guard let info else { throw .deviceError("bochs-vbe: no mode set") }
        guard info.format == .xrgb8888 else { throw .invalidArgument("bochs-vbe drawing needs a 32-bit mode, not \(info.format)") }
        return info
    }

    private func store<T: MmioWord>(_ value: T, at offset: Int) throws(DriverError) {
        do { try framebuffer.write(value, at: offset) } catch {
            throw .mmio("bochs-vbe framebuffer +\(String.hex(offset))", error)
        }
    }
}
