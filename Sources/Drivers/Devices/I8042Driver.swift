// I8042Driver: the PC keyboard controller and the PS/2 keyboard and mouse behind it, through the
// controller's two ports (data 0x60 at window offset 0, status/command 0x64 at offset 4, 8-bit
// accesses). Initialisation as Fuchsia's pc-ps2 controller does it: disable both ports, flush the
// output buffer, read the configuration byte and turn interrupts and translation off while
// testing, controller self-test (0xAA → 0x55), find out whether there is a second (aux) port,
// interface tests (0xAB, 0xA9 → 0x00), enable the ports, reset the keyboard (0xFF → 0xFA 0xAA) and
// enable scanning (0xF4 → 0xFA), reset the mouse through 0xD4 (0xFF → 0xFA 0xAA id) and enable data
// reporting (0xF4), then write the final configuration: both interrupts on, translation on (set 2
// → set 1). `poll()` decodes what waits in the output buffer: set-1 scancodes into key events (HID
// usages), 3- or 4-byte mouse packets into movement.
//
// Fuchsia counterpart: src/ui/input/drivers/pc-ps2 (controller.cc: Bind/Init — kCmdSelfTest,
// kCmdPort1Test/kCmdPort2Test, config byte handling; device.cc: keyboard and mouse identify/reset,
// ProcessScancode / ProcessMousePacket, hid-device children per port; keymap.h).

import Mmio

/// What initialisation found.
public struct I8042Info: Sendable, Equatable {
    public var hasKeyboard: Bool
    public var hasMouse: Bool
    /// The mouse's ID after reset (0 standard, 3 wheel, 4 five-button), if there is one.
    public var mouseID: UInt8?
    /// The configuration byte written at the end.
    public var configuration: UInt8

    public init(hasKeyboard: Bool, hasMouse: Bool, mouseID: UInt8?, configuration: UInt8) {
        self.hasKeyboard = hasKeyboard
        self.hasMouse = hasMouse
        self.mouseID = mouseID
        self.configuration = configuration
    }
}

/// i8042 ports, status and configuration bits, commands and replies.
public enum I8042Spec {
    public enum Port {
        public static let data = 0, statusCommand = 4
    }

    public enum StatusBit {
        public static let outputFull: UInt8 = 0x01, inputFull: UInt8 = 0x02, auxData: UInt8 = 0x20
    }

    public enum ConfigBit {
        public static let keyboardInterrupt: UInt8 = 0x01, auxInterrupt: UInt8 = 0x02
        public static let keyboardClockOff: UInt8 = 0x10, auxClockOff: UInt8 = 0x20, translate: UInt8 = 0x40
    }

    public enum Command {
        public static let readConfig: UInt8 = 0x20, writeConfig: UInt8 = 0x60
        public static let disableAux: UInt8 = 0xA7, enableAux: UInt8 = 0xA8, testAux: UInt8 = 0xA9
        public static let selfTest: UInt8 = 0xAA, testKeyboard: UInt8 = 0xAB
        public static let disableKeyboard: UInt8 = 0xAD, enableKeyboard: UInt8 = 0xAE
        public static let writeAux: UInt8 = 0xD4
    }

    public enum DeviceReply {
        public static let acknowledge: UInt8 = 0xFA, selfTestPassed: UInt8 = 0xAA, controllerOK: UInt8 = 0x55
    }
}

public struct I8042Driver<Access: MmioAccess> {
    public typealias Port = I8042Spec.Port
    public typealias StatusBit = I8042Spec.StatusBit
    public typealias ConfigBit = I8042Spec.ConfigBit
    public typealias Command = I8042Spec.Command
    public typealias DeviceReply = I8042Spec.DeviceReply

    public let registers: RegisterWindow<Access>
    public var pollBudget = Poll.defaultReads
    public private(set) var info: I8042Info?

    /// Decoder state: an 0xE0 prefix seen, a partial mouse packet.
    private var extendedPrefix = false
    private var mousePacket: [UInt8] = []
    /// Bytes `poll()` could not use (resync, unknown codes).
    public private(set) var discardedBytes = 0

    /// `window` is the controller's 8-byte port window.
    public init(ports window: Access) {
        registers = RegisterWindow(window, device: "i8042")
    }

    // MARK: Port primitives

    public func status() throws(DriverError) -> UInt8 { try registers.read8(Port.statusCommand, "status") }

