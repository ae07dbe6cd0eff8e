// VMO properties (ZX_PROP_NAME, ZX_PROP_VMO_CONTENT_SIZE), zx_vmo_replace_as_executable,
// zx_vmo_set_cache_policy and zx_vmo_create_child's validation order (reference §3.12–3.14, §3.17).

import Testing
import Zirconia

private func getName(_ handle: zx_handle_t) -> (zx_status_t, [UInt8]) {
    var buffer = [UInt8](repeating: 0xFF, count: ZX_MAX_NAME_LEN)
    let status = zx_object_get_property(handle, ZX_PROP_NAME, &buffer, buffer.count)
    return (status, buffer)
}

private func setName(_ handle: zx_handle_t, _ bytes: [UInt8]) -> zx_status_t {
    zx_object_set_property(handle, ZX_PROP_NAME, bytes, bytes.count)
}

/// The bytes of a NUL-terminated name buffer up to the NUL.
private func nameBytes<T>(_ tuple: T) -> [UInt8] {
    withUnsafeBytes(of: tuple) { Array($0.prefix { $0 != 0 }) }
}

@Suite struct VmoPropertiesTests {
    @Test func nameGetSetTruncationAndRights() throws {
        try vmoInFreshProcess { c in
            let h = vmoMake(c, vmoPage)
            let (s0, empty) = getName(h)
            c.ok(s0)
            c.eq(empty, [UInt8](repeating: 0, count: ZX_MAX_NAME_LEN), "a new VMO has an empty name")
            c.ok(setName(h, Array("test vmo".utf8)))
            c.eq(getName(h).1, Array("test vmo".utf8) + [UInt8](repeating: 0, count: 24))
            c.eq(nameBytes(vmoInfo(h).1.name), Array("test vmo".utf8), "ZX_INFO_VMO.name")
            // Longer names keep 31 bytes plus the NUL.
            let long = Array("0123456789abcdefghijklmnopqrstuvwxyz".utf8)
            c.ok(setName(h, long))
            c.eq(getName(h).1, Array(long.prefix(31)) + [0])
            c.eq(nameBytes(vmoInfo(h).1.name), Array(long.prefix(31)), "info name truncated alike")
            // Exactly 31 and 32 bytes.
            c.ok(setName(h, Array(long.prefix(32))))
            c.eq(getName(h).1, Array(long.prefix(31)) + [0])
            // Truncation is by bytes: the info record and the property agree even mid-character.
            let accents = Array(String(repeating: "é", count: 20).utf8)
            c.ok(setName(h, accents))
            c.eq(getName(h).1, Array(accents.prefix(31)) + [0])
            c.eq(nameBytes(vmoInfo(h).1.name), Array(accents.prefix(31)), "raw bytes in ZX_INFO_VMO")
            // The name stops at an embedded NUL; an empty set clears it.
            c.ok(setName(h, Array("ab".utf8) + [0] + Array("cd".utf8)))
            c.eq(Array(getName(h).1.prefix(3)), Array("ab".utf8) + [0])
            c.ok(setName(h, []))
            c.eq(getName(h).1[0], 0)
            // Buffer rules and rights.
            var small = [UInt8](repeating: 0, count: ZX_MAX_NAME_LEN - 1)
            c.st(zx_object_get_property(h, ZX_PROP_NAME, &small, small.count), ZX_ERR_BUFFER_TOO_SMALL)
            c.st(zx_object_get_property(h, ZX_PROP_NAME, nil, ZX_MAX_NAME_LEN), ZX_ERR_INVALID_ARGS)
            let noGet = vmoDup(h, ZX_DEFAULT_VMO_RIGHTS & ~ZX_RIGHT_GET_PROPERTY)
            let noSet = vmoDup(h, ZX_DEFAULT_VMO_RIGHTS & ~ZX_RIGHT_SET_PROPERTY)
            c.st(getName(noGet).0, ZX_ERR_ACCESS_DENIED)
            c.ok(getName(noSet).0)
            c.st(setName(noSet, Array("x".utf8)), ZX_ERR_ACCESS_DENIED)
            c.ok(setName(noGet, Array("y".utf8)))
            c.eq(Array(getName(h).1.prefix(2)), [UInt8(ascii: "y"), 0], "a name set via one handle shows via all")
        }
    }

