// zx_vmo_op_range for every op on anonymous VMOs: rights per op, range rules, COMMIT / DECOMMIT /
// ZERO semantics, LOCK / TRY_LOCK / UNLOCK, cache ops and hints (zircon-vm-semantics.md §3.11, §4.2).

import Testing
@testable import ZirconKernel
import Zirconia

/// The ops with strict range rules (COMMIT, DECOMMIT, ZERO and the cache ops), with names.
private let rangeOps: [(op: UInt32, name: String)] = [
    (ZX_VMO_OP_COMMIT, "COMMIT"), (ZX_VMO_OP_DECOMMIT, "DECOMMIT"), (ZX_VMO_OP_ZERO, "ZERO"),
    (ZX_VMO_OP_CACHE_SYNC, "CACHE_SYNC"), (ZX_VMO_OP_CACHE_INVALIDATE, "CACHE_INVALIDATE"),
    (ZX_VMO_OP_CACHE_CLEAN, "CACHE_CLEAN"), (ZX_VMO_OP_CACHE_CLEAN_INVALIDATE, "CACHE_CLEAN_INVALIDATE"),
]

@Suite struct VmoOpRangeTests {
    @Test func unknownOpsAreInvalidArgs() throws {
        try vmoInFreshProcess { c in
            let h = vmoMake(c, vmoPage)
            for op: UInt32 in [0, 5, 14, 15, 100, 0xFFFF_FFFF] {
                c.st(vmoOp(h, op, 0, vmoPage), ZX_ERR_INVALID_ARGS, "op \(op)")
            }
            // Even through a handle without rights: the op is recognised before rights are checked.
            let none = vmoDup(h, ZX_RIGHT_NONE)
            c.st(vmoOp(none, 5, 0, vmoPage), ZX_ERR_INVALID_ARGS, "unknown op, no rights")
        }
    }

    @Test func rightsPerOp() throws {
        try vmoInFreshProcess { c in
            let h = vmoMake(c, 2 * vmoPage)
            let readOnly = vmoDup(h, ZX_RIGHT_READ)
            let writeOnly = vmoDup(h, ZX_RIGHT_WRITE)
            let none = vmoDup(h, ZX_RIGHT_NONE)
            // COMMIT, DECOMMIT, ZERO and CACHE_INVALIDATE need WRITE.
            for op in [ZX_VMO_OP_COMMIT, ZX_VMO_OP_DECOMMIT, ZX_VMO_OP_ZERO, ZX_VMO_OP_CACHE_INVALIDATE] {
                c.st(vmoOp(readOnly, op, 0, vmoPage), ZX_ERR_ACCESS_DENIED, "op \(op) via READ")
                c.st(vmoOp(none, op, 0, vmoPage), ZX_ERR_ACCESS_DENIED, "op \(op) via none")
                c.ok(vmoOp(writeOnly, op, 0, vmoPage), "op \(op) via WRITE")
            }
            // CACHE_SYNC, CACHE_CLEAN, CACHE_CLEAN_INVALIDATE need READ.
            for op in [ZX_VMO_OP_CACHE_SYNC, ZX_VMO_OP_CACHE_CLEAN, ZX_VMO_OP_CACHE_CLEAN_INVALIDATE] {
                c.st(vmoOp(writeOnly, op, 0, vmoPage), ZX_ERR_ACCESS_DENIED, "op \(op) via WRITE")
                c.st(vmoOp(none, op, 0, vmoPage), ZX_ERR_ACCESS_DENIED, "op \(op) via none")
                c.ok(vmoOp(readOnly, op, 0, vmoPage), "op \(op) via READ")
            }
            // Hints need no rights at all.
            for op in [ZX_VMO_OP_DONT_NEED, ZX_VMO_OP_ALWAYS_NEED] {
                c.ok(vmoOp(none, op, 0, vmoPage), "hint \(op) via none")
            }
            // Rights come before the range check.
            c.st(vmoOp(readOnly, ZX_VMO_OP_COMMIT, 0, 100 * vmoPage), ZX_ERR_ACCESS_DENIED)
            // Lock ops: READ or WRITE (on a non-discardable VMO the right is checked, then NOT_SUPPORTED).
            c.st(vmoOp(none, ZX_VMO_OP_TRY_LOCK, 0, 2 * vmoPage), ZX_ERR_ACCESS_DENIED)
            c.st(vmoOp(none, ZX_VMO_OP_UNLOCK, 0, 2 * vmoPage), ZX_ERR_ACCESS_DENIED)
            c.st(vmoOp(readOnly, ZX_VMO_OP_TRY_LOCK, 0, 2 * vmoPage), ZX_ERR_NOT_SUPPORTED)
            c.st(vmoOp(writeOnly, ZX_VMO_OP_UNLOCK, 0, 2 * vmoPage), ZX_ERR_NOT_SUPPORTED)
            c.eq(vmoCommitted(h), 0, "COMMIT then DECOMMIT of page 0 leaves nothing")
        }
    }

