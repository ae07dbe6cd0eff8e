// VmObjectPaged, pager-backed: creating a VMO whose pages a user pager supplies, the retry loop
// every operation runs through when it meets a page that is not there yet, and the pager's side
// of the protocol — supply, fail, dirty acknowledgement, write-back, detach, dirty-range queries.
//
// Zircon counterpart: zircon/kernel/vm/vm_object_paged.cc (CreateExternal, SupplyPages,
// FailPageRequests, DirtyPages, WritebackBegin/End, EnumerateDirtyRanges, DetachSource) and
// vm_cow_pages.cc (the lookups that generate page requests).
// Lock domain: `lock` (the hierarchy lock). Waiting happens only with no lock held.

import Hardware
import ZX

extension VmObjectPaged {
    // MARK: Creation

    /// A VMO whose contents come from a user pager through `sink`. No page is present; every
    /// first access asks the pager. Zircon: VmObjectPaged::CreateExternal.
    /// - Throws: `.outOfRange` if rounding overflows or exceeds the maximum VMO size.
    public static func createPagerBacked(pmm: PMM, size: UInt64, resizable: Bool, trapDirty: Bool,
                                         sink: any PageRequestSink) throws(ZxStatus) -> VmObjectPaged {
        guard let rounded = size.pageRoundedUp, rounded <= maxVmoSize else { throw .outOfRange }
        let node = VmCowPages(hidden: false)
        node.pageSource = PageSource(sink: sink, trapDirty: trapDirty, contentLimit: rounded)
        return VmObjectPaged(pmm: pmm, hierarchy: VmHierarchy(), kind: .root,
                             options: resizable ? [.resizable] : [], node: node, size: rounded, contentSize: size)
    }

    /// True for a pager-backed VMO, its slices and references, and its one-way clones
    /// (ZX_INFO_VMO_PAGER_BACKED).
    public var isPagerBacked: Bool { node.pageSource != nil || node.parent?.pageSource != nil }

    /// The page source requests of this VMO go to: its own, or its pager parent's (one-way clone).
    var requestSourceLocked: PageSource? { node.pageSource ?? node.parent?.pageSource }

    /// One-way clone: if this leaf shows nothing of its own at node offset `position` and reads
    /// through to its pager parent there, the pager's source and the offset in the pager's node.
    func pagerParentPositionLocked(_ position: UInt64) -> (source: PageSource, parent: VmCowPages, offset: UInt64)? {
        guard let parent = node.parent, let source = parent.pageSource, position < node.parentLimit,
              node.pages.lookup(position).isEmpty else { return nil }
        return (source, parent, position + node.parentOffset)
    }

    /// One-way clone: asks the pager for the page under node offset `position` if the leaf reads
    /// through to it and it is missing (throws `.shouldWait`), else returns.
    func pagerParentEnsurePresentLocked(_ position: UInt64) throws(ZxStatus) {
        guard let (source, parent, offset) = pagerParentPositionLocked(position),
              parent.pages.lookup(offset).page == nil, offset < source.contentLimit else { return }
        try source.requestLocked(.read, offset, offset + UInt64(PageGeometry.size))
    }

    // MARK: The retry loop

    /// Runs `body` under the hierarchy lock. When it throws `.shouldWait` (a page the pager must
    /// supply, or a dirty acknowledgement it must give), the lock is dropped, `wait` blocks until
    /// the request completes, and `body` runs again from the start: the VMO may have changed
    /// meanwhile (resized, detached), so nothing from the first attempt is trusted. A request the
    /// pager failed ends the operation with the pager's status.
    func withPageRequests<Result>(wait: PageRequestWaiter,
                                  _ body: () throws(ZxStatus) -> Result) throws(ZxStatus) -> Result {
        while true {
            let attempt = try withHierarchyLock { () throws(ZxStatus) -> PageAttempt<Result> in
                do throws(ZxStatus) {
                    return .done(try body())
                } catch .shouldWait {
                    guard let source = requestSourceLocked, let request = source.pendingWait else { throw .shouldWait }
                    source.pendingWait = nil
                    return .wait(request)
                }
            }
            switch attempt {
            case .done(let value):
                return value
            case .wait(let request):
                try wait(request)
                if let failure = request.outcome.failure { throw failure }
            }
        }
    }

