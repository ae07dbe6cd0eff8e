// XhciController: the MMIO register file of an xHCI USB host controller laid out as QEMU's
// qemu-xhci (PCI 1b36:000d, one 16 KiB BAR0): capability registers, operational registers with
// one port register set per root-hub port, runtime registers (MFINDEX and the interrupters), the
// doorbell array — plus the Zirconia transfer mailbox (XhciTransferMailbox.swift), the only way a
// driver reaches the USB devices behind the ports. This type is the BAR's contents only; a PCI
// function model wraps it.
//
// Counterpart: eXtensible Host Controller Interface 1.2 chapter 5 (register interface) and §4.19
// (root hub port state machines); QEMU hw/usb/hcd-xhci.c (xhci_cap_read, xhci_oper_*,
// xhci_port_*, xhci_runtime_*, xhci_doorbell_*).
//
// What is and is not modelled:
// * Registers behave as in QEMU: R/S ↔ HCHalted, HCRST resets at once and reads back 0 (CNR is
//   never set), USBSTS and PORTSC change bits are write-1-to-clear, PORTSC.PR resets the attached
//   device and sets PED, PLS = U0 and PRC, USB 3 ports accept warm reset (WPR → WRC). A port
//   change sets USBSTS.PCD (xHCI §5.4.2).
// * Ports follow QEMU's numbering: the USB 3 (SuperSpeed-only) ports come first (1…p3), then the
//   USB 2 ports (p3+1…p3+p2) which carry low-, full- and high-speed devices. Default p2 = p3 = 4.
// * No rings are processed: the command ring, event ring segments and transfer rings live in
//   guest RAM and would need DMA, which this model does not take. CRCR/DCBAAP/ERST*/ERDP are
//   stored; doorbell writes are counted and otherwise have no effect, so no events are ever
//   posted and no interrupter raises an interrupt. USB transfers go through the mailbox instead.
// * Access widths: capability registers 8/16/32-bit (QEMU .valid 1–4), operational and runtime
//   registers 32- or 64-bit (a 64-bit access is the low then the high dword, as QEMU splits it),
//   port registers and doorbells 32-bit only. Reserved dwords inside the capability, operational
//   and runtime blocks read 0 and ignore writes (xHCI RsvdZ/RsvdP); offsets outside every block
//   fault with `.unmappedRegister`. CRCR reads back only CRR, as xHCI §5.4.5 specifies.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Hardware
import Synchronization

public final class XhciController: MmioDevice {
    /// Nanoseconds on a monotonic clock (drives MFINDEX: one microframe is 125 µs).
    public typealias MonotonicClock = @Sendable () -> UInt64

    public static let pciVendorID: UInt16 = 0x1B36      // Red Hat, Inc. (QEMU)
    public static let pciDeviceID: UInt16 = 0x000D      // qemu-xhci
    public static let pciClassCode: UInt32 = 0x0C_03_30  // serial bus, USB, xHCI
    public static let windowSize: UInt64 = 0x4000
    public static let capabilityLength: UInt64 = 0x40
    public static let operationalBase: UInt64 = 0x40
    public static let portRegisterBase: UInt64 = operationalBase + 0x400
    public static let runtimeBase: UInt64 = 0x1000
    public static let doorbellBase: UInt64 = 0x2000
    public static let interfaceVersion: UInt32 = 0x0100

    public static let hostMonotonicClock: MonotonicClock = {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(truncatingIfNeeded: time.tv_sec) &* 1_000_000_000 &+ UInt64(truncatingIfNeeded: time.tv_nsec)
    }

    /// Size of the root hub and of the controller (QEMU qemu-xhci properties p2, p3, slots, intrs).
    public struct Configuration: Sendable, Equatable {
        public var usb3Ports: Int
        public var usb2Ports: Int
        public var slots: Int
        public var interrupters: Int

