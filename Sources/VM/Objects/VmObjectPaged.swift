// VmObjectPaged: the anonymous, demand-paged VMO — zx_vmo_create's object. Pages are committed on
// first write (or explicit COMMIT); until then every page reads as the PMM's singleton zero page.
//
// Zircon counterpart: zircon/kernel/vm/vm_object_paged.cc with the page ownership parts of
// vm_cow_pages.cc (copy-on-write children arrive with the clone work and will move page ownership
// into a shared hierarchy; the lock is already a hierarchy lock so children can share it).
// Lock domain: `lock` (the hierarchy lock).

import Hardware
import KernelContainers
import ZX

public final class VmObjectPaged: VmObject, @unchecked Sendable {
    let options: VmObjectOptions
    var pages = VmPageList()
    var sizeBytes: UInt64
    /// ZX_PROP_VMO_CONTENT_SIZE: byte-granular, independent of the page-rounded size.
    var contentSizeBytes: UInt64
    /// The ZX_CACHE_POLICY_* value new mappings use.
    var cachePolicyValue: UInt32 = 0
    /// Set once a read fault maps the zero page for this VMO, so committing a page must first
    /// remove stale zero-page translations from every mapping.
    var mayHaveZeroPageMappings = false
    /// ZX_INFO_VMO.committed_change_events: how often the kernel, *without* a user request,
    /// changed what committed_bytes reports (Zircon's zx_info_vmo_t doc; its VmObjectDispatcher
    /// reports the reclamation event count). Only reclamation (discard) counts, not commits,
    /// writes or decommits the user asked for.
    var committedChangeEvents: UInt64 = 0
    /// True once the VMO has stored any page (metadata_bytes is 0 before).
    var hasPageListMetadata = false
    /// Discardable state: lock count and whether the kernel reclaimed the contents.
    var discardLockCount = 0
    var discarded = false
    /// Pinned pages (BTI pins arrive with device memory); shrinking over them fails.
    var pinnedCount = 0

    private init(pmm: PMM, size: UInt64, contentSize: UInt64, options: VmObjectOptions) {
        self.options = options
        self.sizeBytes = size
        self.contentSizeBytes = contentSize
        super.init(pmm: pmm, lock: KernelLock())
    }

    /// Creates a VMO of `size` bytes (rounded up to pages). Zircon: VmObjectPaged::Create.
    /// - Throws: `.outOfRange` if rounding overflows or exceeds the maximum VMO size.
    public static func create(pmm: PMM, size: UInt64, options: VmObjectOptions = []) throws(ZxStatus) -> VmObjectPaged {
        guard let rounded = size.pageRoundedUp, rounded <= maxVmoSize else { throw .outOfRange }
        return VmObjectPaged(pmm: pmm, size: rounded, contentSize: size, options: options)
    }

    /// Creates a physically contiguous, fully committed VMO (zx_vmo_create_contiguous).
    public static func createContiguous(pmm: PMM, size: UInt64, alignmentLog2: Int) throws(ZxStatus) -> VmObjectPaged {
        guard size > 0, size.isPageAligned, size <= maxVmoSize else { throw .invalidArgs }
        let count = Int(size >> UInt64(PageGeometry.shift))
        let first = try pmm.allocContiguous(pages: count, alignmentLog2: alignmentLog2)
        let vmo = VmObjectPaged(pmm: pmm, size: size, contentSize: size, options: [.contiguous])
        for i in 0..<count {
            let offset = UInt64(i) << UInt64(PageGeometry.shift)
            vmo.pages.set(offset, .page(PhysicalAddress(first.rawValue + offset)))
        }
        vmo.hasPageListMetadata = true
        vmo.pinnedCount = count
        return vmo
    }

    deinit {
        releasePages(pages.removeAll())
    }

    // MARK: Properties

    override var sizeLocked: UInt64 { sizeBytes }
    public override var isPaged: Bool { true }
    public override var isResizable: Bool { options.contains(.resizable) }
    public override var isContiguous: Bool { options.contains(.contiguous) }
    public override var isDiscardable: Bool { options.contains(.discardable) }
    public override var committedBytes: UInt64 {
        lock.withLock { UInt64(pages.pageCount) << UInt64(PageGeometry.shift) }
    }
    public override var cachePolicy: UInt32 { lock.withLock { cachePolicyValue } }
    override var cachePolicyLocked: UInt32 { cachePolicyValue }
    public var changeEvents: UInt64 { lock.withLock { committedChangeEvents } }
    /// Bytes of page-list bookkeeping (0 until the first page is stored).
    public var metadataBytes: UInt64 { lock.withLock { hasPageListMetadata ? UInt64(PageGeometry.size) : 0 } }
    public var contentSize: UInt64 { lock.withLock { contentSizeBytes } }

