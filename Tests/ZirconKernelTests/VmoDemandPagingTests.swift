// Demand paging of VMOs through mappings: the zero page, aliases, decommit and resize seen through
// mappings, and concurrent writers and decommitters (zircon-vm-semantics.md §4.1–4.3).

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

@Suite struct VmoDemandPagingTests {
    @Test func zeroPageIsReplacedInEveryMapping() throws {
        try vmoInFreshProcess { c in
            let size = 4 * vmoPage
            let vmo = vmoMake(c, size)
            let maps = (0..<3).map { _ in vmoMap(c, vmo, size) }
            guard !maps.contains(0) else { return }
            // Read fault in #1: zero, and a read commits nothing.
            c.eq(try? vmoLoad32(maps[0]).get(), 0, "read zero via #1")
            c.eq(vmoCommitted(vmo), 0, "read faults need not commit")
            // Write 99 via #2; #3 faults it in, #1 must drop its zero-page translation.
            c.ok(vmoStore32(99, maps[1]))
            c.eq(try? vmoLoad32(maps[1]).get(), 99, "read back via #2")
            c.eq(try? vmoLoad32(maps[2]).get(), 99, "read 99 via #3")
            c.eq(try? vmoLoad32(maps[0]).get(), 99, "read 99 via #1, formerly the zero page")
            c.eq(vmoCommitted(vmo), vmoPage)
            // Page 1: zero via #1, then zx_vmo_write makes 100 visible there.
            c.eq(try? vmoLoad32(maps[0] + UInt(vmoPage)).get(), 0)
            var value: UInt32 = 100
            c.ok(zx_vmo_write(vmo, &value, vmoPage, 4))
            c.eq(try? vmoLoad32(maps[0] + UInt(vmoPage)).get(), 100, "vmo_write seen through a zero-page mapping")
            // Page 2: zero via #1, COMMIT, then vmo_write.
            c.eq(try? vmoLoad32(maps[0] + UInt(2 * vmoPage)).get(), 0)
            c.ok(vmoOp(vmo, ZX_VMO_OP_COMMIT, 2 * vmoPage, vmoPage))
            c.ok(zx_vmo_write(vmo, &value, 2 * vmoPage, 4))
            c.eq(try? vmoLoad32(maps[0] + UInt(2 * vmoPage)).get(), 100, "commit then write seen via #1")
            c.eq(try? vmoLoad32(maps[2] + UInt(2 * vmoPage)).get(), 100)
            // Mapped writes are visible to vmo_read.
            c.ok(vmoStore32(0xA5A5_5A5A, maps[2] + UInt(3 * vmoPage) + 8))
            var back: UInt32 = 0
            c.ok(zx_vmo_read(vmo, &back, 3 * vmoPage + 8, 4))
            c.eq(back, 0xA5A5_5A5A)
            let (_, info) = vmoInfo(vmo)
            c.eq(info.num_mappings, 3)
            c.eq(info.share_count, 1, "one address space")
            for address in maps { c.ok(zx_vmar_unmap(zx_vmar_root_self(), address, Int(size))) }
            c.eq(vmoInfo(vmo).1.num_mappings, 0)
            c.eq(vmoInfo(vmo).1.share_count, 1)
        }
    }

