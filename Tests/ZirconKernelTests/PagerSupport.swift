// Test support for the user pager: creating a pager, its port and a pager-backed VMO, reading
// page-request packets, and a serving loop that supplies a deterministic pattern (page `p` holds
// the 32-bit value `pagerTag(p)` at its start) or fails chosen pages.

import Synchronization
import Testing
import Zirconia

/// The value a served page `page` starts with.
func pagerTag(_ page: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: page &* 7 &+ 1) }

/// A pager, its port and one pager-backed VMO, all in the calling process (call in `run`).
struct PagerSetup {
    var pager = ZX_HANDLE_INVALID
    var port = ZX_HANDLE_INVALID
    var vmo = ZX_HANDLE_INVALID

    init(_ checks: VmoChecks, pages: Int, options: UInt32 = 0, key: UInt64 = 42,
         sourceLocation: SourceLocation = #_sourceLocation) {
        checks.ok(zx_pager_create(0, &pager), "pager", sourceLocation: sourceLocation)
        checks.ok(zx_port_create(0, &port), "port", sourceLocation: sourceLocation)
        checks.ok(zx_pager_create_vmo(pager, options, port, key, UInt64(pages) * vmoPage, &vmo), "pager vmo",
                  sourceLocation: sourceLocation)
    }

    func close() {
        _ = zx_handle_close(vmo)
        _ = zx_handle_close(pager)
        _ = zx_handle_close(port)
    }
}

/// The next packet on `port`, or nil if none arrives before `deadline` (0: only if queued now).
func pagerPacket(_ port: zx_handle_t, deadline: zx_time_t = 0) -> zx_port_packet_t? {
    var packet = zx_port_packet_t()
    return zx_port_wait(port, deadline, &packet) == ZX_OK ? packet : nil
}

/// Supplies [offset, offset+length) of `vmo` with the tag pattern through a fresh aux VMO.
@discardableResult
func pagerSupply(_ pager: zx_handle_t, _ vmo: zx_handle_t, _ offset: UInt64, _ length: UInt64) -> zx_status_t {
    var aux = ZX_HANDLE_INVALID
    guard zx_vmo_create(length, 0, &aux) == ZX_OK else { return ZX_ERR_NO_MEMORY }
    defer { _ = zx_handle_close(aux) }
    var position: UInt64 = 0
    while position < length {
        var tag = pagerTag((offset + position) / vmoPage)
        _ = zx_vmo_write(aux, &tag, position, 4)
        position += vmoPage
    }
    return zx_pager_supply_pages(pager, vmo, offset, length, aux, 0)
}

/// Counters a serving loop keeps.
final class PagerServeStats: Sendable {
    let reads = Atomic<Int>(0)
    let pagesRequested = Atomic<Int>(0)
    let failed = Atomic<Int>(0)
    let completes = Atomic<Int>(0)
}

/// Serves `port` until a COMPLETE packet (or a user packet, the stop signal) arrives: READ
/// requests are supplied with the tag pattern, except pages for which `shouldFail` holds, which
/// are failed with ZX_ERR_IO. DIRTY requests are acknowledged.
func pagerServe(_ pager: zx_handle_t, _ port: zx_handle_t, _ vmo: zx_handle_t, stats: PagerServeStats,
                shouldFail: (UInt64) -> Bool = { _ in false }) {
    while let packet = pagerPacket(port, deadline: ZX_TIME_INFINITE) {
        guard packet.type == ZX_PKT_TYPE_PAGE_REQUEST else { return }
        let request = packet.page_request
        switch request.command {
        case ZX_PAGER_VMO_READ:
            stats.reads.add(1, ordering: .relaxed)
            stats.pagesRequested.add(Int(request.length / vmoPage), ordering: .relaxed)
            var position = request.offset
            while position < request.offset + request.length {
                if shouldFail(position / vmoPage) {
                    stats.failed.add(1, ordering: .relaxed)
                    _ = zx_pager_op_range(pager, ZX_PAGER_OP_FAIL, vmo, position, vmoPage,
                                          UInt64(bitPattern: Int64(ZX_ERR_IO)))
                } else {
                    pagerSupply(pager, vmo, position, vmoPage)
                }
                position += vmoPage
            }
        case ZX_PAGER_VMO_DIRTY:
            _ = zx_pager_op_range(pager, ZX_PAGER_OP_DIRTY, vmo, request.offset, request.length, 0)
        default:
            stats.completes.add(1, ordering: .relaxed)
            return
        }
    }
}

/// Queues the user packet that ends a `pagerServe` loop.
func pagerStopServing(_ port: zx_handle_t) {
    var packet = zx_port_packet_t(key: 0, type: ZX_PKT_TYPE_USER, status: ZX_OK)
    _ = zx_port_queue(port, &packet)
}
