// Channels: create, write/read with every error in Zircon's order, limits, BUFFER_TOO_SMALL and
// MAY_DISCARD, handle transfer rules (consumed on failure, TRANSFER right, repeats, self),
// signals and PEER_CLOSED, zx_channel_call, a VMO passed between two processes, and a
// many-writer/many-reader stress.
//
// Zircon counterpart: zircon/system/utest/core/channel/channel.cc and
// docs/reference/syscalls/channel_{create,write,read,call}.md.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization
import Testing
@testable import ZirconKernel
import Zirconia

private func write(_ channel: zx_handle_t, _ bytes: [UInt8], _ handles: [zx_handle_t] = [],
                   options: UInt32 = 0) -> zx_status_t {
    bytes.withUnsafeBytes { b in
        handles.withUnsafeBufferPointer { h in
            zx_channel_write(channel, options, b.baseAddress, UInt32(b.count), h.baseAddress, UInt32(h.count))
        }
    }
}

private struct Read {
    var status: zx_status_t
    var bytes: [UInt8]
    var handles: [zx_handle_t]
    var actualBytes: UInt32
    var actualHandles: UInt32
}

private func read(_ channel: zx_handle_t, maxBytes: UInt32 = 1024, maxHandles: UInt32 = 64,
                  options: UInt32 = 0) -> Read {
    var bytes = [UInt8](repeating: 0, count: Int(maxBytes) + 1)
    var handles = [zx_handle_t](repeating: ZX_HANDLE_INVALID, count: Int(maxHandles) + 1)
    var actualBytes: UInt32 = 0xFFFF_FFFF, actualHandles: UInt32 = 0xFFFF_FFFF
    let status = zx_channel_read(channel, options, &bytes, &handles, maxBytes, maxHandles,
                                 &actualBytes, &actualHandles)
    let n = status == ZX_OK ? Int(actualBytes) : 0, h = status == ZX_OK ? Int(actualHandles) : 0
    return Read(status: status, bytes: Array(bytes.prefix(n)), handles: Array(handles.prefix(h)),
                actualBytes: actualBytes, actualHandles: actualHandles)
}

@Suite struct ChannelTests {
    @Test func createSignalsAndBasicTransfer() throws {
        let world = try IPCWorld()
        try world.run { c in
            var x = ZX_HANDLE_INVALID, y = ZX_HANDLE_INVALID
            c.st(zx_channel_create(1, &x, &y), ZX_ERR_INVALID_ARGS, "options")
            let (a, b) = ipcChannel(c)
            let infoA = ipcBasic(a), infoB = ipcBasic(b)
            c.eq(infoA?.type, ZX_OBJ_TYPE_CHANNEL, "type")
            c.eq(infoA?.rights, ZX_DEFAULT_CHANNEL_RIGHTS, "rights")
            c.yes(infoA?.koid != 0 && infoA?.koid != infoB?.koid, "distinct koids")
            c.eq(infoA?.related_koid, infoB?.koid, "a → b")
            c.eq(infoB?.related_koid, infoA?.koid, "b → a")
            c.eq(ipcSignals(a), ZX_CHANNEL_WRITABLE, "writable by default")

            c.ok(write(a, [1, 2, 3, 4]), "write")
            c.eq(ipcSignals(a), ZX_CHANNEL_WRITABLE, "writer unchanged")
            c.eq(ipcSignals(b), ZX_CHANNEL_WRITABLE | ZX_CHANNEL_READABLE, "reader readable")
            for i in 0..<10 { c.ok(write(a, [UInt8(i)]), "write \(i)") }
            var r = read(b)
            c.ok(r.status, "read")
            c.eq(r.bytes, [1, 2, 3, 4], "bytes")
            c.eq(r.actualBytes, 4, "actual bytes")
            c.eq(r.actualHandles, 0, "actual handles")
            for i in 0..<10 {
                r = read(b)
                c.eq(r.bytes, [UInt8(i)], "FIFO \(i)")
            }
            c.eq(ipcSignals(b), ZX_CHANNEL_WRITABLE, "not readable once drained")
            c.st(read(b).status, ZX_ERR_SHOULD_WAIT, "empty")
            c.ok(write(b, []), "empty message")
            r = read(a, maxBytes: 0, maxHandles: 0)
            c.ok(r.status, "read empty message")
            c.eq(r.actualBytes, 0, "zero bytes")

            // Remaining messages stay readable after the peer closes; then PEER_CLOSED.
            for i in 0..<4 { c.ok(write(a, [UInt8(i)]), "write") }
            c.ok(zx_handle_close(a), "close a")
            c.eq(ipcSignals(b), ZX_CHANNEL_READABLE | ZX_CHANNEL_PEER_CLOSED, "WRITABLE cleared")
            for i in 0..<4 { c.eq(read(b).bytes, [UInt8(i)], "drain \(i)") }
            c.st(read(b).status, ZX_ERR_PEER_CLOSED, "empty and peer closed")
            c.st(write(b, [1]), ZX_ERR_PEER_CLOSED, "write to closed peer")
            c.st(zx_object_signal_peer(b, 0, ZX_USER_SIGNAL_0), ZX_ERR_PEER_CLOSED, "signal_peer")
            ipcClose(b)
        }
        world.expectNoLeaks()
    }

