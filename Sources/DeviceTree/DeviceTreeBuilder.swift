// DeviceTreeBuilder: writes a DTB (version 17) from a value tree of nodes and properties — for
// tests, fuzzing and synthesised machine descriptions. Its output is laid out as dtc lays out
// its own: header, memory reservation block, structure block, strings block (each property name
// stored once). Counterpart of libfdt's sequential-write API (fdt_create / fdt_begin_node /
// fdt_property / fdt_finish); format per the Devicetree Specification v0.4 §5.
// Round trip: `DeviceTreeBuilder(try DeviceTree(parsing: try builder.build())) == builder`.

/// A device tree as plain values, and the writer that turns it into a DTB.
public struct DeviceTreeBuilder: Sendable, Hashable {
    /// A property: a name and raw bytes, with constructors for the standard encodings.
    public struct Property: Sendable, Hashable {
        public var name: String
        public var value: [UInt8]

        public init(_ name: String, bytes: [UInt8] = []) {
            self.name = name
            value = bytes
        }

        /// A boolean property: present, with no value (`dma-coherent;`).
        public static func empty(_ name: String) -> Property { Property(name) }

        public static func u32(_ name: String, _ value: UInt32) -> Property { cells(name, [value]) }

        public static func u64(_ name: String, _ value: UInt64) -> Property {
            cells(name, [UInt32(truncatingIfNeeded: value >> 32), UInt32(truncatingIfNeeded: value)])
        }

        /// Big-endian cells (`reg = <0x0 0x9000000 0x0 0x1000>;`).
        public static func cells(_ name: String, _ cells: [UInt32]) -> Property {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(cells.count * 4)
            for cell in cells { bytes.appendBigEndian(cell) }
            return Property(name, bytes: bytes)
        }

        /// One NUL-terminated string.
        public static func string(_ name: String, _ value: String) -> Property { strings(name, [value]) }

        /// NUL-terminated strings one after another (`compatible = "arm,pl011", "arm,primecell";`).
        public static func strings(_ name: String, _ values: [String]) -> Property {
            var bytes: [UInt8] = []
            for value in values {
                bytes += value.utf8
                bytes.append(0)
            }
            return Property(name, bytes: bytes)
        }
    }

    /// A node: its name (unit address included, empty for the root), properties and children,
    /// each in the order they are written.
    public struct Node: Sendable, Hashable {
        public var name: String
        public var properties: [Property]
        public var children: [Node]

        public init(_ name: String, properties: [Property] = [], children: [Node] = []) {
            self.name = name
            self.properties = properties
            self.children = children
        }

        /// The value of the first property called `name`.
        public func value(of name: String) -> [UInt8]? { properties.first { $0.name == name }?.value }
    }

    public var root: Node
    public var memoryReservations: [DeviceTree.MemoryReservation]
    public var bootCpuId: UInt32

    public init(root: Node = Node(""), memoryReservations: [DeviceTree.MemoryReservation] = [], bootCpuId: UInt32 = 0) {
        self.root = root
        self.memoryReservations = memoryReservations
        self.bootCpuId = bootCpuId
    }

    /// The values of a parsed tree: names, property bytes, order, reservations and boot CPU.
    public init(_ tree: DeviceTree) {
        func values(of node: DeviceTreeNode) -> Node {
            Node(node.name, properties: node.properties.map { Property($0.name, bytes: $0.bytes) },
                 children: node.children.map(values))
        }
        self.init(root: values(of: tree.root), memoryReservations: tree.memoryReservations,
                  bootCpuId: tree.header.bootCpuId)
    }

