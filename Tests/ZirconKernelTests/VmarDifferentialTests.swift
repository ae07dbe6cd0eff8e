// Differential random test: seeded sequences of allocate/map/unmap/protect/destroy/load/store and
// VMO resizes, each status and byte checked against a per-page model of §3.1–3.5 and §2.

import Testing
import Zirconia

private let R = ZX_VM_PERM_READ, W = ZX_VM_PERM_WRITE

/// SplitMix64: deterministic per seed.
private struct Rng {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func upTo(_ lo: Int, _ hi: Int) -> Int { lo + below(hi - lo + 1) }
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
}

private final class MRegion {
    let base: UInt, size: UInt, depth: Int
    let canRead: Bool, canWrite: Bool, canSpecific: Bool
    let handle: zx_handle_t, limited: zx_handle_t   // full rights / without OP_CHILDREN
    weak var parent: MRegion?
    var alive = true
    var children: [MRegion] = []
    var end: UInt { base + size }
    /// The PERM bits this region's handles may grant.
    var handlePerms: UInt32 { (canRead ? R : 0) | (canWrite ? W : 0) }

    init(base: UInt, size: UInt, depth: Int, canRead: Bool, canWrite: Bool, canSpecific: Bool,
         handle: zx_handle_t, parent: MRegion?) {
        self.base = base; self.size = size; self.depth = depth
        self.canRead = canRead; self.canWrite = canWrite; self.canSpecific = canSpecific
        self.handle = handle
        self.limited = VT.dup(handle, VT.rights(handle) & ~ZX_RIGHT_OP_CHILDREN)
        self.parent = parent
    }
}

/// One mapped page: its direct parent region, VMO window and permissions.
private struct MPage {
    let region: MRegion
    let vmo: Int
    let offset: UInt64
    var perms: UInt32
    let max: UInt32
}

private final class MVmo {
    let handle: zx_handle_t, koid: zx_koid_t
    var bytes: [UInt8]
    init(handle: zx_handle_t, size: Int) {
        self.handle = handle
        self.koid = VT.koid(handle)
        self.bytes = [UInt8](repeating: 0, count: size)
    }
}

/// The reference model plus the driver that compares it with the kernel.
private final class Differential {
    let P = VT.pageU
    let seed: UInt64, aslr: Bool
    var rng: Rng
    var pages: [UInt: MPage] = [:]
    var regions: [MRegion] = []
    var window: MRegion!
    var windowOffset = 0
    var vmos: [MVmo] = []
    var vmoHandles: [(vmo: Int, handle: zx_handle_t, perms: UInt32)] = []
    var history: [String] = []
    var failure: String?
    var step = 0

    init(seed: UInt64, aslr: Bool) {
        self.seed = seed
        self.aslr = aslr
        self.rng = Rng(state: seed)
    }

    // MARK: Reporting

    func note(_ text: String) {
        history.append("#\(step) \(text)")
        if history.count > 12 { history.removeFirst() }
    }

    func fail(_ text: String) {
        guard failure == nil else { return }
        failure = "seed \(seed) aslr \(aslr) op #\(step): \(text)\nlast ops:\n" + history.joined(separator: "\n")
    }

    func expect(_ got: zx_status_t, _ want: zx_status_t, _ what: String) {
        if got != want { fail("\(what): got \(VmarCheck.name(got)), want \(VmarCheck.name(want))") }
    }

    // MARK: Model queries

    func pagesIn(_ a: UInt, _ b: UInt) -> StrideTo<UInt> { stride(from: a, to: b, by: Int(P)) }

    func occupied(_ r: MRegion, _ a: UInt, _ b: UInt) -> Bool {
        r.children.contains { $0.base < b && a < $0.end } || pagesIn(a, b).contains { pages[$0] != nil }
    }

    func hasChildren(_ r: MRegion) -> Bool { !r.children.isEmpty || pagesIn(r.base, r.end).contains { pages[$0] != nil } }

    func lowestSpot(_ r: MRegion, size: UInt, align: UInt, limit: UInt) -> UInt? {
        var x = (r.base + align - 1) / align * align
        while x + size <= limit {
            if !occupied(r, x, x + size) { return x }
            x += align
        }
        return nil
    }

