// The `zx_object_get_info` records with Zircon's C field names, order and widths, so that
// `MemoryLayout<T>.size` equals the 64-bit C `sizeof` and records copy to user buffers byte for byte.
//
// Zircon counterpart: zircon/system/public/zircon/syscalls/object.h (NEW: ZX_INFO_VMO v1 = 120 bytes).

// MARK: Handles

/// Record of ZX_INFO_HANDLE_BASIC (32 bytes).
public struct zx_info_handle_basic_t: Sendable, BitwiseCopyable {
    /// The koid of the object the handle refers to.
    public var koid: zx_koid_t
    /// The handle's rights.
    public var rights: zx_rights_t
    /// The object's type (`ZX_OBJ_TYPE_*`).
    public var type: zx_obj_type_t
    /// The koid of a related object (channel peer, parent job, …), otherwise 0.
    public var related_koid: zx_koid_t
    public var reserved: UInt32
    public var padding1: (UInt8, UInt8, UInt8, UInt8)

    public init(koid: zx_koid_t = 0, rights: zx_rights_t = 0, type: zx_obj_type_t = 0,
                related_koid: zx_koid_t = 0, reserved: UInt32 = 0) {
        self.koid = koid
        self.rights = rights
        self.type = type
        self.related_koid = related_koid
        self.reserved = reserved
        self.padding1 = (0, 0, 0, 0)
    }
}

/// Record of ZX_INFO_HANDLE_TABLE (40 bytes).
public struct zx_info_handle_extended_t: Sendable, BitwiseCopyable {
    public var type: zx_obj_type_t
    /// The handle value, valid only in the queried process.
    public var handle_value: zx_handle_t
    public var rights: zx_rights_t
    public var reserved: UInt32
    public var koid: zx_koid_t
    public var related_koid: zx_koid_t
    /// Currently always 0 in Zircon.
    public var peer_owner_koid: zx_koid_t

    public init(type: zx_obj_type_t = 0, handle_value: zx_handle_t = 0, rights: zx_rights_t = 0,
                reserved: UInt32 = 0, koid: zx_koid_t = 0, related_koid: zx_koid_t = 0,
                peer_owner_koid: zx_koid_t = 0) {
        self.type = type
        self.handle_value = handle_value
        self.rights = rights
        self.reserved = reserved
        self.koid = koid
        self.related_koid = related_koid
        self.peer_owner_koid = peer_owner_koid
    }
}

/// Record of ZX_INFO_HANDLE_COUNT (4 bytes).
public struct zx_info_handle_count_t: Sendable, BitwiseCopyable {
    /// Number of outstanding handles to the object.
    public var handle_count: UInt32

    public init(handle_count: UInt32 = 0) {
        self.handle_count = handle_count
    }
}

// MARK: Tasks

/// Record of ZX_INFO_PROCESS (version 1, 24 bytes).
public struct zx_info_process_t: Sendable, BitwiseCopyable {
    /// Valid only if `flags` has ZX_INFO_PROCESS_FLAG_EXITED; a ZX_TASK_RETCODE_* value if killed.
    public var return_code: Int64
    /// Monotonic time of `zx_process_start`; valid only with ZX_INFO_PROCESS_FLAG_STARTED.
    public var start_time: zx_time_t
    /// Bitwise OR of ZX_INFO_PROCESS_FLAG_*.
    public var flags: zx_info_process_flags_t
    public var padding1: (UInt8, UInt8, UInt8, UInt8)

    public init(return_code: Int64 = 0, start_time: zx_time_t = 0, flags: zx_info_process_flags_t = 0) {
        self.return_code = return_code
        self.start_time = start_time
        self.flags = flags
        self.padding1 = (0, 0, 0, 0)
    }
}

/// Record of ZX_INFO_JOB (16 bytes).
public struct zx_info_job_t: Sendable, BitwiseCopyable {
    public var return_code: Int64
    public var exited: Bool
    public var kill_on_oom: Bool
    public var debugger_attached: Bool
    public var padding1: (UInt8, UInt8, UInt8, UInt8, UInt8)

    public init(return_code: Int64 = 0, exited: Bool = false, kill_on_oom: Bool = false,
                debugger_attached: Bool = false) {
        self.return_code = return_code
        self.exited = exited
        self.kill_on_oom = kill_on_oom
        self.debugger_attached = debugger_attached
        self.padding1 = (0, 0, 0, 0, 0)
    }
}

