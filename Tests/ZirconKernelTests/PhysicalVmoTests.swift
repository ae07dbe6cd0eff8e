// zx_vmo_create_physical and zx_vmo_create_contiguous conformance: error order, info flags,
// committed bytes, children, sizes, cache-policy rules, and the PMM never paying for them.

import Testing
import Zirconia

@Suite struct PhysicalVmoTests {
    @Test func createPhysicalErrorOrder() throws {
        let kernel = try deviceKernel(TestDevice())
        let process = try kernel.createProcess(name: "bus")
        let root = try kernel.rootResource(for: process)
        let statuses = try process.run { () throws -> [zx_status_t] in
            var out = zx_handle_t(ZX_HANDLE_INVALID)
            var mmio = zx_handle_t(ZX_HANDLE_INVALID)
            _ = zx_resource_create(root, ZX_RSRC_KIND_MMIO, testDeviceBase, 0x1000, nil, 0, &mmio)
            var irq = zx_handle_t(ZX_HANDLE_INVALID)
            _ = zx_resource_create(root, ZX_RSRC_KIND_IRQ, 9, 1, nil, 0, &irq)
            let base = zx_paddr_t(testDeviceBase)
            return [
                zx_vmo_create_physical(0xdead, base, 0, &out),                  // size 0 before handle
                zx_vmo_create_physical(0xdead, base, 100, &out),                // unaligned size before handle
                zx_vmo_create_physical(0xdead, base, 4096, &out),               // BAD_HANDLE
                zx_vmo_create_physical(zx_vmar_root_self(), base, 4096, &out),  // WRONG_TYPE
                zx_vmo_create_physical(irq, base, 4096, &out),                  // WRONG_TYPE (kind)
                zx_vmo_create_physical(mmio, base + 4096, 4096, &out),          // OUT_OF_RANGE
                zx_vmo_create_physical(mmio, base + 0x10, 4096, &out),          // OUT_OF_RANGE (not covered)
                zx_vmo_create_physical(root, base + 0x10, 4096, &out),          // INVALID_ARGS (unaligned)
                zx_vmo_create_physical(root, zx_paddr_t(UInt.max - 4095), 8192, &out), // INVALID_ARGS (wraps)
                zx_vmo_create_physical(root, zx_paddr_t(MachineConfiguration.ramBase + (1 << 20)), 4096, &out), // ACCESS_DENIED (RAM)
                zx_vmo_create_physical(mmio, base, 4096, &out),                 // OK
            ]
        }
        let expected = [ZX_ERR_INVALID_ARGS, ZX_ERR_INVALID_ARGS, ZX_ERR_BAD_HANDLE, ZX_ERR_WRONG_TYPE,
                        ZX_ERR_WRONG_TYPE, ZX_ERR_OUT_OF_RANGE, ZX_ERR_OUT_OF_RANGE, ZX_ERR_INVALID_ARGS,
                        ZX_ERR_INVALID_ARGS, ZX_ERR_ACCESS_DENIED, ZX_OK]
        #expect(statuses.map { ZxStatus($0) } == expected.map { ZxStatus($0) })
    }

