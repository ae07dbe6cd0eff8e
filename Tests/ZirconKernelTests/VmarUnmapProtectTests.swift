// zx_vmar_unmap and zx_vmar_protect against shared/reference/zircon-vm-semantics.md §3.3 and §3.4:
// checks in order, splitting, sub-VMARs and OP_CHILDREN, maximum permissions, nothing changed on failure.

import Testing
import Zirconia

private let rw = ZX_VM_PERM_READ | ZX_VM_PERM_WRITE
private let canRW = ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE
private let canRWS = canRW | ZX_VM_CAN_MAP_SPECIFIC
private var badSize: Int { Int(bitPattern: UInt.max - VT.pageU + 2) }

/// mmu_flags of the mapping rows in [base, base + pages·P), one entry per page.
private func pageFlags(_ base: zx_vaddr_t, pages: Int) -> [UInt32?] {
    let rows = VT.mappingRows(in: base, pages * VT.page)
    return (0..<pages).map { i in
        let address = base + UInt(i * VT.page)
        return rows.first { $0.base <= address && address < $0.base + UInt($0.size) }?.u.mapping.mmu_flags
    }
}

/// Whether a one-byte store succeeds on each page of [base, base + pages·P).
private func writable(_ base: zx_vaddr_t, pages: Int) -> [Bool] {
    (0..<pages).map { VT.store(UInt8(0x5a), base + UInt($0 * VT.page)) == ZX_OK }
}

@Suite struct VmarUnmapProtectTests {
    // MARK: §3.3 zx_vmar_unmap

