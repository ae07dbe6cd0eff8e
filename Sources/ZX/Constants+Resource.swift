// Resource constants: resource kinds, flags and the bases of the `ZX_RSRC_KIND_SYSTEM` sub-resources.
//
// Zircon counterpart: zircon/system/public/zircon/syscalls/resource.h (NEW: SMC and SYSTEM kinds;
// the SYSTEM bases replace the 2020-era per-capability resources).

public let ZX_RSRC_KIND_MMIO: zx_rsrc_kind_t = 0
public let ZX_RSRC_KIND_IRQ: zx_rsrc_kind_t = 1
public let ZX_RSRC_KIND_IOPORT: zx_rsrc_kind_t = 2
public let ZX_RSRC_KIND_ROOT: zx_rsrc_kind_t = 3
public let ZX_RSRC_KIND_SMC: zx_rsrc_kind_t = 4
public let ZX_RSRC_KIND_SYSTEM: zx_rsrc_kind_t = 5
/// Number of kinds (the kinds below it need region bookkeeping).
public let ZX_RSRC_KIND_COUNT: zx_rsrc_kind_t = 6

/// The range is reserved exclusively: no overlapping resource may be created while it lives.
public let ZX_RSRC_FLAG_EXCLUSIVE: zx_rsrc_flags_t = 0x0001_0000
public let ZX_RSRC_FLAGS_MASK: zx_rsrc_flags_t = 0x0001_0000

/// The kind part (low 16 bits) of a combined kind|flags options word.
@inlinable public func ZX_RSRC_EXTRACT_KIND(_ x: UInt32) -> UInt32 { x & 0x0000_FFFF }
/// The flags part (high 16 bits) of a combined kind|flags options word.
@inlinable public func ZX_RSRC_EXTRACT_FLAGS(_ x: UInt32) -> UInt32 { x & 0xFFFF_0000 }

public let ZX_RSRC_SYSTEM_HYPERVISOR_BASE: zx_rsrc_system_base_t = 0
public let ZX_RSRC_SYSTEM_VMEX_BASE: zx_rsrc_system_base_t = 1
public let ZX_RSRC_SYSTEM_DEBUG_BASE: zx_rsrc_system_base_t = 2
public let ZX_RSRC_SYSTEM_INFO_BASE: zx_rsrc_system_base_t = 3
public let ZX_RSRC_SYSTEM_CPU_BASE: zx_rsrc_system_base_t = 4
public let ZX_RSRC_SYSTEM_POWER_BASE: zx_rsrc_system_base_t = 5
public let ZX_RSRC_SYSTEM_MEXEC_BASE: zx_rsrc_system_base_t = 6
public let ZX_RSRC_SYSTEM_ENERGY_INFO_BASE: zx_rsrc_system_base_t = 7
public let ZX_RSRC_SYSTEM_IOMMU_BASE: zx_rsrc_system_base_t = 8
public let ZX_RSRC_SYSTEM_FRAMEBUFFER_BASE: zx_rsrc_system_base_t = 9
public let ZX_RSRC_SYSTEM_PROFILE_BASE: zx_rsrc_system_base_t = 10
public let ZX_RSRC_SYSTEM_COUNT: zx_rsrc_system_base_t = 11
