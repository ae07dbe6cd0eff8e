// VmObjectPaged operations: zx_vmo_read/write, the range operations, resize, content size, cache
// policy, discardable locking, and the fault path. Every operation works on the VMO's view: its
// own range checked against its own size, translated into its leaf's coordinates.
//
// Zircon counterpart: zircon/kernel/vm/vm_object_paged.cc (Read, Write, CommitRange,
// DecommitRange, ZeroRange, Resize, SetMappingCachePolicy, LookupPagesLocked) and vm_cow_pages.cc
// (the copy-on-write lookup).
// Lock domain: `lock` (the hierarchy lock).

import Hardware
import KernelContainers
import ZX

extension VmObjectPaged {
    // MARK: Read / write (zx_vmo_read / zx_vmo_write)

    /// Copies `length` bytes at `offset` into host memory. Uncommitted pages read as zeros; pages
    /// shared with a copy-on-write ancestor read as the ancestor's.
    /// Pager-backed: missing pages are asked for and `wait` blocks until they come.
    public func read(into buffer: UnsafeMutableRawPointer?, offset: UInt64, length: Int,
                     wait: PageRequestWaiter = PageRequest.uninterruptibleWait) throws(ZxStatus) {
        guard !isPhysical else { throw .notSupported }
        try withPageRequests(wait: wait) { () throws(ZxStatus) in
            let end = try checkRangeLocked(offset, UInt64(length))
            guard cachePolicyLocked == 0 else { throw .badState }
            guard length > 0, let buffer else { return }
            try pagerEnsurePresentLocked(nodeOffset + offset, nodeOffset + end)
            var done = 0
            while done < length {
                let position = offset + UInt64(done)
                let inPage = Int(position & UInt64(PageGeometry.mask))
                let chunk = min(length - done, PageGeometry.size - inPage)
                if let page = node.lookupLocked(nodeOffset + position.pageTruncated).page {
                    (buffer + done).copyMemory(from: pmm.memory.hostPointer(page) + inPage, byteCount: chunk)
                } else {
                    (buffer + done).initializeMemory(as: UInt8.self, repeating: 0, count: chunk)
                }
                done += chunk
            }
        }
    }

    /// Copies `length` bytes from host memory to `offset`, committing (or forking) pages as needed.
    /// Pager-backed: missing pages are asked for first, then (ZX_VMO_TRAP_DIRTY) the right to
    /// dirty the clean ones, each as one batched request.
    public func write(from buffer: UnsafeRawPointer?, offset: UInt64, length: Int,
                      wait: PageRequestWaiter = PageRequest.uninterruptibleWait) throws(ZxStatus) {
        guard !isPhysical else { throw .notSupported }
        try withPageRequests(wait: wait) { () throws(ZxStatus) in
            let end = try checkRangeLocked(offset, UInt64(length))
            guard cachePolicyLocked == 0 else { throw .badState }
            guard length > 0, let buffer else { return }
            try pagerEnsurePresentLocked(nodeOffset + offset, nodeOffset + end)
            try pagerEnsureDirtyAllowedLocked(nodeOffset + offset, nodeOffset + end)
            var done = 0
            while done < length {
                let position = offset + UInt64(done)
                let inPage = Int(position & UInt64(PageGeometry.mask))
                let chunk = min(length - done, PageGeometry.size - inPage)
                let page = try writablePageLocked(nodeOffset + position.pageTruncated)
                (pmm.memory.hostPointer(page) + inPage).copyMemory(from: buffer + done, byteCount: chunk)
                done += chunk
            }
        }
    }

    // MARK: Range operations (zx_vmo_op_range)

    /// COMMIT: every page touching [offset, offset+length) becomes committed; in a copy-on-write
    /// child that is a private copy of what it sees.
    /// Pager-backed: populates instead — asks the pager for the missing pages (which stay Clean).
    public func commit(offset: UInt64, length: UInt64,
                       wait: PageRequestWaiter = PageRequest.uninterruptibleWait) throws(ZxStatus) {
        guard !isPhysical else { throw .notSupported }
        try withPageRequests(wait: wait) { () throws(ZxStatus) in
            let end = try checkRangeLocked(offset, length)
            guard length > 0 else { return }
            if isContiguous { return }
            if node.pageSource != nil {
                try pagerEnsurePresentLocked(nodeOffset + offset, nodeOffset + end)
                return
            }
            var position = offset.pageTruncated
            let stop = end.pageRoundedUp ?? viewSizeLocked
            while position < stop {
                _ = try writablePageLocked(nodeOffset + position)
                position += UInt64(PageGeometry.size)
            }
        }
    }

