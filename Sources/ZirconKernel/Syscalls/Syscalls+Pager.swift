// Pager syscalls: zx_pager_create, create_vmo, detach_vmo, supply_pages, op_range,
// query_dirty_ranges, query_vmo_stats.
//
// Zircon counterpart: zircon/kernel/syscalls/pager.cc; rules and their order from
// shared/reference/zircon-vm-semantics.md §5.1 (profile NEW) and
// docs/reference/syscalls/pager_*.md.

import VM
import ZX

extension Sys {
    /// zx_pager_create. - Throws: `.invalidArgs` for any option.
    static func pagerCreate(_ options: UInt32) throws(ZxStatus) -> zx_handle_t {
        let context = try context()
        guard options == 0 else { throw .invalidArgs }
        let pager = PagerDispatcher(koid: context.kernel.allocateKoid())
        return try context.handles.add(pager, pager.defaultRights)
    }

    /// zx_pager_create_vmo (§5.1). Options first, then the pager (ATTACH_VMO), then the port,
    /// whose WRITE right is checked before its type, then the size.
    static func pagerCreateVmo(_ pagerHandle: zx_handle_t, _ options: UInt32, _ portHandle: zx_handle_t,
                               _ key: UInt64, _ size: UInt64) throws(ZxStatus) -> zx_handle_t {
        let context = try context()
        guard options & ~(ZX_VMO_RESIZABLE | ZX_VMO_TRAP_DIRTY) == 0 else { throw .invalidArgs }
        let (pager, _) = try context.handles.lookup(pagerHandle, as: PagerDispatcher.self, rights: ZX_RIGHT_ATTACH_VMO)
        let portEntry = try context.handles.lookup(portHandle)
        guard portEntry.hasRights(ZX_RIGHT_WRITE) else { throw .accessDenied }
        guard let port = portEntry.object as? PortDispatcher else { throw .wrongType }
        let vmo = try pager.createVmo(pmm: context.kernel.pmm, size: size, resizable: options & ZX_VMO_RESIZABLE != 0,
                                      trapDirty: options & ZX_VMO_TRAP_DIRTY != 0, port: port, key: key)
        let dispatcher = VmoDispatcher(vmo: vmo, koid: context.kernel.allocateKoid())
        return try context.handles.add(dispatcher, dispatcher.defaultRights)
    }

    /// The pager (with `pagerRights`) and one of its VMOs (with WRITE); INVALID_ARGS if the VMO
    /// is not this pager's.
    private static func pagerAndVmo(_ context: ThreadContext, _ pagerHandle: zx_handle_t, _ vmoHandle: zx_handle_t,
                                    pagerRights: zx_rights_t) throws(ZxStatus) -> (PagerDispatcher, VmObjectPaged) {
        let (pager, _) = try context.handles.lookup(pagerHandle, as: PagerDispatcher.self, rights: pagerRights)
        let (vmo, _) = try vmoLookup(context, vmoHandle, rights: ZX_RIGHT_WRITE)
        guard pager.owns(vmo.vmo) else { throw .invalidArgs }
        return (pager, vmo.vmo)
    }

    /// zx_pager_detach_vmo.
    static func pagerDetachVmo(_ pagerHandle: zx_handle_t, _ vmoHandle: zx_handle_t) throws(ZxStatus) {
        let context = try context()
        let (_, vmo) = try pagerAndVmo(context, pagerHandle, vmoHandle,
                                       pagerRights: ZX_RIGHT_ATTACH_VMO | ZX_RIGHT_MANAGE_VMO)
        vmo.detachPageSource(pagerClosed: false)
    }

    /// zx_pager_supply_pages (§5.1): moves pages out of `auxHandle` into the pager VMO.
    static func pagerSupplyPages(_ pagerHandle: zx_handle_t, _ vmoHandle: zx_handle_t, _ offset: UInt64,
                                 _ length: UInt64, _ auxHandle: zx_handle_t, _ auxOffset: UInt64) throws(ZxStatus) {
        let context = try context()
        let (pager, _) = try context.handles.lookup(pagerHandle, as: PagerDispatcher.self, rights: ZX_RIGHT_MANAGE_VMO)
        let (vmo, _) = try vmoLookup(context, vmoHandle, rights: ZX_RIGHT_WRITE)
        let (aux, _) = try vmoLookup(context, auxHandle, rights: ZX_RIGHT_READ | ZX_RIGHT_WRITE)
        guard pager.owns(vmo.vmo) else { throw .invalidArgs }
        guard offset.isPageAligned, length.isPageAligned, auxOffset.isPageAligned else { throw .invalidArgs }
        guard length > 0 else { return }
        try vmo.vmo.validateSupply(offset: offset, length: length)
        let pages = try aux.vmo.takePagesForSupply(offset: auxOffset, length: length)
        try vmo.vmo.supplyPages(offset: offset, pages: pages)
    }

