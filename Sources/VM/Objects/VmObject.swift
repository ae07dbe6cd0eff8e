// VmObject: what every kind of VMO shares — its lock, its size, its name, the user-visible id
// the dispatcher gives it, and the list of mappings that must hear about page changes.
//
// Zircon counterpart: zircon/kernel/vm/vm_object.cc (VmObject: mapping list, RangeChangeUpdate,
// name). The VM core never sees handles or rights; `userId` is only a label (the koid) so that
// info records and fault traces can name the object.
// Lock domain: `lock`, the VMO's hierarchy lock. Lock order: aspace lock → VMO lock → page-table lock.

import Hardware
import KernelContainers
import ZX

/// Internal VMO creation options (Zircon: VmObjectPaged::kResizable, kDiscardable).
public struct VmObjectOptions: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let resizable = VmObjectOptions(rawValue: 1 << 0)
    public static let discardable = VmObjectOptions(rawValue: 1 << 1)
    public static let contiguous = VmObjectOptions(rawValue: 1 << 2)
}

/// The largest VMO size: 2^64 rounded down to a multiple of 32 pages, as Zircon's
/// VmObjectPaged::max_size() (leaves room for page-list node arithmetic).
public let maxVmoSize: UInt64 = UInt64.max & ~(UInt64(32 * PageGeometry.size) - 1)

/// What every VMO and page node of one copy-on-write hierarchy shares: the hierarchy lock and
/// whether any of them was ever mapped. A root VMO creates one; its children (snapshots, slices,
/// references, and theirs) join it.
final class VmHierarchy: @unchecked Sendable {
    let lock = KernelLock()
    /// True once any VMO of the hierarchy was mapped; guarded by `lock`. Pages move between the
    /// hierarchy's nodes, so the flag cannot be per object (see `VmObject.releasePages`).
    var everMapped = false
    /// References retained under the lock by `UnownedPaged.withObject(keepingAlive:)` deep inside
    /// an operation; `VmObject.withHierarchyLock` releases them after unlocking.
    var deferredReleases: [VmObjectPaged] = []
}

