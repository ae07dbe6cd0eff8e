// DeviceTreeBuilder: what it writes parses back to the same values (hand-made trees, QEMU's tree,
// and seeded random trees), its layout matches dtc's, and names it cannot encode are refused.

import Testing
@testable import DeviceTree

typealias Node = DeviceTreeBuilder.Node
typealias Property = DeviceTreeBuilder.Property

@Suite struct BuilderTests {
    static let sample = DeviceTreeBuilder(
        root: Node("", properties: [
            .u32("#address-cells", 2), .u32("#size-cells", 2), .string("model", "zirconia,test"),
        ], children: [
            Node("chosen", properties: [.string("bootargs", "console=ttyAMA0"), .string("stdout-path", "serial0:115200n8")]),
            Node("aliases", properties: [.string("serial0", "/soc/uart@1000")]),
            Node("memory@80000000", properties: [
                .string("device_type", "memory"), .cells("reg", [0, 0x8000_0000, 0, 0x1000_0000]),
            ]),
            Node("soc", properties: [
                .u32("#address-cells", 1), .u32("#size-cells", 1), .strings("compatible", ["simple-bus"]),
                .cells("ranges", [0, 0, 0x4000_0000, 0x10_0000]),
            ], children: [
                Node("uart@1000", properties: [
                    .strings("compatible", ["acme,uart", "ns16550a"]), .cells("reg", [0x1000, 0x100]),
                    .u64("clock", 0x1_0000_0002), .empty("wakeup-source"), Property("blob", bytes: [1, 2, 3]),
                ]),
            ]),
        ]),
        memoryReservations: [.init(address: 0x8000_0000, size: 0x1_0000), .init(address: 0xffff_0000_0000, size: 1)],
        bootCpuId: 3)

    @Test func roundTripKeepsEveryValue() throws {
        let blob = try Self.sample.build()
        let tree = try DeviceTree(parsing: blob)
        #expect(DeviceTreeBuilder(tree) == Self.sample)
        #expect(tree.header.totalSize == UInt32(blob.count))
        #expect(tree.header.bootCpuId == 3)
        #expect(tree.memoryReservations == Self.sample.memoryReservations)

        let uart = try #require(tree.node(atPath: "serial0"))
        #expect(uart.path == "/soc/uart@1000")
        #expect(tree.stdoutNode == uart)
        #expect(try uart.translatedReg() == [DeviceTree.Region(address: 0x4000_1000, size: 0x100)])
        #expect(try uart.u64("clock") == 0x1_0000_0002)
        #expect(try uart.number("clock") == 0x1_0000_0002)
        #expect(uart.property("wakeup-source")?.isEmpty == true)
        #expect(uart.bytes("blob") == [1, 2, 3])
        #expect(try tree.chosen?.string("bootargs") == "console=ttyAMA0")
        #expect(try tree.memoryRegions() == [DeviceTree.Region(address: 0x8000_0000, size: 0x1000_0000)])
    }

    /// Rebuilding QEMU's tree gives exactly what `dtc -I dtb -O dtb` wrote: same layout, same
    /// strings order, byte for byte.
    @Test func rebuildingQemuTreeMatchesDtcByteForByte() throws {
        let dumped = try Fixture.tree(Fixture.virt)
        let rebuilt = try DeviceTreeBuilder(dumped).build()
        #expect(rebuilt == (try Fixture.bytes(Fixture.virtCompact)))
    }

    @Test func refusesNamesTheFormatCannotCarry() throws {
        let badChild = DeviceTreeBuilder(root: Node("", children: [Node("ok"), Node("a/b")]))
        // Header 40, reservation terminator 16, root (8), "ok" (8 + 4 END_NODE): "a/b" starts at 76.
        #expect(throws: DeviceTreeError(offset: 76, .invalidNodeName("a/b"), node: "/a/b")) { try badChild.build() }
        let empty = DeviceTreeBuilder(root: Node("", children: [Node("")]))
        #expect(throws: DeviceTreeError(offset: 64, .invalidNodeName(""), node: "/")) { try empty.build() }
        let nul = DeviceTreeBuilder(root: Node("", properties: [Property("a\0b")]))
        #expect(throws: DeviceTreeError(offset: 64, .invalidPropertyName("a\0b"), node: "/")) { try nul.build() }
        let unnamed = DeviceTreeBuilder(root: Node("", properties: [Property("")]))
        #expect(throws: DeviceTreeError.self) { try unnamed.build() }

        // The root and 63 levels below it are fine; a 65th level is not.
        var chain = Node("n")
        for _ in 1..<63 { chain = Node("n", children: [chain]) }
        #expect(throws: Never.self) { try DeviceTreeBuilder(root: Node("", children: [chain])).build() }
        let tooDeep = DeviceTreeBuilder(root: Node("", children: [Node("n", children: [chain])]))
        let error = #expect(throws: DeviceTreeError.self) { try tooDeep.build() }
        #expect(error?.kind == .nestingTooDeep(limit: 64))
    }

    /// Seeded random trees: build, parse, compare. The seed is in every failure message.
    @Test(arguments: [UInt64(1), 2, 3, 0xdecafbad])
    func randomTreesRoundTrip(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        for iteration in 0..<60 {
            let original = DeviceTreeBuilder(
                root: randomNode(named: "", depth: 0, &random),
                memoryReservations: (0..<Int.random(in: 0...3, using: &random)).map { _ in
                    .init(address: random.next(), size: random.next() | 1)
                },
                bootCpuId: UInt32.random(in: 0...7, using: &random))
            let blob = try original.build()
            let tree: DeviceTree
            do throws(DeviceTreeError) {
                tree = try DeviceTree(parsing: blob)
            } catch {
                Issue.record("seed \(seed) iteration \(iteration): \(error)")
                return
            }
            #expect(DeviceTreeBuilder(tree) == original, "seed \(seed) iteration \(iteration)")
            // Every node is found again by its path.
            for node in tree.nodes {
                #expect(tree.node(atPath: node.path) == node, "seed \(seed) iteration \(iteration) \(node.path)")
            }
        }
    }

    private func randomNode(named name: String, depth: Int, _ random: inout SeededGenerator) -> Node {
        let propertyNames = ["reg", "compatible", "status", "#address-cells", "x", "linux,phandle", "a-b,c_d+e.f?#"]
        var node = Node(name)
        for index in 0..<Int.random(in: 0...5, using: &random) {
            let length = Int.random(in: 0...12, using: &random)
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            // Unique names within a node keep `value(of:)` lookups unambiguous; duplicates round-trip too.
            node.properties.append(Property("\(propertyNames.randomElement(using: &random) ?? "p")\(index)", bytes: bytes))
        }
        guard depth < 5 else { return node }
        for index in 0..<Int.random(in: 0...(depth == 0 ? 4 : 3), using: &random) {
            let base = ["dev", "bus", "n", "pl011", "x,y"].randomElement(using: &random) ?? "n"
            let unit = Bool.random(using: &random) ? "@\(String(random.next() % 0x1_0000, radix: 16))" : ""
            node.children.append(randomNode(named: "\(base)\(index)\(unit)", depth: depth + 1, &random))
        }
        return node
    }
}
