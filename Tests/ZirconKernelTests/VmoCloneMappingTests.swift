// Copy-on-write through mappings (reference §4.1, §4.4): a snapshot takes write permission away
// from the parent's existing mappings, read faults map shared pages read-only and a later write
// faults again and forks, every mapping of a VMO sees its writes, MAP_RANGE never forks; deep
// chains and wide trees stay correct in every close order; parallel closes and faults are safe.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization
import Testing
import Zirconia

@Suite struct VmoCloneMappingTests {
    let p = vmoPage

    private func load(_ address: zx_vaddr_t) -> UInt32? { try? vmoLoad32(address).get() }

    /// vmo-clone2 {Clone,Parent}VmarWrite, plus the direction not taken.
    @Test(arguments: [true, false])
    func writesThroughMappingsNeverCross(cloneWrites: Bool) throws {
        try cloneRun { c in
            let vmo = vmoMake(c, p)
            let vmoMapping = vmoMapPages(c, vmo, 1)
            c.ok(vmoStore32(0xdead_beef, vmoMapping))   // a writable translation exists now
            let clone = vmoChild(c, vmo, ZX_VMO_CHILD_SNAPSHOT, 0, p)
            let cloneMapping = vmoMapPages(c, clone, 1)
            c.ok(vmoStore32(0xc0ffee, cloneWrites ? cloneMapping : vmoMapping))
            c.eq(load(vmoMapping), cloneWrites ? 0xdead_beef : 0xc0ffee, "parent mapping")
            c.eq(load(cloneMapping), cloneWrites ? 0xc0ffee : 0xdead_beef, "clone mapping")
            vmoExpect(c, vmo, cloneWrites ? 0xdead_beef : 0xc0ffee)
            vmoExpect(c, clone, cloneWrites ? 0xc0ffee : 0xdead_beef)
            c.ok(vmoStore32(7, cloneWrites ? vmoMapping : cloneMapping))
            c.eq(load(cloneWrites ? vmoMapping : cloneMapping), 7)
            c.eq(load(cloneWrites ? cloneMapping : vmoMapping), 0xc0ffee)
            vmoUnmap(c, vmoMapping, 1)
            vmoUnmap(c, cloneMapping, 1)
            vmoClose(c, vmo, clone)
        }
    }

    /// Read faults map the shared page read-only; the write after them faults again and forks.
    @Test func readThenWriteFaults() throws {
        try cloneRun { c in
            let vmo = vmoTagged(c, 4)
            let clone = vmoChild(c, vmo, ZX_VMO_CHILD_SNAPSHOT, 0, 4 * p)
            let parentMap = vmoMapPages(c, vmo, 4)
            let cloneMap = vmoMapPages(c, clone, 4)
            let second = vmoMapPages(c, clone, 4, ZX_VM_PERM_READ)
            for page in 0..<4 {
                let offset = UInt(page) * UInt(p)
                c.eq(load(cloneMap + offset), UInt32(page + 1))
                c.eq(load(second + offset), UInt32(page + 1))
                c.eq(load(parentMap + offset), UInt32(page + 1))
            }
            c.eq(vmoCommittedPages(clone), 0, "reads commit nothing")
            c.ok(vmoStore32(100, cloneMap + UInt(p)))
            c.eq(load(second + UInt(p)), 100, "the clone's other mapping sees its write")
            c.eq(load(parentMap + UInt(p)), 2, "the parent does not")
            c.ok(vmoStore32(200, parentMap + UInt(2 * p)))
            c.eq(load(cloneMap + UInt(2 * p)), 3, "nor the other way round")
            c.eq(load(second + UInt(2 * p)), 3)
            c.eq(vmoCommittedPages(clone), 2, "its copy of page 1, and the old page 2 only it sees")
            c.eq(vmoCommittedPages(vmo), 4)
            // zx_vmo_write after read faults: every mapping of the writer sees it.
            c.ok(vmoWrite32(clone, 300, 3 * p))
            c.eq(load(cloneMap + UInt(3 * p)), 300)
            c.eq(load(second + UInt(3 * p)), 300)
            c.eq(load(parentMap + UInt(3 * p)), 4)
            // A store through a read-only mapping still fails.
            c.eq(vmoStore32(1, second), ZX_ERR_ACCESS_DENIED)
            for address in [parentMap, cloneMap, second] { vmoUnmap(c, address, 4) }
            vmoClose(c, vmo, clone)
        }
    }

