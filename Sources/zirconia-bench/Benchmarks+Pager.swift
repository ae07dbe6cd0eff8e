// The user pager round trip: a thread touches a page of a mapped pager-backed VMO that is not
// there, the kernel queues a ZX_PAGER_VMO_READ packet, a pager thread reads it from its port,
// fills an auxiliary VMO's page and supplies it, and the toucher resumes. The host side is Linux
// userfaultfd doing exactly that (read the event, UFFDIO_COPY a page) on an anonymous mapping.

#if canImport(Glibc)
import Glibc
#endif
import CHostSupport
import Zirconia

// MARK: 9. Pager round trip vs userfaultfd

func benchPagerRoundTrip(_ kernel: Kernel, rounds: Int) throws -> Row {
    let pages = 1024
    let process = try kernel.createProcess(name: "bench-pager")
    let ours = try median(rounds: rounds) { () throws -> (UInt64, Int) in
        let (pager, port, vmo, address) = try process.run { () throws -> (zx_handle_t, zx_handle_t, zx_handle_t, zx_vaddr_t) in
            var pager = zx_handle_t(ZX_HANDLE_INVALID), port = zx_handle_t(ZX_HANDLE_INVALID)
            var vmo = zx_handle_t(ZX_HANDLE_INVALID)
            try check(zx_pager_create(0, &pager), "pager_create")
            try check(zx_port_create(0, &port), "port_create")
            try check(zx_pager_create_vmo(pager, 0, port, 1, UInt64(pages * pageSize), &vmo), "pager_create_vmo")
            var address: zx_vaddr_t = 0
            try check(zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ, 0, vmo, 0, pages * pageSize, &address), "map")
            return (pager, port, vmo, address)
        }
        let server = try process.startThread(name: "pager") {
            var aux = zx_handle_t(ZX_HANDLE_INVALID)
            guard zx_vmo_create(UInt64(pageSize), 0, &aux) == ZX_OK else { return }
            defer { _ = zx_handle_close(aux) }
            var source = [UInt8](repeating: 0x5a, count: pageSize)
            var packet = zx_port_packet_t()
            while zx_port_wait(port, ZX_TIME_INFINITE, &packet) == ZX_OK, packet.type == ZX_PKT_TYPE_PAGE_REQUEST,
                  packet.page_request.command == ZX_PAGER_VMO_READ {
                var offset = packet.page_request.offset
                while offset < packet.page_request.offset + packet.page_request.length {
                    _ = zx_vmo_write(aux, &source, 0, pageSize)
                    _ = zx_pager_supply_pages(pager, vmo, offset, UInt64(pageSize), aux, 0)
                    offset += UInt64(pageSize)
                }
            }
        }
        let elapsed = try process.run { () throws -> UInt64 in
            guard let memory = UserMemory.currentContext() else { throw BenchError.failed("context", ZX_ERR_BAD_STATE) }
            let start = now()
            for page in 0..<pages { _ = try memory.load(UInt8.self, from: address + UInt(page * pageSize)) }
            let elapsed = now() - start
            var stop = zx_port_packet_t(key: 0, type: ZX_PKT_TYPE_USER, status: ZX_OK)
            try check(zx_port_queue(port, &stop), "stop")
            return elapsed
        }
        try server.join()
        try process.run {
            _ = zx_vmar_unmap(zx_vmar_root_self(), address, pages * pageSize)
            for handle in [vmo, pager, port] { _ = zx_handle_close(handle) }
        }
        return (elapsed, pages)
    }
    var unavailable: Int32 = 0
    let host = median(rounds: rounds) { () -> (UInt64, Int) in
        var elapsed: UInt64 = 0
        let status = zirconia_userfaultfd_roundtrips(Int32(pages), &elapsed)
        if status != 0 { unavailable = -status }
        return (elapsed, pages)
    }
    let hostName = unavailable == 0 ? "userfaultfd: read event + UFFDIO_COPY"
        : "userfaultfd unavailable here (errno \(unavailable)); no comparison"
    return Row(name: "pager round trip (fault, packet, supply)", zirconia: ours,
               host: unavailable == 0 ? host : .nan, hostName: hostName, goal: 1)
}
