// PMM: the physical memory manager. Carves emulated RAM into 4 KiB pages, tracks every page's
// state in a descriptor array, hands out zero-filled pages to VMOs and page tables, and owns the
// singleton zero page that stands in for every uncommitted page.
//
// Zircon counterpart: zircon/kernel/vm/pmm.cc, pmm_node.cc, pmm_arena.cc, include/vm/page.h.
// Lock domain: the PMM lock (a leaf: nothing else is taken while it is held).
//
// Host memory policy: RAM is one lazily reserved mapping, so a page costs host memory only once
// it is touched. Free pages come in two kinds. *Warm* pages were used before and are still
// resident; they are reused first (LIFO, so caches stay hot) and zeroed on allocation. *Cold*
// pages are either never touched or had their host memory released; they read as zero already,
// so allocation skips the memset. When more than `warmFreeLimit` pages are free and warm, the
// surplus gives its host memory back (madvise), which is how decommitted memory returns to the host.

import Hardware
import KernelContainers
import ZX

/// What a physical page is being used for. Zircon: vm_page_state.
public enum PageState: UInt8, Sendable, CaseIterable {
    case free = 0
    /// Owned by a VMO (committed).
    case object
    /// A page-table page (counted as MMU overhead).
    case mmu
    /// Pinned for the kernel's own use (boot structures, the zero page).
    case wired
}

/// A snapshot of the PMM's counters; backs ZX_INFO_KMEM_STATS.
public struct PMMStats: Sendable, Equatable {
    public var totalPages: Int
    public var freePages: Int
    public var objectPages: Int
    public var mmuPages: Int
    public var wiredPages: Int
    /// Free pages whose host memory is still resident (reused first).
    public var warmFreePages: Int
    public var totalBytes: UInt64 { UInt64(totalPages) * UInt64(PageGeometry.size) }
    public var freeBytes: UInt64 { UInt64(freePages) * UInt64(PageGeometry.size) }
}

public final class PMM: PageTableAllocator, @unchecked Sendable {
    public let memory: PhysicalMemory
    /// The singleton page of zeros mapped read-only for every uncommitted page that is read.
    public let zeroPage: PhysicalAddress
    /// How many warm free pages are kept resident before host memory is released.
    public let warmFreeLimit: Int

    private let lock = KernelLock()
    private let pageCount: Int
    /// Per-page state, indexed by frame number relative to the start of RAM.
    private let states: UnsafeMutablePointer<UInt8>
    /// Stack of warm free frame indices (top = most recently freed).
    private let warm: UnsafeMutablePointer<UInt32>
    private var warmCount = 0
    /// Stack of cold free frame indices (top = lowest address first at boot).
    private let cold: UnsafeMutablePointer<UInt32>
    private var coldCount = 0
    private var counts = [Int](repeating: 0, count: PageState.allCases.count)

    public init(memory: PhysicalMemory, warmFreeLimit: Int = 8192) throws(ZxStatus) {
        self.memory = memory
        self.warmFreeLimit = warmFreeLimit
        pageCount = memory.pageCount
        guard pageCount >= 2, pageCount < Int(UInt32.max) else { throw .invalidArgs }
        states = .allocate(capacity: pageCount)
        states.initialize(repeating: PageState.free.rawValue, count: pageCount)
        warm = .allocate(capacity: pageCount)
        cold = .allocate(capacity: pageCount)
        // Push highest first so the lowest frames are handed out first.
        for index in stride(from: pageCount - 1, through: 0, by: -1) {
            cold[coldCount] = UInt32(index)
            coldCount += 1
        }
        counts[Int(PageState.free.rawValue)] = pageCount
        // Frame 0 of RAM becomes the zero page: wired, never written after boot.
        coldCount -= 1
        let zeroIndex = Int(cold[coldCount])
        states[zeroIndex] = PageState.wired.rawValue
        counts[Int(PageState.free.rawValue)] -= 1
        counts[Int(PageState.wired.rawValue)] += 1
        zeroPage = PhysicalAddress(memory.base.rawValue + UInt64(zeroIndex) * UInt64(PageGeometry.size))
    }

    deinit {
        states.deallocate()
        warm.deallocate()
        cold.deallocate()
    }

    @inline(__always)
    private func address(ofIndex index: Int) -> PhysicalAddress {
        PhysicalAddress(memory.base.rawValue &+ UInt64(index) &* UInt64(PageGeometry.size))
    }

    @inline(__always)
    private func index(of page: PhysicalAddress) -> Int? {
        guard page.rawValue >= memory.base.rawValue else { return nil }
        let index = Int((page.rawValue - memory.base.rawValue) >> UInt64(PageGeometry.shift))
        return index < pageCount ? index : nil
    }

    /// Allocates one zero-filled page in `state`. Out of pages → `.noMemory`, never a crash.
    public func allocPage(_ state: PageState = .object) throws(ZxStatus) -> PhysicalAddress {
        try allocPage(state, zeroFill: true)
    }

