// ArchVmAspace: one address space's x86-64 page tables, stored in emulated RAM.
//
// Four levels (PML4 → PDPT → PD → PT), 512 eight-byte entries per 4 KiB table page, 48-bit
// virtual addresses, 4 KiB pages only. Table pages come from the VM's PMM through
// `PageTableAllocator`; the PML4 lives as long as the aspace, every other table page is freed as
// soon as it holds no present entry (invariant: no empty non-root table is ever left behind).
// Entry encoding (permissions, PAT cache bits, A/D) lives in MMUFlags.swift; the recursive
// range walks live in ArchVmAspace+Tables.swift.
//
// TLB shootdown is a generation counter: every operation that removes an entry or changes one a
// TLB may have cached bumps `generation` (release) *before dropping the page-table lock*; every
// software-TLB entry is tagged with the generation it was filled under and is ignored when the
// counter moved on. See SoftwareTLB.swift for the access contract.
//
// Zircon counterpart: zircon/kernel/vm/include/vm/arch_vm_aspace.h (ArchVmAspaceInterface),
// zircon/kernel/arch/x86/page_tables/page_tables.cc (X86PageTableBase: MapPages,
// MapPagesContiguous, UnmapPages, ProtectPages, QueryVaddr) and arch/x86/mmu.cc.
//
// Lock domain: the aspace's page-table lock, a leaf lock. The VM calls in while holding its own
// aspace/VMO locks; nothing here calls back out (the allocator must not call into this aspace).

import KernelContainers
import Synchronization
import ZX

/// Source of page-table pages. The VM module implements it on top of the PMM.
public protocol PageTableAllocator: AnyObject, Sendable {
    /// A zero-filled RAM page for a page table. Throws (`.noMemory`) when none is available.
    func allocatePageTablePage() throws(ZxStatus) -> PhysicalAddress
    /// Returns a page obtained from `allocatePageTablePage`. It need not be zero.
    func freePageTablePage(_ page: PhysicalAddress)
}

/// What `map` does when a page is already mapped.
public enum ExistingEntryAction: Sendable {
    /// Leave the existing entry alone and go on with the next page.
    case skip
    /// Replace the existing entry.
    case overwrite
    /// Throw `.alreadyExists`; nothing is changed.
    case fail
}

/// What a TLB needs to cache one translation.
public struct TLBFill {
    /// Host address of the first byte of the physical page.
    public var hostPage: UnsafeMutableRawPointer
    public var physical: PhysicalAddress
    public var flags: MMUFlags
    /// The aspace generation the walk observed (under the page-table lock).
    public var generation: UInt64

    public init(hostPage: UnsafeMutableRawPointer, physical: PhysicalAddress, flags: MMUFlags, generation: UInt64) {
        self.hostPage = hostPage
        self.physical = physical
        self.flags = flags
        self.generation = generation
    }
}

/// x86-64 4-level page tables (PML4/PDPT/PD/PT, 512 entries each, 48-bit VA) in emulated RAM.
///
/// States: *live* (PML4 allocated) → *destroyed* (every table page returned; `map` throws
/// `.badState`, `unmap`/`protect` do nothing, `query`/`walkForTLB` return nil).
/// Bad arguments (addresses outside `[base, base + size)`, unaligned addresses) are VM-core
/// programming errors and trap; methods reachable with user-chosen addresses (`query`,
/// `walkForTLB`) return nil instead.
public final class ArchVmAspace: @unchecked Sendable {
    public let memory: PhysicalMemory
    public let base: VirtualAddress
    public let size: Int
    /// Bumped (release) after every unmap/protect/map-overwrite/destroy that removed or changed an
    /// entry; see the file header. Heap-allocated so TLB views can hold its address directly.
    public let generationCell: UnsafeMutablePointer<Atomic<UInt64>>
    /// The current generation (acquire).
    public var currentGeneration: UInt64 { generationCell.pointee.load(ordering: .acquiring) }

    let allocator: any PageTableAllocator
    /// The page-table lock (leaf). Guards `root`, `tablePageCount` and every table page's contents.
    let lock = KernelLock()
    /// PML4 page; nil once destroyed. Guarded by `lock`.
    var root: PhysicalAddress?
    /// Table pages currently held, PML4 included. Guarded by `lock`.
    var tablePageCount: Int
    /// First and last virtual page number of the aspace (inclusive).
    let firstPage: UInt
    let lastPage: UInt