    func destroy(_ r: MRegion) {
        for child in r.children { destroy(child) }
        r.children = []
        r.alive = false
        for (address, page) in pages where page.region === r { pages[address] = nil }
        r.parent?.children.removeAll { $0 === r }
    }

    func pickRegion() -> MRegion {
        let live = regions.filter(\.alive)
        if !live.isEmpty && rng.chance(85) { return live[rng.below(live.count)] }
        return regions[rng.below(regions.count)]
    }

    /// Placement choice shared by allocate and map: 0 SPECIFIC, 1 OVERWRITE, 2 UPPER_LIMIT, 3 anywhere.
    func placementOptions(_ mode: Int) -> zx_vm_option_t {
        [ZX_VM_SPECIFIC, ZX_VM_SPECIFIC_OVERWRITE, ZX_VM_OFFSET_IS_UPPER_LIMIT, 0][mode]
    }

    /// Model of §3.1 steps 12–15 / §3.2 steps 21–24 for a live region. Returns the status and, if
    /// it is ZX_OK and the address is determined, the address.
    func place(_ r: MRegion, mode: Int, offset: UInt, size: UInt, align: UInt) -> (zx_status_t, UInt?) {
        if mode != 3 && !r.canSpecific { return (ZX_ERR_ACCESS_DENIED, nil) }
        if mode == 2 {
            if offset > r.size || size > r.size || size > offset { return (ZX_ERR_INVALID_ARGS, nil) }
        } else if offset >= r.size || size > r.size - offset {
            return (ZX_ERR_INVALID_ARGS, nil)
        }
        if mode == 0 || mode == 1 {
            let a = r.base + offset
            if a % align != 0 { return (ZX_ERR_INVALID_ARGS, nil) }
            if mode == 1 {
                if r.children.contains(where: { $0.base < a + size && a < $0.end }) { return (ZX_ERR_INVALID_ARGS, nil) }
                return (ZX_OK, a)
            }
            return occupied(r, a, a + size) ? (ZX_ERR_ALREADY_EXISTS, nil) : (ZX_OK, a)
        }
        let limit = mode == 2 ? r.base + offset : r.end
        guard let spot = lowestSpot(r, size: size, align: align, limit: limit) else { return (ZX_ERR_NO_RESOURCES, nil) }
        return (ZX_OK, aslr ? nil : spot)
    }

    /// Checks a returned address against the model's constraints (ASLR picks any fitting spot).
    func checkAddress(_ got: UInt, _ want: UInt?, _ r: MRegion, mode: Int, offset: UInt, size: UInt, align: UInt,
                      overwrite: Bool) {
        if let want {
            if got != want { fail("address \(got), want \(want)") }
            return
        }
        let limit = mode == 2 ? r.base + offset : r.end
        if got % align != 0 || got < r.base || got + size > limit || (!overwrite && occupied(r, got, got + size)) {
            fail("address \(got) is not a legal spot in [\(r.base), \(limit)) for \(size) bytes")
        }
    }

    // MARK: Operations

    func allocate() {
        let r = pickRegion()
        let h = rng.chance(30) ? r.limited : r.handle
        let canRead = rng.chance(90), canWrite = rng.chance(70), canSpecific = rng.chance(50)
        let mode = [0, 2, 3, 3, 0][rng.below(5)]
        let pages = UInt(rng.upTo(1, 6)), size = pages * P
        let offset = mode == 3 ? 0 : UInt(rng.upTo(0, Int(r.size / P) + 1)) * P
        let log2 = [0, 0, 0, 13, 14][rng.below(5)]
        let align = max(P, UInt(1) << UInt(log2))
        var options = placementOptions(mode) | (UInt32(log2) << 24)
        if canRead { options |= ZX_VM_CAN_MAP_READ }
        if canWrite { options |= ZX_VM_CAN_MAP_WRITE }
        if canSpecific { options |= ZX_VM_CAN_MAP_SPECIFIC }
        note("allocate in [\(r.base), \(r.end)) options \(options) offset \(offset) size \(size)")
        var want: zx_status_t, wantAddress: UInt?
        if (canRead && !r.canRead) || (canWrite && !r.canWrite) {
            want = ZX_ERR_ACCESS_DENIED
        } else if !r.alive {
            want = ZX_ERR_BAD_STATE
        } else {
            (want, wantAddress) = place(r, mode: mode, offset: offset, size: size, align: align)
        }
        let got = VT.allocate(h, options, Int(offset), Int(size))
        expect(got.status, want, "allocate")
        guard got.status == ZX_OK, want == ZX_OK else { return }
        checkAddress(got.addr, wantAddress, r, mode: mode, offset: offset, size: size, align: align, overwrite: false)
        let child = MRegion(base: got.addr, size: size, depth: r.depth + 1, canRead: canRead, canWrite: canWrite,
                            canSpecific: canSpecific, handle: got.handle, parent: r)
        r.children.append(child)
        regions.append(child)
    }

