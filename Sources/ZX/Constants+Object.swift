// Object-level constants: handles, koids, object types, limits, properties, `zx_object_get_info`
// topics and the flag values that appear inside info records.
//
// Zircon counterparts: zircon/system/public/zircon/types.h and syscalls/object.h. Topic versions
// follow the NEW profile of the conformance reference (ZX_INFO_VMO = version 1 = 0x10000017).

// MARK: Handles and koids

public let ZX_HANDLE_INVALID: zx_handle_t = 0
/// The two low bits of every valid handle value are 1.
public let ZX_HANDLE_FIXED_BITS_MASK: zx_handle_t = 0x3
public let ZX_KOID_INVALID: zx_koid_t = 0
public let ZX_KOID_KERNEL: zx_koid_t = 1
/// The first koid handed out to objects; koids below it are reserved.
public let ZX_KOID_FIRST: zx_koid_t = 1024

public let ZX_HANDLE_OP_MOVE: zx_handle_op_t = 0
public let ZX_HANDLE_OP_DUPLICATE: zx_handle_op_t = 1

// MARK: Object types (zx_obj_type_t)

public let ZX_OBJ_TYPE_NONE: zx_obj_type_t = 0
public let ZX_OBJ_TYPE_PROCESS: zx_obj_type_t = 1
public let ZX_OBJ_TYPE_THREAD: zx_obj_type_t = 2
public let ZX_OBJ_TYPE_VMO: zx_obj_type_t = 3
public let ZX_OBJ_TYPE_CHANNEL: zx_obj_type_t = 4
public let ZX_OBJ_TYPE_EVENT: zx_obj_type_t = 5
public let ZX_OBJ_TYPE_PORT: zx_obj_type_t = 6
public let ZX_OBJ_TYPE_INTERRUPT: zx_obj_type_t = 9
public let ZX_OBJ_TYPE_PCI_DEVICE: zx_obj_type_t = 11
public let ZX_OBJ_TYPE_DEBUGLOG: zx_obj_type_t = 12
/// Backwards-compatible alias of ZX_OBJ_TYPE_DEBUGLOG.
public let ZX_OBJ_TYPE_LOG: zx_obj_type_t = 12
public let ZX_OBJ_TYPE_SOCKET: zx_obj_type_t = 14
public let ZX_OBJ_TYPE_RESOURCE: zx_obj_type_t = 15
public let ZX_OBJ_TYPE_EVENTPAIR: zx_obj_type_t = 16
public let ZX_OBJ_TYPE_JOB: zx_obj_type_t = 17
public let ZX_OBJ_TYPE_VMAR: zx_obj_type_t = 18
public let ZX_OBJ_TYPE_FIFO: zx_obj_type_t = 19
public let ZX_OBJ_TYPE_GUEST: zx_obj_type_t = 20
public let ZX_OBJ_TYPE_VCPU: zx_obj_type_t = 21
public let ZX_OBJ_TYPE_TIMER: zx_obj_type_t = 22
public let ZX_OBJ_TYPE_IOMMU: zx_obj_type_t = 23
public let ZX_OBJ_TYPE_BTI: zx_obj_type_t = 24
public let ZX_OBJ_TYPE_PROFILE: zx_obj_type_t = 25
public let ZX_OBJ_TYPE_PMT: zx_obj_type_t = 26
public let ZX_OBJ_TYPE_SUSPEND_TOKEN: zx_obj_type_t = 27
public let ZX_OBJ_TYPE_PAGER: zx_obj_type_t = 28
public let ZX_OBJ_TYPE_EXCEPTION: zx_obj_type_t = 29
public let ZX_OBJ_TYPE_CLOCK: zx_obj_type_t = 30
public let ZX_OBJ_TYPE_STREAM: zx_obj_type_t = 31
public let ZX_OBJ_TYPE_MSI: zx_obj_type_t = 32
public let ZX_OBJ_TYPE_IOB: zx_obj_type_t = 33
/// The ABI commits to fewer than 64 object types.
public let ZX_OBJ_TYPE_UPPER_BOUND: zx_obj_type_t = 64

// MARK: Limits

/// Maximum length of a kernel object name including the terminating NUL (C `size_t`).
public let ZX_MAX_NAME_LEN: Int = 32
/// Maximum number of items for zx_object_wait_many (C `size_t`).
public let ZX_WAIT_MANY_MAX_ITEMS: Int = 64
public let ZX_CPRNG_DRAW_MAX_LEN: Int = 256
public let ZX_CPRNG_ADD_ENTROPY_MAX_LEN: Int = 256

