// zx_vmar_destroy, zx_vmar_op_range, ZX_INFO_VMAR / ZX_INFO_PROCESS_MAPS, read_memory probes and
// fatal page faults against shared/reference/zircon-vm-semantics.md §2, §3.5, §3.6 and §3.18.

import Testing
import Zirconia

private let rw = ZX_VM_PERM_READ | ZX_VM_PERM_WRITE
private let canRW = ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE
private let canRWS = canRW | ZX_VM_CAN_MAP_SPECIFIC

private func opRange(_ h: zx_handle_t, _ op: UInt32, _ address: zx_vaddr_t, _ len: Int) -> zx_status_t {
    zx_vmar_op_range(h, op, address, len, nil, 0)
}

/// A fault of a one-byte access, in full.
private func fault(_ address: zx_vaddr_t, write: Bool) -> PageFault? {
    do {
        if write { try UserMemory.store(UInt8(1), to: address) } else { _ = try UserMemory.load(UInt8.self, from: address) }
        return nil
    } catch {
        return error
    }
}

@Suite struct VmarLifecycleTests {
    // MARK: §3.5 zx_vmar_destroy

    @Test func destroyChecksDeadStateAndReuse() throws {
        try VT.run { _, check in
            let P = VT.page
            let root = zx_vmar_root_self()
            let vmo = VT.vmo(pages: 1)
            check.status(zx_vmar_destroy(ZX_HANDLE_INVALID), ZX_ERR_BAD_HANDLE, "bad handle")
            check.status(zx_vmar_destroy(vmo), ZX_ERR_WRONG_TYPE, "VMO handle")
            check.status(zx_vmar_destroy(VT.dup(root, ZX_DEFAULT_VMAR_RIGHTS & ~ZX_RIGHT_OP_CHILDREN)),
                         ZX_ERR_ACCESS_DENIED, "root without OP_CHILDREN (step 1 before 2)")
            check.status(zx_vmar_destroy(root), ZX_ERR_NOT_SUPPORTED, "root")
            // vmar.cc DestroyedVmarTest: a region with a mapping and a sub-region with a mapping.
            let outer = VT.allocate(root, canRWS, 0, 10 * P)
            let noChildren = VT.dup(outer.handle, ZX_DEFAULT_VMAR_RIGHTS & ~ZX_RIGHT_OP_CHILDREN)
            check.status(zx_vmar_destroy(noChildren), ZX_ERR_ACCESS_DENIED, "no OP_CHILDREN")
            let m0 = VT.map(outer.handle, rw, 0, vmo, 0, P)
            let inner = VT.allocate(outer.handle, canRW, 0, P)
            let m1 = VT.map(inner.handle, rw, 0, vmo, 0, P)
            var byte: UInt8 = 5
            var actual = 0
            check.status(zx_process_write_memory(zx_process_self(), m0.addr, &byte, 1, &actual), ZX_OK, "write_memory")
            byte = 0
            check.status(zx_process_read_memory(zx_process_self(), m1.addr, &byte, 1, &actual), ZX_OK, "read_memory")
            check.eq(byte, 5, "same VMO through both mappings")
            check.status(zx_vmar_destroy(outer.handle), ZX_OK, "destroy outer")
            for (h, m, what) in [(outer.handle, m0.addr, "outer"), (inner.handle, m1.addr, "inner")] {
                check.that(VT.isValid(h), "\(what) handle stays valid")
                check.status(VT.probe(m), ZX_ERR_NO_MEMORY, "\(what) mapping gone")
                check.status(VT.load(m).status, ZX_ERR_NOT_FOUND, "\(what) load faults")
                check.status(zx_vmar_destroy(h), ZX_ERR_BAD_STATE, "\(what) destroy again")
                check.status(VT.allocate(h, canRW, 0, P).status, ZX_ERR_BAD_STATE, "\(what) allocate")
                check.status(zx_vmar_unmap(h, m, P), ZX_ERR_BAD_STATE, "\(what) unmap")
                check.status(zx_vmar_protect(h, ZX_VM_PERM_READ, m, P), ZX_ERR_BAD_STATE, "\(what) protect")
                check.status(VT.map(h, ZX_VM_PERM_READ, 0, vmo, 0, P).status, ZX_ERR_BAD_STATE, "\(what) map")
                check.status(opRange(h, ZX_VMAR_OP_MAP_RANGE, m, P), ZX_ERR_BAD_STATE, "\(what) op_range")
            }
            check.status(zx_vmar_destroy(noChildren), ZX_ERR_ACCESS_DENIED, "rights before DEAD")
            // The range is free again (vmar.cc MapOverDestroyedTest).
            let (_, rootInfo) = VT.vmarInfo(root)
            let fresh = VT.vmo(pages: 1)
            let again = VT.map(root, rw | ZX_VM_SPECIFIC, Int(m1.addr - rootInfo.base), fresh, 0, P)
            check.status(again.status, ZX_OK, "map where the dead sub-VMAR was")
            check.eq(VT.load(again.addr).value, 0, "new VMO's contents, not the old one's")
            check.status(zx_vmar_unmap(root, again.addr, P), ZX_OK, "unmap")
            VT.close(vmo, fresh, outer.handle, inner.handle, noChildren)
        }
    }

