// Virtual-memory constants: `ZX_VM_*` options and alignments, VMO creation/child options, VMO and
// VMAR range ops, pager ops and stats, cache policies (NEWEST additions marked as such).
//
// Zircon counterparts: zircon/system/public/zircon/types.h and syscalls-next.h (pager writeback).

// MARK: zx_vm_option_t (vmar_allocate / vmar_map / vmar_protect)

public let ZX_VM_PERM_READ: zx_vm_option_t = 1 << 0
public let ZX_VM_PERM_WRITE: zx_vm_option_t = 1 << 1
public let ZX_VM_PERM_EXECUTE: zx_vm_option_t = 1 << 2
public let ZX_VM_COMPACT: zx_vm_option_t = 1 << 3
public let ZX_VM_SPECIFIC: zx_vm_option_t = 1 << 4
public let ZX_VM_SPECIFIC_OVERWRITE: zx_vm_option_t = 1 << 5
public let ZX_VM_CAN_MAP_SPECIFIC: zx_vm_option_t = 1 << 6
public let ZX_VM_CAN_MAP_READ: zx_vm_option_t = 1 << 7
public let ZX_VM_CAN_MAP_WRITE: zx_vm_option_t = 1 << 8
public let ZX_VM_CAN_MAP_EXECUTE: zx_vm_option_t = 1 << 9
public let ZX_VM_MAP_RANGE: zx_vm_option_t = 1 << 10
public let ZX_VM_REQUIRE_NON_RESIZABLE: zx_vm_option_t = 1 << 11
public let ZX_VM_ALLOW_FAULTS: zx_vm_option_t = 1 << 12
public let ZX_VM_OFFSET_IS_UPPER_LIMIT: zx_vm_option_t = 1 << 13
public let ZX_VM_PERM_READ_IF_XOM_UNSUPPORTED: zx_vm_option_t = 1 << 14
/// NEWEST (RFC-0238): accesses beyond the page holding the VMO's stream size fault.
public let ZX_VM_FAULT_BEYOND_STREAM_SIZE: zx_vm_option_t = 1 << 15

/// Shift of the alignment field: bits 24–31 of a `zx_vm_option_t` hold log2 of the alignment.
/// (A plain `int` in C, imported into Swift as `Int32`.)
public let ZX_VM_ALIGN_BASE: Int32 = 24
public let ZX_VM_ALIGN_1KB: zx_vm_option_t = 10 << 24
public let ZX_VM_ALIGN_2KB: zx_vm_option_t = 11 << 24
public let ZX_VM_ALIGN_4KB: zx_vm_option_t = 12 << 24
public let ZX_VM_ALIGN_8KB: zx_vm_option_t = 13 << 24
public let ZX_VM_ALIGN_16KB: zx_vm_option_t = 14 << 24
public let ZX_VM_ALIGN_32KB: zx_vm_option_t = 15 << 24
public let ZX_VM_ALIGN_64KB: zx_vm_option_t = 16 << 24
public let ZX_VM_ALIGN_128KB: zx_vm_option_t = 17 << 24
public let ZX_VM_ALIGN_256KB: zx_vm_option_t = 18 << 24
public let ZX_VM_ALIGN_512KB: zx_vm_option_t = 19 << 24
public let ZX_VM_ALIGN_1MB: zx_vm_option_t = 20 << 24
public let ZX_VM_ALIGN_2MB: zx_vm_option_t = 21 << 24
public let ZX_VM_ALIGN_4MB: zx_vm_option_t = 22 << 24
public let ZX_VM_ALIGN_8MB: zx_vm_option_t = 23 << 24
public let ZX_VM_ALIGN_16MB: zx_vm_option_t = 24 << 24
public let ZX_VM_ALIGN_32MB: zx_vm_option_t = 25 << 24
public let ZX_VM_ALIGN_64MB: zx_vm_option_t = 26 << 24
public let ZX_VM_ALIGN_128MB: zx_vm_option_t = 27 << 24
public let ZX_VM_ALIGN_256MB: zx_vm_option_t = 28 << 24
public let ZX_VM_ALIGN_512MB: zx_vm_option_t = 29 << 24
public let ZX_VM_ALIGN_1GB: zx_vm_option_t = 30 << 24
public let ZX_VM_ALIGN_2GB: zx_vm_option_t = 31 << 24
public let ZX_VM_ALIGN_4GB: zx_vm_option_t = 32 << 24

// Deprecated ZX_VM_FLAG_* spellings (same bits), still present in types.h.
public let ZX_VM_FLAG_PERM_READ: UInt32 = 1 << 0
public let ZX_VM_FLAG_PERM_WRITE: UInt32 = 1 << 1
public let ZX_VM_FLAG_PERM_EXECUTE: UInt32 = 1 << 2
public let ZX_VM_FLAG_COMPACT: UInt32 = 1 << 3
public let ZX_VM_FLAG_SPECIFIC: UInt32 = 1 << 4
public let ZX_VM_FLAG_SPECIFIC_OVERWRITE: UInt32 = 1 << 5
public let ZX_VM_FLAG_CAN_MAP_SPECIFIC: UInt32 = 1 << 6
public let ZX_VM_FLAG_CAN_MAP_READ: UInt32 = 1 << 7
public let ZX_VM_FLAG_CAN_MAP_WRITE: UInt32 = 1 << 8
public let ZX_VM_FLAG_CAN_MAP_EXECUTE: UInt32 = 1 << 9
public let ZX_VM_FLAG_MAP_RANGE: UInt32 = 1 << 10
public let ZX_VM_FLAG_REQUIRE_NON_RESIZABLE: UInt32 = 1 << 11

// MARK: VMO creation options (zx_vmo_create, zx_pager_create_vmo)

