// PL011Uart: the ARM PrimeCell PL011 UART, the console of QEMU's arm64 `virt` machine
// (0x0900_0000, 4 KiB, SPI 1). Bytes written to UARTDR go to a transmit sink (usually a
// `ConsoleLog`); bytes the host feeds with `receive(bytes:)` arrive in the receive FIFO.
//
// Counterpart: ARM PL011 TRM (DDI0183) chapter 3; QEMU hw/char/pl011.c.
//
// Model decisions (TRM behaviour, QEMU where the TRM leaves room):
// * Transmission is instantaneous while UARTEN and TXE are both set, so the transmit FIFO is empty
//   and BUSY clear whenever the UART is enabled. While either is clear, written bytes wait in the
//   transmit FIFO (16 entries, or the 1-byte holding register when LCR_H.FEN is clear) exactly as
//   the TRM describes; writes to a full FIFO are lost (the PL011 has no transmit-overrun flag).
//   Enabling the transmitter sends what waited, in order.
// * Reception needs UARTEN and RXE. Host input waits in a host-side queue (like QEMU's chardev
//   backend, which is flow-controlled by pl011_can_receive) and moves into the 16-entry receive
//   FIFO as the guest reads, so host input is never overrun; loopback (CR.LBE) can overrun, and
//   sets OE then.
// * The receive interrupt rises as soon as the FIFO is non-empty (QEMU's read trigger of 1;
//   there is no receive-timeout timer to flush a sub-trigger tail otherwise) and falls when the
//   FIFO drains or on ICR. The transmit interrupt rises when the transmit FIFO is at or below its
//   IFLS trigger level, i.e. after every write while the UART is enabled (as in QEMU).
// * Accesses: 8, 16 or 32 bits at an offset aligned to the access size (QEMU accepts narrow
//   accesses; the register is decoded at the access's own offset), 64-bit ones fault. Reserved
//   offsets fault with `.unmappedRegister` (the TRM forbids accessing them).
// * IBRD/FBRD/ILPR/DMACR/IFLS are stored and read back; baud rate and DMA have no effect.
import Hardware
import Synchronization

public final class PL011Uart: MmioDevice {
    public static let qemuVirtBase: UInt64 = 0x0900_0000
    public static let windowSize: UInt64 = 0x1000
    /// Entries in each FIFO when LCR_H.FEN is set (the PL011 revision QEMU models).
    public static let fifoDepth = 16
    /// PeriphID0–3 as QEMU reports them (part 0x011, designer 0x41 'A', revision 1).
    public static let identification = PrimeCellID(peripheralID: [0x11, 0x10, 0x14, 0x00])
    /// Host input waiting for the receive FIFO is capped here; `receive` reports what it took.
    public static let hostInputCapacity = 1 << 20

    /// Register offsets (TRM table 3-1).
    public enum Register: UInt64, Sendable, CaseIterable {
        case data = 0x000
        case receiveStatus = 0x004       // UARTRSR on read, UARTECR on write
        case flags = 0x018
        case irdaLowPowerCounter = 0x020
        case integerBaudRate = 0x024
        case fractionalBaudRate = 0x028
        case lineControl = 0x02C
        case control = 0x030
        case fifoLevelSelect = 0x034
        case interruptMask = 0x038
        case rawInterruptStatus = 0x03C
        case maskedInterruptStatus = 0x040
        case interruptClear = 0x044
        case dmaControl = 0x048
    }

