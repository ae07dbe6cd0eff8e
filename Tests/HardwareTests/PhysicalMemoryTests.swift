// Tests for PhysicalMemory: geometry, bounds, zero/copy/release of pages, MMUFlags encoding.
//
// Zircon counterpart: vm/unittests/pmm_unittest.cc (physmap-level checks).

import Hardware
import Testing
import ZX

@Suite struct PhysicalMemoryTests {
    @Test func geometryAndBounds() throws {
        let memory = try PhysicalMemory(size: 16 * PageGeometry.size)
        #expect(memory.base == PhysicalAddress(0x10_0000))
        #expect(memory.pageCount == 16)
        #expect(memory.contains(memory.base))
        #expect(memory.contains(memory.base, length: 16 * PageGeometry.size))
        #expect(!memory.contains(memory.base, length: 16 * PageGeometry.size + 1))
        #expect(!memory.contains(PhysicalAddress(memory.base.rawValue - 1)))
        #expect(!memory.contains(PhysicalAddress(memory.base.rawValue + 16 * 4096)))
        #expect(memory.contains(PhysicalAddress(memory.base.rawValue + 16 * 4096 - 8), length: 8))
        #expect(!memory.contains(PhysicalAddress(UInt64.max), length: 2))
        #expect(!memory.contains(memory.base, length: 0))
    }

    @Test func rejectsBadGeometry() {
        #expect(throws: ZxStatus.invalidArgs) { _ = try PhysicalMemory(size: 100) }
        #expect(throws: ZxStatus.invalidArgs) { _ = try PhysicalMemory(size: 0) }
        #expect(throws: ZxStatus.invalidArgs) { _ = try PhysicalMemory(base: PhysicalAddress(0x123), size: 4096) }
    }

    @Test func untouchedRamReadsZero() throws {
        let memory = try PhysicalMemory(base: PhysicalAddress(0x4000_0000), size: 1 << 30)
        let last = PhysicalAddress(memory.base.rawValue + UInt64(memory.size - 8))
        #expect(memory.hostPointer(last).load(as: UInt64.self) == 0)
        #expect(memory.hostPointer(memory.base).load(as: UInt64.self) == 0)
    }

    @Test func zeroCopyRelease() throws {
        let memory = try PhysicalMemory(size: 8 * PageGeometry.size)
        func page(_ i: Int) -> PhysicalAddress { PhysicalAddress(memory.base.rawValue + UInt64(i * 4096)) }
        func fill(_ p: PhysicalAddress, _ seed: UInt8) {
            let bytes = memory.hostPointer(p).assumingMemoryBound(to: UInt8.self)
            for i in 0..<4096 { bytes[i] = UInt8(truncatingIfNeeded: i) &+ seed }
        }
        func matches(_ p: PhysicalAddress, _ seed: UInt8) -> Bool {
            let bytes = memory.hostPointer(p).assumingMemoryBound(to: UInt8.self)
            return (0..<4096).allSatisfy { bytes[$0] == UInt8(truncatingIfNeeded: $0) &+ seed }
        }
        func isZero(_ p: PhysicalAddress) -> Bool {
            let bytes = memory.hostPointer(p).assumingMemoryBound(to: UInt8.self)
            return (0..<4096).allSatisfy { bytes[$0] == 0 }
        }
        for i in 0..<8 { fill(page(i), UInt8(i)) }

        memory.copyPage(from: page(1), to: page(2))
        #expect(matches(page(2), 1))
        #expect(matches(page(1), 1))
        #expect(matches(page(3), 3))

        memory.zeroPage(page(3))
        #expect(isZero(page(3)))
        #expect(matches(page(4), 4))

        memory.releaseHostMemory(page(4), pages: 2)
        #expect(isZero(page(4)))
        #expect(isZero(page(5)))
        #expect(matches(page(6), 6))
        #expect(matches(page(2), 1))
        // Released pages are ordinary RAM again.
        fill(page(4), 9)
        #expect(matches(page(4), 9))
    }
}

@Suite struct MMUFlagsTests {
    @Test func cachePolicyField() {
        for policy: UInt32 in 0...3 {
            let flags = MMUFlags(cachePolicy: policy).union([.read, .write])
            #expect(flags.cachePolicyBits == policy)
            #expect(flags.permissions == [.read, .write])
            #expect(flags.withCachePolicy(0).cachePolicyBits == 0)
        }
        #expect(MMUFlags.cached.rawValue == 0)
        #expect(MMUFlags.uncached.cachePolicyBits == 1)
        #expect(MMUFlags.uncachedDevice.cachePolicyBits == 2)
        #expect(MMUFlags.writeCombining.cachePolicyBits == 3)
        #expect(MMUFlags([.read, .execute, .user, .writeCombining]).permissions == [.read, .execute])
    }
}
