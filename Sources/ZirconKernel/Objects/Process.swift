// ProcessDispatcher (the kernel object: handle table, address space, root VMAR, threads,
// lifecycle) and `Process`, the public owning face that `Kernel.createProcess` returns.
//
// Zircon counterpart: zircon/kernel/object/process_dispatcher.cc (Create, handle table,
// aspace + root VMAR dispatcher, state machine INITIAL → RUNNING → DYING → DEAD, GetInfo).

import Hardware
import KernelContainers
import VM
import ZX

final class ProcessDispatcher: KernelObject, @unchecked Sendable {
    /// Zircon's process states. DYING: killed while threads still run; DEAD once they left.
    enum State: Sendable {
        case initial
        case running
        case dying
        case dead
    }

    /// The kernel this process lives in (strong: the kernel outlives all its processes).
    let kernel: Kernel
    let handles: HandleTable
    let aspace: VmAspace
    /// The root VMAR's dispatcher; `zx_vmar_root_self()` names a handle to it.
    let rootVmar: VmarDispatcher

    // Lock domain: `lock` guards everything below.
    private let lock = KernelLock()
    private var _state: State = .initial
    private var _returnCode: Int64 = 0
    private var _startTime: zx_time_t = 0
    private var threads: [ThreadDispatcher] = []
    private var _selfHandle: zx_handle_t = ZX_HANDLE_INVALID
    private var _rootVmarHandle: zx_handle_t = ZX_HANDLE_INVALID
    private var _lastException: ExceptionRecord?

    /// Opened at the end of the death (after ZX_PROCESS_TERMINATED): host-side waits.
    private let terminated = WaitEvent()

    private init(kernel: Kernel, koid: zx_koid_t, name: String, aspace: VmAspace,
                 rootVmar: VmarDispatcher) {
        self.kernel = kernel
        self.handles = HandleTable(mixer: UInt32(truncatingIfNeeded: kernel.randomUInt64()))
        self.aspace = aspace
        self.rootVmar = rootVmar
        super.init(koid: koid, name: name)
    }

    /// Creates a process with a fresh address space and installs, in its own table, the
    /// handles `zx_process_self()` and `zx_vmar_root_self()` return.
    static func create(kernel: Kernel, name: String) throws(ZxStatus) -> ProcessDispatcher {
        let koid = kernel.allocateKoid()
        let aspace = try VmAspace(pmm: kernel.pmm, base: kernel.profile.userAspaceBase,
                                  size: kernel.profile.userAspaceSize, name: name,
                                  aslr: kernel.aslrPolicy())
        // The root VMAR has every CAN_MAP_* flag, so its handle gets VMAR defaults plus
        // READ/WRITE/EXECUTE (0x20801F), derived by the dispatcher.
        let rootVmar = VmarDispatcher(region: aspace.rootVmar, koid: kernel.allocateKoid())

        let process = ProcessDispatcher(kernel: kernel, koid: koid, name: name, aspace: aspace,
                                        rootVmar: rootVmar)
        do {
            let selfHandle = try process.handles.add(process, process.defaultRights)
            let vmarHandle = try process.handles.add(rootVmar, rootVmar.defaultRights)
            process.lock.withLock {
                process._selfHandle = selfHandle
                process._rootVmarHandle = vmarHandle
            }
        } catch {
            process.finalize()
            throw error
        }
        return process
    }

    override var objectType: zx_obj_type_t { ZX_OBJ_TYPE_PROCESS }
    override var defaultRights: zx_rights_t { ZX_DEFAULT_PROCESS_RIGHTS }
    override var supportsName: Bool { true }

    var state: State { lock.withLock { _state } }
    var selfHandle: zx_handle_t { lock.withLock { _selfHandle } }
    var rootVmarHandle: zx_handle_t { lock.withLock { _rootVmarHandle } }
    var threadCount: Int { lock.withLock { threads.count } }
    /// Koids of the started, not yet exited threads (ZX_INFO_PROCESS_THREADS).
    var threadKoids: [zx_koid_t] { lock.withLock { threads.map(\.koid) } }
    /// The return code once the process is dying or dead (nil while alive).
    var returnCode: Int64? {
        lock.withLock { _state == .dying || _state == .dead ? _returnCode : nil }
    }
    /// The last fatal exception delivered to the process.
    var lastException: ExceptionRecord? { lock.withLock { _lastException } }
    /// True once the process is completely dead: handles closed, address space destroyed,
    /// ZX_PROCESS_TERMINATED asserted.
    var isTerminated: Bool { terminated.isSignaled }

