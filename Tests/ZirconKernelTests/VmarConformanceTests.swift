// zx_vmar_allocate and zx_vmar_map against shared/reference/zircon-vm-semantics.md §1.2, §1.3,
// §2, §3.1 and §3.2: rights, ceilings, every numbered check in order, alignment and placement.

import Testing
import Zirconia

private let rw = ZX_VM_PERM_READ | ZX_VM_PERM_WRITE
private let canRW = ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE
private let canRWS = canRW | ZX_VM_CAN_MAP_SPECIFIC
/// SIZE_MAX - P + 2: rounds up to 0 (wraps).
private var badSize: Int { Int(bitPattern: UInt.max - VT.pageU + 2) }

/// A VMAR that was allocated (CAN_MAP_READ|WRITE|SPECIFIC, 16 pages) and then destroyed.
private func deadVmar(_ check: VmarCheck) -> zx_handle_t {
    let (status, handle, _) = VT.allocate(zx_vmar_root_self(), canRWS, 0, 16 * VT.page)
    check.status(status, ZX_OK, "allocate the VMAR to kill")
    check.status(zx_vmar_destroy(handle), ZX_OK, "destroy it")
    return handle
}

@Suite struct VmarConformanceTests {
    // MARK: §1.2 rights

    @Test func rootAndChildRightsFollowCanMapFlags() throws {
        try VT.run { _, check in
            let root = zx_vmar_root_self()
            check.eq(VT.rights(root), 0x20801F, "root VMAR rights")
            check.eq(VT.basic(root).type, ZX_OBJ_TYPE_VMAR, "root VMAR type")
            let (status, info) = VT.vmarInfo(root)
            check.status(status, ZX_OK, "ZX_INFO_VMAR on the root")
            check.that(info.base <= 0x20_0000 && info.len > 0, "root range \(info)")
            let flags = [ZX_VM_CAN_MAP_READ, ZX_VM_CAN_MAP_WRITE, ZX_VM_CAN_MAP_EXECUTE]
            let rights = [ZX_RIGHT_READ, ZX_RIGHT_WRITE, ZX_RIGHT_EXECUTE]
            for mask in 0..<8 {
                var options: zx_vm_option_t = 0
                var want = ZX_DEFAULT_VMAR_RIGHTS
                for bit in 0..<3 where mask & (1 << bit) != 0 {
                    options |= flags[bit]
                    want |= rights[bit]
                }
                let (s, child, addr) = VT.allocate(root, options, 0, 4 * VT.page)
                check.status(s, ZX_OK, "allocate CAN_MAP mask \(mask)")
                check.eq(VT.rights(child), want, "rights for CAN_MAP mask \(mask)")
                let (_, childInfo) = VT.vmarInfo(child)
                check.eq(childInfo.base, addr, "ZX_INFO_VMAR base")
                check.eq(childInfo.len, 4 * VT.page, "ZX_INFO_VMAR len")
                check.that(addr.isMultiple(of: VT.pageU) && addr >= info.base, "child address \(addr)")
                check.status(zx_vmar_destroy(child), ZX_OK, "destroy")
                VT.close(child)
            }
            check.eq(ZX_DEFAULT_VMAR_RIGHTS, 0x208003, "ZX_DEFAULT_VMAR_RIGHTS")
        }
    }

    // MARK: §3.1 zx_vmar_allocate

