// Differential test of child VMOs against a naive model: every VMO is a plain byte array, a
// snapshot copies its parent's bytes eagerly, slices and references alias a window of their
// owner's array. Long random sequences of create-child (every kind, random offsets and sizes,
// also beyond the parent), write, read, zero, commit, decommit, resize, close, map, store and load
// through mappings, unmap: every byte read and every status must match the model (statuses per the
// reference's rules, §3.8–3.12), committed_bytes obeys §4.5's invariants, and the PMM is back at
// its baseline at the end. A failure names its seed and step.

import Testing
import Zirconia

/// SplitMix64, so a failing sequence can be replayed from its printed seed.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
}

/// The owners of one copy-on-write tree that are still alive (decommit needs it to be 1).
private final class Family { var owners = 0 }

/// The bytes of a root or snapshot, shared by its slices and references.
private final class Storage {
    var bytes: [UInt8]
    /// Per page: committed somewhere this VMO can see it (what a lone survivor is charged for).
    var backed: [Bool]
    let family: Family
    /// Live model VMOs (handle or mapping) showing these bytes; the owner dies at 0.
    var views = 0

    init(size: UInt64, family: Family) {
        bytes = [UInt8](repeating: 0, count: Int(size))
        backed = [Bool](repeating: false, count: Int(size / vmoPage))
        self.family = family
        family.owners += 1
    }
}

private enum Kind { case root, snapshot, slice, reference }

/// One VMO of the model: a window of a storage.
private final class Entry {
    var handle: zx_handle_t
    let storage: Storage
    let kind: Kind
    let offset: UInt64
    /// Slices (and references of slices) have a fixed size; the rest follow their storage.
    let fixedSize: UInt64?
    let isResizable: Bool
    let canWrite: Bool
    let canResize: Bool
    var mapping: (address: zx_vaddr_t, size: UInt64)?

    init(handle: zx_handle_t, storage: Storage, kind: Kind, offset: UInt64, fixedSize: UInt64?,
         isResizable: Bool, canWrite: Bool, canResize: Bool) {
        self.handle = handle
        self.storage = storage
        self.kind = kind
        self.offset = offset
        self.fixedSize = fixedSize
        self.isResizable = isResizable
        self.canWrite = canWrite
        self.canResize = canResize
        storage.views += 1
    }

    var size: UInt64 { fixedSize ?? UInt64(storage.bytes.count) }
    var hasHandle: Bool { handle != ZX_HANDLE_INVALID }
    var isAlive: Bool { hasHandle || mapping != nil }
    var isOwner: Bool { kind == .root || kind == .snapshot }

    func byte(_ at: UInt64) -> UInt8 { storage.bytes[Int(offset + at)] }

    func write(_ data: [UInt8], at: UInt64) {
        for (i, value) in data.enumerated() { storage.bytes[Int(offset + at) + i] = value }
        markBacked(at, at + UInt64(data.count), partialToo: true, true)
    }

    /// Sets `backed` for pages of [start, end): whole pages, and touched partial pages if asked.
    func markBacked(_ start: UInt64, _ end: UInt64, partialToo: Bool, _ value: Bool) {
        guard start < end else { return }
        let p = vmoPage
        let first = partialToo ? start / p : (start + p - 1) / p
        let last = partialToo ? (end + p - 1) / p : end / p
        guard first < last else { return }
        for page in first..<last { storage.backed[Int(offset / p + page)] = value }
    }

    func zero(_ start: UInt64, _ end: UInt64) {
        for i in start..<end { storage.bytes[Int(offset + i)] = 0 }
        markBacked(start, end, partialToo: false, false)
    }
}

