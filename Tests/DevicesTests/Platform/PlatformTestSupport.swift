// Helpers for the platform device model tests: a settable clock and terse register accessors.
import Devices
import Hardware
import Synchronization

/// A clock the test moves by hand (seconds or nanoseconds, as the device under test wants).
final class PlatformTestClock: Sendable {
    private let value: Mutex<Int64>

    init(_ start: Int64) { value = Mutex(start) }

    var now: Int64 { value.withLock { $0 } }
    func advance(by amount: Int64) { value.withLock { $0 += amount } }

    var seconds: PL031Rtc.Clock { { [self] in now } }
    var nanoseconds: XhciController.MonotonicClock { { [self] in UInt64(now) } }
}

/// Records every level an interrupt observer reports.
final class PlatformInterruptRecorder: Sendable {
    private let levels = Mutex<[Bool]>([])
    var history: [Bool] { levels.withLock { $0 } }
    var observer: InterruptLineObserver { { [self] level in levels.withLock { $0.append(level) } } }
}

extension MmioDevice {
    func load32(_ offset: UInt64) throws(MmioFault) -> UInt32 {
        UInt32(truncatingIfNeeded: try read(offset: offset, width: .word))
    }

    func store32(_ offset: UInt64, _ value: UInt32) throws(MmioFault) {
        try write(offset: offset, width: .word, value: UInt64(value))
    }

    func load8(_ offset: UInt64) throws(MmioFault) -> UInt8 {
        UInt8(truncatingIfNeeded: try read(offset: offset, width: .byte))
    }

    func store8(_ offset: UInt64, _ value: UInt8) throws(MmioFault) {
        try write(offset: offset, width: .byte, value: UInt64(value))
    }
}
