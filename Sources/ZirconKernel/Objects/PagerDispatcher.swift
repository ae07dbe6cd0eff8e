// PagerDispatcher: the kernel object behind zx_pager_create. It creates pager-backed VMOs, each
// linked to a port and key where its page requests arrive as ZX_PKT_TYPE_PAGE_REQUEST packets,
// and detaches every one of them (without ZX_PAGER_VMO_COMPLETE) when its last handle closes.
//
// Zircon counterpart: zircon/kernel/object/pager_dispatcher.cc and vm/pager_proxy.cc (the
// packets, the COMPLETE-last rule, what closing the pager does).

import KernelContainers
import Synchronization
import VM
import ZX

final class PagerDispatcher: KernelObject, @unchecked Sendable {
    override var objectType: zx_obj_type_t { ZX_OBJ_TYPE_PAGER }
    override var defaultRights: zx_rights_t { ZX_DEFAULT_PAGER_RIGHTS }

    /// Guards `vmos` and `closed`. Never held while calling into the VM.
    private let lock = KernelLock()
    private var vmos: [WeakVmo] = []
    private var closed = false

    private struct WeakVmo {
        weak var vmo: VmObjectPaged?
    }

    /// zx_pager_create_vmo after the syscall's checks.
    func createVmo(pmm: PMM, size: UInt64, resizable: Bool, trapDirty: Bool, port: PortDispatcher,
                   key: UInt64) throws(ZxStatus) -> VmObjectPaged {
        let link = PagerPortLink(pager: self, port: port, key: key)
        let vmo = try VmObjectPaged.createPagerBacked(pmm: pmm, size: size, resizable: resizable,
                                                      trapDirty: trapDirty, sink: link)
        let detachNow: Bool = lock.withLock {
            vmos.removeAll { $0.vmo == nil }
            vmos.append(WeakVmo(vmo: vmo))
            return closed
        }
        if detachNow { vmo.detachPageSource(pagerClosed: true) }
        return vmo
    }

    /// True if `vmo` was created by this pager.
    func owns(_ vmo: VmObjectPaged) -> Bool {
        guard let link = vmo.pageRequestSink as? PagerPortLink else { return false }
        return link.pager === self
    }

    /// The pager's last handle closed: every VMO it serves is detached, and no COMPLETE packet
    /// is sent (reference §5.3). Pages already present stay readable.
    override func onZeroHandles() {
        let live: [VmObjectPaged] = lock.withLock {
            closed = true
            defer { vmos = [] }
            return vmos.compactMap(\.vmo)
        }
        for vmo in live {
            (vmo.pageRequestSink as? PagerPortLink)?.pagerClosed.store(true, ordering: .releasing)
            vmo.detachPageSource(pagerClosed: true)
        }
    }
}

/// The sink of one pager-backed VMO: queues its requests on the pager's port with its key.
/// Called with the VMO's hierarchy lock held; the port lock is a leaf below it.
final class PagerPortLink: PageRequestSink, @unchecked Sendable {
    /// Identity only (ownership checks); never dereferenced for anything else.
    unowned(unsafe) let pager: PagerDispatcher
    let port: PortDispatcher
    let key: UInt64
    /// Set when the pager's last handle closed: COMPLETE is then never sent.
    let pagerClosed = Atomic<Bool>(false)

    init(pager: PagerDispatcher, port: PortDispatcher, key: UInt64) {
        self.pager = pager
        self.port = port
        self.key = key
    }

    func send(_ command: PageRequestCommand, offset: UInt64, length: UInt64) {
        if command == .complete && pagerClosed.load(ordering: .acquiring) { return }
        _ = port.queueKernelPacket(packet(command, offset: offset, length: length))
    }

    func withdraw(_ command: PageRequestCommand, offset: UInt64, length: UInt64) {
        let wanted = packet(command, offset: offset, length: length)
        port.removeKernelPackets { queued in
            queued.key == wanted.key && queued.type == ZX_PKT_TYPE_PAGE_REQUEST
                && queued.page_request.command == wanted.page_request.command
                && queued.page_request.offset == offset && queued.page_request.length == length
        }
    }

    private func packet(_ command: PageRequestCommand, offset: UInt64, length: UInt64) -> zx_port_packet_t {
        var request = zx_packet_page_request_t()
        switch command {
        case .read: request.command = ZX_PAGER_VMO_READ
        case .dirty: request.command = ZX_PAGER_VMO_DIRTY
        case .complete: request.command = ZX_PAGER_VMO_COMPLETE
        }
        request.offset = offset
        request.length = length
        return zx_port_packet_t(key: key, type: ZX_PKT_TYPE_PAGE_REQUEST, status: ZX_OK, page_request: request)
    }
}