    /// The DTB: a version 17 blob (last compatible version 16) with no free space. Throws for
    /// names the format cannot carry (empty, or containing NUL or, in node names, `/`), nesting
    /// deeper than 64 levels, or a blob over 4 GiB; the error names the output offset where the
    /// offending node or property would have been written.
    public func build() throws(DeviceTreeError) -> [UInt8] {
        typealias F = FlattenedFormat
        var writer = Writer()
        writer.blob = [UInt8](repeating: 0, count: F.headerSize)

        let reservationsOffset = writer.blob.count   // 40: already 8-byte aligned
        for reservation in memoryReservations {
            writer.blob.appendBigEndian(reservation.address)
            writer.blob.appendBigEndian(reservation.size)
        }
        writer.blob += [UInt8](repeating: 0, count: 16)

        let structureOffset = writer.blob.count
        try writer.write(root, level: 1)
        writer.blob.appendBigEndian(F.end)
        let structureSize = writer.blob.count - structureOffset

        let stringsOffset = writer.blob.count
        writer.blob += writer.strings
        let totalSize = writer.blob.count
        guard totalSize <= Int(UInt32.max) else { throw DeviceTreeError(offset: 0, .blobTooLarge(size: totalSize)) }

        var blob = writer.blob
        func store(_ value: Int, at field: Int) { blob.storeBigEndian(UInt32(truncatingIfNeeded: value), at: field) }
        blob.storeBigEndian(F.magic, at: 0)
        store(totalSize, at: F.totalSizeField)
        store(structureOffset, at: F.structureOffsetField)
        store(stringsOffset, at: F.stringsOffsetField)
        store(reservationsOffset, at: F.reservationsOffsetField)
        blob.storeBigEndian(17, at: F.versionField)
        blob.storeBigEndian(16, at: F.lastCompatibleVersionField)
        blob.storeBigEndian(bootCpuId, at: F.bootCpuField)
        store(writer.strings.count, at: F.stringsSizeField)
        store(structureSize, at: F.structureSizeField)
        return blob
    }

    /// The blob under construction and the strings block beside it.
    private struct Writer {
        var blob: [UInt8] = []
        var strings: [UInt8] = []
        var stringOffsets: [String: UInt32] = [:]
        /// Names of the nodes being written, outermost first, for error messages.
        var openNames: [String] = []

        var path: String { "/" + openNames.dropFirst().joined(separator: "/") }

        mutating func write(_ node: Node, level: Int) throws(DeviceTreeError) {
            typealias F = FlattenedFormat
            openNames.append(node.name)
            defer { openNames.removeLast() }
            guard level <= F.maximumDepth else {
                throw DeviceTreeError(offset: blob.count, .nestingTooDeep(limit: F.maximumDepth), node: path)
            }
            let nameIsValid = level == 1
                ? !node.name.utf8.contains(0)
                : !node.name.isEmpty && !node.name.utf8.contains { $0 == 0 || $0 == UInt8(ascii: "/") }
            guard nameIsValid else { throw DeviceTreeError(offset: blob.count, .invalidNodeName(node.name), node: path) }
            blob.appendBigEndian(F.beginNode)
            blob += node.name.utf8
            blob.append(0)
            padToTokenAlignment()

            for property in node.properties {
                guard !property.name.isEmpty, !property.name.utf8.contains(0) else {
                    throw DeviceTreeError(offset: blob.count, .invalidPropertyName(property.name), node: path)
                }
                guard property.value.count <= Int(UInt32.max) else {
                    throw DeviceTreeError(offset: blob.count, .blobTooLarge(size: property.value.count),
                                          node: path, property: property.name)
                }
                blob.appendBigEndian(F.property)
                blob.appendBigEndian(UInt32(truncatingIfNeeded: property.value.count))
                blob.appendBigEndian(stringOffset(property.name))
                blob += property.value
                padToTokenAlignment()
            }
            for child in node.children { try write(child, level: level + 1) }
            blob.appendBigEndian(F.endNode)
        }

        /// Offset of `name` in the strings block, appending it on first use.
        mutating func stringOffset(_ name: String) -> UInt32 {
            if let offset = stringOffsets[name] { return offset }
            let offset = UInt32(truncatingIfNeeded: strings.count)
            strings += name.utf8
            strings.append(0)
            stringOffsets[name] = offset
            return offset
        }

        mutating func padToTokenAlignment() {
            while blob.count % 4 != 0 { blob.append(0) }
        }
    }
}
