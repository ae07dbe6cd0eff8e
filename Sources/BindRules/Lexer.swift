// Lexer: bind rule and bind library sources into tokens. Shared by both grammars: words
// (`[a-zA-Z]([a-zA-Z0-9_]*[a-zA-Z0-9])?`, keywords included; the parsers decide what is a keyword
// where), numbers (decimal or `0x` hex, at most 32 bits as device property values are), string
// literals (double quotes; `\"` and `\\` are the only escapes), punctuation, and whitespace and
// comments skipped (`//` to end of line, `/* */` nesting).
// Fuchsia counterpart: src/devices/lib/bind/src/parser/common.rs (nom combinators `identifier`,
// `numeric_literal`, `string_literal`, `comment_or_whitespace`).

enum Punctuation: String, Sendable {
    case dot = "."
    case semicolon = ";"
    case comma = ","
    case leftBrace = "{"
    case rightBrace = "}"
    case equalEqual = "=="
    case notEqual = "!="
    case assign = "="
}

enum TokenKind: Sendable, Equatable {
    case word(String)
    case number(UInt32)
    case string(String)
    case punctuation(Punctuation)
    case end
}

struct Token: Sendable {
    var kind: TokenKind
    /// Where the token starts.
    var start: SourceLocation
    /// Just past the token's last character (where a missing `;` belongs).
    var end: SourceLocation
    /// The token as written, for messages.
    var text: String

    /// How messages name the token: `'foo'`, `'{'`, `"PNP0303"`, `end of file`.
    var quoted: String {
        switch kind {
        case .end: "end of file"
        case .string: text
        default: "'" + text + "'"
        }
    }

    func isWord(_ word: String) -> Bool { kind == .word(word) }
    func isPunctuation(_ punctuation: Punctuation) -> Bool { kind == .punctuation(punctuation) }
}

struct Lexer {
    /// The source's UTF-8 (every byte the grammar cares about is ASCII). Borrowed for the
    /// duration of `tokenize` only, which keeps per-byte access free of reference counting.
    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    private var line = 1
    private var column = 1

    private init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// Every token of `source`, ending with one `.end` token.
    static func tokenize(_ source: String) throws(BindError) -> [Token] {
        let utf8 = Array(source.utf8)
        return try utf8.withUnsafeBufferPointer { (buffer) throws(BindError) -> [Token] in
            var lexer = Lexer(buffer)
            var tokens: [Token] = []
            while true {
                let token = try lexer.next()
                tokens.append(token)
                if token.kind == .end { return tokens }
            }
        }
    }

    private var location: SourceLocation { SourceLocation(line: line, column: column) }

    /// The byte `offset` ahead, or 0 past the end (NUL is never valid input, so it ends loops).
    private func peek(_ offset: Int = 0) -> UInt8 {
        let position = index + offset
        return position < bytes.count ? bytes[position] : 0
    }

    private var atEnd: Bool { index >= bytes.count }

    /// Moves one byte on; columns count scalars, so UTF-8 continuation bytes add none.
    private mutating func advance() {
        guard index < bytes.count else { return }
        let byte = bytes[index]
        if byte == Lexer.newline {
            line += 1
            column = 1
        } else if byte & 0xC0 != 0x80 {
            column += 1
        }
        index += 1
    }

    private mutating func next() throws(BindError) -> Token {
        try skipWhitespaceAndComments()
        let start = location
        let startIndex = index
        guard !atEnd else {
            return Token(kind: .end, start: start, end: start, text: "")
        }
        let byte = peek()
        let kind: TokenKind
        if Lexer.isLetter(byte) {
            kind = try word(start: start)
        } else if Lexer.isDigit(byte) {
            kind = try number(start: start)
        } else if byte == Lexer.quote {
            kind = try string(start: start)
        } else if let punctuation = punctuation(byte) {
            kind = .punctuation(punctuation)
        } else {
            throw start.error("unexpected character \(Lexer.describe(scalarAt: index, in: bytes))")
        }
        return Token(kind: kind, start: start, end: location, text: text(startIndex..<index))
    }

