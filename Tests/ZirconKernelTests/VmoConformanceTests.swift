// zx_vmo_create, zx_vmo_read / zx_vmo_write, zx_vmo_get_size and zx_vmo_set_size against the
// reference (zircon-vm-semantics.md §3.7–3.10, §4.3), modelled on Zircon's core vmo tests.

import Testing
import Zirconia

@Suite struct VmoConformanceTests {
    // MARK: zx_vmo_create (§3.7)

    @Test func createSizesRoundUpAndEmptyVmosWork() throws {
        try vmoInFreshProcess { c in
            for pages in 0..<16 {
                let (status, h) = vmoCreate(UInt64(pages) * vmoPage)
                c.ok(status, "create \(pages) pages")
                c.eq(vmoGetSize(h), UInt64(pages) * vmoPage, "size of \(pages) pages")
                c.ok(zx_handle_close(h))
            }
            // Unaligned sizes round up to the page (SizeAlign); sample the interesting ones.
            for size in [UInt64(1), 2, vmoPage - 1, vmoPage, vmoPage + 1, 3 * vmoPage + 17, 4 * vmoPage - 1] {
                let h = vmoMake(c, size)
                let rounded = (size + vmoPage - 1) / vmoPage * vmoPage
                c.eq(vmoGetSize(h), rounded, "size \(size)")
                c.eq(vmoContentSize(h).1, size, "content size of \(size)")
                c.ok(zx_handle_close(h))
            }
            // Size 0: an empty VMO; reads and writes of zero bytes at 0 are fine, one byte is not.
            let empty = vmoMake(c, 0)
            c.eq(vmoGetSize(empty), 0)
            var byte: UInt8 = 0
            c.ok(zx_vmo_read(empty, &byte, 0, 0))
            c.st(zx_vmo_read(empty, &byte, 0, 1), ZX_ERR_OUT_OF_RANGE)
            c.st(zx_vmo_write(empty, &byte, 0, 1), ZX_ERR_OUT_OF_RANGE)
            c.eq(vmoCommitted(empty), 0)
        }
    }

    @Test func createMaximumSizeAndBeyond() throws {
        try vmoInFreshProcess { c in
            // The maximum is 2^64 rounded down to a multiple of 32 pages.
            let max = UInt64.max - 32 * vmoPage + 1
            let (s1, h1) = vmoCreate(max)
            c.ok(s1, "create max")
            c.eq(vmoGetSize(h1), max)
            let (s2, h2) = vmoCreate(UInt64.max - 64 * vmoPage + 1)
            c.ok(s2, "create 2^64 - 64P (Zircon's CacheOpLargeVmo)")
            // Sparse writes far apart cost one page each.
            let value: [UInt8] = [42, 0, 0, 0, 0, 0, 0, 0]
            for i in 0..<8 as Range<UInt64> {
                c.ok(vmoPut(h2, value, (max / 8) * i), "sparse write \(i)")
            }
            c.eq(vmoCommitted(h2), 8 * vmoPage)
            c.ok(zx_vmo_op_range(h2, ZX_VMO_OP_CACHE_CLEAN, 0, UInt64.max - 64 * vmoPage + 1, nil, 0))
            for size in [max + 1, UInt64.max - vmoPage + 1, UInt64.max] {
                var out: zx_handle_t = 0xABCD
                c.st(zx_vmo_create(size, 0, &out), ZX_ERR_OUT_OF_RANGE, "create \(size)")
                c.eq(out, 0xABCD, "out untouched for \(size)")
            }
            // Options are checked before the size.
            var out: zx_handle_t = 0xABCD
            c.st(zx_vmo_create(UInt64.max, 1, &out), ZX_ERR_INVALID_ARGS, "bad option and bad size")
            c.eq(out, 0xABCD)
            _ = zx_handle_close(h1)
            _ = zx_handle_close(h2)
        }
    }