    @Test func allocateStep1HandleAndDerivedRights() throws {
        try VT.run { _, check in
            let root = zx_vmar_root_self()
            let vmo = VT.vmo(pages: 1)
            var out = ZX_HANDLE_INVALID
            var addr: zx_vaddr_t = 0
            check.status(zx_vmar_allocate(ZX_HANDLE_INVALID, canRW, 0, VT.page, &out, &addr), ZX_ERR_BAD_HANDLE, "invalid")
            check.status(zx_vmar_allocate(vmo, canRW, 0, VT.page, &out, &addr), ZX_ERR_WRONG_TYPE, "VMO handle")
            check.status(zx_vmar_allocate(zx_process_self(), 0, 0, VT.page, &out, &addr), ZX_ERR_WRONG_TYPE, "process")
            // A root duplicate without WRITE cannot create a CAN_MAP_WRITE child; this check
            // precedes every option check.
            let readOnly = VT.dup(root, ZX_DEFAULT_VMAR_RIGHTS | ZX_RIGHT_READ)
            check.status(VT.allocate(readOnly, canRW, 0, VT.page).status, ZX_ERR_ACCESS_DENIED, "no WRITE")
            check.status(VT.allocate(readOnly, canRW | (9 << 24), 0, VT.page).status, ZX_ERR_ACCESS_DENIED, "+bad align")
            check.status(VT.allocate(readOnly, canRW | ZX_VM_PERM_READ, 0, VT.page).status, ZX_ERR_ACCESS_DENIED, "+PERM")
            check.status(VT.allocate(readOnly, canRW, 0, 0).status, ZX_ERR_ACCESS_DENIED, "+size 0")
            check.status(VT.allocate(readOnly, ZX_VM_CAN_MAP_EXECUTE, 0, VT.page).status, ZX_ERR_ACCESS_DENIED, "no EXEC")
            let ok = VT.allocate(readOnly, ZX_VM_CAN_MAP_READ, 0, VT.page)
            check.status(ok.status, ZX_OK, "CAN_MAP_READ through the READ-only handle")
            check.eq(VT.rights(ok.handle), ZX_DEFAULT_VMAR_RIGHTS | ZX_RIGHT_READ, "its rights")
            // CAN_MAP_* is a ceiling for nested regions (vmar.cc NestedRegionPermsTest).
            let all = canRW | ZX_VM_CAN_MAP_EXECUTE
            for excluded in [ZX_VM_CAN_MAP_READ, ZX_VM_CAN_MAP_WRITE, ZX_VM_CAN_MAP_EXECUTE] {
                let parent = VT.allocate(root, all ^ excluded, 0, 10 * VT.page)
                check.status(parent.status, ZX_OK, "parent without \(excluded)")
                check.status(VT.allocate(parent.handle, all, 0, VT.page).status, ZX_ERR_ACCESS_DENIED, "child wants \(excluded)")
                let child = VT.allocate(parent.handle, all ^ excluded, 0, VT.page)
                check.status(child.status, ZX_OK, "child within the ceiling")
                check.status(zx_vmar_destroy(parent.handle), ZX_OK, "destroy parent")
                check.status(zx_vmar_destroy(child.handle), ZX_ERR_BAD_STATE, "child died with it")
                VT.close(parent.handle, child.handle)
            }
            check.status(zx_vmar_destroy(ok.handle), ZX_OK, "destroy")
            VT.close(vmo, readOnly, ok.handle)
        }
    }

