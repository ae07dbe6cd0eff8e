// AhciController: the ICH9 AHCI SATA controller (8086:2922, class 01/06/01) — generic host control
// and six ports in ABAR (BAR5, 4 KiB), disks attached to ports, commands executed from the
// command list by DMA when the driver sets PxCI.
//
// Counterpart: Serial ATA AHCI 1.3.1 specification sections 3.1 (HBA registers: CAP, GHC with
// self-clearing HR, IS, PI, VS) and 3.3 (port registers: CLB/FB alignment, IS RW1C, CMD ST/CR and
// FRE/FR coupling, TFD, SIG, SSTS, SCTL COMRESET, SERR, SACT, CI); QEMU hw/ide/ahci.c and ich.c
// (6 ports, 32 slots, CAP = 0xC0141F05 for six ports, VS = 1.0, MSI at 0x80, SATA capability at
// 0xA8, ABAR in BAR5, index/data pair in I/O BAR4).
import Hardware
import Synchronization

/// ABAR offsets and bits.
public enum AhciRegister {
    public static let cap: UInt64 = 0x00, ghc: UInt64 = 0x04, interruptStatus: UInt64 = 0x08
    public static let portsImplemented: UInt64 = 0x0C, version: UInt64 = 0x10
    public static let portBase: UInt64 = 0x100, portStride: UInt64 = 0x80

    // Port registers, relative to the port's base.
    public static let clb: UInt64 = 0x00, clbu: UInt64 = 0x04, fb: UInt64 = 0x08, fbu: UInt64 = 0x0C
    public static let portInterruptStatus: UInt64 = 0x10, portInterruptEnable: UInt64 = 0x14
    public static let command: UInt64 = 0x18, taskFile: UInt64 = 0x20, signature: UInt64 = 0x24
    public static let sataStatus: UInt64 = 0x28, sataControl: UInt64 = 0x2C, sataError: UInt64 = 0x30
    public static let sataActive: UInt64 = 0x34, commandIssue: UInt64 = 0x38, notification: UInt64 = 0x3C

    /// GHC: HBA reset (self-clearing), interrupt enable, AHCI enable (hard-wired on: AHCI only).
    public static let ghcReset: UInt32 = 1 << 0, ghcInterruptEnable: UInt32 = 1 << 1
    public static let ghcAhciEnable: UInt32 = 1 << 31
    /// VS: AHCI 1.0, as QEMU reports.
    public static let version10: UInt32 = 0x0001_0000

    /// PxCMD bits.
    public static let cmdStart: UInt32 = 1 << 0, cmdSpinUp: UInt32 = 1 << 1, cmdPowerOn: UInt32 = 1 << 2
    public static let cmdCommandListOverride: UInt32 = 1 << 3, cmdFisReceiveEnable: UInt32 = 1 << 4
    public static let cmdFisReceiveRunning: UInt32 = 1 << 14, cmdCommandListRunning: UInt32 = 1 << 15

    /// PxSIG of an ATA disk; of an empty port.
    public static let signatureAtaDisk: UInt32 = 0x0000_0101
    public static let signatureNone: UInt32 = 0xFFFF_FFFF
    /// PxSSTS with a device: DET 3 (present, PHY up), SPD 1 (Gen1), IPM 1 (active).
    public static let sataStatusDiskPresent: UInt32 = 0x113
    /// PxTFD: DRDY | DSC with a ready disk; 0x7F with nothing attached.
    public static let taskFileReady: UInt32 = 0x50
    public static let taskFileNoDevice: UInt32 = 0x7F
}

/// PxIS bits.
public struct AhciPortInterrupt: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let deviceToHostRegisterFis = Self(rawValue: 1 << 0)
    public static let pioSetupFis = Self(rawValue: 1 << 1)
    public static let dmaSetupFis = Self(rawValue: 1 << 2)
    public static let setDeviceBitsFis = Self(rawValue: 1 << 3)
    public static let portConnectChange = Self(rawValue: 1 << 6)
    public static let hostBusFatalError = Self(rawValue: 1 << 29)
    public static let taskFileError = Self(rawValue: 1 << 30)

    /// Bits software clears by writing 1 (PCS, PRCS and UFS are cleared through PxSERR instead).
    static let writeOneToClear: UInt32 = 0xFD80_00AF
    /// Bits PxIE can enable.
    static let enableMask: UInt32 = 0xFDC0_00FF
}

public final class AhciController: PciDevice {
    public let pciFunction: PciFunction
    public let abar: AhciRegisters

