// Port: the Swift-native face of a port — an owning, noncopyable handle with typed-throws
// queue / wait / cancel and wait_async registration. Use inside `Process.run`.
//
// Zircon counterpart: the C++ zx::port and zx::object::wait_async.

import ZX

public struct Port: ~Copyable {
    public let handle: Handle

    /// Takes ownership of a raw port handle.
    public init(adopting value: zx_handle_t) { handle = Handle(adopting: value) }

    /// `zx_port_create`.
    public init(options: UInt32 = 0) throws(ZxStatus) {
        handle = Handle(adopting: try Sys.portCreate(options))
    }

    /// `zx_port_queue` of a user packet with `key` and payload `user`.
    public func queue(key: UInt64, status: zx_status_t = ZX_OK,
                      user: zx_packet_user_t = zx_packet_user_t()) throws(ZxStatus) {
        var packet = zx_port_packet_t(key: key, type: ZX_PKT_TYPE_USER, status: status, user: user)
        try Sys.portQueue(handle.value, &packet)
    }

    /// `zx_port_wait`: the oldest packet, blocking until `deadline`.
    /// - Throws: `.timedOut`.
    public func wait(deadline: zx_time_t = ZX_TIME_INFINITE) throws(ZxStatus) -> zx_port_packet_t {
        try Sys.portWait(handle.value, deadline)
    }

    /// `zx_object_wait_async`: a packet with `key` when `object` asserts any of `signals`.
    public func watch(_ object: borrowing Handle, for signals: Signals, key: UInt64,
                      options: UInt32 = 0) throws(ZxStatus) {
        try Sys.objectWaitAsync(object.value, handle.value, key, signals.rawValue, options)
    }

    /// `zx_port_cancel`.
    /// - Throws: `.notFound` if nothing was pending.
    public func cancel(_ object: borrowing Handle, key: UInt64) throws(ZxStatus) {
        try Sys.portCancel(handle.value, object.value, key)
    }
}
