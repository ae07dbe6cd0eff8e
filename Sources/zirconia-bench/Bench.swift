// zirconia-bench: each Zirconia operation measured beside the host kernel doing the same job
// natively, in one process and one run, printed as ns/op and the ratio Zirconia ÷ host.
//
// Run: swift run -c release zirconia-bench [--quick]
// The figures are wall-clock medians over several rounds on whatever machine runs it; the
// ratios are what to compare across machines. Nothing here is a pass/fail test: goals are
// printed beside the ratios for the reader.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Zirconia

/// Keeps results observable so the optimizer cannot drop the work.
nonisolated(unsafe) var sink: UInt64 = 0

@inline(never) func blackHole(_ value: UInt64) { sink &+= value }

/// Monotonic nanoseconds.
@inline(__always) func now() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// Median of `rounds` measurements of `body`, which returns (elapsed ns, operations).
func median(rounds: Int, _ body: () throws -> (UInt64, Int)) rethrows -> Double {
    var samples: [Double] = []
    for _ in 0..<rounds {
        let (ns, ops) = try body()
        samples.append(Double(ns) / Double(max(ops, 1)))
    }
    samples.sort()
    return samples[samples.count / 2]
}

struct Row {
    var name: String
    var zirconia: Double
    var host: Double
    var hostName: String
    var goal: Double
    var ratio: Double { zirconia / host }
}

func printTable(_ rows: [Row]) {
    func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
    func lpad(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }
    func fmt(_ v: Double) -> String {
        let rounded = (v * 10).rounded() / 10
        return String(rounded)
    }
    print(pad("operation", 44) + lpad("zirconia ns", 13) + lpad("host ns", 11) + lpad("ratio", 8) + lpad("goal", 8) + "  host side")
    for row in rows {
        let mark = row.ratio <= row.goal ? "ok" : "over"
        print(pad(row.name, 44) + lpad(fmt(row.zirconia), 13) + lpad(fmt(row.host), 11)
              + lpad(String(format2(row.ratio)), 8) + lpad("≤" + format2(row.goal), 8) + "  " + row.hostName + " [\(mark)]")
    }
}

func format2(_ v: Double) -> String {
    let scaled = (v * 100).rounded() / 100
    return String(scaled)
}
