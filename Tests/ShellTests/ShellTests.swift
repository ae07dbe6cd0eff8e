// The shell's commands over a fake system with a real kernel: every command's output format
// (Fuchsia's dm / ps / vmaps / vmos / kstats columns) and every error path.

import Testing
@testable import Shell
import Zirconia

@Suite struct ShellTests {
    let system: FakeSystem
    let shell: Shell

    init() throws {
        system = try FakeSystem()
        shell = Shell(system: system)
    }

    func ok(_ line: String) -> [String] {
        let output = shell.execute(line)
        #expect(output.error == nil, "\(line): \(output.error ?? "")")
        return output.lines
    }

    func error(_ line: String) -> String {
        let output = shell.execute(line)
        #expect(output.lines.isEmpty && !output.exits, "\(line)")
        return output.error ?? ""
    }

    // MARK: help and unknown commands

    @Test func helpListsEveryCommandWithADescription() {
        let lines = ok("help")
        for command in Shell.commands {
            #expect(lines.contains { $0.contains(command.usage) && $0.contains(command.summary) }, "\(command.name)")
        }
        #expect(lines.joined().contains("quit"))
        #expect(ok("help vmaps") == ["usage: vmaps PID", "the address-space tree of a process (ZX_INFO_PROCESS_MAPS)"])
        #expect(error("help nope").contains("unknown command 'nope'"))
        #expect(error("help a b").contains("too many arguments"))
    }

    @Test func unknownCommandsSuggestTheClosestName() {
        #expect(error("vmap 3") == "unknown command 'vmap'; did you mean 'vmaps'? (try 'help')")
        #expect(error("dmm dump").contains("did you mean 'dm'?"))
        #expect(error("hotplog add").contains("did you mean 'hotplug'?"))
        #expect(error("xyzzyplugh") == "unknown command 'xyzzyplugh' (try 'help')")
        #expect(shell.execute("lss /dev").text == "error: unknown command 'lss'; did you mean 'ls'? (try 'help')")
        #expect(error("Exit").contains("did you mean 'exit'?"))
    }

    @Test func blankLinesAndCommentsDoNothing() {
        #expect(shell.execute("").lines.isEmpty && shell.execute("").error == nil)
        #expect(shell.execute("   # a comment").lines.isEmpty && shell.execute("# x").error == nil)
        #expect(error("cat \"/dev/null") == "unterminated quote")
    }

    // MARK: dm, ls, cat

    @Test func dmDumpJsonAndDrivers() {
        #expect(ok("dm dump") == FakeSystem.dump.split(separator: "\n").map(String.init))
        #expect(ok("dm dump")[1] == "   <root> pid=2 ", "trailing space kept")
        #expect(ok("dm dump --json") == [#"{"name":"root","children":[]}"#])
        #expect(ok("dm drivers") == ["Name    : builtin", "Driver  : builtin.so"])
        #expect(error("dm").contains("missing subcommand"))
        #expect(error("dm props").contains("unknown subcommand 'props'"))
        #expect(error("dm dump --xml").contains("unexpected argument '--xml'"))
        #expect(error("dm drivers x").contains("unexpected argument 'x'"))
    }

    @Test func lsListsOneLevelOfDevfs() {
        #expect(ok("ls") == ["class/", "null", "sys/", "zero"])
        #expect(ok("ls /dev/") == ok("ls"))
        #expect(ok("ls class") == ["ethernet/", "framebuffer/"])
        #expect(ok("ls /dev/class/ethernet") == ["000"])
        #expect(ok("ls /dev/sys/pci/00:02:00/e1000") == ["ethernet"])
        #expect(ok("ls /dev/null") == ["/dev/null"])
        #expect(error("ls /dev/nothing") == "ls: /dev/nothing: no such file or directory")
        #expect(error("ls a b").contains("too many arguments"))
    }

    @Test func catDescribesADevice() {
        #expect(ok("cat /dev/class/ethernet/000") == ["name: ethernet", "driver: e1000", "mac: 52:54:00:12:34:56"])
        #expect(ok("cat class/ethernet/000") == ok("cat /dev/class/ethernet/000"))
        #expect(error("cat") == "cat: missing PATH (usage: cat PATH)")
        #expect(error("cat /dev/class") == "cat: /dev/class: is a directory")
        #expect(error("cat /dev/nope") == "cat: /dev/nope: no such file or directory")
        #expect(error("cat /dev/null") == "/dev/null: nothing to describe", "the system's own error")
        #expect(error("cat a b").contains("too many arguments"))
    }

    // MARK: ps, vmaps, vmos, kmem

