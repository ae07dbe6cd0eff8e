// MmioDevice.swift — the interface between the emulated MMU and a device model.
//
// On a real machine a load or store whose physical address decodes to a device goes out on the
// bus to that device, which answers it (possibly with side effects: reading a status register
// may clear it, writing a doorbell starts a transfer). Here the software MMU does the same: when
// a translation lands on a physical page that belongs to an MMIO region, the access is not a
// host memory load but a call into the region's `MmioDevice`, in program order, never cached.
//
// Zircon counterpart: none in the kernel (real hardware decodes the bus); the shape follows
// QEMU's MemoryRegionOps (read/write with an offset and a size).
import ZX

/// The width of one device access, in bytes.
public enum MmioAccessWidth: Int, Sendable, CaseIterable {
    case byte = 1
    case halfWord = 2
    case word = 4
    case doubleWord = 8

    /// The mask of the bits an access of this width carries.
    @inlinable public var valueMask: UInt64 {
        self == .doubleWord ? ~0 : (UInt64(1) << UInt64(rawValue * 8)) - 1
    }
}

/// Why a device refused an access. A refused access is a fatal fault for the thread that made it
/// (the device would raise a bus error / synchronous external abort), never a host crash.
public struct MmioFault: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// The device does not support accesses of this width at this register.
        case badWidth = "unsupported access width"
        /// The offset is not aligned to the access width.
        case misaligned = "misaligned access"
        /// No register is decoded at this offset.
        case unmappedRegister = "no register at this offset"
        /// A write to a read-only register that the device treats as an error (most ignore it).
        case readOnly = "write to a read-only register"
    }

    public var kind: Kind
    public var device: String
    public var offset: UInt64
    public var width: MmioAccessWidth

    public init(_ kind: Kind, device: String, offset: UInt64, width: MmioAccessWidth) {
        self.kind = kind
        self.device = device
        self.offset = offset
        self.width = width
    }

    public var description: String {
        "\(device): \(kind.rawValue) (offset 0x\(String(offset, radix: 16)), \(width.rawValue)-byte access)"
    }
}

/// A device model's register window. Accesses arrive with the offset from the start of the
/// region; the model is responsible for its own thread safety (several emulated threads in
/// several processes may touch it at once, as CPUs can).
public protocol MmioDevice: AnyObject, Sendable {
    /// A short name used in fault messages and boot logs ("e1000 BAR0", "pl011").
    var name: String { get }
    /// The size of the decoded window in bytes.
    var regionSize: UInt64 { get }
    /// A load of `width` bytes at `offset`. The result is zero-extended.
    func read(offset: UInt64, width: MmioAccessWidth) throws(MmioFault) -> UInt64
    /// A store of the low `width` bytes of `value` at `offset`.
    func write(offset: UInt64, width: MmioAccessWidth, value: UInt64) throws(MmioFault)
}