    /// Allocates one page in `state`; with `zeroFill` false its contents are unspecified (for a
    /// caller that overwrites the whole page at once, such as a copy-on-write fork).
    public func allocPage(_ state: PageState, zeroFill: Bool) throws(ZxStatus) -> PhysicalAddress {
        precondition(state != .free)
        lock.lock()
        let index: Int
        let needsZeroing: Bool
        if warmCount > 0 {
            warmCount -= 1
            index = Int(warm[warmCount])
            needsZeroing = true
        } else if coldCount > 0 {
            coldCount -= 1
            index = Int(cold[coldCount])
            needsZeroing = false
        } else {
            lock.unlock()
            throw .noMemory
        }
        states[index] = state.rawValue
        counts[Int(PageState.free.rawValue)] -= 1
        counts[Int(state.rawValue)] += 1
        lock.unlock()
        let page = address(ofIndex: index)
        if needsZeroing && zeroFill { memory.zeroPage(page) }
        return page
    }

    /// Allocates `count` physically contiguous zero-filled pages aligned to `1 << alignmentLog2`
    /// bytes. No such run → `.noMemory`.
    public func allocContiguous(pages count: Int, alignmentLog2: Int, state: PageState = .object) throws(ZxStatus) -> PhysicalAddress {
        guard count > 0, count <= pageCount else { throw .noMemory }
        let alignPages = alignmentLog2 > PageGeometry.shift ? 1 << min(alignmentLog2 - PageGeometry.shift, 40) : 1
        lock.lock()
        defer { lock.unlock() }
        // Find a run of free frames by scanning descriptors (rare, boot-time style operation).
        var start = 0
        let baseFrame = Int(memory.base.rawValue >> UInt64(PageGeometry.shift))
        while start + count <= pageCount {
            let misalign = (baseFrame + start) % alignPages
            if misalign != 0 { start += alignPages - misalign; continue }
            var run = 0
            while run < count, states[start + run] == PageState.free.rawValue { run += 1 }
            if run == count { break }
            start += run + 1
        }
        guard start + count <= pageCount else { throw .noMemory }
        // Take them out of whichever free stack holds them.
        var taken = Set<Int>(start..<(start + count))
        func removeFrom(_ stack: UnsafeMutablePointer<UInt32>, _ n: inout Int) -> [Int] {
            var kept = 0
            var warmHits: [Int] = []
            for i in 0..<n {
                let frame = Int(stack[i])
                if taken.contains(frame) { warmHits.append(frame); continue }
                stack[kept] = stack[i]
                kept += 1
            }
            n = kept
            return warmHits
        }
        let warmFrames = removeFrom(warm, &warmCount)
        for frame in warmFrames { taken.remove(frame) }
        _ = removeFrom(cold, &coldCount)
        for i in start..<(start + count) { states[i] = state.rawValue }
        counts[Int(PageState.free.rawValue)] -= count
        counts[Int(state.rawValue)] += count
        for frame in warmFrames { memory.zeroPage(address(ofIndex: frame)) }
        return address(ofIndex: start)
    }

    /// Returns a page to the free pool.
    public func freePage(_ page: PhysicalAddress) {
        guard let index = index(of: page), page != zeroPage else {
            preconditionFailure("PMM.freePage: \(page) is not a freeable RAM page")
        }
        lock.lock()
        let old = states[index]
        precondition(old != PageState.free.rawValue, "PMM.freePage: double free of \(page)")
        states[index] = PageState.free.rawValue
        counts[Int(old)] -= 1
        counts[Int(PageState.free.rawValue)] += 1
        if warmCount < warmFreeLimit {
            warm[warmCount] = UInt32(index)
            warmCount += 1
            lock.unlock()
        } else {
            cold[coldCount] = UInt32(index)
            coldCount += 1
            lock.unlock()
            memory.releaseHostMemory(page, pages: 1)
        }
    }

    /// Gives the host memory of every warm free page back (e.g. after a large teardown).
    public func releaseWarmPages() {
        lock.lock()
        var released: [PhysicalAddress] = []
        while warmCount > 0 {
            warmCount -= 1
            let index = Int(warm[warmCount])
            cold[coldCount] = UInt32(index)
            coldCount += 1
            released.append(address(ofIndex: index))
        }
        lock.unlock()
        for page in released { memory.releaseHostMemory(page, pages: 1) }
    }

    /// The state of one page (for tests and dumps); nil outside RAM.
    public func state(of page: PhysicalAddress) -> PageState? {
        guard let index = index(of: page) else { return nil }
        return lock.withLock { PageState(rawValue: states[index]) }
    }

    public var stats: PMMStats {
        lock.withLock {
            PMMStats(totalPages: pageCount,
                     freePages: counts[Int(PageState.free.rawValue)],
                     objectPages: counts[Int(PageState.object.rawValue)],
                     mmuPages: counts[Int(PageState.mmu.rawValue)],
                     wiredPages: counts[Int(PageState.wired.rawValue)],
                     warmFreePages: warmCount)
        }
    }

    // MARK: PageTableAllocator

    public func allocatePageTablePage() throws(ZxStatus) -> PhysicalAddress {
        try allocPage(.mmu)
    }

    public func freePageTablePage(_ page: PhysicalAddress) {
        freePage(page)
    }
}