    public override func committedPages(in offset: UInt64, length: UInt64) -> Int {
        lock.withLock { pages.countPages(in: offset, offset.checkedAdd(length) ?? UInt64.max) }
    }

    /// Sets ZX_PROP_VMO_CONTENT_SIZE. The bytes from the new content size to the end of the VMO
    /// are zeroed whenever it lies below the VMO size — also when it grows, as NEW Zircon's
    /// VmObjectDispatcher::SetContentSize does (the reference says "shrinking zeroes"; the kernel
    /// zeroes on every set below the size). Contiguous VMOs have no content size (`.notSupported`).
    public func setContentSize(_ newValue: UInt64) throws(ZxStatus) {
        guard !isContiguous else { throw .notSupported }
        try lock.withLock { () throws(ZxStatus) in
            if newValue < sizeBytes {
                try zeroLocked(offset: newValue, length: sizeBytes - newValue)
            }
            contentSizeBytes = newValue
        }
    }

    // MARK: Page helpers (lock held)

    private func commitPageLocked(_ offset: UInt64, zeroed: Bool = true) throws(ZxStatus) -> PhysicalAddress {
        let page = try pmm.allocPage(.object)
        pages.set(offset, .page(page))
        hasPageListMetadata = true
        if mayHaveZeroPageMappings {
            rangeChangeUpdateLocked(offset: offset, length: UInt64(PageGeometry.size))
        }
        return page
    }

    private func freeRangeLocked(_ start: UInt64, _ end: UInt64) {
        guard start < end else { return }
        let freed = pages.removeRange(start, end)
        guard !freed.isEmpty else { return }
        rangeChangeUpdateLocked(offset: start, length: end - start)
        releasePages(freed)
    }

    private func checkRange(_ offset: UInt64, _ length: UInt64) throws(ZxStatus) -> UInt64 {
        guard let end = offset.checkedAdd(length), end <= sizeBytes else { throw .outOfRange }
        return end
    }

    // MARK: Read / write (zx_vmo_read / zx_vmo_write)

    /// Copies `length` bytes at `offset` into host memory. Uncommitted pages read as zeros.
    public func read(into buffer: UnsafeMutableRawPointer?, offset: UInt64, length: Int) throws(ZxStatus) {
        try lock.withLock { () throws(ZxStatus) in
            _ = try checkRange(offset, UInt64(length))
            guard cachePolicyValue == 0 else { throw .badState }
            guard length > 0, let buffer else { return }
            var done = 0
            while done < length {
                let position = offset + UInt64(done)
                let inPage = Int(position & UInt64(PageGeometry.mask))
                let chunk = min(length - done, PageGeometry.size - inPage)
                if let page = pages.lookup(position.pageTruncated).page {
                    (buffer + done).copyMemory(from: pmm.memory.hostPointer(page) + inPage, byteCount: chunk)
                } else {
                    (buffer + done).initializeMemory(as: UInt8.self, repeating: 0, count: chunk)
                }
                done += chunk
            }
        }
    }

    /// Copies `length` bytes from host memory to `offset`, committing pages as needed.
    public func write(from buffer: UnsafeRawPointer?, offset: UInt64, length: Int) throws(ZxStatus) {
        try lock.withLock { () throws(ZxStatus) in
            _ = try checkRange(offset, UInt64(length))
            guard cachePolicyValue == 0 else { throw .badState }
            guard length > 0, let buffer else { return }
            var done = 0
            while done < length {
                let position = offset + UInt64(done)
                let inPage = Int(position & UInt64(PageGeometry.mask))
                let chunk = min(length - done, PageGeometry.size - inPage)
                let pageOffset = position.pageTruncated
                let page: PhysicalAddress
                if let existing = pages.lookup(pageOffset).page {
                    page = existing
                } else {
                    page = try commitPageLocked(pageOffset)
                }
                (pmm.memory.hostPointer(page) + inPage).copyMemory(from: buffer + done, byteCount: chunk)
                done += chunk
            }
        }
    }

    // MARK: Range operations (zx_vmo_op_range)

    /// COMMIT: every page touching [offset, offset+length) becomes committed.
    public func commit(offset: UInt64, length: UInt64) throws(ZxStatus) {
        try lock.withLock { () throws(ZxStatus) in
            let end = try checkRange(offset, length)
            guard length > 0 else { return }
            if isContiguous { return }
            var position = offset.pageTruncated
            let stop = end.pageRoundedUp ?? sizeBytes
            while position < stop {
                if pages.lookup(position).page == nil { _ = try commitPageLocked(position) }
                position += UInt64(PageGeometry.size)
            }
        }
    }

