// ArchVmAspace+Tables: the page-table walks, all called with the page-table lock held.
//
// Levels are numbered 3 (PML4) down to 0 (PT). Ranges are inclusive virtual-page-number ranges
// [first, last], so an aspace ending at the top of the address space needs no 2^64. Each
// recursive walk visits only the entries its range covers and, on the way back up, frees a child
// table that it emptied (checking emptiness only when something was removed below: a table that
// lost nothing cannot have become empty, because no empty non-root table is ever left behind).
//
// Zircon counterpart: zircon/kernel/arch/x86/page_tables/page_tables.cc (AddMapping,
// RemoveMapping, UpdateMapping, GetMapping, page_table_is_clear).

import ZX

/// One 4 KiB page-table page: 512 x86-64 entries, accessed as raw memory.
struct TablePage {
    static let entryCount = 512
    let raw: UnsafeMutableRawPointer

    @inline(__always) subscript(index: Int) -> UInt64 {
        get { raw.load(fromByteOffset: index &<< 3, as: UInt64.self) }
        nonmutating set { raw.storeBytes(of: newValue, toByteOffset: index &<< 3, as: UInt64.self) }
    }

    @inline(__always) func slot(_ index: Int) -> EntrySlot { EntrySlot(raw: raw + (index &<< 3)) }

    /// True if no entry is present (entries are either 0 or present, so OR-ing them suffices).
    var isClear: Bool {
        var any: UInt64 = 0
        for index in 0..<TablePage.entryCount { any |= self[index] }
        return any & PageTableEntry.present == 0
    }
}

/// The address of one entry.
struct EntrySlot {
    let raw: UnsafeMutableRawPointer
    @inline(__always) func load() -> UInt64 { raw.load(as: UInt64.self) }
    @inline(__always) func store(_ entry: UInt64) { raw.storeBytes(of: entry, as: UInt64.self) }
}

extension ArchVmAspace {
    /// The table index of page number `page` at `level` (3 = PML4 … 0 = PT).
    @inline(__always) static func index(_ page: UInt, level: Int) -> Int {
        Int(truncatingIfNeeded: (page &>> UInt(9 * level)) & 511)
    }

    /// The last page number covered by the same entry at `level` as `page`.
    @inline(__always) static func entryLastPage(_ page: UInt, level: Int) -> UInt {
        page | ((1 << UInt(9 * level)) - 1)
    }

    @inline(__always) func table(_ page: PhysicalAddress) -> TablePage {
        TablePage(raw: memory.hostPointer(page))
    }

    // MARK: Lookup

    /// The PT slot for page number `page`, or nil if an intermediate table is missing or the
    /// aspace is destroyed.
    func leafSlotLocked(_ page: UInt) -> EntrySlot? {
        guard let root else { return nil }
        guard let pt = leafTableLocked(root: root, page) else { return nil }
        return pt.slot(Self.index(page, level: 0))
    }

    /// The PT covering `page`, or nil if an intermediate table is missing.
    func leafTableLocked(root: PhysicalAddress, _ page: UInt) -> TablePage? {
        var current = table(root)
        for level in stride(from: 3, to: 0, by: -1) {
            let entry = current[Self.index(page, level: level)]
            guard entry & PageTableEntry.present != 0 else { return nil }
            current = table(PageTableEntry.address(entry))
        }
        return current
    }

    /// The PT covering `page`, allocating missing intermediate tables. Throws `.noMemory`; tables
    /// allocated before the failure stay (empty) and the caller prunes them.
    func ensureLeafTableLocked(root: PhysicalAddress, _ page: UInt) throws(ZxStatus) -> TablePage {
        var current = table(root)
        for level in stride(from: 3, to: 0, by: -1) {
            let index = Self.index(page, level: level)
            let entry = current[index]
            if entry & PageTableEntry.present != 0 {
                current = table(PageTableEntry.address(entry))
            } else {
                let child = try allocateTableLocked()
                current[index] = (child.rawValue & PageTableEntry.addressMask) | PageTableEntry.intermediate
                current = table(child)
            }
        }
        return current
    }

    func allocateTableLocked() throws(ZxStatus) -> PhysicalAddress {
        let page: PhysicalAddress
        do {
            page = try allocator.allocatePageTablePage()
        } catch {
            throw .noMemory
        }
        precondition(page.rawValue.isPageAligned && memory.contains(page, length: PageGeometry.size),
                     "PageTableAllocator returned a page outside RAM")
        assert(table(page).isClear, "PageTableAllocator returned a non-zero page")
        tablePageCount += 1
        return page
    }

    func freeTableLocked(_ page: PhysicalAddress) {
        tablePageCount -= 1
        allocator.freePageTablePage(page)
    }

    // MARK: Map

