// DeviceTreeParser: checks a DTB's header and block layout, then walks the structure block once,
// token by token, into a flat preorder node table that `DeviceTree` and `DeviceTreeNode` view.
// Counterparts: libfdt's fdt_check_header / fdt_next_tag and Zircon's
// `zircon/kernel/lib/devicetree` (Devicetree::Walk); layout per the Devicetree Specification v0.4
// §5. Every read is bounds-checked and every size is widened to Int before arithmetic, so no
// input can trap: anything wrong becomes a DeviceTreeError naming its byte offset.

/// One node of the parsed tree, in preorder. Plain integers only, so the table copies and
/// grows without reference counting; the name stays in the blob until asked for.
struct NodeRecord: Sendable {
    /// The name's bytes are `blob[nameOffset..<(nameOffset + nameLength)]`.
    var nameOffset: Int
    var nameLength: Int
    var parent: Int
    var firstChild = -1
    var nextSibling = -1
    /// Root is 0.
    var depth: Int
    /// Offset of the node's FDT_BEGIN_NODE token.
    var offset: Int
    /// This node's properties are `properties[propertyStart..<propertyEnd]`.
    var propertyStart = 0
    var propertyEnd = 0
    /// Where the properties that address decoding reads on every call are.
    var wellKnown = WellKnownProperties()
}

/// Indices into the property table of the first property of each well-known name, or -1: found
/// once while parsing so cell counts, `reg`, `ranges` and `compatible` need no search by name.
struct WellKnownProperties: Sendable {
    var addressCells = -1
    var sizeCells = -1
    var reg = -1
    var ranges = -1
    var compatible = -1
}

/// What an interned property name is to the parser.
enum PropertyNameKind: UInt8, Sendable {
    case other, phandle, addressCells, sizeCells, reg, ranges, compatible

    init(_ name: String) {
        switch name {
        case "phandle", "linux,phandle": self = .phandle
        case "#address-cells": self = .addressCells
        case "#size-cells": self = .sizeCells
        case "reg": self = .reg
        case "ranges": self = .ranges
        case "compatible": self = .compatible
        default: self = .other
        }
    }
}

/// One property: where its value lives in the blob and which interned name it has.
struct PropertyRecord: Sendable {
    var owner: Int
    var nameIndex: Int
    var valueOffset: Int
    var length: Int
}

/// The immutable result of a parse, shared by every node and property view of one tree.
final class DeviceTreeStorage: Sendable {
    let blob: [UInt8]
    let header: DeviceTree.Header
    let memoryReservations: [DeviceTree.MemoryReservation]
    let nodes: [NodeRecord]
    let properties: [PropertyRecord]
    /// Property names, one per distinct strings-block offset used.
    let propertyNames: [String]
    let propertyNameKinds: [PropertyNameKind]
    /// First node carrying each phandle (`phandle` or legacy `linux,phandle`).
    let phandles: [UInt32: Int]

    init(blob: [UInt8], header: DeviceTree.Header, memoryReservations: [DeviceTree.MemoryReservation],
         nodes: [NodeRecord], properties: [PropertyRecord], propertyNames: [String],
         propertyNameKinds: [PropertyNameKind], phandles: [UInt32: Int]) {
        self.blob = blob
        self.header = header
        self.memoryReservations = memoryReservations
        self.nodes = nodes
        self.properties = properties
        self.propertyNames = propertyNames
        self.propertyNameKinds = propertyNameKinds
        self.phandles = phandles
    }

    /// Node `index`'s name, decoded from the blob.
    func name(ofNode index: Int) -> String {
        let record = nodes[index]
        return blob.withUnsafeBufferPointer {
            String(decoding: UnsafeBufferPointer(rebasing: $0[record.nameOffset..<(record.nameOffset + record.nameLength)]),
                   as: UTF8.self)
        }
    }