        public init(usb3Ports: Int = 4, usb2Ports: Int = 4, slots: Int = 64, interrupters: Int = 16) {
            // QEMU's limits: 15 ports of each kind, 64 slots, 16 interrupters.
            self.usb3Ports = min(max(usb3Ports, 0), 15)
            self.usb2Ports = min(max(usb2Ports, 0), 15)
            self.slots = min(max(slots, 1), 64)
            self.interrupters = min(max(interrupters, 1), 16)
        }

        public var portCount: Int { usb3Ports + usb2Ports }
    }

    /// USBCMD bits (xHCI §5.4.1).
    public enum Command {
        public static let runStop: UInt32 = 1 << 0
        public static let hostControllerReset: UInt32 = 1 << 1
        public static let interrupterEnable: UInt32 = 1 << 2
        public static let hostSystemErrorEnable: UInt32 = 1 << 3
        public static let controllerSaveState: UInt32 = 1 << 8
        public static let controllerRestoreState: UInt32 = 1 << 9
        static let stored: UInt32 = 0xC0F   // the bits QEMU keeps
    }

    /// USBSTS bits (xHCI §5.4.2).
    public enum Status {
        public static let hcHalted: UInt32 = 1 << 0
        public static let hostSystemError: UInt32 = 1 << 2
        public static let eventInterrupt: UInt32 = 1 << 3
        public static let portChangeDetect: UInt32 = 1 << 4
        public static let saveRestoreError: UInt32 = 1 << 10
        public static let controllerNotReady: UInt32 = 1 << 11
        static let writeOneToClear: UInt32 = hostSystemError | eventInterrupt | portChangeDetect | saveRestoreError
    }

    /// CRCR bits (xHCI §5.4.5): CRR is the only one that reads back.
    public enum CommandRingControl {
        public static let running: UInt32 = 1 << 3
    }

    /// PORTSC bits and fields (xHCI §5.4.8).
    public enum PortStatus {
        public static let currentConnect: UInt32 = 1 << 0
        public static let enabled: UInt32 = 1 << 1
        public static let overCurrentActive: UInt32 = 1 << 3
        public static let reset: UInt32 = 1 << 4
        public static let linkStateShift: UInt32 = 5
        public static let linkStateMask: UInt32 = 0xF << 5
        public static let power: UInt32 = 1 << 9
        public static let speedShift: UInt32 = 10
        public static let speedMask: UInt32 = 0xF << 10
        public static let indicatorMask: UInt32 = 3 << 14
        public static let linkWriteStrobe: UInt32 = 1 << 16
        public static let connectChange: UInt32 = 1 << 17
        public static let enableChange: UInt32 = 1 << 18
        public static let warmResetChange: UInt32 = 1 << 19
        public static let overCurrentChange: UInt32 = 1 << 20
        public static let resetChange: UInt32 = 1 << 21
        public static let linkStateChange: UInt32 = 1 << 22
        public static let configErrorChange: UInt32 = 1 << 23
        public static let wakeOnConnect: UInt32 = 1 << 25
        public static let wakeOnDisconnect: UInt32 = 1 << 26
        public static let wakeOnOverCurrent: UInt32 = 1 << 27
        public static let warmReset: UInt32 = 1 << 31
        public static let changeBits: UInt32 = connectChange | enableChange | warmResetChange
            | overCurrentChange | resetChange | linkStateChange | configErrorChange
        static let readWrite: UInt32 = power | indicatorMask | wakeOnConnect | wakeOnDisconnect | wakeOnOverCurrent
    }

    /// Port link states (PORTSC.PLS).
    public enum LinkState {
        public static let u0: UInt32 = 0
        public static let u3: UInt32 = 3
        public static let disabled: UInt32 = 4
        public static let rxDetect: UInt32 = 5
        public static let polling: UInt32 = 7
        public static let resume: UInt32 = 15
    }

    struct Port {
        let isUsb3: Bool
        var device: (any UsbDeviceModel)?
        var statusControl: UInt32 = 0
    }

    struct Interrupter {
        var management: UInt32 = 0          // IMAN: IP bit 0 (RW1C), IE bit 1
        var moderation: UInt32 = 0          // IMOD
        var segmentTableSize: UInt32 = 0    // ERSTSZ
        var segmentTableBase: UInt64 = 0    // ERSTBA
        var dequeuePointer: UInt64 = 0      // ERDP (EHB bit 3 RW1C)
    }

