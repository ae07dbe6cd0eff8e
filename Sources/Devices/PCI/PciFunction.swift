// PciFunction: one PCI function's configuration space — the type-0 (endpoint) or type-1 (bridge)
// header, BARs, the capability list — and its interrupt output. Device models own one and hand it
// to the bus; the bus reads it to route ECAM accesses and to decode memory BARs.
//
// Counterpart: QEMU hw/pci/pci.c (PCIDevice: config, wmask, w1cmask, pci_register_bar,
// pci_add_capability, pci_set_irq, msi_notify); the register rules are PCI Local Bus 3.0
// chapter 6 and PCI-to-PCI Bridge 1.2 chapter 3. Fuchsia's bus driver (src/devices/bus/drivers/
// pci) is the software on the other side.
import Hardware
import Synchronization

/// Anything that sits on a PCI bus: a device model exposes the function the bus enumerates.
public protocol PciDevice: AnyObject, Sendable {
    var pciFunction: PciFunction { get }
}

/// Bus/device/function numbers.
public struct PciAddress: Sendable, Hashable, CustomStringConvertible {
    public var bus: UInt8
    public var device: UInt8
    public var function: UInt8

    public init(bus: UInt8 = 0, device: UInt8, function: UInt8 = 0) {
        self.bus = bus
        self.device = device
        self.function = function
    }

    /// Device 0–31, function 0–7.
    public var isValid: Bool { device < 32 && function < 8 }

    /// `BB:DD.F`, the name Fuchsia's bus driver publishes.
    public var description: String {
        func hex(_ value: UInt8) -> String {
            let digits = String(value, radix: 16)
            return digits.count < 2 ? "0" + digits : digits
        }
        return "\(hex(bus)):\(hex(device)).\(String(function, radix: 16))"
    }
}

/// The identity registers of a function.
public struct PciIdentity: Sendable {
    public var vendorID: UInt16
    public var deviceID: UInt16
    public var classCode: PciClassCode
    public var revisionID: UInt8
    public var subsystemVendorID: UInt16
    public var subsystemID: UInt16
    /// 0 = no INTx, 1–4 = INTA–INTD.
    public var interruptPin: UInt8

    /// Subsystem IDs default to QEMU's (1af4:1100) as every QEMU device reports them.
    public init(
        vendorID: UInt16, deviceID: UInt16, classCode: PciClassCode, revisionID: UInt8 = 0,
        subsystemVendorID: UInt16 = PciVendorID.redHatQumranet, subsystemID: UInt16 = 0x1100,
        interruptPin: UInt8 = 0
    ) {
        self.vendorID = vendorID
        self.deviceID = deviceID
        self.classCode = classCode
        self.revisionID = revisionID
        self.subsystemVendorID = subsystemVendorID
        self.subsystemID = subsystemID
        self.interruptPin = interruptPin
    }
}

/// What a function's interrupt output does, for the emulator's interrupt controller.
public enum PciInterruptSignal: Sendable, Equatable {
    /// The INTx wire (level): asserted while the device requests service and INTx is enabled.
    case legacy(asserted: Bool)
    /// An MSI memory write (address and data from the MSI capability), sent on a new request.
    case messageSignaled(address: UInt64, data: UInt32)
}

/// A counter bumped whenever something that affects address decode changes (a BAR, a command
/// register, a bridge window or bus number, a slot's occupant). The bus rebuilds its decode
/// table when the counter moved — no locks shared between functions and the bus.
final class PciDecodeEpoch: Sendable {
    private let counter = Atomic<UInt64>(1)
    /// Bumped only when bus numbers may have changed (a bridge's primary/secondary/subordinate
    /// registers): configuration routing caches its bus → root port table on this one, which
    /// BAR sizing during enumeration does not disturb.
    private let routingCounter = Atomic<UInt64>(1)
    var value: UInt64 { counter.load(ordering: .acquiring) }
    var routingValue: UInt64 { routingCounter.load(ordering: .acquiring) }
    func bump() { counter.add(1, ordering: .releasing) }
    func bumpRouting() {
        routingCounter.add(1, ordering: .releasing)
        bump()
    }
}

/// A memory BAR as currently decoded: base address and handler.
struct PciDecodedBar: Sendable {
    var base: UInt64
    var size: UInt64
    var handler: any MmioDevice
}

public final class PciFunction: PciDevice {
    public typealias InterruptSink = @Sendable (PciInterruptSignal) -> Void

    public let name: String
    public let layout: PciHeaderLayout
    /// BARs as declared, sorted by index.
    public let bars: [PciBar]
    /// Configuration-space offset of each capability, by ID (the first of an ID).
    public let capabilityOffsets: [UInt8: Int]

