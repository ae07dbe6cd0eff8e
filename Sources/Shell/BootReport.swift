// What `zirconia boot` prints: the boot log, then `dm dump` — as text, or as one JSON object
// {"machine", "bootLog", "dmDump"} whose dmDump is the system's own `dm dump --json` tree.
// Kept here rather than in the CLI so the shell's tests check it.
//
// Zircon counterpart: the serial console of a booting Fuchsia device followed by `dm dump`
// (driver_manager's DebugDumper::DumpTree).

import Foundation

extension Shell {
    /// The text report: the boot log, a blank line, `$ dm dump`, then the dump's lines.
    public static func bootReport(_ system: any ShellSystem) -> [String] {
        var lines = system.bootLog
        lines.append("")
        lines.append("$ dm dump")
        var dump = system.dmDump().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if dump.last == "" { dump.removeLast() }
        return lines + dump
    }

    /// The JSON report, pretty-printed with sorted keys.
    /// - Throws: when the system's `dmDumpJSON()` is not valid JSON.
    public static func bootReportJSON(_ system: any ShellSystem) throws(ShellError) -> String {
        let dump: Any
        do {
            dump = try JSONSerialization.jsonObject(with: Data(system.dmDumpJSON().utf8), options: [.fragmentsAllowed])
        } catch {
            throw ShellError("dm dump --json is not valid JSON: \(error.localizedDescription)")
        }
        let object: [String: Any] = ["machine": system.machineName, "bootLog": system.bootLog, "dmDump": dump]
        do {
            let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            return String(decoding: data, as: UTF8.self)
        } catch {
            throw ShellError("cannot encode the boot report: \(error.localizedDescription)")
        }
    }
}