    @Test func writeErrorsInOrder() throws {
        let world = try IPCWorld()
        try world.run { c in
            let (a, b) = ipcChannel(c)
            let event = ipcEvent(c)
            c.st(write(ZX_HANDLE_INVALID, [1]), ZX_ERR_BAD_HANDLE, "bad handle")
            c.st(write(event, [1]), ZX_ERR_WRONG_TYPE, "not a channel")
            var copy = ZX_HANDLE_INVALID
            c.st(zx_handle_duplicate(a, ZX_RIGHT_SAME_RIGHTS, &copy), ZX_ERR_ACCESS_DENIED, "no DUPLICATE on channels")
            let (p, q) = ipcChannel(c)
            let noWrite = ipcReplace(p, ZX_RIGHT_READ | ZX_RIGHT_TRANSFER)
            c.st(write(noWrite, [1]), ZX_ERR_ACCESS_DENIED, "no WRITE")
            c.st(read(q).status, ZX_ERR_SHOULD_WAIT, "nothing written")
            let noRead = ipcReplace(q, ZX_RIGHT_WRITE)
            c.st(read(noRead).status, ZX_ERR_ACCESS_DENIED, "no READ")
            c.st(write(a, [1], options: 4), ZX_ERR_INVALID_ARGS, "options")
            c.st(read(b, options: 2).status, ZX_ERR_NOT_SUPPORTED, "read options")
            // Limits.
            let big = [UInt8](repeating: 9, count: Int(ZX_CHANNEL_MAX_MSG_BYTES))
            c.ok(write(a, big), "max bytes")
            c.eq(read(b, maxBytes: ZX_CHANNEL_MAX_MSG_BYTES).bytes.count, big.count, "read max bytes")
            c.st(write(a, big + [1]), ZX_ERR_OUT_OF_RANGE, "too many bytes")
            c.st(zx_channel_write(a, 0, nil, 4, nil, 0), ZX_ERR_INVALID_ARGS, "nil bytes")
            var one = ZX_HANDLE_INVALID
            c.st(zx_channel_write(a, 0, nil, 0, nil, 1), ZX_ERR_INVALID_ARGS, "nil handles")
            c.st(zx_channel_write(a, 0, nil, 0, &one, 1), ZX_ERR_BAD_HANDLE, "invalid handle value")
            // Too many handles: all consumed.
            let many = (0...Int(ZX_CHANNEL_MAX_MSG_HANDLES)).map { _ in ipcEvent(c) }
            c.st(write(a, [], many), ZX_ERR_OUT_OF_RANGE, "65 handles")
            c.yes(many.allSatisfy { !ipcIsValid($0) }, "all 65 consumed")
            // Errors before the handle step consume the handles too.
            let victim = ipcEvent(c)
            c.st(write(event, [1], [victim]), ZX_ERR_WRONG_TYPE, "wrong type")
            c.yes(!ipcIsValid(victim), "consumed by a failed lookup")
            let victim2 = ipcEvent(c)
            c.st(write(a, [1], [victim2], options: 8), ZX_ERR_INVALID_ARGS, "bad options")
            c.yes(!ipcIsValid(victim2), "consumed by bad options")
            c.st(read(b).status, ZX_ERR_SHOULD_WAIT, "no failed write was delivered")
            ipcClose(a, b, event, noWrite, noRead)
        }
        world.expectNoLeaks()
    }