    /// Creates an empty address space covering `[base, base + size)` and allocates its PML4.
    /// The range must be page aligned and canonical (lower half below 2^47, or upper half).
    public init(memory: PhysicalMemory, allocator: any PageTableAllocator, base: VirtualAddress, size: Int) throws(ZxStatus) {
        precondition(PageGeometry.shift == 12, "x86-64 page tables need 4 KiB pages")
        precondition(size > 0 && UInt(size).isPageAligned && base.rawValue.isPageAligned,
                     "ArchVmAspace: unaligned or empty range")
        guard let last = base.rawValue.checkedAdd(UInt(size) - 1) else {
            preconditionFailure("ArchVmAspace: range wraps")
        }
        let lowerHalfEnd: UInt = 1 << 47
        let upperHalfStart: UInt = ~(lowerHalfEnd - 1)
        precondition(last < lowerHalfEnd || base.rawValue >= upperHalfStart,
                     "ArchVmAspace: range is not canonical")
        self.memory = memory
        self.allocator = allocator
        self.base = base
        self.size = size
        self.firstPage = base.pageNumber
        self.lastPage = last >> UInt(PageGeometry.shift)
        self.generationCell = .allocate(capacity: 1)
        generationCell.initialize(to: Atomic(0))
        let pml4 = try allocator.allocatePageTablePage()
        precondition(memory.contains(pml4, length: PageGeometry.size) && pml4.rawValue.isPageAligned,
                     "PageTableAllocator returned a page outside RAM")
        self.root = pml4
        self.tablePageCount = 1
    }

    deinit {
        destroy()
        generationCell.deinitialize(count: 1)
        generationCell.deallocate()
    }

    // MARK: Mapping

    /// Maps one page. Throws `.noMemory` (nothing changed) if a table page cannot be allocated,
    /// `.alreadyExists` for `.fail` on a mapped page, `.invalidArgs` for flags without `.read`,
    /// `.badState` after `destroy`.
    public func map(_ va: VirtualAddress, _ pa: PhysicalAddress, flags: MMUFlags, existing: ExistingEntryAction) throws(ZxStatus) {
        try mapContiguous(va, pa, pages: 1, flags: flags, existing: existing)
    }

    /// Maps `pages` consecutive pages to consecutive physical pages starting at `pa`.
    /// All-or-nothing: on any throw no entry has changed. Errors as for `map`.
    public func mapContiguous(_ va: VirtualAddress, _ pa: PhysicalAddress, pages: Int, flags: MMUFlags,
                              existing: ExistingEntryAction) throws(ZxStatus) {
        let first = checkedRange(va, pages: pages)
        guard pages > 0 else { return }
        precondition(pa.rawValue.isPageAligned, "map: unaligned physical address \(pa)")
        let maxFrame: UInt64 = PageTableEntry.addressMask >> UInt64(PageGeometry.shift)
        precondition(pa.frameNumber <= maxFrame && UInt64(pages - 1) <= maxFrame - pa.frameNumber,
                     "map: physical range exceeds 52 bits")
        guard PageTableEntry.isMappable(flags) else { throw .invalidArgs }
        let last = first + UInt(pages - 1)
        try lock.withLock { () throws(ZxStatus) -> Void in
            guard let root else { throw .badState }
            try mapLocked(root: root, first: first, last: last, physical: pa, flags: flags, existing: existing)
        }
    }

    /// Removes the entries for `[va, va + pages)`; returns how many were present. Table pages that
    /// become empty are freed (never the PML4).
    @discardableResult
    public func unmap(_ va: VirtualAddress, pages: Int) -> Int {
        let first = checkedRange(va, pages: pages)
        guard pages > 0 else { return 0 }
        return lock.withLock {
            guard let root else { return 0 }
            let removed = unmapLocked(table: root, level: 3, first: first, last: first + UInt(pages - 1))
            if removed > 0 { bumpGenerationLocked() }
            return removed
        }
    }

    /// Changes the permissions and cache policy of the present entries in `[va, va + pages)`.
    /// Flags without `.read` remove the entries (x86 has no no-access PTE), as Zircon does.
    public func protect(_ va: VirtualAddress, pages: Int, flags: MMUFlags) {
        let first = checkedRange(va, pages: pages)
        guard pages > 0 else { return }
        lock.withLock {
            guard let root else { return }
            let last = first + UInt(pages - 1)
            let changed: Bool
            if PageTableEntry.isMappable(flags) {
                changed = protectLocked(table: root, level: 3, first: first, last: last, flags: flags)
            } else {
                changed = unmapLocked(table: root, level: 3, first: first, last: last) > 0
            }
            if changed { bumpGenerationLocked() }
        }
    }