// MARK: Channels

public let ZX_CHANNEL_READ_MAY_DISCARD: UInt32 = 1
public let ZX_CHANNEL_WRITE_USE_IOVEC: UInt32 = 2
public let ZX_CHANNEL_MAX_MSG_BYTES: UInt32 = 65536
public let ZX_CHANNEL_MAX_MSG_HANDLES: UInt32 = 64
public let ZX_CHANNEL_MAX_MSG_IOVECS: UInt32 = 8192

// MARK: Process creation

/// zx_process_create option: create a process that shares its address space.
public let ZX_PROCESS_SHARED: UInt32 = 1 << 0

// MARK: Properties (zx_object_get_property / zx_object_set_property)

/// char[ZX_MAX_NAME_LEN].
public let ZX_PROP_NAME: UInt32 = 3
/// x86-64 only; uintptr_t.
public let ZX_PROP_REGISTER_GS: UInt32 = 2
/// x86-64 only; uintptr_t.
public let ZX_PROP_REGISTER_FS: UInt32 = 4
public let ZX_PROP_PROCESS_DEBUG_ADDR: UInt32 = 5
public let ZX_PROP_PROCESS_VDSO_BASE_ADDRESS: UInt32 = 6
public let ZX_PROP_PROCESS_BREAK_ON_LOAD: UInt32 = 7
public let ZX_PROP_PROCESS_HW_TRACE_CONTEXT_ID: UInt32 = 8
public let ZX_PROP_SOCKET_RX_THRESHOLD: UInt32 = 12
public let ZX_PROP_SOCKET_TX_THRESHOLD: UInt32 = 13
public let ZX_PROP_JOB_KILL_ON_OOM: UInt32 = 15
public let ZX_PROP_EXCEPTION_STATE: UInt32 = 16
/// uint64_t: the VMO's content size in bytes.
public let ZX_PROP_VMO_CONTENT_SIZE: UInt32 = 17
public let ZX_PROP_EXCEPTION_STRATEGY: UInt32 = 18
public let ZX_PROP_STREAM_MODE_APPEND: UInt32 = 19

// MARK: Info topics (zx_object_get_info)

/// Builds a versioned topic: the version lives in bits 28–31.
@inlinable
public func __ZX_INFO_TOPIC(_ topic: zx_object_info_topic_t, _ version: zx_object_info_topic_t) -> zx_object_info_topic_t {
    topic | (version << 28)
}