    @Test func createOptionsRightsFlagsAndInitialState() throws {
        try vmoInFreshProcess { c in
            for bad: UInt32 in [1, 1 << 3, 1 << 4, ZX_VMO_RESIZABLE | 1, 1 << 31, ~0] {
                let (status, h) = vmoCreate(vmoPage, bad)
                c.st(status, ZX_ERR_INVALID_ARGS, "option \(bad)")
                c.eq(h, ZX_HANDLE_INVALID)
            }
            let cases: [(UInt32, zx_rights_t, UInt32)] = [
                (0, 0xD0EF, 0),
                (ZX_VMO_RESIZABLE, 0x40D0EF, ZX_INFO_VMO_RESIZABLE),
                (ZX_VMO_DISCARDABLE, 0xD0EF, ZX_INFO_VMO_DISCARDABLE),
            ]
            for (options, rights, extraFlags) in cases {
                let h = vmoMake(c, 3 * vmoPage + 5, options)
                c.eq(vmoHandleRights(h), rights, "rights for options \(options)")
                c.eq(ZX_DEFAULT_VMO_RIGHTS, 0xD0EF)
                let (status, info) = vmoInfo(h)
                c.ok(status)
                c.eq(info.flags, ZX_INFO_VMO_TYPE_PAGED | ZX_INFO_VMO_VIA_HANDLE | extraFlags, "flags \(options)")
                c.eq(info.size_bytes, 4 * vmoPage)
                c.eq(info.committed_bytes, 0)
                c.eq(info.metadata_bytes, 0)
                c.eq(info.committed_change_events, 0)
                c.eq(info.handle_rights, rights)
                c.eq(info.cache_policy, ZX_CACHE_POLICY_CACHED)
                c.eq(info.parent_koid, 0)
                c.eq(info.num_children, 0)
                c.eq(info.num_mappings, 0)
                c.eq(info.share_count, 1, "share_count is 1 below two mappings (Zircon's rule)")
                c.eq(info.name.0, 0, "empty name")
                c.yes(info.koid >= ZX_KOID_FIRST)
                c.eq(vmoContentSize(h).1, 3 * vmoPage + 5)
                c.eq(vmoBytes(h, 0, Int(4 * vmoPage)), [UInt8](repeating: 0, count: Int(4 * vmoPage)))
                c.ok(zx_handle_close(h))
            }
            // A nil-rights duplicate still gets the size (§3.9).
            let h = vmoMake(c, 5 * vmoPage)
            let none = vmoDup(h, ZX_RIGHT_NONE)
            c.eq(vmoHandleRights(none), 0)
            c.eq(vmoGetSize(none), 5 * vmoPage, "get_size with zero rights")
            let (infoStatus, noneInfo) = vmoInfo(none)
            c.ok(infoStatus, "ZX_INFO_VMO needs no right")
            c.eq(noneInfo.handle_rights, 0, "handle_rights of the queried handle")
            c.eq(noneInfo.size_bytes, 5 * vmoPage)
            c.ok(zx_handle_close(none))
            var size: UInt64 = 7
            c.st(zx_vmo_get_size(ZX_HANDLE_INVALID, &size), ZX_ERR_BAD_HANDLE)
            c.st(zx_vmo_get_size(zx_vmar_root_self(), &size), ZX_ERR_WRONG_TYPE)
            c.eq(size, 7, "size untouched on failure")
        }
    }

    // MARK: zx_vmo_read / zx_vmo_write (§3.8)

