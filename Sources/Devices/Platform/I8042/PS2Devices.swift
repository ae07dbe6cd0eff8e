// PS2Devices: the PS/2 keyboard and mouse behind the i8042 controller, as value types the
// controller owns. Each has a reply queue (command answers, served first, as QEMU's command-reply
// queue does) and a data queue (scancodes or movement packets), and answers the device command
// set.
//
// Counterpart: IBM PS/2 keyboard and mouse command sets; QEMU hw/input/ps2.c (ps2_write_keyboard,
// ps2_write_mouse, ps2_put_keycode, ps2_mouse_send_packet and its translate_table).

/// Replies shared by both devices.
enum PS2Reply {
    /// Unread replies a device keeps; more are dropped (QEMU's PS/2 queue holds 16 bytes), so a
    /// guest that never reads cannot grow them.
    static let capacity = 16

    static let acknowledge: UInt8 = 0xFA
    static let resend: UInt8 = 0xFE
    static let selfTestPassed: UInt8 = 0xAA
    static let echo: UInt8 = 0xEE
}

/// The keyboard. Scancodes arrive as the bytes the keyboard sends in its current scan code set;
/// when the controller's translate bit is set they pass through the 8042 translation to set 1
/// (F0-prefixed break codes become the make code with bit 7 set), as in ps2_put_keycode.
struct PS2Keyboard {
    /// Deeper than QEMU's 16-byte PS/2 queue so a host typing a string at once loses nothing.
    static let dataCapacity = 256

    var replies: [UInt8] = []
    var data = PlatformFifo<UInt8>(capacity: PS2Keyboard.dataCapacity)
    var scanningEnabled = true
    var scanCodeSet: UInt8 = 2
    var leds: UInt8 = 0
    var translate = false
    /// A command waiting for its argument byte (ED, F0, F3, FB–FD).
    var pendingCommand: UInt8?
    /// Translation saw F0: the next code is a break code.
    var translatingBreak = false

    var hasOutput: Bool { !replies.isEmpty || !data.isEmpty }

    mutating func nextByte() -> UInt8? {
        replies.isEmpty ? data.pop() : replies.removeFirst()
    }

    /// Power-on defaults (ps2_reset_keyboard): scanning on, set 2, LEDs off, queues empty.
    mutating func resetDefaults() {
        scanningEnabled = true
        scanCodeSet = 2
        leds = 0
        replies.removeAll()
        data.removeAll()
        translatingBreak = false
    }

    /// A byte the host wrote to the keyboard (i8042 data port, no controller command pending).
    /// Unread answers to earlier bytes are discarded first, as QEMU's ps2_cqueue_reset does.
    mutating func receive(_ byte: UInt8) {
        replies.removeAll()
        if let command = pendingCommand {
            pendingCommand = nil
            switch command {
            case 0xF0:
                switch byte {
                case 0: replies += [PS2Reply.acknowledge, translate ? translated(scanCodeSet) : scanCodeSet]
                case 1...3:
                    scanCodeSet = byte
                    replies.append(PS2Reply.acknowledge)
                default: replies.append(PS2Reply.resend)
                }
            case 0xED:
                leds = byte & 0x07
                replies.append(PS2Reply.acknowledge)
            default:   // F3 typematic rate/delay, FB–FD per-key set-3 modes: accepted, no effect
                replies.append(PS2Reply.acknowledge)
            }
            return
        }
        switch byte {
        case 0xFF:
            resetDefaults()
            replies += [PS2Reply.acknowledge, PS2Reply.selfTestPassed]
        case 0xF2:   // identify: an MF2 keyboard; 0x41 is its ID translated
            replies += [PS2Reply.acknowledge, 0xAB, translate ? 0x41 : 0x83]
        case 0xF4:
            scanningEnabled = true
            replies.append(PS2Reply.acknowledge)
        case 0xF5:
            resetDefaults()
            scanningEnabled = false
            replies.append(PS2Reply.acknowledge)
        case 0xF6:
            resetDefaults()
            replies.append(PS2Reply.acknowledge)
        case 0xEE:
            replies.append(PS2Reply.echo)
        case 0xED, 0xF0, 0xF3, 0xFB, 0xFC, 0xFD:
            pendingCommand = byte
            replies.append(PS2Reply.acknowledge)
        case 0xF7, 0xF8, 0xF9, 0xFA, 0x00:   // set-3 "all keys" modes and QEMU's 0x00: acknowledged
            replies.append(PS2Reply.acknowledge)
        default:
            replies.append(PS2Reply.resend)
        }
    }

