// Addressing: `#address-cells` / `#size-cells`, `reg`, `ranges`, and the translation of a
// device's bus addresses up through its ancestors' `ranges` to CPU physical addresses.
// Rules per the Devicetree Specification v0.4 §2.3.5–2.3.8: cell counts belong to the parent
// bus and are not inherited (absent means 2 and 1); empty `ranges` is an identity mapping; a bus
// without `ranges` does not map into its parent at all. Counterpart of Linux's of_translate_address
// and of the `reg`/`ranges` decoders in Zircon's `zircon/kernel/lib/devicetree`.

extension DeviceTreeNode {
    /// This node's `#address-cells`: how many cells an address takes in its children's `reg` and
    /// in the child side of its `ranges`. 2 when absent; at most 4.
    public func addressCells() throws(DeviceTreeError) -> Int {
        try cellCount(property(at: record.wellKnown.addressCells), default: 2)
    }

    /// This node's `#size-cells`: how many cells a size takes in its children's `reg` and in its
    /// `ranges`. 1 when absent; at most 4.
    public func sizeCells() throws(DeviceTreeError) -> Int {
        try cellCount(property(at: record.wellKnown.sizeCells), default: 1)
    }

    private func cellCount(_ property: DeviceTreeProperty?, default defaultCount: Int) throws(DeviceTreeError) -> Int {
        guard let property else { return defaultCount }
        let count = try property.u32()
        guard count <= UInt32(FlattenedFormat.maximumCells) else {
            throw property.error(.invalidCellCount(count, limit: FlattenedFormat.maximumCells))
        }
        return Int(count)
    }

    /// The `reg` entries in the parent bus's address space, decoded with the parent's
    /// `#address-cells` and `#size-cells` (the root's own, for the root). Empty when there is no
    /// `reg`. Addresses and sizes wider than two cells throw `.cellsTooWide`.
    public func reg() throws(DeviceTreeError) -> [DeviceTree.Region] {
        guard let reg = property(at: record.wellKnown.reg) else { return [] }
        let bus = parent ?? self
        let addressCells = try bus.addressCells()
        let sizeCells = try bus.sizeCells()
        let entryCells = addressCells + sizeCells
        guard entryCells > 0 ? reg.length % (entryCells * 4) == 0 : reg.length == 0 else {
            throw reg.error(.regLength(length: reg.length, addressCells: addressCells, sizeCells: sizeCells))
        }
        guard entryCells > 0 else { return [] }
        var regions: [DeviceTree.Region] = []
        regions.reserveCapacity(reg.length / (entryCells * 4))
        var cell = 0
        while cell * 4 < reg.length {
            let address = try reg.number(cellsAt: cell, count: addressCells)
            let size = try reg.number(cellsAt: cell + addressCells, count: sizeCells)
            regions.append(DeviceTree.Region(address: address, size: size))
            cell += entryCells
        }
        return regions
    }

    /// The `reg` entries translated to CPU physical addresses through every ancestor's `ranges`.
    /// Throws `.notTranslatable` when an ancestor bus has no `ranges` (the node's addresses are not
    /// CPU addresses, e.g. a CPU's `reg` is its ID), and `.addressNotInRanges` when an address
    /// falls outside every range of a bus.
    public func translatedReg() throws(DeviceTreeError) -> [DeviceTree.Region] {
        var regions = try reg()
        guard let bus = parent else { return regions }
        for index in regions.indices {
            regions[index].address = try bus.translate(childAddress: regions[index].address)
        }
        return regions
    }

    /// Translates an address in this node's child address space (the space its children's `reg`
    /// uses) to a CPU physical address, applying `ranges` at this node and each ancestor below
    /// the root. As in Linux, only the start address has to fall within a range.
    public func translate(childAddress address: UInt64) throws(DeviceTreeError) -> UInt64 {
        var address = address
        var bus = self
        // Each step moves one level up, so the walk ends at the root after `depth` steps.
        while let parent = bus.parent {
            guard let ranges = try bus.ranges() else {
                throw bus.error(.notTranslatable(bus: bus.path))
            }
            if !ranges.isEmpty {
                guard let range = ranges.first(where: { $0.contains(childAddress: address) }) else {
                    throw bus.error(.addressNotInRanges(address: address, bus: bus.path),
                                    at: bus.property("ranges")?.offset, property: "ranges")
                }
                let (translated, overflow) = range.parentAddress.addingReportingOverflow(address - range.childAddress)
                guard !overflow else {
                    throw bus.error(.translationOverflow(address: address), at: bus.property("ranges")?.offset,
                                    property: "ranges")
                }
                address = translated
            }
            bus = parent
        }
        return address
    }

    /// This node's `ranges`: nil when absent (the bus does not map into its parent), empty when
    /// the property is empty (identity mapping). Child addresses use this node's
    /// `#address-cells`, parent addresses the parent's, sizes this node's `#size-cells`.
    public func ranges() throws(DeviceTreeError) -> [DeviceTree.RangesEntry]? {
        guard let ranges = property(at: record.wellKnown.ranges) else { return nil }
        if ranges.isEmpty { return [] }
        let childCells = try addressCells()
        let parentCells = try (parent ?? self).addressCells()
        let sizeCells = try self.sizeCells()
        let entryCells = childCells + parentCells + sizeCells
        guard entryCells > 0, ranges.length % (entryCells * 4) == 0 else {
            throw ranges.error(.rangesLength(length: ranges.length, childAddressCells: childCells,
                                             parentAddressCells: parentCells, sizeCells: sizeCells))
        }
        var entries: [DeviceTree.RangesEntry] = []
        entries.reserveCapacity(ranges.length / (entryCells * 4))
        var cell = 0
        while cell * 4 < ranges.length {
            entries.append(DeviceTree.RangesEntry(
                childAddress: try ranges.number(cellsAt: cell, count: childCells),
                parentAddress: try ranges.number(cellsAt: cell + childCells, count: parentCells),
                size: try ranges.number(cellsAt: cell + childCells + parentCells, count: sizeCells)))
            cell += entryCells
        }
        return entries
    }
}

extension DeviceTree {
    /// One entry of a `ranges` property: child bus addresses [childAddress, +size) appear at
    /// parentAddress in the parent bus.
    public struct RangesEntry: Sendable, Hashable {
        public var childAddress: UInt64
        public var parentAddress: UInt64
        public var size: UInt64

        public init(childAddress: UInt64, parentAddress: UInt64, size: UInt64) {
            self.childAddress = childAddress
            self.parentAddress = parentAddress
            self.size = size
        }

        /// Whether `address` (a child bus address) falls within this range.
        public func contains(childAddress address: UInt64) -> Bool {
            address >= childAddress && address - childAddress < size
        }
    }
}

extension DeviceTreeProperty {
    /// The number held in `count` cells starting at cell `index` (the caller has checked the
    /// length). More than two cells never fit: a 3-cell PCI address carries flags in its high
    /// cell and is decoded by `pciRanges()` instead.
    func number(cellsAt index: Int, count: Int) throws(DeviceTreeError) -> UInt64 {
        switch count {
        case 0: return 0
        case 1: return UInt64(cell(index))
        case 2: return UInt64(cell(index)) << 32 | UInt64(cell(index + 1))
        default: throw error(.cellsTooWide(cells: count))
        }
    }
}
