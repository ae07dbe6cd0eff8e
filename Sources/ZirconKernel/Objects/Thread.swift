// ThreadDispatcher: one simulated thread of a process. `Process.run` creates and starts one per
// call; `zx_thread_create` creates one in the NEW state that the Swift-side start
// (`Sys.threadStart`, `ThreadObject.start`, `Process.startThread`) sets running.
//
// Zircon counterpart: zircon/kernel/object/thread_dispatcher.cc (koid, owning process, state
// INITIAL → RUNNING → DYING → DEAD, Kill, ZX_THREAD_TERMINATED, related_koid = process koid,
// ZX_PROP_NAME, ZX_INFO_THREAD). The thread's "CPU" is the host OS thread that runs the
// closure; its MMU state is a SoftwareTLB over the process's page tables.
//
// Killing and unwinding. Host code cannot be preempted, so a kill is noticed at the thread's
// next kernel entry: `Sys.context()` (every zx_* call and every Swift-native call) and every
// UserMemory slow path (a TLB miss) check `isKilled`. From then on each kernel entry fails with
// ZX_ERR_INTERNAL_INTR_KILLED — Zircon's own status for "this thread was killed; the syscall
// never returns to user space" — thrown as `ZxStatus.internalIntrKilled` by the throwing APIs
// (so `try` unwinds the closure), returned by the zx_* C functions, and thrown by UserMemory as a
// `PageFault` with that status. A kill also bumps the aspace's TLB generation, so a thread looping
// on TLB hits misses once and notices; an access that hit before that may still complete, as an
// instruction already retired would. A thread blocked in a kernel wait is woken through the
// interrupt it registered with `blocking(_:interrupt:_:)`. Host computation that never enters
// the kernel runs to its end (documented deviation).

import Hardware
import KernelContainers
import Synchronization
import ZX

final class ThreadDispatcher: KernelObject, @unchecked Sendable {
    enum State: Sendable {
        /// Created by zx_thread_create, not started (ZX_THREAD_STATE_NEW).
        case new
        case running
        /// Killed (or exiting) while its closure still runs: every kernel entry unwinds.
        case dying
        case dead
    }

    /// The owning process. Strong: a thread keeps its process alive (as in Zircon).
    let process: ProcessDispatcher

    /// This thread's TLB over `process.aspace.arch`. Used only from the host OS thread that runs
    /// this simulated thread (through `ThreadContext.current`), never shared.
    let tlb: SoftwareTLB

    /// Set once, by `kill()` or `zx_thread_exit`/`zx_process_exit`; read lock-free on every
    /// kernel entry.
    private let killFlag = Atomic<Bool>(false)

    // Lock domain: `stateLock` guards everything below. Order: process lock → stateLock.
    private let stateLock = KernelLock()
    private var _state: State
    /// A ZX_THREAD_STATE_BLOCKED_* value while inside a kernel wait.
    private var _blockedState: zx_thread_state_t?
    /// How to wake the thread out of its current kernel wait.
    private var _interrupt: (@Sendable () -> Void)?

    init(process: ProcessDispatcher, koid: zx_koid_t, name: String, state: State = .new) {
        self.process = process
        self.tlb = SoftwareTLB(aspace: process.aspace.arch)
        self._state = state
        super.init(koid: koid, name: name)
    }

    override var objectType: zx_obj_type_t { ZX_OBJ_TYPE_THREAD }
    override var defaultRights: zx_rights_t { ZX_DEFAULT_THREAD_RIGHTS }
    override var supportsName: Bool { true }
    override var relatedKoid: zx_koid_t { process.koid }

    var state: State { stateLock.withLock { _state } }

    /// True once the thread has been killed or began exiting: its kernel entries unwind.
    @inline(__always)
    var isKilled: Bool { killFlag.load(ordering: .acquiring) }

    /// ZX_INFO_THREAD's state.
    var infoState: zx_thread_state_t {
        stateLock.withLock {
            switch _state {
            case .new: return ZX_THREAD_STATE_NEW
            case .running: return _blockedState ?? ZX_THREAD_STATE_RUNNING
            case .dying: return ZX_THREAD_STATE_DYING
            case .dead: return ZX_THREAD_STATE_DEAD
            }
        }
    }

    // MARK: Lifecycle

    /// NEW → RUNNING. Called by the process, with its lock held, when it accepts the thread
    /// (which then asserts ZX_THREAD_RUNNING, outside its lock).
    /// - Throws: `.badState` if the thread is not NEW (already started, or killed before start).
    func markStartedLocked() throws(ZxStatus) {
        try stateLock.withLock { () throws(ZxStatus) in
            guard _state == .new else { throw .badState }
            _state = .running
        }
    }