    func map() {
        let r = pickRegion()
        let h = rng.chance(30) ? r.limited : r.handle
        let (vmoIndex, vmoHandle, vmoPerms) = vmoHandles[rng.chance(70) ? rng.below(3) : rng.below(vmoHandles.count)]
        let perms = [R, R | W, R | W, R | W, 0, W, R][rng.below(7)]
        let mode = rng.below(4)
        let count = UInt(rng.upTo(1, 5)), size = count * P
        let len = rng.chance(10) ? Int(size) - 1 : Int(size)
        let offset = mode == 3 ? 0 : UInt(rng.upTo(0, Int(r.size / P) + 1)) * P
        let vmoOffset = UInt64(rng.upTo(0, vmos[vmoIndex].bytes.count / Int(P) + 1)) * UInt64(P)
        let log2 = [0, 0, 0, 13][rng.below(4)]
        let align = max(P, UInt(1) << UInt(log2))
        let options = perms | placementOptions(mode) | (UInt32(log2) << 24)
        let maxPerms = vmoPerms & r.handlePerms
        note("map vmo \(vmoIndex) @\(vmoOffset) in [\(r.base), \(r.end)) options \(options) offset \(offset) len \(len)")
        var want: zx_status_t, wantAddress: UInt?
        if perms & W != 0 && perms & R == 0 {
            want = ZX_ERR_INVALID_ARGS
        } else if perms & maxPerms != perms {
            want = ZX_ERR_ACCESS_DENIED
        } else if !r.alive {
            want = ZX_ERR_BAD_STATE
        } else {
            (want, wantAddress) = place(r, mode: mode, offset: offset, size: size, align: align)
        }
        let got = VT.map(h, options, Int(offset), vmoHandle, vmoOffset, len)
        expect(got.status, want, "map")
        guard got.status == ZX_OK, want == ZX_OK else { return }
        checkAddress(got.addr, wantAddress, r, mode: mode, offset: offset, size: size, align: align, overwrite: mode == 1)
        for (i, address) in pagesIn(got.addr, got.addr + size).enumerated() {
            pages[address] = MPage(region: r, vmo: vmoIndex, offset: vmoOffset + UInt64(i) * UInt64(P), perms: perms,
                                   max: maxPerms)
        }
    }

    /// A range for unmap/protect in `r`: often starting at a mapped page, usually inside `r`,
    /// sometimes sticking out or unaligned. Returns (address, len, len rounded up).
    func range(_ r: MRegion) -> (UInt, Int, UInt) {
        let pageCount = Int(r.size / P)
        let mapped = pagesIn(r.base, r.end).filter { pages[$0] != nil }
        var start: UInt, count: Int
        if !mapped.isEmpty && rng.chance(50) {
            start = mapped[rng.below(mapped.count)]
            count = rng.upTo(1, 3)
        } else if rng.chance(60) {
            let first = rng.upTo(0, pageCount - 1)
            start = r.base + UInt(first) * P
            count = rng.upTo(1, pageCount - first)
        } else {
            start = UInt(Int(r.base) + rng.upTo(-2, pageCount + 1) * Int(P))
            count = rng.upTo(1, pageCount + 2)
        }
        let len = rng.chance(10) ? count * Int(P) - 1 : count * Int(P)
        return (start + (rng.chance(2) ? 1 : 0), len, UInt(count) * P)
    }

