// InterruptMap: an interrupt nexus's `interrupt-map` / `interrupt-map-mask` — how QEMU virt's PCIe
// host bridge routes legacy INTA–INTD of each device slot to GIC SPIs — decoded into entries, and
// the lookup of one PCI function's pin through it. Rules per the Devicetree Specification v0.4
// §2.4.3 and the PCI bus binding's interrupt mapping; Linux's of_irq_parse_raw walks the same
// layout (including its default of 0 parent address cells when the parent has no #address-cells).

extension DeviceTree {
    /// One `interrupt-map` row: a child unit address and interrupt specifier, both already masked,
    /// routed to `controller` with `parentSpecifier`.
    public struct InterruptMapEntry: Sendable, Hashable {
        public var childAddress: [UInt32]
        public var childSpecifier: [UInt32]
        public var controller: DeviceTreeNode
        public var parentAddress: [UInt32]
        public var parentSpecifier: [UInt32]

        /// The interrupt this row delivers.
        public var interrupt: Interrupt { Interrupt(controller: controller, cells: parentSpecifier) }
    }
}

extension DeviceTreeNode {
    /// The rows of this nexus's `interrupt-map`, or nil when it has none. Each row is this node's
    /// `#address-cells` of child unit address, its `#interrupt-cells` of child specifier, a
    /// phandle, then the named controller's `#address-cells` (0 when absent) and
    /// `#interrupt-cells`.
    public func interruptMap() throws(DeviceTreeError) -> [DeviceTree.InterruptMapEntry]? {
        guard let map = property("interrupt-map") else { return nil }
        let addressCells = try addressCells()
        let specifierCells = try interruptCells()
        let cells = try map.cells()
        var entries: [DeviceTree.InterruptMapEntry] = []
        var index = 0
        while index < cells.count {
            let childEnd = index + addressCells + specifierCells
            guard childEnd < cells.count else {
                throw map.error(.badPropertyLength(length: map.length, expected: "a whole row at cell \(index)"))
            }
            let phandle = cells[childEnd]
            guard let controller = tree.node(phandle: phandle) else { throw map.error(.danglingPhandle(phandle)) }
            var parentAddressCells = 0
            if let property = controller.property("#address-cells") { parentAddressCells = Int(try property.u32()) }
            let parentSpecifierCells = try controller.interruptCells()
            let parentStart = childEnd + 1
            // Counts come from the blob: compare by subtraction so no sum can overflow.
            guard parentAddressCells <= cells.count - parentStart,
                  parentSpecifierCells <= cells.count - parentStart - parentAddressCells else {
                throw map.error(.badPropertyLength(length: map.length, expected: "a whole row at cell \(index)"))
            }
            let parentEnd = parentStart + parentAddressCells + parentSpecifierCells
            entries.append(DeviceTree.InterruptMapEntry(
                childAddress: Array(cells[index..<(index + addressCells)]),
                childSpecifier: Array(cells[(index + addressCells)..<childEnd]),
                controller: controller,
                parentAddress: Array(cells[parentStart..<(parentStart + parentAddressCells)]),
                parentSpecifier: Array(cells[(parentStart + parentAddressCells)..<parentEnd])))
            index = parentEnd
        }
        return entries
    }

    /// Where this nexus routes the child interrupt (`childAddress`, `childSpecifier`): the
    /// `interrupt-map` row matching both after `interrupt-map-mask` (all ones when absent), or nil
    /// when no row matches or the node has no map.
    public func mapInterrupt(childAddress: [UInt32], childSpecifier: [UInt32]) throws(DeviceTreeError) -> DeviceTree.Interrupt? {
        guard let entries = try interruptMap() else { return nil }
        let mask = try cells("interrupt-map-mask")
        let key = childAddress + childSpecifier
        let masked = key.enumerated().map { index, cell in
            cell & (mask.flatMap { index < $0.count ? $0[index] : nil } ?? UInt32.max)
        }
        return entries.first { $0.childAddress + $0.childSpecifier == masked }?.interrupt
    }

    /// The interrupt a PCI function's legacy pin (1–4 for INTA–INTD) raises, through this host
    /// bridge's `interrupt-map`. The child unit address is phys.hi with the bus, device and
    /// function numbers, as the PCI binding specifies.
    public func pciInterrupt(bus: UInt8 = 0, device: UInt8, function: UInt8 = 0, pin: UInt8) throws(DeviceTreeError)
        -> DeviceTree.Interrupt? {
        let physHigh = UInt32(bus) << 16 | UInt32(device & 0x1f) << 11 | UInt32(function & 0x7) << 8
        return try mapInterrupt(childAddress: [physHigh, 0, 0], childSpecifier: [UInt32(pin)])
    }
}
