// PL031 RTC model against the PL031 TRM (DDI0224) and QEMU hw/rtc/pl031.c, with an injected clock:
// counting, load, match interrupt, start bit, PrimeCell IDs, 32-bit-only access.
import Devices
import Hardware
import Testing

@Suite struct PL031RtcTests {
    typealias R = PL031Rtc.Register
    static let epoch: Int64 = 1_700_000_000

    @Test func dataRegisterCountsClockSeconds() throws {
        let clock = PlatformTestClock(Self.epoch)
        let rtc = PL031Rtc(clock: clock.seconds)
        #expect(try rtc.load32(R.data.rawValue) == UInt32(Self.epoch))
        clock.advance(by: 42)
        #expect(try rtc.load32(R.data.rawValue) == UInt32(Self.epoch + 42))
        #expect(try rtc.load32(R.control.rawValue) == 1)      // QEMU: permanently running
        try rtc.store32(R.data.rawValue, 7)                   // read-only: ignored
        #expect(rtc.currentCount == UInt32(Self.epoch + 42))
    }

    @Test func loadSetsTheCounterWhichKeepsAdvancing() throws {
        let clock = PlatformTestClock(Self.epoch)
        let rtc = PL031Rtc(clock: clock.seconds)
        try rtc.store32(R.load.rawValue, 1000)
        #expect(try rtc.load32(R.data.rawValue) == 1000)
        #expect(try rtc.load32(R.load.rawValue) == 1000)
        clock.advance(by: 5)
        #expect(try rtc.load32(R.data.rawValue) == 1005)
    }

    @Test func counterWrapsAt32Bits() throws {
        let clock = PlatformTestClock(Self.epoch)
        let rtc = PL031Rtc(clock: clock.seconds)
        try rtc.store32(R.load.rawValue, 0xFFFF_FFFE)
        clock.advance(by: 3)
        #expect(try rtc.load32(R.data.rawValue) == 1)
    }

    @Test func matchRaisesTheInterruptWhenTheCounterGetsThere() throws {
        let clock = PlatformTestClock(Self.epoch)
        let recorder = PlatformInterruptRecorder()
        let rtc = PL031Rtc(clock: clock.seconds, onInterruptChange: recorder.observer)
        try rtc.store32(R.load.rawValue, 100)
        try rtc.store32(R.match.rawValue, 110)
        try rtc.store32(R.interruptMask.rawValue, 1)
        clock.advance(by: 9)
        #expect(try rtc.load32(R.rawInterruptStatus.rawValue) == 0)
        #expect(!rtc.checkAlarm())
        clock.advance(by: 1)
        #expect(rtc.checkAlarm())
        #expect(try rtc.load32(R.rawInterruptStatus.rawValue) == 1)
        #expect(try rtc.load32(R.maskedInterruptStatus.rawValue) == 1)
        try rtc.store32(R.interruptClear.rawValue, 1)
        #expect(!rtc.interruptAsserted)
        clock.advance(by: 100)                                  // fires once, not again
        #expect(try rtc.load32(R.rawInterruptStatus.rawValue) == 0)
        #expect(recorder.history == [true, false])
    }

    @Test func maskedMatchSetsOnlyTheRawStatus() throws {
        let clock = PlatformTestClock(Self.epoch)
        let rtc = PL031Rtc(clock: clock.seconds)
        try rtc.store32(R.match.rawValue, UInt32(Self.epoch))   // already there: fires at once
        #expect(try rtc.load32(R.rawInterruptStatus.rawValue) == 1)
        #expect(try rtc.load32(R.maskedInterruptStatus.rawValue) == 0)
        #expect(!rtc.interruptAsserted)
        try rtc.store32(R.interruptMask.rawValue, 0xFFFF_FFFF)
        #expect(try rtc.load32(R.interruptMask.rawValue) == 1)
        #expect(rtc.interruptAsserted)
    }

    @Test func stoppedCounterHoldsUntilStarted() throws {
        let clock = PlatformTestClock(Self.epoch)
        let rtc = PL031Rtc(clock: clock.seconds, startsRunning: false)
        #expect(try rtc.load32(R.control.rawValue) == 0)
        try rtc.store32(R.load.rawValue, 500)
        clock.advance(by: 10)
        #expect(try rtc.load32(R.data.rawValue) == 500)
        try rtc.store32(R.control.rawValue, 1)
        clock.advance(by: 3)
        #expect(try rtc.load32(R.data.rawValue) == 503)
        try rtc.store32(R.control.rawValue, 0)                  // no effect once started
        #expect(try rtc.load32(R.control.rawValue) == 1)
    }

    @Test func identificationAndAccessRules() throws {
        let rtc = PL031Rtc(clock: { 0 })
        let ids = try (0..<8).map { index throws(MmioFault) in try rtc.load32(0xFE0 + UInt64(index) * 4) }
        #expect(ids == [0x31, 0x10, 0x14, 0x00, 0x0D, 0xF0, 0x05, 0xB1])
        #expect(throws: MmioFault(.badWidth, device: "pl031", offset: 0, width: .byte)) {
            try rtc.read(offset: 0, width: .byte)
        }
        #expect(throws: MmioFault(.badWidth, device: "pl031", offset: 0, width: .doubleWord)) {
            try rtc.write(offset: 0, width: .doubleWord, value: 0)
        }
        #expect(throws: MmioFault(.misaligned, device: "pl031", offset: 2, width: .word)) {
            try rtc.read(offset: 2, width: .word)
        }
        #expect(throws: MmioFault(.unmappedRegister, device: "pl031", offset: 0x20, width: .word)) {
            try rtc.read(offset: 0x20, width: .word)
        }
        #expect(try rtc.load32(R.interruptClear.rawValue) == 0)
    }
}
