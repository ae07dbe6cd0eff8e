// AddressSpaceAllocator: first fit with alignment, fixed claims, frees that merge, refusals of
// malformed requests; and a seeded, bounded property test checking its invariants after every
// random allocate / claim / free against a plain model of what is allocated.

import Drivers
import Testing

@Suite struct AddressSpaceAllocatorTests {
    @Test func firstFitAlignmentClaimsAndMergingFrees() throws {
        var pool = try AddressSpaceAllocator(name: "test", regions: [BusAddressRange(base: 0x1000, size: 0xF000)])
        #expect(try pool.allocate(size: 0x100) == 0x1000)
        #expect(try pool.allocate(size: 0x2000) == 0x2000)           // natural alignment skips 0x1100
        #expect(try pool.allocate(size: 0x10, alignment: 0x10) == 0x1100)
        try pool.claim(BusAddressRange(base: 0x8000, size: 0x1000))
        #expect(throws: AddressAllocatorError.unavailable(pool: "test", BusAddressRange(base: 0x8800, size: 0x1000))) {
            try pool.claim(BusAddressRange(base: 0x8800, size: 0x1000))
        }
        #expect(try pool.allocate(size: 0x4000) == 0x4000)
        #expect(throws: AddressAllocatorError.exhausted(pool: "test", size: 0x8000, alignment: 0x8000)) {
            try pool.allocate(size: 0x8000)
        }
        #expect(throws: AddressAllocatorError.notAllocated(pool: "test", BusAddressRange(base: 0x4000, size: 0x1000))) {
            try pool.free(BusAddressRange(base: 0x4000, size: 0x1000))
        }
        #expect(throws: AddressAllocatorError.self) { try pool.allocate(size: 0) }
        #expect(throws: AddressAllocatorError.self) { try pool.allocate(size: 0x10, alignment: 3) }
        #expect(throws: AddressAllocatorError.self) { try pool.addRegion(BusAddressRange(base: 0xF000, size: 0x2000)) }
        #expect(throws: AddressAllocatorError.self) { try pool.addRegion(BusAddressRange(base: UInt64.max, size: 2)) }
        for range in [(0x1000, 0x100), (0x2000, 0x2000), (0x1100, 0x10), (0x8000, 0x1000), (0x4000, 0x4000)] {
            try pool.free(BusAddressRange(base: UInt64(range.0), size: UInt64(range.1)))
        }
        #expect(pool.freeRanges == [BusAddressRange(base: 0x1000, size: 0xF000)])
        // A second, disjoint region is used once the first is full; adjacent regions merge.
        try pool.addRegion(BusAddressRange(base: 0x10000, size: 0x1000))
        #expect(pool.freeRanges == [BusAddressRange(base: 0x1000, size: 0x10000)])
        #expect(try pool.allocate(size: 0x10000, alignment: 0x1000) == 0x1000)
        #expect(pool.freeBytes == 0)
    }

    @Test func theTopOfTheAddressSpaceIsUsableWithoutOverflow() throws {
        var pool = try AddressSpaceAllocator(name: "top", regions: [BusAddressRange(base: UInt64.max - 0xFFF, size: 0x1000)])
        #expect(try pool.allocate(size: 0x1000) == UInt64.max - 0xFFF)
        #expect(throws: AddressAllocatorError.self) { try pool.allocate(size: 1) }
        try pool.free(BusAddressRange(base: UInt64.max - 0xFFF, size: 0x1000))
        #expect(throws: AddressAllocatorError.self) { try pool.allocate(size: 0x10, alignment: 1 << 63) }
        #expect(try pool.allocate(size: 0x10) == UInt64.max - 0xFFF)
    }

    /// SplitMix64: a small deterministic generator for the property test.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test(arguments: [1, 2, 3, 42] as [UInt64])
    func randomOperationsKeepTheInvariants(seed: UInt64) throws {
        var random = SplitMix(state: seed)
        let regions = [BusAddressRange(base: 0xC000_0000, size: 0x40_0000), BusAddressRange(base: 0xE000_0000, size: 0x10_0000)]
        var pool = try AddressSpaceAllocator(name: "property", regions: regions)
        var live: [BusAddressRange] = []
        for _ in 0..<400 {
            switch random.next(upperBound: UInt64(10)) {
            case 0..<5:
                let size = UInt64(1) << random.next(upperBound: UInt64(18))        // 1 B ... 128 KiB
                let alignment: UInt64? = random.next(upperBound: UInt64(2)) == 0 ? nil : UInt64(1) << random.next(upperBound: UInt64(13))
                // First fit: the lowest aligned start of a free range that holds the request.
                let align = alignment ?? size
                let lowest = pool.freeRanges.lazy.compactMap { free -> UInt64? in
                    let start = (free.base + align - 1) / align * align
                    return start - free.base + size <= free.size ? start : nil
                }.first
                do throws(AddressAllocatorError) {
                    let base = try pool.allocate(size: size, alignment: alignment)
                    #expect(base == lowest)
                    live.append(BusAddressRange(base: base, size: size))
                } catch {
                    guard case .exhausted = error else { throw error }
                    #expect(lowest == nil)
                }
            case 5..<8 where !live.isEmpty:
                let range = live.remove(at: Int(random.next(upperBound: UInt64(live.count))))
                try pool.free(range)
            default:
                guard let free = pool.freeRanges.randomElement(using: &random), free.size >= 2 else { continue }
                let size = 1 + random.next(upperBound: free.size / 2)
                let range = BusAddressRange(base: free.base + random.next(upperBound: free.size - size + 1), size: size)
                try pool.claim(range)
                live.append(range)
            }
            // Invariants: allocations are disjoint, inside the regions, and with the free ranges
            // exactly tile the regions; free ranges are sorted and never adjacent.
            let sorted = live.sorted { $0.base < $1.base }
            let disjoint = zip(sorted, sorted.dropFirst()).allSatisfy { $0.base + $0.size <= $1.base }
            let inside = live.allSatisfy { range in regions.contains { $0.contains(range) } }
            let tiled = pool.freeBytes + live.reduce(0) { $0 + $1.size } == pool.totalBytes
            let merged = zip(pool.freeRanges, pool.freeRanges.dropFirst()).allSatisfy { $0.base + $0.size < $1.base }
            let everything = (live + pool.freeRanges).sorted { $0.base < $1.base }
            let freeIsFree = zip(everything, everything.dropFirst()).allSatisfy { $0.base + $0.size <= $1.base }
            guard disjoint, inside, tiled, merged, freeIsFree else {
                Issue.record("invariant broken (seed \(seed)): disjoint \(disjoint) inside \(inside) tiled \(tiled) merged \(merged) free \(freeIsFree)")
                return
            }
        }
        for range in live { try pool.free(range) }
        #expect(pool.freeRanges == regions)
    }
}
