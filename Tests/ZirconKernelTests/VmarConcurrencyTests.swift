// Real OS threads of one process fault, load and store while others map, unmap and protect the
// same range: no crash or deadlock, only legal values, and no stale TLB entry once an op returns.

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


/// A reusable barrier on a pthread mutex and condition variable (no timeouts, no sleeps).
private final class Barrier: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let parties: Int
    private var waiting = 0
    private var generation = 0

    init(parties: Int) {
        self.parties = parties
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        condition.deallocate()
    }

    func wait() {
        pthread_mutex_lock(mutex)
        let arrivedIn = generation
        waiting += 1
        if waiting == parties {
            waiting = 0
            generation += 1
            pthread_cond_broadcast(condition)
        } else {
            while generation == arrivedIn { pthread_cond_wait(condition, mutex) }
        }
        pthread_mutex_unlock(mutex)
    }
}

/// Failures from any thread, reported once the threads are joined.
private final class Failures: Sendable {
    private let list = Mutex<[String]>([])
    func add(_ text: String) { list.withLock { if $0.count < 20 { $0.append(text) } } }
    var all: [String] { list.withLock { $0 } }
}

private let rw = ZX_VM_PERM_READ | ZX_VM_PERM_WRITE
private let canRWS = ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE | ZX_VM_CAN_MAP_SPECIFIC

/// The value of round `round`'s VMO (version 1) or its replacement (version 2).
private func pattern(_ round: Int, _ version: UInt64) -> UInt64 { 0x5EED_0000_0000 | UInt64(round) << 8 | version }

/// The word `writer` stores on page `page`.
private func word(_ page: Int, _ writer: Int) -> UInt64 { UInt64(page) << 8 | UInt64(writer + 1) }

/// Flags shared by the free-running threads.
private final class Progress: Sendable {
    let done = Atomic<Bool>(false)
    let accessed = Atomic<Int>(0)
}

/// A VMO of `pages` pages whose every u64 is `value`.
private func filledVmo(pages: Int, _ value: UInt64) -> zx_handle_t {
    let vmo = VT.vmo(pages: pages)
    let words = [UInt64](repeating: value, count: pages * VT.page / 8)
    _ = words.withUnsafeBytes { zx_vmo_write(vmo, $0.baseAddress, 0, $0.count) }
    return vmo
}