    /// Six ports like QEMU's ICH9 AHCI; `disks[n]` is attached to port n. DMA reaches guest RAM
    /// through `memory`.
    public init(name: String = "ahci", portCount: Int = 6, disks: [AtaDisk?], memory: BusMasterMemory = .none)
        throws(PciConfigurationError)
    {
        let ports = max(1, min(portCount, 32))
        let registers = AhciRegisters(name: name + " ABAR", portCount: ports,
                                      disks: (0..<ports).map { $0 < disks.count ? disks[$0] : nil }, memory: memory)
        self.abar = registers
        self.pciFunction = try PciFunction(
            name: name,
            identity: PciIdentity(vendorID: PciVendorID.intel, deviceID: 0x2922, classCode: .sataAhci,
                                  revisionID: 2, interruptPin: 1),
            bars: [.io(4, size: 32), .memory32(5, size: 0x1000, handler: registers)],
            capabilities: [.msi(offset: 0x80, is64Bit: false), .sata(offset: 0xA8)])
        registers.connect(pciFunction)
    }

    /// QEMU's qemu-x64 layout: one disk of `sectorCount` sectors on port 0.
    public convenience init(name: String = "ahci", disk: AtaDisk = AtaDisk(sectorCount: 1 << 17),
                            memory: BusMasterMemory = .none) throws(PciConfigurationError) {
        try self.init(name: name, disks: [disk], memory: memory)
    }

    public func disk(atPort port: Int) -> AtaDisk? { abar.disk(atPort: port) }
}

/// ABAR.
public final class AhciRegisters: MmioDevice {
    public let name: String
    public let regionSize: UInt64 = 0x1000
    public let portCount: Int
    let disks: [AtaDisk?]
    let memory: BusMasterMemory

    struct Port: Sendable {
        var commandListBase: UInt64 = 0
        var fisBase: UInt64 = 0
        var interruptStatus: UInt32 = 0
        var interruptEnable: UInt32 = 0
        var command: UInt32 = 0
        var taskFile: UInt32 = AhciRegister.taskFileNoDevice
        var signature: UInt32 = AhciRegister.signatureNone
        var sataStatus: UInt32 = 0
        var sataControl: UInt32 = 0
        var sataError: UInt32 = 0
        var sataActive: UInt32 = 0
        var commandIssue: UInt32 = 0
        var notification: UInt32 = 0
    }

    struct State: Sendable {
        var globalControl: UInt32 = AhciRegister.ghcAhciEnable
        var interruptStatus: UInt32 = 0
        var ports: [Port]
        var interruptLevel = false
    }

    private let state: Mutex<State>
    private let function = Mutex<PciFunctionLink>(PciFunctionLink())

    init(name: String, portCount: Int, disks: [AtaDisk?], memory: BusMasterMemory) {
        self.name = name
        self.portCount = portCount
        self.disks = disks
        self.memory = memory
        var initial = State(ports: Array(repeating: Port(), count: portCount))
        for index in 0..<portCount { Self.resetPort(&initial.ports[index], disk: disks[index]) }
        state = Mutex(initial)
    }

    func connect(_ function: PciFunction) { self.function.withLock { $0.function = function } }

    func disk(atPort port: Int) -> AtaDisk? { disks.indices.contains(port) ? disks[port] : nil }

    /// HBA capabilities: 64-bit addressing, NCQ, AHCI-only, Gen1, 32 command slots, ports.
    public var capabilities: UInt32 {
        (1 << 31) | (1 << 30) | (1 << 18) | (1 << 20) | (31 << 8) | UInt32(portCount - 1)
    }

    /// A port after reset or COMRESET: link and signature reflect the attached device. Command
    /// list and FIS base addresses are kept.
    static func resetPort(_ port: inout Port, disk: AtaDisk?) {
        let kept = (port.commandListBase, port.fisBase)
        port = Port()
        (port.commandListBase, port.fisBase) = kept
        port.command = AhciRegister.cmdSpinUp | AhciRegister.cmdPowerOn
        if disk != nil {
            port.signature = AhciRegister.signatureAtaDisk
            port.sataStatus = AhciRegister.sataStatusDiskPresent
            port.taskFile = AhciRegister.taskFileReady
        }
    }

    // MARK: Access

