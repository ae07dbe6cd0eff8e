// AddressSpaceAllocator: the address-space bookkeeping of a root bus driver — a set of free
// ranges (an aperture of the host bridge, a bridge's window, an I/O port range) handed out
// first-fit with natural or explicit alignment, claimed at a fixed address when firmware already
// placed something there, and given back on free with neighbouring free ranges merged.
//
// Counterpart: Fuchsia's RegionAllocator (zircon/system/ulib/region-alloc: GetRegion with size
// and alignment, GetRegion at a specific base, regions returned to the pool and coalesced) as
// bus-pci uses it in src/devices/bus/drivers/pci/allocation.cc (PciRootAllocator /
// PciRegionAllocator: one pool per root window and per bridge window).
//
// Every input is caller-controlled, so nothing traps: sizes of 0, alignments that are not
// powers of two, ranges that wrap, frees of ranges that were not allocated all throw.

/// A half-open address range `[base, base + size)` with overflow-checked arithmetic.
public struct BusAddressRange: Sendable, Hashable, CustomStringConvertible {
    public var base: UInt64
    public var size: UInt64

    public init(base: UInt64, size: UInt64) {
        self.base = base
        self.size = size
    }

    /// The exclusive end, nil if `base + size` overflows.
    public var end: UInt64? { base.addingReportingOverflow(size).overflow ? nil : base + size }

    /// The last byte (`base + size - 1`), nil for an empty or wrapping range.
    public var last: UInt64? {
        guard size > 0 else { return nil }
        let (last, overflow) = base.addingReportingOverflow(size - 1)
        return overflow ? nil : last
    }

    public func contains(_ other: BusAddressRange) -> Bool {
        guard let last, let otherLast = other.last else { return false }
        return other.base >= base && otherLast <= last
    }

    public func overlaps(_ other: BusAddressRange) -> Bool {
        guard let last, let otherLast = other.last else { return false }
        return other.base <= last && base <= otherLast
    }

    public var description: String {
        "[0x\(String(base, radix: 16)), +0x\(String(size, radix: 16)))"
    }
}

/// Why an allocator refused a request.
public enum AddressAllocatorError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Size 0, alignment not a power of two, or a range that wraps.
    case invalidRequest(String)
    /// No free range can hold the request.
    case exhausted(pool: String, size: UInt64, alignment: UInt64)
    /// The fixed range is not entirely free (or not inside the pool).
    case unavailable(pool: String, BusAddressRange)
    /// `free` of a range that is not allocated exactly as given.
    case notAllocated(pool: String, BusAddressRange)
    /// `addRegion` overlapping space the pool already covers.
    case overlapsPool(pool: String, BusAddressRange)

    public var description: String {
        switch self {
        case let .invalidRequest(reason): return "address allocator: \(reason)"
        case let .exhausted(pool, size, alignment):
            return "\(pool): no free range of 0x\(String(size, radix: 16)) bytes aligned to 0x\(String(alignment, radix: 16))"
        case let .unavailable(pool, range): return "\(pool): \(range) is not free"
        case let .notAllocated(pool, range): return "\(pool): \(range) was not allocated"
        case let .overlapsPool(pool, range): return "\(pool): \(range) overlaps the pool"
        }
    }
}

/// First-fit allocator over a set of address ranges. Value type: copy it to snapshot.
public struct AddressSpaceAllocator: Sendable, Equatable {
    /// A name for error messages ("pci memory32 aperture", "00:1c.0 memory window").
    public let name: String
    /// Free ranges, sorted by base, non-overlapping and non-adjacent (merged).
    public private(set) var freeRanges: [BusAddressRange] = []
    /// Allocated ranges by base.
    public private(set) var allocations: [UInt64: UInt64] = [:]
    /// Every range ever added to the pool.
    public private(set) var regions: [BusAddressRange] = []

    public init(name: String, regions: [BusAddressRange] = []) throws(AddressAllocatorError) {
        self.name = name
        for region in regions { try addRegion(region) }
    }

    /// Bytes currently free.
    public var freeBytes: UInt64 { freeRanges.reduce(0) { $0 &+ $1.size } }
    /// Bytes the pool covers.
    public var totalBytes: UInt64 { regions.reduce(0) { $0 &+ $1.size } }

