// Compiler: turns parsed rules into resolved statements. Checks the `using` list (unknown or
// repeated libraries, repeated aliases), resolves every key and value against the symbol table
// (aliases rewritten first), type-checks each comparison (bindc's encoder rejects comparing values
// of different types), and enforces the language restrictions: an `if` is the last statement of
// its block, and `true` / `false` (`abort`) stand alone in theirs.
// Fuchsia counterpart: src/devices/lib/bind/src/compiler/compiler.rs (`compile_bind`,
// `compile_bind_composite`, `Compiler::compile_block`) and bytecode_encoder's type checks.

/// A resolved `key == value` / `key != value`.
struct CompiledCondition: Sendable {
    var key: BindKey
    var isEqual: Bool
    var value: BindValue
    var line: Int
}

/// A resolved statement. A block is a conjunction evaluated in order.
indirect enum CompiledStatement: Sendable {
    case condition(CompiledCondition)
    case accept(key: BindKey, values: [BindValue], line: Int)
    case branch(arms: [CompiledArm], otherwise: [CompiledStatement])
    case constant(Bool, line: Int)
}

struct CompiledArm: Sendable {
    var condition: CompiledCondition
    var block: [CompiledStatement]
}

struct Compiler {
    private let available: [String: BindLibrary]
    private var aliases: [String: String] = [:]
    private var table = SymbolTable()

    private init(available: [String: BindLibrary]) {
        self.available = available
    }

    /// Compiles `syntax`; returns the plain rules' statements and the composite nodes.
    static func compile(
        _ syntax: RulesSyntax, libraries: [BindLibrary]
    ) throws(BindError) -> (statements: [CompiledStatement], nodes: [BindNode]) {
        var available: [String: BindLibrary] = [:]
        for library in libraries where available[library.name] == nil { available[library.name] = library }
        if available["fuchsia"] == nil { available["fuchsia"] = BindLibrary.fuchsia }

        var compiler = Compiler(available: available)
        try compiler.importLibraries(syntax.usings)
        let statements = try compiler.block(syntax.statements)
        var nodes: [BindNode] = []
        for node in syntax.nodes {
            nodes.append(BindNode(name: node.name, kind: node.kind, statements: try compiler.block(node.statements)))
        }
        return (statements, nodes)
    }

    // MARK: Libraries

    private mutating func importLibraries(_ usings: [UsingSyntax]) throws(BindError) {
        var seen: Set<String> = []
        for using in usings {
            let name = using.library.name
            guard available[name] != nil else {
                throw using.library.location.error("unknown bind library '\(name)'")
            }
            guard seen.insert(name).inserted else {
                throw using.library.location.error("duplicate 'using \(name);'")
            }
            if let alias = using.alias {
                let location = using.aliasLocation ?? using.library.location
                guard aliases[alias] == nil else { throw location.error("duplicate alias '\(alias)'") }
                aliases[alias] = name
            }
        }
        let roots = ["fuchsia"] + usings.map(\.library.name)
        let ordered: [BindLibrary]
        do throws(SymbolTable.ClosureProblem) {
            ordered = try SymbolTable.closure(of: roots, in: available)
        } catch {
            throw location(ofRoot: error.rootIndex, usings).error(error.message)
        }
        for library in ordered {
            if library.isBuiltin && table.libraries.isEmpty {
                table = SymbolTable.builtin
                continue
            }
            do throws(SymbolTable.Problem) {
                try table.add(library)
            } catch {
                let index = usings.firstIndex { importReaches($0.library.name, library.name) } ?? -1
                throw location(ofRoot: index + 1, usings).error(error.message)
            }
        }
    }

    /// Root 0 is the implicit `fuchsia`; root i > 0 is `usings[i - 1]`.
    private func location(ofRoot index: Int, _ usings: [UsingSyntax]) -> SourceLocation {
        index > 0 && index <= usings.count ? usings[index - 1].library.location : .start
    }

    /// Whether importing `root` brings in `target`.
    private func importReaches(_ root: String, _ target: String) -> Bool {
        var stack = [root]
        var seen: Set<String> = []
        while let name = stack.popLast() {
            if name == target { return true }
            guard seen.insert(name).inserted, let library = available[name] else { continue }
            stack.append(contentsOf: library.dependencies)
        }
        return false
    }

    // MARK: Statements