    /// DECOMMIT: releases the pages of a page-aligned range; it then reads as zeros. Slices and
    /// references act on their owner. Refused (NOT_SUPPORTED) on a VMO with a copy-on-write
    /// parent or copy-on-write children: both mean its leaf hangs below a hidden node.
    public func decommit(offset: UInt64, length: UInt64) throws(ZxStatus) {
        guard !isPhysical else { throw .notSupported }
        try withHierarchyLock { () throws(ZxStatus) in
            let end = try checkRangeLocked(offset, length)
            guard length > 0 else { return }
            guard !isContiguous, node.parent == nil, node.pageSource == nil else { throw .notSupported }
            guard offset.isPageAligned, length.isPageAligned else { throw .invalidArgs }
            guard owner.pinnedCount == 0 else { throw .badState }
            freeNodeRangeLocked(nodeOffset + offset, nodeOffset + end)
        }
    }

    /// ZERO: byte-granular; whole pages are released (or hidden by a zero marker where a
    /// copy-on-write ancestor still holds data), partial pages zeroed in place.
    /// Pager-backed: zeroing is writing zeros (pages are asked for and dirtied like a write).
    public func zero(offset: UInt64, length: UInt64,
                     wait: PageRequestWaiter = PageRequest.uninterruptibleWait) throws(ZxStatus) {
        guard !isPhysical else { throw .notSupported }
        try withPageRequests(wait: wait) { () throws(ZxStatus) in
            // ZERO is an efficient zx_vmo_write, and writes are refused while uncached; Zircon's
            // VmObjectPaged::ZeroRange checks this before the range (reference §3.13).
            guard cachePolicyLocked == 0 else { throw .badState }
            let end = try checkRangeLocked(offset, length)
            if node.pageSource != nil {
                try pagerZeroLocked(nodeOffset + offset, nodeOffset + end)
                return
            }
            // A one-way clone zeroes what it sees, so the pager's pages under it must be there.
            try pagerEnsurePresentLocked(nodeOffset + offset, nodeOffset + end)
            try zeroNodeRangeLocked(nodeOffset + offset, nodeOffset + end)
        }
    }

    /// Validates a cache maintenance op (CACHE_SYNC/INVALIDATE/CLEAN/CLEAN_INVALIDATE). The
    /// emulated machine's caches are coherent with RAM, so a valid op has nothing to flush.
    public func validateCacheOp(offset: UInt64, length: UInt64) throws(ZxStatus) {
        guard length > 0 else { throw .invalidArgs }
        try withHierarchyLock { () throws(ZxStatus) in _ = try checkRangeLocked(offset, length) }
    }

    /// DONT_NEED / ALWAYS_NEED hints: only the range is validated for anonymous VMOs.
    public func validateHint(offset: UInt64, length: UInt64) throws(ZxStatus) {
        try withHierarchyLock { () throws(ZxStatus) in
            let start = offset.pageTruncated
            guard let end = offset.checkedAdd(length), end <= viewSizeLocked, start <= end else { throw .outOfRange }
        }
    }

    // MARK: Content size (ZX_PROP_VMO_CONTENT_SIZE)

    /// Sets ZX_PROP_VMO_CONTENT_SIZE. The bytes from the new content size to the end of the VMO
    /// are zeroed whenever it lies below the VMO size — also when it grows, as NEW Zircon's
    /// VmObjectDispatcher::SetContentSize does (the reference says "shrinking zeroes"; the kernel
    /// zeroes on every set below the size). Contiguous VMOs have no content size (`.notSupported`).
    /// References share their source's content size.
    public func setContentSize(_ newValue: UInt64) throws(ZxStatus) {
        guard !isContiguous, !isPhysical else { throw .notSupported }
        try withHierarchyLock { () throws(ZxStatus) in
            let size = viewSizeLocked
            if newValue < size {
                try zeroNodeRangeLocked(nodeOffset + newValue, nodeOffset + size)
            }
            (sizeSource ?? self).contentSizeBytes = newValue
        }
    }