    @Test func decommitThroughAliasesUpdatesMappings() throws {
        try vmoInFreshProcess { c in
            let size: UInt64 = 16384
            let vmo = vmoMake(c, size * 3)
            c.ok(vmoOp(vmo, ZX_VMO_OP_COMMIT, 0, size))
            let first = vmoMap(c, vmo, size)
            let second = vmoMap(c, vmo, offset: vmoPage, size)
            let third = vmoMap(c, vmo, offset: 2 * size, size)
            guard first != 0, second != 0, third != 0 else { return }
            // Write page 1 through the first mapping; the alias at offset P sees it at its start.
            c.ok(vmoStore32(99, first + UInt(vmoPage)))
            c.eq(try? vmoLoad32(first + UInt(vmoPage)).get(), 99)
            c.eq(try? vmoLoad32(second).get(), 99, "alias at offset P")
            // Decommitting page 0 leaves page 1 alone in both mappings.
            c.ok(vmoOp(vmo, ZX_VMO_OP_DECOMMIT, 0, vmoPage))
            c.eq(try? vmoLoad32(first + UInt(vmoPage)).get(), 99, "page 1 survives via #1")
            c.eq(try? vmoLoad32(second).get(), 99, "page 1 survives via #2")
            // Decommitting page 1 makes both read zero (translations removed, not left dangling).
            c.ok(vmoOp(vmo, ZX_VMO_OP_DECOMMIT, vmoPage, vmoPage))
            c.eq(try? vmoLoad32(first + UInt(vmoPage)).get(), 0, "page 1 gone via #1")
            c.eq(try? vmoLoad32(second).get(), 0, "page 1 gone via #2")
            // ZERO through an alias: whole pages are released, mappings read zero.
            c.ok(vmoStore32(7, second + UInt(vmoPage)))
            c.ok(vmoOp(vmo, ZX_VMO_OP_ZERO, 2 * vmoPage, vmoPage))
            c.eq(try? vmoLoad32(first + UInt(2 * vmoPage)).get(), 0)
            c.eq(try? vmoLoad32(second + UInt(vmoPage)).get(), 0)
            for address in [first, second, third] { c.ok(zx_vmar_unmap(zx_vmar_root_self(), address, Int(size))) }
        }
    }

    @Test func resizeSeenThroughMappings() throws {
        try vmoInFreshProcess { c in
            // ResizeHazard: shrinking under a mapping makes accesses fault with OUT_OF_RANGE.
            let vmo = vmoMake(c, 2 * vmoPage, ZX_VMO_RESIZABLE)
            let address = vmoMap(c, vmo, 2 * vmoPage)
            guard address != 0 else { return }
            c.eq(try? vmoLoad32(address + 4).get(), 0)
            c.ok(vmoStore32(5, address + UInt(vmoPage)))
            c.ok(zx_vmo_set_size(vmo, 0))
            if case .failure(let fault) = vmoLoad32(address + 4) {
                c.st(fault.status, ZX_ERR_OUT_OF_RANGE, "read beyond the end")
            } else { c.yes(false, "read after shrink must fault") }
            c.st(vmoStore32(1, address + 4), ZX_ERR_OUT_OF_RANGE, "write beyond the end")
            c.st(vmoStore32(1, address + UInt(vmoPage)), ZX_ERR_OUT_OF_RANGE)
            // Growing makes the mapped pages usable again, with zeros, never the old data.
            c.ok(zx_vmo_set_size(vmo, 2 * vmoPage))
            c.eq(try? vmoLoad32(address + UInt(vmoPage)).get(), 0, "old data is gone")
            c.ok(vmoStore32(6, address + 4))
            c.eq(vmoBytes(vmo, 4, 1), [6])
            c.ok(zx_vmar_unmap(zx_vmar_root_self(), address, Int(2 * vmoPage)))

            // GrowMappedVmo: an 8-page mapping over a 2-page VMO grown to 6.5 pages.
            let grow = vmoMake(c, 2 * vmoPage, ZX_VMO_RESIZABLE)
            let map = vmoMap(c, grow, 8 * vmoPage)
            guard map != 0 else { return }
            let newSize = 6 * vmoPage + vmoPage / 2
            c.ok(zx_vmo_set_size(grow, newSize))
            c.ok(vmoStore32(1, map + UInt(5 * vmoPage)))
            c.eq(vmoBytes(grow, 5 * vmoPage, 1), [1])
            c.ok(vmoStore32(2, map + UInt(newSize) + 16), "past the size but inside the last page")
            c.eq(vmoBytes(grow, newSize + 16, 1), [2])
            c.ok(vmoPut(grow, [3], 5 * vmoPage + 16))
            c.eq(try? vmoLoad32(map + UInt(5 * vmoPage) + 16).get(), 3)
            c.st(vmoStore32(1, map + UInt(7 * vmoPage)), ZX_ERR_OUT_OF_RANGE, "beyond the last page")
            c.ok(zx_vmar_unmap(zx_vmar_root_self(), map, Int(8 * vmoPage)))
        }
    }