@Suite struct VmarConcurrencyTests {
    /// Lockstep rounds: a mapper installs a fresh VMO, readers fill their TLBs from it, the mapper
    /// unmaps / protects / overwrites it, and after the call returned every reader must see the
    /// new state: NOT_FOUND, ACCESS_DENIED, or the new VMO's pattern — never the old page.
    @Test func everyThreadSeesUnmapProtectAndOverwriteOnceTheyReturn() throws {
        try VT.run { process, check in
            let rounds = 2000, readers = 2
            let P = VT.page
            let region = VT.allocate(zx_vmar_root_self(), canRWS, 0, 8 * P)
            let barrier = Barrier(parties: readers + 1)
            let failures = Failures()
            let base = region.addr + UInt(2 * P)
            let vmar = region.handle
            onHostThreads(readers + 1) { index in
                do {
                    try process.run {
                        for round in 0..<rounds {
                            let action = round % 3
                            if index == readers {
                                // Mapper.
                                let vmo = filledVmo(pages: 2, pattern(round, 1))
                                let m = VT.map(vmar, rw | ZX_VM_SPECIFIC, 2 * P, vmo, 0, 2 * P)
                                VT.close(vmo)
                                if m.status != ZX_OK || m.addr != base { failures.add("round \(round): map \(m.status)") }
                                barrier.wait()  // A: mapped
                                barrier.wait()  // B: readers loaded and stored
                                for r in 0..<readers where VT.load64(base + UInt(P + 8 * r)).value != pattern(round, 1) + UInt64(r) {
                                    failures.add("round \(round): reader \(r)'s store lost")
                                }
                                var status = ZX_OK
                                switch action {
                                case 0: status = zx_vmar_unmap(vmar, base, 2 * P)
                                case 1: status = zx_vmar_protect(vmar, ZX_VM_PERM_READ, base, 2 * P)
                                default:
                                    let next = filledVmo(pages: 2, pattern(round, 2))
                                    status = VT.map(vmar, rw | ZX_VM_SPECIFIC_OVERWRITE, 2 * P, next, 0, 2 * P).status
                                    VT.close(next)
                                }
                                if status != ZX_OK { failures.add("round \(round): action \(action) \(status)") }
                                barrier.wait()  // C: action returned
                                barrier.wait()  // D: readers checked
                                if zx_vmar_unmap(vmar, base, 2 * P) != ZX_OK { failures.add("round \(round): unmap") }
                                barrier.wait()  // E: unmapped
                                barrier.wait()  // F: readers checked
                            } else {
                                // Reader.
                                barrier.wait()  // A
                                for page in 0..<2 {
                                    let got = VT.load64(base + UInt(page * P))
                                    if got.status != ZX_OK || got.value != pattern(round, 1) {
                                        failures.add("round \(round) reader \(index): first load \(got)")
                                    }
                                }
                                if VT.store(pattern(round, 1) + UInt64(index), base + UInt(P + 8 * index)) != ZX_OK {
                                    failures.add("round \(round) reader \(index): store")
                                }
                                barrier.wait()  // B
                                barrier.wait()  // C
                                for page in 0..<2 {
                                    let address = base + UInt(page * P)
                                    let got = VT.load64(address)
                                    let stored = VT.store(UInt64(0xbad), address + 2048)
                                    switch action {
                                    case 0:
                                        if got.status != ZX_ERR_NOT_FOUND || stored != ZX_ERR_NOT_FOUND {
                                            failures.add("round \(round) reader \(index): after unmap \(got) \(stored)")
                                        }
                                    case 1:
                                        if got.status != ZX_OK || got.value != pattern(round, 1) || stored != ZX_ERR_ACCESS_DENIED {
                                            failures.add("round \(round) reader \(index): after protect \(got) \(stored)")
                                        }
                                    default:
                                        if got.status != ZX_OK || got.value != pattern(round, 2) || stored != ZX_OK {
                                            failures.add("round \(round) reader \(index): after overwrite \(got) \(stored)")
                                        }
                                    }
                                }
                                barrier.wait()  // D
                                barrier.wait()  // E
                                for page in 0..<2 where VT.load64(base + UInt(page * P)).status != ZX_ERR_NOT_FOUND {
                                    failures.add("round \(round) reader \(index): load after the final unmap")
                                }
                                barrier.wait()  // F
                            }
                        }
                    }
                } catch {
                    failures.add("thread \(index): run failed \(error)")
                }
            }
            check.that(failures.all.isEmpty, failures.all.joined(separator: "\n"))
            check.status(zx_vmar_destroy(vmar), ZX_OK, "cleanup")
            VT.close(vmar)
        }
    }