    // MARK: Lookups that ask the pager (hierarchy lock held; offsets in node coordinates)

    /// Asks for the first run of missing pages in [start, end) (clipped to the pager's content)
    /// and throws `.shouldWait`; returns if every page there is present. One request covers the
    /// whole contiguous run, as Zircon batches a syscall's misses.
    func pagerEnsurePresentLocked(_ start: UInt64, _ end: UInt64) throws(ZxStatus) {
        if node.pageSource == nil, node.parent?.pageSource != nil {
            try pagerCloneEnsurePresentLocked(start, end)
            return
        }
        guard let source = node.pageSource else { return }
        let page = UInt64(PageGeometry.size)
        var position = start.pageTruncated
        let stop = min(end, source.contentLimit)
        while position < stop {
            if node.pages.lookup(position).page == nil {
                var runEnd = position + page
                while runEnd < stop, node.pages.lookup(runEnd).page == nil { runEnd += page }
                try source.requestLocked(.read, position, runEnd)
            }
            position += page
        }
    }

    /// With ZX_VMO_TRAP_DIRTY: asks for dirty acknowledgement of the first run of present pages
    /// in [start, end) that are not Dirty, and throws `.shouldWait`; returns once all are Dirty.
    /// Call after `pagerEnsurePresentLocked` for the same range.
    func pagerEnsureDirtyAllowedLocked(_ start: UInt64, _ end: UInt64) throws(ZxStatus) {
        guard let source = node.pageSource, source.trapDirty else { return }
        let page = UInt64(PageGeometry.size)
        var position = start.pageTruncated
        while position < end {
            if source.dirtyState(at: position) != .dirty {
                var runEnd = position + page
                while runEnd < end, source.dirtyState(at: runEnd) != .dirty { runEnd += page }
                try source.requestLocked(.dirty, position, runEnd)
            }
            position += page
        }
    }

    /// The page at `offset` of a pager-backed node, ready to be written: asked for if missing
    /// (or made from the kernel's zeros beyond the pager's content), dirty-acknowledged if the
    /// VMO traps dirtying, and marked Dirty.
    func pagerWritablePageLocked(_ offset: UInt64, _ source: PageSource) throws(ZxStatus) -> PhysicalAddress {
        let pageSize = UInt64(PageGeometry.size)
        let page: PhysicalAddress
        if let present = node.pages.lookup(offset).page {
            page = present
        } else {
            if offset < source.contentLimit { try source.requestLocked(.read, offset, offset + pageSize) }
            guard !source.detached else { throw .badState }
            if source.trapDirty { try source.requestLocked(.dirty, offset, offset + pageSize) }
            page = try pmm.allocPage(.object, zeroFill: true)
            node.pages.set(offset, .page(page))
            owner.hasPageListMetadata = true
            if node.mayHaveReadOnlyMappings { nodeRangeChangeLocked(offset, offset + pageSize) }
        }
        if source.dirtyState(at: offset) != .dirty {
            if source.trapDirty {
                guard !source.detached else { throw .badState }
                try source.requestLocked(.dirty, offset, offset + pageSize)
            }
            source.setDirtyState(.dirty, at: offset)
        }
        source.modified = true
        return page
    }

    // MARK: The pager's side (zx_pager_supply_pages and friends)

    /// Checks that a supply of [offset, offset+length) may go ahead, before the auxiliary VMO is
    /// touched: inside the VMO (OUT_OF_RANGE), not detached (BAD_STATE).
    public func validateSupply(offset: UInt64, length: UInt64) throws(ZxStatus) {
        try withHierarchyLock { () throws(ZxStatus) in
            guard let source = node.pageSource else { throw .invalidArgs }
            guard let end = offset.checkedAdd(length), end <= viewSizeLocked else { throw .outOfRange }
            guard !source.detached else { throw .badState }
        }
    }

