// Kernel-side views of every live process, for tools that look from outside (the shell's `ps`,
// `vmaps PID`, `vmos PID`, `kmem`): no handles needed, nothing here is a syscall. The records are
// the same ZX_INFO_* records the syscalls return, so Fuchsia's tools' formats carry over.
//
// Zircon counterpart: what `ps`, `vmaps` and `vmos` (src/developer/.../task_utils) gather through
// the root job; Zirconia has no jobs yet, so the kernel lists its processes directly.

import VM
import ZX

/// One line of `ps`: a live process and its memory.
public struct ProcessSummary: Sendable, Equatable {
    public var koid: zx_koid_t
    public var name: String
    /// "initial", "running", "dying" or "dead".
    public var state: String
    public var threads: Int
    public var handles: Int
    /// ZX_INFO_TASK_STATS of the process.
    public var mappedBytes: Int
    public var privateBytes: Int
    public var sharedBytes: Int
    public var scaledSharedBytes: Int
}

extension Kernel {
    /// Every live process, oldest first.
    public func processSummaries() -> [ProcessSummary] {
        liveProcesses.sorted { $0.koid < $1.koid }.map { process in
            let stats = process.state == .dead ? zx_info_task_stats_t() : process.taskStats()
            return ProcessSummary(koid: process.koid, name: process.name, state: process.stateName,
                                  threads: process.threadCount, handles: process.handles.count,
                                  mappedBytes: stats.mem_mapped_bytes, privateBytes: stats.mem_private_bytes,
                                  sharedBytes: stats.mem_shared_bytes,
                                  scaledSharedBytes: stats.mem_scaled_shared_bytes)
        }
    }

    /// ZX_INFO_PROCESS_MAPS of the live process `koid` (nil: no such process, or dead).
    public func processMaps(koid: zx_koid_t) -> [zx_info_maps_t]? {
        guard let process = liveProcess(koid), process.state != .dead else { return nil }
        return process.aspace.mapsSnapshot().map(Sys.mapsRecord)
    }

    /// ZX_INFO_PROCESS_VMOS of the live process `koid` (nil: no such process, or dead).
    public func processVmos(koid: zx_koid_t) -> [zx_info_vmo_t]? {
        guard let process = liveProcess(koid), process.state != .dead else { return nil }
        return process.vmoRecords()
    }

    private func liveProcess(_ koid: zx_koid_t) -> ProcessDispatcher? {
        liveProcesses.first { $0.koid == koid }
    }
}

extension ProcessDispatcher {
    var stateName: String {
        switch state {
        case .initial: "initial"
        case .running: "running"
        case .dying: "dying"
        case .dead: "dead"
        }
    }
}
