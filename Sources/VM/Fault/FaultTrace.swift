// Fault tracing: an opt-in stream of the steps the page-fault path takes, so the CLI can print a
// fault as the seed document walks it and tests can assert on each step.
//
// Zircon counterpart: the LTRACEF lines in zircon/kernel/vm/vm_aspace.cc and vm_mapping.cc, and
// the page-fault kcounters. Events are produced with the aspace lock held; the sink must be quick
// and must not call back into the kernel.

import Hardware
import ZX

/// One step of resolving a page fault.
public enum FaultEvent: Sendable, Equatable {
    /// The access that missed in the TLB and the page tables.
    case fault(address: UInt, write: Bool)
    /// Step 1: the VMAR tree search found the mapping that holds the address.
    case mappingFound(base: UInt, size: Int, depth: Int)
    /// Step 2: the mapping names a VMO and the offset of the faulting page inside it.
    case vmoOffset(vmoId: UInt64, vmoName: String, offset: UInt64)
    /// Step 3a: a committed page already backs that offset.
    case pagePresent(physical: PhysicalAddress)
    /// Step 3b: read of an uncommitted page: the shared zero page is mapped read-only.
    case zeroPageMapped(physical: PhysicalAddress)
    /// Step 3c: write to an uncommitted page: a zero-filled page was allocated from the PMM.
    case pageAllocated(physical: PhysicalAddress)
    /// Step 3d: a pager-backed page is not there yet: a request for this range of the VMO is
    /// open (sent now, or joined), and the thread drops the aspace lock to wait for it.
    case pageRequested(offset: UInt64, length: UInt64)
    /// The pager answered the request (`status` nil: supplied; else failed) and the fault retries.
    case pagerAnswered(status: ZxStatus?)
    /// Step 4: the translation was installed in the page tables (ArchVmAspace).
    case translationInstalled(virtual: UInt, physical: PhysicalAddress, flags: MMUFlags)
    /// The fault could not be resolved; the access fails with this status.
    case fatal(address: UInt, status: ZxStatus)
}

/// Receives fault events. Install one on a `VmAspace` with `setFaultTracer`.
public final class FaultTracer: @unchecked Sendable {
    private let sink: @Sendable (FaultEvent) -> Void
    public init(_ sink: @escaping @Sendable (FaultEvent) -> Void) { self.sink = sink }
    @inline(__always) func emit(_ event: FaultEvent) { sink(event) }
}

/// What a resolved fault installed: the page, whether the translation is writable, and the
/// page-table generation read while the installing locks were held (for `SoftwareTLB.install`).
public struct FaultResolution: Sendable {
    public var physical: PhysicalAddress
    public var writable: Bool
    public var generation: UInt64
    /// Set (and nothing installed) when the fault must wait for a user pager: the aspace drops
    /// its lock, waits for this request and retries. Never escapes `VmAspace.pageFault`.
    var pendingRequest: PageRequest? = nil
}
