// zx_vmar_map against shared/reference/zircon-vm-semantics.md §3.2: every numbered check in
// order, SPECIFIC / SPECIFIC_OVERWRITE / UPPER_LIMIT placement, MAP_RANGE and the mapping's effects.

import Testing
import Zirconia

private let rw = ZX_VM_PERM_READ | ZX_VM_PERM_WRITE
private let canRW = ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE
private let canRWS = canRW | ZX_VM_CAN_MAP_SPECIFIC
private var badSize: Int { Int(bitPattern: UInt.max - VT.pageU + 2) }

/// zx_vmar_map's status; a mapping that was created is unmapped again right away.
private func map(_ h: zx_handle_t, _ o: zx_vm_option_t, _ off: Int, _ v: zx_handle_t, _ vo: UInt64,
                 _ len: Int) -> zx_status_t {
    let r = VT.map(h, o, off, v, vo, len)
    if r.status == ZX_OK { _ = zx_vmar_unmap(h, r.addr, max(len, VT.page)) }
    return r.status
}

private func map(_ h: zx_handle_t, _ o: zx_vm_option_t, _ off: Int, _ v: zx_handle_t, _ len: Int) -> zx_status_t {
    map(h, o, off, v, 0, len)
}

private func map(_ h: zx_handle_t, _ o: zx_vm_option_t, _ v: zx_handle_t, _ len: Int) -> zx_status_t {
    map(h, o, 0, v, 0, len)
}

@Suite struct VmarMapTests {
    @Test func mapHandleChecksAndMapRightComeFirst() throws {
        try VT.run { _, check in
            let root = zx_vmar_root_self()
            let P = VT.page
            let vmo = VT.vmo(pages: 4)
            let noMap = VT.dup(vmo, ZX_DEFAULT_VMO_RIGHTS & ~ZX_RIGHT_MAP)
            let dead = VT.allocate(root, canRWS, 0, 16 * P).handle
            check.status(zx_vmar_destroy(dead), ZX_OK, "kill")
            // Steps 1–2 (vmar.cc InvalidArgsTest): the VMAR handle is looked up first.
            check.status(map(ZX_HANDLE_INVALID, rw, 0, vmo, 0, P), ZX_ERR_BAD_HANDLE, "bad VMAR")
            check.status(map(ZX_HANDLE_INVALID, rw, 0, ZX_HANDLE_INVALID, 0, P), ZX_ERR_BAD_HANDLE, "both bad")
            check.status(map(vmo, rw, 0, vmo, 0, P), ZX_ERR_WRONG_TYPE, "VMO as VMAR")
            check.status(map(vmo, rw, 0, ZX_HANDLE_INVALID, 0, P), ZX_ERR_WRONG_TYPE, "VMO as VMAR, bad VMO")
            check.status(map(root, rw, 0, ZX_HANDLE_INVALID, 0, P), ZX_ERR_BAD_HANDLE, "bad VMO")
            check.status(map(root, rw, 0, zx_process_self(), 0, P), ZX_ERR_WRONG_TYPE, "process as VMO")
            check.status(map(root, rw, 0, root, 0, P), ZX_ERR_WRONG_TYPE, "VMAR as VMO")
            // Step 3: no ZX_RIGHT_MAP precedes every option check (and DEAD).
            let invalid: [(zx_vm_option_t, Int, UInt64, Int, String)] = [
                (rw, 0, 0, P, "valid options"),
                (ZX_VM_PERM_WRITE, 0, 0, P, "WRITE without READ"),
                (rw | ZX_VM_MAP_RANGE | ZX_VM_SPECIFIC_OVERWRITE, P, 0, P, "MAP_RANGE|OVERWRITE"),
                (rw | ZX_VM_CAN_MAP_READ, 0, 0, P, "CAN_MAP bit"),
                (rw | (9 << 24), 0, 0, P, "bad align"),
                (rw | ZX_VM_COMPACT, 0, 0, P, "COMPACT"),
                (rw, 0, 1, P, "unaligned VMO offset"),
                (rw, 0, 0, 0, "len 0"),
                (rw, 0, 0, badSize, "len wraps"),
            ]
            for (options, offset, vmoOffset, len, what) in invalid {
                check.status(map(root, options, offset, noMap, vmoOffset, len), ZX_ERR_ACCESS_DENIED, "no MAP: \(what)")
            }
            check.status(map(dead, rw, 0, noMap, 0, P), ZX_ERR_ACCESS_DENIED, "no MAP on a dead VMAR")
            VT.close(vmo, noMap, dead)
        }
    }

