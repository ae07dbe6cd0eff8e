// Syntax: the parse trees of bind rules (plain and composite) and the token cursor both parsers
// share. Nothing here is resolved against libraries; Compiler.swift does that.
// Fuchsia counterpart: src/devices/lib/bind/src/parser/bind_rules.rs (`Ast`, `Statement`,
// `Condition`) and parser/bind_composite.rs.

/// A dotted name as written: `fuchsia.pci.BIND_PCI_VID.INTEL`.
struct Identifier: Sendable {
    var segments: [String]
    var location: SourceLocation

    var name: String { segments.joined(separator: ".") }
}

enum LiteralSyntax: Sendable {
    case number(UInt32)
    case string(String)
    case bool(Bool)
    case identifier(Identifier)
}

struct ValueSyntax: Sendable {
    var literal: LiteralSyntax
    var location: SourceLocation
    /// As written, for messages.
    var text: String
}

/// `key == value` or `key != value`.
struct ConditionSyntax: Sendable {
    var key: Identifier
    var isEqual: Bool
    var value: ValueSyntax
}

indirect enum StatementSyntax: Sendable {
    case condition(ConditionSyntax)
    case accept(key: Identifier, values: [ValueSyntax], location: SourceLocation)
    case ifElse(branches: [BranchSyntax], elseBlock: [StatementSyntax], location: SourceLocation)
    /// `true;`, `false;`, or the older spelling of `false;`, `abort;`.
    case constant(Bool, keyword: String, location: SourceLocation)

    var location: SourceLocation {
        switch self {
        case .condition(let condition): condition.key.location
        case .accept(_, _, let location), .ifElse(_, _, let location), .constant(_, _, let location): location
        }
    }
}

/// One `if COND { … }` or `else if COND { … }` arm.
struct BranchSyntax: Sendable {
    var condition: ConditionSyntax
    var block: [StatementSyntax]
}

/// `using fuchsia.pci as pci;`
struct UsingSyntax: Sendable {
    var library: Identifier
    var alias: String?
    var aliasLocation: SourceLocation?
}

/// `primary node "pci" { … }`, `node "acpi" { … }`, `optional node "acpi" { … }` (or `parent`).
struct NodeSyntax: Sendable {
    var kind: BindNode.Kind
    var name: String
    var location: SourceLocation
    var statements: [StatementSyntax]
}

/// A whole rules file. Plain rules have `statements`; composite rules have a name and `nodes`.
struct RulesSyntax: Sendable {
    var compositeName: Identifier?
    var usings: [UsingSyntax]
    var statements: [StatementSyntax]
    var nodes: [NodeSyntax]
}

/// Walks a token array that always ends with `.end`; never moves past it.
struct TokenCursor {
    private let tokens: [Token]
    private(set) var position = 0

    init(_ tokens: [Token]) {
        self.tokens = tokens.isEmpty ? [Token(kind: .end, start: .start, end: .start, text: "")] : tokens
    }

    var current: Token { token(at: position) }

    func peek(_ offset: Int) -> Token { token(at: position + offset) }

    private func token(at index: Int) -> Token {
        tokens[min(max(index, 0), tokens.count - 1)]
    }

    /// The token before `current` (the start of the file when there is none).
    var previous: Token? { position > 0 ? token(at: position - 1) : nil }

    var atEnd: Bool { current.kind == .end }

    @discardableResult
    mutating func advance() -> Token {
        let token = current
        if position < tokens.count - 1 { position += 1 }
        return token
    }

    /// Consumes `punctuation` or throws `message` (plus what was found) at the current token.
    @discardableResult
    mutating func expect(_ punctuation: Punctuation, _ message: String) throws(BindError) -> Token {
        guard current.isPunctuation(punctuation) else {
            throw current.start.error("\(message), found \(current.quoted)")
        }
        return advance()
    }

    /// Consumes a `;`, or throws just after the previous token: `expected ';' after condition`.
    mutating func expectSemicolon(after what: String) throws(BindError) {
        guard current.isPunctuation(.semicolon) else {
            let location = previous?.end ?? current.start
            throw location.error("expected ';' after \(what)")
        }
        advance()
    }

    /// Consumes `word(.word)*`, or throws `expected <what>` at the current token.
    mutating func identifier(_ what: String) throws(BindError) -> Identifier {
        guard case .word(let first) = current.kind else {
            throw current.start.error("expected \(what), found \(current.quoted)")
        }
        let location = advance().start
        var segments = [first]
        while current.isPunctuation(.dot) {
            advance()
            guard case .word(let segment) = current.kind else {
                throw current.start.error("expected identifier after '.', found \(current.quoted)")
            }
            segments.append(segment)
            advance()
        }
        return Identifier(segments: segments, location: location)
    }

    /// Whether the tokens from here read `word(.word)* ==` or `… !=`: a condition, even when its
    /// first word is a keyword (bindc tries conditions first, so `if == 1;` compares a key `if`).
    func startsCondition() -> Bool {
        var offset = 0
        guard case .word = peek(offset).kind else { return false }
        offset += 1
        while peek(offset).isPunctuation(.dot) {
            guard case .word = peek(offset + 1).kind else { return false }
            offset += 2
        }
        return peek(offset).isPunctuation(.equalEqual) || peek(offset).isPunctuation(.notEqual)
    }
}
