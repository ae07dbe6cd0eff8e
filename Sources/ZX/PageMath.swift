// Typed addresses and overflow-checked page arithmetic.
//
// Zircon counterpart: zircon/kernel/include/arch/defines.h (PAGE_SIZE), fbl/algorithm.h
// (ROUNDUP/ROUNDDOWN) and the `add_overflow` checks sprinkled over zircon/kernel/vm. Every
// rounding that can wrap returns nil instead, so callers turn overflow into the status Zircon
// documents for that call (usually ZX_ERR_OUT_OF_RANGE or ZX_ERR_INVALID_ARGS).

/// The emulated machine's page geometry. Zirconia runs 4 KiB pages, as x86-64 and arm64 Zircon do.
public enum PageGeometry {
    public static let shift: Int = 12
    public static let size: Int = 1 << shift
    public static let mask: Int = size - 1
}

extension FixedWidthInteger where Self: UnsignedInteger {
    /// True if the value is a multiple of the page size.
    @inlinable public var isPageAligned: Bool { self & Self(PageGeometry.mask) == 0 }
    /// The value rounded down to a page boundary.
    @inlinable public var pageTruncated: Self { self & ~Self(PageGeometry.mask) }
    /// The value rounded up to a page boundary, or nil if that overflows.
    @inlinable public var pageRoundedUp: Self? {
        let (sum, overflow) = self.addingReportingOverflow(Self(PageGeometry.mask))
        return overflow ? nil : sum & ~Self(PageGeometry.mask)
    }
    /// `self + other`, or nil on overflow.
    @inlinable public func checkedAdd(_ other: Self) -> Self? {
        let (sum, overflow) = self.addingReportingOverflow(other)
        return overflow ? nil : sum
    }
    /// True if the value is a multiple of `alignment` (a power of two).
    @inlinable public func isAligned(to alignment: Self) -> Bool { self & (alignment &- 1) == 0 }
    /// The value rounded up to `alignment` (a power of two), or nil on overflow.
    @inlinable public func roundedUp(to alignment: Self) -> Self? {
        let (sum, overflow) = self.addingReportingOverflow(alignment &- 1)
        return overflow ? nil : sum & ~(alignment &- 1)
    }
}

/// A virtual address in an emulated address space.
public struct VirtualAddress: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt
    @inlinable public init(rawValue: UInt) { self.rawValue = rawValue }
    @inlinable public init(_ rawValue: UInt) { self.rawValue = rawValue }
    @inlinable public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    /// The virtual page number (address >> page shift).
    @inlinable public var pageNumber: UInt { rawValue >> UInt(PageGeometry.shift) }
    /// Offset of the address inside its page.
    @inlinable public var pageOffset: Int { Int(rawValue & UInt(PageGeometry.mask)) }
    public var description: String { "0x" + String(rawValue, radix: 16) }
}

/// A physical address on the emulated machine's bus (RAM or device registers).
public struct PhysicalAddress: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    @inlinable public init(rawValue: UInt64) { self.rawValue = rawValue }
    @inlinable public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    @inlinable public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    /// The physical frame number (address >> page shift).
    @inlinable public var frameNumber: UInt64 { rawValue >> UInt64(PageGeometry.shift) }
    @inlinable public static func frame(_ number: UInt64) -> PhysicalAddress {
        PhysicalAddress(number << UInt64(PageGeometry.shift))
    }
    public var description: String { "0x" + String(rawValue, radix: 16) }
}
