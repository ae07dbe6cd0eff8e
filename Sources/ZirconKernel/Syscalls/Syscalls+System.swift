// `Sys`, the typed-throws kernel entry points behind every zx_* function, and the "self"
// syscalls: zx_system_get_page_size, zx_process_self, zx_thread_self, zx_vmar_root_self.
//
// Zircon counterpart: zircon/kernel/syscalls/zircon.cc and the vDSO's zx_*_self helpers.
// Pattern: `zx_foo(...)` is `ZxStatus.capture { () throws(ZxStatus) in try Sys.foo(...) }`; the Swift-native API
// calls `Sys.foo` directly.

import ZX

/// Kernel entry points. Every function acts as the calling thread (`ThreadContext.current`)
/// and throws `ZxStatus`; outside `Process.run` they throw `.badState`.
enum Sys {
    /// The calling thread's context: every kernel entry starts here.
    /// - Throws: `.badState` when called outside `Process.run`; `.internalIntrKilled` once the
    ///   calling thread was killed (its process is dying, `zx_task_kill`, `zx_thread_exit`):
    ///   the error that unwinds a dying thread (see Objects/Thread.swift).
    @inline(__always)
    static func context() throws(ZxStatus) -> ThreadContext {
        guard let context = ThreadContext.current else { throw .badState }
        guard !context.thread.isKilled else { throw .internalIntrKilled }
        return context
    }
}

// uint32_t zx_system_get_page_size
/// The emulated machine's page size (works with or without a thread context).
public func zx_system_get_page_size() -> UInt32 {
    UInt32(PageGeometry.size)
}

// zx_handle_t zx_process_self
/// The calling process's own handle (owned by the process: do not close it).
/// ZX_HANDLE_INVALID outside `Process.run`.
public func zx_process_self() -> zx_handle_t {
    ThreadContext.current?.process.selfHandle ?? ZX_HANDLE_INVALID
}

// zx_handle_t zx_thread_self
/// The calling thread's handle (owned by the process; closed when `run`'s closure returns).
/// ZX_HANDLE_INVALID outside `Process.run`.
public func zx_thread_self() -> zx_handle_t {
    ThreadContext.current?.threadHandle ?? ZX_HANDLE_INVALID
}

// zx_handle_t zx_vmar_root_self
/// The calling process's root VMAR handle (owned by the process: do not close it).
/// ZX_HANDLE_INVALID outside `Process.run`.
public func zx_vmar_root_self() -> zx_handle_t {
    ThreadContext.current?.process.rootVmarHandle ?? ZX_HANDLE_INVALID
}
