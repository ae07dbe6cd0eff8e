// VmObjectPaged children: SNAPSHOT (and SNAPSHOT_AT_LEAST_ON_WRITE, which for anonymous memory is
// the same thing), SLICE and REFERENCE children, and the visible parent/children relation behind
// ZX_INFO_VMO.parent_koid, num_children and ZX_VMO_ZERO_CHILDREN.
//
// Zircon counterpart: zircon/kernel/vm/vm_object_paged.cc (CreateClone, CreateChildSlice,
// CreateChildReference, AddChildLocked, RemoveChild, the re-homing in ~VmObjectPaged) and
// vm_object.cc (the child observer). The structural checks are reference §3.12 step 5, in order;
// the syscall layer has already made steps 1–4.
// Lock domain: `lock` (the hierarchy lock). A child joins its parent's hierarchy.

import Hardware
import ZX

extension VmObjectPaged {
    // MARK: Creating children

    /// A copy-on-write snapshot of [offset, offset+size) of this VMO: it reads as an eager copy
    /// taken now, and neither side ever sees the other's later writes. O(1) whatever the size:
    /// this VMO's leaf moves under a new hidden node that takes over its pages, and the child is
    /// that node's second leaf. The range may extend beyond this VMO's end (that part reads zero).
    /// Every existing mapping of the pages loses write permission before this returns.
    /// - Throws (reference §3.12 step 5): `.invalidArgs` contiguous VMO or unaligned offset;
    ///   `.outOfRange` size too large; `.badState` uncached or pinned; `.invalidArgs` if the offset
    ///   accumulated from the root of the tree (plus the size) overflows.
    /// Of a pager-backed VMO only SNAPSHOT_AT_LEAST_ON_WRITE children exist (`atLeastOnWrite`):
    /// one-way clones whose leaf reads through the pager's node, asking the pager for what is
    /// missing there, and whose unwritten pages show the parent's later writes (reference §4.4).
    public func createSnapshot(offset: UInt64, size: UInt64, resizable: Bool,
                               atLeastOnWrite: Bool = false) throws(ZxStatus) -> VmObjectPaged {
        guard !isContiguous else { throw .invalidArgs }
        guard !isPhysical else { throw .notSupported }
        guard offset.isPageAligned else { throw .invalidArgs }
        guard let rounded = size.pageRoundedUp, rounded <= maxVmoSize else { throw .outOfRange }
        let (child, notice) = try withHierarchyLock { () throws(ZxStatus) -> (VmObjectPaged, ChildCountNotice?) in
            guard cachePolicyLocked == 0 else { throw .badState }
            guard owner.pinnedCount == 0 else { throw .badState }
            // Pager-backed pages cannot be snapshotted (reference §3.12), only cloned one way;
            // clones of a pager clone, or of a slice or reference of a pager VMO, are not built.
            if node.pageSource != nil || node.parent?.pageSource != nil {
                guard atLeastOnWrite, node.pageSource != nil, kind == .root else { throw .notSupported }
            }
            guard let childRoot = rootOffset.checkedAdd(offset), childRoot.checkedAdd(rounded) != nil else {
                throw .invalidArgs
            }
            let viewSize = viewSizeLocked
            let limit = offset >= viewSize ? 0 : min(rounded, viewSize - offset)
            let leaf = VmCowPages(hidden: false)
            let owner = self.owner
            if node.pageSource != nil {
                // One-way clone: no hidden node; the pager's node stays the pager VMO's leaf.
                leaf.parent = node
                leaf.parentOffset = nodeOffset + offset
                leaf.parentLimit = limit
                node.oneWayChildren += 1
            } else {
                node.insertHiddenParentLocked(extent: owner.sizeBytes, child: leaf,
                                              childOffset: nodeOffset + offset, childLimit: limit)
                // The pages are shared now: no mapping may write them in place any more.
                nodeRangeChangeLocked(0, owner.sizeBytes)
            }
            let child = VmObjectPaged(pmm: pmm, hierarchy: hierarchy, kind: .snapshot,
                                      options: resizable ? [.resizable] : [], node: leaf,
                                      size: rounded, contentSize: size, rootOffset: childRoot)
            return (child, addChildLocked(child))
        }
        notice?.deliver()
        return child
    }

    /// A window [offset, offset+size) onto this VMO's pages: writes either way are shared.
    /// - Throws (reference §3.12 step 5): `.invalidArgs` unaligned offset; `.outOfRange` size too
    ///   large; `.invalidArgs` range not inside this VMO; `.notSupported` this VMO is resizable;
    ///   `.badState` uncached (unless contiguous).
    public func createSlice(offset: UInt64, size: UInt64) throws(ZxStatus) -> VmObjectPaged {
        guard offset.isPageAligned else { throw .invalidArgs }
        guard let rounded = size.pageRoundedUp, rounded <= maxVmoSize else { throw .outOfRange }
        let (child, notice) = try withHierarchyLock { () throws(ZxStatus) -> (VmObjectPaged, ChildCountNotice?) in
            guard let end = offset.checkedAdd(rounded), end <= viewSizeLocked else { throw .invalidArgs }
            guard !isResizable else { throw .notSupported }
            guard cachePolicyLocked == 0 || isContiguous || isPhysical else { throw .badState }
            let child = VmObjectPaged(pmm: pmm, hierarchy: hierarchy, kind: .slice, options: [], node: node,
                                      nodeOffset: nodeOffset + offset, aliasParent: self, size: rounded,
                                      contentSize: size, rootOffset: rootOffset &+ offset)
            owner.aliases.append(UnownedPaged(child))
            return (child, addChildLocked(child))
        }
        notice?.deliver()
        return child
    }