/// A set of CPUs: bit N of `mask[N / 64]` (512 CPUs, 64 bytes).
public struct zx_cpu_set_t: Sendable, BitwiseCopyable {
    public var mask: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)

    public init(mask: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)) {
        self.mask = mask
    }
}

/// Record of ZX_INFO_THREAD (72 bytes).
public struct zx_info_thread_t: Sendable, BitwiseCopyable {
    /// One of ZX_THREAD_STATE_*.
    public var state: zx_thread_state_t
    /// One of ZX_EXCEPTION_CHANNEL_TYPE_* while blocked in an exception.
    public var wait_exception_channel_type: UInt32
    public var cpu_affinity_mask: zx_cpu_set_t

    public init(state: zx_thread_state_t = 0, wait_exception_channel_type: UInt32 = 0,
                cpu_affinity_mask: zx_cpu_set_t = zx_cpu_set_t()) {
        self.state = state
        self.wait_exception_channel_type = wait_exception_channel_type
        self.cpu_affinity_mask = cpu_affinity_mask
    }
}

/// Record of ZX_INFO_THREAD_STATS (16 bytes).
public struct zx_info_thread_stats_t: Sendable, BitwiseCopyable {
    public var total_runtime: zx_duration_t
    /// ZX_INFO_INVALID_CPU if never scheduled.
    public var last_scheduled_cpu: UInt32
    public var padding1: (UInt8, UInt8, UInt8, UInt8)

    public init(total_runtime: zx_duration_t = 0, last_scheduled_cpu: UInt32 = 0) {
        self.total_runtime = total_runtime
        self.last_scheduled_cpu = last_scheduled_cpu
        self.padding1 = (0, 0, 0, 0)
    }
}

/// Record of ZX_INFO_TASK_STATS (32 bytes; all fields C `size_t`).
public struct zx_info_task_stats_t: Sendable, BitwiseCopyable {
    /// Total size of mapped ranges.
    public var mem_mapped_bytes: Int
    /// Committed bytes mapped only into this task.
    public var mem_private_bytes: Int
    /// Committed bytes also mapped into at least one other task.
    public var mem_shared_bytes: Int
    /// Σ over shared committed bytes of 1 / (number of tasks mapping the byte).
    public var mem_scaled_shared_bytes: Int

    public init(mem_mapped_bytes: Int = 0, mem_private_bytes: Int = 0, mem_shared_bytes: Int = 0,
                mem_scaled_shared_bytes: Int = 0) {
        self.mem_mapped_bytes = mem_mapped_bytes
        self.mem_private_bytes = mem_private_bytes
        self.mem_shared_bytes = mem_shared_bytes
        self.mem_scaled_shared_bytes = mem_scaled_shared_bytes
    }
}

/// Record of ZX_INFO_TASK_RUNTIME (version 1, 32 bytes).
public struct zx_info_task_runtime_t: Sendable, BitwiseCopyable {
    public var cpu_time: zx_duration_t
    public var queue_time: zx_duration_t
    public var page_fault_time: zx_duration_t
    public var lock_contention_time: zx_duration_t

    public init(cpu_time: zx_duration_t = 0, queue_time: zx_duration_t = 0,
                page_fault_time: zx_duration_t = 0, lock_contention_time: zx_duration_t = 0) {
        self.cpu_time = cpu_time
        self.queue_time = queue_time
        self.page_fault_time = page_fault_time
        self.lock_contention_time = lock_contention_time
    }
}

// MARK: Address spaces

/// Record of ZX_INFO_VMAR (16 bytes).
public struct zx_info_vmar_t: Sendable, BitwiseCopyable {
    /// Base address of the region.
    public var base: UInt
    /// Length of the region in bytes (C `size_t`).
    public var len: Int

    public init(base: UInt = 0, len: Int = 0) {
        self.base = base
        self.len = len
    }
}

/// The mapping member of `zx_info_maps_t.u` (32 bytes).
public struct zx_info_maps_mapping_t: Sendable, BitwiseCopyable {
    /// Bitwise OR of ZX_VM_PERM_{READ,WRITE,EXECUTE}.
    public var mmu_flags: zx_vm_option_t
    public var padding1: (UInt8, UInt8, UInt8, UInt8)
    /// koid of the mapped VMO.
    public var vmo_koid: zx_koid_t
    /// Offset of the mapping into the VMO.
    public var vmo_offset: UInt64
    /// Number of pages of the mapped VMO range that are committed (C `size_t`).
    public var committed_pages: Int