    /// Node `index`'s name bytes, for comparisons without decoding.
    func withName<R>(ofNode index: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let record = nodes[index]
        return blob.withUnsafeBufferPointer {
            body(UnsafeBufferPointer(rebasing: $0[record.nameOffset..<(record.nameOffset + record.nameLength)]))
        }
    }
}

enum DeviceTreeParser {
    static func parse(_ blob: [UInt8]) throws(DeviceTreeError) -> DeviceTreeStorage {
        let header = try parseHeader(blob)
        let reservations = try parseMemoryReservations(blob, header)
        var walker = StructureWalker(blob: blob, header: header)
        return try walker.walk(reservations: reservations)
    }

    // MARK: Header

    static func parseHeader(_ blob: [UInt8]) throws(DeviceTreeError) -> DeviceTree.Header {
        typealias F = FlattenedFormat
        // Check the magic before the length, so a short non-DTB reads as "bad magic".
        guard let magic = blob.bigEndianWordIfPresent(at: 0) else {
            throw DeviceTreeError(offset: 0, .truncatedHeader(length: blob.count))
        }
        guard magic == F.magic else { throw DeviceTreeError(offset: 0, .badMagic(found: magic)) }
        guard blob.count >= F.headerSize else {
            throw DeviceTreeError(offset: 0, .truncatedHeader(length: blob.count))
        }
        func field(_ offset: Int) -> UInt32 { blob.bigEndianWordIfPresent(at: offset) ?? 0 }

        let version = field(F.versionField)
        let lastCompatible = field(F.lastCompatibleVersionField)
        guard version >= F.oldestVersion, lastCompatible <= F.newestVersion else {
            throw DeviceTreeError(offset: F.versionField,
                                  .unsupportedVersion(version: version, lastCompatibleVersion: lastCompatible))
        }
        let headerSize = version >= 17 ? F.headerSize : F.version16HeaderSize
        let totalSize = field(F.totalSizeField)
        guard Int(totalSize) <= blob.count else {
            throw DeviceTreeError(offset: F.totalSizeField, .totalSizeExceedsBlob(totalSize: totalSize, blobLength: blob.count))
        }
        guard Int(totalSize) >= headerSize else {
            throw DeviceTreeError(offset: F.totalSizeField, .totalSizeTooSmall(totalSize: totalSize))
        }

        let structureOffset = field(F.structureOffsetField)
        let stringsOffset = field(F.stringsOffsetField)
        let stringsSize = field(F.stringsSizeField)
        let reservationsOffset = field(F.reservationsOffsetField)
        // Version 16 does not record the structure size: it may run to the end of the blob.
        let structureSize = version >= 17
            ? field(F.structureSizeField) : totalSize &- min(structureOffset, totalSize)

        /// A block must start after the header, be aligned, and end within totalsize.
        func checkBlock(_ block: DeviceTreeError.Block, field: Int, start: UInt32, size: UInt32,
                        alignment: Int) throws(DeviceTreeError) {
            guard Int(start) >= headerSize else {
                throw DeviceTreeError(offset: field, .blockOverlapsHeader(block, start: start))
            }
            guard Int(start) % alignment == 0 else {
                throw DeviceTreeError(offset: field, .misalignedBlock(block, start: start, alignment: alignment))
            }
            guard Int(start) + Int(size) <= Int(totalSize) else {
                throw DeviceTreeError(offset: field, .blockOutOfBounds(block, start: start, size: size, totalSize: totalSize))
            }
        }
        try checkBlock(.memoryReservations, field: F.reservationsOffsetField, start: reservationsOffset,
                       size: 0, alignment: 8)
        try checkBlock(.structure, field: F.structureOffsetField, start: structureOffset,
                       size: structureSize, alignment: 4)
        try checkBlock(.strings, field: F.stringsOffsetField, start: stringsOffset, size: stringsSize, alignment: 1)

        return DeviceTree.Header(
            totalSize: totalSize, version: version, lastCompatibleVersion: lastCompatible,
            bootCpuId: field(F.bootCpuField),
            memoryReservationsOffset: reservationsOffset,
            structureOffset: structureOffset, structureSize: structureSize,
            stringsOffset: stringsOffset, stringsSize: stringsSize)
    }

