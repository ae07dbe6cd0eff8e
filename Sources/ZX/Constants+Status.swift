// The C status constants `ZX_OK` / `ZX_ERR_*` and `zx_status_get_string`.
//
// Zircon counterparts: zircon/system/public/zircon/errors.h (generated from
// zircon/vdso/errors.fidl) and zircon/system/public/zircon/status.h (the vDSO's
// zx_status_get_string). The Swift-native error type is `ZxStatus` (ZxStatus.swift).

/// Success.
public let ZX_OK: zx_status_t = 0
/// An otherwise unspecified error.
public let ZX_ERR_INTERNAL: zx_status_t = -1
/// The operation is not implemented, supported or enabled.
public let ZX_ERR_NOT_SUPPORTED: zx_status_t = -2
/// A resource needed by the operation could not be allocated.
public let ZX_ERR_NO_RESOURCES: zx_status_t = -3
/// Memory needed by the operation could not be allocated.
public let ZX_ERR_NO_MEMORY: zx_status_t = -4
// -5 is retired (was ZX_ERR_CALL_FAILED).
/// The call was interrupted and should be retried (vDSO-internal).
public let ZX_ERR_INTERNAL_INTR_RETRY: zx_status_t = -6
/// An argument is invalid.
public let ZX_ERR_INVALID_ARGS: zx_status_t = -10
/// A handle value does not refer to a handle.
public let ZX_ERR_BAD_HANDLE: zx_status_t = -11
/// The subject of the operation is of the wrong type.
public let ZX_ERR_WRONG_TYPE: zx_status_t = -12
/// The syscall number is invalid.
public let ZX_ERR_BAD_SYSCALL: zx_status_t = -13
/// An argument is outside the valid range.
public let ZX_ERR_OUT_OF_RANGE: zx_status_t = -14
/// A caller-provided buffer is too small.
public let ZX_ERR_BUFFER_TOO_SMALL: zx_status_t = -15
/// The object's state does not allow the operation.
public let ZX_ERR_BAD_STATE: zx_status_t = -20
/// The deadline passed before the operation completed.
public let ZX_ERR_TIMED_OUT: zx_status_t = -21
/// The operation could succeed later; wait for a prerequisite.
public let ZX_ERR_SHOULD_WAIT: zx_status_t = -22
/// The in-progress operation was canceled.
public let ZX_ERR_CANCELED: zx_status_t = -23
/// The remote end was closed.
public let ZX_ERR_PEER_CLOSED: zx_status_t = -24
/// The requested entity was not found.
public let ZX_ERR_NOT_FOUND: zx_status_t = -25
/// An object with that identifier already exists.
public let ZX_ERR_ALREADY_EXISTS: zx_status_t = -26
/// The entity is already owned or bound by someone else.
public let ZX_ERR_ALREADY_BOUND: zx_status_t = -27
/// The subject is currently unable to perform the operation.
public let ZX_ERR_UNAVAILABLE: zx_status_t = -28
/// The caller lacks permission (usually a handle right).
public let ZX_ERR_ACCESS_DENIED: zx_status_t = -30
/// An otherwise unspecified I/O error.
public let ZX_ERR_IO: zx_status_t = -40
/// The I/O target refused the operation.
public let ZX_ERR_IO_REFUSED: zx_status_t = -41
/// Data failed an integrity check.
public let ZX_ERR_IO_DATA_INTEGRITY: zx_status_t = -42
/// Data is unavailable and may be permanently lost.
public let ZX_ERR_IO_DATA_LOSS: zx_status_t = -43
/// The device is no longer present.
public let ZX_ERR_IO_NOT_PRESENT: zx_status_t = -44
/// More data was received than expected.
public let ZX_ERR_IO_OVERRUN: zx_status_t = -45
/// An operation missed its deadline.
public let ZX_ERR_IO_MISSED_DEADLINE: zx_status_t = -46
/// The data of the operation is invalid or out of range.
public let ZX_ERR_IO_INVALID: zx_status_t = -47
/// A path name is too long.
public let ZX_ERR_BAD_PATH: zx_status_t = -50
/// The object is not a directory.
public let ZX_ERR_NOT_DIR: zx_status_t = -51
/// The object is not a regular file.
public let ZX_ERR_NOT_FILE: zx_status_t = -52
/// A file would exceed a size limit.
public let ZX_ERR_FILE_BIG: zx_status_t = -53
/// Filesystem or device space is exhausted.
public let ZX_ERR_NO_SPACE: zx_status_t = -54
/// A directory is not empty.
public let ZX_ERR_NOT_EMPTY: zx_status_t = -55
/// Flow control: stop iterating (never returned by a syscall).
public let ZX_ERR_STOP: zx_status_t = -60
/// Flow control: advance to the next item (never returned by a syscall).
public let ZX_ERR_NEXT: zx_status_t = -61
/// Flow control: ownership moved to an asynchronous worker (never returned by a syscall).
public let ZX_ERR_ASYNC: zx_status_t = -62
/// The protocol is not supported.
public let ZX_ERR_PROTOCOL_NOT_SUPPORTED: zx_status_t = -70
/// The host is unreachable.
public let ZX_ERR_ADDRESS_UNREACHABLE: zx_status_t = -71
/// The address is in use.
public let ZX_ERR_ADDRESS_IN_USE: zx_status_t = -72
/// The socket is not connected.
public let ZX_ERR_NOT_CONNECTED: zx_status_t = -73
/// The peer refused the connection.
public let ZX_ERR_CONNECTION_REFUSED: zx_status_t = -74
/// The connection was reset.
public let ZX_ERR_CONNECTION_RESET: zx_status_t = -75
/// The connection was aborted.
public let ZX_ERR_CONNECTION_ABORTED: zx_status_t = -76
/// A task was killed during the operation (vDSO-private).
public let ZX_ERR_INTERNAL_INTR_KILLED: zx_status_t = -502