    @Test func handleTransferRules() throws {
        let world = try IPCWorld()
        try world.run { c in
            let (a, b) = ipcChannel(c)
            let event = ipcEvent(c)
            let eventKoid = ipcBasic(event)?.koid

            // A handle moves: gone from the writer's values, back under a new value with the
            // same object and rights.
            let moving = ipcDup(event, ZX_RIGHTS_BASIC | ZX_RIGHT_SIGNAL)
            c.eq(ipcHandleCount(event), 2, "two handles")
            c.ok(write(a, [7], [moving]), "write handle")
            c.yes(!ipcIsValid(moving), "left the writer's table")
            c.eq(ipcHandleCount(event), 2, "still two handles (one in flight)")
            let r = read(b)
            c.ok(r.status, "read")
            c.eq(r.actualHandles, 1, "one handle")
            if let received = r.handles.first {
                c.yes(ipcIsValid(received), "installed")
                c.eq(ipcBasic(received)?.koid, eventKoid, "same object")
                c.eq(ipcBasic(received)?.rights, ZX_RIGHTS_BASIC | ZX_RIGHT_SIGNAL, "same rights")
                ipcClose(received)
            }

            // No TRANSFER right: ACCESS_DENIED, and the handle is consumed anyway.
            let noTransfer = ipcDup(event, ZX_DEFAULT_EVENT_RIGHTS & ~ZX_RIGHT_TRANSFER)
            c.st(write(a, [], [noTransfer]), ZX_ERR_ACCESS_DENIED, "no TRANSFER")
            c.st(zx_handle_close(noTransfer), ZX_ERR_BAD_HANDLE, "consumed")
            // Repeated handle: BAD_HANDLE, consumed.
            let repeated = ipcDup(event)
            c.st(write(a, [], [repeated, repeated]), ZX_ERR_BAD_HANDLE, "repeated")
            c.st(zx_handle_close(repeated), ZX_ERR_BAD_HANDLE, "consumed")
            // First error in array order wins; every handle is consumed.
            let good = ipcDup(event), bad = ipcDup(event, ZX_RIGHT_WAIT)
            c.st(write(a, [], [good, ZX_HANDLE_INVALID, bad]), ZX_ERR_BAD_HANDLE, "first error")
            c.yes(!ipcIsValid(good) && !ipcIsValid(bad), "all consumed")
            c.eq(ipcHandleCount(event), 1, "only the original left")
            c.st(read(b).status, ZX_ERR_SHOULD_WAIT, "nothing delivered")

            // Writing a channel's own handle: NOT_SUPPORTED, handle consumed, peer sees PEER_CLOSED.
            let (p, q) = ipcChannel(c)
            c.st(write(p, [], [p]), ZX_ERR_NOT_SUPPORTED, "own handle")
            c.yes(!ipcIsValid(p), "consumed")
            c.eq(ipcSignals(q), ZX_CHANNEL_PEER_CLOSED, "peer closed")
            // Writing the peer's handle is allowed.
            let (s, t) = ipcChannel(c)
            let (u, v) = ipcChannel(c)
            c.ok(write(s, [], [u]), "peer-of-other handle")
            ipcClose(q, s, t, v, a, b, event)
        }
        world.expectNoLeaks()
    }

