// Seeded random map/unmap/protect/query against a dictionary model, with table-page accounting
// checked after every operation.
//
// Zircon counterpart: none directly; complements vm/unittests/aspace_unittest.cc.

import Hardware
import Testing
import ZX

@Suite struct ArchVmAspaceModelTests {
    struct Entry: Equatable { var frame: UInt64; var flags: MMUFlags }

    /// Clusters of pages around table boundaries (PT, PD, PDPT and PML4 entry edges).
    static let clusters: [UInt] = [
        0x100_0000 >> 12,                 // aspace base
        ((1 << 21) * 13) >> 12,           // a PD-entry (2 MiB) edge
        ((1 << 30) * 3) >> 12,            // a PDPT-entry (1 GiB) edge
        (1 << 39) >> 12,                  // a PML4-entry (512 GiB) edge
    ]

    static func randomFlags(_ rng: inout SplitMix64, allowNoRead: Bool) -> MMUFlags {
        var flags: MMUFlags = (allowNoRead && rng.next() % 8 == 0) ? [] : .read
        if rng.next() % 2 == 0 { flags.insert(.write) }
        if rng.next() % 3 == 0 { flags.insert(.execute) }
        if rng.next() % 2 == 0 { flags.insert(.user) }
        return flags.union(MMUFlags(cachePolicy: UInt32(rng.next() % 4)))
    }

    /// Table pages the model implies: PML4 + distinct PDPTs, PDs and PTs in use.
    static func expectedTables(_ model: [UInt: Entry]) -> Int {
        var pdpts = Set<UInt>(), pds = Set<UInt>(), pts = Set<UInt>()
        for page in model.keys {
            pts.insert(page >> 9)
            pds.insert(page >> 18)
            pdpts.insert(page >> 27)
        }
        return 1 + pdpts.count + pds.count + pts.count
    }

    @Test func randomOperationsMatchModel() throws {
        let seedValue = testSeed("ArchVmAspace model")
        let seed = "0x" + String(seedValue, radix: 16)
        var rng = SplitMix64(seed: seedValue)
        let machine = try TestMachine()
        let aspace = try machine.aspace(base: 0x100_0000, size: 1 << 40)
        var model: [UInt: Entry] = [:]
        let operations = 4000

        func randomRange() -> (first: UInt, pages: Int) {
            let center = Self.clusters[Int(rng.next() % UInt64(Self.clusters.count))]
            let offset = Int(rng.next() % 1400) - 700
            let first = max(Int(Self.clusters[0]), Int(center) + offset)
            let pages = Int(1 + rng.next() % (rng.next() % 4 == 0 ? 600 : 24))
            return (UInt(first), pages)
        }

        for step in 0..<operations {
            let (first, pages) = randomRange()
            let va = VirtualAddress(first << 12)
            let range = (first ..< first + UInt(pages))
            switch rng.next() % 10 {
            case 0...3:
                let frame = rng.next() % (1 << 36)
                let flags = Self.randomFlags(&rng, allowNoRead: false)
                let action: ExistingEntryAction = [.skip, .overwrite, .fail][Int(rng.next() % 3)]
                let failing = rng.next() % 16 == 0
                if failing { machine.allocator.failAfter(Int(rng.next() % 3)) }
                let anyMapped = range.contains { model[$0] != nil }
                let tablesBefore = aspace.pageTablePages
                do {
                    try aspace.mapContiguous(va, PhysicalAddress.frame(frame), pages: pages, flags: flags, existing: action)
                    #expect(!(action == .fail && anyMapped), "seed \(seed) step \(step): map should have failed")
                    for (i, page) in range.enumerated() where action != .skip || model[page] == nil {
                        model[page] = Entry(frame: frame + UInt64(i), flags: flags)
                    }
                } catch {
                    if error == .alreadyExists {
                        #expect(action == .fail && anyMapped, "seed \(seed) step \(step)")
                    } else {
                        #expect(error == .noMemory && failing, "seed \(seed) step \(step): \(error)")
                    }
                    #expect(aspace.pageTablePages == tablesBefore, "seed \(seed) step \(step): tables leaked")
                }
                machine.allocator.failAfter(nil)
            case 4...6:
                let expected = range.filter { model[$0] != nil }.count
                let removed = aspace.unmap(va, pages: pages)
                #expect(removed == expected, "seed \(seed) step \(step): unmap count")
                for page in range { model[page] = nil }
            case 7...8:
                let flags = Self.randomFlags(&rng, allowNoRead: true)
                aspace.protect(va, pages: pages, flags: flags)
                for page in range where model[page] != nil {
                    if flags.contains(.read) { model[page]!.flags = flags } else { model[page] = nil }
                }
            default:
                for page in range {
                    let got = aspace.query(VirtualAddress(page << 12 | UInt(rng.next() % 4096)))
                    let want = model[page]
                    #expect(got?.0 == want.map { PhysicalAddress.frame($0.frame) }, "seed \(seed) step \(step)")
                    #expect(got?.1 == want?.flags, "seed \(seed) step \(step)")
                }
            }
            let expectedTables = Self.expectedTables(model)
            #expect(aspace.pageTablePages == expectedTables, "seed \(seed) step \(step): table pages")
            #expect(machine.allocator.allocated == expectedTables, "seed \(seed) step \(step): allocator")
            if aspace.pageTablePages != expectedTables { break }
        }

        // Full comparison, then tear down.
        for (page, entry) in model {
            let got = aspace.query(VirtualAddress(page << 12))
            #expect(got?.0 == PhysicalAddress.frame(entry.frame) && got?.1 == entry.flags, "seed \(seed) final")
        }
        for center in Self.clusters {
            aspace.unmap(VirtualAddress(max(Self.clusters[0], center - 800) << 12), pages: 2400)
        }
        #expect(machine.allocator.allocated == 1, "seed \(seed): tables left after unmapping everything")
        aspace.destroy()
        #expect(machine.allocator.allocated == 0)
    }
}
