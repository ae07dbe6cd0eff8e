// Ports: user packets (layout, FIFO, TIMED_OUT, rights), zx_object_wait_async packets (key,
// trigger, observed, count, timestamp, EDGE), zx_port_cancel, close ordering, the kernel-packet
// API the pager uses, and many threads waiting on one port.
//
// Zircon counterpart: zircon/system/utest/core/port/ports.cc and
// docs/reference/syscalls/port_{create,queue,wait,cancel}.md, object_wait_async.md.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization
import Testing
@testable import ZirconKernel
import Zirconia

private func portWait(_ port: zx_handle_t, _ deadline: zx_time_t = ZX_TIME_INFINITE_PAST) -> (zx_status_t, zx_port_packet_t) {
    var packet = zx_port_packet_t()
    let status = zx_port_wait(port, deadline, &packet)
    return (status, packet)
}

private func userPacket(key: UInt64, status: zx_status_t = 0, word: UInt64 = 0) -> zx_port_packet_t {
    zx_port_packet_t(key: key, type: ZX_PKT_TYPE_USER, status: status,
                     user: zx_packet_user_t(u64: (word, word &+ 1, word &+ 2, word &+ 3)))
}

/// Drains the port (past deadline) and returns the packets.
private func drain(_ port: zx_handle_t) -> [zx_port_packet_t] {
    var packets: [zx_port_packet_t] = []
    while case (ZX_OK, let packet) = portWait(port) { packets.append(packet) }
    return packets
}

@Suite struct PortTests {
    @Test func createAndUserPackets() throws {
        let world = try IPCWorld()
        try world.run { c in
            c.eq(MemoryLayout<zx_port_packet_t>.size, 48, "packet size")
            var bad = ZX_HANDLE_INVALID
            c.st(zx_port_create(2, &bad), ZX_ERR_INVALID_ARGS, "options")
            let port = ipcPort(c)
            c.eq(ipcBasic(port)?.type, ZX_OBJ_TYPE_PORT, "type")
            c.eq(ipcBasic(port)?.rights, ZX_DEFAULT_PORT_RIGHTS, "rights")

            // The kernel forces the type; key, status and payload are the caller's.
            var packet = userPacket(key: 12, status: -3, word: 0xABCD)
            packet.type = ZX_PKT_TYPE_USER + 5
            c.ok(zx_port_queue(port, &packet), "queue")
            let (status, out) = portWait(port, ZX_TIME_INFINITE)
            c.ok(status, "wait")
            c.eq(out.key, 12, "key")
            c.eq(out.type, ZX_PKT_TYPE_USER, "type forced to USER")
            c.eq(out.status, -3, "status")
            c.eq(out.user.c8, userPacket(key: 0, word: 0xABCD).user.c8, "payload")

            // FIFO order.
            for key in 0..<100 as Range<UInt64> {
                var p = userPacket(key: key)
                c.ok(zx_port_queue(port, &p), "queue \(key)")
            }
            c.eq(drain(port).map(\.key), Array(0..<100), "FIFO")

            // Errors.
            c.st(zx_port_queue(port, nil), ZX_ERR_INVALID_ARGS, "nil packet")
            c.st(portWait(port).0, ZX_ERR_TIMED_OUT, "empty, past deadline")
            c.st(portWait(port, zx_deadline_after(ZX_USEC(200))).0, ZX_ERR_TIMED_OUT, "empty, 200 us")
            let readOnly = ipcDup(port, ZX_RIGHT_READ | ZX_RIGHT_DUPLICATE)
            let writeOnly = ipcDup(port, ZX_RIGHT_WRITE)
            c.st(zx_port_queue(readOnly, &packet), ZX_ERR_ACCESS_DENIED, "queue needs WRITE")
            c.ok(zx_port_queue(writeOnly, &packet), "queue through write-only")
            c.st(portWait(writeOnly).0, ZX_ERR_ACCESS_DENIED, "wait needs READ")
            c.ok(portWait(readOnly).0, "wait through read-only")
            let event = ipcEvent(c)
            c.st(zx_port_queue(event, &packet), ZX_ERR_WRONG_TYPE, "not a port")
            c.st(zx_port_queue(ZX_HANDLE_INVALID, &packet), ZX_ERR_BAD_HANDLE, "bad handle")
            c.ok(zx_port_queue(port, &packet), "queue")
            c.st(zx_port_wait(port, 0, nil), ZX_ERR_INVALID_ARGS, "nil out packet")
            c.eq(drain(port).count, 0, "that packet was consumed")
            ipcClose(port, readOnly, writeOnly, event)
        }
        world.expectNoLeaks()
    }