    @Test func physicalVmoProperties() throws {
        let kernel = try deviceKernel(TestDevice())
        let process = try kernel.createProcess(name: "bus")
        let root = try kernel.rootResource(for: process)
        let baseline = kernel.memoryStats
        let results = try process.run { () throws -> [String: Int64] in
            var r: [String: Int64] = [:]
            let vmo = try physicalVmo(root, testDeviceBase, 4096)
            let info = deviceVmoInfo(vmo)
            r["flags"] = Int64(info.flags)
            r["committed"] = Int64(info.committed_bytes)
            r["policy"] = Int64(info.cache_policy)
            r["size"] = Int64(info.size_bytes)
            var rights = zx_info_handle_basic_t()
            var actual = 0, avail = 0
            _ = zx_object_get_info(vmo, ZX_INFO_HANDLE_BASIC, &rights, MemoryLayout<zx_info_handle_basic_t>.size, &actual, &avail)
            r["exec"] = Int64(rights.rights & ZX_RIGHT_EXECUTE)
            var byte: UInt8 = 0
            r["read"] = Int64(zx_vmo_read(vmo, &byte, 0, 1))
            r["write"] = Int64(zx_vmo_write(vmo, &byte, 0, 1))
            r["commit"] = Int64(zx_vmo_op_range(vmo, ZX_VMO_OP_COMMIT, 0, 4096, nil, 0))
            r["decommit"] = Int64(zx_vmo_op_range(vmo, ZX_VMO_OP_DECOMMIT, 0, 4096, nil, 0))
            r["zero"] = Int64(zx_vmo_op_range(vmo, ZX_VMO_OP_ZERO, 0, 4096, nil, 0))
            r["cacheClean"] = Int64(zx_vmo_op_range(vmo, ZX_VMO_OP_CACHE_CLEAN, 0, 4096, nil, 0))
            r["setSize"] = Int64(zx_vmo_set_size(vmo, 8192))
            var child = zx_handle_t(ZX_HANDLE_INVALID)
            r["snapshot"] = Int64(zx_vmo_create_child(vmo, ZX_VMO_CHILD_SNAPSHOT, 0, 4096, &child))
            r["reference"] = Int64(zx_vmo_create_child(vmo, ZX_VMO_CHILD_REFERENCE, 0, 0, &child))
            r["slice"] = Int64(zx_vmo_create_child(vmo, ZX_VMO_CHILD_SLICE, 0, 4096, &child))
            r["sliceFlags"] = Int64(deviceVmoInfo(child).flags)
            r["slicePolicy"] = Int64(deviceVmoInfo(child).cache_policy)
            var contentSize: UInt64 = 99
            _ = zx_object_get_property(vmo, ZX_PROP_VMO_CONTENT_SIZE, &contentSize, 8)
            r["contentSize"] = Int64(contentSize)
            r["setContent"] = Int64(zx_object_set_property(vmo, ZX_PROP_VMO_CONTENT_SIZE, &contentSize, 8))
            _ = zx_handle_close(child)
            _ = zx_handle_close(vmo)
            return r
        }
        #expect(results["flags"] == Int64(ZX_INFO_VMO_TYPE_PHYSICAL | ZX_INFO_VMO_VIA_HANDLE))
        #expect(results["committed"] == 0)
        #expect(results["policy"] == Int64(ZX_CACHE_POLICY_UNCACHED))
        #expect(results["size"] == 4096)
        #expect(results["exec"] == Int64(ZX_RIGHT_EXECUTE))
        for key in ["read", "write", "commit", "decommit", "zero", "cacheClean", "snapshot", "reference", "setContent"] {
            #expect(results[key] == Int64(ZX_ERR_NOT_SUPPORTED), "\(key)")
        }
        #expect(results["setSize"] == Int64(ZX_ERR_UNAVAILABLE))
        #expect(results["slice"] == Int64(ZX_OK))
        #expect(results["sliceFlags"] == Int64(ZX_INFO_VMO_TYPE_PHYSICAL | ZX_INFO_VMO_VIA_HANDLE))
        #expect(results["slicePolicy"] == Int64(ZX_CACHE_POLICY_UNCACHED))
        #expect(results["contentSize"] == 0)
        #expect(kernel.memoryStats.freePages == baseline.freePages)
    }