    // MARK: Memory reservation block

    /// (address, size) pairs of big-endian u64s up to a (0, 0) terminator, which must lie within
    /// totalsize.
    static func parseMemoryReservations(_ blob: [UInt8], _ header: DeviceTree.Header)
        throws(DeviceTreeError) -> [DeviceTree.MemoryReservation] {
        var reservations: [DeviceTree.MemoryReservation] = []
        var offset = Int(header.memoryReservationsOffset)
        let end = Int(header.totalSize)
        while true {
            guard offset + 16 <= end else {
                throw DeviceTreeError(offset: offset, .unterminatedMemoryReservations)
            }
            func u64(at offset: Int) -> UInt64 {
                let high = blob.bigEndianWordIfPresent(at: offset) ?? 0
                let low = blob.bigEndianWordIfPresent(at: offset + 4) ?? 0
                return UInt64(high) << 32 | UInt64(low)
            }
            let address = u64(at: offset)
            let size = u64(at: offset + 8)
            if address == 0 && size == 0 { return reservations }
            reservations.append(DeviceTree.MemoryReservation(address: address, size: size))
            offset += 16
        }
    }
}

// MARK: Structure block

/// One pass over the structure block, building the node and property tables.
private struct StructureWalker {
    let blob: [UInt8]
    let header: DeviceTree.Header
    let structureStart: Int
    let structureEnd: Int
    let stringsStart: Int
    let stringsEnd: Int

    var nodes: [NodeRecord] = []
    var properties: [PropertyRecord] = []
    var propertyNames: [String] = []
    var propertyNameKinds: [PropertyNameKind] = []
    /// Interned name index by strings-block offset, plus one: a flat table for the usual small
    /// strings block, a dictionary beyond `flatNameTableLimit` so a huge block costs no memory.
    var nameIndexTable: [Int32]
    var nameIndexByOffset: [UInt32: Int] = [:]
    static let flatNameTableLimit = 1 << 16
    var phandles: [UInt32: Int] = [:]
    /// Open nodes, innermost last, with the last child appended to each so far.
    var openNodes: [(node: Int, lastChild: Int)] = []
    /// False once a property is seen after a later node's: then properties need regrouping.
    var propertiesInNodeOrder = true

    init(blob: [UInt8], header: DeviceTree.Header) {
        self.blob = blob
        self.header = header
        structureStart = Int(header.structureOffset)
        structureEnd = structureStart + Int(header.structureSize)
        stringsStart = Int(header.stringsOffset)
        stringsEnd = stringsStart + Int(header.stringsSize)
        let stringsSize = Int(header.stringsSize)
        nameIndexTable = stringsSize <= Self.flatNameTableLimit ? [Int32](repeating: 0, count: stringsSize) : []
    }

    mutating func walk(reservations: [DeviceTree.MemoryReservation]) throws(DeviceTreeError) -> DeviceTreeStorage {
        // A rough guess from QEMU's trees: about one node per 150 bytes of structure.
        nodes.reserveCapacity(max(16, Int(header.structureSize) / 150))
        properties.reserveCapacity(max(16, Int(header.structureSize) / 30))
        // A local copy (the same buffer) so the walk may mutate self while reading the bytes.
        let blob = self.blob
        try blob.withUnsafeBufferPointer { (bytes) throws(DeviceTreeError) in try walkTokens(bytes) }
        groupProperties()
        return DeviceTreeStorage(blob: blob, header: header, memoryReservations: reservations, nodes: nodes,
                                 properties: properties, propertyNames: propertyNames,
                                 propertyNameKinds: propertyNameKinds, phandles: phandles)
    }