    @Test func waitAsyncOnChannelAndEvents() throws {
        let world = try IPCWorld()
        try world.run { c in
            let port = ipcPort(c)
            let (a, b) = ipcChannel(c)
            c.ok(zx_object_wait_async(b, port, 6567, ZX_CHANNEL_READABLE, 0), "wait_async")
            c.st(portWait(port, zx_deadline_after(ZX_USEC(200))).0, ZX_ERR_TIMED_OUT, "nothing yet")
            var bytes: [UInt8] = Array("here".utf8)
            c.ok(zx_channel_write(a, 0, &bytes, 4, nil, 0), "write")
            let (status, packet) = portWait(port, ZX_TIME_INFINITE)
            c.ok(status, "packet")
            c.eq(packet.key, 6567, "key")
            c.eq(packet.type, ZX_PKT_TYPE_SIGNAL_ONE, "type")
            c.eq(packet.status, ZX_OK, "status")
            c.eq(packet.signal.trigger, ZX_CHANNEL_READABLE, "trigger")
            c.eq(packet.signal.observed, ZX_CHANNEL_READABLE | ZX_CHANNEL_WRITABLE, "observed")
            c.eq(packet.signal.count, 1, "count")
            c.eq(packet.signal.timestamp, 0, "no timestamp")
            // One-shot: no second packet.
            c.st(zx_channel_read(b, ZX_CHANNEL_READ_MAY_DISCARD, nil, nil, 0, 0, nil, nil), ZX_ERR_BUFFER_TOO_SMALL, "discard")
            c.st(portWait(port).0, ZX_ERR_TIMED_OUT, "one shot")

            // Existing state fires at once.
            c.ok(zx_object_wait_async(b, port, 1, ZX_CHANNEL_READABLE | ZX_CHANNEL_PEER_CLOSED, 0), "again")
            c.ok(zx_handle_close(a), "close peer")
            let packets = drain(port)
            c.eq(packets.count, 1, "one packet")
            c.eq(packets.first?.signal.observed, ZX_CHANNEL_PEER_CLOSED, "observed PEER_CLOSED")

            // Seven waits on one event: seven packets with distinct keys.
            let event = ipcEvent(c)
            for key in 0..<7 as Range<UInt64> {
                c.ok(zx_object_wait_async(event, port, key, ZX_EVENT_SIGNALED, 0), "wait \(key)")
            }
            c.ok(zx_object_signal(event, 0, ZX_EVENT_SIGNALED), "signal")
            let keys = drain(port).map(\.key)
            c.eq(keys.sorted(), Array(0..<7), "every observer fired once")

            // Repeated set/clear with wait_async in between (AsyncWaitEventRepeat).
            c.ok(zx_object_signal(event, ZX_EVENT_SIGNALED, 0), "start cleared")
            var counts = (0, 0, 0)
            for i in 0..<24 {
                c.ok(zx_object_wait_async(event, port, 1122, ZX_EVENT_SIGNALED | ZX_USER_SIGNAL_2, 0), "rearm")
                let user: zx_signals_t = i % 2 == 1 ? 0 : ZX_USER_SIGNAL_2
                c.ok(zx_object_signal(event, ZX_EVENT_SIGNALED, 0), "clear")
                c.ok(zx_object_signal(event, 0, ZX_EVENT_SIGNALED | user), "set")
                c.ok(zx_object_signal(event, ZX_EVENT_SIGNALED | user, 0), "clear")
                let (s, p) = portWait(port)
                c.ok(s, "packet \(i)")
                c.eq(p.signal.count, 1, "count")
                if p.signal.observed & ZX_EVENT_SIGNALED != 0 { counts.0 += 1 }
                if p.signal.observed & ZX_USER_SIGNAL_2 != 0 { counts.1 += 1 }
                if p.signal.observed & ~(ZX_EVENT_SIGNALED | ZX_USER_SIGNAL_2) != 0 { counts.2 += 1 }
            }
            c.eq(counts.0, 24, "SIGNALED each time")
            c.eq(counts.1, 12, "USER_2 every other time")
            c.eq(counts.2, 0, "nothing else")

            // Errors, in order.
            c.st(zx_object_wait_async(event, port, 0, ZX_EVENT_SIGNALED, 20), ZX_ERR_INVALID_ARGS, "options")
            c.st(zx_object_wait_async(event, event, 0, ZX_EVENT_SIGNALED, 0), ZX_ERR_WRONG_TYPE, "port not a port")
            c.st(zx_object_wait_async(event, ZX_HANDLE_INVALID, 0, ZX_EVENT_SIGNALED, 0), ZX_ERR_BAD_HANDLE, "bad port")
            let readOnlyPort = ipcDup(port, ZX_RIGHT_READ)
            c.st(zx_object_wait_async(event, readOnlyPort, 0, ZX_EVENT_SIGNALED, 0), ZX_ERR_ACCESS_DENIED, "port lacks WRITE")
            c.st(zx_object_wait_async(ZX_HANDLE_INVALID, port, 0, ZX_EVENT_SIGNALED, 0), ZX_ERR_BAD_HANDLE, "bad handle")
            let noWait = ipcDup(event, ZX_RIGHT_SIGNAL)
            c.st(zx_object_wait_async(noWait, port, 0, ZX_EVENT_SIGNALED, 0), ZX_ERR_ACCESS_DENIED, "no WAIT")
            c.st(zx_object_wait_async(port, port, 0, 1, 0), ZX_ERR_ACCESS_DENIED, "a port is not waitable")
            ipcClose(b, event, noWait, readOnlyPort, port)
        }
        world.expectNoLeaks()
    }

