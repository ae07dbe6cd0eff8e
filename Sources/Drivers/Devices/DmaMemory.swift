// DmaMemory: physically contiguous memory a bus-mastering device reads and writes by physical
// address — what AHCI's command lists, command tables, received-FIS areas and data buffers live
// in. Drivers see it as a `DmaBuffer` (the CPU side: byte reads and writes at offsets; the device
// side: one physical address) obtained from a `DmaAllocator` the framework hands them.
//
// `ContiguousVmoDmaAllocator` is the kernel-backed allocator: zx_vmo_create_contiguous, then a
// READ|WRITE|MAP_RANGE mapping in the root VMAR (the CPU side), then the physical address of the
// first page. In Zircon the last step is zx_bti_pin(bti, PERM_READ|PERM_WRITE|CONTIGUOUS, vmo, …),
// which returns the device-visible address. Zirconia has no BTI or PMT objects yet (its
// zx_vmo_create_contiguous takes the root resource in the BTI's place) and no syscall reveals a
// page's physical address, so the allocator takes the pin step as a closure: the framework (or a
// test) supplies it — today from the kernel's inspection of the process's page tables; when
// zx_bti_pin exists, from that. Everything else is the real kernel path.
//
// Fuchsia counterpart: src/devices/lib/dma-buffer (dma_buffer::BufferFactory::CreateContiguous:
// a contiguous VMO, mapped, pinned through the BTI, exposing virt() and phys()); ahci's use of it
// in src/devices/block/drivers/ahci/port.cc.

import ZirconKernel
import ZX

/// Memory a device reaches by physical address and the driver by offset.
public protocol DmaBuffer: AnyObject {
    /// The device-visible (bus) address of byte 0.
    var physicalAddress: UInt64 { get }
    /// Bytes in the buffer.
    var size: Int { get }
    /// Copies `count` bytes from `offset`.
    func read(at offset: Int, count: Int) throws(DriverError) -> [UInt8]
    /// Copies `bytes` to `offset`.
    func write(_ bytes: [UInt8], at offset: Int) throws(DriverError)
}

extension DmaBuffer {
    /// Writes `count` zero bytes from `offset`.
    public func zero(at offset: Int = 0, count: Int? = nil) throws(DriverError) {
        let length = count ?? (size - offset)
        guard length > 0 else { return }
        try write(Array(repeating: 0, count: length), at: offset)
    }

    /// Stores a little-endian 32-bit value.
    public func write32(_ value: UInt32, at offset: Int) throws(DriverError) {
        try write(LittleEndian.bytes(value), at: offset)
    }

    /// Loads a little-endian 32-bit value.
    public func read32(at offset: Int) throws(DriverError) -> UInt32 {
        LittleEndian.u32(try read(at: offset, count: 4), 0)
    }

    /// Fails unless `[offset, offset + count)` lies inside the buffer.
    public func checkRange(_ offset: Int, _ count: Int) throws(DriverError) {
        guard offset >= 0, count >= 0, count <= size, offset <= size - count else {
            throw .dma("access of \(count) bytes at \(offset) outside a \(size)-byte buffer")
        }
    }
}

/// Hands out physically contiguous DMA buffers.
public protocol DmaAllocator {
    /// A zero-filled buffer of at least `size` bytes whose physical address is a multiple of
    /// `1 << alignmentLog2` (page alignment at least).
    func allocateContiguous(size: Int, alignmentLog2: Int) throws(DriverError) -> any DmaBuffer
}

/// The kernel-backed allocator (see the file header). Use it on a thread of the driver's process
/// (inside `Process.run`); its buffers unmap and close themselves when released, on that process.
public struct ContiguousVmoDmaAllocator: DmaAllocator {
    /// Returns the physical address behind the mapped virtual address, or nil if it has none —
    /// the zx_bti_pin stand-in.
    public typealias Pin = (_ address: zx_vaddr_t) -> UInt64?