    // MARK: Resize (zx_vmo_set_size)

    /// Resizes to `newSize` (rounded up to pages); content size becomes `newSize` exactly. A
    /// reference resizes its source. Shrinking a copy-on-write child also shrinks its window onto
    /// its parent, so growing again shows zeros, never the parent's data (reference §4.3).
    public func resize(_ newSize: UInt64) throws(ZxStatus) {
        if kind == .reference, let sizeSource { return try sizeSource.resize(newSize) }
        guard !isContiguous, !isPhysical else { throw .unavailable }
        guard let rounded = newSize.pageRoundedUp else { throw .outOfRange }
        guard isResizable else { throw .unavailable }
        guard rounded <= maxVmoSize else { throw .outOfRange }
        guard rootOffset.checkedAdd(rounded) != nil else { throw .invalidArgs }
        try withHierarchyLock { () throws(ZxStatus) in
            if let source = node.pageSource {
                pagerResizeLocked(source, newSize: newSize, rounded: rounded)
                return
            }
            if rounded < sizeBytes {
                guard pinnedCount == 0 else { throw .badState }
                freeNodeRangeLocked(rounded, sizeBytes)
                // Unmap the removed tail from every mapping even if nothing was committed there:
                // zero-page and shared-page translations must fault with OUT_OF_RANGE now.
                nodeRangeChangeLocked(rounded, sizeBytes)
                releasePages(node.clipParentLimitLocked(rounded))
            }
            if newSize < rounded {
                try zeroNodeRangeLocked(newSize, rounded)
            }
            sizeBytes = rounded
            contentSizeBytes = newSize
        }
    }

    // MARK: Cache policy (zx_vmo_set_cache_policy)

    /// BAD_STATE while mapped, pinned, or part of a hierarchy (a parent, children, or a
    /// copy-on-write relative).
    public func setCachePolicy(_ policy: UInt32) throws(ZxStatus) {
        if let backing = physical { return try setPhysicalCachePolicy(backing, policy) }
        try withHierarchyLock { () throws(ZxStatus) in
            guard mappings.isEmpty, pinnedCount == 0 || isContiguous else { throw .badState }
            guard kind == .root, parentVmo == nil, childVmos.isEmpty, node.parent == nil else { throw .badState }
            if node.pages.pageCount > 0 && cachePolicyValue != 0 && !(isContiguous && policy == cachePolicyValue) {
                throw .badState
            }
            cachePolicyValue = policy
        }
    }

    // MARK: Discardable VMOs (ZX_VMO_OP_LOCK / TRY_LOCK / UNLOCK)