    @Test func readWriteRightsAndLookupOrder() throws {
        try vmoInFreshProcess { c in
            let h = vmoMake(c, 4 * vmoPage)
            var buf = [UInt8](repeating: 0, count: 16)
            let readOnly = vmoDup(h, ZX_RIGHT_READ)
            let writeOnly = vmoDup(h, ZX_RIGHT_WRITE)
            let none = vmoDup(h, ZX_RIGHT_NONE)
            for length in [0, 16] {
                c.ok(zx_vmo_read(readOnly, &buf, 0, length), "read via READ, len \(length)")
                c.st(zx_vmo_write(readOnly, &buf, 0, length), ZX_ERR_ACCESS_DENIED, "write via READ")
                c.st(zx_vmo_read(writeOnly, &buf, 0, length), ZX_ERR_ACCESS_DENIED, "read via WRITE")
                c.ok(zx_vmo_write(writeOnly, &buf, 0, length), "write via WRITE")
                c.st(zx_vmo_read(none, &buf, 0, length), ZX_ERR_ACCESS_DENIED)
                c.st(zx_vmo_write(none, &buf, 0, length), ZX_ERR_ACCESS_DENIED)
            }
            // Type before rights (§0.1): a VMAR handle with no rights is WRONG_TYPE, not ACCESS_DENIED.
            let vmarNone = vmoDup(zx_vmar_root_self(), ZX_RIGHT_NONE)
            c.yes(vmarNone != ZX_HANDLE_INVALID)
            c.st(zx_vmo_read(vmarNone, &buf, 0, 0), ZX_ERR_WRONG_TYPE, "vmar handle, zero rights")
            c.st(zx_vmo_write(vmarNone, &buf, 0, 0), ZX_ERR_WRONG_TYPE)
            var size: UInt64 = 0
            c.st(zx_vmo_get_size(vmarNone, &size), ZX_ERR_WRONG_TYPE)
            c.st(zx_vmo_set_size(vmarNone, 0), ZX_ERR_WRONG_TYPE)
            c.st(zx_vmo_op_range(vmarNone, ZX_VMO_OP_COMMIT, 0, 0, nil, 0), ZX_ERR_WRONG_TYPE)
            c.st(zx_vmo_op_range(vmarNone, 0xFFFF, 0, 0, nil, 0), ZX_ERR_WRONG_TYPE, "type before op")
            c.st(zx_vmo_set_cache_policy(vmarNone, 0), ZX_ERR_WRONG_TYPE)
            // Bad handles come first of all.
            c.st(zx_vmo_read(ZX_HANDLE_INVALID, &buf, 0, 0), ZX_ERR_BAD_HANDLE)
            c.st(zx_vmo_write(ZX_HANDLE_INVALID, &buf, 0, 0), ZX_ERR_BAD_HANDLE)
            let closed = vmoDup(h, ZX_RIGHT_SAME_RIGHTS)
            c.ok(zx_handle_close(closed))
            c.st(zx_vmo_read(closed, &buf, 0, 0), ZX_ERR_BAD_HANDLE, "closed handle")
            c.st(zx_vmo_op_range(ZX_HANDLE_INVALID, 0xFFFF, 0, 0, nil, 0), ZX_ERR_BAD_HANDLE)
            // Rights before range: an out-of-range read through a WRITE-only handle is ACCESS_DENIED.
            c.st(zx_vmo_read(writeOnly, &buf, UInt64.max, 16), ZX_ERR_ACCESS_DENIED)
            for handle in [readOnly, writeOnly, none, vmarNone, h] { c.ok(zx_handle_close(handle)) }
        }
    }

