// VmCowPages: the page-owning half of a paged VMO. The nodes of one copy-on-write hierarchy form a
// binary tree: leaves belong to visible VMOs, inner nodes are hidden and hold the pages their two
// subtrees still share. This file has the structural algorithms: lookup through the chain, O(1)
// hidden-node insertion for a snapshot, merging a hidden node into its last child, trimming pages
// no child can see, and the committed-bytes attribution walk.
//
// Zircon counterpart: zircon/kernel/vm/vm_cow_pages.cc (the hidden-node design of 2019–2023:
// CreateCloneLocked, RemoveChildLocked, MergeContentWithChildLocked, ReleaseCowParentPagesLocked).
// Lock domain: the hierarchy lock (`VmHierarchy.lock`) of the tree. Nothing here allocates or frees
// pages: functions that drop pages return them, and the VMO frees them through `releasePages`.

import Hardware
import ZX

/// One node of a copy-on-write tree.
///
/// Invariants (hierarchy lock held):
/// - A leaf belongs to exactly one owning `VmObjectPaged` (a root VMO or a snapshot); slices and
///   references read through their owner's leaf. Only leaves are ever written.
/// - A hidden node has exactly two children, `left` (the side that existed first) and `right`.
///   When one leaves, the hidden node merges into the other at once.
/// - Offset `o` of a node shows its own entry; if it has none and `o < parentLimit`, whatever its
///   parent shows at `o + parentOffset`; otherwise zero. A zero marker shows zero and stops the walk.
/// - `parentLimit` never exceeds what the owner can see, so pages outside every child's window
///   can be freed and regrowing a VMO never re-exposes its parent's data.
final class VmCowPages {
    var pages = VmPageList()
    /// The node this one reads through; strong, so ancestors live while any descendant does.
    var parent: VmCowPages?
    var parentOffset: UInt64 = 0
    var parentLimit: UInt64 = 0
    /// Pager-backed VMOs: where missing pages come from (a pager-backed node is always a root).
    var pageSource: PageSource?
    /// Pager roots: live one-way (SNAPSHOT_AT_LEAST_ON_WRITE) child leaves reading through this
    /// visible node, and whether its owner died while they lived (its pages then go when the
    /// last of them does).
    var oneWayChildren = 0
    var ownerGone = false
    /// Hidden nodes only. Unowned: children keep their parent alive and unlink themselves.
    unowned(unsafe) var left: VmCowPages?
    unowned(unsafe) var right: VmCowPages?
    let isHidden: Bool
    /// Set once a read fault mapped something this node does not own (an ancestor's page or the
    /// zero page) read-only; committing a page must then first remove those translations.
    var mayHaveReadOnlyMappings = false

    init(hidden: Bool) {
        isHidden = hidden
    }

    // MARK: Lookup

    /// The page an ancestor shows at `offset`, ignoring this node's own entry; nil means zero.
    /// Iterative: chains can be arbitrarily deep.
    func ancestorPageLocked(_ offset: UInt64) -> PhysicalAddress? {
        var node = self
        var position = offset
        while let next = node.parent, position < node.parentLimit {
            position += node.parentOffset
            let entry = next.pages.lookup(position)
            if let page = entry.page { return page }
            if entry.isMarker { return nil }
            node = next
        }
        return nil
    }

    /// The ancestor entry this node sees at `offset` (its own entry ignored): the node holding
    /// the page and the page's offset there; nil if it sees zero.
    func ancestorEntryLocked(_ offset: UInt64) -> (node: VmCowPages, offset: UInt64, page: PhysicalAddress)? {
        var node = self
        var position = offset
        while let next = node.parent, position < node.parentLimit {
            position += node.parentOffset
            let entry = next.pages.lookup(position)
            if let page = entry.page { return (next, position, page) }
            if entry.isMarker { return nil }
            node = next
        }
        return nil
    }

    /// For each ancestor, nearest first, the range of its coordinates that this node's
    /// [start, end) looks through (shadowing ignored).
    func ancestorRangesLocked(_ start: UInt64, _ end: UInt64) -> [(node: VmCowPages, low: UInt64, high: UInt64)] {
        var ranges: [(node: VmCowPages, low: UInt64, high: UInt64)] = []
        var node = self
        var low = start, high = end
        while let next = node.parent {
            high = min(high, node.parentLimit)
            guard low < high else { break }
            low += node.parentOffset
            high += node.parentOffset
            ranges.append((next, low, high))
            node = next
        }
        return ranges
    }

    /// The page this node shows at `offset` and whether it owns it; nil means zero.
    func lookupLocked(_ offset: UInt64) -> (page: PhysicalAddress?, owned: Bool) {
        let entry = pages.lookup(offset)
        if let page = entry.page { return (page, true) }
        if entry.isMarker { return (nil, false) }
        return (ancestorPageLocked(offset), false)
    }

