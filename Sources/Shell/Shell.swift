// Shell: the `zirconia shell`. Reads one command line at a time (interactively, from a script
// file or from standard input), runs it against a booted system behind `ShellSystem`, and
// returns its output lines or an `error: ...` message. Never crashes on input: every bad
// command or argument becomes an error line.
//
// Zircon counterpart: the commands of a Fuchsia device shell — `dm dump` / `dm drivers`
// (driver_manager's DebugDumper), `ls` / `cat` on /dev, psutils' `ps`, `vmaps`, `vmos`,
// `kstats -m` / `kmem`, and `dlog` for the log — gathered in one dispatcher.

import Synchronization
import ZirconKernel

/// What one command line produced.
public struct ShellOutput: Sendable, Equatable {
    /// The command's output, one entry per line (without newlines).
    public var lines: [String]
    /// Why the command failed (printed as `error: <message>`), or nil on success.
    public var error: String?
    /// Whether the shell should stop after this command (`exit` / `quit`).
    public var exits: Bool

    public init(lines: [String] = [], error: String? = nil, exits: Bool = false) {
        self.lines = lines
        self.error = error
        self.exits = exits
    }

    /// The output lines, then the error line if any.
    public var allLines: [String] { lines + (error.map { ["error: " + $0] } ?? []) }
    /// `allLines` joined with newlines.
    public var text: String { allLines.joined(separator: "\n") }
}

/// What a script run produced.
public struct ShellRunResult: Sendable, Equatable {
    /// Every output line of every command, errors included (as `error: ...`), in order.
    public var lines: [String]
    /// How many commands were run (comments and blank lines excluded).
    public var commands: Int
    /// How many of them failed.
    public var errors: Int
    /// Whether the script stopped at `exit` / `quit`.
    public var exited: Bool

    public var text: String { lines.joined(separator: "\n") }
}

/// The shell over a booted system.
public final class Shell {
    /// The prompt an interactive session shows.
    public static let prompt = "zirconia> "

    public let system: any ShellSystem
    /// Where `trace faults on` lines go; nil: buffered, and printed before the next command's output.
    private let traceOutput: (@Sendable (String) -> Void)?
    private let traceBuffer = TraceBuffer()
    private(set) public var isTracingFaults = false

    /// - Parameters:
    ///   - system: the booted system the commands look at.
    ///   - traceOutput: receives each fault-trace line as it happens (from any thread); nil keeps
    ///     them until the next `execute` call, whose output starts with them.
    public init(system: any ShellSystem, traceOutput: (@Sendable (String) -> Void)? = nil) {
        self.system = system
        self.traceOutput = traceOutput
    }

    deinit {
        if isTracingFaults { system.setFaultTracing(nil) }
    }

    // MARK: Running commands

    /// Runs one command line. Blank lines and `#` comments produce no output.
    public func execute(_ line: String) -> ShellOutput {
        var output: ShellOutput
        do {
            let words = try ShellLexer.split(line)
            if let name = words.first {
                output = try dispatch(name, Array(words.dropFirst()))
            } else {
                output = ShellOutput()
            }
        } catch {
            output = ShellOutput(error: error.description)
        }
        let traced = traceBuffer.drain()
        if !traced.isEmpty { output.lines = traced + output.lines }
        return output
    }

    /// Runs a script's lines in order until the end or `exit`. Each command's output is passed
    /// to `output` as it finishes; with `echo`, the command itself first, after the prompt.
    @discardableResult
    public func run(lines: some Sequence<String>, echo: Bool = false,
                    output: (ShellOutput) -> Void = { _ in }) -> ShellRunResult {
        var result = ShellRunResult(lines: [], commands: 0, errors: 0, exited: false)
        for line in lines {
            let trimmed = line.trimmingWhitespace
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            var out = execute(trimmed)
            if echo { out.lines.insert(Shell.prompt + trimmed, at: 0) }
            result.commands += 1
            if out.error != nil { result.errors += 1 }
            result.lines += out.allLines
            output(out)
            if out.exits {
                result.exited = true
                break
            }
        }
        return result
    }

    /// Runs a script given as text (one command per line).
    @discardableResult
    public func run(script: String, echo: Bool = false,
                    output: (ShellOutput) -> Void = { _ in }) -> ShellRunResult {
        run(lines: script.split(separator: "\n", omittingEmptySubsequences: false).map(String.init),
            echo: echo, output: output)
    }

    // MARK: Dispatch

    private func dispatch(_ name: String, _ args: [String]) throws(ShellError) -> ShellOutput {
        guard let command = Shell.commands.first(where: { $0.name == name || $0.aliases.contains(name) }) else {
            throw ShellError(Shell.unknownCommandMessage(name))
        }
        switch command.name {
        case "help": return try help(args)
        case "exit":
            try expectNoArguments(args, command)
            if isTracingFaults { setTracing(false) }
            return ShellOutput(exits: true)
        case "dm": return ShellOutput(lines: try dm(args))
        case "ls": return ShellOutput(lines: try ls(args))
        case "cat": return ShellOutput(lines: try cat(args))
        case "ps":
            try expectNoArguments(args, command)
            return ShellOutput(lines: ps())
        case "vmaps": return ShellOutput(lines: try vmaps(args))
        case "vmos": return ShellOutput(lines: try vmos(args))
        case "kmem":
            try expectNoArguments(args, command)
            return ShellOutput(lines: kmem())
        case "trace": return ShellOutput(lines: try trace(args))
        case "crash": return ShellOutput(lines: try crash(args))
        case "hotplug": return ShellOutput(lines: try hotplug(args))
        case "fb": return ShellOutput(lines: try fb(args))
        case "log":
            try expectNoArguments(args, command)
            return ShellOutput(lines: log())
        default: throw ShellError("\(name): not implemented")
        }
    }

