// Signal bits (`zx_signals_t`): the generic object bits, user signals and the per-object aliases.
//
// Zircon counterpart: zircon/system/public/zircon/types.h. The generic `__ZX_OBJECT_*` names are
// kept verbatim (NEW headers have no public `ZX_OBJECT_SIGNAL_*` spellings); the Swift-native
// option set is `Signals` (Signals.swift).

public let ZX_SIGNAL_NONE: zx_signals_t = 0
/// All eight user signals (bits 24–31).
public let ZX_USER_SIGNAL_ALL: zx_signals_t = 0xFF00_0000

// Generic object signals (implementation names; not intended for public use in C either).
public let __ZX_OBJECT_SIGNAL_ALL: zx_signals_t = 0x00FF_FFFF
public let __ZX_OBJECT_READABLE: zx_signals_t = 1 << 0
public let __ZX_OBJECT_WRITABLE: zx_signals_t = 1 << 1
public let __ZX_OBJECT_PEER_CLOSED: zx_signals_t = 1 << 2
public let __ZX_OBJECT_SIGNALED: zx_signals_t = 1 << 3
public let __ZX_OBJECT_SIGNAL_4: zx_signals_t = 1 << 4
public let __ZX_OBJECT_SIGNAL_5: zx_signals_t = 1 << 5
public let __ZX_OBJECT_SIGNAL_6: zx_signals_t = 1 << 6
public let __ZX_OBJECT_SIGNAL_7: zx_signals_t = 1 << 7
public let __ZX_OBJECT_SIGNAL_8: zx_signals_t = 1 << 8
public let __ZX_OBJECT_SIGNAL_9: zx_signals_t = 1 << 9
public let __ZX_OBJECT_SIGNAL_10: zx_signals_t = 1 << 10
public let __ZX_OBJECT_SIGNAL_11: zx_signals_t = 1 << 11
public let __ZX_OBJECT_SIGNAL_12: zx_signals_t = 1 << 12
public let __ZX_OBJECT_SIGNAL_13: zx_signals_t = 1 << 13
public let __ZX_OBJECT_SIGNAL_14: zx_signals_t = 1 << 14
public let __ZX_OBJECT_SIGNAL_15: zx_signals_t = 1 << 15
public let __ZX_OBJECT_SIGNAL_16: zx_signals_t = 1 << 16
public let __ZX_OBJECT_SIGNAL_17: zx_signals_t = 1 << 17
public let __ZX_OBJECT_SIGNAL_18: zx_signals_t = 1 << 18
public let __ZX_OBJECT_SIGNAL_19: zx_signals_t = 1 << 19
public let __ZX_OBJECT_SIGNAL_20: zx_signals_t = 1 << 20
public let __ZX_OBJECT_SIGNAL_21: zx_signals_t = 1 << 21
public let __ZX_OBJECT_SIGNAL_22: zx_signals_t = 1 << 22
public let __ZX_OBJECT_HANDLE_CLOSED: zx_signals_t = 1 << 23

// User signals, settable with zx_object_signal / zx_object_signal_peer.
public let ZX_USER_SIGNAL_0: zx_signals_t = 1 << 24
public let ZX_USER_SIGNAL_1: zx_signals_t = 1 << 25
public let ZX_USER_SIGNAL_2: zx_signals_t = 1 << 26
public let ZX_USER_SIGNAL_3: zx_signals_t = 1 << 27
public let ZX_USER_SIGNAL_4: zx_signals_t = 1 << 28
public let ZX_USER_SIGNAL_5: zx_signals_t = 1 << 29
public let ZX_USER_SIGNAL_6: zx_signals_t = 1 << 30
public let ZX_USER_SIGNAL_7: zx_signals_t = 1 << 31

/// A wait was canceled because the waited-on handle was closed.
public let ZX_SIGNAL_HANDLE_CLOSED: zx_signals_t = 1 << 23

// Event / event pair
public let ZX_EVENT_SIGNALED: zx_signals_t = 1 << 3
public let ZX_EVENT_SIGNAL_MASK: zx_signals_t = 0xFF00_0000 | (1 << 3)
public let ZX_EVENTPAIR_SIGNALED: zx_signals_t = 1 << 3
public let ZX_EVENTPAIR_PEER_CLOSED: zx_signals_t = 1 << 2
public let ZX_EVENTPAIR_SIGNAL_MASK: zx_signals_t = 0xFF00_0000 | (1 << 3) | (1 << 2)

// Channel
public let ZX_CHANNEL_READABLE: zx_signals_t = 1 << 0
public let ZX_CHANNEL_WRITABLE: zx_signals_t = 1 << 1
public let ZX_CHANNEL_PEER_CLOSED: zx_signals_t = 1 << 2

// Clock
public let ZX_CLOCK_STARTED: zx_signals_t = 1 << 4

// Socket
public let ZX_SOCKET_READABLE: zx_signals_t = 1 << 0
public let ZX_SOCKET_WRITABLE: zx_signals_t = 1 << 1
public let ZX_SOCKET_PEER_CLOSED: zx_signals_t = 1 << 2
public let ZX_SOCKET_PEER_WRITE_DISABLED: zx_signals_t = 1 << 4
public let ZX_SOCKET_WRITE_DISABLED: zx_signals_t = 1 << 5
public let ZX_SOCKET_READ_THRESHOLD: zx_signals_t = 1 << 10
public let ZX_SOCKET_WRITE_THRESHOLD: zx_signals_t = 1 << 11

// FIFO
public let ZX_FIFO_READABLE: zx_signals_t = 1 << 0
public let ZX_FIFO_WRITABLE: zx_signals_t = 1 << 1
public let ZX_FIFO_PEER_CLOSED: zx_signals_t = 1 << 2

// Tasks (process, thread, job)
public let ZX_TASK_TERMINATED: zx_signals_t = 1 << 3
public let ZX_JOB_TERMINATED: zx_signals_t = 1 << 3
public let ZX_JOB_NO_JOBS: zx_signals_t = 1 << 4
public let ZX_JOB_NO_PROCESSES: zx_signals_t = 1 << 5
public let ZX_PROCESS_TERMINATED: zx_signals_t = 1 << 3
public let ZX_THREAD_TERMINATED: zx_signals_t = 1 << 3
public let ZX_THREAD_RUNNING: zx_signals_t = 1 << 4
public let ZX_THREAD_SUSPENDED: zx_signals_t = 1 << 5

// Log
public let ZX_LOG_READABLE: zx_signals_t = 1 << 0
public let ZX_LOG_WRITABLE: zx_signals_t = 1 << 1

// Timer
public let ZX_TIMER_SIGNALED: zx_signals_t = 1 << 3

// VMO: asserted while the VMO has no children (0x8).
public let ZX_VMO_ZERO_CHILDREN: zx_signals_t = 1 << 3

// IOBuffer
public let ZX_IOB_PEER_CLOSED: zx_signals_t = 1 << 2