    struct State {
        var command: UInt32 = 0
        var status: UInt32 = Status.hcHalted
        var notificationControl: UInt32 = 0
        var commandRingControl: UInt64 = 0
        var contextBaseArray: UInt64 = 0
        var configure: UInt32 = 0
        var ports: [Port]
        var interrupters: [Interrupter]
        var runStartNanoseconds: UInt64 = 0
        var haltedMicroframeIndex: UInt32 = 0
        var doorbellWrites = 0
        var mailbox = XhciTransferMailbox.Registers()

        var isRunning: Bool { status & Status.hcHalted == 0 }
        var interruptAsserted: Bool {
            command & Command.interrupterEnable != 0 && interrupters.contains { $0.management & 3 == 3 }
        }
    }

    public let name: String
    public let configuration: Configuration
    public var regionSize: UInt64 { Self.windowSize }
    let clock: MonotonicClock
    private let interruptObserver: InterruptLineObserver?
    let state: Mutex<State>

    public init(
        name: String = "xhci BAR0",
        configuration: Configuration = Configuration(),
        clock: @escaping MonotonicClock = XhciController.hostMonotonicClock,
        onInterruptChange: InterruptLineObserver? = nil
    ) {
        self.name = name
        self.configuration = configuration
        self.clock = clock
        self.interruptObserver = onInterruptChange
        let ports = (0..<configuration.portCount).map { Port(isUsb3: $0 < configuration.usb3Ports) }
        let interrupters = Array(repeating: Interrupter(), count: configuration.interrupters)
        var initial = State(ports: ports, interrupters: interrupters)
        Self.resetController(&initial, now: clock())
        self.state = Mutex(initial)
    }

    /// The controller as QEMU's `-device qemu-xhci -device usb-kbd` builds it: `keyboard` on the
    /// first USB 2 port (port 5 with the default four USB 3 ports).
    public static func withKeyboard(_ keyboard: UsbHidBootKeyboard, name: String = "xhci BAR0") -> XhciController {
        let controller = XhciController(name: name)
        controller.attach(keyboard, port: controller.firstUsb2Port)
        return controller
    }

    // MARK: Host side: the root hub

    public var portCount: Int { configuration.portCount }
    /// The number of the first USB 2 port (ports are numbered from 1).
    public var firstUsb2Port: Int { configuration.usb3Ports + 1 }

    /// Plugs `device` into `port` (1-based). Fails if the port does not exist, is occupied, or
    /// cannot carry the device's speed (USB 3 ports take only SuperSpeed devices).
    @discardableResult
    public func attach(_ device: any UsbDeviceModel, port: Int) -> Bool {
        updating { state in
            guard let index = portIndex(port, in: state), state.ports[index].device == nil,
                  state.ports[index].isUsb3 == device.speed.isSuperSpeed
            else { return false }
            state.ports[index].device = device
            Self.updatePortConnection(&state, index, reportChange: true)
            return true
        }
    }

    /// Unplugs whatever is in `port`.
    public func detach(port: Int) {
        updating { state in
            guard let index = portIndex(port, in: state), state.ports[index].device != nil else { return }
            state.ports[index].device = nil
            Self.updatePortConnection(&state, index, reportChange: true)
        }
    }

    /// The device plugged into `port`, for the host side of a machine. Drivers reach it only
    /// through the controller (`controlTransfer(port:setup:data:)`, the MMIO mailbox).
    public func attachedDevice(port: Int) -> (any UsbDeviceModel)? {
        state.withLock { state in portIndex(port, in: state).flatMap { state.ports[$0].device } }
    }

    /// PORTSC of `port` as the driver would read it.
    public func portStatus(port: Int) -> UInt32? {
        state.withLock { state in portIndex(port, in: state).map { state.ports[$0].statusControl } }
    }

