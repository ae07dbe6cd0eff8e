// The wire format shared by every channel the driver framework uses — coordinator ↔ driver host,
// proxy (child host → parent host) and devfs client → device: a 16-byte header (txid, flags,
// ordinal), then the payload written by `MessageEncoder`, little-endian, with handles carried
// out of band and referred to by index.
//
// Fuchsia counterpart: the FIDL transactional message header (zircon/fidl.h, fidl_message_header_t:
// txid u32, flags, ordinal u64) and the FIDL wire encoding, reduced to what Zirconia needs.

import ZX
import ZirconKernel

/// The header every framework message starts with (16 bytes).
public struct MessageHeader: Sendable, Equatable {
    /// 0 for one-way messages; a call's txid is stamped by the kernel (`zx_channel_call`), and
    /// the reply carries it back.
    public var txid: UInt32
    /// `MessageHeader.magic` in the low byte (a wire-format version); the rest is reserved.
    public var flags: UInt32
    /// Which method (or coordinator command) the message is.
    public var ordinal: UInt64

    public static let size = 16
    public static let magic: UInt32 = 0x5A

    public init(txid: UInt32 = 0, ordinal: UInt64) {
        self.txid = txid
        self.flags = MessageHeader.magic
        self.ordinal = ordinal
    }
}

/// Builds a message: the header, then fields in order. Handles are appended out of band (the
/// encoder takes ownership of the raw values: sending moves them, and an encoder whose message
/// is never sent must be `discard`ed so they close).
public struct MessageEncoder: Sendable {
    public private(set) var bytes: [UInt8]
    public private(set) var handles: [zx_handle_t]

    /// An encoder that starts with `header`.
    public init(header: MessageHeader) {
        bytes = []
        bytes.reserveCapacity(64)
        handles = []
        write(header.txid)
        write(header.flags)
        write(header.ordinal)
    }

    public mutating func write<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func write(_ value: Bool) { write(UInt8(value ? 1 : 0)) }

