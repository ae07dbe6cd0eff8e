// Tests for SoftwareTLB: hits, generation-based shootdown, write permission and dirty tracking,
// page-crossing accesses, slot conflicts, and a mapper/translator race.
//
// Zircon counterpart: none in software (x86 TLB + arch/x86/mmu.cc shootdown).

import Foundation
import Hardware
import Synchronization
import Testing
import ZX

@Suite struct SoftwareTLBTests {
    @Test func hitAfterFill() throws {
        let machine = try TestMachine()
        let aspace = try machine.aspace()
        let tlb = SoftwareTLB(aspace: aspace)
        let va = VirtualAddress(0x200_0000)
        try aspace.map(va, machine.dataPage(7), flags: [.read, .write], existing: .fail)
        let host = machine.memory.hostPointer(machine.dataPage(7))
        host.storeBytes(of: 0xDEAD_BEEF as UInt64, toByteOffset: 16, as: UInt64.self)

        let probe = VirtualAddress(va.rawValue + 16)
        #expect(tlb.translate(probe, length: 8, write: false) == nil)
        let filled = try #require(tlb.fill(probe, write: false))
        #expect(filled == host + 16)
        #expect(tlb.misses == 1)
        let hit = try #require(tlb.translate(probe, length: 8, write: false))
        #expect(hit.load(as: UInt64.self) == 0xDEAD_BEEF)
        #expect(tlb.translate(VirtualAddress(va.rawValue + 4088), length: 8, write: false) == host + 4088)
        #expect(tlb.access(probe, length: 8, write: false) == host + 16)
        #expect(tlb.misses == 1)
        tlb.flushAll()
        #expect(tlb.translate(probe, length: 8, write: false) == nil)
    }

    @Test func missAfterUnmapAndProtect() throws {
        let machine = try TestMachine()
        let aspace = try machine.aspace()
        let tlb = SoftwareTLB(aspace: aspace)
        let va = VirtualAddress(0x200_0000)
        try aspace.mapContiguous(va, machine.dataPage(0), pages: 2, flags: [.read, .write], existing: .fail)
        #expect(tlb.fill(va, write: true) != nil)
        #expect(tlb.fill(va.advanced(pages: 1), write: true) != nil)
        #expect(tlb.translate(va, length: 1, write: true) != nil)

        aspace.unmap(va, pages: 1)
        #expect(tlb.translate(va, length: 1, write: false) == nil)          // generation moved on
        #expect(tlb.fill(va, write: false) == nil)                          // and the walk faults
        #expect(tlb.translate(va.advanced(pages: 1), length: 1, write: true) == nil)  // all slots stale
        #expect(tlb.fill(va.advanced(pages: 1), write: true) != nil)

        aspace.protect(va.advanced(pages: 1), pages: 1, flags: .read)
        #expect(tlb.translate(va.advanced(pages: 1), length: 1, write: true) == nil)
        #expect(tlb.fill(va.advanced(pages: 1), write: true) == nil)
        #expect(tlb.fill(va.advanced(pages: 1), write: false) != nil)

        aspace.destroy()
        #expect(tlb.translate(va.advanced(pages: 1), length: 1, write: false) == nil)
        #expect(tlb.fill(va.advanced(pages: 1), write: false) == nil)
    }

    @Test func readOnlyEntryRefusesWrite() throws {
        let machine = try TestMachine()
        let aspace = try machine.aspace()
        let tlb = SoftwareTLB(aspace: aspace)
        let va = VirtualAddress(0x200_0000)
        let zeroPage = machine.dataPage(0)
        try aspace.map(va, zeroPage, flags: .read, existing: .fail)
        #expect(tlb.fill(va, write: false) != nil)
        #expect(tlb.translate(va, length: 8, write: false) != nil)
        #expect(tlb.translate(va, length: 8, write: true) == nil)
        #expect(tlb.fill(va, write: true) == nil)                          // fault: COW break needed
        // The fault handler replaces the zero page with a private writable one.
        try aspace.map(va, machine.dataPage(1), flags: [.read, .write], existing: .overwrite)
        #expect(tlb.translate(va, length: 8, write: false) == nil)          // old zero-page slot is stale
        let pointer = try #require(tlb.fill(va, write: true))
        #expect(pointer == machine.memory.hostPointer(machine.dataPage(1)))
        #expect(tlb.translate(va, length: 8, write: true) == pointer)
    }

    @Test func firstWriteToCleanPageWalksAndSetsDirty() throws {
        let machine = try TestMachine()
        let aspace = try machine.aspace()
        let tlb = SoftwareTLB(aspace: aspace)
        let va = VirtualAddress(0x200_0000)
        try aspace.map(va, machine.dataPage(0), flags: [.read, .write], existing: .fail)
        #expect(tlb.fill(va, write: false) != nil)
        #expect(aspace.accessedAndDirty(va)! == (true, false))
        #expect(tlb.translate(va, length: 8, write: true) == nil)           // clean: cached read-only
        #expect(tlb.fill(va, write: true) != nil)
        #expect(aspace.accessedAndDirty(va)! == (true, true))
        #expect(tlb.translate(va, length: 8, write: true) != nil)
        // A dirty page is cached writable by a read fill.
        tlb.flushAll()
        #expect(tlb.fill(va, write: false) != nil)
        #expect(tlb.translate(va, length: 8, write: true) != nil)
        #expect(tlb.misses == 3)
    }