    @Test func readWriteRangeEdges() throws {
        try vmoInFreshProcess { c in
            let len = 4 * vmoPage
            let h = vmoMake(c, len)
            var buf = [UInt8](repeating: 0x5A, count: Int(2 * len))
            c.st(zx_vmo_read(h, &buf, 0, buf.count), ZX_ERR_OUT_OF_RANGE, "read past end")
            c.st(zx_vmo_write(h, &buf, 0, buf.count), ZX_ERR_OUT_OF_RANGE, "write past end")
            c.ok(zx_vmo_read(h, &buf, len, 0), "zero-length read at size")
            c.ok(zx_vmo_write(h, &buf, len, 0), "zero-length write at size")
            c.st(zx_vmo_read(h, &buf, len + 1, 0), ZX_ERR_OUT_OF_RANGE, "zero-length read at size+1")
            c.st(zx_vmo_write(h, &buf, len + 1, 0), ZX_ERR_OUT_OF_RANGE, "zero-length write at size+1")
            c.st(zx_vmo_read(h, &buf, len - 1, 2), ZX_ERR_OUT_OF_RANGE, "straddling the end")
            c.ok(zx_vmo_read(h, &buf, len - 1, 1), "last byte")
            c.st(zx_vmo_read(h, &buf, UInt64.max - len / 2, Int(len)), ZX_ERR_OUT_OF_RANGE, "wraparound")
            c.st(zx_vmo_write(h, &buf, UInt64.max - len / 2, Int(len)), ZX_ERR_OUT_OF_RANGE, "wraparound")
            c.st(zx_vmo_read(h, &buf, UInt64.max, 1), ZX_ERR_OUT_OF_RANGE)
            // SIZE_MAX-ish lengths (ReadWriteBadLen): out of range, never a crash or a huge copy.
            let sizeMax = UInt.max
            for divisor: UInt in [1, 2] {
                let length = Int(bitPattern: sizeMax - UInt(vmoPage) / divisor)
                c.st(zx_vmo_read(h, &buf, 0, length), ZX_ERR_OUT_OF_RANGE, "read SIZE_MAX - P/\(divisor)")
                c.st(zx_vmo_write(h, &buf, 0, length), ZX_ERR_OUT_OF_RANGE, "write SIZE_MAX - P/\(divisor)")
            }
            c.st(zx_vmo_read(h, &buf, 0, Int(bitPattern: sizeMax)), ZX_ERR_OUT_OF_RANGE, "SIZE_MAX")
            c.st(zx_vmo_write(h, &buf, 0, Int(bitPattern: sizeMax)), ZX_ERR_OUT_OF_RANGE, "SIZE_MAX")
            c.st(zx_vmo_read(h, &buf, 1, Int.max), ZX_ERR_OUT_OF_RANGE)
            // Nothing was written by any failed call: the VMO is still all zeros and uncommitted.
            c.eq(vmoCommitted(h), 0, "failed writes commit nothing")
            c.eq(vmoBytes(h, 0, Int(len)), [UInt8](repeating: 0, count: Int(len)))
            // Full-size transfers succeed.
            c.ok(zx_vmo_read(h, &buf, 0, Int(len)))
            c.ok(zx_vmo_write(h, &buf, 0, Int(len)))
        }
    }

    @Test func nilBuffers() throws {
        try vmoInFreshProcess { c in
            let h = vmoMake(c, 2 * vmoPage)
            // Zero-length transfers never touch the buffer.
            c.ok(zx_vmo_read(h, nil, 0, 0))
            c.ok(zx_vmo_write(h, nil, 0, 0))
            c.ok(zx_vmo_write(h, nil, 2 * vmoPage, 0))
            // A nil buffer of non-zero length is an unmapped user buffer (NEW: NOT_FOUND) ...
            c.st(zx_vmo_read(h, nil, 0, 8), ZX_ERR_NOT_FOUND, "nil read buffer")
            c.st(zx_vmo_write(h, nil, 0, 8), ZX_ERR_NOT_FOUND, "nil write buffer")
            // ... but the range is checked first.
            c.st(zx_vmo_read(h, nil, 2 * vmoPage, 8), ZX_ERR_OUT_OF_RANGE)
            c.st(zx_vmo_write(h, nil, 2 * vmoPage, 8), ZX_ERR_OUT_OF_RANGE)
            // The failed write committed nothing.
            c.eq(vmoCommitted(h), 0, "nil write commits nothing")
        }
    }