    public var interruptAsserted: Bool { state.withLock { $0.interruptAsserted } }
    /// Doorbell writes seen while running (they have no other effect: rings are not processed).
    public var doorbellWriteCount: Int { state.withLock { $0.doorbellWrites } }

    // MARK: MmioDevice

    public func read(offset: UInt64, width: MmioAccessWidth) throws(MmioFault) -> UInt64 {
        try PlatformAccess.requireInside(offset, width, size: Self.windowSize, device: name)
        let block = try decodeBlock(offset, width)
        if block == .mailbox { return try readMailbox(offset: offset, width: width) }
        if block == .capability {
            let dword = capabilityDword(at: offset & ~3)
            return UInt64(dword >> UInt32((offset & 3) * 8)) & width.valueMask
        }
        if width == .doubleWord {
            let (low, high) = updating { state in
                (readDword(block, offset, &state), readDword(block, offset + 4, &state))
            }
            return UInt64(low) | UInt64(high) << 32
        }
        return UInt64(updating { state in readDword(block, offset, &state) })
    }

    public func write(offset: UInt64, width: MmioAccessWidth, value: UInt64) throws(MmioFault) {
        try PlatformAccess.requireInside(offset, width, size: Self.windowSize, device: name)
        let block = try decodeBlock(offset, width)
        switch block {
        case .mailbox:
            try writeMailbox(offset: offset, width: width, value: value)
        case .capability:
            return   // read-only (QEMU xhci_cap_write does nothing)
        default:
            updating { state in
                writeDword(block, offset, UInt32(truncatingIfNeeded: value), &state)
                if width == .doubleWord {
                    writeDword(block, offset + 4, UInt32(truncatingIfNeeded: value >> 32), &state)
                }
            }
        }
    }

    // MARK: Decoding

    enum Block: Equatable { case capability, operational, port, runtime, doorbell, mailbox }

    /// Which register block `offset` falls in, after checking the width and alignment that
    /// block accepts.
    private func decodeBlock(_ offset: UInt64, _ width: MmioAccessWidth) throws(MmioFault) -> Block {
        let portEnd = Self.portRegisterBase + UInt64(configuration.portCount) * 0x10
        let runtimeEnd = Self.runtimeBase + 0x20 + UInt64(configuration.interrupters) * 0x20
        let doorbellEnd = Self.doorbellBase + 0x820   // QEMU's LEN_DOORBELL for 64 slots
        let block: Block
        let widths: Set<MmioAccessWidth>
        switch offset {
        case 0..<Self.capabilityLength: (block, widths) = (.capability, PlatformAccess.narrowWidths)
        case Self.operationalBase..<Self.portRegisterBase: (block, widths) = (.operational, [.word, .doubleWord])
        case Self.portRegisterBase..<portEnd: (block, widths) = (.port, PlatformAccess.wordOnly)
        case Self.runtimeBase..<runtimeEnd: (block, widths) = (.runtime, [.word, .doubleWord])
        case Self.doorbellBase..<doorbellEnd: (block, widths) = (.doorbell, PlatformAccess.wordOnly)
        case XhciTransferMailbox.base..<(XhciTransferMailbox.base + XhciTransferMailbox.size):
            return .mailbox   // the mailbox checks its own widths
        default:
            throw MmioFault(.unmappedRegister, device: name, offset: offset, width: width)
        }
        try PlatformAccess.requireWidth(width, widths, offset: offset, device: name)
        try PlatformAccess.requireAligned(offset, width, device: name)
        return block
    }