public let ZX_VMO_RESIZABLE: UInt32 = 1 << 1
/// `zx_vmo_create` only.
public let ZX_VMO_DISCARDABLE: UInt32 = 1 << 2
/// `zx_pager_create_vmo` only: writes generate ZX_PAGER_VMO_DIRTY requests.
public let ZX_VMO_TRAP_DIRTY: UInt32 = 1 << 3
/// NEWEST: size is set to the maximum; incompatible with ZX_VMO_RESIZABLE.
public let ZX_VMO_UNBOUNDED: UInt32 = 1 << 4

// MARK: VMO child options (zx_vmo_create_child)

public let ZX_VMO_CHILD_SNAPSHOT: UInt32 = 1 << 0
public let ZX_VMO_CHILD_RESIZABLE: UInt32 = 1 << 2
public let ZX_VMO_CHILD_SLICE: UInt32 = 1 << 3
public let ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE: UInt32 = 1 << 4
public let ZX_VMO_CHILD_NO_WRITE: UInt32 = 1 << 5
public let ZX_VMO_CHILD_REFERENCE: UInt32 = 1 << 6
/// NEWEST.
public let ZX_VMO_CHILD_SNAPSHOT_MODIFIED: UInt32 = 1 << 7
/// Deprecated alias of ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE.
public let ZX_VMO_CHILD_COPY_ON_WRITE: UInt32 = 1 << 4
/// Deprecated alias of ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE.
public let ZX_VMO_CHILD_PRIVATE_PAGER_COPY: UInt32 = 1 << 4
/// Deprecated alias of ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE (2019-era clone flag name).
public let ZX_VMO_CLONE_COPY_ON_WRITE: UInt32 = 1 << 4

// MARK: VMO range ops (zx_vmo_op_range)

public let ZX_VMO_OP_COMMIT: UInt32 = 1
public let ZX_VMO_OP_DECOMMIT: UInt32 = 2
public let ZX_VMO_OP_LOCK: UInt32 = 3
public let ZX_VMO_OP_UNLOCK: UInt32 = 4
// 5 was ZX_VMO_OP_LOOKUP and is unused.
public let ZX_VMO_OP_CACHE_SYNC: UInt32 = 6
public let ZX_VMO_OP_CACHE_INVALIDATE: UInt32 = 7
public let ZX_VMO_OP_CACHE_CLEAN: UInt32 = 8
public let ZX_VMO_OP_CACHE_CLEAN_INVALIDATE: UInt32 = 9
public let ZX_VMO_OP_ZERO: UInt32 = 10
public let ZX_VMO_OP_TRY_LOCK: UInt32 = 11
public let ZX_VMO_OP_DONT_NEED: UInt32 = 12
public let ZX_VMO_OP_ALWAYS_NEED: UInt32 = 13
/// NEWEST.
public let ZX_VMO_OP_PREFETCH: UInt32 = 14

// MARK: VMAR range ops (zx_vmar_op_range); values kept in sync with the VMO ops

public let ZX_VMAR_OP_COMMIT: UInt32 = 1
public let ZX_VMAR_OP_DECOMMIT: UInt32 = 2
public let ZX_VMAR_OP_MAP_RANGE: UInt32 = 3
/// NEWEST.
public let ZX_VMAR_OP_ZERO: UInt32 = 10
public let ZX_VMAR_OP_DONT_NEED: UInt32 = 12
public let ZX_VMAR_OP_ALWAYS_NEED: UInt32 = 13
/// NEWEST.
public let ZX_VMAR_OP_PREFETCH: UInt32 = 14

// MARK: Pager ops (zx_pager_op_range) and statistics

public let ZX_PAGER_OP_FAIL: UInt32 = 1
public let ZX_PAGER_OP_DIRTY: UInt32 = 2
public let ZX_PAGER_OP_WRITEBACK_BEGIN: UInt32 = 3
public let ZX_PAGER_OP_WRITEBACK_END: UInt32 = 4
/// `zx_vmo_dirty_range_t.options`: the range is known to be all zeros.
public let ZX_VMO_DIRTY_RANGE_IS_ZERO: UInt64 = 1
/// `zx_pager_vmo_stats_t.modified`: the VMO was modified since the last reset.
public let ZX_PAGER_VMO_STATS_MODIFIED: UInt32 = 1
/// Option of `zx_pager_query_vmo_stats`: reset the modified state after reading it.
public let ZX_PAGER_RESET_VMO_STATS: UInt32 = 1

// MARK: Cache policies (zx_vmo_set_cache_policy, mappings of physical VMOs)

public let ZX_CACHE_POLICY_CACHED: UInt32 = 0
public let ZX_CACHE_POLICY_UNCACHED: UInt32 = 1
public let ZX_CACHE_POLICY_UNCACHED_DEVICE: UInt32 = 2
public let ZX_CACHE_POLICY_WRITE_COMBINING: UInt32 = 3
/// Any bit outside the mask is invalid.
public let ZX_CACHE_POLICY_MASK: UInt32 = 3

// MARK: zx_cache_flush options

public let ZX_CACHE_FLUSH_INSN: UInt32 = 1 << 0
public let ZX_CACHE_FLUSH_DATA: UInt32 = 1 << 1
public let ZX_CACHE_FLUSH_INVALIDATE: UInt32 = 1 << 2

// MARK: BTI options (zx_bti_pin)

public let ZX_BTI_PERM_READ: UInt32 = 1 << 0
public let ZX_BTI_PERM_WRITE: UInt32 = 1 << 1
public let ZX_BTI_PERM_EXECUTE: UInt32 = 1 << 2
public let ZX_BTI_COMPRESS: UInt32 = 1 << 3
public let ZX_BTI_CONTIGUOUS: UInt32 = 1 << 4