    /// Reference §4.1's three mappings, inside a copy-on-write child reading zeros.
    @Test func zeroPageMappingsOfAChildSeeItsWrites() throws {
        try cloneRun { c in
            let vmo = vmoMake(c, 2 * p)
            let clone = vmoChild(c, vmo, ZX_VMO_CHILD_SNAPSHOT, 0, 3 * p)
            let maps = (0..<3).map { _ in vmoMapPages(c, clone, 3) }
            for page in [1, 2] {   // inside and beyond the parent
                let offset = UInt(page) * UInt(p)
                c.eq(load(maps[0] + offset), 0)
                c.ok(vmoStore32(99, maps[1] + offset))
                c.eq(load(maps[2] + offset), 99)
                c.eq(load(maps[0] + offset), 99)
            }
            vmoExpect(c, vmo, 0, page: 1)
            for address in maps { vmoUnmap(c, address, 3) }
            vmoClose(c, vmo, clone)
        }
    }

    /// vmo-clone2 ManyCloneMapping: four related VMOs, written through mappings in every order.
    @Test func manyClonesWrittenThroughMappingsInEveryOrder() throws {
        try cloneRun { c in
            for order in permutations(4) {
                var vmos = [vmoMake(c, p)]
                c.ok(vmoWrite32(vmos[0], 0xdead_beef))
                vmos.append(vmoChild(c, vmos[0], ZX_VMO_CHILD_SNAPSHOT, 0, p))
                vmos.append(vmoChild(c, vmos[0], ZX_VMO_CHILD_SNAPSHOT, 0, p))
                vmos.append(vmoChild(c, vmos[1], ZX_VMO_CHILD_SNAPSHOT, 0, p))
                let maps = vmos.map { vmoMapPages(c, $0, 1) }
                for address in maps { c.eq(load(address), 0xdead_beef) }
                var written = Set<Int>()
                for index in order {
                    c.ok(vmoStore32(0xc0ffee, maps[index]))
                    written.insert(index)
                    for (j, address) in maps.enumerated() {
                        c.eq(load(address), written.contains(j) ? 0xc0ffee : 0xdead_beef, "order \(order) vmo \(j)")
                    }
                }
                for address in maps { vmoUnmap(c, address, 1) }
                for vmo in vmos { vmoClose(c, vmo) }
            }
        }
    }

    /// vmo-clone2 ManyCloneMappingOffset.
    @Test func clonesWithOffsetsThroughMappings() throws {
        try cloneRun { c in
            var vmos = [vmoMake(c, 2 * p)]
            c.ok(vmoWrite32(vmos[0], 1))
            vmos.append(vmoChild(c, vmos[0], ZX_VMO_CHILD_SNAPSHOT, 0, 2 * p))
            vmos.append(vmoChild(c, vmos[0], ZX_VMO_CHILD_SNAPSHOT, p, p))
            vmos.append(vmoChild(c, vmos[0], ZX_VMO_CHILD_SNAPSHOT, 0, 2 * p))
            let maps = vmos.map { vmoMapPages(c, $0, 1) }
            for (i, address) in maps.enumerated() where i != 2 { c.eq(load(address), 1) }
            c.ok(vmoWrite32(vmos[3], 2))
            c.ok(vmoWrite32(vmos[1], 3))
            c.eq(load(maps[1]), 3)
            c.eq(load(maps[3]), 2)
            c.eq(load(maps[0]), 1)
            for (i, vmo) in vmos.enumerated() { c.eq(vmoCommittedPages(vmo), i == 2 ? 0 : 1, "vmo \(i)") }
            for address in maps { vmoUnmap(c, address, 1) }
            for vmo in vmos { vmoClose(c, vmo) }
        }
    }

    /// vmo-clone2 MapRangeReadOnly: MAP_RANGE of a clone commits nothing in it.
    @Test func mapRangeNeverForks() throws {
        try cloneRun { c in
            let vmo = vmoTagged(c, 5)
            let clone = vmoChild(c, vmo, ZX_VMO_CHILD_SNAPSHOT, 0, 5 * p)
            let readOnly = vmoMapPages(c, clone, 5, ZX_VM_MAP_RANGE | ZX_VM_PERM_READ)
            let writable = vmoMapPages(c, clone, 5, ZX_VM_MAP_RANGE | ZX_VM_PERM_READ | ZX_VM_PERM_WRITE)
            c.eq(vmoCommittedPages(clone), 0)
            c.eq(vmoCommittedPages(vmo), 5)
            c.eq(load(writable + UInt(4 * p)), 5)
            c.ok(vmoStore32(6, writable + UInt(4 * p)))
            c.eq(load(readOnly + UInt(4 * p)), 6)
            vmoExpect(c, vmo, 5, page: 4)
            c.ok(zx_vmar_op_range(zx_vmar_root_self(), ZX_VMAR_OP_MAP_RANGE, readOnly, Int(5 * p), nil, 0))
            c.eq(vmoCommittedPages(clone), 1)
            vmoUnmap(c, readOnly, 5)
            vmoUnmap(c, writable, 5)
            vmoClose(c, vmo, clone)
        }
    }

