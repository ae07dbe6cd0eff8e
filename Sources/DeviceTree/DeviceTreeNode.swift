// DeviceTreeNode: one node of a parsed tree — its name, place in the tree, properties and the
// standard properties every driver reads (compatible, status, phandle, device_type). Counterpart
// of Zircon's devicetree::Node / PropertyDecoder in `zircon/kernel/lib/devicetree` and of Linux's
// of_device_is_compatible / of_device_is_available; property meanings per the Devicetree
// Specification v0.4 §2.3.

/// A node of a `DeviceTree`: a lightweight view (the shared table and an index).
public struct DeviceTreeNode: Sendable, Hashable, CustomStringConvertible {
    let storage: DeviceTreeStorage
    let index: Int

    var record: NodeRecord { storage.nodes[index] }

    /// The tree this node belongs to.
    public var tree: DeviceTree { DeviceTree(storage: storage) }

    /// The full name, unit address included: `pl011@9000000`. Empty for the root.
    public var name: String { storage.name(ofNode: index) }
    /// The name without the unit address: `pl011`.
    public var baseName: String {
        let name = self.name
        return String(name[..<(name.firstIndex(of: "@") ?? name.endIndex)])
    }
    /// The unit address after `@` (`9000000`), or nil when the name has none.
    public var unitAddress: String? {
        let name = self.name
        guard let at = name.firstIndex(of: "@") else { return nil }
        return String(name[name.index(after: at)...])
    }
    /// The absolute path: `/`, `/intc@8000000/v2m@8020000`.
    public var path: String {
        var names: [String] = []
        var current = self
        while let parent = current.parent {
            names.append(current.name)
            current = parent
        }
        return "/" + names.reversed().joined(separator: "/")
    }
    /// Nesting depth: the root is 0, its children 1.
    public var depth: Int { record.depth }
    /// Offset of the node's FDT_BEGIN_NODE token in the blob.
    public var offset: Int { record.offset }

    public var parent: DeviceTreeNode? {
        let parent = record.parent
        return parent >= 0 ? DeviceTreeNode(storage: storage, index: parent) : nil
    }
    public var isRoot: Bool { record.parent < 0 }

    /// The direct children, in blob order.
    public var children: [DeviceTreeNode] {
        var children: [DeviceTreeNode] = []
        var child = record.firstChild
        while child >= 0 {
            children.append(DeviceTreeNode(storage: storage, index: child))
            child = storage.nodes[child].nextSibling
        }
        return children
    }

    /// Every node below this one, in preorder (children before their siblings' subtrees).
    public var descendants: DeviceTree.Nodes {
        let depth = record.depth
        var end = index + 1
        while end < storage.nodes.count && storage.nodes[end].depth > depth { end += 1 }
        return DeviceTree.Nodes(storage: storage, range: (index + 1)..<end)
    }

    /// The child with exactly this name; failing that, when `name` has no unit address, the
    /// first child whose name without unit address is `name`.
    public func child(named name: some StringProtocol) -> DeviceTreeNode? {
        var wanted = String(name)
        return wanted.withUTF8 { wanted -> DeviceTreeNode? in
            var fallback: Int?
            let matchBaseName = !wanted.contains(UInt8(ascii: "@"))
            var child = record.firstChild
            while child >= 0 {
                let match = storage.withName(ofNode: child) { childName -> (exact: Bool, base: Bool) in
                    if childName.elementsEqual(wanted) { return (true, false) }
                    let base = matchBaseName && childName.count > wanted.count
                        && childName[wanted.count] == UInt8(ascii: "@")
                        && UnsafeBufferPointer(rebasing: childName[..<wanted.count]).elementsEqual(wanted)
                    return (false, base)
                }
                if match.exact { return DeviceTreeNode(storage: storage, index: child) }
                if match.base && fallback == nil { fallback = child }
                child = storage.nodes[child].nextSibling
            }
            return fallback.map { DeviceTreeNode(storage: storage, index: $0) }
        }
    }

    // MARK: Properties

    /// Every property, in blob order.
    public var properties: [DeviceTreeProperty] {
        let record = self.record
        return (record.propertyStart..<record.propertyEnd).map { DeviceTreeProperty(storage: storage, index: $0) }
    }

    /// The property called `name`, or nil.
    public func property(_ name: String) -> DeviceTreeProperty? {
        let record = self.record
        for index in record.propertyStart..<record.propertyEnd
        where storage.propertyNames[storage.properties[index].nameIndex] == name {
            return DeviceTreeProperty(storage: storage, index: index)
        }
        return nil
    }