    @Test func dataRoundTripsAcrossPageBoundaries() throws {
        try vmoInFreshProcess { c in
            let size = 5 * vmoPage
            let h = vmoMake(c, size)
            var model = [UInt8](repeating: 0, count: Int(size))
            // (offset, length) pairs straddling 0, 1 or several page boundaries.
            let writes: [(UInt64, Int)] = [
                (0, 1), (vmoPage - 3, 7), (2 * vmoPage - 1, Int(vmoPage) + 2), (3 * vmoPage + 100, 900),
                (17, Int(4 * vmoPage)), (size - 1, 1), (vmoPage, Int(vmoPage)),
            ]
            for (n, (offset, length)) in writes.enumerated() {
                let data = vmoPattern(length, tag: UInt8(n + 1))
                c.ok(vmoPut(h, data, offset), "write \(n)")
                model.replaceSubrange(Int(offset)..<(Int(offset) + length), with: data)
                c.eq(vmoBytes(h, 0, Int(size)), model, "contents after write \(n)")
            }
            // Unaligned reads of every shape agree with the model.
            for (offset, length) in [(UInt64(1), 5), (vmoPage - 1, 2), (vmoPage / 2, Int(3 * vmoPage)), (size - 9, 9)] {
                c.eq(vmoBytes(h, offset, length), Array(model[Int(offset)..<(Int(offset) + length)]), "read \(offset)+\(length)")
            }
        }
    }

    @Test func uncommittedPagesReadAsZeroWithoutCommitting() throws {
        try vmoInFreshProcess { c in
            let h = vmoMake(c, 8 * vmoPage)
            c.ok(vmoPut(h, [1, 2, 3], 3 * vmoPage + 10))
            c.eq(vmoCommitted(h), vmoPage)
            // A read spanning committed and uncommitted pages: zeros around the written bytes.
            var expected = [UInt8](repeating: 0, count: Int(8 * vmoPage))
            expected[Int(3 * vmoPage) + 10] = 1
            expected[Int(3 * vmoPage) + 11] = 2
            expected[Int(3 * vmoPage) + 12] = 3
            var buffer = [UInt8](repeating: 0xFF, count: Int(8 * vmoPage))
            c.ok(zx_vmo_read(h, &buffer, 0, buffer.count))
            c.eq(buffer, expected)
            c.eq(vmoCommitted(h), vmoPage, "reads commit nothing")
        }
    }

    // MARK: zx_vmo_set_size (§3.10, §4.3)

    @Test func setSizeRightsAndResizability() throws {
        try vmoInFreshProcess { c in
            let fixed = vmoMake(c, 4 * vmoPage)
            c.eq(vmoHandleRights(fixed) & ZX_RIGHT_RESIZE, 0, "non-resizable: no RESIZE right")
            c.st(zx_vmo_set_size(fixed, 5 * vmoPage), ZX_ERR_UNAVAILABLE, "grow non-resizable")
            c.st(zx_vmo_set_size(fixed, 3 * vmoPage), ZX_ERR_UNAVAILABLE, "shrink non-resizable")
            c.st(zx_vmo_set_size(fixed, 4 * vmoPage), ZX_ERR_UNAVAILABLE, "same size non-resizable")
            c.st(zx_vmo_set_size(fixed, UInt64.max), ZX_ERR_OUT_OF_RANGE, "rounding overflow is checked first")
            c.eq(vmoGetSize(fixed), 4 * vmoPage)
            // WRITE is needed even on a non-resizable VMO; RESIZE is not checked there.
            let fixedRead = vmoDup(fixed, ZX_RIGHT_READ)
            c.st(zx_vmo_set_size(fixedRead, vmoPage), ZX_ERR_ACCESS_DENIED)
            let fixedWrite = vmoDup(fixed, ZX_RIGHT_WRITE)
            c.st(zx_vmo_set_size(fixedWrite, vmoPage), ZX_ERR_UNAVAILABLE)

            let resizable = vmoMake(c, 4 * vmoPage, ZX_VMO_RESIZABLE)
            c.eq(vmoHandleRights(resizable) & ZX_RIGHT_RESIZE, ZX_RIGHT_RESIZE)
            c.ok(zx_vmo_set_size(resizable, 5 * vmoPage))
            c.eq(vmoGetSize(resizable), 5 * vmoPage)
            let noResize = vmoDup(resizable, vmoHandleRights(resizable) & ~ZX_RIGHT_RESIZE)
            c.st(zx_vmo_set_size(noResize, vmoPage), ZX_ERR_ACCESS_DENIED, "resizable without RESIZE")
            let resizeOnly = vmoDup(resizable, ZX_RIGHT_RESIZE)
            c.st(zx_vmo_set_size(resizeOnly, vmoPage), ZX_ERR_ACCESS_DENIED, "RESIZE without WRITE")
            c.eq(vmoGetSize(resizable), 5 * vmoPage, "size unchanged by refused resizes")
            c.st(zx_vmo_set_size(resizable, UInt64.max), ZX_ERR_OUT_OF_RANGE, "UINT64_MAX")
            c.st(zx_vmo_set_size(resizable, UInt64.max - 32 * vmoPage + 2), ZX_ERR_OUT_OF_RANGE, "beyond max")
            c.eq(vmoGetSize(resizable), 5 * vmoPage)
            c.eq(vmoContentSize(resizable).1, 5 * vmoPage, "content size unchanged on failure")
            c.ok(zx_vmo_set_size(resizable, UInt64.max - 32 * vmoPage + 1), "exactly the max")
            c.ok(zx_vmo_set_size(resizable, 0), "down to 0")
            c.eq(vmoGetSize(resizable), 0)
        }
    }

