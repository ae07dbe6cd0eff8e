// Device memory: lib/mmio register reads through the software MMU. Two pairs:
// 8. MmioBuffer.read32 over a RAM-backed physical VMO (reserved RAM, mapped in the process)
//    against a raw host load of the same kind — the cost of the checked, MMU-translated access.
// 9. MmioBuffer.read32 of a device register (a trapped access: TLB miss on the RAM path, device
//    slot hit, one call on the MmioDevice) against calling the same device's `read` through an
//    existential (a protocol witness call) — the cost of the trap itself.

#if canImport(Glibc)
import Glibc
#endif
import Zirconia

/// A register file that answers every read with its offset (no lock: the bench is one thread).
final class BenchRegisters: MmioDevice, @unchecked Sendable {
    let name = "bench-regs"
    let regionSize: UInt64 = 0x1000
    func read(offset: UInt64, width: MmioAccessWidth) throws(MmioFault) -> UInt64 { offset }
    func write(offset: UInt64, width: MmioAccessWidth, value: UInt64) throws(MmioFault) {}
}

@inline(never) func witnessRead(_ device: any MmioDevice, _ offset: UInt64) throws(MmioFault) -> UInt64 {
    try device.read(offset: offset, width: .word)
}

func benchMmio(rounds: Int) throws -> [Row] {
    let iterations = 200_000
    let device = BenchRegisters()
    var machine = MachineConfiguration(memorySize: 64 << 20, reservedMemorySize: 4096)
    machine.addDevice(device, at: 0xFE00_0000)
    let kernel = try Kernel(machine: machine, seed: 1)
    guard let reserved = kernel.reservedMemory else { throw BenchError.failed("reserved", ZX_ERR_BAD_STATE) }
    let process = try kernel.createProcess(name: "bench-mmio")
    let root = try kernel.rootResource(for: process)
    return try process.run { () throws -> [Row] in
        var vmo = zx_handle_t(ZX_HANDLE_INVALID)
        try check(zx_vmo_create_physical(root, zx_paddr_t(reserved.base), 4096, &vmo), "create_physical ram")
        let ram = try MmioBuffer.create(vmo: vmo, offset: 0, size: 4096, cachePolicy: ZX_CACHE_POLICY_CACHED)
        let regs = try MmioBuffer.create(physical: 0xFE00_0000, size: 4096, resource: root,
                                         cachePolicy: ZX_CACHE_POLICY_UNCACHED_DEVICE)
        let host = UnsafeMutablePointer<UInt32>.allocate(capacity: 1024)
        host.initialize(repeating: 1, count: 1024)
        defer { host.deallocate() }

        let mmioRam = try median(rounds: rounds) { () throws -> (UInt64, Int) in
            var total: UInt64 = 0
            let start = now()
            for i in 0..<iterations { total &+= UInt64(try ram.read32((i & 1023) << 2)) }
            let elapsed = now() - start
            blackHole(total)
            return (elapsed, iterations)
        }
        let raw = median(rounds: rounds) { () -> (UInt64, Int) in
            var total: UInt64 = 0
            let pointer = UnsafeMutableRawPointer(host)
            let start = now()
            for i in 0..<iterations {
                // A load the optimizer must keep: the index depends on the running total.
                total &+= UInt64(pointer.load(fromByteOffset: ((i ^ Int(total & 1)) & 1023) << 2, as: UInt32.self))
            }
            let elapsed = now() - start
            blackHole(total)
            return (elapsed, iterations)
        }
        let trapped = try median(rounds: rounds) { () throws -> (UInt64, Int) in
            var total: UInt64 = 0
            let start = now()
            for i in 0..<iterations { total &+= UInt64(try regs.read32((i & 255) << 2)) }
            let elapsed = now() - start
            blackHole(total)
            return (elapsed, iterations)
        }
        let existential: any MmioDevice = device
        let witness = try median(rounds: rounds) { () throws -> (UInt64, Int) in
            var total: UInt64 = 0
            let start = now()
            for i in 0..<iterations { total &+= try witnessRead(existential, UInt64((i & 255) << 2)) }
            let elapsed = now() - start
            blackHole(total)
            return (elapsed, iterations)
        }
        return [
            Row(name: "MmioBuffer.read32, RAM-backed physical VMO", zirconia: mmioRam, host: raw,
                hostName: "raw host 32-bit load", goal: 4),
            Row(name: "MmioBuffer.read32, trapped device register", zirconia: trapped, host: witness,
                hostName: "MmioDevice.read via protocol witness", goal: 10),
        ]
    }
}