    private struct State {
        var config: PciConfigRegisters
        var decodeEpoch: PciDecodeEpoch?
        var interruptSink: InterruptSink?
        /// The device model's request line.
        var interruptRequested = false
        /// The INTx level last reported to the sink.
        var reportedLegacyLevel = false
        /// Told (outside the lock) about every configuration write; bridges and slots use it to
        /// re-evaluate state that software acknowledges by writing (RW1C event bits).
        var writeObserver: (@Sendable (_ offset: Int, _ count: Int) -> Void)?
    }

    private let state: Mutex<State>

    public var pciFunction: PciFunction { self }

    /// An endpoint (type-0 header). `express` gives it a 4 KiB configuration space (PCI Express);
    /// otherwise it has the conventional 256 bytes and ECAM reads above 0xFF return all ones.
    public convenience init(
        name: String, identity: PciIdentity, bars: [PciBar] = [],
        capabilities: [PciCapability] = [], express: Bool = false
    ) throws(PciConfigurationError) {
        try self.init(name: name, layout: .endpoint, identity: identity, bars: bars,
                      capabilities: capabilities, express: express)
    }

    /// Shared by endpoints and bridges (bridges come from `PciBridgeHeader`).
    init(
        name: String, layout: PciHeaderLayout, identity: PciIdentity, bars: [PciBar],
        capabilities: [PciCapability], express: Bool
    ) throws(PciConfigurationError) {
        var config = PciConfigRegisters(
            implementedSize: express ? PciConfigSize.extended : PciConfigSize.conventional)
        let sortedBars = bars.sorted { $0.index < $1.index }
        let maximumBars = layout == .bridge ? 2 : 6
        var usedSlots = Set<Int>()
        for bar in sortedBars {
            try bar.validate()
            guard bar.slots.upperBound <= maximumBars else { throw .barIndexOutOfRange(bar.index) }
            for slot in bar.slots {
                guard usedSlots.insert(slot).inserted else { throw .barSlotsOverlap(slot) }
            }
        }

        config.set16(PciConfigOffset.vendorID, identity.vendorID)
        config.set16(PciConfigOffset.deviceID, identity.deviceID)
        config.set8(PciConfigOffset.revisionID, identity.revisionID)
        config.set8(PciConfigOffset.programmingInterface, identity.classCode.programmingInterface)
        config.set8(PciConfigOffset.subClass, identity.classCode.subClass)
        config.set8(PciConfigOffset.baseClass, identity.classCode.baseClass)
        config.set8(PciConfigOffset.headerType, layout.rawValue)
        config.set8(PciConfigOffset.interruptPin, identity.interruptPin)
        config.setWritable(PciConfigOffset.command, count: 2, mask: UInt64(PciCommand.writable.rawValue))
        config.setWriteOneToClear(PciConfigOffset.status, count: 2,
                                  mask: UInt64(PciStatus.writeOneToClear.rawValue))
        config.setWritable(PciConfigOffset.cacheLineSize, count: 1, mask: 0xFF)
        config.setWritable(PciConfigOffset.latencyTimer, count: 1, mask: 0xFF)
        config.setWritable(PciConfigOffset.interruptLine, count: 1, mask: 0xFF)
        if layout == .endpoint {
            config.set16(PciConfigOffset.subsystemVendorID, identity.subsystemVendorID)
            config.set16(PciConfigOffset.subsystemID, identity.subsystemID)
        } else {
            PciBridgeHeader.configure(&config)
        }

        for bar in sortedBars {
            config.set32(bar.registerOffset, bar.typeBits)
            config.setWritable(bar.registerOffset, count: 4, mask: UInt64(bar.lowWritableMask))
            if bar.space == .memory64 {
                config.setWritable(bar.registerOffset + 4, count: 4, mask: UInt64(bar.highWritableMask))
            }
        }

        capabilityOffsets = try Self.placeCapabilities(capabilities, into: &config)
        self.name = name
        self.layout = layout
        self.bars = sortedBars
        self.state = Mutex(State(config: config))
    }

