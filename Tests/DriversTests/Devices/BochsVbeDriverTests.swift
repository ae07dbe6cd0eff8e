// The bochs_vbe driver against the Bochs display model: DISPI ID check, mode set and read back,
// the published framebuffer description, and pixels drawn through the framebuffer BAR showing up
// in the model's video memory (and so in its PNG snapshot).

import Drivers
import Testing
import Zirconia

@Suite struct BochsVbeDriverTests {
    static func pixel(_ display: BochsDisplay, x: Int, y: Int, stride: Int) -> UInt32 {
        display.framebuffer.withBytes { memory in
            let index = y * stride + x * 4
            return UInt32(memory[index]) | UInt32(memory[index + 1]) << 8 | UInt32(memory[index + 2]) << 16
        }
    }

    @Test func setsTheModeAndPublishesTheFramebuffer() throws {
        let display = try BochsDisplay()
        var driver = BochsVbeDriver(bar2: MmioView(device: display.registers), bar0: MmioView(device: display.framebuffer))
        #expect(try driver.probe() == 0xB0C5)
        let info = try driver.setMode(width: 1024, height: 768)
        #expect(info == FramebufferInfo(width: 1024, height: 768, stride: 4096, format: .xrgb8888,
                                        videoMemorySize: 16 << 20))
        let mode = try #require(display.mode)
        #expect(mode.width == 1024 && mode.height == 768 && mode.bitsPerPixel == 32 && mode.lineLength == 4096)
        #expect(try driver.currentMode() == info)
    }

    @Test func drawnPixelsAppearInTheModelsFramebuffer() throws {
        let display = try BochsDisplay(videoMemorySize: 4 << 20)
        var driver = BochsVbeDriver(bar2: MmioView(device: display.registers), bar0: MmioView(device: display.framebuffer))
        let info = try driver.setMode(width: 320, height: 240)
        try driver.drawTestPattern()
        let colors = BochsVbeDriver<MmioView, MmioView>.testPatternColors
        for bar in 0..<8 {
            let x = info.width * bar / 8 + info.width / 16
            #expect(Self.pixel(display, x: x, y: 10, stride: info.stride) == colors[bar])
            #expect(try driver.pixel(x: x, y: 10) == colors[bar])
        }
        #expect(Self.pixel(display, x: 0, y: info.height - 1, stride: info.stride) == 0)          // ramp: black
        #expect(Self.pixel(display, x: info.width - 1, y: info.height - 1, stride: info.stride) == 0xFF_FFFF)
        try driver.fillRect(x: 3, y: 5, width: 7, height: 2, color: 0x12_3456)  // odd start and width
        #expect(Self.pixel(display, x: 3, y: 5, stride: info.stride) == 0x12_3456)
        #expect(Self.pixel(display, x: 9, y: 6, stride: info.stride) == 0x12_3456)
        #expect(Self.pixel(display, x: 10, y: 6, stride: info.stride) != 0x12_3456)
        try driver.fillRect(x: -5, y: info.height - 1, width: .max, height: .max, color: 0x00_00FF)   // clipped
        #expect(Self.pixel(display, x: info.width - 1, y: info.height - 1, stride: info.stride) == 0x00_00FF)
        let png = try #require(display.pngData())
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
    }

    @Test func refusesWhatItCannotShow() throws {
        let display = try BochsDisplay(videoMemorySize: 1 << 20)
        var driver = BochsVbeDriver(bar2: MmioView(device: display.registers), bar0: MmioView(device: display.framebuffer))
        #expect(throws: DriverError.self) { try driver.setMode(width: 1024, height: 768) }   // 3 MiB > 1 MiB
        #expect(throws: DriverError.invalidArgument("bochs-vbe depth 12")) { try driver.setMode(width: 64, height: 64, bitsPerPixel: 12) }
        #expect(throws: DriverError.deviceError("bochs-vbe: no mode set")) { try driver.fill(0) }

        let fake = FakeMmioRegion(name: "not bochs", registerCount: 0x400)
        fake.setReadCallback(at: 0x500) { 0x1234 }
        var other = BochsVbeDriver(bar2: MmioView(device: fake), bar0: MmioView(device: display.framebuffer))
        #expect(throws: DriverError.unsupportedDevice("bochs-vbe DISPI ID 0x1234 (expected 0xb0c0…0xb0c5)")) {
            try other.probe()
        }
    }

    @Test func drawsThroughBarsMappedInADriverProcess() throws {
        let booted = try BootedMachine(Machine.qemuX64(MachineOptions(memorySize: 32 << 20)))
        let bar0 = try booted.bar(QemuX64PciBus.displayAddress, 0)
        let bar2 = try booted.bar(QemuX64PciBus.displayAddress, 2)
        let root = booted.root
        let info = try booted.process.run { () throws -> FramebufferInfo in
            let registers = try mapMmio(bar2, root: root, name: "bochs bar2")
            let framebuffer = try mapMmio(bar0, root: root, name: "bochs bar0")
            var driver = BochsVbeDriver(bar2: registers.window, bar0: framebuffer.window)
            let info = try driver.setMode(width: 64, height: 48)
            try driver.fill(0x00_80FF)
            return info
        }
        let display = try #require(booted.machine.display)
        #expect(display.mode?.width == 64)
        #expect(Self.pixel(display, x: 63, y: 47, stride: info.stride) == 0x00_80FF)
    }
}
