// Physical VMOs: zx_vmo_create_physical's object. A window onto a fixed range of the physical
// address space — device registers (an MMIO region) or RAM the PMM does not manage — that is
// never committed, never freed to the PMM and never resized. It is a `VmObjectPaged` with an
// empty page list and a `PhysicalBacking`: page `i` is `base + i * P`, computed on each fault,
// so the page list (and so committed_bytes, the free-on-death path, attribution) stays empty.
// Slices alias the same physical pages and share the cache policy.
//
// What differs from a paged VMO (reference §3.13, §3.15, §4.7; Zircon's VmObjectPhysical):
// vmo_read/write, COMMIT/DECOMMIT/ZERO and content size are NOT_SUPPORTED; snapshot and reference
// children NOT_SUPPORTED; set_size UNAVAILABLE; default cache policy UNCACHED (ARCH_MMU_FLAG_
// UNCACHED); set_cache_policy accepts the current policy even while mapped, otherwise refuses
// while mapped, with children or with a parent (BAD_STATE). Cache maintenance ops over device
// memory (not in the physmap) are NOT_SUPPORTED. Zirconia addition: a machine whose device
// memory is not cache coherent (the arm64 profile) refuses CACHED on device memory
// (NOT_SUPPORTED) — see docs/Architecture.md, "Device memory".
//
// Zircon counterpart: zircon/kernel/vm/vm_object_physical.cc (Create, CreateChildSlice,
// GetPageLocked, SetMappingCachePolicy) and vm_object.cc (CacheOp over physmap pages).

import Hardware
import ZX

/// What backs a physical VMO.
public struct PhysicalBacking: Sendable, Equatable {
    /// Physical address of the VMO's byte 0 (page aligned).
    public let base: PhysicalAddress
    /// True if the range is device memory (an MMIO region), false for RAM outside the PMM.
    public let isDevice: Bool
    /// Whether ZX_CACHE_POLICY_CACHED may be set (the machine profile's rule for device memory).
    public let allowsCached: Bool

    public init(base: PhysicalAddress, isDevice: Bool, allowsCached: Bool) {
        self.base = base
        self.isDevice = isDevice
        self.allowsCached = allowsCached
    }
}

extension VmObjectPaged {
    /// Creates a VMO over physical `[base, base + size)`. The caller (the syscall layer) has
    /// checked that the caller may touch the range.
    /// - Throws: `.invalidArgs` for a zero or unaligned size, an unaligned base, or a range that
    ///   wraps the physical address space (VmObjectPhysical::Create).
    public static func createPhysical(pmm: PMM, backing: PhysicalBacking, size: UInt64,
                                      cachePolicy: UInt32) throws(ZxStatus) -> VmObjectPaged {
        guard size > 0, size.isPageAligned, backing.base.rawValue.isPageAligned,
              backing.base.rawValue.checkedAdd(size - 1) != nil, size <= maxVmoSize
        else { throw .invalidArgs }
        let vmo = VmObjectPaged(pmm: pmm, hierarchy: VmHierarchy(), kind: .root, options: [],
                                node: VmCowPages(hidden: false), size: size, contentSize: 0)
        vmo.physicalBacking = backing
        vmo.cachePolicyValue = cachePolicy
        return vmo
    }

    /// True for physical VMOs and their slices.
    public var isPhysical: Bool { owner.physicalBacking != nil }

    /// The physical backing of this VMO's owner (slices: their physical parent's).
    public var physical: PhysicalBacking? { owner.physicalBacking }

    /// The physical address of byte `offset` of this view (no range check).
    func physicalAddressLocked(_ backing: PhysicalBacking, _ offset: UInt64) -> PhysicalAddress {
        PhysicalAddress(backing.base.rawValue &+ nodeOffset &+ offset)
    }

    /// The fault path: the page at `offset` is `base + offset`, always present, mapped with the
    /// mapping's permissions and the VMO's cache policy (VmObjectPhysical::GetPageLocked).
    func resolvePhysicalFault(_ backing: PhysicalBacking, offset: UInt64, mapping: VmMapping,
                              va: VirtualAddress, tracer: FaultTracer?) throws(ZxStatus) -> FaultResolution {
        try withHierarchyLock { () throws(ZxStatus) -> FaultResolution in
            guard offset < viewSizeLocked else { throw .outOfRange }
            let flags = mapping.archFlags(cachePolicy: cachePolicyLocked)
            let arch = mapping.aspace.arch
            let page = physicalAddressLocked(backing, offset)
            tracer?.emit(.pagePresent(physical: page))
            try arch.map(va, page, flags: flags, existing: .overwrite)
            tracer?.emit(.translationInstalled(virtual: va.rawValue, physical: page, flags: flags))
            return FaultResolution(physical: page, writable: flags.contains(.write),
                                   generation: arch.currentGeneration)
        }
    }

    /// MAP_RANGE: every page of the window is present, so all of it is mapped.
    func mapPhysicalPages(_ backing: PhysicalBacking, mapping: VmMapping, offset: UInt64,
                          length: UInt64) throws(ZxStatus) {
        try withHierarchyLock { () throws(ZxStatus) in
            let end = min(offset.checkedAdd(length) ?? UInt64.max, viewSizeLocked)
            guard offset < end, offset >= mapping.vmoOffset else { return }
            let flags = mapping.archFlags(cachePolicy: cachePolicyLocked)
            let va = VirtualAddress(mapping.base + UInt(offset - mapping.vmoOffset))
            let pages = Int((end - offset) >> UInt64(PageGeometry.shift))
            try mapping.aspace.arch.mapContiguous(va, physicalAddressLocked(backing, offset), pages: pages,
                                                  flags: flags, existing: .overwrite)
        }
    }

    /// zx_vmo_set_cache_policy on a physical VMO (VmObjectPhysical::SetMappingCachePolicy): the
    /// current policy is always accepted; otherwise BAD_STATE while mapped, with children, or as
    /// a slice (it has a parent); CACHED on device memory the machine cannot map cached →
    /// NOT_SUPPORTED.
    func setPhysicalCachePolicy(_ backing: PhysicalBacking, _ policy: UInt32) throws(ZxStatus) {
        try withHierarchyLock { () throws(ZxStatus) in
            guard policy != cachePolicyLocked else { return }
            guard mappings.isEmpty, childVmos.isEmpty, kind == .root, parentVmo == nil else { throw .badState }
            if policy == ZX_CACHE_POLICY_CACHED && backing.isDevice && !backing.allowsCached {
                throw .notSupported
            }
            cachePolicyValue = policy
        }
    }

    /// Cache maintenance (ZX_VMO_OP_CACHE_*): size 0 → INVALID_ARGS; the range must lie inside
    /// the VMO (OUT_OF_RANGE); physical VMOs over device memory have no physmap alias to
    /// maintain → NOT_SUPPORTED. Otherwise a no-op on the emulated machine, whose caches are
    /// coherent with RAM; the kernel logs the op so tests can check drivers issued it.
    public func cacheOp(offset: UInt64, length: UInt64) throws(ZxStatus) {
        guard length > 0 else { throw .invalidArgs }
        try withHierarchyLock { () throws(ZxStatus) in
            _ = try checkRangeLocked(offset, length)
            if let backing = owner.physicalBacking, backing.isDevice { throw .notSupported }
        }
    }
}