    @Test func cancelByKeyAndHandleClose() throws {
        let world = try IPCWorld()
        try world.run { c in
            let port = ipcPort(c)
            let event = ipcEvent(c)
            // CancelEventKey: key 13 twice, canceled before firing.
            for key in [128, 13, 7, 13] as [UInt64] {
                c.ok(zx_object_wait_async(event, port, key, ZX_EVENT_SIGNALED, 0), "wait \(key)")
            }
            c.ok(zx_port_cancel(port, event, 13), "cancel 13")
            for _ in 0..<2 {
                c.ok(zx_object_signal(event, 0, ZX_EVENT_SIGNALED), "set")
                c.ok(zx_object_signal(event, ZX_EVENT_SIGNALED, 0), "clear")
            }
            let packets = drain(port)
            c.eq(packets.map(\.key).sorted(), [7, 128], "13 canceled")
            c.yes(packets.allSatisfy { $0.signal.observed == ZX_EVENT_SIGNALED && $0.signal.trigger == ZX_EVENT_SIGNALED }, "fields")
            c.st(zx_port_cancel(port, event, 128), ZX_ERR_NOT_FOUND, "already delivered")

            // CancelEventKeyAfter: cancel removes queued packets as well as armed observers.
            var events: [zx_handle_t] = []
            for key in [128, 3, 3] as [UInt64] {
                let e = ipcEvent(c)
                events.append(e)
                c.ok(zx_object_wait_async(e, port, key, ZX_EVENT_SIGNALED, 0), "wait")
            }
            c.ok(zx_object_signal(events[0], 0, ZX_EVENT_SIGNALED), "signal 0")
            c.ok(zx_object_signal(events[1], 0, ZX_EVENT_SIGNALED), "signal 1")
            c.ok(zx_port_cancel(port, events[1], 3), "cancel queued")
            c.ok(zx_port_cancel(port, events[2], 3), "cancel armed")
            c.ok(zx_object_signal(events[2], 0, ZX_EVENT_SIGNALED), "signal 2")
            c.eq(drain(port).map(\.key), [128], "only 128 left")

            // Cancel matches the handle the wait was made through.
            let dup = ipcDup(event)
            c.ok(zx_object_wait_async(event, port, 5, ZX_USER_SIGNAL_0, 0), "wait via event")
            c.st(zx_port_cancel(port, dup, 5), ZX_ERR_NOT_FOUND, "other handle")
            c.ok(zx_port_cancel(port, event, 5), "same handle")
            // Cancel errors.
            c.st(zx_port_cancel(event, event, 5), ZX_ERR_WRONG_TYPE, "not a port")
            c.st(zx_port_cancel(port, ZX_HANDLE_INVALID, 5), ZX_ERR_BAD_HANDLE, "bad source")
            let noWait = ipcDup(event, ZX_RIGHT_SIGNAL)
            c.st(zx_port_cancel(port, noWait, 5), ZX_ERR_ACCESS_DENIED, "source lacks WAIT")

            // Closing the handle ends its armed waits but leaves queued packets.
            c.ok(zx_object_wait_async(dup, port, 40, ZX_USER_SIGNAL_1, 0), "armed via dup")
            c.ok(zx_object_signal(event, 0, ZX_EVENT_SIGNALED), "assert SIGNALED")
            c.ok(zx_object_wait_async(dup, port, 41, ZX_EVENT_SIGNALED, 0), "fires at once via dup")
            c.ok(zx_handle_close(dup), "close dup")
            c.eq(world.object(event)?.observerCount, 0, "armed wait ended")
            c.ok(zx_object_signal(event, 0, ZX_USER_SIGNAL_1), "signal")
            c.eq(drain(port).map(\.key), [41], "queued packet survives, armed one never fires")
            ipcClose(port, event, noWait)
            for e in events { ipcClose(e) }
        }
        world.expectNoLeaks()
    }