    @Test func mapOptionChecksInOrder() throws {
        try VT.run { _, check in
            let root = zx_vmar_root_self()
            let P = VT.page
            let vmo = VT.vmo(pages: 4)
            let readOnlyVmo = VT.dup(vmo, ZX_RIGHT_MAP | ZX_RIGHT_READ)
            let resizable = VT.vmo(pages: 4, options: ZX_VMO_RESIZABLE)
            let discardable = VT.vmo(pages: 4, options: ZX_VMO_DISCARDABLE)
            let vmar = VT.allocate(root, canRWS, 0, 16 * P)
            let plain = VT.allocate(root, canRW, 0, 16 * P)
            let dead = VT.allocate(root, canRWS, 0, 16 * P).handle
            check.status(zx_vmar_destroy(dead), ZX_OK, "kill")
            let readOnlyRoot = VT.dup(root, ZX_DEFAULT_VMAR_RIGHTS | ZX_RIGHT_READ)
            let h = vmar.handle
            // Step 5 (before 8): write/execute need read.
            check.status(map(h, ZX_VM_PERM_WRITE, vmo, P), ZX_ERR_INVALID_ARGS, "WRITE only")
            check.status(map(h, ZX_VM_PERM_EXECUTE, vmo, P), ZX_ERR_INVALID_ARGS, "EXECUTE only")
            check.status(map(h, ZX_VM_PERM_WRITE, readOnlyVmo, P), ZX_ERR_INVALID_ARGS, "WRITE only, RO VMO")
            // Step 4: no execute-only support, so READ_IF_XOM_UNSUPPORTED means READ.
            let xom = VT.map(h, ZX_VM_PERM_READ_IF_XOM_UNSUPPORTED | ZX_VM_PERM_WRITE, 0, vmo, 0, P)
            check.status(xom.status, ZX_OK, "XOM|WRITE")
            check.eq(VT.mappingRows(in: xom.addr, P).first?.u.mapping.mmu_flags, rw, "XOM|WRITE maps READ|WRITE")
            check.status(zx_vmar_unmap(h, xom.addr, P), ZX_OK, "unmap")
            // Step 6 (before 8 and 21).
            let mr = rw | ZX_VM_MAP_RANGE | ZX_VM_SPECIFIC_OVERWRITE
            check.status(map(h, mr, P, vmo, P), ZX_ERR_INVALID_ARGS, "MAP_RANGE|OVERWRITE")
            check.status(map(h, mr, P, readOnlyVmo, P), ZX_ERR_INVALID_ARGS, "… with a RO VMO")
            check.status(map(plain.handle, mr, P, vmo, P), ZX_ERR_INVALID_ARGS, "… without CAN_MAP_SPECIFIC")
            // Step 7 (before 8).
            check.status(map(h, rw | ZX_VM_CAN_MAP_READ, vmo, P), ZX_ERR_INVALID_ARGS, "CAN_MAP_READ")
            check.status(map(h, rw | ZX_VM_CAN_MAP_EXECUTE, vmo, P), ZX_ERR_INVALID_ARGS, "CAN_MAP_EXECUTE")
            check.status(map(h, rw | ZX_VM_CAN_MAP_WRITE, readOnlyVmo, P), ZX_ERR_INVALID_ARGS, "CAN_MAP with RO VMO")
            // Step 8: VMO ∩ VMAR handle rights; precedes 9–16.
            check.status(map(h, rw, readOnlyVmo, P), ZX_ERR_ACCESS_DENIED, "WRITE, RO VMO")
            check.status(map(h, ZX_VM_PERM_READ | ZX_VM_PERM_EXECUTE, vmo, P), ZX_ERR_ACCESS_DENIED, "EXECUTE, no right")
            check.status(map(readOnlyRoot, rw, vmo, P), ZX_ERR_ACCESS_DENIED, "WRITE through a RO VMAR handle")
            check.status(map(readOnlyRoot, ZX_VM_PERM_READ, vmo, P), ZX_OK, "READ through a RO VMAR handle")
            check.status(map(h, rw | (9 << 24), readOnlyVmo, P), ZX_ERR_ACCESS_DENIED, "before bad align")
            check.status(map(h, rw | (1 << 20), readOnlyVmo, P), ZX_ERR_ACCESS_DENIED, "before unknown bit")
            check.status(map(h, rw | ZX_VM_COMPACT, readOnlyVmo, P), ZX_ERR_ACCESS_DENIED, "before COMPACT")
            check.status(map(h, rw, 0, readOnlyVmo, 1, P), ZX_ERR_ACCESS_DENIED, "before unaligned VMO offset")
            check.status(map(h, rw, 0, readOnlyVmo, 0, badSize), ZX_ERR_ACCESS_DENIED, "before len overflow")
            check.status(map(dead, rw, readOnlyVmo, P), ZX_ERR_ACCESS_DENIED, "before DEAD")
            // Step 9 (before 10 and 16).
            for bit: UInt32 in [1 << 15, 1 << 16, 1 << 20, 9 << 24, 33 << 24, 1 << 31] {
                check.status(map(h, rw | bit, vmo, P), ZX_ERR_INVALID_ARGS, "unknown/invalid bits \(bit)")
            }
            check.status(map(h, rw | (9 << 24) | ZX_VM_REQUIRE_NON_RESIZABLE, resizable, P), ZX_ERR_INVALID_ARGS,
                         "bad align before NON_RESIZABLE")
            check.status(map(dead, rw | (9 << 24), vmo, P), ZX_ERR_INVALID_ARGS, "bad align before DEAD")
            // Step 10 (before 12 and 16).
            let nonResizable = rw | ZX_VM_REQUIRE_NON_RESIZABLE
            check.status(map(h, nonResizable, resizable, P), ZX_ERR_NOT_SUPPORTED, "REQUIRE_NON_RESIZABLE")
            check.status(map(h, nonResizable | ZX_VM_COMPACT, resizable, P), ZX_ERR_NOT_SUPPORTED, "… before COMPACT")
            check.status(map(dead, nonResizable, resizable, P), ZX_ERR_NOT_SUPPORTED, "… before DEAD")
            check.status(map(h, nonResizable, vmo, P), ZX_OK, "REQUIRE_NON_RESIZABLE, fixed VMO")
            check.status(map(h, rw, resizable, P), ZX_OK, "resizable without ALLOW_FAULTS is accepted")
            // Step 11.
            check.status(map(h, rw, discardable, P), ZX_ERR_NOT_SUPPORTED, "discardable without ALLOW_FAULTS")
            check.status(map(dead, rw, discardable, P), ZX_ERR_NOT_SUPPORTED, "… before DEAD")
            check.status(map(h, rw | ZX_VM_ALLOW_FAULTS, discardable, P), ZX_OK, "discardable with ALLOW_FAULTS")
            // Step 12 (before 16).
            check.status(map(h, rw | ZX_VM_COMPACT, vmo, P), ZX_ERR_INVALID_ARGS, "COMPACT")
            check.status(map(h, rw | ZX_VM_CAN_MAP_SPECIFIC, vmo, P), ZX_ERR_INVALID_ARGS, "CAN_MAP_SPECIFIC")
            check.status(map(dead, rw | ZX_VM_COMPACT, vmo, P), ZX_ERR_INVALID_ARGS, "COMPACT before DEAD")
            // Step 13: the VMAR's CAN_MAP ceiling (a RO sub-VMAR's handle also lacks WRITE).
            let readOnlyVmar = VT.allocate(root, ZX_VM_CAN_MAP_READ, 0, 4 * P)
            check.status(map(readOnlyVmar.handle, rw, vmo, P), ZX_ERR_ACCESS_DENIED, "WRITE above the ceiling")
            check.status(map(readOnlyVmar.handle, ZX_VM_PERM_READ, vmo, P), ZX_OK, "READ within the ceiling")
            // Step 14 (before 16).
            check.status(map(h, rw, 0, vmo, UInt64(P - 1), 3 * P), ZX_ERR_INVALID_ARGS, "unaligned VMO offset")
            check.status(map(h, rw | ZX_VM_SPECIFIC, P, vmo, UInt64(P - 1), 3 * P), ZX_ERR_INVALID_ARGS, "… SPECIFIC")
            check.status(map(dead, rw, 0, vmo, 1, P), ZX_ERR_INVALID_ARGS, "… before DEAD")
            // Step 15 (before 16 and 17).
            check.status(map(h, rw, 0, vmo, 0, badSize), ZX_ERR_OUT_OF_RANGE, "len rounds past SIZE_MAX")
            check.status(map(h, ZX_VM_PERM_READ | ZX_VM_MAP_RANGE, 0, vmo, 0, badSize), ZX_ERR_OUT_OF_RANGE, "… MAP_RANGE")
            check.status(map(h, rw, 0, vmo, UInt64.max - UInt64(P) + 1, P), ZX_ERR_OUT_OF_RANGE, "VMO offset + len wraps")
            check.status(map(h, rw, 0, vmo, UInt64.max - UInt64(2 * P) + 1, P), ZX_OK, "VMO offset + len == 2^64 - P")
            check.status(map(dead, rw, 0, vmo, 0, badSize), ZX_ERR_OUT_OF_RANGE, "… before DEAD")
            // Step 16 (before 17–22).
            check.status(map(dead, rw, vmo, P), ZX_ERR_BAD_STATE, "DEAD")
            check.status(map(dead, rw, vmo, 0), ZX_ERR_BAD_STATE, "DEAD + len 0")
            check.status(map(dead, rw | ZX_VM_SPECIFIC | ZX_VM_OFFSET_IS_UPPER_LIMIT, P, vmo, P), ZX_ERR_BAD_STATE,
                         "DEAD + SPECIFIC|UPPER_LIMIT")
            check.status(map(dead, rw, P, vmo, P), ZX_ERR_BAD_STATE, "DEAD + offset without SPECIFIC")
            check.status(map(dead, rw | ZX_VM_SPECIFIC, 1 << 40, vmo, P), ZX_ERR_BAD_STATE, "DEAD + out of range")
            // Step 17 (before 21).
            check.status(map(h, rw, vmo, 0), ZX_ERR_INVALID_ARGS, "len 0")
            check.status(map(plain.handle, rw | ZX_VM_SPECIFIC, P, vmo, 0), ZX_ERR_INVALID_ARGS, "len 0 before 21")
            // Step 18 (before 21).
            for bad in [ZX_VM_SPECIFIC, ZX_VM_SPECIFIC_OVERWRITE] {
                check.status(map(h, rw | bad | ZX_VM_OFFSET_IS_UPPER_LIMIT, P, vmo, P), ZX_ERR_INVALID_ARGS, "\(bad)|UPPER")
                check.status(map(plain.handle, rw | bad | ZX_VM_OFFSET_IS_UPPER_LIMIT, P, vmo, P), ZX_ERR_INVALID_ARGS,
                             "\(bad)|UPPER before 21")
            }
            // Step 19.
            check.status(map(h, rw, P, vmo, P), ZX_ERR_INVALID_ARGS, "offset without SPECIFIC")
            // Step 20 (before 21).
            check.status(map(h, rw | ZX_VM_SPECIFIC, P - 1, vmo, P), ZX_ERR_INVALID_ARGS, "unaligned offset")
            check.status(map(plain.handle, rw | ZX_VM_SPECIFIC, P - 1, vmo, P), ZX_ERR_INVALID_ARGS, "… before 21")
            // Step 21 (before 22).
            for bit in [ZX_VM_SPECIFIC, ZX_VM_SPECIFIC_OVERWRITE] {
                check.status(map(plain.handle, rw | bit, P, vmo, P), ZX_ERR_ACCESS_DENIED, "\(bit) without CAN_MAP_SPECIFIC")
                check.status(map(plain.handle, rw | bit, 1 << 40, vmo, P), ZX_ERR_ACCESS_DENIED, "… out of range")
            }
            check.status(map(plain.handle, rw | ZX_VM_OFFSET_IS_UPPER_LIMIT, 4 * P, vmo, P), ZX_ERR_ACCESS_DENIED,
                         "UPPER_LIMIT without CAN_MAP_SPECIFIC")
            // Step 22 (vmar.cc MapInUpperLimitTest for the upper-limit forms).
            check.status(map(h, rw | ZX_VM_SPECIFIC, 16 * P, vmo, P), ZX_ERR_INVALID_ARGS, "offset == size")
            check.status(map(h, rw | ZX_VM_SPECIFIC, 15 * P, vmo, 2 * P), ZX_ERR_INVALID_ARGS, "end beyond the VMAR")
            check.status(map(h, rw | ZX_VM_SPECIFIC_OVERWRITE, 15 * P, vmo, 2 * P), ZX_ERR_INVALID_ARGS, "… OVERWRITE")
            check.status(map(h, rw, vmo, 17 * P), ZX_ERR_INVALID_ARGS, "larger than the VMAR")
            let upper = rw | ZX_VM_OFFSET_IS_UPPER_LIMIT
            check.status(map(h, upper, 17 * P, vmo, P), ZX_ERR_INVALID_ARGS, "limit beyond the VMAR")
            check.status(map(h, upper, P, vmo, 2 * P), ZX_ERR_INVALID_ARGS, "len > limit")
            check.status(map(h, upper, P, vmo, 17 * P), ZX_ERR_INVALID_ARGS, "len > VMAR")
            let whole = VT.map(h, upper, 16 * P, vmo, 0, 16 * P)
            check.status(whole.status, ZX_OK, "limit == len == VMAR size")
            check.eq(whole.addr, vmar.addr, "only spot")
            check.status(zx_vmar_unmap(h, whole.addr, 16 * P), ZX_OK, "unmap")
            for v in [h, plain.handle, readOnlyVmar.handle] { check.status(zx_vmar_destroy(v), ZX_OK, "cleanup") }
            VT.close(vmo, readOnlyVmo, resizable, discardable, h, plain.handle, dead, readOnlyRoot, readOnlyVmar.handle)
        }
    }

