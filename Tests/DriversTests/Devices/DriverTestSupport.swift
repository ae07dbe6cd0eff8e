// Shared support for the device-driver tests: mapping a machine's registers into a driver process
// the way a root bus driver hands them out (MMIO resource → physical VMO → MmioBuffer), a booted
// machine with one driver process, and DMA memory for tests without a kernel (host memory at a
// made-up bus address, with the `BusMasterMemory` a device model uses to reach it).

#if canImport(Glibc)
import Glibc
#endif
import Drivers
import Synchronization
import Testing
import Zirconia

struct StatusError: Error, Equatable { var status: zx_status_t }

func check(_ status: zx_status_t) throws {
    if status != ZX_OK { throw StatusError(status: status) }
}

/// Maps `[base, base + size)` as PDevGetMmio / PCI GetBar and lib/mmio do: a sub-resource and a
/// physical VMO over the page-rounded range, then MmioBuffer::Create at the offset inside it.
/// Call inside `process.run`.
func mapMmio(base: UInt64, size: UInt64, root: zx_handle_t, name: String) throws -> MmioBuffer {
    let vmoBase = base & ~0xFFF
    let vmoSize = (base + size - vmoBase + 0xFFF) & ~0xFFF
    var resource = zx_handle_t(ZX_HANDLE_INVALID)
    try check(zx_resource_create(root, ZX_RSRC_KIND_MMIO, vmoBase, Int(vmoSize), name, name.utf8.count, &resource))
    defer { _ = zx_handle_close(resource) }
    var vmo = zx_handle_t(ZX_HANDLE_INVALID)
    try check(zx_vmo_create_physical(resource, zx_paddr_t(vmoBase), Int(vmoSize), &vmo))
    return try MmioBuffer.create(vmo: vmo, offset: base - vmoBase, size: Int(size), cachePolicy: ZX_CACHE_POLICY_UNCACHED_DEVICE)
}

func mapMmio(_ region: MmioRegionDescription, root: zx_handle_t, name: String) throws -> MmioBuffer {
    try mapMmio(base: region.base, size: region.size, root: root, name: name)
}

/// A machine booted with a small seeded kernel and one driver process holding the root resource.
struct BootedMachine {
    let machine: Machine
    let kernel: Kernel
    let process: Process
    let root: zx_handle_t

    init(_ machine: Machine, seed: UInt64 = 1) throws {
        self.machine = machine
        kernel = try machine.boot(seed: seed)
        process = try kernel.createProcess(name: "driver-host")
        root = try kernel.rootResource(for: process)
    }

    /// BAR `index` of the PCI function at `address` on the first host.
    func bar(_ address: PciAddress, _ index: Int) throws -> MmioRegionDescription {
        let host = try #require(machine.description.pciHosts.first)
        let function = try #require(host.functions.first { $0.address == address })
        let bar = try #require(function.memoryBars.first { $0.index == index })
        return MmioRegionDescription(base: bar.base, size: bar.size)
    }

    /// The zx_bti_pin stand-in for `ContiguousVmoDmaAllocator`: the physical page the process's
    /// page tables map at an address (kernel inspection; no syscall reveals it yet).
    var pin: ContiguousVmoDmaAllocator.Pin {
        let aspace = process.addressSpace
        return { address in
            aspace.arch.query(VirtualAddress(address)).map { $0.0.rawValue + UInt64(address & 0xFFF) }
        }
    }
}

/// Host memory posing as DMA memory at bus address `base`: buffers are bump-allocated from one
/// zeroed host allocation; `busMaster` lets a device model reach them by "physical" address.
final class HostDmaAllocator: DmaAllocator, @unchecked Sendable {
    let base: UInt64
    let capacity: Int
    private let storage: UnsafeMutableRawPointer
    private let next = Mutex(0)

    init(base: UInt64 = 0x8000_0000, capacity: Int = 256 << 10) {
        self.base = base
        self.capacity = capacity
        storage = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 4096)
        storage.initializeMemory(as: UInt8.self, repeating: 0, count: capacity)
    }

    deinit { storage.deallocate() }

    func allocateContiguous(size: Int, alignmentLog2: Int) throws(DriverError) -> any DmaBuffer {
        let alignment = 1 << max(alignmentLog2, 12)
        let offset: Int? = next.withLock { next in
            let start = (next + alignment - 1) & ~(alignment - 1)
            guard size > 0, start + size <= capacity else { return nil }
            next = start + size
            return start
        }
        guard let offset else { throw .dma("host dma: out of memory") }
        return HostDmaBuffer(owner: self, offset: offset, size: size)
    }

    var busMaster: BusMasterMemory {
        BusMasterMemory { [self] address, length in
            guard address >= base, length >= 0, address - base <= UInt64(capacity - length) else { return nil }
            return UnsafeMutableRawBufferPointer(start: storage + Int(address - base), count: length)
        }
    }

    final class HostDmaBuffer: DmaBuffer {
        let owner: HostDmaAllocator
        let offset: Int
        let size: Int
        var physicalAddress: UInt64 { owner.base + UInt64(offset) }

        init(owner: HostDmaAllocator, offset: Int, size: Int) {
            self.owner = owner
            self.offset = offset
            self.size = size
        }

        func read(at offset: Int, count: Int) throws(DriverError) -> [UInt8] {
            try checkRange(offset, count)
            return Array(UnsafeRawBufferPointer(start: owner.storage + self.offset + offset, count: count))
        }

        func write(_ bytes: [UInt8], at offset: Int) throws(DriverError) {
            try checkRange(offset, bytes.count)
            bytes.withUnsafeBytes { source in
                UnsafeMutableRawBufferPointer(start: owner.storage + self.offset + offset, count: bytes.count)
                    .copyMemory(from: source)
            }
        }
    }
}

extension PciFunction {
    /// What the PCI bus driver's SetBusMastering(true) does to the command register.
    func enableBusMastering() {
        writeConfig(offset: 4, width: .halfWord, value: UInt32(command.union([.memorySpace, .busMaster]).rawValue))
    }
}