    @Test func unmapChecksInOrder() throws {
        try VT.run { _, check in
            let P = VT.page
            let vmo = VT.vmo(pages: 4)
            let vmar = VT.allocate(zx_vmar_root_self(), canRWS, 0, 16 * P)
            let h = vmar.handle
            let dead = VT.allocate(zx_vmar_root_self(), canRWS, 0, 16 * P)
            check.status(zx_vmar_destroy(dead.handle), ZX_OK, "kill")
            check.status(zx_vmar_unmap(ZX_HANDLE_INVALID, vmar.addr, P), ZX_ERR_BAD_HANDLE, "bad handle")
            check.status(zx_vmar_unmap(vmo, 0, 0), ZX_ERR_WRONG_TYPE, "VMO handle (before the len check)")
            // Steps 2–3 precede step 4 (DEAD).
            check.status(zx_vmar_unmap(h, vmar.addr + 1, P), ZX_ERR_INVALID_ARGS, "unaligned address")
            check.status(zx_vmar_unmap(dead.handle, dead.addr + 1, P), ZX_ERR_INVALID_ARGS, "dead + unaligned")
            check.status(zx_vmar_unmap(h, vmar.addr, 0), ZX_ERR_INVALID_ARGS, "len 0")
            check.status(zx_vmar_unmap(dead.handle, dead.addr, 0), ZX_ERR_INVALID_ARGS, "dead + len 0")
            let m = VT.map(h, rw | ZX_VM_SPECIFIC, P, vmo, 0, 4 * P)
            for i in -1...1 {
                let a = UInt(Int(m.addr) + i * P)
                check.status(zx_vmar_unmap(h, a, badSize), ZX_ERR_INVALID_ARGS, "len wrapping to 0 at \(i)")
            }
            // Step 4 precedes step 5.
            check.status(zx_vmar_unmap(dead.handle, dead.addr, P), ZX_ERR_BAD_STATE, "dead")
            check.status(zx_vmar_unmap(dead.handle, dead.addr + UInt(64 * P), P), ZX_ERR_BAD_STATE, "dead + outside")
            // Step 5.
            check.status(zx_vmar_unmap(h, vmar.addr - VT.pageU, 2 * P), ZX_ERR_INVALID_ARGS, "starts below")
            check.status(zx_vmar_unmap(h, vmar.addr + UInt(15 * P), 2 * P), ZX_ERR_INVALID_ARGS, "ends above")
            check.status(zx_vmar_unmap(h, vmar.addr + UInt(16 * P), P), ZX_ERR_INVALID_ARGS, "at the end")
            check.status(zx_vmar_unmap(h, vmar.addr, 17 * P), ZX_ERR_INVALID_ARGS, "larger than the VMAR")
            check.eq(VT.mappedBits(vmar.addr, pages: 16), 0b11110, "nothing changed")
            // Step 6: no children → OK; unmapped ranges → OK (never NOT_FOUND).
            let empty = VT.allocate(h, canRW | ZX_VM_SPECIFIC, 8 * P, 4 * P)
            check.status(zx_vmar_unmap(empty.handle, empty.addr, 4 * P), ZX_OK, "empty VMAR")
            check.status(zx_vmar_unmap(h, vmar.addr + UInt(6 * P), P), ZX_OK, "hole")
            // Step 8: partial sub-VMAR, or any sub-VMAR without OP_CHILDREN → nothing changes.
            let noChildren = VT.dup(h, VT.rights(h) & ~ZX_RIGHT_OP_CHILDREN)
            check.status(zx_vmar_unmap(h, vmar.addr + UInt(9 * P), 4 * P), ZX_ERR_INVALID_ARGS, "partial sub-VMAR")
            check.status(zx_vmar_unmap(h, vmar.addr, 10 * P), ZX_ERR_INVALID_ARGS, "mapping + partial sub-VMAR")
            check.status(zx_vmar_unmap(noChildren, vmar.addr, 16 * P), ZX_ERR_INVALID_ARGS, "no OP_CHILDREN")
            check.status(zx_vmar_unmap(noChildren, vmar.addr + UInt(8 * P), 4 * P), ZX_ERR_INVALID_ARGS,
                         "exactly the sub-VMAR, no OP_CHILDREN")
            check.eq(VT.mappedBits(vmar.addr, pages: 16), 0b11110, "nothing changed")
            check.that(VT.vmarInfo(empty.handle).status == ZX_OK && zx_vmar_unmap(empty.handle, empty.addr, P) == ZX_OK,
                       "sub-VMAR alive")
            check.status(zx_vmar_unmap(noChildren, m.addr, 4 * P), ZX_OK, "mappings only, no OP_CHILDREN")
            check.status(zx_vmar_unmap(h, vmar.addr, 16 * P), ZX_OK, "whole sub-VMAR with OP_CHILDREN")
            check.status(zx_vmar_unmap(empty.handle, empty.addr, P), ZX_ERR_BAD_STATE, "sub-VMAR destroyed")
            check.status(zx_vmar_destroy(h), ZX_OK, "cleanup")
            VT.close(vmo, h, dead.handle, empty.handle, noChildren)
        }
    }