    /// zx_pager_supply_pages, the source half: takes the pages of [offset, offset+length) out of
    /// this (auxiliary) VMO, leaving the range decommitted; an uncommitted page comes back nil
    /// (the pager supplies zeros). Pages shared with a copy-on-write relative are copied first.
    /// - Throws: `.notSupported` (contiguous or pager-backed), `.badState` (pinned pages or
    ///   children), `.outOfRange` (beyond the end).
    public func takePagesForSupply(offset: UInt64, length: UInt64) throws(ZxStatus) -> [PhysicalAddress?] {
        try withHierarchyLock { () throws(ZxStatus) -> [PhysicalAddress?] in
            guard !isContiguous, node.pageSource == nil else { throw .notSupported }
            guard owner.pinnedCount == 0, childVmos.isEmpty, !node.isHidden else { throw .badState }
            guard let end = offset.checkedAdd(length), end <= viewSizeLocked else { throw .outOfRange }
            var taken: [PhysicalAddress?] = []
            taken.reserveCapacity(Int(length >> UInt64(PageGeometry.shift)))
            var position = offset
            while position < end {
                let nodePosition = nodeOffset + position
                if node.lookupLocked(nodePosition).page != nil {
                    let page = try writablePageLocked(nodePosition)
                    taken.append(page)
                } else {
                    taken.append(nil)
                }
                position += UInt64(PageGeometry.size)
            }
            // The pages leave without being freed: unmap them here, then drop the entries.
            nodeRangeChangeLocked(nodeOffset + offset, nodeOffset + end)
            _ = node.pages.removeRange(nodeOffset + offset, nodeOffset + end)
            return taken
        }
    }

    /// zx_pager_supply_pages, the destination half: installs `pages` (nil = a zero page) at
    /// `offset` as Clean pages. A page already present is kept and the supplied copy freed, as
    /// Zircon does. Wakes every request the supply completes and withdraws its unread packet.
    /// - Throws: `.badState` if the VMO was detached meanwhile (the pages are freed),
    ///   `.noMemory` for a zero page that cannot be allocated.
    public func supplyPages(offset: UInt64, pages: [PhysicalAddress?]) throws(ZxStatus) {
        let pageSize = UInt64(PageGeometry.size)
        var unused: [PhysicalAddress] = []
        defer {
            // Supplied copies nobody needed. They may have been mapped in the auxiliary VMO.
            if !unused.isEmpty {
                pmm.memory.accessRegistry.synchronize()
                for page in unused { pmm.freePage(page) }
            }
        }
        try withHierarchyLock { () throws(ZxStatus) in
            guard let source = node.pageSource else { throw .invalidArgs }
            let limit = viewSizeLocked
            guard !source.detached else {
                unused = pages.compactMap { $0 }
                throw .badState
            }
            let start = nodeOffset + offset
            let end = start + UInt64(pages.count) * pageSize
            if node.mayHaveReadOnlyMappings { nodeRangeChangeLocked(start, end) }
            for (index, supplied) in pages.enumerated() {
                let position = start + UInt64(index) * pageSize
                if node.pages.lookup(position).page != nil || position - nodeOffset >= limit {
                    if let supplied { unused.append(supplied) }
                    continue
                }
                let page: PhysicalAddress
                if let supplied {
                    page = supplied
                } else {
                    do throws(ZxStatus) {
                        page = try pmm.allocPage(.object, zeroFill: true)
                    } catch {
                        unused += pages[(index + 1)...].compactMap { $0 }
                        throw error
                    }
                }
                node.pages.set(position, .page(page))
            }
            owner.hasPageListMetadata = true
            source.completeRequestsLocked(.read, overlapping: start, end, withdraw: true) { request in
                var position = request.offset
                while position < request.end {
                    if node.pages.lookup(position).page == nil && position < source.contentLimit { return false }
                    position += pageSize
                }
                return true
            }
        }
    }

