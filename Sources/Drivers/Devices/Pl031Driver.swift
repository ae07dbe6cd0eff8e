// Pl031Driver: the ARM PrimeCell PL031 real-time clock (QEMU virt, 0x0901_0000). It checks the
// PrimeCell identification (part 0x031, designer ARM), reads RTCDR as seconds since the Unix
// epoch, converts them to a calendar date and time (UTC), and sets the clock through RTCLR.
//
// Fuchsia counterpart: src/devices/rtc/drivers/pl031-rtc (pl031-rtc.cc: Get reads data_reg and
// converts with seconds_to_rtc; Set writes load_reg from rtc_to_seconds) and
// src/devices/rtc/lib/rtc (the conversion). Registers from ARM DDI0224 (PL031 TRM) §3.

import Mmio

/// A UTC calendar time (fuchsia.hardware.rtc/Time's fields).
public struct RtcTime: Sendable, Equatable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hours: Int
    public var minutes: Int
    public var seconds: Int

    public init(year: Int, month: Int, day: Int, hours: Int, minutes: Int, seconds: Int) {
        (self.year, self.month, self.day) = (year, month, day)
        (self.hours, self.minutes, self.seconds) = (hours, minutes, seconds)
    }

    /// The calendar time of `epochSeconds` seconds after 1970-01-01T00:00:00Z (proleptic
    /// Gregorian; Howard Hinnant's civil_from_days).
    public init(epochSeconds: Int64) {
        // ±2^40 s (±34 000 years) keeps every step below in range; the PL031 counts 32 bits.
        let epochSeconds = min(max(epochSeconds, -(1 << 40)), 1 << 40)
        let days = epochSeconds >= 0 ? epochSeconds / 86_400 : (epochSeconds - 86_399) / 86_400
        let secondOfDay = Int(epochSeconds - days * 86_400)
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = Int(dayOfYear - (153 * monthIndex + 2) / 5 + 1)
        let month = Int(monthIndex < 10 ? monthIndex + 3 : monthIndex - 9)
        let year = Int(yearOfEra + era * 400) + (month <= 2 ? 1 : 0)
        self.init(year: year, month: month, day: day, hours: secondOfDay / 3600,
                  minutes: secondOfDay / 60 % 60, seconds: secondOfDay % 60)
    }

    /// Seconds since the epoch (days_from_civil). Fields are taken as given (wrapping on absurd
    /// values rather than trapping); `Pl031Driver.setTime` range-checks the result.
    public var epochSeconds: Int64 {
        guard year.magnitude < 1 << 20, [month, day, hours, minutes, seconds].allSatisfy({ $0.magnitude < 1 << 30 }) else {
            return Int64.min
        }
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let m = Int64(month)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return days * 86_400 + Int64(hours * 3600 + minutes * 60 + seconds)
    }

    public var description: String {
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(year)-\(two(month))-\(two(day))T\(two(hours)):\(two(minutes)):\(two(seconds))Z"
    }
}

/// PL031 registers (TRM table 3-1).
public enum Pl031Spec {
    public enum Register {
        public static let dr = 0x00, mr = 0x04, lr = 0x08, cr = 0x0C, imsc = 0x10
    }
}

public struct Pl031Driver<Access: MmioAccess> {
    public typealias Register = Pl031Spec.Register

    public let registers: RegisterWindow<Access>

    public init(registers window: Access) {
        registers = RegisterWindow(window, device: "pl031")
    }

    /// Checks the PrimeCell identification (CellID 0xB105F00D, part 0x031, designer 0x41) and
    /// returns it.
    @discardableResult
    public func verifyIdentity() throws(DriverError) -> PrimeCellIdentity {
        let id = try PrimeCellIdentity.read(registers)
        guard id.isPrimeCell, id.part == 0x031, id.designer == 0x41 else {
            throw .unsupportedDevice("pl031 PeriphID \(String.hex(id.peripheralID)) CellID \(String.hex(id.cellID))")
        }
        return id
    }

    /// Starts the counter if it is stopped (RTCCR.RTCStart; a no-op on QEMU, whose RTC runs from
    /// power-on) and masks the match interrupt.
    public func initialize() throws(DriverError) {
        try registers.write32(0, Register.imsc, "IMSC")
        if try registers.read32(Register.cr, "CR") & 1 == 0 { try registers.write32(1, Register.cr, "CR") }
    }

    /// RTCDR: seconds since the epoch (the counter is 32 bits: good until 2106).
    public func readSeconds() throws(DriverError) -> UInt32 {
        try registers.read32(Register.dr, "RTCDR")
    }

    /// The current time as a calendar date.
    public func readTime() throws(DriverError) -> RtcTime {
        RtcTime(epochSeconds: Int64(try readSeconds()))
    }

    /// Sets the clock (RTCLR) to `time`.
    /// - Throws: `.invalidArgument` for a time the 32-bit counter cannot hold.
    public func setTime(_ time: RtcTime) throws(DriverError) {
        let seconds = time.epochSeconds
        guard seconds >= 0, seconds <= Int64(UInt32.max) else {
            throw .invalidArgument("pl031 time \(time) outside the 32-bit counter")
        }
        try registers.write32(UInt32(seconds), Register.lr, "RTCLR")
    }
}