    /// Unmaps everything and returns every table page, the PML4 included. Idempotent.
    public func destroy() {
        lock.withLock {
            guard let pml4 = root else { return }
            _ = unmapLocked(table: pml4, level: 3, first: firstPage, last: lastPage)
            allocator.freePageTablePage(pml4)
            tablePageCount -= 1
            assert(tablePageCount == 0, "page-table page accounting is off")
            root = nil
            bumpGenerationLocked()
        }
    }

    // MARK: Queries

    /// The physical page and flags `va` (any address inside the page) maps to, or nil.
    public func query(_ va: VirtualAddress) -> (PhysicalAddress, MMUFlags)? {
        guard containsPage(va.pageNumber) else { return nil }
        return lock.withLock {
            guard let slot = leafSlotLocked(va.pageNumber) else { return nil }
            let entry = slot.load()
            guard entry & PageTableEntry.present != 0 else { return nil }
            return (PageTableEntry.address(entry), PageTableEntry.flags(of: entry))
        }
    }

    /// The x86 accessed and dirty bits of the entry for `va`, or nil if it is not mapped.
    /// A is set by every TLB walk, D by every TLB fill for a write.
    public func accessedAndDirty(_ va: VirtualAddress) -> (accessed: Bool, dirty: Bool)? {
        guard containsPage(va.pageNumber) else { return nil }
        return lock.withLock {
            guard let slot = leafSlotLocked(va.pageNumber) else { return nil }
            let entry = slot.load()
            guard entry & PageTableEntry.present != 0 else { return nil }
            return (entry & PageTableEntry.accessed != 0, entry & PageTableEntry.dirty != 0)
        }
    }

    /// Table pages currently held, PML4 included (0 once destroyed). For MMU-overhead accounting.
    public var pageTablePages: Int { lock.withLock { tablePageCount } }

    /// Slow path for the TLB: walks the tables under the page-table lock, sets the accessed bit,
    /// and returns the translation with the entry's full permissions. Nil if `va` is outside the
    /// aspace, not mapped, or mapped to a physical page outside RAM (device memory has no host
    /// page behind it).
    public func walkForTLB(_ va: VirtualAddress) -> TLBFill? {
        walkLocking(va.pageNumber, write: false, cacheableFlags: false)
    }

    /// The walk behind `SoftwareTLB.fill`. Like `walkForTLB`, and additionally sets D for a write
    /// to a writable page. With `cacheableFlags`, `.write` is reported only if the entry is dirty
    /// (or just made dirty), so a TLB that caches the result sends the first write to a clean
    /// page back through here, as an x86 TLB does.
    func walkLocking(_ page: UInt, write: Bool, cacheableFlags: Bool) -> TLBFill? {
        guard containsPage(page) else { return nil }
        return lock.withLock { () -> TLBFill? in
            guard let slot = leafSlotLocked(page) else { return nil }
            var entry = slot.load()
            guard entry & PageTableEntry.present != 0 else { return nil }
            let physical = PageTableEntry.address(entry)
            guard memory.contains(physical, length: PageGeometry.size) else { return nil }
            var updated = entry | PageTableEntry.accessed
            if write && entry & PageTableEntry.writable != 0 { updated |= PageTableEntry.dirty }
            if updated != entry {
                slot.store(updated)
                entry = updated
            }
            var flags = PageTableEntry.flags(of: entry)
            if cacheableFlags && entry & PageTableEntry.dirty == 0 { flags.remove(.write) }
            return TLBFill(hostPage: memory.hostPointer(physical), physical: physical, flags: flags,
                           generation: generationCell.pointee.load(ordering: .acquiring))
        }
    }

    // MARK: Helpers

    /// True if virtual page number `page` lies inside the aspace.
    @inline(__always) func containsPage(_ page: UInt) -> Bool { page >= firstPage && page <= lastPage }

    /// Validates a VM-core range (`precondition`) and returns its first page number.
    func checkedRange(_ va: VirtualAddress, pages: Int) -> UInt {
        precondition(va.rawValue.isPageAligned, "ArchVmAspace: unaligned address \(va)")
        precondition(pages >= 0, "ArchVmAspace: negative page count")
        let first = va.pageNumber
        precondition(containsPage(first) || (pages == 0 && first == lastPage &+ 1),
                     "ArchVmAspace: \(va) outside the aspace")
        precondition(pages == 0 || UInt(pages - 1) <= lastPage - first,
                     "ArchVmAspace: range [\(va), +\(pages) pages) leaves the aspace")
        return first
    }

    /// TLB shootdown. Called with the page-table lock held, after the tables changed.
    func bumpGenerationLocked() {
        generationCell.pointee.wrappingAdd(1, ordering: .releasing)
    }
}