    /// Free-running: one thread maps / overwrites / unmaps / protects random ranges of a small
    /// VMAR while two threads load and store in it. Every VMO word only ever holds A or B.
    @Test func loadsAndStoresRacingMapUnmapProtectSeeOnlyLegalValues() throws {
        try VT.run { process, check in
            let P = VT.page, pages = 8, mutations = 10_000
            let a: UInt64 = 0xA5A5_A5A5_A5A5_A5A5, b: UInt64 = 0x5A5A_5A5A_5A5A_5A5A
            let region = VT.allocate(zx_vmar_root_self(), canRWS, 0, pages * P)
            let vmos = [filledVmo(pages: 4, a), filledVmo(pages: 4, b)]
            let progress = Progress()
            let failures = Failures()
            let base = region.addr, vmar = region.handle
            onHostThreads(3) { index in
                do {
                    try process.run {
                        var rng = UInt64(index + 1) &* 0x9E37_79B9_7F4A_7C15
                        func next(_ n: Int) -> Int {
                            rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17
                            return Int(rng % UInt64(n))
                        }
                        if index == 0 {
                            for i in 0..<mutations {
                                let first = next(pages), count = 1 + next(min(3, pages - first))
                                let address = base + UInt(first * P), len = count * P
                                switch next(10) {
                                case 0..<4:
                                    let vmo = vmos[next(2)]
                                    let status = VT.map(vmar, rw | ZX_VM_SPECIFIC_OVERWRITE, first * P, vmo,
                                                        UInt64(next(2) * P), len).status
                                    if status != ZX_OK { failures.add("op \(i): overwrite \(status)") }
                                case 4..<7:
                                    if zx_vmar_unmap(vmar, address, len) != ZX_OK { failures.add("op \(i): unmap") }
                                    if VT.load64(address).status != ZX_ERR_NOT_FOUND { failures.add("op \(i): own TLB stale") }
                                default:
                                    let perms = [ZX_VM_PERM_READ, rw, 0][next(3)]
                                    let status = zx_vmar_protect(vmar, perms, address, len)
                                    if status != ZX_OK && status != ZX_ERR_NOT_FOUND { failures.add("op \(i): protect \(status)") }
                                }
                            }
                            progress.done.store(true, ordering: .releasing)
                        } else {
                            var iterations = 0
                            while !progress.done.load(ordering: .acquiring) && iterations < 2_000_000 {
                                iterations += 1
                                let address = base + UInt(next(pages) * P + 8 * next(P / 8))
                                if next(3) == 0 {
                                    let status = VT.store(next(2) == 0 ? a : b, address)
                                    if ![ZX_OK, ZX_ERR_NOT_FOUND, ZX_ERR_ACCESS_DENIED].contains(status) {
                                        failures.add("thread \(index): store status \(status)")
                                    }
                                } else {
                                    let got = VT.load64(address)
                                    if got.status == ZX_OK && got.value != a && got.value != b {
                                        failures.add("thread \(index): illegal value \(got.value) at \(address)")
                                    } else if ![ZX_OK, ZX_ERR_NOT_FOUND, ZX_ERR_ACCESS_DENIED].contains(got.status) {
                                        failures.add("thread \(index): load status \(got.status)")
                                    }
                                }
                            }
                            progress.accessed.wrappingAdd(iterations, ordering: .relaxed)
                        }
                    }
                } catch {
                    failures.add("thread \(index): run failed \(error)")
                }
            }
            check.that(failures.all.isEmpty, failures.all.joined(separator: "\n"))
            check.that(progress.accessed.load(ordering: .relaxed) > 0, "accessors ran")
            for vmo in vmos {
                var words = [UInt64](repeating: 0, count: 4 * P / 8)
                _ = words.withUnsafeMutableBytes { zx_vmo_read(vmo, $0.baseAddress, 0, $0.count) }
                check.that(words.allSatisfy { $0 == a || $0 == b }, "VMO words stay A or B")
            }
            check.status(zx_vmar_destroy(vmar), ZX_OK, "cleanup")
            VT.close(vmar, vmos[0], vmos[1])
        }
    }