    @Test func contentSizeProperty() throws {
        try vmoInFreshProcess { c in
            let len = 4 * vmoPage
            let h = vmoMake(c, len, ZX_VMO_RESIZABLE)
            c.eq(vmoContentSize(h).1, len)
            c.ok(vmoSetContentSize(h, len / 3))
            c.eq(vmoContentSize(h).1, len / 3)
            c.eq(vmoGetSize(h), len, "the VMO size is unchanged")
            // Values above the VMO size are accepted (and change nothing else).
            c.ok(vmoSetContentSize(h, len + 15643))
            c.eq(vmoContentSize(h).1, len + 15643)
            c.eq(vmoGetSize(h), len)
            c.ok(vmoSetContentSize(h, UInt64.max))
            c.eq(vmoContentSize(h).1, UInt64.max)
            // set_size resets it to the unrounded size.
            c.ok(zx_vmo_set_size(h, 5461))
            c.eq(vmoContentSize(h).1, 5461)
            // Rights and buffer sizes.
            var value: UInt64 = 0
            c.st(zx_object_get_property(h, ZX_PROP_VMO_CONTENT_SIZE, &value, 4), ZX_ERR_BUFFER_TOO_SMALL)
            c.st(zx_object_set_property(h, ZX_PROP_VMO_CONTENT_SIZE, &value, 4), ZX_ERR_BUFFER_TOO_SMALL)
            c.st(zx_object_get_property(h, ZX_PROP_VMO_CONTENT_SIZE, nil, 8), ZX_ERR_INVALID_ARGS)
            let noGet = vmoDup(h, ZX_DEFAULT_VMO_RIGHTS & ~ZX_RIGHT_GET_PROPERTY)
            let noSet = vmoDup(h, ZX_DEFAULT_VMO_RIGHTS & ~ZX_RIGHT_SET_PROPERTY)
            c.st(vmoContentSize(noGet).0, ZX_ERR_ACCESS_DENIED)
            c.st(vmoSetContentSize(noSet, 1), ZX_ERR_ACCESS_DENIED)
            // NEW profile: SET_PROPERTY suffices, WRITE is not required (NEWEST adds WRITE).
            let propsOnly = vmoDup(h, ZX_RIGHT_GET_PROPERTY | ZX_RIGHT_SET_PROPERTY)
            c.ok(vmoSetContentSize(propsOnly, 100))
            c.eq(vmoContentSize(h).1, 100)
            // Not a VMO: the property belongs to another type.
            c.st(vmoContentSize(zx_process_self()).0, ZX_ERR_WRONG_TYPE)
            c.eq(vmoContentSize(h).1, 100, "failed calls changed nothing")
        }
    }

    @Test func settingContentSizeZeroesFromItToTheEnd() throws {
        try vmoInFreshProcess { c in
            let size = 3 * vmoPage
            let h = vmoMake(c, size)
            let ones = [UInt8](repeating: 1, count: Int(size))
            c.ok(vmoPut(h, ones, 0))
            // Shrinking zeroes [content size, VMO size); whole pages are released.
            let cut = vmoPage / 2
            c.ok(vmoSetContentSize(h, cut))
            c.eq(vmoBytes(h, 0, Int(size)), Array(ones.prefix(Int(cut))) + [UInt8](repeating: 0, count: Int(size - cut)))
            c.eq(vmoCommitted(h), vmoPage, "fully zeroed pages are decommitted")
            // Zircon (NEW) zeroes [content, size) whenever the new content size is below the VMO
            // size, also when it grows: bytes written past the old content size are cleared.
            c.ok(vmoPut(h, [9, 9, 9, 9], 2 * vmoPage))
            c.ok(vmoSetContentSize(h, vmoPage))
            c.eq(vmoBytes(h, 2 * vmoPage, 4), [0, 0, 0, 0], "zeroed beyond the new content size")
            c.eq(vmoBytes(h, 0, 1), [1])
            // At or above the VMO size nothing is zeroed.
            c.ok(vmoPut(h, [5], size - 1))
            c.ok(vmoSetContentSize(h, size))
            c.ok(vmoSetContentSize(h, size + 1))
            c.eq(vmoBytes(h, size - 1, 1), [5])
        }
    }