    @Test func psShowsEveryProcessWithFuchsiaColumns() throws {
        let lines = ok("ps")
        let header = "TASK        PSS PRIVATE  SHARED   STATE  THR  HDL NAME"
        #expect(lines.first == header && lines.last == header)
        let busy = try #require(lines.first { $0.hasPrefix("p: \(system.busy.koid) ") })
        #expect(busy.hasSuffix(" busy"))
        let columns = busy.split(separator: " ").map(String.init)
        // p: KOID PSS PRIVATE SHARED STATE THR HDL NAME
        #expect(columns[2] == "8K" && columns[3] == "8K" && columns[4] == "0B", "two pages written, none shared")
        #expect(columns[5] == "running" || columns[5] == "initial")
        #expect(Int(columns[7]) ?? 0 >= 2, "the VMO handles")
        #expect(lines.contains { $0.hasPrefix("p: \(system.idle.koid) ") && $0.hasSuffix(" idle") })
        #expect(error("ps -a").contains("unexpected argument '-a'"))
    }

    @Test func vmapsShowsTheTreeWithCommittedPages() throws {
        let lines = ok("vmaps \(system.busy.koid)")
        #expect(lines.first?.hasPrefix("/A ") == true)
        #expect(lines.dropFirst().first?.hasPrefix("/R ") == true)
        let mapping = try #require(lines.first { $0.contains(":vmo") })
        #expect(mapping.hasPrefix("M "), "depth 2 under the root VMAR")
        #expect(mapping.contains(" rw- "))
        #expect(mapping.contains("  16K:sz   8K:res"), "4 pages mapped, 2 committed: \(mapping)")
        #expect(mapping.contains(" \(system.pagedVmoKoid):vmo 'shell-test-vmo'"))
        let range = mapping.split(separator: " ")[1].split(separator: "-")
        let base = try #require(UInt64(range[0], radix: 16)), end = try #require(UInt64(range[1], radix: 16))
        #expect(end - base == 16384 && range[0].count == 16)
        #expect(ok("vmaps 0x" + String(system.busy.koid, radix: 16)) == lines)
        #expect(error("vmaps") == "vmaps: missing PID (usage: vmaps PID)")
        #expect(error("vmaps abc") == "vmaps: \"abc\" is not a number (usage: vmaps PID)")
        #expect(error("vmaps 999999") == "vmaps: couldn't find process with koid 999999")
        #expect(error("vmaps 1 2").contains("too many arguments"))
    }

    @Test func vmapsPointersAndSizesFollowFuchsia() {
        #expect(Shell.pointer(0x1000) == "________00001000")
        #expect(Shell.pointer(0x7fff_ffff_f000) == "00007ffffffff000")
        #expect(formatSize(0) == "0B" && formatSize(4096) == "4K" && formatSize(1536 * 1024) == "1.5M")
        #expect(formatSize(1023) == "1023B" && formatSize(1 << 40) == "1T")
        #expect(formatSize(fixed: 16 << 20, unit: "M") == "16.0M" && formatSize(fixed: 0, unit: "M") == "0.0M")
    }

    @Test func vmosShowsKindAndCachePolicy() throws {
        let lines = ok("vmos \(system.busy.koid)")
        #expect(lines.first == Shell.vmosHeader && lines.last == Shell.vmosHeader)
        #expect(Shell.vmosHeader.hasPrefix("rights  koid parent #chld #map #shr    size   alloc "))
        let rows = lines.dropFirst().dropLast()
        let handleRow = try #require(rows.first { $0.hasSuffix("shell-test-vmo") && !$0.hasPrefix("     -") })
        #expect(handleRow.contains("rw-md"), "the handle's rights: \(handleRow)")
        #expect(handleRow.contains("    16K      8K paged"))
        #expect(handleRow.contains(" cached "))
        #expect(rows.contains { $0.hasPrefix("     - ") && $0.hasSuffix("shell-test-vmo") }, "the mapping entry")
        let physical = try #require(rows.first { $0.contains(" \(system.physicalVmoKoid) ") })
        #expect(physical.contains("     8K    phys phys"), "\(physical)")
        #expect(physical.contains(" uncached "))
        #expect(ok("vmos \(system.idle.koid)") == [Shell.vmosHeader, Shell.vmosHeader])
        #expect(error("vmos x1").contains("\"x1\" is not a number"))
        #expect(error("vmos 424242") == "vmos: couldn't find process with koid 424242")
    }

    @Test func vmoKindNamesEveryFlag() {
        #expect(Shell.vmoKind(ZX_INFO_VMO_TYPE_PAGED | ZX_INFO_VMO_PAGER_BACKED) == "paged,pager")
        #expect(Shell.vmoKind(ZX_INFO_VMO_TYPE_PHYSICAL) == "phys")
        #expect(Shell.vmoKind(ZX_INFO_VMO_TYPE_PAGED | ZX_INFO_VMO_IS_COW_CLONE | ZX_INFO_VMO_RESIZABLE) == "paged,cow,resizable")
        #expect(Shell.cachePolicyName(ZX_CACHE_POLICY_WRITE_COMBINING) == "write-comb")
        #expect(Shell.cachePolicyName(ZX_CACHE_POLICY_UNCACHED_DEVICE) == "uncached-dev")
        #expect(Shell.rights(ZX_RIGHT_READ | ZX_RIGHT_TRANSFER) == "r----t")
    }