    /// Calls `body(offset, ancestor, ancestorOffset, entry)` for every entry of every ancestor
    /// that lies inside this node's view of [start, end) (`offset` in this node's coordinates).
    /// Shadowing is not checked: an entry may be hidden by a nearer node.
    func forEachAncestorEntryLocked(_ start: UInt64, _ end: UInt64,
                                    _ body: (UInt64, VmCowPages, UInt64, PageOrMarker) -> Void) {
        var node = self
        var low = start, high = end
        var shift: UInt64 = 0
        while let next = node.parent {
            high = min(high, node.parentLimit)
            guard low < high else { return }
            low += node.parentOffset
            high += node.parentOffset
            shift += node.parentOffset
            let delta = shift
            next.pages.forEach(in: low, high) { offset, entry in body(offset - delta, next, offset, entry) }
            node = next
        }
    }

    // MARK: Snapshot

    /// Makes this leaf the left child of a new hidden node that takes over its pages (a swap, not
    /// a copy) and its place in the tree; `child` becomes the right child, seeing
    /// [childOffset, childOffset + childLimit) of it. `extent` is what this leaf's owner can see.
    /// O(1) whatever the number of pages.
    func insertHiddenParentLocked(extent: UInt64, child: VmCowPages, childOffset: UInt64, childLimit: UInt64) {
        precondition(!isHidden && !child.isHidden && child.parent == nil)
        let hidden = VmCowPages(hidden: true)
        swap(&hidden.pages, &pages)
        hidden.parent = parent
        hidden.parentOffset = parentOffset
        hidden.parentLimit = parentLimit
        parent?.replaceChildLocked(self, with: hidden)
        hidden.left = self
        hidden.right = child
        parent = hidden
        parentOffset = 0
        parentLimit = extent
        child.parent = hidden
        child.parentOffset = childOffset
        child.parentLimit = childLimit
    }

    private func replaceChildLocked(_ old: VmCowPages, with new: VmCowPages) {
        if left === old { left = new } else if right === old { right = new }
    }

    // MARK: Leaving the tree

    /// Removes this leaf from its tree when its owner dies. Its pages go; its hidden parent merges
    /// into the sibling, handing over the pages the sibling can still see. Returns every page
    /// that nobody can see any more.
    func detachLocked() -> [PhysicalAddress] {
        precondition(!isHidden)
        var freed = pages.removeAll()
        guard let hidden = parent else { return freed }
        // What this leaf could see above its hidden parent may now be seen by nobody.
        let seen = ancestorRangesLocked(0, UInt64.max).dropFirst()
        parent = nil
        parentLimit = 0
        guard let sibling = hidden.left === self ? hidden.right : hidden.left else { return freed }
        hidden.left = nil
        hidden.right = nil
        freed += hidden.mergeIntoLocked(sibling)
        freed += VmCowPages.releaseUnseenLocked(seen)
        freed += VmCowPages.trimLocked(from: sibling.parent)
        return freed
    }

    /// Frees the entries of `ranges` (ancestor coordinates, from `ancestorRangesLocked` taken
    /// before a leaf stopped seeing them) that no leaf sees any more. Costs what the ranges hold.
    static func releaseUnseenLocked<Ranges: Sequence>(_ ranges: Ranges) -> [PhysicalAddress]
    where Ranges.Element == (node: VmCowPages, low: UInt64, high: UInt64) {
        var freed: [PhysicalAddress] = []
        for (node, low, high) in ranges where node.isHidden {
            var dead: [UInt64] = []
            node.pages.forEach(in: low, high) { offset, _ in
                if node.firstLeafSeeingLocked(offset) == nil { dead.append(offset) }
            }
            for offset in dead {
                if let page = node.pages.remove(offset).page { freed.append(page) }
            }
        }
        return freed
    }

