// Channel: the Swift-native face of a channel end, HandleList (owned handles travelling in a
// message), and Process.transferHandle (how a launcher hands a process its first handle).
// Use inside `Process.run`.
//
// Zircon counterpart: the C++ zx::channel (write/read/call), and the bootstrap handle that
// zx_process_start passes to a new process.

import ZX

/// Handles owned by Swift code as a group (noncopyable): received from or sent with a channel
/// message. Those still held close when the list goes away.
public struct HandleList: ~Copyable {
    private var values: [zx_handle_t]

    public init() { values = [] }

    /// Takes ownership of raw handle values.
    public init(adopting values: [zx_handle_t]) { self.values = values }

    deinit {
        for value in values where value != ZX_HANDLE_INVALID {
            _ = try? Sys.handleClose(value)
        }
    }

    public var count: Int { values.count }
    public var isEmpty: Bool { values.isEmpty }

    /// The raw value at `index` (still owned by the list; ZX_HANDLE_INVALID once taken).
    public subscript(index: Int) -> zx_handle_t { values[index] }

    /// Adds `handle` to the list.
    public mutating func append(_ handle: consuming Handle) {
        values.append(handle.release())
    }

    /// Takes the handle at `index` out of the list.
    public mutating func take(_ index: Int) -> Handle {
        let value = values[index]
        values[index] = ZX_HANDLE_INVALID
        return Handle(adopting: value)
    }

    /// Gives up ownership of every value.
    public consuming func release() -> [zx_handle_t] {
        let all = values
        values = []
        return all
    }
}

/// A received message: its bytes and the handles it carried (now in this process's table).
public struct ChannelMessage: ~Copyable {
    public var bytes: [UInt8]
    public var handles: HandleList
}

public struct Channel: ~Copyable {
    public let handle: Handle

    /// Takes ownership of a raw channel handle.
    public init(adopting value: zx_handle_t) { handle = Handle(adopting: value) }

    /// `zx_channel_create`: both ends (take them with `let a = ends.first; let b = ends.second`).
    public static func create() throws(ZxStatus) -> Ends {
        let (end0, end1) = try Sys.channelCreate(0)
        return Ends(first: Channel(adopting: end0), second: Channel(adopting: end1))
    }

    @frozen public struct Ends: ~Copyable {
        public var first: Channel
        public var second: Channel
    }

    /// `zx_channel_write`: `bytes` and `handles` (always consumed, also on failure).
    /// - Throws: `.peerClosed`, `.outOfRange`, `.accessDenied` (a handle lacks TRANSFER), ...
    public func write(bytes: [UInt8], handles: consuming HandleList = HandleList()) throws(ZxStatus) {
        let values = handles.release()
        guard bytes.count <= Int(ZX_CHANNEL_MAX_MSG_BYTES) else {
            _ = HandleList(adopting: values)
            throw .outOfRange
        }
        let status = bytes.withUnsafeBytes { buffer in
            values.withUnsafeBufferPointer { raw in
                ZxStatus.capture { () throws(ZxStatus) in
                    try Sys.channelWrite(handle.value, 0, buffer.baseAddress, UInt32(buffer.count),
                                         raw.baseAddress, UInt32(raw.count))
                }
            }
        }
        try ZxStatus.check(status)
    }

    /// `zx_channel_write` of one handle (consumed) with `bytes`.
    public func write(bytes: [UInt8], handle transferred: consuming Handle) throws(ZxStatus) {
        var list = HandleList()
        list.append(transferred)
        try write(bytes: bytes, handles: list)
    }

    /// `zx_channel_read` of the first message, whatever its size.
    /// - Throws: `.shouldWait` (empty), `.peerClosed` (empty and the peer is gone).
    public func read() throws(ZxStatus) -> ChannelMessage {
        let (bytes, values) = try Sys.channelReadMessage(handle.value)
        return ChannelMessage(bytes: bytes, handles: HandleList(adopting: values))
    }

    /// Waits (until `deadline`) for a message or PEER_CLOSED, then reads.
    /// - Throws: `.timedOut`, `.peerClosed`, `.canceled`.
    public func readWaiting(deadline: zx_time_t = ZX_TIME_INFINITE) throws(ZxStatus) -> ChannelMessage {
        while true {
            do {
                return try read()
            } catch .shouldWait {
                try handle.wait(for: [.readable, .peerClosed], deadline: deadline)
            }
        }
    }
}

extension Process {
    /// Moves the handle `value` out of `source`'s handle table into this process's table and
    /// returns its value here: how a launcher hands a new process its bootstrap channel (what
    /// `zx_process_start`'s `arg1` does). Call from outside both processes' `run`.
    /// - Throws: `ZxStatus.badHandle`, `.invalidArgs` (another kernel's process), `.badState`
    ///   (this process is dead; the handle then closes).
    public func transferHandle(_ value: zx_handle_t, from source: Process) throws(ZxStatus) -> zx_handle_t {
        guard source.dispatcher.kernel === dispatcher.kernel else { throw .invalidArgs }
        let entry = try source.dispatcher.handles.remove(value)
        entry.object.cancelObservers(boundTo: ObjectIdentifier(entry))
        return try dispatcher.handles.add(entry)
    }
}
