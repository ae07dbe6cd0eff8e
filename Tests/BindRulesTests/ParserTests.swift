// Every construct of the rules language parses into the expected tree, and compiles to the
// expected behaviour: using/as, ==/!=, accept (trailing comma), if/else if/else, nesting,
// true/false/abort, comments, literals, composites, aliases, missing and mistyped properties.

import Testing
@testable import BindRules

@Suite struct ParserTests {
    private func parse(_ source: String) throws -> RulesSyntax { try RulesParser.parse(source) }

    @Test func usingListWithAliases() throws {
        let syntax = try parse("using fuchsia.pci;\nusing fuchsia.usb as usb;\ntrue;")
        #expect(syntax.usings.map(\.library.name) == ["fuchsia.pci", "fuchsia.usb"])
        #expect(syntax.usings.map(\.alias) == [nil, "usb"])
        #expect(syntax.usings[1].aliasLocation == SourceLocation(line: 2, column: 22))
    }

    @Test func conditionsOfBothOperators() throws {
        let syntax = try parse("a.b == 1;\nc != \"x\";")
        guard case .condition(let first) = syntax.statements[0], case .condition(let second) = syntax.statements[1] else {
            Issue.record("not conditions: \(syntax.statements)")
            return
        }
        #expect(first.key.name == "a.b" && first.isEqual)
        #expect(second.key.name == "c" && !second.isEqual)
        #expect(second.key.location == SourceLocation(line: 2, column: 1))
        guard case .string("x") = second.value.literal else {
            Issue.record("value \(second.value)")
            return
        }
    }

    @Test func literalsOfEveryKind() throws {
        let syntax = try parse("k == 42; k == 0x2A; k == 0xffffffff; k == \"a \\\"q\\\" \\\\\"; k == true; k == false; k == x.y.Z;")
        let literals = syntax.statements.compactMap { statement -> LiteralSyntax? in
            if case .condition(let condition) = statement { return condition.value.literal }
            return nil
        }
        guard literals.count == 7,
              case .number(42) = literals[0], case .number(42) = literals[1], case .number(0xffff_ffff) = literals[2],
              case .string("a \"q\" \\") = literals[3], case .bool(true) = literals[4], case .bool(false) = literals[5],
              case .identifier(let identifier) = literals[6]
        else {
            Issue.record("literals \(literals)")
            return
        }
        #expect(identifier.segments == ["x", "y", "Z"])
    }

    @Test func acceptWithAndWithoutTrailingComma() throws {
        let syntax = try parse("accept k { 1, 2, }\naccept k { 3 }")
        guard case .accept(let key, let values, let location) = syntax.statements[0],
              case .accept(_, let more, _) = syntax.statements[1]
        else {
            Issue.record("not accepts")
            return
        }
        #expect(key.name == "k" && values.count == 2 && more.count == 1)
        #expect(location == SourceLocation(line: 1, column: 1))
    }

    @Test func ifElseIfElseAndNesting() throws {
        let syntax = try parse("""
            if a == 1 { b == 1; } else if a == 2 { if c == 3 { true; } else { false; } } else { abort; }
            """)
        guard case .ifElse(let branches, let elseBlock, _) = syntax.statements[0] else {
            Issue.record("not an if")
            return
        }
        #expect(branches.count == 2)
        guard case .ifElse(let inner, _, _) = branches[1].block[0],
              case .constant(false, "abort", _) = elseBlock[0]
        else {
            Issue.record("shape \(branches) \(elseBlock)")
            return
        }
        #expect(inner.count == 1)
    }

    @Test func commentsAreWhitespace() throws {
        let syntax = try parse("""
            // line comment
            /* block /* nested */ still comment */ a == /* inside */ 1; // trailing
            /* multi
               line */
            b == 2;
            """)
        #expect(syntax.statements.count == 2)
        #expect(syntax.statements[1].location == SourceLocation(line: 5, column: 1))
    }

    @Test func keywordsAreKeysWhereAConditionIsWritten() throws {
        // bindc tries a condition first, so `if == 1;` compares a key named `if`.
        let syntax = try parse("if == 1; accept.x != 2; true;")
        guard case .condition(let first) = syntax.statements[0], case .condition(let second) = syntax.statements[1],
              case .constant(true, _, _) = syntax.statements[2]
        else {
            Issue.record("shape \(syntax.statements)")
            return
        }
        #expect(first.key.name == "if" && second.key.name == "accept.x")
    }

    @Test func compositeWithEveryNodeKind() throws {
        let syntax = try parse("""
            composite my.device;
            using fuchsia.pci;
            primary node "pci" { true; }
            node "i2c" { a == 1; }
            optional parent "acpi" { false; }
            parent "gpio" { b == 2; }
            """)
        #expect(syntax.compositeName?.name == "my.device")
        #expect(syntax.nodes.map(\.name) == ["pci", "i2c", "acpi", "gpio"])
        #expect(syntax.nodes.map(\.kind) == [.primary, .additional, .optional, .additional])
        #expect(syntax.statements.isEmpty)
    }

    @Test func aConditionOnACompositeKeyIsNotACompositeHeader() throws {
        let syntax = try parse("composite == 1;")
        #expect(syntax.compositeName == nil && syntax.statements.count == 1)
    }

    // MARK: Compiled behaviour

    @Test func aliasesResolveInKeysAndValues() throws {
        let program = try BindProgram.compile("""
            using fuchsia.pci as pci;
            using fuchsia.acpi as acpi;
            fuchsia.BIND_PROTOCOL == pci.BIND_PROTOCOL.DEVICE;
            acpi.hid != "PNP0303";
            """)
        #expect(program.matches([.bindProtocol: .int(0x1f)]))
        #expect(!program.matches([.bindProtocol: .int(0x1f), .acpiHid: .string("PNP0303")]))
    }