    @Test func closingHandlesUnmapsNothingAndMappingsKeepVmosAlive() throws {
        try VT.run { process, check in
            let P = VT.page
            let root = zx_vmar_root_self()
            let before = process.kernel.memoryStats.freePages
            let vmo = VT.vmo(pages: 4)
            let sub = VT.allocate(root, canRWS, 0, 8 * P)
            let m = VT.map(sub.handle, rw | ZX_VM_SPECIFIC, 2 * P, vmo, 0, 4 * P)
            for i in 0..<4 { check.status(VT.store(UInt64(0xab00 + i), m.addr + UInt(i * P)), ZX_OK, "store \(i)") }
            VT.close(vmo, sub.handle)
            for i in 0..<4 { check.eq(VT.load64(m.addr + UInt(i * P)).value, UInt64(0xab00 + i), "value \(i) survives") }
            check.that(process.kernel.memoryStats.freePages < before - 4, "the VMO's pages are still committed")
            let rows = VT.maps().rows
            check.that(rows.contains { $0.type == ZX_INFO_MAPS_TYPE_VMAR && $0.base == sub.addr && $0.size == 8 * P },
                       "the closed sub-VMAR still exists")
            let (_, rootInfo) = VT.vmarInfo(root)
            check.status(VT.allocate(root, canRW | ZX_VM_SPECIFIC, Int(sub.addr - rootInfo.base), P).status,
                         ZX_ERR_ALREADY_EXISTS, "its range is still reserved")
            check.status(zx_vmar_unmap(root, sub.addr, 8 * P), ZX_OK, "unmap it through the root")
            check.status(VT.probe(m.addr), ZX_ERR_NO_MEMORY, "gone")
            check.eq(process.kernel.memoryStats.freePages, before, "VMO pages and page tables freed")
        }
    }

    // MARK: §3.6 zx_vmar_op_range

