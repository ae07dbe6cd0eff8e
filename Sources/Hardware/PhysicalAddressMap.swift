// PhysicalAddressMap: what decodes where on the emulated machine's physical bus. RAM is the one
// `PhysicalMemory` range; every other decoded window is an MMIO region — an `MmioDevice` placed at
// a base physical address. The map is fixed when the machine is built (no hot-plug of windows),
// sorted by base, and looked up by binary search; accesses that land in no region are bus errors.
//
// The MMU reaches it through `PhysicalMemory.mmio` (SoftwareTLB+Device.swift): a translation to
// a physical page that is not RAM is a device translation, and every load or store through it
// becomes a call on the region's device with the offset inside the region, in program order.
//
// Zircon counterpart: none in the kernel — on real hardware the bus decodes addresses. The shape
// follows the boot-time memory map a board hands the kernel (ZBI_TYPE_MEM_CONFIG ranges of type
// RAM and PERIPHERAL) and QEMU's address_space_memory of MemoryRegions.

import ZX

/// One MMIO window: `device` decodes `[base, base + size)`, where `size` is the device's
/// `regionSize` (not necessarily a page multiple: virtio-mmio transports are 0x200 bytes).
public final class MmioRegion: Sendable, CustomStringConvertible {
    public let base: PhysicalAddress
    public let size: UInt64
    public let device: any MmioDevice

    /// The offset of `address` in this region if all `width` bytes from it are decoded here.
    @inline(__always)
    func offset(of address: PhysicalAddress, width: MmioAccessWidth) -> UInt64? {
        let offset = address.rawValue &- base.rawValue
        guard address.rawValue >= base.rawValue, offset < size, UInt64(width.rawValue) <= size - offset else { return nil }
        return offset
    }

    /// - Throws: `.invalidArgs` for an empty window or one that wraps the physical address space.
    public init(base: PhysicalAddress, device: any MmioDevice) throws(ZxStatus) {
        let size = device.regionSize
        guard size > 0, base.rawValue.checkedAdd(size - 1) != nil else { throw .invalidArgs }
        self.base = base
        self.size = size
        self.device = device
    }

    /// One past the last decoded byte (saturating at UInt64.max for a window ending at the top).
    public var end: UInt64 { base.rawValue.checkedAdd(size) ?? UInt64.max }

    /// True if `address` is decoded by this region.
    @inlinable public func contains(_ address: PhysicalAddress) -> Bool {
        address.rawValue >= base.rawValue && address.rawValue - base.rawValue < size
    }

    /// The page-rounded physical range this window occupies (what a physical VMO must cover).
    public var pageRange: (base: UInt64, size: UInt64) {
        let first = base.rawValue.pageTruncated
        let last = (base.rawValue + (size - 1)).pageTruncated
        return (first, (last - first) &+ UInt64(PageGeometry.size))
    }

    public var description: String {
        "\(device.name) [\(base), 0x\(String(base.rawValue &+ size, radix: 16)))"
    }
}

/// The MMIO half of the physical address map: regions sorted by base, non-overlapping.
public struct MmioRegionMap: Sendable {
    /// Sorted by base; no two overlap.
    public let regions: [MmioRegion]

    /// The empty map (a machine with RAM only).
    public init() { regions = [] }

    /// Sorts `regions` and checks that none overlap each other.
    /// - Throws: `.invalidArgs` if two regions overlap.
    public init(_ regions: [MmioRegion]) throws(ZxStatus) {
        let sorted = regions.sorted { $0.base < $1.base }
        for (left, right) in zip(sorted, sorted.dropFirst()) where left.end > right.base.rawValue {
            throw .invalidArgs
        }
        self.regions = sorted
    }

    public var isEmpty: Bool { regions.isEmpty }

    /// The region decoding `address`, or nil (binary search: the last region whose base is
    /// <= address, if it reaches that far).
    public func region(containing address: PhysicalAddress) -> MmioRegion? {
        var low = 0
        var high = regions.count
        while low < high {
            let middle = (low + high) / 2
            if regions[middle].base.rawValue <= address.rawValue { low = middle + 1 } else { high = middle }
        }
        guard low > 0 else { return nil }
        let candidate = regions[low - 1]
        return candidate.contains(address) ? candidate : nil
    }

    /// True if any region decodes a byte of `[base, base + size)`.
    public func intersects(base: UInt64, size: UInt64) -> Bool {
        guard size > 0 else { return false }
        let end = base.checkedAdd(size) ?? UInt64.max
        return regions.contains { $0.base.rawValue < end && base < $0.end }
    }

    /// True if the physical page at `page` (page aligned) holds any decoded byte.
    public func decodesPage(_ page: PhysicalAddress) -> Bool {
        intersects(base: page.rawValue, size: UInt64(PageGeometry.size))
    }

    // MARK: Bus cycles

    /// A load of `width` bytes at physical `address`: the decoding device answers it. An address
    /// no region decodes, or an access running past the end of its region, is a bus error.
    public func read(_ address: PhysicalAddress, width: MmioAccessWidth,
                     hint: MmioRegion? = nil) throws(MmioFault) -> UInt64 {
        let (region, offset) = try decode(address, width: width, hint: hint)
        return try region.device.read(offset: offset, width: width) & width.valueMask
    }

    /// A store of the low `width` bytes of `value` at physical `address`.
    public func write(_ address: PhysicalAddress, width: MmioAccessWidth, value: UInt64,
                      hint: MmioRegion? = nil) throws(MmioFault) {
        let (region, offset) = try decode(address, width: width, hint: hint)
        try region.device.write(offset: offset, width: width, value: value & width.valueMask)
    }

    /// The region and offset for an access, checking that all its bytes are decoded.
    @inline(__always)
    public func decode(_ address: PhysicalAddress, width: MmioAccessWidth,
                       hint: MmioRegion? = nil) throws(MmioFault) -> (MmioRegion, UInt64) {
        let region: MmioRegion
        if let hint, hint.contains(address) {
            region = hint
        } else if let found = self.region(containing: address) {
            region = found
        } else {
            throw MmioFault(.unmappedRegister, device: "physical bus", offset: address.rawValue, width: width)
        }
        let offset = address.rawValue - region.base.rawValue
        guard UInt64(width.rawValue) <= region.size - offset else {
            throw MmioFault(.unmappedRegister, device: region.device.name, offset: offset, width: width)
        }
        return (region, offset)
    }
}
