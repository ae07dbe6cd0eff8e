// BindLibrary: a parsed bind library, the shared definitions of keys and their named values that
// rules refer to (`fuchsia.pci.BIND_PCI_VID.INTEL`). The grammar (driver-binding.md):
//
//   library     = "library" id ";" { "using" id [ "as" IDENT ] ";" } { declaration ";" }
//   declaration = [ "extend" ] type id [ "{" [ item { "," item } [ "," ] ] "}" ]
//   type        = "uint" | "string" | "bool" | "enum"
//   item        = IDENT "=" literal   (uint, string, bool)  |  IDENT   (enum)
//
// A new key is named in the library's namespace (`library fuchsia.acpi; string hid;` declares
// `fuchsia.acpi.hid`); `extend` adds values to a key declared elsewhere, qualified by a `using` name
// or alias, or by `fuchsia` for the legacy keys. Values always live under the declaring library:
// `library fuchsia.pci; extend uint fuchsia.BIND_PCI_VID { INTEL = 0x8086 };` defines
// `fuchsia.pci.BIND_PCI_VID.INTEL`. Cross-library checks (duplicates, extending an undeclared
// key, type mismatches) happen when rules are compiled against a set of libraries.
// Fuchsia counterpart: src/devices/lib/bind/src/parser/bind_library.rs and the extension rules of
// compiler/symbol_table.rs (`find_qualified_identifier`, `construct_symbol_table`).

/// A bind library: its name, the libraries it uses, and its key declarations.
public struct BindLibrary: Sendable {
    /// One `[extend] type key { values };`.
    public struct Declaration: Sendable {
        /// The fully qualified key: `fuchsia.acpi.hid`, or the extended key `fuchsia.BIND_PCI_VID`.
        public var key: String
        public var type: BindValueType
        /// Whether this adds values to a key declared elsewhere.
        public var extends: Bool
        /// The values, in source order, each under its fully qualified name.
        public var values: [NamedValue]
        /// Where the declaration starts in the library source.
        public var line: Int
        public var column: Int

        public init(key: String, type: BindValueType, extends: Bool, values: [NamedValue], line: Int = 1, column: Int = 1) {
            self.key = key
            self.type = type
            self.extends = extends
            self.values = values
            self.line = line
            self.column = column
        }
    }

    /// A named value: `fuchsia.pci.BIND_PCI_VID.INTEL` = 0x8086.
    public struct NamedValue: Sendable, Hashable {
        public var name: String
        public var value: BindValue

        public init(name: String, value: BindValue) {
            self.name = name
            self.value = value
        }
    }

    /// `fuchsia.pci`.
    public let name: String
    /// The libraries named by this library's `using` declarations.
    public let dependencies: [String]
    public let declarations: [Declaration]

    /// The values by namespace: `"fuchsia.pci.BIND_PCI_VID"` → `["INTEL": .int(0x8086), …]`.
    /// Precomputed so compiling rules costs per declaration, not per value.
    let valueNamespaces: [String: [String: BindValue]]
    /// A value defined twice in this library (two declarations sharing a namespace), if any.
    let duplicateValue: String?
    /// Set only on `BindLibrary.fuchsia`, whose symbol table is prebuilt.
    let isBuiltin: Bool

    public init(name: String, dependencies: [String] = [], declarations: [Declaration]) {
        self.init(name: name, dependencies: dependencies, declarations: declarations, isBuiltin: false)
    }

    init(name: String, dependencies: [String], declarations: [Declaration], isBuiltin: Bool) {
        self.name = name
        self.dependencies = dependencies
        self.declarations = declarations
        self.isBuiltin = isBuiltin
        var namespaces: [String: [String: BindValue]] = [:]
        var duplicate: String?
        for declaration in declarations {
            for value in declaration.values {
                let (namespace, member) = splitLast(value.name)
                if namespaces[namespace]?[member] != nil && duplicate == nil {
                    duplicate = "library '\(name)' line \(declaration.line): '\(value.name)' is defined twice"
                }
                namespaces[namespace, default: [:]][member] = value.value
            }
        }
        valueNamespaces = namespaces
        duplicateValue = duplicate
    }

    /// Parses a bind library source (`library fuchsia.pci; extend uint fuchsia.BIND_PCI_VID {…};`).
    /// Line and column of a thrown error are positions in `source`.
    public static func parse(_ source: String) throws(BindError) -> BindLibrary {
        var parser = LibraryParser(cursor: TokenCursor(try Lexer.tokenize(source)))
        return try parser.library()
    }

    /// The value named `name` (`"fuchsia.pci.BIND_PROTOCOL.DEVICE"`) in `libraries`, or nil: lets
    /// a bus driver publish the same values the rules compare with.
    public static func value(named name: String, in libraries: [BindLibrary] = standard) -> BindValue? {
        for library in libraries {
            for declaration in library.declarations {
                for value in declaration.values where value.name == name { return value.value }
            }
        }
        return nil
    }
}

private struct LibraryParser {
    var cursor: TokenCursor

