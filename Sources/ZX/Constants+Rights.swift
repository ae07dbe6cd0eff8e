// Handle rights (`ZX_RIGHT_*`), their named groups and the default rights of each object type.
//
// Zircon counterpart: zircon/system/public/zircon/rights.h (bit positions from
// zircon/vdso/rights.fidl), NEW-era values with OP_CHILDREN, RESIZE, ATTACH_VMO and MANAGE_VMO.
// The Swift-native option set is `Rights` (Rights.swift).

public let ZX_RIGHT_NONE: zx_rights_t = 0
public let ZX_RIGHT_DUPLICATE: zx_rights_t = 1 << 0
public let ZX_RIGHT_TRANSFER: zx_rights_t = 1 << 1
public let ZX_RIGHT_READ: zx_rights_t = 1 << 2
public let ZX_RIGHT_WRITE: zx_rights_t = 1 << 3
public let ZX_RIGHT_EXECUTE: zx_rights_t = 1 << 4
public let ZX_RIGHT_MAP: zx_rights_t = 1 << 5
public let ZX_RIGHT_GET_PROPERTY: zx_rights_t = 1 << 6
public let ZX_RIGHT_SET_PROPERTY: zx_rights_t = 1 << 7
public let ZX_RIGHT_ENUMERATE: zx_rights_t = 1 << 8
public let ZX_RIGHT_DESTROY: zx_rights_t = 1 << 9
public let ZX_RIGHT_SET_POLICY: zx_rights_t = 1 << 10
public let ZX_RIGHT_GET_POLICY: zx_rights_t = 1 << 11
public let ZX_RIGHT_SIGNAL: zx_rights_t = 1 << 12
public let ZX_RIGHT_SIGNAL_PEER: zx_rights_t = 1 << 13
public let ZX_RIGHT_WAIT: zx_rights_t = 1 << 14
public let ZX_RIGHT_INSPECT: zx_rights_t = 1 << 15
public let ZX_RIGHT_MANAGE_JOB: zx_rights_t = 1 << 16
public let ZX_RIGHT_MANAGE_PROCESS: zx_rights_t = 1 << 17
public let ZX_RIGHT_MANAGE_THREAD: zx_rights_t = 1 << 18
public let ZX_RIGHT_APPLY_PROFILE: zx_rights_t = 1 << 19
public let ZX_RIGHT_MANAGE_SOCKET: zx_rights_t = 1 << 20
public let ZX_RIGHT_OP_CHILDREN: zx_rights_t = 1 << 21
public let ZX_RIGHT_RESIZE: zx_rights_t = 1 << 22
public let ZX_RIGHT_ATTACH_VMO: zx_rights_t = 1 << 23
public let ZX_RIGHT_MANAGE_VMO: zx_rights_t = 1 << 24
/// Sentinel for `zx_handle_duplicate` / `zx_handle_replace`: keep the source handle's rights.
public let ZX_RIGHT_SAME_RIGHTS: zx_rights_t = 1 << 31

// MARK: Groups

/// TRANSFER | DUPLICATE | WAIT | INSPECT (0xC003).
public let ZX_RIGHTS_BASIC: zx_rights_t = ZX_RIGHT_TRANSFER | ZX_RIGHT_DUPLICATE | ZX_RIGHT_WAIT | ZX_RIGHT_INSPECT
/// READ | WRITE (0xC).
public let ZX_RIGHTS_IO: zx_rights_t = ZX_RIGHT_READ | ZX_RIGHT_WRITE
/// GET_PROPERTY | SET_PROPERTY (0xC0).
public let ZX_RIGHTS_PROPERTY: zx_rights_t = ZX_RIGHT_GET_PROPERTY | ZX_RIGHT_SET_PROPERTY
/// GET_POLICY | SET_POLICY (0xC00).
public let ZX_RIGHTS_POLICY: zx_rights_t = ZX_RIGHT_GET_POLICY | ZX_RIGHT_SET_POLICY

