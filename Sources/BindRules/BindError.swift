// BindError: why a bind rule or bind library source was rejected, at which line and column.
// bindc reports numbered errors (E006 "Missing semicolon (;).", E108 "Bind rules refers to undefined
// identifier", …) with the unparsed remainder of the input; here every error names the 1-based line
// and column (in Unicode scalars) of the offending token instead.
// Fuchsia counterpart: src/devices/lib/bind/src/errors.rs (`UserError`).

/// A rejected bind rule or library: `"3:14: expected '{' after accept key"`.
public struct BindError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 1-based line of the problem in the source that was compiled.
    public var line: Int
    /// 1-based column (Unicode scalars from the start of the line).
    public var column: Int
    public var message: String

    public init(line: Int, column: Int, message: String) {
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String { "\(line):\(column): \(message)" }
}

/// A place in a source text.
struct SourceLocation: Sendable, Hashable {
    var line: Int
    var column: Int

    static let start = SourceLocation(line: 1, column: 1)

    func error(_ message: String) -> BindError {
        BindError(line: line, column: column, message: message)
    }
}