    /// A chain of 100 snapshots, each writing its own page, read back through mappings, closed
    /// in an interleaved order.
    @Test func hundredDeepChain() throws {
        try cloneRun(memory: 128 << 20) { c in
            let depth = 100, pages = 8
            var chain = [vmoMake(c, UInt64(pages) * p)]
            for level in 1...depth {
                c.ok(vmoWrite32(chain[level - 1], UInt32(level), UInt64(level % pages) * p))
                chain.append(vmoChild(c, chain[level - 1], ZX_VMO_CHILD_SNAPSHOT, 0, UInt64(pages) * p))
            }
            // Level j wrote value j into chain[j - 1] just before taking chain[j] from it, so chain[k]
            // shows, on each page, the last level j <= k + 1 that wrote there.
            func expected(_ k: Int, _ page: Int) -> UInt32 {
                var value: UInt32 = 0
                for level in stride(from: page == 0 ? pages : page, through: min(k + 1, depth), by: pages) {
                    value = UInt32(level)
                }
                return value
            }
            let deepest = vmoMapPages(c, chain[depth], pages)
            for page in 0..<pages { c.eq(load(deepest + UInt(page) * UInt(p)), expected(depth, page), "page \(page)") }
            c.ok(vmoStore32(0xfff, deepest))
            vmoExpect(c, chain[depth - 1], expected(depth - 1, 0))
            var total: UInt64 = 0
            for vmo in chain { total += vmoCommittedPages(vmo) }
            c.yes(total <= UInt64(depth + 1), "one page per write, \(total)")
            // Close every other level, then the rest from the top.
            for level in stride(from: 1, to: depth, by: 2) { vmoClose(c, chain[level]) }
            for level in stride(from: 0, to: depth, by: 2) {
                for page in 0..<pages { vmoExpect(c, chain[level], expected(level, page), page: UInt64(page)) }
            }
            for page in 1..<pages { c.eq(load(deepest + UInt(page) * UInt(p)), expected(depth, page)) }
            c.eq(load(deepest), 0xfff)
            for level in stride(from: 0, to: depth, by: 2) { vmoClose(c, chain[level]) }
            c.eq(vmoCommittedPages(chain[depth]), UInt64(pages), "the survivor owns what it sees")
            vmoUnmap(c, deepest, pages)
            vmoClose(c, chain[depth])
        }
    }

    /// One parent, 64 snapshots at every offset, each written through a mapping.
    @Test func wideTree() throws {
        try cloneRun(memory: 128 << 20) { c in
            let width = 64, pages = 16
            let vmo = vmoTagged(c, pages)
            var children: [zx_handle_t] = []
            var maps: [zx_vaddr_t] = []
            for i in 0..<width {
                let offset = UInt64(i % pages) * p
                children.append(vmoChild(c, vmo, ZX_VMO_CHILD_SNAPSHOT, offset, 2 * p))
                maps.append(vmoMapPages(c, children[i], 2))
                c.ok(vmoStore32(UInt32(1000 + i), maps[i] + UInt(p)))
            }
            c.ok(vmoWrite32(vmo, 0xaaaa, 0))
            for i in 0..<width {
                let first = i % pages
                c.eq(load(maps[i]), UInt32(first + 1), "child \(i) page 0")
                c.eq(load(maps[i] + UInt(p)), UInt32(1000 + i), "child \(i) page 1")
            }
            c.eq(children.reduce(UInt64(0)) { $0 + vmoCommittedPages($1) } + vmoCommittedPages(vmo) <= UInt64(pages + 1 + width), true)
            for i in stride(from: 0, to: width, by: 3) { vmoUnmap(c, maps[i], 2); vmoClose(c, children[i]) }
            vmoClose(c, vmo)
            for i in 0..<width where i % 3 != 0 {
                c.eq(load(maps[i]), UInt32(i % pages + 1))
                c.eq(load(maps[i] + UInt(p)), UInt32(1000 + i))
            }
            for i in 0..<width where i % 3 != 0 { vmoUnmap(c, maps[i], 2); vmoClose(c, children[i]) }
        }
    }

