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

    // MARK: Threads

    /// Starts a thread for `Process.run`: INITIAL → RUNNING on the first one; the thread's
    /// handle (what `zx_thread_self()` returns) goes into this process's table.
    /// - Throws: `.badState` if the process is dying or dead.
    func startThread(name: String) throws(ZxStatus) -> (ThreadDispatcher, zx_handle_t) {
        let thread = ThreadDispatcher(process: self, koid: kernel.allocateKoid(), name: name)
        let now = Kernel.monotonicNow()
        try lock.withLock { () throws(ZxStatus) in
            switch _state {
            case .initial:
                _state = .running
                _startTime = now
            case .running:
                break
            case .dying, .dead:
                throw .badState
            }
            threads.append(thread)
        }
        do {
            let handle = try handles.add(thread, thread.defaultRights)
            return (thread, handle)
        } catch {
            threadExited(thread, handle: ZX_HANDLE_INVALID)
            throw error
        }
    }

    /// The thread's closure finished: drop its self handle and, if the process was killed
    /// meanwhile and this was the last thread, finish dying.
    func threadExited(_ thread: ThreadDispatcher, handle: zx_handle_t) {
        thread.markExited()
        if handle != ZX_HANDLE_INVALID {
            // The closure may have closed it already (it should not); either way it is gone.
            _ = try? handles.remove(handle)
        }
        let finish: Bool = lock.withLock {
            threads.removeAll { $0 === thread }
            guard _state == .dying, threads.isEmpty else { return false }
            _state = .dead
            return true
        }
        if finish { finalize() }
    }

    // MARK: Death

    /// Ends the process with `returnCode` (first caller wins). With no thread running it dies
    /// at once: the address space is destroyed (pages back to the PMM) and every handle in
    /// its table closes; otherwise that happens when the last running thread returns.
    func exit(returnCode: Int64) {
        let finish: Bool = lock.withLock {
            switch _state {
            case .dying, .dead:
                return false
            case .initial, .running:
                _returnCode = returnCode
                if threads.isEmpty {
                    _state = .dead
                    return true
                }
                _state = .dying
                return false
            }
        }
        if finish { finalize() }
    }

    /// `zx_task_kill`: exit with ZX_TASK_RETCODE_SYSCALL_KILL.
    func kill() {
        exit(returnCode: ZX_TASK_RETCODE_SYSCALL_KILL)
    }

    private func finalize() {
        aspace.destroy()
        let closing = handles.removeAll()
        withExtendedLifetime(closing) {}
        updateSignals(set: ZX_PROCESS_TERMINATED)
    }

    // MARK: Info

    /// ZX_INFO_PROCESS.
    func info() -> zx_info_process_t {
        var info = zx_info_process_t()
        lock.withLock {
            if _state != .initial {
                info.flags |= ZX_INFO_PROCESS_FLAG_STARTED
                info.start_time = _startTime
            }
            if _state == .dead {
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
    /// - Throws: what `body` throws; `ZxStatus.badState` if the process was killed;
    ///   `ZxStatus.noResources` if no OS thread could be created.
    public func run<T>(_ body: () throws -> T) throws -> T {
        let (thread, threadHandle) = try dispatcher.startThread(name: "run")
        defer { dispatcher.threadExited(thread, handle: threadHandle) }
        let context = ThreadContext(kernel: dispatcher.kernel, process: dispatcher, thread: thread,
                                    threadHandle: threadHandle)
        var outcome: Result<T, any Error>?
        try HostThread.runJoined {
            ThreadContext.withInstalled(context) {
                outcome = Result { try body() }
            }
        }
        guard let outcome else { throw ZxStatus.internal }
        return try outcome.get()
    }

    /// Kills the process (ZX_TASK_RETCODE_SYSCALL_KILL). Threads inside `run` finish their
    /// closures; no new `run` starts (`ZxStatus.badState`).
    public func kill() {
        dispatcher.kill()
    }

    /// True once the process is dead (ZX_INFO_PROCESS reports EXITED).
    public var hasExited: Bool { dispatcher.state == .dead }
}