    // MARK: Threads

    /// A new thread of this process in the NEW state (zx_thread_create); not yet counted.
    /// - Throws: `.badState` if the process is dying or dead.
    func createThread(name: String) throws(ZxStatus) -> ThreadDispatcher {
        guard state == .initial || state == .running else { throw .badState }
        return ThreadDispatcher(process: self, koid: kernel.allocateKoid(), name: name)
    }

    /// Accepts a NEW thread as running: INITIAL → RUNNING on the first one (Zircon's
    /// AddInitializedThread). A thread started in a dying process is refused, so a kill never
    /// misses a thread.
    /// - Throws: `.badState` if the process is dying or dead, or the thread is not NEW.
    func addThread(_ thread: ThreadDispatcher) throws(ZxStatus) {
        precondition(thread.process === self)
        let now = Kernel.monotonicNow()
        try lock.withLock { () throws(ZxStatus) in
            guard _state == .initial || _state == .running else { throw .badState }
            try thread.markStartedLocked()
            if _state == .initial {
                _state = .running
                _startTime = now
            }
            threads.append(thread)
        }
        thread.updateSignals(set: ZX_THREAD_RUNNING)
    }

    /// Creates and adds a thread for `Process.run`; its handle (what `zx_thread_self()` returns)
    /// goes into this process's table.
    /// - Throws: `.badState` if the process is dying or dead; `.noResources` (table full).
    func startThread(name: String) throws(ZxStatus) -> (ThreadDispatcher, zx_handle_t) {
        let thread = try createThread(name: name)
        try addThread(thread)
        return (thread, try installSelfHandle(thread))
    }

    /// The self handle of a just-added thread; on failure the thread exits again.
    private func installSelfHandle(_ thread: ThreadDispatcher) throws(ZxStatus) -> zx_handle_t {
        do {
            return try handles.add(thread, thread.defaultRights)
        } catch {
            threadExited(thread, handle: ZX_HANDLE_INVALID)
            throw error
        }
    }

    /// Starts a NEW thread of this process running `body` on a new detached OS thread.
    /// `completion` receives the outcome after the thread has exited.
    /// - Throws: `.badState` (process dying/dead, thread not NEW), `.noResources`.
    func start(_ thread: ThreadDispatcher, _ body: @escaping @Sendable () throws -> Void,
               completion: ThreadCompletion) throws(ZxStatus) {
        try addThread(thread)
        let handle = try installSelfHandle(thread)
        do {
            try HostThread.spawnDetached {
                completion.complete(thread.execute(handle: handle, body))
            }
        } catch {
            threadExited(thread, handle: handle)
            throw error
        }
    }

    /// The thread's closure finished: drop its self handle and, if the process is dying and
    /// this was the last thread, finish dying.
    func threadExited(_ thread: ThreadDispatcher, handle: zx_handle_t) {
        // The thread's own handle goes before ZX_THREAD_TERMINATED is asserted, so whoever sees
        // the signal also sees the handle table without it.
        if handle != ZX_HANDLE_INVALID {
            // The closure may have closed it already (it should not); either way it is gone.
            _ = try? handles.remove(handle)
        }
        thread.markExited()
        let finish: Bool = lock.withLock {
            threads.removeAll { $0 === thread }
            guard _state == .dying, threads.isEmpty else { return false }
            _state = .dead
            return true
        }
        if finish { finalize() }
    }

    // MARK: Death

    /// Ends the process with `returnCode` (the first caller wins; Zircon's Exit/Kill). With no
    /// thread running it dies at once; otherwise it is DYING, every thread is killed (each
    /// unwinds at its next kernel entry), and the last thread to leave finishes the death:
    /// every handle in the table closes, the address space is destroyed (pages back to the
    /// PMM), ZX_PROCESS_TERMINATED is asserted.
    func exit(returnCode: Int64) {
        let (finish, victims): (Bool, [ThreadDispatcher]) = lock.withLock {
            switch _state {
            case .dying, .dead:
                return (false, [])
            case .initial, .running:
                _returnCode = returnCode
                if threads.isEmpty {
                    _state = .dead
                    return (true, [])
                }
                _state = .dying
                return (false, threads)
            }
        }
        // Outside the process lock: a kill may wake a blocked wait (which takes its own locks).
        // A thread that exits meanwhile is simply already dead.
        for thread in victims { thread.kill() }
        if finish { finalize() }
    }