    @Test func unmapSplitsMappingsKeepingVmoOffsets() throws {
        try VT.run { _, check in
            let P = VT.page
            let root = zx_vmar_root_self()
            let vmo = VT.vmo(pages: 4)
            for i in 0..<4 { check.status(VT.writeVmo(vmo, UInt8(10 + i), at: i * P), ZX_OK, "tag") }
            var addrs: [zx_vaddr_t] = []
            for _ in 0..<3 { addrs.append(VT.map(root, rw, 0, vmo, 0, 4 * P).addr) }
            check.status(zx_vmar_unmap(root, addrs[0], 2 * P), ZX_OK, "left")
            check.eq(VT.mappedBits(addrs[0], pages: 4), 0b1100, "after left")
            check.status(zx_vmar_unmap(root, addrs[1] + UInt(2 * P), 2 * P), ZX_OK, "right")
            check.eq(VT.mappedBits(addrs[1], pages: 4), 0b0011, "after right")
            check.status(zx_vmar_unmap(root, addrs[2] + VT.pageU, 2 * P), ZX_OK, "center")
            check.eq(VT.mappedBits(addrs[2], pages: 4), 0b1001, "after center")
            let rows = VT.mappingRows(in: addrs[2], 4 * P)
            check.eq(rows.map(\.base), [addrs[2], addrs[2] + UInt(3 * P)], "two pieces")
            check.eq(rows.map(\.u.mapping.vmo_offset), [0, UInt64(3 * P)], "VMO offsets preserved")
            check.eq([VT.load(addrs[2]).value, VT.load(addrs[2] + UInt(3 * P)).value], [10, 13], "contents")
            check.eq(VT.load(addrs[0] + UInt(2 * P)).value, 12, "left remainder keeps its offset")
            check.eq(VT.vmoInfo(vmo).num_mappings, 4, "num_mappings counts the pieces")
            check.status(zx_vmar_unmap(root, addrs[0] + UInt(2 * P), 2 * P), ZX_OK, "rest 0")
            check.status(zx_vmar_unmap(root, addrs[1], 2 * P), ZX_OK, "rest 1")
            check.status(zx_vmar_unmap(root, addrs[2], P), ZX_OK, "rest 2a")
            check.status(zx_vmar_unmap(root, addrs[2] + UInt(3 * P), P), ZX_OK, "rest 2b")
            let (_, info) = VT.vmarInfo(root)
            for a in addrs {
                check.eq(VT.mappedBits(a, pages: 4), 0, "all gone")
                let again = VT.map(root, rw | ZX_VM_SPECIFIC, Int(a - info.base), vmo, 0, 4 * P)
                check.status(again.status, ZX_OK, "map over the hole again")
                check.eq(VT.mappedBits(a, pages: 4), 0b1111, "remapped")
                check.status(zx_vmar_unmap(root, a, 4 * P), ZX_OK, "unmap")
            }
            check.eq(VT.vmoInfo(vmo).num_mappings, 0, "no mappings left")
            // Unaligned lengths are rounded up (vmar.cc UnalignedLenTest).
            let m = VT.map(root, ZX_VM_PERM_READ, 0, vmo, 0, 4 * P)
            check.status(zx_vmar_protect(root, rw, m.addr, 4 * P - 1), ZX_OK, "protect 4P-1")
            check.eq(pageFlags(m.addr, pages: 4), [rw, rw, rw, rw], "whole mapping protected")
            check.status(zx_vmar_unmap(root, m.addr, 4 * P - 1), ZX_OK, "unmap 4P-1")
            check.status(VT.probe(m.addr + UInt(3 * P)), ZX_ERR_NO_MEMORY, "last page gone")
            VT.close(vmo)
        }
    }

