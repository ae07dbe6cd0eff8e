// Exception types, policy-error codes, exception-channel constants and job-policy conditions.
//
// Zircon counterparts: zircon/system/public/zircon/syscalls/exception.h and syscalls/policy.h.
// A fatal page fault carries its zx_status_t in the report's synth_code.

// MARK: Architectural exceptions

public let ZX_EXCP_GENERAL: zx_excp_type_t = 0x008
public let ZX_EXCP_FATAL_PAGE_FAULT: zx_excp_type_t = 0x108
public let ZX_EXCP_UNDEFINED_INSTRUCTION: zx_excp_type_t = 0x208
public let ZX_EXCP_SW_BREAKPOINT: zx_excp_type_t = 0x308
public let ZX_EXCP_HW_BREAKPOINT: zx_excp_type_t = 0x408
public let ZX_EXCP_UNALIGNED_ACCESS: zx_excp_type_t = 0x508

// MARK: Synthetic exceptions

/// Set on every synthetic exception type.
public let ZX_EXCP_SYNTH: zx_excp_type_t = 0x8000
public let ZX_EXCP_THREAD_STARTING: zx_excp_type_t = 0x008 | 0x8000
public let ZX_EXCP_THREAD_EXITING: zx_excp_type_t = 0x108 | 0x8000
public let ZX_EXCP_POLICY_ERROR: zx_excp_type_t = 0x208 | 0x8000
public let ZX_EXCP_PROCESS_STARTING: zx_excp_type_t = 0x308 | 0x8000

/// True if `excp` is an architectural (not synthetic) exception type.
@inlinable public func ZX_EXCP_IS_ARCH(_ excp: zx_excp_type_t) -> Bool { excp & ZX_EXCP_SYNTH == 0 }

// MARK: ZX_EXCP_POLICY_ERROR synth codes

public let ZX_EXCP_POLICY_CODE_BAD_HANDLE: UInt32 = 0
public let ZX_EXCP_POLICY_CODE_WRONG_OBJECT: UInt32 = 1
public let ZX_EXCP_POLICY_CODE_VMAR_WX: UInt32 = 2
public let ZX_EXCP_POLICY_CODE_NEW_ANY: UInt32 = 3
public let ZX_EXCP_POLICY_CODE_NEW_VMO: UInt32 = 4
public let ZX_EXCP_POLICY_CODE_NEW_CHANNEL: UInt32 = 5
public let ZX_EXCP_POLICY_CODE_NEW_EVENT: UInt32 = 6
public let ZX_EXCP_POLICY_CODE_NEW_EVENTPAIR: UInt32 = 7
public let ZX_EXCP_POLICY_CODE_NEW_PORT: UInt32 = 8
public let ZX_EXCP_POLICY_CODE_NEW_SOCKET: UInt32 = 9
public let ZX_EXCP_POLICY_CODE_NEW_FIFO: UInt32 = 10
public let ZX_EXCP_POLICY_CODE_NEW_TIMER: UInt32 = 11
public let ZX_EXCP_POLICY_CODE_NEW_PROCESS: UInt32 = 12
public let ZX_EXCP_POLICY_CODE_NEW_PROFILE: UInt32 = 13
public let ZX_EXCP_POLICY_CODE_NEW_PAGER: UInt32 = 14
public let ZX_EXCP_POLICY_CODE_AMBIENT_MARK_VMO_EXEC: UInt32 = 15
public let ZX_EXCP_POLICY_CODE_CHANNEL_FULL_WRITE: UInt32 = 16
public let ZX_EXCP_POLICY_CODE_PORT_TOO_MANY_PACKETS: UInt32 = 17
public let ZX_EXCP_POLICY_CODE_BAD_SYSCALL: UInt32 = 18
public let ZX_EXCP_POLICY_CODE_PORT_TOO_MANY_OBSERVERS: UInt32 = 19
public let ZX_EXCP_POLICY_CODE_HANDLE_LEAK: UInt32 = 20
public let ZX_EXCP_POLICY_CODE_NEW_IOB: UInt32 = 21

// MARK: Exception channels

/// zx_task_create_exception_channel option: use the task's debugger channel.
public let ZX_EXCEPTION_CHANNEL_DEBUGGER: UInt32 = 1
public let ZX_EXCEPTION_CHANNEL_TYPE_NONE: UInt32 = 0
public let ZX_EXCEPTION_CHANNEL_TYPE_DEBUGGER: UInt32 = 1
public let ZX_EXCEPTION_CHANNEL_TYPE_THREAD: UInt32 = 2
public let ZX_EXCEPTION_CHANNEL_TYPE_PROCESS: UInt32 = 3
public let ZX_EXCEPTION_CHANNEL_TYPE_JOB: UInt32 = 4
public let ZX_EXCEPTION_CHANNEL_TYPE_JOB_DEBUGGER: UInt32 = 5
public let ZX_EXCEPTION_CHANNEL_JOB_DEBUGGER_MAX_COUNT: UInt32 = 32

// MARK: Job policy (zx_job_set_policy)

public let ZX_JOB_POL_RELATIVE: UInt32 = 0
public let ZX_JOB_POL_ABSOLUTE: UInt32 = 1
public let ZX_JOB_POL_BASIC_V1: UInt32 = 0
public let ZX_JOB_POL_BASIC_V2: UInt32 = 0x0100_0000
public let ZX_JOB_POL_BASIC: UInt32 = 0
public let ZX_JOB_POL_TIMER_SLACK: UInt32 = 1

public let ZX_POL_BAD_HANDLE: UInt32 = 0
public let ZX_POL_WRONG_OBJECT: UInt32 = 1
public let ZX_POL_VMAR_WX: UInt32 = 2
public let ZX_POL_NEW_ANY: UInt32 = 3
public let ZX_POL_NEW_VMO: UInt32 = 4
public let ZX_POL_NEW_CHANNEL: UInt32 = 5
public let ZX_POL_NEW_EVENT: UInt32 = 6
public let ZX_POL_NEW_EVENTPAIR: UInt32 = 7
public let ZX_POL_NEW_PORT: UInt32 = 8
public let ZX_POL_NEW_SOCKET: UInt32 = 9
public let ZX_POL_NEW_FIFO: UInt32 = 10
public let ZX_POL_NEW_TIMER: UInt32 = 11
public let ZX_POL_NEW_PROCESS: UInt32 = 12
public let ZX_POL_NEW_PROFILE: UInt32 = 13
public let ZX_POL_NEW_PAGER: UInt32 = 14
public let ZX_POL_AMBIENT_MARK_VMO_EXEC: UInt32 = 15

public let ZX_POL_ACTION_ALLOW: UInt32 = 0
public let ZX_POL_ACTION_DENY: UInt32 = 1
public let ZX_POL_ACTION_ALLOW_EXCEPTION: UInt32 = 2
public let ZX_POL_ACTION_DENY_EXCEPTION: UInt32 = 3
public let ZX_POL_ACTION_KILL: UInt32 = 4

public let ZX_POL_OVERRIDE_ALLOW: UInt32 = 0
public let ZX_POL_OVERRIDE_DENY: UInt32 = 1