    /// Kills the thread (zx_task_kill on a thread, or its process dying). A NEW thread is dead at
    /// once; a running one unwinds at its next kernel entry (see the file comment). Idempotent.
    /// Call without the process lock (the interrupt may take a wait's lock).
    func kill() {
        enum Action { case none, terminateNew, interrupt((@Sendable () -> Void)?) }
        let action: Action = stateLock.withLock {
            switch _state {
            case .new:
                _state = .dead
                killFlag.store(true, ordering: .releasing)
                return .terminateNew
            case .running:
                _state = .dying
                killFlag.store(true, ordering: .releasing)
                return .interrupt(_interrupt.take())
            case .dying, .dead:
                return .none
            }
        }
        switch action {
        case .none:
            return
        case .terminateNew:
            updateSignals(set: ZX_THREAD_TERMINATED)
        case .interrupt(let interrupt):
            // TLB shootdown for this aspace: the thread's next access misses and, in the slow
            // path, sees the kill (the flag is published before the generation bump).
            process.aspace.arch.generationCell.pointee.wrappingAdd(1, ordering: .releasing)
            interrupt?()
        }
    }

    /// The closure has returned or thrown: the thread is dead and signals ZX_THREAD_TERMINATED.
    /// Called by the process (`threadExited`).
    func markExited() {
        stateLock.withLock {
            _state = .dead
            _blockedState = nil
            _interrupt = nil
        }
        updateSignals(set: ZX_THREAD_TERMINATED, clear: ZX_THREAD_RUNNING)
    }

    // MARK: Blocking kernel waits

    /// Runs a blocking kernel wait of the calling thread (this thread): ZX_INFO_THREAD reports
    /// `blockedState` (a ZX_THREAD_STATE_BLOCKED_* value) meanwhile, and `interrupt` is called
    /// (once, from the killing thread, with no kernel lock held) if the thread is killed, so the
    /// wait can return early.
    /// - Throws: `.internalIntrKilled` if the thread was killed before or during the wait
    ///   (whatever `body` returned), else what `body` throws.
    func blocking<R>(_ blockedState: zx_thread_state_t, interrupt: @escaping @Sendable () -> Void,
                     _ body: () throws(ZxStatus) -> R) throws(ZxStatus) -> R {
        let entered: Bool = stateLock.withLock {
            guard _state == .running, !isKilled else { return false }
            _blockedState = blockedState
            _interrupt = interrupt
            return true
        }
        guard entered else { throw .internalIntrKilled }
        defer {
            stateLock.withLock {
                _blockedState = nil
                _interrupt = nil
            }
        }
        let result = try body()
        if isKilled { throw .internalIntrKilled }
        return result
    }
}

extension ThreadDispatcher {
    /// Runs `body` as this (already started) thread on the calling OS thread, then ends the
    /// thread. `handle` is the thread's self handle in its process's table (closed at the end).
    ///
    /// The top of every simulated thread: a `PageFault` escaping `body` while the thread was not
    /// killed is an unhandled ZX_EXCP_FATAL_PAGE_FAULT — the process records it and dies with
    /// ZX_TASK_RETCODE_EXCEPTION_KILL. Whatever `body` returned or threw is passed back.
    func execute<T>(handle: zx_handle_t, _ body: () throws -> T) -> Result<T, any Error> {
        let context = ThreadContext(kernel: process.kernel, process: process, thread: self,
                                    threadHandle: handle)
        let outcome = ThreadContext.withInstalled(context) { Result { try body() } }
        if case .failure(let error) = outcome, let fault = error as? PageFault, !isKilled {
            process.fatalException(
                ExceptionRecord(type: ZX_EXCP_FATAL_PAGE_FAULT, threadKoid: koid, address: fault.address,
                                isWrite: fault.isWrite, status: fault.status, time: Kernel.monotonicNow(),
                                detail: fault.deviceFault?.description),
                thread: self)
        }
        process.threadExited(self, handle: handle)
        return outcome
    }
}

/// A fatal exception the kernel delivered to a process (kept for a future exception-channel API
/// and for crash reports; `Process.lastException`).
public struct ExceptionRecord: Sendable, Equatable {
    /// ZX_EXCP_* (ZX_EXCP_FATAL_PAGE_FAULT for an unhandled `PageFault`).
    public var type: zx_excp_type_t
    /// The faulting thread's koid.
    public var threadKoid: zx_koid_t
    /// The faulting address.
    public var address: zx_vaddr_t
    public var isWrite: Bool
    /// The fault's status (Zircon's exception report carries it as `synth_code`).
    public var status: zx_status_t
    /// ZX_CLOCK_MONOTONIC when it was delivered.
    public var time: zx_time_t
    /// Why a device refused the access, for a fault on device memory (ZX_ERR_IO); else nil.
    public var detail: String?

    public init(type: zx_excp_type_t, threadKoid: zx_koid_t, address: zx_vaddr_t, isWrite: Bool,
                status: zx_status_t, time: zx_time_t, detail: String? = nil) {
        self.detail = detail
        self.type = type
        self.threadKoid = threadKoid
        self.address = address
        self.isWrite = isWrite
        self.status = status
        self.time = time
    }
}
