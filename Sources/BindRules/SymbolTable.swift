// SymbolTable: every key and value a rules file can name, built from the libraries it uses (and
// theirs, transitively) on top of the built-in `fuchsia` legacy keys. Library problems that only
// show when libraries meet (a key declared twice, extending an undeclared key, extending with a
// different type, a value defined twice) are found here.
// Fuchsia counterpart: src/devices/lib/bind/src/compiler/symbol_table.rs
// (`construct_symbol_table`, `resolve_dependencies`) and compiler/dependency_graph.rs.

struct SymbolTable {
    enum Symbol {
        case key(BindValueType)
        case value(BindValue)
    }

    /// A library-level problem; the compiler reports it at the `using` that brought it in.
    struct Problem: Error {
        var message: String
    }

    /// Every key and its type.
    private(set) var keys: [String: BindValueType] = [:]
    /// Every value, by namespace (`fuchsia.pci.BIND_PCI_VID`) and member (`INTEL`).
    private(set) var values: [String: [String: BindValue]] = [:]
    /// The libraries added so far.
    private(set) var libraries: Set<String> = []

    /// The table holding just the built-in `fuchsia` keys, built once.
    static let builtin: SymbolTable = {
        var table = SymbolTable()
        try? table.add(BindLibrary.fuchsia)
        return table
    }()

    subscript(name: String) -> Symbol? {
        if let type = keys[name] { return .key(type) }
        let (namespace, member) = splitLast(name)
        return values[namespace]?[member].map(Symbol.value)
    }

    /// Whether some value lives under `namespace`, for messages.
    func hasValues(in namespace: String) -> Bool { values[namespace] != nil }

    mutating func add(_ library: BindLibrary) throws(Problem) {
        if let duplicate = library.duplicateValue { throw Problem(message: duplicate) }
        for declaration in library.declarations {
            let at = "library '\(library.name)' line \(declaration.line)"
            if let type = keys[declaration.key] {
                guard declaration.extends else {
                    throw Problem(message: "\(at): key '\(declaration.key)' is declared twice")
                }
                guard type == declaration.type else {
                    throw Problem(message:
                        "\(at): '\(declaration.key)' is a \(type) key but is extended as \(declaration.type)")
                }
            } else if case .value? = self[declaration.key] {
                throw Problem(message: "\(at): '\(declaration.key)' is a value, not a key")
            } else {
                guard !declaration.extends else {
                    throw Problem(message: "\(at): extends '\(declaration.key)', which no library declares")
                }
                keys[declaration.key] = declaration.type
            }
        }
        // Value namespaces are `<library>.<key>`, so two libraries' namespaces never coincide and
        // a value can only collide with a key of a library named like its namespace.
        for (namespace, members) in library.valueNamespaces {
            if let existing = values[namespace] {
                for member in members.keys where existing[member] != nil {
                    throw Problem(message: "library '\(library.name)': '\(namespace).\(member)' is defined twice")
                }
                values[namespace] = existing.merging(members) { old, _ in old }
            } else {
                values[namespace] = members
            }
            if libraries.contains(namespace) || namespace == "fuchsia" {
                for member in members.keys where keys[namespace + "." + member] != nil {
                    throw Problem(message: "library '\(library.name)': '\(namespace).\(member)' is defined twice")
                }
            }
        }
        libraries.insert(library.name)
    }

    /// `roots` and everything they use, dependencies before dependents, each once. Throws the
    /// root whose closure names a missing library or has a cycle.
    static func closure(
        of roots: [String], in available: [String: BindLibrary]
    ) throws(ClosureProblem) -> [BindLibrary] {
        var order: [BindLibrary] = []
        var state: [String: Bool] = [:]  // false: on the current path; true: done
        for (index, root) in roots.enumerated() {
            do throws(Problem) {
                try visit(root, from: nil, available: available, state: &state, order: &order)
            } catch {
                throw ClosureProblem(rootIndex: index, message: error.message)
            }
        }
        return order
    }

    struct ClosureProblem: Error {
        var rootIndex: Int
        var message: String
    }

    private static func visit(
        _ name: String, from parent: String?, available: [String: BindLibrary],
        state: inout [String: Bool], order: inout [BindLibrary]
    ) throws(Problem) {
        switch state[name] {
        case true?: return
        case false?:
            throw Problem(message: "circular dependency: library '\(parent ?? name)' uses '\(name)', which uses it back")
        case nil: break
        }
        guard let library = available[name] else {
            throw Problem(message: "library '\(parent ?? "?")' uses '\(name)', which is not available")
        }
        state[name] = false
        for dependency in library.dependencies {
            try visit(dependency, from: name, available: available, state: &state, order: &order)
        }
        state[name] = true
        order.append(library)
    }
}
