// DeviceTreeError: everything that can be wrong with a flattened device tree, each naming the
// byte offset in the blob where the problem was found. libfdt reports bare codes (-FDT_ERR_BADMAGIC,
// -FDT_ERR_TRUNCATED, …) and Zircon's `zircon/kernel/lib/devicetree` mostly asserts or returns
// empty results; a hosted emulator that boots any DTB a user hands it wants to say precisely which
// byte is wrong and why instead.

/// A malformed device tree, or a property that does not decode as asked.
///
/// `offset` is the byte offset in the blob where the problem is: the header field that holds a
/// bad value, the structure-block token that cannot be parsed, or the first byte of a property's
/// value whose contents are wrong. Builder errors name the offset in the blob being written.
public struct DeviceTreeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Which of the three blocks a header field or problem refers to.
    public enum Block: String, Sendable, Equatable {
        case memoryReservations = "memory reservation block"
        case structure = "structure block"
        case strings = "strings block"
    }

    /// What is wrong.
    public enum Kind: Sendable, Equatable {
        // The header and block layout.
        case truncatedHeader(length: Int)
        case badMagic(found: UInt32)
        case unsupportedVersion(version: UInt32, lastCompatibleVersion: UInt32)
        case totalSizeExceedsBlob(totalSize: UInt32, blobLength: Int)
        case totalSizeTooSmall(totalSize: UInt32)
        case blockOutOfBounds(Block, start: UInt32, size: UInt32, totalSize: UInt32)
        case blockOverlapsHeader(Block, start: UInt32)
        case misalignedBlock(Block, start: UInt32, alignment: Int)
        case unterminatedMemoryReservations

        // The structure block.
        case truncatedStructure(expected: String)
        case unknownToken(UInt32)
        case unterminatedNodeName
        case invalidNodeName(String)
        case propertyOutsideNode
        case propertyNameOutOfBounds(nameOffset: UInt32, stringsSize: UInt32)
        case unterminatedPropertyName(nameOffset: UInt32)
        case endNodeWithoutBeginNode
        case secondRootNode
        case nestingTooDeep(limit: Int)
        case unclosedNodes(depth: Int)
        case noRootNode
        case missingEnd

        // Property values.
        case badPropertyLength(length: Int, expected: String)
        case unterminatedString
        case invalidCellCount(UInt32, limit: Int)
        case cellsTooWide(cells: Int)
        case regLength(length: Int, addressCells: Int, sizeCells: Int)
        case rangesLength(length: Int, childAddressCells: Int, parentAddressCells: Int, sizeCells: Int)
        case notTranslatable(bus: String)
        case addressNotInRanges(address: UInt64, bus: String)
        case translationOverflow(address: UInt64)
        case noInterruptParent
        case danglingPhandle(UInt32)
        case notPciBus(addressCells: Int)
        case invalidValue(String)

        // Building.
        case invalidPropertyName(String)
        case blobTooLarge(size: Int)
    }

    /// Byte offset in the blob where the problem is.
    public var offset: Int
    /// What is wrong.
    public var kind: Kind
    /// Path of the node the problem belongs to, when known.
    public var node: String?
    /// Name of the property the problem belongs to, when there is one.
    public var property: String?

    public init(offset: Int, _ kind: Kind, node: String? = nil, property: String? = nil) {
        self.offset = offset
        self.kind = kind
        self.node = node
        self.property = property
    }

    public var description: String {
        var location = "at byte 0x\(hex(offset))"
        switch (node, property) {
        case let (node?, property?): location += " (\(node), property \"\(property)\")"
        case let (node?, nil): location += " (\(node))"
        case let (nil, property?): location += " (property \"\(property)\")"
        case (nil, nil): break
        }
        return "device tree: \(location): \(kind)"
    }
}

