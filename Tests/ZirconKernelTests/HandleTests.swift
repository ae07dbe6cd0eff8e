// Handle values, duplicate/replace rights rules, close/close_many, lookup error order,
// ZX_INFO_HANDLE_BASIC, properties and the Swift-native Handle, through the public surface.
//
// Zircon counterpart: zircon/system/utest/core/handle-info, handle-dup, handle-close-many,
// object-info and property tests.

import Testing
import Zirconia

/// Runs `body` as a thread of a fresh process on a small kernel.
private func inProcess<T>(_ body: () throws -> T) throws -> T {
    let kernel = try Kernel(memorySize: 16 << 20)
    let process = try kernel.createProcess(name: "handle-test")
    return try process.run(body)
}

func basicInfo(_ handle: zx_handle_t) -> (zx_status_t, zx_info_handle_basic_t) {
    var info = zx_info_handle_basic_t()
    var actual = 0, avail = 0
    let status = zx_object_get_info(handle, ZX_INFO_HANDLE_BASIC, &info,
                                    MemoryLayout<zx_info_handle_basic_t>.size, &actual, &avail)
    return (status, info)
}

private func isValid(_ handle: zx_handle_t) -> Bool {
    var actual = 0, avail = 0
    return zx_object_get_info(handle, ZX_INFO_HANDLE_VALID, nil, 0, &actual, &avail) == ZX_OK
}

private func duplicate(_ handle: zx_handle_t, _ rights: zx_rights_t) -> (zx_status_t, zx_handle_t) {
    var out = ZX_HANDLE_INVALID
    let status = zx_handle_duplicate(handle, rights, &out)
    return (status, out)
}

@Suite struct HandleTests {
    @Test func valuesAreNonzeroWithFixedBitsAndNotReusedAcross10000Cycles() throws {
        let (values, badShape, failures) = try inProcess { () -> (Set<zx_handle_t>, Int, Int) in
            var values = Set<zx_handle_t>()
            var badShape = 0, failures = 0
            for _ in 0..<10_000 {
                let (status, h) = duplicate(zx_process_self(), ZX_RIGHT_SAME_RIGHTS)
                if status != ZX_OK { failures += 1; continue }
                if h == 0 || h & ZX_HANDLE_FIXED_BITS_MASK != ZX_HANDLE_FIXED_BITS_MASK { badShape += 1 }
                values.insert(h)
                if zx_handle_close(h) != ZX_OK { failures += 1 }
            }
            return (values, badShape, failures)
        }
        #expect(failures == 0)
        #expect(badShape == 0)
        #expect(values.count == 10_000)
    }

    @Test func closedAndForgedValuesAreBadHandles() throws {
        let statuses = try inProcess { () -> [zx_status_t] in
            let (_, h) = duplicate(zx_process_self(), ZX_RIGHT_SAME_RIGHTS)
            let first = zx_handle_close(h)
            let again = zx_handle_close(h)
            let forged = zx_handle_close(zx_process_self() ^ 0x10)
            let lowBitsClear = zx_handle_close(zx_process_self() & ~ZX_HANDLE_FIXED_BITS_MASK)
            let invalid = zx_handle_close(ZX_HANDLE_INVALID)
            return [first, again, forged, lowBitsClear, invalid]
        }
        #expect(statuses == [ZX_OK, ZX_ERR_BAD_HANDLE, ZX_ERR_BAD_HANDLE, ZX_ERR_BAD_HANDLE, ZX_OK])
    }