    @Test func opRangeChecksInOrder() throws {
        try VT.run { _, check in
            let P = VT.page
            let vmo = VT.vmo(pages: 8)
            let vmar = VT.allocate(zx_vmar_root_self(), canRWS, 0, 8 * P)
            let h = vmar.handle, a = vmar.addr
            let dead = VT.allocate(zx_vmar_root_self(), canRWS, 0, 8 * P)
            check.status(zx_vmar_destroy(dead.handle), ZX_OK, "kill")
            _ = VT.map(h, rw | ZX_VM_SPECIFIC, P, vmo, 0, 2 * P)
            _ = VT.map(h, rw | ZX_VM_SPECIFIC, 4 * P, vmo, 0, 2 * P)
            check.status(opRange(ZX_HANDLE_INVALID, ZX_VMAR_OP_COMMIT, a, P), ZX_ERR_BAD_HANDLE, "bad handle")
            check.status(opRange(vmo, ZX_VMAR_OP_COMMIT, 0, P), ZX_ERR_WRONG_TYPE, "VMO handle")
            for op: UInt32 in [0, 4, 5, 11, 14, 99, UInt32.max] {
                check.status(opRange(h, op, a + VT.pageU, P), ZX_ERR_INVALID_ARGS, "unknown op \(op)")
                check.status(opRange(dead.handle, op, dead.addr, P), ZX_ERR_INVALID_ARGS, "unknown op \(op), dead")
            }
            check.eq(ZX_VMAR_OP_DECOMMIT, ZX_VMO_OP_DECOMMIT, "DECOMMIT constants agree")
            var buffer: UInt64 = 0
            check.status(zx_vmar_op_range(h, ZX_VMAR_OP_MAP_RANGE, a + VT.pageU, P, &buffer, 0), ZX_ERR_INVALID_ARGS, "buffer")
            check.status(zx_vmar_op_range(h, ZX_VMAR_OP_MAP_RANGE, a + VT.pageU, P, nil, 8), ZX_ERR_INVALID_ARGS, "size")
            check.status(zx_vmar_op_range(dead.handle, ZX_VMAR_OP_MAP_RANGE, dead.addr, P, nil, 8), ZX_ERR_INVALID_ARGS,
                         "buffer size, dead")
            check.status(opRange(h, ZX_VMAR_OP_MAP_RANGE, a + VT.pageU, 0), ZX_ERR_INVALID_ARGS, "size 0")
            check.status(opRange(h, ZX_VMAR_OP_MAP_RANGE, a + VT.pageU + 1, P), ZX_ERR_INVALID_ARGS, "unaligned")
            check.status(opRange(dead.handle, ZX_VMAR_OP_MAP_RANGE, dead.addr, 0), ZX_ERR_INVALID_ARGS, "size 0, dead")
            check.status(opRange(h, ZX_VMAR_OP_COMMIT, a, 16 * P), ZX_ERR_OUT_OF_RANGE, "beyond the VMAR")
            check.status(opRange(h, ZX_VMAR_OP_COMMIT, 0, 8 * P), ZX_ERR_OUT_OF_RANGE, "address 0")
            check.status(opRange(dead.handle, ZX_VMAR_OP_COMMIT, dead.addr, 16 * P), ZX_ERR_OUT_OF_RANGE,
                         "range before DEAD")
            check.status(opRange(dead.handle, ZX_VMAR_OP_COMMIT, dead.addr, P), ZX_ERR_BAD_STATE, "dead")
            for (start, pages, what) in [(0, 2, "gap at the start"), (2, 3, "gap in the middle"), (4, 3, "gap at the end")] {
                for op in [ZX_VMAR_OP_COMMIT, ZX_VMAR_OP_DECOMMIT, ZX_VMAR_OP_MAP_RANGE, ZX_VMAR_OP_DONT_NEED] {
                    check.status(opRange(h, op, a + UInt(start * P), pages * P), ZX_ERR_BAD_STATE, "\(what), op \(op)")
                }
            }
            // Documented right: COMMIT and DECOMMIT need WRITE on the VMAR handle (vmar_op_range.md).
            let readOnly = VT.dup(h, ZX_DEFAULT_VMAR_RIGHTS | ZX_RIGHT_READ)
            check.status(opRange(readOnly, ZX_VMAR_OP_COMMIT, a + VT.pageU, P), ZX_ERR_ACCESS_DENIED, "COMMIT, no WRITE")
            check.status(opRange(readOnly, ZX_VMAR_OP_DECOMMIT, a + VT.pageU, P), ZX_ERR_ACCESS_DENIED, "DECOMMIT, no WRITE")
            check.status(opRange(readOnly, ZX_VMAR_OP_MAP_RANGE, a + VT.pageU, P), ZX_OK, "MAP_RANGE needs no WRITE")
            check.status(zx_vmar_destroy(h), ZX_OK, "cleanup")
            VT.close(vmo, h, dead.handle, readOnly)
        }
    }

