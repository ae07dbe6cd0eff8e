// Differential test: random rule trees, rendered as source and compiled by BindRules, against a
// tiny reference interpretation that lowers the same tree the way bindc does (abort-if-not-equal
// for conditions, jump-if-equal chains for accept, jump/label pairs for if/else) and runs the
// instruction list with the interpreter's semantics (missing key: equal is false; mixed types:
// error, no match). Seeded and count-bounded; the seed, iteration and source are in every failure.

import Testing
import BindRules

@Suite struct PropertyTests {
    // MARK: The model

    struct Key {
        var name: BindKey
        /// How a rule may spell each value.
        var spellings: [(source: String, value: BindValue)]
        /// A value of another type, for mismatched properties.
        var wrongType: BindValue
    }

    static let header = """
        using fuchsia.pci as pci;
        using fuchsia.acpi;
        using fuchsia.driver.framework;
        using fuchsia.hardware.pci;

        """

    static let keys: [Key] = [
        Key(name: .pciVendor, spellings: [
            ("1", .int(1)), ("2", .int(2)), ("0x8086", .int(0x8086)),
            ("fuchsia.pci.BIND_PCI_VID.INTEL", .int(0x8086)), ("pci.BIND_PCI_VID.VIRTIO", .int(0x1af4)),
        ], wrongType: .string("1")),
        Key(name: .pciDevice, spellings: [("1", .int(1)), ("2", .int(2)), ("3", .int(3))], wrongType: .bool(true)),
        Key(name: .acpiHid, spellings: [("\"PNP0303\"", .string("PNP0303")), ("\"PNP0501\"", .string("PNP0501")), ("\"\"", .string(""))],
            wrongType: .int(0)),
        Key(name: "fuchsia.driver.framework.dfv2", spellings: [("true", .bool(true)), ("false", .bool(false))],
            wrongType: .enumValue("fuchsia.hardware.pci.Service.ZirconTransport")),
        Key(name: "fuchsia.hardware.pci.Service", spellings: [
            ("fuchsia.hardware.pci.Service.ZirconTransport", .enumValue("fuchsia.hardware.pci.Service.ZirconTransport")),
            ("fuchsia.hardware.pci.Service.DriverTransport", .enumValue("fuchsia.hardware.pci.Service.DriverTransport")),
        ], wrongType: .string("fuchsia.hardware.pci.Service.ZirconTransport")),
    ]

    struct Condition {
        var key: Int
        var isEqual: Bool
        var spelling: Int
    }

    indirect enum Rule {
        case condition(Condition)
        case accept(key: Int, spellings: [Int])
        case branch(arms: [(Condition, [Rule])], otherwise: [Rule])
        case constant(Bool)
    }

    // MARK: Generation and rendering

    static func condition(_ rng: inout SplitMix64) -> Condition {
        let key = Int.random(in: 0..<keys.count, using: &rng)
        return Condition(key: key, isEqual: Bool.random(using: &rng),
                         spelling: Int.random(in: 0..<keys[key].spellings.count, using: &rng))
    }

    static func block(_ rng: inout SplitMix64, depth: Int) -> [Rule] {
        if Int.random(in: 0..<10, using: &rng) == 0 { return [.constant(Bool.random(using: &rng))] }
        var rules: [Rule] = []
        let simple = Int.random(in: (depth < 3 ? 0 : 1)...3, using: &rng)
        for _ in 0..<simple {
            if Int.random(in: 0..<4, using: &rng) == 0 {
                let key = Int.random(in: 0..<keys.count, using: &rng)
                let spellings = (0..<Int.random(in: 1...3, using: &rng)).map { _ in
                    Int.random(in: 0..<keys[key].spellings.count, using: &rng)
                }
                rules.append(.accept(key: key, spellings: spellings))
            } else {
                rules.append(.condition(condition(&rng)))
            }
        }
        if depth < 3 && (simple == 0 || Int.random(in: 0..<3, using: &rng) == 0) {
            let arms = (0..<Int.random(in: 1...3, using: &rng)).map { _ in
                (condition(&rng), block(&rng, depth: depth + 1))
            }
            rules.append(.branch(arms: arms, otherwise: block(&rng, depth: depth + 1)))
        }
        return rules
    }

    static func render(_ condition: Condition) -> String {
        let key = keys[condition.key]
        return "\(key.name) \(condition.isEqual ? "==" : "!=") \(key.spellings[condition.spelling].source)"
    }

    static func render(_ rules: [Rule], indent: String = "") -> String {
        rules.map { rule -> String in
            switch rule {
            case .condition(let condition):
                return indent + render(condition) + ";\n"
            case .accept(let key, let spellings):
                let values = spellings.map { keys[key].spellings[$0].source }.joined(separator: ", ")
                return indent + "accept \(keys[key].name) { \(values), }\n"
            case .branch(let arms, let otherwise):
                var text = indent
                for (index, arm) in arms.enumerated() {
                    text += (index == 0 ? "if " : " else if ") + render(arm.0) + " {\n"
                    text += render(arm.1, indent: indent + "  ") + indent + "}"
                }
                return text + " else {\n" + render(otherwise, indent: indent + "  ") + indent + "}\n"
            case .constant(let value):
                return indent + (value ? "true;\n" : "false; // never\n")
            }
        }.joined()
    }