public class VmObject: @unchecked Sendable {
    /// `lock.withLock`, then — after unlocking — drops the references parked in
    /// `hierarchy.deferredReleases` meanwhile, so a last release runs its deinit outside the lock.
    /// Every VMO operation that may reach `UnownedPaged` referents takes the lock this way.
    func withHierarchyLock<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        lock.lock()
        let result: Result<R, E>
        do throws(E) {
            result = .success(try body())
        } catch {
            result = .failure(error)
        }
        let parked = hierarchy.deferredReleases
        if !parked.isEmpty { hierarchy.deferredReleases = [] }
        lock.unlock()
        withExtendedLifetime(parked) {}
        return try result.get()
    }

    /// The hierarchy lock. Guards size, pages, mappings, and everything mutable below.
    public let lock: KernelLock
    let hierarchy: VmHierarchy
    public let pmm: PMM
    /// The koid of the dispatcher that owns this VMO (0 until set). Used for info and traces only.
    public var userId: UInt64 = 0

    /// Mappings of this VMO, guarded by `lock`. A mapping removes itself when destroyed.
    var mappings: [VmMapping] = []
    private var storedName = ""
    private let nameLock = KernelLock()

    init(pmm: PMM, hierarchy: VmHierarchy) {
        self.pmm = pmm
        self.hierarchy = hierarchy
        self.lock = hierarchy.lock
    }

    /// Name (ZX_PROP_NAME), truncated to 31 bytes on set as Zircon does.
    public var name: String {
        get { nameLock.withLock { storedName } }
        set {
            var bytes = Array(newValue.utf8.prefix(31))
            while !bytes.isEmpty, String(validating: bytes, as: UTF8.self) == nil { bytes.removeLast() }
            let truncated = String(decoding: bytes, as: UTF8.self)
            nameLock.withLock { storedName = truncated }
        }
    }

    // MARK: Overridden by each kind

    /// Current size in bytes (always page aligned).
    public var size: UInt64 { withHierarchyLock { sizeLocked } }
    var sizeLocked: UInt64 { 0 }
    public var isPaged: Bool { false }
    public var isResizable: Bool { false }
    public var isContiguous: Bool { false }
    public var isDiscardable: Bool { false }

    /// The ZX_CACHE_POLICY_* value new translations use.
    public var cachePolicy: UInt32 { 0 }
    /// The cache policy with the VMO lock already held.
    var cachePolicyLocked: UInt32 { 0 }

    /// Bytes of pages attributed to this VMO.
    public var committedBytes: UInt64 { 0 }

    /// Number of live mappings (ZX_INFO_VMO.num_mappings).
    public var mappingCount: Int { withHierarchyLock { mappings.count } }

    /// Distinct address spaces that map this VMO (for share counts).
    public func mappingAspaceCount() -> Int {
        withHierarchyLock {
            var seen: [ObjectIdentifier] = []
            for mapping in mappings {
                let id = ObjectIdentifier(mapping.aspace)
                if !seen.contains(id) { seen.append(id) }
            }
            return seen.count
        }
    }

    /// ZX_INFO_VMO.share_count, computed as Zircon's VmObject::share_count: 1 while the VMO has
    /// fewer than two mappings (also with none), else the number of distinct address spaces
    /// that map it.
    public var shareCount: Int {
        withHierarchyLock {
            guard mappings.count >= 2 else { return 1 }
            var seen: [ObjectIdentifier] = []
            for mapping in mappings where !seen.contains(ObjectIdentifier(mapping.aspace)) {
                seen.append(ObjectIdentifier(mapping.aspace))
            }
            return seen.count
        }
    }

    /// Committed pages in [offset, offset+length) — for ZX_INFO_MAPS committed_pages.
    public func committedPages(in offset: UInt64, length: UInt64) -> Int { 0 }

    /// Resolves a fault at page-aligned `offset` and installs the translation at `va` in
    /// `mapping`'s page tables, all under the VMO lock so the page cannot vanish in between.
    /// Zircon: VmMapping::PageFault → VmObject::LookupPagesLocked → ArchVmAspace::Map.
    func faultLocked(offset: UInt64, write: Bool, mapping: VmMapping, va: VirtualAddress,
                     tracer: FaultTracer?) throws(ZxStatus) -> FaultResolution {
        throw .notSupported
    }

    /// Installs translations for pages already present in [offset, offset+length) of `mapping`,
    /// never committing or forking anything (MAP_RANGE). Caller holds the aspace lock.
    func mapPresentPages(mapping: VmMapping, offset: UInt64, length: UInt64) throws(ZxStatus) {}

    // MARK: Mapping list (called with the aspace lock held)

    func addMapping(_ mapping: VmMapping) {
        withHierarchyLock {
            mapping.indexInVmo = mappings.count
            mappings.append(mapping)
            hierarchy.everMapped = true
        }
    }

    /// True once any mapping of a VMO of this hierarchy existed: a thread may then still be
    /// finishing an access to one of its pages through a stale translation, so pages must not be
    /// freed before `AccessRegistry.synchronize` (see `releasePages`).
    var everMapped: Bool { hierarchy.everMapped }

    /// Returns data pages to the PMM, first waiting out any access that could still use them
    /// through a translation removed moments ago (the shootdown acknowledgement).
    func releasePages(_ pages: [PhysicalAddress]) {
        guard !pages.isEmpty else { return }
        if everMapped { pmm.memory.accessRegistry.synchronize() }
        for page in pages { pmm.freePage(page) }
    }

    func removeMappingLocked(_ mapping: VmMapping) {
        let index = mapping.indexInVmo
        guard index >= 0, index < mappings.count, mappings[index] === mapping else { return }
        let last = mappings.removeLast()
        if index < mappings.count {
            mappings[index] = last
            last.indexInVmo = index
        }
        mapping.indexInVmo = -1
    }

    /// Removes the translations of [offset, offset+length) of this VMO from every mapping, so the
    /// next access faults and sees the new state. Zircon: VmObject::RangeChangeUpdateLocked.
    func rangeChangeUpdateLocked(offset: UInt64, length: UInt64) {
        guard length > 0 else { return }
        let end = offset.checkedAdd(length) ?? UInt64.max
        for mapping in mappings {
            let mStart = mapping.vmoOffset
            let mEnd = mStart &+ UInt64(mapping.size)
            let start = max(offset, mStart)
            let stop = min(end, mEnd)
            guard start < stop else { continue }
            let va = VirtualAddress(mapping.base + UInt(start - mStart))
            mapping.aspace.arch.unmap(va, pages: Int((stop - start) >> UInt64(PageGeometry.shift)))
        }
    }
}