    /// A length-prefixed (u32) UTF-8 string.
    public mutating func write(_ value: String) {
        let utf8 = Array(value.utf8)
        write(UInt32(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    /// A length-prefixed (u32) byte vector.
    public mutating func write(_ value: [UInt8]) {
        write(UInt32(value.count))
        bytes.append(contentsOf: value)
    }

    /// Moves `handle` into the message (the index into the handle array goes in-band).
    public mutating func write(handle: zx_handle_t) {
        write(UInt32(handles.count))
        handles.append(handle)
    }

    /// Closes every handle the message carries (it will not be sent).
    public mutating func discard() {
        for value in handles where value != ZX_HANDLE_INVALID { _ = zx_handle_close(value) }
        handles = []
    }

    /// Stamps `txid` into the header (a reply must carry its request's txid).
    mutating func setTxid(_ txid: UInt32) {
        guard bytes.count >= 4 else { return }
        withUnsafeBytes(of: txid.littleEndian) { raw in
            for i in 0..<4 { bytes[i] = raw[i] }
        }
    }
}

/// Reads a message written by `MessageEncoder`. Every read is bounds-checked and throws
/// `.invalidArgs` on malformed input; handles taken with `readHandle` belong to the caller, the
/// rest close when `closeUntaken()` is called (the framework does so after dispatch).
public struct MessageDecoder: Sendable {
    public let bytes: [UInt8]
    public private(set) var handles: [zx_handle_t]
    public private(set) var offset: Int

    /// A decoder over a whole message; reads the header.
    public init(message bytes: [UInt8], handles: [zx_handle_t]) throws(ZxStatus) {
        self.bytes = bytes
        self.handles = handles
        self.offset = 0
        guard bytes.count >= MessageHeader.size else { throw .invalidArgs }
    }

    /// The header of the message (does not move the read position past a payload read).
    public func header() throws(ZxStatus) -> MessageHeader {
        var copy = self
        copy.offset = 0
        var header = MessageHeader(txid: try copy.read(), ordinal: 0)
        header.flags = try copy.read()
        header.ordinal = try copy.read()
        guard header.flags & 0xFF == MessageHeader.magic else { throw .invalidArgs }
        return header
    }

    /// Positions the decoder at the payload (after the header).
    public mutating func skipHeader() { offset = MessageHeader.size }

    public mutating func read<T: FixedWidthInteger>() throws(ZxStatus) -> T {
        let size = MemoryLayout<T>.size
        guard offset >= 0, offset + size <= bytes.count else { throw .invalidArgs }
        var value: T = 0
        withUnsafeMutableBytes(of: &value) { raw in
            for i in 0..<size { raw[i] = bytes[offset + i] }
        }
        offset += size
        return T(littleEndian: value)
    }

    public mutating func read() throws(ZxStatus) -> Bool {
        let byte: UInt8 = try read()
        guard byte <= 1 else { throw .invalidArgs }
        return byte == 1
    }

    public mutating func read() throws(ZxStatus) -> String {
        let bytes: [UInt8] = try read()
        return String(decoding: bytes, as: UTF8.self)
    }

    public mutating func read() throws(ZxStatus) -> [UInt8] {
        let count: UInt32 = try read()
        let length = Int(count)
        guard length <= bytes.count - offset else { throw .invalidArgs }
        let slice = Array(bytes[offset..<offset + length])
        offset += length
        return slice
    }

    /// Takes the handle the next field names; the caller owns it.
    public mutating func readHandle() throws(ZxStatus) -> zx_handle_t {
        let index: UInt32 = try read()
        let slot = Int(index)
        guard slot < handles.count, handles[slot] != ZX_HANDLE_INVALID else { throw .invalidArgs }
        let value = handles[slot]
        handles[slot] = ZX_HANDLE_INVALID
        return value
    }

    /// Closes every handle nobody took.
    public mutating func closeUntaken() {
        for value in handles where value != ZX_HANDLE_INVALID { _ = zx_handle_close(value) }
        handles = handles.map { _ in ZX_HANDLE_INVALID }
    }
}

/// Writes `encoder`'s message to `channel` (consumes its handles, also on failure).
func sendMessage(_ encoder: consuming MessageEncoder, on channel: zx_handle_t) throws(ZxStatus) {
    let bytes = encoder.bytes
    let handles = encoder.handles
    let status = bytes.withUnsafeBytes { raw in
        handles.withUnsafeBufferPointer { list in
            zx_channel_write(channel, 0, raw.baseAddress, UInt32(raw.count), list.baseAddress,
                             UInt32(list.count))
        }
    }
    guard status == ZX_OK else { throw ZxStatus(status) }
}

/// Reads the next message from `channel` into a decoder (throws `.shouldWait` when empty).
func receiveMessage(from channel: zx_handle_t) throws(ZxStatus) -> MessageDecoder {
    var byteCount: UInt32 = 0
    var handleCount: UInt32 = 0
    var status = zx_channel_read(channel, 0, nil, nil, 0, 0, &byteCount, &handleCount)
    guard status == ZX_ERR_BUFFER_TOO_SMALL else {
        throw ZxStatus(status == ZX_OK ? ZX_ERR_INVALID_ARGS : status)
    }
    var bytes = [UInt8](repeating: 0, count: Int(byteCount))
    var handles = [zx_handle_t](repeating: ZX_HANDLE_INVALID, count: Int(handleCount))
    status = bytes.withUnsafeMutableBytes { raw in
        handles.withUnsafeMutableBufferPointer { list in
            zx_channel_read(channel, 0, raw.baseAddress, list.baseAddress, byteCount, handleCount,
                            &byteCount, &handleCount)
        }
    }
    guard status == ZX_OK else { throw ZxStatus(status) }
    var decoder = try MessageDecoder(message: bytes, handles: handles)
    decoder.skipHeader()
    return decoder
}

/// `zx_channel_call`: writes `encoder`'s message, waits for the reply with the same txid until
/// `deadline` and returns it positioned after the header.
func callMessage(_ encoder: consuming MessageEncoder, on channel: zx_handle_t,
          deadline: zx_time_t) throws(ZxStatus) -> MessageDecoder {
    let bytes = encoder.bytes
    let handles = encoder.handles
    var reply = [UInt8](repeating: 0, count: Int(ZX_CHANNEL_MAX_MSG_BYTES))
    var replyHandles = [zx_handle_t](repeating: ZX_HANDLE_INVALID, count: Int(ZX_CHANNEL_MAX_MSG_HANDLES))
    var actualBytes: UInt32 = 0
    var actualHandles: UInt32 = 0
    let status = bytes.withUnsafeBytes { raw in
        handles.withUnsafeBufferPointer { list in
            reply.withUnsafeMutableBytes { out in
                replyHandles.withUnsafeMutableBufferPointer { outHandles in
                    var args = zx_channel_call_args_t(
                        wr_bytes: raw.baseAddress, wr_handles: list.baseAddress,
                        rd_bytes: out.baseAddress, rd_handles: outHandles.baseAddress,
                        wr_num_bytes: UInt32(raw.count), wr_num_handles: UInt32(list.count),
                        rd_num_bytes: UInt32(out.count), rd_num_handles: UInt32(outHandles.count))
                    return zx_channel_call(channel, 0, deadline, &args, &actualBytes, &actualHandles)
                }
            }
        }
    }
    guard status == ZX_OK else { throw ZxStatus(status) }
    var decoder = try MessageDecoder(message: Array(reply.prefix(Int(actualBytes))),
                                     handles: Array(replyHandles.prefix(Int(actualHandles))))
    decoder.skipHeader()
    return decoder
}
