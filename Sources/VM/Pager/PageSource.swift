// PageSource: what makes a VMO pager-backed. It hangs off the VMO's page node and keeps, under
// the hierarchy lock: the outstanding requests (deduplicated: a page already asked for is never
// asked for again while the ask is open), the per-page dirty state of the pager's write-back
// protocol, how far the pager's content reaches, and whether the VMO was detached.
//
// Dirty states (reference §5.1, profile NEW). A page the pager supplied is Clean. The first write
// makes it Dirty — for a VMO created with ZX_VMO_TRAP_DIRTY only after the pager acknowledged a
// ZX_PAGER_VMO_DIRTY request with ZX_PAGER_OP_DIRTY. WRITEBACK_BEGIN turns Dirty into
// AwaitingClean; WRITEBACK_END turns AwaitingClean into Clean; a write in between makes it Dirty
// again. Clean and AwaitingClean pages are only ever mapped read-only, so that write traps.
//
// Zircon counterpart: zircon/kernel/vm/page_source.cc (request tracking, OnPagesSupplied,
// OnPagesFailed, DetachSource) and vm_cow_pages.cc (dirty-state transitions, the zero range
// beyond the pager's content after a resize).

import KernelContainers
import ZX

/// The write-back state of a present page that is not Clean (Clean pages are not recorded).
enum PageDirtyState: Sendable, Equatable {
    case dirty
    case awaitingClean
}

final class PageSource {
    let sink: any PageRequestSink
    /// ZX_VMO_TRAP_DIRTY: writes to Clean pages wait for the pager's ZX_PAGER_OP_DIRTY.
    let trapDirty: Bool
    /// Detached (zx_pager_detach_vmo, or the pager closed): no more requests; misses fail.
    var detached = false
    /// The pager's content covers [0, contentLimit); pages beyond (a resize grew the VMO) are
    /// the kernel's zeros: they read zero without a request and are dirty once written.
    var contentLimit: UInt64
    /// Open requests; few at a time, so a plain array.
    var outstanding: [PageRequest] = []
    /// Non-Clean present pages by offset.
    var dirtyStates = WAVLTree<UInt64, PageDirtyState>()
    /// zx_pager_query_vmo_stats: written since the pager last reset the flag.
    var modified = false
    /// ZX_PAGER_VMO_COMPLETE went out (it is the last packet, sent once).
    var completeSent = false
    /// The request a lookup that missed wants its caller to wait for. Set and taken within one
    /// hold of the hierarchy lock (see VmObjectPaged.withPageRequests).
    var pendingWait: PageRequest?

    init(sink: any PageRequestSink, trapDirty: Bool, contentLimit: UInt64) {
        self.sink = sink
        self.trapDirty = trapDirty
        self.contentLimit = contentLimit
    }

    // MARK: Requests

    /// The open request of `command` covering `position`, if any.
    func openRequest(_ command: PageRequestCommand, covering position: UInt64) -> PageRequest? {
        outstanding.first { $0.command == command && $0.covers(position) }
    }

    /// Makes sure every page of [start, end) is asked for with `command`, sending packets only
    /// for the parts no open request covers, and records the request covering `start` as the
    /// one to wait for. Then throws `.shouldWait` for the caller to catch (hierarchy lock held).
    /// A detached source asks nothing and fails at once with BAD_STATE.
    func requestLocked(_ command: PageRequestCommand, _ start: UInt64, _ end: UInt64) throws(ZxStatus) -> Never {
        guard !detached else { throw .badState }
        let page = UInt64(PageGeometry.size)
        var waitFor = openRequest(command, covering: start)
        var position = start
        while position < end {
            if let open = openRequest(command, covering: position) {
                position = open.end
                continue
            }
            var gapEnd = position + page
            while gapEnd < end, openRequest(command, covering: gapEnd) == nil { gapEnd += page }
            let request = PageRequest(command, offset: position, length: gapEnd - position)
            outstanding.append(request)
            sink.send(command, offset: position, length: gapEnd - position)
            if waitFor == nil { waitFor = request }
            position = gapEnd
        }
        pendingWait = waitFor
        throw .shouldWait
    }

    /// Completes (and forgets) every open request of `command` overlapping [start, end) for
    /// which `satisfied` holds; `withdraw` also takes their packets off the port if unread.
    func completeRequestsLocked(_ command: PageRequestCommand, overlapping start: UInt64, _ end: UInt64,
                                failing status: ZxStatus? = nil, withdraw: Bool = false,
                                where satisfied: (PageRequest) -> Bool = { _ in true }) {
        var done: [PageRequest] = []
        outstanding.removeAll { request in
            guard request.command == command, request.offset < end, start < request.end,
                  satisfied(request) else { return false }
            done.append(request)
            return true
        }
        for request in done {
            if withdraw { sink.withdraw(request.command, offset: request.offset, length: request.length) }
            request.complete(failing: status)
        }
    }

    /// Fails every open request (detach, pager closed, VMO destroyed).
    func failAllLocked(_ status: ZxStatus) {
        let all = outstanding
        outstanding = []
        for request in all { request.complete(failing: status) }
    }

    // MARK: Dirty state

    func dirtyState(at offset: UInt64) -> PageDirtyState? { dirtyStates[offset] }

    /// Clean pages (and AwaitingClean ones) are mapped read-only so their first write traps.
    func mayMapWritable(_ offset: UInt64) -> Bool { dirtyStates[offset] == .dirty }

    func setDirtyState(_ state: PageDirtyState?, at offset: UInt64) {
        if let index = dirtyStates.find(offset) {
            if let state { dirtyStates.updateValue(state, at: index) } else { _ = dirtyStates.remove(at: index) }
        } else if let state {
            dirtyStates.insert(offset, state)
        }
    }

    /// Forgets the dirty state of pages at or beyond `offset` (they were freed by a shrink).
    func dropDirtyStates(from offset: UInt64) {
        var doomed: [UInt64] = []
        dirtyStates.forEach(from: offset) { key, _ in
            doomed.append(key)
            return true
        }
        for key in doomed { _ = dirtyStates.remove(key) }
    }
}