    func unmap() {
        let r = pickRegion()
        let opChildren = rng.chance(75)
        let (a, len, rounded) = range(r)
        let b = a &+ rounded
        note("unmap [\(a), +\(len)) in [\(r.base), \(r.end)) opChildren \(opChildren)")
        var want = ZX_OK
        if a % P != 0 {
            want = ZX_ERR_INVALID_ARGS
        } else if !r.alive {
            want = ZX_ERR_BAD_STATE
        } else if a < r.base || b > r.end {
            want = ZX_ERR_INVALID_ARGS
        } else if hasChildren(r), r.children.contains(where: { $0.base < b && a < $0.end && (!opChildren || $0.base < a || $0.end > b) }) {
            want = ZX_ERR_INVALID_ARGS
        }
        expect(zx_vmar_unmap(opChildren ? r.handle : r.limited, a, len), want, "unmap")
        guard want == ZX_OK else { return }
        for child in r.children where child.base >= a && child.end <= b { destroy(child) }
        for address in pagesIn(a, b) where pages[address]?.region === r { pages[address] = nil }
    }

    func protect() {
        let r = pickRegion()
        let opChildren = rng.chance(75)
        let perms = [R, R | W, R | W, 0, W][rng.below(5)]
        let (a, len, rounded) = range(r)
        let b = a &+ rounded
        note("protect [\(a), +\(len)) to \(perms) in [\(r.base), \(r.end)) opChildren \(opChildren)")
        var want = ZX_OK
        if perms & r.handlePerms != perms {
            want = ZX_ERR_ACCESS_DENIED
        } else if perms & W != 0 && perms & R == 0 {
            want = ZX_ERR_INVALID_ARGS
        } else if a % P != 0 {
            want = ZX_ERR_INVALID_ARGS
        } else if !r.alive {
            want = ZX_ERR_BAD_STATE
        } else if a < r.base || b > r.end {
            want = ZX_ERR_INVALID_ARGS
        } else {
            for address in pagesIn(a, b) {
                guard let page = pages[address] else { want = ZX_ERR_NOT_FOUND; break }
                if page.max & perms != perms { want = ZX_ERR_ACCESS_DENIED; break }
                if page.region !== r {
                    if !opChildren { want = ZX_ERR_INVALID_ARGS; break }
                    if page.perms & perms != perms { want = ZX_ERR_ACCESS_DENIED; break }
                }
            }
        }
        expect(zx_vmar_protect(opChildren ? r.handle : r.limited, perms, a, len), want, "protect")
        guard want == ZX_OK else { return }
        for address in pagesIn(a, b) { pages[address]?.perms = perms }
    }

    func destroyOp() {
        let others = regions.filter { $0.alive && $0 !== window }
        let r = !others.isEmpty && rng.chance(90) ? others[rng.below(others.count)] : pickRegion()
        let opChildren = rng.chance(85)
        note("destroy [\(r.base), \(r.end)) opChildren \(opChildren)")
        let want = !opChildren ? ZX_ERR_ACCESS_DENIED : (r.alive ? ZX_OK : ZX_ERR_BAD_STATE)
        expect(zx_vmar_destroy(opChildren ? r.handle : r.limited), want, "destroy")
        guard want == ZX_OK else { return }
        destroy(r)
        if r === window { makeWindow(specific: true) }
    }

    /// Expected outcome of touching `address` (one page): status and the VMO byte index.
    func access(_ address: UInt, write: Bool) -> (zx_status_t, Int?, Int) {
        guard let page = pages[address - address % P] else { return (ZX_ERR_NOT_FOUND, nil, 0) }
        let needed = write ? R | W : R
        if page.perms & needed != needed { return (ZX_ERR_ACCESS_DENIED, nil, 0) }
        let index = Int(page.offset) + Int(address % P)
        if page.offset >= UInt64(vmos[page.vmo].bytes.count) { return (ZX_ERR_OUT_OF_RANGE, nil, 0) }
        return (ZX_OK, index, page.vmo)
    }

    func randomAddress() -> UInt {
        if !pages.isEmpty && rng.chance(65) {
            let mapped = pages.keys.sorted()
            return mapped[rng.below(mapped.count)] + UInt(rng.below(Int(P)))
        }
        let span = Int(window.size / P) + 4
        return window.base - 2 * P + UInt(rng.below(span)) * P + UInt(rng.below(Int(P)))
    }

