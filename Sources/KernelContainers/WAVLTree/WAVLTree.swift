// WAVLTree.swift — the node pool (storage, copy-on-write, slot allocation), lookups
// (find, lowerBound, upperBound, floor) and in-order navigation of `WAVLTree`.
// Insertion lives in WAVLTree+Insert.swift, removal in WAVLTree+Remove.swift and the
// invariant checker in WAVLTree+Invariants.swift.
//
// Algorithm: the weak AVL ("WAVL") tree of B. Haeupler, S. Sen, R. E. Tarjan,
// "Rank-balanced trees", ACM Transactions on Algorithms 11(4):30, 2015. Every node has an
// integer rank; a missing child has rank -1. The rank difference of a child is its parent's
// rank minus its own. A WAVL tree keeps every rank difference at 1 or 2 and every leaf at
// rank 0 (no 2,2 leaves). With insertions only it is an AVL tree; with deletions its height
// stays below 2·log2(n+1), and rebalancing does O(1) amortized rotations per update.
//
// Zircon counterpart: fbl::WAVLTree in zircon/system/ulib/fbl/include/fbl/intrusive_wavl_tree.h,
// the container behind VmAddressRegion's children and the VMO page lists. That tree is
// intrusive (parent/left/right pointers live in the element) and by default stores only the
// rank's parity bit, with an int32 rank kept for balance testing. Swift has no intrusive
// pointers without per-node objects, so this tree keeps its nodes in one pool addressed by
// Int32 slot numbers, and stores the full rank (it costs nothing: it fills what would be
// padding next to the three Int32 links) so the rules read exactly as in the paper.
//
// Everything on the lookup and update paths is @inlinable so that client modules (VM) get it
// specialized for their Key and Value: unspecialized, the generic code measured 3-8x slower
// (e.g. lookup 15 vs 106 ns, remove+insert 125 vs 550 ns, at 1,000 UInt64 keys).

/// One tree node. `key` first so a search touches one cache line per node for small keys;
/// links are Int32 slots (-1 = none) to keep the node small.
@usableFromInline
struct _WAVLNode<Key, Value> {
    @usableFromInline var key: Key
    @usableFromInline var left: Int32
    @usableFromInline var right: Int32
    @usableFromInline var parent: Int32
    @usableFromInline var rank: Int32
    @usableFromInline var value: Value

    @inlinable
    init(key: Key, value: Value, parent: Int32) {
        self.key = key
        self.left = -1
        self.right = -1
        self.parent = parent
        self.rank = 0
        self.value = value
    }
}

/// Per-slot bookkeeping, kept apart from the nodes because it must survive while the slot's
/// node memory is uninitialized (free). `generation` is odd while the slot is live and even
/// while it is free; it is bumped on every allocation and every release, so an `Index` (which
/// records the generation it was made with) goes stale the moment its node is removed.
@usableFromInline
struct _WAVLSlotMeta {
    @usableFromInline var generation: UInt32
    @usableFromInline var nextFree: Int32

    @inlinable
    init(generation: UInt32, nextFree: Int32) {
        self.generation = generation
        self.nextFree = nextFree
    }
}

extension UnsafeMutablePointer {
    /// Element access by Int32 slot number, without copying the element out.
    @inlinable @inline(__always)
    subscript(slot i: Int32) -> Pointee {
        unsafeAddress { UnsafePointer(self + Int(i)) }
        nonmutating unsafeMutableAddress { self + Int(i) }
    }
}

/// The node pool. Node memory is manually managed: only live slots hold initialized nodes, so
/// a removed value is released immediately rather than lingering until its slot is reused.
/// Slots below `used` that are not live are on the free list; slots at or above `used` have
/// never been touched. Shared between tree copies until one of them mutates (copy-on-write).
@usableFromInline
final class _WAVLStorage<Key: Comparable, Value> {
    @usableFromInline typealias Node = _WAVLNode<Key, Value>

    // `@exclusivity(unchecked)`: dynamic exclusivity checks on these class properties made a
    // remove+insert pair ~3x slower in release builds (~390 vs ~125 ns at 1,000 UInt64 keys).
    // They guard nothing here: the pool
    // is private to one tree value, mutated only after `isKnownUniquelyReferenced`, and no
    // method hands out an access that could overlap another.
    @exclusivity(unchecked) @usableFromInline var nodes: UnsafeMutablePointer<Node>
    @exclusivity(unchecked) @usableFromInline var meta: UnsafeMutablePointer<_WAVLSlotMeta>
    @exclusivity(unchecked) @usableFromInline var capacity: Int32
    @exclusivity(unchecked) @usableFromInline var used: Int32
    @exclusivity(unchecked) @usableFromInline var freeHead: Int32
    @exclusivity(unchecked) @usableFromInline var root: Int32
    @exclusivity(unchecked) @usableFromInline var count: Int