/// Every status Zircon defines, with its C name, in `errors.h` order.
public let zxStatusNames: [(status: zx_status_t, name: String)] = [
    (ZX_OK, "ZX_OK"),
    (ZX_ERR_INTERNAL, "ZX_ERR_INTERNAL"),
    (ZX_ERR_NOT_SUPPORTED, "ZX_ERR_NOT_SUPPORTED"),
    (ZX_ERR_NO_RESOURCES, "ZX_ERR_NO_RESOURCES"),
    (ZX_ERR_NO_MEMORY, "ZX_ERR_NO_MEMORY"),
    (ZX_ERR_INTERNAL_INTR_RETRY, "ZX_ERR_INTERNAL_INTR_RETRY"),
    (ZX_ERR_INVALID_ARGS, "ZX_ERR_INVALID_ARGS"),
    (ZX_ERR_BAD_HANDLE, "ZX_ERR_BAD_HANDLE"),
    (ZX_ERR_WRONG_TYPE, "ZX_ERR_WRONG_TYPE"),
    (ZX_ERR_BAD_SYSCALL, "ZX_ERR_BAD_SYSCALL"),
    (ZX_ERR_OUT_OF_RANGE, "ZX_ERR_OUT_OF_RANGE"),
    (ZX_ERR_BUFFER_TOO_SMALL, "ZX_ERR_BUFFER_TOO_SMALL"),
    (ZX_ERR_BAD_STATE, "ZX_ERR_BAD_STATE"),
    (ZX_ERR_TIMED_OUT, "ZX_ERR_TIMED_OUT"),
    (ZX_ERR_SHOULD_WAIT, "ZX_ERR_SHOULD_WAIT"),
    (ZX_ERR_CANCELED, "ZX_ERR_CANCELED"),
    (ZX_ERR_PEER_CLOSED, "ZX_ERR_PEER_CLOSED"),
    (ZX_ERR_NOT_FOUND, "ZX_ERR_NOT_FOUND"),
    (ZX_ERR_ALREADY_EXISTS, "ZX_ERR_ALREADY_EXISTS"),
    (ZX_ERR_ALREADY_BOUND, "ZX_ERR_ALREADY_BOUND"),
    (ZX_ERR_UNAVAILABLE, "ZX_ERR_UNAVAILABLE"),
    (ZX_ERR_ACCESS_DENIED, "ZX_ERR_ACCESS_DENIED"),
    (ZX_ERR_IO, "ZX_ERR_IO"),
    (ZX_ERR_IO_REFUSED, "ZX_ERR_IO_REFUSED"),
    (ZX_ERR_IO_DATA_INTEGRITY, "ZX_ERR_IO_DATA_INTEGRITY"),
    (ZX_ERR_IO_DATA_LOSS, "ZX_ERR_IO_DATA_LOSS"),
    (ZX_ERR_IO_NOT_PRESENT, "ZX_ERR_IO_NOT_PRESENT"),
    (ZX_ERR_IO_OVERRUN, "ZX_ERR_IO_OVERRUN"),
    (ZX_ERR_IO_MISSED_DEADLINE, "ZX_ERR_IO_MISSED_DEADLINE"),
    (ZX_ERR_IO_INVALID, "ZX_ERR_IO_INVALID"),
    (ZX_ERR_BAD_PATH, "ZX_ERR_BAD_PATH"),
    (ZX_ERR_NOT_DIR, "ZX_ERR_NOT_DIR"),
    (ZX_ERR_NOT_FILE, "ZX_ERR_NOT_FILE"),
    (ZX_ERR_FILE_BIG, "ZX_ERR_FILE_BIG"),
    (ZX_ERR_NO_SPACE, "ZX_ERR_NO_SPACE"),
    (ZX_ERR_NOT_EMPTY, "ZX_ERR_NOT_EMPTY"),
    (ZX_ERR_STOP, "ZX_ERR_STOP"),
    (ZX_ERR_NEXT, "ZX_ERR_NEXT"),
    (ZX_ERR_ASYNC, "ZX_ERR_ASYNC"),
    (ZX_ERR_PROTOCOL_NOT_SUPPORTED, "ZX_ERR_PROTOCOL_NOT_SUPPORTED"),
    (ZX_ERR_ADDRESS_UNREACHABLE, "ZX_ERR_ADDRESS_UNREACHABLE"),
    (ZX_ERR_ADDRESS_IN_USE, "ZX_ERR_ADDRESS_IN_USE"),
    (ZX_ERR_NOT_CONNECTED, "ZX_ERR_NOT_CONNECTED"),
    (ZX_ERR_CONNECTION_REFUSED, "ZX_ERR_CONNECTION_REFUSED"),
    (ZX_ERR_CONNECTION_RESET, "ZX_ERR_CONNECTION_RESET"),
    (ZX_ERR_CONNECTION_ABORTED, "ZX_ERR_CONNECTION_ABORTED"),
    (ZX_ERR_INTERNAL_INTR_KILLED, "ZX_ERR_INTERNAL_INTR_KILLED"),
]

/// The C name of a defined status, or nil for a value Zircon does not define.
public func zxStatusName(_ status: zx_status_t) -> String? {
    zxStatusNames.first { $0.status == status }?.name
}

/// The C name of `status` (e.g. "ZX_ERR_NO_MEMORY", "ZX_OK"), or "(UNKNOWN)" for a value
/// Zircon does not define — the same strings the vDSO's `zx_status_get_string` returns.
public func zx_status_get_string(_ status: zx_status_t) -> String {
    zxStatusName(status) ?? "(UNKNOWN)"
}