    public init(mmu_flags: zx_vm_option_t = 0, vmo_koid: zx_koid_t = 0, vmo_offset: UInt64 = 0,
                committed_pages: Int = 0) {
        self.mmu_flags = mmu_flags
        self.padding1 = (0, 0, 0, 0)
        self.vmo_koid = vmo_koid
        self.vmo_offset = vmo_offset
        self.committed_pages = committed_pages
    }
}

/// The anonymous union `u` of `zx_info_maps_t`; only MAPPING entries carry data (32 bytes).
public struct zx_info_maps_union_t: Sendable, BitwiseCopyable {
    public var mapping: zx_info_maps_mapping_t

    public init(mapping: zx_info_maps_mapping_t = zx_info_maps_mapping_t()) {
        self.mapping = mapping
    }
}

/// Record of ZX_INFO_PROCESS_MAPS: one node of the aspace / VMAR / mapping tree, in depth-first
/// pre-order (96 bytes).
public struct zx_info_maps_t: Sendable, BitwiseCopyable {
    /// Name if available, otherwise empty.
    public var name: ZxNameBuffer
    public var base: zx_vaddr_t
    /// Size in bytes (C `size_t`).
    public var size: Int
    /// Depth in the tree: 0 = the address space, 1 = the root VMAR (C `size_t`).
    public var depth: Int
    /// ZX_INFO_MAPS_TYPE_*; selects the valid member of `u`.
    public var type: zx_info_maps_type_t
    public var padding1: (UInt8, UInt8, UInt8, UInt8)
    public var u: zx_info_maps_union_t

    public init(name: ZxNameBuffer = ZxName.empty, base: zx_vaddr_t = 0, size: Int = 0, depth: Int = 0,
                type: zx_info_maps_type_t = 0, u: zx_info_maps_union_t = zx_info_maps_union_t()) {
        self.name = name
        self.base = base
        self.size = size
        self.depth = depth
        self.type = type
        self.padding1 = (0, 0, 0, 0)
        self.u = u
    }
}

// MARK: VMOs

/// Record of ZX_INFO_VMO (version 1) and ZX_INFO_PROCESS_VMOS (120 bytes).
public struct zx_info_vmo_t: Sendable, BitwiseCopyable {
    public var koid: zx_koid_t
    public var name: ZxNameBuffer
    /// The VMO's size (what `zx_vmo_get_size` reports).
    public var size_bytes: UInt64
    /// The immediate parent's koid for children, otherwise 0.
    public var parent_koid: zx_koid_t
    /// Number of live direct children (C `size_t`).
    public var num_children: Int
    /// Number of mappings of this VMO (C `size_t`).
    public var num_mappings: Int
    /// Number of distinct address spaces mapping it (C `size_t`).
    public var share_count: Int
    /// Bitwise OR of ZX_INFO_VMO_*.
    public var flags: UInt32
    public var padding1: (UInt8, UInt8, UInt8, UInt8)
    /// Bytes of committed pages attributed to this VMO.
    public var committed_bytes: UInt64
    /// Rights of the queried handle (with ZX_INFO_VMO_VIA_HANDLE).
    public var handle_rights: zx_rights_t
    /// One of ZX_CACHE_POLICY_*.
    public var cache_policy: UInt32
    /// Kernel memory used to track this VMO's metadata.
    public var metadata_bytes: UInt64
    /// Number of kernel-initiated changes to the committed-bytes count.
    public var committed_change_events: UInt64

    public init(koid: zx_koid_t = 0, name: ZxNameBuffer = ZxName.empty, size_bytes: UInt64 = 0,
                parent_koid: zx_koid_t = 0, num_children: Int = 0, num_mappings: Int = 0,
                share_count: Int = 0, flags: UInt32 = 0, committed_bytes: UInt64 = 0,
                handle_rights: zx_rights_t = 0, cache_policy: UInt32 = 0, metadata_bytes: UInt64 = 0,
                committed_change_events: UInt64 = 0) {
        self.koid = koid
        self.name = name
        self.size_bytes = size_bytes
        self.parent_koid = parent_koid
        self.num_children = num_children
        self.num_mappings = num_mappings
        self.share_count = share_count
        self.flags = flags
        self.padding1 = (0, 0, 0, 0)
        self.committed_bytes = committed_bytes
        self.handle_rights = handle_rights
        self.cache_policy = cache_policy
        self.metadata_bytes = metadata_bytes
        self.committed_change_events = committed_change_events
    }
}