    /// A second VMO for the same pages, size and content size; `resizable` only says whether it
    /// may resize them (the handle's RESIZE right).
    /// - Throws (reference §3.12 step 5): `.invalidArgs` offset or size not 0; `.notSupported`
    ///   contiguous, or `resizable` on a non-resizable VMO; `.badState` uncached.
    public func createReference(offset: UInt64, size: UInt64, resizable: Bool) throws(ZxStatus) -> VmObjectPaged {
        guard offset == 0, size == 0 else { throw .invalidArgs }
        guard !isContiguous, !isPhysical else { throw .notSupported }
        guard !resizable || isResizable else { throw .notSupported }
        let (child, notice) = try withHierarchyLock { () throws(ZxStatus) -> (VmObjectPaged, ChildCountNotice?) in
            guard cachePolicyLocked == 0 else { throw .badState }
            let child = VmObjectPaged(pmm: pmm, hierarchy: hierarchy, kind: .reference, options: [], node: node,
                                      nodeOffset: nodeOffset, aliasParent: self, size: 0, contentSize: 0,
                                      rootOffset: rootOffset)
            owner.aliases.append(UnownedPaged(child))
            return (child, addChildLocked(child))
        }
        notice?.deliver()
        return child
    }

    // MARK: The visible parent/children relation

    /// The `userId` (koid) of the VMO this one was created from, or of the nearest live ancestor
    /// once that died; 0 for roots.
    public var parentUserId: UInt64 {
        withHierarchyLock {
            guard let parent = parentVmo else { return 0 }
            return parent.withObject(keepingAlive: &hierarchy.deferredReleases) { $0.userId }
        }
    }

    /// Live direct children (ZX_INFO_VMO.num_children).
    public var childCount: Int { withHierarchyLock { childVmos.count } }

    /// True for SNAPSHOT-type children (ZX_INFO_VMO_IS_COW_CLONE).
    public var isCowClone: Bool { kind == .snapshot }

    /// Installs the hook told the new child count whenever it changes. It runs after the change,
    /// without the hierarchy lock, before the call that changed the count returns; notices of
    /// racing changes may arrive out of order, so it must apply only the highest `sequence`.
    public func setChildCountObserver(_ observer: @escaping @Sendable (_ count: Int, _ sequence: UInt64) -> Void) {
        withHierarchyLock { childCountObserver = observer }
    }

    /// Records `child` as a direct child. Returns the notice for this VMO's child-count observer,
    /// which the caller delivers once the hierarchy lock is dropped (see `ChildCountNotice`).
    func addChildLocked(_ child: VmObjectPaged) -> ChildCountNotice? {
        child.parentVmo = UnownedPaged(self)
        childVmos.append(UnownedPaged(child))
        return childCountNoticeLocked()
    }

    /// Leaves the parent's children list and hands this VMO's children to the parent, so a
    /// surviving grandchild keeps the grandparent's ZX_VMO_ZERO_CHILDREN deasserted. Returns the
    /// parent's child-count notice, to deliver after the hierarchy lock is dropped.
    func leaveChildTreeLocked(keepingAlive keep: inout [VmObjectPaged]) -> ChildCountNotice? {
        let orphans = childVmos
        childVmos = []
        let parent = parentVmo
        parentVmo = nil
        for orphan in orphans {
            orphan.withObject(keepingAlive: &keep) { $0.parentVmo = parent }
        }
        guard let parent else { return nil }
        return parent.withObject(keepingAlive: &keep) { parent -> ChildCountNotice? in
            let before = parent.childVmos.count
            parent.childVmos.removeAll { $0.refers(to: self) }
            parent.childVmos += orphans
            return parent.childVmos.count != before ? parent.childCountNoticeLocked() : nil
        }
    }

    /// The notice telling this VMO's observer its current child count, stamped with a sequence
    /// number so the observer can drop a notice that arrives after a newer one.
    func childCountNoticeLocked() -> ChildCountNotice? {
        guard let observer = childCountObserver else { return nil }
        childCountSequence &+= 1
        return ChildCountNotice(observer: observer, count: childVmos.count, sequence: childCountSequence)
    }
}

/// A change of a VMO's child count, delivered to its observer after the hierarchy lock is
/// dropped. Calling the observer under the lock would be a deadlock waiting to happen: the
/// observer's owner (the dispatcher) may lose its last reference on another thread meanwhile,
/// and releasing it inside the lock would run its teardown — which takes the hierarchy lock.
/// Notices from racing threads can arrive out of order; the sequence number orders them.
public struct ChildCountNotice: Sendable {
    let observer: @Sendable (_ count: Int, _ sequence: UInt64) -> Void
    let count: Int
    let sequence: UInt64

    func deliver() { observer(count, sequence) }
}