    @Test func missingPropertiesFailEqualityAndPassInequality() throws {
        let equal = try BindProgram.compile("fuchsia.BIND_PCI_VID == 1;")
        let notEqual = try BindProgram.compile("fuchsia.BIND_PCI_VID != 1;")
        let accept = try BindProgram.compile("accept fuchsia.BIND_PCI_VID { 1, 2 }")
        let branch = try BindProgram.compile("if fuchsia.BIND_PCI_VID == 1 { false; } else if fuchsia.BIND_PCI_DID != 2 { true; } else { false; }")
        let empty = DeviceProperties()
        #expect(!equal.matches(empty))
        #expect(notEqual.matches(empty))
        #expect(!accept.matches(empty))
        #expect(branch.matches(empty))
    }

    @Test func comparingAcrossTypesFailsTheMatch() throws {
        let program = try BindProgram.compile("fuchsia.BIND_PCI_VID != 1;")
        #expect(program.evaluate([.pciVendor: .string("1")]) == .noMatch(line: 1, reason:
            "fuchsia.BIND_PCI_VID is \"1\" (string), which cannot be compared with 0x1 (uint)"))
        let branch = try BindProgram.compile("if fuchsia.BIND_PCI_VID == 1 { true; } else { true; }")
        #expect(!branch.matches([.pciVendor: .bool(true)]))
        let accept = try BindProgram.compile("accept fuchsia.BIND_PCI_VID { 1 }")
        #expect(!accept.matches([.pciVendor: .enumValue("x")]))
    }

    @Test func trueAloneAlwaysMatchesAndFalseAloneNeverDoes() throws {
        #expect(try BindProgram.compile("true;").matches([:]))
        #expect(!(try BindProgram.compile("false;").matches([.bindProtocol: .int(1)])))
        #expect(!(try BindProgram.compile("/* legacy */ abort;").matches([:])))
    }

    @Test func statementsRunInOrderAndTheFirstFailureIsReported() throws {
        let program = try BindProgram.compile("fuchsia.BIND_PCI_VID == 1;\nfuchsia.BIND_PCI_DID == 2;")
        // The first condition fails before the second's type mismatch is reached.
        #expect(program.evaluate([.pciVendor: .int(2), .pciDevice: .string("x")])
            == .noMatch(line: 1, reason: "fuchsia.BIND_PCI_VID is 0x2, needs == 0x1"))
    }

    @Test func libraryKeysOfEveryTypeCompareByValue() throws {
        let library = try BindLibrary.parse("""
            library test.kinds;
            uint Count { ONE = 1 };
            string Name { SERIAL = "serial" };
            bool Flag;
            enum Mode { Fast, Slow };
            """)
        let program = try BindProgram.compile("""
            using test.kinds as k;
            k.Count == k.Count.ONE;
            k.Name == k.Name.SERIAL;
            k.Flag == true;
            k.Mode != k.Mode.Slow;
            """, libraries: BindLibrary.standard + [library])
        var device: DeviceProperties = [
            "test.kinds.Count": .int(1), "test.kinds.Name": .string("serial"), "test.kinds.Flag": .bool(true),
            "test.kinds.Mode": .enumValue("test.kinds.Mode.Fast"),
        ]
        #expect(program.matches(device))
        device["test.kinds.Mode"] = .enumValue("test.kinds.Mode.Slow")
        #expect(!program.matches(device))
        device["test.kinds.Mode"] = nil
        #expect(program.matches(device))
    }

    @Test func aLibraryExtendsAnotherThroughItsAlias() throws {
        // The gizmotronics example of driver-binding.md.
        let pci = try BindLibrary.parse("library fuchsia.pcix; uint device_id;")
        let gizmo = try BindLibrary.parse("""
            library gizmotronics.gizmo;
            using fuchsia.pcix as pci;
            extend uint pci.device_id { GIZMO_VER_1 = 0x4242 };
            """)
        #expect(gizmo.declarations[0].key == "fuchsia.pcix.device_id")
        #expect(gizmo.declarations[0].values == [BindLibrary.NamedValue(name: "gizmotronics.gizmo.device_id.GIZMO_VER_1", value: .int(0x4242))])
        let program = try BindProgram.compile("""
            using fuchsia.pcix as pci;
            using gizmotronics.gizmo;
            pci.device_id == gizmotronics.gizmo.device_id.GIZMO_VER_1;
            """, libraries: [pci, gizmo])
        #expect(program.matches(["fuchsia.pcix.device_id": .int(0x4242)]))
    }

    @Test func librariesOfUsedLibrariesAreInScope() throws {
        let base = try BindLibrary.parse("library v.base; uint Key { A = 1 };")
        let top = try BindLibrary.parse("library v.top; using v.base; extend uint v.base.Key { B = 2 };")
        let program = try BindProgram.compile("using v.top;\nv.base.Key == v.base.Key.A;", libraries: [top, base])
        #expect(program.matches(["v.base.Key": .int(1)]))
    }

    @Test func legacyKeysNeedNoLibraries() throws {
        let program = try BindProgram.compile("fuchsia.BIND_PCI_VID == 0x8086;", libraries: [])
        #expect(program.matches([.pciVendor: .int(0x8086)]))
        #expect(program.libraries.isEmpty && program.name == nil && program.nodes.isEmpty)
    }

    @Test func aRepeatedPropertyKeepsItsLastValue() {
        let properties: DeviceProperties = [.pciVendor: .int(1), .pciVendor: .int(2)]
        #expect(properties[.pciVendor] == .int(2) && properties.count == 1)
    }
}