    @Test func outOfBoundsRanges() throws {
        try vmoInFreshProcess { c in
            let h = vmoMake(c, vmoPage)
            for (op, name) in rangeOps {
                c.st(vmoOp(h, op, 0, 2 * vmoPage), ZX_ERR_OUT_OF_RANGE, "\(name) 2P on a 1P VMO")
                c.st(vmoOp(h, op, vmoPage, 1), ZX_ERR_OUT_OF_RANGE, "\(name) (size, 1)")
                c.st(vmoOp(h, op, UInt64.max, 1), ZX_ERR_OUT_OF_RANGE, "\(name) (UINT64_MAX, 1)")
                c.st(vmoOp(h, op, vmoPage, UInt64.max), ZX_ERR_OUT_OF_RANGE, "\(name) overflowing")
            }
            c.st(vmoOp(h, ZX_VMO_OP_COMMIT, vmoPage, UInt64.max - vmoPage + 1), ZX_ERR_OUT_OF_RANGE,
                 "commit that overflows (Zircon's Commit test)")
            c.st(vmoOp(h, ZX_VMO_OP_DONT_NEED, vmoPage, UInt64.max), ZX_ERR_OUT_OF_RANGE, "hint overflow")
            c.st(vmoOp(h, ZX_VMO_OP_ALWAYS_NEED, UInt64.max, 2), ZX_ERR_OUT_OF_RANGE, "hint overflow")
            c.eq(vmoCommitted(h), 0, "nothing committed by failed ops")
        }
    }

    @Test func commitDecommitAndCommittedBytes() throws {
        try vmoInFreshProcess { c in
            let size: UInt64 = 16384
            let h = vmoMake(c, size)
            c.ok(vmoOp(h, ZX_VMO_OP_COMMIT, 0, size))
            c.eq(vmoCommitted(h), size)
            c.eq(vmoBytes(h, 0, Int(size)), [UInt8](repeating: 0, count: Int(size)), "committed pages are zero")
            c.ok(vmoOp(h, ZX_VMO_OP_DECOMMIT, 0, size))
            c.eq(vmoCommitted(h), 0)
            // COMMIT expands an unaligned range to whole pages; size 0 is a no-op anywhere in range.
            c.ok(vmoOp(h, ZX_VMO_OP_COMMIT, vmoPage - 1, 2))
            c.eq(vmoCommitted(h), 2 * vmoPage, "unaligned commit covers both touched pages")
            c.ok(vmoOp(h, ZX_VMO_OP_COMMIT, 3 * vmoPage, 0))
            c.ok(vmoOp(h, ZX_VMO_OP_COMMIT, size, 0), "zero-length commit at the end")
            c.eq(vmoCommitted(h), 2 * vmoPage)
            // Committing again keeps contents.
            c.ok(vmoPut(h, [9, 8, 7], vmoPage))
            c.ok(vmoOp(h, ZX_VMO_OP_COMMIT, 0, size))
            c.eq(vmoCommitted(h), size)
            c.eq(vmoBytes(h, vmoPage, 3), [9, 8, 7], "re-commit keeps data")
            // DECOMMIT: contents read zero afterwards; zero-length decommit is fine even unaligned.
            c.ok(vmoOp(h, ZX_VMO_OP_DECOMMIT, vmoPage, vmoPage))
            c.eq(vmoBytes(h, vmoPage, 3), [0, 0, 0])
            c.eq(vmoCommitted(h), size - vmoPage)
            c.ok(vmoOp(h, ZX_VMO_OP_DECOMMIT, 17, 0), "zero length skips the alignment check")
            c.ok(vmoOp(h, ZX_VMO_OP_DECOMMIT, size, 0))
        }
    }