    @Test func kmemShowsThePmm() {
        let lines = ok("kmem")
        #expect(lines[0] == "mem total      free      VMOs     wired       mmu     other")
        #expect(lines[1].hasPrefix("    16.0M "))
        let stats = system.kernel.memoryStats
        #expect(lines.contains("          total:    16.0MB /   16777216B"))
        #expect(lines.contains { $0.hasPrefix("            vmo: ") && $0.hasSuffix(" \(String(stats.objectPages * 4096).rightAligned(10))B") })
        #expect(lines.last?.hasPrefix("pages: \(stats.totalPages) total, ") == true)
        #expect(error("kmem -v").contains("unexpected argument"))
    }

    // MARK: trace, crash, hotplug, fb, log, exit

    @Test func faultTracingBuffersLinesForTheNextCommand() {
        #expect(ok("trace faults on") == ["fault tracing on"])
        #expect(shell.isTracingFaults)
        system.emitFault("page fault: read at 0x1000")
        #expect(ok("help ps").first == "page fault: read at 0x1000")
        #expect(ok("trace faults off") == ["fault tracing off"])
        #expect(!shell.isTracingFaults)
        #expect(system.requests.withLock { $0 } == ["trace on", "trace off"])
        #expect(error("trace faults maybe") == "trace: expected on or off, not 'maybe' (usage: trace faults on|off)")
        #expect(error("trace faults").contains("missing on or off"))
        #expect(error("trace").contains("missing what to trace"))
        #expect(error("trace syscalls on").contains("unknown trace 'syscalls'"))
        #expect(error("trace faults on now").contains("too many arguments"))
    }

    @Test func crashHotplugAndFramebuffer() {
        #expect(ok("crash e1000") == ["e1000: host crashed", "e1000: rebound"])
        #expect(error("crash ahcii") == "crash: no driver named 'ahcii'")
        #expect(error("crash").contains("missing DRIVER"))
        #expect(ok("hotplug add") == ["card inserted"])
        #expect(ok("hotplug remove") == ["card removed"])
        #expect(error("hotplug") .contains("missing add or remove"))
        #expect(error("hotplug eject") == "hotplug: expected add or remove, not 'eject' (usage: hotplug add|remove)")
        #expect(ok("fb --png '/tmp/screen shot.png'") == ["wrote 640x480 to /tmp/screen shot.png"])
        #expect(error("fb") == "fb: missing --png FILE (usage: fb --png FILE)")
        #expect(error("fb --png") == "fb: --png needs a FILE (usage: fb --png FILE)")
        #expect(error("fb out.png").contains("unexpected argument 'out.png'"))
        #expect(error("fb --png a b").contains("too many arguments"))
        #expect(system.requests.withLock { $0 } == ["crash e1000", "hotplug add", "hotplug remove",
                                                   "fb /tmp/screen shot.png"])
    }

    @Test func logShowsBootLogThenKernelLog() {
        let lines = ok("log")
        #expect(Array(lines.prefix(3)) == ["--- boot log (fake-x64) ---", "boot: fake-x64 up", "driver host 'sys' launched"])
        #expect(lines.contains { $0.hasPrefix("--- kernel log (") })
    }

    @Test func exitAndQuitStopTheShell() {
        #expect(shell.execute("exit").exits && shell.execute("quit").exits)
        #expect(error("exit now").contains("unexpected argument 'now'"))
        _ = ok("trace faults on")
        #expect(shell.execute("exit").exits)
        #expect(!shell.isTracingFaults, "exit stops tracing")
    }

    // MARK: scripts

    @Test func scriptsSkipCommentsAndStopAtExit() {
        let script = """
            # a script
            
            ls class
              help exit   # trailing comment
            vmaps nope
            exit
            ps
            """
        var outputs: [ShellOutput] = []
        let result = shell.run(script: script, echo: true) { outputs.append($0) }
        #expect(result.commands == 4 && result.errors == 1 && result.exited)
        #expect(outputs.count == 4)
        #expect(result.lines == [
            "zirconia> ls class", "ethernet/", "framebuffer/",
            "zirconia> help exit   # trailing comment", "usage: exit", "leave the shell",
            "zirconia> vmaps nope", "error: vmaps: \"nope\" is not a number (usage: vmaps PID)",
            "zirconia> exit",
        ])
        let quiet = shell.run(lines: ["ls /dev/class/ethernet", "# done"])
        #expect(quiet.lines == ["000"] && !quiet.exited && quiet.errors == 0)
    }

    @Test func lexerQuotesAndEscapes() throws {
        #expect(try ShellLexer.split(#"fb --png "a b.png""#) == ["fb", "--png", "a b.png"])
        #expect(try ShellLexer.split(#"cat a\ b 'c d' # rest"#) == ["cat", "a b", "c d"])
        #expect(try ShellLexer.split("  ") == [])
        #expect(throws: ShellError.self) { try ShellLexer.split("'open") }
    }
}