    @Test func duplicateRightsRules() throws {
        let r = try inProcess { () -> [String: zx_status_t] in
            var r: [String: zx_status_t] = [:]
            let self_ = zx_process_self()
            let (_, all) = basicInfo(self_)
            let (s1, same) = duplicate(self_, ZX_RIGHT_SAME_RIGHTS)
            r["same"] = s1
            r["sameRights"] = basicInfo(same).1.rights == all.rights ? ZX_OK : ZX_ERR_INTERNAL
            let subset = ZX_RIGHT_DUPLICATE | ZX_RIGHT_INSPECT
            let (s2, sub) = duplicate(self_, subset)
            r["subset"] = s2
            r["subsetRights"] = basicInfo(sub).1.rights == subset ? ZX_OK : ZX_ERR_INTERNAL
            r["superset"] = duplicate(sub, subset | ZX_RIGHT_WRITE).0
            let (_, noDup) = duplicate(self_, ZX_RIGHT_INSPECT)
            r["noDuplicateRight"] = duplicate(noDup, ZX_RIGHT_SAME_RIGHTS).0
            r["badHandle"] = duplicate(0x7fff_fff3, ZX_RIGHT_SAME_RIGHTS).0
            r["invalidHandle"] = duplicate(ZX_HANDLE_INVALID, ZX_RIGHT_SAME_RIGHTS).0
            for h in [same, sub, noDup] { _ = zx_handle_close(h) }
            return r
        }
        #expect(r["same"] == ZX_OK)
        #expect(r["sameRights"] == ZX_OK)
        #expect(r["subset"] == ZX_OK)
        #expect(r["subsetRights"] == ZX_OK)
        #expect(r["superset"] == ZX_ERR_INVALID_ARGS)
        #expect(r["noDuplicateRight"] == ZX_ERR_ACCESS_DENIED)
        #expect(r["badHandle"] == ZX_ERR_BAD_HANDLE)
        #expect(r["invalidHandle"] == ZX_ERR_BAD_HANDLE)
    }

    @Test func replaceConsumesTheOldHandle() throws {
        let r = try inProcess { () -> [String: zx_status_t] in
            var r: [String: zx_status_t] = [:]
            let (_, a) = duplicate(zx_process_self(), ZX_RIGHT_SAME_RIGHTS)
            var b = ZX_HANDLE_INVALID
            r["replace"] = zx_handle_replace(a, ZX_RIGHT_INSPECT | ZX_RIGHT_DUPLICATE, &b)
            r["oldGone"] = isValid(a) ? ZX_ERR_INTERNAL : ZX_OK
            r["newRights"] = basicInfo(b).1.rights == ZX_RIGHT_INSPECT | ZX_RIGHT_DUPLICATE ? ZX_OK : ZX_ERR_INTERNAL
            var c = ZX_HANDLE_INVALID
            r["superset"] = zx_handle_replace(b, ZX_RIGHT_WRITE, &c)
            r["consumedOnFailure"] = isValid(b) ? ZX_ERR_INTERNAL : ZX_OK
            r["outUntouched"] = c == ZX_HANDLE_INVALID ? ZX_OK : ZX_ERR_INTERNAL
            r["bad"] = zx_handle_replace(b, ZX_RIGHT_SAME_RIGHTS, &c)
            let (_, d) = duplicate(zx_process_self(), ZX_RIGHT_SAME_RIGHTS)
            var e = ZX_HANDLE_INVALID
            r["same"] = zx_handle_replace(d, ZX_RIGHT_SAME_RIGHTS, &e)
            r["sameRights"] = basicInfo(e).1.rights == basicInfo(zx_process_self()).1.rights ? ZX_OK : ZX_ERR_INTERNAL
            _ = zx_handle_close(e)
            return r
        }
        #expect(r["replace"] == ZX_OK)
        #expect(r["oldGone"] == ZX_OK)
        #expect(r["newRights"] == ZX_OK)
        #expect(r["superset"] == ZX_ERR_INVALID_ARGS)
        #expect(r["consumedOnFailure"] == ZX_OK)
        #expect(r["outUntouched"] == ZX_OK)
        #expect(r["bad"] == ZX_ERR_BAD_HANDLE)
        #expect(r["same"] == ZX_OK)
        #expect(r["sameRights"] == ZX_OK)
    }