    mutating func library() throws(BindError) -> BindLibrary {
        guard cursor.current.isWord("library") else {
            throw cursor.current.start.error("expected 'library' declaration, found \(cursor.current.quoted)")
        }
        cursor.advance()
        let name = try cursor.identifier("library name after 'library'").name
        try cursor.expectSemicolon(after: "library name")

        var usings: [(name: String, alias: String?)] = []
        while cursor.current.isWord("using") {
            cursor.advance()
            let library = try cursor.identifier("library name after 'using'").name
            var alias: String?
            if cursor.current.isWord("as") {
                cursor.advance()
                guard case .word(let word) = cursor.current.kind else {
                    throw cursor.current.start.error("expected alias name after 'as', found \(cursor.current.quoted)")
                }
                alias = word
                cursor.advance()
            }
            try cursor.expectSemicolon(after: "using declaration")
            usings.append((library, alias))
        }

        var declarations: [BindLibrary.Declaration] = []
        while !cursor.atEnd {
            declarations.append(try declaration(library: name, usings: usings))
            try cursor.expectSemicolon(after: "declaration")
        }
        return BindLibrary(name: name, dependencies: usings.map(\.name), declarations: declarations)
    }

    private mutating func declaration(
        library: String, usings: [(name: String, alias: String?)]
    ) throws(BindError) -> BindLibrary.Declaration {
        let start = cursor.current.start
        let extends = cursor.current.isWord("extend")
        if extends { cursor.advance() }
        let type: BindValueType
        switch cursor.current.kind {
        case .word("uint"): type = .uint
        case .word("string"): type = .string
        case .word("bool"): type = .bool
        case .word("enum"): type = .enumeration
        default:
            throw cursor.current.start.error("expected a type (uint, string, bool or enum), found \(cursor.current.quoted)")
        }
        cursor.advance()
        let identifier = try cursor.identifier("a key name")
        let baseName = identifier.segments[identifier.segments.count - 1]
        let key: String
        if identifier.segments.count == 1 {
            guard !extends else {
                throw identifier.location.error("cannot extend key '\(baseName)' with no namespace")
            }
            key = library + "." + baseName
        } else {
            guard extends else {
                throw identifier.location.error(
                    "cannot declare key '\(identifier.name)' with a namespace; did you mean 'extend'?")
            }
            let namespace = identifier.segments.dropLast().joined(separator: ".")
            if namespace == "fuchsia" {
                key = identifier.name
            } else if let using = usings.first(where: { $0.name == namespace || $0.alias == namespace }) {
                key = using.name + "." + baseName
            } else {
                throw identifier.location.error(
                    "cannot resolve '\(namespace)' in '\(identifier.name)': no using declaration names it")
            }
        }
        let values = try valueList(type: type, key: key, namespace: library + "." + baseName)
        return BindLibrary.Declaration(
            key: key, type: type, extends: extends, values: values, line: start.line, column: start.column)
    }

    private mutating func valueList(
        type: BindValueType, key: String, namespace: String
    ) throws(BindError) -> [BindLibrary.NamedValue] {
        guard cursor.current.isPunctuation(.leftBrace) else { return [] }
        cursor.advance()
        var values: [BindLibrary.NamedValue] = []
        var seen: Set<String> = []
        while !cursor.current.isPunctuation(.rightBrace) {
            guard case .word(let name) = cursor.current.kind else {
                throw cursor.current.start.error("expected a value name, found \(cursor.current.quoted)")
            }
            let location = cursor.advance().start
            guard seen.insert(name).inserted else {
                throw location.error("duplicate value '\(name)' in '\(key)'")
            }
            let qualified = namespace + "." + name
            if type == .enumeration {
                if cursor.current.isPunctuation(.assign) {
                    throw cursor.current.start.error("enum value '\(name)' takes no '=' literal")
                }
                values.append(BindLibrary.NamedValue(name: qualified, value: .enumValue(qualified)))
            } else {
                try cursor.expect(.assign, "expected '=' after value name '\(name)'")
                values.append(BindLibrary.NamedValue(name: qualified, value: try literal(type: type, name: name)))
            }
            if cursor.current.isPunctuation(.comma) {
                cursor.advance()
            } else if !cursor.current.isPunctuation(.rightBrace) {
                throw cursor.current.start.error("expected ',' or '}' after value '\(name)', found \(cursor.current.quoted)")
            }
        }
        cursor.advance()
        return values
    }

    private mutating func literal(type: BindValueType, name: String) throws(BindError) -> BindValue {
        let token = cursor.current
        let value: BindValue
        switch (type, token.kind) {
        case (.uint, .number(let number)): value = .int(number)
        case (.string, .string(let string)): value = .string(string)
        case (.bool, .word("true")): value = .bool(true)
        case (.bool, .word("false")): value = .bool(false)
        default:
            let wanted = switch type {
            case .uint: "a number"
            case .string: "a string"
            case .bool, .enumeration: "true or false"
            }
            throw token.start.error("value '\(name)' of a \(type) key must be \(wanted), found \(token.quoted)")
        }
        cursor.advance()
        return value
    }
}

/// `"a.b.c"` → `("a.b", "c")`; a name without a dot has an empty namespace.
func splitLast(_ name: String) -> (namespace: String, member: String) {
    guard let dot = name.lastIndex(of: ".") else { return ("", name) }
    return (String(name[..<dot]), String(name[name.index(after: dot)...]))
}