    /// DECOMMIT: releases the pages of a page-aligned range; it then reads as zeros.
    public func decommit(offset: UInt64, length: UInt64) throws(ZxStatus) {
        try lock.withLock { () throws(ZxStatus) in
            let end = try checkRange(offset, length)
            guard length > 0 else { return }
            guard !isContiguous else { throw .notSupported }
            guard offset.isPageAligned, length.isPageAligned else { throw .invalidArgs }
            guard pinnedCount == 0 else { throw .badState }
            freeRangeLocked(offset, end)
        }
    }

    /// ZERO: byte-granular; whole committed pages are released, partial pages zeroed in place.
    public func zero(offset: UInt64, length: UInt64) throws(ZxStatus) {
        try lock.withLock { () throws(ZxStatus) in
            // ZERO is an efficient zx_vmo_write, and writes are refused while uncached; Zircon's
            // VmObjectPaged::ZeroRange checks this before the range (reference §3.13).
            guard cachePolicyValue == 0 else { throw .badState }
            _ = try checkRange(offset, length)
            try zeroLocked(offset: offset, length: length)
        }
    }

    /// Zeroes [offset, offset+length) (in range, lock held). The partial pages at either end are
    /// zeroed in place; whole pages in between are released (zeroed in place for contiguous VMOs).
    /// Only present pages are visited, so zeroing a huge sparse range costs what it holds, not
    /// what it spans (a page-by-page walk of a 2^64-byte VMO would never finish).
    private func zeroLocked(offset: UInt64, length: UInt64) throws(ZxStatus) {
        guard length > 0 else { return }
        let end = offset + length
        func zeroInPlace(_ start: UInt64, _ stop: UInt64) {
            guard start < stop, let page = pages.lookup(start.pageTruncated).page else { return }
            let inPage = Int(start - start.pageTruncated)
            (pmm.memory.hostPointer(page) + inPage).initializeMemory(as: UInt8.self, repeating: 0,
                                                                     count: Int(stop - start))
        }
        // offset < end <= size <= maxVmoSize, so rounding up cannot overflow.
        let firstWhole = offset.pageRoundedUp ?? end
        let lastWhole = end.pageTruncated
        guard firstWhole <= lastWhole else {
            zeroInPlace(offset, end)   // within a single page
            return
        }
        zeroInPlace(offset, firstWhole)
        zeroInPlace(lastWhole, end)
        guard firstWhole < lastWhole else { return }
        if isContiguous {
            pages.forEach(in: firstWhole, lastWhole) { _, entry in
                guard let page = entry.page else { return }
                pmm.memory.hostPointer(page).initializeMemory(as: UInt8.self, repeating: 0, count: PageGeometry.size)
            }
        } else {
            freeRangeLocked(firstWhole, lastWhole)
        }
    }

    /// Validates a cache maintenance op (CACHE_SYNC/INVALIDATE/CLEAN/CLEAN_INVALIDATE). The
    /// emulated machine's caches are coherent with RAM, so a valid op has nothing to flush.
    public func validateCacheOp(offset: UInt64, length: UInt64) throws(ZxStatus) {
        guard length > 0 else { throw .invalidArgs }
        try lock.withLock { () throws(ZxStatus) in _ = try checkRange(offset, length) }
    }

    /// DONT_NEED / ALWAYS_NEED hints: only the range is validated for anonymous VMOs.
    public func validateHint(offset: UInt64, length: UInt64) throws(ZxStatus) {
        try lock.withLock { () throws(ZxStatus) in
            let start = offset.pageTruncated
            guard let end = offset.checkedAdd(length), end <= sizeBytes, start <= end else { throw .outOfRange }
        }
    }

    // MARK: Resize (zx_vmo_set_size)

    /// Resizes to `newSize` (rounded up to pages); content size becomes `newSize` exactly.
    public func resize(_ newSize: UInt64) throws(ZxStatus) {
        guard !isContiguous else { throw .unavailable }
        guard let rounded = newSize.pageRoundedUp else { throw .outOfRange }
        guard isResizable else { throw .unavailable }
        guard rounded <= maxVmoSize else { throw .outOfRange }
        try lock.withLock { () throws(ZxStatus) in
            if rounded < sizeBytes {
                guard pinnedCount == 0 else { throw .badState }
                freeRangeLocked(rounded, sizeBytes)
                // Unmap the removed tail from every mapping even if nothing was committed there:
                // zero-page translations must fault with OUT_OF_RANGE now.
                rangeChangeUpdateLocked(offset: rounded, length: sizeBytes - rounded)
            }
            if newSize < rounded, let page = pages.lookup(newSize.pageTruncated).page {
                let inPage = Int(newSize & UInt64(PageGeometry.mask))
                (pmm.memory.hostPointer(page) + inPage).initializeMemory(as: UInt8.self, repeating: 0, count: PageGeometry.size - inPage)
            }
            sizeBytes = rounded
            contentSizeBytes = newSize
        }
    }