// MARK: Default rights per object type

public let ZX_DEFAULT_CHANNEL_RIGHTS: zx_rights_t =
    (ZX_RIGHTS_BASIC & ~ZX_RIGHT_DUPLICATE) | ZX_RIGHTS_IO | ZX_RIGHT_SIGNAL | ZX_RIGHT_SIGNAL_PEER
public let ZX_DEFAULT_EVENT_RIGHTS: zx_rights_t = ZX_RIGHTS_BASIC | ZX_RIGHT_SIGNAL
public let ZX_DEFAULT_SYSTEM_EVENT_LOW_MEMORY_RIGHTS: zx_rights_t =
    ZX_RIGHT_WAIT | ZX_RIGHT_DUPLICATE | ZX_RIGHT_TRANSFER
public let ZX_DEFAULT_EVENTPAIR_RIGHTS: zx_rights_t = ZX_RIGHTS_BASIC | ZX_RIGHT_SIGNAL | ZX_RIGHT_SIGNAL_PEER
public let ZX_DEFAULT_FIFO_RIGHTS: zx_rights_t =
    ZX_RIGHTS_BASIC | ZX_RIGHTS_IO | ZX_RIGHT_SIGNAL | ZX_RIGHT_SIGNAL_PEER
public let ZX_DEFAULT_GUEST_RIGHTS: zx_rights_t =
    ZX_RIGHT_TRANSFER | ZX_RIGHT_DUPLICATE | ZX_RIGHT_WRITE | ZX_RIGHT_INSPECT | ZX_RIGHT_MANAGE_THREAD
public let ZX_DEFAULT_INTERRUPT_RIGHTS: zx_rights_t = ZX_RIGHTS_BASIC | ZX_RIGHTS_IO | ZX_RIGHT_SIGNAL
public let ZX_DEFAULT_JOB_RIGHTS: zx_rights_t =
    ZX_RIGHTS_BASIC | ZX_RIGHTS_IO | ZX_RIGHTS_PROPERTY | ZX_RIGHTS_POLICY | ZX_RIGHT_ENUMERATE
    | ZX_RIGHT_DESTROY | ZX_RIGHT_SIGNAL | ZX_RIGHT_MANAGE_JOB | ZX_RIGHT_MANAGE_PROCESS
    | ZX_RIGHT_MANAGE_THREAD
public let ZX_DEFAULT_LOG_RIGHTS: zx_rights_t = ZX_RIGHTS_BASIC | ZX_RIGHT_WRITE | ZX_RIGHT_SIGNAL
public let ZX_DEFAULT_MSI_RIGHTS: zx_rights_t = ZX_RIGHTS_BASIC
public let ZX_DEFAULT_PCI_DEVICE_RIGHTS: zx_rights_t = ZX_RIGHTS_BASIC | ZX_RIGHTS_IO
public let ZX_DEFAULT_PCI_INTERRUPT_RIGHTS: zx_rights_t = ZX_RIGHTS_BASIC | ZX_RIGHTS_IO | ZX_RIGHT_SIGNAL
/// DUPLICATE | TRANSFER | INSPECT | READ | WRITE (0x800F).
public let ZX_DEFAULT_PORT_RIGHTS: zx_rights_t = (ZX_RIGHTS_BASIC & ~ZX_RIGHT_WAIT) | ZX_RIGHTS_IO
public let ZX_DEFAULT_PROCESS_RIGHTS: zx_rights_t =
    ZX_RIGHTS_BASIC | ZX_RIGHTS_IO | ZX_RIGHTS_PROPERTY | ZX_RIGHT_ENUMERATE | ZX_RIGHT_DESTROY
    | ZX_RIGHT_SIGNAL | ZX_RIGHT_MANAGE_PROCESS | ZX_RIGHT_MANAGE_THREAD
public let ZX_DEFAULT_RESOURCE_RIGHTS: zx_rights_t =
    ZX_RIGHT_TRANSFER | ZX_RIGHT_DUPLICATE | ZX_RIGHT_WRITE | ZX_RIGHT_INSPECT