    /// UARTFR bits.
    public struct Flags: OptionSet, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let clearToSend = Flags(rawValue: 1 << 0)
        public static let dataSetReady = Flags(rawValue: 1 << 1)
        public static let dataCarrierDetect = Flags(rawValue: 1 << 2)
        public static let busy = Flags(rawValue: 1 << 3)
        public static let receiveFifoEmpty = Flags(rawValue: 1 << 4)
        public static let transmitFifoFull = Flags(rawValue: 1 << 5)
        public static let receiveFifoFull = Flags(rawValue: 1 << 6)
        public static let transmitFifoEmpty = Flags(rawValue: 1 << 7)
        public static let ringIndicator = Flags(rawValue: 1 << 8)
    }

    /// UARTCR bits.
    public struct Control: OptionSet, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let uartEnable = Control(rawValue: 1 << 0)
        public static let sirEnable = Control(rawValue: 1 << 1)
        public static let sirLowPower = Control(rawValue: 1 << 2)
        public static let loopbackEnable = Control(rawValue: 1 << 7)
        public static let transmitEnable = Control(rawValue: 1 << 8)
        public static let receiveEnable = Control(rawValue: 1 << 9)
        public static let dataTransmitReady = Control(rawValue: 1 << 10)
        public static let requestToSend = Control(rawValue: 1 << 11)
        public static let out1 = Control(rawValue: 1 << 12)
        public static let out2 = Control(rawValue: 1 << 13)
        public static let rtsFlowControl = Control(rawValue: 1 << 14)
        public static let ctsFlowControl = Control(rawValue: 1 << 15)
        /// Bits 3–6 are reserved and read as zero.
        static let implemented: UInt32 = 0xFF87
        /// Reset value: transmitter and receiver enabled, UART disabled (TRM 3.3.8).
        public static let resetValue: Control = [.transmitEnable, .receiveEnable]
    }

    /// Interrupt bits shared by UARTIMSC, UARTRIS, UARTMIS and UARTICR.
    public struct Interrupts: OptionSet, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let ringIndicator = Interrupts(rawValue: 1 << 0)
        public static let clearToSend = Interrupts(rawValue: 1 << 1)
        public static let dataCarrierDetect = Interrupts(rawValue: 1 << 2)
        public static let dataSetReady = Interrupts(rawValue: 1 << 3)
        public static let receive = Interrupts(rawValue: 1 << 4)
        public static let transmit = Interrupts(rawValue: 1 << 5)
        public static let receiveTimeout = Interrupts(rawValue: 1 << 6)
        public static let framingError = Interrupts(rawValue: 1 << 7)
        public static let parityError = Interrupts(rawValue: 1 << 8)
        public static let breakError = Interrupts(rawValue: 1 << 9)
        public static let overrunError = Interrupts(rawValue: 1 << 10)
        static let all: UInt32 = 0x7FF
    }

    /// UARTLCR_H.FEN: FIFOs enabled (otherwise 1-byte holding registers).
    static let fifoEnableBit: UInt32 = 1 << 4
    /// Receive-status / data-register error bit for overrun (UARTRSR bit 3, UARTDR bit 11).
    static let overrunStatusBit: UInt32 = 1 << 3

    private struct State {
        var receiveFifo = PlatformFifo<UInt16>(capacity: PL011Uart.fifoDepth)
        var transmitFifo = PlatformFifo<UInt8>(capacity: PL011Uart.fifoDepth)
        var hostInput = PlatformFifo<UInt8>(capacity: PL011Uart.hostInputCapacity)
        var receiveStatus: UInt32 = 0
        var irdaLowPowerCounter: UInt32 = 0
        var integerBaudRate: UInt32 = 0
        var fractionalBaudRate: UInt32 = 0
        var lineControl: UInt32 = 0
        var control = Control.resetValue
        var fifoLevelSelect: UInt32 = 0x12   // both triggers at 1/2 (TRM reset value)
        var interruptMask: UInt32 = 0
        var rawInterrupts: UInt32 = 0
        var dmaControl: UInt32 = 0

        var fifosEnabled: Bool { lineControl & PL011Uart.fifoEnableBit != 0 }
        var fifoDepth: Int { fifosEnabled ? PL011Uart.fifoDepth : 1 }
        var canTransmit: Bool { control.contains(.uartEnable) && control.contains(.transmitEnable) }
        var canReceive: Bool { control.contains(.uartEnable) && control.contains(.receiveEnable) }
        var loopback: Bool { control.contains(.loopbackEnable) }
        var interruptAsserted: Bool { rawInterrupts & interruptMask != 0 }

        /// Entries at or below which the transmit interrupt asserts (IFLS bits 2:0: 1/8, 1/4,
        /// 1/2, 3/4, 7/8 of the FIFO; reserved encodings behave as 1/2). Without FIFOs: empty.
        var transmitTriggerLevel: Int {
            guard fifosEnabled else { return 0 }
            let eighths = [1, 2, 4, 6, 7]
            let select = Int(fifoLevelSelect & 7)
            return PL011Uart.fifoDepth * (select < eighths.count ? eighths[select] : 4) / 8
        }

        var flags: Flags {
            var flags: Flags = []
            if transmitFifo.isEmpty { flags.insert(.transmitFifoEmpty) } else { flags.insert(.busy) }
            if transmitFifo.count >= fifoDepth { flags.insert(.transmitFifoFull) }
            if receiveFifo.isEmpty { flags.insert(.receiveFifoEmpty) }
            if receiveFifo.count >= fifoDepth { flags.insert(.receiveFifoFull) }
            // No modem is attached; in loopback the modem outputs drive the inputs (TRM 3.3.8).
            if loopback {
                if control.contains(.out2) { flags.insert(.ringIndicator) }
                if control.contains(.out1) { flags.insert(.dataCarrierDetect) }
                if control.contains(.requestToSend) { flags.insert(.clearToSend) }
                if control.contains(.dataTransmitReady) { flags.insert(.dataSetReady) }
            }
            return flags
        }
    }

    public let name: String
    public var regionSize: UInt64 { Self.windowSize }
    private let transmitSink: @Sendable (UInt8) -> Void
    private let interruptObserver: InterruptLineObserver?
    private let state = Mutex(State())

    /// A UART whose transmitted bytes go to `transmit`. The sink runs under the UART's lock, in
    /// transmission order; it must not access this UART.
    public init(
        name: String = "pl011",
        transmit: @escaping @Sendable (UInt8) -> Void,
        onInterruptChange: InterruptLineObserver? = nil
    ) {
        self.name = name
        self.transmitSink = transmit
        self.interruptObserver = onInterruptChange
    }

    /// A UART that prints into `console`.
    public convenience init(
        name: String = "pl011", console: ConsoleLog, onInterruptChange: InterruptLineObserver? = nil
    ) {
        self.init(name: name, transmit: console.sink, onInterruptChange: onInterruptChange)
    }

    // MARK: Host side

    /// Feeds bytes to the UART's receive line (what a user types on the console). They enter the
    /// receive FIFO while UARTEN and RXE are set and it has room; the rest wait. Returns how many
    /// were accepted (fewer only when `hostInputCapacity` bytes are already waiting).
    @discardableResult
    public func receive(bytes: some Sequence<UInt8>) -> Int {
        updating { state in
            var accepted = 0
            for byte in bytes {
                guard state.hostInput.push(byte) else { break }
                accepted += 1
            }
            refillReceiveFifo(&state)
            return accepted
        }
    }

    /// Bytes fed by the host that have not reached the receive FIFO yet.
    public var pendingInputCount: Int {
        state.withLock { $0.hostInput.count }
    }

    /// The level of the combined interrupt output UARTINTR (UARTMIS ≠ 0).
    public var interruptAsserted: Bool {
        state.withLock { $0.interruptAsserted }
    }

    /// Returns every register to its reset value and empties both FIFOs. Host input that has
    /// not reached the receive FIFO is kept (it belongs to the backend, not the UART).
    public func reset() {
        updating { state in
            let waiting = state.hostInput
            state = State()
            state.hostInput = waiting
        }
    }

    // MARK: MmioDevice

    public func read(offset: UInt64, width: MmioAccessWidth) throws(MmioFault) -> UInt64 {
        try PlatformAccess.check(
            offset, width, allowed: PlatformAccess.narrowWidths, size: Self.windowSize, device: name)
        if let id = Self.identification.register(at: offset) { return id & width.valueMask }
        guard let register = Register(rawValue: offset) else {
            throw MmioFault(.unmappedRegister, device: name, offset: offset, width: width)
        }
        let value: UInt32 = updating { state in
            switch register {
            case .data: return readData(&state)
            case .receiveStatus: return state.receiveStatus
            case .flags: return state.flags.rawValue
            case .irdaLowPowerCounter: return state.irdaLowPowerCounter
            case .integerBaudRate: return state.integerBaudRate
            case .fractionalBaudRate: return state.fractionalBaudRate
            case .lineControl: return state.lineControl
            case .control: return state.control.rawValue
            case .fifoLevelSelect: return state.fifoLevelSelect
            case .interruptMask: return state.interruptMask
            case .rawInterruptStatus: return state.rawInterrupts
            case .maskedInterruptStatus: return state.rawInterrupts & state.interruptMask
            case .interruptClear: return 0   // write-only; reads as zero as in QEMU
            case .dmaControl: return state.dmaControl
            }
        }
        return UInt64(value) & width.valueMask
    }

    public func write(offset: UInt64, width: MmioAccessWidth, value: UInt64) throws(MmioFault) {
        try PlatformAccess.check(
            offset, width, allowed: PlatformAccess.narrowWidths, size: Self.windowSize, device: name)
        if Self.identification.register(at: offset) != nil { return }   // ID registers ignore writes
        guard let register = Register(rawValue: offset) else {
            throw MmioFault(.unmappedRegister, device: name, offset: offset, width: width)
        }
        let value = UInt32(truncatingIfNeeded: value & width.valueMask)
        updating { state in
            switch register {
            case .data: transmit(UInt8(truncatingIfNeeded: value), &state)
            case .receiveStatus: state.receiveStatus = 0   // UARTECR: any write clears the errors
            case .flags, .rawInterruptStatus, .maskedInterruptStatus: break   // read-only
            case .irdaLowPowerCounter: state.irdaLowPowerCounter = value & 0xFF
            case .integerBaudRate: state.integerBaudRate = value & 0xFFFF
            case .fractionalBaudRate: state.fractionalBaudRate = value & 0x3F
            case .lineControl: writeLineControl(value & 0xFF, &state)
            case .control: writeControl(value & Control.implemented, &state)
            case .fifoLevelSelect: state.fifoLevelSelect = value & 0x3F
            case .interruptMask: state.interruptMask = value & Interrupts.all
            case .interruptClear: state.rawInterrupts &= ~(value & Interrupts.all)
            case .dmaControl: state.dmaControl = value & 0x7
            }
        }
    }

    // MARK: Register behaviour (all under the lock)

    /// Runs `body` under the lock and reports an interrupt-level change to the observer.
    private func updating<Result: Sendable>(_ body: (inout State) -> Result) -> Result {
        state.withLock { state in
            let before = state.interruptAsserted
            let result = body(&state)
            if state.interruptAsserted != before { interruptObserver?(state.interruptAsserted) }
            return result
        }
    }

    private func readData(_ state: inout State) -> UInt32 {
        // An empty FIFO reads as zero (the TRM leaves the value undefined; drivers check RXFE).
        guard let entry = state.receiveFifo.pop() else { return 0 }
        state.receiveStatus = UInt32(entry >> 8) & 0xF
        if state.receiveFifo.isEmpty { state.rawInterrupts &= ~Interrupts.receive.rawValue }
        refillReceiveFifo(&state)
        return UInt32(entry)
    }

    private func transmit(_ byte: UInt8, _ state: inout State) {
        if state.canTransmit {
            send(byte, &state)
        } else if state.transmitFifo.count < state.fifoDepth {
            state.transmitFifo.push(byte)
        }
        updateTransmitInterrupt(&state)
    }

    private func send(_ byte: UInt8, _ state: inout State) {
        transmitSink(byte)
        guard state.loopback else { return }
        if state.receiveFifo.count < state.fifoDepth {
            pushReceived(UInt16(byte), &state)
        } else {
            // Overrun: the FIFO keeps its contents, the newest character is lost (TRM 3.3.2).
            state.receiveStatus |= Self.overrunStatusBit
            state.rawInterrupts |= Interrupts.overrunError.rawValue
        }
    }

    private func drainTransmitFifo(_ state: inout State) {
        guard state.canTransmit else { return }
        let hadWaiting = !state.transmitFifo.isEmpty
        while let byte = state.transmitFifo.pop() { send(byte, &state) }
        if hadWaiting { updateTransmitInterrupt(&state) }
    }

    private func updateTransmitInterrupt(_ state: inout State) {
        if state.transmitFifo.count <= state.transmitTriggerLevel {
            state.rawInterrupts |= Interrupts.transmit.rawValue
        }
    }

    private func pushReceived(_ entry: UInt16, _ state: inout State) {
        state.receiveFifo.push(entry)
        if state.receiveFifo.count == 1 { state.rawInterrupts |= Interrupts.receive.rawValue }
    }

    private func refillReceiveFifo(_ state: inout State) {
        // In loopback the receive pin is disconnected from the outside (TRM 3.3.8).
        guard state.canReceive, !state.loopback else { return }
        while state.receiveFifo.count < state.fifoDepth, let byte = state.hostInput.pop() {
            pushReceived(UInt16(byte), &state)
        }
    }

    private func writeLineControl(_ value: UInt32, _ state: inout State) {
        // Switching the FIFOs on or off empties them (QEMU pl011_reset_rx_fifo/_tx_fifo).
        if (state.lineControl ^ value) & Self.fifoEnableBit != 0 {
            state.receiveFifo.removeAll()
            state.transmitFifo.removeAll()
            state.rawInterrupts &= ~Interrupts.receive.rawValue
        }
        state.lineControl = value
        refillReceiveFifo(&state)
    }

    private func writeControl(_ value: UInt32, _ state: inout State) {
        state.control = Control(rawValue: value)
        drainTransmitFifo(&state)
        refillReceiveFifo(&state)
    }
}