    /// Bytes from the keys (host side). Dropped while scanning is disabled (QEMU: "do not process
    /// events while disabled") or when the queue is full.
    mutating func keyBytes(_ bytes: [UInt8]) {
        guard scanningEnabled else { return }
        for byte in bytes {
            guard translate else {
                data.push(byte)
                continue
            }
            if byte == 0xF0 {
                translatingBreak = true
            } else {
                data.push(translated(byte) | (translatingBreak ? 0x80 : 0))
                translatingBreak = false
            }
        }
    }

    private func translated(_ byte: UInt8) -> UInt8 {
        Self.translationTable[Int(byte)]
    }

    /// The 8042's scan-code translation, set 2 (and the set numbers) to set 1. Entries from 0x80
    /// up translate to themselves except 0x83 (F7) and 0x84 (Alt+SysRq).
    static let translationTable: [UInt8] = {
        let low: [UInt8] = [
            0xFF, 0x43, 0x41, 0x3F, 0x3D, 0x3B, 0x3C, 0x58, 0x64, 0x44, 0x42, 0x40, 0x3E, 0x0F, 0x29, 0x59,
            0x65, 0x38, 0x2A, 0x70, 0x1D, 0x10, 0x02, 0x5A, 0x66, 0x71, 0x2C, 0x1F, 0x1E, 0x11, 0x03, 0x5B,
            0x67, 0x2E, 0x2D, 0x20, 0x12, 0x05, 0x04, 0x5C, 0x68, 0x39, 0x2F, 0x21, 0x14, 0x13, 0x06, 0x5D,
            0x69, 0x31, 0x30, 0x23, 0x22, 0x15, 0x07, 0x5E, 0x6A, 0x72, 0x32, 0x24, 0x16, 0x08, 0x09, 0x5F,
            0x6B, 0x33, 0x25, 0x17, 0x18, 0x0B, 0x0A, 0x60, 0x6C, 0x34, 0x35, 0x26, 0x27, 0x19, 0x0C, 0x61,
            0x6D, 0x73, 0x28, 0x74, 0x1A, 0x0D, 0x62, 0x6E, 0x3A, 0x36, 0x1C, 0x1B, 0x75, 0x2B, 0x63, 0x76,
            0x55, 0x56, 0x77, 0x78, 0x79, 0x7A, 0x0E, 0x7B, 0x7C, 0x4F, 0x7D, 0x4B, 0x47, 0x7E, 0x7F, 0x6F,
            0x52, 0x53, 0x50, 0x4C, 0x4D, 0x48, 0x01, 0x45, 0x57, 0x4E, 0x51, 0x4A, 0x37, 0x49, 0x46, 0x54,
        ]
        var table = low + (0x80...0xFF).map { UInt8($0) }
        table[0x83] = 0x41   // F7
        table[0x84] = 0x54   // Alt+SysRq
        return table
    }()
}

/// The mouse: a standard PS/2 mouse that becomes an IntelliMouse (ID 3, wheel byte) or an
/// IntelliMouse Explorer (ID 4) after the usual sample-rate knock sequences, as QEMU's does.
struct PS2Mouse {
    static let dataCapacity = 256
    static let remoteMode: UInt8 = 0x40
    static let reportingEnabled: UInt8 = 0x20
    static let scaling2to1: UInt8 = 0x10

    var replies: [UInt8] = []
    var data = PlatformFifo<UInt8>(capacity: PS2Mouse.dataCapacity)
    var status: UInt8 = 0
    var resolution: UInt8 = 2
    var sampleRate: UInt8 = 100
    var wrapMode = false
    var deviceID: UInt8 = 0
    var knockState = 0
    var pendingCommand: UInt8?
    /// Movement not yet reported (remote mode, or beyond one packet's ±127).
    var deltaX = 0, deltaY = 0, deltaWheel = 0
    var buttons: UInt8 = 0

    var hasOutput: Bool { !replies.isEmpty || !data.isEmpty }
    var packetLength: Int { deviceID == 0 ? 3 : 4 }

    mutating func nextByte() -> UInt8? {
        replies.isEmpty ? data.pop() : replies.removeFirst()
    }