    @inlinable
    init(capacity: Int32) {
        nodes = UnsafeMutablePointer<Node>.allocate(capacity: Int(capacity))
        meta = UnsafeMutablePointer<_WAVLSlotMeta>.allocate(capacity: Int(capacity))
        self.capacity = capacity
        used = 0
        freeHead = -1
        root = -1
        count = 0
    }

    @inlinable
    deinit {
        for i in 0..<Int(used) where meta[i].generation & 1 == 1 {
            (nodes + i).deinitialize(count: 1)
        }
        nodes.deallocate()
        meta.deallocate()
    }

    /// A private copy with identical slot numbers, so every `Index` stays valid in both trees.
    @inlinable
    func copy() -> _WAVLStorage {
        let c = _WAVLStorage(capacity: capacity)
        c.meta.initialize(from: meta, count: Int(used))
        for i in 0..<Int(used) where meta[i].generation & 1 == 1 {
            (c.nodes + i).initialize(to: nodes[i])
        }
        c.used = used
        c.freeHead = freeHead
        c.root = root
        c.count = count
        return c
    }

    /// Doubles the pool. Slot numbers are unchanged; only live nodes are moved.
    @inlinable @inline(never)
    func grow() {
        precondition(capacity < Int32.max / 2, "WAVLTree: too many nodes")
        let newCapacity = max(8, capacity &* 2)
        let newNodes = UnsafeMutablePointer<Node>.allocate(capacity: Int(newCapacity))
        for i in 0..<Int(used) where meta[i].generation & 1 == 1 {
            (newNodes + i).moveInitialize(from: nodes + i, count: 1)
        }
        nodes.deallocate()
        nodes = newNodes
        let newMeta = UnsafeMutablePointer<_WAVLSlotMeta>.allocate(capacity: Int(newCapacity))
        newMeta.moveInitialize(from: meta, count: Int(used))
        meta.deallocate()
        meta = newMeta
        capacity = newCapacity
    }

    /// Takes a slot (free list first, LIFO, so recently freed memory is reused while warm) and
    /// initializes it as a rank-0 leaf under `parent`.
    @inlinable
    func allocateNode(key: Key, value: Value, parent: Int32) -> Int32 {
        let n: Int32
        if freeHead >= 0 {
            n = freeHead
            freeHead = meta[slot: n].nextFree
        } else {
            if used == capacity { grow() }
            n = used
            used += 1
            meta[slot: n] = _WAVLSlotMeta(generation: 0, nextFree: -1)
        }
        meta[slot: n].generation &+= 1  // even -> odd: live
        (nodes + Int(n)).initialize(to: Node(key: key, value: value, parent: parent))
        return n
    }

    /// Moves the node out of its slot and puts the slot on the free list. The caller has
    /// already unlinked it.
    @inlinable
    func releaseNode(_ n: Int32) -> Node {
        let node = (nodes + Int(n)).move()
        meta[slot: n].generation &+= 1  // odd -> even: free, and every Index to it is stale
        meta[slot: n].nextFree = freeHead
        freeHead = n
        return node
    }

    // MARK: Index validation

    @inlinable @inline(__always)
    func index(_ n: Int32) -> WAVLTree<Key, Value>.Index {
        WAVLTree<Key, Value>.Index(slot: n, generation: meta[slot: n].generation)
    }

    /// The slot of a live index. A stale index (its node was removed, perhaps the slot reused)
    /// or an index from an unrelated tree is a programming error and traps.
    @inlinable @inline(__always)
    func checkedSlot(_ i: WAVLTree<Key, Value>.Index) -> Int32 {
        precondition(i.slot >= 0 && i.slot < used && meta[slot: i.slot].generation == i.generation,
                     "WAVLTree: stale or foreign Index (its node was removed)")
        return i.slot
    }

    // MARK: Searches (allocation-free; the pointer is hoisted out of the loop)

    /// The node holding `key`, or -1. A two-way descent (as in `floorSlot`) followed by one
    /// equality test: one comparison per level instead of two, and the left/right choice
    /// compiles to a conditional move rather than a hard-to-predict branch.
    @inlinable
    func findSlot(_ key: Key) -> Int32 {
        let n = floorSlot(key)
        return n >= 0 && !(nodes[slot: n].key < key) ? n : -1
    }

    /// First node with key >= `key`.
    @inlinable
    func lowerBoundSlot(_ key: Key) -> Int32 {
        let nodes = self.nodes
        var n = root
        var candidate: Int32 = -1
        while n >= 0 {
            if nodes[slot: n].key < key {
                n = nodes[slot: n].right
            } else {
                candidate = n
                n = nodes[slot: n].left
            }
        }
        return candidate
    }