    /// Walks tokens up to FDT_END (anything after it in the block is ignored, as libfdt does).
    private mutating func walkTokens(_ bytes: UnsafeBufferPointer<UInt8>) throws(DeviceTreeError) {
        typealias F = FlattenedFormat
        var offset = structureStart
        var rootClosed = false
        while true {
            // Padding after a name or value may itself run past the end: report the block's end.
            guard offset < structureEnd else { throw DeviceTreeError(offset: structureEnd, .missingEnd) }
            guard offset + 4 <= structureEnd else {
                throw DeviceTreeError(offset: offset, .truncatedStructure(expected: "a 4-byte token"))
            }
            let token = bytes.bigEndianWord(at: offset)
            switch token {
            case F.beginNode:
                guard !rootClosed else { throw DeviceTreeError(offset: offset, .secondRootNode) }
                offset = try beginNode(bytes, at: offset)
            case F.endNode:
                guard openNodes.popLast() != nil else {
                    throw DeviceTreeError(offset: offset, .endNodeWithoutBeginNode)
                }
                if openNodes.isEmpty { rootClosed = true }
                offset += 4
            case F.property:
                offset = try property(bytes, at: offset)
            case F.nop:
                offset += 4
            case F.end:
                guard openNodes.isEmpty else {
                    throw DeviceTreeError(offset: offset, .unclosedNodes(depth: openNodes.count))
                }
                guard rootClosed else { throw DeviceTreeError(offset: offset, .noRootNode) }
                return
            default:
                throw DeviceTreeError(offset: offset, .unknownToken(token))
            }
        }
    }

    /// FDT_BEGIN_NODE, then the NUL-terminated name padded to 4 bytes. Returns the next offset.
    private mutating func beginNode(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int) throws(DeviceTreeError) -> Int {
        guard openNodes.count < FlattenedFormat.maximumDepth else {
            throw DeviceTreeError(offset: offset, .nestingTooDeep(limit: FlattenedFormat.maximumDepth))
        }
        let nameStart = offset + 4
        var nameEnd = nameStart
        var hasSlash = false
        while nameEnd < structureEnd {
            let byte = bytes[nameEnd]
            if byte == 0 { break }
            if byte == UInt8(ascii: "/") { hasSlash = true }
            nameEnd += 1
        }
        guard nameEnd < structureEnd else { throw DeviceTreeError(offset: nameStart, .unterminatedNodeName) }
        let parent = openNodes.last?.node ?? -1
        // The root's name is empty; every other node needs a name that a path can spell.
        if parent >= 0 && (nameEnd == nameStart || hasSlash) {
            let name = String(decoding: UnsafeBufferPointer(rebasing: bytes[nameStart..<nameEnd]), as: UTF8.self)
            throw DeviceTreeError(offset: nameStart, .invalidNodeName(name))
        }
        let index = nodes.count
        nodes.append(NodeRecord(nameOffset: nameStart, nameLength: nameEnd - nameStart, parent: parent,
                                depth: openNodes.count, offset: offset))
        if let last = openNodes.indices.last {
            let previous = openNodes[last].lastChild
            if previous >= 0 { nodes[previous].nextSibling = index } else { nodes[parent].firstChild = index }
            openNodes[last].lastChild = index
        }
        openNodes.append((node: index, lastChild: -1))
        return FlattenedFormat.align4(nameEnd + 1)
    }