    @Test func unmapAcrossMappingsGapsAndSubVmars() throws {
        try VT.run { _, check in
            let P = VT.page, size = 4 * P
            let vmo = VT.vmo(pages: 4)
            let outer = VT.allocate(zx_vmar_root_self(), canRWS, 0, 16 * P)
            let h = outer.handle, a = outer.addr
            func mapAt(_ offset: Int) -> zx_vaddr_t { VT.map(h, rw | ZX_VM_SPECIFIC, offset, vmo, 0, size).addr }
            func sub(_ offset: Int) -> (status: zx_status_t, handle: zx_handle_t, addr: zx_vaddr_t) {
                VT.allocate(h, canRWS | ZX_VM_SPECIFIC, offset, size)
            }
            // Two adjacent mappings, cut across the boundary (vmar.cc UnmapMultipleTest).
            _ = mapAt(0); _ = mapAt(size)
            check.status(zx_vmar_unmap(h, a + UInt(2 * P), 3 * P), ZX_OK, "across two")
            check.eq(VT.mappedBits(a, pages: 8), 0b1110_0011, "after the cut")
            check.status(zx_vmar_unmap(h, a, 16 * P), ZX_OK, "all")
            // Two mappings with a gap: the gap is ignored.
            _ = mapAt(0); _ = mapAt(2 * size)
            check.status(zx_vmar_unmap(h, a, 2 * size + P), ZX_OK, "across a gap")
            check.eq(VT.mappedBits(a, pages: 12), 0b1110_0000_0000, "after")
            check.status(zx_vmar_unmap(h, a, 16 * P), ZX_OK, "all")
            // A sub-VMAR between them is destroyed with its mapping.
            _ = mapAt(0); _ = mapAt(2 * size)
            let middle = sub(size)
            check.status(VT.map(middle.handle, rw | ZX_VM_SPECIFIC, 0, vmo, 0, P).status, ZX_OK, "map in sub")
            check.eq(VT.mappedBits(a, pages: 12), 0b1111_0001_1111, "set up")
            check.status(zx_vmar_unmap(h, a, 2 * size + P), ZX_OK, "through the sub-VMAR")
            check.eq(VT.mappedBits(a, pages: 12), 0b1110_0000_0000, "after")
            check.status(VT.map(middle.handle, rw | ZX_VM_SPECIFIC, P, vmo, 0, P).status, ZX_ERR_BAD_STATE, "sub is dead")
            check.status(zx_vmar_unmap(h, a, 16 * P), ZX_OK, "all")
            // Sub-VMAR after / before: partial → INVALID_ARGS and nothing changes; whole → OK.
            _ = mapAt(0); _ = mapAt(size)
            let after = sub(2 * size)
            _ = VT.map(after.handle, rw | ZX_VM_SPECIFIC, 0, vmo, 0, P)
            check.status(zx_vmar_unmap(h, a + VT.pageU, 3 * size - 2 * P), ZX_ERR_INVALID_ARGS, "partial (after)")
            check.eq(VT.mappedBits(a, pages: 12), 0b0001_1111_1111, "unchanged")
            check.status(zx_vmar_unmap(h, a + VT.pageU, 3 * size - P), ZX_OK, "whole (after)")
            check.eq(VT.mappedBits(a, pages: 12), 0b0000_0000_0001, "first page left")
            check.status(zx_vmar_unmap(h, a, 16 * P), ZX_OK, "all")
            let before = sub(0)
            _ = mapAt(size); _ = mapAt(2 * size)
            _ = VT.map(before.handle, rw | ZX_VM_SPECIFIC, size - P, vmo, 0, P)
            check.status(zx_vmar_unmap(h, a + VT.pageU, 3 * size - P), ZX_ERR_INVALID_ARGS, "partial (before)")
            check.eq(VT.mappedBits(a, pages: 12), 0b1111_1111_1000, "unchanged")
            check.status(zx_vmar_unmap(h, a, 3 * size), ZX_OK, "whole (before)")
            check.eq(VT.mappedBits(a, pages: 12), 0, "empty")
            check.status(zx_vmar_destroy(before.handle), ZX_ERR_BAD_STATE, "sub is dead")
            // The base need not be mapped (vmar.cc UnmapBaseNotMappedTest).
            let m = VT.map(h, rw | ZX_VM_SPECIFIC, P, vmo, 0, size)
            check.status(zx_vmar_unmap(h, m.addr - VT.pageU, size + P), ZX_OK, "base unmapped")
            check.eq(VT.mappedBits(a, pages: 8), 0, "gone")
            check.status(zx_vmar_destroy(h), ZX_OK, "cleanup")
            VT.close(vmo, h, middle.handle, after.handle, before.handle)
        }
    }

    // MARK: §3.4 zx_vmar_protect

