// Entry point: runs every benchmark pair and prints the table.

#if canImport(Glibc)
import Glibc
#endif
import Zirconia

let quick = CommandLine.arguments.contains("--quick")
let rounds = quick ? 3 : 9

let kernel = try Kernel(memorySize: 2 << 30, seed: 1)
var rows: [Row] = []
print("zirconia-bench: \(rounds) rounds per figure, medians; ratio = zirconia ÷ host (lower is better)")
rows.append(try benchFirstTouchFault(kernel, rounds: rounds))
rows.append(try benchMapUnmap(kernel, rounds: rounds))
rows.append(try benchTLBLoad(kernel, rounds: rounds))
rows.append(contentsOf: try benchVmoReadWrite(kernel, rounds: rounds))
rows.append(try benchManyMappingsFault(kernel, rounds: rounds, quick: quick))
printTable(rows)
print("(sink \(sink & 1))")
