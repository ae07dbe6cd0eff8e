// AccessRegistry: the acknowledgement half of our TLB shootdown. A CPU that has a translation
// may still be using it when the kernel unmaps the page; real kernels therefore wait for every
// CPU to acknowledge the shootdown IPI before they reuse the page. Here every SoftwareTLB owns
// an *activity flag* it raises around each access it serves, and before the VM frees a data
// page that was ever mapped it calls `synchronize()`, which waits until no access that could
// still hold an old translation is in flight.
//
// Zircon counterpart: the TLB-shootdown wait in zircon/kernel/arch/x86/mmu.cc (x86_tlb_invalidate
// → mp_sync_exec) and the page-freeing order of vm_cow_pages.cc (unmap, then free).
//
// Ordering (the "membarrier" flavour of userspace RCU): the access path stores its flag with a
// relaxed store followed by a compiler-level fence, then checks the TLB generation; it clears
// the flag with a release store. `synchronize()` runs after the generation was bumped: it issues
// membarrier(PRIVATE_EXPEDITED), which executes a full barrier on every thread of the process,
// so afterwards (a) every access that began before the bump has its raised flag visible here and
// is waited for, and (b) every access that begins later sees the new generation and misses.
// On hosts without membarrier the access path's fence is a real barrier instead.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CHostSupport
import KernelContainers
import Synchronization

public final class AccessRegistry: @unchecked Sendable {
    private let lock = KernelLock()
    private var flags: [UnsafeMutablePointer<Atomic<UInt32>>] = []

    public init() {}

    /// A new activity flag for one SoftwareTLB (lowered). Pair with `unregister`.
    public func register() -> UnsafeMutablePointer<Atomic<UInt32>> {
        let flag = UnsafeMutablePointer<Atomic<UInt32>>.allocate(capacity: 1)
        flag.initialize(to: Atomic(0))
        lock.withLock { flags.append(flag) }
        return flag
    }

    public func unregister(_ flag: UnsafeMutablePointer<Atomic<UInt32>>) {
        lock.withLock { flags.removeAll { $0 == flag } }
        flag.deinitialize(count: 1)
        flag.deallocate()
    }

    /// Returns once every access that may have started before this call has finished. Call it
    /// after the translations are gone (the generation was bumped) and before freeing pages.
    /// Never call it from inside an access window (flags are only raised around single
    /// loads, stores and page-sized copies, which never call into the kernel).
    public func synchronize() {
        Membarrier.everyThread()
        lock.withLock {
            for flag in flags {
                var spins = 0
                while flag.pointee.load(ordering: .acquiring) != 0 {
                    spins += 1
                    if spins > 64 { sched_yield() }
                }
            }
        }
    }
}

/// A process-wide memory barrier on every thread (Linux membarrier(2)). Where the host has no
/// membarrier, the access path's fence must be a full barrier: see `SoftwareTLB.beginAccess`.
enum Membarrier {
    /// Registers once; false if the host refuses the expedited command.
    private static let expeditedAvailable: Bool = zirconia_membarrier_register() == 0

    static func everyThread() {
        _ = zirconia_membarrier(expeditedAvailable ? 1 : 0)
    }
}
