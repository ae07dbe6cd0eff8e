// PciRanges: the `ranges` of a PCI host bridge such as QEMU virt's `pci-host-ecam-generic`, whose
// child addresses are 3 cells with the address space in the high cell, decoded into windows
// (space, prefetchable, PCI address, CPU address, size). Encoding per the PCI Bus Binding to Open
// Firmware (IEEE 1275) §2.2.1.1 as the Devicetree Specification v0.4 §2.3.8 refers to it; Linux's
// of_pci_range_parser and Zircon's PCI devicetree visitor read the same layout.

extension DeviceTree {
    /// The address space a PCI window decodes, from bits 25:24 of phys.hi.
    public enum PciSpace: UInt32, Sendable, Hashable {
        case configuration = 0
        case io = 1
        case memory32 = 2
        case memory64 = 3
    }

    /// One window of a PCI host bridge: PCI bus addresses [pciAddress, +size) of `space` appear
    /// at CPU physical address `cpuAddress`.
    public struct PciRange: Sendable, Hashable {
        public var space: PciSpace
        /// The `p` bit: the region is prefetchable.
        public var prefetchable: Bool
        /// The `n` bit: the region is not relocatable.
        public var nonRelocatable: Bool
        /// The `t` bit: aliased (I/O below 64 KiB, memory below 1 MiB).
        public var aliased: Bool
        /// phys.mid:phys.lo.
        public var pciAddress: UInt64
        /// The parent-bus address translated to a CPU physical address.
        public var cpuAddress: UInt64
        public var size: UInt64
        /// The raw phys.hi cell (`npt000ss bbbbbbbb dddddfff rrrrrrrr`).
        public var flags: UInt32

        public init(flags: UInt32, pciAddress: UInt64, cpuAddress: UInt64, size: UInt64) {
            self.flags = flags
            space = PciSpace(rawValue: (flags >> 24) & 0x3) ?? .configuration
            prefetchable = flags & (1 << 30) != 0
            nonRelocatable = flags & (1 << 31) != 0
            aliased = flags & (1 << 29) != 0
            self.pciAddress = pciAddress
            self.cpuAddress = cpuAddress
            self.size = size
        }
    }
}

extension DeviceTreeNode {
    /// This PCI bus node's `ranges` as PCI windows, CPU addresses translated through the
    /// ancestors' `ranges`. The node must have `#address-cells = 3`. Empty when `ranges` is
    /// absent or empty (a PCI bus needs explicit windows; identity is meaningless with flags).
    public func pciRanges() throws(DeviceTreeError) -> [DeviceTree.PciRange] {
        let childCells = try addressCells()
        guard childCells == 3 else { throw error(.notPciBus(addressCells: childCells)) }
        guard let ranges = property("ranges"), !ranges.isEmpty else { return [] }
        let bus = parent ?? self
        let parentCells = try bus.addressCells()
        let sizeCells = try self.sizeCells()
        let entryCells = childCells + parentCells + sizeCells
        guard ranges.length % (entryCells * 4) == 0 else {
            throw ranges.error(.rangesLength(length: ranges.length, childAddressCells: childCells,
                                             parentAddressCells: parentCells, sizeCells: sizeCells))
        }
        var windows: [DeviceTree.PciRange] = []
        var cell = 0
        while cell * 4 < ranges.length {
            let flags = ranges.cell(cell)
            let pciAddress = try ranges.number(cellsAt: cell + 1, count: 2)
            let parentAddress = try ranges.number(cellsAt: cell + 3, count: parentCells)
            let size = try ranges.number(cellsAt: cell + 3 + parentCells, count: sizeCells)
            // The host bridge's parent bus may itself sit behind ranges (e.g. a simple-bus).
            let cpuAddress = bus == self ? parentAddress : try bus.translate(childAddress: parentAddress)
            windows.append(DeviceTree.PciRange(flags: flags, pciAddress: pciAddress, cpuAddress: cpuAddress, size: size))
            cell += entryCells
        }
        return windows
    }

    /// `bus-range`: the first and last bus numbers below this host bridge, or nil when absent.
    public func pciBusRange() throws(DeviceTreeError) -> ClosedRange<UInt32>? {
        guard let property = property("bus-range") else { return nil }
        try property.requireLength(8, "8 bytes (<first last>)")
        let first = property.cell(0), last = property.cell(1)
        guard first <= last else {
            throw property.error(.invalidValue("first bus \(first) is after last bus \(last)"))
        }
        return first...last
    }
}