    /// Adds `range` to the pool (free).
    public mutating func addRegion(_ range: BusAddressRange) throws(AddressAllocatorError) {
        guard range.size > 0, range.last != nil else {
            throw .invalidRequest("region \(range) is empty or wraps")
        }
        guard !regions.contains(where: { $0.overlaps(range) }) else { throw .overlapsPool(pool: name, range) }
        regions.append(range)
        insertFree(range)
    }

    /// Allocates `size` bytes aligned to `alignment` (a power of two; nil: `size` rounded up to a
    /// power of two, PCI's natural alignment), from the lowest free address that fits.
    public mutating func allocate(size: UInt64, alignment: UInt64? = nil) throws(AddressAllocatorError) -> UInt64 {
        guard size > 0 else { throw .invalidRequest("size 0") }
        let align: UInt64
        if let alignment { align = alignment } else { align = try Self.naturalAlignment(size) }
        guard align > 0, align & (align - 1) == 0 else {
            throw .invalidRequest("alignment 0x\(String(align, radix: 16)) is not a power of two")
        }
        let mask = align - 1
        for (index, free) in freeRanges.enumerated() {
            let (bumped, overflow) = free.base.addingReportingOverflow(mask)
            guard !overflow, let freeLast = free.last else { continue }
            let start = bumped & ~mask
            guard start <= freeLast, size - 1 <= freeLast - start else { continue }
            carve(BusAddressRange(base: start, size: size), fromFreeAt: index)
            return start
        }
        throw .exhausted(pool: name, size: size, alignment: align)
    }

    /// Claims exactly `range` (firmware put something there): it must lie in one free range.
    public mutating func claim(_ range: BusAddressRange) throws(AddressAllocatorError) {
        guard range.size > 0, range.last != nil else { throw .invalidRequest("range \(range) is empty or wraps") }
        guard let index = freeRanges.firstIndex(where: { $0.contains(range) }) else {
            throw .unavailable(pool: name, range)
        }
        carve(range, fromFreeAt: index)
    }

    /// Returns an allocation; it must match an allocation exactly.
    public mutating func free(_ range: BusAddressRange) throws(AddressAllocatorError) {
        guard allocations[range.base] == range.size else { throw .notAllocated(pool: name, range) }
        allocations[range.base] = nil
        insertFree(range)
    }

    /// Whether `range` lies inside the pool (free or not).
    public func covers(_ range: BusAddressRange) -> Bool { regions.contains { $0.contains(range) } }

    /// The smallest power of two >= size (nil-free: throws if it does not exist in 64 bits).
    public static func naturalAlignment(_ size: UInt64) throws(AddressAllocatorError) -> UInt64 {
        guard size > 0 else { throw .invalidRequest("size 0") }
        guard size <= 1 << 63 else { throw .invalidRequest("size 0x\(String(size, radix: 16)) has no natural alignment") }
        var align: UInt64 = 1
        while align < size { align <<= 1 }
        return align
    }

    // MARK: Free-list maintenance

    private mutating func carve(_ range: BusAddressRange, fromFreeAt index: Int) {
        let free = freeRanges[index]
        var pieces: [BusAddressRange] = []
        if range.base > free.base { pieces.append(BusAddressRange(base: free.base, size: range.base - free.base)) }
        if let freeLast = free.last, let rangeLast = range.last, rangeLast < freeLast {
            pieces.append(BusAddressRange(base: rangeLast + 1, size: freeLast - rangeLast))
        }
        freeRanges.replaceSubrange(index...index, with: pieces)
        allocations[range.base] = range.size
    }

    /// Inserts a free range, merging with adjacent neighbours.
    private mutating func insertFree(_ range: BusAddressRange) {
        var index = freeRanges.firstIndex { $0.base > range.base } ?? freeRanges.count
        var merged = range
        // A merge whose size would not fit 64 bits (the whole address space) is left unmerged.
        if index > 0, let previousEnd = freeRanges[index - 1].end, previousEnd == merged.base,
           !freeRanges[index - 1].size.addingReportingOverflow(merged.size).overflow {
            merged = BusAddressRange(base: freeRanges[index - 1].base, size: freeRanges[index - 1].size + merged.size)
            freeRanges.remove(at: index - 1)
            index -= 1
        }
        if index < freeRanges.count, let mergedEnd = merged.end, mergedEnd == freeRanges[index].base,
           !merged.size.addingReportingOverflow(freeRanges[index].size).overflow {
            merged.size += freeRanges[index].size
            freeRanges.remove(at: index)
        }
        freeRanges.insert(merged, at: index)
    }
}
