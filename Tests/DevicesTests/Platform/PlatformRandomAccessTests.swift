// Every platform model takes arbitrary guest accesses — any offset, width and value, in any
// order — without trapping: a bad access is an MmioFault, anything else just changes state.
import Devices
import Hardware
import Testing

@Suite struct PlatformRandomAccessTests {
    /// SplitMix64: small, seeded, reproducible.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func devices() -> [any MmioDevice] {
        let keyboard = UsbHidBootKeyboard()
        keyboard.press(keys: [4, 5])
        return [
            PL011Uart(transmit: { _ in }),
            PL031Rtc(clock: { 1_700_000_000 }),
            VirtioMmioTransport(device: .block(capacitySectors: 64)),
            VirtioMmioTransport(device: .network(mac: [2, 0, 0, 0, 0, 1])),
            VirtioMmioTransport(),
            XhciController.withKeyboard(keyboard),
            I8042Controller(),
        ]
    }

    @Test(arguments: 0..<7)
    func randomAccessesNeverTrap(deviceIndex: Int) {
        let device = Self.devices()[deviceIndex]
        var random = Generator(state: 0x5EED_0000 + UInt64(deviceIndex))
        var faults = 0
        for step in 0..<10_000 {
            let roll = random.next()
            // Mostly inside the window, sometimes just past it; values favour interesting bits.
            let span = device.regionSize + 16
            let offset = roll % 4 == 0 ? (roll >> 8) % 64 : (roll >> 8) % span
            let width = MmioAccessWidth.allCases[Int((roll >> 40) % 4)]
            let value = step % 3 == 0 ? UInt64.max : random.next()
            do {
                if roll & (1 << 60) == 0 {
                    _ = try device.read(offset: offset, width: width)
                } else {
                    try device.write(offset: offset, width: width, value: value)
                }
            } catch {
                faults += 1
            }
        }
        #expect(faults > 0)   // the generator does reach the fault paths
        #expect(faults < 10_000)
    }
}