    @Test func opRangeCommitDecommitAndMapRange() throws {
        try VT.run { process, check in
            let P = VT.page
            let arch = process.addressSpace.arch
            let vmo = VT.vmo(pages: 5)
            let vmar = VT.allocate(zx_vmar_root_self(), canRWS, 0, 8 * P)
            let h = vmar.handle, a = vmar.addr
            // vmar.cc RangeOpCommitVmoPages: [VMO 0–1][VMO 3][gap][VMO 1, read-only]
            _ = VT.map(h, rw | ZX_VM_SPECIFIC, 0, vmo, 0, 2 * P)
            _ = VT.map(h, rw | ZX_VM_SPECIFIC, 2 * P, vmo, UInt64(3 * P), P)
            _ = VT.map(h, ZX_VM_PERM_READ | ZX_VM_SPECIFIC, 4 * P, vmo, UInt64(P), P)
            check.status(VT.store(UInt8(5), a), ZX_OK, "store")
            check.status(opRange(h, ZX_VMAR_OP_DECOMMIT, a, P), ZX_OK, "decommit part of a mapping")
            check.eq(VT.load(a).value, 0, "reads zero")
            check.status(VT.store(UInt8(5), a + VT.pageU), ZX_OK, "store VMO page 1")
            check.status(VT.store(UInt8(6), a + 2 * VT.pageU), ZX_OK, "store VMO page 3")
            check.eq(VT.load(a + 4 * VT.pageU).value, 5, "VMO page 1 through the RO mapping")
            check.status(opRange(h, ZX_VMAR_OP_DECOMMIT, a + VT.pageU, 2 * P), ZX_OK, "across two mappings")
            check.eq([VT.load(a + VT.pageU).value, VT.load(a + 2 * VT.pageU).value, VT.load(a + 4 * VT.pageU).value],
                     [0, 0, 0], "all zero, also through the other mapping")
            check.status(opRange(h, ZX_VMAR_OP_DECOMMIT, a + VT.pageU, 3 * P), ZX_ERR_BAD_STATE, "into the gap")
            check.status(opRange(h, ZX_VMAR_OP_DECOMMIT, a + 4 * VT.pageU, P), ZX_OK, "RO mapping of a writable VMO")
            // COMMIT commits and populates page tables; a RO VMO handle's mapping → ACCESS_DENIED.
            check.status(opRange(h, ZX_VMAR_OP_COMMIT, a, 3 * P), ZX_OK, "commit")
            check.eq(VT.vmoInfo(vmo).committed_bytes, UInt64(3 * P), "VMO pages 0, 1, 3 committed")
            check.that((0..<3).allSatisfy { arch.query(VirtualAddress(a + UInt($0 * P))) != nil }, "translations installed")
            let readOnlyVmo = VT.dup(vmo, ZX_RIGHT_MAP | ZX_RIGHT_READ)
            let ro = VT.map(h, ZX_VM_PERM_READ | ZX_VM_SPECIFIC, 6 * P, readOnlyVmo, UInt64(4 * P), P)
            check.status(opRange(h, ZX_VMAR_OP_COMMIT, ro.addr, P), ZX_ERR_ACCESS_DENIED, "commit, RO VMO handle")
            check.status(opRange(h, ZX_VMAR_OP_DECOMMIT, ro.addr, P), ZX_ERR_ACCESS_DENIED, "decommit, RO VMO handle")
            check.eq(VT.vmoInfo(vmo).committed_bytes, UInt64(3 * P), "unchanged")
            // Effects before a failing piece stay; the gap is reported when the walk reaches it.
            check.status(opRange(h, ZX_VMAR_OP_DECOMMIT, a, 4 * P), ZX_ERR_BAD_STATE, "decommit up to the gap")
            check.eq(VT.vmoInfo(vmo).committed_bytes, 0, "pieces before the gap were decommitted")
            // MAP_RANGE: present pages only, repeatable (vmar.cc RangeOpMapRange).
            check.status(zx_vmar_unmap(h, a, 8 * P), ZX_OK, "clear")
            let m = VT.map(h, rw | ZX_VM_SPECIFIC, 0, vmo, 0, 4 * P)
            check.status(opRange(h, ZX_VMAR_OP_MAP_RANGE, m.addr, 4 * P), ZX_OK, "nothing committed")
            check.status(zx_vmo_op_range(vmo, ZX_VMO_OP_COMMIT, UInt64(P), UInt64(P), nil, 0), ZX_OK, "commit page 1")
            check.status(zx_vmo_op_range(vmo, ZX_VMO_OP_COMMIT, UInt64(3 * P), UInt64(P), nil, 0), ZX_OK, "commit page 3")
            for _ in 0..<2 { check.status(opRange(h, ZX_VMAR_OP_MAP_RANGE, m.addr, 4 * P), ZX_OK, "map range") }
            check.eq((0..<4).map { arch.query(VirtualAddress(m.addr + UInt($0 * P))) != nil }, [false, true, false, true],
                     "only committed pages populated")
            check.eq(VT.vmoInfo(vmo).committed_bytes, UInt64(2 * P), "MAP_RANGE commits nothing")
            for op in [ZX_VMAR_OP_DONT_NEED, ZX_VMAR_OP_ALWAYS_NEED] {
                check.status(opRange(h, op, m.addr, 4 * P), ZX_OK, "hint \(op)")
            }
            check.status(zx_vmar_destroy(h), ZX_OK, "cleanup")
            VT.close(vmo, readOnlyVmo, h)
        }
    }

