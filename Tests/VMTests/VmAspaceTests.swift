// Address spaces at the VM level: placement (ASLR, compact, first fit, exhaustion), the fault
// path and its trace, protect/unmap splitting, destroy, and page accounting.

import Hardware
import Synchronization
import Testing
import VM
import ZX

private let rw: MMUFlags = [.read, .write]
private let rwRegion: RegionFlags = [.canMapRead, .canMapWrite, .canMapSpecific]

@Suite struct VmAspaceTests {
    @Test func faultPathFollowsTheSeedAndTraces() throws {
        let pmm = try makePMM()
        try expectNoPageLeak(pmm) {
            let aspace = try makeAspace(pmm)
            let events = Mutex<[FaultEvent]>([])
            aspace.setFaultTracer(FaultTracer { event in events.withLock { $0.append(event) } })
            let vmo = try VmObjectPaged.create(pmm: pmm, size: P64)
            vmo.userId = 77
            let region = try aspace.rootVmar.createSubregion(placement: .anywhere, size: 10 * P, alignmentLog2: 0,
                                                              flags: [.canMapRead, .canMapWrite])
            let mapping = try region.createMapping(placement: .anywhere, size: P, alignmentLog2: 0, vmo: vmo, vmoOffset: 0,
                                                   permissions: rw, maxPermissions: rw, mapRange: false)
            #expect(mapping.base >= region.base && mapping.end <= region.end)
            let cpu = TestCPU(aspace)
            #expect(try cpu.load(mapping.base) == 0)        // read: zero page
            #expect(vmo.committedBytes == 0)
            try cpu.store(1, mapping.base)                   // write: allocate
            #expect(try cpu.load(mapping.base) == 1)
            #expect(vmo.committedBytes == P64)
            let trace = events.withLock { $0 }
            #expect(trace.first == .fault(address: mapping.base, write: false))
            #expect(trace.contains(.mappingFound(base: mapping.base, size: Int(P), depth: 3)))
            #expect(trace.contains(.vmoOffset(vmoId: 77, vmoName: "", offset: 0)))
            #expect(trace.contains(.zeroPageMapped(physical: pmm.zeroPage)))
            #expect(trace.contains { if case .pageAllocated = $0 { return true } else { return false } })
            #expect(trace.contains { if case .translationInstalled(mapping.base, _, _) = $0 { return true } else { return false } })
            aspace.destroy()
        }
    }

    @Test func fatalFaultsReportZirconStatuses() throws {
        let pmm = try makePMM()
        try expectNoPageLeak(pmm) {
            let aspace = try makeAspace(pmm)
            let vmo = try VmObjectPaged.create(pmm: pmm, size: P64)
            let readOnly = try aspace.rootVmar.createMapping(placement: .anywhere, size: 2 * P, alignmentLog2: 0, vmo: vmo,
                                                             vmoOffset: 0, permissions: [.read], maxPermissions: rw, mapRange: false)
            let cpu = TestCPU(aspace)
            #expect(throws: ZxStatus.accessDenied) { try cpu.store(1, readOnly.base) }
            #expect(throws: ZxStatus.outOfRange) { try cpu.load(readOnly.base + P) }   // beyond the VMO's end
            #expect(throws: ZxStatus.notFound) { try cpu.load(readOnly.base + 2 * P) } // nothing mapped
            aspace.destroy()
        }
    }

    @Test func writeThroughOneMappingIsSeenThroughZeroPageMappings() throws {
        let pmm = try makePMM()
        try expectNoPageLeak(pmm) {
            let aspace = try makeAspace(pmm)
            let vmo = try VmObjectPaged.create(pmm: pmm, size: P64)
            let maps = try (0..<3).map { _ in
                try aspace.rootVmar.createMapping(placement: .anywhere, size: P, alignmentLog2: 0, vmo: vmo, vmoOffset: 0,
                                                  permissions: rw, maxPermissions: rw, mapRange: false)
            }
            let cpu = TestCPU(aspace)
            #expect(try cpu.load(maps[0].base) == 0)
            try cpu.store(99, maps[1].base)
            #expect(try cpu.load(maps[2].base) == 99)
            #expect(try cpu.load(maps[0].base) == 99)
            aspace.destroy()
        }
    }