    /// Three threads take first-touch faults on the same never-committed pages at once, each
    /// writing its own word of every page and reading the others': no write is lost, each page
    /// is committed exactly once, and other threads' words read as 0 or their final value.
    @Test func concurrentFirstTouchFaultsLoseNoWrites() throws {
        try VT.run { process, check in
            let P = VT.page, pages = 1024, writers = 3
            let vmo = VT.vmo(pages: pages)
            let m = VT.map(zx_vmar_root_self(), rw, 0, vmo, 0, pages * P)
            check.status(m.status, ZX_OK, "map")
            let failures = Failures()
            let start = Barrier(parties: writers)
            onHostThreads(writers) { index in
                do {
                    try process.run {
                        start.wait()
                        for page in 0..<pages {
                            let address = m.addr + UInt(page * P)
                            if VT.store(word(page, index), address + UInt(8 * index)) != ZX_OK { failures.add("store \(page)") }
                            let other = (index + 1) % writers
                            let seen = VT.load64(address + UInt(8 * other))
                            if seen.status != ZX_OK || (seen.value != 0 && seen.value != word(page, other)) {
                                failures.add("thread \(index) page \(page): saw \(seen)")
                            }
                        }
                    }
                } catch {
                    failures.add("thread \(index): run failed \(error)")
                }
            }
            check.that(failures.all.isEmpty, failures.all.joined(separator: "\n"))
            var words = [UInt64](repeating: 0, count: pages * P / 8)
            _ = words.withUnsafeMutableBytes { zx_vmo_read(vmo, $0.baseAddress, 0, $0.count) }
            let lost = (0..<pages).flatMap { page in (0..<writers).filter { words[page * P / 8 + $0] != word(page, $0) } }
            check.eq(lost.count, 0, "lost writes")
            check.eq(VT.vmoInfo(vmo).committed_bytes, UInt64(pages * P), "each page committed once")
            check.status(zx_vmar_unmap(zx_vmar_root_self(), m.addr, pages * P), ZX_OK, "unmap")
            VT.close(vmo)
        }
    }

    /// An access that passed the TLB check just before an unmap must not land in the page after
    /// the unmap returned and the page was freed and reused: pages of a once-mapped VMO are only
    /// freed after AccessRegistry.synchronize (the shootdown acknowledgement) has waited out every
    /// open access window. Before that fix, a few hundred 0xDEAD… words per run showed up in
    /// VMOs that were never mapped.
    @Test
    func storesRacingUnmapNeverReachFreedPages() throws {
        try VT.run { process, check in
            let P = VT.page, rounds = 5000, poison: UInt64 = 0xDEAD_DEAD_DEAD_DEAD
            let region = VT.allocate(zx_vmar_root_self(), canRWS, 0, 8 * P)
            let progress = Progress()
            let failures = Failures()
            let base = region.addr, vmar = region.handle
            onHostThreads(4) { index in
                do {
                    try process.run {
                        var rng = UInt64(index + 1) &* 0x9E37_79B9_7F4A_7C15
                        if index > 0 {
                            while !progress.done.load(ordering: .acquiring) {
                                rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17
                                _ = VT.store(poison, base + UInt(Int(rng % 8) * P + Int((rng >> 8) % 512) * 8))
                            }
                            return
                        }
                        // Each overwrite frees the replaced single-mapping VMO's page; a VMO that
                        // is never mapped then likely reuses it and must keep its own contents.
                        var victims: [zx_handle_t] = []
                        for round in 0..<rounds {
                            let mapped = filledVmo(pages: 1, 0x1111_1111_1111_1111)
                            _ = VT.map(vmar, rw | ZX_VM_SPECIFIC_OVERWRITE, (round % 8) * P, mapped, 0, P)
                            VT.close(mapped)
                            victims.append(filledVmo(pages: 1, 0x2222_2222_2222_2222))
                            guard victims.count == 64 || round == rounds - 1 else { continue }
                            for victim in victims {
                                var words = [UInt64](repeating: 0, count: P / 8)
                                _ = words.withUnsafeMutableBytes { zx_vmo_read(victim, $0.baseAddress, 0, P) }
                                if words.contains(poison) { failures.add("round \(round): a freed page took a stale store") }
                                VT.close(victim)
                            }
                            victims.removeAll()
                        }
                        progress.done.store(true, ordering: .releasing)
                    }
                } catch {
                    failures.add("thread \(index): run failed \(error)")
                }
            }
            check.that(failures.all.isEmpty, failures.all.joined(separator: "\n"))
            check.status(zx_vmar_destroy(vmar), ZX_OK, "cleanup")
            VT.close(vmar)
        }
    }
}
