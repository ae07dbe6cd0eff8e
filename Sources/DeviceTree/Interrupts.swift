// Interrupts: a node's interrupt parent, its `interrupts` / `interrupts-extended` specifiers split
// by the controller's `#interrupt-cells`, and the Arm GIC binding's reading of a 3-cell specifier.
// Rules per the Devicetree Specification v0.4 §2.4 (interrupt-parent is found by walking up the
// tree, following `interrupt-parent` phandles, to the first node with `#interrupt-cells`), as
// Linux's of_irq_find_parent does; GIC cells per the kernel's arm,gic.yaml / arm,gic-v3.yaml
// bindings. Zircon's counterpart is the interrupt decoding in `zircon/kernel/lib/devicetree`.

extension DeviceTree {
    /// One interrupt of a device: the controller it goes to and the specifier cells, whose
    /// meaning that controller's binding defines.
    public struct Interrupt: Sendable, Hashable {
        public var controller: DeviceTreeNode
        public var cells: [UInt32]

        /// The specifier read with the Arm GIC binding, or nil when the controller is not an Arm
        /// GIC (compatible `arm,…gic…`) or the cells are not a GIC specifier.
        public var armGic: ArmGicInterrupt? {
            let isGic = ((try? controller.compatible()) ?? []).contains { $0.hasPrefix("arm,") && $0.contains("gic") }
            return isGic ? ArmGicInterrupt(cells: cells) : nil
        }
    }

    /// A GIC interrupt specifier: `<type number flags>`.
    public struct ArmGicInterrupt: Sendable, Hashable {
        public enum Kind: UInt32, Sendable, Hashable {
            case spi = 0, ppi = 1, extendedSpi = 2, extendedPpi = 3
        }

        public var kind: Kind
        /// The number within its kind (SPI 1 is INTID 33).
        public var number: UInt32
        /// The flags cell: trigger type in bits 3:0, PPI CPU mask in bits 15:8 (GICv2).
        public var flags: UInt32

        public init?(cells: [UInt32]) {
            guard cells.count >= 3, let kind = Kind(rawValue: cells[0]) else { return nil }
            self.kind = kind
            number = cells[1]
            flags = cells[2]
        }

        /// The GIC interrupt ID (INTID): SPIs from 32, PPIs from 16, extended SPIs from 4096,
        /// extended PPIs from 1056. Nil when it would not fit 32 bits.
        public var interruptId: UInt32? {
            let base: UInt32 = switch kind {
            case .spi: 32
            case .ppi: 16
            case .extendedSpi: 4096
            case .extendedPpi: 1056
            }
            let (id, overflow) = base.addingReportingOverflow(number)
            return overflow ? nil : id
        }

        /// Edge rising (1), edge falling (2), level high (4) or level low (8); 0 when unspecified.
        public var triggerType: UInt32 { flags & 0xf }
        public var isLevelTriggered: Bool { flags & 0xc != 0 }
    }
}

extension DeviceTreeNode {
    /// The node's interrupt controller: following `interrupt-parent` (or, without one, the tree
    /// parent) until a node with `#interrupt-cells`. Nil when the chain ends without one; throws
    /// when an `interrupt-parent` phandle names no node.
    public func interruptParent() throws(DeviceTreeError) -> DeviceTreeNode? {
        var current = self
        // A chain longer than the node count has a phandle cycle.
        for _ in 0..<storage.nodes.count {
            let next: DeviceTreeNode
            if let link = current.property("interrupt-parent") {
                let phandle = try link.u32()
                guard let target = tree.node(phandle: phandle) else { throw link.error(.danglingPhandle(phandle)) }
                next = target
            } else if let parent = current.parent {
                next = parent
            } else {
                return nil
            }
            if next.hasProperty("#interrupt-cells") { return next }
            current = next
        }
        return nil
    }

    /// The device's interrupts, from `interrupts-extended` when present (each entry names its own
    /// controller) or else from `interrupts` split by the interrupt parent's `#interrupt-cells`.
    /// Empty when the node has neither.
    public func interrupts() throws(DeviceTreeError) -> [DeviceTree.Interrupt] {
        if let extended = property("interrupts-extended") { return try extendedInterrupts(extended) }
        guard let interrupts = property("interrupts") else { return [] }
        guard let controller = try interruptParent() else {
            throw interrupts.error(.noInterruptParent)
        }
        let cellCount = try controller.interruptCells()
        let cells = try interrupts.cells()
        guard cellCount > 0 ? cells.count % cellCount == 0 : cells.isEmpty else {
            throw interrupts.error(.badPropertyLength(
                length: interrupts.length, expected: "a multiple of \(cellCount * 4) bytes (#interrupt-cells \(cellCount))"))
        }
        guard cellCount > 0 else { return [] }
        return stride(from: 0, to: cells.count, by: cellCount).map {
            DeviceTree.Interrupt(controller: controller, cells: Array(cells[$0..<($0 + cellCount)]))
        }
    }

    /// `<phandle cells…>` entries, each sized by its own controller's `#interrupt-cells`.
    private func extendedInterrupts(_ property: DeviceTreeProperty) throws(DeviceTreeError) -> [DeviceTree.Interrupt] {
        let cells = try property.cells()
        var interrupts: [DeviceTree.Interrupt] = []
        var index = 0
        while index < cells.count {
            let phandle = cells[index]
            guard let controller = tree.node(phandle: phandle) else { throw property.error(.danglingPhandle(phandle)) }
            let count = try controller.interruptCells()
            guard count <= cells.count - index - 1 else {
                throw property.error(.badPropertyLength(
                    length: property.length, expected: "\(count) more cells for controller \(controller.path)"))
            }
            let specifier = Array(cells[(index + 1)..<(index + 1 + count)])
            interrupts.append(DeviceTree.Interrupt(controller: controller, cells: specifier))
            index += 1 + count
        }
        return interrupts
    }

    /// `#interrupt-cells` of an interrupt controller (or nexus).
    func interruptCells() throws(DeviceTreeError) -> Int {
        guard let property = property("#interrupt-cells") else { throw error(.noInterruptParent) }
        return Int(try property.u32())
    }
}