    /// A byte the host sent with controller command 0xD4.
    mutating func receive(_ byte: UInt8) {
        let answer = answer(to: byte)
        if replies.count + answer.count <= PS2Reply.capacity { replies += answer }
    }

    /// Executes one command (or argument) byte and returns the mouse's answer.
    private mutating func answer(to byte: UInt8) -> [UInt8] {
        let ack = PS2Reply.acknowledge
        if let command = pendingCommand {
            pendingCommand = nil
            if command == 0xF3 {
                sampleRate = byte
                detectKnock(byte)
            } else {
                resolution = byte
            }
            return [ack]
        }
        if wrapMode, byte != 0xEC, byte != 0xFF {
            return [byte]   // wrap mode echoes everything but "reset wrap" and "reset"
        }
        switch byte {
        case 0xE6: status &= ~Self.scaling2to1
        case 0xE7: status |= Self.scaling2to1
        case 0xE8, 0xF3: pendingCommand = byte
        case 0xE9: return [ack, status, resolution, sampleRate]
        case 0xEA: status &= ~Self.remoteMode
        case 0xEB: return [ack] + packet()
        case 0xEC: wrapMode = false
        case 0xEE: wrapMode = true
        case 0xF0: status |= Self.remoteMode
        case 0xF2: return [ack, deviceID]
        case 0xF4: status |= Self.reportingEnabled
        case 0xF5: status &= ~Self.reportingEnabled
        case 0xF6: setDefaults()
        case 0xFF:
            setDefaults()
            deviceID = 0
            wrapMode = false
            replies.removeAll()
            data.removeAll()
            return [ack, PS2Reply.selfTestPassed, deviceID]
        default:
            return [PS2Reply.resend]   // unknown command (QEMU stays silent; mice resend)
        }
        return [ack]
    }

    private mutating func setDefaults() {
        sampleRate = 100
        resolution = 2
        status = 0
        deltaX = 0
        deltaY = 0
        deltaWheel = 0
    }

    /// Sample rates 200, 100, 80 select the wheel mouse (ID 3); 200, 200, 80 the five-button
    /// wheel mouse (ID 4).
    private mutating func detectKnock(_ rate: UInt8) {
        switch (knockState, rate) {
        case (0, 200): knockState = 1
        case (1, 100): knockState = 2
        case (1, 200): knockState = 3
        case (2, 80): deviceID = 3; knockState = 0
        case (3, 80): deviceID = 4; knockState = 0
        default: knockState = 0
        }
    }

    /// Movement from the host: `dy` positive means away from the user (PS/2 convention).
    /// Ignored while reporting is disabled (QEMU records nothing then).
    mutating func move(dx: Int, dy: Int, wheel: Int, buttons: UInt8) {
        guard status & Self.reportingEnabled != 0 else { return }
        deltaX = deltaX.addingReportingOverflow(dx).partialValue
        deltaY = deltaY.addingReportingOverflow(dy).partialValue
        deltaWheel = deltaWheel.addingReportingOverflow(wheel).partialValue
        self.buttons = buttons & 0x07
        guard status & Self.remoteMode == 0 else { return }
        // Stream mode: as many packets as the deltas need, while the queue has room.
        repeat {
            guard data.capacity - data.count >= packetLength else { return }
            for byte in packet() { data.push(byte) }
        } while deltaX != 0 || deltaY != 0 || deltaWheel != 0
    }

    /// One movement packet, consuming up to ±127 of each delta (ps2_mouse_send_packet).
    private mutating func packet() -> [UInt8] {
        let dx = max(-127, min(127, deltaX))
        let dy = max(-127, min(127, deltaY))
        deltaX -= dx
        deltaY -= dy
        let first = 0x08 | (dx < 0 ? 0x10 : 0) | (dy < 0 ? 0x20 : 0) | buttons
        var bytes = [first, UInt8(truncatingIfNeeded: dx), UInt8(truncatingIfNeeded: dy)]
        switch deviceID {
        case 3:
            let dz = max(-127, min(127, deltaWheel))
            deltaWheel -= dz
            bytes.append(UInt8(truncatingIfNeeded: dz))
        case 4:
            let dz = max(-7, min(7, deltaWheel))
            deltaWheel -= dz
            bytes.append(UInt8(truncatingIfNeeded: dz) & 0x0F)
        default:
            deltaWheel = 0
        }
        return bytes
    }
}
