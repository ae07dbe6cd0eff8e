// Protocols between drivers: typed messages (`ProtocolMessage`), methods (`ProtocolMethod`: an
// ordinal plus request and response types), the serving side (`ProtocolServer`,
// `ProtocolRouter`) and the calling side (`ProtocolClient`), which either calls a colocated
// parent directly (banjo-style, same host) or goes over a channel with `zx_channel_call`
// (across a proxy, or from a devfs client). Handles in messages move between host processes.
//
// Fuchsia counterpart: banjo protocols (ddk::PDevProtocolClient, get_protocol) inside one driver
// host, and the FIDL transport + proxy rxrpc (src/devices/bin/driver_host/proxy_iostate.cc) across
// hosts.
//
// # Adding a protocol (walkthrough)
//
// 1. Give each method a Swift type conforming to `ProtocolMethod`, with a stable `name`
//    ("fuchsia.hardware.foo/Device.DoThing"; the ordinal is derived from it) and `Request` /
//    `Response` types conforming to `ProtocolMessage`:
//
//    ```swift
//    public enum GetWidget: ProtocolMethod {
//        public static let name = "example.widget/Device.GetWidget"
//        public struct Request: ProtocolMessage {
//            public var index: UInt32
//            public func encode(into e: inout MessageEncoder) { e.write(index) }
//            public init(from d: inout MessageDecoder) throws(ZxStatus) { index = try d.read() }
//        }
//        public struct Response: ProtocolMessage {
//            public var vmo: zx_handle_t                    // moves to the caller's process
//            public func encode(into e: inout MessageEncoder) { e.write(handle: vmo) }
//            public init(from d: inout MessageDecoder) throws(ZxStatus) { vmo = try d.readHandle() }
//        }
//    }
//    ```
// 2. The parent driver serves it: build a `ProtocolRouter`, register a closure per method with
//    `router.on(GetWidget.self) { request in ... }`, and pass the router as the device's
//    `DeviceHooks.protocol` when it adds the device. Handles put in a response are moved out of
//    the parent's handle table.
// 3. The child calls it: `try parent.protocolClient().call(GetWidget.self, .init(index: 0))` where
//    `parent` is the `DeviceContext` its `bind` received. If the parent is colocated, the router
//    runs on the calling thread; if the parent is behind a proxy, the call is encoded, goes over
//    the proxy channel with `zx_channel_call`, is served by the parent's host and the handles in
//    the reply land in the child's host. The child's code is the same either way.
//
// `Protocols.swift` holds two complete examples: fuchsia.hardware.platform.device (GetMmio,
// GetDeviceInfo) and fuchsia.hardware.pci (GetBar, ReadConfig, WriteConfig).

import ZX
import ZirconKernel

/// A value that travels in a protocol message.
public protocol ProtocolMessage: Sendable {
    /// Writes the fields in order. Handles are moved into the message (`write(handle:)`).
    func encode(into encoder: inout MessageEncoder)
    /// Reads the fields in the same order. Throws `.invalidArgs` on malformed input.
    init(from decoder: inout MessageDecoder) throws(ZxStatus)
}

/// A method of a protocol: its name (from which the ordinal derives) and message types.
public protocol ProtocolMethod {
    associatedtype Request: ProtocolMessage
    associatedtype Response: ProtocolMessage
    /// "library/Protocol.Method", e.g. "fuchsia.hardware.pci/Device.GetBar".
    static var name: String { get }
    /// The wire ordinal (defaults to a 63-bit FNV-1a hash of `name`, like FIDL's hashed ordinals).
    static var ordinal: UInt64 { get }
}

extension ProtocolMethod {
    public static var ordinal: UInt64 { protocolOrdinal(name) }
}

/// FNV-1a over the UTF-8 of `name`, top bit cleared (reserved for framework messages).
public func protocolOrdinal(_ name: String) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in name.utf8 {
        hash ^= UInt64(byte)
        hash = hash &* 0x0000_0100_0000_01B3
    }
    return hash & 0x7FFF_FFFF_FFFF_FFFF
}

/// A message with no fields.
public struct EmptyMessage: ProtocolMessage, Equatable {
    public init() {}
    public func encode(into encoder: inout MessageEncoder) {}
    public init(from decoder: inout MessageDecoder) throws(ZxStatus) {}
}

/// What serves calls: a parent device's protocol (`DeviceHooks.protocol`) or a device's devfs
/// connections (`DeviceHooks.message`).
public protocol ProtocolServer: Sendable {
    /// Serves one call: reads the request from `request` (positioned at the payload) and writes
    /// the response fields to `response`. Throw a `ZxStatus` to answer with an error; any other
    /// error (a `PageFault` in driver code) propagates and, uncaught, kills the host.
    func serve(ordinal: UInt64, request: inout MessageDecoder, response: inout MessageEncoder) throws
}