    private func text(_ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    private mutating func skipWhitespaceAndComments() throws(BindError) {
        while !atEnd {
            let byte = peek()
            if byte == 0x20 || byte == 0x09 || byte == Lexer.newline || byte == 0x0D {
                advance()
            } else if byte == Lexer.slash && peek(1) == Lexer.slash {
                while !atEnd && peek() != Lexer.newline { advance() }
            } else if byte == Lexer.slash && peek(1) == Lexer.star {
                let start = location
                advance()
                advance()
                var depth = 1
                while depth > 0 {
                    guard !atEnd else { throw start.error("unterminated block comment") }
                    if peek() == Lexer.slash && peek(1) == Lexer.star {
                        depth += 1
                        advance()
                    } else if peek() == Lexer.star && peek(1) == Lexer.slash {
                        depth -= 1
                        advance()
                    }
                    advance()
                }
            } else {
                return
            }
        }
    }

    private mutating func word(start: SourceLocation) throws(BindError) -> TokenKind {
        let first = index
        while Lexer.isWordCharacter(peek()) { advance() }
        let word = text(first..<index)
        if bytes[index - 1] == Lexer.underscore {
            throw start.error("identifier '\(word)' must not end with '_'")
        }
        return .word(word)
    }

    private mutating func number(start: SourceLocation) throws(BindError) -> TokenKind {
        let first = index
        var radix: UInt64 = 10
        if peek() == 0x30 && peek(1) == 0x78 {  // "0x"
            radix = 16
            advance()
            advance()
        }
        let digitsStart = index
        var value: UInt64 = 0
        var overflow = false
        while let digit = Lexer.digitValue(peek(), radix: radix) {
            advance()
            value = value * radix + digit
            if value > UInt64(UInt32.max) {
                overflow = true
                value = 0
            }
        }
        if Lexer.isWordCharacter(peek()) {
            while Lexer.isWordCharacter(peek()) { advance() }
            throw start.error("invalid numeric literal '\(text(first..<index))'")
        }
        if index == digitsStart {
            throw start.error("expected hex digits after '0x'")
        }
        if overflow {
            throw start.error("numeric literal \(text(first..<index)) does not fit in 32 bits")
        }
        return .number(UInt32(truncatingIfNeeded: value))
    }

    private mutating func string(start: SourceLocation) throws(BindError) -> TokenKind {
        advance()
        var value: [UInt8] = []
        while true {
            guard !atEnd else { throw start.error("unterminated string literal") }
            let byte = peek()
            if byte == Lexer.quote {
                advance()
                return .string(String(decoding: value, as: UTF8.self))
            }
            if byte == Lexer.backslash {
                let escape = location
                advance()
                guard !atEnd else { throw start.error("unterminated string literal") }
                let escaped = peek()
                guard escaped == Lexer.quote || escaped == Lexer.backslash else {
                    throw escape.error("invalid escape '\\\(Lexer.printable(scalarAt: index, in: bytes))' in string literal")
                }
                value.append(escaped)
                advance()
                continue
            }
            value.append(byte)
            advance()
        }
    }

    private mutating func punctuation(_ byte: UInt8) -> Punctuation? {
        let next = peek(1)
        let result: Punctuation?
        var length = 1
        switch byte {
        case 0x2E: result = .dot
        case 0x3B: result = .semicolon
        case 0x2C: result = .comma
        case 0x7B: result = .leftBrace
        case 0x7D: result = .rightBrace
        case 0x3D:
            if next == 0x3D {
                result = .equalEqual
                length = 2
            } else {
                result = .assign
            }
        case 0x21:
            result = next == 0x3D ? .notEqual : nil
            length = 2
        default: result = nil
        }
        if result != nil {
            for _ in 0..<length { advance() }
        }
        return result
    }

    // MARK: Character classes

    private static let newline: UInt8 = 0x0A
    private static let quote: UInt8 = 0x22
    private static let slash: UInt8 = 0x2F
    private static let star: UInt8 = 0x2A
    private static let backslash: UInt8 = 0x5C
    private static let underscore: UInt8 = 0x5F

    static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A)
    }

    static func isDigit(_ byte: UInt8) -> Bool {
        byte >= 0x30 && byte <= 0x39
    }

    static func isWordCharacter(_ byte: UInt8) -> Bool {
        isLetter(byte) || isDigit(byte) || byte == underscore
    }

    private static func digitValue(_ byte: UInt8, radix: UInt64) -> UInt64? {
        let value: UInt8
        switch byte {
        case 0x30...0x39: value = byte - 0x30
        case 0x61...0x66: value = byte - 0x61 + 10
        case 0x41...0x46: value = byte - 0x41 + 10
        default: return nil
        }
        return UInt64(value) < radix ? UInt64(value) : nil
    }

    /// The scalar whose UTF-8 starts at `index`.
    private static func scalar(at index: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Unicode.Scalar {
        var end = index + 1
        while end < bytes.count && bytes[end] & 0xC0 == 0x80 { end += 1 }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[index..<end]), as: UTF8.self)
        return text.unicodeScalars.first ?? "\u{FFFD}"
    }

    /// The scalar as text when printable ASCII, else as `U+XXXX`.
    static func printable(scalarAt index: Int, in bytes: UnsafeBufferPointer<UInt8>) -> String {
        let scalar = scalar(at: index, in: bytes)
        if (0x21...0x7e).contains(scalar.value) { return String(Character(scalar)) }
        var hex = String(scalar.value, radix: 16, uppercase: true)
        while hex.count < 4 { hex = "0" + hex }
        return "U+" + hex
    }

    static func describe(scalarAt index: Int, in bytes: UnsafeBufferPointer<UInt8>) -> String {
        let text = printable(scalarAt: index, in: bytes)
        return text.count == 1 ? "'\(text)'" : text
    }
}