    @Test func cachePolicyRules() throws {
        let kernel = try deviceKernel(TestDevice())
        let process = try kernel.createProcess(name: "bus")
        let root = try kernel.rootResource(for: process)
        let statuses = try process.run { () throws -> [zx_status_t] in
            let vmo = try physicalVmo(root, testDeviceBase, 4096)
            var s: [zx_status_t] = []
            s.append(zx_vmo_set_cache_policy(vmo, 4))                                   // INVALID_ARGS
            s.append(zx_vmo_set_cache_policy(vmo, ZX_CACHE_POLICY_UNCACHED_DEVICE))     // OK
            s.append(zx_vmo_set_cache_policy(vmo, ZX_CACHE_POLICY_CACHED))              // OK on x64
            let address = try mapRW(vmo, 4096)
            s.append(zx_vmo_set_cache_policy(vmo, ZX_CACHE_POLICY_CACHED))              // OK: same while mapped
            s.append(zx_vmo_set_cache_policy(vmo, ZX_CACHE_POLICY_UNCACHED))            // BAD_STATE: mapped
            s.append(zx_vmar_unmap(zx_vmar_root_self(), address, 4096))
            var slice = zx_handle_t(ZX_HANDLE_INVALID)
            s.append(zx_vmo_create_child(vmo, ZX_VMO_CHILD_SLICE, 0, 4096, &slice))
            s.append(zx_vmo_set_cache_policy(vmo, ZX_CACHE_POLICY_UNCACHED))            // BAD_STATE: children
            s.append(zx_vmo_set_cache_policy(slice, ZX_CACHE_POLICY_UNCACHED))          // BAD_STATE: parent
            s.append(zx_vmo_set_cache_policy(slice, ZX_CACHE_POLICY_CACHED))            // OK: same
            var noMap = zx_handle_t(ZX_HANDLE_INVALID)
            _ = zx_handle_duplicate(vmo, ZX_RIGHT_READ, &noMap)
            s.append(zx_vmo_set_cache_policy(noMap, ZX_CACHE_POLICY_CACHED))            // ACCESS_DENIED
            return s
        }
        #expect(statuses.map { ZxStatus($0) } == [ZX_ERR_INVALID_ARGS, ZX_OK, ZX_OK, ZX_OK, ZX_ERR_BAD_STATE, ZX_OK,
                                                   ZX_OK, ZX_ERR_BAD_STATE, ZX_ERR_BAD_STATE, ZX_OK,
                                                   ZX_ERR_ACCESS_DENIED].map { ZxStatus($0) })
    }

    @Test func profilesDecideCachedDeviceMemoryAndAttributes() throws {
        for profile in [MachineProfile.x64, .arm64] {
            let kernel = try deviceKernel(TestDevice(), profile: profile)
            let process = try kernel.createProcess(name: "bus")
            let root = try kernel.rootResource(for: process)
            let (cached, address, ramCached) = try process.run { () throws -> (zx_status_t, zx_vaddr_t, zx_status_t) in
                let vmo = try physicalVmo(root, testDeviceBase, 4096)
                let status = zx_vmo_set_cache_policy(vmo, ZX_CACHE_POLICY_CACHED)
                _ = zx_vmo_set_cache_policy(vmo, ZX_CACHE_POLICY_UNCACHED)
                let address = try mapRW(vmo, 4096, options: ZX_VM_MAP_RANGE)
                let ram = try physicalVmo(root, kernel.reservedMemory?.base ?? 0, 4096)
                return (status, address, zx_vmo_set_cache_policy(ram, ZX_CACHE_POLICY_CACHED))
            }
            let entry = process.addressSpace.arch.rawEntry(VirtualAddress(address)) ?? 0
            #expect(cached == (profile == .x64 ? ZX_OK : ZX_ERR_NOT_SUPPORTED))
            #expect(ramCached == ZX_OK)
            #expect(CacheAttributes.x86PatIndex(ofEntry: entry) == 3)   // UC in the page tables
            #expect(profile.defaultPhysicalCachePolicy == ZX_CACHE_POLICY_UNCACHED)
            if profile == .arm64 {
                #expect(profile.arm64Attribute(forCachePolicy: ZX_CACHE_POLICY_UNCACHED) == .deviceNGnRnE)
                #expect(profile.arm64Attribute(forCachePolicy: ZX_CACHE_POLICY_UNCACHED_DEVICE) == .deviceNGnRE)
                #expect(profile.arm64Attribute(forCachePolicy: ZX_CACHE_POLICY_CACHED)?.mair == 0xFF)
                #expect(profile.arm64Attribute(forCachePolicy: ZX_CACHE_POLICY_WRITE_COMBINING)?.index == 3)
            } else {
                #expect(profile.arm64Attribute(forCachePolicy: 0) == nil)
            }
        }
        #expect(CacheAttributes.x86PatIndex(forCachePolicy: ZX_CACHE_POLICY_CACHED) == 0)
        #expect(CacheAttributes.x86PatIndex(forCachePolicy: ZX_CACHE_POLICY_WRITE_COMBINING) == 7)
    }

    @Test func contiguousVmos() throws {
        let kernel = try deviceKernel(TestDevice())
        let process = try kernel.createProcess(name: "bus")
        let root = try kernel.rootResource(for: process)
        let baseline = kernel.memoryStats.freePages
        let r = try process.run { () throws -> [zx_status_t] in
            var out = zx_handle_t(ZX_HANDLE_INVALID)
            var s: [zx_status_t] = [
                zx_vmo_create_contiguous(root, 0, 0, &out),                        // INVALID_ARGS
                zx_vmo_create_contiguous(root, 100, 0, &out),                      // INVALID_ARGS
                zx_vmo_create_contiguous(root, 4096, 11, &out),                    // INVALID_ARGS
                zx_vmo_create_contiguous(root, 4096, 64, &out),                    // INVALID_ARGS
                zx_vmo_create_contiguous(0xdead, 4096, 0, &out),                   // BAD_HANDLE
                zx_vmo_create_contiguous(zx_vmar_root_self(), 4096, 0, &out),      // WRONG_TYPE
                zx_vmo_create_contiguous(root, 64 << 20, 0, &out),                 // NO_MEMORY
                zx_vmo_create_contiguous(root, 4 * 4096, 16, &out),                // OK
            ]
            let info = deviceVmoInfo(out)
            s.append(info.flags == ZX_INFO_VMO_TYPE_PAGED | ZX_INFO_VMO_CONTIGUOUS | ZX_INFO_VMO_VIA_HANDLE ? ZX_OK : ZX_ERR_INTERNAL)
            s.append(info.committed_bytes == 4 * 4096 ? ZX_OK : ZX_ERR_INTERNAL)
            var child = zx_handle_t(ZX_HANDLE_INVALID)
            s.append(zx_vmo_create_child(out, ZX_VMO_CHILD_SNAPSHOT, 0, 4096, &child))   // INVALID_ARGS
            s.append(zx_vmo_set_size(out, 8 * 4096))                                      // UNAVAILABLE
            s.append(zx_vmo_op_range(out, ZX_VMO_OP_CACHE_CLEAN_INVALIDATE, 0x10, 0x20, nil, 0)) // OK, logged
            _ = zx_handle_close(out)
            return s
        }
        #expect(r.map { ZxStatus($0) } == [ZX_ERR_INVALID_ARGS, ZX_ERR_INVALID_ARGS, ZX_ERR_INVALID_ARGS,
                                            ZX_ERR_INVALID_ARGS, ZX_ERR_BAD_HANDLE, ZX_ERR_WRONG_TYPE,
                                            ZX_ERR_NO_MEMORY, ZX_OK, ZX_OK, ZX_OK, ZX_ERR_INVALID_ARGS,
                                            ZX_ERR_UNAVAILABLE, ZX_OK].map { ZxStatus($0) })
        #expect(kernel.cacheOperations.map(\.op) == [ZX_VMO_OP_CACHE_CLEAN_INVALIDATE])
        #expect(kernel.cacheOperations.first?.size == 0x20)
        #expect(kernel.memoryStats.freePages == baseline)
    }
}