    @Test func allocateChecksInOrder() throws {
        try VT.run { _, check in
            let root = zx_vmar_root_self()
            let P = VT.page
            let parent = VT.allocate(root, canRWS, 0, 16 * P)
            let plain = VT.allocate(root, canRW, 0, 16 * P)   // lacks CAN_MAP_SPECIFIC
            check.status(parent.status, ZX_OK, "parent")
            check.status(plain.status, ZX_OK, "plain")
            let dead = deadVmar(check)
            func alloc(_ h: zx_handle_t, _ o: zx_vm_option_t, _ off: Int, _ size: Int) -> zx_status_t {
                let r = VT.allocate(h, o, off, size)
                if r.status == ZX_OK { _ = zx_vmar_destroy(r.handle); VT.close(r.handle) }
                return r.status
            }
            let p = parent.handle
            // Step 2: unknown bits and invalid alignment fields.
            for log2: UInt32 in [1, 9, 33, 128, 255] {
                check.status(alloc(p, canRW | (log2 << 24), 0, P), ZX_ERR_INVALID_ARGS, "align field \(log2)")
            }
            for bit: UInt32 in [1 << 15, 1 << 16, 1 << 20, 1 << 23] {
                check.status(alloc(p, canRW | bit, 0, P), ZX_ERR_INVALID_ARGS, "unknown bit \(bit)")
            }
            // Step 3: permission bits.
            for perm in [ZX_VM_PERM_READ, ZX_VM_PERM_WRITE, ZX_VM_PERM_EXECUTE, ZX_VM_PERM_READ_IF_XOM_UNSUPPORTED] {
                check.status(alloc(p, canRW | perm, 0, P), ZX_ERR_INVALID_ARGS, "PERM bit \(perm)")
            }
            // Step 4: size not page aligned (not rounded for allocate).
            check.status(alloc(p, canRW, 0, P - 1), ZX_ERR_INVALID_ARGS, "size P-1")
            check.status(alloc(p, canRW, 0, P + 1), ZX_ERR_INVALID_ARGS, "size P+1")
            check.status(alloc(p, canRW, 0, badSize), ZX_ERR_INVALID_ARGS, "size rounding to 0")
            // Step 5: map-only options.
            for bit in [ZX_VM_SPECIFIC_OVERWRITE, ZX_VM_MAP_RANGE, ZX_VM_REQUIRE_NON_RESIZABLE, ZX_VM_ALLOW_FAULTS] {
                check.status(alloc(p, canRW | bit, 0, P), ZX_ERR_INVALID_ARGS, "map-only option \(bit)")
            }
            // Steps 2–5 precede step 6 (DEAD).
            check.status(alloc(dead, canRW | (9 << 24), 0, P), ZX_ERR_INVALID_ARGS, "dead + bad align")
            check.status(alloc(dead, canRW | ZX_VM_PERM_READ, 0, P), ZX_ERR_INVALID_ARGS, "dead + PERM")
            check.status(alloc(dead, canRW, 0, P - 1), ZX_ERR_INVALID_ARGS, "dead + unaligned size")
            check.status(alloc(dead, canRW | ZX_VM_SPECIFIC_OVERWRITE, 0, P), ZX_ERR_INVALID_ARGS, "dead + OVERWRITE")
            // Step 6 precedes 7, 9, 10, 11, 12, 13.
            check.status(alloc(dead, canRW, 0, P), ZX_ERR_BAD_STATE, "dead")
            check.status(alloc(dead, canRW, 0, 0), ZX_ERR_BAD_STATE, "dead + size 0")
            check.status(alloc(dead, canRW | ZX_VM_SPECIFIC | ZX_VM_OFFSET_IS_UPPER_LIMIT, P, P), ZX_ERR_BAD_STATE,
                         "dead + SPECIFIC|UPPER_LIMIT")
            check.status(alloc(dead, canRW, P, P), ZX_ERR_BAD_STATE, "dead + offset without SPECIFIC")
            check.status(alloc(dead, canRW | ZX_VM_SPECIFIC, P - 1, P), ZX_ERR_BAD_STATE, "dead + unaligned offset")
            check.status(alloc(dead, canRW, 0, 1 << 40), ZX_ERR_BAD_STATE, "dead + size beyond the parent")
            // Step 7.
            check.status(alloc(p, canRW, 0, 0), ZX_ERR_INVALID_ARGS, "size 0")
            check.status(alloc(plain.handle, canRW | ZX_VM_SPECIFIC, 0, 0), ZX_ERR_INVALID_ARGS, "size 0 before step 12")
            // Step 9 (before 12).
            let both = canRW | ZX_VM_SPECIFIC | ZX_VM_OFFSET_IS_UPPER_LIMIT
            check.status(alloc(p, both, P, P), ZX_ERR_INVALID_ARGS, "SPECIFIC|UPPER_LIMIT")
            check.status(alloc(plain.handle, both, P, P), ZX_ERR_INVALID_ARGS, "SPECIFIC|UPPER_LIMIT before CAN_MAP_SPECIFIC")
            // Step 10.
            check.status(alloc(p, canRW, P, P), ZX_ERR_INVALID_ARGS, "offset without SPECIFIC")
            check.status(alloc(plain.handle, canRW, P, P), ZX_ERR_INVALID_ARGS, "offset without SPECIFIC (plain)")
            // Step 11 (before 12).
            check.status(alloc(p, canRW | ZX_VM_SPECIFIC, P - 1, P), ZX_ERR_INVALID_ARGS, "unaligned SPECIFIC offset")
            check.status(alloc(p, canRW | ZX_VM_OFFSET_IS_UPPER_LIMIT, 2 * P + 1, P), ZX_ERR_INVALID_ARGS,
                         "unaligned upper limit")
            check.status(alloc(plain.handle, canRW | ZX_VM_SPECIFIC, P - 1, P), ZX_ERR_INVALID_ARGS,
                         "unaligned offset before CAN_MAP_SPECIFIC")
            // Step 12 (before 13).
            check.status(alloc(plain.handle, canRW | ZX_VM_SPECIFIC, P, P), ZX_ERR_ACCESS_DENIED, "SPECIFIC, no CAN_MAP_SPECIFIC")
            check.status(alloc(plain.handle, canRW | ZX_VM_OFFSET_IS_UPPER_LIMIT, 4 * P, P), ZX_ERR_ACCESS_DENIED,
                         "UPPER_LIMIT, no CAN_MAP_SPECIFIC")
            check.status(alloc(plain.handle, canRW | ZX_VM_SPECIFIC, 64 * P, P), ZX_ERR_ACCESS_DENIED,
                         "out-of-range SPECIFIC, no CAN_MAP_SPECIFIC")
            // Step 13: range checks (vmar.cc AllocateOobTest, AllocateUnsatisfiableTest).
            check.status(alloc(p, canRW | ZX_VM_SPECIFIC, 16 * P, P), ZX_ERR_INVALID_ARGS, "offset == size")
            check.status(alloc(p, canRW | ZX_VM_SPECIFIC, 15 * P, 2 * P), ZX_ERR_INVALID_ARGS, "end beyond parent")
            check.status(alloc(p, canRW, 0, 17 * P), ZX_ERR_INVALID_ARGS, "non-specific larger than parent")
            check.status(alloc(p, canRW | ZX_VM_OFFSET_IS_UPPER_LIMIT, 17 * P, P), ZX_ERR_INVALID_ARGS, "limit > size")
            check.status(alloc(p, canRW | ZX_VM_OFFSET_IS_UPPER_LIMIT, 2 * P, 3 * P), ZX_ERR_INVALID_ARGS, "size > limit")
            check.status(alloc(p, canRW | ZX_VM_OFFSET_IS_UPPER_LIMIT, 16 * P, 17 * P), ZX_ERR_INVALID_ARGS,
                         "size > parent (upper limit)")
            // Step 14: SPECIFIC alignment and overlap; step 15: exhaustion.
            let first = VT.allocate(p, canRW | ZX_VM_SPECIFIC, 4 * P, 4 * P)
            check.status(first.status, ZX_OK, "SPECIFIC at 4P")
            check.eq(first.addr, parent.addr + UInt(4 * P), "SPECIFIC address")
            check.status(alloc(p, canRW | ZX_VM_SPECIFIC, 6 * P, 4 * P), ZX_ERR_ALREADY_EXISTS, "partial overlap")
            check.status(alloc(p, canRW | ZX_VM_SPECIFIC, 2 * P, 8 * P), ZX_ERR_ALREADY_EXISTS, "covering overlap")
            check.status(alloc(p, canRW | ZX_VM_SPECIFIC, 5 * P, P), ZX_ERR_ALREADY_EXISTS, "inside")
            check.status(alloc(p, canRW | ZX_VM_SPECIFIC, 8 * P, 8 * P), ZX_OK, "adjacent above")
            check.status(alloc(p, canRW | ZX_VM_SPECIFIC, 0, 4 * P), ZX_OK, "adjacent below")
            check.status(alloc(p, canRW, 0, 4 * P), ZX_OK, "non-specific fit")
            let full = VT.allocate(p, canRW | ZX_VM_SPECIFIC, 8 * P, 8 * P)
            let low = VT.allocate(p, canRW | ZX_VM_SPECIFIC, 0, 4 * P)
            check.status(alloc(p, canRW, 0, P), ZX_ERR_NO_RESOURCES, "no gap left")
            check.status(alloc(p, canRW | ZX_VM_OFFSET_IS_UPPER_LIMIT, 16 * P, P), ZX_ERR_NO_RESOURCES, "no gap (limit)")
            check.status(zx_vmar_destroy(first.handle), ZX_OK, "free [4P, 8P)")
            check.status(alloc(p, canRW | ZX_VM_OFFSET_IS_UPPER_LIMIT, 7 * P, 4 * P), ZX_ERR_NO_RESOURCES,
                         "gap exists but ends above the limit")
            let limited = VT.allocate(p, canRW | ZX_VM_OFFSET_IS_UPPER_LIMIT, 8 * P, 4 * P)
            check.status(limited.status, ZX_OK, "fits exactly under the limit")
            check.eq(limited.addr, parent.addr + UInt(4 * P), "the only spot")
            VT.close(first.handle, full.handle, low.handle, limited.handle)
            for h in [p, plain.handle] { check.status(zx_vmar_destroy(h), ZX_OK, "cleanup") }
            VT.close(p, plain.handle, dead)
        }
    }