    @Test func decommitNeedsPageAlignment() throws {
        try vmoInFreshProcess { c in
            let h = vmoMake(c, 2 * vmoPage)
            // Forbidden even if nothing is committed (DecommitMisaligned).
            c.st(vmoOp(h, ZX_VMO_OP_DECOMMIT, 0x10, 0x100), ZX_ERR_INVALID_ARGS, "uncommitted")
            c.ok(vmoOp(h, ZX_VMO_OP_COMMIT, 0x10, 0x100))
            c.st(vmoOp(h, ZX_VMO_OP_DECOMMIT, 0x10, 0x100), ZX_ERR_INVALID_ARGS, "committed")
            c.st(vmoOp(h, ZX_VMO_OP_DECOMMIT, 0, vmoPage + 1), ZX_ERR_INVALID_ARGS, "unaligned size")
            c.st(vmoOp(h, ZX_VMO_OP_DECOMMIT, 1, vmoPage), ZX_ERR_INVALID_ARGS, "unaligned offset")
            // Out of range is reported before the alignment.
            c.st(vmoOp(h, ZX_VMO_OP_DECOMMIT, 1, 3 * vmoPage), ZX_ERR_OUT_OF_RANGE)
            c.eq(vmoCommitted(h), vmoPage, "failed decommits leave the page")
        }
    }

    @Test func zeroIsByteGranular() throws {
        try vmoInFreshProcess { c in
            // UnalignedSubPage: a few bytes in the middle of a page.
            let one = vmoMake(c, vmoPage)
            c.ok(vmoPut(one, [UInt8](repeating: 0xFF, count: Int(vmoPage)), 0))
            c.ok(vmoOp(one, ZX_VMO_OP_ZERO, 42, 91))
            c.eq(vmoBytes(one, 0, Int(vmoPage)),
                 [UInt8](repeating: 0xFF, count: 42) + [UInt8](repeating: 0, count: 91)
                    + [UInt8](repeating: 0xFF, count: Int(vmoPage) - 133))
            c.eq(vmoCommitted(one), vmoPage, "partial zero keeps the page")
            // UnalignedCommitted: across a page boundary.
            let two = vmoMake(c, 2 * vmoPage)
            c.ok(vmoPut(two, [UInt8](repeating: 0xFF, count: Int(2 * vmoPage)), 0))
            c.ok(vmoOp(two, ZX_VMO_OP_ZERO, vmoPage / 2, vmoPage))
            let half = Int(vmoPage / 2)
            c.eq(vmoBytes(two, 0, Int(2 * vmoPage)),
                 [UInt8](repeating: 0xFF, count: half) + [UInt8](repeating: 0, count: Int(vmoPage))
                    + [UInt8](repeating: 0xFF, count: half))
            // UnalignedUnCommitted: zeroing never-committed pages commits nothing.
            let fresh = vmoMake(c, 2 * vmoPage)
            c.ok(vmoOp(fresh, ZX_VMO_OP_ZERO, vmoPage / 2, vmoPage))
            c.eq(vmoCommitted(fresh), 0)
            // DecommitMiddle: a fully covered middle page is released.
            let three = vmoMake(c, 3 * vmoPage)
            c.ok(vmoPut(three, [UInt8](repeating: 0xFF, count: Int(3 * vmoPage)), 0))
            c.eq(vmoCommitted(three), 3 * vmoPage)
            c.ok(vmoOp(three, ZX_VMO_OP_ZERO, vmoPage / 2, 2 * vmoPage))
            c.eq(vmoCommitted(three), 2 * vmoPage)
            c.eq(vmoBytes(three, vmoPage / 2, Int(2 * vmoPage)), [UInt8](repeating: 0, count: Int(2 * vmoPage)))
            c.eq(vmoBytes(three, 0, 1), [0xFF])
            c.eq(vmoBytes(three, 3 * vmoPage - 1, 1), [0xFF])
            // ZeroLengths: size 0 at 0, 10 and size is OK.
            for offset in [UInt64(0), 10, vmoPage] { c.ok(vmoOp(one, ZX_VMO_OP_ZERO, offset, 0), "zero (\(offset), 0)") }
            c.st(vmoOp(one, ZX_VMO_OP_ZERO, vmoPage + 1, 0), ZX_ERR_OUT_OF_RANGE, "zero (size+1, 0)")
        }
    }

