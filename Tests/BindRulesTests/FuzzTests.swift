// Robustness: seeded random character and token mutations of the real rules never trap. Each
// mutant either compiles (and then evaluates against the test devices) or throws a BindError
// whose position lies inside the source. The seed, iteration and mutant are in every failure.

import Testing
import BindRules

@Suite struct FuzzTests {
    static let snippets = [
        "{", "}", ";", ",", "==", "!=", "=", "!", ".", "\"", "/*", "*/", "//", "\n", "\\", "_", "0x", "0xffffffffff",
        "99999999999", "if ", "else ", "else if ", "accept ", "true;", "false;", "abort;", "using fuchsia.pci;",
        "using fuchsia.pci as p;", "composite x;", "primary node \"a\" ", "optional node \"b\" ", "node \"a\" { true; }",
        "fuchsia.", "p.", " as p", "fuchsia.BIND_PCI_VID", "\u{e9}", "\u{0}", "\u{1F600}", "\r\n", "\t",
    ]

    static let devices: [DeviceProperties] = [
        Devices.ich9Ahci, Devices.e1000, Devices.bochsVga, Devices.qemuXhci, Devices.acpi(hid: "PNP0303"),
        Devices.platform(vendor: 0, product: 0, device: 6), [:], [.pciVendor: .string("x"), .acpiHid: .int(3)],
    ]

    /// One random edit of `source`: characters replaced, deleted, duplicated or inserted, or
    /// whitespace-separated words dropped, duplicated or swapped.
    static func mutate(_ source: String, _ rng: inout SplitMix64) -> String {
        var scalars = Array(source.unicodeScalars)
        guard !scalars.isEmpty else { return snippets.randomElement(using: &rng) ?? "" }
        let at = Int.random(in: 0..<scalars.count, using: &rng)
        let length = min(Int.random(in: 1...8, using: &rng), scalars.count - at)
        switch Int.random(in: 0..<7, using: &rng) {
        case 0:
            scalars[at] = Unicode.Scalar(UInt8.random(in: 0...127, using: &rng))
        case 1:
            scalars.removeSubrange(at..<(at + length))
        case 2:
            scalars.insert(contentsOf: scalars[at..<(at + length)], at: at)
        case 3:
            let snippet = snippets.randomElement(using: &rng) ?? ""
            scalars.insert(contentsOf: snippet.unicodeScalars, at: at)
        default:
            var words = source.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
            guard words.count > 1 else { return source }
            let first = Int.random(in: 0..<words.count, using: &rng)
            let second = Int.random(in: 0..<words.count, using: &rng)
            switch Int.random(in: 0..<3, using: &rng) {
            case 0: words.remove(at: first)
            case 1: words.insert(words[first], at: second)
            default: words.swapAt(first, second)
            }
            return words.joined(separator: Bool.random(using: &rng) ? " " : "\n")
        }
        var result = String.UnicodeScalarView()
        result.append(contentsOf: scalars)
        return String(result)
    }

    @Test(arguments: [0xf022_0001, 0xf022_0002] as [UInt64])
    func mutatedRealRulesNeverTrap(_ seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        var compiled = 0
        var rejected = 0
        for (name, original) in RealRules.all {
            for iteration in 0..<100 {
                var source = original
                for _ in 0..<Int.random(in: 1...3, using: &rng) { source = Self.mutate(source, &rng) }
                do throws(BindError) {
                    let program = try BindProgram.compile(source)
                    compiled += 1
                    for device in Self.devices {
                        _ = program.evaluate(device)
                        for node in program.nodes { _ = node.matches(device) }
                    }
                } catch {
                    rejected += 1
                    let lines = source.split(separator: "\n", omittingEmptySubsequences: false).count
                    #expect(error.line >= 1 && error.line <= lines + 1 && error.column >= 1 && !error.message.isEmpty,
                            "seed \(seed) \(name) iteration \(iteration): \(error)\n\(source)")
                }
            }
        }
        // Both outcomes are exercised.
        #expect(compiled > 0 && rejected > 0, "compiled \(compiled), rejected \(rejected)")
    }

    @Test func everyPrefixOfEveryRealRuleCompilesOrThrows() {
        for (_, source) in RealRules.all {
            let scalars = Array(source.unicodeScalars)
            for length in stride(from: 0, to: scalars.count, by: 7) {
                var prefix = String.UnicodeScalarView()
                prefix.append(contentsOf: scalars[..<length])
                _ = try? BindProgram.compile(String(prefix))
            }
        }
    }

    @Test func mutatedLibrariesNeverTrap() {
        var rng = SplitMix64(seed: 0x11b_0001)
        for source in StandardLibraries.sources {
            for _ in 0..<40 {
                let mutant = Self.mutate(source, &rng)
                if let library = try? BindLibrary.parse(mutant) {
                    _ = try? BindProgram.compile("using \(library.name);\ntrue;", libraries: [library])
                }
            }
        }
    }
}