    private func waitInputEmpty(_ what: String) throws(DriverError) {
        try registers.poll8(Port.statusCommand, "status", "input buffer empty (\(what))", maxReads: pollBudget) {
            $0 & StatusBit.inputFull == 0
        }
    }

    /// A controller command (port 0x64).
    public func command(_ byte: UInt8) throws(DriverError) {
        try waitInputEmpty("command \(String.hex(byte))")
        try registers.write8(byte, Port.statusCommand, "command")
    }

    /// A byte to the data port (a command argument, or a byte for the keyboard).
    public func writeData(_ byte: UInt8) throws(DriverError) {
        try waitInputEmpty("data \(String.hex(byte))")
        try registers.write8(byte, Port.data, "data")
    }

    /// The next output byte, waiting (bounded) for OBF.
    public func readData(_ what: String) throws(DriverError) -> UInt8 {
        try registers.poll8(Port.statusCommand, "status", "output buffer full (\(what))", maxReads: pollBudget) {
            $0 & StatusBit.outputFull != 0
        }
        return try registers.read8(Port.data, "data")
    }

    /// A controller command that answers one byte.
    public func query(_ byte: UInt8) throws(DriverError) -> UInt8 {
        try command(byte)
        return try readData("reply to \(String.hex(byte))")
    }

    /// Reads and drops whatever waits in the output buffer (at most 64 bytes).
    public func flush() throws(DriverError) {
        for _ in 0..<64 {
            guard try status() & StatusBit.outputFull != 0 else { return }
            _ = try registers.read8(Port.data, "data")
        }
    }

    public func readConfiguration() throws(DriverError) -> UInt8 { try query(Command.readConfig) }

    public func writeConfiguration(_ value: UInt8) throws(DriverError) {
        try command(Command.writeConfig)
        try writeData(value)
    }

    /// Sends `byte` to the keyboard (or, `aux`, the mouse via 0xD4) and checks the acknowledge.
    public func sendToDevice(_ byte: UInt8, aux: Bool) throws(DriverError) {
        let device = aux ? "mouse" : "keyboard"
        if aux { try command(Command.writeAux) }
        try writeData(byte)
        let reply = try readData("\(device) ack of \(String.hex(byte))")
        guard reply == DeviceReply.acknowledge else {
            throw .deviceError("i8042 \(device) answered \(String.hex(reply)) to \(String.hex(byte))")
        }
    }

    // MARK: Initialisation

    /// The whole bring-up (see the file header). Publishes and returns `I8042Info`.
    /// - Throws: `.deviceError` if the self test or the keyboard port test fails or the keyboard
    ///   does not reset; a missing or failing mouse only leaves `hasMouse` false.
    @discardableResult
    public mutating func initialize() throws(DriverError) -> I8042Info {
        try command(Command.disableKeyboard)
        try command(Command.disableAux)
        try flush()
        var config = try readConfiguration()
        config &= ~(ConfigBit.keyboardInterrupt | ConfigBit.auxInterrupt | ConfigBit.translate)
        try writeConfiguration(config)

        let selfTest = try query(Command.selfTest)
        guard selfTest == DeviceReply.controllerOK else {
            throw .deviceError("i8042 self test answered \(String.hex(selfTest)), expected 0x55")
        }
        try writeConfiguration(config)   // some controllers reset the byte on self test

        // Dual channel: enabling the aux port must clear its clock-off bit.
        try command(Command.enableAux)
        var hasAux = try readConfiguration() & ConfigBit.auxClockOff == 0
        try command(Command.disableAux)

        let keyboardTest = try query(Command.testKeyboard)
        guard keyboardTest == 0 else { throw .deviceError("i8042 keyboard port test answered \(String.hex(keyboardTest))") }
        if hasAux, try query(Command.testAux) != 0 { hasAux = false }

        try command(Command.enableKeyboard)
        try resetKeyboard()
        var mouseID: UInt8?
        if hasAux {
            try command(Command.enableAux)
            do throws(DriverError) {
                mouseID = try resetMouse()
            } catch {
                hasAux = false
                try command(Command.disableAux)
                try flush()
            }
        }

        config = try readConfiguration()
        config |= ConfigBit.keyboardInterrupt | ConfigBit.translate
        config &= ~ConfigBit.keyboardClockOff
        if hasAux {
            config |= ConfigBit.auxInterrupt
            config &= ~ConfigBit.auxClockOff
        } else {
            config &= ~ConfigBit.auxInterrupt
            config |= ConfigBit.auxClockOff
        }
        try writeConfiguration(config)
        let result = I8042Info(hasKeyboard: true, hasMouse: hasAux, mouseID: mouseID, configuration: config)
        info = result
        extendedPrefix = false
        mousePacket = []
        return result
    }