    @Test func bufferTooSmallAndMayDiscard() throws {
        let world = try IPCWorld()
        try world.run { c in
            let (a, b) = ipcChannel(c)
            let event = ipcEvent(c)
            c.ok(write(a, [1, 2, 3, 4, 5], [ipcDup(event), ipcDup(event)]), "write")
            var r = read(b, maxBytes: 4, maxHandles: 2)
            c.st(r.status, ZX_ERR_BUFFER_TOO_SMALL, "bytes too small")
            c.eq(r.actualBytes, 5, "needed bytes")
            c.eq(r.actualHandles, 2, "needed handles")
            r = read(b, maxBytes: 5, maxHandles: 1)
            c.st(r.status, ZX_ERR_BUFFER_TOO_SMALL, "handles too small")
            c.eq(ipcHandleCount(event), 3, "handles still in flight")
            // Null actual pointers are fine.
            c.st(zx_channel_read(b, 0, nil, nil, 0, 0, nil, nil), ZX_ERR_BUFFER_TOO_SMALL, "nil everything")
            r = read(b, maxBytes: 5, maxHandles: 2)
            c.ok(r.status, "the message was left in place")
            c.eq(r.bytes, [1, 2, 3, 4, 5], "bytes")
            for h in r.handles { ipcClose(h) }

            // MAY_DISCARD drops the message and closes its handles.
            c.ok(write(a, [9, 9], [ipcDup(event)]), "write")
            var actualBytes: UInt32 = 0, actualHandles: UInt32 = 0
            c.st(zx_channel_read(b, ZX_CHANNEL_READ_MAY_DISCARD, nil, nil, 0, 0, &actualBytes, &actualHandles),
                 ZX_ERR_BUFFER_TOO_SMALL, "discard")
            c.eq(actualBytes, 2, "sizes reported")
            c.eq(actualHandles, 1, "sizes reported")
            c.eq(ipcSignals(b), ZX_CHANNEL_WRITABLE, "queue empty")
            c.eq(ipcHandleCount(event), 1, "discarded handle closed")
            // A nil buffer for a nonempty part consumes the message.
            c.ok(write(a, [1], [ipcDup(event)]), "write")
            var h = ZX_HANDLE_INVALID
            c.st(zx_channel_read(b, 0, nil, &h, 1, 1, nil, nil), ZX_ERR_INVALID_ARGS, "nil bytes buffer")
            c.eq(ipcHandleCount(event), 1, "its handle closed")
            c.st(read(b).status, ZX_ERR_SHOULD_WAIT, "consumed")
            ipcClose(a, b, event)
        }
        world.expectNoLeaks()
    }

    @Test func closingDropsQueuedMessagesAndNests() throws {
        let world = try IPCWorld()
        try world.run { c in
            // OnFlightHandlesSignalledWhenPeerIsClosed.
            let (local, remote) = ipcChannel(c)
            let (l0, r0) = ipcChannel(c)
            let (l1, r1) = ipcChannel(c)
            c.ok(write(local, [], [r0]), "r0 → remote's queue")
            c.ok(write(remote, [], [r1]), "r1 → local's queue")
            c.ok(zx_handle_close(local), "close local")
            c.eq(ipcSignals(l1), ZX_CHANNEL_PEER_CLOSED, "r1 was closed with local's queue")
            c.yes(ipcSignals(l0) & ZX_CHANNEL_WRITABLE != 0, "r0 still queued on remote")
            c.ok(zx_handle_close(remote), "close remote")
            c.eq(ipcSignals(l0), ZX_CHANNEL_PEER_CLOSED, "now r0 closed too")
            ipcClose(l0, l1)

            // NestingIsOk: 200 channels, each inside the previous one's queue.
            var ends = (0..<200).map { _ in ipcChannel(c) }
            for i in stride(from: 199, to: 0, by: -1) {
                c.ok(write(ends[i - 1].0, [], [ends[i].0, ends[i].1]), "nest \(i)")
            }
            ipcClose(ends[0].0, ends[0].1)
            ends.removeAll()
        }
        world.expectNoLeaks()
    }

