// ChannelDispatcher: one end of a channel — a FIFO of messages (bytes + handles) written by the
// peer, READABLE/WRITABLE/PEER_CLOSED signals, and the zx_channel_call waiters matched by txid.
//
// Zircon counterpart: zircon/kernel/object/channel_dispatcher.cc (Read, Write, WriteSelf, Call,
// TryWriteToMessageWaiter, OnPeerZeroHandlesLocked) and message_packet.cc.

import KernelContainers
import ZX

/// A message in flight: its bytes and the handles it carries (out of every handle table while
/// queued; they close if the message is dropped).
struct MessagePacket: Sendable {
    var bytes: [UInt8]
    var handles: [HandleEntry]

    /// The transaction id: the first four bytes (0 for shorter messages).
    var txid: zx_txid_t {
        bytes.count >= MemoryLayout<zx_txid_t>.size
            ? bytes.withUnsafeBytes { $0.loadUnaligned(as: zx_txid_t.self) } : 0
    }

    mutating func setTxid(_ txid: zx_txid_t) {
        guard bytes.count >= MemoryLayout<zx_txid_t>.size else { return }
        bytes.withUnsafeMutableBytes { $0.storeBytes(of: txid, as: zx_txid_t.self) }
    }
}

/// One end of a channel.
///
/// Lock domain: `holder.lock`, shared by both ends, guards `peer`, `messages`, `peerHasClosed`,
/// `callWaiters` and `nextTxid` of both. Signal updates are made with it held (lock order:
/// channel pair → object state → port / waiter), so READABLE always matches the queue. Messages
/// that must be destroyed (their handles closed) are only released after the lock is dropped.
final class ChannelDispatcher: KernelObject, PeeredObject, @unchecked Sendable {
    /// Kernel-generated call txids have the top bit set; user txids must not.
    static let minKernelTxid: zx_txid_t = 0x8000_0000

    /// A thread blocked in `call` for the reply with `txid`.
    final class CallWaiter: @unchecked Sendable {
        let event = WaitEvent()
        var txid: zx_txid_t = 0
        /// Set (under the pair lock) before `event` is signaled.
        var reply: MessagePacket?
        var status: ZxStatus?
    }

    let holder: PeerHolder
    let peerKoid: zx_koid_t

    private var peer: ChannelDispatcher?
    private var messages = FifoQueue<MessagePacket>()
    private var peerHasClosed = false
    private var callWaiters: [CallWaiter] = []
    private var nextTxid: zx_txid_t = 0

    private init(holder: PeerHolder, koid: zx_koid_t, peerKoid: zx_koid_t) {
        self.holder = holder
        self.peerKoid = peerKoid
        super.init(koid: koid)
        updateSignals(set: ZX_CHANNEL_WRITABLE)
    }

    /// Two connected ends, both WRITABLE.
    static func makePair(kernel: Kernel) -> (ChannelDispatcher, ChannelDispatcher) {
        let holder = PeerHolder()
        let koid0 = kernel.allocateKoid(), koid1 = kernel.allocateKoid()
        let end0 = ChannelDispatcher(holder: holder, koid: koid0, peerKoid: koid1)
        let end1 = ChannelDispatcher(holder: holder, koid: koid1, peerKoid: koid0)
        holder.lock.withLock {
            end0.peer = end1
            end1.peer = end0
        }
        return (end0, end1)
    }

    override var objectType: zx_obj_type_t { ZX_OBJ_TYPE_CHANNEL }
    override var defaultRights: zx_rights_t { ZX_DEFAULT_CHANNEL_RIGHTS }
    override var relatedKoid: zx_koid_t { peerKoid }

    /// Messages waiting to be read on this end.
    var pendingCount: Int { holder.lock.withLock { messages.count } }

    // MARK: Write

    /// Queues `message` on the peer (or hands it to the peer's matching `call` waiter).
    /// - Throws: `.peerClosed` (the message is dropped, closing its handles).
    func write(_ message: consuming MessagePacket) throws(ZxStatus) {
        var rejected: MessagePacket?
        holder.lock.lock()
        if let peer {
            peer.receiveLocked(message)
        } else {
            rejected = message
        }
        holder.lock.unlock()
        if rejected != nil {
            rejected = nil
            throw .peerClosed
        }
    }

    /// A message from the peer arrives here. Caller holds the pair lock.
    private func receiveLocked(_ message: consuming MessagePacket) {
        if !callWaiters.isEmpty {
            let txid = message.txid
            if txid >= ChannelDispatcher.minKernelTxid,
               let index = callWaiters.firstIndex(where: { $0.txid == txid }) {
                let waiter = callWaiters.remove(at: index)
                waiter.reply = message
                waiter.status = nil
                waiter.event.signal()
                return
            }
        }
        messages.append(message)
        if messages.count == 1 { updateSignals(set: ZX_CHANNEL_READABLE) }
    }

    // MARK: Read

    struct ReadResult {
        /// The message taken off the queue: the one read, or the one discarded by
        /// ZX_CHANNEL_READ_MAY_DISCARD. Nil when a too-small read left it in place.
        var message: MessagePacket?
        var byteCount: UInt32
        var handleCount: UInt32
        /// The caller's buffers could not hold the message (BUFFER_TOO_SMALL).
        var tooSmall: Bool
    }

