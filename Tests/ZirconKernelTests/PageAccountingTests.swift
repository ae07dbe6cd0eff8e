// Page accounting: exact committed_bytes after every operation, PMM free pages back at their
// baseline after every teardown path, the memory info topics, and a model-based property test.

import Testing
@testable import ZirconKernel
import Zirconia

/// SplitMix64, so a failing sequence can be replayed from its printed seed.
private struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct PageAccountingTests {
    @Test func committedBytesAfterEachOperation() throws {
        try vmoInFreshProcess { c in
            let p = vmoPage
            let h = vmoMake(c, 8 * p, ZX_VMO_RESIZABLE)
            func expect(_ pages: UInt64, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
                c.eq(vmoCommitted(h), pages * p, what, sourceLocation: sourceLocation)
            }
            expect(0, "fresh")
            c.ok(vmoPut(h, [1], 0)); expect(1, "one-byte write")
            c.ok(vmoPut(h, [1, 2], p - 1)); expect(2, "write across a boundary")
            c.ok(vmoPut(h, [], 5 * p)); expect(2, "empty write")
            var byte: UInt8 = 0
            c.ok(zx_vmo_read(h, &byte, 6 * p, 1)); expect(2, "reads commit nothing")
            c.ok(vmoOp(h, ZX_VMO_OP_COMMIT, 2 * p, 2 * p)); expect(4, "commit pages 2-3")
            c.ok(vmoOp(h, ZX_VMO_OP_COMMIT, 0, 4 * p)); expect(4, "re-commit")
            c.ok(vmoOp(h, ZX_VMO_OP_DECOMMIT, p, p)); expect(3, "decommit page 1")
            c.ok(vmoOp(h, ZX_VMO_OP_DECOMMIT, 6 * p, 2 * p)); expect(3, "decommit uncommitted")
            c.ok(vmoOp(h, ZX_VMO_OP_ZERO, 2 * p + 1, p - 2)); expect(3, "partial zero keeps the page")
            c.ok(vmoOp(h, ZX_VMO_OP_ZERO, 2 * p, p)); expect(2, "whole-page zero releases it")
            c.ok(vmoOp(h, ZX_VMO_OP_ZERO, 4 * p, 4 * p)); expect(2, "zero of uncommitted pages")
            c.ok(vmoOp(h, ZX_VMO_OP_COMMIT, 0, 8 * p)); expect(8, "commit all")
            c.ok(zx_vmo_set_size(h, 5 * p + 1)); expect(6, "shrink to 5P+1")
            c.ok(zx_vmo_set_size(h, 8 * p)); expect(6, "grow commits nothing")
            c.ok(vmoSetContentSize(h, 2 * p + 5)); expect(3, "content size zeroing releases whole pages")
            c.st(vmoOp(h, ZX_VMO_OP_COMMIT, 0, 9 * p), ZX_ERR_OUT_OF_RANGE); expect(3, "failed commit")
            c.st(vmoPut(h, [1, 2], 8 * p - 1), ZX_ERR_OUT_OF_RANGE); expect(3, "failed write")
            c.eq(vmoInfo(h).1.committed_change_events, 0, "user operations are not change events")
            c.ok(zx_vmo_set_size(h, 0)); expect(0, "shrink to 0")
            c.yes(vmoInfo(h).1.metadata_bytes > 0, "metadata once pages were stored")
        }
    }

    @Test func mappingFaultsCommitOnlyOnWrite() throws {
        try vmoInFreshProcess { c in
            let h = vmoMake(c, 4 * vmoPage)
            let address = vmoMap(c, h, 4 * vmoPage)
            guard address != 0 else { return }
            for page in 0..<4 { _ = vmoLoad32(address + UInt(page) * UInt(vmoPage)) }
            c.eq(vmoCommitted(h), 0, "read faults map the zero page")
            c.ok(vmoStore32(1, address + 8))
            c.ok(vmoStore32(1, address + 12))
            c.eq(vmoCommitted(h), vmoPage, "one write fault, one page")
            c.ok(vmoStore32(1, address + UInt(3 * vmoPage)))
            c.eq(vmoCommitted(h), 2 * vmoPage)
            // ZX_INFO_TASK_STATS: the mapping's size and its committed pages, all private.
            var stats = zx_info_task_stats_t()
            var actual = 0, avail = 0
            c.ok(zx_object_get_info(zx_process_self(), ZX_INFO_TASK_STATS, &stats,
                                    MemoryLayout<zx_info_task_stats_t>.size, &actual, &avail))
            c.eq(stats.mem_mapped_bytes, Int(4 * vmoPage))
            c.eq(stats.mem_private_bytes, Int(2 * vmoPage))
            c.eq(stats.mem_shared_bytes, 0)
            c.eq(stats.mem_scaled_shared_bytes, 0)
            c.ok(zx_vmar_unmap(zx_vmar_root_self(), address, Int(4 * vmoPage)))
            c.eq(vmoCommitted(h), 2 * vmoPage, "unmapping keeps the VMO's pages")
        }
    }

    @Test func infoVmoAgreesWithV1AndProcessVmos() throws {
        try vmoInFreshProcess { c in
            let h = vmoMake(c, 3 * vmoPage, ZX_VMO_RESIZABLE)
            c.ok(setVmoName(h, "accounted"))
            c.ok(vmoPut(h, [1], 0))
            let address = vmoMap(c, h, 3 * vmoPage, ZX_VM_PERM_READ)
            var v1 = zx_info_vmo_v1_t()
            var actual = 0, avail = 0
            c.ok(zx_object_get_info(h, ZX_INFO_VMO_V1, &v1, MemoryLayout<zx_info_vmo_v1_t>.size, &actual, &avail))
            c.eq(MemoryLayout<zx_info_vmo_v1_t>.size, 104)
            c.eq(MemoryLayout<zx_info_vmo_t>.size, 120)
            let (status, info) = vmoInfo(h)
            c.ok(status)
            c.eq(v1.koid, info.koid); c.eq(v1.size_bytes, info.size_bytes); c.eq(v1.parent_koid, info.parent_koid)
            c.eq(v1.num_children, info.num_children); c.eq(v1.num_mappings, info.num_mappings)
            c.eq(v1.share_count, info.share_count); c.eq(v1.flags, info.flags)
            c.eq(v1.handle_rights, info.handle_rights); c.eq(v1.cache_policy, info.cache_policy)
            c.eq(v1.committed_bytes, info.committed_bytes)
            c.eq(info.num_mappings, 1)
            c.eq(info.handle_rights, vmoHandleRights(h))
            // Single-record topics: a short buffer is BUFFER_TOO_SMALL with avail 1.
            var short = [UInt8](repeating: 0, count: 100)
            c.st(zx_object_get_info(h, ZX_INFO_VMO, &short, 100, &actual, &avail), ZX_ERR_BUFFER_TOO_SMALL)
            c.eq(avail, 1)
            c.st(zx_object_get_info(zx_vmar_root_self(), ZX_INFO_VMO, &short, 100, &actual, &avail), ZX_ERR_WRONG_TYPE)
            // ZX_INFO_PROCESS_VMOS: one record via the handle, one via the mapping.
            var records = [zx_info_vmo_t](repeating: zx_info_vmo_t(), count: 16)
            c.ok(records.withUnsafeMutableBytes {
                zx_object_get_info(zx_process_self(), ZX_INFO_PROCESS_VMOS, $0.baseAddress, $0.count, &actual, &avail)
            })
            let mine = records.prefix(actual).filter { $0.koid == info.koid }
            let viaHandle = mine.filter { $0.flags & ZX_INFO_VMO_VIA_HANDLE != 0 }
            let viaMapping = mine.filter { $0.flags & ZX_INFO_VMO_VIA_MAPPING != 0 }
            c.eq(viaHandle.count, 1, "one handle record")
            c.eq(viaMapping.count, 1, "one mapping record")
            c.eq(viaHandle.first?.handle_rights, vmoHandleRights(h))
            c.eq(viaMapping.first?.handle_rights, 0, "mapping records carry no rights")
            if let handle = viaHandle.first, let mapping = viaMapping.first {
                // Same object, same record, except how it is reached.
                c.eq(mapping.num_mappings, handle.num_mappings); c.eq(mapping.share_count, handle.share_count)
                c.eq(mapping.metadata_bytes, handle.metadata_bytes)
                c.eq(mapping.committed_change_events, handle.committed_change_events)
                c.eq(mapping.cache_policy, handle.cache_policy); c.eq(mapping.parent_koid, handle.parent_koid)
                c.eq(mapping.share_count, 1)
            }
            for record in mine {
                c.eq(record.size_bytes, 3 * vmoPage); c.eq(record.committed_bytes, vmoPage)
                c.eq(record.flags & ~(ZX_INFO_VMO_VIA_HANDLE | ZX_INFO_VMO_VIA_MAPPING),
                     ZX_INFO_VMO_TYPE_PAGED | ZX_INFO_VMO_RESIZABLE)
                c.eq(withUnsafeBytes(of: record.name) { Array($0.prefix(9)) }, Array("accounted".utf8))
            }
            c.ok(zx_vmar_unmap(zx_vmar_root_self(), address, Int(3 * vmoPage)))
        }
    }

    @Test func sharedMappingsAcrossProcesses() throws {
        let kernel = try Kernel(memorySize: 32 << 20)
        let a = try kernel.createProcess(name: "a")
        let b = try kernel.createProcess(name: "b")
        let baseline = kernel.memoryStats.freePages
        let (inA, addressA) = try vmoRun(a) { c -> (zx_handle_t, zx_vaddr_t) in
            let h = vmoMake(c, 4 * vmoPage)
            let first = vmoMap(c, h, 4 * vmoPage)
            let second = vmoMap(c, h, 4 * vmoPage)
            c.eq(vmoInfo(h).1.share_count, 1, "two mappings in one address space")
            c.ok(zx_vmar_unmap(zx_vmar_root_self(), second, Int(4 * vmoPage)))
            c.ok(vmoStore32(1, first))
            c.ok(vmoStore32(1, first + UInt(vmoPage)))
            return (h, first)
        }
        // Hand the VMO to b (no channels yet: install a handle through the kernel side).
        let inB = try { () throws -> zx_handle_t in
            let (dispatcher, rights) = try a.dispatcher.handles.lookup(inA, as: VmoDispatcher.self, rights: 0)
            return try b.dispatcher.handles.add(dispatcher, rights)
        }()
        let addressB = try vmoRun(b) { c -> zx_vaddr_t in
            let address = vmoMap(c, inB, 4 * vmoPage)
            c.eq(try? vmoLoad32(address).get(), 1, "b sees a's write")
            c.ok(vmoStore32(2, address + UInt(2 * vmoPage)))
            c.eq(vmoInfo(inB).1.share_count, 2, "mapped in two address spaces")
            c.eq(vmoInfo(inB).1.num_mappings, 2)
            var stats = zx_info_task_stats_t()
            var actual = 0, avail = 0
            c.ok(zx_object_get_info(zx_process_self(), ZX_INFO_TASK_STATS, &stats,
                                    MemoryLayout<zx_info_task_stats_t>.size, &actual, &avail))
            c.eq(stats.mem_mapped_bytes, Int(4 * vmoPage))
            c.eq(stats.mem_private_bytes, 0)
            c.eq(stats.mem_shared_bytes, Int(3 * vmoPage))
            c.eq(stats.mem_scaled_shared_bytes, Int(3 * vmoPage) / 2)
            return address
        }
        try vmoRun(a) { c in
            c.eq(try? vmoLoad32(addressA + UInt(2 * vmoPage)).get(), 2, "a sees b's write")
            c.ok(zx_vmar_unmap(zx_vmar_root_self(), addressA, Int(4 * vmoPage)))
            c.ok(zx_handle_close(inA))
        }
        try vmoRun(b) { c in
            c.eq(vmoInfo(inB).1.share_count, 1)
            c.eq(vmoCommitted(inB), 3 * vmoPage, "the pages outlive a's handle and mapping")
            c.ok(zx_vmar_unmap(zx_vmar_root_self(), addressB, Int(4 * vmoPage)))
            c.ok(zx_handle_close(inB))
        }
        #expect(kernel.memoryStats.freePages == baseline)
    }

    @Test func kmemStatsVmoBytesFollowCommittedPages() throws {
        let kernel = try Kernel(memorySize: 32 << 20)
        let process = try kernel.createProcess(name: "kmem")
        let resource = try kernel.rootResource(for: process)
        try vmoRun(process) { c in
            guard let before = vmoKmem(resource) else { c.yes(false, "KMEM_STATS"); return }
            c.eq(before.total_bytes, 32 << 20)
            let h = vmoMake(c, 16 * vmoPage)
            c.ok(vmoOp(h, ZX_VMO_OP_COMMIT, 0, 10 * vmoPage))
            let after = vmoKmem(resource)
            c.eq(after.map { $0.vmo_bytes - before.vmo_bytes }, 10 * vmoPage, "vmo_bytes grows with commits")
            c.eq(after.map { before.free_bytes - $0.free_bytes }, 10 * vmoPage, "free_bytes shrinks alike")
            c.ok(zx_handle_close(h))
            c.eq(vmoKmem(resource)?.vmo_bytes, before.vmo_bytes, "and returns on close")
            c.eq(vmoKmem(resource)?.free_bytes, before.free_bytes)
            // The topic needs a resource: a VMO handle is WRONG_TYPE.
            var stats = zx_info_kmem_stats_t()
            var actual = 0, avail = 0
            let other = vmoMake(c, vmoPage)
            c.st(zx_object_get_info(other, ZX_INFO_KMEM_STATS, &stats, MemoryLayout<zx_info_kmem_stats_t>.size,
                                    &actual, &avail), ZX_ERR_WRONG_TYPE)
        }
    }

    // MARK: Free pages back at the baseline after every teardown path

    @Test func closingHandlesFreesPages() throws {
        let kernel = try Kernel(memorySize: 32 << 20)
        let process = try kernel.createProcess(name: "close")
        let baseline = kernel.memoryStats.freePages
        try vmoRun(process) { c in
            let a = vmoMake(c, 8 * vmoPage)
            c.ok(vmoOp(a, ZX_VMO_OP_COMMIT, 0, 8 * vmoPage))
            let b = vmoDup(a, ZX_RIGHT_SAME_RIGHTS)
            c.ok(zx_handle_close(a))
            c.eq(vmoCommitted(b), 8 * vmoPage, "a second handle keeps the pages")
            c.ok(zx_handle_close(b))
        }
        #expect(kernel.memoryStats.freePages == baseline)
    }

    @Test func mappedThenUnmappedFreesPagesAndPageTables() throws {
        let kernel = try Kernel(memorySize: 32 << 20)
        let process = try kernel.createProcess(name: "unmap")
        let baseline = kernel.memoryStats.freePages
        let address = try vmoRun(process) { c -> zx_vaddr_t in
            let h = vmoMake(c, 8 * vmoPage)
            let address = vmoMap(c, h, 8 * vmoPage)
            for page in 0..<8 { c.ok(vmoStore32(UInt32(page), address + UInt(page) * UInt(vmoPage))) }
            // Closing the only handle while mapped: the mapping keeps the VMO and its pages.
            c.ok(zx_handle_close(h))
            c.eq(try? vmoLoad32(address + UInt(3 * vmoPage)).get(), 3, "still readable after close")
            return address
        }
        #expect(baseline - kernel.memoryStats.freePages >= 8, "eight data pages in use while mapped")
        try vmoRun(process) { c in c.ok(zx_vmar_unmap(zx_vmar_root_self(), address, Int(8 * vmoPage))) }
        #expect(kernel.memoryStats.freePages == baseline, "unmap of the last reference frees everything")
    }

    @Test func vmarDestroyFreesPages() throws {
        let kernel = try Kernel(memorySize: 32 << 20)
        let process = try kernel.createProcess(name: "destroy")
        let baseline = kernel.memoryStats.freePages
        try vmoRun(process) { c in
            var vmar = ZX_HANDLE_INVALID
            var base: zx_vaddr_t = 0
            c.ok(zx_vmar_allocate(zx_vmar_root_self(), ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE, 0,
                                  Int(64 * vmoPage), &vmar, &base))
            for i in 0..<4 {
                let h = vmoMake(c, 4 * vmoPage)
                var address: zx_vaddr_t = 0
                c.ok(zx_vmar_map(vmar, ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, h, 0, Int(4 * vmoPage), &address))
                c.ok(vmoStore32(UInt32(i), address))
                c.ok(vmoStore32(UInt32(i), address + UInt(2 * vmoPage)))
                c.ok(zx_handle_close(h))
            }
            c.ok(zx_vmar_destroy(vmar))
            c.ok(zx_handle_close(vmar))
        }
        #expect(kernel.memoryStats.freePages == baseline)
    }

    @Test func processKillFreesEverything() throws {
        let kernel = try Kernel(memorySize: 32 << 20)
        let baseline = kernel.memoryStats.freePages
        let victim = try kernel.createProcess(name: "victim")
        try vmoRun(victim) { c in
            for i in 0..<6 {
                let h = vmoMake(c, 8 * vmoPage, i % 2 == 0 ? 0 : ZX_VMO_RESIZABLE)
                c.ok(vmoOp(h, ZX_VMO_OP_COMMIT, 0, 4 * vmoPage))
                if i % 3 == 0 {
                    let address = vmoMap(c, h, 8 * vmoPage)
                    c.ok(vmoStore32(1, address + UInt(6 * vmoPage)))
                    if i == 3 { c.ok(zx_handle_close(h)) }
                }
            }
        }
        #expect(kernel.memoryStats.freePages < baseline)
        victim.kill()
        #expect(victim.hasExited)
        #expect(kernel.memoryStats.freePages == baseline, "a killed process returns every page")
    }

    // MARK: Property test against a naive model

    @Test(arguments: [0x5EED_0001, 0xC0FF_EE00, 0xDEAD_BEEF, 42] as [UInt64])
    func randomOperationsMatchAModel(seed: UInt64) throws {
        let kernel = try Kernel(memorySize: 32 << 20)
        let process = try kernel.createProcess(name: "model")
        let baseline = kernel.memoryStats.freePages
        let failures = try vmoRun(process) { c -> Int in
            var model = VmoModel(pages: 8)
            let h = vmoMake(c, model.size, ZX_VMO_RESIZABLE)
            var rng = SeededGenerator(state: seed)
            for step in 0..<250 {
                let op = model.randomOp(&rng)
                let status = op.apply(to: h)
                let expected = model.apply(op)
                let context = "seed \(seed) step \(step) \(op)"
                c.st(status, expected, context)
                c.eq(vmoGetSize(h), model.size, context)
                c.eq(vmoCommitted(h), UInt64(model.committed.count) * vmoPage, "committed_bytes, \(context)")
                c.eq(vmoBytes(h, 0, Int(model.size)), model.bytes, "contents, \(context)")
                if c.failureCount > 0 { break }   // the first divergence is the interesting one
            }
            c.ok(zx_handle_close(h))
            return c.failureCount
        }
        #expect(failures == 0, "replay with seed \(seed)")
        #expect(kernel.memoryStats.freePages == baseline, "seed \(seed): pages back after close")
    }
}