    @Test func setSizeRoundsAndTracksContentSize() throws {
        try vmoInFreshProcess { c in
            let h = vmoMake(c, 0, ZX_VMO_RESIZABLE)
            for s in [UInt64(0), 1, vmoPage - 1, vmoPage, vmoPage + 1, 3 * vmoPage + 7, 2 * vmoPage, 5461] {
                c.ok(zx_vmo_set_size(h, s), "set_size \(s)")
                c.eq(vmoGetSize(h), (s + vmoPage - 1) / vmoPage * vmoPage, "rounded size for \(s)")
                c.eq(vmoContentSize(h).1, s, "content size for \(s)")
            }
        }
    }

    @Test func shrinkZeroesTheTailAndFreesPagesAndGrowExposesZeros() throws {
        try vmoInFreshProcess { c in
            let h = vmoMake(c, 4 * vmoPage, ZX_VMO_RESIZABLE)
            let all = [UInt8](repeating: 0xAB, count: Int(4 * vmoPage))
            c.ok(vmoPut(h, all, 0))
            c.eq(vmoCommitted(h), 4 * vmoPage)
            // Shrink to 1.5 pages: pages 2 and 3 are freed, the tail of page 1 is zeroed.
            let newSize = vmoPage + vmoPage / 2
            c.ok(zx_vmo_set_size(h, newSize))
            c.eq(vmoGetSize(h), 2 * vmoPage)
            c.eq(vmoCommitted(h), 2 * vmoPage, "pages beyond the end freed")
            var expected = [UInt8](repeating: 0xAB, count: Int(newSize))
            expected += [UInt8](repeating: 0, count: Int(vmoPage / 2))
            c.eq(vmoBytes(h, 0, Int(2 * vmoPage)), expected, "tail of the last page zeroed")
            // Grow back: everything past the old end reads zero, never the old data.
            c.ok(zx_vmo_set_size(h, 4 * vmoPage))
            c.eq(vmoCommitted(h), 2 * vmoPage)
            expected += [UInt8](repeating: 0, count: Int(2 * vmoPage))
            c.eq(vmoBytes(h, 0, Int(4 * vmoPage)), expected, "grow exposes zeros")
            // Setting an unaligned size without shrinking the page count still zeroes past it.
            c.ok(vmoPut(h, [UInt8](repeating: 0xCD, count: Int(vmoPage)), 3 * vmoPage))
            c.ok(zx_vmo_set_size(h, 3 * vmoPage + 10))
            c.eq(vmoBytes(h, 3 * vmoPage, Int(vmoPage)),
                 [UInt8](repeating: 0xCD, count: 10) + [UInt8](repeating: 0, count: Int(vmoPage) - 10))
            c.ok(zx_vmo_set_size(h, 0))
            c.eq(vmoCommitted(h), 0, "shrinking to 0 frees everything")
        }
    }
}