    @Test func unmapInTheMiddleSplitsAndKeepsOffsets() throws {
        let pmm = try makePMM()
        try expectNoPageLeak(pmm) {
            let aspace = try makeAspace(pmm)
            let vmo = try VmObjectPaged.create(pmm: pmm, size: 4 * P64)
            for page in 0..<4 { var v = UInt8(page + 1); try vmo.write(from: &v, offset: UInt64(page) * P64, length: 1) }
            let m = try aspace.rootVmar.createMapping(placement: .anywhere, size: 4 * P, alignmentLog2: 0, vmo: vmo, vmoOffset: 0,
                                                     permissions: rw, maxPermissions: rw, mapRange: true)
            let cpu = TestCPU(aspace)
            try aspace.rootVmar.unmap(m.base + P, length: 2 * P, canDestroyRegions: false)
            #expect(vmo.mappingCount == 2)
            #expect(try cpu.load(m.base) == 1)
            #expect(throws: ZxStatus.notFound) { try cpu.load(m.base + P) }
            #expect(throws: ZxStatus.notFound) { try cpu.load(m.base + 2 * P) }
            #expect(try cpu.load(m.base + 3 * P) == 4)
            let rows = aspace.mapsSnapshot().filter { if case .mapping = $0.kind { return true } else { return false } }
            #expect(rows.map(\.base) == [m.base, m.base + 3 * P])
            if case .mapping(_, _, let offset, let committed) = rows[1].kind {
                #expect(offset == 3 * P64)
                #expect(committed == 1)
            }
            aspace.destroy()
            #expect(vmo.mappingCount == 0)
        }
    }