private func setVmoName(_ handle: zx_handle_t, _ name: String) -> zx_status_t {
    let bytes = Array(name.utf8)
    return zx_object_set_property(handle, ZX_PROP_NAME, bytes, bytes.count)
}

/// One random operation of the property test.
private enum ModelOp: CustomStringConvertible {
    case write(UInt64, [UInt8])
    case commit(UInt64, UInt64)
    case decommit(UInt64, UInt64)
    case zero(UInt64, UInt64)
    case setSize(UInt64)
    case contentSize(UInt64)

    var description: String {
        switch self {
        case .write(let o, let d): "write(\(o), \(d.count) bytes)"
        case .commit(let o, let l): "commit(\(o), \(l))"
        case .decommit(let o, let l): "decommit(\(o), \(l))"
        case .zero(let o, let l): "zero(\(o), \(l))"
        case .setSize(let s): "set_size(\(s))"
        case .contentSize(let s): "content_size(\(s))"
        }
    }

    func apply(to h: zx_handle_t) -> zx_status_t {
        switch self {
        case .write(let offset, let data): vmoPut(h, data, offset)
        case .commit(let offset, let length): vmoOp(h, ZX_VMO_OP_COMMIT, offset, length)
        case .decommit(let offset, let length): vmoOp(h, ZX_VMO_OP_DECOMMIT, offset, length)
        case .zero(let offset, let length): vmoOp(h, ZX_VMO_OP_ZERO, offset, length)
        case .setSize(let size): zx_vmo_set_size(h, size)
        case .contentSize(let value): vmoSetContentSize(h, value)
        }
    }
}

