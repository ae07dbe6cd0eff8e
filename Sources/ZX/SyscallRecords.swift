// Small fixed-layout records passed through syscall buffers: VMO lock state, pager dirty ranges
// and stats, wait items, channel handle info/dispositions and exception info.
//
// Zircon counterparts: zircon/system/public/zircon/types.h, syscalls-next.h (pager writeback)
// and syscalls/exception.h.

/// Output of ZX_VMO_OP_LOCK / ZX_VMO_OP_TRY_LOCK (32 bytes).
public struct zx_vmo_lock_state_t: Sendable, BitwiseCopyable {
    /// The locked range (the op's arguments on success).
    public var offset: UInt64
    public var size: UInt64
    /// Maximal sub-range that held discarded pages before the lock; both 0 if none.
    public var discarded_offset: UInt64
    public var discarded_size: UInt64

    public init(offset: UInt64 = 0, size: UInt64 = 0, discarded_offset: UInt64 = 0, discarded_size: UInt64 = 0) {
        self.offset = offset
        self.size = size
        self.discarded_offset = discarded_offset
        self.discarded_size = discarded_size
    }
}

/// One range reported by `zx_pager_query_dirty_ranges` (24 bytes).
public struct zx_vmo_dirty_range_t: Sendable, BitwiseCopyable, Equatable {
    /// The range [offset, offset + length).
    public var offset: UInt64
    public var length: UInt64
    /// ZX_VMO_DIRTY_RANGE_IS_ZERO or 0.
    public var options: UInt64

    public init(offset: UInt64 = 0, length: UInt64 = 0, options: UInt64 = 0) {
        self.offset = offset
        self.length = length
        self.options = options
    }
}

/// Output of `zx_pager_query_vmo_stats` (4 bytes).
public struct zx_pager_vmo_stats_t: Sendable, BitwiseCopyable {
    /// ZX_PAGER_VMO_STATS_MODIFIED if the VMO was modified, else 0.
    public var modified: UInt32

    public init(modified: UInt32 = 0) {
        self.modified = modified
    }
}

/// One entry of `zx_object_wait_many` (12 bytes).
public struct zx_wait_item_t: Sendable, BitwiseCopyable {
    public var handle: zx_handle_t
    public var waitfor: zx_signals_t
    public var pending: zx_signals_t

    public init(handle: zx_handle_t = 0, waitfor: zx_signals_t = 0, pending: zx_signals_t = 0) {
        self.handle = handle
        self.waitfor = waitfor
        self.pending = pending
    }
}

/// A received handle with its type and rights (`zx_channel_read_etc`, 16 bytes).
public struct zx_handle_info_t: Sendable, BitwiseCopyable {
    public var handle: zx_handle_t
    public var type: zx_obj_type_t
    public var rights: zx_rights_t
    public var unused: UInt32

    public init(handle: zx_handle_t = 0, type: zx_obj_type_t = 0, rights: zx_rights_t = 0, unused: UInt32 = 0) {
        self.handle = handle
        self.type = type
        self.rights = rights
        self.unused = unused
    }
}

/// A handle to send with an operation, expected type and rights (`zx_channel_write_etc`, 20 bytes).
public struct zx_handle_disposition_t: Sendable, BitwiseCopyable {
    /// ZX_HANDLE_OP_MOVE or ZX_HANDLE_OP_DUPLICATE.
    public var operation: zx_handle_op_t
    public var handle: zx_handle_t
    public var type: zx_obj_type_t
    public var rights: zx_rights_t
    /// Per-handle result, written by the kernel.
    public var result: zx_status_t

    public init(operation: zx_handle_op_t = 0, handle: zx_handle_t = 0, type: zx_obj_type_t = 0,
                rights: zx_rights_t = 0, result: zx_status_t = 0) {
        self.operation = operation
        self.handle = handle
        self.type = type
        self.rights = rights
        self.result = result
    }
}

/// Basic information sent with an exception handle over an exception channel (24 bytes).
public struct zx_exception_info_t: Sendable, BitwiseCopyable {
    public var pid: zx_koid_t
    public var tid: zx_koid_t
    public var type: zx_excp_type_t
    public var padding1: (UInt8, UInt8, UInt8, UInt8)

    public init(pid: zx_koid_t = 0, tid: zx_koid_t = 0, type: zx_excp_type_t = 0) {
        self.pid = pid
        self.tid = tid
        self.type = type
        self.padding1 = (0, 0, 0, 0)
    }
}