    @Test func protectChecksInOrder() throws {
        try VT.run { _, check in
            let P = VT.page
            let vmo = VT.vmo(pages: 4)
            let vmar = VT.allocate(zx_vmar_root_self(), canRWS, 0, 16 * P)
            let h = vmar.handle
            let dead = VT.allocate(zx_vmar_root_self(), canRWS, 0, 16 * P)
            check.status(zx_vmar_destroy(dead.handle), ZX_OK, "kill")
            let readOnly = VT.dup(h, ZX_DEFAULT_VMAR_RIGHTS | ZX_RIGHT_READ)
            let m = VT.map(h, rw | ZX_VM_SPECIFIC, 0, vmo, 0, 4 * P)
            let d = dead.addr
            check.status(zx_vmar_protect(ZX_HANDLE_INVALID, ZX_VM_PERM_READ, m.addr, P), ZX_ERR_BAD_HANDLE, "bad handle")
            check.status(zx_vmar_protect(vmo, ZX_VM_PERM_READ, 0, 0), ZX_ERR_WRONG_TYPE, "VMO handle")
            // Step 2: rights derived from the permissions, before anything else.
            check.status(zx_vmar_protect(readOnly, rw, m.addr, P), ZX_ERR_ACCESS_DENIED, "RW on a RO handle")
            check.status(zx_vmar_protect(readOnly, ZX_VM_PERM_WRITE, m.addr, P), ZX_ERR_ACCESS_DENIED, "W-only, RO handle")
            check.status(zx_vmar_protect(readOnly, rw, m.addr + 1, 0), ZX_ERR_ACCESS_DENIED, "… before 4 and 6")
            check.status(zx_vmar_protect(h, ZX_VM_PERM_READ | ZX_VM_PERM_EXECUTE, m.addr, P), ZX_ERR_ACCESS_DENIED,
                         "EXECUTE, handle without EXECUTE")
            check.status(zx_vmar_protect(dead.handle, ZX_VM_PERM_READ | ZX_VM_PERM_EXECUTE, d, P), ZX_ERR_ACCESS_DENIED,
                         "EXECUTE on dead")
            // Step 3.
            check.status(zx_vmar_protect(h, ZX_VM_PERM_WRITE, m.addr, P), ZX_ERR_INVALID_ARGS, "W-only with WRITE")
            // Steps 3–6 precede step 7 (DEAD).
            let deadInvalid: [(zx_vm_option_t, zx_vaddr_t, Int, String)] = [
                (ZX_VM_PERM_WRITE, d, P, "W-only"), (ZX_VM_PERM_READ, d + 1, P, "unaligned"),
                (ZX_VM_PERM_READ | ZX_VM_CAN_MAP_WRITE, d, P, "CAN_MAP bit"),
                (ZX_VM_PERM_READ | ZX_VM_SPECIFIC, d, P, "SPECIFIC"), (ZX_VM_PERM_READ | ZX_VM_ALIGN_64KB, d, P, "align"),
                (ZX_VM_PERM_READ | (1 << 31), d, P, "bit 31"), (ZX_VM_PERM_READ, d, 0, "len 0"),
                (ZX_VM_PERM_READ, d, badSize, "len wraps"),
            ]
            for (options, address, len, what) in deadInvalid {
                check.status(zx_vmar_protect(dead.handle, options, address, len), ZX_ERR_INVALID_ARGS, "dead + \(what)")
            }
            // Steps 4–6 on a live VMAR.
            check.status(zx_vmar_protect(h, ZX_VM_PERM_READ, m.addr + 1, P), ZX_ERR_INVALID_ARGS, "unaligned address")
            for extra in [ZX_VM_CAN_MAP_WRITE, ZX_VM_SPECIFIC, ZX_VM_COMPACT, ZX_VM_MAP_RANGE, ZX_VM_ALIGN_4KB, 1 << 20] {
                check.status(zx_vmar_protect(h, ZX_VM_PERM_READ | extra, m.addr, P), ZX_ERR_INVALID_ARGS, "flag \(extra)")
            }
            check.status(zx_vmar_protect(h, ZX_VM_PERM_READ, m.addr, 0), ZX_ERR_INVALID_ARGS, "len 0")
            for i in -1...1 {
                check.status(zx_vmar_protect(h, ZX_VM_PERM_READ, UInt(Int(m.addr) + i * P), badSize), ZX_ERR_INVALID_ARGS,
                             "len wraps at \(i)")
            }
            // Step 7 precedes step 8.
            check.status(zx_vmar_protect(dead.handle, ZX_VM_PERM_READ, d, P), ZX_ERR_BAD_STATE, "dead")
            check.status(zx_vmar_protect(dead.handle, ZX_VM_PERM_READ, d + UInt(64 * P), P), ZX_ERR_BAD_STATE, "dead outside")
            // Step 8.
            check.status(zx_vmar_protect(h, ZX_VM_PERM_READ, vmar.addr - VT.pageU, 2 * P), ZX_ERR_INVALID_ARGS, "below")
            check.status(zx_vmar_protect(h, ZX_VM_PERM_READ, vmar.addr + UInt(15 * P), 2 * P), ZX_ERR_INVALID_ARGS, "above")
            check.eq(pageFlags(m.addr, pages: 4), [rw, rw, rw, rw], "nothing changed")
            check.status(zx_vmar_protect(readOnly, ZX_VM_PERM_READ, m.addr, 4 * P), ZX_OK, "READ through a RO handle")
            check.status(zx_vmar_destroy(h), ZX_OK, "cleanup")
            VT.close(vmo, h, dead.handle, readOnly)
        }
    }

