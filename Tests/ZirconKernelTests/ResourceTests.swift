// zx_resource_create conformance: rights and kind checks in Zircon's order, sub-division of
// ranges, exclusive reservations, the root-resource filter over RAM, names, ZX_INFO_RESOURCE.

import Testing
import Zirconia

@Suite struct ResourceTests {
    func create(_ parent: zx_handle_t, _ options: UInt32, _ base: UInt64, _ size: Int,
                name: String = "") -> (zx_status_t, zx_handle_t) {
        var out = zx_handle_t(ZX_HANDLE_INVALID)
        let status = name.withCString { zx_resource_create(parent, options, base, size, $0, name.utf8.count, &out) }
        return (status, out)
    }

    @Test func createSubdivideAndErrorOrder() throws {
        let kernel = try deviceKernel(TestDevice())
        let process = try kernel.createProcess(name: "bus")
        let root = try kernel.rootResource(for: process)
        let statuses = try process.run { () throws -> [zx_status_t] in
            var s: [zx_status_t] = []
            let (st, mmio) = create(root, ZX_RSRC_KIND_MMIO, testDeviceBase, 0x2000, name: "bus-window")
            s.append(st)                                                             // 0 OK
            s.append(create(0xdead, ZX_RSRC_KIND_MMIO, testDeviceBase, 0x1000).0)   // 1 BAD_HANDLE
            s.append(create(zx_vmar_root_self(), ZX_RSRC_KIND_MMIO, 0, 1).0)        // 2 WRONG_TYPE
            var readOnly = zx_handle_t(ZX_HANDLE_INVALID)
            _ = zx_handle_duplicate(mmio, ZX_RIGHT_TRANSFER | ZX_RIGHT_DUPLICATE, &readOnly)
            s.append(create(readOnly, ZX_RSRC_KIND_MMIO, testDeviceBase, 0x1000).0) // 3 ACCESS_DENIED (no WRITE)
            s.append(create(root, 99, 0, 1).0)                                       // 4 INVALID_ARGS kind
            s.append(create(root, ZX_RSRC_KIND_MMIO | 0x2_0000, 0, 1).0)            // 5 INVALID_ARGS flag
            // A sub-resource of the MMIO resource: inside (page-rounded) OK, outside or another
            // kind ACCESS_DENIED.
            let (inside, child) = create(mmio, ZX_RSRC_KIND_MMIO, testDeviceBase + 0x1000, 0x800)
            s.append(inside)                                                         // 6 OK
            s.append(create(mmio, ZX_RSRC_KIND_MMIO, testDeviceBase + 0x1000, 0x2000).0) // 7 ACCESS_DENIED
            s.append(create(mmio, ZX_RSRC_KIND_IRQ, 5, 1).0)                         // 8 ACCESS_DENIED
            s.append(create(mmio, ZX_RSRC_KIND_MMIO | ZX_RSRC_FLAG_EXCLUSIVE, testDeviceBase, 0x1000).0) // 9 INVALID_ARGS
            // ROOT kind: base and size must be 0.
            s.append(create(root, ZX_RSRC_KIND_ROOT, 0, 0).0)                        // 10 OK
            s.append(create(root, ZX_RSRC_KIND_ROOT, 1, 0).0)                        // 11 INVALID_ARGS
            // The root filter: PMM-managed RAM is off limits; reserved RAM is not.
            s.append(create(root, ZX_RSRC_KIND_MMIO, MachineConfiguration.ramBase + 0x10_0000, 0x1000).0) // 12 ACCESS_DENIED
            s.append(create(root, ZX_RSRC_KIND_MMIO, 0, 0).0)                        // 13 INVALID_ARGS (empty)
            // Names and ZX_INFO_RESOURCE.
            var info = zx_info_resource_t()
            var actual = 0
            var avail = 0
            s.append(zx_object_get_info(mmio, ZX_INFO_RESOURCE, &info, MemoryLayout<zx_info_resource_t>.size, &actual, &avail)) // 14
            s.append(info.kind == ZX_RSRC_KIND_MMIO && info.base == testDeviceBase && info.size == 0x2000
                     && info.nameString == "bus-window" ? ZX_OK : ZX_ERR_INTERNAL)    // 15
            var basic = zx_info_handle_basic_t()
            _ = zx_object_get_info(child, ZX_INFO_HANDLE_BASIC, &basic, MemoryLayout<zx_info_handle_basic_t>.size, &actual, &avail)
            s.append(basic.rights == ZX_DEFAULT_RESOURCE_RIGHTS && basic.type == ZX_OBJ_TYPE_RESOURCE ? ZX_OK : ZX_ERR_INTERNAL) // 16
            return s
        }
        let expected: [zx_status_t] = [ZX_OK, ZX_ERR_BAD_HANDLE, ZX_ERR_WRONG_TYPE, ZX_ERR_ACCESS_DENIED,
                                       ZX_ERR_INVALID_ARGS, ZX_ERR_INVALID_ARGS, ZX_OK, ZX_ERR_ACCESS_DENIED,
                                       ZX_ERR_ACCESS_DENIED, ZX_ERR_INVALID_ARGS, ZX_OK, ZX_ERR_INVALID_ARGS,
                                       ZX_ERR_ACCESS_DENIED, ZX_ERR_INVALID_ARGS, ZX_OK, ZX_OK, ZX_OK]
        #expect(statuses.map { ZxStatus($0) } == expected.map { ZxStatus($0) })
    }

    @Test func exclusiveReservations() throws {
        let kernel = try deviceKernel(TestDevice())
        let process = try kernel.createProcess(name: "bus")
        let root = try kernel.rootResource(for: process)
        let exclusive = ZX_RSRC_KIND_MMIO | ZX_RSRC_FLAG_EXCLUSIVE
        let statuses = try process.run { () throws -> [zx_status_t] in
            var s: [zx_status_t] = []
            let (a, shared) = create(root, ZX_RSRC_KIND_MMIO, 0xF000_0000, 0x2000)
            s.append(a)                                                        // OK shared
            s.append(create(root, exclusive, 0xF000_1000, 0x1000).0)           // NOT_FOUND: overlaps shared
            s.append(create(root, ZX_RSRC_KIND_MMIO, 0xF000_0000, 0x1000).0)   // OK: shared overlaps shared
            let (b, held) = create(root, exclusive, 0xF100_0000, 0x1000)
            s.append(b)                                                        // OK exclusive
            s.append(create(root, ZX_RSRC_KIND_MMIO, 0xF100_0800, 0x10).0)     // NOT_FOUND: inside exclusive
            s.append(create(root, exclusive, 0xF100_0000, 0x1000).0)           // NOT_FOUND
            s.append(create(root, ZX_RSRC_KIND_IRQ | ZX_RSRC_FLAG_EXCLUSIVE, 0xF100_0000 & 0xFFFF, 1).0) // OK: other kind
            s.append(zx_handle_close(held))
            s.append(create(root, exclusive, 0xF100_0000, 0x1000).0)           // OK once released
            s.append(zx_handle_close(shared))
            return s
        }
        #expect(statuses.map { ZxStatus($0) } == [ZX_OK, ZX_ERR_NOT_FOUND, ZX_OK, ZX_OK, ZX_ERR_NOT_FOUND,
                                                   ZX_ERR_NOT_FOUND, ZX_OK, ZX_OK, ZX_OK, ZX_OK].map { ZxStatus($0) })
    }
}