    @Test func zeroOnAHugeSparseVmoCostsWhatItHolds() throws {
        try vmoInFreshProcess { c in
            let max = UInt64.max - 32 * vmoPage + 1
            let h = vmoMake(c, max, ZX_VMO_RESIZABLE)
            for offset in [0, 3 * vmoPage + 5, max / 2, max - 1] { c.ok(vmoPut(h, [7], offset)) }
            c.eq(vmoCommitted(h), 4 * vmoPage)
            // All but the first and last byte: the two end pages are zeroed in place, the rest freed.
            c.ok(vmoOp(h, ZX_VMO_OP_ZERO, 1, max - 2))
            c.eq(vmoCommitted(h), 2 * vmoPage)
            c.eq(vmoBytes(h, 0, 1), [7])
            c.eq(vmoBytes(h, max - 1, 1), [7])
            c.eq(vmoBytes(h, max / 2, 1), [0])
            c.eq(vmoBytes(h, 3 * vmoPage + 5, 1), [0])
            // Content size 0 zeroes (and releases) everything; so would a whole-VMO DECOMMIT.
            c.ok(vmoSetContentSize(h, 0))
            c.eq(vmoCommitted(h), 0)
            c.eq(vmoBytes(h, max - 1, 1), [0])
            c.ok(vmoPut(h, [1], max / 3))
            c.ok(vmoOp(h, ZX_VMO_OP_DECOMMIT, 0, max))
            c.eq(vmoCommitted(h), 0)
        }
    }

    @Test func zeroAndCommitOnUncachedVmos() throws {
        try vmoInFreshProcess { c in
            let h = vmoMake(c, 2 * vmoPage)
            c.ok(zx_vmo_set_cache_policy(h, ZX_CACHE_POLICY_UNCACHED))
            // ZERO behaves as an efficient write, and writes are refused while uncached.
            c.st(vmoOp(h, ZX_VMO_OP_ZERO, 0, vmoPage), ZX_ERR_BAD_STATE, "zero while uncached")
            c.st(vmoOp(h, ZX_VMO_OP_ZERO, 1, 2), ZX_ERR_BAD_STATE, "partial zero while uncached")
            c.ok(zx_vmo_set_cache_policy(h, ZX_CACHE_POLICY_CACHED))
            c.ok(vmoOp(h, ZX_VMO_OP_ZERO, 0, vmoPage))
        }
    }

