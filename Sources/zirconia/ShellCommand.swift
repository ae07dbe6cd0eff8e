// `zirconia shell [--machine ...] [--dtb FILE] [--script FILE]`: boots, then runs shell commands
// (dm dump, ls, cat, ps, vmaps, vmos, kmem, trace, crash, hotplug, fb, log, help) read from the
// script file or from standard input until end of input or `exit`. The `zirconia> ` prompt is
// shown only when standard input is a terminal; otherwise each command is echoed before its output, so a
// transcript reads like a session. Exit status 1 when a scripted command failed.
//
// Zircon counterpart: a shell on a booted Fuchsia device (`dm dump`, `ps`, `vmaps`, `vmos`, `kstats`).

import ArgumentParser
import Foundation
import Shell
import Zirconia

struct ShellCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shell",
        abstract: "Boot a machine, then run shell commands from a script or standard input.",
        discussion: "Type 'help' in the shell for its commands.")

    @OptionGroup var selection: MachineSelection

    @Option(help: "Read commands from FILE instead of standard input (# comments, blank lines ignored).")
    var script: String?

    func run() throws {
        // Read the script before booting, so a bad path fails fast.
        var scriptText: String?
        if let script {
            do {
                scriptText = try String(contentsOfFile: script, encoding: .utf8)
            } catch {
                exitWithError("cannot read script \(script): \(error.localizedDescription)")
            }
        }
        let system: any ShellSystem
        do {
            system = try selection.bootSystem()
        } catch {
            exitWithError(String(describing: error))
        }
        let shell = Shell(system: system, traceOutput: { line in print(line) })
        if let scriptText {
            let result = shell.run(script: scriptText, echo: true, output: ShellCommand.emit)
            if result.errors > 0 { throw ExitCode(1) }
        } else if isatty(STDIN_FILENO) != 0 {
            interactive(shell)
        } else {
            let lines = AnyIterator { readLine(strippingNewline: true) }
            let result = shell.run(lines: IteratorSequence(lines), echo: true, output: ShellCommand.emit)
            if result.errors > 0 { throw ExitCode(1) }
        }
    }

    private func interactive(_ shell: Shell) {
        print("zirconia shell on \(shell.system.machineName); 'help' lists the commands, 'exit' leaves.")
        while true {
            print(Shell.prompt, terminator: "")
            fflush(nil)
            guard let line = readLine(strippingNewline: true) else {
                print("")
                return
            }
            let output = shell.execute(line)
            ShellCommand.emit(output)
            if output.exits { return }
        }
    }

    /// Output lines to standard output, the error line to standard error.
    static func emit(_ output: ShellOutput) {
        for line in output.lines { print(line) }
        if let error = output.error {
            fflush(nil)
            FileHandle.standardError.write(Data(("error: " + error + "\n").utf8))
        }
    }
}