    @Test func opRangeThroughSubVmars() throws {
        try VT.run { _, check in
            let P = VT.page
            let root = zx_vmar_root_self()
            let vmo = VT.vmo(pages: 2)
            // vmar.cc RangeOpSubRegions and BadRangeOpNestedVmar.
            let parent = VT.allocate(root, canRWS, 0, 4 * P)
            let child = VT.allocate(parent.handle, canRWS | ZX_VM_SPECIFIC, 0, 2 * P)
            let m = VT.map(child.handle, rw | ZX_VM_SPECIFIC, 0, vmo, 0, P)
            check.eq(m.addr, parent.addr, "stacked at the same address")
            let noChildren = VT.dup(parent.handle, VT.rights(parent.handle) & ~ZX_RIGHT_OP_CHILDREN)
            for op in [ZX_VMAR_OP_MAP_RANGE, ZX_VMAR_OP_DONT_NEED, ZX_VMAR_OP_ALWAYS_NEED] {
                check.status(opRange(parent.handle, op, m.addr, P), ZX_OK, "op \(op) with OP_CHILDREN")
                check.status(opRange(noChildren, op, m.addr, P), ZX_ERR_INVALID_ARGS, "op \(op) without")
            }
            for op in [ZX_VMAR_OP_COMMIT, ZX_VMAR_OP_DECOMMIT] {
                check.status(opRange(parent.handle, op, m.addr, P), ZX_ERR_INVALID_ARGS, "op \(op) through a sub-VMAR")
                check.status(opRange(noChildren, op, m.addr, P), ZX_ERR_INVALID_ARGS, "op \(op) without OP_CHILDREN")
                check.status(opRange(root, op, m.addr, P), ZX_ERR_INVALID_ARGS, "op \(op) from the root")
                check.status(opRange(child.handle, op, m.addr, P), ZX_OK, "op \(op) on the direct parent")
            }
            // The walk is in address order: a sub-VMAR piece fails before a later gap is seen.
            check.status(opRange(noChildren, ZX_VMAR_OP_MAP_RANGE, m.addr, 2 * P), ZX_ERR_INVALID_ARGS,
                         "sub-VMAR piece, then gap")
            check.status(opRange(parent.handle, ZX_VMAR_OP_MAP_RANGE, m.addr, 2 * P), ZX_ERR_BAD_STATE, "gap")
            // vmar.cc OpOnRangeWithChildVmarNextToIt: a mapping next to a sibling sub-VMAR.
            let b = VT.allocate(child.handle, canRWS | ZX_VM_SPECIFIC, P, P)
            check.status(b.status, ZX_OK, "sibling sub-VMAR")
            check.status(opRange(parent.handle, ZX_VMAR_OP_MAP_RANGE, m.addr, P), ZX_OK, "mapping next to a VMAR")
            check.status(opRange(child.handle, ZX_VMAR_OP_MAP_RANGE, m.addr, 2 * P), ZX_ERR_BAD_STATE, "empty VMAR")
            check.status(zx_vmar_destroy(parent.handle), ZX_OK, "cleanup")
            VT.close(vmo, parent.handle, child.handle, noChildren, b.handle)
        }
    }

    // MARK: §3.18 info topics