    private func check(_ offset: UInt64, _ width: MmioAccessWidth, isWrite: Bool) throws(MmioFault) {
        try MmioAccessCheck.inRange(offset, width, size: regionSize, device: name)
        // Reads of 1, 2 or 4 bytes extract from the dword; writes must be whole dwords.
        guard width != .doubleWord, !isWrite || width == .word else {
            throw MmioFault(.badWidth, device: name, offset: offset, width: width)
        }
        try MmioAccessCheck.aligned(offset, width, device: name)
    }

    /// The port a register offset belongs to, with the offset inside the port.
    private func portRegister(_ offset: UInt64) -> (port: Int, register: UInt64)? {
        guard offset >= AhciRegister.portBase else { return nil }
        let port = Int((offset - AhciRegister.portBase) / AhciRegister.portStride)
        guard port < portCount else { return nil }
        return (port, (offset - AhciRegister.portBase) % AhciRegister.portStride)
    }

    public func read(offset: UInt64, width: MmioAccessWidth) throws(MmioFault) -> UInt64 {
        try check(offset, width, isWrite: false)
        let aligned = offset & ~3
        let register: UInt32 = state.withLock { state in
            if let (index, register) = portRegister(aligned) {
                let port = state.ports[index]
                switch register {
                case AhciRegister.clb: return UInt32(truncatingIfNeeded: port.commandListBase)
                case AhciRegister.clbu: return UInt32(truncatingIfNeeded: port.commandListBase >> 32)
                case AhciRegister.fb: return UInt32(truncatingIfNeeded: port.fisBase)
                case AhciRegister.fbu: return UInt32(truncatingIfNeeded: port.fisBase >> 32)
                case AhciRegister.portInterruptStatus: return port.interruptStatus
                case AhciRegister.portInterruptEnable: return port.interruptEnable
                case AhciRegister.command: return port.command
                case AhciRegister.taskFile: return port.taskFile
                case AhciRegister.signature: return port.signature
                case AhciRegister.sataStatus: return port.sataStatus
                case AhciRegister.sataControl: return port.sataControl
                case AhciRegister.sataError: return port.sataError
                case AhciRegister.sataActive: return port.sataActive
                case AhciRegister.commandIssue: return port.commandIssue
                case AhciRegister.notification: return port.notification
                default: return 0
                }
            }
            switch aligned {
            case AhciRegister.cap: return capabilities
            case AhciRegister.ghc: return state.globalControl
            case AhciRegister.interruptStatus: return state.interruptStatus
            case AhciRegister.portsImplemented: return portCount == 32 ? ~0 : (1 << UInt32(portCount)) - 1
            case AhciRegister.version: return AhciRegister.version10
            default: return 0  // CCC, enclosure management, CAP2 (0), BOHC (0), vendor space
            }
        }
        return RegisterLanes.extract(register, accessOffset: offset, width: width)
    }

    public func write(offset: UInt64, width: MmioAccessWidth, value: UInt64) throws(MmioFault) {
        try check(offset, width, isWrite: true)
        let value = UInt32(truncatingIfNeeded: value)
        state.withLock { state in
            if let (index, register) = portRegister(offset) {
                writePort(&state.ports[index], index: index, register: register, value: value)
            } else {
                switch offset {
                case AhciRegister.ghc:
                    if value & AhciRegister.ghcReset != 0 {
                        // HBA reset: GHC back to defaults (HR reads 0 again at once), every port reset.
                        state.globalControl = AhciRegister.ghcAhciEnable
                        for port in 0..<portCount { Self.resetPort(&state.ports[port], disk: disks[port]) }
                    } else {
                        state.globalControl = AhciRegister.ghcAhciEnable | (value & AhciRegister.ghcInterruptEnable)
                    }
                default:
                    break  // IS is recomputed from the ports below; CAP, PI, VS are read-only
                }
            }
            updateInterrupt(&state)
        }
    }

