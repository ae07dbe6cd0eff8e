// DeviceTreeProperty: one property of a parsed node and the decodings of its value the
// Devicetree Specification v0.4 §2.2.4 defines (empty, u32, u64, string, stringlist,
// prop-encoded-array of cells). Counterpart of Zircon's devicetree::PropertyValue
// (`zircon/kernel/lib/devicetree`) and of libfdt's fdt_getprop plus Linux's of_property_read_*.
// Each decoding checks the length first and throws a DeviceTreeError at the value's offset.

/// A property of a `DeviceTreeNode`: a view of its name and value inside the parsed blob.
public struct DeviceTreeProperty: Sendable, CustomStringConvertible {
    let storage: DeviceTreeStorage
    let index: Int

    var record: PropertyRecord { storage.properties[index] }

    /// The property's name: `compatible`, `reg`, `#address-cells`.
    public var name: String { storage.propertyNames[record.nameIndex] }
    /// The raw value, a slice of the tree's blob (indices are blob offsets).
    public var value: ArraySlice<UInt8> {
        let record = self.record
        return storage.blob[record.valueOffset..<(record.valueOffset + record.length)]
    }
    /// The raw value as a new array.
    public var bytes: [UInt8] { Array(value) }
    /// Byte offset of the value in the blob.
    public var offset: Int { record.valueOffset }
    /// Length of the value in bytes.
    public var length: Int { record.length }
    /// Whether the value is empty (a boolean property such as `dma-coherent`, or identity `ranges`).
    public var isEmpty: Bool { record.length == 0 }
    /// The node the property belongs to.
    public var node: DeviceTreeNode { DeviceTreeNode(storage: storage, index: record.owner) }

    /// The value as one big-endian u32; it must be exactly 4 bytes.
    public func u32() throws(DeviceTreeError) -> UInt32 {
        try requireLength(4, "4 bytes (one u32 cell)")
        return cell(0)
    }

    /// The value as one big-endian u64; it must be exactly 8 bytes.
    public func u64() throws(DeviceTreeError) -> UInt64 {
        try requireLength(8, "8 bytes (a u64)")
        return UInt64(cell(0)) << 32 | UInt64(cell(1))
    }

    /// The value as a number of one or two cells (4 or 8 bytes), as properties such as
    /// `linux,initrd-start` and `clock-frequency` come in either size.
    public func number() throws(DeviceTreeError) -> UInt64 {
        switch length {
        case 4: return UInt64(cell(0))
        case 8: return UInt64(cell(0)) << 32 | UInt64(cell(1))
        default: throw error(.badPropertyLength(length: length, expected: "4 or 8 bytes (one or two cells)"))
        }
    }

    /// The value as big-endian u32 cells; its length must be a multiple of 4.
    public func cells() throws(DeviceTreeError) -> [UInt32] {
        guard length % 4 == 0 else {
            throw error(.badPropertyLength(length: length, expected: "a multiple of 4 bytes (u32 cells)"))
        }
        return (0..<(length / 4)).map(cell)
    }

    /// The value as one NUL-terminated string. Bytes that are not UTF-8 decode as U+FFFD.
    public func string() throws(DeviceTreeError) -> String {
        let value = self.value
        guard let nul = value.firstIndex(of: 0) else { throw error(.unterminatedString) }
        return String(decoding: value[..<nul], as: UTF8.self)
    }

    /// The value as a list of NUL-terminated strings (`"arm,pl011\0arm,primecell\0"`). An empty
    /// value is an empty list; a value not ending in NUL is an error.
    public func stringList() throws(DeviceTreeError) -> [String] {
        let value = self.value
        guard value.isEmpty || value.last == 0 else { throw error(.unterminatedString) }
        return value.split(separator: 0, omittingEmptySubsequences: false).dropLast()
            .map { String(decoding: $0, as: UTF8.self) }
    }

    public var description: String { "\(name) (\(length) bytes at 0x\(hex(offset)))" }

    /// The big-endian cell at `index`; the caller has checked the length.
    func cell(_ index: Int) -> UInt32 {
        storage.blob.bigEndianWordIfPresent(at: record.valueOffset + 4 * index) ?? 0
    }

    func requireLength(_ expected: Int, _ description: String) throws(DeviceTreeError) {
        guard length == expected else { throw error(.badPropertyLength(length: length, expected: description)) }
    }

    /// An error about this property's value, located at the value's first byte.
    func error(_ kind: DeviceTreeError.Kind) -> DeviceTreeError {
        DeviceTreeError(offset: offset, kind, node: node.path, property: name)
    }
}