    @Test func protectSplitsAndMovesWithinMaximumEvenAfterVmoClose() throws {
        try VT.run { _, check in
            let P = VT.page
            let root = zx_vmar_root_self()
            let vmo = VT.vmo(pages: 4)
            let R = ZX_VM_PERM_READ
            for (start, count, want) in [(0, 2, [R, R, rw, rw]), (2, 2, [rw, rw, R, R]), (1, 2, [rw, R, R, rw])] {
                let m = VT.map(root, rw, 0, vmo, 0, 4 * P)
                check.status(zx_vmar_protect(root, R, m.addr + UInt(start * P), count * P), ZX_OK, "protect \(start)")
                check.eq(pageFlags(m.addr, pages: 4), want, "rows after protect at \(start)")
                check.eq(writable(m.addr, pages: 4), want.map { $0 == rw }, "stores after protect at \(start)")
                check.eq(VT.mappedBits(m.addr, pages: 4), 0b1111, "still mapped")
                let rows = VT.mappingRows(in: m.addr, 4 * P)
                check.eq(rows.map(\.u.mapping.vmo_offset), rows.map { UInt64($0.base - m.addr) }, "split rows' offsets")
                check.status(zx_vmar_unmap(root, m.addr, 4 * P), ZX_OK, "unmap")
            }
            // Down and back up within the maximum, after the VMO handle is gone; protect to 0.
            let m = VT.map(root, rw, 0, vmo, 0, 2 * P)
            check.status(VT.store(UInt64(0xfeed), m.addr), ZX_OK, "store fills the TLB")
            VT.close(vmo)
            check.status(zx_vmar_protect(root, R, m.addr, 2 * P), ZX_OK, "down to READ")
            check.status(VT.store(UInt64(1), m.addr), ZX_ERR_ACCESS_DENIED, "no stale writable TLB entry")
            check.eq(VT.load64(m.addr).value, 0xfeed, "value kept")
            check.status(zx_vmar_protect(root, 0, m.addr, 2 * P), ZX_OK, "down to nothing")
            check.status(VT.load(m.addr).status, ZX_ERR_ACCESS_DENIED, "no read access")
            check.status(zx_vmar_protect(root, rw, m.addr, 2 * P), ZX_OK, "back up to READ|WRITE")
            check.status(VT.store(UInt64(2), m.addr), ZX_OK, "store again")
            check.status(zx_vmar_protect(root, rw | ZX_VM_PERM_EXECUTE, m.addr, 2 * P), ZX_ERR_ACCESS_DENIED, "beyond max")
            check.status(zx_vmar_unmap(root, m.addr, 2 * P), ZX_OK, "unmap")
            // The maximum is VMO rights ∩ VMAR rights at map time (vmar.cc ProtectTest, RightsDropTest).
            let plainVmo = VT.vmo(pages: 1)
            var exec = ZX_HANDLE_INVALID
            check.status(zx_vmo_replace_as_executable(plainVmo, ZX_HANDLE_INVALID, &exec), ZX_OK, "executable VMO")
            let rwx = rw | ZX_VM_PERM_EXECUTE
            for (right, perm) in [(ZX_RIGHT_READ, R), (ZX_RIGHT_READ | ZX_RIGHT_WRITE, rw),
                                  (ZX_RIGHT_READ | ZX_RIGHT_EXECUTE, R | ZX_VM_PERM_EXECUTE)] {
                let limitedVmo = VT.dup(exec, right | ZX_RIGHT_MAP)
                check.status(VT.map(root, rwx, 0, limitedVmo, 0, P).status, ZX_ERR_ACCESS_DENIED, "map beyond VMO rights")
                let viaVmo = VT.map(root, perm, 0, limitedVmo, 0, P)
                check.status(viaVmo.status, ZX_OK, "map \(perm)")
                check.eq(pageFlags(viaVmo.addr, pages: 1), [perm], "mmu_flags")
                check.status(zx_vmar_protect(root, rwx, viaVmo.addr, P), ZX_ERR_ACCESS_DENIED, "escalate (VMO)")
                VT.close(limitedVmo)
                check.status(zx_vmar_protect(root, rwx, viaVmo.addr, P), ZX_ERR_ACCESS_DENIED, "escalate after close")
                check.status(zx_vmar_protect(root, 0, viaVmo.addr, P), ZX_OK, "drop all")
                check.status(zx_vmar_protect(root, perm, viaVmo.addr, P), ZX_OK, "restore after close")
                check.status(zx_vmar_unmap(root, viaVmo.addr, P), ZX_OK, "unmap")
                let limitedVmar = VT.dup(root, right)
                check.status(VT.map(limitedVmar, rwx, 0, exec, 0, P).status, ZX_ERR_ACCESS_DENIED, "map beyond VMAR rights")
                let viaVmar = VT.map(limitedVmar, perm, 0, exec, 0, P)
                check.status(viaVmar.status, ZX_OK, "map \(perm) via VMAR dup")
                check.status(zx_vmar_protect(limitedVmar, rwx, viaVmar.addr, P), ZX_ERR_ACCESS_DENIED, "escalate (VMAR)")
                check.status(zx_vmar_protect(root, rwx, viaVmar.addr, P), ZX_ERR_ACCESS_DENIED, "escalate via root")
                check.status(VT.allocate(limitedVmar, canRW | ZX_VM_CAN_MAP_EXECUTE, 0, 10 * P).status,
                             ZX_ERR_ACCESS_DENIED, "allocate beyond VMAR rights")
                check.status(zx_vmar_unmap(limitedVmar, viaVmar.addr, P), ZX_OK, "unmap")
                VT.close(limitedVmar)
            }
            VT.close(exec)
        }
    }

