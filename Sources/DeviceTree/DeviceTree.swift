// DeviceTree: a parsed flattened device tree — its header, memory reservations and nodes — and the
// tree-wide lookups a machine builder starts from: by path (with aliases), by compatible string,
// by phandle, /chosen and the memory nodes. Counterpart of Zircon's `zircon/kernel/lib/devicetree`
// (devicetree::Devicetree) and of libfdt's fdt_path_offset / fdt_node_offset_by_compatible /
// fdt_node_offset_by_phandle; semantics per the Devicetree Specification v0.4.

/// A parsed device tree. Immutable and cheap to copy: nodes and properties are views into one
/// shared table built by a single pass over the blob.
///
/// ```swift
/// let tree = try DeviceTree(parsing: QemuVirtBlob.bytes)
/// let uart = tree.node(atPath: "/pl011@9000000")
/// let mmio = try uart?.translatedReg()      // [0x9000000, +0x1000)
/// ```
public struct DeviceTree: Sendable {
    let storage: DeviceTreeStorage

    /// Parses a DTB. Every malformation throws a `DeviceTreeError` naming its byte offset; no input
    /// traps. Padding after the blob's `totalsize` (QEMU pads its dumps to 1 MiB) is allowed.
    public init(parsing blob: [UInt8]) throws(DeviceTreeError) {
        storage = try DeviceTreeParser.parse(blob)
    }

    init(storage: DeviceTreeStorage) { self.storage = storage }

    /// The blob this tree was parsed from; property offsets index into it.
    public var blob: [UInt8] { storage.blob }
    /// The header's fields.
    public var header: Header { storage.header }
    /// The memory reservation block's entries, in blob order, without the terminator.
    public var memoryReservations: [MemoryReservation] { storage.memoryReservations }

    /// The root node, `/`.
    public var root: DeviceTreeNode { DeviceTreeNode(storage: storage, index: 0) }
    /// Every node in preorder (the root first, each node before its children), as in the blob.
    public var nodes: Nodes { Nodes(storage: storage, range: 0..<storage.nodes.count) }

    /// The node at `path`: absolute (`/pl011@9000000`, `/intc@8000000/v2m@8020000`) or starting
    /// with an alias from `/aliases` (`serial0`, `serial0/child`). A component without a unit
    /// address matches a child by name alone when no child has that exact name (`/memory` finds
    /// `/memory@40000000`), as Linux's of_find_node_by_path does. `:options` after the path, as
    /// in /chosen's stdout-path, are ignored.
    public func node(atPath path: String) -> DeviceTreeNode? {
        let path = path.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        var components = path.split(separator: "/")
        var current = root
        if !path.hasPrefix("/") {
            guard let alias = components.first,
                  let target = try? aliases?.string(String(alias)), target.hasPrefix("/"),
                  let aliased = node(atPath: target) else { return nil }
            current = aliased
            components.removeFirst()
        }
        for component in components {
            guard let child = current.child(named: component) else { return nil }
            current = child
        }
        return current
    }

    /// Every node whose `compatible` list contains `compatible`, in preorder.
    public func nodes(compatibleWith compatible: String) -> [DeviceTreeNode] {
        nodes.filter { $0.isCompatible(with: compatible) }
    }

    /// The first node, in preorder, whose `compatible` list contains `compatible`.
    public func firstNode(compatibleWith compatible: String) -> DeviceTreeNode? {
        nodes.first { $0.isCompatible(with: compatible) }
    }

    /// The node whose `phandle` (or legacy `linux,phandle`) is `phandle`.
    public func node(phandle: UInt32) -> DeviceTreeNode? {
        storage.phandles[phandle].map { DeviceTreeNode(storage: storage, index: $0) }
    }

    /// `/chosen`: boot arguments, stdout-path, initrd location.
    public var chosen: DeviceTreeNode? { root.child(named: "chosen") }
    /// `/aliases`: short names for node paths.
    public var aliases: DeviceTreeNode? { root.child(named: "aliases") }

    /// The node /chosen's `stdout-path` (or legacy `linux,stdout-path`) names: the console.
    public var stdoutNode: DeviceTreeNode? {
        guard let chosen,
              let path = (try? chosen.string("stdout-path")) ?? (try? chosen.string("linux,stdout-path"))
        else { return nil }
        return node(atPath: path)
    }

    /// Nodes with `device_type = "memory"`, in preorder, including disabled ones.
    public var memoryNodes: [DeviceTreeNode] {
        nodes.filter { (try? $0.string("device_type")) == "memory" }
    }

    /// The RAM the tree describes: the CPU-physical `reg` regions of every enabled memory node,
    /// in tree order.
    public func memoryRegions() throws(DeviceTreeError) -> [Region] {
        var regions: [Region] = []
        for node in memoryNodes where node.isEnabled {
            regions += try node.translatedReg()
        }
        return regions
    }
}

// MARK: Value types

extension DeviceTree {
    /// The DTB header (Devicetree Specification v0.4 §5.2).
    public struct Header: Sendable, Hashable {
        public var totalSize: UInt32
        public var version: UInt32
        public var lastCompatibleVersion: UInt32
        /// Physical ID of the boot CPU (`boot_cpuid_phys`).
        public var bootCpuId: UInt32
        public var memoryReservationsOffset: UInt32
        public var structureOffset: UInt32
        public var structureSize: UInt32
        public var stringsOffset: UInt32
        public var stringsSize: UInt32
    }

    /// One entry of the memory reservation block: physical memory the OS must not use.
    public struct MemoryReservation: Sendable, Hashable {
        public var address: UInt64
        public var size: UInt64
        public init(address: UInt64, size: UInt64) {
            self.address = address
            self.size = size
        }
    }

    /// An address range: a `reg` entry, or one translated to CPU physical addresses.
    public struct Region: Sendable, Hashable, CustomStringConvertible {
        public var address: UInt64
        public var size: UInt64
        public init(address: UInt64, size: UInt64) {
            self.address = address
            self.size = size
        }
        /// One past the last address, or nil when that does not fit 64 bits.
        public var end: UInt64? {
            let (end, overflow) = address.addingReportingOverflow(size)
            return overflow ? nil : end
        }
        public var description: String { "[0x\(hex(address)), +0x\(hex(size)))" }
    }

    /// Nodes in preorder: a whole tree, or one node's descendants (a subtree is contiguous in
    /// preorder). Indices are positions in the whole tree's preorder.
    public struct Nodes: RandomAccessCollection, Sendable {
        let storage: DeviceTreeStorage
        let range: Range<Int>
        public var startIndex: Int { range.lowerBound }
        public var endIndex: Int { range.upperBound }
        public subscript(position: Int) -> DeviceTreeNode {
            precondition(range.contains(position), "DeviceTree.Nodes index out of range")
            return DeviceTreeNode(storage: storage, index: position)
        }
    }
}