    public func hasProperty(_ name: String) -> Bool { property(name) != nil }

    /// The property at `index` in the tree's property table, or nil for -1 (see
    /// `WellKnownProperties`).
    func property(at index: Int) -> DeviceTreeProperty? {
        index >= 0 ? DeviceTreeProperty(storage: storage, index: index) : nil
    }

    /// The raw value of `name`, or nil when absent.
    public func bytes(_ name: String) -> [UInt8]? { property(name).map { Array($0.value) } }
    /// `name` as one big-endian u32 (exactly 4 bytes), or nil when absent.
    public func u32(_ name: String) throws(DeviceTreeError) -> UInt32? { try property(name)?.u32() }
    /// `name` as one big-endian u64 (exactly 8 bytes), or nil when absent.
    public func u64(_ name: String) throws(DeviceTreeError) -> UInt64? { try property(name)?.u64() }
    /// `name` as one or two cells (4 or 8 bytes), or nil when absent.
    public func number(_ name: String) throws(DeviceTreeError) -> UInt64? { try property(name)?.number() }
    /// `name` as big-endian u32 cells, or nil when absent.
    public func cells(_ name: String) throws(DeviceTreeError) -> [UInt32]? { try property(name)?.cells() }
    /// `name` as one NUL-terminated string, or nil when absent.
    public func string(_ name: String) throws(DeviceTreeError) -> String? { try property(name)?.string() }
    /// `name` as a list of NUL-terminated strings, or nil when absent.
    public func stringList(_ name: String) throws(DeviceTreeError) -> [String]? { try property(name)?.stringList() }

    // MARK: Standard properties

    /// The `compatible` list, most specific first: `["arm,pl011", "arm,primecell"]`. Empty when
    /// absent.
    public func compatible() throws(DeviceTreeError) -> [String] {
        try property(at: record.wellKnown.compatible)?.stringList() ?? []
    }

    /// Whether `compatible` lists `compatible`. Compares bytes without decoding; a malformed
    /// list matches only the entries before its fault.
    public func isCompatible(with compatible: String) -> Bool {
        guard let value = property(at: record.wellKnown.compatible)?.value else { return false }
        var wanted = compatible
        return wanted.withUTF8 { wanted in
            var start = value.startIndex
            while let nul = value[start...].firstIndex(of: 0) {
                if value[start..<nul].elementsEqual(wanted) { return true }
                start = nul + 1
            }
            return false
        }
    }

    /// The `status` property. Absent means `.okay` (spec §2.3.4).
    public var status: Status {
        guard let property = property("status") else { return .okay }
        guard let value = try? property.string() else { return .other(String(decoding: property.value, as: UTF8.self)) }
        switch value {
        case "okay", "ok": return .okay
        case "disabled": return .disabled
        case "reserved": return .reserved
        case "fail": return .fail
        default:
            if value.hasPrefix("fail-") { return .failCondition(String(value.dropFirst(5))) }
            return .other(value)
        }
    }

    /// Whether the device is usable: `status` absent, `"okay"` or `"ok"` (Linux's
    /// of_device_is_available).
    public var isEnabled: Bool { status == .okay }

    /// The node's phandle (`phandle`, or legacy `linux,phandle`), or nil when it has none or it is
    /// malformed.
    public var phandle: UInt32? {
        (try? u32("phandle")) ?? (try? u32("linux,phandle"))
    }

    /// `device_type` (`"memory"`, `"cpu"`, `"pci"`), or nil.
    public var deviceType: String? { try? string("device_type") }

    public var description: String { path }

    public static func == (left: DeviceTreeNode, right: DeviceTreeNode) -> Bool {
        left.storage === right.storage && left.index == right.index
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(ObjectIdentifier(storage))
        hasher.combine(index)
    }

    /// A property-level error located at this node.
    func error(_ kind: DeviceTreeError.Kind, at offset: Int? = nil, property: String? = nil) -> DeviceTreeError {
        DeviceTreeError(offset: offset ?? self.offset, kind, node: path, property: property)
    }
}

extension DeviceTreeNode {
    /// The value of a node's `status` property.
    public enum Status: Sendable, Hashable {
        /// `"okay"` or `"ok"`, or no status at all: the device is operational.
        case okay
        case disabled
        /// Operational but must not be used (firmware owns it).
        case reserved
        case fail
        /// `"fail-sss"`: failed, with the condition after `fail-`.
        case failCondition(String)
        /// Anything else, including a value that is not a terminated string.
        case other(String)
    }
}