    /// The statuses ZX_PAGER_OP_FAIL accepts (NEW profile adds NO_SPACE and BUFFER_TOO_SMALL).
    private static let failStatuses: Set<zx_status_t> = [
        ZX_ERR_IO, ZX_ERR_IO_DATA_INTEGRITY, ZX_ERR_BAD_STATE, ZX_ERR_NO_SPACE, ZX_ERR_BUFFER_TOO_SMALL,
    ]

    /// zx_pager_op_range (§5.1).
    static func pagerOpRange(_ pagerHandle: zx_handle_t, _ op: UInt32, _ vmoHandle: zx_handle_t,
                             _ offset: UInt64, _ length: UInt64, _ data: UInt64) throws(ZxStatus) {
        let context = try context()
        let (_, vmo) = try pagerAndVmo(context, pagerHandle, vmoHandle, pagerRights: ZX_RIGHT_MANAGE_VMO)
        guard offset.isPageAligned, length.isPageAligned else { throw .invalidArgs }
        guard let end = offset.checkedAdd(length), end <= vmo.size else { throw .outOfRange }
        switch op {
        case ZX_PAGER_OP_FAIL:
            // `data` is a zx_status_t sign-extended to 64 bits.
            let status = Int64(bitPattern: data)
            guard let narrow = zx_status_t(exactly: status), failStatuses.contains(narrow) else { throw .invalidArgs }
            try vmo.failPageRequests(offset: offset, length: length, status: ZxStatus(narrow))
        case ZX_PAGER_OP_DIRTY:
            try vmo.acknowledgeDirty(offset: offset, length: length)
        case ZX_PAGER_OP_WRITEBACK_BEGIN:
            guard data == 0 || data == ZX_VMO_DIRTY_RANGE_IS_ZERO else { throw .invalidArgs }
            try vmo.beginWriteback(offset: offset, length: length)
        case ZX_PAGER_OP_WRITEBACK_END:
            try vmo.endWriteback(offset: offset, length: length)
        default:
            throw .notSupported
        }
    }

    /// zx_pager_query_dirty_ranges: writes as many ranges as fit; returns (written, available).
    static func pagerQueryDirtyRanges(_ pagerHandle: zx_handle_t, _ vmoHandle: zx_handle_t, _ offset: UInt64,
                                      _ length: UInt64, _ buffer: UnsafeMutableRawPointer?,
                                      _ bufferSize: Int) throws(ZxStatus) -> (actual: Int, avail: Int) {
        let context = try context()
        let (pager, _) = try context.handles.lookup(pagerHandle, as: PagerDispatcher.self, rights: 0)
        let (vmo, _) = try vmoLookup(context, vmoHandle)
        guard pager.owns(vmo.vmo) else { throw .invalidArgs }
        guard let end = offset.checkedAdd(length), end <= vmo.vmo.size else { throw .outOfRange }
        let ranges = try vmo.vmo.dirtyRanges(offset: offset, length: length)
        let stride = MemoryLayout<zx_vmo_dirty_range_t>.stride
        let fits = buffer == nil ? 0 : max(0, bufferSize) / stride
        let written = min(fits, ranges.count)
        if let buffer {
            for (index, range) in ranges.prefix(written).enumerated() {
                let record = zx_vmo_dirty_range_t(offset: range.offset, length: range.length,
                                                  options: range.isZero ? ZX_VMO_DIRTY_RANGE_IS_ZERO : 0)
                (buffer + index * stride).storeBytes(of: record, as: zx_vmo_dirty_range_t.self)
            }
        }
        return (written, ranges.count)
    }

    /// zx_pager_query_vmo_stats.
    static func pagerQueryVmoStats(_ pagerHandle: zx_handle_t, _ vmoHandle: zx_handle_t, _ options: UInt32,
                                   _ buffer: UnsafeMutableRawPointer?, _ bufferSize: Int) throws(ZxStatus) {
        let context = try context()
        let (pager, _) = try context.handles.lookup(pagerHandle, as: PagerDispatcher.self, rights: 0)
        let (vmo, _) = try vmoLookup(context, vmoHandle)
        guard options & ~ZX_PAGER_RESET_VMO_STATS == 0 else { throw .invalidArgs }
        guard pager.owns(vmo.vmo) else { throw .invalidArgs }
        guard let buffer, bufferSize >= MemoryLayout<zx_pager_vmo_stats_t>.size else { throw .bufferTooSmall }
        let modified = try vmo.vmo.pagerModified(reset: options & ZX_PAGER_RESET_VMO_STATS != 0)
        buffer.storeBytes(of: zx_pager_vmo_stats_t(modified: modified ? ZX_PAGER_VMO_STATS_MODIFIED : 0),
                          as: zx_pager_vmo_stats_t.self)
    }
}

