// The C scalar typedefs of Zircon's syscall ABI, under their C names and widths.
//
// Zircon counterparts: zircon/system/public/zircon/types.h, rights.h, time.h,
// syscalls/object.h, syscalls/port.h, syscalls/resource.h and syscalls/exception.h.
// `zx_status_t` itself lives in ZxStatus.swift.

/// A handle value in a process's handle table. 0 (`ZX_HANDLE_INVALID`) is never valid.
public typealias zx_handle_t = UInt32
/// A bit set of `ZX_RIGHT_*` values.
public typealias zx_rights_t = UInt32
/// Options for `zx_vmar_allocate`, `zx_vmar_map` and `zx_vmar_protect` (`ZX_VM_*`).
public typealias zx_vm_option_t = UInt32
/// A virtual address (C `uintptr_t`).
public typealias zx_vaddr_t = UInt
/// A physical address (C `uintptr_t`).
public typealias zx_paddr_t = UInt
/// A hypervisor guest-physical address (C `uintptr_t`).
public typealias zx_gpaddr_t = UInt
/// An offset into a VMO or stream.
public typealias zx_off_t = UInt64
/// A kernel object id. Kernel koids use 63 bits; the top bit is reserved for artificial koids.
public typealias zx_koid_t = UInt64
/// A bit set of signals (`ZX_*_SIGNALED`, `ZX_USER_SIGNAL_*`, …).
public typealias zx_signals_t = UInt32
/// An absolute time in nanoseconds, usually on the monotonic clock.
public typealias zx_time_t = Int64
/// A duration in nanoseconds.
public typealias zx_duration_t = Int64
/// A duration in hardware ticks.
public typealias zx_ticks_t = Int64
/// A clock id (`ZX_CLOCK_MONOTONIC`).
public typealias zx_clock_t = UInt32
/// A `zx_object_get_info` topic; versioned topics carry the version in bits 28–31.
public typealias zx_object_info_topic_t = UInt32
/// The kind of a `zx_info_maps_t` entry (`ZX_INFO_MAPS_TYPE_*`).
public typealias zx_info_maps_type_t = UInt32
/// A cache policy (`ZX_CACHE_POLICY_*`).
public typealias zx_cache_policy_t = UInt32
/// A kernel object type (`ZX_OBJ_TYPE_*`).
public typealias zx_obj_type_t = UInt32
/// A resource kind (`ZX_RSRC_KIND_*`).
public typealias zx_rsrc_kind_t = UInt32
/// Resource creation flags (`ZX_RSRC_FLAG_*`).
public typealias zx_rsrc_flags_t = UInt32
/// The base of a `ZX_RSRC_KIND_SYSTEM` resource (`ZX_RSRC_SYSTEM_*_BASE`).
public typealias zx_rsrc_system_base_t = UInt64
/// An exception type (`ZX_EXCP_*`).
public typealias zx_excp_type_t = UInt32
/// A port packet type (`ZX_PKT_TYPE_*`).
public typealias zx_packet_type_t = UInt32
/// A thread state as reported in `zx_info_thread_t.state` (`ZX_THREAD_STATE_*`).
public typealias zx_thread_state_t = UInt32
/// Flags of `zx_info_process_t` (`ZX_INFO_PROCESS_FLAG_*`).
public typealias zx_info_process_flags_t = UInt32
/// A handle operation in `zx_handle_disposition_t` (`ZX_HANDLE_OP_*`).
public typealias zx_handle_op_t = UInt32
/// A transaction id for `zx_channel_call`.
public typealias zx_txid_t = UInt32
