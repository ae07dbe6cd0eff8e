// Malformed rules are rejected with the line, column and message of the first problem: lexical
// errors, syntax errors, unknown names, type mismatches, and the language's restrictions.

import Testing
import BindRules

@Suite struct ErrorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var source: String
        var line: Int
        var column: Int
        var message: String

        init(_ name: String, _ source: String, _ line: Int, _ column: Int, _ message: String) {
            self.name = name
            self.source = source
            self.line = line
            self.column = column
            self.message = message
        }

        var testDescription: String { name }
    }

    static let cases: [Case] = [
        // Lexical.
        Case("unterminated string", "using fuchsia.acpi;\nfuchsia.acpi.hid == \"PNP0303;\n", 2, 21, "unterminated string literal"),
        Case("invalid escape", "using fuchsia.acpi;\nfuchsia.acpi.hid == \"a\\nb\";", 2, 23, "invalid escape '\\n' in string literal"),
        Case("unterminated comment", "true; /* never /* closed */", 1, 7, "unterminated block comment"),
        Case("unexpected character", "fuchsia.BIND_PCI_VID == 1 & 2;", 1, 27, "unexpected character '&'"),
        Case("non-ASCII character", "fuchsia.BIND_PCI_VID == 1;\n\u{00e9} == 2;", 2, 1, "unexpected character U+00E9"),
        Case("number too large", "fuchsia.BIND_PCI_VID == 0x100000000;", 1, 25, "numeric literal 0x100000000 does not fit in 32 bits"),
        Case("decimal too large", "fuchsia.BIND_PCI_VID == 4294967296;", 1, 25, "numeric literal 4294967296 does not fit in 32 bits"),
        Case("number with letters", "fuchsia.BIND_PCI_VID == 12ab;", 1, 25, "invalid numeric literal '12ab'"),
        Case("bare 0x", "fuchsia.BIND_PCI_VID == 0x;", 1, 25, "expected hex digits after '0x'"),
        Case("trailing underscore", "fuchsia.BIND_PCI_VID_ == 1;", 1, 9, "identifier 'BIND_PCI_VID_' must not end with '_'"),
        Case("lone bang", "fuchsia.BIND_PCI_VID ! 1;", 1, 22, "unexpected character '!'"),

        // Syntax.
        Case("missing semicolon", """
            using fuchsia.pci;
            fuchsia.BIND_PROTOCOL == fuchsia.pci.BIND_PROTOCOL.DEVICE
            fuchsia.BIND_PCI_VID == 0x8086;
            """, 2, 58, "expected ';' after condition"),
        Case("missing semicolon after using", "using fuchsia.pci\nfuchsia.BIND_PCI_VID == 1;", 1, 18, "expected ';' after using declaration"),
        Case("missing semicolon after true", "if fuchsia.BIND_PCI_VID == 1 { true } else { true; }", 1, 36, "expected ';' after 'true'"),
        Case("single equals", "fuchsia.BIND_PCI_VID = 1;", 1, 22, "expected '==' or '!=' after 'fuchsia.BIND_PCI_VID', found '='"),
        Case("missing value", "fuchsia.BIND_PCI_VID == ;", 1, 25,
             "expected a value (number, string, true, false or identifier) after '==', found ';'"),
        Case("dangling dot", "fuchsia. == 1;", 1, 10, "expected identifier after '.', found '=='"),
        Case("accept without brace", "accept fuchsia.BIND_PCI_DID 0x100e, }", 1, 29, "expected '{' after accept key, found '0x100e'"),
        Case("accept without key", "accept { 1 }", 1, 8, "expected a key after 'accept', found '{'"),
        Case("empty accept", "accept fuchsia.BIND_PCI_DID { }", 1, 31, "accept list must not be empty"),
        Case("accept without comma", "accept fuchsia.BIND_PCI_DID { 1 2 }", 1, 33, "expected ',' or '}' in accept list, found '2'"),
        Case("unclosed accept", "accept fuchsia.BIND_PCI_DID { 1,", 1, 33,
             "expected a value (number, string, true, false or identifier) in accept list, found end of file"),
        Case("missing closing brace", "if fuchsia.BIND_PCI_VID == 1 {\n  fuchsia.BIND_PCI_DID == 2;", 2, 29,
             "expected '}' to close the if block opened at 1:30"),
        Case("missing opening brace", "if fuchsia.BIND_PCI_VID == 1 true; } else { true; }", 1, 30,
             "expected '{' to begin if block, found 'true'"),
        Case("missing else", "if fuchsia.BIND_PCI_VID == 1 { true; }", 1, 39,
             "expected 'else' after if block (every if needs an else), found end of file"),
        Case("missing else after else if", "if a == 1 { true; } else if a == 2 { true; }\n", 2, 1,
             "expected 'else' after if block (every if needs an else), found end of file"),
        Case("if without condition", "if { true; } else { true; }", 1, 4, "expected a condition after 'if', found '{'"),
        Case("empty if block", "if fuchsia.BIND_PCI_VID == 1 { } else { true; }", 1, 32,
             "empty if block: a block must contain at least one statement"),
        Case("empty else block", "if fuchsia.BIND_PCI_VID == 1 { true; } else {}", 1, 46,
             "empty else block: a block must contain at least one statement"),
        Case("else without if", "else { true; }", 1, 1, "'else' without a preceding if block"),
        Case("using after statements", "true;\nusing fuchsia.pci;", 2, 1, "'using' declarations must come before the first statement"),
        Case("stray brace", "fuchsia.BIND_PCI_VID == 1;\n}", 2, 1,
             "expected a statement (a condition, accept, if, true or false), found '}'"),
        Case("no statements", "// nothing here\nusing fuchsia.pci;\n", 3, 1, "bind rules must contain at least one statement"),
        Case("alias without name", "using fuchsia.pci as ;\ntrue;", 1, 22, "expected alias name after 'as', found ';'"),

        // Composites.
        Case("composite without primary", "composite c;\nnode \"a\" { true; }", 1, 1,
             "composite bind rules must have exactly one primary node; there is none"),
        Case("two primaries", "composite c;\nprimary node \"a\" { true; }\nprimary node \"b\" { true; }", 3, 1,
             "composite bind rules must have exactly one primary node; this is a second"),
        Case("duplicate node name", "composite c;\nprimary node \"a\" { true; }\nnode \"a\" { true; }", 3, 1,
             "duplicate node name \"a\""),
        Case("node without name", "composite c;\nprimary node { true; }", 2, 14, "expected node name (a string) after 'node', found '{'"),
        Case("primary without node", "composite c;\nprimary \"a\" { true; }", 2, 9, "expected 'node' after 'primary', found \"a\""),
        Case("statement in composite", "composite c;\nfuchsia.BIND_PCI_VID == 1;", 2, 1,
             "expected 'primary node', 'node' or 'optional node', found 'fuchsia'"),
        Case("composite without nodes", "composite c;\nusing fuchsia.pci;", 2, 19, "composite bind rules must contain at least one node"),
        Case("composite name semicolon", "composite c\nprimary node \"a\" { true; }", 1, 12, "expected ';' after composite name"),

        // Names and libraries.
        Case("unknown library", "using fuchsia.pcx;\ntrue;", 1, 7, "unknown bind library 'fuchsia.pcx'"),
        Case("duplicate using", "using fuchsia.pci;\nusing fuchsia.pci;\ntrue;", 2, 7, "duplicate 'using fuchsia.pci;'"),
        Case("duplicate alias", "using fuchsia.pci as p;\nusing fuchsia.usb as p;\ntrue;", 2, 22, "duplicate alias 'p'"),
        Case("unknown key", "fuchsia.BIND_PCI_VENDOR == 1;", 1, 1, "unknown key 'fuchsia.BIND_PCI_VENDOR'"),
        Case("key of an unimported library", "fuchsia.acpi.hid == \"PNP0303\";", 1, 1,
             "unknown key 'fuchsia.acpi.hid' (library 'fuchsia.acpi' is not imported; add 'using fuchsia.acpi;')"),
        Case("unknown enum value", "using fuchsia.pci;\nfuchsia.BIND_PCI_VID == fuchsia.pci.BIND_PCI_VID.INTELL;", 2, 25,
             "'fuchsia.pci.BIND_PCI_VID' has no value 'INTELL'"),
        Case("value of an unimported library", "fuchsia.BIND_PCI_VID == fuchsia.pci.BIND_PCI_VID.INTEL;", 1, 25,
             "unknown identifier 'fuchsia.pci.BIND_PCI_VID.INTEL' (library 'fuchsia.pci' is not imported; add 'using fuchsia.pci;')"),
        Case("unknown value in accept", "using fuchsia.usb;\naccept fuchsia.BIND_USB_CLASS {\n  fuchsia.usb.BIND_USB_CLASS.HID,\n  bogus,\n}",
             4, 3, "unknown identifier 'bogus'"),
        Case("value used as key", "using fuchsia.pci;\nfuchsia.pci.BIND_PCI_VID.INTEL == 1;", 2, 1,
             "'fuchsia.pci.BIND_PCI_VID.INTEL' is a value, not a key"),
        Case("key used as value", "fuchsia.BIND_PCI_VID == fuchsia.BIND_PCI_DID;", 1, 25, "'fuchsia.BIND_PCI_DID' is a key, not a value"),

        // Types.
        Case("string compared with number", "fuchsia.BIND_PCI_VID == \"8086\";", 1, 25,
             "type mismatch: 'fuchsia.BIND_PCI_VID' is a uint key but \"8086\" is a string"),
        Case("bool key compared with number", "using fuchsia.driver.framework;\nfuchsia.driver.framework.dfv2 == 1;", 2, 34,
             "type mismatch: 'fuchsia.driver.framework.dfv2' is a bool key but 1 is a number"),
        Case("string key compared with enum", "using fuchsia.acpi;\nusing fuchsia.hardware.pci;\nfuchsia.acpi.hid != fuchsia.hardware.pci.Service.ZirconTransport;",
             3, 21, "type mismatch: 'fuchsia.acpi.hid' is a string key but fuchsia.hardware.pci.Service.ZirconTransport is an enum value"),
        Case("mixed accept list", "accept fuchsia.BIND_PCI_DID { 1, true }", 1, 34,
             "type mismatch: 'fuchsia.BIND_PCI_DID' is a uint key but true is a bool"),
        Case("mismatch in if condition", "if fuchsia.BIND_PCI_VID == \"x\" { true; } else { false; }", 1, 28,
             "type mismatch: 'fuchsia.BIND_PCI_VID' is a uint key but \"x\" is a string"),

        // Restrictions.
        Case("statement after if", "if fuchsia.BIND_PCI_VID == 1 { true; } else { false; }\nfuchsia.BIND_PCI_DID == 2;", 2, 1,
             "no statement may follow an if statement; it must be the last in its block"),
        Case("true not alone", "fuchsia.BIND_PCI_VID == 1;\ntrue;", 2, 1, "'true' must be the only statement in its block"),
        Case("false not alone", "false;\nfuchsia.BIND_PCI_VID == 1;", 1, 1, "'false' must be the only statement in its block"),
        Case("abort not alone", "if fuchsia.BIND_PCI_VID == 1 { true; } else {\n  fuchsia.BIND_PCI_DID == 2;\n  abort;\n}", 3, 3,
             "'abort' must be the only statement in its block"),
        Case("restriction inside a node", "composite c;\nprimary node \"p\" { true; false; }", 2, 20,
             "'true' must be the only statement in its block"),
    ]

    @Test(arguments: cases)
    func malformedRulesAreRejected(_ testCase: Case) {
        #expect(throws: BindError(line: testCase.line, column: testCase.column, message: testCase.message)) {
            try BindProgram.compile(testCase.source)
        }
    }

    @Test func errorsPrintAsLineColumnMessage() {
        #expect(BindError(line: 3, column: 14, message: "expected '{' after accept key").description
            == "3:14: expected '{' after accept key")
    }

    @Test func deepNestingIsRejectedNotOverflowed() {
        var source = ""
        for _ in 0..<200 { source += "if fuchsia.BIND_PCI_VID == 1 { " }
        source += "true;"
        for _ in 0..<200 { source += " } else { false; }" }
        #expect(throws: BindError(line: 1, column: 1 + 31 * 32, message: "if statements nested too deeply (limit 32)")) {
            try BindProgram.compile(source)
        }
        var nested = ""
        for _ in 0..<32 { nested += "if fuchsia.BIND_PCI_VID == 1 { " }
        nested += "true;"
        for _ in 0..<32 { nested += " } else { false; }" }
        #expect((try? BindProgram.compile(nested))?.matches([.pciVendor: .int(1)]) == true)
    }
}