    @Test func protectSplitsAndChangesAccess() throws {
        let pmm = try makePMM()
        try expectNoPageLeak(pmm) {
            let aspace = try makeAspace(pmm)
            let vmo = try VmObjectPaged.create(pmm: pmm, size: 3 * P64)
            let m = try aspace.rootVmar.createMapping(placement: .anywhere, size: 3 * P, alignmentLog2: 0, vmo: vmo, vmoOffset: 0,
                                                     permissions: rw, maxPermissions: rw, mapRange: false)
            let cpu = TestCPU(aspace)
            for i in 0..<3 { try cpu.store(UInt8(i), m.base + UInt(i) * P) }
            try aspace.rootVmar.protect(m.base + P, length: P, permissions: [.read], canTouchSubregions: true)
            #expect(throws: ZxStatus.accessDenied) { try cpu.store(9, m.base + P) }
            try cpu.store(9, m.base)
            try cpu.store(9, m.base + 2 * P)
            #expect(aspace.allMappings().count == 3)
            // Back up to RW (within the maximum), and beyond the maximum is refused.
            try aspace.rootVmar.protect(m.base + P, length: P, permissions: rw, canTouchSubregions: true)
            try cpu.store(5, m.base + P)
            #expect(throws: ZxStatus.accessDenied) {
                try aspace.rootVmar.protect(m.base, length: P, permissions: [.read, .write, .execute], canTouchSubregions: true)
            }
            // No access at all.
            try aspace.rootVmar.protect(m.base, length: 3 * P, permissions: [], canTouchSubregions: true)
            #expect(throws: ZxStatus.accessDenied) { try cpu.load(m.base + 2 * P) }
            // A gap in the range is NOT_FOUND and changes nothing.
            #expect(throws: ZxStatus.notFound) {
                try aspace.rootVmar.protect(m.base, length: 4 * P, permissions: [.read], canTouchSubregions: true)
            }
            aspace.destroy()
        }
    }

    @Test func destroyMakesRegionsDeadAndFreesTheRange() throws {
        let pmm = try makePMM()
        try expectNoPageLeak(pmm) {
            let aspace = try makeAspace(pmm)
            let region = try aspace.rootVmar.createSubregion(placement: .anywhere, size: 16 * P, alignmentLog2: 0, flags: rwRegion)
            let inner = try region.createSubregion(placement: .specific(offset: 4 * P), size: 4 * P, alignmentLog2: 0, flags: rwRegion)
            let vmo = try VmObjectPaged.create(pmm: pmm, size: P64)
            _ = try inner.createMapping(placement: .anywhere, size: P, alignmentLog2: 0, vmo: vmo, vmoOffset: 0,
                                        permissions: rw, maxPermissions: rw, mapRange: false)
            #expect(throws: ZxStatus.notSupported) { try aspace.rootVmar.destroy() }
            try region.destroy()
            #expect(!region.isAlive && !inner.isAlive)
            #expect(vmo.mappingCount == 0)
            #expect(throws: ZxStatus.badState) { try region.destroy() }
            #expect(throws: ZxStatus.badState) {
                try inner.createSubregion(placement: .anywhere, size: P, alignmentLog2: 0, flags: [])
            }
            // The range is free again.
            let offset = region.base - aspace.rootVmar.base
            _ = try aspace.rootVmar.createSubregion(placement: .specific(offset: offset), size: 16 * P, alignmentLog2: 0, flags: [])
            aspace.destroy()
        }
    }

    @Test func placementIsRandomAlignedAndReproducible() throws {
        let pmm = try makePMM()
        func layout(seed: UInt64) throws -> [UInt] {
            let aspace = try makeAspace(pmm, aslr: AslrPolicy(seed: seed))
            defer { aspace.destroy() }
            return try (0..<20).map { i in
                try aspace.rootVmar.createSubregion(placement: .anywhere, size: P, alignmentLog2: 12 + i % 5, flags: []).base
            }
        }
        let a = try layout(seed: 1), b = try layout(seed: 1), c = try layout(seed: 2)
        #expect(a == b)
        #expect(a != c)
        for (i, base) in a.enumerated() { #expect(base % (1 << UInt(12 + i % 5)) == 0) }
        #expect(Set(a).count == a.count)
        // Without ASLR: first fit from the bottom.
        let plain = try makeAspace(pmm, aslr: .disabled)
        let first = try plain.rootVmar.createSubregion(placement: .anywhere, size: P, alignmentLog2: 0, flags: [])
        let second = try plain.rootVmar.createSubregion(placement: .anywhere, size: P, alignmentLog2: 0, flags: [])
        #expect(first.base == plain.rootVmar.base && second.base == first.base + P)
        plain.destroy()
    }

    @Test func exhaustionAndOverlapStatuses() throws {
        let pmm = try makePMM()
        let aspace = try makeAspace(pmm)
        let region = try aspace.rootVmar.createSubregion(placement: .anywhere, size: 4 * P, alignmentLog2: 0,
                                                          flags: [.canMapSpecific, .compact])
        for _ in 0..<4 { _ = try region.createSubregion(placement: .anywhere, size: P, alignmentLog2: 0, flags: []) }
        #expect(throws: ZxStatus.noResources) { try region.createSubregion(placement: .anywhere, size: P, alignmentLog2: 0, flags: []) }
        #expect(throws: ZxStatus.alreadyExists) {
            try region.createSubregion(placement: .specific(offset: 0), size: P, alignmentLog2: 0, flags: [])
        }
        #expect(throws: ZxStatus.accessDenied) {
            try region.createSubregion(placement: .anywhere, size: P, alignmentLog2: 0, flags: [.canMapRead])
        }
        #expect(throws: ZxStatus.invalidArgs) {
            try region.createSubregion(placement: .specific(offset: 4 * P), size: P, alignmentLog2: 0, flags: [])
        }
        aspace.destroy()
    }
}