    @Test func lookupErrorOrderIsBadHandleWrongTypeAccessDenied() throws {
        let r = try inProcess { () -> [zx_status_t] in
            var info = zx_info_process_t()
            var actual = 0, avail = 0
            func processInfo(_ h: zx_handle_t) -> zx_status_t {
                zx_object_get_info(h, ZX_INFO_PROCESS, &info, MemoryLayout<zx_info_process_t>.size,
                                   &actual, &avail)
            }
            // A thread handle with no rights at all: type is checked before rights.
            let (_, threadNoRights) = duplicate(zx_thread_self(), ZX_RIGHT_NONE)
            // A process handle without INSPECT.
            let (_, processNoInspect) = duplicate(zx_process_self(), ZX_RIGHT_DUPLICATE)
            let statuses = [processInfo(0x1234_5673), processInfo(threadNoRights),
                            processInfo(processNoInspect), processInfo(zx_process_self())]
            _ = zx_handle_close(threadNoRights)
            _ = zx_handle_close(processNoInspect)
            return statuses
        }
        #expect(r == [ZX_ERR_BAD_HANDLE, ZX_ERR_WRONG_TYPE, ZX_ERR_ACCESS_DENIED, ZX_OK])
    }

    @Test func closeManyClosesEveryValidHandle() throws {
        let r = try inProcess { () -> [String: zx_status_t] in
            var r: [String: zx_status_t] = [:]
            let a = duplicate(zx_process_self(), ZX_RIGHT_SAME_RIGHTS).1
            let b = duplicate(zx_process_self(), ZX_RIGHT_SAME_RIGHTS).1
            var list = [a, ZX_HANDLE_INVALID, b]
            r["withInvalid"] = zx_handle_close_many(&list, list.count)
            r["closed"] = !isValid(a) && !isValid(b) ? ZX_OK : ZX_ERR_INTERNAL
            let c = duplicate(zx_process_self(), ZX_RIGHT_SAME_RIGHTS).1
            let d = duplicate(zx_process_self(), ZX_RIGHT_SAME_RIGHTS).1
            var withBad = [c, 0x0bad_0003, d]
            r["withBad"] = zx_handle_close_many(&withBad, withBad.count)
            r["closedAnyway"] = !isValid(c) && !isValid(d) ? ZX_OK : ZX_ERR_INTERNAL
            let e = duplicate(zx_process_self(), ZX_RIGHT_SAME_RIGHTS).1
            var twice = [e, e]
            r["twice"] = zx_handle_close_many(&twice, twice.count)
            r["empty"] = zx_handle_close_many(nil, 0)
            r["nilWithCount"] = zx_handle_close_many(nil, 2)
            r["selfStillValid"] = isValid(zx_process_self()) ? ZX_OK : ZX_ERR_INTERNAL
            return r
        }
        #expect(r["withInvalid"] == ZX_OK)
        #expect(r["closed"] == ZX_OK)
        #expect(r["withBad"] == ZX_ERR_BAD_HANDLE)
        #expect(r["closedAnyway"] == ZX_OK)
        #expect(r["twice"] == ZX_ERR_BAD_HANDLE)
        #expect(r["empty"] == ZX_OK)
        #expect(r["nilWithCount"] == ZX_ERR_INVALID_ARGS)
        #expect(r["selfStillValid"] == ZX_OK)
    }

    @Test func handleBasicInfo() throws {
        let kernel = try Kernel(memorySize: 16 << 20)
        let process = try kernel.createProcess(name: "basic")
        let (proc, thread, vmar) = try process.run {
            (basicInfo(zx_process_self()), basicInfo(zx_thread_self()), basicInfo(zx_vmar_root_self()))
        }
        #expect(proc.0 == ZX_OK)
        #expect(proc.1.koid == process.koid)
        #expect(proc.1.rights == ZX_DEFAULT_PROCESS_RIGHTS)
        #expect(proc.1.type == ZX_OBJ_TYPE_PROCESS)
        #expect(proc.1.related_koid == 0)
        #expect(thread.0 == ZX_OK)
        #expect(thread.1.type == ZX_OBJ_TYPE_THREAD)
        #expect(thread.1.related_koid == process.koid)
        #expect(thread.1.rights == ZX_DEFAULT_THREAD_RIGHTS)
        #expect(vmar.0 == ZX_OK)
        #expect(vmar.1.type == ZX_OBJ_TYPE_VMAR)
        #expect(vmar.1.related_koid == 0)
        #expect(vmar.1.rights == ZX_DEFAULT_VMAR_RIGHTS | ZX_RIGHT_READ | ZX_RIGHT_WRITE | ZX_RIGHT_EXECUTE)
        let koids: Set = [proc.1.koid, thread.1.koid, vmar.1.koid]
        #expect(koids.count == 3)
        #expect(koids.allSatisfy { $0 >= ZX_KOID_FIRST })
    }