/// The naive model: the VMO's bytes and the set of committed page indices.
private struct VmoModel {
    var bytes: [UInt8]
    var committed: Set<UInt64> = []
    var size: UInt64 { UInt64(bytes.count) }
    let p = vmoPage

    init(pages: UInt64) { bytes = [UInt8](repeating: 0, count: Int(pages * vmoPage)) }

    func inRange(_ offset: UInt64, _ length: UInt64) -> Bool {
        let (end, overflow) = offset.addingReportingOverflow(length)
        return !overflow && end <= size
    }

    func pages(_ start: UInt64, _ end: UInt64) -> ClosedRange<UInt64>? {
        end > start ? (start / p)...((end - 1) / p) : nil
    }

    /// Zeroes [start, end): bytes cleared, whole committed pages released (as ZERO does).
    mutating func zeroRange(_ start: UInt64, _ end: UInt64) {
        guard let touched = pages(start, end) else { return }
        for i in Int(start)..<Int(end) { bytes[i] = 0 }
        for page in touched where page * p >= start && (page + 1) * p <= end { committed.remove(page) }
    }

    /// Applies `op`; returns the status the kernel must report.
    mutating func apply(_ op: ModelOp) -> zx_status_t {
        switch op {
        case .write(let offset, let data):
            guard inRange(offset, UInt64(data.count)) else { return ZX_ERR_OUT_OF_RANGE }
            bytes.replaceSubrange(Int(offset)..<(Int(offset) + data.count), with: data)
            if let touched = pages(offset, offset + UInt64(data.count)) { committed.formUnion(touched) }
        case .commit(let offset, let length):
            guard inRange(offset, length) else { return ZX_ERR_OUT_OF_RANGE }
            if let touched = pages(offset, offset + length) { committed.formUnion(touched) }
        case .decommit(let offset, let length):
            guard inRange(offset, length) else { return ZX_ERR_OUT_OF_RANGE }
            guard length > 0 else { return ZX_OK }
            guard offset % p == 0, length % p == 0 else { return ZX_ERR_INVALID_ARGS }
            zeroRange(offset, offset + length)
        case .zero(let offset, let length):
            guard inRange(offset, length) else { return ZX_ERR_OUT_OF_RANGE }
            zeroRange(offset, offset + length)
        case .setSize(let newSize):
            let rounded = (newSize + p - 1) / p * p
            if rounded < size {
                bytes.removeLast(Int(size - rounded))
                committed = committed.filter { $0 * p < rounded }
            } else {
                bytes += [UInt8](repeating: 0, count: Int(rounded - size))
            }
            // The tail of the last page past the new size is zeroed in place.
            for i in Int(newSize)..<Int(rounded) { bytes[i] = 0 }
        case .contentSize(let value):
            if value < size { zeroRange(value, size) }
        }
        return ZX_OK
    }