    // MARK: Cache policy (zx_vmo_set_cache_policy)

    public func setCachePolicy(_ policy: UInt32) throws(ZxStatus) {
        try lock.withLock { () throws(ZxStatus) in
            guard mappings.isEmpty, pinnedCount == 0 || isContiguous else { throw .badState }
            if pages.pageCount > 0 && cachePolicyValue != 0 && !(isContiguous && policy == cachePolicyValue) {
                throw .badState
            }
            cachePolicyValue = policy
        }
    }

    // MARK: Discardable VMOs (ZX_VMO_OP_LOCK / TRY_LOCK / UNLOCK)

    /// LOCK: pins the contents against discard; reports the range lost if the kernel discarded it.
    public func lockDiscardable(offset: UInt64, length: UInt64, tryOnly: Bool) throws(ZxStatus) -> (offset: UInt64, size: UInt64) {
        guard isDiscardable else { throw .notSupported }
        return try lock.withLock { () throws(ZxStatus) -> (offset: UInt64, size: UInt64) in
            guard offset == 0, length == sizeBytes else { throw .outOfRange }
            if discarded {
                if tryOnly { throw .unavailable }
                discarded = false
                discardLockCount += 1
                return (0, sizeBytes)
            }
            discardLockCount += 1
            return (0, 0)
        }
    }

    public func unlockDiscardable(offset: UInt64, length: UInt64) throws(ZxStatus) {
        guard isDiscardable else { throw .notSupported }
        try lock.withLock { () throws(ZxStatus) in
            guard offset == 0, length == sizeBytes else { throw .outOfRange }
            guard discardLockCount > 0 else { throw .badState }
            discardLockCount -= 1
        }
    }

    /// Reclaims an unlocked discardable VMO (what memory pressure would do): the whole VMO is
    /// discarded and reads zero. Returns true if it was discarded.
    @discardableResult
    public func reclaimIfUnlocked() -> Bool {
        guard isDiscardable else { return false }
        return lock.withLock {
            guard discardLockCount == 0, !discarded else { return false }
            freeRangeLocked(0, sizeBytes)
            discarded = true
            // A reclamation is the kernel changing committed_bytes on its own.
            committedChangeEvents &+= 1
            return true
        }
    }

    // MARK: Fault path

    override func faultLocked(offset: UInt64, write: Bool, mapping: VmMapping, va: VirtualAddress,
                              tracer: FaultTracer?) throws(ZxStatus) -> FaultResolution {
        try lock.withLock { () throws(ZxStatus) -> FaultResolution in
            guard offset < sizeBytes else { throw .outOfRange }
            let flags = mapping.archFlags(cachePolicy: cachePolicyValue)
            let arch = mapping.aspace.arch
            let page: PhysicalAddress
            var installed = flags
            if let present = pages.lookup(offset).page {
                page = present
                tracer?.emit(.pagePresent(physical: page))
            } else if !write {
                page = pmm.zeroPage
                installed = flags.subtracting(.write)
                tracer?.emit(.zeroPageMapped(physical: page))
                mayHaveZeroPageMappings = true
            } else {
                page = try commitPageLocked(offset)
                tracer?.emit(.pageAllocated(physical: page))
            }
            try arch.map(va, page, flags: installed, existing: .overwrite)
            tracer?.emit(.translationInstalled(virtual: va.rawValue, physical: page, flags: installed))
            // Read under the aspace and VMO locks: nothing can invalidate this entry until we
            // release them, so a TLB entry tagged with this generation is valid.
            return FaultResolution(physical: page, writable: installed.contains(.write),
                                   generation: arch.currentGeneration)
        }
    }

    override func mapPresentPages(mapping: VmMapping, offset: UInt64, length: UInt64) throws(ZxStatus) {
        try lock.withLock { () throws(ZxStatus) in
            let end = min(offset.checkedAdd(length) ?? UInt64.max, sizeBytes)
            guard offset < end else { return }
            let flags = mapping.archFlags(cachePolicy: cachePolicyValue)
            var failure: ZxStatus?
            pages.forEach(in: offset, end) { pageOffset, entry in
                guard failure == nil, let page = entry.page else { return }
                let va = VirtualAddress(mapping.base + UInt(pageOffset - mapping.vmoOffset))
                do throws(ZxStatus) { try mapping.aspace.arch.map(va, page, flags: flags, existing: .overwrite) } catch { failure = error }
            }
            if let failure { throw failure }
        }
    }
}
