// VmObjectPaged: the anonymous, demand-paged VMO — zx_vmo_create's object and every child of it.
// Pages are committed on first write (or explicit COMMIT); until then every page reads as the
// PMM's singleton zero page. The pages themselves live in `VmCowPages` nodes: a root VMO or a
// snapshot owns a leaf node; a slice or a reference is a window onto its owner's leaf.
//
// Zircon counterpart: zircon/kernel/vm/vm_object_paged.cc (the visible object: size, content
// size, mappings, the children list and the re-homing of children when a VMO dies).
// Lock domain: `lock`, the hierarchy lock shared by every VMO and node of one tree.
//
// This file: the object, its life cycle, and the page helpers every operation uses.
// VmObjectPaged+Ops.swift: read/write, range operations, resize, properties, the fault path.
// VmObjectPaged+Children.swift: creating snapshots, slices and references; the children list.

import Hardware
import KernelContainers
import ZX

public final class VmObjectPaged: VmObject, @unchecked Sendable {
    /// How this VMO came to be (ZX_INFO_VMO: IS_COW_CLONE for `.snapshot`; parent_koid).
    public enum Kind: Sendable, Equatable {
        case root, snapshot, slice, reference
    }

    public let kind: Kind
    let options: VmObjectOptions
    /// The leaf this VMO reads and writes: its own (root, snapshot) or its owner's (slice, reference).
    let node: VmCowPages
    /// Offset of this VMO's byte 0 inside `node` (non-zero only for slices).
    let nodeOffset: UInt64
    /// Slices and references: the VMO owning `node`; nil for owners. Strong: an alias keeps the
    /// pages it shows (and so their owner) alive.
    let aliasOwner: VmObjectPaged?
    /// Slices and references: the VMO they were created from (kept alive).
    let aliasParent: VmObjectPaged?
    /// References: the nearest non-reference ancestor, whose size and content size they share.
    let sizeSource: VmObjectPaged?
    /// Offset of byte 0 from the root of the copy-on-write tree; checked for overflow on creation
    /// and on resize (reference §3.10 step 6, §3.12).
    let rootOffset: UInt64
    /// Size and content size of owners and slices (references use `sizeSource`'s).
    var sizeBytes: UInt64
    /// ZX_PROP_VMO_CONTENT_SIZE: byte-granular, independent of the page-rounded size.
    var contentSizeBytes: UInt64
    /// The ZX_CACHE_POLICY_* value new mappings use (owners; aliases use their owner's).
    var cachePolicyValue: UInt32 = 0
    /// Physical VMOs: the physical range behind the VMO (VmObjectPaged+Physical.swift); nil for
    /// every other VMO. Set once at creation.
    var physicalBacking: PhysicalBacking?
    /// ZX_INFO_VMO.committed_change_events: how often the kernel, *without* a user request,
    /// changed what committed_bytes reports (Zircon's zx_info_vmo_t doc; its VmObjectDispatcher
    /// reports the reclamation event count). Only reclamation (discard) counts, not commits,
    /// writes or decommits the user asked for.
    var committedChangeEvents: UInt64 = 0
    /// True once the VMO has stored any page (metadata_bytes is 0 before).
    var hasPageListMetadata = false
    /// Discardable state: lock count and whether the kernel reclaimed the contents.
    var discardLockCount = 0
    var discarded = false
    /// Pinned pages (BTI pins arrive with device memory); shrinking over them fails.
    var pinnedCount = 0
    /// Owners: the live slices and references showing `node`, which must hear about page changes.
    var aliases: [UnownedPaged] = []
    /// The VMO this one was created from while it lives; a child of a dead VMO is re-homed to the
    /// dead VMO's parent (Zircon: ~VmObjectPaged). Unowned: a dying parent re-homes its children.
    var parentVmo: UnownedPaged?
    /// Live direct children (ZX_INFO_VMO.num_children).
    var childVmos: [UnownedPaged] = []
    /// Told the new child count whenever it changes (the dispatcher's ZX_VMO_ZERO_CHILDREN).
    var childCountObserver: (@Sendable (_ count: Int, _ sequence: UInt64) -> Void)?
    /// Stamps child-count notices so a late one cannot overwrite a newer one.
    var childCountSequence: UInt64 = 0

