// PL031Rtc: the ARM PrimeCell PL031 real-time clock of QEMU's arm64 `virt` machine
// (0x0901_0000, 4 KiB, SPI 2): a 32-bit seconds counter, a load register that sets it, a match
// register that raises an interrupt when the counter reaches it.
//
// Counterpart: ARM PL031 TRM (DDI0224) chapter 3; QEMU hw/rtc/pl031.c.
//
// Model decisions:
// * Time comes from an injected clock (seconds since the Unix epoch), so tests are deterministic;
//   the default reads the host's wall clock. RTCDR = (offset + clock()) mod 2^32, and a write to
//   RTCLR moves the offset so RTCDR reads the loaded value and advances from there (as QEMU's
//   tick_offset does).
// * RTCCR.RTCStart: QEMU's RTC runs from power-on and reads CR as 1. That is the default here;
//   `startsRunning: false` gives the TRM's reset state instead — the counter holds its value (a
//   load sets it) until software writes 1 to CR; once started, CR writes have no effect (TRM
//   3.3.4).
// * The match interrupt fires once when the counter reaches RTCMR, counted from the last MR/LR
//   write with QEMU's wrapping arithmetic (pl031_set_alarm). There is no background timer: the
//   match is evaluated on every register access, on `interruptAsserted`, and on `checkAlarm()`,
//   which a machine's timer loop calls to deliver the interrupt on time.
// * Only 32-bit aligned accesses are accepted; reserved offsets fault with `.unmappedRegister`.
//   Writes to read-only registers are ignored, reads of RTCICR return 0 (as in QEMU).
// * PeriphID2 is 0x14 (revision 1), as QEMU reports it; the TRM's first revision read 0x04. Linux
//   and Fuchsia match on part and designer only (PeriphID 0x00041031 with mask 0x000FFFFF).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Hardware
import Synchronization

public final class PL031Rtc: MmioDevice {
    /// Seconds since 1970-01-01T00:00:00Z.
    public typealias Clock = @Sendable () -> Int64

    public static let qemuVirtBase: UInt64 = 0x0901_0000
    public static let windowSize: UInt64 = 0x1000
    public static let identification = PrimeCellID(peripheralID: [0x31, 0x10, 0x14, 0x00])
    /// The host's wall clock.
    public static let hostClock: Clock = { Int64(time(nil)) }

    /// Register offsets (TRM table 3-1).
    public enum Register: UInt64, Sendable, CaseIterable {
        case data = 0x00
        case match = 0x04
        case load = 0x08
        case control = 0x0C
        case interruptMask = 0x10
        case rawInterruptStatus = 0x14
        case maskedInterruptStatus = 0x18
        case interruptClear = 0x1C
    }

    /// The one interrupt bit of IMSC/RIS/MIS/ICR, and the start bit of CR.
    static let bit0: UInt32 = 1

    private struct State {
        var running: Bool
        /// Counter = offset + clock() while running.
        var offset: Int64 = 0
        /// The counter while stopped.
        var heldCount: UInt32 = 0
        var match: UInt32 = 0
        var lastLoad: UInt32 = 0
        var interruptMask: UInt32 = 0
        var rawInterrupt: UInt32 = 0
        /// Armed alarm: fires when the clock reaches `alarmDeadline` (clock seconds).
        var alarmDeadline: Int64?

        var interruptAsserted: Bool { rawInterrupt & interruptMask != 0 }

        func count(now: Int64) -> UInt32 {
            running ? UInt32(truncatingIfNeeded: offset &+ now) : heldCount
        }

        /// QEMU pl031_set_alarm: the number of ticks until the counter equals MR, with 32-bit
        /// wrap-around; zero fires at once.
        mutating func arm(now: Int64) {
            let ticks = match &- count(now: now)
            if ticks == 0 {
                alarmDeadline = nil
                rawInterrupt = PL031Rtc.bit0
            } else {
                alarmDeadline = running ? now &+ Int64(ticks) : nil
            }
        }

        mutating func fireIfDue(now: Int64) {
            guard let deadline = alarmDeadline, now >= deadline else { return }
            alarmDeadline = nil
            rawInterrupt = PL031Rtc.bit0
        }
    }

    public let name: String
    public var regionSize: UInt64 { Self.windowSize }
    private let clock: Clock
    private let interruptObserver: InterruptLineObserver?
    private let startsRunning: Bool
    private let state: Mutex<State>

