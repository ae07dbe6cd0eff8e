// MmioAccess: the register-access vocabulary shared by MmioBuffer, MmioView and anything else
// that can read and write device registers (Fuchsia's lib/mmio `MmioBuffer` member functions:
// Read8..Read64, Write8..Write64, ReadMasked, ModifyBits, SetBits, ClearBits, GetBit(s)...).
//
// Caller input is never trusted: an offset outside the window or not aligned to the access width
// throws `MmioAccessError` (Fuchsia debug-asserts instead), and so does a fault of the access
// itself (a device refusing it, or the window having been unmapped) — never a host crash.
//
// Zircon counterpart: src/devices/lib/mmio/include/lib/mmio/mmio-buffer.h (MmioBuffer's
// templated accessors) and mmio-internal.h.

import ZirconKernel
import Hardware
import ZX

/// The register widths: UInt8, UInt16, UInt32, UInt64.
public protocol MmioWord: FixedWidthInteger, UnsignedInteger, Sendable {}
extension UInt8: MmioWord {}
extension UInt16: MmioWord {}
extension UInt32: MmioWord {}
extension UInt64: MmioWord {}

extension MmioWord {
    @inlinable public static var accessWidth: MmioAccessWidth {
        MmioAccessWidth(rawValue: MemoryLayout<Self>.size) ?? .doubleWord
    }
}

/// Why a register access failed.
public enum MmioAccessError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `offset + width` lies outside the window.
    case outOfRange(offset: Int, width: Int)
    /// `offset` is not a multiple of the access width.
    case misaligned(offset: Int, width: Int)
    /// The access faulted in the MMU (e.g. the device refused it: status ZX_ERR_IO with
    /// `deviceFault`; or the window is no longer mapped: ZX_ERR_NOT_FOUND).
    case pageFault(PageFault)
    /// A device accessed directly (no kernel) refused the access.
    case device(MmioFault)

    /// The Zircon status the failure corresponds to.
    public var status: ZxStatus {
        switch self {
        case .outOfRange: return .outOfRange
        case .misaligned: return .invalidArgs
        case .pageFault(let fault): return ZxStatus(rawValue: fault.status)
        case .device: return .io
        }
    }

    public var description: String {
        switch self {
        case .outOfRange(let offset, let width): return "mmio: \(width)-byte access at 0x\(String(offset, radix: 16)) outside the window"
        case .misaligned(let offset, let width): return "mmio: \(width)-byte access at 0x\(String(offset, radix: 16)) misaligned"
        case .pageFault(let fault): return "mmio: \(fault)"
        case .device(let fault): return "mmio: \(fault)"
        }
    }
}

/// Something registers can be read from and written to at byte offsets.
public protocol MmioAccess: ~Copyable {
    /// Size of the window in bytes.
    var size: Int { get }
    /// A load of `T` at `offset` (checked: inside the window, naturally aligned).
    func read<T: MmioWord>(_ type: T.Type, at offset: Int) throws(MmioAccessError) -> T
    /// A store of `value` at `offset` (checked).
    func write<T: MmioWord>(_ value: T, at offset: Int) throws(MmioAccessError)
}

extension MmioAccess where Self: ~Copyable {
    public func read8(_ offset: Int) throws(MmioAccessError) -> UInt8 { try read(UInt8.self, at: offset) }
    public func read16(_ offset: Int) throws(MmioAccessError) -> UInt16 { try read(UInt16.self, at: offset) }
    public func read32(_ offset: Int) throws(MmioAccessError) -> UInt32 { try read(UInt32.self, at: offset) }
    public func read64(_ offset: Int) throws(MmioAccessError) -> UInt64 { try read(UInt64.self, at: offset) }
    public func write8(_ value: UInt8, _ offset: Int) throws(MmioAccessError) { try write(value, at: offset) }
    public func write16(_ value: UInt16, _ offset: Int) throws(MmioAccessError) { try write(value, at: offset) }
    public func write32(_ value: UInt32, _ offset: Int) throws(MmioAccessError) { try write(value, at: offset) }
    public func write64(_ value: UInt64, _ offset: Int) throws(MmioAccessError) { try write(value, at: offset) }

    /// `read(offset) & mask` (ReadMasked).
    public func readMasked<T: MmioWord>(_ mask: T, at offset: Int) throws(MmioAccessError) -> T {
        try read(T.self, at: offset) & mask
    }
    /// Read-modify-write: `(old & ~mask) | (bits & mask)` (ModifyBits).
    public func modifyBits<T: MmioWord>(_ bits: T, mask: T, at offset: Int) throws(MmioAccessError) {
        let old = try read(T.self, at: offset)
        try write((old & ~mask) | (bits & mask), at: offset)
    }
    /// Replaces the `width` bits starting at bit `shift` with `value` (ModifyBits(value, shift, count)).
    public func modifyBits<T: MmioWord>(_ value: T, shift: Int, width: Int, at offset: Int) throws(MmioAccessError) {
        let mask = BitField.mask(T.self, shift: shift, width: width)
        try modifyBits(value << T(truncatingIfNeeded: shift), mask: mask, at: offset)
    }
    /// `old | bits` (SetBits).
    public func setBits<T: MmioWord>(_ bits: T, at offset: Int) throws(MmioAccessError) {
        try modifyBits(bits, mask: bits, at: offset)
    }
    /// `old & ~bits` (ClearBits).
    public func clearBits<T: MmioWord>(_ bits: T, at offset: Int) throws(MmioAccessError) {
        try modifyBits(T.zero, mask: bits, at: offset)
    }
    /// The `width` bits starting at bit `shift` (GetBits).
    public func getBits<T: MmioWord>(_ type: T.Type, shift: Int, width: Int, at offset: Int) throws(MmioAccessError) -> T {
        (try read(T.self, at: offset) & BitField.mask(T.self, shift: shift, width: width)) >> T(truncatingIfNeeded: shift)
    }

    public func readMasked32(_ mask: UInt32, _ offset: Int) throws(MmioAccessError) -> UInt32 {
        try readMasked(mask, at: offset)
    }
    public func modifyBits32(_ bits: UInt32, mask: UInt32, _ offset: Int) throws(MmioAccessError) {
        try modifyBits(bits, mask: mask, at: offset)
    }
    public func modifyBits32(_ value: UInt32, start: Int, width: Int, _ offset: Int) throws(MmioAccessError) {
        try modifyBits(value, shift: start, width: width, at: offset)
    }
    public func setBits32(_ bits: UInt32, _ offset: Int) throws(MmioAccessError) { try setBits(bits, at: offset) }
    public func clearBits32(_ bits: UInt32, _ offset: Int) throws(MmioAccessError) { try clearBits(bits, at: offset) }
    public func setBits8(_ bits: UInt8, _ offset: Int) throws(MmioAccessError) { try setBits(bits, at: offset) }
    public func clearBits8(_ bits: UInt8, _ offset: Int) throws(MmioAccessError) { try clearBits(bits, at: offset) }
    public func setBits16(_ bits: UInt16, _ offset: Int) throws(MmioAccessError) { try setBits(bits, at: offset) }
    public func clearBits16(_ bits: UInt16, _ offset: Int) throws(MmioAccessError) { try clearBits(bits, at: offset) }
    public func setBits64(_ bits: UInt64, _ offset: Int) throws(MmioAccessError) { try setBits(bits, at: offset) }
    public func clearBits64(_ bits: UInt64, _ offset: Int) throws(MmioAccessError) { try clearBits(bits, at: offset) }
}
