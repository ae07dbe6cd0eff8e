// Channel syscalls: zx_channel_create, zx_channel_write, zx_channel_read, zx_channel_call, and
// the C records they take (zx_channel_call_args_t, zx_channel_iovec_t).
//
// Zircon counterpart: zircon/kernel/lib/syscalls/channel.cc (msg_put_handles /
// msg_get_handles, channel_write, channel_read, channel_call_noretry) and
// object/user_handles.cc; contracts from docs/reference/syscalls/channel_*.md.

import ZX

/// The arguments of `zx_channel_call` (C layout, 48 bytes).
public struct zx_channel_call_args_t {
    public var wr_bytes: UnsafeRawPointer?
    public var wr_handles: UnsafePointer<zx_handle_t>?
    public var rd_bytes: UnsafeMutableRawPointer?
    public var rd_handles: UnsafeMutablePointer<zx_handle_t>?
    public var wr_num_bytes: UInt32
    public var wr_num_handles: UInt32
    public var rd_num_bytes: UInt32
    public var rd_num_handles: UInt32

    public init(wr_bytes: UnsafeRawPointer? = nil, wr_handles: UnsafePointer<zx_handle_t>? = nil,
                rd_bytes: UnsafeMutableRawPointer? = nil, rd_handles: UnsafeMutablePointer<zx_handle_t>? = nil,
                wr_num_bytes: UInt32 = 0, wr_num_handles: UInt32 = 0,
                rd_num_bytes: UInt32 = 0, rd_num_handles: UInt32 = 0) {
        self.wr_bytes = wr_bytes
        self.wr_handles = wr_handles
        self.rd_bytes = rd_bytes
        self.rd_handles = rd_handles
        self.wr_num_bytes = wr_num_bytes
        self.wr_num_handles = wr_num_handles
        self.rd_num_bytes = rd_num_bytes
        self.rd_num_handles = rd_num_handles
    }
}

/// One slice of a ZX_CHANNEL_WRITE_USE_IOVEC message (C layout, 16 bytes).
public struct zx_channel_iovec_t {
    public var buffer: UnsafeRawPointer?
    public var capacity: UInt32
    public var reserved: UInt32

    public init(buffer: UnsafeRawPointer? = nil, capacity: UInt32 = 0, reserved: UInt32 = 0) {
        self.buffer = buffer
        self.capacity = capacity
        self.reserved = reserved
    }
}

extension Sys {
    static func channelLookup(_ context: ThreadContext, _ handle: zx_handle_t,
                              rights: zx_rights_t) throws(ZxStatus) -> ChannelDispatcher {
        try context.handles.lookup(handle, as: ChannelDispatcher.self, rights: rights).0
    }

    /// zx_channel_create: two connected ends with ZX_DEFAULT_CHANNEL_RIGHTS.
    /// - Throws: `.invalidArgs` (options ≠ 0), `.noResources` (table full).
    static func channelCreate(_ options: UInt32) throws(ZxStatus) -> (zx_handle_t, zx_handle_t) {
        let context = try context()
        guard options == 0 else { throw .invalidArgs }
        let (end0, end1) = ChannelDispatcher.makePair(kernel: context.kernel)
        let handle0 = try context.handles.add(end0, end0.defaultRights)
        do {
            return (handle0, try context.handles.add(end1, end1.defaultRights))
        } catch {
            _ = try? context.handles.remove(handle0)
            throw error
        }
    }

