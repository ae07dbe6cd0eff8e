// I8042Controller: the PC keyboard controller (Intel 8042 / PS/2), with a PS/2 keyboard on its
// first port and a PS/2 mouse on its auxiliary port. On x86 it is I/O ports 0x60 (data) and 0x64
// (status on read, command on write), IRQ 1 (keyboard) and IRQ 12 (mouse); here it is an
// `MmioDevice` over an 8-byte window — offset 0 is port 0x60, offset 4 is port 0x64 — so the
// machine can route port I/O to it like any register window.
//
// Counterpart: Intel 8042/8742 controller and IBM PS/2 technical reference (status register,
// command byte, controller commands); QEMU hw/input/pckbd.c (kbd_write_command, kbd_write_data,
// kbd_read_status) and hw/input/ps2.c.
//
// Model decisions:
// * Output: the controller has one output-buffer byte, as the 8042 does. When the guest reads it,
//   the next byte moves in at once, chosen as QEMU does — controller replies first, then the
//   keyboard, then the mouse — so the guest sees each source as a FIFO. OBF says a byte waits;
//   status bit 5 (AUX) says it came from the mouse. Reading an empty buffer returns the last
//   byte again (QEMU, "needed for EMM386").
// * A disabled port (command byte bit 4 or 5, commands 0xAD/0xA7) holds its device's bytes back
//   until it is enabled; writing to a device re-enables its port (QEMU).
// * Scancodes: the host injects the bytes the keyboard sends in its current scan code set (set 2
//   after power-on; `pressKey`/`releaseKey` build set-2 make/break codes). With the command byte's
//   translate bit (0x40) set, the controller converts them to set 1 on the way out, as PC
//   firmware normally configures it. The power-on command byte is QEMU's 0x03 (both interrupts
//   on, translation off); a driver or the machine's firmware sets translation.
// * Commands are executed immediately, so IBF is never seen set. Status bit 4 (keyboard not
//   inhibited) always reads 1, SYS (bit 2) is set by the self test (0xAA) and follows the command
//   byte's system flag when it is written, A2 (bit 3) tells whether the last write was a command.
// * Interrupts: the keyboard line is high while a keyboard (or controller) byte waits and the
//   command byte enables it (and the keyboard port is enabled); the aux line while a mouse byte
//   waits and bit 1 enables it.
// * Only 8-bit accesses at offset 0 or 4; others fault. Output port writes or pulses that clear
//   bit 0 (0xD1 with bit 0 clear, 0xFE, 0xF0–0xFF with bit 0 clear) request a system reset
//   through `onSystemResetRequest`, called outside the controller's lock.
import Hardware
import Synchronization

public final class I8042Controller: MmioDevice {
    public static let dataPort: UInt16 = 0x60
    public static let statusCommandPort: UInt16 = 0x64
    public static let windowSize: UInt64 = 8
    public static let dataOffset: UInt64 = 0
    public static let statusCommandOffset: UInt64 = 4
    public static let keyboardIRQ = 1
    public static let auxIRQ = 12

    /// The window offset for an x86 I/O port, or nil if the controller does not decode it.
    public static func windowOffset(ioPort: UInt16) -> UInt64? {
        switch ioPort {
        case dataPort: dataOffset
        case statusCommandPort: statusCommandOffset
        default: nil
        }
    }

    /// Status register bits (port 0x64 read).
    public enum StatusBit {
        public static let outputBufferFull: UInt8 = 0x01
        public static let inputBufferFull: UInt8 = 0x02
        public static let systemFlag: UInt8 = 0x04
        public static let lastWriteWasCommand: UInt8 = 0x08
        public static let keyboardNotInhibited: UInt8 = 0x10
        public static let auxOutputBufferFull: UInt8 = 0x20
        public static let timeout: UInt8 = 0x40
        public static let parityError: UInt8 = 0x80
    }

    /// Command byte ("configuration byte", read with 0x20, written with 0x60) bits.
    public enum ConfigurationBit {
        public static let keyboardInterrupt: UInt8 = 0x01
        public static let auxInterrupt: UInt8 = 0x02
        public static let systemFlag: UInt8 = 0x04
        public static let keyboardDisabled: UInt8 = 0x10
        public static let auxDisabled: UInt8 = 0x20
        public static let translate: UInt8 = 0x40
        /// QEMU's power-on value.
        public static let powerOn: UInt8 = keyboardInterrupt | auxInterrupt
    }

    /// Output port bits (0xD0/0xD1): bit 0 is the CPU reset line (active low), bit 1 gate A20;
    /// QEMU keeps the unused bits 0xCC set.
    public enum OutputPortBit {
        public static let resetLine: UInt8 = 0x01
        public static let gateA20: UInt8 = 0x02
        static let powerOn: UInt8 = resetLine | gateA20 | 0xCC
    }

    /// Which interrupt output changed.
    public enum InterruptLine: Sendable { case keyboard, aux }