    @Test func lockUnlockOnDiscardableVmos() throws {
        try vmoInFreshProcess { c in
            let size = 3 * vmoPage
            var state = zx_vmo_lock_state_t()
            let stateSize = MemoryLayout<zx_vmo_lock_state_t>.size
            c.eq(stateSize, 32)
            // Lock ops only exist for discardable VMOs.
            let plain = vmoMake(c, size)
            c.st(vmoOp(plain, ZX_VMO_OP_TRY_LOCK, 0, size), ZX_ERR_NOT_SUPPORTED)
            c.st(vmoOp(plain, ZX_VMO_OP_LOCK, 0, size), ZX_ERR_NOT_SUPPORTED)
            c.st(zx_vmo_op_range(plain, ZX_VMO_OP_LOCK, 0, size, &state, stateSize), ZX_ERR_NOT_SUPPORTED)
            c.st(vmoOp(plain, ZX_VMO_OP_UNLOCK, 0, size), ZX_ERR_NOT_SUPPORTED)

            let h = vmoMake(c, size, ZX_VMO_DISCARDABLE)
            c.ok(vmoOp(h, ZX_VMO_OP_TRY_LOCK, 0, size))
            c.ok(vmoOp(h, ZX_VMO_OP_UNLOCK, 0, size))
            c.st(vmoOp(h, ZX_VMO_OP_UNLOCK, 0, size), ZX_ERR_BAD_STATE, "unlock while unlocked")
            c.ok(zx_vmo_op_range(h, ZX_VMO_OP_LOCK, 0, size, &state, stateSize))
            c.eq(state.offset, 0)
            c.eq(state.size, size)
            c.eq(state.discarded_offset, 0)
            c.eq(state.discarded_size, 0)
            c.ok(vmoOp(h, ZX_VMO_OP_UNLOCK, 0, size))
            // The range must be exactly [0, size).
            for (offset, length) in [(0, vmoPage), (vmoPage, size - vmoPage), (vmoPage, vmoPage), (0, 2 * size)] {
                c.st(vmoOp(h, ZX_VMO_OP_TRY_LOCK, offset, length), ZX_ERR_OUT_OF_RANGE, "try_lock \(offset)+\(length)")
                c.st(zx_vmo_op_range(h, ZX_VMO_OP_LOCK, offset, length, &state, stateSize), ZX_ERR_OUT_OF_RANGE)
                c.st(vmoOp(h, ZX_VMO_OP_UNLOCK, offset, length), ZX_ERR_OUT_OF_RANGE, "unlock \(offset)+\(length)")
            }
            // LOCK needs a whole zx_vmo_lock_state_t; the failed lock is undone.
            c.st(zx_vmo_op_range(h, ZX_VMO_OP_LOCK, 0, size, nil, 0), ZX_ERR_INVALID_ARGS, "nil, 0")
            c.st(zx_vmo_op_range(h, ZX_VMO_OP_LOCK, 0, size, &state, 0), ZX_ERR_INVALID_ARGS, "buffer, 0")
            c.st(zx_vmo_op_range(h, ZX_VMO_OP_LOCK, 0, size, nil, stateSize), ZX_ERR_INVALID_ARGS, "nil, 32")
            var small: UInt64 = 0
            c.st(zx_vmo_op_range(h, ZX_VMO_OP_LOCK, 0, size, &small, 8), ZX_ERR_INVALID_ARGS, "8 bytes")
            c.st(vmoOp(h, ZX_VMO_OP_UNLOCK, 0, size), ZX_ERR_BAD_STATE, "failed locks were undone")
            // Lock rights: READ alone or WRITE alone suffices.
            for rights in [ZX_RIGHT_READ, ZX_RIGHT_WRITE] {
                let d = vmoDup(h, rights)
                c.ok(vmoOp(d, ZX_VMO_OP_TRY_LOCK, 0, size))
                c.ok(vmoOp(d, ZX_VMO_OP_UNLOCK, 0, size))
                c.ok(zx_vmo_op_range(d, ZX_VMO_OP_LOCK, 0, size, &state, stateSize))
                c.ok(vmoOp(d, ZX_VMO_OP_UNLOCK, 0, size))
            }
            let none = vmoDup(h, ZX_RIGHT_DUPLICATE)
            c.st(vmoOp(none, ZX_VMO_OP_TRY_LOCK, 0, size), ZX_ERR_ACCESS_DENIED)
            c.st(zx_vmo_op_range(none, ZX_VMO_OP_LOCK, 0, size, &state, stateSize), ZX_ERR_ACCESS_DENIED)
            c.st(vmoOp(none, ZX_VMO_OP_UNLOCK, 0, size), ZX_ERR_ACCESS_DENIED)
            // Locking never commits; data written while locked stays.
            c.ok(zx_vmo_op_range(h, ZX_VMO_OP_LOCK, 0, size, &state, stateSize))
            c.eq(vmoCommitted(h), 0, "lock commits nothing")
            c.ok(vmoPut(h, [UInt8](repeating: 0xBB, count: Int(size)), 0))
            c.ok(vmoOp(h, ZX_VMO_OP_UNLOCK, 0, size))
            c.eq(vmoCommitted(h), size, "unlocked but present pages still count")
            c.eq(vmoBytes(h, size - 1, 1), [0xBB])
            // Locks nest: two locks need two unlocks.
            c.ok(vmoOp(h, ZX_VMO_OP_TRY_LOCK, 0, size))
            c.ok(vmoOp(h, ZX_VMO_OP_TRY_LOCK, 0, size))
            c.ok(vmoOp(h, ZX_VMO_OP_UNLOCK, 0, size))
            c.ok(vmoOp(h, ZX_VMO_OP_UNLOCK, 0, size))
            c.st(vmoOp(h, ZX_VMO_OP_UNLOCK, 0, size), ZX_ERR_BAD_STATE)
        }
    }

