// Time constants and Zircon's saturating time arithmetic (`zx_time_add_duration`, `ZX_MSEC`, …).
//
// Zircon counterpart: zircon/system/public/zircon/time.h (and ZX_CLOCK_MONOTONIC from types.h).
// Every helper clamps to ZX_TIME_INFINITE / ZX_TIME_INFINITE_PAST instead of overflowing.

public let ZX_TIME_INFINITE: zx_time_t = Int64.max
public let ZX_TIME_INFINITE_PAST: zx_time_t = Int64.min
public let ZX_CLOCK_MONOTONIC: zx_clock_t = 0

@usableFromInline
func zxSaturate(_ result: (partialValue: Int64, overflow: Bool), positive: Bool) -> Int64 {
    result.overflow ? (positive ? ZX_TIME_INFINITE : ZX_TIME_INFINITE_PAST) : result.partialValue
}

@inlinable public func zx_time_add_duration(_ time: zx_time_t, _ duration: zx_duration_t) -> zx_time_t {
    zxSaturate(time.addingReportingOverflow(duration), positive: duration > 0)
}
@inlinable public func zx_time_sub_duration(_ time: zx_time_t, _ duration: zx_duration_t) -> zx_time_t {
    zxSaturate(time.subtractingReportingOverflow(duration), positive: duration < 0)
}
@inlinable public func zx_time_sub_time(_ time1: zx_time_t, _ time2: zx_time_t) -> zx_duration_t {
    zxSaturate(time1.subtractingReportingOverflow(time2), positive: time2 < 0)
}
@inlinable public func zx_duration_add_duration(_ dur1: zx_duration_t, _ dur2: zx_duration_t) -> zx_duration_t {
    zxSaturate(dur1.addingReportingOverflow(dur2), positive: dur2 > 0)
}
@inlinable public func zx_duration_sub_duration(_ dur1: zx_duration_t, _ dur2: zx_duration_t) -> zx_duration_t {
    zxSaturate(dur1.subtractingReportingOverflow(dur2), positive: dur2 < 0)
}
@inlinable public func zx_duration_mul_int64(_ duration: zx_duration_t, _ multiplier: Int64) -> zx_duration_t {
    zxSaturate(duration.multipliedReportingOverflow(by: multiplier), positive: (duration > 0) == (multiplier > 0))
}

@inlinable public func ZX_NSEC(_ n: Int64) -> zx_duration_t { n }
@inlinable public func ZX_USEC(_ n: Int64) -> zx_duration_t { zx_duration_mul_int64(1_000, n) }
@inlinable public func ZX_MSEC(_ n: Int64) -> zx_duration_t { zx_duration_mul_int64(1_000_000, n) }
@inlinable public func ZX_SEC(_ n: Int64) -> zx_duration_t { zx_duration_mul_int64(1_000_000_000, n) }
@inlinable public func ZX_MIN(_ n: Int64) -> zx_duration_t { zx_duration_mul_int64(60_000_000_000, n) }
@inlinable public func ZX_HOUR(_ n: Int64) -> zx_duration_t { zx_duration_mul_int64(3_600_000_000_000, n) }