    /// The message bytes, checked like Zircon's MessagePacket::Create.
    /// - Throws: `.outOfRange` (too many bytes or handles, or iovecs), `.invalidArgs` (nil
    ///   buffer with a nonzero size, nonzero iovec `reserved`).
    static func messageBytes(_ bytes: UnsafeRawPointer?, _ numBytes: UInt32, numHandles: UInt32,
                             iovec: Bool) throws(ZxStatus) -> [UInt8] {
        guard numHandles <= ZX_CHANNEL_MAX_MSG_HANDLES else { throw .outOfRange }
        guard iovec else {
            guard numBytes <= ZX_CHANNEL_MAX_MSG_BYTES else { throw .outOfRange }
            guard numBytes > 0 else { return [] }
            guard let bytes else { throw .invalidArgs }
            return Array(UnsafeRawBufferPointer(start: bytes, count: Int(numBytes)))
        }
        guard numBytes <= ZX_CHANNEL_MAX_MSG_IOVECS else { throw .outOfRange }
        guard numBytes > 0 else { return [] }
        guard let bytes else { throw .invalidArgs }
        let slices = UnsafeBufferPointer(start: bytes.assumingMemoryBound(to: zx_channel_iovec_t.self),
                                         count: Int(numBytes))
        var total = 0
        for slice in slices {
            guard slice.reserved == 0, slice.buffer != nil || slice.capacity == 0 else { throw .invalidArgs }
            total += Int(slice.capacity)
        }
        guard total <= Int(ZX_CHANNEL_MAX_MSG_BYTES) else { throw .outOfRange }
        var message: [UInt8] = []
        message.reserveCapacity(total)
        for slice in slices where slice.capacity > 0 {
            if let buffer = slice.buffer {
                message.append(contentsOf: UnsafeRawBufferPointer(start: buffer, count: Int(slice.capacity)))
            }
        }
        return message
    }

    /// Removes every valid handle of `values` from the caller's table (they close): what a
    /// failed write does with the handles it was given.
    static func discardHandles(_ context: ThreadContext, _ values: UnsafePointer<zx_handle_t>?,
                               _ count: UInt32) {
        guard let values, count > 0 else { return }
        let removed = UnsafeBufferPointer(start: values, count: Int(count)).compactMap {
            try? context.handles.remove($0)
        }
        withExtendedLifetime(removed) {}
    }

    /// Moves the handles `values` out of the caller's table into a message. Every handle is
    /// removed, also after an error; the first error in array order is thrown: `.badHandle`
    /// (invalid or repeated), `.accessDenied` (no TRANSFER), `.notSupported` (the channel's own
    /// handle). Handles already removed close when the thrown-away entries are released.
    static func takeHandlesForMessage(_ context: ThreadContext, _ values: UnsafePointer<zx_handle_t>?,
                                      _ count: UInt32, channel: ChannelDispatcher) throws(ZxStatus) -> [HandleEntry] {
        guard count > 0 else { return [] }
        guard let values else { throw .invalidArgs }
        var entries: [HandleEntry] = []
        entries.reserveCapacity(Int(count))
        var firstError: ZxStatus?
        for value in UnsafeBufferPointer(start: values, count: Int(count)) {
            let entry: HandleEntry
            do {
                entry = try context.handles.remove(value)
            } catch {
                if firstError == nil { firstError = error }
                continue
            }
            if firstError == nil {
                if !entry.hasRights(ZX_RIGHT_TRANSFER) {
                    firstError = .accessDenied
                } else if entry.object === channel {
                    firstError = .notSupported
                }
            }
            entries.append(entry)
        }
        if let firstError {
            entries.removeAll()
            throw firstError
        }
        return entries
    }

    /// zx_channel_write. The handles are consumed in every case.
    /// - Throws, in Zircon's order: `.invalidArgs` (options), lookup errors with WRITE,
    ///   `.outOfRange` (too big), `.invalidArgs` (nil buffers), the per-handle errors of
    ///   `takeHandlesForMessage`, `.peerClosed`.
    static func channelWrite(_ handle: zx_handle_t, _ options: UInt32, _ bytes: UnsafeRawPointer?,
                             _ numBytes: UInt32, _ handles: UnsafePointer<zx_handle_t>?,
                             _ numHandles: UInt32) throws(ZxStatus) {
        let context = try context()
        let channel: ChannelDispatcher
        let data: [UInt8]
        do throws(ZxStatus) {
            guard options & ~ZX_CHANNEL_WRITE_USE_IOVEC == 0 else { throw .invalidArgs }
            channel = try channelLookup(context, handle, rights: ZX_RIGHT_WRITE)
            data = try messageBytes(bytes, numBytes, numHandles: numHandles,
                                    iovec: options & ZX_CHANNEL_WRITE_USE_IOVEC != 0)
        } catch {
            discardHandles(context, handles, numHandles)
            throw error
        }
        let entries = try takeHandlesForMessage(context, handles, numHandles, channel: channel)
        try channel.write(MessagePacket(bytes: data, handles: entries))
    }

