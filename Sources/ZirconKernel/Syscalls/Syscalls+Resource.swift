// Resource and device-memory syscalls: zx_resource_create, zx_vmo_create_physical,
// zx_vmo_create_contiguous, ZX_INFO_RESOURCE, the resource checks other syscalls share
// (validate_ranged_resource, the root-resource filter) and the kernel's cache-maintenance log.
//
// Zircon counterpart: zircon/kernel/lib/syscalls/resource.cc (sys_resource_create),
// zircon/kernel/lib/syscalls/vmo.cc (sys_vmo_create_physical, sys_vmo_create_contiguous),
// zircon/kernel/object/resource.cc (validate_ranged_resource), lib/root_resource_filter.
//
// Error-order notes (NEW Zircon's code, which the docs sometimes contradict):
// - zx_vmo_create_physical: size 0 / unaligned → INVALID_ARGS; resource lookup (BAD_HANDLE,
//   WRONG_TYPE; no right needed); a resource of another kind → WRONG_TYPE; the root resource
//   over PMM-managed RAM → ACCESS_DENIED (root filter); an MMIO resource not covering the range
//   → OUT_OF_RANGE (the docs say ACCESS_DENIED; resource.cc returns OUT_OF_RANGE); then paddr
//   unaligned or wrapping → INVALID_ARGS.
// - zx_vmo_create_contiguous: Zirconia has no IOMMU/BTI objects yet. The `bti` argument is
//   checked in the pre-BTI (2018) form: it must be the root resource (BAD_HANDLE, WRONG_TYPE for
//   non-resources and for resources of another kind). Size and alignment rules are NEW's.

import Hardware
import VM
import ZX

extension Sys {
    // MARK: Shared resource checks

    /// Zircon's validate_ranged_resource: the root resource grants every range except PMM-managed
    /// RAM for MMIO (ACCESS_DENIED); another resource must be of `kind` (WRONG_TYPE) and contain
    /// the range, an MMIO resource's range rounded out to pages (OUT_OF_RANGE).
    static func validateRangedResource(_ kernel: Kernel, _ resource: ResourceDispatcher, kind: zx_rsrc_kind_t,
                                       base: UInt64, size: UInt64) throws(ZxStatus) {
        if resource.kind == ZX_RSRC_KIND_ROOT {
            guard kernel.rootFilterAllows(kind: kind, base: base, size: size) else { throw .accessDenied }
            return
        }
        guard resource.kind == kind else { throw .wrongType }
        var rbase = resource.base
        var rsize = resource.size
        if kind == ZX_RSRC_KIND_MMIO {
            let aligned = rbase.pageTruncated
            rsize = ((rbase - aligned) &+ rsize).pageRoundedUp ?? (UInt64.max - aligned)
            rbase = aligned
        }
        guard PhysicalRange(base: rbase, size: rsize).contains(base: base, size: size) else { throw .outOfRange }
    }

    /// Zircon's validate_resource_kind_base: the root resource, or a `kind` resource whose base
    /// is `base` (SYSTEM resources name their capability by base); else WRONG_TYPE.
    static func validateResourceKindBase(_ context: ThreadContext, _ handle: zx_handle_t, kind: zx_rsrc_kind_t,
                                         base: UInt64) throws(ZxStatus) {
        let (resource, _) = try context.handles.lookup(handle, as: ResourceDispatcher.self, rights: ZX_RIGHT_NONE)
        guard resource.kind == ZX_RSRC_KIND_ROOT || (resource.kind == kind && resource.base == base) else {
            throw .wrongType
        }
    }

    // MARK: zx_resource_create