/// Record of ZX_INFO_VMO_V1 and ZX_INFO_PROCESS_VMOS_V1: the first 104 bytes of `zx_info_vmo_t`.
public struct zx_info_vmo_v1_t: Sendable, BitwiseCopyable {
    public var koid: zx_koid_t
    public var name: ZxNameBuffer
    public var size_bytes: UInt64
    public var parent_koid: zx_koid_t
    public var num_children: Int
    public var num_mappings: Int
    public var share_count: Int
    public var flags: UInt32
    public var padding1: (UInt8, UInt8, UInt8, UInt8)
    public var committed_bytes: UInt64
    public var handle_rights: zx_rights_t
    public var cache_policy: UInt32

    public init(koid: zx_koid_t = 0, name: ZxNameBuffer = ZxName.empty, size_bytes: UInt64 = 0,
                parent_koid: zx_koid_t = 0, num_children: Int = 0, num_mappings: Int = 0,
                share_count: Int = 0, flags: UInt32 = 0, committed_bytes: UInt64 = 0,
                handle_rights: zx_rights_t = 0, cache_policy: UInt32 = 0) {
        self.koid = koid
        self.name = name
        self.size_bytes = size_bytes
        self.parent_koid = parent_koid
        self.num_children = num_children
        self.num_mappings = num_mappings
        self.share_count = share_count
        self.flags = flags
        self.padding1 = (0, 0, 0, 0)
        self.committed_bytes = committed_bytes
        self.handle_rights = handle_rights
        self.cache_policy = cache_policy
    }

    /// The v1 prefix of a current record (what the kernel copies out for ZX_INFO_VMO_V1).
    public init(_ info: zx_info_vmo_t) {
        self.init(koid: info.koid, name: info.name, size_bytes: info.size_bytes,
                  parent_koid: info.parent_koid, num_children: info.num_children,
                  num_mappings: info.num_mappings, share_count: info.share_count, flags: info.flags,
                  committed_bytes: info.committed_bytes, handle_rights: info.handle_rights,
                  cache_policy: info.cache_policy)
    }
}

// MARK: Kernel memory

/// Record of ZX_INFO_KMEM_STATS (72 bytes).
public struct zx_info_kmem_stats_t: Sendable, BitwiseCopyable {
    /// Total physical memory available to the system.
    public var total_bytes: UInt64
    /// Unallocated memory.
    public var free_bytes: UInt64
    /// Memory reserved by and mapped into the kernel for other reasons.
    public var wired_bytes: UInt64
    public var total_heap_bytes: UInt64
    public var free_heap_bytes: UInt64
    /// Memory committed to VMOs, kernel and user.
    public var vmo_bytes: UInt64
    /// Memory used by page tables and other MMU metadata.
    public var mmu_overhead_bytes: UInt64
    public var ipc_bytes: UInt64
    /// Non-free memory not covered by another field.
    public var other_bytes: UInt64

    public init(total_bytes: UInt64 = 0, free_bytes: UInt64 = 0, wired_bytes: UInt64 = 0,
                total_heap_bytes: UInt64 = 0, free_heap_bytes: UInt64 = 0, vmo_bytes: UInt64 = 0,
                mmu_overhead_bytes: UInt64 = 0, ipc_bytes: UInt64 = 0, other_bytes: UInt64 = 0) {
        self.total_bytes = total_bytes
        self.free_bytes = free_bytes
        self.wired_bytes = wired_bytes
        self.total_heap_bytes = total_heap_bytes
        self.free_heap_bytes = free_heap_bytes
        self.vmo_bytes = vmo_bytes
        self.mmu_overhead_bytes = mmu_overhead_bytes
        self.ipc_bytes = ipc_bytes
        self.other_bytes = other_bytes
    }
}

/// Record of ZX_INFO_KMEM_STATS_EXTENDED (120 bytes).
public struct zx_info_kmem_stats_extended_t: Sendable, BitwiseCopyable {
    public var total_bytes: UInt64
    public var free_bytes: UInt64
    public var wired_bytes: UInt64
    public var total_heap_bytes: UInt64
    public var free_heap_bytes: UInt64
    public var vmo_bytes: UInt64
    /// Memory committed to pager-backed VMOs.
    public var vmo_pager_total_bytes: UInt64
    /// Pager-backed memory most recently accessed (not eligible for eviction).
    public var vmo_pager_newest_bytes: UInt64
    /// Pager-backed memory least recently accessed (first to be evicted).
    public var vmo_pager_oldest_bytes: UInt64
    public var vmo_discardable_locked_bytes: UInt64
    public var vmo_discardable_unlocked_bytes: UInt64
    public var mmu_overhead_bytes: UInt64
    public var ipc_bytes: UInt64
    public var other_bytes: UInt64
    /// Memory in VMOs that would be reclaimable but has reclamation disabled.
    public var vmo_reclaim_disabled_bytes: UInt64