    func expectNoArguments(_ args: [String], _ command: ShellCommandInfo) throws(ShellError) {
        if let extra = args.first {
            throw ShellError("\(command.name): unexpected argument '\(extra)' (usage: \(command.usage))")
        }
    }

    /// The usage error for `command` (by name).
    static func usageError(_ name: String, _ problem: String) -> ShellError {
        let usage = commands.first { $0.name == name }?.usage ?? name
        return ShellError("\(name): \(problem) (usage: \(usage))")
    }

    // MARK: Help and suggestions

    /// Every command, in the order `help` lists them.
    public static let commands: [ShellCommandInfo] = [
        .init("help", "help [COMMAND]", "list the commands, or show one command's usage"),
        .init("dm", "dm dump [--json] | dm drivers", "the device tree (as driver_manager dumps it) or the drivers"),
        .init("ls", "ls [PATH]", "list devfs one level under PATH (default /dev)"),
        .init("cat", "cat PATH", "describe the device published at a devfs path"),
        .init("ps", "ps", "processes: koid, memory (PSS, private, shared), state, threads, handles, name"),
        .init("vmaps", "vmaps PID", "the address-space tree of a process (ZX_INFO_PROCESS_MAPS)"),
        .init("vmos", "vmos PID", "the VMOs a process maps or holds handles to (ZX_INFO_PROCESS_VMOS)"),
        .init("kmem", "kmem", "physical memory: total, free, VMOs, wired, MMU (like kstats -m)"),
        .init("trace", "trace faults on|off", "stream every page-fault step of every driver host"),
        .init("crash", "crash DRIVER", "inject a fatal fault into DRIVER's host and watch it be rebound"),
        .init("hotplug", "hotplug add|remove", "insert or remove the card in the hot-plug slot"),
        .init("fb", "fb --png FILE", "write what is on the screen to a PNG file"),
        .init("log", "log", "the boot log, then the recent kernel log"),
        .init("exit", "exit", "leave the shell", aliases: ["quit"]),
    ]

    private func help(_ args: [String]) throws(ShellError) -> ShellOutput {
        switch args.count {
        case 0:
            let width = (Shell.commands.map(\.usage.count).max() ?? 0) + 2
            var lines = ["Commands:"]
            for command in Shell.commands {
                var line = "  " + command.usage.padded(to: width) + command.summary
                if !command.aliases.isEmpty { line += " (also: \(command.aliases.joined(separator: ", ")))" }
                lines.append(line)
            }
            lines.append("Scripts: one command per line; blank lines and lines starting with # are ignored.")
            return ShellOutput(lines: lines)
        case 1:
            let name = args[0]
            guard let command = Shell.commands.first(where: { $0.name == name || $0.aliases.contains(name) }) else {
                throw ShellError("help: " + Shell.unknownCommandMessage(name))
            }
            return ShellOutput(lines: ["usage: \(command.usage)", command.summary])
        default:
            throw Shell.usageError("help", "too many arguments")
        }
    }

    /// "unknown command 'X'" with the closest command name, when one is close enough.
    static func unknownCommandMessage(_ name: String) -> String {
        var message = "unknown command '\(name)'"
        let names = commands.flatMap { [$0.name] + $0.aliases }
        let scored = names.map { ($0, editDistance($0, name)) }
        if let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, name.count / 2) {
            message += "; did you mean '\(best.0)'?"
        }
        return message + " (try 'help')"
    }

    /// Levenshtein distance between two strings (by characters).
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    // MARK: Fault tracing

    func setTracing(_ on: Bool) {
        isTracingFaults = on
        if on {
            let sink: @Sendable (String) -> Void
            if let traceOutput {
                sink = traceOutput
            } else {
                let buffer = traceBuffer
                sink = { buffer.append($0) }
            }
            system.setFaultTracing(sink)
        } else {
            system.setFaultTracing(nil)
        }
    }
}

/// One command: its name, usage line and one-line description.
public struct ShellCommandInfo: Sendable, Equatable {
    public var name: String
    public var usage: String
    public var summary: String
    public var aliases: [String]

    init(_ name: String, _ usage: String, _ summary: String, aliases: [String] = []) {
        self.name = name
        self.usage = usage
        self.summary = summary
        self.aliases = aliases
    }
}

/// Fault-trace lines waiting for the next command (written from the tracing threads).
final class TraceBuffer: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    func drain() -> [String] {
        lines.withLock { list in
            defer { list.removeAll() }
            return list
        }
    }
}

/// Splits a command line into words: whitespace separates, double or single quotes group,
/// a backslash escapes the next character. Unterminated quotes are an error.
enum ShellLexer {
    static func split(_ line: String) throws(ShellError) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for character in line {
            if escaped {
                current.append(character)
                escaped = false
                continue
            }
            if character == "\\" && quote != "'" {
                escaped = true
                inWord = true
                continue
            }
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
                continue
            }
            if character == "\"" || character == "'" {
                quote = character
                inWord = true
            } else if character == "#" && !inWord {
                break  // the rest of the line is a comment
            } else if character.isWhitespace {
                if inWord {
                    words.append(current)
                    current = ""
                    inWord = false
                }
            } else {
                current.append(character)
                inWord = true
            }
        }
        if quote != nil { throw ShellError("unterminated quote") }
        if escaped { current.append("\\") }
        if inWord { words.append(current) }
        return words
    }
}

extension String {
    var trimmingWhitespace: String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice = slice.dropFirst() }
        while let last = slice.last, last.isWhitespace { slice = slice.dropLast() }
        return String(slice)
    }

    /// Left-aligned in `width` columns (never truncated).
    func padded(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }

    /// Right-aligned in `width` columns (never truncated), like printf's `%*s`.
    func rightAligned(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