    /// An RTC counting `clock` seconds. Its counter starts at the clock's value (the RTC shows
    /// the current time at power-on, as QEMU's does).
    public init(
        name: String = "pl031",
        clock: @escaping Clock = PL031Rtc.hostClock,
        startsRunning: Bool = true,
        onInterruptChange: InterruptLineObserver? = nil
    ) {
        self.name = name
        self.clock = clock
        self.startsRunning = startsRunning
        self.interruptObserver = onInterruptChange
        self.state = Mutex(Self.powerOnState(running: startsRunning, now: clock()))
    }

    private static func powerOnState(running: Bool, now: Int64) -> State {
        var state = State(running: running)
        state.heldCount = UInt32(truncatingIfNeeded: now)
        return state
    }

    // MARK: Host side

    /// The level of the RTCINTR output (RTCMIS ≠ 0), after delivering a due match.
    public var interruptAsserted: Bool {
        updating { state, _ in state.interruptAsserted }
    }

    /// Delivers the match interrupt if the counter has reached RTCMR. Returns the interrupt level.
    @discardableResult
    public func checkAlarm() -> Bool {
        interruptAsserted
    }

    /// The counter value RTCDR would return now.
    public var currentCount: UInt32 {
        let now = clock()
        return state.withLock { $0.count(now: now) }
    }

    /// Returns to the power-on state (counter showing the clock's time, registers cleared).
    public func reset() {
        let now = clock()
        state.withLock { state in
            let before = state.interruptAsserted
            state = Self.powerOnState(running: startsRunning, now: now)
            if before { interruptObserver?(false) }
        }
    }

    // MARK: MmioDevice

    public func read(offset: UInt64, width: MmioAccessWidth) throws(MmioFault) -> UInt64 {
        try PlatformAccess.check(offset, width, allowed: PlatformAccess.wordOnly, size: Self.windowSize, device: name)
        if let id = Self.identification.register(at: offset) { return id }
        guard let register = Register(rawValue: offset) else {
            throw MmioFault(.unmappedRegister, device: name, offset: offset, width: width)
        }
        return UInt64(updating { state, now -> UInt32 in
            switch register {
            case .data: return state.count(now: now)
            case .match: return state.match
            case .load: return state.lastLoad
            case .control: return state.running ? Self.bit0 : 0
            case .interruptMask: return state.interruptMask
            case .rawInterruptStatus: return state.rawInterrupt
            case .maskedInterruptStatus: return state.rawInterrupt & state.interruptMask
            case .interruptClear: return 0
            }
        })
    }

    public func write(offset: UInt64, width: MmioAccessWidth, value: UInt64) throws(MmioFault) {
        try PlatformAccess.check(offset, width, allowed: PlatformAccess.wordOnly, size: Self.windowSize, device: name)
        if Self.identification.register(at: offset) != nil { return }
        guard let register = Register(rawValue: offset) else {
            throw MmioFault(.unmappedRegister, device: name, offset: offset, width: width)
        }
        let value = UInt32(truncatingIfNeeded: value)
        updating { state, now in
            switch register {
            case .match:
                state.match = value
                state.arm(now: now)
            case .load:
                state.lastLoad = value
                if state.running {
                    state.offset = Int64(value) &- now
                } else {
                    state.heldCount = value
                }
                state.arm(now: now)
            case .control:
                // Starting is one-way until reset; the counter continues from the value it held.
                if !state.running, value & Self.bit0 != 0 {
                    state.offset = Int64(state.heldCount) &- now
                    state.running = true
                    state.arm(now: now)
                }
            case .interruptMask: state.interruptMask = value & Self.bit0
            case .interruptClear: state.rawInterrupt &= ~(value & Self.bit0)
            case .data, .rawInterruptStatus, .maskedInterruptStatus: break   // read-only
            }
        }
    }

    /// Runs `body` under the lock with the current time, after delivering a due match, and
    /// reports an interrupt-level change to the observer.
    private func updating<Result: Sendable>(_ body: (inout State, _ now: Int64) -> Result) -> Result {
        let now = clock()
        return state.withLock { state in
            let before = state.interruptAsserted
            state.fireIfDue(now: now)
            let result = body(&state, now)
            if state.interruptAsserted != before { interruptObserver?(state.interruptAsserted) }
            return result
        }
    }
}