    private func writePort(_ port: inout Port, index: Int, register: UInt64, value: UInt32) {
        switch register {
        case AhciRegister.clb:
            port.commandListBase = (port.commandListBase & ~0xFFFF_FFFF) | UInt64(value & 0xFFFF_FC00)
        case AhciRegister.clbu:
            port.commandListBase = (port.commandListBase & 0xFFFF_FFFF) | UInt64(value) << 32
        case AhciRegister.fb:
            port.fisBase = (port.fisBase & ~0xFFFF_FFFF) | UInt64(value & 0xFFFF_FF00)
        case AhciRegister.fbu:
            port.fisBase = (port.fisBase & 0xFFFF_FFFF) | UInt64(value) << 32
        case AhciRegister.portInterruptStatus:
            port.interruptStatus &= ~(value & AhciPortInterrupt.writeOneToClear)
        case AhciRegister.portInterruptEnable:
            port.interruptEnable = value & AhciPortInterrupt.enableMask
        case AhciRegister.command:
            writeCommand(&port, index: index, value: value)
        case AhciRegister.sataControl:
            let wasResetting = port.sataControl & 0xF == 1
            port.sataControl = value & 0x0000_0FFF
            if wasResetting, value & 0xF == 0 {
                // COMRESET released: the link comes back up and the device sends its signature.
                Self.resetPort(&port, disk: disks[index])
                port.sataControl = value & 0x0000_0FFF
                if disks[index] != nil {
                    port.sataError |= 1 << 26  // DIAG.X: device presence changed
                    port.interruptStatus |= AhciPortInterrupt.portConnectChange.rawValue
                }
            }
        case AhciRegister.sataError:
            port.sataError &= ~value
            if port.sataError & (1 << 26) == 0 {
                port.interruptStatus &= ~AhciPortInterrupt.portConnectChange.rawValue
            }
        case AhciRegister.sataActive:
            if port.command & AhciRegister.cmdStart != 0 { port.sataActive |= value }
        case AhciRegister.commandIssue:
            guard port.command & AhciRegister.cmdStart != 0 else { return }
            port.commandIssue |= value
            processCommands(&port, index: index)
        case AhciRegister.notification:
            port.notification &= ~value
        default:
            break  // TFD, SIG, SSTS are read-only
        }
    }

    private func writeCommand(_ port: inout Port, index: Int, value: UInt32) {
        // ST, SUD, POD, CLO, FRE, PMA, ATAPI, DLAE, ALPE, ASP, ICC are software's.
        let writable: UInt32 = 0xFF02_001F
        let wasStarted = port.command & AhciRegister.cmdStart != 0
        var command = (port.command & ~writable) | (value & writable)
        if command & AhciRegister.cmdCommandListOverride != 0 {
            port.taskFile &= ~0x88  // CLO clears BSY and DRQ, then clears itself
            command &= ~AhciRegister.cmdCommandListOverride
        }
        command &= 0x0FFF_FFFF      // interface state transitions complete at once (ICC reads 0)
        // The DMA engines follow their enables: CR mirrors ST, FR mirrors FRE.
        command = command & ~(AhciRegister.cmdCommandListRunning | AhciRegister.cmdFisReceiveRunning)
        if command & AhciRegister.cmdStart != 0 { command |= AhciRegister.cmdCommandListRunning }
        if command & AhciRegister.cmdFisReceiveEnable != 0 { command |= AhciRegister.cmdFisReceiveRunning }
        port.command = command
        if wasStarted, command & AhciRegister.cmdStart == 0 {
            port.commandIssue = 0   // clearing ST abandons outstanding commands
            port.sataActive = 0
            port.command &= ~(0x1F << 8)
        } else if !wasStarted, command & AhciRegister.cmdStart != 0, port.commandIssue != 0 {
            processCommands(&port, index: index)
        }
    }

    /// HBA IS = ports with an enabled interrupt pending; the PCI interrupt request follows it
    /// while GHC.IE is set (QEMU ahci_check_irq does the same).
    private func updateInterrupt(_ state: inout State) {
        var pending: UInt32 = 0
        for (index, port) in state.ports.enumerated() where port.interruptStatus & port.interruptEnable != 0 {
            pending |= 1 << UInt32(index)
        }
        state.interruptStatus = pending
        let level = pending != 0 && state.globalControl & AhciRegister.ghcInterruptEnable != 0
        guard level != state.interruptLevel else { return }
        state.interruptLevel = level
        function.withLock { $0.function }?.setInterruptRequest(level)
    }

    // MARK: Command execution

    /// Runs every issued command, lowest slot first. Commands need bus mastering enabled in the
    /// PCI command register, as on hardware: without it they stay issued.
    private func processCommands(_ port: inout Port, index: Int) {
        guard let function = function.withLock({ $0.function }), function.command.contains(.busMaster) else { return }
        var engine = AhciCommandEngine(memory: memory, disk: disks[index], port: port)
        engine.runIssuedCommands()
        port = engine.port
    }

    // MARK: Inspection

    public var interruptPending: Bool { state.withLock { $0.interruptLevel } }
}

/// A weak reference to the function that owns a register window (the window is the function's
/// BAR handler, so a strong one would be a cycle).
struct PciFunctionLink: Sendable {
    weak var function: PciFunction?
}
