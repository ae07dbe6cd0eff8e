// Port constants: `zx_object_wait_async` options, port packet types and the pager request
// commands carried in `zx_packet_page_request_t`.
//
// Zircon counterparts: zircon/system/public/zircon/syscalls/port.h (and syscalls-next.h for
// ZX_PAGER_VMO_DIRTY before it moved). Packet structs live in PortPackets.swift.

// MARK: zx_object_wait_async options

/// Superfluous (0); kept for source compatibility.
public let ZX_WAIT_ASYNC_ONCE: UInt32 = 0
/// Record the time the signal was asserted in `zx_packet_signal_t.timestamp`.
public let ZX_WAIT_ASYNC_TIMESTAMP: UInt32 = 1
/// Edge-triggered: only queue a packet when a signal transitions to asserted.
public let ZX_WAIT_ASYNC_EDGE: UInt32 = 2

// MARK: zx_port_create options

public let ZX_PORT_BIND_TO_INTERRUPT: UInt32 = 1 << 0

// MARK: Packet types (zx_port_packet_t.type)

public let ZX_PKT_TYPE_USER: zx_packet_type_t = 0x00
public let ZX_PKT_TYPE_SIGNAL_ONE: zx_packet_type_t = 0x01
// 0x02 was ZX_PKT_TYPE_SIGNAL_REP.
public let ZX_PKT_TYPE_GUEST_BELL: zx_packet_type_t = 0x03
public let ZX_PKT_TYPE_GUEST_MEM: zx_packet_type_t = 0x04
public let ZX_PKT_TYPE_GUEST_IO: zx_packet_type_t = 0x05
public let ZX_PKT_TYPE_GUEST_VCPU: zx_packet_type_t = 0x06
public let ZX_PKT_TYPE_INTERRUPT: zx_packet_type_t = 0x07
public let ZX_PKT_TYPE_PAGE_REQUEST: zx_packet_type_t = 0x09

@inlinable public func ZX_PKT_IS_USER(_ type: zx_packet_type_t) -> Bool { type == ZX_PKT_TYPE_USER }
@inlinable public func ZX_PKT_IS_SIGNAL_ONE(_ type: zx_packet_type_t) -> Bool { type == ZX_PKT_TYPE_SIGNAL_ONE }
@inlinable public func ZX_PKT_IS_INTERRUPT(_ type: zx_packet_type_t) -> Bool { type == ZX_PKT_TYPE_INTERRUPT }
@inlinable public func ZX_PKT_IS_PAGE_REQUEST(_ type: zx_packet_type_t) -> Bool { type == ZX_PKT_TYPE_PAGE_REQUEST }

// MARK: zx_packet_guest_vcpu_t.type

public let ZX_PKT_GUEST_VCPU_INTERRUPT: UInt32 = 0
public let ZX_PKT_GUEST_VCPU_STARTUP: UInt32 = 1
public let ZX_PKT_GUEST_VCPU_EXIT: UInt32 = 2

// MARK: Pager requests (zx_packet_page_request_t.command)

/// Supply the pages of [offset, offset+length).
public let ZX_PAGER_VMO_READ: UInt16 = 0
/// The pager VMO was detached; no further requests will arrive for it.
public let ZX_PAGER_VMO_COMPLETE: UInt16 = 1
/// Acknowledge (ZX_PAGER_OP_DIRTY) that the pages may become dirty (VMOs made with ZX_VMO_TRAP_DIRTY).
public let ZX_PAGER_VMO_DIRTY: UInt16 = 2