    /// The dword at a 4-aligned capability offset (QEMU xhci_cap_read).
    private func capabilityDword(at offset: UInt64) -> UInt32 {
        let config = configuration
        switch offset {
        case 0x00: return Self.interfaceVersion << 16 | UInt32(Self.capabilityLength)
        case 0x04:   // HCSPARAMS1: MaxPorts, MaxIntrs, MaxSlots
            return UInt32(config.portCount) << 24 | UInt32(config.interrupters) << 8 | UInt32(config.slots)
        case 0x08: return 0x0000_000F     // HCSPARAMS2: IST 15 microframes, ERST Max 2^0
        case 0x0C: return 0               // HCSPARAMS3: no U1/U2 exit latency
        case 0x10:   // HCCPARAMS1: xECP 0x20 (in dwords), MaxPSASize 7 (256 streams), AC64
            return UInt32(0x20 / 4) << 16 | 7 << 12 | 1
        case 0x14: return UInt32(Self.doorbellBase)     // DBOFF
        case 0x18: return UInt32(Self.runtimeBase)      // RTSOFF
        case 0x1C: return 0                             // HCCPARAMS2
        // Extended capabilities: two Supported Protocol capabilities (xHCI §7.2).
        case 0x20: return 0x0200_0402                   // USB 2.0, next capability 4 dwords on
        case 0x24: return 0x2042_5355                   // "USB "
        case 0x28: return UInt32(config.usb2Ports) << 8 | UInt32(config.usb3Ports + 1)
        case 0x30: return 0x0300_0002                   // USB 3.0, last capability
        case 0x34: return 0x2042_5355
        case 0x38: return UInt32(config.usb3Ports) << 8 | 1
        default: return 0
        }
    }

    // MARK: Dword registers (under the lock)

    private func updating<Result: Sendable>(_ body: (inout State) -> Result) -> Result {
        state.withLock { state in
            let before = state.interruptAsserted
            let result = body(&state)
            if state.interruptAsserted != before { interruptObserver?(state.interruptAsserted) }
            return result
        }
    }

    private func readDword(_ block: Block, _ offset: UInt64, _ state: inout State) -> UInt32 {
        switch block {
        case .operational:
            switch offset - Self.operationalBase {
            case 0x00: return state.command
            case 0x04: return state.status
            case 0x08: return 1                                            // PAGESIZE: 4 KiB
            case 0x14: return state.notificationControl
            case 0x18: return UInt32(truncatingIfNeeded: state.commandRingControl) & CommandRingControl.running
            case 0x1C: return 0
            case 0x30: return UInt32(truncatingIfNeeded: state.contextBaseArray)
            case 0x34: return UInt32(truncatingIfNeeded: state.contextBaseArray >> 32)
            case 0x38: return state.configure
            default: return 0
            }
        case .port:
            let relative = offset - Self.portRegisterBase
            guard relative % 0x10 == 0 else { return 0 }   // PORTPMSC, PORTLI, PORTHLPMC: 0 as in QEMU
            return state.ports[Int(relative / 0x10)].statusControl
        case .runtime:
            let relative = offset - Self.runtimeBase
            guard relative >= 0x20 else {
                return relative == 0 ? microframeIndex(state) : 0
            }
            let interrupter = state.interrupters[Int((relative - 0x20) / 0x20)]
            switch relative % 0x20 {
            case 0x00: return interrupter.management
            case 0x04: return interrupter.moderation
            case 0x08: return interrupter.segmentTableSize
            case 0x10: return UInt32(truncatingIfNeeded: interrupter.segmentTableBase)
            case 0x14: return UInt32(truncatingIfNeeded: interrupter.segmentTableBase >> 32)
            case 0x18: return UInt32(truncatingIfNeeded: interrupter.dequeuePointer)
            case 0x1C: return UInt32(truncatingIfNeeded: interrupter.dequeuePointer >> 32)
            default: return 0
            }
        case .doorbell, .capability, .mailbox:
            return 0   // doorbells read as zero
        }
    }

    private func writeDword(_ block: Block, _ offset: UInt64, _ value: UInt32, _ state: inout State) {
        switch block {
        case .operational: writeOperational(offset - Self.operationalBase, value, &state)
        case .port:
            let relative = offset - Self.portRegisterBase
            if relative % 0x10 == 0 { writePortStatus(Int(relative / 0x10), value, &state) }
        case .runtime: writeRuntime(offset - Self.runtimeBase, value, &state)
        case .doorbell:
            // QEMU ignores doorbells while halted; running, it would process a ring.
            if state.isRunning { state.doorbellWrites &+= 1 }
        case .capability, .mailbox: break
        }
    }