    init(pmm: PMM, hierarchy: VmHierarchy, kind: Kind, options: VmObjectOptions, node: VmCowPages,
         nodeOffset: UInt64 = 0, aliasParent: VmObjectPaged? = nil, size: UInt64, contentSize: UInt64,
         rootOffset: UInt64 = 0) {
        self.kind = kind
        self.options = options
        self.node = node
        self.nodeOffset = nodeOffset
        self.aliasParent = aliasParent
        self.aliasOwner = aliasParent.map { $0.aliasOwner ?? $0 }
        self.sizeSource = kind == .reference ? aliasParent.map { $0.sizeSource ?? $0 } : nil
        self.rootOffset = rootOffset
        self.sizeBytes = size
        self.contentSizeBytes = contentSize
        super.init(pmm: pmm, hierarchy: hierarchy)
    }

    /// Creates a VMO of `size` bytes (rounded up to pages). Zircon: VmObjectPaged::Create.
    /// - Throws: `.outOfRange` if rounding overflows or exceeds the maximum VMO size.
    public static func create(pmm: PMM, size: UInt64, options: VmObjectOptions = []) throws(ZxStatus) -> VmObjectPaged {
        guard let rounded = size.pageRoundedUp, rounded <= maxVmoSize else { throw .outOfRange }
        return VmObjectPaged(pmm: pmm, hierarchy: VmHierarchy(), kind: .root, options: options,
                             node: VmCowPages(hidden: false), size: rounded, contentSize: size)
    }

    /// Creates a physically contiguous, fully committed VMO (zx_vmo_create_contiguous).
    public static func createContiguous(pmm: PMM, size: UInt64, alignmentLog2: Int) throws(ZxStatus) -> VmObjectPaged {
        guard size > 0, size.isPageAligned, size <= maxVmoSize else { throw .invalidArgs }
        let count = Int(size >> UInt64(PageGeometry.shift))
        let first = try pmm.allocContiguous(pages: count, alignmentLog2: alignmentLog2)
        let vmo = VmObjectPaged(pmm: pmm, hierarchy: VmHierarchy(), kind: .root, options: [.contiguous],
                                node: VmCowPages(hidden: false), size: size, contentSize: size)
        for i in 0..<count {
            let offset = UInt64(i) << UInt64(PageGeometry.shift)
            vmo.node.pages.set(offset, .page(PhysicalAddress(first.rawValue + offset)))
        }
        vmo.hasPageListMetadata = true
        vmo.pinnedCount = count
        return vmo
    }

    /// A VMO dies when its last handle and its last mapping are gone (and, for a VMO with slices
    /// or references, when they are gone too: they hold it). It leaves its owner's alias list and
    /// its parent's children list, hands its own children to its parent, and — if it owns a
    /// leaf — takes the leaf out of the copy-on-write tree, freeing what nobody else can see.
    deinit {
        // Referents retained under the lock are released after it (see UnownedPaged).
        var keep: [VmObjectPaged] = []
        let notice = withHierarchyLock { () -> ChildCountNotice? in
            if let owner = aliasOwner {
                owner.aliases.removeAll { $0.refers(to: self) }
            }
            let notice = leaveChildTreeLocked(keepingAlive: &keep)
            if aliasOwner == nil {
                pageSourceDestroyedLocked()
                if let pager = node.parent, !pager.isHidden {
                    // A one-way clone leaving its pager's node; the last one frees the pages
                    // of a pager VMO that died before it.
                    pager.oneWayChildren -= 1
                    if pager.oneWayChildren == 0 && pager.ownerGone { releasePages(pager.pages.removeAll()) }
                }
                if node.oneWayChildren > 0 {
                    // One-way clones still read through this node: its pages stay until they go.
                    node.ownerGone = true
                } else {
                    releasePages(node.detachLocked())
                }
            }
            return notice
        }
        withExtendedLifetime(keep) {}
        keep = []
        notice?.deliver()
    }

    // MARK: Views

    /// The VMO whose leaf this one shows: itself for roots and snapshots.
    @inline(__always) var owner: VmObjectPaged { aliasOwner ?? self }

    /// The current size (references: their source's, which may change).
    var viewSizeLocked: UInt64 { sizeSource?.sizeBytes ?? sizeBytes }