    /// vmo-clone2 DropChildrenInParallel and DropParentCommittedBytes: both sides closed at the
    /// same time from two threads, and a query racing a parent's death.
    @Test func parallelClosesAndQueries() throws {
        let kernel = try Kernel(memorySize: 32 << 20)
        let process = try kernel.createProcess(name: "parallel")
        let baseline = kernel.memoryStats.freePages
        let flags = RaceFlags()
        for _ in 0..<200 {
            let handles = try process.run { () -> [zx_handle_t] in
                var vmo = ZX_HANDLE_INVALID
                _ = zx_vmo_create(3 * vmoPage, 0, &vmo)
                for page in 0..<3 { vmoWrite32(vmo, UInt32(page + 1), UInt64(page) * vmoPage) }
                let child = vmoChildStatus(vmo, ZX_VMO_CHILD_SNAPSHOT, vmoPage, 2 * vmoPage).1
                vmoWrite32(child, 4, vmoPage)
                return [vmo, child]
            }
            flags.ready.store(0, ordering: .releasing)
            let threads = (0..<2).map { index in
                VmoHostThread {
                    _ = try? process.run {
                        flags.ready.add(1, ordering: .acquiringAndReleasing)
                        while flags.ready.load(ordering: .acquiring) < 2 {}
                        if index == 0 {
                            _ = zx_handle_close(handles[0])
                        } else {
                            let committed = vmoCommittedPages(handles[1])
                            if committed != 1 && committed != 2 { flags.errors.add(1, ordering: .relaxed) }
                        }
                    }
                }
            }
            for thread in threads { thread.join() }
            try process.run {
                if vmoRead32(handles[1], 0) != 2 || vmoRead32(handles[1], vmoPage) != 4 { flags.errors.add(1, ordering: .relaxed) }
                if vmoCommittedPages(handles[1]) != 2 { flags.errors.add(1, ordering: .relaxed) }
                // Now close a parent and child pair at the same time.
                var vmo = ZX_HANDLE_INVALID
                _ = zx_vmo_create(vmoPage, 0, &vmo)
                let child = vmoChildStatus(vmo, ZX_VMO_CHILD_SNAPSHOT, 0, vmoPage).1
                let closers = [vmo, child, handles[1]].map { handle in
                    VmoHostThread { _ = try? process.run { _ = zx_handle_close(handle) } }
                }
                for closer in closers { closer.join() }
            }
        }
        #expect(flags.errors.load(ordering: .relaxed) == 0)
        #expect(kernel.memoryStats.freePages == baseline)
    }

    /// Threads fault-writing a parent's and a child's mappings while another keeps taking and
    /// dropping snapshots of the parent: every value read is one that was written.
    @Test func faultsRaceWithSnapshots() throws {
        let kernel = try Kernel(memorySize: 64 << 20)
        let process = try kernel.createProcess(name: "race")
        let baseline = kernel.memoryStats.freePages
        let pages = 8
        let (vmo, address) = try process.run { () -> (zx_handle_t, zx_vaddr_t) in
            var vmo = ZX_HANDLE_INVALID
            _ = zx_vmo_create(UInt64(pages) * vmoPage, 0, &vmo)
            var address: zx_vaddr_t = 0
            _ = zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, vmo, 0, pages * Int(vmoPage), &address)
            return (vmo, address)
        }
        let flags = RaceFlags()
        let writers = (0..<2).map { index in
            VmoHostThread {
                _ = try? process.run {
                    var round: UInt32 = 0
                    while !flags.done.load(ordering: .acquiring) {
                        round &+= 1
                        for page in stride(from: index, to: pages, by: 2) {
                            let at = address + UInt(page) * UInt(vmoPage)
                            if vmoStore32(round, at) != ZX_OK { flags.errors.add(1, ordering: .relaxed) }
                            if let value = try? vmoLoad32(at).get(), value != round { flags.errors.add(1, ordering: .relaxed) }
                        }
                    }
                }
            }
        }
        try process.run {
            for _ in 0..<300 {
                let child = vmoChildStatus(vmo, ZX_VMO_CHILD_SNAPSHOT, 0, UInt64(pages) * vmoPage).1
                // The snapshot shows some value each writer stored, never a torn page.
                for page in 0..<pages where vmoRead32(child, UInt64(page) * vmoPage) == nil { flags.errors.add(1, ordering: .relaxed) }
                vmoWrite32(child, 0xffff_ffff, 0)
                _ = zx_handle_close(child)
            }
        }
        flags.done.store(true, ordering: .releasing)
        for writer in writers { writer.join() }
        try process.run {
            _ = zx_vmar_unmap(zx_vmar_root_self(), address, pages * Int(vmoPage))
            _ = zx_handle_close(vmo)
        }
        #expect(flags.errors.load(ordering: .relaxed) == 0)
        #expect(kernel.memoryStats.freePages == baseline)
    }
}

/// Flags shared by the racing threads.
private final class RaceFlags: Sendable {
    let ready = Atomic<Int>(0)
    let done = Atomic<Bool>(false)
    let errors = Atomic<Int>(0)
}