    private func writeOperational(_ relative: UInt64, _ value: UInt32, _ state: inout State) {
        func setHalf(_ field: inout UInt64, high: Bool, _ value: UInt32) {
            field = high ? (field & 0xFFFF_FFFF) | UInt64(value) << 32 : (field & ~0xFFFF_FFFF) | UInt64(value)
        }
        switch relative {
        case 0x00:
            let now = clock()
            if value & Command.runStop != 0, !state.isRunning {
                state.status &= ~Status.hcHalted
                state.runStartNanoseconds = now &- UInt64(state.haltedMicroframeIndex) &* 125_000
            } else if value & Command.runStop == 0, state.isRunning {
                state.haltedMicroframeIndex = microframeIndex(state, now: now)
                state.status |= Status.hcHalted
                state.commandRingControl &= ~UInt64(CommandRingControl.running)
            }
            if value & Command.controllerSaveState != 0 { state.status &= ~Status.saveRestoreError }
            // Nothing was saved, so a restore reports a save/restore error (QEMU).
            if value & Command.controllerRestoreState != 0 { state.status |= Status.saveRestoreError }
            state.command = value & Command.stored
            if value & Command.hostControllerReset != 0 { Self.resetController(&state, now: now) }
        case 0x04: state.status &= ~(value & Status.writeOneToClear)
        case 0x14: state.notificationControl = value & 0xFFFF
        case 0x18:   // CRCR low: pointer, RCS, CS, CA; CRR is controller-owned
            let running = UInt32(truncatingIfNeeded: state.commandRingControl) & CommandRingControl.running
            setHalf(&state.commandRingControl, high: false, (value & 0xFFFF_FFCF) | running)
        case 0x1C: setHalf(&state.commandRingControl, high: true, value)
        case 0x30: setHalf(&state.contextBaseArray, high: false, value & 0xFFFF_FFC0)
        case 0x34: setHalf(&state.contextBaseArray, high: true, value)
        case 0x38: state.configure = value & 0xFF
        default: break   // RsvdP
        }
    }

    private func writeRuntime(_ relative: UInt64, _ value: UInt32, _ state: inout State) {
        guard relative >= 0x20 else { return }   // MFINDEX is read-only
        let index = Int((relative - 0x20) / 0x20)
        var interrupter = state.interrupters[index]
        switch relative % 0x20 {
        case 0x00:   // IP is write-1-to-clear, IE read/write
            if value & 1 != 0 { interrupter.management &= ~1 }
            interrupter.management = (interrupter.management & ~2) | (value & 2)
        case 0x04: interrupter.moderation = value
        case 0x08: interrupter.segmentTableSize = value & 0xFFFF
        case 0x10:
            interrupter.segmentTableBase = (interrupter.segmentTableBase & ~0xFFFF_FFFF) | UInt64(value & 0xFFFF_FFC0)
        case 0x14:
            interrupter.segmentTableBase = (interrupter.segmentTableBase & 0xFFFF_FFFF) | UInt64(value) << 32
        case 0x18:   // EHB (bit 3) is write-1-to-clear; the pointer and DESI are stored
            let busy = value & 8 != 0 ? 0 : interrupter.dequeuePointer & 8
            interrupter.dequeuePointer = (interrupter.dequeuePointer & ~0xFFFF_FFFF) | UInt64(value & ~8) | busy
        case 0x1C:
            interrupter.dequeuePointer = (interrupter.dequeuePointer & 0xFFFF_FFFF) | UInt64(value) << 32
        default: break
        }
        state.interrupters[index] = interrupter
    }

    private func microframeIndex(_ state: State, now: UInt64? = nil) -> UInt32 {
        guard state.isRunning else { return state.haltedMicroframeIndex }
        let elapsed = (now ?? clock()) &- state.runStartNanoseconds
        return UInt32(truncatingIfNeeded: elapsed / 125_000) & 0x3FFF
    }

    // MARK: Ports

    func portIndex(_ port: Int, in state: State) -> Int? {
        port >= 1 && port <= state.ports.count ? port - 1 : nil
    }