    @Test func pageCrossingAndBadLengths() throws {
        let machine = try TestMachine()
        let aspace = try machine.aspace()
        let tlb = SoftwareTLB(aspace: aspace)
        let va = VirtualAddress(0x200_0000)
        try aspace.mapContiguous(va, machine.dataPage(0), pages: 2, flags: [.read, .write], existing: .fail)
        #expect(tlb.fill(va, write: true) != nil)
        #expect(tlb.fill(va.advanced(pages: 1), write: true) != nil)
        let nearEnd = VirtualAddress(va.rawValue + 4092)
        #expect(tlb.translate(nearEnd, length: 4, write: false) != nil)
        #expect(tlb.translate(nearEnd, length: 8, write: false) == nil)
        #expect(tlb.access(nearEnd, length: 8, write: false) == nil)
        #expect(tlb.translate(va, length: 4096, write: false) != nil)
        #expect(tlb.translate(va, length: 4097, write: false) == nil)
        #expect(tlb.translate(va, length: -1, write: false) == nil)
        #expect(tlb.access(va, length: Int.max, write: false) == nil)
        #expect(tlb.access(va, length: Int.min, write: false) == nil)
    }

    @Test func addressesOutsideTheAspaceOrRamFault() throws {
        let machine = try TestMachine()
        let aspace = try machine.aspace()
        let tlb = SoftwareTLB(aspace: aspace)
        for raw: UInt in [0, 0xFFF, 0xFF_FFFF, 1 << 47, 0xFFFF_8000_0000_0000, UInt.max] {
            #expect(tlb.access(VirtualAddress(raw), length: 1, write: false) == nil)
            #expect(tlb.fill(VirtualAddress(raw), write: true) == nil)
        }
        // A device page (outside RAM) is mapped but never enters the TLB.
        let device = VirtualAddress(0x300_0000)
        try aspace.map(device, PhysicalAddress(0xFEE0_0000), flags: [.read, .write, .uncachedDevice], existing: .fail)
        #expect(aspace.query(device)?.0 == PhysicalAddress(0xFEE0_0000))
        #expect(tlb.fill(device, write: false) == nil)
    }

    @Test func conflictingSlotsEvictEachOther() throws {
        let machine = try TestMachine()
        let aspace = try machine.aspace()
        let tlb = SoftwareTLB(aspace: aspace, entries: 4)
        let a = VirtualAddress(0x200_0000)
        let b = a.advanced(pages: 4)                                        // same slot
        try aspace.map(a, machine.dataPage(0), flags: .read, existing: .fail)
        try aspace.map(b, machine.dataPage(1), flags: .read, existing: .fail)
        #expect(tlb.fill(a, write: false) == machine.memory.hostPointer(machine.dataPage(0)))
        #expect(tlb.fill(b, write: false) == machine.memory.hostPointer(machine.dataPage(1)))
        #expect(tlb.translate(a, length: 1, write: false) == nil)
        #expect(tlb.translate(b, length: 1, write: false) == machine.memory.hostPointer(machine.dataPage(1)))
    }

    /// One thread maps page i (holding value i), publishes 2i+1, unmaps, publishes 2i+2; the
    /// other translates. An access that begins after state s was published must fault or see a
    /// page numbered >= s/2: never the page of a round whose unmap had already returned.
    @Test func concurrentMapUnmapWhileTranslating() throws {
        let machine = try TestMachine()
        let aspace = try machine.aspace()
        let va = VirtualAddress(0x200_0000)
        let pool = 8
        let rounds = 5000
        let state = Atomic<Int>(0)
        let mapperFinished = Atomic<Bool>(false)
        let translatorStarted = Atomic<Bool>(false)
        let observed = Atomic<Int>(0)
        let mapperDone = DispatchSemaphore(value: 0)

        Thread.detachNewThread {
            // Wait (bounded, no sleeping) until the translator runs, so the two really overlap.
            var spins = 0
            while !translatorStarted.load(ordering: .acquiring) && spins < 100_000_000 { spins += 1 }
            for i in 0..<rounds {
                let page = machine.dataPage(i % pool)
                machine.memory.hostPointer(page).storeBytes(of: UInt64(i), as: UInt64.self)
                try! aspace.map(va, page, flags: [.read, .write], existing: .fail)
                state.store(2 * i + 1, ordering: .releasing)
                // Keep the page mapped until the translator has seen this round (bounded).
                spins = 0
                while observed.load(ordering: .acquiring) < 2 * i + 1 && spins < 20_000 { spins += 1 }
                aspace.unmap(va, pages: 1)
                state.store(2 * i + 2, ordering: .releasing)
            }
            mapperFinished.store(true, ordering: .releasing)
            mapperDone.signal()
        }

        let tlb = SoftwareTLB(aspace: aspace)
        translatorStarted.store(true, ordering: .releasing)
        var violations: [String] = []
        var hits = 0
        var faults = 0
        var iterations = 0
        while !mapperFinished.load(ordering: .acquiring) && iterations < 50_000_000 {
            iterations += 1
            let before = state.load(ordering: .acquiring)
            let pointer = tlb.translate(va, length: 8, write: false) ?? tlb.fill(va, write: false)
            observed.store(before, ordering: .releasing)
            guard let pointer else {
                faults += 1
                continue
            }
            hits += 1
            let value = Int(pointer.load(as: UInt64.self))
            if value < before / 2 && violations.count < 5 {
                violations.append("saw page \(value) after state \(before)")
            }
        }
        mapperDone.wait()
        let violationCount = violations.count
        #expect(violationCount == 0, "\(violations)")
        #expect(hits + faults > 0)
        print("TLB race: \(hits) successful accesses, \(faults) faults, final state \(state.load(ordering: .acquiring))")
        aspace.destroy()
        #expect(machine.allocator.allocated == 0)
    }
}