    @Test func mappingLargerThanTheVmoAndProcessMemory() throws {
        try vmoInFreshProcess { c in
            let vmo = vmoMake(c, vmoPage, ZX_VMO_RESIZABLE)
            let address = vmoMap(c, vmo, 2 * vmoPage)
            guard address != 0 else { return }
            c.ok(vmoStore32(1, address))
            c.st(vmoStore32(1, address + UInt(vmoPage)), ZX_ERR_OUT_OF_RANGE)
            var buffer = [UInt8](repeating: 0, count: Int(2 * vmoPage))
            var actual = 0
            c.ok(zx_process_read_memory(zx_process_self(), address, &buffer, buffer.count, &actual))
            c.eq(actual, Int(vmoPage), "partial read up to the VMO end")
            c.ok(zx_process_write_memory(zx_process_self(), address, &buffer, buffer.count, &actual))
            c.eq(actual, Int(vmoPage))
            c.st(zx_process_read_memory(zx_process_self(), address + UInt(vmoPage), &buffer, 1, &actual),
                 ZX_ERR_OUT_OF_RANGE)
            c.ok(zx_vmar_unmap(zx_vmar_root_self(), address, Int(2 * vmoPage)))
        }
    }

    @Test func readingIntoAMappingOfTheSameVmoDoesNotDeadlock() throws {
        try vmoInFreshProcess { c in
            // MapRead: vmo_read's destination is a mapping of another page of the same VMO. The
            // buffer is host memory in Zirconia, so go through process memory to the mapping.
            let vmo = vmoMake(c, 2 * vmoPage)
            let address = vmoMap(c, vmo, vmoPage)
            guard address != 0 else { return }
            c.ok(vmoPut(vmo, vmoPattern(Int(vmoPage), tag: 4), vmoPage))
            var staging = [UInt8](repeating: 0, count: Int(vmoPage))
            c.ok(zx_vmo_read(vmo, &staging, vmoPage, staging.count))
            var actual = 0
            c.ok(zx_process_write_memory(zx_process_self(), address, &staging, staging.count, &actual))
            c.eq(vmoBytes(vmo, 0, Int(vmoPage)), vmoPattern(Int(vmoPage), tag: 4))
            c.ok(zx_vmar_unmap(zx_vmar_root_self(), address, Int(vmoPage)))
        }
    }