    /// Maps pages [first, last] to consecutive frames from `physical`. All-or-nothing.
    func mapLocked(root: PhysicalAddress, first: UInt, last: UInt, physical: PhysicalAddress, flags: MMUFlags,
                   existing: ExistingEntryAction) throws(ZxStatus) {
        // Pass 1: every PT exists (may allocate) and, for `.fail`, no page is mapped yet.
        var page = first
        do throws(ZxStatus) {
            while true {
                let pt = try ensureLeafTableLocked(root: root, page)
                let chunkLast = min(last, Self.entryLastPage(page, level: 1))
                if existing == .fail {
                    for p in page...chunkLast where pt[Self.index(p, level: 0)] & PageTableEntry.present != 0 {
                        throw .alreadyExists
                    }
                }
                if chunkLast == last { break }
                page = chunkLast + 1
            }
        } catch {
            pruneLocked(table: root, level: 3, first: first, last: last)
            throw error
        }

        // Pass 2: write the entries; cannot fail.
        let template = PageTableEntry.leaf(PhysicalAddress(0), flags)
        var frameAddress = physical.rawValue
        var changedCached = false
        page = first
        while true {
            guard let pt = leafTableLocked(root: root, page) else {
                preconditionFailure("page table vanished under the lock")
            }
            let chunkLast = min(last, Self.entryLastPage(page, level: 1))
            for p in page...chunkLast {
                let index = Self.index(p, level: 0)
                let old = pt[index]
                let new = template | frameAddress
                frameAddress &+= UInt64(PageGeometry.size)
                if old & PageTableEntry.present != 0 {
                    if existing == .skip { continue }
                    if old & ~PageTableEntry.hardwareStateBits == new { continue }  // keep A/D
                    changedCached = true
                }
                pt[index] = new
            }
            if chunkLast == last { break }
            page = chunkLast + 1
        }
        if changedCached { bumpGenerationLocked() }
    }

    /// Frees every empty non-root table under [first, last] (failure cleanup after `map`).
    func pruneLocked(table tablePage: PhysicalAddress, level: Int, first: UInt, last: UInt) {
        guard level > 0 else { return }
        let current = table(tablePage)
        var page = first
        while true {
            let index = Self.index(page, level: level)
            let entryLast = min(last, Self.entryLastPage(page, level: level))
            let entry = current[index]
            if entry & PageTableEntry.present != 0 {
                let child = PageTableEntry.address(entry)
                pruneLocked(table: child, level: level - 1, first: page, last: entryLast)
                if table(child).isClear {
                    current[index] = 0
                    freeTableLocked(child)
                }
            }
            if entryLast == last { return }
            page = entryLast + 1
        }
    }

    // MARK: Unmap

    /// Clears the present PTEs under [first, last]; frees tables that became empty. Returns the
    /// number of PTEs removed.
    func unmapLocked(table tablePage: PhysicalAddress, level: Int, first: UInt, last: UInt) -> Int {
        let current = table(tablePage)
        var removed = 0
        var page = first
        if level == 0 {
            for p in first...last {
                let index = Self.index(p, level: 0)
                if current[index] & PageTableEntry.present != 0 {
                    current[index] = 0
                    removed += 1
                }
            }
            return removed
        }
        while true {
            let index = Self.index(page, level: level)
            let entryLast = min(last, Self.entryLastPage(page, level: level))
            let entry = current[index]
            if entry & PageTableEntry.present != 0 {
                let child = PageTableEntry.address(entry)
                let removedBelow = unmapLocked(table: child, level: level - 1, first: page, last: entryLast)
                if removedBelow > 0 {
                    removed += removedBelow
                    if table(child).isClear {
                        current[index] = 0
                        freeTableLocked(child)
                    }
                }
            }
            if entryLast == last { return removed }
            page = entryLast + 1
        }
    }

    // MARK: Protect

    /// Rewrites the present PTEs under [first, last] with `flags` (which include `.read`),
    /// keeping their frames and A/D bits. Returns true if any entry changed.
    func protectLocked(table tablePage: PhysicalAddress, level: Int, first: UInt, last: UInt, flags: MMUFlags) -> Bool {
        let current = table(tablePage)
        var changed = false
        if level == 0 {
            let template = PageTableEntry.leaf(PhysicalAddress(0), flags)
            for p in first...last {
                let index = Self.index(p, level: 0)
                let old = current[index]
                guard old & PageTableEntry.present != 0 else { continue }
                let new = template | (old & (PageTableEntry.addressMask | PageTableEntry.hardwareStateBits))
                if new != old {
                    current[index] = new
                    changed = true
                }
            }
            return changed
        }
        var page = first
        while true {
            let entry = current[Self.index(page, level: level)]
            let entryLast = min(last, Self.entryLastPage(page, level: level))
            if entry & PageTableEntry.present != 0 {
                let child = PageTableEntry.address(entry)
                if protectLocked(table: child, level: level - 1, first: page, last: entryLast, flags: flags) {
                    changed = true
                }
            }
            if entryLast == last { return changed }
            page = entryLast + 1
        }
    }
}
