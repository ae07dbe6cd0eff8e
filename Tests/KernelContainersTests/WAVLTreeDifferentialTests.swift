// WAVLTreeDifferentialTests.swift — randomized differential test of WAVLTree against a sorted
// array model, with checkInvariants() after every operation. Seeded (SplitMix64) and bounded
// by operation count, so a failure reproduces exactly from the seed in its message.

import Testing
@testable import KernelContainers

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, deterministic, good enough for test input.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Sorted parallel arrays: the obviously-correct reference.
private struct SortedModel {
    var keys: [Int] = []
    var values: [Int] = []

    /// First position with keys[i] >= key.
    func lowerBound(_ key: Int) -> Int {
        var lo = 0, hi = keys.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if keys[mid] < key { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    func position(of key: Int) -> Int? {
        let i = lowerBound(key)
        return i < keys.count && keys[i] == key ? i : nil
    }
}

private struct Scenario: Sendable, CustomStringConvertible {
    let seed: UInt64
    let keySpace: Int
    let operations: Int
    var description: String { "seed \(seed), keys 0..<\(keySpace), \(operations) ops" }
}

@Suite("WAVLTree differential")
struct WAVLTreeDifferentialTests {
    // 4 x 100,000 = 400,000 operations. The small key space keeps the tree hitting empty and
    // tiny shapes; the larger ones keep checkInvariants (O(n)) cheap enough to run every op.
    private static let scenarios = [
        Scenario(seed: 0x5EED_0001, keySpace: 48, operations: 100_000),
        Scenario(seed: 0x5EED_0002, keySpace: 600, operations: 100_000),
        Scenario(seed: 0x5EED_0003, keySpace: 2_000, operations: 100_000),
        Scenario(seed: 0xDEAD_BEEF_CAFE_F00D, keySpace: 2_000, operations: 100_000),
    ]

    @Test("random operations match a sorted-array model", arguments: scenarios)
    fileprivate func randomOperations(_ scenario: Scenario) {
        var rng = SplitMix64(seed: scenario.seed)
        var tree = WAVLTree<Int, Int>()
        var model = SortedModel()
        var step = 0
        var failed = false

        func fail(_ message: String) {
            Issue.record("\(scenario) — step \(step): \(message)")
            failed = true
        }
        /// `position` is the model position the index should name, or nil for "no element";
        /// positions outside the model also mean "no element".
        func expectKey(_ index: WAVLTree<Int, Int>.Index?, _ position: Int?, _ what: String) {
            let p = position.flatMap { (0..<model.keys.count).contains($0) ? $0 : nil }
            switch (index, p) {
            case (nil, nil):
                return
            case let (i?, p?):
                if tree.key(at: i) != model.keys[p] || tree.value(at: i) != model.values[p] {
                    fail("\(what): got \(tree.key(at: i))=\(tree.value(at: i)), expected \(model.keys[p])=\(model.values[p])")
                }
            case let (i?, nil):
                fail("\(what): got \(tree.key(at: i)), expected nil")
            case let (nil, p?):
                fail("\(what): got nil, expected \(model.keys[p])")
            }
        }
        func randomKey() -> Int { Int.random(in: -2..<(scenario.keySpace + 2), using: &rng) }
        func randomPresentPosition() -> Int? {
            model.keys.isEmpty ? nil : Int.random(in: 0..<model.keys.count, using: &rng)
        }

        while step < scenario.operations && !failed {
            step += 1
            // Alternate growth and shrink phases so the size sweeps between empty and full.
            let growing = (step / 3_000) % 2 == 0
            if Int.random(in: 0..<2_500, using: &rng) == 0 {
                // removeAll, half the time while a copy shares the pool: the copy must keep
                // every entry, and the cleared tree must reuse its slots correctly afterwards.
                if rng.next() & 1 == 0 {
                    let snapshot = tree
                    tree.removeAll()
                    if snapshot.keys != model.keys { fail("removeAll changed a copy") }
                    if let violation = snapshot.checkInvariants() { fail("copy after removeAll: \(violation)") }
                } else {
                    tree.removeAll()
                }
                model = SortedModel()
            } else {
                let roll = Int.random(in: 0..<100, using: &rng)
                switch roll {
                case 0..<(growing ? 40 : 15):  // insert
                    let key = randomKey(), value = Int(truncatingIfNeeded: rng.next())
                    let present = model.position(of: key) != nil
                    let inserted = tree.insert(key, value)
                    if inserted == present { fail("insert(\(key)) returned \(inserted)") }
                    if !present {
                        let p = model.lowerBound(key)
                        model.keys.insert(key, at: p)
                        model.values.insert(value, at: p)
                    }
                case 0..<(growing ? 50 : 45):  // remove by key
                    let key = randomKey()
                    let expected = model.position(of: key).map { model.values[$0] }
                    let got = tree.remove(key)
                    if got != expected { fail("remove(\(key)) returned \(String(describing: got)), expected \(String(describing: expected))") }
                    if let p = model.position(of: key) {
                        model.keys.remove(at: p)
                        model.values.remove(at: p)
                    }
                case 0..<(growing ? 58 : 70):  // remove(at:)
                    guard let p = randomPresentPosition() else { break }
                    guard let index = tree.find(model.keys[p]) else { fail("find(\(model.keys[p])) missed"); break }
                    let removed = tree.remove(at: index)
                    if removed.key != model.keys[p] || removed.value != model.values[p] {
                        fail("remove(at:) returned \(removed), expected \(model.keys[p])=\(model.values[p])")
                    }
                    model.keys.remove(at: p)
                    model.values.remove(at: p)
                case 0..<70:  // find + subscript
                    let key = randomKey()
                    let p = model.position(of: key)
                    expectKey(tree.find(key), p, "find(\(key))")
                    if tree[key] != p.map({ model.values[$0] }) { fail("subscript[\(key)]") }
                case 0..<76:  // lowerBound
                    let key = randomKey()
                    expectKey(tree.lowerBound(key), model.lowerBound(key), "lowerBound(\(key))")
                case 0..<82:  // upperBound
                    let key = randomKey()
                    expectKey(tree.upperBound(key), model.lowerBound(key + 1), "upperBound(\(key))")
                case 0..<88:  // floor
                    let key = randomKey()
                    let p = model.lowerBound(key + 1) - 1
                    expectKey(tree.floor(key), p, "floor(\(key))")
                case 0..<94:  // index(after:) / index(before:) and first / last
                    guard let p = randomPresentPosition() else {
                        if tree.first != nil || tree.last != nil { fail("first/last on empty tree") }
                        break
                    }
                    guard let index = tree.find(model.keys[p]) else { fail("find(\(model.keys[p])) missed"); break }
                    expectKey(tree.index(after: index), p + 1, "index(after: \(model.keys[p]))")
                    expectKey(tree.index(before: index), p - 1, "index(before: \(model.keys[p]))")
                    expectKey(tree.first, 0, "first")
                    expectKey(tree.last, model.keys.count - 1, "last")
                default:  // updateValue / withValue
                    guard let p = randomPresentPosition() else { break }
                    guard let index = tree.find(model.keys[p]) else { fail("find(\(model.keys[p])) missed"); break }
                    if roll % 2 == 0 {
                        let value = Int(truncatingIfNeeded: rng.next())
                        tree.updateValue(value, at: index)
                        model.values[p] = value
                    } else {
                        let old = tree.withValue(at: index) { value -> Int in
                            defer { value &+= 1 }
                            return value
                        }
                        if old != model.values[p] { fail("withValue saw \(old), expected \(model.values[p])") }
                        model.values[p] &+= 1
                    }
                }
            }
            if failed { break }
            if let violation = tree.checkInvariants() {
                fail("invariant violated: \(violation)")
                break
            }
            if tree.count != model.keys.count { fail("count \(tree.count), expected \(model.keys.count)") }
            if step % 500 == 0 && tree.keys != model.keys { fail("key list differs from the model") }
        }
        if !failed {
            #expect(tree.keys == model.keys, "\(scenario): final key list")
            #expect(tree.map(\.value) == model.values, "\(scenario): final value list")
        }
    }
}
