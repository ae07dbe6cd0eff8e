// Helpers for VM-core tests: a small machine (RAM + PMM), a fault-resolving accessor that
// plays the CPU (TLB → page tables → VM fault handler), and a page-leak check.

import Hardware
import Testing
import VM
import ZX

/// A PMM over `megabytes` of fresh emulated RAM.
func makePMM(megabytes: Int = 64) throws -> PMM {
    let memory = try PhysicalMemory(size: megabytes << 20)
    return try PMM(memory: memory)
}

/// An aspace over Zircon's x86-64 user range with deterministic placement.
func makeAspace(_ pmm: PMM, aslr: AslrPolicy = AslrPolicy(seed: 42)) throws -> VmAspace {
    try VmAspace(pmm: pmm, base: 0x20_0000, size: (1 << 47) - 4096 - 0x20_0000, name: "test", aslr: aslr)
}

/// Plays the CPU for one thread: TLB first, then the fault handler, then retry.
final class TestCPU {
    let aspace: VmAspace
    let tlb: SoftwareTLB
    init(_ aspace: VmAspace) {
        self.aspace = aspace
        tlb = SoftwareTLB(aspace: aspace.arch)
    }

    func pointer(_ address: UInt, write: Bool) throws(ZxStatus) -> UnsafeMutableRawPointer {
        let va = VirtualAddress(address)
        if let p = tlb.translate(va, length: 1, write: write) { return p }
        if let p = tlb.fill(va, write: write) { return p }
        try aspace.pageFault(address, write: write)
        guard let p = tlb.fill(va, write: write) else { throw .internal }
        return p
    }

    func load(_ address: UInt) throws(ZxStatus) -> UInt8 {
        try pointer(address, write: false).load(as: UInt8.self)
    }

    func store(_ value: UInt8, _ address: UInt) throws(ZxStatus) {
        try pointer(address, write: true).storeBytes(of: value, as: UInt8.self)
    }
}

/// Runs `body`, then checks the PMM's free count is back where it started.
func expectNoPageLeak(_ pmm: PMM, _ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) rethrows {
    let before = pmm.stats.freePages
    try body()
    #expect(pmm.stats.freePages == before, "PMM leaked pages", sourceLocation: sourceLocation)
}

let P = UInt(PageGeometry.size)
let P64 = UInt64(PageGeometry.size)