    /// The mouse buttons of a movement report.
    public struct MouseButtons: OptionSet, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let left = MouseButtons(rawValue: 1)
        public static let right = MouseButtons(rawValue: 2)
        public static let middle = MouseButtons(rawValue: 4)
    }

    private struct State {
        var configuration = ConfigurationBit.powerOn
        var outputPort = OutputPortBit.powerOn
        var systemFlag = false
        var lastWriteWasCommand = true
        var pendingCommand: UInt8?
        var controllerReplies: [(byte: UInt8, aux: Bool)] = []
        var output: (byte: UInt8, aux: Bool)?
        var lastOutput: UInt8 = 0
        var keyboard = PS2Keyboard()
        var mouse = PS2Mouse()
        var resetRequested = false

        var keyboardPortEnabled: Bool { configuration & ConfigurationBit.keyboardDisabled == 0 }
        var auxPortEnabled: Bool { configuration & ConfigurationBit.auxDisabled == 0 }

        var status: UInt8 {
            var status = StatusBit.keyboardNotInhibited
            if let output {
                status |= StatusBit.outputBufferFull
                if output.aux { status |= StatusBit.auxOutputBufferFull }
            }
            if systemFlag { status |= StatusBit.systemFlag }
            if lastWriteWasCommand { status |= StatusBit.lastWriteWasCommand }
            return status
        }

        var keyboardLine: Bool {
            guard let output, !output.aux else { return false }
            return configuration & ConfigurationBit.keyboardInterrupt != 0 && keyboardPortEnabled
        }

        var auxLine: Bool {
            guard let output, output.aux else { return false }
            return configuration & ConfigurationBit.auxInterrupt != 0
        }

        /// Moves the next waiting byte into the empty output buffer.
        mutating func fillOutputBuffer() {
            guard output == nil else { return }
            if !controllerReplies.isEmpty {
                output = controllerReplies.removeFirst()
            } else if keyboardPortEnabled, let byte = keyboard.nextByte() {
                output = (byte, false)
            } else if auxPortEnabled, let byte = mouse.nextByte() {
                output = (byte, true)
            }
        }

        /// Queues a controller answer; a guest that issues commands without reading the
        /// answers loses the newest ones beyond `PS2Reply.capacity` instead of growing the queue.
        mutating func reply(_ byte: UInt8, aux: Bool = false) {
            guard controllerReplies.count < PS2Reply.capacity else { return }
            controllerReplies.append((byte, aux))
        }
    }

    public let name: String
    public var regionSize: UInt64 { Self.windowSize }
    private let interruptObserver: (@Sendable (InterruptLine, Bool) -> Void)?
    private let resetObserver: (@Sendable () -> Void)?
    private let state = Mutex(State())

    /// `onInterruptChange` runs under the controller's lock (it must not access the controller);
    /// `onSystemResetRequest` runs after the lock is released, so it may reset the machine.
    public init(
        name: String = "i8042",
        onInterruptChange: (@Sendable (InterruptLine, Bool) -> Void)? = nil,
        onSystemResetRequest: (@Sendable () -> Void)? = nil
    ) {
        self.name = name
        self.interruptObserver = onInterruptChange
        self.resetObserver = onSystemResetRequest
    }

    // MARK: Host side

    /// Bytes from the keyboard, in its current scan code set (set 2 unless the driver changed
    /// it); translated to set 1 on the way out when the translate bit is set.
    public func injectScancodes(_ bytes: [UInt8]) {
        updating { $0.keyboard.keyBytes(bytes) }
    }

    /// A key going down: its set-2 make code, with the 0xE0 prefix for extended keys.
    public func pressKey(set2Code code: UInt8, extended: Bool = false) {
        injectScancodes((extended ? [0xE0] : []) + [code])
    }

    /// A key coming up: 0xF0 and its set-2 code, with the 0xE0 prefix for extended keys.
    public func releaseKey(set2Code code: UInt8, extended: Bool = false) {
        injectScancodes((extended ? [0xE0] : []) + [0xF0, code])
    }

    /// Mouse movement: `dx` to the right, `dy` away from the user (PS/2 convention), `wheel`
    /// for wheel mice. Produces stream-mode packets while reporting is enabled (0xF4).
    public func moveMouse(dx: Int, dy: Int, wheel: Int = 0, buttons: MouseButtons = []) {
        updating { $0.mouse.move(dx: dx, dy: dy, wheel: wheel, buttons: buttons.rawValue) }
    }

    public var keyboardInterruptAsserted: Bool { state.withLock { $0.keyboardLine } }
    public var auxInterruptAsserted: Bool { state.withLock { $0.auxLine } }
    public var configurationByte: UInt8 { state.withLock { $0.configuration } }
    public var keyboardLeds: UInt8 { state.withLock { $0.keyboard.leds } }
    public var keyboardScanCodeSet: UInt8 { state.withLock { $0.keyboard.scanCodeSet } }
    public var keyboardScanningEnabled: Bool { state.withLock { $0.keyboard.scanningEnabled } }
    public var mouseReportingEnabled: Bool {
        state.withLock { $0.mouse.status & PS2Mouse.reportingEnabled != 0 }
    }
    public var mouseDeviceID: UInt8 { state.withLock { $0.mouse.deviceID } }

    /// Power-on state for the controller and both devices.
    public func reset() {
        updating { $0 = State() }
    }

    // MARK: MmioDevice

    public func read(offset: UInt64, width: MmioAccessWidth) throws(MmioFault) -> UInt64 {
        let isStatus = try decode(offset, width)
        return UInt64(updating { state -> UInt8 in
            if isStatus { return state.status }
            guard let output = state.output else { return state.lastOutput }
            state.output = nil
            state.lastOutput = output.byte
            state.fillOutputBuffer()
            return output.byte
        })
    }

    public func write(offset: UInt64, width: MmioAccessWidth, value: UInt64) throws(MmioFault) {
        let isCommand = try decode(offset, width)
        let byte = UInt8(truncatingIfNeeded: value)
        let resetRequested = updating { state -> Bool in
            state.lastWriteWasCommand = isCommand
            if isCommand { controllerCommand(byte, &state) } else { dataWrite(byte, &state) }
            state.fillOutputBuffer()
            defer { state.resetRequested = false }
            return state.resetRequested
        }
        if resetRequested { resetObserver?() }
    }

    /// Checks the access; true for the status/command port, false for the data port.
    private func decode(_ offset: UInt64, _ width: MmioAccessWidth) throws(MmioFault) -> Bool {
        try PlatformAccess.check(offset, width, allowed: PlatformAccess.byteOnly, size: Self.windowSize, device: name)
        switch offset {
        case Self.dataOffset: return false
        case Self.statusCommandOffset: return true
        default: throw MmioFault(.unmappedRegister, device: name, offset: offset, width: width)
        }
    }

    private func updating<Result: Sendable>(_ body: (inout State) -> Result) -> Result {
        state.withLock { state in
            let before = (state.keyboardLine, state.auxLine)
            let result = body(&state)
            state.fillOutputBuffer()
            if state.keyboardLine != before.0 { interruptObserver?(.keyboard, state.keyboardLine) }
            if state.auxLine != before.1 { interruptObserver?(.aux, state.auxLine) }
            return result
        }
    }

    // MARK: Commands (under the lock)

    private func controllerCommand(_ command: UInt8, _ state: inout State) {
        state.pendingCommand = nil
        switch command {
        case 0x20: state.reply(state.configuration)                     // read command byte
        case 0x60, 0xD1, 0xD2, 0xD3, 0xD4: state.pendingCommand = command // a data byte follows
        case 0xA7: state.configuration |= ConfigurationBit.auxDisabled
        case 0xA8: state.configuration &= ~ConfigurationBit.auxDisabled
        case 0xA9: state.reply(0x00)                                    // aux port test: no error
        case 0xAA:                                                      // self test: passed
            state.systemFlag = true
            state.reply(0x55)
        case 0xAB: state.reply(0x00)                                    // keyboard port test: no error
        case 0xAD: state.configuration |= ConfigurationBit.keyboardDisabled
        case 0xAE: state.configuration &= ~ConfigurationBit.keyboardDisabled
        case 0xC0: state.reply(0x80)                                    // input port: keyboard not locked
        case 0xD0: state.reply(outputPort(state))
        case 0xDD: state.outputPort &= ~OutputPortBit.gateA20
        case 0xDF: state.outputPort |= OutputPortBit.gateA20
        case 0xF0...0xFF:
            // Pulse output-port bits 3–0 low: only bit 0 (CPU reset) matters.
            if command & 1 == 0 { state.resetRequested = true }
        default:
            break   // unsupported command: ignored, as QEMU does
        }
    }

    private func dataWrite(_ byte: UInt8, _ state: inout State) {
        let command = state.pendingCommand
        state.pendingCommand = nil
        switch command {
        case 0x60:
            state.configuration = byte
            state.keyboard.translate = byte & ConfigurationBit.translate != 0
            state.systemFlag = byte & ConfigurationBit.systemFlag != 0
        case 0xD1:
            state.outputPort = byte
            if byte & OutputPortBit.resetLine == 0 { state.resetRequested = true }
        case 0xD2: state.reply(byte)
        case 0xD3: state.reply(byte, aux: true)
        case 0xD4:
            state.mouse.receive(byte)
            state.configuration &= ~ConfigurationBit.auxDisabled        // talking to it re-enables it
        default:
            state.keyboard.receive(byte)
            state.configuration &= ~ConfigurationBit.keyboardDisabled
        }
    }

    /// The output port as 0xD0 reports it: the stored bits plus the live buffer-full bits 4/5.
    private func outputPort(_ state: State) -> UInt8 {
        var value = state.outputPort & ~0x30
        if let output = state.output { value |= output.aux ? 0x20 : 0x10 }
        return value
    }
}