    /// LOCK: pins the contents against discard; reports the range lost if the kernel discarded it.
    public func lockDiscardable(offset: UInt64, length: UInt64, tryOnly: Bool) throws(ZxStatus) -> (offset: UInt64, size: UInt64) {
        guard isDiscardable else { throw .notSupported }
        return try withHierarchyLock { () throws(ZxStatus) -> (offset: UInt64, size: UInt64) in
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
        try withHierarchyLock { () throws(ZxStatus) in
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
        return withHierarchyLock {
            guard discardLockCount == 0, !discarded else { return false }
            freeNodeRangeLocked(0, sizeBytes)
            discarded = true
            // A reclamation is the kernel changing committed_bytes on its own.
            committedChangeEvents &+= 1
            return true
        }
    }

    // MARK: Fault path

    /// A page this VMO's leaf owns is mapped with the mapping's permissions. Otherwise a read maps
    /// what the leaf sees — an ancestor's page or the zero page — read-only, so a later write
    /// faults again; a write forks a private copy (or commits a zero page) and maps that.
    func resolveFault(offset: UInt64, write: Bool, mapping: VmMapping, va: VirtualAddress,
                      tracer: FaultTracer?) throws(ZxStatus) -> FaultResolution {
        if let backing = physical {
            return try resolvePhysicalFault(backing, offset: offset, mapping: mapping, va: va, tracer: tracer)
        }
        return try withHierarchyLock { () throws(ZxStatus) -> FaultResolution in
            do throws(ZxStatus) {
                return try resolveFaultLocked(offset: offset, write: write, mapping: mapping, va: va, tracer: tracer)
            } catch .shouldWait {
                // A pager-backed page is missing (or must be dirty-acknowledged): the aspace
                // drops its lock, waits for the request and retries the whole fault.
                guard let source = requestSourceLocked, let request = source.pendingWait else { throw .shouldWait }
                source.pendingWait = nil
                tracer?.emit(.pageRequested(offset: request.offset, length: request.length))
                return FaultResolution(physical: PhysicalAddress(0), writable: false, generation: 0,
                                       pendingRequest: request)
            }
        }
    }

    private func resolveFaultLocked(offset: UInt64, write: Bool, mapping: VmMapping, va: VirtualAddress,
                                    tracer: FaultTracer?) throws(ZxStatus) -> FaultResolution {
        guard offset < viewSizeLocked else { throw .outOfRange }
        let flags = mapping.archFlags(cachePolicy: cachePolicyLocked)
        let arch = mapping.aspace.arch
        let position = nodeOffset + offset
        let page: PhysicalAddress
        var installed = flags
        let entry = node.pages.lookup(position)
        if write {
            page = try writablePageLocked(position, entry: entry)
            tracer?.emit(.pageAllocated(physical: page))
        } else if let present = entry.page {
            page = present
            tracer?.emit(.pagePresent(physical: page))
            // A pager's Clean page is mapped read-only so its first write traps (dirty tracking).
            if let source = node.pageSource, !source.mayMapWritable(position) {
                installed = flags.subtracting(.write)
            }
        } else {
            if let source = node.pageSource, position < source.contentLimit {
                try source.requestLocked(.read, position, position + UInt64(PageGeometry.size))
            }
            if !entry.isMarker { try pagerParentEnsurePresentLocked(position) }
            if !entry.isMarker, let shared = node.ancestorPageLocked(position) {
                page = shared
                tracer?.emit(.pagePresent(physical: page))
            } else {
                page = pmm.zeroPage
                tracer?.emit(.zeroPageMapped(physical: page))
            }
            installed = flags.subtracting(.write)
            node.mayHaveReadOnlyMappings = true
        }
        try arch.map(va, page, flags: installed, existing: .overwrite)
        tracer?.emit(.translationInstalled(virtual: va.rawValue, physical: page, flags: installed))
        // Read under the aspace and VMO locks: nothing can invalidate this entry until we
        // release them, so a TLB entry tagged with this generation is valid.
        return FaultResolution(physical: page, writable: installed.contains(.write),
                               generation: arch.currentGeneration)
    }

    /// MAP_RANGE: maps the pages this VMO's leaf owns, never forking or committing anything; pages
    /// still shared with an ancestor are left to fault (reference §4.4).
    func mapOwnedPages(mapping: VmMapping, offset: UInt64, length: UInt64) throws(ZxStatus) {
        if let backing = physical { return try mapPhysicalPages(backing, mapping: mapping, offset: offset, length: length) }
        try withHierarchyLock { () throws(ZxStatus) in
            let end = min(offset.checkedAdd(length) ?? UInt64.max, viewSizeLocked)
            guard offset < end else { return }
            let flags = mapping.archFlags(cachePolicy: cachePolicyLocked)
            var failure: ZxStatus?
            let base = nodeOffset
            let source = node.pageSource
            node.pages.forEach(in: base + offset, base + end) { position, entry in
                guard failure == nil, let page = entry.page else { return }
                let va = VirtualAddress(mapping.base + UInt(position - base - mapping.vmoOffset))
                // A pager's Clean pages go in read-only, as the fault path maps them.
                let pageFlags = source.map { $0.mayMapWritable(position) } ?? true ? flags : flags.subtracting(.write)
                do throws(ZxStatus) { try mapping.aspace.arch.map(va, page, flags: pageFlags, existing: .overwrite) } catch { failure = error }
            }
            if let failure { throw failure }
        }
    }
}
