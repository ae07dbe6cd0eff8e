// WAVLTree+Invariants.swift — the full structural checker used by tests and debug
// assertions, plus small shape probes (height, root rank) for the balance tests.
//
// It verifies the WAVL rules of Haeupler, Sen, Tarjan, "Rank-balanced trees" (2015) on the
// stored ranks, the BST order, the parent links and the node pool's bookkeeping. O(n), so call
// it from tests, not from the fault path.

extension WAVLTree {
    /// Checks every WAVL invariant: BST order, parent links, rank differences 1 or 2, every
    /// leaf rank 0 (no 2,2 leaves), missing children rank -1, count — plus the pool's
    /// bookkeeping (live slots, free list). Returns nil when valid, else a description of the
    /// first violation.
    public func checkInvariants() -> String? {
        let s = storage
        let nodes = s.nodes
        let meta = s.meta
        let used = Int(s.used)
        if used > Int(s.capacity) { return "pool: used \(used) exceeds capacity \(s.capacity)" }

        // Pool: live slots (odd generation) must number `count`; the rest form the free list.
        var live = 0
        for i in 0..<used where meta[i].generation & 1 == 1 { live += 1 }
        if live != s.count { return "pool: \(live) live slots but count is \(s.count)" }
        var freeLength = 0
        var f = s.freeHead
        while f >= 0 {
            if Int(f) >= used { return "free list: slot \(f) beyond used \(used)" }
            if meta[slot: f].generation & 1 == 1 { return "free list: slot \(f) is live" }
            freeLength += 1
            if freeLength > used { return "free list: cycle" }
            f = meta[slot: f].nextFree
        }
        if freeLength + live != used {
            return "pool: \(freeLength) free + \(live) live != \(used) used slots"
        }

        if s.root < 0 {
            return s.count == 0 ? nil : "empty root but count is \(s.count)"
        }
        if nodes[slot: s.root].parent != -1 { return "root \(s.root) has a parent" }

        // Iterative in-order walk: order, links and ranks of every reachable node.
        // Explicit stack of fixed depth: a valid tree of < 2^31 nodes has height <= 63.
        var stack = [Int32](repeating: -1, count: 128)
        var depth = 0
        var n = s.root
        var visited = 0
        var previous: Int32 = -1
        while n >= 0 || depth > 0 {
            while n >= 0 {
                if Int(n) >= used { return "link to slot \(n) beyond used \(used)" }
                if meta[slot: n].generation & 1 == 0 { return "reachable slot \(n) is free" }
                if depth == stack.count { return "height exceeds \(stack.count) (cycle or unbalanced)" }
                stack[depth] = n
                depth += 1
                n = nodes[slot: n].left
            }
            depth -= 1
            n = stack[depth]
            visited += 1
            if visited > s.count { return "more reachable nodes than count \(s.count)" }
            let node = nodes[slot: n]
            if previous >= 0 && !(nodes[slot: previous].key < node.key) {
                return "order: key \(nodes[slot: previous].key) precedes \(node.key)"
            }
            previous = n
            // Both child slots: link back to n, rank difference 1 or 2 (missing child: rank -1).
            // A plain two-step loop rather than a helper closure or array literal, which cost
            // boxing and allocation per node in unoptimized test builds.
            var side = 0
            while side < 2 {
                let child = side == 0 ? node.left : node.right
                let childRank: Int32
                if child >= 0 {
                    if Int(child) >= used { return "link to slot \(child) beyond used \(used)" }
                    if nodes[slot: child].parent != n {
                        return "parent link: child \(side == 0 ? "left" : "right") of key \(node.key) points elsewhere"
                    }
                    childRank = nodes[slot: child].rank
                } else {
                    childRank = -1
                }
                let difference = node.rank - childRank
                if difference != 1 && difference != 2 {
                    return "rank: key \(node.key) (rank \(node.rank)) has \(side == 0 ? "left" : "right") rank difference \(difference)"
                }
                side += 1
            }
            if node.left < 0 && node.right < 0 && node.rank != 0 {
                return "rank: leaf key \(node.key) has rank \(node.rank)"
            }
            n = node.right
        }
        if visited != s.count { return "reachable \(visited) nodes but count is \(s.count)" }
        return nil
    }

    /// Nodes on the longest root-to-leaf path (0 when empty).
    var height: Int {
        func depth(_ n: Int32) -> Int {
            n < 0 ? 0 : 1 + Swift.max(depth(storage.nodes[slot: n].left), depth(storage.nodes[slot: n].right))
        }
        return depth(storage.root)
    }

    /// The root's rank (-1 when empty).
    var rootRank: Int {
        Int(storage.rank(storage.root))
    }
}