    @Test func timestampsAndEdgeTriggers() throws {
        let world = try IPCWorld()
        try world.run { c in
            let port = ipcPort(c)
            let e0 = ipcEvent(c), e1 = ipcEvent(c)
            c.ok(zx_object_wait_async(e0, port, 1, ZX_EVENT_SIGNALED, ZX_WAIT_ASYNC_TIMESTAMP), "ts")
            c.ok(zx_object_wait_async(e1, port, 2, ZX_EVENT_SIGNALED, 0), "no ts")
            let before = zx_clock_get_monotonic()
            c.ok(zx_object_signal(e0, 0, ZX_EVENT_SIGNALED), "signal 0")
            let after = zx_clock_get_monotonic()
            c.ok(zx_object_signal(e1, 0, ZX_EVENT_SIGNALED), "signal 1")
            let packets = drain(port)
            c.eq(packets.map(\.key), [1, 2], "order")
            if packets.count == 2 {
                c.yes(before <= zx_time_t(packets[0].signal.timestamp) && zx_time_t(packets[0].signal.timestamp) <= after, "timestamp in range")
                c.eq(packets[1].signal.timestamp, 0, "no timestamp")
            }

            // EDGE: already asserted → nothing; a later rising edge → a packet.
            c.ok(zx_object_wait_async(e0, port, 3, ZX_EVENT_SIGNALED, ZX_WAIT_ASYNC_EDGE), "edge on asserted")
            c.st(portWait(port).0, ZX_ERR_TIMED_OUT, "no packet for the level")
            c.ok(zx_object_signal(e0, ZX_EVENT_SIGNALED, 0), "fall")
            c.st(portWait(port).0, ZX_ERR_TIMED_OUT, "no packet for a falling edge")
            c.ok(zx_object_signal(e0, 0, ZX_EVENT_SIGNALED), "rise")
            let (status, edge) = portWait(port)
            c.ok(status, "edge packet")
            c.eq(edge.key, 3, "edge key")
            c.eq(edge.signal.observed, ZX_EVENT_SIGNALED, "edge observed")

            // EdgeTriggerCancel.
            c.ok(zx_object_signal(e1, ZX_EVENT_SIGNALED, 0), "clear e1")
            for key in [42, 999, 2020] as [UInt64] {
                c.ok(zx_object_wait_async(e1, port, key, ZX_EVENT_SIGNALED, ZX_WAIT_ASYNC_EDGE), "edge \(key)")
            }
            c.ok(zx_port_cancel(port, e1, 999), "cancel before")
            c.ok(zx_object_signal(e1, 0, ZX_EVENT_SIGNALED), "rise")
            c.ok(zx_port_cancel(port, e1, 2020), "cancel after (queued)")
            c.eq(drain(port).map(\.key), [42], "only 42")
            ipcClose(port, e0, e1)
        }
        world.expectNoLeaks()
    }

