// Cell counts, reg decoding, ranges translation, interrupts, status and PCI windows on small
// synthetic trees, including every way their properties can be malformed.

import Testing
@testable import DeviceTree

@Suite struct AddressingTests {
    func makeTree(_ children: [Node], root rootProperties: [Property] = []) throws -> DeviceTree {
        try DeviceTree(parsing: DeviceTreeBuilder(root: Node("", properties: rootProperties, children: children)).build())
    }

    @Test func cellCountsDefaultToTwoAndOne() throws {
        // No #address-cells / #size-cells at the root: reg is 2 + 1 cells (spec v0.4 §2.3.5).
        let tree = try makeTree([Node("dev@1", properties: [.cells("reg", [0x1, 0x2000_0000, 0x100])])])
        #expect(try tree.root.addressCells() == 2)
        #expect(try tree.root.sizeCells() == 1)
        #expect(try tree.node(atPath: "/dev@1")?.reg() == [DeviceTree.Region(address: 0x1_2000_0000, size: 0x100)])
    }

    @Test func cellCountsAreNotInherited() throws {
        // /bus sets 1/1 for its children; /bus/inner sets nothing, so its children use 2/1.
        let tree = try makeTree([Node("bus", properties: [.u32("#address-cells", 1), .u32("#size-cells", 1), .empty("ranges")],
                                  children: [Node("inner", properties: [.cells("reg", [0x10, 0x20]), .empty("ranges")],
                                                  children: [Node("leaf", properties: [.cells("reg", [0, 0x30, 0x40])])])])])
        #expect(try tree.node(atPath: "/bus/inner")?.reg() == [DeviceTree.Region(address: 0x10, size: 0x20)])
        #expect(try tree.node(atPath: "/bus/inner/leaf")?.translatedReg() == [DeviceTree.Region(address: 0x30, size: 0x40)])
    }

