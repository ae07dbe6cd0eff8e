// Shared test support: loading the QEMU fixtures, a seeded random generator for the property and
// fuzz tests, and a reader for the `dtc -O dts` text the fixtures' facts are cross-checked against.

import Foundation
import Testing
@testable import DeviceTree

enum Fixture {
    static let virt = "qemu-virt-arm64.dtb"
    static let virtCompact = "qemu-virt-arm64.compact.dtb"
    static let gicv3 = "qemu-virt-arm64-gicv3-smp2.dtb"
    static let secure = "qemu-virt-arm64-secure.dtb"
    static let dumps = [virt, gicv3, secure]

    static func url(_ name: String) throws -> URL {
        try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"),
                     "fixture \(name) missing from the test bundle")
    }

    static func bytes(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: url(name))) }

    static func tree(_ name: String) throws -> DeviceTree { try DeviceTree(parsing: bytes(name)) }

    /// The dtc decompilation stored beside `name`.
    static func source(_ name: String) throws -> DtsSource {
        let dts = name.replacingOccurrences(of: ".dtb", with: ".dts")
        return DtsSource(try String(contentsOf: url(dts), encoding: .utf8))
    }
}

/// SplitMix64: small, seedable and good enough to drive property tests reproducibly.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

/// The nodes and properties of `dtc -I dtb -O dts` output, read line by line (dtc prints one
/// node or property per line): each node path with its cell (`<…>`) and string (`"…"`)
/// properties. Enough to cross-check the parser against dtc on every fixture.
struct DtsSource {
    struct Node {
        var cells: [String: [UInt32]] = [:]
        var strings: [String: [String]] = [:]
        var emptyProperties: Set<String> = []
    }
    var nodes: [String: Node] = [:]
    var nodeOrder: [String] = []

    init(_ text: String) {
        var stack: [String] = []
        func path() -> String { stack.count <= 1 ? "/" : "/" + stack.dropFirst().joined(separator: "/") }
        for rawLine in text.split(separator: "\n") {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasSuffix(" {") {
                let name = String(line.dropLast(2))
                stack.append(name == "/" ? "" : name)
                nodes[path()] = Node()
                nodeOrder.append(path())
            } else if line == "};" {
                stack.removeLast()
            } else if let equals = line.range(of: " = "), line.hasSuffix(";") {
                let name = String(line[..<equals.lowerBound])
                let value = line[equals.upperBound...].dropLast()
                if value.hasPrefix("<") {
                    nodes[path()]?.cells[name] = value.dropFirst().dropLast().split(separator: " ").map {
                        UInt32($0.dropFirst(2), radix: 16) ?? 0xdead_beef
                    }
                } else if value.hasPrefix("\"") {
                    nodes[path()]?.strings[name] = value.dropFirst().dropLast().components(separatedBy: "\\0")
                }
            } else if line.hasSuffix(";"), !line.hasPrefix("/") {
                nodes[path()]?.emptyProperties.insert(String(line.dropLast()))
            }
        }
    }
}