    @Test func protectValidatesTheWholeRangeFirst() throws {
        try VT.run { _, check in
            let P = VT.page, size = 4 * P
            let R = ZX_VM_PERM_READ
            let vmo = VT.vmo(pages: 4)
            let readOnlyVmo = VT.dup(vmo, ZX_RIGHT_MAP | ZX_RIGHT_READ)
            let outer = VT.allocate(zx_vmar_root_self(), canRWS, 0, 16 * P)
            let h = outer.handle, a = outer.addr
            let span = (a + VT.pageU, 3 * size - 2 * P)  // from page 1 to page 10
            func reset() { _ = zx_vmar_unmap(h, a, 16 * P) }
            func mapAt(_ offset: Int, _ v: zx_handle_t = vmo, _ perms: zx_vm_option_t = rw) {
                check.status(VT.map(h, perms | ZX_VM_SPECIFIC, offset, v, 0, size).status, ZX_OK, "map at \(offset)")
            }
            // Across three mappings (vmar.cc ProtectMultipleTest).
            mapAt(0); mapAt(size); mapAt(2 * size)
            check.status(zx_vmar_protect(h, R, span.0, span.1), ZX_OK, "across three")
            check.eq(pageFlags(a, pages: 12), [rw] + Array(repeating: R, count: 10) + [rw], "flags")
            reset()
            // A middle mapping whose maximum lacks WRITE: ACCESS_DENIED and nothing changes.
            mapAt(0, vmo, R); mapAt(size, readOnlyVmo, R); mapAt(2 * size, vmo, R)
            check.status(zx_vmar_protect(h, rw, span.0, span.1), ZX_ERR_ACCESS_DENIED, "exceeds the middle's maximum")
            check.eq(pageFlags(a, pages: 12), Array(repeating: R, count: 12), "unchanged")
            reset()
            // Gaps and empty sub-VMARs → NOT_FOUND, nothing changes; the first failure in address
            // order decides.
            mapAt(0, readOnlyVmo, R); mapAt(2 * size, readOnlyVmo, R)
            check.status(zx_vmar_protect(h, 0, span.0, span.1), ZX_ERR_NOT_FOUND, "gap in the middle")
            check.status(zx_vmar_protect(h, 0, a + UInt(size - P), 2 * P), ZX_ERR_NOT_FOUND, "gap at the end")
            check.status(zx_vmar_protect(h, 0, a + UInt(size), size + P), ZX_ERR_NOT_FOUND, "gap at the start")
            check.status(zx_vmar_protect(h, rw, a, 16 * P), ZX_ERR_ACCESS_DENIED, "excess permissions before the gap")
            check.status(zx_vmar_protect(h, rw, a + UInt(size), 3 * size), ZX_ERR_NOT_FOUND, "gap before the excess")
            let empty = VT.allocate(h, canRW | ZX_VM_SPECIFIC, size, size)
            check.status(zx_vmar_protect(h, 0, span.0, span.1), ZX_ERR_NOT_FOUND, "empty sub-VMAR")
            check.eq(pageFlags(a, pages: 12).compactMap { $0 }, Array(repeating: R, count: 8), "unchanged")
            reset()
            // A sub-VMAR full of mappings: reducing through the parent is allowed.
            mapAt(0); mapAt(2 * size)
            let full = VT.allocate(h, canRWS | ZX_VM_SPECIFIC, size, size)
            check.status(VT.map(full.handle, rw | ZX_VM_SPECIFIC, 0, vmo, 0, size).status, ZX_OK, "fill it")
            check.status(zx_vmar_protect(h, R, span.0, span.1), ZX_OK, "through a populated sub-VMAR")
            check.eq(pageFlags(a, pages: 12), [rw] + Array(repeating: R, count: 10) + [rw], "flags")
            check.eq(writable(a, pages: 12), [true] + Array(repeating: false, count: 10) + [true], "stores")
            // Increasing inside a sub-VMAR via its parent → ACCESS_DENIED; the child may.
            check.status(zx_vmar_protect(h, rw, a + UInt(size), size), ZX_ERR_ACCESS_DENIED, "increase through parent")
            check.status(zx_vmar_protect(h, rw, a + UInt(size - P), 2 * P), ZX_ERR_ACCESS_DENIED, "mixed range")
            check.eq(pageFlags(a, pages: 4), [rw, R, R, R], "unchanged")
            check.status(zx_vmar_protect(full.handle, rw, a + UInt(size), size), ZX_OK, "child restores WRITE")
            // Without OP_CHILDREN, touching the sub-VMAR at all → INVALID_ARGS; a gap first → NOT_FOUND.
            let noChildren = VT.dup(h, VT.rights(h) & ~ZX_RIGHT_OP_CHILDREN)
            check.status(zx_vmar_protect(noChildren, R, a + UInt(size), P), ZX_ERR_INVALID_ARGS, "no OP_CHILDREN")
            check.status(zx_vmar_protect(noChildren, rw, a, size), ZX_OK, "direct mappings only")
            check.status(zx_vmar_unmap(full.handle, a + UInt(size), P), ZX_OK, "make a hole in the child")
            check.status(zx_vmar_protect(noChildren, R, a + UInt(size), 2 * P), ZX_ERR_NOT_FOUND, "gap first")
            check.status(zx_vmar_protect(noChildren, R, a + UInt(size - P), 3 * P), ZX_ERR_NOT_FOUND,
                         "gap inside the sub-VMAR")
            check.status(zx_vmar_protect(h, R, a + UInt(size - P), 3 * P), ZX_ERR_NOT_FOUND, "… with OP_CHILDREN too")
            check.status(zx_vmar_destroy(h), ZX_OK, "cleanup")
            VT.close(vmo, readOnlyVmo, h, empty.handle, full.handle, noChildren)
        }
    }
}
