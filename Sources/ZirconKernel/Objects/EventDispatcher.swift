// EventDispatcher (zx_event_create) and EventPairDispatcher (zx_eventpair_create): objects whose
// only state is their signals; the two ends of a pair signal each other and assert
// ZX_EVENTPAIR_PEER_CLOSED when the other's last handle closes. Also the peered-object plumbing
// (PeerHolder, PeeredObject) channels share.
//
// Zircon counterpart: zircon/kernel/object/event_dispatcher.cc, event_pair_dispatcher.cc and
// include/object/dispatcher.h (PeerHolder, PeeredDispatcher::user_signal_peer).

import KernelContainers
import ZX

/// The lock the two ends of a peered object share (Zircon's `PeerHolder`): one lock per pair
/// guards both ends' peer links and queues.
final class PeerHolder: Sendable {
    let lock = KernelLock()
}

/// An object with a peer (channel or event pair end): the target of `zx_object_signal_peer`.
protocol PeeredObject: KernelObject {
    /// `zx_object_signal_peer` after the handle checks.
    /// - Throws: `.invalidArgs` (bits outside the allowed user signals), `.peerClosed`.
    func signalPeer(clear: zx_signals_t, set: zx_signals_t) throws(ZxStatus)
}

final class EventDispatcher: KernelObject, @unchecked Sendable {
    override var objectType: zx_obj_type_t { ZX_OBJ_TYPE_EVENT }
    override var defaultRights: zx_rights_t { ZX_DEFAULT_EVENT_RIGHTS }
}

final class EventPairDispatcher: KernelObject, PeeredObject, @unchecked Sendable {
    let holder: PeerHolder
    let peerKoid: zx_koid_t
    /// The other end until its last handle closes. Guarded by `holder.lock`.
    private var peer: EventPairDispatcher?

    private init(holder: PeerHolder, koid: zx_koid_t, peerKoid: zx_koid_t) {
        self.holder = holder
        self.peerKoid = peerKoid
        super.init(koid: koid)
    }

    /// Two connected ends.
    static func makePair(kernel: Kernel) -> (EventPairDispatcher, EventPairDispatcher) {
        let holder = PeerHolder()
        let koid0 = kernel.allocateKoid(), koid1 = kernel.allocateKoid()
        let end0 = EventPairDispatcher(holder: holder, koid: koid0, peerKoid: koid1)
        let end1 = EventPairDispatcher(holder: holder, koid: koid1, peerKoid: koid0)
        holder.lock.withLock {
            end0.peer = end1
            end1.peer = end0
        }
        return (end0, end1)
    }

    override var objectType: zx_obj_type_t { ZX_OBJ_TYPE_EVENTPAIR }
    override var defaultRights: zx_rights_t { ZX_DEFAULT_EVENTPAIR_RIGHTS }
    override var relatedKoid: zx_koid_t { peerKoid }

    func signalPeer(clear: zx_signals_t, set: zx_signals_t) throws(ZxStatus) {
        let allowed = ZX_USER_SIGNAL_ALL | ZX_EVENTPAIR_SIGNALED
        guard (clear | set) & ~allowed == 0 else { throw .invalidArgs }
        try holder.lock.withLock { () throws(ZxStatus) in
            guard let peer else { throw .peerClosed }
            peer.updateSignals(set: set, clear: clear)
        }
    }

    override func onZeroHandles() {
        holder.lock.withLock {
            guard let other = peer else { return }
            peer = nil
            other.peer = nil
            other.updateSignals(set: ZX_EVENTPAIR_PEER_CLOSED)
        }
    }
}
