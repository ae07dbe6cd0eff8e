// Task syscalls: zx_thread_create, the thread start (a Swift closure instead of an entry
// address), zx_thread_exit, zx_process_exit, zx_task_kill, and the ZX_INFO_THREAD /
// ZX_INFO_PROCESS_THREADS topics.
//
// Zircon counterpart: zircon/kernel/syscalls/task.cc (sys_thread_create, sys_thread_start,
// sys_thread_exit, sys_process_exit, sys_task_kill) and object.cc (the two info topics);
// contracts from docs/reference/syscalls/{thread_create,thread_start,thread_exit,process_exit,
// task_kill}.md.
//
// The `-> Never` calls. Zircon's zx_thread_exit and zx_process_exit never return; Swift code can
// only leave a function by returning or throwing, so here they are `throws(ZxStatus) -> Never`:
// they end the thread (or the process) and then throw `ZxStatus.internalIntrKilled`, the same
// error every later kernel entry of a killed thread throws. Call them with `try` and let the
// error propagate out of the thread's closure (`Process.run` rethrows it;
// `ThreadHandle.join()` too). Code that catches it only delays the end of its closure: the
// thread stays dead to the kernel.

import ZX

extension Sys {
    /// zx_thread_create: a thread of `process` in the NEW state, named `name` (truncated to
    /// ZX_MAX_NAME_LEN - 1 bytes). Checks in Zircon's order.
    /// - Throws: `.invalidArgs` (options ≠ 0, nil name), lookup errors with MANAGE_THREAD,
    ///   `.badState` (the process is dying or dead), `.noResources` (handle table full).
    static func threadCreate(_ process: zx_handle_t, _ name: UnsafeRawPointer?, _ nameSize: Int,
                             _ options: UInt32) throws(ZxStatus) -> zx_handle_t {
        let context = try context()
        guard options == 0 else { throw .invalidArgs }
        guard let name else { throw .invalidArgs }
        let length = Int(min(UInt(bitPattern: nameSize), UInt(ZX_MAX_NAME_LEN)))
        let bytes = KernelObject.truncatedName(Array(UnsafeRawBufferPointer(start: name, count: length)))
        let (target, _) = try context.handles.lookup(process, as: ProcessDispatcher.self,
                                                     rights: ZX_RIGHT_MANAGE_THREAD)
        let thread = try target.createThread(name: String(decoding: bytes, as: UTF8.self))
        return try context.handles.add(thread, thread.defaultRights)
    }

    /// Starts the NEW thread `handle` running `body` on a new OS thread (the Swift stand-in for
    /// zx_thread_start's entry point). The thread's process may be another one than the
    /// caller's: `body` runs as a thread of the thread's own process.
    /// - Throws: lookup errors with MANAGE_THREAD, `.badState` (already started or killed, or
    ///   its process is dying or dead), `.noResources`.
    static func threadStart(_ handle: zx_handle_t,
                            _ body: @escaping @Sendable () throws -> Void) throws(ZxStatus) -> ThreadHandle {
        let context = try context()
        let (thread, _) = try context.handles.lookup(handle, as: ThreadDispatcher.self,
                                                     rights: ZX_RIGHT_MANAGE_THREAD)
        let completion = ThreadCompletion()
        try thread.process.start(thread, body, completion: completion)
        return ThreadHandle(thread: thread, completion: completion)
    }

    /// zx_thread_exit: ends the calling thread.
    /// - Throws: always; `.internalIntrKilled` (the unwinding error), `.badState` outside a
    ///   thread.
    static func threadExit() throws(ZxStatus) -> Never {
        guard let context = ThreadContext.current else { throw .badState }
        context.thread.kill()
        throw .internalIntrKilled
    }

    /// zx_process_exit: ends the calling process with `retcode` (unless it is already ending),
    /// which kills every thread of it, this one included.
    /// - Throws: always; `.internalIntrKilled` (the unwinding error), `.badState` outside a
    ///   thread.
    static func processExit(_ retcode: Int64) throws(ZxStatus) -> Never {
        guard let context = ThreadContext.current else { throw .badState }
        context.process.exit(returnCode: retcode)
        context.thread.kill()
        throw .internalIntrKilled
    }