    @Test func allocatePlacementUpperLimitCompactAndCanMapSpecificNotInherited() throws {
        try VT.run { _, check in
            let root = zx_vmar_root_self()
            let P = VT.page
            let parent = VT.allocate(root, canRWS, 0, 100 * P)
            let limit = 50 * P
            for i in 0..<50 {
                let child = VT.allocate(parent.handle, canRW | ZX_VM_OFFSET_IS_UPPER_LIMIT, limit, P)
                check.status(child.status, ZX_OK, "child \(i) under the limit")
                check.that(child.addr >= parent.addr && child.addr + UInt(P) <= parent.addr + UInt(limit),
                           "child \(i) at \(child.addr) respects the limit")
                VT.close(child.handle)
            }
            check.status(VT.allocate(parent.handle, canRW | ZX_VM_OFFSET_IS_UPPER_LIMIT, limit, P).status,
                         ZX_ERR_NO_RESOURCES, "below the limit is full")
            let above = VT.allocate(parent.handle, canRW, 0, P)
            check.status(above.status, ZX_OK, "without the limit")
            check.that(above.addr >= parent.addr + UInt(limit), "lands above the limit")
            // CAN_MAP_SPECIFIC is neither inherited nor a ceiling.
            let plain = VT.allocate(root, canRW, 0, 16 * P)
            let specific = VT.allocate(plain.handle, canRWS, 0, 8 * P)
            check.status(specific.status, ZX_OK, "CAN_MAP_SPECIFIC child of a plain VMAR")
            let inner = VT.allocate(specific.handle, canRW | ZX_VM_SPECIFIC, 2 * P, P)
            check.status(inner.status, ZX_OK, "SPECIFIC inside it")
            check.eq(inner.addr, specific.addr + UInt(2 * P), "at the offset")
            // COMPACT is allowed; children stay inside.
            let compact = VT.allocate(root, canRW | ZX_VM_COMPACT, 0, 10 * P)
            check.status(compact.status, ZX_OK, "COMPACT")
            let vmo = VT.vmo(pages: 1)
            for _ in 0..<2 {
                let m = VT.map(compact.handle, rw, 0, vmo, 0, P)
                check.status(m.status, ZX_OK, "map in COMPACT")
                check.that(m.addr >= compact.addr && m.addr + UInt(P) <= compact.addr + UInt(10 * P), "inside")
            }
            for h in [parent.handle, plain.handle, compact.handle] { check.status(zx_vmar_destroy(h), ZX_OK, "cleanup") }
            VT.close(parent.handle, above.handle, plain.handle, specific.handle, inner.handle, compact.handle, vmo)
        }
    }

