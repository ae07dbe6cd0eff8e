// Threads in the Swift-native API: `ThreadHandle` (a host-side, joinable reference to a started
// thread, from `Process.startThread` or `ThreadObject.start`) and `ThreadObject` (an owning,
// noncopyable handle to a thread object, used inside a process like `Vmo`/`Vmar`).
//
// Zircon counterpart: zx::thread (lib/zx) over zx_thread_create / zx_thread_start /
// zx_task_kill; `join` is what libc's thrd_join builds on ZX_THREAD_TERMINATED.

import KernelContainers
import ZX

/// Where a started thread's outcome lands once the thread has exited.
final class ThreadCompletion: @unchecked Sendable {
    private let lock = KernelLock()
    // Guarded by `lock`.
    private var outcome: Result<Void, any Error>?
    /// Opened after `outcome` is set.
    let done = WaitEvent()

    func complete(_ outcome: Result<Void, any Error>) {
        lock.withLock { self.outcome = outcome }
        done.signal()
    }

    var result: Result<Void, any Error>? { lock.withLock { outcome } }
}

/// A started thread, seen from the host (or from another thread): wait for it, kill it, ask
/// about it. Holding one keeps the thread object (not the thread's execution) alive.
public final class ThreadHandle: Sendable {
    let thread: ThreadDispatcher
    let completion: ThreadCompletion

    init(thread: ThreadDispatcher, completion: ThreadCompletion) {
        self.thread = thread
        self.completion = completion
    }

    /// The thread's koid.
    public var koid: zx_koid_t { thread.koid }

    /// ZX_INFO_THREAD's state (ZX_THREAD_STATE_RUNNING, _BLOCKED_*, _DYING, _DEAD).
    public var state: zx_thread_state_t { thread.infoState }

    /// True once the closure has ended and its outcome is available to `join()`.
    public var hasExited: Bool { completion.done.isSignaled }

    /// Blocks until the thread has ended; rethrows what its closure threw (e.g.
    /// `ZxStatus.internalIntrKilled` if it was killed or exited through `zx_thread_exit`, or the
    /// `PageFault` that killed its process). Do not join a thread from itself.
    public func join() throws {
        _ = completion.done.wait(until: ZX_TIME_INFINITE)
        try completion.result?.get()
    }

    /// Like `join()`, but gives up after `timeout`: false if the thread is still running.
    public func join(timeout: Duration) throws -> Bool {
        guard completion.done.wait(until: Kernel.deadline(after: timeout)) else { return false }
        try completion.result?.get()
        return true
    }

    /// Kills the thread (it unwinds at its next kernel entry); its process lives on.
    public func kill() {
        thread.kill()
    }
}

/// An owned handle to a thread object, for code running inside a process.
public struct ThreadObject: ~Copyable {
    public let handle: Handle

    /// Takes ownership of a raw thread handle.
    public init(adopting value: zx_handle_t) { handle = Handle(adopting: value) }

    /// `zx_thread_create`: a NEW thread named `name` in `process` (default: the calling
    /// process).
    public init(name: String, process: zx_handle_t = zx_process_self()) throws(ZxStatus) {
        let count = name.utf8.count
        let result = name.withCString { pointer in
            Result { () throws(ZxStatus) -> zx_handle_t in
                try Sys.threadCreate(process, UnsafeRawPointer(pointer), count, 0)
            }
        }
        let value = try result.get()
        handle = Handle(adopting: value)
    }

    /// Starts the thread running `body`; the handle stays valid (and the thread object alive).
    /// - Throws: `.badState` if already started, or its process is dying or dead.
    public func start(_ body: @escaping @Sendable () throws -> Void) throws(ZxStatus) -> ThreadHandle {
        try Sys.threadStart(handle.value, body)
    }

    /// `zx_task_kill` on the thread.
    public func kill() throws(ZxStatus) {
        try Sys.taskKill(handle.value)
    }

    /// ZX_INFO_THREAD.
    public func info() throws(ZxStatus) -> zx_info_thread_t {
        let context = try Sys.context()
        let (thread, _) = try context.handles.lookup(handle.value, as: ThreadDispatcher.self,
                                                     rights: ZX_RIGHT_INSPECT)
        return zx_info_thread_t(state: thread.infoState)
    }

    /// `zx_thread_exit` for the calling thread.
    public static func exit() throws(ZxStatus) -> Never {
        try Sys.threadExit()
    }
}