    @Test func mapSpecificOverlapOverwriteAndExhaustion() throws {
        try VT.run { _, check in
            let P = VT.page
            let vmar = VT.allocate(zx_vmar_root_self(), canRWS, 0, 10 * P)
            let h = vmar.handle
            let one = VT.vmo(pages: 8), two = VT.vmo(pages: 8)
            for i in 0..<8 {
                check.status(VT.writeVmo(one, 1, at: i * P), ZX_OK, "tag one")
                check.status(VT.writeVmo(two, 2, at: i * P), ZX_OK, "tag two")
            }
            let base = VT.map(h, rw | ZX_VM_SPECIFIC, P, one, 0, 4 * P)
            check.status(base.status, ZX_OK, "map at P")
            for (offset, len) in [(P, 4 * P), (P, P), (0, 2 * P), (4 * P, 4 * P), (0, 8 * P)] {
                check.status(VT.map(h, rw | ZX_VM_SPECIFIC, offset, two, 0, len).status, ZX_ERR_ALREADY_EXISTS,
                             "SPECIFIC over the mapping at \(offset)+\(len)")
            }
            check.status(VT.allocate(h, canRW | ZX_VM_SPECIFIC, 2 * P, P).status, ZX_ERR_ALREADY_EXISTS, "VMAR on a mapping")
            // OVERWRITE replaces the whole mapping, then splits it by overmapping the middle.
            let full = VT.map(h, rw | ZX_VM_SPECIFIC_OVERWRITE, P, two, 0, 4 * P)
            check.status(full.status, ZX_OK, "OVERWRITE whole")
            check.eq(full.addr, base.addr, "same address")
            let middle = VT.map(h, rw | ZX_VM_SPECIFIC_OVERWRITE, 2 * P, one, UInt64(5 * P), 2 * P)
            check.status(middle.status, ZX_OK, "OVERWRITE middle")
            var tags: [UInt8] = []
            for i in 0..<4 { tags.append(VT.load(base.addr + UInt(i * P)).value) }
            check.eq(tags, [2, 1, 1, 2], "pages after overwriting the middle")
            let rows = VT.mappingRows(in: vmar.addr, 10 * P)
            check.eq(rows.map { $0.base - vmar.addr }, [UInt(P), UInt(2 * P), UInt(4 * P)], "three mappings")
            check.eq(rows.map { $0.u.mapping.vmo_offset }, [0, UInt64(5 * P), UInt64(3 * P)], "VMO offsets kept")
            check.eq(rows.map { $0.u.mapping.vmo_koid }, [VT.koid(two), VT.koid(one), VT.koid(two)], "VMOs")
            // A sub-VMAR in the way: OVERWRITE fails and changes nothing.
            let sub = VT.allocate(h, canRW | ZX_VM_SPECIFIC, 5 * P, 4 * P)
            check.status(sub.status, ZX_OK, "adjacent sub-VMAR")
            check.status(VT.map(h, rw | ZX_VM_SPECIFIC_OVERWRITE, P, two, 0, 8 * P).status, ZX_ERR_INVALID_ARGS,
                         "OVERWRITE across a sub-VMAR")
            check.status(VT.map(h, rw | ZX_VM_SPECIFIC_OVERWRITE, 6 * P, two, 0, P).status, ZX_ERR_INVALID_ARGS,
                         "OVERWRITE inside a sub-VMAR")
            check.eq(VT.mappingRows(in: vmar.addr, 10 * P).count, 3, "nothing changed")
            check.eq(VT.mappedBits(vmar.addr, pages: 10), 0b0000011110, "still mapped")
            // SPECIFIC over a sub-VMAR → ALREADY_EXISTS; OVERWRITE of a gap maps normally.
            check.status(VT.map(h, rw | ZX_VM_SPECIFIC, 5 * P, two, 0, P).status, ZX_ERR_ALREADY_EXISTS, "SPECIFIC on VMAR")
            check.status(VT.map(h, rw | ZX_VM_SPECIFIC_OVERWRITE, 0, two, 0, P).status, ZX_OK, "OVERWRITE into a gap")
            check.status(VT.map(h, rw | ZX_VM_SPECIFIC_OVERWRITE, 9 * P, two, 0, P).status, ZX_OK, "last page")
            check.status(VT.map(h, rw, 0, two, 0, P).status, ZX_ERR_NO_RESOURCES, "no gap left")
            check.status(VT.map(h, rw | ZX_VM_OFFSET_IS_UPPER_LIMIT, 10 * P, two, 0, P).status, ZX_ERR_NO_RESOURCES,
                         "no gap (limit)")
            check.status(zx_vmar_unmap(h, vmar.addr, 10 * P), ZX_OK, "unmap all (destroys the sub-VMAR)")
            check.status(zx_vmar_destroy(sub.handle), ZX_ERR_BAD_STATE, "sub-VMAR died")
            check.eq(VT.mappedBits(vmar.addr, pages: 10), 0, "nothing mapped")
            check.status(zx_vmar_destroy(h), ZX_OK, "destroy")
            VT.close(h, sub.handle, one, two)
        }
    }