    /// Installs a received message's handles in the caller's table and stores their new values
    /// in `out`. Waits made through those handles end here (Zircon cancels them on receipt).
    /// - Throws: `.invalidArgs` (nil `out`), `.noResources` (table full; the message's handles
    ///   close).
    static func installHandles(_ context: ThreadContext, _ entries: [HandleEntry],
                               _ out: UnsafeMutablePointer<zx_handle_t>?) throws(ZxStatus) {
        guard !entries.isEmpty else { return }
        guard let out else { throw .invalidArgs }
        for (index, entry) in entries.enumerated() {
            entry.object.cancelObservers(boundTo: ObjectIdentifier(entry))
            do {
                out[index] = try context.handles.add(entry)
            } catch {
                for installed in 0..<index { _ = try? context.handles.remove(out[installed]) }
                throw error
            }
        }
    }

    /// zx_channel_read. `actualBytes`/`actualHandles` receive the message's sizes on success
    /// and on BUFFER_TOO_SMALL.
    /// - Throws: lookup errors with READ, `.notSupported` (options other than
    ///   ZX_CHANNEL_READ_MAY_DISCARD), `.shouldWait`, `.peerClosed`, `.bufferTooSmall` (the
    ///   message stays queued unless MAY_DISCARD), `.invalidArgs` (nil buffer for a nonempty
    ///   part: the message is consumed and its handles close).
    static func channelRead(_ handle: zx_handle_t, _ options: UInt32, _ bytes: UnsafeMutableRawPointer?,
                            _ handles: UnsafeMutablePointer<zx_handle_t>?, _ numBytes: UInt32,
                            _ numHandles: UInt32, _ actualBytes: inout UInt32?,
                            _ actualHandles: inout UInt32?) throws(ZxStatus) {
        let context = try context()
        let channel = try channelLookup(context, handle, rights: ZX_RIGHT_READ)
        guard options & ~ZX_CHANNEL_READ_MAY_DISCARD == 0 else { throw .notSupported }
        let result = try channel.read(maxBytes: numBytes, maxHandles: numHandles,
                                      mayDiscard: options & ZX_CHANNEL_READ_MAY_DISCARD != 0)
        actualBytes = result.byteCount
        actualHandles = result.handleCount
        guard !result.tooSmall, let message = result.message else {
            withExtendedLifetime(result) {}
            throw .bufferTooSmall
        }
        if !message.bytes.isEmpty {
            guard let bytes else { throw .invalidArgs }
            message.bytes.withUnsafeBytes { bytes.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        }
        try installHandles(context, message.handles, handles)
    }

    /// The Swift-native read: the whole first message, however large.
    /// - Throws: lookup errors with READ, `.shouldWait`, `.peerClosed`, `.noResources`.
    static func channelReadMessage(_ handle: zx_handle_t) throws(ZxStatus) -> (bytes: [UInt8], handles: [zx_handle_t]) {
        let context = try context()
        let channel = try channelLookup(context, handle, rights: ZX_RIGHT_READ)
        let result = try channel.read(maxBytes: .max, maxHandles: .max, mayDiscard: false)
        guard let message = result.message else { throw .internal }
        var values = [zx_handle_t](repeating: ZX_HANDLE_INVALID, count: message.handles.count)
        try values.withUnsafeMutableBufferPointer { (buffer) throws(ZxStatus) in
            try installHandles(context, message.handles, buffer.baseAddress)
        }
        return (message.bytes, values)
    }

    /// zx_channel_call: writes `args.wr_*` (the first four bytes replaced by a kernel txid) and
    /// waits for the reply with that txid, which lands in `args.rd_*`.
    /// - Throws, in Zircon's order: `.invalidArgs` (nil args, options), lookup errors with
    ///   READ|WRITE, `.outOfRange`, `.invalidArgs` (nil buffers, fewer than four bytes), the
    ///   per-handle errors, `.peerClosed`, `.canceled`, `.timedOut`, `.bufferTooSmall` (the
    ///   reply is discarded), `.invalidArgs` (nil actual counts or reply buffers).
    static func channelCall(_ handle: zx_handle_t, _ options: UInt32, _ deadline: zx_time_t,
                            _ args: UnsafePointer<zx_channel_call_args_t>?,
                            _ actualBytes: UnsafeMutablePointer<UInt32>?,
                            _ actualHandles: UnsafeMutablePointer<UInt32>?) throws(ZxStatus) {
        let context = try context()
        guard let args else { throw .invalidArgs }
        let call = args.pointee
        let channel: ChannelDispatcher
        let data: [UInt8]
        do throws(ZxStatus) {
            guard options & ~ZX_CHANNEL_WRITE_USE_IOVEC == 0 else { throw .invalidArgs }
            channel = try channelLookup(context, handle, rights: ZX_RIGHT_READ | ZX_RIGHT_WRITE)
            data = try messageBytes(call.wr_bytes, call.wr_num_bytes, numHandles: call.wr_num_handles,
                                    iovec: options & ZX_CHANNEL_WRITE_USE_IOVEC != 0)
            guard data.count >= MemoryLayout<zx_txid_t>.size else { throw .invalidArgs }
        } catch {
            discardHandles(context, call.wr_handles, call.wr_num_handles)
            throw error
        }
        let entries = try takeHandlesForMessage(context, call.wr_handles, call.wr_num_handles, channel: channel)
        let reply = try channel.call(MessagePacket(bytes: data, handles: entries), deadline: deadline,
                                     as: context.thread)
        guard call.rd_num_bytes >= UInt32(reply.bytes.count),
              call.rd_num_handles >= UInt32(reply.handles.count) else { throw .bufferTooSmall }
        guard let actualBytes, let actualHandles else { throw .invalidArgs }
        actualBytes.pointee = UInt32(reply.bytes.count)
        actualHandles.pointee = UInt32(reply.handles.count)
        if !reply.bytes.isEmpty {
            guard let out = call.rd_bytes else { throw .invalidArgs }
            reply.bytes.withUnsafeBytes { out.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        }
        try installHandles(context, reply.handles, call.rd_handles)
    }
}

// zx_status_t zx_channel_create
public func zx_channel_create(_ options: UInt32, _ out0: inout zx_handle_t,
                              _ out1: inout zx_handle_t) -> zx_status_t {
    ZxStatus.capture { () throws(ZxStatus) in (out0, out1) = try Sys.channelCreate(options) }
}

// zx_status_t zx_channel_write
public func zx_channel_write(_ handle: zx_handle_t, _ options: UInt32, _ bytes: UnsafeRawPointer?,
                             _ numBytes: UInt32, _ handles: UnsafePointer<zx_handle_t>?,
                             _ numHandles: UInt32) -> zx_status_t {
    ZxStatus.capture { () throws(ZxStatus) in
        try Sys.channelWrite(handle, options, bytes, numBytes, handles, numHandles)
    }
}

// zx_status_t zx_channel_read
/// `actualBytes`/`actualHandles` may be nil (as NULL in C) or `&variable`.
public func zx_channel_read(_ handle: zx_handle_t, _ options: UInt32, _ bytes: UnsafeMutableRawPointer?,
                            _ handles: UnsafeMutablePointer<zx_handle_t>?, _ numBytes: UInt32,
                            _ numHandles: UInt32, _ actualBytes: UnsafeMutablePointer<UInt32>?,
                            _ actualHandles: UnsafeMutablePointer<UInt32>?) -> zx_status_t {
    var byteCount: UInt32?
    var handleCount: UInt32?
    let status = ZxStatus.capture { () throws(ZxStatus) in
        try Sys.channelRead(handle, options, bytes, handles, numBytes, numHandles, &byteCount, &handleCount)
    }
    if let byteCount, let actualBytes { actualBytes.pointee = byteCount }
    if let handleCount, let actualHandles { actualHandles.pointee = handleCount }
    return status
}

// zx_status_t zx_channel_call
public func zx_channel_call(_ handle: zx_handle_t, _ options: UInt32, _ deadline: zx_time_t,
                            _ args: UnsafePointer<zx_channel_call_args_t>?,
                            _ actualBytes: UnsafeMutablePointer<UInt32>?,
                            _ actualHandles: UnsafeMutablePointer<UInt32>?) -> zx_status_t {
    ZxStatus.capture { () throws(ZxStatus) in
        try Sys.channelCall(handle, options, deadline, args, actualBytes, actualHandles)
    }
}