    /// zx_task_kill: a process dies with ZX_TASK_RETCODE_SYSCALL_KILL; a thread is killed.
    /// Returns before the task is dead (wait for ZX_TASK_TERMINATED).
    /// - Throws: `.badHandle`, `.accessDenied` (no DESTROY), `.wrongType` (not a process or
    ///   thread); `.internalIntrKilled` if the caller killed its own thread or process.
    static func taskKill(_ handle: zx_handle_t) throws(ZxStatus) {
        let context = try context()
        let entry = try context.handles.lookup(handle)
        guard entry.hasRights(ZX_RIGHT_DESTROY) else { throw .accessDenied }
        switch entry.object {
        case let process as ProcessDispatcher:
            process.kill()
        case let thread as ThreadDispatcher:
            thread.kill()
        default:
            throw .wrongType
        }
        if context.thread.isKilled { throw .internalIntrKilled }
    }

    /// ZX_INFO_THREAD: thread handle with ZX_RIGHT_INSPECT.
    static func infoThread(_ context: ThreadContext, _ handle: zx_handle_t,
                           _ out: inout InfoOutput) throws(ZxStatus) {
        let (thread, _) = try context.handles.lookup(handle, as: ThreadDispatcher.self,
                                                     rights: ZX_RIGHT_INSPECT)
        try out.single(zx_info_thread_t(state: thread.infoState))
    }

    /// ZX_INFO_PROCESS_THREADS: the koids of the process's running threads; process handle
    /// with ZX_RIGHT_ENUMERATE.
    static func infoProcessThreads(_ context: ThreadContext, _ handle: zx_handle_t,
                                   _ out: inout InfoOutput) throws(ZxStatus) {
        let (process, _) = try context.handles.lookup(handle, as: ProcessDispatcher.self,
                                                      rights: ZX_RIGHT_ENUMERATE)
        try out.multiple(process.threadKoids)
    }
}

// zx_status_t zx_thread_create
public func zx_thread_create(_ process: zx_handle_t, _ name: UnsafePointer<CChar>?, _ nameSize: Int,
                             _ options: UInt32, _ out: inout zx_handle_t) -> zx_status_t {
    ZxStatus.capture { () throws(ZxStatus) in
        out = try Sys.threadCreate(process, UnsafeRawPointer(name), nameSize, options)
    }
}

// zx_status_t zx_thread_start
/// Zircon's entry-address form cannot work here (simulated threads run Swift closures, not
/// machine code at `threadEntry`): after the handle checks it fails with ZX_ERR_NOT_SUPPORTED.
/// Start a thread with the closure form `zx_thread_start(thread) { ... }`,
/// `ThreadObject.start`, or `Process.startThread` instead.
public func zx_thread_start(_ handle: zx_handle_t, _ threadEntry: zx_vaddr_t, _ stack: zx_vaddr_t,
                            _ arg1: UInt, _ arg2: UInt) -> zx_status_t {
    ZxStatus.capture { () throws(ZxStatus) in
        let context = try Sys.context()
        _ = try context.handles.lookup(handle, as: ThreadDispatcher.self, rights: ZX_RIGHT_MANAGE_THREAD)
        throw .notSupported
    }
}

/// The closure form of zx_thread_start: the NEW thread `handle` starts running `body`.
/// ZX_ERR_BAD_STATE if it was already started or its process is dying or dead. Its end is
/// observable through ZX_INFO_THREAD / ZX_THREAD_TERMINATED; use `ThreadObject.start` to get a
/// joinable `ThreadHandle` (and `body`'s error).
public func zx_thread_start(_ handle: zx_handle_t,
                            _ body: @escaping @Sendable () throws -> Void) -> zx_status_t {
    ZxStatus.capture { () throws(ZxStatus) in _ = try Sys.threadStart(handle, body) }
}

// [[noreturn]] void zx_thread_exit
/// Ends the calling thread. Never returns: it throws `ZxStatus.internalIntrKilled`, which the
/// closure should let propagate (`try zx_thread_exit()`); see Syscalls+Task.swift.
public func zx_thread_exit() throws(ZxStatus) -> Never {
    try Sys.threadExit()
}

// [[noreturn]] void zx_process_exit
/// Ends the calling process with `retcode` (ZX_INFO_PROCESS's return_code): every thread of it
/// unwinds at its next kernel entry, and when the last is gone its handles close and its
/// address space is torn down. Never returns: it throws `ZxStatus.internalIntrKilled`
/// (`try zx_process_exit(code)`).
public func zx_process_exit(_ retcode: Int64) throws(ZxStatus) -> Never {
    try Sys.processExit(retcode)
}

// zx_status_t zx_task_kill
public func zx_task_kill(_ handle: zx_handle_t) -> zx_status_t {
    ZxStatus.capture { () throws(ZxStatus) in try Sys.taskKill(handle) }
}