    @Test func concurrentWritersAndDecommittersNeverCrash() throws {
        let kernel = try Kernel(memorySize: 32 << 20)
        let process = try kernel.createProcess(name: "parallel")
        let baseline = kernel.memoryStats.freePages
        let (vmo, base) = try vmoRun(process) { c -> (zx_handle_t, zx_vaddr_t) in
            let vmo = vmoMake(c, vmoPage)
            let base = vmoMap(c, vmo, vmoPage)
            c.ok(vmoOp(vmo, ZX_VMO_OP_DECOMMIT, 0, vmoPage))
            return (vmo, base)
        }
        #expect(base != 0)
        let failures = Atomic<Int>(0)
        let rounds = 10_000
        // Two writers fill 128 bytes through the mapping while two decommitters drop the page.
        let workers: [@Sendable () -> Void] = [
            { for _ in 0..<rounds { if vmoStore32(0x0101_0101, base + 64) != ZX_OK { failures.add(1, ordering: .relaxed) } } },
            { for i in 0..<rounds {
                for word in 0..<32 where vmoStore32(UInt32(i), base + UInt(word * 4)) != ZX_OK {
                    failures.add(1, ordering: .relaxed)
                }
            } },
            { for _ in 0..<rounds { if vmoOp(vmo, ZX_VMO_OP_DECOMMIT, 0, vmoPage) != ZX_OK { failures.add(1, ordering: .relaxed) } } },
            { for _ in 0..<rounds { if vmoOp(vmo, ZX_VMO_OP_DECOMMIT, 0, vmoPage) != ZX_OK { failures.add(1, ordering: .relaxed) } } },
        ]
        try vmoRunConcurrently(process, workers)
        #expect(failures.load(ordering: .relaxed) == 0, "every write and decommit succeeds")
        try vmoRun(process) { c in
            // The VMO is still coherent: a final write is read back both ways.
            c.ok(vmoStore32(77, base))
            c.eq(vmoBytes(vmo, 0, 1), [77])
            c.yes(vmoCommitted(vmo) <= vmoPage)
            c.ok(zx_vmar_unmap(zx_vmar_root_self(), base, Int(vmoPage)))
            c.ok(zx_handle_close(vmo))
        }
        #expect(kernel.memoryStats.freePages == baseline, "no page leaked or double-freed")
    }

    @Test func concurrentVmoWritesAndZeroingOnOnePage() throws {
        let kernel = try Kernel(memorySize: 32 << 20)
        let process = try kernel.createProcess(name: "parallel-zero")
        let baseline = kernel.memoryStats.freePages
        let vmo = try vmoRun(process) { c in vmoMake(c, 2 * vmoPage) }
        let failures = Atomic<Int>(0)
        let rounds = 10_000
        let bump: @Sendable (zx_status_t) -> Void = { if $0 != ZX_OK { failures.add(1, ordering: .relaxed) } }
        try vmoRunConcurrently(process, [
            { for i in 0..<rounds { bump(vmoPut(vmo, [UInt8(truncatingIfNeeded: i) | 1], UInt64(i % 64) * 64)) } },
            { for _ in 0..<rounds { bump(vmoOp(vmo, ZX_VMO_OP_ZERO, 0, vmoPage)) } },
            { for _ in 0..<rounds { bump(vmoOp(vmo, ZX_VMO_OP_COMMIT, 0, 2 * vmoPage)) } },
            { for _ in 0..<rounds { bump(vmoOp(vmo, ZX_VMO_OP_DECOMMIT, vmoPage, vmoPage)) } },
        ])
        #expect(failures.load(ordering: .relaxed) == 0)
        try vmoRun(process) { c in c.ok(zx_handle_close(vmo)) }
        #expect(kernel.memoryStats.freePages == baseline)
    }
}

/// Runs each closure on its own thread of `process` at once (each `run` is a new emulated
/// thread on a new OS thread), waiting for all of them.
func vmoRunConcurrently(_ process: Process, _ bodies: [@Sendable () -> Void]) throws {
    let ready = Atomic<Int>(0)
    let errors = Mutex<[any Error]>([])
    let count = bodies.count
    let finished = Atomic<Int>(0)
    let threads = bodies.map { body in
        VmoHostThread {
            do {
                try process.run {
                    defer { finished.add(1, ordering: .relaxed) }
                    ready.add(1, ordering: .acquiringAndReleasing)
                    // Start together (a bounded, yielding spin: the threads are already running).
                    var spins = 0
                    while ready.load(ordering: .acquiring) < count && spins < 1_000_000 {
                        spins += 1
                        sched_yield()
                    }
                    body()
                }
            } catch {
                errors.withLock { $0.append(error) }
            }
        }
    }
    for thread in threads { thread.join() }
    let thrown = errors.withLock { $0 }
    #expect(thrown.isEmpty, "run threw: \(thrown)")
    #expect(finished.load(ordering: .relaxed) == count, "every worker ran to the end")
}