    @Test func replaceAsExecutable() throws {
        try vmoInFreshProcess { c in
            let expected: zx_rights_t = ZX_RIGHT_DUPLICATE | ZX_RIGHT_TRANSFER | ZX_RIGHT_WAIT | ZX_RIGHT_READ
                | ZX_RIGHT_WRITE | ZX_RIGHT_MAP | ZX_RIGHT_GET_PROPERTY | ZX_RIGHT_SET_PROPERTY
            let h = vmoMake(c, 4 * vmoPage)
            c.eq(vmoHandleRights(h) & expected, expected)
            c.eq(vmoHandleRights(h) & ZX_RIGHT_EXECUTE, 0, "no EXECUTE from zx_vmo_create")
            var exec = ZX_HANDLE_INVALID
            c.ok(zx_vmo_replace_as_executable(h, ZX_HANDLE_INVALID, &exec))
            c.eq(vmoHandleRights(exec), ZX_DEFAULT_VMO_RIGHTS | ZX_RIGHT_EXECUTE)
            c.st(zx_handle_close(h), ZX_ERR_BAD_HANDLE, "the old handle is consumed")
            // Executable mappings are now possible.
            var address: zx_vaddr_t = 0
            c.ok(zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_EXECUTE, 0, exec, 0,
                             Int(4 * vmoPage), &address))
            c.ok(zx_vmar_unmap(zx_vmar_root_self(), address, Int(4 * vmoPage)))
            // Reduced rights are kept, plus EXECUTE.
            let reduced = vmoDup(exec, ZX_RIGHT_READ | ZX_RIGHT_MAP)
            var reducedExec = ZX_HANDLE_INVALID
            c.ok(zx_vmo_replace_as_executable(reduced, ZX_HANDLE_INVALID, &reducedExec))
            c.eq(vmoHandleRights(reducedExec), ZX_RIGHT_READ | ZX_RIGHT_MAP | ZX_RIGHT_EXECUTE)
            // A non-VMO handle is BAD_HANDLE, and it is consumed too.
            let vmarDup = vmoDup(zx_vmar_root_self(), ZX_RIGHT_SAME_RIGHTS)
            var out = ZX_HANDLE_INVALID
            c.st(zx_vmo_replace_as_executable(vmarDup, ZX_HANDLE_INVALID, &out), ZX_ERR_BAD_HANDLE)
            c.eq(out, ZX_HANDLE_INVALID)
            c.st(zx_handle_close(vmarDup), ZX_ERR_BAD_HANDLE, "non-VMO handle consumed")
            c.st(zx_vmo_replace_as_executable(ZX_HANDLE_INVALID, ZX_HANDLE_INVALID, &out), ZX_ERR_BAD_HANDLE)
            // A bad vmex fails, but only after consuming the VMO handle.
            let victim = vmoMake(c, vmoPage)
            let stale = vmoDup(victim, ZX_RIGHT_SAME_RIGHTS)
            c.ok(zx_handle_close(stale))
            c.st(zx_vmo_replace_as_executable(victim, stale, &out), ZX_ERR_BAD_HANDLE, "bad vmex")
            c.st(zx_handle_close(victim), ZX_ERR_BAD_HANDLE, "consumed despite the vmex failure")
            let victim2 = vmoMake(c, vmoPage)
            c.st(zx_vmo_replace_as_executable(victim2, zx_process_self(), &out), ZX_ERR_WRONG_TYPE, "vmex not a resource")
            c.st(zx_handle_close(victim2), ZX_ERR_BAD_HANDLE)
            c.eq(out, ZX_HANDLE_INVALID, "no output on failure")
        }
    }

    @Test func replaceAsExecutableWithTheRootResource() throws {
        let kernel = try Kernel(memorySize: 16 << 20)
        let process = try kernel.createProcess(name: "vmex")
        let root = try kernel.rootResource(for: process)
        try vmoRun(process) { c in
            let h = vmoMake(c, vmoPage)
            var exec = ZX_HANDLE_INVALID
            c.ok(zx_vmo_replace_as_executable(h, root, &exec), "root resource as vmex")
            c.eq(vmoHandleRights(exec) & ZX_RIGHT_EXECUTE, ZX_RIGHT_EXECUTE)
        }
    }

    @Test func cachePolicy() throws {
        try vmoInFreshProcess { c in
            let h = vmoMake(c, vmoPage)
            for policy in [ZX_CACHE_POLICY_CACHED, ZX_CACHE_POLICY_UNCACHED, ZX_CACHE_POLICY_UNCACHED_DEVICE,
                           ZX_CACHE_POLICY_WRITE_COMBINING] {
                c.ok(zx_vmo_set_cache_policy(h, policy), "clean VMO, policy \(policy)")
                c.eq(vmoInfo(h).1.cache_policy, policy)
            }
            c.ok(zx_vmo_set_cache_policy(h, ZX_CACHE_POLICY_CACHED))
            // Bits outside the mask: INVALID_ARGS, checked before the handle.
            c.st(zx_vmo_set_cache_policy(h, ZX_CACHE_POLICY_MASK + 1), ZX_ERR_INVALID_ARGS)
            c.st(zx_vmo_set_cache_policy(ZX_HANDLE_INVALID, 1 << 31), ZX_ERR_INVALID_ARGS)
            c.st(zx_vmo_set_cache_policy(ZX_HANDLE_INVALID, 0), ZX_ERR_BAD_HANDLE)
            // MAP right required.
            let noMap = vmoDup(h, ZX_DEFAULT_VMO_RIGHTS & ~ZX_RIGHT_MAP)
            c.st(zx_vmo_set_cache_policy(noMap, ZX_CACHE_POLICY_UNCACHED), ZX_ERR_ACCESS_DENIED)
            let mapOnly = vmoDup(h, ZX_RIGHT_MAP)
            c.ok(zx_vmo_set_cache_policy(mapOnly, ZX_CACHE_POLICY_CACHED))
            // Mapped: BAD_STATE, even for the current policy.
            let address = vmoMap(c, h, vmoPage, ZX_VM_PERM_READ)
            c.st(zx_vmo_set_cache_policy(h, ZX_CACHE_POLICY_CACHED), ZX_ERR_BAD_STATE, "mapped, same policy")
            c.st(zx_vmo_set_cache_policy(h, ZX_CACHE_POLICY_UNCACHED), ZX_ERR_BAD_STATE, "mapped")
            c.ok(zx_vmar_unmap(zx_vmar_root_self(), address, Int(vmoPage)))
            c.ok(zx_vmo_set_cache_policy(h, ZX_CACHE_POLICY_CACHED), "unmapped again")
            // While uncached, vmo_read/vmo_write are BAD_STATE (also for zero bytes).
            var byte: UInt8 = 0
            c.ok(zx_vmo_set_cache_policy(h, ZX_CACHE_POLICY_UNCACHED))
            c.st(zx_vmo_read(h, &byte, 0, 1), ZX_ERR_BAD_STATE)
            c.st(zx_vmo_write(h, &byte, 0, 1), ZX_ERR_BAD_STATE)
            c.st(zx_vmo_read(h, &byte, 0, 0), ZX_ERR_BAD_STATE)
            c.ok(zx_vmo_set_cache_policy(h, ZX_CACHE_POLICY_CACHED))
            c.ok(zx_vmo_read(h, &byte, 0, 1))
            c.ok(zx_vmo_write(h, &byte, 0, 1))
            // Committed pages: CACHED → other is allowed, other → anything is not.
            c.eq(vmoCommitted(h), vmoPage)
            c.ok(zx_vmo_set_cache_policy(h, ZX_CACHE_POLICY_UNCACHED), "from CACHED with committed pages")
            c.st(zx_vmo_set_cache_policy(h, ZX_CACHE_POLICY_CACHED), ZX_ERR_BAD_STATE, "back with committed pages")
            c.st(zx_vmo_set_cache_policy(h, ZX_CACHE_POLICY_UNCACHED), ZX_ERR_BAD_STATE, "same, committed pages")
            c.eq(vmoInfo(h).1.cache_policy, ZX_CACHE_POLICY_UNCACHED, "unchanged by failures")
            c.ok(vmoOp(h, ZX_VMO_OP_DECOMMIT, 0, vmoPage))
            c.ok(zx_vmo_set_cache_policy(h, ZX_CACHE_POLICY_CACHED), "no committed pages left")
            // A large sparse VMO (Zircon's Cache test).
            let big = vmoMake(c, vmoPage << 40)
            c.ok(vmoPut(big, [42], 1 << 50))
            c.ok(zx_vmo_set_cache_policy(big, ZX_CACHE_POLICY_UNCACHED))
        }
    }

    @Test func createChildValidatesInZirconsOrder() throws {
        try vmoInFreshProcess { c in
            var out = ZX_HANDLE_INVALID
            let h = vmoMake(c, vmoPage)
            // 1. NO_WRITE with RESIZABLE: INVALID_ARGS before the handle is even looked up.
            for type in [ZX_VMO_CHILD_SNAPSHOT, ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE, ZX_VMO_CHILD_SLICE] {
                let options = type | ZX_VMO_CHILD_NO_WRITE | ZX_VMO_CHILD_RESIZABLE
                c.st(zx_vmo_create_child(h, options, 0, vmoPage, &out), ZX_ERR_INVALID_ARGS, "type \(type)")
                c.st(zx_vmo_create_child(ZX_HANDLE_INVALID, options, 0, vmoPage, &out), ZX_ERR_INVALID_ARGS)
            }
            // 2. Lookup with DUPLICATE | READ.
            c.st(zx_vmo_create_child(ZX_HANDLE_INVALID, ZX_VMO_CHILD_SNAPSHOT, 0, vmoPage, &out), ZX_ERR_BAD_HANDLE)
            let vmarNone = vmoDup(zx_vmar_root_self(), ZX_RIGHT_NONE)
            c.st(zx_vmo_create_child(vmarNone, ZX_VMO_CHILD_SNAPSHOT, 0, vmoPage, &out), ZX_ERR_WRONG_TYPE)
            c.st(zx_vmo_create_child(vmarNone, 0xFF00, 0, vmoPage, &out), ZX_ERR_WRONG_TYPE, "type before options")
            let readOnly = vmoDup(h, ZX_RIGHT_READ)
            let dupOnly = vmoDup(h, ZX_RIGHT_DUPLICATE)
            c.st(zx_vmo_create_child(readOnly, ZX_VMO_CHILD_SNAPSHOT, 0, vmoPage, &out), ZX_ERR_ACCESS_DENIED)
            c.st(zx_vmo_create_child(dupOnly, ZX_VMO_CHILD_SNAPSHOT, 0, vmoPage, &out), ZX_ERR_ACCESS_DENIED)
            c.st(zx_vmo_create_child(readOnly, 0xFF00, 0, vmoPage, &out), ZX_ERR_ACCESS_DENIED, "rights before options")
            // 3. Discardable parents: NOT_SUPPORTED for every type, before option decoding.
            let discardable = vmoMake(c, vmoPage, ZX_VMO_DISCARDABLE)
            for options in [ZX_VMO_CHILD_SLICE, ZX_VMO_CHILD_SNAPSHOT, ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE,
                            ZX_VMO_CHILD_REFERENCE, 0, 0xFF00] {
                c.st(zx_vmo_create_child(discardable, options, 0, vmoPage, &out), ZX_ERR_NOT_SUPPORTED,
                     "discardable, options \(options)")
            }
            // 4. Option decoding.
            let invalid: [UInt32] = [
                0, ZX_VMO_CHILD_RESIZABLE, ZX_VMO_CHILD_NO_WRITE, 1 << 1, 1 << 8, 1 << 31,
                ZX_VMO_CHILD_SLICE | ZX_VMO_CHILD_RESIZABLE, ZX_VMO_CHILD_SLICE | ZX_VMO_CHILD_SNAPSHOT,
                ZX_VMO_CHILD_SLICE | ZX_VMO_CHILD_REFERENCE, ZX_VMO_CHILD_REFERENCE | ZX_VMO_CHILD_SNAPSHOT,
                ZX_VMO_CHILD_SNAPSHOT | ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE,
                ZX_VMO_CHILD_SNAPSHOT | ZX_VMO_CHILD_SNAPSHOT_MODIFIED, ZX_VMO_CHILD_SNAPSHOT | (1 << 1),
            ]
            for options in invalid {
                c.st(zx_vmo_create_child(h, options, 0, vmoPage, &out), ZX_ERR_INVALID_ARGS, "options \(options)")
            }
            // SNAPSHOT_MODIFIED (NEWEST) is not implemented, so it is an unknown bit.
            c.st(zx_vmo_create_child(h, ZX_VMO_CHILD_SNAPSHOT_MODIFIED, 0, vmoPage, &out), ZX_ERR_INVALID_ARGS)
            c.eq(out, ZX_HANDLE_INVALID, "no handle written on failure")
            // Valid requests each create a child (VmoCloneTests covers what they do).
            let valid: [(UInt32, UInt64)] = [
                (ZX_VMO_CHILD_SNAPSHOT, vmoPage), (ZX_VMO_CHILD_SNAPSHOT | ZX_VMO_CHILD_RESIZABLE, vmoPage),
                (ZX_VMO_CHILD_SNAPSHOT | ZX_VMO_CHILD_NO_WRITE, vmoPage), (ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE, vmoPage),
                (ZX_VMO_CHILD_SLICE, vmoPage), (ZX_VMO_CHILD_SLICE | ZX_VMO_CHILD_NO_WRITE, vmoPage),
                (ZX_VMO_CHILD_REFERENCE, 0),
            ]
            for (options, size) in valid {
                var child = ZX_HANDLE_INVALID
                c.ok(zx_vmo_create_child(h, options, 0, size, &child), "options \(options)")
                c.eq(vmoInfo(h).1.num_children, 1, "options \(options)")
                c.ok(zx_handle_close(child))
            }
            c.eq(vmoInfo(h).1.num_children, 0)
        }
    }
}
