// PciBar: one base address register as the device declares it — index, space (32-bit memory,
// 64-bit memory taking two slots, I/O), prefetchability, power-of-two size — and the register
// window (`MmioDevice`) that answers accesses inside it, with offsets relative to the BAR.
//
// Counterpart: PCI Local Bus 3.0 section 6.2.5.1 (BAR encoding and sizing); QEMU
// pci_register_bar. Sizing works the classic way: the address bits below the size are
// hard-wired to zero and the type bits are read-only, so writing all ones and reading back gives
// ~(size - 1) | type bits.
import Hardware

public struct PciBar: Sendable {
    public enum Space: Sendable, Equatable {
        case memory32
        /// A 64-bit memory BAR; the next BAR slot holds the upper 32 address bits.
        case memory64
        case io
    }

    /// BAR slot 0–5 (for a 64-bit BAR, the slot of the low half).
    public let index: Int
    public let space: Space
    public let prefetchable: Bool
    /// Decoded size in bytes, a power of two (memory >= 16, I/O 4...256).
    public let size: UInt64
    /// The window accesses inside the BAR go to; nil for a BAR that is only sized and assigned
    /// (I/O BARs here: the emulated machine has no port-I/O bus behind the host bridge).
    public let handler: (any MmioDevice)?

    public static func memory32(
        _ index: Int, size: UInt64, prefetchable: Bool = false, handler: (any MmioDevice)?
    ) -> PciBar {
        PciBar(index: index, space: .memory32, prefetchable: prefetchable, size: size, handler: handler)
    }

    public static func memory64(
        _ index: Int, size: UInt64, prefetchable: Bool = false, handler: (any MmioDevice)?
    ) -> PciBar {
        PciBar(index: index, space: .memory64, prefetchable: prefetchable, size: size, handler: handler)
    }

    public static func io(_ index: Int, size: UInt64, handler: (any MmioDevice)? = nil) -> PciBar {
        PciBar(index: index, space: .io, prefetchable: false, size: size, handler: handler)
    }

    /// Configuration-space offset of the (low) BAR register.
    public var registerOffset: Int { PciConfigOffset.bar0 + index * 4 }

    /// BAR slots this BAR occupies.
    var slots: Range<Int> { index..<(index + (space == .memory64 ? 2 : 1)) }

    public var isMemory: Bool { space != .io }

    /// The read-only low bits that tell software what kind of BAR this is.
    var typeBits: UInt32 {
        switch space {
        case .io: return 0x1
        case .memory32: return prefetchable ? 0x8 : 0x0
        case .memory64: return 0x4 | (prefetchable ? 0x8 : 0x0)
        }
    }

    /// Writable bits of the low BAR register: address bits at and above the size.
    var lowWritableMask: UInt32 {
        let sizeMask = ~(size &- 1)
        let typeMask: UInt64 = space == .io ? 0x3 : 0xF
        return UInt32(truncatingIfNeeded: sizeMask & ~typeMask)
    }

    /// Writable bits of the high BAR register of a 64-bit BAR.
    var highWritableMask: UInt32 {
        UInt32(truncatingIfNeeded: ~(size &- 1) >> 32)
    }

    func validate() throws(PciConfigurationError) {
        guard index >= 0, slots.upperBound <= 6 else { throw .barIndexOutOfRange(index) }
        guard size != 0, size & (size - 1) == 0 else { throw .barSizeNotPowerOfTwo(index, size) }
        switch space {
        case .io:
            guard (4...256).contains(size) else { throw .barSizeOutOfRange(index, size) }
        case .memory32:
            guard size >= 16, size <= 1 << 31 else { throw .barSizeOutOfRange(index, size) }
        case .memory64:
            guard size >= 16, size <= 1 << 62 else { throw .barSizeOutOfRange(index, size) }
        }
        if let handler, handler.regionSize > size { throw .barHandlerLargerThanBar(index) }
    }
}

/// Why a function, bridge or topology description was rejected. These come from the emulator's
/// machine description, never from the guest.
public enum PciConfigurationError: Error, Sendable, Equatable {
    case barIndexOutOfRange(Int)
    case barSizeNotPowerOfTwo(Int, UInt64)
    case barSizeOutOfRange(Int, UInt64)
    case barSlotsOverlap(Int)
    case barHandlerLargerThanBar(Int)
    case capabilityDoesNotFit(id: UInt8)
    case capabilitiesOverlap(id: UInt8)
    case invalidAddress(PciAddress)
    case addressInUse(PciAddress)
    case functionAlreadyAttached(String)
    case busRangeInvalid
    case apertureExhausted(String)
    case slotOccupied
    /// A hot-plugged card must have 1–8 functions.
    case invalidCardFunctionCount(Int)
}