    /// zx_resource_create (sys_resource_create, in its order).
    static func resourceCreate(_ parentHandle: zx_handle_t, _ options: UInt32, _ base: UInt64, _ size: Int,
                               _ name: UnsafePointer<CChar>?, _ nameSize: Int) throws(ZxStatus) -> zx_handle_t {
        let context = try context()
        // 1. The parent needs WRITE.
        let (parent, _) = try context.handles.lookup(parentHandle, as: ResourceDispatcher.self, rights: ZX_RIGHT_WRITE)
        // 2. Kind and flags.
        let kind = ZX_RSRC_EXTRACT_KIND(options)
        let flags = ZX_RSRC_EXTRACT_FLAGS(options)
        guard kind < ZX_RSRC_KIND_COUNT, flags & ~ZX_RSRC_FLAGS_MASK == 0 else { throw .invalidArgs }
        // 3. The parent must grant the range (any failure is ACCESS_DENIED here).
        let length = UInt64(UInt(bitPattern: size))
        do {
            try validateRangedResource(context.kernel, parent, kind: kind, base: base, size: length)
        } catch {
            throw .accessDenied
        }
        // 4. A slice of a non-root resource can neither be nor come from an exclusive one.
        if parent.kind != ZX_RSRC_KIND_ROOT && (parent.isExclusive || flags & ZX_RSRC_FLAG_EXCLUSIVE != 0) {
            throw .invalidArgs
        }
        // 5. The name: at most ZX_MAX_NAME_LEN - 1 bytes.
        var nameBytes: [UInt8] = []
        let count = min(UInt(bitPattern: nameSize), UInt(ZX_MAX_NAME_LEN - 1))
        if nameSize != 0 {
            guard let name else { throw .invalidArgs }
            nameBytes = UnsafeRawBufferPointer(start: name, count: Int(count)).prefix { $0 != 0 }.map { $0 }
        }
        // 6. Create (exclusive bookkeeping), then the handle.
        let kernel = context.kernel
        let resource = try kernel.resources.create(kind: kind, base: base, size: length, flags: flags,
                                                   name: "", koid: { kernel.allocateKoid() })
        if !nameBytes.isEmpty { nameBytes.withUnsafeBytes { try? resource.setName($0) } }
        return try context.handles.add(resource, resource.defaultRights)
    }

    /// ZX_INFO_RESOURCE: a resource handle with INSPECT.
    static func infoResource(_ context: ThreadContext, _ handle: zx_handle_t, _ out: inout InfoOutput) throws(ZxStatus) {
        let (resource, _) = try context.handles.lookup(handle, as: ResourceDispatcher.self, rights: ZX_RIGHT_INSPECT)
        try out.single(resource.info())
    }

    // MARK: Device memory VMOs

    /// zx_vmo_create_physical (reference §3.15, NEW kernel order; see the file header).
    static func vmoCreatePhysical(_ resourceHandle: zx_handle_t, _ paddr: zx_paddr_t, _ size: Int) throws(ZxStatus) -> zx_handle_t {
        let length = UInt64(UInt(bitPattern: size))
        guard length > 0, length.isPageAligned else { throw .invalidArgs }
        let context = try context()
        let kernel = context.kernel
        let (resource, _) = try context.handles.lookup(resourceHandle, as: ResourceDispatcher.self, rights: ZX_RIGHT_NONE)
        let base = UInt64(paddr)
        try validateRangedResource(kernel, resource, kind: ZX_RSRC_KIND_MMIO, base: base, size: length)
        guard base.isPageAligned, base.checkedAdd(length - 1) != nil else { throw .invalidArgs }
        let inRAM = kernel.memory.contains(PhysicalAddress(base), length: Int(clamping: length))
            && length <= UInt64(Int.max)
        let backing = PhysicalBacking(base: PhysicalAddress(base), isDevice: !inRAM,
                                      allowsCached: inRAM || kernel.machine.allowCachedDeviceMemory)
        let vmo = try VmObjectPaged.createPhysical(pmm: kernel.pmm, backing: backing, size: length,
                                                   cachePolicy: kernel.profile.defaultPhysicalCachePolicy)
        let dispatcher = VmoDispatcher(vmo: vmo, koid: kernel.allocateKoid())
        return try context.handles.add(dispatcher, ZX_DEFAULT_VMO_RIGHTS | ZX_RIGHT_EXECUTE)
    }