    @Test func closeOrdersAndPortClose() throws {
        let world = try IPCWorld()
        try world.run { c in
            // AsyncWaitCloseOrder: every order of closing channel ends and port.
            let orders = [[0, 1, 2], [0, 2, 1], [1, 2, 0], [1, 0, 2], [2, 1, 0], [2, 0, 1]]
            for order in orders {
                let port = ipcPort(c)
                let (a, b) = ipcChannel(c)
                c.ok(zx_object_wait_async(b, port, 1122, ZX_CHANNEL_READABLE | ZX_CHANNEL_PEER_CLOSED, 0), "wait")
                let handles = [b, a, port]
                for index in order { c.ok(zx_handle_close(handles[index]), "close \(order)") }
            }
            // Closing the port drops its queue and detaches its armed observers.
            let port = ipcPort(c)
            let event = ipcEvent(c)
            for key in 0..<10 as Range<UInt64> {
                c.ok(zx_object_wait_async(event, port, key, ZX_USER_SIGNAL_0, 0), "arm")
                var p = userPacket(key: key)
                c.ok(zx_port_queue(port, &p), "queue")
            }
            c.eq(world.object(event)?.observerCount, 10, "armed")
            let portObject = world.object(port) as? PortDispatcher
            c.ok(zx_handle_close(port), "close port")
            c.eq(world.object(event)?.observerCount, 0, "observers detached")
            c.eq(portObject?.pendingCount, 0, "queue dropped")
            c.ok(zx_object_signal(event, 0, ZX_USER_SIGNAL_0), "signal after close")
            ipcClose(event)
        }
        world.expectNoLeaks()
    }

