// Test support: a counting page-table allocator over PhysicalMemory, SplitMix64, seeds.
//
// Zircon counterpart: vm/unittests/test_helper.h (test allocators and helpers).

import Foundation
import Hardware
import Synchronization
import ZX

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, seedable, good enough for op generation.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A seed from `ZIRCONIA_SEED` (decimal or 0x-hex) or a fresh random one; always printed.
func testSeed(_ name: String) -> UInt64 {
    let seed: UInt64
    if let text = ProcessInfo.processInfo.environment["ZIRCONIA_SEED"],
       let value = text.hasPrefix("0x") ? UInt64(text.dropFirst(2), radix: 16) : UInt64(text) {
        seed = value
    } else {
        seed = UInt64.random(in: 0...UInt64.max)
    }
    print("\(name): seed 0x\(String(seed, radix: 16)) (rerun with ZIRCONIA_SEED=0x\(String(seed, radix: 16)))")
    return seed
}

/// A free-list page allocator over a slice of RAM that counts outstanding pages and can be told
/// to fail after a number of further allocations.
final class TestPageAllocator: PageTableAllocator {
    private struct State {
        var free: [PhysicalAddress]
        var outstanding: Set<PhysicalAddress> = []
        var failAfter: Int?
    }
    let memory: PhysicalMemory
    private let state: Mutex<State>

    /// Hands out pages from `[memory.base + firstPage pages, + pages)`.
    init(memory: PhysicalMemory, firstPage: Int = 0, pages: Int) {
        self.memory = memory
        let frames = (firstPage..<(firstPage + pages)).reversed().map {
            PhysicalAddress(memory.base.rawValue + UInt64($0 * PageGeometry.size))
        }
        state = Mutex(State(free: frames))
    }

    /// Pages handed out and not yet returned.
    var allocated: Int { state.withLock { $0.outstanding.count } }

    /// Allocation number `count + 1` from now fails with `.noMemory`; nil disables.
    func failAfter(_ count: Int?) { state.withLock { $0.failAfter = count } }

    func allocatePageTablePage() throws(ZxStatus) -> PhysicalAddress {
        let page: PhysicalAddress? = state.withLock { state in
            if let remaining = state.failAfter {
                if remaining == 0 { return nil }
                state.failAfter = remaining - 1
            }
            guard let page = state.free.popLast() else { return nil }
            state.outstanding.insert(page)
            return page
        }
        guard let page else { throw .noMemory }
        memory.zeroPage(page)
        return page
    }

    func freePageTablePage(_ page: PhysicalAddress) {
        state.withLock { state in
            precondition(state.outstanding.remove(page) != nil, "double free of \(page)")
            state.free.append(page)
        }
    }
}

/// A small machine: 8 MiB RAM, page tables from its first 1024 pages, data pages above.
struct TestMachine {
    static let tablePages = 1024
    let memory: PhysicalMemory
    let allocator: TestPageAllocator

    init() throws {
        memory = try PhysicalMemory(size: 8 << 20)
        allocator = TestPageAllocator(memory: memory, pages: TestMachine.tablePages)
    }

    /// The `index`-th data page (never used for tables).
    func dataPage(_ index: Int) -> PhysicalAddress {
        PhysicalAddress(memory.base.rawValue + UInt64((TestMachine.tablePages + index) * PageGeometry.size))
    }

    func aspace(base: UInt = 0x100_0000, size: Int = 1 << 40) throws -> ArchVmAspace {
        try ArchVmAspace(memory: memory, allocator: allocator, base: VirtualAddress(base), size: size)
    }
}

extension VirtualAddress {
    /// `self` advanced by `pages` pages.
    func advanced(pages: Int) -> VirtualAddress {
        VirtualAddress(rawValue &+ UInt(pages * PageGeometry.size))
    }
}