    /// Lays capabilities out from 0x40 (or at their fixed offsets), links them through the
    /// capabilities pointer and sets the status register's capability-list bit.
    private static func placeCapabilities(
        _ capabilities: [PciCapability], into config: inout PciConfigRegisters
    ) throws(PciConfigurationError) -> [UInt8: Int] {
        var offsets: [UInt8: Int] = [:]
        var placed: [Range<Int>] = []
        var nextFree = PciConfigOffset.deviceSpecific
        var previousNextPointer = PciConfigOffset.capabilitiesPointer
        for capability in capabilities {
            let start = capability.offset ?? ((nextFree + 3) & ~3)
            let range = start..<(start + capability.length)
            guard start >= PciConfigOffset.deviceSpecific, start & 3 == 0,
                  range.upperBound <= PciConfigSize.conventional
            else { throw .capabilityDoesNotFit(id: capability.id) }
            guard !placed.contains(where: { $0.overlaps(range) }) else {
                throw .capabilitiesOverlap(id: capability.id)
            }
            placed.append(range)
            config.place([capability.id, 0] + capability.body,
                         writable: [0, 0] + capability.writableMask,
                         writeOneToClear: [0, 0] + capability.writeOneToClearMask, at: start)
            config.set8(previousNextPointer, UInt8(start))
            previousNextPointer = start + 1
            nextFree = max(nextFree, range.upperBound)
            if offsets[capability.id] == nil { offsets[capability.id] = start }
        }
        if !capabilities.isEmpty {
            config.update16(PciConfigOffset.status, setting: PciStatus.capabilitiesList.rawValue, to: true)
        }
        return offsets
    }

    // MARK: - Configuration accesses (what ECAM routes here)

    /// A configuration read of 1, 2 or 4 bytes. Bytes beyond the implemented space read as all
    /// ones, as on a bus where nothing claims them.
    public func readConfig(offset: Int, width: MmioAccessWidth) -> UInt32 {
        guard width != .doubleWord else { return 0xFFFF_FFFF }
        return state.withLock { $0.config.read(offset: offset, count: width.byteCount) }
    }

    /// A configuration write of 1, 2 or 4 bytes, through the register masks.
    public func writeConfig(offset: Int, width: MmioAccessWidth, value: UInt32) {
        guard width != .doubleWord else { return }
        let observer = state.withLock { state in
            state.config.write(offset: offset, count: width.byteCount, value: value)
            // Anything in the predefined header can move decode: command, BARs, bus numbers,
            // bridge windows, bridge control.
            if offset < PciConfigOffset.deviceSpecific, offset + width.byteCount > PciConfigOffset.command {
                // Bus numbers of a type-1 header live at 0x18–0x1A.
                if offset < 0x1B, offset + width.byteCount > 0x18 {
                    state.decodeEpoch?.bumpRouting()
                } else {
                    state.decodeEpoch?.bump()
                }
            }
            // Interrupt Disable or MSI Enable may have changed what the INTx wire shows.
            if let (sink, signal) = self.legacyLevelChange(&state) { sink(signal) }
            return state.writeObserver
        }
        observer?(offset, width.byteCount)
    }

    // MARK: - Inspection

    public var vendorID: UInt16 { state.withLock { $0.config.value16(PciConfigOffset.vendorID) } }
    public var deviceID: UInt16 { state.withLock { $0.config.value16(PciConfigOffset.deviceID) } }
    public var command: PciCommand {
        PciCommand(rawValue: state.withLock { $0.config.value16(PciConfigOffset.command) })
    }
    public var status: PciStatus {
        PciStatus(rawValue: state.withLock { $0.config.value16(PciConfigOffset.status) })
    }

    /// The address currently programmed into BAR `index`, or nil if no BAR starts there.
    public func barAddress(_ index: Int) -> UInt64? {
        guard let bar = bars.first(where: { $0.index == index }) else { return nil }
        return state.withLock { Self.address(of: bar, in: $0.config) }
    }

    private static func address(of bar: PciBar, in config: PciConfigRegisters) -> UInt64 {
        let low = UInt64(config.value32(bar.registerOffset))
        switch bar.space {
        case .io: return low & ~0x3
        case .memory32: return low & ~0xF
        case .memory64: return (low & ~0xF) | (UInt64(config.value32(bar.registerOffset + 4)) << 32)
        }
    }

    /// Memory BARs that decode right now: memory space enabled, handler present. Ranges that
    /// would wrap the 64-bit address space are left out.
    func decodedMemoryBars() -> [PciDecodedBar] {
        state.withLock { state in
            let command = PciCommand(rawValue: state.config.value16(PciConfigOffset.command))
            guard command.contains(.memorySpace) else { return [] }
            return bars.compactMap { bar in
                guard bar.isMemory, let handler = bar.handler else { return nil }
                let base = Self.address(of: bar, in: state.config)
                guard base.addingReportingOverflow(bar.size - 1).overflow == false else { return nil }
                return PciDecodedBar(base: base, size: bar.size, handler: handler)
            }
        }
    }

    // MARK: - Model-side access

    /// Runs `body` on the raw registers (no masks) under the function's lock; for bridges and
    /// slots whose model changes read-only state. `affectsDecode` bumps the bus's decode epoch.
    func withConfig<Result: Sendable>(
        affectsDecode: Bool = false, _ body: (inout PciConfigRegisters) -> Result
    ) -> Result {
        state.withLock { state in
            let result = body(&state.config)
            if affectsDecode { state.decodeEpoch?.bump() }
            return result
        }
    }