    @Test func channelCall() throws {
        let world = try IPCWorld()
        let checks = VmoChecks()
        let (client, server) = try world.run { c in ipcChannel(c) }
        let callers = 6
        var bodies: [@Sendable (VmoChecks) -> Void] = (0..<callers).map { caller in
            { c in
                let event = ipcEvent(c)
                var request: [UInt8] = [0, 0, 0, 0, UInt8(caller), 1, 2]
                var reply = [UInt8](repeating: 0, count: 64)
                let requestHandles = [event]
                var replyHandles = [zx_handle_t](repeating: ZX_HANDLE_INVALID, count: 4)
                var actualBytes: UInt32 = 0, actualHandles: UInt32 = 0
                let status = request.withUnsafeBytes { wr in
                    reply.withUnsafeMutableBytes { rd in
                        requestHandles.withUnsafeBufferPointer { wh in
                            replyHandles.withUnsafeMutableBufferPointer { rh in
                                var args = zx_channel_call_args_t(
                                    wr_bytes: wr.baseAddress, wr_handles: wh.baseAddress,
                                    rd_bytes: rd.baseAddress, rd_handles: rh.baseAddress,
                                    wr_num_bytes: UInt32(wr.count), wr_num_handles: 1,
                                    rd_num_bytes: 64, rd_num_handles: 4)
                                return zx_channel_call(client, 0, ZX_TIME_INFINITE, &args, &actualBytes, &actualHandles)
                            }
                        }
                    }
                }
                c.ok(status, "call \(caller)")
                c.yes(!ipcIsValid(event), "request handle consumed")
                c.eq(actualBytes, 6, "reply size")
                c.eq(Array(reply[4..<6]), [UInt8(caller), 0xEE], "reply to this caller")
                let txid = reply.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
                c.yes(txid >= 0x8000_0000, "kernel txid")
                c.eq(actualHandles, 1, "reply handle")
                c.eq(ipcBasic(replyHandles[0])?.type, ZX_OBJ_TYPE_EVENT, "the request's event came back")
                ipcClose(replyHandles[0])
                request.removeAll()
            }
        }
        bodies.append { c in
            // The server answers in reverse order of arrival, echoing txid and the handle.
            var pending: [(txid: [UInt8], caller: UInt8, handle: zx_handle_t)] = []
            while pending.count < callers {
                let (status, _) = ipcWait(server, ZX_CHANNEL_READABLE, ZX_TIME_INFINITE)
                c.ok(status, "server wait")
                let r = read(server)
                guard r.status == ZX_OK, r.bytes.count == 7, r.handles.count == 1 else {
                    c.record("bad request \(r.status)", #_sourceLocation)
                    return
                }
                pending.append((Array(r.bytes[0..<4]), r.bytes[4], r.handles[0]))
            }
            for (txid, caller, handle) in pending.reversed() {
                c.ok(write(server, txid + [caller, 0xEE], [handle]), "reply")
            }
        }
        runConcurrently(world.process, checks, bodies)
        checks.report()

        // A reply bigger than rd_num_bytes: BUFFER_TOO_SMALL, and the reply (with its handle) is
        // discarded.
        let event = try world.run { c in ipcEvent(c) }
        runConcurrently(world.process, checks, [
            { c in
                var request: [UInt8] = [0, 0, 0, 0]
                var reply = [UInt8](repeating: 0, count: 4)
                var ab: UInt32 = 0, ah: UInt32 = 0
                let status = request.withUnsafeBytes { wr in
                    reply.withUnsafeMutableBytes { rd in
                        var args = zx_channel_call_args_t(wr_bytes: wr.baseAddress, rd_bytes: rd.baseAddress,
                                                          wr_num_bytes: 4, rd_num_bytes: 4, rd_num_handles: 1)
                        return zx_channel_call(client, 0, ZX_TIME_INFINITE, &args, &ab, &ah)
                    }
                }
                c.st(status, ZX_ERR_BUFFER_TOO_SMALL, "reply too big")
                request.removeAll()
            },
            { c in
                c.ok(ipcWait(server, ZX_CHANNEL_READABLE, ZX_TIME_INFINITE).0, "server wait")
                let r = read(server)
                c.ok(write(server, r.bytes + [1, 2], [ipcDup(event)]), "oversized reply")
            },
        ])
        checks.report()

        try world.run { c in
            c.eq(ipcHandleCount(event), 1, "the discarded reply's handle closed")
            c.st(read(client).status, ZX_ERR_SHOULD_WAIT, "the reply did not land in the queue")
            // Errors: short request, timeout, peer closed (handles consumed).
            var bytes: [UInt8] = [1, 2, 3]
            var args = zx_channel_call_args_t(wr_num_bytes: 3)
            var ab: UInt32 = 0, ah: UInt32 = 0
            let victim = ipcEvent(c)
            let victims = [victim]
            let shortStatus = bytes.withUnsafeBytes { raw -> zx_status_t in
                victims.withUnsafeBufferPointer { h in
                    args.wr_bytes = raw.baseAddress
                    args.wr_handles = h.baseAddress
                    args.wr_num_handles = 1
                    return zx_channel_call(client, 0, ZX_TIME_INFINITE, &args, &ab, &ah)
                }
            }
            c.st(shortStatus, ZX_ERR_INVALID_ARGS, "fewer than four bytes")
            c.yes(!ipcIsValid(victim), "handles consumed by INVALID_ARGS")
            args.wr_handles = nil
            args.wr_num_handles = 0
            bytes = [0, 0, 0, 0]
            let timeout = bytes.withUnsafeBytes { raw -> zx_status_t in
                args.wr_bytes = raw.baseAddress
                args.wr_num_bytes = 4
                return zx_channel_call(client, 0, ZX_TIME_INFINITE_PAST, &args, &ab, &ah)
            }
            c.st(timeout, ZX_ERR_TIMED_OUT, "past deadline")
            c.ok(read(server).status, "the timed-out request was still sent")
            c.ok(zx_handle_close(server), "close server")
            let e = ipcEvent(c)
            let handles = [e]
            let closed = bytes.withUnsafeBytes { raw -> zx_status_t in
                handles.withUnsafeBufferPointer { h in
                    args.wr_bytes = raw.baseAddress
                    args.wr_handles = h.baseAddress
                    args.wr_num_handles = 1
                    return zx_channel_call(client, 0, ZX_TIME_INFINITE, &args, &ab, &ah)
                }
            }
            c.st(closed, ZX_ERR_PEER_CLOSED, "peer closed")
            c.yes(!ipcIsValid(e), "handles consumed on error")
            ipcClose(client, event)
        }
        world.expectNoLeaks()
    }

    @Test func vmoTravelsBetweenProcesses() throws {
        let kernel = try Kernel(memorySize: 32 << 20, seed: 3)
        let baseline = kernel.memoryStats.freePages
        do {
            let sender = try kernel.createProcess(name: "sender")
            let receiver = try kernel.createProcess(name: "receiver")
            let senderHandles = sender.dispatcher.handles.count
            let receiverHandles = receiver.dispatcher.handles.count
            let checks = VmoChecks()
            let page = UInt64(zx_system_get_page_size())
            let pattern = (0..<64).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }

            // The sender makes a channel and keeps one end; the other is handed to the receiver
            // the way a launcher hands over a bootstrap channel.
            let (mine, theirs) = try sender.run { ipcChannel(checks) }
            let bootstrap = try receiver.transferHandle(theirs, from: sender)
            #expect(sender.dispatcher.handles.count == senderHandles + 1)

            let vmoKoid = try sender.run { () -> zx_koid_t? in
                var vmo = ZX_HANDLE_INVALID
                checks.ok(zx_vmo_create(2 * page, 0, &vmo), "vmo")
                checks.ok(pattern.withUnsafeBytes { zx_vmo_write(vmo, $0.baseAddress, page, 64) }, "vmo write")
                let koid = ipcBasic(vmo)?.koid
                checks.ok(write(mine, Array("vmo".utf8), [vmo]), "send vmo")
                checks.yes(!ipcIsValid(vmo), "left the sender")
                return koid
            }
            try receiver.run {
                let r = read(bootstrap)
                checks.ok(r.status, "receive")
                checks.eq(r.bytes, Array("vmo".utf8), "bytes")
                guard let vmo = r.handles.first else { return }
                checks.eq(ipcBasic(vmo)?.koid, vmoKoid, "same VMO")
                checks.eq(ipcBasic(vmo)?.rights, ZX_DEFAULT_VMO_RIGHTS, "same rights")
                let address = vmoMap(checks, vmo, 2 * page)
                var seen = [UInt8](repeating: 0, count: 64)
                do {
                    try seen.withUnsafeMutableBytes { try UserMemory.read($0, from: address + UInt(page)) }
                } catch {
                    checks.record("read failed: \(error)", #_sourceLocation)
                }
                checks.eq(seen, pattern, "the receiver reads what the sender wrote")
                // Write back through the mapping and return the VMO.
                do { try UserMemory.store(UInt8(0x5A), to: address) } catch {
                    checks.record("store failed: \(error)", #_sourceLocation)
                }
                checks.ok(zx_vmar_unmap(zx_vmar_root_self(), address, Int(2 * page)), "unmap")
                checks.ok(write(bootstrap, [], [vmo]), "send back")
            }
            try sender.run {
                let r = read(mine)
                checks.ok(r.status, "receive back")
                if let vmo = r.handles.first {
                    checks.eq(vmoBytes(vmo, 0, 1), [0x5A], "the sender sees the receiver's store")
                    ipcClose(vmo)
                }
                ipcClose(mine)
            }
            try receiver.run {
                checks.eq(ipcSignals(bootstrap), ZX_CHANNEL_PEER_CLOSED, "sender's end closed")
                ipcClose(bootstrap)
            }
            checks.report()
            #expect(sender.dispatcher.handles.count == senderHandles)
            #expect(receiver.dispatcher.handles.count == receiverHandles)
            sender.kill()
            receiver.kill()
        }
        #expect(kernel.memoryStats.freePages == baseline)
    }

    @Test func concurrentWritersAndReaders() throws {
        let world = try IPCWorld()
        let checks = VmoChecks()
        let (writerEnd, readerEnd, event) = try world.run { c -> (zx_handle_t, zx_handle_t, zx_handle_t) in
            let (a, b) = ipcChannel(c)
            return (a, b, ipcEvent(c))
        }
        let writers = 4, perWriter = 2500, readers = 3
        let received = Mutex<[UInt32]>([])
        let writersDone = Atomic<Int>(0)
        var bodies: [@Sendable (VmoChecks) -> Void] = (0..<writers).map { writer in
            { c in
                for seq in 0..<perWriter {
                    let id = UInt32(writer << 16 | seq)
                    let bytes = withUnsafeBytes(of: id) { Array($0) } + [UInt8](repeating: UInt8(writer), count: seq % 40)
                    // Every 5th message carries a handle.
                    let handles = seq % 5 == 0 ? [ipcDup(event)] : []
                    c.ok(write(writerEnd, bytes, handles), "write")
                }
                if writersDone.add(1, ordering: .acquiringAndReleasing).newValue == writers {
                    c.ok(zx_handle_close(writerEnd), "close writer end")   // readers drain, then PEER_CLOSED
                }
            }
        }
        bodies += (0..<readers).map { _ in
            { c in
                var mine: [UInt32] = []
                var lastSeq = [Int](repeating: -1, count: writers)
                loop: while true {
                    let r = read(readerEnd, maxBytes: 64, maxHandles: 1)
                    switch r.status {
                    case ZX_OK:
                        let id = r.bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
                        let writer = Int(id >> 16), seq = Int(id & 0xFFFF)
                        c.yes(seq > lastSeq[writer], "per-writer FIFO")
                        lastSeq[writer] = seq
                        c.eq(r.bytes.count, 4 + seq % 40, "length")
                        c.eq(r.handles.count, seq % 5 == 0 ? 1 : 0, "handles")
                        for h in r.handles { ipcClose(h) }
                        mine.append(id)
                    case ZX_ERR_SHOULD_WAIT:
                        let (status, _) = ipcWait(readerEnd, ZX_CHANNEL_READABLE | ZX_CHANNEL_PEER_CLOSED, ZX_TIME_INFINITE)
                        c.ok(status, "reader wait")
                    case ZX_ERR_PEER_CLOSED:
                        break loop
                    default:
                        c.ok(r.status, "read")
                        break loop
                    }
                }
                received.withLock { $0 += mine }
            }
        }
        runConcurrently(world.process, checks, bodies)
        checks.report()
        let all = received.withLock { $0 }
        #expect(all.count == writers * perWriter, "none lost")
        #expect(Set(all).count == writers * perWriter, "none duplicated")
        try world.run { c in
            c.eq(ipcHandleCount(event), 1, "every transferred handle closed")
            ipcClose(readerEnd, event)
        }
        world.expectNoLeaks()
    }

    @Test func nativeChannelAPI() throws {
        let world = try IPCWorld()
        try world.run { c in
            do throws(ZxStatus) {
                let ends = try Channel.create()
                let a = ends.first
                let b = ends.second
                let event = try Event()
                try a.write(bytes: [1, 2, 3], handle: try event.handle.duplicate())
                var message = try b.read()
                c.eq(message.bytes, [1, 2, 3], "bytes")
                c.eq(message.handles.count, 1, "one handle")
                let received = message.handles.take(0)
                c.eq(try received.koid, try event.handle.koid, "same event")
                var list = HandleList()
                list.append(received)
                try b.write(bytes: [], handles: list)
                let back = try a.readWaiting()
                c.eq(back.handles.count, 1, "came back")
                _ = consume b
                do throws(ZxStatus) {
                    _ = try a.readWaiting()
                    c.record("expected PEER_CLOSED", #_sourceLocation)
                } catch {
                    c.eq(error, .peerClosed, "peer closed")
                }
            } catch {
                c.record("native API failed: \(error)", #_sourceLocation)
            }
        }
        world.expectNoLeaks()
    }
}
