// ThreadDispatcher: one simulated thread of a process; `Process.run` creates one per call.
//
// Zircon counterpart: zircon/kernel/object/thread_dispatcher.cc (koid, owning process, state,
// related_koid = process koid, ZX_PROP_NAME). The thread's "CPU" is the host OS thread that
// runs the closure; its MMU state is a SoftwareTLB over the process's page tables.

import Hardware
import KernelContainers
import ZX

final class ThreadDispatcher: KernelObject, @unchecked Sendable {
    enum State: Sendable {
        case running
        case dead
    }

    /// The owning process. Strong: a thread keeps its process alive (as in Zircon).
    let process: ProcessDispatcher

    /// This thread's TLB over `process.aspace.arch`. Used only from the host OS thread that runs
    /// this simulated thread (through `ThreadContext.current`), never shared.
    let tlb: SoftwareTLB

    private let stateLock = KernelLock()
    private var _state: State = .running

    init(process: ProcessDispatcher, koid: zx_koid_t, name: String) {
        self.process = process
        self.tlb = SoftwareTLB(aspace: process.aspace.arch)
        super.init(koid: koid, name: name)
    }

    override var objectType: zx_obj_type_t { ZX_OBJ_TYPE_THREAD }
    override var defaultRights: zx_rights_t { ZX_DEFAULT_THREAD_RIGHTS }
    override var supportsName: Bool { true }
    override var relatedKoid: zx_koid_t { process.koid }

    var state: State { stateLock.withLock { _state } }

    /// The closure returned (or threw): the thread is dead and signals ZX_THREAD_TERMINATED.
    func markExited() {
        stateLock.withLock { _state = .dead }
        updateSignals(set: ZX_THREAD_TERMINATED)
    }
}
