// Page arithmetic and typed addresses: rounding at the top of the address space must report
// overflow (nil) rather than wrap, for UInt, UInt64 and UInt32 alike.

import Testing
import ZX

@Suite("Page math")
struct PageMathTests {
    @Test func geometry() {
        #expect(PageGeometry.shift == 12)
        #expect(PageGeometry.size == 4096)
        #expect(PageGeometry.mask == 4095)
    }

    @Test func alignmentPredicates() {
        #expect(UInt(0).isPageAligned)
        #expect(UInt(4096).isPageAligned)
        #expect(!UInt(4095).isPageAligned)
        #expect(!UInt(4097).isPageAligned)
        #expect(!UInt64.max.isPageAligned)
        #expect((UInt64.max - 4095).isPageAligned)
        #expect(UInt(0x20_0000).isAligned(to: 0x20_0000))
        #expect(!UInt(0x20_1000).isAligned(to: 0x20_0000))
    }

    @Test func truncation() {
        #expect(UInt(4097).pageTruncated == 4096)
        #expect(UInt(4095).pageTruncated == 0)
        #expect(UInt64.max.pageTruncated == 0xFFFF_FFFF_FFFF_F000)
        #expect(UInt32.max.pageTruncated == 0xFFFF_F000)
    }

    @Test func roundUpNormalCases() {
        #expect(UInt(0).pageRoundedUp == 0)
        #expect(UInt(1).pageRoundedUp == 4096)
        #expect(UInt(4096).pageRoundedUp == 4096)
        #expect(UInt(4097).pageRoundedUp == 8192)
        #expect(UInt64(12345).pageRoundedUp == 16384)
    }

    @Test func roundUpAtTheTop() {
        // The last page-aligned value rounds to itself.
        #expect((UInt64.max - 4095).pageRoundedUp == UInt64.max - 4095)
        #expect((UInt.max - 4095).pageRoundedUp == UInt.max - 4095)
        // Anything above it has no page-aligned successor.
        #expect(UInt64.max.pageRoundedUp == nil)
        #expect((UInt64.max - 4094).pageRoundedUp == nil)
        #expect((UInt.max - 4094).pageRoundedUp == nil)
        #expect((UInt.max - 1).pageRoundedUp == nil)
        #expect(UInt32.max.pageRoundedUp == nil)
        #expect((UInt32.max - 4095).pageRoundedUp == UInt32.max - 4095)
        // Zircon tests use SIZE_MAX - PAGE_SIZE + 2 and friends as "overflowing" sizes.
        #expect((UInt.max - UInt(PageGeometry.size) + 2).pageRoundedUp == nil)
    }

    @Test func checkedAdd() {
        #expect(UInt64.max.checkedAdd(0) == UInt64.max)
        #expect(UInt64.max.checkedAdd(1) == nil)
        #expect((UInt.max - 4096).checkedAdd(4096) == UInt.max)
        #expect((UInt.max - 4096).checkedAdd(4097) == nil)
        #expect(UInt(1 << 47).checkedAdd(1 << 47) == 1 << 48)
    }

    @Test func roundUpToAlignment() {
        #expect(UInt(0x1234_5000).roundedUp(to: 0x20_0000) == 0x1240_0000)
        #expect(UInt(0x1240_0000).roundedUp(to: 0x20_0000) == 0x1240_0000)
        #expect(UInt64.max.roundedUp(to: 1) == UInt64.max)
        // 0xFFFF_FFFF_FFE0_0000 is the last 2 MiB boundary; one past it cannot round up.
        #expect((UInt64.max - 0x1F_FFFF).roundedUp(to: 0x20_0000) == 0xFFFF_FFFF_FFE0_0000)
        #expect((UInt64.max - 0x1F_FFFE).roundedUp(to: 0x20_0000) == nil)
        #expect(UInt64.max.roundedUp(to: 0x20_0000) == nil)
        #expect(UInt64(1).roundedUp(to: 1 << 32) == 1 << 32)
    }

    @Test func virtualAddress() {
        let va = VirtualAddress(0x7FFF_1234_5678)
        #expect(va.pageNumber == 0x7_FFF1_2345)
        #expect(va.pageOffset == 0x678)
        #expect(va.description == "0x7fff12345678")
        #expect(VirtualAddress(rawValue: 4096) < VirtualAddress(8192))
        #expect(VirtualAddress(UInt.max).pageNumber == UInt.max >> 12)
        #expect(VirtualAddress(UInt.max).pageOffset == 4095)
        #expect(Set([VirtualAddress(1), VirtualAddress(1), VirtualAddress(2)]).count == 2)
    }

    @Test func physicalAddress() {
        let pa = PhysicalAddress.frame(0x1234)
        #expect(pa.rawValue == 0x123_4000)
        #expect(pa.frameNumber == 0x1234)
        #expect(PhysicalAddress(0x123_4FFF).frameNumber == 0x1234)
        #expect(pa.description == "0x1234000")
        #expect(PhysicalAddress(0) < pa)
        #expect(PhysicalAddress(UInt64.max).frameNumber == UInt64.max >> 12)
    }
}

@Suite("AddressRange")
struct AddressRangeTests {
    @Test func construction() throws {
        let r = try #require(AddressRange(base: 0x1000, size: 0x3000))
        #expect(r.end == 0x4000)
        #expect(r.last == 0x3FFF)
        #expect(!r.isEmpty)
        #expect(r.isPageAligned)
        #expect(r.description == "[0x1000, 0x4000)")
        #expect(AddressRange(base: 0x1000, end: 0x4000) == r)
        #expect(AddressRange(base: 0x4000, end: 0x1000) == nil)
    }

    @Test func overflowAtTheTop() {
        #expect(AddressRange(base: UInt.max, size: 1) == nil)
        #expect(AddressRange(base: UInt.max - 4095, size: 4096) == nil)
        #expect(AddressRange(base: UInt.max - 4095, size: 4095)?.end == UInt.max)
        #expect(AddressRange(base: 1, size: UInt.max) == nil)
        #expect(AddressRange(base: 0, size: UInt.max)?.last == UInt.max - 1)
        #expect(AddressRange(base: UInt.max, size: 0)?.isEmpty == true)
        #expect(AddressRange(base: UInt.max, size: 0)?.last == nil)
    }

    @Test func containmentAndOverlap() throws {
        let a = try #require(AddressRange(base: 0x1000, size: 0x4000))
        let inside = try #require(AddressRange(base: 0x2000, size: 0x1000))
        let straddle = try #require(AddressRange(base: 0x4000, size: 0x2000))
        let adjacent = try #require(AddressRange(base: 0x5000, size: 0x1000))
        let empty = try #require(AddressRange(base: 0x2000, size: 0))
        #expect(a.contains(0x1000))
        #expect(a.contains(0x4FFF))
        #expect(!a.contains(0x5000))
        #expect(!a.contains(0xFFF))
        #expect(a.contains(inside))
        #expect(!a.contains(straddle))
        #expect(a.overlaps(straddle))
        #expect(!a.overlaps(adjacent))
        #expect(!a.overlaps(empty))
        #expect(a.intersection(straddle) == AddressRange(base: 0x4000, size: 0x1000))
        #expect(a.intersection(adjacent) == nil)
        #expect(!(try #require(AddressRange(base: 0x1001, size: 0x1000))).isPageAligned)
    }
}
