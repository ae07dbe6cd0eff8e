// Port syscalls: zx_port_create, zx_port_queue, zx_port_wait, zx_port_cancel.
//
// Zircon counterpart: zircon/kernel/lib/syscalls/port.cc; contracts from
// docs/reference/syscalls/port_{create,queue,wait,cancel}.md.

import ZX

extension Sys {
    /// zx_port_create. ZX_PORT_BIND_TO_INTERRUPT is accepted (there are no interrupts yet).
    /// - Throws: `.invalidArgs` for other option bits.
    static func portCreate(_ options: UInt32) throws(ZxStatus) -> zx_handle_t {
        let context = try context()
        guard options & ~ZX_PORT_BIND_TO_INTERRUPT == 0 else { throw .invalidArgs }
        let port = PortDispatcher(koid: context.kernel.allocateKoid(), options: options)
        return try context.handles.add(port, port.defaultRights)
    }

    /// zx_port_queue: a user packet (type forced to ZX_PKT_TYPE_USER).
    /// - Throws: lookup errors with WRITE, `.invalidArgs` (nil packet), `.shouldWait` (too many
    ///   pending user packets).
    static func portQueue(_ handle: zx_handle_t, _ packet: UnsafePointer<zx_port_packet_t>?) throws(ZxStatus) {
        let context = try context()
        let (port, _) = try context.handles.lookup(handle, as: PortDispatcher.self, rights: ZX_RIGHT_WRITE)
        guard let packet else { throw .invalidArgs }
        try port.queueUser(UnsafeRawPointer(packet).loadUnaligned(as: zx_port_packet_t.self))
    }

    /// zx_port_wait: the oldest packet, blocking until `deadline`.
    /// - Throws: lookup errors with READ, `.timedOut`, `.invalidArgs` (nil packet: the dequeued
    ///   packet is lost, as in Zircon).
    static func portWait(_ handle: zx_handle_t, _ deadline: zx_time_t) throws(ZxStatus) -> zx_port_packet_t {
        let context = try context()
        let (port, _) = try context.handles.lookup(handle, as: PortDispatcher.self, rights: ZX_RIGHT_READ)
        return try port.dequeue(deadline: deadline, as: context.thread)
    }

    /// zx_port_cancel: ends the pending wait_async operations made through `source` with `key`
    /// and removes their queued packets.
    /// - Throws: port lookup errors with WRITE, `.badHandle` (source), `.accessDenied` (source
    ///   lacks WAIT), `.notSupported` (not waitable), `.notFound` (nothing to cancel).
    static func portCancel(_ handle: zx_handle_t, _ source: zx_handle_t, _ key: UInt64) throws(ZxStatus) {
        let context = try context()
        let (port, _) = try context.handles.lookup(handle, as: PortDispatcher.self, rights: ZX_RIGHT_WRITE)
        let watched = try context.handles.lookup(source)
        guard watched.hasRights(ZX_RIGHT_WAIT) else { throw .accessDenied }
        guard isWaitable(watched.object) else { throw .notSupported }
        let found = withExtendedLifetime(watched) {
            port.cancel(object: watched.object, boundHandle: ObjectIdentifier(watched), key: key)
        }
        guard found else { throw .notFound }
    }
}

// zx_status_t zx_port_create
public func zx_port_create(_ options: UInt32, _ out: inout zx_handle_t) -> zx_status_t {
    ZxStatus.capture { () throws(ZxStatus) in out = try Sys.portCreate(options) }
}

// zx_status_t zx_port_queue
/// `packet` is `&packet` (or nil, which is INVALID_ARGS).
public func zx_port_queue(_ handle: zx_handle_t, _ packet: UnsafePointer<zx_port_packet_t>?) -> zx_status_t {
    ZxStatus.capture { () throws(ZxStatus) in try Sys.portQueue(handle, packet) }
}

// zx_status_t zx_port_wait
/// `packet` is `&packet` (or nil, which is INVALID_ARGS after a packet was dequeued).
public func zx_port_wait(_ handle: zx_handle_t, _ deadline: zx_time_t,
                         _ packet: UnsafeMutablePointer<zx_port_packet_t>?) -> zx_status_t {
    ZxStatus.capture { () throws(ZxStatus) in
        let received = try Sys.portWait(handle, deadline)
        guard let packet else { throw .invalidArgs }
        UnsafeMutableRawPointer(packet).storeBytes(of: received, as: zx_port_packet_t.self)
    }
}

// zx_status_t zx_port_cancel
public func zx_port_cancel(_ handle: zx_handle_t, _ source: zx_handle_t, _ key: UInt64) -> zx_status_t {
    ZxStatus.capture { () throws(ZxStatus) in try Sys.portCancel(handle, source, key) }
}
