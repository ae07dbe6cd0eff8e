// RulesParser: recursive descent over the bind rules grammar of driver-binding.md:
//
//   rules      = [ "composite" id ";" ] { "using" id [ "as" IDENT ] ";" } ( statement+ | node+ )
//   statement  = condition ";" | accept | if | ( "true" | "false" | "abort" ) ";"
//   condition  = id ( "==" | "!=" ) value
//   accept     = "accept" id "{" value { "," value } [ "," ] "}"
//   if         = "if" condition block { "else" "if" condition block } "else" block
//   block      = "{" statement+ "}"
//   node       = [ "primary" | "optional" ] ( "node" | "parent" ) STRING block
//   value      = NUMBER | STRING | "true" | "false" | id
//
// Only syntax is checked here; that `if` is terminal and `true`/`false` stand alone are the
// compiler's checks, as in bindc. Nesting is capped so hostile input cannot exhaust the stack.
// Fuchsia counterpart: src/devices/lib/bind/src/parser/bind_rules.rs, parser/bind_composite.rs.

struct RulesParser {
    /// The deepest `if` nesting accepted.
    static let maximumDepth = 32

    private var cursor: TokenCursor

    private init(_ tokens: [Token]) {
        cursor = TokenCursor(tokens)
    }

    static func parse(_ source: String) throws(BindError) -> RulesSyntax {
        var parser = RulesParser(try Lexer.tokenize(source))
        return try parser.rules()
    }

    private mutating func rules() throws(BindError) -> RulesSyntax {
        var compositeName: Identifier?
        let compositeLocation = cursor.current.start
        if cursor.current.isWord("composite"), case .word = cursor.peek(1).kind {
            cursor.advance()
            compositeName = try cursor.identifier("composite name after 'composite'")
            try cursor.expectSemicolon(after: "composite name")
        }
        let usings = try usingList()
        guard compositeName != nil else {
            var statements: [StatementSyntax] = []
            while !cursor.atEnd { statements.append(try statement(depth: 0)) }
            guard !statements.isEmpty else {
                throw cursor.current.start.error("bind rules must contain at least one statement")
            }
            return RulesSyntax(compositeName: nil, usings: usings, statements: statements, nodes: [])
        }
        let nodes = try nodeList(compositeLocation: compositeLocation)
        return RulesSyntax(compositeName: compositeName, usings: usings, statements: [], nodes: nodes)
    }

    private mutating func usingList() throws(BindError) -> [UsingSyntax] {
        var usings: [UsingSyntax] = []
        while cursor.current.isWord("using") && !cursor.startsCondition() {
            cursor.advance()
            let library = try cursor.identifier("library name after 'using'")
            var alias: String?
            var aliasLocation: SourceLocation?
            if cursor.current.isWord("as") {
                cursor.advance()
                guard case .word(let name) = cursor.current.kind else {
                    throw cursor.current.start.error("expected alias name after 'as', found \(cursor.current.quoted)")
                }
                alias = name
                aliasLocation = cursor.advance().start
            }
            try cursor.expectSemicolon(after: "using declaration")
            usings.append(UsingSyntax(library: library, alias: alias, aliasLocation: aliasLocation))
        }
        return usings
    }

    // MARK: Composite nodes

    private mutating func nodeList(compositeLocation: SourceLocation) throws(BindError) -> [NodeSyntax] {
        var nodes: [NodeSyntax] = []
        var names: Set<String> = []
        var sawPrimary = false
        while !cursor.atEnd {
            let node = try node()
            if node.kind == .primary {
                guard !sawPrimary else {
                    throw node.location.error("composite bind rules must have exactly one primary node; this is a second")
                }
                sawPrimary = true
            }
            guard names.insert(node.name).inserted else {
                throw node.location.error("duplicate node name \"\(node.name)\"")
            }
            nodes.append(node)
        }
        guard !nodes.isEmpty else {
            throw cursor.current.start.error("composite bind rules must contain at least one node")
        }
        guard sawPrimary else {
            throw compositeLocation.error("composite bind rules must have exactly one primary node; there is none")
        }
        return nodes
    }

    private mutating func node() throws(BindError) -> NodeSyntax {
        let location = cursor.current.start
        var kind = BindNode.Kind.additional
        if cursor.current.isWord("primary") {
            kind = .primary
            cursor.advance()
        } else if cursor.current.isWord("optional") {
            kind = .optional
            cursor.advance()
        }
        guard cursor.current.isWord("node") || cursor.current.isWord("parent") else {
            let message = kind == .additional
                ? "expected 'primary node', 'node' or 'optional node'"
                : "expected 'node' after '\(kind == .primary ? "primary" : "optional")'"
            throw cursor.current.start.error("\(message), found \(cursor.current.quoted)")
        }
        let keyword = cursor.advance().text
        guard case .string(let name) = cursor.current.kind else {
            throw cursor.current.start.error("expected node name (a string) after '\(keyword)', found \(cursor.current.quoted)")
        }
        cursor.advance()
        let statements = try block(depth: 0, what: "node")
        return NodeSyntax(kind: kind, name: name, location: location, statements: statements)
    }