    @Test func infoVmarAndProcessMaps() throws {
        try VT.run { _, check in
            let P = VT.page
            let root = zx_vmar_root_self()
            let (_, rootInfo) = VT.vmarInfo(root)
            let vmo = VT.vmo(pages: 4)
            check.status(VT.vmarInfo(vmo).status, ZX_ERR_WRONG_TYPE, "ZX_INFO_VMAR on a VMO")
            check.status(VT.vmarInfo(VT.dup(root, ZX_DEFAULT_VMAR_RIGHTS & ~ZX_RIGHT_INSPECT)).status,
                         ZX_ERR_ACCESS_DENIED, "ZX_INFO_VMAR without INSPECT")
            var small: UInt64 = 0
            var actual = 0, avail = 0
            check.status(zx_object_get_info(root, ZX_INFO_VMAR, &small, 8, &actual, &avail), ZX_ERR_BUFFER_TOO_SMALL,
                         "ZX_INFO_VMAR buffer of 8 bytes")
            // Tree: root ⊃ {A ⊃ {mapping a, B ⊃ {mapping b}}, mapping c}.
            let a = VT.allocate(root, canRWS | ZX_VM_SPECIFIC, 0x100_0000, 16 * P)
            let ma = VT.map(a.handle, rw | ZX_VM_SPECIFIC, 0, vmo, 0, 2 * P)
            let b = VT.allocate(a.handle, canRWS | ZX_VM_SPECIFIC, 8 * P, 4 * P)
            let mb = VT.map(b.handle, ZX_VM_PERM_READ | ZX_VM_SPECIFIC, P, vmo, UInt64(2 * P), P)
            let mc = VT.map(root, rw | ZX_VM_SPECIFIC, 0x200_0000, vmo, UInt64(P), 3 * P)
            check.status(VT.store(UInt8(1), ma.addr), ZX_OK, "commit VMO page 0")
            check.status(VT.store(UInt8(1), mc.addr), ZX_OK, "commit VMO page 1")
            let (status, rows) = VT.maps()
            check.status(status, ZX_OK, "ZX_INFO_PROCESS_MAPS")
            check.that(rows.count >= 7, "rows \(rows.count)")
            guard rows.count >= 7 else { return }
            check.eq(rows[0].type, ZX_INFO_MAPS_TYPE_ASPACE, "row 0 is the aspace")
            check.eq(rows[0].depth, 0, "aspace depth")
            check.eq(rows[1].type, ZX_INFO_MAPS_TYPE_VMAR, "row 1 is the root VMAR")
            check.eq([rows[1].depth, Int(bitPattern: rows[1].base), rows[1].size],
                     [1, Int(bitPattern: rootInfo.base), rootInfo.len], "root VMAR row")
            let mine = Array(rows.dropFirst(2))
            check.eq(mine.map(\.base), [a.addr, ma.addr, b.addr, mb.addr, mc.addr], "pre-order, ascending")
            check.eq(mine.map(\.depth), [2, 3, 3, 4, 2], "depths")
            check.eq(mine.map(\.type), [ZX_INFO_MAPS_TYPE_VMAR, ZX_INFO_MAPS_TYPE_MAPPING, ZX_INFO_MAPS_TYPE_VMAR,
                                       ZX_INFO_MAPS_TYPE_MAPPING, ZX_INFO_MAPS_TYPE_MAPPING], "types")
            check.eq(mine.map(\.size), [16 * P, 2 * P, 4 * P, P, 3 * P], "sizes")
            let mappings = mine.filter { $0.type == ZX_INFO_MAPS_TYPE_MAPPING }.map(\.u.mapping)
            check.eq(mappings.map(\.mmu_flags), [rw, ZX_VM_PERM_READ, rw], "mmu_flags")
            check.eq(Set(mappings.map(\.vmo_koid)), [VT.koid(vmo)], "vmo_koid")
            check.eq(mappings.map(\.vmo_offset), [0, UInt64(2 * P), UInt64(P)], "vmo_offset")
            check.eq(mappings.map(\.committed_pages), [2, 0, 1], "committed_pages of each window")
            // Protect splits show up as separate rows.
            check.status(zx_vmar_protect(root, ZX_VM_PERM_READ, mc.addr + VT.pageU, P), ZX_OK, "protect the middle")
            let split = VT.mappingRows(in: mc.addr, 3 * P)
            check.eq(split.map(\.base), [mc.addr, mc.addr + VT.pageU, mc.addr + 2 * VT.pageU], "three rows")
            check.eq(split.map(\.u.mapping.mmu_flags), [rw, ZX_VM_PERM_READ, rw], "their flags")
            check.eq(split.map(\.u.mapping.vmo_offset), [UInt64(P), UInt64(2 * P), UInt64(3 * P)], "their offsets")
            // A buffer for one record: OK, actual 1, avail = all.
            var one = zx_info_maps_t()
            check.status(zx_object_get_info(zx_process_self(), ZX_INFO_PROCESS_MAPS, &one,
                                            MemoryLayout<zx_info_maps_t>.size, &actual, &avail), ZX_OK, "short buffer")
            check.eq([actual, avail], [1, rows.count + 2], "actual/avail")
            let noInspect = VT.dup(zx_process_self(), VT.rights(zx_process_self()) & ~ZX_RIGHT_INSPECT)
            check.status(zx_object_get_info(noInspect, ZX_INFO_PROCESS_MAPS, nil, 0, &actual, &avail), ZX_ERR_ACCESS_DENIED,
                         "PROCESS_MAPS without INSPECT")
            check.status(zx_vmar_destroy(a.handle), ZX_OK, "cleanup")
            check.status(zx_vmar_unmap(root, mc.addr, 3 * P), ZX_OK, "cleanup")
            VT.close(vmo, a.handle, b.handle, noInspect)
        }
    }

