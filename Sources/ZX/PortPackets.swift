// Port packets: `zx_port_packet_t` and the 32-byte payloads it can carry (user, signal,
// interrupt, pager request), with C field names and 64-bit layout.
//
// Zircon counterpart: zircon/system/public/zircon/syscalls/port.h. The C packet ends in an
// anonymous union; here it is 32 bytes of raw storage (`payload`) with typed accessors.

/// Payload of ZX_PKT_TYPE_USER packets: 32 opaque bytes (C union of u64[4]/u32[8]/u16[16]/c8[32]).
public struct zx_packet_user_t: Sendable, BitwiseCopyable {
    public var u64: (UInt64, UInt64, UInt64, UInt64)

    public init(u64: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)) {
        self.u64 = u64
    }

    /// The same bytes viewed as eight 32-bit words.
    public var u32: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) {
        get { unsafeBitCast(u64, to: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32).self) }
        set { u64 = unsafeBitCast(newValue, to: (UInt64, UInt64, UInt64, UInt64).self) }
    }

    /// The same bytes as an array of 32 bytes.
    public var c8: [UInt8] {
        get { withUnsafeBytes(of: u64) { Array($0) } }
        set {
            precondition(newValue.count == 32, "zx_packet_user_t.c8 holds exactly 32 bytes")
            withUnsafeMutableBytes(of: &u64) { $0.copyBytes(from: newValue) }
        }
    }
}

/// Payload of ZX_PKT_TYPE_SIGNAL_ONE packets (32 bytes).
public struct zx_packet_signal_t: Sendable, BitwiseCopyable {
    /// The signals the wait was registered for.
    public var trigger: zx_signals_t
    /// The signals asserted when the packet was queued.
    public var observed: zx_signals_t
    /// Number of times the condition was observed (1 for one-shot waits).
    public var count: UInt64
    /// Time the signal was asserted (with ZX_WAIT_ASYNC_TIMESTAMP), else 0. `uint64_t` in C.
    public var timestamp: UInt64
    public var reserved1: UInt64

    public init(trigger: zx_signals_t = 0, observed: zx_signals_t = 0, count: UInt64 = 0,
                timestamp: UInt64 = 0, reserved1: UInt64 = 0) {
        self.trigger = trigger
        self.observed = observed
        self.count = count
        self.timestamp = timestamp
        self.reserved1 = reserved1
    }
}

/// Payload of ZX_PKT_TYPE_INTERRUPT packets (32 bytes).
public struct zx_packet_interrupt_t: Sendable, BitwiseCopyable {
    public var timestamp: zx_time_t
    public var reserved0: UInt64
    public var reserved1: UInt64
    public var reserved2: UInt64

    public init(timestamp: zx_time_t = 0, reserved0: UInt64 = 0, reserved1: UInt64 = 0, reserved2: UInt64 = 0) {
        self.timestamp = timestamp
        self.reserved0 = reserved0
        self.reserved1 = reserved1
        self.reserved2 = reserved2
    }
}

/// Payload of ZX_PKT_TYPE_PAGE_REQUEST packets (32 bytes).
public struct zx_packet_page_request_t: Sendable, BitwiseCopyable {
    /// ZX_PAGER_VMO_READ, ZX_PAGER_VMO_COMPLETE or ZX_PAGER_VMO_DIRTY.
    public var command: UInt16
    /// Unspecified; 0.
    public var flags: UInt16
    public var reserved0: UInt32
    /// Byte offset of the requested range (page aligned).
    public var offset: UInt64
    /// Byte length of the requested range (page aligned).
    public var length: UInt64
    public var reserved1: UInt64

    public init(command: UInt16 = 0, flags: UInt16 = 0, reserved0: UInt32 = 0, offset: UInt64 = 0,
                length: UInt64 = 0, reserved1: UInt64 = 0) {
        self.command = command
        self.flags = flags
        self.reserved0 = reserved0
        self.offset = offset
        self.length = length
        self.reserved1 = reserved1
    }
}

/// A packet as queued on and read from a port (48 bytes).
public struct zx_port_packet_t: Sendable, BitwiseCopyable {
    /// The key given to `zx_port_queue` / `zx_object_wait_async` / `zx_pager_create_vmo`.
    public var key: UInt64
    /// ZX_PKT_TYPE_*; selects which payload view is meaningful.
    public var type: zx_packet_type_t
    public var status: zx_status_t
    /// The 32-byte C union, as raw storage. Use `user`, `signal`, `interrupt` or `page_request`.
    public var payload: (UInt64, UInt64, UInt64, UInt64)

    public init(key: UInt64 = 0, type: zx_packet_type_t = 0, status: zx_status_t = 0,
                payload: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)) {
        self.key = key
        self.type = type
        self.status = status
        self.payload = payload
    }

    public init(key: UInt64, type: zx_packet_type_t, status: zx_status_t, user: zx_packet_user_t) {
        self.init(key: key, type: type, status: status)
        self.user = user
    }

    public init(key: UInt64, type: zx_packet_type_t, status: zx_status_t, signal: zx_packet_signal_t) {
        self.init(key: key, type: type, status: status)
        self.signal = signal
    }

    public init(key: UInt64, type: zx_packet_type_t, status: zx_status_t, page_request: zx_packet_page_request_t) {
        self.init(key: key, type: type, status: status)
        self.page_request = page_request
    }

    /// The payload as a user packet.
    public var user: zx_packet_user_t {
        get { unsafeBitCast(payload, to: zx_packet_user_t.self) }
        set { payload = unsafeBitCast(newValue, to: (UInt64, UInt64, UInt64, UInt64).self) }
    }

    /// The payload as a signal packet.
    public var signal: zx_packet_signal_t {
        get { unsafeBitCast(payload, to: zx_packet_signal_t.self) }
        set { payload = unsafeBitCast(newValue, to: (UInt64, UInt64, UInt64, UInt64).self) }
    }

    /// The payload as an interrupt packet.
    public var interrupt: zx_packet_interrupt_t {
        get { unsafeBitCast(payload, to: zx_packet_interrupt_t.self) }
        set { payload = unsafeBitCast(newValue, to: (UInt64, UInt64, UInt64, UInt64).self) }
    }

    /// The payload as a pager request.
    public var page_request: zx_packet_page_request_t {
        get { unsafeBitCast(payload, to: zx_packet_page_request_t.self) }
        set { payload = unsafeBitCast(newValue, to: (UInt64, UInt64, UInt64, UInt64).self) }
    }
}