    override var sizeLocked: UInt64 { viewSizeLocked }
    public override var isPaged: Bool { true }
    /// Roots and snapshots: created resizable. References: their source is. Slices: never.
    public override var isResizable: Bool {
        switch kind {
        case .root, .snapshot: options.contains(.resizable)
        case .slice: false
        case .reference: sizeSource?.isResizable ?? false
        }
    }
    public override var isContiguous: Bool { owner.options.contains(.contiguous) }
    public override var isDiscardable: Bool { owner.options.contains(.discardable) }
    public override var cachePolicy: UInt32 { withHierarchyLock { owner.cachePolicyValue } }
    override var cachePolicyLocked: UInt32 { owner.cachePolicyValue }
    public var changeEvents: UInt64 { withHierarchyLock { owner.committedChangeEvents } }
    /// Bytes of page-list bookkeeping (0 until the first page is stored).
    public var metadataBytes: UInt64 {
        withHierarchyLock { owner.hasPageListMetadata ? UInt64(PageGeometry.size) : 0 }
    }
    public var contentSize: UInt64 { withHierarchyLock { (sizeSource ?? self).contentSizeBytes } }

    /// Bytes attributed to this VMO (reference §4.5): a root's or snapshot's own pages plus the
    /// shared pages it is the first to see. Slices and references report 0: their pages are
    /// their owner's.
    public override var committedBytes: UInt64 {
        withHierarchyLock { UInt64(attributedPagesLocked(0, UInt64.max)) << UInt64(PageGeometry.shift) }
    }

    public override func committedPages(in offset: UInt64, length: UInt64) -> Int {
        withHierarchyLock { attributedPagesLocked(offset, offset.checkedAdd(length) ?? UInt64.max) }
    }

    // The fault path and MAP_RANGE (bodies in VmObjectPaged+Ops.swift).
    override func faultLocked(offset: UInt64, write: Bool, mapping: VmMapping, va: VirtualAddress,
                              tracer: FaultTracer?) throws(ZxStatus) -> FaultResolution {
        try resolveFault(offset: offset, write: write, mapping: mapping, va: va, tracer: tracer)
    }

    override func mapPresentPages(mapping: VmMapping, offset: UInt64, length: UInt64) throws(ZxStatus) {
        try mapOwnedPages(mapping: mapping, offset: offset, length: length)
    }

    func attributedPagesLocked(_ start: UInt64, _ end: UInt64) -> Int {
        guard aliasOwner == nil, start < end else { return 0 }
        return node.attributedPagesLocked(start, end)
    }

    // MARK: Page helpers (lock held; offsets are in `node` coordinates)

    /// Removes translations of node range [start, end) from the owner's mappings and from every
    /// slice's and reference's mappings that show it.
    func nodeRangeChangeLocked(_ start: UInt64, _ end: UInt64) {
        guard start < end else { return }
        let owner = self.owner
        owner.rangeChangeUpdateLocked(offset: start, length: end - start)
        pagerClonesRangeChangeLocked(start, end)
        for alias in owner.aliases {
            alias.withObject(keepingAlive: &hierarchy.deferredReleases) { view in
                guard end > view.nodeOffset else { return }
                let low = start > view.nodeOffset ? start - view.nodeOffset : 0
                view.rangeChangeUpdateLocked(offset: low, length: end - view.nodeOffset - low)
            }
        }
    }

    /// The page at node offset `offset`, made private to this leaf first if needed: a copy of
    /// what the leaf sees through its ancestors, or a fresh zero page. This is the copy-on-write
    /// fork and the demand-zero commit in one. An ancestor page no other leaf can see any more
    /// is moved here instead of copied (its ownership changes, its contents stay put).
    func writablePageLocked(_ offset: UInt64, entry known: PageOrMarker? = nil) throws(ZxStatus) -> PhysicalAddress {
        if let source = node.pageSource { return try pagerWritablePageLocked(offset, source) }
        let entry = known ?? node.pages.lookup(offset)
        if let page = entry.page { return page }
        if !entry.isMarker { try pagerParentEnsurePresentLocked(offset) }
        let source = entry.isMarker ? nil : node.ancestorEntryLocked(offset)
        // Only a hidden node's page may move: a visible one (a pager's) is its owner's.
        if let source, source.node.isHidden, source.node.firstLeafSeeingLocked(source.offset, skipping: node) == nil {
            source.node.pages.remove(source.offset)
            node.pages.set(offset, .page(source.page))
            owner.hasPageListMetadata = true
            return source.page
        }
        let page = try pmm.allocPage(.object, zeroFill: source == nil)
        if let source {
            pmm.memory.hostPointer(page).copyMemory(from: pmm.memory.hostPointer(source.page), byteCount: PageGeometry.size)
        }
        node.pages.set(offset, .page(page))
        owner.hasPageListMetadata = true
        if node.mayHaveReadOnlyMappings {
            nodeRangeChangeLocked(offset, offset + UInt64(PageGeometry.size))
        }
        return page
    }

