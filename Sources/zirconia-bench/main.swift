// Entry point: runs every benchmark pair and prints the table.

#if canImport(Glibc)
import Glibc
#endif
import Zirconia

let quick = CommandLine.arguments.contains("--quick")
let rounds = quick ? 3 : 9

/// `--only fault|map|tlb|vmo|many|channel|clone|pager|dtb|mmio|drivers|boot` runs one group (for profiling).
let only: String? = CommandLine.arguments.firstIndex(of: "--only").flatMap {
    $0 + 1 < CommandLine.arguments.count ? CommandLine.arguments[$0 + 1] : nil
}
func selected(_ name: String) -> Bool { only == nil || only == name }

let kernel = try Kernel(memorySize: 2 << 30, seed: 1)
var rows: [Row] = []
print("zirconia-bench: \(rounds) rounds per figure, medians; ratio = zirconia ÷ host (lower is better)")
if selected("fault") { rows.append(try benchFirstTouchFault(kernel, rounds: rounds)) }
if selected("map") { rows.append(try benchMapUnmap(kernel, rounds: rounds)) }
if selected("tlb") { rows.append(try benchTLBLoad(kernel, rounds: rounds)) }
if selected("vmo") { rows.append(contentsOf: try benchVmoReadWrite(kernel, rounds: rounds)) }
if selected("many") { rows.append(try benchManyMappingsFault(kernel, rounds: rounds, quick: quick)) }
if selected("channel") { rows.append(try benchChannelWriteRead(kernel, rounds: rounds)) }
if selected("clone") { rows += [try benchSnapshotScaling(kernel, rounds: rounds), try benchCopyOnWriteFault(kernel, rounds: rounds, pages: 1024), try benchCopyOnWriteFault(kernel, rounds: rounds, pages: 128)] }
if selected("pager") { rows.append(try benchPagerRoundTrip(kernel, rounds: rounds)) }
if selected("dtb") { rows.append(contentsOf: try benchDeviceTree(rounds: rounds)) }
if selected("mmio") { rows += try benchMmio(rounds: rounds) }
if selected("drivers") { rows += try benchBindThousandDevices(rounds: rounds) }
if selected("boot") { rows += try benchBoot(rounds: rounds) }
printTable(rows)
print("(sink \(sink & 1))")
