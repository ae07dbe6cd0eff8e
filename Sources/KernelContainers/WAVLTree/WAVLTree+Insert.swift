// WAVLTree+Insert.swift — insertion and insert rebalancing (promote, rotate, double rotate),
// following Haeupler, Sen, Tarjan, "Rank-balanced trees" (2015), section "Insertion".
//
// A new node is a rank-0 leaf. That breaks the rules only if its parent was a leaf (rank 0):
// the new node is then a 0-child. Rebalancing walks up while the violation persists:
//   * parent is 0,1  -> promote the parent; the violation may move up one level.
//   * parent is 0,2  -> one (double) rotation with fixed rank changes ends the walk.
// Insertion therefore does at most two rotations, and O(1) amortized promotions.

extension WAVLTree {
    /// Inserts; returns false (and changes nothing) if the key is already present.
    @inlinable @discardableResult
    public mutating func insert(_ key: Key, _ value: Value) -> Bool {
        // Search before making the pool unique: inserting a duplicate into a shared tree must
        // not copy it. Slot numbers survive copying and growth, so `parent` stays valid.
        // Two-way descent (one comparison per level); the last node not greater than `key`
        // is the only one that can equal it.
        var parent: Int32 = -1
        var asLeft = false
        do {
            let s = storage
            let nodes = s.nodes
            var n = s.root
            var notGreater: Int32 = -1
            while n >= 0 {
                parent = n
                asLeft = key < nodes[slot: n].key
                if asLeft {
                    n = nodes[slot: n].left
                } else {
                    notGreater = n
                    n = nodes[slot: n].right
                }
            }
            if notGreater >= 0 && !(nodes[slot: notGreater].key < key) { return false }
        }
        makeUnique()
        storage.insertLeaf(key: key, value: value, parent: parent, asLeft: asLeft)
        return true
    }
}

extension _WAVLStorage {
    @inlinable
    func insertLeaf(key: Key, value: Value, parent: Int32, asLeft: Bool) {
        let x = allocateNode(key: key, value: value, parent: parent)  // may grow the pool
        count += 1
        if parent < 0 {
            root = x
            return
        }
        if asLeft {
            nodes[slot: parent].left = x
        } else {
            nodes[slot: parent].right = x
        }
        // A non-leaf parent has rank >= 1, so the new leaf is a 1-child and nothing is violated.
        if nodes[slot: parent].rank == 0 {
            rebalanceAfterInsert(x)
        }
    }

    /// Restores the rank rule after `start` became a 0-child of its parent.
    @inlinable
    func rebalanceAfterInsert(_ start: Int32) {
        let nodes = self.nodes
        var x = start
        var p = nodes[slot: x].parent
        while p >= 0 {
            let rp = nodes[slot: p].rank
            let rx = nodes[slot: x].rank
            if rp != rx { return }  // x is a 1-child again: done
            let xIsLeft = nodes[slot: p].left == x
            let sibling = xIsLeft ? nodes[slot: p].right : nodes[slot: p].left
            if rp - rank(sibling) == 1 {
                // p is 0,1: promote it. p becomes 1,2, and may now be a 0-child of its parent.
                nodes[slot: p].rank = rp + 1
                x = p
                p = nodes[slot: p].parent
                continue
            }
            // p (call it z) is 0,2. That needs a promotion first (a fresh leaf's parent was a
            // leaf, hence 0,1), so x was just promoted and is 1,2. Let y be x's inner child
            // (the one on the side toward z).
            let z = p
            let y = xIsLeft ? nodes[slot: x].right : nodes[slot: x].left
            if rx - rank(y) == 2 {
                // Inner child is the 2-child (or missing): single rotation at x, demote z.
                // x keeps rank r with children (outer r-1, z r-1); z gets y (r-2) and its
                // old 2-child sibling (r-2): 1,1.
                rotateUp(x)
                nodes[slot: z].rank -= 1
            } else {
                // Inner child y is the 1-child: double rotation at y; y is promoted to r,
                // x and z are demoted to r-1, each keeping one of y's children (r-2 or r-3).
                rotateUp(y)
                rotateUp(y)
                nodes[slot: y].rank += 1
                nodes[slot: x].rank -= 1
                nodes[slot: z].rank -= 1
            }
            return
        }
    }
}