    func load() {
        var address = randomAddress()
        let wide = rng.chance(50)
        if wide && rng.chance(20) { address = address - address % P + P - 4 }  // crosses a page
        else if wide { address -= address % 8 }
        let count = wide ? 8 : 1
        note("load\(count * 8) at \(address)")
        var want = ZX_OK, bytes: [UInt8] = []
        for i in 0..<count {
            let (status, index, vmo) = access(address + UInt(i), write: false)
            if status != ZX_OK { want = status; break }
            bytes.append(vmos[vmo].bytes[index!])
        }
        var status: zx_status_t, got: UInt64
        if wide {
            (status, got) = VT.load64(address)
        } else {
            let byte = VT.load(address)
            (status, got) = (byte.status, UInt64(byte.value))
        }
        expect(status, want, "load")
        guard status == ZX_OK, want == ZX_OK else { return }
        let value = bytes.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        if got != value { fail("load value \(got), want \(value)") }
    }

    func store() {
        let wide = rng.chance(50)
        var address = randomAddress()
        if wide { address -= address % 8 }
        let value = rng.next()
        note("store\(wide ? 64 : 8) \(value) at \(address)")
        let (want, index, vmo) = access(address, write: true)
        let got = wide ? VT.store(value, address) : VT.store(UInt8(truncatingIfNeeded: value), address)
        expect(got, want, "store")
        guard want == ZX_OK, let index else { return }
        for i in 0..<(wide ? 8 : 1) { vmos[vmo].bytes[index + i] = UInt8(truncatingIfNeeded: value >> UInt64(8 * i)) }
    }