@Suite struct VmoCloneDifferentialTests {
    @Test(arguments: [0x5EED_0001, 0xC0FF_EE42, 0xDEAD_BEEF, 0x0BAD_CAFE, 7, 1234] as [UInt64])
    func randomOperationsMatchTheModel(seed: UInt64) throws {
        try cloneRun(memory: 64 << 20) { c in
            var run = DifferentialRun(seed: seed, checks: c)
            run.execute(steps: 2500)
            run.tearDown()
            if c.failureCount > 0 { c.record("replay with seed \(seed)", #_sourceLocation) }
        }
    }
}

private struct DifferentialRun {
    var rng: SplitMix
    let c: VmoChecks
    let seed: UInt64
    var entries: [Entry] = []
    var step = 0
    let p = vmoPage

    init(seed: UInt64, checks: VmoChecks) {
        self.seed = seed
        self.c = checks
        rng = SplitMix(state: seed)
    }

    var context: String { "seed \(seed) step \(step)" }

    mutating func execute(steps: Int) {
        for index in 0..<steps {
            step = index
            let withHandles = entries.filter(\.hasHandle)
            if withHandles.count < 2 || (withHandles.count < 6 && rng.chance(10)) { createRoot(); continue }
            let entry = withHandles[rng.below(withHandles.count)]
            switch rng.below(100) {
            case 0..<22: createChild(of: entry)
            case 22..<36: write(entry)
            case 36..<44: read(entry)
            case 44..<52: zero(entry)
            case 52..<57: commit(entry)
            case 57..<62: decommit(entry)
            case 62..<70: resize(entry)
            case 70..<76: map(entry)
            case 76..<88: mappedAccess()
            case 88..<91: unmap()
            default: close(entry)
            }
            if entries.filter(\.hasHandle).count > 20 { close(entries.first(where: \.hasHandle)!) }
            if index % 50 == 0 { verifyAll() }
            if c.failureCount > 0 { return }   // the first divergence is the interesting one
        }
        verifyAll()
    }

    // MARK: Operations

    mutating func createRoot() {
        let pages = UInt64(1 + rng.below(8))
        let resizable = rng.chance(50)
        let handle = vmoMake(c, pages * p, resizable ? ZX_VMO_RESIZABLE : 0)
        let storage = Storage(size: pages * p, family: Family())
        entries.append(Entry(handle: handle, storage: storage, kind: .root, offset: 0, fixedSize: nil,
                             isResizable: resizable, canWrite: true, canResize: resizable))
    }

    mutating func randomOffset() -> UInt64 {
        rng.chance(8) ? UInt64(rng.below(3 * Int(p))) : UInt64(rng.below(12)) * p
    }

    mutating func randomSize() -> UInt64 {
        if rng.chance(3) { return UInt64.max }
        return UInt64(rng.below(10)) * p + (rng.chance(20) ? UInt64(1 + rng.below(Int(p) - 1)) : 0)
    }

    mutating func createChild(of parent: Entry) {
        let kinds: [UInt32] = [ZX_VMO_CHILD_SNAPSHOT, ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE, ZX_VMO_CHILD_SLICE,
                               ZX_VMO_CHILD_REFERENCE]
        let type = kinds[rng.below(kinds.count)]
        var options = type
        if rng.chance(25) { options |= ZX_VMO_CHILD_RESIZABLE }
        if rng.chance(20) { options |= ZX_VMO_CHILD_NO_WRITE }
        var offset = randomOffset(), size = randomSize()
        if type == ZX_VMO_CHILD_REFERENCE && rng.chance(85) { offset = 0; size = 0 }
        let resizable = options & ZX_VMO_CHILD_RESIZABLE != 0
        let noWrite = options & ZX_VMO_CHILD_NO_WRITE != 0
        let rounded: UInt64? = size > maxSize ? nil : (size + p - 1) / p * p
        let expected: zx_status_t
        if noWrite && resizable {
            expected = ZX_ERR_INVALID_ARGS
        } else if type == ZX_VMO_CHILD_SLICE {
            if resizable || offset % p != 0 { expected = ZX_ERR_INVALID_ARGS }
            else if rounded == nil { expected = ZX_ERR_OUT_OF_RANGE }
            else if offset + rounded! > parent.size { expected = ZX_ERR_INVALID_ARGS }
            else if parent.isResizable { expected = ZX_ERR_NOT_SUPPORTED }
            else { expected = ZX_OK }
        } else if type == ZX_VMO_CHILD_REFERENCE {
            if offset != 0 || size != 0 { expected = ZX_ERR_INVALID_ARGS }
            else if resizable && !parent.isResizable { expected = ZX_ERR_NOT_SUPPORTED }
            else { expected = ZX_OK }
        } else {
            if offset % p != 0 { expected = ZX_ERR_INVALID_ARGS }
            else if rounded == nil { expected = ZX_ERR_OUT_OF_RANGE }
            else { expected = ZX_OK }
        }
        let (status, handle) = vmoChildStatus(parent.handle, options, offset, size)
        c.st(status, expected, "\(context) create_child(\(options), \(offset), \(size)) of \(parent.kind)")
        guard status == ZX_OK, expected == ZX_OK, let rounded else {
            if status == ZX_OK { _ = zx_handle_close(handle) }
            return
        }
        let child: Entry
        switch type {
        case ZX_VMO_CHILD_SLICE:
            child = Entry(handle: handle, storage: parent.storage, kind: .slice, offset: parent.offset + offset,
                          fixedSize: rounded, isResizable: false, canWrite: parent.canWrite && !noWrite, canResize: false)
        case ZX_VMO_CHILD_REFERENCE:
            child = Entry(handle: handle, storage: parent.storage, kind: .reference, offset: parent.offset,
                          fixedSize: parent.fixedSize, isResizable: parent.isResizable,
                          canWrite: parent.canWrite && !noWrite, canResize: resizable)
        default:
            let storage = Storage(size: rounded, family: parent.storage.family)
            for i in 0..<rounded where offset + i < parent.size { storage.bytes[Int(i)] = parent.byte(offset + i) }
            for page in 0..<(rounded / p) where offset + page * p < parent.size {
                storage.backed[Int(page)] = parent.storage.backed[Int((parent.offset + offset) / p + page)]
            }
            child = Entry(handle: handle, storage: storage, kind: .snapshot, offset: 0, fixedSize: nil,
                          isResizable: resizable, canWrite: !noWrite, canResize: resizable)
        }
        entries.append(child)
        c.eq(vmoGetSize(handle), child.size, "\(context) child size")
    }

    /// A random range around the entry's size: mostly inside, sometimes crossing or beyond it.
    mutating func randomRange(_ entry: Entry, maxLength: UInt64) -> (UInt64, UInt64) {
        let size = entry.size
        let offset = rng.chance(8) ? size + UInt64(rng.below(Int(p))) : UInt64(rng.below(Int(max(size, 1))))
        var length = UInt64(rng.below(Int(maxLength) + 1))
        if rng.chance(70), offset <= size { length = min(length, size - offset) }
        return (offset, length)
    }

    mutating func write(_ entry: Entry) {
        let (offset, length) = randomRange(entry, maxLength: 2 * p)
        let data = (0..<Int(length)).map { _ in UInt8(truncatingIfNeeded: rng.next()) | 1 }
        let expected = !entry.canWrite ? ZX_ERR_ACCESS_DENIED : (offset + length > entry.size ? ZX_ERR_OUT_OF_RANGE : ZX_OK)
        c.st(vmoPut(entry.handle, data, offset), expected, "\(context) write(\(offset), \(length))")
        if expected == ZX_OK { entry.write(data, at: offset) }
    }

    mutating func read(_ entry: Entry) {
        let (offset, length) = randomRange(entry, maxLength: 3 * p)
        let bytes = vmoBytes(entry.handle, offset, Int(length))
        if offset + length > entry.size {
            c.eq(bytes, nil, "\(context) read beyond the end")
        } else {
            c.eq(bytes, (0..<length).map { entry.byte(offset + $0) }, "\(context) read(\(offset), \(length))")
        }
    }

    mutating func zero(_ entry: Entry) {
        let (offset, length) = randomRange(entry, maxLength: 4 * p)
        let expected = !entry.canWrite ? ZX_ERR_ACCESS_DENIED : (offset + length > entry.size ? ZX_ERR_OUT_OF_RANGE : ZX_OK)
        c.st(vmoOp(entry.handle, ZX_VMO_OP_ZERO, offset, length), expected, "\(context) zero(\(offset), \(length))")
        if expected == ZX_OK, length > 0 { entry.zero(offset, offset + length) }
    }

    mutating func commit(_ entry: Entry) {
        let (offset, length) = randomRange(entry, maxLength: 4 * p)
        let expected = !entry.canWrite ? ZX_ERR_ACCESS_DENIED : (offset + length > entry.size ? ZX_ERR_OUT_OF_RANGE : ZX_OK)
        c.st(vmoOp(entry.handle, ZX_VMO_OP_COMMIT, offset, length), expected, "\(context) commit(\(offset), \(length))")
        if expected == ZX_OK { entry.markBacked(offset, offset + length, partialToo: true, true) }
    }

    mutating func decommit(_ entry: Entry) {
        var (offset, length) = randomRange(entry, maxLength: 4 * p)
        if rng.chance(70) { offset = offset / p * p; length = length / p * p }
        let expected: zx_status_t
        if !entry.canWrite { expected = ZX_ERR_ACCESS_DENIED }
        else if offset + length > entry.size { expected = ZX_ERR_OUT_OF_RANGE }
        else if length == 0 { expected = ZX_OK }
        else if entry.storage.family.owners > 1 { expected = ZX_ERR_NOT_SUPPORTED }
        else if offset % p != 0 || length % p != 0 { expected = ZX_ERR_INVALID_ARGS }
        else { expected = ZX_OK }
        c.st(vmoOp(entry.handle, ZX_VMO_OP_DECOMMIT, offset, length), expected,
             "\(context) decommit(\(offset), \(length)) family \(entry.storage.family.owners)")
        if expected == ZX_OK, length > 0 { entry.zero(offset, offset + length) }
    }

    mutating func resize(_ entry: Entry) {
        let newSize = rng.chance(3) ? UInt64.max : UInt64(rng.below(9)) * p + (rng.chance(30) ? UInt64(rng.below(Int(p))) : 0)
        let expected: zx_status_t
        if !entry.canWrite { expected = ZX_ERR_ACCESS_DENIED }
        else if entry.isResizable && !entry.canResize { expected = ZX_ERR_ACCESS_DENIED }
        else if newSize > maxSize { expected = ZX_ERR_OUT_OF_RANGE }
        else if !entry.isResizable { expected = ZX_ERR_UNAVAILABLE }
        else { expected = ZX_OK }
        c.st(zx_vmo_set_size(entry.handle, newSize), expected, "\(context) set_size(\(newSize)) of \(entry.kind)")
        guard expected == ZX_OK else { return }
        let storage = entry.storage
        let rounded = (newSize + p - 1) / p * p
        let old = UInt64(storage.bytes.count)
        if rounded < old {
            storage.bytes.removeLast(Int(old - rounded))
            storage.backed.removeLast(Int((old - rounded) / p))
        } else {
            storage.bytes += [UInt8](repeating: 0, count: Int(rounded - old))
            storage.backed += [Bool](repeating: false, count: Int((rounded - old) / p))
        }
        for i in newSize..<rounded { storage.bytes[Int(i)] = 0 }
    }

    mutating func map(_ entry: Entry) {
        guard entry.mapping == nil, entry.size > 0 else { return }
        let size = entry.size
        let options = entry.canWrite ? ZX_VM_PERM_READ | ZX_VM_PERM_WRITE : ZX_VM_PERM_READ
        var address: zx_vaddr_t = 0
        let flags = options | (rng.chance(30) ? ZX_VM_MAP_RANGE : 0)
        c.ok(zx_vmar_map(zx_vmar_root_self(), flags, 0, entry.handle, 0, Int(size), &address), "\(context) map")
        entry.mapping = (address, size)
    }

    mutating func mappedAccess() {
        let mapped = entries.filter { $0.mapping != nil }
        guard !mapped.isEmpty else { return }
        let entry = mapped[rng.below(mapped.count)]
        guard let (address, size) = entry.mapping else { return }
        let offset = UInt64(rng.below(Int(size / 4))) * 4
        let inRange = offset + 4 <= entry.size
        if rng.chance(50) {
            let value = UInt32(truncatingIfNeeded: rng.next()) | 1
            let expected = !entry.canWrite ? ZX_ERR_ACCESS_DENIED : (inRange ? ZX_OK : ZX_ERR_OUT_OF_RANGE)
            c.st(vmoStore32(value, address + UInt(offset)), expected, "\(context) store at \(offset) of \(entry.kind)")
            if expected == ZX_OK { entry.write(withUnsafeBytes(of: value.littleEndian) { Array($0) }, at: offset) }
        } else {
            switch vmoLoad32(address + UInt(offset)) {
            case .success(let value):
                c.yes(inRange, "\(context) load beyond the end succeeded")
                if inRange {
                    let model = (0..<4).reduce(UInt32(0)) { $0 | UInt32(entry.byte(offset + UInt64($1))) << (8 * $1) }
                    c.eq(value, model, "\(context) load at \(offset) of \(entry.kind)")
                }
            case .failure(let fault):
                c.st(fault.status, inRange ? ZX_OK : ZX_ERR_OUT_OF_RANGE, "\(context) load at \(offset)")
            }
        }
    }

    mutating func unmap() {
        guard let entry = entries.first(where: { $0.mapping != nil }), let (address, size) = entry.mapping else { return }
        c.ok(zx_vmar_unmap(zx_vmar_root_self(), address, Int(size)), "\(context) unmap")
        entry.mapping = nil
        retire(entry)
    }

    mutating func close(_ entry: Entry) {
        c.ok(zx_handle_close(entry.handle), "\(context) close")
        entry.handle = ZX_HANDLE_INVALID
        retire(entry)
    }

    /// Drops a dead entry; an owner dies with its last view, and leaves its family.
    mutating func retire(_ entry: Entry) {
        guard !entry.isAlive else { return }
        entries.removeAll { $0 === entry }
        entry.storage.views -= 1
        if entry.storage.views == 0 { entry.storage.family.owners -= 1 }
    }

    // MARK: Checks

    mutating func verifyAll() {
        var total: UInt64 = 0, visible: UInt64 = 0
        for entry in entries where entry.hasHandle {
            c.eq(vmoGetSize(entry.handle), entry.size, "\(context) size of \(entry.kind)")
            let model = Array(entry.storage.bytes[Int(entry.offset)..<Int(entry.offset + entry.size)])
            if let actual = vmoBytes(entry.handle, 0, Int(entry.size)), actual != model {
                let first = zip(actual, model).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? 0
                c.record("\(context) contents of \(entry.kind) differ first at byte \(first): got \(actual[first]), "
                         + "expected \(model[first])", #_sourceLocation)
            }
            let committed = vmoCommittedPages(entry.handle)
            if !entry.isOwner {
                c.eq(committed, 0, "\(context) aliases are never charged")
                continue
            }
            c.yes(committed * p <= entry.size, "\(context) committed \(committed) within the size")
            total += committed
            visible += entry.size / p
            if entry.storage.family.owners == 1 {
                let backed = UInt64(entry.storage.backed.filter { $0 }.count)
                c.eq(committed, backed, "\(context) a lone owner is charged exactly what it sees")
            }
        }
        c.yes(total <= visible, "\(context) totals within the visible sizes")
    }

    mutating func tearDown() {
        for entry in entries {
            if let (address, size) = entry.mapping { c.ok(zx_vmar_unmap(zx_vmar_root_self(), address, Int(size))) }
            if entry.hasHandle { c.ok(zx_handle_close(entry.handle)) }
        }
        entries = []
    }

    var maxSize: UInt64 { UInt64.max & ~(32 * p - 1) }
}