public let ZX_INFO_NONE: zx_object_info_topic_t = 0
public let ZX_INFO_HANDLE_VALID: zx_object_info_topic_t = 1
/// zx_info_handle_basic_t[1]
public let ZX_INFO_HANDLE_BASIC: zx_object_info_topic_t = 2
/// zx_info_process_t[1] (version 1).
public let ZX_INFO_PROCESS: zx_object_info_topic_t = 3 | (1 << 28)
/// zx_koid_t[n]
public let ZX_INFO_PROCESS_THREADS: zx_object_info_topic_t = 4
/// zx_info_vmar_t[1]
public let ZX_INFO_VMAR: zx_object_info_topic_t = 7
/// zx_koid_t[n]
public let ZX_INFO_JOB_CHILDREN: zx_object_info_topic_t = 8
/// zx_koid_t[n]
public let ZX_INFO_JOB_PROCESSES: zx_object_info_topic_t = 9
/// zx_info_thread_t[1]
public let ZX_INFO_THREAD: zx_object_info_topic_t = 10
public let ZX_INFO_THREAD_EXCEPTION_REPORT_V1: zx_object_info_topic_t = 11
public let ZX_INFO_THREAD_EXCEPTION_REPORT: zx_object_info_topic_t = 11 | (1 << 28)
/// zx_info_task_stats_t[1]
public let ZX_INFO_TASK_STATS: zx_object_info_topic_t = 12
/// zx_info_maps_t[n] (96-byte records).
public let ZX_INFO_PROCESS_MAPS: zx_object_info_topic_t = 13
/// Version-0 spelling of ZX_INFO_PROCESS_MAPS used by later headers; same value and record.
public let ZX_INFO_PROCESS_MAPS_V1: zx_object_info_topic_t = 13
/// zx_info_vmo_v1_t[n] (104-byte records).
public let ZX_INFO_PROCESS_VMOS_V1: zx_object_info_topic_t = 14
/// zx_info_vmo_t[n] (120-byte records).
public let ZX_INFO_PROCESS_VMOS: zx_object_info_topic_t = 14 | (1 << 28)
/// Later headers' name for version 1 of ZX_INFO_PROCESS_VMOS; same value and record.
public let ZX_INFO_PROCESS_VMOS_V2: zx_object_info_topic_t = 14 | (1 << 28)
/// zx_info_thread_stats_t[1]
public let ZX_INFO_THREAD_STATS: zx_object_info_topic_t = 15
/// zx_info_cpu_stats_t[n]
public let ZX_INFO_CPU_STATS: zx_object_info_topic_t = 16
/// zx_info_kmem_stats_t[1]
public let ZX_INFO_KMEM_STATS: zx_object_info_topic_t = 17
/// zx_info_resource_t[1]
public let ZX_INFO_RESOURCE: zx_object_info_topic_t = 18
/// zx_info_handle_count_t[1]
public let ZX_INFO_HANDLE_COUNT: zx_object_info_topic_t = 19
/// zx_info_bti_t[1]
public let ZX_INFO_BTI: zx_object_info_topic_t = 20
/// zx_info_process_handle_stats_t[1]
public let ZX_INFO_PROCESS_HANDLE_STATS: zx_object_info_topic_t = 21
/// zx_info_socket_t[1]
public let ZX_INFO_SOCKET: zx_object_info_topic_t = 22
/// zx_info_vmo_v1_t[1] (104 bytes).
public let ZX_INFO_VMO_V1: zx_object_info_topic_t = 23
/// zx_info_vmo_t[1] (120 bytes) = 0x10000017.
public let ZX_INFO_VMO: zx_object_info_topic_t = 23 | (1 << 28)
/// Later headers' name for version 1 of ZX_INFO_VMO; same value and record.
public let ZX_INFO_VMO_V2: zx_object_info_topic_t = 23 | (1 << 28)
/// zx_info_job_t[1]
public let ZX_INFO_JOB: zx_object_info_topic_t = 24
/// zx_info_timer_t[1]
public let ZX_INFO_TIMER: zx_object_info_topic_t = 25
/// zx_info_stream_t[1]
public let ZX_INFO_STREAM: zx_object_info_topic_t = 26
/// zx_info_handle_extended_t[n]
public let ZX_INFO_HANDLE_TABLE: zx_object_info_topic_t = 27
/// zx_info_msi_t[1]
public let ZX_INFO_MSI: zx_object_info_topic_t = 28
/// zx_info_guest_stats_t[1]
public let ZX_INFO_GUEST_STATS: zx_object_info_topic_t = 29
public let ZX_INFO_TASK_RUNTIME_V1: zx_object_info_topic_t = 30
public let ZX_INFO_TASK_RUNTIME: zx_object_info_topic_t = 30 | (1 << 28)
/// zx_info_kmem_stats_extended_t[1]
public let ZX_INFO_KMEM_STATS_EXTENDED: zx_object_info_topic_t = 31
/// zx_info_vcpu_t[1]
public let ZX_INFO_VCPU: zx_object_info_topic_t = 32
/// zx_info_kmem_stats_compression_t[1]
public let ZX_INFO_KMEM_STATS_COMPRESSION: zx_object_info_topic_t = 33

/// Sentinel for an invalid or missing CPU number.
public let ZX_INFO_INVALID_CPU: UInt32 = 0xFFFF_FFFF

// MARK: Task return codes (zx_info_process_t.return_code when killed)

public let ZX_TASK_RETCODE_SYSCALL_KILL: Int64 = -1024
public let ZX_TASK_RETCODE_OOM_KILL: Int64 = -1025
public let ZX_TASK_RETCODE_POLICY_KILL: Int64 = -1026
public let ZX_TASK_RETCODE_VDSO_KILL: Int64 = -1027
public let ZX_TASK_RETCODE_EXCEPTION_KILL: Int64 = -1028
public let ZX_TASK_RETCODE_CRITICAL_PROCESS_KILL: Int64 = -1029

// MARK: zx_info_process_t.flags

public let ZX_INFO_PROCESS_FLAG_STARTED: zx_info_process_flags_t = 1 << 0
public let ZX_INFO_PROCESS_FLAG_EXITED: zx_info_process_flags_t = 1 << 1
public let ZX_INFO_PROCESS_FLAG_DEBUGGER_ATTACHED: zx_info_process_flags_t = 1 << 2

// MARK: zx_info_maps_t.type

