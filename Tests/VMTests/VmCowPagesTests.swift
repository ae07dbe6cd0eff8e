// The copy-on-write tree at the VM level, without handles: children of contiguous VMOs, the
// child-count hook the dispatcher uses, O(1) snapshots of large VMOs, merges that move pages
// instead of copying them, and faults through mappings of snapshots. Every test checks the PMM.

import Hardware
import Testing
import VM
import ZX

@Suite struct VmCowPagesTests {
    private func word(_ vmo: VmObjectPaged, _ offset: UInt64) throws -> UInt64 {
        var value: UInt64 = 0
        try vmo.read(into: &value, offset: offset, length: 8)
        return value
    }

    private func put(_ vmo: VmObjectPaged, _ value: UInt64, _ offset: UInt64) throws {
        var copy = value
        try vmo.write(from: &copy, offset: offset, length: 8)
    }

    @Test func childrenOfContiguousVmos() throws {
        let pmm = try makePMM()
        try expectNoPageLeak(pmm) {
            let vmo = try VmObjectPaged.createContiguous(pmm: pmm, size: 4 * P64, alignmentLog2: 0)
            #expect(throws: ZxStatus.invalidArgs) { try vmo.createSnapshot(offset: 0, size: P64, resizable: false) }
            #expect(throws: ZxStatus.notSupported) { try vmo.createReference(offset: 0, size: 0, resizable: false) }
            try vmo.setCachePolicy(ZX_CACHE_POLICY_UNCACHED)
            let slice = try vmo.createSlice(offset: P64, size: 2 * P64)
            #expect(slice.isContiguous, "slices of contiguous VMOs are contiguous")
            #expect(slice.cachePolicy == ZX_CACHE_POLICY_UNCACHED, "and share the cache policy")
            #expect(slice.committedBytes == 0)
            #expect(throws: ZxStatus.notSupported) { try slice.decommit(offset: 0, length: P64) }
            #expect(throws: ZxStatus.badState) { try vmo.setCachePolicy(ZX_CACHE_POLICY_CACHED) }
        }
    }

    @Test func childCountHookAndParentIds() throws {
        let pmm = try makePMM()
        try expectNoPageLeak(pmm) {
            final class Counts: @unchecked Sendable { var seen: [Int] = [] }
            let counts = Counts()
            let vmo = try VmObjectPaged.create(pmm: pmm, size: 2 * P64)
            vmo.userId = 7
            vmo.setChildCountObserver { count, _ in counts.seen.append(count) }
            var child: VmObjectPaged? = try vmo.createSnapshot(offset: 0, size: P64, resizable: false)
            child?.userId = 8
            var grandchild: VmObjectPaged? = try child?.createSlice(offset: 0, size: P64)
            #expect(grandchild?.parentUserId == 8)
            #expect(vmo.childCount == 1)
            child = nil   // alive: its slice holds it
            #expect(vmo.childCount == 1)
            grandchild = nil
            #expect(vmo.childCount == 0)
            _ = grandchild
            var cow: VmObjectPaged? = try vmo.createSnapshot(offset: 0, size: P64, resizable: false)
            let cowChild = try cow?.createSnapshot(offset: 0, size: P64, resizable: false)
            cow = nil     // a snapshot does not hold its parent: its child is re-homed
            #expect(cowChild?.parentUserId == 7)
            #expect(vmo.childCount == 1)
            _ = cow
            #expect(counts.seen == [1, 0, 1])
        }
    }

    /// Snapshots cost the same whatever the size: a 256 MiB VMO with every page committed (the
    /// benchmark compares 1 MiB with 1 GiB in release builds).
    @Test func snapshotOfALargeVmoIsConstantTime() throws {
        let pmm = try makePMM(megabytes: 300)
        try expectNoPageLeak(pmm) {
            let size: UInt64 = 256 << 20
            let vmo = try VmObjectPaged.create(pmm: pmm, size: size)
            try vmo.commit(offset: 0, length: size)
            try put(vmo, 0x1234, size - P64)
            let clock = ContinuousClock()
            var children: [VmObjectPaged] = []
            let elapsed = try clock.measure {
                for _ in 0..<100 { children.append(try vmo.createSnapshot(offset: 0, size: size, resizable: false)) }
            }
            #expect(elapsed < .seconds(1), "100 snapshots of 256 MiB took \(elapsed)")
            #expect(try word(children[99], size - P64) == 0x1234)
            try put(children[50], 0x5678, size - P64)
            #expect(try word(vmo, size - P64) == 0x1234)
            #expect(children[50].committedPages(in: size - 4 * P64, length: 4 * P64) == 1)
            #expect(vmo.committedPages(in: size - 4 * P64, length: 4 * P64) == 4)
            #expect(children[7].committedPages(in: size - 4 * P64, length: 4 * P64) == 0)
            children.removeAll()
            #expect(vmo.committedBytes == size, "the pages came back without copies")
            #expect(pmm.stats.objectPages == Int(size / P64))
        }
    }

    /// A read fault through a snapshot's mapping maps the shared page read-only; the write then
    /// forks; the parent's mapping never sees it.
    @Test func faultsThroughASnapshotMapping() throws {
        let pmm = try makePMM()
        try expectNoPageLeak(pmm) {
            let aspace = try makeAspace(pmm)
            defer { aspace.destroy() }
            let cpu = TestCPU(aspace)
            let vmo = try VmObjectPaged.create(pmm: pmm, size: 2 * P64)
            try put(vmo, 0x11, 0)
            let parentMap = try aspace.rootVmar.createMapping(placement: .anywhere, size: 2 * P, alignmentLog2: 0, vmo: vmo,
                                                               vmoOffset: 0, permissions: [.read, .write], maxPermissions: [.read, .write],
                                                               mapRange: false, name: "parent")
            try cpu.store(0x22, parentMap.base)
            let child = try vmo.createSnapshot(offset: 0, size: 2 * P64, resizable: false)
            let childMap = try aspace.rootVmar.createMapping(placement: .anywhere, size: 2 * P, alignmentLog2: 0, vmo: child,
                                                              vmoOffset: 0, permissions: [.read, .write], maxPermissions: [.read, .write],
                                                              mapRange: false, name: "child")
            #expect(try cpu.load(childMap.base) == 0x22)
            #expect(child.committedBytes == 0)
            try cpu.store(0x33, childMap.base)
            #expect(try cpu.load(parentMap.base) == 0x22)
            try cpu.store(0x44, parentMap.base)
            #expect(try cpu.load(childMap.base) == 0x33)
            #expect(try word(vmo, 0) & 0xff == 0x44)
            #expect(child.committedBytes == P64)
            try aspace.rootVmar.unmap(childMap.base, length: 2 * P, canDestroyRegions: false)
            try aspace.rootVmar.unmap(parentMap.base, length: 2 * P, canDestroyRegions: false)
        }
    }
}
