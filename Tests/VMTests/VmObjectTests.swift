// Paged VMOs at the VM level: demand paging, read/write, commit/decommit/zero, resize,
// content size, discardable locking, committed-bytes accounting and page-leak checks.

import Hardware
import Testing
import VM
import ZX

@Suite struct VmObjectTests {
    @Test func freshVmoReadsZeroAndCommitsOnWrite() throws {
        let pmm = try makePMM()
        try expectNoPageLeak(pmm) {
            let vmo = try VmObjectPaged.create(pmm: pmm, size: 3 * P64 - 5)
            #expect(vmo.size == 3 * P64)
            #expect(vmo.contentSize == 3 * P64 - 5)
            #expect(vmo.committedBytes == 0)
            var buffer = [UInt8](repeating: 0xFF, count: 100)
            try vmo.read(into: &buffer, offset: P64 - 50, length: 100)
            #expect(buffer.allSatisfy { $0 == 0 })
            #expect(vmo.committedBytes == 0)
            let data = (0..<100).map { UInt8($0) }
            try vmo.write(from: data, offset: P64 - 50, length: 100)
            #expect(vmo.committedBytes == 2 * P64)
            try vmo.read(into: &buffer, offset: P64 - 50, length: 100)
            #expect(buffer == data)
        }
    }

    @Test func rangesAreChecked() throws {
        let pmm = try makePMM()
        let vmo = try VmObjectPaged.create(pmm: pmm, size: P64)
        var byte: UInt8 = 0
        #expect(throws: ZxStatus.outOfRange) { try vmo.read(into: &byte, offset: P64, length: 1) }
        try vmo.read(into: &byte, offset: P64, length: 0)
        #expect(throws: ZxStatus.outOfRange) { try vmo.read(into: &byte, offset: P64 + 1, length: 0) }
        #expect(throws: ZxStatus.outOfRange) { try vmo.write(from: &byte, offset: UInt64.max, length: 2) }
        #expect(throws: ZxStatus.outOfRange) { try VmObjectPaged.create(pmm: pmm, size: UInt64.max) }
        #expect(throws: ZxStatus.outOfRange) { try vmo.commit(offset: 0, length: 2 * P64) }
    }

    @Test func commitDecommitZeroAccounting() throws {
        let pmm = try makePMM()
        try expectNoPageLeak(pmm) {
            let vmo = try VmObjectPaged.create(pmm: pmm, size: 4 * P64)
            try vmo.commit(offset: 0, length: 4 * P64)
            #expect(vmo.committedBytes == 4 * P64)
            #expect(throws: ZxStatus.invalidArgs) { try vmo.decommit(offset: 1, length: P64) }
            try vmo.decommit(offset: P64, length: 2 * P64)
            #expect(vmo.committedBytes == 2 * P64)
            let ones = [UInt8](repeating: 1, count: Int(4 * P64))
            try vmo.write(from: ones, offset: 0, length: ones.count)
            // Zero a whole middle page (released) and parts of its neighbours (zeroed in place).
            try vmo.zero(offset: P64 - 10, length: P64 + 20)
            #expect(vmo.committedBytes == 3 * P64)
            var back = [UInt8](repeating: 9, count: Int(4 * P64))
            try vmo.read(into: &back, offset: 0, length: back.count)
            for (i, byte) in back.enumerated() {
                let zeroed = i >= Int(P64) - 10 && i < 2 * Int(P64) + 10
                #expect(byte == (zeroed ? 0 : 1))
                if byte != (zeroed ? 0 : 1) { break }
            }
        }
    }

    @Test func resizeDiscardsTailAndZeroesPartialPage() throws {
        let pmm = try makePMM()
        try expectNoPageLeak(pmm) {
            let fixed = try VmObjectPaged.create(pmm: pmm, size: P64)
            #expect(throws: ZxStatus.unavailable) { try fixed.resize(2 * P64) }
            let vmo = try VmObjectPaged.create(pmm: pmm, size: 4 * P64, options: .resizable)
            let ones = [UInt8](repeating: 1, count: Int(4 * P64))
            try vmo.write(from: ones, offset: 0, length: ones.count)
            try vmo.resize(P64 + 100)
            #expect(vmo.size == 2 * P64)
            #expect(vmo.contentSize == P64 + 100)
            #expect(vmo.committedBytes == 2 * P64)
            try vmo.resize(4 * P64)
            var back = [UInt8](repeating: 9, count: Int(4 * P64))
            try vmo.read(into: &back, offset: 0, length: back.count)
            #expect(back[Int(P64) + 99] == 1)
            #expect(back[Int(P64) + 100] == 0)
            #expect(back[Int(3 * P64)] == 0)
            #expect(throws: ZxStatus.outOfRange) { try vmo.resize(UInt64.max) }
        }
    }