    /// Keyboard reset (0xFF → 0xFA, then 0xAA when its self test passes) and scanning on (0xF4).
    public func resetKeyboard() throws(DriverError) {
        try sendToDevice(0xFF, aux: false)
        let result = try readData("keyboard self test")
        guard result == DeviceReply.selfTestPassed else {
            throw .deviceError("i8042 keyboard self test answered \(String.hex(result))")
        }
        try sendToDevice(0xF4, aux: false)
    }

    /// Mouse reset through 0xD4 (0xFF → 0xFA 0xAA, then its ID) and data reporting on (0xF4).
    /// Returns the ID.
    public func resetMouse() throws(DriverError) -> UInt8 {
        try sendToDevice(0xFF, aux: true)
        let result = try readData("mouse self test")
        guard result == DeviceReply.selfTestPassed else {
            throw .deviceError("i8042 mouse self test answered \(String.hex(result))")
        }
        let id = try readData("mouse id")
        try sendToDevice(0xF4, aux: true)
        return id
    }

    // MARK: Input

    /// Decodes everything waiting (at most `limit` bytes): keyboard bytes as set-1 scancodes,
    /// aux bytes as mouse packets.
    public mutating func poll(limit: Int = 256) throws(DriverError) -> [InputEvent] {
        var events: [InputEvent] = []
        for _ in 0..<max(limit, 1) {
            let state = try status()
            guard state & StatusBit.outputFull != 0 else { break }
            let byte = try registers.read8(Port.data, "data")
            if state & StatusBit.auxData != 0 {
                if let event = mouseByte(byte) { events.append(.mouse(event)) }
            } else if let event = scancode(byte) {
                events.append(.key(event))
            }
        }
        return events
    }

    /// One set-1 byte: E0 prefixes, break codes (bit 7), make codes.
    mutating func scancode(_ byte: UInt8) -> KeyEvent? {
        if byte == 0xE0 {
            extendedPrefix = true
            return nil
        }
        defer { extendedPrefix = false }
        // 0xE1 starts Pause (not decoded). Acknowledges (0xFA), echoes and error codes fall on
        // unassigned codes below; 0xAA is also the left shift's break code, so it stays a key.
        if byte == 0xE1 {
            discardedBytes += 1
            return nil
        }
        guard let usage = ScanCodeSet1.usage(byte & 0x7F, extended: extendedPrefix) else {
            discardedBytes += 1
            return nil
        }
        return KeyEvent(usage: usage, pressed: byte & 0x80 == 0)
    }

    /// One mouse byte: packets start with bit 3 set (resynchronising otherwise); 4-byte packets
    /// for wheel mice (ID 3 or 4).
    mutating func mouseByte(_ byte: UInt8) -> MouseEvent? {
        if mousePacket.isEmpty, byte & 0x08 == 0 {
            discardedBytes += 1
            return nil
        }
        mousePacket.append(byte)
        let length = (info?.mouseID ?? 0) >= 3 ? 4 : 3
        guard mousePacket.count >= length else { return nil }
        let packet = mousePacket
        mousePacket = []
        let first = packet[0]
        // Overflow bits (6, 7): the deltas are meaningless; report buttons only.
        let overflow = first & 0xC0 != 0
        let dx = overflow ? 0 : Int(packet[1]) - (first & 0x10 != 0 ? 256 : 0)
        let dy = overflow ? 0 : Int(packet[2]) - (first & 0x20 != 0 ? 256 : 0)
        var wheel = 0
        if length == 4 {
            let raw = (info?.mouseID ?? 0) == 4 ? packet[3] & 0x0F : packet[3]
            let bits = (info?.mouseID ?? 0) == 4 ? 4 : 8
            wheel = Int(raw) - (raw & (1 << UInt8(bits - 1)) != 0 ? 1 << bits : 0)
        }
        return MouseEvent(dx: dx, dy: dy, wheel: wheel, buttons: first & 0x07)
    }
}