    /// Takes the first message if it fits `maxBytes`/`maxHandles`; if it does not, reports its
    /// sizes and leaves it queued (or discards it with `mayDiscard`).
    /// - Throws: `.shouldWait` (empty, peer open), `.peerClosed` (empty, peer closed).
    func read(maxBytes: UInt32, maxHandles: UInt32, mayDiscard: Bool) throws(ZxStatus) -> ReadResult {
        holder.lock.lock()
        defer { holder.lock.unlock() }
        guard let (byteCount, handleCount) = messages.withFirst({
            (UInt32($0.bytes.count), UInt32($0.handles.count))
        }) else {
            throw peerHasClosed ? .peerClosed : .shouldWait
        }
        let tooSmall = byteCount > maxBytes || handleCount > maxHandles
        if tooSmall && !mayDiscard {
            return ReadResult(message: nil, byteCount: byteCount, handleCount: handleCount, tooSmall: true)
        }
        let message = messages.popFirst()
        if messages.isEmpty { updateSignals(clear: ZX_CHANNEL_READABLE) }
        return ReadResult(message: message, byteCount: byteCount, handleCount: handleCount, tooSmall: tooSmall)
    }

    // MARK: Call

    /// zx_channel_call's kernel half: stamps `message` with a fresh kernel txid, writes it to the
    /// peer and waits (as `thread`, if given) for the reply with that txid until `deadline`.
    /// - Throws: `.peerClosed` (peer gone before or during the wait), `.canceled` (this end's
    ///   last handle closed during the wait), `.timedOut`, `.internalIntrKilled`.
    func call(_ message: consuming MessagePacket, deadline: zx_time_t,
              as thread: ThreadDispatcher? = nil) throws(ZxStatus) -> MessagePacket {
        let waiter = CallWaiter()
        var message = message
        var rejected: MessagePacket?
        holder.lock.lock()
        if let peer {
            var txid: zx_txid_t
            repeat {
                nextTxid &+= 1
                txid = nextTxid | ChannelDispatcher.minKernelTxid
            } while callWaiters.contains { $0.txid == txid }
            waiter.txid = txid
            message.setTxid(txid)
            callWaiters.append(waiter)
            peer.receiveLocked(message)
        } else {
            rejected = message
        }
        holder.lock.unlock()
        if rejected != nil {
            rejected = nil
            throw .peerClosed
        }

        var interrupted: ZxStatus?
        do {
            _ = try waiter.event.wait(until: deadline, as: thread, state: ZX_THREAD_STATE_BLOCKED_CHANNEL)
        } catch {
            interrupted = error
        }
        // Whatever happened, the outcome is settled under the lock: a reply or a cancel removed
        // the waiter already; otherwise it timed out (or was killed) and is still listed.
        let outcome: Result<MessagePacket, ZxStatus> = holder.lock.withLock {
            if interrupted == nil, let reply = waiter.reply.take() { return .success(reply) }
            if interrupted == nil, let status = waiter.status { return .failure(status) }
            callWaiters.removeAll { $0 === waiter }
            return .failure(interrupted ?? .timedOut)
        }
        // A reply that lost to a kill is dropped here, outside the lock.
        withExtendedLifetime(waiter) {}
        return try outcome.get()
    }

    /// Wakes every call waiter on this end with `status`. Caller holds the pair lock.
    private func cancelCallWaitersLocked(_ status: ZxStatus) {
        for waiter in callWaiters {
            waiter.status = status
            waiter.event.signal()
        }
        callWaiters.removeAll()
    }

    // MARK: Peer signals and lifecycle

    func signalPeer(clear: zx_signals_t, set: zx_signals_t) throws(ZxStatus) {
        guard (clear | set) & ~ZX_USER_SIGNAL_ALL == 0 else { throw .invalidArgs }
        try holder.lock.withLock { () throws(ZxStatus) in
            guard let peer else { throw .peerClosed }
            peer.updateSignals(set: set, clear: clear)
        }
    }

    /// The last handle to this end closed: its unread messages are dropped (closing their
    /// handles), its call waiters are canceled, and the peer sees PEER_CLOSED (WRITABLE cleared)
    /// and its call waiters fail with PEER_CLOSED.
    override func onZeroHandles() {
        let dropped: [MessagePacket] = holder.lock.withLock {
            cancelCallWaitersLocked(.canceled)
            if let other = peer {
                peer = nil
                other.peer = nil
                other.peerHasClosed = true
                other.updateSignals(set: ZX_CHANNEL_PEER_CLOSED, clear: ZX_CHANNEL_WRITABLE)
                other.cancelCallWaitersLocked(.peerClosed)
            }
            let unread = messages.removeAll()
            if !unread.isEmpty { updateSignals(clear: ZX_CHANNEL_READABLE) }
            return unread
        }
        // Closing these handles may close further channels (nested messages); no lock is held.
        withExtendedLifetime(dropped) {}
    }
}
