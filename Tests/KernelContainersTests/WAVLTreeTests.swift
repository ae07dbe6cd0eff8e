// WAVLTreeTests.swift — deterministic WAVLTree tests: sequential (worst-case) insert and delete
// orders with the rank-height bound, stale-index detection, empty-tree edge cases, Sequence
// order, copy-on-write, value lifetime and Sendable.

import Foundation
import Testing
@testable import KernelContainers

/// Height bound of a WAVL tree with n nodes, counting nodes on the longest path: rank <=
/// 2·log2(n+1) - 2 and height <= rank + 1 (Haeupler, Sen, Tarjan 2015).
private func heightBound(_ n: Int) -> Double { 2 * log2(Double(n + 1)) }
/// With insertions only a WAVL tree is an AVL tree: height < 1.4405·log2(n+2) - 0.3277.
private func avlHeightBound(_ n: Int) -> Double { 1.4405 * log2(Double(n + 2)) - 0.3277 }

@Suite("WAVLTree")
struct WAVLTreeTests {
    @Test("empty tree edge cases")
    func emptyTree() {
        var tree = WAVLTree<Int, String>()
        #expect(tree.isEmpty && tree.count == 0)
        #expect(tree.first == nil && tree.last == nil)
        #expect(tree.find(0) == nil && tree[0] == nil)
        #expect(tree.lowerBound(0) == nil && tree.upperBound(0) == nil && tree.floor(0) == nil)
        let removedFromEmpty = tree.remove(0)
        #expect(removedFromEmpty == nil)
        #expect(tree.keys.isEmpty)
        #expect(Array(tree).isEmpty)
        var calls = 0
        tree.forEach { _, _ in calls += 1; return true }
        tree.forEach(from: 5) { _, _ in calls += 1; return true }
        #expect(calls == 0)
        tree.removeAll()
        #expect(tree.checkInvariants() == nil)
        #expect(tree.height == 0 && tree.rootRank == -1)

        // One element, then empty again.
        let inserted = tree.insert(7, "seven")
        let duplicate = tree.insert(7, "again")
        #expect(inserted)
        #expect(!duplicate, "duplicate insert must fail")
        #expect(tree[7] == "seven", "duplicate insert must not change the value")
        #expect(tree.first == tree.last && tree.first != nil)
        let only = tree.first!
        #expect(tree.index(after: only) == nil && tree.index(before: only) == nil)
        #expect(tree.floor(6) == nil && tree.floor(7) == only && tree.floor(100) == only)
        #expect(tree.lowerBound(7) == only && tree.upperBound(7) == nil && tree.upperBound(6) == only)
        #expect(tree.checkInvariants() == nil)
        let removed = tree.remove(at: only)
        #expect(removed.key == 7 && removed.value == "seven")
        #expect(tree.isEmpty && tree.first == nil)
        #expect(tree.checkInvariants() == nil)
    }

    @Test("sequential insert and delete orders keep the rank rules and height bound",
          arguments: [("ascending", false), ("descending", true)])
    func sequential(_ order: (String, Bool)) {
        let n = 4_096
        let keys = order.1 ? Array((0..<n).reversed()) : Array(0..<n)
        var tree = WAVLTree<Int, Int>()
        for (i, key) in keys.enumerated() {
            let inserted = tree.insert(key, key * 10)
            #expect(inserted)
            // Full checks are O(n); every op early on (where the small rebalancing cases live),
            // then at intervals.
            if i < 600 || i % 256 == 0 {
                if let violation = tree.checkInvariants() {
                    Issue.record("\(order.0) insert \(key): \(violation)")
                    return
                }
                #expect(Double(tree.height) <= avlHeightBound(tree.count), "\(order.0) insert: AVL bound at n=\(tree.count)")
            }
        }
        #expect(tree.checkInvariants() == nil)
        #expect(tree.keys == Array(0..<n))
        #expect(Double(tree.height) <= avlHeightBound(n))

        // Delete in both orders from copies of the same tree (also exercises copy-on-write).
        for deleteDescending in [false, true] {
            var copy = tree
            let deletions = deleteDescending ? Array((0..<n).reversed()) : Array(0..<n)
            for (i, key) in deletions.enumerated() {
                let removed = copy.remove(key)
                #expect(removed == key * 10)
                if i > n - 600 || i % 256 == 0 {
                    if let violation = copy.checkInvariants() {
                        Issue.record("\(order.0) build, delete \(key): \(violation)")
                        return
                    }
                    #expect(Double(copy.height) <= heightBound(copy.count), "height bound at n=\(copy.count)")
                }
            }
            #expect(copy.isEmpty && copy.checkInvariants() == nil)
        }
        #expect(tree.count == n, "the original is untouched by its copies' deletions")
    }

