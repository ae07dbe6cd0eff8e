// `AddressRange`: a [base, base + size) range of virtual addresses whose end is computed with an
// overflow check, for VMAR and mapping bookkeeping.
//
// Zircon counterpart: the base/size pairs and `add_overflow` range checks of
// zircon/kernel/vm/vm_address_region.cc (no public header; Zircon passes base and size separately).

/// A half-open range of addresses `[base, base + size)` that does not wrap around the address space.
public struct AddressRange: Hashable, Sendable, CustomStringConvertible {
    public let base: UInt
    public let size: UInt

    /// A range, or nil if `base + size` overflows (`end` must be representable, so no range
    /// reaches the very top of the address space).
    @inlinable public init?(base: UInt, size: UInt) {
        guard base.checkedAdd(size) != nil else { return nil }
        self.base = base
        self.size = size
    }

    /// The range [base, end), or nil if end < base.
    @inlinable public init?(base: UInt, end: UInt) {
        guard end >= base else { return nil }
        self.base = base
        self.size = end - base
    }

    /// One past the last address; never overflows (checked at construction).
    @inlinable public var end: UInt { base &+ size }
    /// The last address, or nil for an empty range.
    @inlinable public var last: UInt? { size == 0 ? nil : base &+ (size &- 1) }
    @inlinable public var isEmpty: Bool { size == 0 }

    @inlinable public func contains(_ address: UInt) -> Bool { address >= base && address < end }
    /// True if `other` lies entirely inside this range (an empty range at `end` counts as inside).
    @inlinable public func contains(_ other: AddressRange) -> Bool { other.base >= base && other.end <= end }
    /// True if the two ranges share at least one address.
    @inlinable public func overlaps(_ other: AddressRange) -> Bool {
        !isEmpty && !other.isEmpty && other.base < end && base < other.end
    }
    /// The common part of the two ranges, or nil if they do not overlap.
    @inlinable public func intersection(_ other: AddressRange) -> AddressRange? {
        guard overlaps(other) else { return nil }
        return AddressRange(base: Swift.max(base, other.base), end: Swift.min(end, other.end))
    }
    /// True if both base and size are page aligned.
    @inlinable public var isPageAligned: Bool { base.isPageAligned && size.isPageAligned }

    public var description: String {
        "[0x" + String(base, radix: 16) + ", 0x" + String(end, radix: 16) + ")"
    }
}