    /// Drops every entry of node range [start, end) (decommit, shrink, discard of a VMO without a
    /// copy-on-write parent), unmapping it first.
    func freeNodeRangeLocked(_ start: UInt64, _ end: UInt64) {
        guard start < end else { return }
        let freed = node.pages.removeRange(start, end)
        guard !freed.isEmpty else { return }
        nodeRangeChangeLocked(start, end)
        releasePages(freed)
    }

    /// Zeroes node range [start, end). Partial pages are zeroed in place (a shared page is forked
    /// first); whole pages are released, and where an ancestor would still show data a zero
    /// marker hides it. Only present entries are visited, so a huge sparse range costs what it
    /// holds, not what it spans. Contiguous VMOs zero in place and keep their pages.
    func zeroNodeRangeLocked(_ start: UInt64, _ end: UInt64) throws(ZxStatus) {
        guard start < end else { return }
        func zeroPart(_ low: UInt64, _ high: UInt64) throws(ZxStatus) {
            guard low < high else { return }
            let pageOffset = low.pageTruncated
            var page = node.pages.lookup(pageOffset).page
            if page == nil {
                guard node.lookupLocked(pageOffset).page != nil else { return }   // already reads zero
                page = try writablePageLocked(pageOffset)
            }
            guard let page else { return }
            (pmm.memory.hostPointer(page) + Int(low - pageOffset))
                .initializeMemory(as: UInt8.self, repeating: 0, count: Int(high - low))
        }
        // start < end <= maxVmoSize, so rounding up cannot overflow.
        let firstWhole = start.pageRoundedUp ?? end
        let lastWhole = end.pageTruncated
        guard firstWhole <= lastWhole else {
            try zeroPart(start, end)   // within a single page
            return
        }
        try zeroPart(start, firstWhole)
        try zeroPart(lastWhole, end)
        guard firstWhole < lastWhole else { return }
        if isContiguous {
            node.pages.forEach(in: firstWhole, lastWhole) { _, entry in
                guard let page = entry.page else { return }
                pmm.memory.hostPointer(page).initializeMemory(as: UInt8.self, repeating: 0, count: PageGeometry.size)
            }
            return
        }
        guard node.parent != nil else {
            freeNodeRangeLocked(firstWhole, lastWhole)
            return
        }
        // Copy-on-write leaf: visit its own entries and every ancestor page it could see. Ancestor
        // pages this leaf was the last to see become garbage once hidden, and are freed.
        let seen = node.ancestorRangesLocked(firstWhole, lastWhole)
        var offsets: [UInt64] = []
        node.pages.forEach(in: firstWhole, lastWhole) { offset, _ in offsets.append(offset) }
        node.forEachAncestorEntryLocked(firstWhole, lastWhole) { offset, _, _, entry in
            if entry.page != nil { offsets.append(offset) }
        }
        offsets.sort()
        var freed: [PhysicalAddress] = []
        var previous: UInt64?
        for offset in offsets where offset != previous {
            previous = offset
            let shadowed = node.ancestorPageLocked(offset) != nil
            if let page = node.pages.set(offset, shadowed ? .zeroMarker : .empty).page { freed.append(page) }
        }
        guard !offsets.isEmpty else { return }
        freed += VmCowPages.releaseUnseenLocked(seen)
        nodeRangeChangeLocked(firstWhole, lastWhole)
        releasePages(freed)
    }

    /// [offset, offset+length) inside the current size, else OUT_OF_RANGE; returns the end.
    func checkRangeLocked(_ offset: UInt64, _ length: UInt64) throws(ZxStatus) -> UInt64 {
        guard let end = offset.checkedAdd(length), end <= viewSizeLocked else { throw .outOfRange }
        return end
    }
}
