// PciHotPlugRootPort: a PCI Express root port with a hot-plug capable slot. Its type-1 header
// forwards configuration cycles for its secondary bus and memory accesses inside its windows;
// its PCI Express capability reports the slot (Hot-Plug Capable, Hot-Plug Surprise, presence
// detect, link active). The emulator inserts and removes cards at run time; the card's functions
// appear at bus = secondary, device 0.
//
// Counterpart: QEMU hw/pci-bridge/gen_pcie_root_port.c (1b36:000c) and hw/pci/pcie.c
// (pcie_cap_slot_plug_cb / unplug: presence detect state + changed, data link layer state
// changed, hot-plug interrupt when enabled); PCI Express Base 4.0 sections 6.7 and 7.5.3.9–11.
// Windows are pre-sized at "firmware" time because Fuchsia's bus driver never reprograms bridge
// windows (driver-model.md section 7.6).
import Synchronization

public final class PciHotPlugRootPort: PciDevice {
    public let pciFunction: PciFunction
    /// Bytes of non-prefetchable and prefetchable memory the bus builder reserves for cards
    /// hot-plugged later (Linux's hpmmiosize / hpmmioprefsize default: 2 MiB each).
    public let reservedMemorySize: UInt64
    public let reservedPrefetchableSize: UInt64
    /// Configuration-space offset of the PCI Express capability.
    public let expressCapabilityOffset: Int

    /// The card's functions by function number.
    private let occupants = Mutex<[PciFunction?]>(Array(repeating: nil, count: 8))

    /// QEMU's generic PCIe root port identity.
    public static let genericRootPortIdentity = PciIdentity(
        vendorID: PciVendorID.redHat, deviceID: 0x000C, classCode: .pciToPciBridge, interruptPin: 1)

    public init(
        name: String = "pcie-root-port", identity: PciIdentity = genericRootPortIdentity,
        slotNumber: UInt16 = 0, portNumber: UInt8 = 0,
        reservedMemorySize: UInt64 = 2 << 20, reservedPrefetchableSize: UInt64 = 2 << 20
    ) throws(PciConfigurationError) {
        let slot: PciExpressSlotCapabilities = [
            .hotPlugCapable, .hotPlugSurprise, .noCommandCompleted, .physicalSlotNumber(slotNumber),
        ]
        let function = try PciFunction.bridge(
            name: name, identity: identity,
            capabilities: [.pciExpress(portType: .rootPort, slot: slot, portNumber: portNumber), .msi()],
            express: true)
        guard let offset = function.capabilityOffsets[PciCapabilityID.pciExpress] else {
            throw .capabilityDoesNotFit(id: PciCapabilityID.pciExpress)
        }
        self.pciFunction = function
        self.expressCapabilityOffset = offset
        self.reservedMemorySize = reservedMemorySize
        self.reservedPrefetchableSize = reservedPrefetchableSize
        // Software acknowledging slot events (RW1C) or changing the slot control enables moves
        // the hot-plug interrupt; the observer holds the port weakly (the port owns the function).
        function.setConfigWriteObserver { [weak self] offset, count in
            guard let self else { return }
            let slotRegisters = (self.expressCapabilityOffset + PciExpressRegister.slotControl)
                ..< (self.expressCapabilityOffset + PciExpressRegister.slotStatus + 2)
            if slotRegisters.overlaps(offset..<(offset + count)) { self.updateHotPlugInterrupt() }
        }
    }

    // MARK: - Emulator side: insertion and removal

    /// Inserts a card whose functions are `devices[0]`, `devices[1]`, … (function numbers).
    /// Sets Presence Detect State, Presence Detect Changed, Data Link Layer Link Active and Data
    /// Link Layer State Changed, and raises the hot-plug interrupt if software enabled it.
    /// BARs of the card are unassigned unless `assignResources` is set, in which case they are
    /// placed inside the port's windows and memory decode is enabled (what a hot-plug driver
    /// such as Linux pciehp + resource assignment would do).
    public func insert(_ devices: [any PciDevice], assignResources: Bool = false) throws(PciConfigurationError) {
        guard (1...8).contains(devices.count) else { throw .invalidCardFunctionCount(devices.count) }
        let functions = devices.map(\.pciFunction)
        guard !isOccupied else { throw .slotOccupied }
        functions[0].setMultiFunction(functions.count > 1)
        if assignResources {
            try PciResourceAssignment.assignBehindBridge(functions, bridge: pciFunction)
        }
        let epoch = pciFunction.decodeEpoch
        try occupants.withLock { (slots: inout [PciFunction?]) throws(PciConfigurationError) in
            guard slots.allSatisfy({ $0 == nil }) else { throw .slotOccupied }
            var attached: [PciFunction] = []
            for function in functions {
                if let epoch {
                    do throws(PciConfigurationError) {
                        try function.attach(to: epoch)
                    } catch {
                        attached.forEach { $0.detach() }
                        throw error
                    }
                }
                attached.append(function)
            }
            for (number, function) in functions.enumerated() { slots[number] = function }
        }
        setPresence(true)
    }

    /// Inserts a single-function card.
    public func insert(_ device: any PciDevice, assignResources: Bool = false) throws(PciConfigurationError) {
        try insert([device], assignResources: assignResources)
    }