    @Test func kernelPacketsForThePager() throws {
        let world = try IPCWorld()
        try world.run { c in
            let port = ipcPort(c)
            guard let dispatcher = world.object(port) as? PortDispatcher else {
                c.record("no port", #_sourceLocation)
                return
            }
            let request = zx_packet_page_request_t(command: ZX_PAGER_VMO_READ, offset: 4096, length: 8192)
            c.yes(dispatcher.queueKernelPacket(zx_port_packet_t(key: 77, type: ZX_PKT_TYPE_PAGE_REQUEST,
                                                                status: ZX_OK, page_request: request)), "queued")
            c.yes(dispatcher.queueKernelPacket(zx_port_packet_t(key: 78, type: ZX_PKT_TYPE_PAGE_REQUEST,
                                                                status: ZX_OK, page_request: request)), "queued")
            c.eq(dispatcher.removeKernelPackets { $0.key == 78 }, 1, "removed one")
            let (status, packet) = portWait(port)
            c.ok(status, "wait")
            c.eq(packet.key, 77, "key")
            c.eq(packet.type, ZX_PKT_TYPE_PAGE_REQUEST, "type")
            c.eq(packet.page_request.command, ZX_PAGER_VMO_READ, "command")
            c.eq(packet.page_request.offset, 4096, "offset")
            c.eq(packet.page_request.length, 8192, "length")
            c.st(portWait(port).0, ZX_ERR_TIMED_OUT, "nothing else")
            ipcClose(port)
            c.yes(!dispatcher.queueKernelPacket(zx_port_packet_t(key: 1, type: ZX_PKT_TYPE_PAGE_REQUEST,
                                                                 status: ZX_OK)), "refused after close")
        }
        world.expectNoLeaks()
    }

    @Test func manyThreadsWaitOnOnePort() throws {
        let world = try IPCWorld()
        let checks = VmoChecks()
        let port = try world.run { c in ipcPort(c) }
        let waiters = 8
        let received = Mutex<[UInt64]>([])
        var bodies: [@Sendable (VmoChecks) -> Void] = (0..<waiters).map { _ in
            { c in
                let (status, packet) = portWait(port, ZX_TIME_INFINITE)
                c.ok(status, "waiter")
                received.withLock { $0.append(packet.key) }
            }
        }
        bodies.append { c in
            // Wait until every waiter is blocked, then release them one packet each.
            guard let dispatcher = world.object(port) as? PortDispatcher else { return }
            for _ in 0..<5_000_000 where dispatcher.blockedWaiterCount < waiters { sched_yield() }
            c.eq(dispatcher.blockedWaiterCount, waiters, "all blocked")
            for key in 0..<UInt64(waiters) {
                var p = userPacket(key: key)
                c.ok(zx_port_queue(port, &p), "queue")
            }
        }
        runConcurrently(world.process, checks, bodies)
        checks.report()
        #expect(received.withLock { $0.sorted() } == Array(0..<UInt64(waiters)))

        // Producers and consumers: 4 × 1500 packets through 4 consumers, each key exactly once.
        let producers = 4, perProducer = 1500, consumers = 4
        let seen = Mutex<[UInt64]>([])
        var stress: [@Sendable (VmoChecks) -> Void] = (0..<producers).map { producer in
            { c in
                for i in 0..<perProducer {
                    var p = userPacket(key: UInt64(producer * perProducer + i))
                    while true {
                        let status = zx_port_queue(port, &p)
                        if status == ZX_OK { break }
                        c.st(status, ZX_ERR_SHOULD_WAIT, "queue")
                        if status != ZX_ERR_SHOULD_WAIT { return }
                        sched_yield()
                    }
                }
            }
        }
        stress += (0..<consumers).map { _ in
            { c in
                var mine: [UInt64] = []
                while true {
                    let (status, packet) = portWait(port, ZX_TIME_INFINITE)
                    guard status == ZX_OK else { c.ok(status, "consumer"); break }
                    if packet.key == UInt64.max { break }
                    mine.append(packet.key)
                    if mine.count % 500 == 0 {   // flush now and then
                        seen.withLock { $0 += mine }
                        mine.removeAll()
                    }
                }
                seen.withLock { $0 += mine }
            }
        }
        let stressChecks = VmoChecks()
        let producersDone = Atomic<Int>(0)
        for index in 0..<producers {
            let body = stress[index]
            stress[index] = { c in
                body(c)
                producersDone.add(1, ordering: .releasing)
            }
        }
        stress.append { c in
            while producersDone.load(ordering: .acquiring) < producers { sched_yield() }
            for _ in 0..<consumers {
                var stop = userPacket(key: UInt64.max)
                c.ok(zx_port_queue(port, &stop), "stop")
            }
        }
        runConcurrently(world.process, stressChecks, stress)
        stressChecks.report()
        let all = seen.withLock { $0 }
        #expect(all.count == producers * perProducer)
        #expect(Set(all).count == producers * perProducer)
        try world.run { _ in ipcClose(port) }
        world.expectNoLeaks()
    }

    @Test func nativePortAPI() throws {
        let world = try IPCWorld()
        try world.run { c in
            do throws(ZxStatus) {
                let port = try Port()
                let event = try Event()
                try port.watch(event.handle, for: .eventSignaled, key: 9)
                try port.queue(key: 1)
                try event.signal(set: .eventSignaled)
                c.eq(try port.wait().key, 1, "user first")
                let signal = try port.wait()
                c.eq(signal.key, 9, "then the signal")
                c.eq(signal.signal.observed, ZX_EVENT_SIGNALED, "observed")
                try port.watch(event.handle, for: Signals(ZX_USER_SIGNAL_0), key: 10)
                try port.cancel(event.handle, key: 10)
                do throws(ZxStatus) {
                    _ = try port.wait(deadline: ZX_TIME_INFINITE_PAST)
                    c.record("expected TIMED_OUT", #_sourceLocation)
                } catch {
                    c.eq(error, .timedOut, "empty")
                }
            } catch {
                c.record("native API failed: \(error)", #_sourceLocation)
            }
        }
        world.expectNoLeaks()
    }
}