    private func block(_ statements: [StatementSyntax]) throws(BindError) -> [CompiledStatement] {
        var compiled: [CompiledStatement] = []
        for (index, statement) in statements.enumerated() {
            switch statement {
            case .condition(let condition):
                compiled.append(.condition(try resolve(condition)))
            case .accept(let keySyntax, let valueSyntaxes, let location):
                let (key, type) = try resolveKey(keySyntax)
                var values: [BindValue] = []
                for valueSyntax in valueSyntaxes {
                    values.append(try resolveValue(valueSyntax, comparedWith: key, of: type))
                }
                compiled.append(.accept(key: key, values: values, line: location.line))
            case .ifElse(let branches, let elseBlock, _):
                if index + 1 < statements.count {
                    throw statements[index + 1].location.error(
                        "no statement may follow an if statement; it must be the last in its block")
                }
                var arms: [CompiledArm] = []
                for branch in branches {
                    arms.append(CompiledArm(condition: try resolve(branch.condition), block: try block(branch.block)))
                }
                compiled.append(.branch(arms: arms, otherwise: try block(elseBlock)))
            case .constant(let value, let keyword, let location):
                guard statements.count == 1 else {
                    throw location.error("'\(keyword)' must be the only statement in its block")
                }
                compiled.append(.constant(value, line: location.line))
            }
        }
        return compiled
    }

    private func resolve(_ condition: ConditionSyntax) throws(BindError) -> CompiledCondition {
        let (key, type) = try resolveKey(condition.key)
        let value = try resolveValue(condition.value, comparedWith: key, of: type)
        return CompiledCondition(key: key, isEqual: condition.isEqual, value: value, line: condition.key.location.line)
    }

    /// The name with a leading alias replaced by its library: `pci.X` → `fuchsia.pci.X`.
    private func qualified(_ identifier: Identifier) -> String {
        guard identifier.segments.count > 1, let library = aliases[identifier.segments[0]] else {
            return identifier.name
        }
        return ([library] + identifier.segments.dropFirst()).joined(separator: ".")
    }

    private func resolveKey(_ identifier: Identifier) throws(BindError) -> (BindKey, BindValueType) {
        let name = qualified(identifier)
        switch table[name] {
        case .key(let type)?:
            return (BindKey(name), type)
        case .value?:
            throw identifier.location.error("'\(name)' is a value, not a key")
        case nil:
            throw identifier.location.error("unknown key '\(name)'" + missingImportHint(name))
        }
    }

    private func resolveValue(
        _ syntax: ValueSyntax, comparedWith key: BindKey, of keyType: BindValueType
    ) throws(BindError) -> BindValue {
        let value: BindValue
        switch syntax.literal {
        case .number(let number): value = .int(number)
        case .string(let string): value = .string(string)
        case .bool(let bool): value = .bool(bool)
        case .identifier(let identifier):
            let name = qualified(identifier)
            switch table[name] {
            case .value(let resolved)?:
                value = resolved
            case .key?:
                throw syntax.location.error("'\(name)' is a key, not a value")
            case nil:
                let (namespace, member) = splitLast(name)
                if table.hasValues(in: namespace) {
                    throw syntax.location.error("'\(namespace)' has no value '\(member)'")
                }
                throw syntax.location.error("unknown identifier '\(name)'" + missingImportHint(name))
            }
        }
        guard value.type == keyType else {
            throw syntax.location.error(
                "type mismatch: '\(key.name)' is a \(keyType) key but \(syntax.text) is \(Compiler.describe(value.type))")
        }
        return value
    }

    private static func describe(_ type: BindValueType) -> String {
        switch type {
        case .uint: "a number"
        case .string: "a string"
        case .bool: "a bool"
        case .enumeration: "an enum value"
        }
    }

    /// `" (library 'fuchsia.usb' is not imported; add 'using fuchsia.usb;')"` when a prefix of
    /// `name` names a library that exists but is not in scope.
    private func missingImportHint(_ name: String) -> String {
        var segments = name.split(separator: ".").map(String.init)
        while segments.count > 1 {
            segments.removeLast()
            let prefix = segments.joined(separator: ".")
            if available[prefix] != nil && !table.libraries.contains(prefix) {
                return " (library '\(prefix)' is not imported; add 'using \(prefix);')"
            }
        }
        return ""
    }
}