    /// The handle zx_vmo_create_contiguous takes in place of a BTI (the root resource for now).
    public let bti: zx_handle_t
    private let pin: Pin

    public init(bti: zx_handle_t, pin: @escaping Pin) {
        self.bti = bti
        self.pin = pin
    }

    public func allocateContiguous(size: Int, alignmentLog2: Int) throws(DriverError) -> any DmaBuffer {
        let pageShift = PageGeometry.shift
        guard size > 0, size <= 64 << 20, alignmentLog2 >= 0, alignmentLog2 < 32 else {
            throw .invalidArgument("dma buffer of \(size) bytes, alignment 2^\(alignmentLog2)")
        }
        let length = (size + (1 << pageShift) - 1) & ~((1 << pageShift) - 1)
        var vmo = zx_handle_t(ZX_HANDLE_INVALID)
        let alignment = alignmentLog2 <= pageShift ? 0 : UInt32(alignmentLog2)
        var status = zx_vmo_create_contiguous(bti, length, alignment, &vmo)
        guard status == ZX_OK else { throw .dma("zx_vmo_create_contiguous(\(length)): \(ZxStatus(rawValue: status))") }
        var address: zx_vaddr_t = 0
        status = zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE | ZX_VM_MAP_RANGE, 0, vmo, 0,
                             length, &address)
        guard status == ZX_OK else {
            _ = zx_handle_close(vmo)
            throw .dma("zx_vmar_map of a contiguous vmo: \(ZxStatus(rawValue: status))")
        }
        let buffer = VmoDmaBuffer(vmo: vmo, address: address, length: length)
        // The pages are committed and mapped (MAP_RANGE); pinning names the first one. Each page
        // is checked so a pin that is not contiguous is caught rather than corrupting memory.
        guard let physical = pin(address) else { throw .dma("no physical address for the mapping at \(String.hex(address))") }
        for page in 1..<(length >> pageShift) {
            let expected = physical + UInt64(page << pageShift)
            guard pin(address + UInt(page << pageShift)) == expected else {
                throw .dma("contiguous vmo is not contiguous at page \(page)")
            }
        }
        let mask = (UInt64(1) << UInt64(alignmentLog2)) - 1
        guard physical & mask == 0 else { throw .dma("buffer at \(String.hex(physical)) not aligned to 2^\(alignmentLog2)") }
        buffer.physicalAddress = physical
        return buffer
    }
}

/// A contiguous VMO mapped into the current process (see `ContiguousVmoDmaAllocator`).
public final class VmoDmaBuffer: DmaBuffer {
    public internal(set) var physicalAddress: UInt64 = 0
    public let size: Int
    /// The mapping's virtual address in the owning process.
    public let address: zx_vaddr_t
    private let vmo: zx_handle_t

    init(vmo: zx_handle_t, address: zx_vaddr_t, length: Int) {
        self.vmo = vmo
        self.address = address
        self.size = length
    }

    deinit {
        _ = zx_vmar_unmap(zx_vmar_root_self(), address, size)
        _ = zx_handle_close(vmo)
    }

    public func read(at offset: Int, count: Int) throws(DriverError) -> [UInt8] {
        try checkRange(offset, count)
        var bytes = [UInt8](repeating: 0, count: count)
        guard count > 0 else { return bytes }
        let failure: PageFault? = bytes.withUnsafeMutableBytes { buffer in
            do throws(PageFault) {
                try UserMemory.read(buffer, from: address + UInt(offset))
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw .dma("read of \(count) bytes at \(offset): \(failure)") }
        return bytes
    }

    public func write(_ bytes: [UInt8], at offset: Int) throws(DriverError) {
        try checkRange(offset, bytes.count)
        guard !bytes.isEmpty else { return }
        let failure: PageFault? = bytes.withUnsafeBytes { buffer in
            do throws(PageFault) {
                try UserMemory.write(buffer, to: address + UInt(offset))
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw .dma("write of \(bytes.count) bytes at \(offset): \(failure)") }
    }
}