extension DeviceTreeError.Kind: CustomStringConvertible {
    public var description: String {
        switch self {
        case .truncatedHeader(let length):
            return "blob is \(length) bytes, shorter than the \(FlattenedFormat.headerSize)-byte header"
        case .badMagic(let found):
            return "bad magic 0x\(hex(found)), expected 0x\(hex(FlattenedFormat.magic))"
        case .unsupportedVersion(let version, let lastCompatible):
            return "unsupported version \(version) (last compatible \(lastCompatible)); "
                + "supported: version >= \(FlattenedFormat.oldestVersion), last compatible <= \(FlattenedFormat.newestVersion)"
        case .totalSizeExceedsBlob(let totalSize, let blobLength):
            return "totalsize 0x\(hex(totalSize)) is larger than the blob (0x\(hex(blobLength)) bytes)"
        case .totalSizeTooSmall(let totalSize):
            return "totalsize 0x\(hex(totalSize)) is smaller than the header"
        case .blockOutOfBounds(let block, let start, let size, let totalSize):
            return "\(block.rawValue) [0x\(hex(start)), +0x\(hex(size))) runs past totalsize 0x\(hex(totalSize))"
        case .blockOverlapsHeader(let block, let start):
            return "\(block.rawValue) at 0x\(hex(start)) overlaps the header"
        case .misalignedBlock(let block, let start, let alignment):
            return "\(block.rawValue) at 0x\(hex(start)) is not \(alignment)-byte aligned"
        case .unterminatedMemoryReservations:
            return "memory reservation block has no terminating (0, 0) entry"
        case .truncatedStructure(let expected):
            return "structure block ends where \(expected) was expected"
        case .unknownToken(let token):
            return "unknown structure token 0x\(hex(token))"
        case .unterminatedNodeName:
            return "node name runs off the end of the structure block without a NUL"
        case .invalidNodeName(let name):
            return "invalid node name \"\(name)\" (must be non-empty, without '/' or NUL)"
        case .propertyOutsideNode:
            return "FDT_PROP outside any node"
        case .propertyNameOutOfBounds(let nameOffset, let stringsSize):
            return "property name offset 0x\(hex(nameOffset)) is outside the strings block (0x\(hex(stringsSize)) bytes)"
        case .unterminatedPropertyName(let nameOffset):
            return "property name at strings offset 0x\(hex(nameOffset)) runs off the strings block without a NUL"
        case .endNodeWithoutBeginNode:
            return "FDT_END_NODE without a matching FDT_BEGIN_NODE"
        case .secondRootNode:
            return "a second root node after the first was closed"
        case .nestingTooDeep(let limit):
            return "nodes nested deeper than \(limit) levels"
        case .unclosedNodes(let depth):
            return "FDT_END with \(depth) node(s) still open"
        case .noRootNode:
            return "FDT_END before any node"
        case .missingEnd:
            return "structure block ends without FDT_END"
        case .badPropertyLength(let length, let expected):
            return "value is \(length) bytes, expected \(expected)"
        case .unterminatedString:
            return "string value is not NUL-terminated"
        case .invalidCellCount(let cells, let limit):
            return "cell count \(cells) is larger than the supported \(limit)"
        case .cellsTooWide(let cells):
            return "\(cells) cells do not fit a 64-bit number"
        case .regLength(let length, let addressCells, let sizeCells):
            return "reg is \(length) bytes, not a multiple of (#address-cells \(addressCells) + #size-cells \(sizeCells)) * 4"
        case .rangesLength(let length, let child, let parent, let size):
            return "ranges is \(length) bytes, not a multiple of (child \(child) + parent \(parent) + size \(size) cells) * 4"
        case .notTranslatable(let bus):
            return "bus \(bus) has no ranges property, so its addresses do not map to CPU addresses"
        case .addressNotInRanges(let address, let bus):
            return "address 0x\(hex(address)) is not covered by the ranges of \(bus)"
        case .translationOverflow(let address):
            return "translating address 0x\(hex(address)) overflows 64 bits"
        case .noInterruptParent:
            return "no interrupt parent with #interrupt-cells"
        case .danglingPhandle(let phandle):
            return "phandle 0x\(hex(phandle)) names no node"
        case .notPciBus(let addressCells):
            return "not a PCI bus: #address-cells is \(addressCells), PCI buses use 3"
        case .invalidValue(let why):
            return "invalid value: \(why)"
        case .invalidPropertyName(let name):
            return "invalid property name \"\(name)\" (must be non-empty, without NUL)"
        case .blobTooLarge(let size):
            return "blob of \(size) bytes does not fit the 32-bit totalsize field"
        }
    }
}

/// Lower-case hexadecimal without a prefix.
func hex(_ value: some BinaryInteger) -> String { String(value, radix: 16) }