    /// Sets or clears the multi-function bit of the header-type register (the bus builder does
    /// this for function 0 of a device that has more functions).
    func setMultiFunction(_ isMultiFunction: Bool) {
        withConfig { config in
            let header = config.value8(PciConfigOffset.headerType)
            config.set8(PciConfigOffset.headerType, isMultiFunction
                ? header | PciHeaderLayout.multiFunctionBit : header & ~PciHeaderLayout.multiFunctionBit)
        }
    }

    /// Joins a bus: later decode-relevant writes bump that bus's epoch. A function sits on one
    /// bus at a time.
    func attach(to epoch: PciDecodeEpoch) throws(PciConfigurationError) {
        let attached: Bool = state.withLock { state in
            if let current = state.decodeEpoch, current !== epoch { return false }
            state.decodeEpoch = epoch
            return true
        }
        guard attached else { throw .functionAlreadyAttached(name) }
        epoch.bump()
    }

    /// The epoch of the bus this function sits on, if any.
    var decodeEpoch: PciDecodeEpoch? { state.withLock { $0.decodeEpoch } }

    func setConfigWriteObserver(_ observer: (@Sendable (_ offset: Int, _ count: Int) -> Void)?) {
        state.withLock { $0.writeObserver = observer }
    }

    /// Leaves the bus (hot removal).
    func detach() {
        let epoch: PciDecodeEpoch? = state.withLock { state in
            defer { state.decodeEpoch = nil }
            return state.decodeEpoch
        }
        epoch?.bump()
    }

    // MARK: - Interrupts

    /// Where interrupt signals go (the emulator's interrupt controller); nil drops them.
    /// The sink runs on the thread that caused the signal, under this function's lock (and
    /// possibly its device model's), so signals arrive in the order they happened; it must not
    /// call back into the function or the device model.
    public func setInterruptSink(_ sink: InterruptSink?) {
        state.withLock { $0.interruptSink = sink }
    }

    /// The device model's interrupt request (level). With MSI enabled a rising request sends one
    /// message; otherwise it drives INTx (status bit 3), gated by the Interrupt Disable bit.
    public func setInterruptRequest(_ asserted: Bool) {
        state.withLock { state in
            let wasRequested = state.interruptRequested
            state.interruptRequested = asserted
            if let msi = capabilityOffsets[PciCapabilityID.msi], Self.msiEnabled(state.config, at: msi) {
                state.config.update16(PciConfigOffset.status, setting: PciStatus.interrupt.rawValue, to: false)
                if asserted, !wasRequested, let sink = state.interruptSink {
                    sink(Self.msiMessage(state.config, at: msi))
                }
                return
            }
            state.config.update16(PciConfigOffset.status, setting: PciStatus.interrupt.rawValue, to: asserted)
            if let (sink, signal) = self.legacyLevelChange(&state) { sink(signal) }
        }
    }

    public var interruptRequested: Bool { state.withLock { $0.interruptRequested } }

    private static func msiEnabled(_ config: PciConfigRegisters, at offset: Int) -> Bool {
        config.value16(offset + PciMsiRegister.messageControl) & PciMsiRegister.enableBit != 0
    }

    private static func msiMessage(_ config: PciConfigRegisters, at offset: Int) -> PciInterruptSignal {
        let control = config.value16(offset + PciMsiRegister.messageControl)
        var address = UInt64(config.value32(offset + PciMsiRegister.messageAddress))
        let data: UInt16
        if control & PciMsiRegister.addressIs64BitBit != 0 {
            address |= UInt64(config.value32(offset + PciMsiRegister.messageUpperAddress)) << 32
            data = config.value16(offset + PciMsiRegister.messageData64)
        } else {
            data = config.value16(offset + PciMsiRegister.messageData32)
        }
        return .messageSignaled(address: address, data: UInt32(data))
    }

    /// The INTx level the function should present now; a signal if it differs from what the sink
    /// last saw. INTx is silent while MSI is enabled or Interrupt Disable is set.
    private func legacyLevelChange(_ state: inout State) -> (InterruptSink, PciInterruptSignal)? {
        let command = PciCommand(rawValue: state.config.value16(PciConfigOffset.command))
        let status = PciStatus(rawValue: state.config.value16(PciConfigOffset.status))
        let msiOn = capabilityOffsets[PciCapabilityID.msi].map { Self.msiEnabled(state.config, at: $0) } ?? false
        let level = status.contains(.interrupt) && !command.contains(.interruptDisable) && !msiOn
        guard level != state.reportedLegacyLevel else { return nil }
        state.reportedLegacyLevel = level
        guard let sink = state.interruptSink else { return nil }
        return (sink, .legacy(asserted: level))
    }
}
