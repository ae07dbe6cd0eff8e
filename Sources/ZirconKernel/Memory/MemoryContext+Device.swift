// MemoryContext device accesses: what a load or store does when its translation lands in device
// memory (a physical page of an MMIO region). The access becomes calls on the region's
// `MmioDevice` with the offset inside the region, synchronously and in program order; nothing is
// cached as a host pointer. A refused access (MmioFault) is a fatal page fault with ZX_ERR_IO
// whose `deviceFault` carries the device's reason.
//
// Widths: a 1-, 2-, 4- or 8-byte load/store is exactly one device access of that width at that
// address (even if unaligned: the device decides whether it accepts it, e.g. MmioFault.misaligned).
// Bulk copies (UserMemory.read/write, zx_process_* style copies, 16-byte integers) over device
// memory are split into naturally aligned accesses, lowest address first, each the largest of
// 8/4/2/1 bytes that is aligned and fits; this is the ordering a driver's memcpy to Device memory
// would produce on arm64.
//
// Zircon counterpart: none (hardware). The fault status follows Zircon's pager convention of
// reporting an I/O failure behind a mapping as ZX_ERR_IO.

import Hardware
import ZX

extension MemoryContext {
    @usableFromInline
    func deviceFault(_ fault: MmioFault, _ address: UInt, write: Bool) -> PageFault {
        PageFault(address: address, isWrite: write, status: ZX_ERR_IO, deviceFault: fault)
    }

    /// A load of `T` through a device translation (one access for 1/2/4/8-byte types).
    @usableFromInline
    func deviceLoad<T: FixedWidthInteger>(_ type: T.Type, _ target: DeviceTarget,
                                          _ address: UInt) throws(PageFault) -> T {
        if let width = MmioAccessWidth(rawValue: MemoryLayout<T>.size) {
            do {
                return T(truncatingIfNeeded: try tlb.read(target, width: width))
            } catch {
                throw deviceFault(error, address, write: false)
            }
        }
        var value = T.zero
        try withUnsafeMutableBytes(of: &value) { (bytes) throws(PageFault) in
            try deviceCopy(into: bytes, target, address)
        }
        return value
    }

    /// A store of `value` through a device translation (one access for 1/2/4/8-byte types).
    @usableFromInline
    func deviceStore<T: FixedWidthInteger>(_ value: T, _ target: DeviceTarget, _ address: UInt) throws(PageFault) {
        if let width = MmioAccessWidth(rawValue: MemoryLayout<T>.size) {
            do {
                try tlb.write(target, width: width, value: UInt64(truncatingIfNeeded: value))
            } catch {
                throw deviceFault(error, address, write: true)
            }
            return
        }
        var copy = value
        try withUnsafeBytes(of: &copy) { (bytes) throws(PageFault) in
            try deviceCopy(from: bytes, target, address)
        }
    }

    /// The widths of the naturally aligned accesses covering `count` bytes at `address`.
    static func alignedWidth(_ address: UInt, remaining: Int) -> MmioAccessWidth {
        for width in [MmioAccessWidth.doubleWord, .word, .halfWord]
        where remaining >= width.rawValue && address & UInt(width.rawValue - 1) == 0 {
            return width
        }
        return .byte
    }

    /// Copies device memory (inside one page) into `buffer` with naturally aligned reads.
    func deviceCopy(into buffer: UnsafeMutableRawBufferPointer, _ target: DeviceTarget,
                    _ address: UInt) throws(PageFault) {
        var done = 0
        while done < buffer.count {
            let current = address &+ UInt(done)
            let width = MemoryContext.alignedWidth(current, remaining: buffer.count - done)
            let value: UInt64
            do {
                value = try tlb.read(target.advanced(by: done), width: width)
            } catch {
                throw deviceFault(error, current, write: false)
            }
            for byte in 0..<width.rawValue {
                buffer[done + byte] = UInt8(truncatingIfNeeded: value >> UInt64(byte * 8))
            }
            done += width.rawValue
        }
    }

    /// Copies `buffer` into device memory (inside one page) with naturally aligned writes.
    func deviceCopy(from buffer: UnsafeRawBufferPointer, _ target: DeviceTarget,
                    _ address: UInt) throws(PageFault) {
        var done = 0
        while done < buffer.count {
            let current = address &+ UInt(done)
            let width = MemoryContext.alignedWidth(current, remaining: buffer.count - done)
            var value: UInt64 = 0
            for byte in 0..<width.rawValue {
                value |= UInt64(buffer[done + byte]) << UInt64(byte * 8)
            }
            do {
                try tlb.write(target.advanced(by: done), width: width, value: value)
            } catch {
                throw deviceFault(error, current, write: true)
            }
            done += width.rawValue
        }
    }
}
