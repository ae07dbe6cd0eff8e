// ResourceDispatcher: a resource object — a capability over a range of one kind of address
// space (MMIO, IRQ vectors, I/O ports, SMC calls, SYSTEM capabilities) or, for the root
// resource, over everything. ResourceRegistry is the per-kernel bookkeeping that makes
// ZX_RSRC_FLAG_EXCLUSIVE reservations exclusive.
//
// Zircon counterpart: zircon/kernel/object/resource_dispatcher.cc (Create: the region allocator
// per kind, the exclusive check against every live resource of the kind) and
// zircon/kernel/object/resource.cc (validate_ranged_resource, the root-resource filter).
// Zircon keeps this bookkeeping in globals; here it is per Kernel (kernels share nothing).

import KernelContainers
import ZX

final class ResourceDispatcher: KernelObject, @unchecked Sendable {
    let kind: zx_rsrc_kind_t
    let base: UInt64
    let size: UInt64
    let flags: zx_rsrc_flags_t
    /// The registry this resource is recorded in (nil for the root resource, which has no range).
    private weak var registry: ResourceRegistry?

    init(kind: zx_rsrc_kind_t, base: UInt64 = 0, size: UInt64 = 0, flags: zx_rsrc_flags_t = 0,
         koid: zx_koid_t, name: String, registry: ResourceRegistry? = nil) {
        self.kind = kind
        self.base = base
        self.size = size
        self.flags = flags
        self.registry = registry
        super.init(koid: koid, name: name)
    }

    deinit {
        registry?.remove(self)
    }

    override var objectType: zx_obj_type_t { ZX_OBJ_TYPE_RESOURCE }
    override var defaultRights: zx_rights_t { ZX_DEFAULT_RESOURCE_RIGHTS }
    override var supportsName: Bool { true }

    var isExclusive: Bool { flags & ZX_RSRC_FLAG_EXCLUSIVE != 0 }

    /// ZX_INFO_RESOURCE.
    func info() -> zx_info_resource_t {
        zx_info_resource_t(kind: kind, flags: flags, base: base, size: Int(truncatingIfNeeded: size),
                           name: ZxName.make(bytes: nameBytes))
    }

    /// True if `[base, base + size)` intersects this resource's range.
    func intersects(base other: UInt64, size otherSize: UInt64) -> Bool {
        guard size > 0, otherSize > 0 else { return false }
        let end = base.checkedAdd(size) ?? UInt64.max
        let otherEnd = other.checkedAdd(otherSize) ?? UInt64.max
        return base < otherEnd && other < end
    }
}

/// Every live ranged resource of one kernel, for exclusive reservations.
final class ResourceRegistry: @unchecked Sendable {
    private let lock = KernelLock()
    private var live: [ObjectIdentifier: Unowned] = [:]

    private struct Unowned {
        unowned(unsafe) let resource: ResourceDispatcher
    }

    /// The address space each ranged kind draws from (Zircon seeds a RegionAllocator per kind
    /// with the platform's ranges): MMIO and SMC the whole 64-bit space, IRQ vectors and I/O
    /// ports 16 bits, SYSTEM the ZX_RSRC_SYSTEM_*_BASE slots.
    static func space(of kind: zx_rsrc_kind_t) -> (base: UInt64, size: UInt64) {
        switch kind {
        case ZX_RSRC_KIND_IRQ, ZX_RSRC_KIND_IOPORT: return (0, 0x1_0000)
        case ZX_RSRC_KIND_SYSTEM: return (0, ZX_RSRC_SYSTEM_COUNT)
        default: return (0, UInt64.max)
        }
    }

    /// Creates a resource (ResourceDispatcher::Create): ROOT needs base = size = 0
    /// (INVALID_ARGS); a ranged kind needs a non-empty range that does not wrap (INVALID_ARGS)
    /// inside its kind's space and not held by a live exclusive resource (NOT_FOUND); an
    /// exclusive one must not intersect any live resource of its kind (NOT_FOUND). Nothing is
    /// recorded on failure.
    func create(kind: zx_rsrc_kind_t, base: UInt64, size: UInt64, flags: zx_rsrc_flags_t,
                name: String, koid: () -> zx_koid_t) throws(ZxStatus) -> ResourceDispatcher {
        guard kind < ZX_RSRC_KIND_COUNT, flags & ~ZX_RSRC_FLAGS_MASK == 0 else { throw .invalidArgs }
        if kind == ZX_RSRC_KIND_ROOT {
            guard base == 0, size == 0 else { throw .invalidArgs }
            return ResourceDispatcher(kind: kind, flags: flags, koid: koid(), name: name)
        }
        guard size > 0, base.checkedAdd(size - 1) != nil else { throw .invalidArgs }
        let space = ResourceRegistry.space(of: kind)
        guard base >= space.base, size <= space.size, base - space.base <= space.size - size else {
            throw .notFound
        }
        return try lock.withLock { () throws(ZxStatus) -> ResourceDispatcher in
            for entry in live.values where entry.resource.kind == kind {
                let other = entry.resource
                guard other.intersects(base: base, size: size) else { continue }
                if other.isExclusive || flags & ZX_RSRC_FLAG_EXCLUSIVE != 0 { throw .notFound }
            }
            let resource = ResourceDispatcher(kind: kind, base: base, size: size, flags: flags,
                                              koid: koid(), name: name, registry: self)
            live[ObjectIdentifier(resource)] = Unowned(resource: resource)
            return resource
        }
    }

    func remove(_ resource: ResourceDispatcher) {
        lock.withLock { _ = live.removeValue(forKey: ObjectIdentifier(resource)) }
    }

    /// Live ranged resources (for tests and inspection).
    var count: Int { lock.withLock { live.count } }
}
