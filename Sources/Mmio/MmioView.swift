// MmioView: a window of registers — the part of an MmioBuffer every access goes through — and
// the two ways a window is backed:
// - `.mapped(address)`: the registers are mapped into the calling process's address space (by
//   MmioBuffer.create); every access is a UserMemory load/store of exactly the register's width,
//   so it goes through the thread's MMU: RAM pages hit the software TLB, device pages become
//   calls on the MmioDevice the physical map routes them to, refusals become PageFaults.
// - `.device(MmioDevice)`: no kernel at all — accesses call the device directly. This is how
//   driver unit tests use FakeMmioRegion / MockMmioRegion without booting anything.
// A view does not own its mapping: it must not outlive the MmioBuffer it came from (as in
// Fuchsia); if it does, its accesses fault (NOT_FOUND), they never touch freed host memory.
//
// Zircon counterpart: src/devices/lib/mmio/include/lib/mmio/mmio-view.h (MmioView) and the
// MmioBufferOps hook used by mock-mmio-reg / fake-mmio-reg.

import Hardware
import ZirconKernel
import ZX

/// What a window's accesses reach.
public enum MmioBacking: Sendable {
    /// Registers mapped at this virtual address of the current process.
    case mapped(address: zx_vaddr_t)
    /// A device model accessed directly, without a kernel (unit tests).
    case device(any MmioDevice)
}

/// A window `[offset, offset + size)` onto a backing. Copyable; see the file header.
public struct MmioView: MmioAccess, Sendable {
    public let backing: MmioBacking
    /// Offset of the view's byte 0 within the backing.
    public let offset: Int
    public let size: Int
    /// The mapped address of the backing (0 for a device backing): the hot path tests this plain
    /// integer instead of switching over `backing`, whose copy would retain the device reference
    /// it may hold on every access.
    @usableFromInline let mappedBase: UInt

    public init(backing: MmioBacking, offset: Int = 0, size: Int) {
        self.backing = backing
        self.offset = offset
        self.size = size
        if case .mapped(let address) = backing { mappedBase = address } else { mappedBase = 0 }
    }

    /// A window over `device`'s whole register range, accessed directly (no kernel).
    public init(device: any MmioDevice) {
        self.init(backing: .device(device), size: Int(clamping: device.regionSize))
    }

    /// A sub-window `[offset, offset + size)` of this one (size nil: to the end).
    public func view(offset: Int, size: Int? = nil) throws(MmioAccessError) -> MmioView {
        guard offset >= 0, offset <= self.size else { throw .outOfRange(offset: offset, width: 0) }
        let length = size ?? (self.size - offset)
        guard length >= 0, length <= self.size - offset else { throw .outOfRange(offset: offset, width: length) }
        return MmioView(backing: backing, offset: self.offset + offset, size: length)
    }

    @usableFromInline @inline(__always)
    func check(_ offset: Int, _ width: Int) throws(MmioAccessError) {
        guard offset >= 0, width <= size, offset <= size - width else { throw .outOfRange(offset: offset, width: width) }
        guard offset & (width - 1) == 0 else { throw .misaligned(offset: offset, width: width) }
    }

    @inlinable
    public func read<T: MmioWord>(_ type: T.Type, at offset: Int) throws(MmioAccessError) -> T {
        try check(offset, MemoryLayout<T>.size)
        if mappedBase != 0 {
            let target = mappedBase &+ UInt(self.offset + offset)
            // RAM behind a TLB hit: no fault machinery, no reference counting.
            if let hit = UserMemory.withCurrentContext({ $0.loadIfTranslated(T.self, from: target) }), let value = hit {
                return value
            }
            return try MmioView.slowLoad(T.self, from: target)
        }
        switch backing {
        case .mapped(let address):   // only a window mapped at address 0, which nothing maps
            throw .pageFault(PageFault(address: address, isWrite: false, status: ZX_ERR_NOT_FOUND))
        case .device(let device):
            do {
                return T(truncatingIfNeeded: try device.read(offset: UInt64(self.offset + offset), width: T.accessWidth))
            } catch {
                throw .device(error)
            }
        }
    }

    @inlinable
    public func write<T: MmioWord>(_ value: T, at offset: Int) throws(MmioAccessError) {
        try check(offset, MemoryLayout<T>.size)
        if mappedBase != 0 {
            let target = mappedBase &+ UInt(self.offset + offset)
            if UserMemory.withCurrentContext({ $0.storeIfTranslated(value, to: target) }) == true { return }
            try MmioView.slowStore(value, to: target)
            return
        }
        switch backing {
        case .mapped(let address):   // only a window mapped at address 0, which nothing maps
            throw .pageFault(PageFault(address: address, isWrite: true, status: ZX_ERR_NOT_FOUND))
        case .device(let device):
            do {
                try device.write(offset: UInt64(self.offset + offset), width: T.accessWidth,
                                 value: UInt64(value))
            } catch {
                throw .device(error)
            }
        }
    }

    /// A load the TLB did not satisfy: a device register (every access is a call on the device),
    /// a page to fault in, or a fatal fault.
    @_specialize(where T == UInt8) @_specialize(where T == UInt16)
    @_specialize(where T == UInt32) @_specialize(where T == UInt64)
    @usableFromInline
    static func slowLoad<T: MmioWord>(_ type: T.Type, from target: UInt) throws(MmioAccessError) -> T {
        guard let context = UserMemory.currentContext() else {
            throw .pageFault(PageFault(address: target, isWrite: false, status: ZX_ERR_BAD_STATE))
        }
        do throws(PageFault) {
            return try context.load(T.self, from: target)
        } catch {
            throw .pageFault(error)
        }
    }

    /// A store the TLB did not satisfy (see `slowLoad`).
    @_specialize(where T == UInt8) @_specialize(where T == UInt16)
    @_specialize(where T == UInt32) @_specialize(where T == UInt64)
    @usableFromInline
    static func slowStore<T: MmioWord>(_ value: T, to target: UInt) throws(MmioAccessError) {
        guard let context = UserMemory.currentContext() else {
            throw .pageFault(PageFault(address: target, isWrite: true, status: ZX_ERR_BAD_STATE))
        }
        do throws(PageFault) {
            try context.store(value, to: target)
        } catch {
            throw .pageFault(error)
        }
    }
}