    // MARK: Statements

    private mutating func statement(depth: Int) throws(BindError) -> StatementSyntax {
        let token = cursor.current
        if case .word(let word) = token.kind, !cursor.startsCondition() {
            switch word {
            case "if":
                return try ifStatement(depth: depth)
            case "accept":
                return try accept()
            case "true", "false", "abort":
                cursor.advance()
                try cursor.expectSemicolon(after: "'\(word)'")
                return .constant(word == "true", keyword: word, location: token.start)
            case "else":
                throw token.start.error("'else' without a preceding if block")
            case "using":
                throw token.start.error("'using' declarations must come before the first statement")
            default:
                break
            }
        }
        guard case .word = token.kind else {
            throw token.start.error("expected a statement (a condition, accept, if, true or false), found \(token.quoted)")
        }
        let condition = try condition()
        try cursor.expectSemicolon(after: "condition")
        return .condition(condition)
    }

    private mutating func condition() throws(BindError) -> ConditionSyntax {
        let key = try cursor.identifier("a key")
        let isEqual: Bool
        switch cursor.current.kind {
        case .punctuation(.equalEqual): isEqual = true
        case .punctuation(.notEqual): isEqual = false
        default:
            throw cursor.current.start.error("expected '==' or '!=' after '\(key.name)', found \(cursor.current.quoted)")
        }
        let op = cursor.advance().text
        let value = try value(context: "after '\(op)'")
        return ConditionSyntax(key: key, isEqual: isEqual, value: value)
    }

    private mutating func value(context: String) throws(BindError) -> ValueSyntax {
        let token = cursor.current
        switch token.kind {
        case .number(let number):
            cursor.advance()
            return ValueSyntax(literal: .number(number), location: token.start, text: token.text)
        case .string(let string):
            cursor.advance()
            return ValueSyntax(literal: .string(string), location: token.start, text: token.text)
        case .word(let word) where (word == "true" || word == "false") && !cursor.peek(1).isPunctuation(.dot):
            cursor.advance()
            return ValueSyntax(literal: .bool(word == "true"), location: token.start, text: token.text)
        case .word:
            let identifier = try cursor.identifier("a value")
            return ValueSyntax(literal: .identifier(identifier), location: token.start, text: identifier.name)
        default:
            throw token.start.error("expected a value (number, string, true, false or identifier) \(context), found \(token.quoted)")
        }
    }

    private mutating func accept() throws(BindError) -> StatementSyntax {
        let location = cursor.advance().start
        let key = try cursor.identifier("a key after 'accept'")
        try cursor.expect(.leftBrace, "expected '{' after accept key")
        guard !cursor.current.isPunctuation(.rightBrace) else {
            throw cursor.current.start.error("accept list must not be empty")
        }
        var values: [ValueSyntax] = []
        while true {
            values.append(try value(context: "in accept list"))
            if cursor.current.isPunctuation(.comma) {
                cursor.advance()
                if cursor.current.isPunctuation(.rightBrace) { break }
            } else if cursor.current.isPunctuation(.rightBrace) {
                break
            } else {
                throw cursor.current.start.error("expected ',' or '}' in accept list, found \(cursor.current.quoted)")
            }
        }
        cursor.advance()
        return .accept(key: key, values: values, location: location)
    }

    private mutating func ifStatement(depth: Int) throws(BindError) -> StatementSyntax {
        let location = cursor.current.start
        guard depth < RulesParser.maximumDepth else {
            throw location.error("if statements nested too deeply (limit \(RulesParser.maximumDepth))")
        }
        var branches: [BranchSyntax] = []
        cursor.advance()
        while true {
            guard case .word = cursor.current.kind else {
                throw cursor.current.start.error("expected a condition after 'if', found \(cursor.current.quoted)")
            }
            let condition = try condition()
            branches.append(BranchSyntax(condition: condition, block: try block(depth: depth + 1, what: "if")))
            guard cursor.current.isWord("else") else {
                throw cursor.current.start.error(
                    "expected 'else' after if block (every if needs an else), found \(cursor.current.quoted)")
            }
            cursor.advance()
            if cursor.current.isWord("if") && !cursor.startsCondition() {
                cursor.advance()
                continue
            }
            let elseBlock = try block(depth: depth + 1, what: "else")
            return .ifElse(branches: branches, elseBlock: elseBlock, location: location)
        }
    }

    private mutating func block(depth: Int, what: String) throws(BindError) -> [StatementSyntax] {
        let open = try cursor.expect(.leftBrace, "expected '{' to begin \(what) block")
        guard !cursor.current.isPunctuation(.rightBrace) else {
            throw cursor.current.start.error("empty \(what) block: a block must contain at least one statement")
        }
        var statements: [StatementSyntax] = []
        while !cursor.current.isPunctuation(.rightBrace) {
            guard !cursor.atEnd else {
                throw cursor.current.start.error(
                    "expected '}' to close the \(what) block opened at \(open.start.line):\(open.start.column)")
            }
            statements.append(try statement(depth: depth))
        }
        cursor.advance()
        return statements
    }
}