    func randomOp(_ rng: inout SeededGenerator) -> ModelOp {
        // Offsets cluster around page boundaries and sometimes run past the end.
        func offset() -> UInt64 {
            let page = UInt64.random(in: 0...(size / p + 1), using: &rng)
            switch UInt64.random(in: 0..<4, using: &rng) {
            case 0: return page * p
            case 1: return page * p &- UInt64.random(in: 1...8, using: &rng)
            default: return page * p + UInt64.random(in: 0..<p, using: &rng)
            }
        }
        func length() -> UInt64 {
            switch UInt64.random(in: 0..<5, using: &rng) {
            case 0: return 0
            case 1: return p * UInt64.random(in: 1...3, using: &rng)
            default: return UInt64.random(in: 1...(2 * p), using: &rng)
            }
        }
        switch UInt64.random(in: 0..<16, using: &rng) {
        case 0..<5:
            let count = Int(length() % (3 * p))
            let tag = UInt8.random(in: 1...255, using: &rng)
            return .write(offset() % (size + 2), vmoPattern(count, tag: tag))
        case 5..<7: return .commit(offset(), length())
        case 7..<10:
            if Bool.random(using: &rng) { return .decommit(offset(), length()) }
            return .decommit(offset() / p * p, length() / p * p)
        case 10..<13: return .zero(offset(), length())
        case 13..<15: return .setSize(UInt64.random(in: 0...(10 * p), using: &rng))
        default: return .contentSize(offset())
        }
    }
}