public let ZX_INFO_MAPS_TYPE_NONE: zx_info_maps_type_t = 0
public let ZX_INFO_MAPS_TYPE_ASPACE: zx_info_maps_type_t = 1
public let ZX_INFO_MAPS_TYPE_VMAR: zx_info_maps_type_t = 2
public let ZX_INFO_MAPS_TYPE_MAPPING: zx_info_maps_type_t = 3

// MARK: zx_info_vmo_t.flags

/// Backed by RAM. Mutually exclusive with ZX_INFO_VMO_TYPE_PHYSICAL (bit 0 clear).
public let ZX_INFO_VMO_TYPE_PAGED: UInt32 = 1 << 0
/// Points at a physical range (bit 0 clear).
public let ZX_INFO_VMO_TYPE_PHYSICAL: UInt32 = 0 << 0
public let ZX_INFO_VMO_RESIZABLE: UInt32 = 1 << 1
public let ZX_INFO_VMO_IS_COW_CLONE: UInt32 = 1 << 2
public let ZX_INFO_VMO_VIA_HANDLE: UInt32 = 1 << 3
public let ZX_INFO_VMO_VIA_MAPPING: UInt32 = 1 << 4
public let ZX_INFO_VMO_PAGER_BACKED: UInt32 = 1 << 5
public let ZX_INFO_VMO_CONTIGUOUS: UInt32 = 1 << 6
public let ZX_INFO_VMO_DISCARDABLE: UInt32 = 1 << 7
public let ZX_INFO_VMO_IMMUTABLE: UInt32 = 1 << 8
/// NEWEST.
public let ZX_INFO_VMO_VIA_IOB_HANDLE: UInt32 = 1 << 9

/// The type bit of `zx_info_vmo_t.flags`: ZX_INFO_VMO_TYPE_PAGED or ZX_INFO_VMO_TYPE_PHYSICAL.
@inlinable
public func ZX_INFO_VMO_TYPE(_ flags: UInt32) -> UInt32 { flags & (1 << 0) }

// MARK: zx_info_vcpu_t / zx_info_cpu_stats_t flags

public let ZX_INFO_VCPU_FLAG_KICKED: UInt32 = 1 << 0
public let ZX_INFO_CPU_STATS_FLAG_ONLINE: UInt32 = 1 << 0

// MARK: Thread states (zx_info_thread_t.state)

public let ZX_THREAD_STATE_NEW: zx_thread_state_t = 0x0000
public let ZX_THREAD_STATE_RUNNING: zx_thread_state_t = 0x0001
public let ZX_THREAD_STATE_SUSPENDED: zx_thread_state_t = 0x0002
/// Never reported alone; always with a ZX_THREAD_STATE_BLOCKED_* reason.
public let ZX_THREAD_STATE_BLOCKED: zx_thread_state_t = 0x0003
public let ZX_THREAD_STATE_DYING: zx_thread_state_t = 0x0004
public let ZX_THREAD_STATE_DEAD: zx_thread_state_t = 0x0005
public let ZX_THREAD_STATE_BLOCKED_EXCEPTION: zx_thread_state_t = 0x0103
public let ZX_THREAD_STATE_BLOCKED_SLEEPING: zx_thread_state_t = 0x0203
public let ZX_THREAD_STATE_BLOCKED_FUTEX: zx_thread_state_t = 0x0303
public let ZX_THREAD_STATE_BLOCKED_PORT: zx_thread_state_t = 0x0403
public let ZX_THREAD_STATE_BLOCKED_CHANNEL: zx_thread_state_t = 0x0503
public let ZX_THREAD_STATE_BLOCKED_WAIT_ONE: zx_thread_state_t = 0x0603
public let ZX_THREAD_STATE_BLOCKED_WAIT_MANY: zx_thread_state_t = 0x0703
public let ZX_THREAD_STATE_BLOCKED_INTERRUPT: zx_thread_state_t = 0x0803
public let ZX_THREAD_STATE_BLOCKED_PAGER: zx_thread_state_t = 0x0903

/// Reduces a possibly more precise thread state to its basic state.
@inlinable
public func ZX_THREAD_STATE_BASIC(_ state: zx_thread_state_t) -> zx_thread_state_t { state & 0xFF }

// MARK: Exception handling properties

public let ZX_EXCEPTION_STATE_TRY_NEXT: UInt32 = 0
public let ZX_EXCEPTION_STATE_HANDLED: UInt32 = 1
public let ZX_EXCEPTION_STATE_THREAD_EXIT: UInt32 = 2
public let ZX_EXCEPTION_STRATEGY_FIRST_CHANCE: UInt32 = 0
public let ZX_EXCEPTION_STRATEGY_SECOND_CHANCE: UInt32 = 1