    /// First node with key > `key`.
    @inlinable
    func upperBoundSlot(_ key: Key) -> Int32 {
        let nodes = self.nodes
        var n = root
        var candidate: Int32 = -1
        while n >= 0 {
            if key < nodes[slot: n].key {
                candidate = n
                n = nodes[slot: n].left
            } else {
                n = nodes[slot: n].right
            }
        }
        return candidate
    }

    /// Last node with key <= `key`.
    @inlinable
    func floorSlot(_ key: Key) -> Int32 {
        let nodes = self.nodes
        var n = root
        var candidate: Int32 = -1
        while n >= 0 {
            if key < nodes[slot: n].key {
                n = nodes[slot: n].left
            } else {
                candidate = n
                n = nodes[slot: n].right
            }
        }
        return candidate
    }

    // MARK: Navigation

    @inlinable
    func leftmost(_ start: Int32) -> Int32 {
        let nodes = self.nodes
        var n = start
        while nodes[slot: n].left >= 0 { n = nodes[slot: n].left }
        return n
    }

    @inlinable
    func rightmost(_ start: Int32) -> Int32 {
        let nodes = self.nodes
        var n = start
        while nodes[slot: n].right >= 0 { n = nodes[slot: n].right }
        return n
    }

    /// In-order successor, -1 after the last node. Amortized O(1) over a full traversal.
    @inlinable
    func successor(_ start: Int32) -> Int32 {
        let nodes = self.nodes
        let r = nodes[slot: start].right
        if r >= 0 { return leftmost(r) }
        var n = start
        var p = nodes[slot: n].parent
        while p >= 0 && nodes[slot: p].right == n {
            n = p
            p = nodes[slot: p].parent
        }
        return p
    }

    @inlinable
    func predecessor(_ start: Int32) -> Int32 {
        let nodes = self.nodes
        let l = nodes[slot: start].left
        if l >= 0 { return rightmost(l) }
        var n = start
        var p = nodes[slot: n].parent
        while p >= 0 && nodes[slot: p].left == n {
            n = p
            p = nodes[slot: p].parent
        }
        return p
    }

    // MARK: Structural helpers shared by insert and remove

    @inlinable @inline(__always)
    func rank(_ n: Int32) -> Int32 {
        n < 0 ? -1 : nodes[slot: n].rank
    }

    /// Points `parent`'s link that referred to `old` at `new` (or the root, if no parent).
    @inlinable @inline(__always)
    func replaceChild(of parent: Int32, old: Int32, new: Int32) {
        if parent < 0 {
            root = new
        } else if nodes[slot: parent].left == old {
            nodes[slot: parent].left = new
        } else {
            nodes[slot: parent].right = new
        }
    }

    /// Rotates `x` above its parent, preserving in-order. Ranks are the caller's business:
    /// every rebalancing case in the paper pairs a rotation with specific promotions/demotions.
    @inlinable
    func rotateUp(_ x: Int32) {
        let nodes = self.nodes
        let p = nodes[slot: x].parent
        assert(x >= 0 && p >= 0, "WAVLTree: rotation without a parent (rank bookkeeping is broken)")
        let g = nodes[slot: p].parent
        if nodes[slot: p].left == x {
            let inner = nodes[slot: x].right
            nodes[slot: p].left = inner
            if inner >= 0 { nodes[slot: inner].parent = p }
            nodes[slot: x].right = p
        } else {
            let inner = nodes[slot: x].left
            nodes[slot: p].right = inner
            if inner >= 0 { nodes[slot: inner].parent = p }
            nodes[slot: x].left = p
        }
        nodes[slot: p].parent = x
        nodes[slot: x].parent = g
        replaceChild(of: g, old: p, new: x)
    }
}

/// An ordered map from `Key` to `Value`, balanced as a WAVL tree. Value semantics: copies
/// share the node pool until one of them is mutated.
public struct WAVLTree<Key: Comparable, Value> {
    @usableFromInline var storage: _WAVLStorage<Key, Value>

    /// Opaque position of a node; stays valid until that node is removed (also across copies
    /// of the tree and pool growth). Using it afterwards is a programming error that traps.
    public struct Index: Hashable, Sendable {
        @usableFromInline let slot: Int32
        @usableFromInline let generation: UInt32

        @inlinable
        init(slot: Int32, generation: UInt32) {
            self.slot = slot
            self.generation = generation
        }
    }

    @inlinable
    public init() {
        storage = _WAVLStorage(capacity: 0)
    }

    @inlinable
    public var count: Int { storage.count }

    @inlinable
    public var isEmpty: Bool { storage.count == 0 }

