// RamRegion: device memory that behaves as plain RAM — a framebuffer, a device's SRAM. Any width
// at any offset inside the window works, as ordinary memory cycles do; nothing has side effects.
//
// Counterpart: QEMU's RAM-backed MemoryRegion (memory_region_init_ram) used for the VGA VRAM BAR.
// The bytes come from calloc, so a 16 MiB VRAM costs no host memory until it is drawn on.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Hardware
import Synchronization

/// `@unchecked Sendable`: the raw storage pointer is only dereferenced under `lock`.
public final class RamRegion: MmioDevice, @unchecked Sendable {
    public let name: String
    public let regionSize: UInt64
    /// Guards every byte of `storage`: guest accesses from several threads and host-side
    /// snapshots (PNG encoding) must not interleave torn halves.
    private let lock = Mutex<Void>(())
    private let storage: UnsafeMutableRawPointer
    private let byteCount: Int

    /// A zero-filled region of `size` bytes; nil if the host cannot allocate it.
    public init?(name: String, size: Int) {
        guard size > 0, let pointer = calloc(size, 1) else { return nil }
        self.name = name
        self.regionSize = UInt64(size)
        self.byteCount = size
        self.storage = pointer
    }

    deinit { free(storage) }

    public func read(offset: UInt64, width: MmioAccessWidth) throws(MmioFault) -> UInt64 {
        try MmioAccessCheck.inRange(offset, width, size: regionSize, device: name)
        let start = Int(offset)
        return lock.withLock { _ in
            var value: UInt64 = 0
            withUnsafeMutableBytes(of: &value) { destination in
                destination.copyMemory(from: UnsafeRawBufferPointer(
                    start: storage + start, count: width.byteCount))
            }
            return UInt64(littleEndian: value)
        }
    }

    public func write(offset: UInt64, width: MmioAccessWidth, value: UInt64) throws(MmioFault) {
        try MmioAccessCheck.inRange(offset, width, size: regionSize, device: name)
        let start = Int(offset)
        lock.withLock { _ in
            var little = value.littleEndian
            withUnsafeBytes(of: &little) { source in
                UnsafeMutableRawBufferPointer(start: storage + start, count: width.byteCount)
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: source[0..<width.byteCount]))
            }
        }
    }

    /// Runs `body` with the region's bytes while no guest access can run (host-side snapshots).
    public func withBytes<Result: Sendable>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        lock.withLock { _ in
            body(UnsafeRawBufferPointer(start: storage, count: byteCount))
        }
    }

    /// Fills `range` (clamped to the region) with zeros.
    public func zero(_ range: Range<Int>) {
        let clamped = range.clamped(to: 0..<byteCount)
        guard !clamped.isEmpty else { return }
        lock.withLock { _ in
            _ = (storage + clamped.lowerBound).initializeMemory(
                as: UInt8.self, repeating: 0, count: clamped.count)
        }
    }
}