    @Test("height bound holds across interleaved inserts and deletes")
    func heightBoundUnderChurn() {
        var rng = SplitMix64(seed: 42)
        var tree = WAVLTree<UInt64, Int>()
        var maxRatio = 0.0
        for round in 0..<40_000 {
            let key = rng.next() % 8_192
            if rng.next() % 3 == 0 { tree.remove(key) } else { tree.insert(key, round) }
            if round % 500 == 0 {
                #expect(tree.checkInvariants() == nil, "seed 42 round \(round)")
                #expect(Double(tree.height) <= heightBound(tree.count), "seed 42 round \(round)")
                #expect(Double(tree.rootRank) <= heightBound(tree.count) - 2, "seed 42 round \(round)")
                maxRatio = max(maxRatio, Double(tree.height) / heightBound(tree.count))
            }
        }
        #expect(maxRatio <= 1)
    }

    @Test("a removed node's index is detected as stale, also after its slot is reused")
    func staleIndex() async {
        var tree = WAVLTree<Int, Int>()
        for k in 0..<10 { tree.insert(k, k) }
        let old = tree.find(3)!
        tree.remove(3)
        #expect(tree.find(3) == nil)
        tree.insert(100, 100)  // LIFO free list: reuses 3's slot
        let reused = tree.find(100)!
        #expect(reused != old, "a reused slot gets a new generation")
        #expect(tree.key(at: reused) == 100)
        // Indices of the surviving nodes are unaffected by removals and pool growth.
        let five = tree.find(5)!
        for k in 200..<1_000 { tree.insert(k, k) }
        for k in 200..<900 { tree.remove(k) }
        #expect(tree.key(at: five) == 5 && tree.value(at: five) == 5)
        // ... and stay valid in a copy.
        var copy = tree
        copy.updateValue(55, at: five)
        #expect(copy.value(at: five) == 55 && tree.value(at: five) == 5)

        await #expect(processExitsWith: .failure) {
            var tree = WAVLTree<Int, Int>()
            for k in 0..<10 { tree.insert(k, k) }
            let index = tree.find(3)!
            tree.remove(3)
            tree.insert(100, 100)
            _ = tree.key(at: index)
        }
        await #expect(processExitsWith: .failure) {
            var tree = WAVLTree<Int, Int>()
            tree.insert(1, 1)
            let index = tree.first!
            tree.removeAll()
            tree.insert(1, 1)
            _ = tree.value(at: index)
        }
        await #expect(processExitsWith: .failure) {
            var tree = WAVLTree<Int, Int>()
            tree.insert(1, 1)
            let index = tree.first!
            let shared = tree
            tree.removeAll()  // shared pool: fresh pool, generations carried over
            tree.insert(1, 1)
            _ = shared
            tree.updateValue(2, at: index)
        }
    }

    @Test("Sequence, forEach and keys iterate in key order")
    func sequenceOrder() {
        var tree = WAVLTree<Int, String>()
        var rng = SplitMix64(seed: 7)
        var expected: [Int] = []
        for _ in 0..<500 {
            let k = Int(rng.next() % 10_000)
            if tree.insert(k, "v\(k)") { expected.append(k) }
        }
        expected.sort()
        #expect(tree.map(\.key) == expected)
        #expect(tree.map(\.value) == expected.map { "v\($0)" })
        #expect(tree.keys == expected)
        #expect(tree.underestimatedCount == expected.count)

        var visited: [Int] = []
        tree.forEach(from: 5_000) { key, value in
            #expect(value == "v\(key)")
            visited.append(key)
            return visited.count < 10
        }
        #expect(visited == Array(expected.filter { $0 >= 5_000 }.prefix(10)))

        // Walking by index in both directions.
        var forward: [Int] = []
        var i = tree.first
        while let j = i { forward.append(tree.key(at: j)); i = tree.index(after: j) }
        var backward: [Int] = []
        i = tree.last
        while let j = i { backward.append(tree.key(at: j)); i = tree.index(before: j) }
        #expect(forward == expected && backward == expected.reversed())

        // An iterator keeps seeing the contents it started with.
        var iterator = tree.makeIterator()
        tree.removeAll()
        var seen = 0
        while iterator.next() != nil { seen += 1 }
        #expect(seen == expected.count && tree.isEmpty)
    }

    @Test("floor finds the region containing an address")
    func floorForRegions() {
        // Regions [base, base+size) keyed by base, as a VMAR keeps its children.
        var regions = WAVLTree<UInt64, UInt64>()
        for (base, size) in [(0x1000, 0x2000), (0x8000, 0x1000), (0x10000, 0x4000)] as [(UInt64, UInt64)] {
            regions.insert(base, size)
        }
        func region(containing address: UInt64) -> UInt64? {
            guard let i = regions.floor(address) else { return nil }
            let base = regions.key(at: i)
            return address < base + regions.value(at: i) ? base : nil
        }
        #expect(region(containing: 0x0fff) == nil)
        #expect(region(containing: 0x1000) == 0x1000)
        #expect(region(containing: 0x2fff) == 0x1000)
        #expect(region(containing: 0x3000) == nil)
        #expect(region(containing: 0x8800) == 0x8000)
        #expect(region(containing: 0x13fff) == 0x10000)
        #expect(region(containing: 0x14000) == nil)
    }

    @Test("copies are independent (copy-on-write)")
    func copyOnWrite() {
        var a = WAVLTree<Int, [Int]>()
        for k in 0..<100 { a.insert(k, [k]) }
        let b = a
        a.insert(1_000, [])
        a.remove(50)
        a.withValue(at: a.find(0)!) { $0.append(99) }
        #expect(b.count == 100 && b[50] == [50] && b[1_000] == nil && b[0] == [0])
        #expect(a.count == 100 && a[50] == nil && a[1_000] == [] && a[0] == [0, 99])
        #expect(a.checkInvariants() == nil && b.checkInvariants() == nil)
        // Misses on a shared tree do not copy it; they leave both valid.
        var c = b
        let inserted = c.insert(5, [])
        let removed = c.remove(-1)
        #expect(!inserted && removed == nil)
        #expect(c.keys == b.keys)
    }

    @Test("removed values are released promptly; nothing leaks")
    func valueLifetime() {
        final class Payload { let id: Int; init(_ id: Int) { self.id = id } }
        weak var firstRemoved: Payload?
        weak var kept: Payload?
        var tree = WAVLTree<Int, Payload>()
        do {
            for k in 0..<64 { tree.insert(k, Payload(k)) }
            firstRemoved = tree[10]
            kept = tree[20]
        }
        #expect(firstRemoved != nil)
        tree.remove(10)
        #expect(firstRemoved == nil, "remove must release the value, not leave it in the free slot")
        var copy: WAVLTree<Int, Payload>? = tree
        tree.removeAll()
        #expect(kept != nil, "the copy still holds it")
        #expect(copy?[20] === kept)
        copy = nil
        #expect(kept == nil)
        #expect(tree.isEmpty && tree.checkInvariants() == nil)
    }

    @Test("Sendable when Key and Value are")
    func sendable() async {
        func requireSendable<T: Sendable>(_: T) {}
        var tree = WAVLTree<UInt64, UInt64>()
        for k in 0..<1_000 as Range<UInt64> { tree.insert(k, k * 2) }
        requireSendable(tree)
        requireSendable(tree.first!)
        let snapshot = tree
        let sum = await Task.detached { snapshot.reduce(0) { $0 + $1.value } }.value
        #expect(sum == 999 * 1_000)
    }
}