    /// Merges this hidden node into `child`, its only remaining child, which takes its place.
    /// Pages the child can see and does not shadow move to it (ownership moves, nothing is
    /// copied); the rest are returned to be freed.
    private func mergeIntoLocked(_ child: VmCowPages) -> [PhysicalAddress] {
        var freed: [PhysicalAddress] = []
        let start = child.parentOffset
        let end = start + child.parentLimit
        if start == 0 && child.pages.entryCount <= pages.entryCount {
            // Fast path: adopt this node's list wholesale and lay the child's own entries on top,
            // so the cost follows what the child forked, not what the parent held.
            var own = VmPageList()
            swap(&own, &child.pages)
            swap(&child.pages, &pages)
            freed += child.pages.removeRange(end, UInt64.max)
            own.forEach(in: 0, UInt64.max) { offset, entry in
                if let page = child.pages.set(offset, entry).page { freed.append(page) }
            }
        } else {
            pages.forEach(in: 0, UInt64.max) { offset, entry in
                if offset >= start && offset < end && child.pages.lookup(offset - start).isEmpty {
                    child.pages.set(offset - start, entry)
                } else if let page = entry.page {
                    freed.append(page)
                }
            }
            pages = VmPageList()
        }
        if let grandparent = parent {
            child.parentLimit = parentLimit > start ? min(child.parentLimit, parentLimit - start) : 0
            child.parentOffset = parentOffset + start
            grandparent.replaceChildLocked(self, with: child)
        } else {
            child.parentOffset = 0
            child.parentLimit = 0
        }
        child.parent = parent
        parent = nil
        return freed
    }

    /// Frees the pages of `start` and its hidden ancestors that no child can see any more (outside
    /// both children's windows), clipping each node's own window to what its children need.
    /// Stops as soon as a node's window does not shrink.
    static func trimLocked(from start: VmCowPages?) -> [PhysicalAddress] {
        var freed: [PhysicalAddress] = []
        var node = start
        while let hidden = node, hidden.isHidden {
            var windows: [(UInt64, UInt64)] = []
            for child in [hidden.left, hidden.right] {
                if let child, child.parentLimit > 0 {
                    windows.append((child.parentOffset, child.parentOffset + child.parentLimit))
                }
            }
            windows.sort { $0.0 < $1.0 }
            var dead: [(UInt64, UInt64)] = []
            var cursor: UInt64 = 0
            for (low, high) in windows {
                if low > cursor { dead.append((cursor, low)) }
                cursor = max(cursor, high)
            }
            dead.append((cursor, UInt64.max))
            for (low, high) in dead { freed += hidden.pages.removeRange(low, high) }
            let newLimit = min(hidden.parentLimit, cursor)
            guard newLimit < hidden.parentLimit else { break }
            hidden.parentLimit = newLimit
            node = hidden.parent
        }
        return freed
    }

    /// Shrinks this leaf's view of its parent to `limit` (its owner shrank) and frees what that
    /// leaves unreachable above it.
    func clipParentLimitLocked(_ limit: UInt64) -> [PhysicalAddress] {
        guard parent != nil, limit < parentLimit else { return [] }
        let lost = ancestorRangesLocked(limit, parentLimit)
        parentLimit = limit
        return VmCowPages.releaseUnseenLocked(lost) + VmCowPages.trimLocked(from: parent)
    }

    // MARK: Attribution (ZX_INFO_VMO.committed_bytes)

    /// Pages attributed to this leaf in [start, end): its own, plus each ancestor page for which
    /// it is the first leaf, left to right, that sees the page (reference §4.5: the original keeps
    /// shared pages; a page only one VMO still sees is that VMO's). Walks up once: an ancestor
    /// page counts if no node on the way down shadows it and no subtree to the left of the path
    /// sees it. The original VMO is the left-most leaf everywhere, so it never searches subtrees.
    func attributedPagesLocked(_ start: UInt64, _ end: UInt64) -> Int {
        var count = pages.countPages(in: start, end)
        // Nodes below the current ancestor that hold entries, with their shift (node offset = x + shift).
        var shadows: [(node: VmCowPages, shift: UInt64)] = []
        if !pages.isEmpty { shadows.append((self, 0)) }
        // Subtrees left of the path: (root, shift of the root's parent).
        var rivals: [(root: VmCowPages, shift: UInt64)] = []
        var node = self
        var low = start, high = end, shift: UInt64 = 0
        while let next = node.parent {
            // A visible parent (a pager root under a one-way clone) keeps its own pages.
            guard next.isHidden else { break }
            // This node's window onto `next`, in our coordinates.
            guard node.parentLimit > low + shift else { break }
            high = min(high, node.parentLimit - shift)
            guard low < high else { break }
            shift += node.parentOffset
            if next.right === node, let left = next.left { rivals.append((left, shift)) }
            let delta = shift
            next.pages.forEach(in: low + delta, high + delta) { offset, entry in
                guard entry.page != nil else { return }
                let x = offset - delta
                for (shadow, s) in shadows where !shadow.pages.lookup(x + s).isEmpty { return }
                for (root, s) in rivals {
                    let position = x + s
                    guard position >= root.parentOffset else { continue }
                    let inRoot = position - root.parentOffset
                    if inRoot < root.parentLimit && root.subtreeSeesLocked(inRoot) { return }
                }
                count += 1
            }
            if !next.pages.isEmpty { shadows.append((next, shift)) }
            node = next
        }
        return count
    }