    func readMemory() {
        let address = randomAddress() / 8 * 8
        note("read_memory 8 at \(address)")
        // Debugger access: no permission check; NO_MEMORY if unmapped, OUT_OF_RANGE past the VMO.
        var want = ZX_OK, expected: UInt64 = 0
        if let page = pages[address - address % P] {
            let bytes = vmos[page.vmo].bytes
            if page.offset >= UInt64(bytes.count) {
                want = ZX_ERR_OUT_OF_RANGE
            } else {
                let start = Int(page.offset) + Int(address % P)
                expected = bytes[start..<start + 8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            }
        } else {
            want = ZX_ERR_NO_MEMORY
        }
        var value: UInt64 = 0
        var actual = 0
        let got = zx_process_read_memory(zx_process_self(), address, &value, 8, &actual)
        expect(got, want, "read_memory")
        guard got == ZX_OK, want == ZX_OK else { return }
        if actual != 8 || value != expected { fail("read_memory \(actual) bytes \(value), want 8 bytes \(expected)") }
    }

    func resize() {
        let pages = rng.upTo(1, 8)
        note("set_size vmo 2 to \(pages) pages")
        expect(zx_vmo_set_size(vmos[2].handle, UInt64(pages) * UInt64(P)), ZX_OK, "set_size")
        let size = pages * Int(P)
        if size < vmos[2].bytes.count { vmos[2].bytes.removeLast(vmos[2].bytes.count - size) }
        else { vmos[2].bytes += [UInt8](repeating: 0, count: size - vmos[2].bytes.count) }
    }

    // MARK: Whole-state comparisons

    func compareVmos() {
        for (i, vmo) in vmos.enumerated() {
            var bytes = [UInt8](repeating: 0xee, count: vmo.bytes.count)
            let status = zx_vmo_read(vmo.handle, &bytes, 0, bytes.count)
            if status != ZX_OK || bytes != vmo.bytes { fail("VMO \(i) contents differ (\(VmarCheck.name(status)))") }
        }
    }

    func compareMaps() {
        let (status, rows) = VT.maps()
        expect(status, ZX_OK, "ZX_INFO_PROCESS_MAPS")
        for (previous, row) in zip(rows, rows.dropFirst()) {
            let opensLevel = previous.type != ZX_INFO_MAPS_TYPE_MAPPING
            if row.base < previous.base || row.depth > previous.depth + (opensLevel ? 1 : 0) {
                fail("maps rows out of pre-order at base \(row.base)")
            }
        }
        let mine = rows.filter { $0.depth >= 2 && $0.base >= window.base && $0.base < window.end }
        var gotRegions = Set<[UInt]>(), gotPages: [UInt: [UInt64]] = [:]
        for row in mine {
            if row.type == ZX_INFO_MAPS_TYPE_VMAR {
                gotRegions.insert([row.base, UInt(row.size), UInt(row.depth)])
            } else {
                let m = row.u.mapping
                for (i, address) in pagesIn(row.base, row.base + UInt(row.size)).enumerated() {
                    gotPages[address] = [UInt64(row.depth), m.vmo_koid, m.vmo_offset + UInt64(i) * UInt64(P), UInt64(m.mmu_flags)]
                }
            }
        }
        let wantRegions = Set(regions.filter(\.alive).map { [$0.base, $0.size, UInt($0.depth)] })
        var wantPages: [UInt: [UInt64]] = [:]
        for (address, page) in pages {
            wantPages[address] = [UInt64(page.region.depth + 1), vmos[page.vmo].koid, page.offset, UInt64(page.perms)]
        }
        if gotRegions != wantRegions { fail("maps regions \(gotRegions.sorted { $0[0] < $1[0] }) want \(wantRegions.sorted { $0[0] < $1[0] })") }
        if gotPages != wantPages { fail("maps pages differ: got \(gotPages.count) want \(wantPages.count)") }
    }

    // MARK: Driver

    func makeWindow(specific: Bool) {
        let size = 32 * Int(P)
        let options = ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE | ZX_VM_CAN_MAP_SPECIFIC | (specific ? ZX_VM_SPECIFIC : 0)
        let got = VT.allocate(zx_vmar_root_self(), options, specific ? windowOffset : 0, size)
        expect(got.status, ZX_OK, "allocate the window")
        if !specific { windowOffset = Int(got.addr - VT.vmarInfo(zx_vmar_root_self()).info.base) }
        window = MRegion(base: got.addr, size: UInt(size), depth: 2, canRead: true, canWrite: true, canSpecific: true,
                         handle: got.handle, parent: nil)
        regions.append(window)
    }

    func run(ops: Int) {
        for (pages, options) in [(8, UInt32(0)), (4, UInt32(0)), (6, ZX_VMO_RESIZABLE)] {
            let handle = VT.vmo(pages: pages, options: options)
            vmos.append(MVmo(handle: handle, size: pages * Int(P)))
            vmoHandles.append((vmos.count - 1, handle, R | W))
        }
        vmoHandles.append((0, VT.dup(vmos[0].handle, ZX_RIGHT_MAP | ZX_RIGHT_READ), R))
        vmoHandles.append((2, VT.dup(vmos[2].handle, ZX_RIGHT_MAP | ZX_RIGHT_READ), R))
        makeWindow(specific: false)
        for i in 0..<ops where failure == nil {
            step = i
            switch rng.below(100) {
            case 0..<10: allocate()
            case 10..<28: map()
            case 28..<38: unmap()
            case 38..<48: protect()
            case 48..<51: destroyOp()
            case 51..<72: load()
            case 72..<90: store()
            case 90..<97: readMemory()
            default: resize()
            }
            if i % 200 == 199 { compareVmos(); compareMaps() }
        }
        if failure == nil { compareVmos(); compareMaps() }
        if window.alive { expect(zx_vmar_destroy(window.handle), ZX_OK, "destroy the window") }
        for region in regions { VT.close(region.handle, region.limited) }
        for entry in vmoHandles { VT.close(entry.handle) }
    }
}

@Suite struct VmarDifferentialTests {
    @Test(arguments: [(UInt64(1), true), (2, true), (3, true), (4, false), (5, false)])
    func randomSequencesMatchTheModel(seed: UInt64, aslr: Bool) throws {
        try VT.run(memory: 32 << 20, aslrBits: aslr ? 30 : 0, seed: seed) { process, check in
            let before = process.kernel.memoryStats.freePages
            let differential = Differential(seed: seed, aslr: aslr)
            differential.run(ops: 3000)
            check.that(differential.failure == nil, differential.failure ?? "")
            check.eq(process.kernel.memoryStats.freePages, before, "seed \(seed) aslr \(aslr): pages back after cleanup")
        }
    }
}