    static func properties(_ rng: inout SplitMix64) -> DeviceProperties {
        var properties = DeviceProperties()
        for key in keys {
            switch Int.random(in: 0..<10, using: &rng) {
            case 0...2: break
            case 3: properties[key.name] = key.wrongType
            case 4: properties[key.name] = key.spellings[0].value == .int(1) ? .int(0x4242) : key.spellings[0].value
            default: properties[key.name] = key.spellings.randomElement(using: &rng)?.value
            }
        }
        return properties
    }

    // MARK: The reference: lower to instructions, then interpret

    enum Instruction {
        case abortIfNotEqual(BindKey, BindValue)
        case abortIfEqual(BindKey, BindValue)
        case jumpIfEqual(BindKey, BindValue, label: Int)
        case jumpIfNotEqual(BindKey, BindValue, label: Int)
        case jump(label: Int)
        case label(Int)
        case abort
    }

    struct Lowering {
        var instructions: [Instruction] = []
        var labels = 0

        mutating func newLabel() -> Int {
            labels += 1
            return labels
        }

        mutating func lower(_ rules: [Rule]) {
            for rule in rules {
                switch rule {
                case .condition(let condition):
                    let (key, value) = PropertyTests.resolve(condition)
                    instructions.append(condition.isEqual ? .abortIfNotEqual(key, value) : .abortIfEqual(key, value))
                case .accept(let keyIndex, let spellings):
                    let done = newLabel()
                    let key = PropertyTests.keys[keyIndex]
                    for spelling in spellings {
                        instructions.append(.jumpIfEqual(key.name, key.spellings[spelling].value, label: done))
                    }
                    instructions.append(.abort)
                    instructions.append(.label(done))
                case .branch(let arms, let otherwise):
                    let end = newLabel()
                    for (condition, block) in arms {
                        let next = newLabel()
                        let (key, value) = PropertyTests.resolve(condition)
                        instructions.append(condition.isEqual
                            ? .jumpIfNotEqual(key, value, label: next) : .jumpIfEqual(key, value, label: next))
                        lower(block)
                        instructions.append(.jump(label: end))
                        instructions.append(.label(next))
                    }
                    lower(otherwise)
                    instructions.append(.label(end))
                case .constant(let value):
                    if !value { instructions.append(.abort) }
                }
            }
        }
    }

    static func resolve(_ condition: Condition) -> (BindKey, BindValue) {
        (keys[condition.key].name, keys[condition.key].spellings[condition.spelling].value)
    }

    /// Runs the instructions: true when the end is reached without an abort or a type error.
    static func reference(_ instructions: [Instruction], _ properties: DeviceProperties) -> Bool {
        /// nil: the types differ (an interpreter error, so no match).
        func equal(_ key: BindKey, _ value: BindValue) -> Bool?? {
            guard let actual = properties[key] else { return .some(nil) }
            switch (actual, value) {
            case (.int, .int), (.string, .string), (.bool, .bool), (.enumValue, .enumValue): return actual == value
            default: return nil
            }
        }
        var pc = 0
        func jump(to label: Int) -> Bool {
            guard let target = instructions.indices.first(where: { index in
                if index > pc, case .label(label) = instructions[index] { return true }
                return false
            }) else { return false }
            pc = target
            return true
        }
        while pc < instructions.count {
            switch instructions[pc] {
            case .abortIfNotEqual(let key, let value):
                guard let result = equal(key, value) else { return false }
                if result != true { return false }
            case .abortIfEqual(let key, let value):
                guard let result = equal(key, value) else { return false }
                if result == true { return false }
            case .jumpIfEqual(let key, let value, let label):
                guard let result = equal(key, value) else { return false }
                if result == true, !jump(to: label) { return false }
            case .jumpIfNotEqual(let key, let value, let label):
                guard let result = equal(key, value) else { return false }
                if result != true, !jump(to: label) { return false }
            case .jump(let label):
                if !jump(to: label) { return false }
            case .label:
                break
            case .abort:
                return false
            }
            pc += 1
        }
        return true
    }

    // MARK: The test

    @Test(arguments: [0x5eed_0001, 0xb1d_c0de, 0xfeed_face] as [UInt64])
    func evaluatorAgreesWithTheReferenceLowering(_ seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        for iteration in 0..<200 {
            let rules = Self.block(&rng, depth: 0)
            let source = Self.header + Self.render(rules)
            let program: BindProgram
            do {
                program = try BindProgram.compile(source)
            } catch {
                Issue.record("seed \(seed) iteration \(iteration): \(error)\n\(source)")
                return
            }
            var lowering = Lowering()
            lowering.lower(rules)
            for _ in 0..<10 {
                let properties = Self.properties(&rng)
                let expected = Self.reference(lowering.instructions, properties)
                let outcome = program.evaluate(properties)
                #expect(program.matches(properties) == expected && (outcome == .match) == expected,
                        "seed \(seed) iteration \(iteration): \(properties) → \(outcome)\n\(source)")
                if program.matches(properties) != expected { return }
            }
        }
    }
}