    /// ZX_PAGER_OP_FAIL: every open request overlapping the range ends with `status`; their
    /// waiters report it. Not sticky: the next access asks again.
    public func failPageRequests(offset: UInt64, length: UInt64, status: ZxStatus) throws(ZxStatus) {
        try withHierarchyLock { () throws(ZxStatus) in
            guard let source = node.pageSource else { throw .invalidArgs }
            guard !source.detached else { throw .badState }
            let start = nodeOffset + offset, end = start + length
            source.completeRequestsLocked(.read, overlapping: start, end, failing: status)
            source.completeRequestsLocked(.dirty, overlapping: start, end, failing: status)
        }
    }

    /// ZX_PAGER_OP_DIRTY: the pager lets the range become Dirty. Pages beyond the pager's content
    /// are committed as zero pages; any other missing page → NOT_FOUND (nothing changes).
    public func acknowledgeDirty(offset: UInt64, length: UInt64) throws(ZxStatus) {
        let pageSize = UInt64(PageGeometry.size)
        try withHierarchyLock { () throws(ZxStatus) in
            guard let source = node.pageSource else { throw .invalidArgs }
            guard !source.detached else { throw .badState }
            let start = nodeOffset + offset, end = start + length
            var position = start
            while position < end {
                if node.pages.lookup(position).page == nil && position < source.contentLimit { throw .notFound }
                position += pageSize
            }
            position = start
            while position < end {
                if node.pages.lookup(position).page == nil {
                    node.pages.set(position, .page(try pmm.allocPage(.object, zeroFill: true)))
                    owner.hasPageListMetadata = true
                    if node.mayHaveReadOnlyMappings { nodeRangeChangeLocked(position, position + pageSize) }
                }
                source.setDirtyState(.dirty, at: position)
                position += pageSize
            }
            source.modified = true
            source.completeRequestsLocked(.dirty, overlapping: start, end) { request in
                var position = request.offset
                while position < request.end {
                    if source.dirtyState(at: position) != .dirty { return false }
                    position += pageSize
                }
                return true
            }
        }
    }

    /// ZX_PAGER_OP_WRITEBACK_BEGIN: Dirty pages of the range become AwaitingClean and lose write
    /// access in every mapping, so a write before WRITEBACK_END makes them Dirty again.
    public func beginWriteback(offset: UInt64, length: UInt64) throws(ZxStatus) {
        try withHierarchyLock { () throws(ZxStatus) in
            guard let source = node.pageSource else { throw .invalidArgs }
            let start = nodeOffset + offset, end = start + length
            var dirty: [UInt64] = []
            source.dirtyStates.forEach(from: start) { key, state in
                guard key < end else { return false }
                if state == .dirty { dirty.append(key) }
                return true
            }
            for key in dirty { source.setDirtyState(.awaitingClean, at: key) }
            if !dirty.isEmpty { nodeRangeChangeLocked(start, end) }
        }
    }

    /// ZX_PAGER_OP_WRITEBACK_END: AwaitingClean pages of the range become Clean.
    public func endWriteback(offset: UInt64, length: UInt64) throws(ZxStatus) {
        try withHierarchyLock { () throws(ZxStatus) in
            guard let source = node.pageSource else { throw .invalidArgs }
            let start = nodeOffset + offset, end = start + length
            var cleaned: [UInt64] = []
            source.dirtyStates.forEach(from: start) { key, state in
                guard key < end else { return false }
                if state == .awaitingClean { cleaned.append(key) }
                return true
            }
            for key in cleaned { source.setDirtyState(nil, at: key) }
            // Kernel zeros the pager wrote back are the pager's content from now on.
            if end > source.contentLimit, start <= source.contentLimit {
                source.contentLimit = min(end, viewSizeLocked)
            }
        }
    }

    /// A run of dirty pages (zx_vmo_dirty_range_t): `isZero` for a run of the kernel's zeros
    /// beyond the pager's content that was never written (ZX_VMO_DIRTY_RANGE_IS_ZERO).
    public struct DirtyRange: Sendable, Equatable {
        public var offset: UInt64
        public var length: UInt64
        public var isZero: Bool
    }