    @Test func mapEffectsRoundingBeyondVmoEndLowAddressAndMappingCount() throws {
        try VT.run { process, check in
            let root = zx_vmar_root_self()
            let P = VT.page
            let vmo = VT.vmo(pages: 4)
            // Unaligned len is rounded up (vmar.cc UnalignedLenMapTest), with and without MAP_RANGE.
            for extra in [0, ZX_VM_MAP_RANGE] {
                let m = VT.map(root, ZX_VM_PERM_READ | extra, 0, vmo, 0, 4 * P - 1)
                check.status(m.status, ZX_OK, "map 4P-1")
                check.that(m.addr != 0 && m.addr.isMultiple(of: VT.pageU), "page-aligned non-zero base")
                check.status(VT.probe(m.addr + UInt(3 * P)), ZX_OK, "last page mapped")
                check.eq(VT.vmoInfo(vmo).num_mappings, 1, "num_mappings")
                check.status(zx_vmar_unmap(root, m.addr, 4 * P - 1), ZX_OK, "unmap 4P-1")
                check.status(VT.probe(m.addr + UInt(3 * P)), ZX_ERR_NO_MEMORY, "last page gone")
                check.eq(VT.vmoInfo(vmo).num_mappings, 0, "num_mappings after unmap")
            }
            // A window past the VMO's end is legal; its pages are OUT_OF_RANGE.
            let one = VT.vmo(pages: 1)
            let beyond = VT.map(root, rw, 0, one, 0, 2 * P)
            check.status(beyond.status, ZX_OK, "2P of a 1P VMO")
            check.status(VT.probe(beyond.addr), ZX_OK, "first page")
            check.status(VT.probe(beyond.addr + VT.pageU), ZX_ERR_OUT_OF_RANGE, "second page (read_memory)")
            check.status(VT.load(beyond.addr + VT.pageU).status, ZX_ERR_OUT_OF_RANGE, "second page (load)")
            check.status(VT.store(UInt8(1), beyond.addr + VT.pageU), ZX_ERR_OUT_OF_RANGE, "second page (store)")
            check.status(zx_vmar_unmap(root, beyond.addr, 2 * P), ZX_OK, "unmap")
            // The lowest user address, 2 MiB, is mappable (vmar.cc AllocateAtLowAddressTest).
            let (_, info) = VT.vmarInfo(root)
            let low = VT.map(root, rw | ZX_VM_SPECIFIC, Int(0x20_0000 - info.base), one, 0, P)
            check.status(low.status, ZX_OK, "map at 0x200000")
            check.eq(low.addr, 0x20_0000, "address")
            check.status(VT.map(root, rw | ZX_VM_SPECIFIC, Int(0x20_0000 - info.base) - P, one, 0, P).status,
                         ZX_ERR_INVALID_ARGS, "below the root VMAR")
            check.status(zx_vmar_unmap(root, low.addr, P), ZX_OK, "unmap")
            // MAP_RANGE installs translations for present pages only and commits nothing
            // (vmar.cc VmarMapRangeOffsetTest, RangeOpMapRange).
            check.status(zx_vmo_op_range(vmo, ZX_VMO_OP_COMMIT, UInt64(2 * P), UInt64(P), nil, 0), ZX_OK, "commit page 2")
            let before = process.kernel.memoryStats.freePages
            let ranged = VT.map(root, ZX_VM_PERM_READ | ZX_VM_MAP_RANGE, 0, vmo, UInt64(P), 3 * P)
            check.status(ranged.status, ZX_OK, "MAP_RANGE at VMO offset P")
            let arch = process.addressSpace.arch
            check.that(arch.query(VirtualAddress(ranged.addr)) == nil, "page 1 not populated")
            check.that(arch.query(VirtualAddress(ranged.addr + VT.pageU)) != nil, "page 2 populated")
            check.that(arch.query(VirtualAddress(ranged.addr + 2 * VT.pageU)) == nil, "page 3 not populated")
            check.eq(VT.vmoInfo(vmo).committed_bytes, UInt64(P), "nothing committed")
            check.that(process.kernel.memoryStats.freePages >= before - 3, "at most page-table pages allocated")
            check.status(zx_vmar_unmap(root, ranged.addr, 3 * P), ZX_OK, "unmap")
            VT.close(vmo, one)
        }
    }
}
