// BindProgram: compiled, validated bind rules and their evaluation against a device's properties.
// Evaluation follows the bind interpreter: statements run in order and the first that fails stops
// the match; a property the device lacks makes `==` false and `!=` true (so `accept` fails and an
// `if` takes its next arm); comparing a property with a value of another type is an error that
// fails the match (bindc's MismatchValueTypes), reported as such.
// Fuchsia counterpart: src/devices/lib/bind/src/interpreter/match_bind.rs (`DeviceMatcher`,
// `compare_symbols`) over compiler/compiler.rs's instruction stream; composite rules per
// parser/bind_composite.rs. docs: development/drivers/concepts/device_driver_model/driver-binding.md.

/// Bind rules, compiled against a set of libraries.
public struct BindProgram: Sendable {
    /// The rules as given, for `dm drivers`-style listings.
    public var source: String
    /// The composite name (`composite virtio_input;` → `"virtio_input"`); nil for plain rules.
    public var name: String?
    /// The libraries named by `using`, in order.
    public var libraries: [String]
    /// A composite's nodes in source order (exactly one `.primary`); empty for plain rules.
    public var nodes: [BindNode]
    private var statements: [CompiledStatement]

    /// Parses and validates `source` against `libraries` (the built-in `fuchsia` legacy keys are
    /// always available). Throws the first problem, at its line and column in `source`.
    public static func compile(
        _ source: String, libraries: [BindLibrary] = BindLibrary.standard
    ) throws(BindError) -> BindProgram {
        let syntax = try RulesParser.parse(source)
        let compiled = try Compiler.compile(syntax, libraries: libraries)
        return BindProgram(
            source: source, name: syntax.compositeName?.name, libraries: syntax.usings.map(\.library.name),
            nodes: compiled.nodes, statements: compiled.statements)
    }

    public var isComposite: Bool { name != nil }

    /// A composite's primary node.
    public var primaryNode: BindNode? { nodes.first { $0.kind == .primary } }

    /// Whether a device with `properties` satisfies the rules (for a composite, its primary node).
    public func matches(_ properties: DeviceProperties) -> Bool {
        evaluate(properties) == .match
    }

    /// The outcome, with the failing line and reason when there is no match (for a composite,
    /// of its primary node).
    public func evaluate(_ properties: DeviceProperties) -> BindOutcome {
        if let primaryNode { return primaryNode.evaluate(properties) }
        return Evaluator.run(statements, properties)
    }
}

/// One node of composite bind rules: the rules one parent device must satisfy.
public struct BindNode: Sendable {
    public enum Kind: Sendable, Hashable {
        /// `primary node`: the parent whose driver host the composite joins.
        case primary
        /// `node`: a required parent.
        case additional
        /// `optional node`: a parent the composite may go without.
        case optional
    }

    public var name: String
    public var kind: Kind
    var statements: [CompiledStatement]

    public func matches(_ properties: DeviceProperties) -> Bool {
        evaluate(properties) == .match
    }

    public func evaluate(_ properties: DeviceProperties) -> BindOutcome {
        Evaluator.run(statements, properties)
    }
}

/// The result of evaluating rules against a device.
public enum BindOutcome: Sendable, Equatable, CustomStringConvertible {
    case match
    /// The statement on `line` failed, for `reason`.
    case noMatch(line: Int, reason: String)

    public var description: String {
        switch self {
        case .match: "match"
        case .noMatch(let line, let reason): "no match: line \(line): \(reason)"
        }
    }
}

private enum Evaluator {
    /// A comparison's result: the property's relation to the value, or why it has none.
    enum Comparison {
        case equal
        case different(BindValue)
        case missing
        case typeMismatch(BindValue)
    }

    static func compare(_ properties: DeviceProperties, _ key: BindKey, _ value: BindValue) -> Comparison {
        guard let actual = properties[key] else { return .missing }
        guard actual.type == value.type else { return .typeMismatch(actual) }
        return actual == value ? .equal : .different(actual)
    }

    static func run(_ block: [CompiledStatement], _ properties: DeviceProperties) -> BindOutcome {
        for statement in block {
            switch statement {
            case .condition(let condition):
                switch check(condition, properties) {
                case .success(true): continue
                case .success(false): return failure(condition, properties)
                case .failure(let error): return error.outcome
                }
            case .accept(let key, let values, let line):
                guard let actual = properties[key] else {
                    return .noMatch(line: line, reason: "\(key) is missing, needs one of \(list(values))")
                }
                if let expected = values.first, expected.type != actual.type {
                    return mismatch(key, actual, expected, line)
                }
                guard values.contains(actual) else {
                    return .noMatch(line: line, reason: "\(key) is \(actual), not one of \(list(values))")
                }
            case .branch(let arms, let otherwise):
                for arm in arms {
                    switch check(arm.condition, properties) {
                    case .success(true): return run(arm.block, properties)
                    case .success(false): continue
                    case .failure(let error): return error.outcome
                    }
                }
                return run(otherwise, properties)
            case .constant(let value, let line):
                if !value { return .noMatch(line: line, reason: "the rules say false") }
            }
        }
        return .match
    }

    /// Whether `condition` holds; a type mismatch is the failure.
    static func check(_ condition: CompiledCondition, _ properties: DeviceProperties) -> Result<Bool, MismatchError> {
        switch compare(properties, condition.key, condition.value) {
        case .equal: .success(condition.isEqual)
        case .different, .missing: .success(!condition.isEqual)
        case .typeMismatch(let actual):
            .failure(MismatchError(mismatch(condition.key, actual, condition.value, condition.line)))
        }
    }

    struct MismatchError: Error {
        var outcome: BindOutcome
        init(_ outcome: BindOutcome) { self.outcome = outcome }
    }

    static func failure(_ condition: CompiledCondition, _ properties: DeviceProperties) -> BindOutcome {
        let op = condition.isEqual ? "==" : "!="
        let actual = properties[condition.key].map { "is \($0)" } ?? "is missing"
        return .noMatch(line: condition.line, reason: "\(condition.key) \(actual), needs \(op) \(condition.value)")
    }

    static func mismatch(_ key: BindKey, _ actual: BindValue, _ expected: BindValue, _ line: Int) -> BindOutcome {
        .noMatch(line: line, reason:
            "\(key) is \(actual) (\(actual.type)), which cannot be compared with \(expected) (\(expected.type))")
    }

    static func list(_ values: [BindValue]) -> String {
        "{" + values.map(\.description).joined(separator: ", ") + "}"
    }
}