    /// zx_pager_query_dirty_ranges: Dirty and AwaitingClean runs inside [offset, offset+length),
    /// in order, adjacent pages merged; then the unwritten zero range beyond the pager's content.
    public func dirtyRanges(offset: UInt64, length: UInt64) throws(ZxStatus) -> [DirtyRange] {
        try withHierarchyLock { () throws(ZxStatus) -> [DirtyRange] in
            guard let source = node.pageSource else { throw .invalidArgs }
            let start = nodeOffset + offset.pageTruncated
            let end = nodeOffset + min((offset.checkedAdd(length) ?? .max).pageRoundedUp ?? .max, viewSizeLocked)
            var ranges: [DirtyRange] = []
            let pageSize = UInt64(PageGeometry.size)
            func add(_ position: UInt64, zero: Bool) {
                if var last = ranges.last, last.isZero == zero, last.offset + last.length == position - nodeOffset {
                    last.length += pageSize
                    ranges[ranges.count - 1] = last
                } else {
                    ranges.append(DirtyRange(offset: position - nodeOffset, length: pageSize, isZero: zero))
                }
            }
            var position = start
            source.dirtyStates.forEach(from: start) { key, _ in
                guard key < end else { return false }
                // Unwritten zero pages beyond the content limit that precede this dirty page.
                while position < key {
                    if position >= source.contentLimit, node.pages.lookup(position).page == nil { add(position, zero: true) }
                    position += pageSize
                }
                add(key, zero: false)
                position = key + pageSize
                return true
            }
            while position < end {
                if position >= source.contentLimit, node.pages.lookup(position).page == nil { add(position, zero: true) }
                position = max(position + pageSize, source.contentLimit > position ? source.contentLimit : 0)
            }
            return ranges
        }
    }

    /// zx_pager_query_vmo_stats: whether the VMO was written since the last reset.
    public func pagerModified(reset: Bool) throws(ZxStatus) -> Bool {
        try withHierarchyLock { () throws(ZxStatus) -> Bool in
            guard let source = node.pageSource else { throw .invalidArgs }
            defer { if reset { source.modified = false } }
            return source.modified
        }
    }

    /// zx_pager_detach_vmo (`pagerClosed` false), or the pager's last handle closing. No new
    /// requests; every waiter fails with BAD_STATE. A detach evicts Clean pages (Dirty ones are
    /// kept) and queues ZX_PAGER_VMO_COMPLETE last (once); a closing pager leaves every present
    /// page readable and sends nothing (reference §5.3).
    public func detachPageSource(pagerClosed: Bool) {
        let sendComplete = !pagerClosed
        var evicted: [PhysicalAddress] = []
        withHierarchyLock {
            guard let source = node.pageSource, !source.detached else { return }
            source.detached = true
            source.failAllLocked(.badState)
            var clean: [UInt64] = []
            if !pagerClosed { node.pages.forEach(in: 0, UInt64.max) { position, entry in
                if entry.page != nil, source.dirtyState(at: position) == nil { clean.append(position) }
            } }
            for position in clean {
                nodeRangeChangeLocked(position, position + UInt64(PageGeometry.size))
                if let page = node.pages.remove(position).page { evicted.append(page) }
            }
            if sendComplete, !source.completeSent {
                source.completeSent = true
                source.sink.send(.complete, offset: 0, length: 0)
            }
        }
        releasePages(evicted)
    }

    /// The VMO is being destroyed (hierarchy lock held): the pager hears ZX_PAGER_VMO_COMPLETE
    /// unless it detached already; nobody can be waiting (a waiter holds a reference).
    func pageSourceDestroyedLocked() {
        guard let source = node.pageSource else { return }
        source.failAllLocked(.badState)
        if !source.detached, !source.completeSent {
            source.completeSent = true
            source.sink.send(.complete, offset: 0, length: 0)
        }
        source.detached = true
    }
}

/// One attempt of an operation under the hierarchy lock: finished, or waiting for the pager.
enum PageAttempt<Result> {
    case done(Result)
    case wait(PageRequest)
}