    /// True if some leaf of this subtree (this node included) sees what this node's parent shows
    /// at `offset` of this node: nothing on the way down holds an entry there. Iterative.
    func subtreeSeesLocked(_ offset: UInt64) -> Bool {
        var stack: [(VmCowPages, UInt64)] = [(self, offset)]
        while let (node, position) = stack.popLast() {
            guard node.pages.lookup(position).isEmpty else { continue }
            if !node.isHidden { return true }
            for child in [node.right, node.left] {
                guard let child, position >= child.parentOffset else { continue }
                let inChild = position - child.parentOffset
                if inChild < child.parentLimit { stack.append((child, inChild)) }
            }
        }
        return false
    }

    /// The first leaf other than `skipping`, in left-to-right order, of this node's subtree that
    /// sees this node's own entry at `offset` (inside its window, not shadowed on the way down).
    /// Iterative; a leaf left child is tested in place, so the common shallow case allocates
    /// nothing (it runs on every copy-on-write fault).
    func firstLeafSeeingLocked(_ offset: UInt64, skipping: VmCowPages? = nil) -> VmCowPages? {
        // A child that sees `position` of its parent: inside its window, no entry of its own there.
        func seeing(_ child: VmCowPages?, _ position: UInt64) -> (VmCowPages, UInt64)? {
            guard let child, position >= child.parentOffset else { return nil }
            let inChild = position - child.parentOffset
            guard inChild < child.parentLimit, child.pages.lookup(inChild).isEmpty else { return nil }
            return (child, inChild)
        }
        // Hidden nodes still to explore and leaves still to test, right-hand parts last.
        var pending: [(VmCowPages, UInt64)] = []
        var node = self
        var position = offset
        while true {
            var descend: (VmCowPages, UInt64)?
            let right = seeing(node.right, position)
            if let (left, inLeft) = seeing(node.left, position) {
                if left.isHidden {
                    descend = (left, inLeft)
                    if let right { pending.append(right) }
                } else if left !== skipping {
                    return left
                }
            }
            if descend == nil, let (child, inChild) = right {
                if child.isHidden {
                    descend = (child, inChild)
                } else if child !== skipping {
                    return child
                }
            }
            while descend == nil {
                guard let (waiting, inWaiting) = pending.popLast() else { return nil }
                if waiting.isHidden {
                    descend = (waiting, inWaiting)
                } else if waiting !== skipping {
                    return waiting
                }
            }
            if let (next, inNext) = descend {
                node = next
                position = inNext
            }
        }
    }
}

/// A reference kept in a list (children, aliases) or as `parentVmo` that does not keep its
/// referent alive; the referent removes itself from every list before it dies, under the
/// hierarchy lock.
///
/// The hazard it guards against: a strong reference taken under the hierarchy lock can become the
/// last one (another thread drops its own meanwhile), and releasing it would run the referent's
/// deinit — which takes the hierarchy lock — inside the lock. Even `_withUnsafeGuaranteedRef`
/// does not prevent that in unoptimised builds, which retain and release closure arguments. So
/// `withObject(keepingAlive:)` retains a live referent into `keep`, which the caller releases only
/// after dropping the lock (then a last release runs the deinit outside the lock); a referent
/// already dying (its weak reference reads nil) is blocked in its deinit waiting for this lock, so
/// its memory stays valid and it is used unretained — a retain/release of an object that is
/// already deinitialising never starts a second deinit.
struct UnownedPaged: Equatable {
    private let reference: Unmanaged<VmObjectPaged>
    private weak var live: VmObjectPaged?

    init(_ object: VmObjectPaged) {
        reference = .passUnretained(object)
        live = object
    }

    /// Runs `body` on the referent (hierarchy lock held); see the type's comment for `keep`.
    func withObject<Result>(keepingAlive keep: inout [VmObjectPaged],
                            _ body: (VmObjectPaged) throws -> Result) rethrows -> Result {
        if let strong = live {
            keep.append(strong)
            return try body(strong)
        }
        return try reference._withUnsafeGuaranteedRef(body)
    }

    /// True while the referent is not being destroyed (lock held). Never retains past the call.
    func isLive(keepingAlive keep: inout [VmObjectPaged]) -> Bool {
        guard let strong = live else { return false }
        keep.append(strong)
        return true
    }

    /// True if this refers to `object`. Usable in the referent's deinit, where no new reference
    /// (weak or strong) to it may be formed.
    func refers(to object: VmObjectPaged) -> Bool {
        reference.toOpaque() == Unmanaged.passUnretained(object).toOpaque()
    }

    static func == (lhs: UnownedPaged, rhs: UnownedPaged) -> Bool {
        lhs.reference.toOpaque() == rhs.reference.toOpaque()
    }
}