    @Test func getInfoBufferRules() throws {
        let r = try inProcess { () -> [String: (zx_status_t, Int, Int)] in
            var r: [String: (zx_status_t, Int, Int)] = [:]
            var info = zx_info_handle_basic_t()
            var actual = -1, avail = -1
            var s = zx_object_get_info(zx_process_self(), ZX_INFO_HANDLE_BASIC, &info, 4, &actual, &avail)
            r["small"] = (s, actual, avail)
            actual = -1; avail = -1
            s = zx_object_get_info(zx_process_self(), ZX_INFO_HANDLE_BASIC, nil,
                                   MemoryLayout<zx_info_handle_basic_t>.size, &actual, &avail)
            r["nil"] = (s, actual, avail)
            s = zx_object_get_info(zx_process_self(), ZX_INFO_HANDLE_BASIC, &info,
                                   MemoryLayout<zx_info_handle_basic_t>.size, &actual, &avail)
            r["ok"] = (s, actual, avail)
            actual = -1; avail = -1
            s = zx_object_get_info(zx_process_self(), 0x7777, &info,
                                   MemoryLayout<zx_info_handle_basic_t>.size, &actual, &avail)
            r["unknown"] = (s, actual, avail)
            s = zx_object_get_info(0x0bad_0003, ZX_INFO_HANDLE_BASIC, &info,
                                   MemoryLayout<zx_info_handle_basic_t>.size, &actual, &avail)
            r["bad"] = (s, actual, avail)
            s = zx_object_get_info(zx_process_self(), ZX_INFO_KMEM_STATS, &info, 8, &actual, &avail)
            r["kmemOnProcess"] = (s, actual, avail)
            return r
        }
        #expect(r["small"]! == (ZX_ERR_BUFFER_TOO_SMALL, 0, 1))
        #expect(r["nil"]!.0 == ZX_ERR_INVALID_ARGS)
        #expect(r["ok"]! == (ZX_OK, 1, 1))
        #expect(r["unknown"]! == (ZX_ERR_NOT_SUPPORTED, -1, -1))
        #expect(r["bad"]!.0 == ZX_ERR_BAD_HANDLE)
        #expect(r["kmemOnProcess"]!.0 == ZX_ERR_WRONG_TYPE)
    }