    public init(total_bytes: UInt64 = 0, free_bytes: UInt64 = 0, wired_bytes: UInt64 = 0,
                total_heap_bytes: UInt64 = 0, free_heap_bytes: UInt64 = 0, vmo_bytes: UInt64 = 0,
                vmo_pager_total_bytes: UInt64 = 0, vmo_pager_newest_bytes: UInt64 = 0,
                vmo_pager_oldest_bytes: UInt64 = 0, vmo_discardable_locked_bytes: UInt64 = 0,
                vmo_discardable_unlocked_bytes: UInt64 = 0, mmu_overhead_bytes: UInt64 = 0,
                ipc_bytes: UInt64 = 0, other_bytes: UInt64 = 0, vmo_reclaim_disabled_bytes: UInt64 = 0) {
        self.total_bytes = total_bytes
        self.free_bytes = free_bytes
        self.wired_bytes = wired_bytes
        self.total_heap_bytes = total_heap_bytes
        self.free_heap_bytes = free_heap_bytes
        self.vmo_bytes = vmo_bytes
        self.vmo_pager_total_bytes = vmo_pager_total_bytes
        self.vmo_pager_newest_bytes = vmo_pager_newest_bytes
        self.vmo_pager_oldest_bytes = vmo_pager_oldest_bytes
        self.vmo_discardable_locked_bytes = vmo_discardable_locked_bytes
        self.vmo_discardable_unlocked_bytes = vmo_discardable_unlocked_bytes
        self.mmu_overhead_bytes = mmu_overhead_bytes
        self.ipc_bytes = ipc_bytes
        self.other_bytes = other_bytes
        self.vmo_reclaim_disabled_bytes = vmo_reclaim_disabled_bytes
    }
}

// MARK: Resources and devices

/// Record of ZX_INFO_RESOURCE (56 bytes).
public struct zx_info_resource_t: Sendable, BitwiseCopyable {
    /// ZX_RSRC_KIND_*.
    public var kind: UInt32
    /// Creation flags (ZX_RSRC_FLAG_*).
    public var flags: UInt32
    /// Base of the range (inclusive).
    public var base: UInt64
    /// Length of the range (C `size_t`).
    public var size: Int
    public var name: ZxNameBuffer

    public init(kind: UInt32 = 0, flags: UInt32 = 0, base: UInt64 = 0, size: Int = 0,
                name: ZxNameBuffer = ZxName.empty) {
        self.kind = kind
        self.flags = flags
        self.base = base
        self.size = size
        self.name = name
    }
}

/// Record of ZX_INFO_BTI (32 bytes).
public struct zx_info_bti_t: Sendable, BitwiseCopyable {
    /// Pinned ranges are physically contiguous for at least this many bytes.
    public var minimum_contiguity: UInt64
    /// Size of the device's address space (UInt64.max for 2^64).
    public var aspace_size: UInt64
    public var pmo_count: UInt64
    public var quarantine_count: UInt64

    public init(minimum_contiguity: UInt64 = 0, aspace_size: UInt64 = 0, pmo_count: UInt64 = 0,
                quarantine_count: UInt64 = 0) {
        self.minimum_contiguity = minimum_contiguity
        self.aspace_size = aspace_size
        self.pmo_count = pmo_count
        self.quarantine_count = quarantine_count
    }
}

// MARK: Name helpers

extension zx_info_vmo_t {
    /// `name` as a Swift string (up to the first NUL); setting truncates to 31 bytes.
    public var nameString: String {
        get { ZxName.string(from: name) }
        set { name = ZxName.make(newValue) }
    }
}

extension zx_info_vmo_v1_t {
    /// `name` as a Swift string (up to the first NUL); setting truncates to 31 bytes.
    public var nameString: String {
        get { ZxName.string(from: name) }
        set { name = ZxName.make(newValue) }
    }
}

extension zx_info_maps_t {
    /// `name` as a Swift string (up to the first NUL); setting truncates to 31 bytes.
    public var nameString: String {
        get { ZxName.string(from: name) }
        set { name = ZxName.make(newValue) }
    }
}

extension zx_info_resource_t {
    /// `name` as a Swift string (up to the first NUL); setting truncates to 31 bytes.
    public var nameString: String {
        get { ZxName.string(from: name) }
        set { name = ZxName.make(newValue) }
    }
}
