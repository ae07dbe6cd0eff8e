// VmPageList: a VMO's sparse map from page offset to physical page (or marker).
//
// Zircon counterpart: zircon/kernel/vm/vm_page_list.cc (VmPageList, VmPageListNode,
// VmPageOrMarker). Like Zircon, pages are grouped into nodes of 16 consecutive slots kept in a
// WAVL tree keyed by node index, so a sparse multi-GiB VMO costs memory only for the 64 KiB
// windows that actually hold pages, and lookups are O(log n) without hashing.
// Lock domain: the owning VMO's lock.

import KernelContainers
import ZX

/// One slot of a page list: empty, a physical page, or the zero marker ("this page is known to
/// be zero; do not look further up a clone chain"). Pages are page aligned, so the low bits are
/// free for markers.
public struct PageOrMarker: Equatable, Sendable {
    @usableFromInline var raw: UInt64
    @inlinable init(raw: UInt64) { self.raw = raw }

    public static let empty = PageOrMarker(raw: 0)
    public static let zeroMarker = PageOrMarker(raw: 1)
    public static func page(_ address: PhysicalAddress) -> PageOrMarker { PageOrMarker(raw: address.rawValue) }

    @inlinable public var isEmpty: Bool { raw == 0 }
    @inlinable public var isMarker: Bool { raw == 1 }
    @inlinable public var page: PhysicalAddress? { raw > 1 ? PhysicalAddress(raw) : nil }
}

/// Sixteen consecutive page slots.
@usableFromInline
struct PageListNode {
    static let slotCount = 16
    static let shift = 4
    var slots: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)
        = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    var used = 0

    subscript(slot: Int) -> UInt64 {
        get { withUnsafeBytes(of: slots) { $0.load(fromByteOffset: slot * 8, as: UInt64.self) } }
        set { withUnsafeMutableBytes(of: &slots) { $0.storeBytes(of: newValue, toByteOffset: slot * 8, as: UInt64.self) } }
    }
}

public struct VmPageList {
    private var nodes = WAVLTree<UInt64, PageListNode>()
    /// Number of slots holding a page (not markers).
    public private(set) var pageCount = 0
    public private(set) var markerCount = 0
    /// Slots holding a page or a marker.
    public var entryCount: Int { pageCount + markerCount }
    public var isEmpty: Bool { entryCount == 0 }

    public init() {}

    @inline(__always)
    private static func split(_ offset: UInt64) -> (node: UInt64, slot: Int) {
        let pageIndex = offset >> UInt64(PageGeometry.shift)
        return (pageIndex >> UInt64(PageListNode.shift), Int(pageIndex & UInt64(PageListNode.slotCount - 1)))
    }

    /// The slot at a page-aligned byte offset.
    public func lookup(_ offset: UInt64) -> PageOrMarker {
        let (key, slot) = Self.split(offset)
        guard let index = nodes.find(key) else { return .empty }
        return PageOrMarker(raw: nodes.value(at: index)[slot])
    }

    /// Stores `entry` at `offset`, returning what was there.
    @discardableResult
    public mutating func set(_ offset: UInt64, _ entry: PageOrMarker) -> PageOrMarker {
        let (key, slot) = Self.split(offset)
        let old: PageOrMarker
        if let index = nodes.find(key) {
            var removeNode = false
            old = nodes.withValue(at: index) { node in
                let previous = PageOrMarker(raw: node[slot])
                node[slot] = entry.raw
                node.used += (previous.isEmpty ? 0 : -1) + (entry.isEmpty ? 0 : 1)
                removeNode = node.used == 0
                return previous
            }
            if removeNode { nodes.remove(at: index) }
        } else {
            old = .empty
            if !entry.isEmpty {
                var node = PageListNode()
                node[slot] = entry.raw
                node.used = 1
                nodes.insert(key, node)
            }
        }
        account(removing: old)
        account(adding: entry)
        return old
    }

    /// Removes and returns the entry at `offset`.
    @discardableResult
    public mutating func remove(_ offset: UInt64) -> PageOrMarker { set(offset, .empty) }

    private mutating func account(adding entry: PageOrMarker) {
        if entry.page != nil { pageCount += 1 } else if entry.isMarker { markerCount += 1 }
    }
    private mutating func account(removing entry: PageOrMarker) {
        if entry.page != nil { pageCount -= 1 } else if entry.isMarker { markerCount -= 1 }
    }

    /// Visits every non-empty slot with offset in [start, end), in offset order.
    public func forEach(in start: UInt64, _ end: UInt64, _ body: (UInt64, PageOrMarker) -> Void) {
        guard start < end else { return }
        let firstKey = Self.split(start).node
        nodes.forEach(from: firstKey) { key, node in
            let nodeBase = key << UInt64(PageListNode.shift + PageGeometry.shift)
            if nodeBase >= end { return false }
            for slot in 0..<PageListNode.slotCount where node[slot] != 0 {
                let offset = nodeBase + UInt64(slot) << UInt64(PageGeometry.shift)
                if offset >= start && offset < end { body(offset, PageOrMarker(raw: node[slot])) }
            }
            return true
        }
    }

    /// Removes every entry in [start, end) and returns the removed pages (markers are dropped).
    public mutating func removeRange(_ start: UInt64, _ end: UInt64) -> [PhysicalAddress] {
        var offsets: [UInt64] = []
        forEach(in: start, end) { offset, _ in offsets.append(offset) }
        var pages: [PhysicalAddress] = []
        for offset in offsets {
            if let page = remove(offset).page { pages.append(page) }
        }
        return pages
    }

    /// Number of pages (not markers) in [start, end).
    public func countPages(in start: UInt64, _ end: UInt64) -> Int {
        if start == 0 && end == UInt64.max { return pageCount }
        var count = 0
        forEach(in: start, end) { _, entry in if entry.page != nil { count += 1 } }
        return count
    }

    /// Removes everything, returning the pages.
    public mutating func removeAll() -> [PhysicalAddress] {
        var pages: [PhysicalAddress] = []
        for (_, node) in nodes {
            for slot in 0..<PageListNode.slotCount where node[slot] > 1 {
                pages.append(PhysicalAddress(node[slot]))
            }
        }
        nodes.removeAll()
        pageCount = 0
        markerCount = 0
        return pages
    }
}
