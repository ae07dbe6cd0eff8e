// The IPC benchmark pair: a channel message of 64 bytes carrying one handle, against a Unix
// socketpair datagram of 64 bytes carrying one fd with SCM_RIGHTS.

#if canImport(Glibc)
import Glibc
#endif
import Zirconia

// MARK: 6. Channel write + read (64 bytes + 1 handle)

/// Zirconia: one thread, a channel pair and a duplicate of an event; each operation is
/// zx_channel_write(end0, 64 bytes, [event]) then zx_channel_read(end1, ...), which moves the
/// handle out of the process's table into the message and back in under a new value.
/// Host: the same thread, an AF_UNIX SOCK_DGRAM socketpair; each operation is sendmsg(s0, 64
/// bytes, SCM_RIGHTS [fd]) + recvmsg(s1) + close of the fd that was sent (so, as with the
/// channel, exactly one descriptor is live afterwards: the received one).
func benchChannelWriteRead(_ kernel: Kernel, rounds: Int) throws -> Row {
    let iterations = 20_000
    let process = try kernel.createProcess(name: "bench-channel")
    let ours = try process.run { () throws -> Double in
        var end0 = zx_handle_t(ZX_HANDLE_INVALID), end1 = zx_handle_t(ZX_HANDLE_INVALID)
        try check(zx_channel_create(0, &end0, &end1), "channel_create")
        var event = zx_handle_t(ZX_HANDLE_INVALID)
        try check(zx_event_create(0, &event), "event_create")
        var moving = zx_handle_t(ZX_HANDLE_INVALID)
        try check(zx_handle_duplicate(event, ZX_RIGHT_SAME_RIGHTS, &moving), "duplicate")
        defer { _ = zx_handle_close(moving); _ = zx_handle_close(event)
                _ = zx_handle_close(end0); _ = zx_handle_close(end1) }
        var out = [UInt8](repeating: 7, count: 64)
        var input = [UInt8](repeating: 0, count: 64)
        return try median(rounds: rounds) { () throws -> (UInt64, Int) in
            let start = now()
            for i in 0..<iterations {
                out[0] = UInt8(truncatingIfNeeded: i)
                try check(zx_channel_write(end0, 0, &out, 64, &moving, 1), "write")
                var actualBytes: UInt32 = 0, actualHandles: UInt32 = 0
                try check(zx_channel_read(end1, 0, &input, &moving, 64, 1, &actualBytes, &actualHandles), "read")
            }
            let elapsed = now() - start
            blackHole(UInt64(input[0]))
            return (elapsed, iterations)
        }
    }
    let host = try hostSocketpairRights(iterations: iterations, rounds: rounds)
    return Row(name: "channel write+read 64 B + 1 handle", zirconia: ours, host: host,
               hostName: "socketpair sendmsg+recvmsg 64 B + SCM_RIGHTS fd", goal: 0.5)
}

/// sendmsg + recvmsg of 64 bytes and one fd over an AF_UNIX datagram socketpair.
private func hostSocketpairRights(iterations: Int, rounds: Int) throws -> Double {
    var sockets: [Int32] = [0, 0]
    guard socketpair(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0, &sockets) == 0 else {
        throw BenchError.failed("socketpair", ZX_ERR_INTERNAL)
    }
    defer { close(sockets[0]); close(sockets[1]) }
    var fd = open("/dev/null", O_RDONLY)
    guard fd >= 0 else { throw BenchError.failed("open /dev/null", ZX_ERR_INTERNAL) }
    defer { close(fd) }

    // struct cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type; } followed by the fd.
    let headerSize = MemoryLayout<Int>.size + 2 * MemoryLayout<Int32>.size
    let controlLength = headerSize + MemoryLayout<Int32>.size            // CMSG_LEN(sizeof(int))
    let controlSpace = (controlLength + 7) & ~7                          // CMSG_SPACE(sizeof(int))
    let sendControl = UnsafeMutableRawPointer.allocate(byteCount: controlSpace, alignment: 8)
    let receiveControl = UnsafeMutableRawPointer.allocate(byteCount: controlSpace, alignment: 8)
    let outBytes = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 8)
    let inBytes = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 8)
    defer { sendControl.deallocate(); receiveControl.deallocate(); outBytes.deallocate(); inBytes.deallocate() }
    memset(outBytes, 7, 64)

    var failure = false
    let result = median(rounds: rounds) { () -> (UInt64, Int) in
        let start = now()
        for i in 0..<iterations {
            outBytes.storeBytes(of: UInt8(truncatingIfNeeded: i), as: UInt8.self)
            memset(sendControl, 0, controlSpace)
            sendControl.storeBytes(of: controlLength, as: Int.self)
            sendControl.storeBytes(of: SOL_SOCKET, toByteOffset: MemoryLayout<Int>.size, as: Int32.self)
            sendControl.storeBytes(of: Int32(SCM_RIGHTS), toByteOffset: MemoryLayout<Int>.size + 4, as: Int32.self)
            sendControl.storeBytes(of: fd, toByteOffset: headerSize, as: Int32.self)
            var sendVector = iovec(iov_base: outBytes, iov_len: 64)
            var receiveVector = iovec(iov_base: inBytes, iov_len: 64)
            let sent = withUnsafeMutablePointer(to: &sendVector) { vector -> Int in
                var message = msghdr()
                message.msg_iov = vector
                message.msg_iovlen = 1
                message.msg_control = sendControl
                message.msg_controllen = controlSpace
                return sendmsg(sockets[0], &message, 0)
            }
            let received = withUnsafeMutablePointer(to: &receiveVector) { vector -> Int in
                var message = msghdr()
                message.msg_iov = vector
                message.msg_iovlen = 1
                message.msg_control = receiveControl
                message.msg_controllen = controlSpace
                return recvmsg(sockets[1], &message, 0)
            }
            if sent != 64 || received != 64 { failure = true; break }
            let newFd = receiveControl.load(fromByteOffset: headerSize, as: Int32.self)
            close(fd)
            fd = newFd
        }
        let elapsed = now() - start
        blackHole(UInt64(inBytes.load(as: UInt8.self)))
        return (elapsed, iterations)
    }
    if failure { throw BenchError.failed("sendmsg/recvmsg", ZX_ERR_INTERNAL) }
    return result
}