    /// `zx_task_kill`: exit with ZX_TASK_RETCODE_SYSCALL_KILL.
    func kill() {
        exit(returnCode: ZX_TASK_RETCODE_SYSCALL_KILL)
    }

    /// An exception no handler took (there are no exception channels yet): record and log it,
    /// then kill the process with ZX_TASK_RETCODE_EXCEPTION_KILL (Zircon: the exception falls
    /// off the end of the handler chain and the kernel kills the process).
    func fatalException(_ record: ExceptionRecord, thread: ThreadDispatcher) {
        let alreadyDying: Bool = lock.withLock {
            guard _state == .initial || _state == .running else { return true }
            _lastException = record
            return false
        }
        guard !alreadyDying else { return }
        kernel.log("""
            <== fatal exception: process \(name)[\(koid)] thread \(thread.name)[\(thread.koid)]
            <== fatal page fault, address 0x\(String(record.address, radix: 16)), \
            \(record.isWrite ? "write" : "read"), status \(ZxStatus(rawValue: record.status))\
            \(record.detail.map { "\n<== device: \($0)" } ?? "")
            """)
        exit(returnCode: ZX_TASK_RETCODE_EXCEPTION_KILL)
    }

    /// Blocks the calling host thread until the process is completely dead.
    func waitTerminated() { _ = terminated.wait(until: ZX_TIME_INFINITE) }

    /// Blocks until the process is completely dead or `deadline` passes; true if dead.
    func waitTerminated(deadline: zx_time_t) -> Bool { terminated.wait(until: deadline) }

    private func finalize() {
        // Zircon's FinishDeadTransition: the handle table, then the address space, then the
        // signal. Entries are released outside the table lock (onZeroHandles may run).
        let closing = handles.removeAll()
        withExtendedLifetime(closing) {}
        aspace.destroy()
        updateSignals(set: ZX_PROCESS_TERMINATED)
        terminated.signal()
    }

    // MARK: Info

    /// ZX_INFO_PROCESS. As in Zircon, a DYING process already reports EXITED and its code.
    func info() -> zx_info_process_t {
        var info = zx_info_process_t()
        lock.withLock {
            if _state != .initial {
                info.flags |= ZX_INFO_PROCESS_FLAG_STARTED
                info.start_time = _startTime
            }
            if _state == .dying || _state == .dead {
                info.flags |= ZX_INFO_PROCESS_FLAG_EXITED
                info.return_code = _returnCode
            }
        }
        return info
    }
}

/// A process of a `Kernel`, as the conformance surface names it.
///
/// Owning: when the last reference to a `Process` goes away the process is killed (its address
/// space destroyed, its handles closed). Keeps its `Kernel` alive.
///
/// Lifetime: a process is alive until it exits (`zx_process_exit`), is killed (`kill()`,
/// `zx_task_kill`) or takes an unhandled fatal exception (a `PageFault` escaping a thread's
/// closure). Unlike Zircon, it does not die when its last thread ends: `run` may start new
/// threads on it any time.
public final class Process: @unchecked Sendable {
    let dispatcher: ProcessDispatcher

    init(dispatcher: ProcessDispatcher) {
        self.dispatcher = dispatcher
    }

    deinit {
        dispatcher.kill()
    }

    /// The kernel this process belongs to.
    public var kernel: Kernel { dispatcher.kernel }
    /// ZX_PROP_NAME of the process.
    public var name: String { dispatcher.name }
    /// The process's koid.
    public var koid: zx_koid_t { dispatcher.koid }

