// MmioAccess: checks and byte-lane helpers shared by the PCI device models. Every guest access is
// validated here before it reaches a register file, so a bad width, a misaligned offset or an
// offset past the end of a window becomes an `MmioFault` instead of an out-of-bounds index.
//
// Counterpart: QEMU's memory core (MemoryRegionOps .valid/.impl access-size rules) decides the
// same questions before a device callback runs.
import Hardware

extension MmioAccessWidth {
    /// The width in bytes as an `Int`.
    @inlinable var byteCount: Int { rawValue }
}

/// Validation helpers for one device window.
public enum MmioAccessCheck {
    /// Fails unless `offset..<offset+width` lies inside a window of `size` bytes.
    @inlinable
    public static func inRange(
        _ offset: UInt64, _ width: MmioAccessWidth, size: UInt64, device: String
    ) throws(MmioFault) {
        guard offset < size, UInt64(width.rawValue) <= size - offset else {
            throw MmioFault(.unmappedRegister, device: device, offset: offset, width: width)
        }
    }

    /// Fails unless `offset` is a multiple of the access width.
    @inlinable
    public static func aligned(
        _ offset: UInt64, _ width: MmioAccessWidth, device: String
    ) throws(MmioFault) {
        guard offset & UInt64(width.rawValue - 1) == 0 else {
            throw MmioFault(.misaligned, device: device, offset: offset, width: width)
        }
    }
}

/// Little-endian loads and stores of 1–8 bytes in a byte array, the layout every PCI register
/// file uses. Callers range-check first; these helpers never index out of bounds themselves
/// (missing bytes read as zero, stores past the end are dropped).
enum LittleEndianBytes {
    static func load(_ bytes: [UInt8], at offset: Int, count: Int) -> UInt64 {
        var value: UInt64 = 0
        for lane in 0..<count {
            let index = offset + lane
            guard index >= 0, index < bytes.count else { continue }
            value |= UInt64(bytes[index]) << UInt64(lane * 8)
        }
        return value
    }

    static func store(_ value: UInt64, into bytes: inout [UInt8], at offset: Int, count: Int) {
        for lane in 0..<count {
            let index = offset + lane
            guard index >= 0, index < bytes.count else { continue }
            bytes[index] = UInt8(truncatingIfNeeded: value >> UInt64(lane * 8))
        }
    }
}

/// Narrow reads of a 32-bit register: the byte lanes an access covers.
enum RegisterLanes {
    /// The bits of a 32-bit register that an access of `width` bytes at `accessOffset` (any byte
    /// inside the register) reads, shifted down to bit 0.
    static func extract(_ register: UInt32, accessOffset: UInt64, width: MmioAccessWidth) -> UInt64 {
        let shift = (accessOffset & 3) * 8
        return (UInt64(register) >> shift) & width.valueMask
    }
}
