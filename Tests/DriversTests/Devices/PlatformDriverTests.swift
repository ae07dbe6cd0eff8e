// The platform-device drivers of the arm64 machine against their models: PL011 (init, console
// output, input), PL031 (identity, time, set) and virtio-mmio (probe and feature negotiation over
// every slot), directly and — for the PL011 — from a driver process on a booted qemu-arm64.

import Drivers
import Testing
import Zirconia

@Suite struct Pl011DriverTests {
    @Test func initWriteAndReadAgainstTheModel() throws {
        let console = ConsoleLog()
        let uart = PL011Uart(console: console)
        let window = MmioView(device: uart)
        var driver = Pl011Driver(registers: window)
        try driver.verifyIdentity()
        try driver.initialize(baud: 115_200)
        #expect(try window.read32(Pl011Spec.Register.ibrd) == 13)   // 24 MHz / (16 × 115200) = 13.02
        #expect(try window.read32(Pl011Spec.Register.fbrd) == 1)    // .02 × 64 ≈ 1
        #expect(try window.read32(Pl011Spec.Register.lcrH) == 0x70) // 8N1, FIFOs
        #expect(try window.read32(Pl011Spec.Register.cr) == 0x301)  // UARTEN | TXE | RXE
        try driver.write("hello from pl011\nsecond line\n")
        #expect(console.lines == ["hello from pl011", "second line"])

        uart.receive(bytes: Array("typed".utf8))
        #expect(try driver.readAvailable() == Array("typed".utf8))
        #expect(try driver.readAvailable().isEmpty)
        #expect(Pl011Driver<MmioView>.divisors(clockHz: 24_000_000, baud: 9600) == (156, 16))
    }

    @Test func aFullTransmitFifoIsATimeout() throws {
        let fake = FakeMmioRegion(name: "pl011 stuck", registerCount: 0x400)
        fake.setReadCallback(at: Pl011Spec.Register.fr) { UInt64(Pl011Spec.Register.frTxFull) }
        var driver = Pl011Driver(registers: MmioView(device: fake))
        driver.pollBudget = 4
        #expect(throws: DriverError.timeout("pl011 FR.TXFF")) { try driver.write("x") }
        #expect(throws: DriverError.unsupportedDevice("pl011 PeriphID 0x0 CellID 0x0")) { try driver.verifyIdentity() }
    }

    @Test func printsOnTheConsoleOfABootedQemuArm64() throws {
        let booted = try BootedMachine(Machine.qemuArm64(MachineOptions(memorySize: 32 << 20)))
        let region = try #require(booted.machine.description.platformDevice("arm,pl011")?.mmio.first)
        let root = booted.root
        try booted.process.run { () throws in
            let registers = try mapMmio(region, root: root, name: "pl011")
            var driver = Pl011Driver(registers: registers.window)
            try driver.verifyIdentity()
            try driver.initialize()
            try driver.write("zirconia: pl011 driver up\n")
        }
        #expect(booted.machine.console?.lines.last == "zirconia: pl011 driver up")
    }
}

@Suite struct Pl031DriverTests {
    @Test func readsAndSetsTheClock() throws {
        let rtc = PL031Rtc(clock: { 1_700_000_000 })
        let driver = Pl031Driver(registers: MmioView(device: rtc))
        let id = try driver.verifyIdentity()
        #expect(id.part == 0x031 && id.designer == 0x41 && id.isPrimeCell)
        try driver.initialize()
        #expect(try driver.readSeconds() == 1_700_000_000)
        #expect(try driver.readTime() == RtcTime(year: 2023, month: 11, day: 14, hours: 22, minutes: 13, seconds: 20))
        let newYear = RtcTime(year: 2030, month: 1, day: 1, hours: 0, minutes: 0, seconds: 0)
        try driver.setTime(newYear)
        #expect(try driver.readTime() == newYear)
        #expect(throws: DriverError.self) { try driver.setTime(RtcTime(year: 2200, month: 1, day: 1, hours: 0, minutes: 0, seconds: 0)) }
    }

    @Test func calendarConversionRoundTrips() {
        for seconds: Int64 in [0, 59, 86_399, 86_400, 951_782_400, 1_709_164_800, 4_102_444_800, -1] {
            #expect(RtcTime(epochSeconds: seconds).epochSeconds == seconds)
        }
        #expect(RtcTime(epochSeconds: 951_782_400).description == "2000-02-29T00:00:00Z")
        #expect(RtcTime(epochSeconds: -1).description == "1969-12-31T23:59:59Z")
        // Absurd values neither trap nor pass setTime's range check.
        _ = RtcTime(epochSeconds: .min)
        #expect(RtcTime(year: .max, month: .min, day: 1, hours: 0, minutes: 0, seconds: 0).epochSeconds == .min)
    }
}

@Suite struct VirtioMmioDriverTests {
    @Test func probesEverySlotOfQemuArm64AndNegotiates() throws {
        let machine = try Machine.qemuArm64(MachineOptions(memorySize: 32 << 20))
        #expect(machine.virtioSlots.count == 32)
        var found: [Int: VirtioDeviceInfo] = [:]
        for (slot, transport) in machine.virtioSlots.enumerated() {
            var driver = VirtioMmioDriver(registers: MmioView(device: transport))
            if let info = try driver.initialize() { found[slot] = info }
        }
        #expect(found.keys.sorted() == [30, 31])
        let block = try #require(found[31]), net = try #require(found[30])
        #expect(block.deviceID == 2 && net.deviceID == 1)
        #expect(block.vendor == 0x554D_4551)
        #expect(block.features == VirtioMmioSpec.Feature.version1)
        #expect(block.deviceFeatures & VirtioMmioSpec.Feature.version1 != 0)
        let transport = machine.virtioSlots[31]
        #expect(transport.status == VirtioMmioSpec.Status.acknowledge | VirtioMmioSpec.Status.driver
                    | VirtioMmioSpec.Status.featuresOK)
        #expect(transport.negotiatedFeatures == VirtioMmioSpec.Feature.version1)

        // A device-specific driver's next step: the network MAC from the configuration space.
        var netDriver = VirtioMmioDriver(registers: MmioView(device: machine.virtioSlots[30]))
        let macFeature: UInt64 = 1 << 5
        #expect(try netDriver.initialize(supportedFeatures: macFeature)?.features == VirtioMmioSpec.Feature.version1 | macFeature)
        #expect(try netDriver.readConfig(offset: 0, count: 6) == [0x52, 0x54, 0x00, 0x12, 0x34, 0x57])
    }

    @Test func aDeviceWithoutVersion1IsRefusedAndMarkedFailed() throws {
        let legacyOnly = VirtioMmioDeviceConfiguration(deviceID: 4, deviceFeatures: 1 << 28, queueSizes: [8], configSpace: [])
        let transport = VirtioMmioTransport(device: legacyOnly)
        var driver = VirtioMmioDriver(registers: MmioView(device: transport))
        #expect(throws: DriverError.unsupportedDevice("virtio-mmio device 4 does not offer VIRTIO_F_VERSION_1")) {
            try driver.initialize()
        }
        #expect(transport.status & VirtioMmioSpec.Status.failed != 0)
        let fake = FakeMmioRegion(name: "not virtio", registerCount: 0x80)
        #expect(throws: DriverError.unsupportedDevice("virtio-mmio magic 0x0")) {
            try VirtioMmioDriver(registers: MmioView(device: fake)).probe()
        }
    }
}