    // MARK: §2 probes and fatal faults

    @Test func readWriteMemoryProbesAndPartialTransfers() throws {
        try VT.run { _, check in
            let P = VT.page
            let root = zx_vmar_root_self()
            let me = zx_process_self()
            var buffer = [UInt8](repeating: 0, count: 2 * P + 16)
            var actual = 0
            // vmar.cc PartialUnmapAndRead / PartialUnmapAndWrite.
            let vmo = VT.vmo(pages: 2)
            let m = VT.map(root, rw, 0, vmo, 0, 2 * P)
            check.status(zx_vmar_unmap(root, m.addr + VT.pageU, P), ZX_OK, "unmap the second page")
            for write in [false, true] {
                func transfer(_ address: zx_vaddr_t, _ count: Int) -> zx_status_t {
                    buffer.withUnsafeMutableBytes { raw in
                        write ? zx_process_write_memory(me, address, raw.baseAddress, count, &actual)
                              : zx_process_read_memory(me, address, raw.baseAddress, count, &actual)
                    }
                }
                let what = write ? "write" : "read"
                check.status(transfer(m.addr, P), ZX_OK, "\(what) page 1")
                check.eq(actual, P, "\(what) page 1 actual")
                check.status(transfer(m.addr + VT.pageU, P), ZX_ERR_NO_MEMORY, "\(what) page 2")
                check.status(transfer(m.addr, 2 * P), ZX_OK, "\(what) both")
                check.eq(actual, P, "\(what) stops at the hole")
                check.status(transfer(m.addr + VT.pageU - 1, 2), ZX_OK, "\(what) straddling")
                check.eq(actual, 1, "\(what) straddling actual")
            }
            check.status(zx_vmar_unmap(root, m.addr, P), ZX_OK, "unmap")
            // vmar.cc PartialUnmapWithVmarOffset: a window from VMO offset P to the end.
            let big = VT.vmo(pages: 3)
            let w = VT.map(root, rw, 0, big, UInt64(P), 2 * P)
            let end = w.addr + UInt(2 * P)
            _ = buffer.withUnsafeMutableBytes { zx_process_read_memory(me, w.addr, $0.baseAddress, 2 * P, &actual) }
            check.eq(actual, 2 * P, "whole window")
            check.status(VT.probe(end - 1), ZX_OK, "last byte")
            check.status(VT.probe(end), ZX_ERR_NO_MEMORY, "one past the end")
            _ = buffer.withUnsafeMutableBytes { zx_process_read_memory(me, end - 1, $0.baseAddress, 2, &actual) }
            check.eq(actual, 1, "crossing the end")
            check.status(zx_vmar_unmap(root, w.addr, 2 * P), ZX_OK, "unmap")
            // Beyond the VMO inside a mapping: OUT_OF_RANGE if the first byte is, else partial.
            let one = VT.vmo(pages: 1)
            let b = VT.map(root, rw, 0, one, 0, 2 * P)
            check.status(VT.probe(b.addr + VT.pageU), ZX_ERR_OUT_OF_RANGE, "first byte beyond the VMO")
            let straddle = buffer.withUnsafeMutableBytes { zx_process_read_memory(me, b.addr + VT.pageU - 4, $0.baseAddress, 8, &actual) }
            check.status(straddle, ZX_OK, "read up to the VMO end")
            check.eq(actual, 4, "partial")
            check.status(zx_vmar_unmap(root, b.addr, 2 * P), ZX_OK, "unmap")
            VT.close(vmo, big, one)
        }
    }

