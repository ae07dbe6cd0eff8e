// VmAspace: one process's address space — the aspace lock, the root VMAR, the hardware page
// tables (ArchVmAspace), the ASLR policy and its random source, and the page-fault entry point.
//
// Zircon counterpart: zircon/kernel/vm/vm_aspace.cc (VmAspace::Create, PageFault,
// PageFaultInternal) and the aslr.entropy_bits boot option.
// Lock domain: `lock` is the aspace lock. It guards the whole VMAR tree. Lock order:
// aspace lock → VMO lock → page-table lock (inside ArchVmAspace) → PMM lock.

import Hardware
import KernelContainers
import ZX

/// Address-space layout randomization settings (Zircon's aslr.* boot options).
public struct AslrPolicy: Sendable, Equatable {
    /// False means first-fit placement (Zircon: aslr.disable).
    public var enabled: Bool
    /// Bits of entropy for placement in ordinary VMARs (Zircon: aslr.entropy_bits, default 30).
    public var entropyBits: Int
    /// Bits of entropy inside COMPACT VMARs (Zircon: aslr.compact_entropy_bits, default 8).
    public var compactEntropyBits: Int
    /// Seed of the placement random source; the same seed reproduces the same layout.
    public var seed: UInt64

    public init(enabled: Bool = true, entropyBits: Int = 30, compactEntropyBits: Int = 8, seed: UInt64 = 0x5eed) {
        self.enabled = enabled
        self.entropyBits = max(0, min(entropyBits, 63))
        self.compactEntropyBits = max(0, min(compactEntropyBits, 63))
        self.seed = seed
    }

    public static let disabled = AslrPolicy(enabled: false)
}

public final class VmAspace: @unchecked Sendable {
    public let name: String
    public let pmm: PMM
    public let arch: ArchVmAspace
    public let aslr: AslrPolicy
    /// The aspace lock.
    public let lock = KernelLock()
    public let base: UInt
    public let size: UInt
    private var randomState: UInt64
    private var tracer: FaultTracer?
    public private(set) var isDestroyed = false

    /// The root VMAR covering the whole user range, with every CAN_MAP_* flag.
    public private(set) lazy var rootVmar = VmAddressRegion(
        aspace: self, parent: nil, base: base, size: size,
        flags: [.canMapRead, .canMapWrite, .canMapExecute, .canMapSpecific], name: "root")

    /// Creates an address space over [base, base+size) with its own page tables.
    public init(pmm: PMM, base: UInt, size: Int, name: String, aslr: AslrPolicy) throws(ZxStatus) {
        guard size > 0, base.isPageAligned, UInt(size).isPageAligned else { throw .invalidArgs }
        self.pmm = pmm
        self.name = name
        self.base = base
        self.size = UInt(size)
        self.aslr = aslr
        self.randomState = aslr.seed
        self.arch = try ArchVmAspace(memory: pmm.memory, allocator: pmm, base: VirtualAddress(base), size: size)
        _ = rootVmar
    }

    deinit {
        destroy()
    }

    /// Tears down every mapping and region and frees the page tables. Idempotent.
    public func destroy() {
        lock.withLock {
            guard !isDestroyed else { return }
            isDestroyed = true
            rootVmar.destroyLocked()
            arch.destroy()
        }
    }

    /// Installs (or removes, with nil) the fault tracer.
    public func setFaultTracer(_ tracer: FaultTracer?) {
        lock.withLock { self.tracer = tracer }
    }

    /// A uniformly distributed value in [0, bound) from the placement random source
    /// (SplitMix64). Aspace lock held.
    func nextRandom(below bound: UInt) -> UInt {
        precondition(bound > 0)
        let threshold = (0 &- UInt64(bound)) % UInt64(bound)
        while true {
            randomState &+= 0x9E37_79B9_7F4A_7C15
            var z = randomState
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            if z >= threshold { return UInt(z % UInt64(bound)) }
        }
    }

    // MARK: The page-fault path

    /// Resolves a fault at `address` exactly as the seed walks it: search the VMAR tree from the
    /// root for the mapping that holds the address, find the VMO and the offset, get or allocate
    /// the page (or the zero page for a read), install the translation. On return the caller
    /// retries the access. Zircon: VmAspace::PageFault → VmMapping::PageFault.
    /// - Throws: `.notFound` (nothing mapped), `.accessDenied` (permissions), `.outOfRange`
    ///   (beyond the VMO's end inside a mapping), `.noMemory`.
    /// A fault on a pager-backed page that is not there yet drops the aspace lock, blocks in
    /// `wait` until the pager answers, and starts over from the VMAR walk: the mapping may have
    /// gone or changed meanwhile. A pager failure is the fault's status.
    @discardableResult
    public func pageFault(_ address: UInt, write: Bool, execute: Bool = false,
                          wait: PageRequestWaiter = PageRequest.uninterruptibleWait) throws(ZxStatus) -> FaultResolution {
        while true {
            let (resolution, tracer) = try lock.withLock { () throws(ZxStatus) -> (FaultResolution, FaultTracer?) in
                let tracer = self.tracer
                tracer?.emit(.fault(address: address, write: write))
                do throws(ZxStatus) {
                    return (try pageFaultLocked(address, write: write, execute: execute, tracer: tracer), tracer)
                } catch {
                    tracer?.emit(.fatal(address: address, status: error))
                    throw error
                }
            }
            guard let request = resolution.pendingRequest else { return resolution }
            try wait(request)
            let failure = request.outcome.failure
            tracer?.emit(.pagerAnswered(status: failure))
            if let failure {
                tracer?.emit(.fatal(address: address, status: failure))
                throw failure
            }
        }
    }

    private func pageFaultLocked(_ address: UInt, write: Bool, execute: Bool, tracer: FaultTracer?) throws(ZxStatus) -> FaultResolution {
        guard !isDestroyed else { throw .notFound }
        // 1. Search the VMAR tree from the root for the mapping holding the address.
        var region = rootVmar
        var depth = 1
        guard region.contains(address) else { throw .notFound }
        let mapping: VmMapping
        while true {
            guard let child = region.childLocked(containing: address) else { throw .notFound }
            if let found = child.asMapping {
                mapping = found
                break
            }
            guard let subregion = child.asRegion else { throw .notFound }
            region = subregion
            depth += 1
        }
        tracer?.emit(.mappingFound(base: mapping.base, size: Int(mapping.size), depth: depth + 1))
        // Permissions of the mapping decide before any page is touched.
        let needed: MMUFlags = write ? [.read, .write] : (execute ? [.execute] : [.read])
        guard mapping.permissions.isSuperset(of: needed) else { throw .accessDenied }
        // 2. The VMO and the offset of the faulting page inside it.
        let pageAddress = address.pageTruncated
        let offset = mapping.vmoOffset + UInt64(pageAddress - mapping.base)
        tracer?.emit(.vmoOffset(vmoId: mapping.vmo.userId, vmoName: mapping.vmo.name, offset: offset))
        // 3 + 4. Get or allocate the page and install the translation, under the VMO lock.
        return try mapping.vmo.faultLocked(offset: offset, write: write, mapping: mapping,
                                           va: VirtualAddress(pageAddress), tracer: tracer)
    }

    /// Finds the mapping holding `address` (for read/write_memory and tests).
    public func mapping(containing address: UInt) -> VmMapping? {
        lock.withLock {
            var node: VmAddressRegionOrMapping = rootVmar
            while let region = node.asRegion {
                guard let child = region.childLocked(containing: address) else { return nil }
                node = child
            }
            return node.asMapping
        }
    }
}