    @Test func withoutAslrPlacementIsLowestFit() throws {
        try VT.run(aslrBits: 0) { _, check in
            let P = VT.page
            let root = zx_vmar_root_self()
            let (_, info) = VT.vmarInfo(root)
            let vmo = VT.vmo(pages: 1)
            let first = VT.allocate(root, canRW, 0, 4 * P)
            check.eq(first.addr, info.base, "first child at the root's base")
            let m = VT.map(root, rw, 0, vmo, 0, P)
            check.eq(m.addr, info.base + UInt(4 * P), "next fit")
            let aligned = VT.allocate(root, canRW | ZX_VM_ALIGN_64KB, 0, P)
            check.eq(aligned.addr, (info.base + UInt(5 * P) + 0xffff) & ~UInt(0xffff), "lowest 64 KiB-aligned fit")
            check.status(zx_vmar_destroy(first.handle), ZX_OK, "free the first four pages")
            check.eq(VT.allocate(root, canRW, 0, 2 * P).addr, info.base, "the hole is reused first")
            check.status(zx_vmar_unmap(root, info.base, 0x20_0000), ZX_OK, "cleanup")
            VT.close(vmo, first.handle, aligned.handle)
        }
    }

    @Test func compactVmarsClusterTheirChildren() throws {
        try VT.run { _, check in
            let P = VT.page
            let vmo = VT.vmo(pages: 1)
            var spread: [Bool] = []
            for compact in [true, false] {
                let vmar = VT.allocate(zx_vmar_root_self(), canRW | (compact ? ZX_VM_COMPACT : 0), 0, 1 << 30)
                var highest: zx_vaddr_t = 0
                for _ in 0..<16 { highest = max(highest, VT.map(vmar.handle, rw, 0, vmo, 0, P).addr - vmar.addr) }
                spread.append(highest >= UInt(1024 * P))
                check.status(zx_vmar_destroy(vmar.handle), ZX_OK, "cleanup")
                VT.close(vmar.handle)
            }
            check.eq(spread, [false, true], "COMPACT children stay in the first 1024 pages; others spread")
            VT.close(vmo)
        }
    }