    @Test func pageFaultStatusesIncludingResize() throws {
        try VT.run { _, check in
            let P = VT.page
            let root = zx_vmar_root_self()
            let (_, rootInfo) = VT.vmarInfo(root)
            // NOT_FOUND: nothing mapped, including outside the user range.
            for address in [rootInfo.base - 0x1000, rootInfo.base + 0x4000_0000, UInt(0xffff_ffff_f000), UInt(8)] {
                for write in [false, true] {
                    let f = fault(address, write: write)
                    check.eq(f?.status, ZX_ERR_NOT_FOUND, "\(write ? "store" : "load") at \(address)")
                    check.eq(f?.address, address, "fault address")
                    check.eq(f?.isWrite, write, "fault isWrite")
                }
            }
            // ACCESS_DENIED: permissions.
            let vmo = VT.vmo(pages: 2)
            let ro = VT.map(root, ZX_VM_PERM_READ, 0, vmo, 0, P)
            check.eq(fault(ro.addr + 5, write: true)?.status, ZX_ERR_ACCESS_DENIED, "store to READ mapping")
            check.eq(fault(ro.addr + 5, write: false)?.status, nil, "load from READ mapping")
            check.status(zx_vmar_protect(root, 0, ro.addr, P), ZX_OK, "no access")
            check.eq(fault(ro.addr, write: false)?.status, ZX_ERR_ACCESS_DENIED, "load from no-access mapping")
            check.status(zx_vmar_unmap(root, ro.addr, P), ZX_OK, "unmap")
            check.eq(fault(ro.addr, write: false)?.status, ZX_ERR_NOT_FOUND, "after unmap")
            // OUT_OF_RANGE after a resizable VMO shrinks under a mapping, OK again after it grows.
            let resizable = VT.vmo(pages: 4, options: ZX_VMO_RESIZABLE)
            let m = VT.map(root, rw, 0, resizable, 0, 4 * P)
            for i in 0..<4 { check.status(VT.store(UInt64(0x77 + i), m.addr + UInt(i * P)), ZX_OK, "fill page \(i)") }
            check.status(zx_vmo_set_size(resizable, UInt64(P)), ZX_OK, "shrink to one page")
            check.eq(VT.load64(m.addr).value, 0x77, "page 0 kept")
            for i in 1..<4 {
                let address = m.addr + UInt(i * P)
                check.eq(fault(address, write: false)?.status, ZX_ERR_OUT_OF_RANGE, "load page \(i) after shrink")
                check.eq(fault(address, write: true)?.status, ZX_ERR_OUT_OF_RANGE, "store page \(i) after shrink")
                check.status(VT.probe(address), ZX_ERR_OUT_OF_RANGE, "read_memory page \(i) after shrink")
            }
            check.status(zx_vmo_set_size(resizable, UInt64(4 * P)), ZX_OK, "grow back")
            for i in 1..<4 {
                check.eq(VT.load64(m.addr + UInt(i * P)).value, 0, "page \(i) reads zero after growing")
                check.status(VT.store(UInt8(9), m.addr + UInt(i * P)), ZX_OK, "store page \(i) after growing")
            }
            check.status(zx_vmar_unmap(root, m.addr, 4 * P), ZX_OK, "unmap")
            VT.close(vmo, resizable)
        }
    }
}
