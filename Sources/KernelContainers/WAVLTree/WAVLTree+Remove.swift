// WAVLTree+Remove.swift — removal (by key and by index), removeAll, and delete rebalancing
// (demote, double demote, rotate, double rotate), following Haeupler, Sen, Tarjan,
// "Rank-balanced trees" (2015), section "Deletion" for wavl trees.
//
// A node with two children is first exchanged with its in-order successor. The exchange moves
// the *successor node* into the removed node's place (links and rank) rather than copying the
// successor's key and value, because an Index names a node, and the successor's Index must
// keep naming the successor. The node actually unlinked then has at most one child, which
// takes its place. That can leave
//   * its parent a 2,2 leaf             -> demote the parent (which may create a 3-child), or
//   * the replacement a 3-child         -> walk up:
//       sibling is a 2-child            -> demote the parent, continue above;
//       sibling is a 1-child and 2,2    -> demote parent and sibling, continue above;
//       otherwise                       -> one (double) rotation with fixed rank changes, stop.
// Deletion therefore does at most two rotations, and O(1) amortized demotions.

extension WAVLTree {
    /// Removes the key; returns its value, or nil if absent.
    @inlinable @discardableResult
    public mutating func remove(_ key: Key) -> Value? {
        // Look up before making the pool unique: a miss on a shared tree must not copy it.
        let n = storage.findSlot(key)
        if n < 0 { return nil }
        makeUnique()
        return storage.removeNode(n).value
    }

    /// Removes the node at `index` (which then goes stale) and returns its entry.
    @inlinable @discardableResult
    public mutating func remove(at index: Index) -> (key: Key, value: Value) {
        let n = storage.checkedSlot(index)
        makeUnique()
        let node = storage.removeNode(n)
        return (key: node.key, value: node.value)
    }

    /// Removes every entry, keeping the pool's capacity. Every outstanding Index goes stale.
    public mutating func removeAll() {
        if isKnownUniquelyReferenced(&storage) {
            storage.releaseAll()
        } else {
            // Another copy still uses the nodes. Start over with a fresh pool, but carry the
            // slot generations across so this tree's old indices are still detected as stale.
            storage = storage.emptyCopy()
        }
    }
}

extension _WAVLStorage {
    /// Unlinks node `z`, rebalances, frees its slot and returns the node.
    @inlinable
    func removeNode(_ z: Int32) -> Node {
        let nodes = self.nodes
        let zl = nodes[slot: z].left
        let zr = nodes[slot: z].right
        // After unlinking, `x` (possibly -1) occupies the vacated position under `p`.
        let x: Int32
        let p: Int32
        if zl < 0 || zr < 0 {
            x = zl < 0 ? zr : zl
            p = nodes[slot: z].parent
            if x >= 0 { nodes[slot: x].parent = p }
            replaceChild(of: p, old: z, new: x)
        } else {
            // Successor s: leftmost in the right subtree, so it has no left child. Its position
            // is the one that disappears; s itself takes over z's position and rank.
            var s = zr
            while nodes[slot: s].left >= 0 { s = nodes[slot: s].left }
            x = nodes[slot: s].right
            if s == zr {
                p = s  // x stays s's right child
            } else {
                p = nodes[slot: s].parent
                nodes[slot: p].left = x
                if x >= 0 { nodes[slot: x].parent = p }
                nodes[slot: s].right = zr
                nodes[slot: zr].parent = s
            }
            nodes[slot: s].left = zl
            nodes[slot: zl].parent = s
            let zp = nodes[slot: z].parent
            nodes[slot: s].parent = zp
            replaceChild(of: zp, old: z, new: s)
            nodes[slot: s].rank = nodes[slot: z].rank
        }
        count -= 1
        let removed = releaseNode(z)
        if p >= 0 { rebalanceAfterRemove(x, parent: p) }
        return removed
    }

    /// Restores the rank rules after the subtree under `parent` that now holds `start`
    /// (possibly empty) lost one node.
    @inlinable
    func rebalanceAfterRemove(_ start: Int32, parent: Int32) {
        let nodes = self.nodes
        var x = start
        var p = parent
        if nodes[slot: p].left < 0 && nodes[slot: p].right < 0 {
            // p lost its only child, a leaf, so p had rank 1 and is now a 2,2 leaf. Demote it;
            // p itself may now be a 3-child.
            nodes[slot: p].rank = 0
            x = p
            p = nodes[slot: p].parent
        }
        while p >= 0 {
            let rp = nodes[slot: p].rank
            if rp - rank(x) != 3 { return }  // rank differences are 1 or 2 again: done
            let xIsLeft = nodes[slot: p].left == x  // x == -1: p's other child is present
            // x is a 3-child, so p has rank >= 2 and the sibling y must exist.
            let y = xIsLeft ? nodes[slot: p].right : nodes[slot: p].left
            let ry = nodes[slot: y].rank
            if rp - ry == 2 {
                // p is 3,2: demote it to 2,1; p may now be a 3-child of its parent.
                nodes[slot: p].rank = rp - 1
                x = p
                p = nodes[slot: p].parent
                continue
            }
            // y is a 1-child of p.
            let inner = xIsLeft ? nodes[slot: y].left : nodes[slot: y].right   // v in the paper
            let outer = xIsLeft ? nodes[slot: y].right : nodes[slot: y].left   // w in the paper
            if ry - rank(inner) == 2 && ry - rank(outer) == 2 {
                // y is 2,2: double demote (p and y); p is now 2,1 and may be a 3-child.
                nodes[slot: y].rank = ry - 1
                nodes[slot: p].rank = rp - 1
                x = p
                p = nodes[slot: p].parent
                continue
            }
            let z = p
            if ry - rank(outer) == 1 {
                // Outer child w is a 1-child: rotate at y, promote y, demote z. z keeps x and
                // v; if both are missing z would be a 2,2 leaf, so demote it once more.
                rotateUp(y)
                nodes[slot: y].rank += 1
                nodes[slot: z].rank -= 1
                if nodes[slot: z].left < 0 && nodes[slot: z].right < 0 {
                    nodes[slot: z].rank -= 1
                }
            } else {
                // w is a 2-child, so v is a 1-child: double rotate at v; v up twice, y down
                // once, z down twice.
                rotateUp(inner)
                rotateUp(inner)
                nodes[slot: inner].rank += 2
                nodes[slot: y].rank -= 1
                nodes[slot: z].rank -= 2
            }
            return
        }
    }

    /// Destroys every node (unique owner only), keeping capacity and advancing generations.
    @usableFromInline
    func releaseAll() {
        for i in 0..<Int(used) where meta[i].generation & 1 == 1 {
            (nodes + i).deinitialize(count: 1)
            meta[i].generation &+= 1
        }
        rebuildFreeList()
        root = -1
        count = 0
    }

    /// An empty pool whose slot generations continue this one's (live slots advanced to free).
    @usableFromInline
    func emptyCopy() -> _WAVLStorage {
        let c = _WAVLStorage(capacity: used)
        for i in 0..<Int(used) {
            let g = meta[i].generation
            c.meta[i] = _WAVLSlotMeta(generation: g & 1 == 1 ? g &+ 1 : g, nextFree: -1)
        }
        c.used = used
        c.rebuildFreeList()
        return c
    }

    /// Chains every slot below `used` into the free list, lowest first.
    @usableFromInline
    func rebuildFreeList() {
        var next: Int32 = -1
        var i = used - 1
        while i >= 0 {
            meta[slot: i].nextFree = next
            next = i
            i -= 1
        }
        freeHead = next
    }
}