// zx_status_t zx_pager_create(uint32_t options, zx_handle_t* out)
public func zx_pager_create(_ options: UInt32, _ out: inout zx_handle_t) -> zx_status_t {
    ZxStatus.capture { () throws(ZxStatus) in out = try Sys.pagerCreate(options) }
}

// zx_status_t zx_pager_create_vmo(zx_handle_t pager, uint32_t options, zx_handle_t port,
//                                 uint64_t key, uint64_t size, zx_handle_t* out)
public func zx_pager_create_vmo(_ pager: zx_handle_t, _ options: UInt32, _ port: zx_handle_t, _ key: UInt64,
                                _ size: UInt64, _ out: inout zx_handle_t) -> zx_status_t {
    ZxStatus.capture { () throws(ZxStatus) in out = try Sys.pagerCreateVmo(pager, options, port, key, size) }
}

// zx_status_t zx_pager_detach_vmo(zx_handle_t pager, zx_handle_t vmo)
public func zx_pager_detach_vmo(_ pager: zx_handle_t, _ vmo: zx_handle_t) -> zx_status_t {
    ZxStatus.capture { () throws(ZxStatus) in try Sys.pagerDetachVmo(pager, vmo) }
}

// zx_status_t zx_pager_supply_pages(zx_handle_t pager, zx_handle_t pager_vmo, uint64_t offset,
//                                   uint64_t length, zx_handle_t aux_vmo, uint64_t aux_offset)
public func zx_pager_supply_pages(_ pager: zx_handle_t, _ pagerVmo: zx_handle_t, _ offset: UInt64, _ length: UInt64,
                                  _ auxVmo: zx_handle_t, _ auxOffset: UInt64) -> zx_status_t {
    ZxStatus.capture { () throws(ZxStatus) in
        try Sys.pagerSupplyPages(pager, pagerVmo, offset, length, auxVmo, auxOffset)
    }
}

// zx_status_t zx_pager_op_range(zx_handle_t pager, uint32_t op, zx_handle_t pager_vmo,
//                               uint64_t offset, uint64_t length, uint64_t data)
public func zx_pager_op_range(_ pager: zx_handle_t, _ op: UInt32, _ pagerVmo: zx_handle_t, _ offset: UInt64,
                              _ length: UInt64, _ data: UInt64) -> zx_status_t {
    ZxStatus.capture { () throws(ZxStatus) in try Sys.pagerOpRange(pager, op, pagerVmo, offset, length, data) }
}

// zx_status_t zx_pager_query_dirty_ranges(zx_handle_t pager, zx_handle_t pager_vmo, uint64_t offset,
//     uint64_t length, void* buffer, size_t buffer_size, size_t* actual, size_t* avail)
public func zx_pager_query_dirty_ranges(_ pager: zx_handle_t, _ pagerVmo: zx_handle_t, _ offset: UInt64,
                                        _ length: UInt64, _ buffer: UnsafeMutableRawPointer?, _ bufferSize: Int,
                                        _ actual: inout Int, _ avail: inout Int) -> zx_status_t {
    var result = (actual: 0, avail: 0)
    let status = ZxStatus.capture { () throws(ZxStatus) in
        result = try Sys.pagerQueryDirtyRanges(pager, pagerVmo, offset, length, buffer, bufferSize)
    }
    if status == ZX_OK {
        actual = result.actual
        avail = result.avail
    }
    return status
}

// zx_status_t zx_pager_query_vmo_stats(zx_handle_t pager, zx_handle_t pager_vmo, uint32_t options,
//                                      void* buffer, size_t buffer_size)
public func zx_pager_query_vmo_stats(_ pager: zx_handle_t, _ pagerVmo: zx_handle_t, _ options: UInt32,
                                     _ buffer: UnsafeMutableRawPointer?, _ bufferSize: Int) -> zx_status_t {
    ZxStatus.capture { () throws(ZxStatus) in try Sys.pagerQueryVmoStats(pager, pagerVmo, options, buffer, bufferSize) }
}

extension ThreadDispatcher {
    /// How this simulated thread waits for a user pager: blocked in ZX_THREAD_STATE_BLOCKED_PAGER,
    /// woken by the request's completion or by a kill (which then unwinds the thread).
    var pageRequestWaiter: PageRequestWaiter {
        { [self] (request: PageRequest) throws(ZxStatus) in
            let event = WaitEvent()
            request.whenComplete { event.signal() }
            _ = try event.wait(until: ZX_TIME_INFINITE, as: self, state: ZX_THREAD_STATE_BLOCKED_PAGER)
        }
    }
}

extension ThreadContext {
    /// The pager wait for syscalls made by this thread.
    var pageWait: PageRequestWaiter { thread.pageRequestWaiter }
}
