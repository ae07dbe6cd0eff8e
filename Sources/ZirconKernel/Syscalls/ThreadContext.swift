// ThreadContext: "the current thread" of the simulated kernel, found per OS thread through a
// pthread key; HostThread: runs a closure on a fresh OS thread and joins it.
//
// Zircon counterpart: ThreadDispatcher::GetCurrent() / ProcessDispatcher::GetCurrent()
// (zircon/kernel/object/thread_dispatcher.cc), which read the CPU's current thread.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Hardware
import VM
import ZX

/// Everything a syscall needs about its caller. Installed for the lifetime of one
/// `Process.run` closure on the OS thread that runs it, and only ever used from that thread.
///
/// Outside `run` there is no context: `ThreadContext.current` is nil and every `zx_*` call
/// (other than `zx_system_get_page_size`) returns ZX_ERR_BAD_STATE (handle-returning calls such
/// as `zx_process_self` return ZX_HANDLE_INVALID).
@usableFromInline
final class ThreadContext {
    let kernel: Kernel
    let process: ProcessDispatcher
    let thread: ThreadDispatcher
    /// The value `zx_thread_self()` returns.
    let threadHandle: zx_handle_t
    /// How this thread touches its address space (UserMemory): the thread's TLB + the aspace.
    let memory: MemoryContext
    /// `memory`, unretained, for per-access paths (`UserMemory.withCurrentContext`).
    @usableFromInline let memoryUnretained: Unmanaged<MemoryContext>

    init(kernel: Kernel, process: ProcessDispatcher, thread: ThreadDispatcher,
         threadHandle: zx_handle_t) {
        self.kernel = kernel
        self.process = process
        self.thread = thread
        self.threadHandle = threadHandle
        self.memory = MemoryContext(aspace: process.aspace, tlb: thread.tlb)
        self.memoryUnretained = Unmanaged.passUnretained(memory)
        self.memory.owner = thread
    }

    /// The calling process's handle table.
    var handles: HandleTable { process.handles }
    /// The calling thread's software TLB (UserMemory's fast path).
    var tlb: SoftwareTLB { thread.tlb }

    /// The context of the calling OS thread, or nil outside `Process.run`.
    static var current: ThreadContext? {
        guard let raw = pthread_getspecific(threadContextKey) else { return nil }
        return Unmanaged<ThreadContext>.fromOpaque(raw).takeUnretainedValue()
    }

    /// The calling thread's context, unretained (nil outside `run`). It stays alive for as long
    /// as the thread runs inside `withInstalled`, which is longer than any caller on that thread.
    @usableFromInline static var currentUnretained: Unmanaged<ThreadContext>? {
        guard let raw = pthread_getspecific(threadContextKey) else { return nil }
        return Unmanaged<ThreadContext>.fromOpaque(raw)
    }

    /// Runs `body` with `context` as the calling OS thread's context (restoring the previous
    /// one afterwards; `context` is kept alive meanwhile).
    static func withInstalled<R>(_ context: ThreadContext, _ body: () throws -> R) rethrows -> R {
        let previous = pthread_getspecific(threadContextKey)
        pthread_setspecific(threadContextKey, Unmanaged.passUnretained(context).toOpaque())
        defer { pthread_setspecific(threadContextKey, previous) }
        return try withExtendedLifetime(context) { try body() }
    }
}

/// The process-wide key; the value stored per OS thread is an unretained ThreadContext.
private let threadContextKey: pthread_key_t = {
    var key = pthread_key_t()
    let rc = pthread_key_create(&key, nil)
    precondition(rc == 0, "pthread_key_create failed (\(rc))")
    return key
}()

/// Runs closures on dedicated OS threads.
enum HostThread {
    /// Stack size of the threads `Process.run` creates.
    static let stackSize = 8 << 20

    /// The closure handed to the new thread; it owns one +1 reference to this box.
    private final class Start: @unchecked Sendable {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    /// Runs `body` on a new OS thread and waits for it to finish.
    /// - Throws: `.noResources` if the thread could not be created.
    static func runJoined(_ body: () -> Void) throws(ZxStatus) {
        let status: Int32 = withoutActuallyEscaping(body) { escapable in
            let (rc, thread) = create(Start(escapable), detached: false)
            guard rc == 0, let thread else { return rc == 0 ? EINVAL : rc }
            return pthread_join(thread, nil)
        }
        if status != 0 { throw .noResources }
    }

    /// Runs `body` on a new detached OS thread (no join; completion is reported by `body`).
    /// - Throws: `.noResources` if the thread could not be created (`body` then never runs).
    static func spawnDetached(_ body: @escaping @Sendable () -> Void) throws(ZxStatus) {
        guard create(Start(body), detached: true).rc == 0 else { throw .noResources }
    }

    /// Starts an OS thread running `start.body` (which owns one +1 reference to `start`).
    private static func create(_ start: Start, detached: Bool) -> (rc: Int32, thread: pthread_t?) {
        let retained = Unmanaged.passRetained(start)
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setstacksize(&attributes, stackSize)
        if detached { pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED)) }
        #if canImport(Darwin)
        var thread: pthread_t?
        #else
        var thread = pthread_t()
        #endif
        let rc = pthread_create(&thread, &attributes, { raw in
            guard let raw else { return nil }
            let start = Unmanaged<Start>.fromOpaque(raw).takeRetainedValue()
            start.body()
            return nil
        }, retained.toOpaque())
        if rc != 0 {
            retained.release()
            return (rc, nil)
        }
        return (0, thread)
    }
}