    @Test func discardableVmoThroughAMapping() throws {
        try vmoInFreshProcess { c in
            // Zircon's Discardable test: lock, write, map (ALLOW_FAULTS required), overwrite, read.
            let size = 3 * vmoPage
            let h = vmoMake(c, size, ZX_VMO_DISCARDABLE)
            c.yes(vmoInfo(h).1.flags & ZX_INFO_VMO_DISCARDABLE != 0)
            var state = zx_vmo_lock_state_t()
            c.ok(zx_vmo_op_range(h, ZX_VMO_OP_LOCK, 0, size, &state, MemoryLayout<zx_vmo_lock_state_t>.size))
            c.eq(vmoBytes(h, 0, Int(size)), [UInt8](repeating: 0, count: Int(size)))
            c.ok(vmoPut(h, [UInt8](repeating: 0xBB, count: Int(size)), 0))
            var address: zx_vaddr_t = 0
            c.st(zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, h, 0, Int(size), &address),
                 ZX_ERR_NOT_SUPPORTED, "discardable without ALLOW_FAULTS")
            address = vmoMap(c, h, size, ZX_VM_PERM_READ | ZX_VM_PERM_WRITE | ZX_VM_ALLOW_FAULTS)
            guard address != 0 else { return }
            c.eq(try? vmoLoad32(address + UInt(size) - 4).get(), 0xBBBB_BBBB)
            for word in stride(from: 0, to: Int(size), by: 4) { c.ok(vmoStore32(0xCCCC_CCCC, address + UInt(word))) }
            c.eq(vmoBytes(h, 0, Int(size)), [UInt8](repeating: 0xCC, count: Int(size)))
            c.ok(vmoOp(h, ZX_VMO_OP_UNLOCK, 0, size))
            c.ok(zx_vmar_unmap(zx_vmar_root_self(), address, Int(size)))
        }
    }

    @Test func discardedVmoReportsItsLossAndReadsZero() throws {
        let kernel = try Kernel(memorySize: 32 << 20)
        let process = try kernel.createProcess(name: "discard")
        let size = 2 * vmoPage
        let h = try vmoRun(process) { c -> zx_handle_t in
            let h = vmoMake(c, size, ZX_VMO_DISCARDABLE)
            c.ok(vmoPut(h, [UInt8](repeating: 7, count: Int(size)), 0))
            return h
        }
        // What memory pressure would do: the kernel reclaims the unlocked VMO.
        let (vmo, _) = try process.dispatcher.handles.lookup(h, as: VmoDispatcher.self, rights: 0)
        #expect(vmo.vmo.reclaimIfUnlocked())
        try vmoRun(process) { c in
            c.eq(vmoCommitted(h), 0, "discarded pages are freed")
            c.eq(vmoInfo(h).1.committed_change_events, 1, "a reclamation is a committed-change event")
            c.st(vmoOp(h, ZX_VMO_OP_TRY_LOCK, 0, size), ZX_ERR_UNAVAILABLE, "try_lock after discard")
            var state = zx_vmo_lock_state_t()
            c.ok(zx_vmo_op_range(h, ZX_VMO_OP_LOCK, 0, size, &state, MemoryLayout<zx_vmo_lock_state_t>.size))
            c.eq(state.offset, 0)
            c.eq(state.size, size)
            c.eq(state.discarded_offset, 0)
            c.eq(state.discarded_size, size, "the whole VMO was discarded")
            c.eq(vmoBytes(h, 0, Int(size)), [UInt8](repeating: 0, count: Int(size)), "reads zero")
            c.ok(vmoOp(h, ZX_VMO_OP_UNLOCK, 0, size))
        }
        // A locked VMO is never reclaimed.
        try vmoRun(process) { c in
            c.ok(vmoPut(h, [1], 0))
            c.ok(vmoOp(h, ZX_VMO_OP_TRY_LOCK, 0, size))
        }
        #expect(!vmo.vmo.reclaimIfUnlocked())
        try vmoRun(process) { c in c.eq(vmoBytes(h, 0, 1), [1]) }
    }

    @Test func cacheOpsRangesAndLargeVmos() throws {
        try vmoInFreshProcess { c in
            let size: UInt64 = 0x8000
            let h = vmoMake(c, size)
            for op in [ZX_VMO_OP_CACHE_SYNC, ZX_VMO_OP_CACHE_CLEAN, ZX_VMO_OP_CACHE_CLEAN_INVALIDATE,
                       ZX_VMO_OP_CACHE_INVALIDATE] {
                for (offset, length) in [(UInt64(0), UInt64(1)), (1, 1), (0, size), (1, size - 1), (0x5200, 1),
                                         (0x5200, 0x800), (0x5200, 0x1000), (0x5200, 0x1200)] {
                    c.ok(vmoOp(h, op, offset, length), "op \(op) (\(offset), \(length))")
                }
                c.st(vmoOp(h, op, 0, 0), ZX_ERR_INVALID_ARGS, "op \(op) (0, 0)")
                for (offset, length) in [(UInt64(1), size), (size, 1), (size + 1, 1), (UInt64.max - 1, 1),
                                         (UInt64.max, 1), (UInt64.max, UInt64.max)] {
                    c.st(vmoOp(h, op, offset, length), ZX_ERR_OUT_OF_RANGE, "op \(op) (\(offset), \(length))")
                }
            }
            // CacheOpOutOfRange on a VMO with a committed page.
            let two = vmoMake(c, 2 * vmoPage)
            c.ok(vmoPut(two, [65], vmoPage))
            c.st(vmoOp(two, ZX_VMO_OP_CACHE_CLEAN_INVALIDATE, vmoPage, UInt64.max), ZX_ERR_OUT_OF_RANGE)
            c.st(vmoOp(two, ZX_VMO_OP_CACHE_CLEAN_INVALIDATE, UInt64.max - vmoPage + 1, 1), ZX_ERR_OUT_OF_RANGE)
            c.eq(vmoBytes(two, vmoPage, 1), [65], "cache ops never change contents")
            c.eq(vmoCommitted(h), 0, "cache ops commit nothing")
        }
    }

    @Test func hintsAreNoOpsOnAnonymousVmos() throws {
        try vmoInFreshProcess { c in
            let h = vmoMake(c, 4 * vmoPage)
            c.ok(vmoPut(h, [3], 2 * vmoPage))
            for op in [ZX_VMO_OP_DONT_NEED, ZX_VMO_OP_ALWAYS_NEED] {
                c.ok(vmoOp(h, op, 0, 4 * vmoPage), "hint \(op) whole")
                c.ok(vmoOp(h, op, 1, 2), "hint \(op) unaligned")
                c.ok(vmoOp(h, op, 0, 0), "hint \(op) empty")
                c.ok(vmoOp(h, op, 4 * vmoPage - 1, 1), "hint \(op) last byte")
                c.st(vmoOp(h, op, 0, 5 * vmoPage), ZX_ERR_OUT_OF_RANGE, "hint \(op) beyond")
            }
            c.eq(vmoCommitted(h), vmoPage, "hints commit and decommit nothing")
            c.eq(vmoBytes(h, 2 * vmoPage, 1), [3])
        }
    }
}