    /// Copy-on-write: called at the top of every mutation.
    @inlinable @inline(__always)
    mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) {
            storage = storage.copy()
        }
    }

    @inlinable @inline(__always)
    func makeIndex(_ n: Int32) -> Index? {
        n < 0 ? nil : storage.index(n)
    }

    // MARK: Lookup

    @inlinable
    public func find(_ key: Key) -> Index? {
        makeIndex(storage.findSlot(key))
    }

    @inlinable
    public subscript(key: Key) -> Value? {
        let s = storage
        let n = s.findSlot(key)
        return n < 0 ? nil : s.nodes[slot: n].value
    }

    @inlinable
    public func key(at index: Index) -> Key {
        let s = storage
        return s.nodes[slot: s.checkedSlot(index)].key
    }

    @inlinable
    public func value(at index: Index) -> Value {
        let s = storage
        return s.nodes[slot: s.checkedSlot(index)].value
    }

    /// Replaces the value in place; the key (and so the node's position) is unchanged.
    @inlinable
    public mutating func updateValue(_ value: Value, at index: Index) {
        let n = storage.checkedSlot(index)
        makeUnique()
        storage.nodes[slot: n].value = value
    }

    /// Mutates the value in place without copying it out (no retain/release churn for
    /// values that are themselves copy-on-write containers).
    @inlinable
    public mutating func withValue<R>(at index: Index, _ body: (inout Value) throws -> R) rethrows -> R {
        let n = storage.checkedSlot(index)
        makeUnique()
        return try body(&storage.nodes[slot: n].value)
    }

    @inlinable
    public func lowerBound(_ key: Key) -> Index? {
        makeIndex(storage.lowerBoundSlot(key))
    }

    @inlinable
    public func upperBound(_ key: Key) -> Index? {
        makeIndex(storage.upperBoundSlot(key))
    }

    /// Last key <= `key`: with regions keyed by base address, the only candidate for the
    /// region containing an address.
    @inlinable
    public func floor(_ key: Key) -> Index? {
        makeIndex(storage.floorSlot(key))
    }

    // MARK: Navigation

    @inlinable
    public var first: Index? {
        let s = storage
        return s.root < 0 ? nil : s.index(s.leftmost(s.root))
    }

    @inlinable
    public var last: Index? {
        let s = storage
        return s.root < 0 ? nil : s.index(s.rightmost(s.root))
    }

    @inlinable
    public func index(after i: Index) -> Index? {
        let s = storage
        return makeIndex(s.successor(s.checkedSlot(i)))
    }

    @inlinable
    public func index(before i: Index) -> Index? {
        let s = storage
        return makeIndex(s.predecessor(s.checkedSlot(i)))
    }

    /// In-order traversal from the first key >= `from` (or the smallest key); `body` returns
    /// false to stop. The pool is retained for the walk, so mutating the tree from `body`
    /// copies it instead of invalidating the traversal.
    @inlinable
    public func forEach(from: Key? = nil, _ body: (Key, Value) throws -> Bool) rethrows {
        let s = storage
        var n: Int32
        if let from {
            n = s.lowerBoundSlot(from)
        } else {
            n = s.root < 0 ? -1 : s.leftmost(s.root)
        }
        while n >= 0 {
            if try !body(s.nodes[slot: n].key, s.nodes[slot: n].value) { return }
            n = s.successor(n)
        }
    }

    /// All keys in order (for tests and debugging).
    public var keys: [Key] {
        var result: [Key] = []
        result.reserveCapacity(count)
        forEach { key, _ in
            result.append(key)
            return true
        }
        return result
    }
}

extension WAVLTree: Sequence {
    public typealias Element = (key: Key, value: Value)

    /// In-order iterator. It holds the pool, so the tree it came from may be mutated freely
    /// (copy-on-write) while iteration continues over the original contents.
    public struct Iterator: IteratorProtocol {
        @usableFromInline let storage: _WAVLStorage<Key, Value>
        @usableFromInline var slot: Int32

        @inlinable
        init(storage: _WAVLStorage<Key, Value>) {
            self.storage = storage
            slot = storage.root < 0 ? -1 : storage.leftmost(storage.root)
        }

        @inlinable
        public mutating func next() -> (key: Key, value: Value)? {
            guard slot >= 0 else { return nil }
            let node = storage.nodes + Int(slot)
            let element = (key: node.pointee.key, value: node.pointee.value)
            slot = storage.successor(slot)
            return element
        }
    }

    @inlinable
    public func makeIterator() -> Iterator {
        Iterator(storage: storage)
    }

    @inlinable
    public var underestimatedCount: Int { count }
}

// The pool is only ever mutated after `isKnownUniquelyReferenced` proves this tree its sole
// owner, so sharing it between copies on different threads is safe whenever the elements are.
extension WAVLTree: @unchecked Sendable where Key: Sendable, Value: Sendable {}