/// A `ProtocolServer` made of one typed closure per method.
public struct ProtocolRouter: ProtocolServer {
    public typealias Handler = @Sendable (inout MessageDecoder, inout MessageEncoder) throws -> Void
    private var handlers: [UInt64: Handler] = [:]

    public init() {}

    /// Serves `method` with `body`.
    public mutating func on<M: ProtocolMethod>(
        _ method: M.Type, _ body: @escaping @Sendable (M.Request) throws -> M.Response
    ) {
        handlers[M.ordinal] = { decoder, encoder in
            let request = try M.Request(from: &decoder)
            let response = try body(request)
            response.encode(into: &encoder)
        }
    }

    /// The ordinals served.
    public var ordinals: Set<UInt64> { Set(handlers.keys) }

    public func serve(ordinal: UInt64, request: inout MessageDecoder,
                      response: inout MessageEncoder) throws {
        guard let handler = handlers[ordinal] else { throw ZxStatus.notSupported }
        try handler(&request, &response)
    }
}

/// Serves one framed call read from a channel: decodes the header, dispatches to `server` and
/// returns the framed reply (same txid and ordinal, then the status, then the body). Errors
/// other than `ZxStatus` are rethrown (a driver fault kills its host).
func serveFramed(_ server: (any ProtocolServer)?, _ request: inout MessageDecoder) throws -> MessageEncoder {
    let header = try request.header()
    var reply = MessageEncoder(header: MessageHeader(txid: header.txid, ordinal: header.ordinal))
    reply.write(ZX_OK)
    guard let server else {
        request.closeUntaken()
        return errorReply(header, .notSupported)
    }
    do {
        try server.serve(ordinal: header.ordinal, request: &request, response: &reply)
        request.closeUntaken()
        return reply
    } catch let status as ZxStatus {
        request.closeUntaken()
        reply.discard()
        return errorReply(header, status)
    }
}

private func errorReply(_ header: MessageHeader, _ status: ZxStatus) -> MessageEncoder {
    var reply = MessageEncoder(header: MessageHeader(txid: header.txid, ordinal: header.ordinal))
    reply.write(status.rawValue)
    return reply
}

/// The calling side of a protocol: a colocated server called directly, or a channel.
public struct ProtocolClient: Sendable {
    enum Transport: Sendable {
        case local(any ProtocolServer)
        case channel(zx_handle_t)
    }

    let transport: Transport

    /// A client that calls `server` directly on the calling thread (same host).
    public init(local server: any ProtocolServer) { transport = .local(server) }

    /// A client over `channel` (a handle value of the calling process, not owned by the client).
    public init(channel: zx_handle_t) { transport = .channel(channel) }

    /// True if calls go over a channel (the server is in another process).
    public var isRemote: Bool {
        if case .channel = transport { return true }
        return false
    }

    /// Calls `method` and returns its response. Handles in the response now belong to the
    /// calling process. Call from a thread of the process that holds the channel.
    /// - Throws: the server's `ZxStatus`; `.peerClosed` if the server's host is gone;
    ///   `.timedOut`; `.invalidArgs` for a malformed reply; whatever a colocated server throws.
    public func call<M: ProtocolMethod>(_ method: M.Type, _ request: M.Request,
                                        deadline: zx_time_t = ZX_TIME_INFINITE) throws -> M.Response {
        var encoder = MessageEncoder(header: MessageHeader(ordinal: M.ordinal))
        request.encode(into: &encoder)
        switch transport {
        case .local(let server):
            // Banjo-style: the same bytes and handle values, no channel. The handles stay in
            // this process's table; the decoder hands them to the server.
            var decoder = try MessageDecoder(message: encoder.bytes, handles: encoder.handles)
            decoder.skipHeader()
            let reply = try serveFramed(server, &decoder)
            var replyDecoder = try MessageDecoder(message: reply.bytes, handles: reply.handles)
            replyDecoder.skipHeader()
            return try decodeReply(M.self, &replyDecoder)
        case .channel(let channel):
            var reply = try callMessage(encoder, on: channel, deadline: deadline)
            return try decodeReply(M.self, &reply)
        }
    }

    private func decodeReply<M: ProtocolMethod>(_ method: M.Type,
                                                _ reply: inout MessageDecoder) throws(ZxStatus) -> M.Response {
        let status: Int32 = try reply.read()
        guard status == ZX_OK else {
            reply.closeUntaken()
            throw ZxStatus(status)
        }
        do {
            let response = try M.Response(from: &reply)
            reply.closeUntaken()
            return response
        } catch {
            reply.closeUntaken()
            throw error
        }
    }
}