    @Test func alignmentFlagsForAllocateAndMap() throws {
        try VT.run { _, check in
            let P = VT.page
            let big = VT.allocate(zx_vmar_root_self(), canRWS | ZX_VM_ALIGN_4GB, 0, 8 << 30)
            check.status(big.status, ZX_OK, "8 GiB VMAR aligned to 4 GiB")
            check.that(big.addr.trailingZeroBitCount >= 32, "base \(big.addr) aligned")
            let vmar = big.handle
            let vmo = VT.vmo(pages: 2)
            check.status(VT.allocate(vmar, canRW | ZX_VM_ALIGN_64KB | ZX_VM_SPECIFIC, 4096, 16 * P).status,
                         ZX_ERR_INVALID_ARGS, "SPECIFIC misaligned for 64 KiB")
            let aligned = VT.allocate(vmar, canRW | ZX_VM_ALIGN_64KB | ZX_VM_SPECIFIC, 64 << 10, 16 * P)
            check.status(aligned.status, ZX_OK, "SPECIFIC aligned for 64 KiB")
            check.status(zx_vmar_destroy(aligned.handle), ZX_OK, "destroy")
            check.status(VT.map(vmar, rw | ZX_VM_ALIGN_64KB | ZX_VM_SPECIFIC, 4096, vmo, 0, 2 * P).status,
                         ZX_ERR_INVALID_ARGS, "map SPECIFIC misaligned")
            let m = VT.map(vmar, rw | ZX_VM_ALIGN_64KB | ZX_VM_SPECIFIC, 64 << 10, vmo, 0, 2 * P)
            check.status(m.status, ZX_OK, "map SPECIFIC aligned")
            check.status(zx_vmar_unmap(vmar, m.addr, 2 * P), ZX_OK, "unmap")
            for log2: UInt32 in [9, 33] {
                check.status(VT.allocate(vmar, canRW | (log2 << 24), 0, 16 * P).status, ZX_ERR_INVALID_ARGS, "alloc \(log2)")
                check.status(VT.map(vmar, rw | (log2 << 24), 0, vmo, 0, 2 * P).status, ZX_ERR_INVALID_ARGS, "map \(log2)")
            }
            for log2: UInt32 in 10...32 {
                let option = log2 << 24
                let child = VT.allocate(vmar, canRW | option, 0, 16 * P)
                check.status(child.status, ZX_OK, "allocate ALIGN 2^\(log2)")
                check.that(child.addr != 0 && child.addr.trailingZeroBitCount >= Int(max(log2, 12)), "alloc 2^\(log2): \(child.addr)")
                check.status(zx_vmar_destroy(child.handle), ZX_OK, "destroy")
                VT.close(child.handle)
                let mapping = VT.map(vmar, rw | option, 0, vmo, 0, 2 * P)
                check.status(mapping.status, ZX_OK, "map ALIGN 2^\(log2)")
                check.that(mapping.addr != 0 && mapping.addr.trailingZeroBitCount >= Int(max(log2, 12)),
                           "map 2^\(log2): \(mapping.addr)")
                check.status(VT.store(UInt64(0x1234321), mapping.addr + 8), ZX_OK, "touch")
                check.status(zx_vmar_unmap(vmar, mapping.addr, 2 * P), ZX_OK, "unmap")
            }
            check.status(zx_vmar_destroy(vmar), ZX_OK, "destroy")
            VT.close(vmar, aligned.handle, vmo)
        }
    }
}