    /// FDT_PROP, length, name offset, then the value padded to 4 bytes. Returns the next offset.
    private mutating func property(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int) throws(DeviceTreeError) -> Int {
        guard let owner = openNodes.last?.node else { throw DeviceTreeError(offset: offset, .propertyOutsideNode) }
        guard offset + 12 <= structureEnd else {
            throw DeviceTreeError(offset: offset + 4, .truncatedStructure(expected: "a property's length and name offset"))
        }
        let length = Int(bytes.bigEndianWord(at: offset + 4))
        let nameOffset = bytes.bigEndianWord(at: offset + 8)
        let valueOffset = offset + 12
        guard valueOffset + length <= structureEnd else {
            throw DeviceTreeError(offset: valueOffset, .truncatedStructure(expected: "a property value of \(length) bytes"))
        }
        let nameIndex = try internName(bytes, nameOffset: nameOffset, field: offset + 8)
        if let last = properties.last, last.owner > owner { propertiesInNodeOrder = false }
        properties.append(PropertyRecord(owner: owner, nameIndex: nameIndex, valueOffset: valueOffset, length: length))
        if propertyNameKinds[nameIndex] == .phandle && length == 4 {
            let phandle = bytes.bigEndianWord(at: valueOffset)
            // 0 and ~0 are not valid phandles (spec §2.3.3); the first node to claim one keeps it.
            if phandle != 0 && phandle != UInt32.max && phandles[phandle] == nil { phandles[phandle] = owner }
        }
        return FlattenedFormat.align4(valueOffset + length)
    }

    /// Index of the property name at `nameOffset` in the strings block, decoding it on first use.
    private mutating func internName(_ bytes: UnsafeBufferPointer<UInt8>, nameOffset: UInt32, field: Int)
        throws(DeviceTreeError) -> Int {
        guard Int(nameOffset) < Int(header.stringsSize) else {
            throw DeviceTreeError(offset: field,
                                  .propertyNameOutOfBounds(nameOffset: nameOffset, stringsSize: header.stringsSize))
        }
        let useTable = !nameIndexTable.isEmpty
        if useTable {
            let known = nameIndexTable[Int(nameOffset)]
            if known > 0 { return Int(known) - 1 }
        } else if let index = nameIndexByOffset[nameOffset] {
            return index
        }
        let start = stringsStart + Int(nameOffset)
        var end = start
        while end < stringsEnd && bytes[end] != 0 { end += 1 }
        guard end < stringsEnd else { throw DeviceTreeError(offset: field, .unterminatedPropertyName(nameOffset: nameOffset)) }
        let name = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        let index = propertyNames.count
        propertyNames.append(name)
        propertyNameKinds.append(PropertyNameKind(name))
        // At most one name per strings-block byte, so the index always fits the table's Int32.
        if useTable {
            nameIndexTable[Int(nameOffset)] = Int32(truncatingIfNeeded: index + 1)
        } else {
            nameIndexByOffset[nameOffset] = index
        }
        return index
    }

    /// Makes each node's properties one contiguous run. The spec puts a node's properties before
    /// its children, and then they already are; a blob that interleaves them (which dtc and Linux
    /// accept) is regrouped, keeping each node's properties in blob order.
    private mutating func groupProperties() {
        if !propertiesInNodeOrder {
            properties = properties.enumerated()
                .sorted { ($0.element.owner, $0.offset) < ($1.element.owner, $1.offset) }
                .map(\.element)
        }
        var index = 0
        for node in nodes.indices {
            nodes[node].propertyStart = index
            var wellKnown = WellKnownProperties()
            while index < properties.count && properties[index].owner == node {
                // The first property of a name wins, as in DeviceTreeNode.property(_:).
                switch propertyNameKinds[properties[index].nameIndex] {
                case .addressCells where wellKnown.addressCells < 0: wellKnown.addressCells = index
                case .sizeCells where wellKnown.sizeCells < 0: wellKnown.sizeCells = index
                case .reg where wellKnown.reg < 0: wellKnown.reg = index
                case .ranges where wellKnown.ranges < 0: wellKnown.ranges = index
                case .compatible where wellKnown.compatible < 0: wellKnown.compatible = index
                default: break
                }
                index += 1
            }
            nodes[node].propertyEnd = index
            nodes[node].wellKnown = wellKnown
        }
    }
}