    @Test func nameProperty() throws {
        let kernel = try Kernel(memorySize: 16 << 20)
        let process = try kernel.createProcess(name: "first-name")
        let r = try process.run { () -> [String: zx_status_t] in
            var r: [String: zx_status_t] = [:]
            var buffer = [UInt8](repeating: 0xff, count: Int(ZX_MAX_NAME_LEN))
            r["get"] = zx_object_get_property(zx_process_self(), ZX_PROP_NAME, &buffer, buffer.count)
            r["initial"] = String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self) == "first-name"
                ? ZX_OK : ZX_ERR_INTERNAL
            r["small"] = zx_object_get_property(zx_process_self(), ZX_PROP_NAME, &buffer, buffer.count - 1)
            r["nilValue"] = zx_object_get_property(zx_process_self(), ZX_PROP_NAME, nil, 32)
            let long = Array("0123456789abcdefghijklmnopqrstuvwxyz".utf8)
            r["set"] = zx_object_set_property(zx_process_self(), ZX_PROP_NAME, long, long.count)
            _ = zx_object_get_property(zx_process_self(), ZX_PROP_NAME, &buffer, buffer.count)
            r["truncated"] = Array(buffer.prefix(31)) == Array(long.prefix(31)) && buffer[31] == 0
                ? ZX_OK : ZX_ERR_INTERNAL
            r["threadSet"] = zx_object_set_property(zx_thread_self(), ZX_PROP_NAME, long, 5)
            r["vmarSet"] = zx_object_set_property(zx_vmar_root_self(), ZX_PROP_NAME, long, 5)
            r["unknown"] = zx_object_get_property(zx_process_self(), 0x7777, &buffer, buffer.count)
            r["contentSizeOnProcess"] = zx_object_get_property(zx_process_self(), ZX_PROP_VMO_CONTENT_SIZE,
                                                               &buffer, 8)
            let (_, noProps) = duplicate(zx_process_self(), ZX_RIGHT_INSPECT)
            r["noGetRight"] = zx_object_get_property(noProps, ZX_PROP_NAME, &buffer, buffer.count)
            r["noSetRight"] = zx_object_set_property(noProps, ZX_PROP_NAME, long, 3)
            _ = zx_handle_close(noProps)
            return r
        }
        #expect(r["get"] == ZX_OK)
        #expect(r["initial"] == ZX_OK)
        #expect(r["small"] == ZX_ERR_BUFFER_TOO_SMALL)
        #expect(r["nilValue"] == ZX_ERR_INVALID_ARGS)
        #expect(r["set"] == ZX_OK)
        #expect(r["truncated"] == ZX_OK)
        #expect(process.name == "0123456789abcdefghijklmnopqrstu")
        #expect(r["threadSet"] == ZX_OK)
        #expect(r["vmarSet"] == ZX_ERR_ACCESS_DENIED)   // a VMAR handle has no SET_PROPERTY
        #expect(r["unknown"] == ZX_ERR_NOT_SUPPORTED)
        #expect(r["contentSizeOnProcess"] == ZX_ERR_WRONG_TYPE)
        #expect(r["noGetRight"] == ZX_ERR_ACCESS_DENIED)
        #expect(r["noSetRight"] == ZX_ERR_ACCESS_DENIED)
    }

    @Test func nativeHandleOwnsItsValue() throws {
        let kernel = try Kernel(memorySize: 16 << 20)
        let process = try kernel.createProcess(name: "native")
        let r = try process.run { () throws(ZxStatus) -> [String: Bool] in
            var r: [String: Bool] = [:]
            var raw = ZX_HANDLE_INVALID
            _ = zx_handle_duplicate(zx_process_self(), ZX_RIGHT_SAME_RIGHTS, &raw)
            let scopedValue: zx_handle_t
            do {
                let h = Handle(adopting: raw)
                scopedValue = h.value
                r["koid"] = try h.koid == process.koid
                let dup = try h.duplicate(rights: ZX_RIGHT_INSPECT | ZX_RIGHT_DUPLICATE)
                r["dupRights"] = try dup.rights == ZX_RIGHT_INSPECT | ZX_RIGHT_DUPLICATE
                let dupValue = dup.value
                let replaced = try dup.replace(rights: ZX_RIGHT_INSPECT)
                r["replaceConsumed"] = !isValid(dupValue)
                r["replacedRights"] = try replaced.rights == ZX_RIGHT_INSPECT
                do throws(ZxStatus) {
                    _ = try replaced.duplicate()
                    r["dupWithoutRight"] = false
                } catch {
                    r["dupWithoutRight"] = error == .accessDenied
                }
                let released = try h.duplicate().release()
                r["releasedStaysOpen"] = isValid(released)
                _ = zx_handle_close(released)
                let closing = try h.duplicate()
                let closingValue = closing.value
                closing.close()
                r["closeCloses"] = !isValid(closingValue)
                r["basicType"] = try h.basicInfo().type == ZX_OBJ_TYPE_PROCESS
            }
            r["deinitCloses"] = !isValid(scopedValue)
            return r
        }
        for (key, value) in r { #expect(value, "\(key)") }
        #expect(r.count == 9)
    }
}