    /// PORTSC after a connect or disconnect (QEMU xhci_port_update): powered, connected devices
    /// show their speed, USB 2 ones wait in Polling for a port reset, SuperSpeed ones enable at
    /// once in U0; CSC reports the change. `reportChange` also sets USBSTS.PCD (a hot-plug; a
    /// controller reset leaves USBSTS at its reset value).
    private static func updatePortConnection(_ state: inout State, _ index: Int, reportChange: Bool) {
        var value = PortStatus.power
        var linkState = LinkState.rxDetect
        if let device = state.ports[index].device {
            value |= PortStatus.currentConnect | UInt32(device.speed.rawValue) << PortStatus.speedShift
            if device.speed.isSuperSpeed {
                linkState = LinkState.u0
                value |= PortStatus.enabled
            } else {
                linkState = LinkState.polling
            }
        }
        value |= linkState << PortStatus.linkStateShift | PortStatus.connectChange
        state.ports[index].statusControl = value
        if reportChange { state.status |= Status.portChangeDetect }
    }

    private static func notifyPortChange(_ state: inout State, _ index: Int, _ bits: UInt32) {
        state.ports[index].statusControl |= bits
        state.status |= Status.portChangeDetect
    }

    private func writePortStatus(_ index: Int, _ value: UInt32, _ state: inout State) {
        let port = state.ports[index]
        if value & PortStatus.warmReset != 0, port.isUsb3 {
            resetPort(index, warm: true, &state)
            return
        }
        if value & PortStatus.reset != 0 {
            resetPort(index, warm: false, &state)
            return
        }
        var current = port.statusControl
        current &= ~(value & PortStatus.changeBits)
        // Writing 1 to PED disables the port (xHCI §5.4.8); PEC is only for hardware-initiated
        // disables, so none is reported.
        if value & PortStatus.enabled != 0 { current &= ~PortStatus.enabled }
        var change: UInt32 = 0
        if value & PortStatus.linkWriteStrobe != 0 {
            let old = (current & PortStatus.linkStateMask) >> PortStatus.linkStateShift
            let new = (value & PortStatus.linkStateMask) >> PortStatus.linkStateShift
            if (new == LinkState.u0 && old != LinkState.u0) || (new == LinkState.u3 && old < LinkState.u3) {
                current = (current & ~PortStatus.linkStateMask) | new << PortStatus.linkStateShift
                if new == LinkState.u0 { change = PortStatus.linkStateChange }
            }
        }
        current = (current & ~PortStatus.readWrite) | (value & PortStatus.readWrite)
        state.ports[index].statusControl = current
        if change != 0 { Self.notifyPortChange(&state, index, change) }
    }

    /// QEMU xhci_port_reset: with a device attached, reset it and enable the port in U0; report
    /// PRC (and WRC for a warm reset). An empty port ignores the reset.
    private func resetPort(_ index: Int, warm: Bool, _ state: inout State) {
        guard let device = state.ports[index].device else { return }
        device.busReset()
        var value = state.ports[index].statusControl
        value &= ~(PortStatus.reset | PortStatus.linkStateMask)
        value |= PortStatus.enabled | LinkState.u0 << PortStatus.linkStateShift
        state.ports[index].statusControl = value
        Self.notifyPortChange(&state, index, PortStatus.resetChange | (warm ? PortStatus.warmResetChange : 0))
    }

    /// HCRST (QEMU xhci_reset): operational and runtime registers to their defaults, halted,
    /// every port re-evaluated (connected ones report CSC again).
    static func resetController(_ state: inout State, now: UInt64) {
        state.command = 0
        state.status = Status.hcHalted
        state.notificationControl = 0
        state.commandRingControl = 0
        state.contextBaseArray = 0
        state.configure = 0
        state.interrupters = Array(repeating: Interrupter(), count: state.interrupters.count)
        state.runStartNanoseconds = now
        state.haltedMicroframeIndex = 0
        state.mailbox = XhciTransferMailbox.Registers()
        for index in state.ports.indices { updatePortConnection(&state, index, reportChange: false) }
    }
}