    @Test func rangesTranslateThroughNestedBuses() throws {
        let tree = try makeTree([
            Node("soc", properties: [
                .u32("#address-cells", 1), .u32("#size-cells", 1),
                // Child 0x0..0x100000 → CPU 0x1_4000_0000; child 0x200000.. → CPU 0x5000_0000.
                .cells("ranges", [0x0, 0x1, 0x4000_0000, 0x10_0000, 0x20_0000, 0x0, 0x5000_0000, 0x1000]),
            ], children: [
                Node("uart@1000", properties: [.cells("reg", [0x1000, 0x100, 0x20_0800, 0x10])]),
                Node("sub", properties: [
                    .u32("#address-cells", 1), .u32("#size-cells", 1), .cells("ranges", [0x0, 0x8000, 0x1000]),
                ], children: [Node("gpio@40", properties: [.cells("reg", [0x40, 0x4])])]),
            ]),
        ], root: [.u32("#address-cells", 2), .u32("#size-cells", 2)])
        #expect(try tree.node(atPath: "/soc/uart@1000")?.reg() == [DeviceTree.Region(address: 0x1000, size: 0x100),
                                                                   DeviceTree.Region(address: 0x20_0800, size: 0x10)])
        #expect(try tree.node(atPath: "/soc/uart@1000")?.translatedReg() == [
            DeviceTree.Region(address: 0x1_4000_1000, size: 0x100), DeviceTree.Region(address: 0x5000_0800, size: 0x10),
        ])
        // gpio 0x40 → sub's parent 0x8040 → CPU 0x1_4000_8040.
        #expect(try tree.node(atPath: "/soc/sub/gpio@40")?.translatedReg() == [DeviceTree.Region(address: 0x1_4000_8040, size: 4)])
        #expect(try tree.node(atPath: "/soc")?.ranges()?.count == 2)
    }

    @Test func translationFailuresNameTheBus() throws {
        let tree = try makeTree([
            Node("isolated", properties: [.u32("#address-cells", 1), .u32("#size-cells", 1)],
                 children: [Node("dev", properties: [.cells("reg", [0x10, 0x10])])]),
            Node("window", properties: [.u32("#address-cells", 1), .u32("#size-cells", 1), .cells("ranges", [0x100, 0x0, 0x1000, 0x100])],
                 children: [Node("outside", properties: [.cells("reg", [0x80, 0x10])])]),
            Node("wrap", properties: [.u32("#address-cells", 1), .u32("#size-cells", 1),
                                      .cells("ranges", [0x0, 0xffff_ffff, 0xffff_ff00, 0x1000])],
                 children: [Node("over", properties: [.cells("reg", [0x200, 0x10])])]),
        ])
        let isolated = try #require(tree.node(atPath: "/isolated"))
        #expect(throws: DeviceTreeError(offset: isolated.offset, .notTranslatable(bus: "/isolated"), node: "/isolated")) {
            try tree.node(atPath: "/isolated/dev")?.translatedReg()
        }
        let window = try #require(tree.node(atPath: "/window"))
        let outside = #expect(throws: DeviceTreeError.self) { try tree.node(atPath: "/window/outside")?.translatedReg() }
        #expect(outside?.kind == .addressNotInRanges(address: 0x80, bus: "/window"))
        #expect(outside?.offset == window.property("ranges")?.offset)
        let over = #expect(throws: DeviceTreeError.self) { try tree.node(atPath: "/wrap/over")?.translatedReg() }
        #expect(over?.kind == .translationOverflow(address: 0x200))
    }

    @Test func malformedCellsRegAndRanges() throws {
        let tree = try makeTree([
            Node("short", properties: [.cells("reg", [1, 2, 3, 4])]),   // 16 bytes vs 12 per entry
            Node("wide", properties: [.u32("#address-cells", 5)], children: [Node("c", properties: [.cells("reg", [1])])]),
            Node("three", properties: [.u32("#address-cells", 3), .u32("#size-cells", 0)],
                 children: [Node("c", properties: [.cells("reg", [1, 2, 3])])]),
            Node("odd", properties: [.cells("#size-cells", [1, 1])]),
            Node("ranges", properties: [.u32("#address-cells", 1), .u32("#size-cells", 1), .cells("ranges", [1, 2, 3, 4, 5])]),
        ])
        let short = try #require(tree.node(atPath: "/short"))
        #expect(throws: DeviceTreeError(offset: short.property("reg")?.offset ?? -1, .regLength(length: 16, addressCells: 2, sizeCells: 1),
                                        node: "/short", property: "reg")) { try short.reg() }
        let wide = try #require(tree.node(atPath: "/wide"))
        #expect(throws: DeviceTreeError(offset: wide.property("#address-cells")?.offset ?? -1, .invalidCellCount(5, limit: 4),
                                        node: "/wide", property: "#address-cells")) { try wide.child(named: "c")?.reg() }
        let three = try #require(tree.node(atPath: "/three/c"))
        #expect(try (three.property("reg")?.cells()) == [1, 2, 3])
        #expect(throws: DeviceTreeError(offset: three.property("reg")?.offset ?? -1, .cellsTooWide(cells: 3),
                                        node: "/three/c", property: "reg")) { try three.reg() }
        let odd = try #require(tree.node(atPath: "/odd"))
        #expect(throws: DeviceTreeError(offset: odd.property("#size-cells")?.offset ?? -1,
                                        .badPropertyLength(length: 8, expected: "4 bytes (one u32 cell)"),
                                        node: "/odd", property: "#size-cells")) { try odd.sizeCells() }
        let ranges = try #require(tree.node(atPath: "/ranges"))
        let error = #expect(throws: DeviceTreeError.self) { try ranges.ranges() }
        #expect(error?.kind == .rangesLength(length: 20, childAddressCells: 1, parentAddressCells: 2, sizeCells: 1))
        #expect(error?.description.contains("/ranges") == true)
    }

    @Test func propertyDecodingErrors() throws {
        let tree = try makeTree([Node("n", properties: [
            Property("bytes3", bytes: [1, 2, 3]), Property("text", bytes: Array("no-nul".utf8)),
            .strings("list", ["a", "", "b"]), Property("status", bytes: Array("okay".utf8)),
        ])])
        let node = try #require(tree.node(atPath: "/n"))
        let bytes3 = try #require(node.property("bytes3"))
        #expect(throws: DeviceTreeError(offset: bytes3.offset, .badPropertyLength(length: 3, expected: "4 bytes (one u32 cell)"),
                                        node: "/n", property: "bytes3")) { try node.u32("bytes3") }
        #expect(throws: DeviceTreeError.self) { try node.u64("bytes3") }
        #expect(throws: DeviceTreeError.self) { try node.number("bytes3") }
        #expect(throws: DeviceTreeError.self) { try node.cells("bytes3") }
        #expect(throws: DeviceTreeError(offset: node.property("text")?.offset ?? -1, .unterminatedString,
                                        node: "/n", property: "text")) { try node.string("text") }
        #expect(throws: DeviceTreeError.self) { try node.stringList("text") }
        #expect(try node.stringList("list") == ["a", "", "b"])
        #expect(try node.string("list") == "a")
        #expect(try node.u32("absent") == nil)
        // An unterminated status is not "okay": the device is treated as unavailable.
        #expect(node.status == .other("okay"))
        #expect(!node.isEnabled)
        #expect(!node.isCompatible(with: "anything"))
    }

    @Test func statusValues() throws {
        let statuses: [(String?, DeviceTreeNode.Status)] = [
            (nil, .okay), ("okay", .okay), ("ok", .okay), ("disabled", .disabled), ("reserved", .reserved),
            ("fail", .fail), ("fail-overheated", .failCondition("overheated")), ("weird", .other("weird")),
        ]
        let tree = try makeTree(statuses.enumerated().map { index, status in
            Node("n\(index)", properties: status.0.map { [.string("status", $0)] } ?? [])
        })
        for (index, status) in statuses.enumerated() {
            let node = try #require(tree.node(atPath: "/n\(index)"))
            #expect(node.status == status.1)
            #expect(node.isEnabled == (status.1 == .okay))
        }
    }

    @Test func interruptParentsAndExtendedInterrupts() throws {
        let tree = try makeTree([
            Node("gic", properties: [.u32("phandle", 1), .u32("#interrupt-cells", 3), .empty("interrupt-controller"),
                                     .strings("compatible", ["arm,gic-400"])]),
            Node("pic", properties: [.u32("phandle", 2), .u32("#interrupt-cells", 1), .empty("interrupt-controller")]),
            Node("bus", properties: [.u32("interrupt-parent", 2)], children: [
                Node("dev", properties: [.cells("interrupts", [5, 6])]),
                Node("multi", properties: [.cells("interrupts-extended", [1, 0, 7, 4, 2, 9]), .cells("interrupts", [1])]),
                Node("dangling", properties: [.u32("interrupt-parent", 99), .cells("interrupts", [1])]),
                Node("uneven", properties: [.u32("interrupt-parent", 1), .cells("interrupts", [0, 1])]),
            ]),
            Node("loop-a", properties: [.u32("phandle", 10), .u32("interrupt-parent", 11), .cells("interrupts", [1])]),
            Node("loop-b", properties: [.u32("phandle", 11), .u32("interrupt-parent", 10)]),
        ])
        let pic = try #require(tree.node(phandle: 2))
        let gic = try #require(tree.node(phandle: 1))
        let dev = try #require(tree.node(atPath: "/bus/dev"))
        #expect(try dev.interruptParent() == pic)
        #expect(try dev.interrupts() == [DeviceTree.Interrupt(controller: pic, cells: [5]),
                                         DeviceTree.Interrupt(controller: pic, cells: [6])])
        #expect(try dev.interrupts().first?.armGic == nil)   // not a GIC

        let multi = try #require(tree.node(atPath: "/bus/multi"))
        let interrupts = try multi.interrupts()
        #expect(interrupts == [DeviceTree.Interrupt(controller: gic, cells: [0, 7, 4]),
                               DeviceTree.Interrupt(controller: pic, cells: [9])])
        #expect(interrupts.first?.armGic?.interruptId == 39)

        let dangling = try #require(tree.node(atPath: "/bus/dangling"))
        #expect(throws: DeviceTreeError(offset: dangling.property("interrupt-parent")?.offset ?? -1, .danglingPhandle(99),
                                        node: "/bus/dangling", property: "interrupt-parent")) { try dangling.interrupts() }
        let uneven = #expect(throws: DeviceTreeError.self) { try tree.node(atPath: "/bus/uneven")?.interrupts() }
        #expect(uneven?.property == "interrupts")
        // A phandle cycle with no #interrupt-cells anywhere ends, without an interrupt parent.
        let loop = try #require(tree.node(atPath: "/loop-a"))
        #expect(try loop.interruptParent() == nil)
        #expect(throws: DeviceTreeError(offset: loop.property("interrupts")?.offset ?? -1, .noInterruptParent,
                                        node: "/loop-a", property: "interrupts")) { try loop.interrupts() }
    }

    @Test func pciWindowsBehindASimpleBus() throws {
        let tree = try makeTree([
            Node("soc", properties: [.u32("#address-cells", 1), .u32("#size-cells", 1), .cells("ranges", [0, 0, 0x4000_0000, 0x4000_0000])],
                 children: [Node("pcie@0", properties: [
                    .u32("#address-cells", 3), .u32("#size-cells", 2), .string("device_type", "pci"),
                    .cells("ranges", [0xc300_0000, 0x1, 0x0, 0x1000_0000, 0x0, 0x100_0000,    // n=1 p=1 mem64
                                      0x2200_0000, 0x0, 0xa_0000, 0x2000_0000, 0x0, 0x2_0000]),  // t=1 mem32
                    .cells("bus-range", [0, 0x1f]),
                 ])]),
            Node("badbus", properties: [.u32("#address-cells", 3), .cells("bus-range", [5, 1])]),
        ], root: [.u32("#address-cells", 2), .u32("#size-cells", 2)])
        let pcie = try #require(tree.node(atPath: "/soc/pcie@0"))
        let windows = try pcie.pciRanges()
        #expect(windows.count == 2)
        #expect(windows.first?.space == .memory64)
        #expect(windows.first?.prefetchable == true)
        #expect(windows.first?.nonRelocatable == true)
        #expect(windows.first?.pciAddress == 0x1_0000_0000)
        #expect(windows.first?.cpuAddress == 0x5000_0000)
        #expect(windows.first?.size == 0x100_0000)
        #expect(windows.last?.space == .memory32)
        #expect(windows.last?.aliased == true)
        #expect(windows.last?.cpuAddress == 0x6000_0000)
        #expect(try pcie.pciBusRange() == 0...0x1f)
        let badbus = try #require(tree.node(atPath: "/badbus"))
        #expect(throws: DeviceTreeError.self) { try badbus.pciBusRange() }
        #expect(try badbus.pciRanges().isEmpty)
    }

    @Test func pathLookup() throws {
        let tree = try makeTree([
            Node("aliases", properties: [.string("uart", "/soc/serial@10"), .string("bad", "relative")]),
            Node("soc", children: [Node("serial@10", children: [Node("port")]), Node("serial@20")]),
        ])
        #expect(tree.node(atPath: "/")?.isRoot == true)
        #expect(tree.node(atPath: "/soc/serial@20")?.path == "/soc/serial@20")
        #expect(tree.node(atPath: "/soc/serial")?.path == "/soc/serial@10")   // first match by base name
        #expect(tree.node(atPath: "uart")?.path == "/soc/serial@10")
        #expect(tree.node(atPath: "uart/port")?.path == "/soc/serial@10/port")
        #expect(tree.node(atPath: "uart:115200n8")?.path == "/soc/serial@10")
        #expect(tree.node(atPath: "bad") == nil)
        #expect(tree.node(atPath: "nothing") == nil)
        #expect(tree.node(atPath: "/soc/serial@30") == nil)
        #expect(tree.node(atPath: "/so") == nil)
    }
}