extension VmObjectPaged {
    /// ZERO on a pager-backed VMO is a write of zeros: pages are asked for, dirtied (with the
    /// pager's leave under ZX_VMO_TRAP_DIRTY), then cleared. Node coordinates; lock held.
    func pagerZeroLocked(_ start: UInt64, _ end: UInt64) throws(ZxStatus) {
        guard start < end, let source = node.pageSource else { return }
        try pagerEnsurePresentLocked(start, end)
        try pagerEnsureDirtyAllowedLocked(start, end)
        var position = start
        while position < end {
            let pageStart = position.pageTruncated
            let stop = min(end, pageStart + UInt64(PageGeometry.size))
            let page = try pagerWritablePageLocked(pageStart, source)
            (pmm.memory.hostPointer(page) + Int(position - pageStart))
                .initializeMemory(as: UInt8.self, repeating: 0, count: Int(stop - position))
            position = stop
        }
    }

    /// zx_vmo_set_size on a pager-backed VMO. Shrinking frees the tail (dirty or not), wakes the
    /// waiters of requests there (their retry sees OUT_OF_RANGE) and pulls the pager's content
    /// limit in, so regrowing exposes the kernel's zeros, never stale pager content. The bytes
    /// past the new content size in the last page are zeroed if the page is present.
    func pagerResizeLocked(_ source: PageSource, newSize: UInt64, rounded: UInt64) {
        if rounded < sizeBytes {
            freeNodeRangeLocked(rounded, sizeBytes)
            nodeRangeChangeLocked(rounded, sizeBytes)
            source.dropDirtyStates(from: rounded)
            source.completeRequestsLocked(.read, overlapping: rounded, .max)
            source.completeRequestsLocked(.dirty, overlapping: rounded, .max)
            source.contentLimit = min(source.contentLimit, rounded)
        }
        if newSize < rounded, let page = node.pages.lookup(newSize.pageTruncated).page {
            let inPage = Int(newSize - newSize.pageTruncated)
            (pmm.memory.hostPointer(page) + inPage)
                .initializeMemory(as: UInt8.self, repeating: 0, count: PageGeometry.size - inPage)
            source.setDirtyState(.dirty, at: newSize.pageTruncated)
        }
        if rounded != sizeBytes { source.modified = true }
        sizeBytes = rounded
        contentSizeBytes = newSize
    }
}

extension VmObjectPaged {
    /// Where this pager-backed VMO's requests go (nil if not pager-backed). Fixed at creation.
    public var pageRequestSink: (any PageRequestSink)? { node.pageSource?.sink }
}

extension VmObjectPaged {
    /// One-way clone: one request for the first run of pages this leaf reads through to its
    /// pager parent that the pager has not supplied (batched as the parent's own misses are).
    func pagerCloneEnsurePresentLocked(_ start: UInt64, _ end: UInt64) throws(ZxStatus) {
        let page = UInt64(PageGeometry.size)
        var position = start.pageTruncated
        while position < end {
            if let (source, parent, offset) = pagerParentPositionLocked(position),
               parent.pages.lookup(offset).page == nil, offset < source.contentLimit {
                var runEnd = offset + page
                var next = position + page
                while next < end, let (_, _, nextOffset) = pagerParentPositionLocked(next), nextOffset == runEnd,
                      parent.pages.lookup(nextOffset).page == nil, nextOffset < source.contentLimit {
                    runEnd += page
                    next += page
                }
                try source.requestLocked(.read, offset, runEnd)
            }
            position += page
        }
    }

    /// Pages of a pager's node left it (evicted, shrunk away): one-way clones may have mapped
    /// them read-only, so their translations of node range [start, end) go too.
    func pagerClonesRangeChangeLocked(_ start: UInt64, _ end: UInt64) {
        guard node.oneWayChildren > 0 else { return }
        for child in owner.childVmos {
            child.withObject(keepingAlive: &hierarchy.deferredReleases) { clone in
                guard clone.node.parent === node, end > clone.node.parentOffset else { return }
                let low = start > clone.node.parentOffset ? start - clone.node.parentOffset : 0
                clone.rangeChangeUpdateLocked(offset: low, length: end - clone.node.parentOffset - low)
            }
        }
    }
}
