// Inspection: what the CLI, the benchmark and tests look at from outside a process — the PMM
// counters, a process's address space and its fault trace. Kernel-side views; nothing here is
// a syscall.

import Hardware
import VM
import ZX

extension Kernel {
    /// The PMM's counters right now (the basis of page-accounting checks).
    public var memoryStats: PMMStats { pmm.stats }

    /// Gives the host memory of free-but-resident pages back (see PMM's host memory policy).
    public func releaseFreeMemory() { pmm.releaseWarmPages() }

    /// The machine's RAM, for device models that reach it by DMA (`BusMasterMemory`).
    public var physicalMemory: PhysicalMemory { memory }
}

extension Process {
    /// The process's address space (VM core view: regions, mappings, the fault entry point).
    public var addressSpace: VmAspace { dispatcher.aspace }

    /// Streams every page-fault step of this process to `sink` (nil stops tracing).
    public func setFaultTracer(_ sink: (@Sendable (FaultEvent) -> Void)?) {
        dispatcher.aspace.setFaultTracer(sink.map { FaultTracer($0) })
    }
}