    /// zx_vmo_create_contiguous (reference §3.16; `bti` in the pre-BTI form, see the file header).
    static func vmoCreateContiguous(_ bti: zx_handle_t, _ size: Int, _ alignmentLog2: UInt32) throws(ZxStatus) -> zx_handle_t {
        let length = UInt64(UInt(bitPattern: size))
        guard length > 0, length.isPageAligned else { throw .invalidArgs }
        if alignmentLog2 != 0 {
            guard alignmentLog2 >= UInt32(PageGeometry.shift), alignmentLog2 < 64 else { throw .invalidArgs }
        }
        let context = try context()
        let (resource, _) = try context.handles.lookup(bti, as: ResourceDispatcher.self, rights: ZX_RIGHT_NONE)
        guard resource.kind == ZX_RSRC_KIND_ROOT else { throw .wrongType }
        let vmo = try VmObjectPaged.createContiguous(pmm: context.kernel.pmm, size: length,
                                                     alignmentLog2: Int(alignmentLog2))
        let dispatcher = VmoDispatcher(vmo: vmo, koid: context.kernel.allocateKoid())
        return try context.handles.add(dispatcher, dispatcher.defaultRights)
    }

    /// The cache ops of zx_vmo_op_range after the op's right was checked: the VM validates the
    /// range (and refuses device memory), then the kernel logs the op.
    static func vmoCacheOp(_ context: ThreadContext, _ dispatcher: VmoDispatcher, _ op: UInt32,
                           _ offset: UInt64, _ size: UInt64) throws(ZxStatus) {
        try dispatcher.vmo.cacheOp(offset: offset, length: size)
        context.kernel.recordCacheOp(CacheOperationRecord(op: op, vmoKoid: dispatcher.koid, offset: offset, size: size))
    }
}

extension Kernel {
    /// Zircon's root-resource filter: MMIO ranges touching RAM the PMM manages are off limits
    /// (reserved RAM, `MachineConfiguration.reservedMemorySize`, is the platform exception).
    func rootFilterAllows(kind: zx_rsrc_kind_t, base: UInt64, size: UInt64) -> Bool {
        guard kind == ZX_RSRC_KIND_MMIO else { return true }
        let ram = PhysicalRange(base: memory.base.rawValue, size: UInt64(memory.size))
        guard ram.intersects(base: base, size: size) else { return true }
        return reservedMemory?.contains(base: base, size: size) ?? false
    }

    func recordCacheOp(_ record: CacheOperationRecord) {
        cacheLog.withLock { log in
            if log.count >= 4096 { log.removeFirst(log.count - 4095) }
            log.append(record)
        }
    }

    /// Cache maintenance ops (ZX_VMO_OP_CACHE_*) issued so far, oldest first (the last 4096).
    public var cacheOperations: [CacheOperationRecord] { cacheLog.withLock { $0 } }

    /// Forgets the recorded cache maintenance ops.
    public func clearCacheOperations() { cacheLog.withLock { $0.removeAll() } }

    /// Live ranged resources (MMIO, IRQ, ...) of this kernel; the root resource is not counted.
    public var liveResourceCount: Int { resources.count }
}

// zx_status_t zx_resource_create
public func zx_resource_create(_ parentRsrc: zx_handle_t, _ options: UInt32, _ base: UInt64, _ size: Int,
                               _ name: UnsafePointer<CChar>?, _ nameSize: Int,
                               _ resourceOut: inout zx_handle_t) -> zx_status_t {
    var result = zx_handle_t(ZX_HANDLE_INVALID)
    let status = ZxStatus.capture { () throws(ZxStatus) in
        result = try Sys.resourceCreate(parentRsrc, options, base, size, name, nameSize)
    }
    if status == ZX_OK { resourceOut = result }
    return status
}

// zx_status_t zx_vmo_create_physical
public func zx_vmo_create_physical(_ resource: zx_handle_t, _ paddr: zx_paddr_t, _ size: Int,
                                   _ out: inout zx_handle_t) -> zx_status_t {
    var result = zx_handle_t(ZX_HANDLE_INVALID)
    let status = ZxStatus.capture { () throws(ZxStatus) in result = try Sys.vmoCreatePhysical(resource, paddr, size) }
    if status == ZX_OK { out = result }
    return status
}

// zx_status_t zx_vmo_create_contiguous
public func zx_vmo_create_contiguous(_ bti: zx_handle_t, _ size: Int, _ alignmentLog2: UInt32,
                                     _ out: inout zx_handle_t) -> zx_status_t {
    var result = zx_handle_t(ZX_HANDLE_INVALID)
    let status = ZxStatus.capture { () throws(ZxStatus) in result = try Sys.vmoCreateContiguous(bti, size, alignmentLog2) }
    if status == ZX_OK { out = result }
    return status
}