public let ZX_DEFAULT_SOCKET_RIGHTS: zx_rights_t =
    ZX_RIGHTS_BASIC | ZX_RIGHTS_IO | ZX_RIGHT_GET_PROPERTY | ZX_RIGHT_SET_PROPERTY | ZX_RIGHT_SIGNAL
    | ZX_RIGHT_SIGNAL_PEER | ZX_RIGHT_MANAGE_SOCKET
public let ZX_DEFAULT_STREAM_RIGHTS: zx_rights_t = ZX_RIGHTS_BASIC | ZX_RIGHTS_PROPERTY | ZX_RIGHT_SIGNAL
public let ZX_DEFAULT_THREAD_RIGHTS: zx_rights_t =
    ZX_RIGHTS_BASIC | ZX_RIGHTS_IO | ZX_RIGHTS_PROPERTY | ZX_RIGHT_DESTROY | ZX_RIGHT_SIGNAL
    | ZX_RIGHT_MANAGE_THREAD
public let ZX_DEFAULT_TIMER_RIGHTS: zx_rights_t = ZX_RIGHTS_BASIC | ZX_RIGHT_WRITE | ZX_RIGHT_SIGNAL
public let ZX_DEFAULT_VCPU_RIGHTS: zx_rights_t =
    ZX_RIGHTS_BASIC | ZX_RIGHTS_IO | ZX_RIGHT_EXECUTE | ZX_RIGHT_SIGNAL
/// DUPLICATE | TRANSFER | INSPECT | OP_CHILDREN (0x208003).
public let ZX_DEFAULT_VMAR_RIGHTS: zx_rights_t = (ZX_RIGHTS_BASIC & ~ZX_RIGHT_WAIT) | ZX_RIGHT_OP_CHILDREN
/// BASIC | IO | PROPERTY | MAP | SIGNAL (0xD0EF).
public let ZX_DEFAULT_VMO_RIGHTS: zx_rights_t =
    ZX_RIGHTS_BASIC | ZX_RIGHTS_IO | ZX_RIGHTS_PROPERTY | ZX_RIGHT_MAP | ZX_RIGHT_SIGNAL
public let ZX_DEFAULT_IOMMU_RIGHTS: zx_rights_t = ZX_RIGHTS_BASIC & ~ZX_RIGHT_WAIT
public let ZX_DEFAULT_BTI_RIGHTS: zx_rights_t =
    (ZX_RIGHTS_BASIC & ~ZX_RIGHT_WAIT) | ZX_RIGHTS_IO | ZX_RIGHTS_PROPERTY | ZX_RIGHT_MAP
public let ZX_DEFAULT_PROFILE_RIGHTS: zx_rights_t = (ZX_RIGHTS_BASIC & ~ZX_RIGHT_WAIT) | ZX_RIGHT_APPLY_PROFILE
public let ZX_DEFAULT_PMT_RIGHTS: zx_rights_t = ZX_RIGHT_INSPECT
public let ZX_DEFAULT_SUSPEND_TOKEN_RIGHTS: zx_rights_t = ZX_RIGHT_TRANSFER | ZX_RIGHT_INSPECT
/// INSPECT | TRANSFER | ATTACH_VMO | MANAGE_VMO (0x1808002).
public let ZX_DEFAULT_PAGER_RIGHTS: zx_rights_t =
    ZX_RIGHT_INSPECT | ZX_RIGHT_TRANSFER | ZX_RIGHT_ATTACH_VMO | ZX_RIGHT_MANAGE_VMO
public let ZX_DEFAULT_EXCEPTION_RIGHTS: zx_rights_t = ZX_RIGHT_TRANSFER | ZX_RIGHTS_PROPERTY | ZX_RIGHT_INSPECT
public let ZX_DEFAULT_CLOCK_RIGHTS: zx_rights_t = ZX_RIGHTS_BASIC | ZX_RIGHTS_IO
