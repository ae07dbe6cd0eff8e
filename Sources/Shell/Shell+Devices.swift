// The shell's device commands: `dm dump [--json]`, `dm drivers`, `ls [PATH]`, `cat PATH`,
// `crash DRIVER`, `hotplug add|remove`, `fb --png FILE`, `trace faults on|off`, `log`.
//
// Zircon counterparts: `dm dump` / `dm drivers` (driver_manager's DebugDumper DumpTree /
// DumpDrivers; the formats themselves come from the system), `ls /dev/class/...` over devfs,
// `dlog` for the kernel log. `crash`, `hotplug`, `fb` and `trace faults` are Zirconia's own.

extension Shell {
    func dm(_ args: [String]) throws(ShellError) -> [String] {
        guard let verb = args.first else { throw Shell.usageError("dm", "missing subcommand") }
        let rest = Array(args.dropFirst())
        switch verb {
        case "dump":
            switch rest {
            case []: return textLines(system.dmDump())
            case ["--json"]: return textLines(system.dmDumpJSON())
            default: throw Shell.usageError("dm", "unexpected argument '\(rest[0])' to dm dump")
            }
        case "drivers":
            if let extra = rest.first { throw Shell.usageError("dm", "unexpected argument '\(extra)' to dm drivers") }
            return textLines(system.dmDrivers())
        default:
            throw Shell.usageError("dm", "unknown subcommand '\(verb)'")
        }
    }

    /// `ls [PATH]`: the entries one level under PATH (directories end in `/`); a PATH that is
    /// itself a device (no entries under it) lists as itself. Relative paths are under /dev.
    func ls(_ args: [String]) throws(ShellError) -> [String] {
        guard args.count <= 1 else { throw Shell.usageError("ls", "too many arguments") }
        let path = Shell.normalizeDevPath(args.first ?? "/dev")
        let paths = system.devfsPaths()
        let prefix = path == "/" ? "/" : path + "/"
        var entries: [String: Bool] = [:]  // name → is a directory
        for candidate in paths where candidate.hasPrefix(prefix) {
            let rest = candidate.dropFirst(prefix.count)
            guard !rest.isEmpty else { continue }
            if let slash = rest.firstIndex(of: "/") {
                entries[String(rest[..<slash])] = true
            } else if entries[String(rest)] == nil {
                entries[String(rest)] = false
            }
        }
        if entries.isEmpty {
            if paths.contains(path) { return [path] }
            throw ShellError("ls: \(path): no such file or directory")
        }
        return entries.keys.sorted().map { entries[$0] == true ? $0 + "/" : $0 }
    }

    func cat(_ args: [String]) throws(ShellError) -> [String] {
        guard let raw = args.first else { throw Shell.usageError("cat", "missing PATH") }
        guard args.count == 1 else { throw Shell.usageError("cat", "too many arguments") }
        let path = Shell.normalizeDevPath(raw)
        let paths = system.devfsPaths()
        guard paths.contains(path) else {
            if paths.contains(where: { $0.hasPrefix(path + "/") }) {
                throw ShellError("cat: \(path): is a directory")
            }
            throw ShellError("cat: \(path): no such file or directory")
        }
        return textLines(try system.describeDevice(path: path))
    }

    func crash(_ args: [String]) throws(ShellError) -> [String] {
        guard let driver = args.first else { throw Shell.usageError("crash", "missing DRIVER") }
        guard args.count == 1 else { throw Shell.usageError("crash", "too many arguments") }
        return try system.crash(driver: driver)
    }

    func hotplug(_ args: [String]) throws(ShellError) -> [String] {
        switch args {
        case ["add"]: return try system.hotplug(add: true)
        case ["remove"]: return try system.hotplug(add: false)
        case []: throw Shell.usageError("hotplug", "missing add or remove")
        default:
            if args.count > 1 { throw Shell.usageError("hotplug", "too many arguments") }
            throw Shell.usageError("hotplug", "expected add or remove, not '\(args[0])'")
        }
    }

    func fb(_ args: [String]) throws(ShellError) -> [String] {
        guard args.first == "--png" else {
            if let first = args.first { throw Shell.usageError("fb", "unexpected argument '\(first)'") }
            throw Shell.usageError("fb", "missing --png FILE")
        }
        guard args.count >= 2 else { throw Shell.usageError("fb", "--png needs a FILE") }
        guard args.count == 2 else { throw Shell.usageError("fb", "too many arguments") }
        return [try system.writeFramebufferPNG(to: args[1])]
    }

    func trace(_ args: [String]) throws(ShellError) -> [String] {
        guard args.first == "faults" else {
            if let first = args.first { throw Shell.usageError("trace", "unknown trace '\(first)'") }
            throw Shell.usageError("trace", "missing what to trace")
        }
        guard args.count == 2 else {
            throw Shell.usageError("trace", args.count < 2 ? "missing on or off" : "too many arguments")
        }
        switch args[1] {
        case "on":
            setTracing(true)
            return ["fault tracing on"]
        case "off":
            setTracing(false)
            return ["fault tracing off"]
        default:
            throw Shell.usageError("trace", "expected on or off, not '\(args[1])'")
        }
    }

    func log() -> [String] {
        var lines = ["--- boot log (\(system.machineName)) ---"]
        lines += system.bootLog
        let recent = system.kernel.recentLog
        lines.append("--- kernel log (\(recent.count) recent) ---")
        lines += recent
        return lines
    }

    /// Splits a system's multi-line text into lines (a trailing newline adds no empty line).
    func textLines(_ text: String) -> [String] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    /// "/dev/class/" → "/dev/class"; "class/ethernet" → "/dev/class/ethernet"; "dev" → "/dev".
    static func normalizeDevPath(_ raw: String) -> String {
        var path = raw
        if path == "dev" || path.hasPrefix("dev/") {
            path = "/" + path
        } else if !path.hasPrefix("/") {
            path = "/dev/" + path
        }
        let parts = path.split(separator: "/").filter { $0 != "." && !$0.isEmpty }
        return "/" + parts.joined(separator: "/")
    }
}