    @Test func discardableLockProtocol() throws {
        let pmm = try makePMM()
        try expectNoPageLeak(pmm) {
            let plain = try VmObjectPaged.create(pmm: pmm, size: P64)
            #expect(throws: ZxStatus.notSupported) { try plain.lockDiscardable(offset: 0, length: P64, tryOnly: false) }
            let vmo = try VmObjectPaged.create(pmm: pmm, size: 2 * P64, options: .discardable)
            #expect(throws: ZxStatus.badState) { try vmo.unlockDiscardable(offset: 0, length: 2 * P64) }
            #expect(throws: ZxStatus.outOfRange) { try vmo.lockDiscardable(offset: 0, length: P64, tryOnly: false) }
            var one: UInt8 = 7
            try vmo.write(from: &one, offset: 0, length: 1)
            #expect(vmo.reclaimIfUnlocked())
            #expect(vmo.committedBytes == 0)
            #expect(throws: ZxStatus.unavailable) { try vmo.lockDiscardable(offset: 0, length: 2 * P64, tryOnly: true) }
            let lost = try vmo.lockDiscardable(offset: 0, length: 2 * P64, tryOnly: false)
            #expect(lost.offset == 0 && lost.size == 2 * P64)
            #expect(!vmo.reclaimIfUnlocked())
            try vmo.unlockDiscardable(offset: 0, length: 2 * P64)
        }
    }

    @Test func contiguousVmoIsFullyCommittedAndContiguous() throws {
        let pmm = try makePMM()
        try expectNoPageLeak(pmm) {
            let vmo = try VmObjectPaged.createContiguous(pmm: pmm, size: 8 * P64, alignmentLog2: 15)
            #expect(vmo.committedBytes == 8 * P64)
            #expect(vmo.isContiguous)
            #expect(throws: ZxStatus.notSupported) { try vmo.decommit(offset: 0, length: P64) }
            #expect(throws: ZxStatus.unavailable) { try vmo.resize(P64) }
            try vmo.zero(offset: 0, length: 8 * P64)
            #expect(vmo.committedBytes == 8 * P64)
        }
    }

    @Test func sparseMultiGigabyteVmo() throws {
        let pmm = try makePMM()
        try expectNoPageLeak(pmm) {
            let vmo = try VmObjectPaged.create(pmm: pmm, size: 64 << 30)
            let offsets: [UInt64] = [0, 1 << 30, (32 << 30) + 5 * P64, (64 << 30) - P64]
            for (i, offset) in offsets.enumerated() {
                var value = UInt8(i + 1)
                try vmo.write(from: &value, offset: offset, length: 1)
            }
            #expect(vmo.committedBytes == UInt64(offsets.count) * P64)
            for (i, offset) in offsets.enumerated() {
                var value: UInt8 = 0
                try vmo.read(into: &value, offset: offset, length: 1)
                #expect(value == UInt8(i + 1))
            }
        }
    }

    @Test func pageListMatchesDictionaryModel() throws {
        var list = VmPageList()
        var model: [UInt64: UInt64] = [:]
        var rng = SplitMix64(seed: 7)
        for step in 0..<20_000 {
            let offset = (rng.next() % 4096) * P64
            if rng.next() % 3 == 0 {
                let old = list.remove(offset)
                #expect(old.page?.rawValue == model.removeValue(forKey: offset), "step \(step) seed 7")
            } else {
                let page = ((rng.next() % 100_000) + 2) * P64
                let old = list.set(offset, .page(PhysicalAddress(page)))
                #expect(old.page?.rawValue == model.updateValue(page, forKey: offset), "step \(step) seed 7")
            }
        }
        #expect(list.pageCount == model.count)
        var seen = 0
        list.forEach(in: 0, UInt64.max) { offset, entry in
            seen += 1
            #expect(model[offset] == entry.page?.rawValue)
        }
        #expect(seen == model.count)
    }
}

/// A small deterministic PRNG for reproducible random tests.
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