    /// Surprise removal: the card's functions vanish from configuration space and memory decode
    /// at once; Presence Detect State clears and the change bits are set. Returns the removed
    /// functions (empty if the slot was empty).
    @discardableResult
    public func remove() -> [PciFunction] {
        let removed: [PciFunction] = occupants.withLock { slots in
            defer { slots = Array(repeating: nil, count: 8) }
            return slots.compactMap { $0 }
        }
        guard !removed.isEmpty else { return [] }
        removed.forEach { $0.detach() }
        setPresence(false)
        return removed
    }

    public var isOccupied: Bool { occupants.withLock { $0.contains { $0 != nil } } }

    /// The slot status register as software sees it.
    public var slotStatus: PciExpressSlotStatus {
        let offset = expressCapabilityOffset + PciExpressRegister.slotStatus
        return PciExpressSlotStatus(rawValue: pciFunction.withConfig { $0.value16(offset) })
    }

    // MARK: - Bus side

    /// The function answering configuration cycles for `device`.`function` on the secondary bus:
    /// a PCI Express downstream port only has device 0 below it.
    func occupant(device: UInt8, function: UInt8) -> PciFunction? {
        guard device == 0, function < 8 else { return nil }
        return occupants.withLock { $0[Int(function)] }
    }

    /// All present functions of the card.
    var occupantFunctions: [PciFunction] { occupants.withLock { $0.compactMap { $0 } } }

    /// Joins the bus together with any card inserted before the machine was built.
    func attach(to epoch: PciDecodeEpoch) throws(PciConfigurationError) {
        try pciFunction.attach(to: epoch)
        for function in occupantFunctions { try function.attach(to: epoch) }
    }

    /// Firmware-side programming of bus numbers and windows (nil closes a window) — what SeaBIOS
    /// or OVMF leave behind. Enables memory forwarding and bus mastering through the port.
    public func programWindows(
        primaryBus: UInt8, secondaryBus: UInt8, subordinateBus: UInt8,
        memory: ClosedRange<UInt64>?, prefetchable: ClosedRange<UInt64>?
    ) {
        let write = pciFunction.writeConfig
        write(PciConfigOffset.primaryBus, .byte, UInt32(primaryBus))
        write(PciConfigOffset.secondaryBus, .byte, UInt32(secondaryBus))
        write(PciConfigOffset.subordinateBus, .byte, UInt32(subordinateBus))
        write(PciConfigOffset.ioBase, .byte, 0xF0)     // I/O window closed (base > limit)
        write(PciConfigOffset.ioLimit, .byte, 0x00)
        let memoryWindow = PciBridgeHeader.encodeWindow(memory)
        write(PciConfigOffset.memoryBase, .halfWord, UInt32(memoryWindow.base))
        write(PciConfigOffset.memoryLimit, .halfWord, UInt32(memoryWindow.limit))
        let prefetchWindow = PciBridgeHeader.encodeWindow(prefetchable)
        write(PciConfigOffset.prefetchableBase, .halfWord, UInt32(prefetchWindow.base))
        write(PciConfigOffset.prefetchableLimit, .halfWord, UInt32(prefetchWindow.limit))
        write(PciConfigOffset.prefetchableBaseUpper, .word, prefetchWindow.baseUpper)
        write(PciConfigOffset.prefetchableLimitUpper, .word, prefetchWindow.limitUpper)
        let command = pciFunction.command.union([.memorySpace, .busMaster])
        write(PciConfigOffset.command, .halfWord, UInt32(command.rawValue))
    }

    /// The memory windows as currently programmed.
    public var memoryWindow: ClosedRange<UInt64>? { pciFunction.withConfig { PciBridgeHeader.memoryWindow($0) } }
    public var prefetchableWindow: ClosedRange<UInt64>? {
        pciFunction.withConfig { PciBridgeHeader.prefetchableWindow($0) }
    }

    // MARK: - Slot state

    private func setPresence(_ present: Bool) {
        let capability = expressCapabilityOffset
        pciFunction.withConfig(affectsDecode: true) { config in
            let statusOffset = capability + PciExpressRegister.slotStatus
            var status = PciExpressSlotStatus(rawValue: config.value16(statusOffset))
            if present {
                status.insert(.presenceDetectState)
            } else {
                status.remove(.presenceDetectState)
            }
            status.formUnion([.presenceDetectChanged, .dataLinkLayerStateChanged])
            config.set16(statusOffset, status.rawValue)
            config.update16(capability + PciExpressRegister.linkStatus,
                            setting: PciExpressRegister.linkActive, to: present)
        }
        updateHotPlugInterrupt()
    }

    /// Hot-plug interrupt = Hot-Plug Interrupt Enable and an enabled event bit pending
    /// (PCIe 4.0 section 6.7.3.4).
    private func updateHotPlugInterrupt() {
        let capability = expressCapabilityOffset
        let pending: Bool = pciFunction.withConfig { config in
            let control = PciExpressSlotControl(rawValue: config.value16(capability + PciExpressRegister.slotControl))
            let status = PciExpressSlotStatus(rawValue: config.value16(capability + PciExpressRegister.slotStatus))
            guard control.contains(.hotPlugInterruptEnable) else { return false }
            return (control.contains(.presenceDetectChangedEnable) && status.contains(.presenceDetectChanged))
                || (control.contains(.linkStateChangedEnable) && status.contains(.dataLinkLayerStateChanged))
                || (control.contains(.attentionButtonPressedEnable) && status.contains(.attentionButtonPressed))
        }
        pciFunction.setInterruptRequest(pending)
    }
}