    /// Runs `body` on a new OS thread that is a new thread of this process (the syscall
    /// context for every `zx_*` call in it), blocks until it returns, and returns its value or
    /// rethrows its error. May be called many times, also from several host threads at once.
    ///
    /// A `PageFault` that escapes `body` is an unhandled ZX_EXCP_FATAL_PAGE_FAULT: the process
    /// dies (ZX_TASK_RETCODE_EXCEPTION_KILL, see `lastException`) before `run` rethrows it. If
    /// the thread is killed meanwhile (its process exits or is killed, `zx_thread_exit`), its
    /// kernel entries fail with ZX_ERR_INTERNAL_INTR_KILLED, which `try` propagates out of
    /// `body`; `run` then rethrows whatever `body` threw (typically
    /// `ZxStatus.internalIntrKilled`), or returns what it returned.
    /// - Throws: what `body` throws; `ZxStatus.badState` if the process is dying or dead;
    ///   `ZxStatus.noResources` if no OS thread could be created.
    public func run<T>(_ body: () throws -> T) throws -> T {
        let (thread, threadHandle) = try dispatcher.startThread(name: "run")
        var outcome: Result<T, any Error>?
        do {
            try HostThread.runJoined {
                outcome = thread.execute(handle: threadHandle, body)
            }
        } catch {
            // No OS thread: the thread never ran.
            if outcome == nil { dispatcher.threadExited(thread, handle: threadHandle) }
            throw error
        }
        guard let outcome else { throw ZxStatus.internal }
        return try outcome.get()
    }

    /// Starts `body` on a new thread of this process (a new OS thread) and returns at once.
    /// `body` runs like a `run` closure (same syscall context rules, same fatal-page-fault
    /// rule); `join()` on the result waits for it and rethrows its error. The thread holds the
    /// kernel process, not this `Process`: dropping the last `Process` reference still kills
    /// the process, and with it the thread.
    /// - Throws: `ZxStatus.badState` if the process is dying or dead; `.noResources`.
    public func startThread(name: String = "thread",
                            _ body: @escaping @Sendable () throws -> Void) throws -> ThreadHandle {
        let thread = try dispatcher.createThread(name: name)
        let completion = ThreadCompletion()
        try dispatcher.start(thread, body, completion: completion)
        return ThreadHandle(thread: thread, completion: completion)
    }

    /// Kills the process (ZX_TASK_RETCODE_SYSCALL_KILL): every thread unwinds at its next kernel
    /// entry, and once the last one has left the process is dead. No new thread starts
    /// (`ZxStatus.badState`). Returns at once; `wait()` blocks until the death is complete.
    public func kill() {
        dispatcher.kill()
    }

    /// True until the process exits, is killed or takes a fatal exception (Zircon's INITIAL or
    /// RUNNING state).
    public var isAlive: Bool {
        let state = dispatcher.state
        return state == .initial || state == .running
    }

    /// True once the process is completely dead: its threads are gone, its handles closed, its
    /// address space destroyed and ZX_PROCESS_TERMINATED asserted (ZX_INFO_PROCESS reports
    /// EXITED).
    public var hasExited: Bool { dispatcher.isTerminated }

    /// ZX_INFO_PROCESS's return code once the process has ended: the `zx_process_exit` code,
    /// ZX_TASK_RETCODE_SYSCALL_KILL after a kill, ZX_TASK_RETCODE_EXCEPTION_KILL after an
    /// unhandled fatal page fault. Nil while the process is alive.
    public var returnCode: Int64? { dispatcher.returnCode }

    /// The fatal exception that killed the process, if one did (type ZX_EXCP_FATAL_PAGE_FAULT,
    /// faulting address, status). Kept for crash reports and a future exception-channel API.
    public var lastException: ExceptionRecord? { dispatcher.lastException }

    /// Threads of the process currently running (started and not yet exited).
    public var threadCount: Int { dispatcher.threadCount }

    /// Blocks the calling host thread until the process is completely dead (`hasExited`), and
    /// returns its return code. Do not call it from one of the process's own threads.
    @discardableResult
    public func wait() -> Int64 {
        dispatcher.waitTerminated()
        return dispatcher.returnCode ?? 0
    }

    /// Like `wait()`, but gives up after `timeout`; nil if the process is still not dead.
    @discardableResult
    public func wait(timeout: Duration) -> Int64? {
        guard dispatcher.waitTerminated(deadline: Kernel.deadline(after: timeout)) else { return nil }
        return dispatcher.returnCode ?? 0
    }
}
