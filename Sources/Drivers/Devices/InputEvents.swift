// InputEvents: what the input drivers (i8042 keyboard and mouse, USB HID boot keyboard) publish —
// key presses and releases named by HID usage ID (Keyboard/Keypad page 0x07), whatever the wire
// format was, and relative mouse movement — plus the PC scan code set 1 → HID usage tables the
// i8042 driver decodes with, and a usage → character helper for consoles and tests.
//
// Fuchsia counterpart: src/ui/input/drivers/pc-ps2 (keymap.h: kSet1UsageMap, kSet1ExtendedUsageMap;
// the driver reports HID boot-protocol keyboard reports from them) and the HID usage tables
// (hid/usages.h, HID Usage Tables 1.12 §10).

/// A key going down or up, as a HID usage ID (0x04 = A … 0xE0–0xE7 = modifiers).
public struct KeyEvent: Sendable, Equatable, CustomStringConvertible {
    public var usage: UInt8
    public var pressed: Bool

    public init(usage: UInt8, pressed: Bool) {
        self.usage = usage
        self.pressed = pressed
    }

    public var description: String {
        let name = HidUsage.character(usage).map { "'\($0)'" } ?? String.hex(usage)
        return "\(name) \(pressed ? "down" : "up")"
    }
}

/// Relative pointer movement: `dx` to the right, `dy` up (PS/2 convention), wheel clicks, and
/// the buttons held (bit 0 left, 1 right, 2 middle).
public struct MouseEvent: Sendable, Equatable {
    public var dx: Int
    public var dy: Int
    public var wheel: Int
    public var buttons: UInt8

    public init(dx: Int, dy: Int, wheel: Int = 0, buttons: UInt8 = 0) {
        (self.dx, self.dy, self.wheel, self.buttons) = (dx, dy, wheel, buttons)
    }
}

public enum InputEvent: Sendable, Equatable {
    case key(KeyEvent)
    case mouse(MouseEvent)
}

/// HID Keyboard/Keypad page helpers.
public enum HidUsage {
    public static let leftControl: UInt8 = 0xE0, leftShift: UInt8 = 0xE1, rightShift: UInt8 = 0xE5

    /// The character a usage types without modifiers (letters lower case), or with shift.
    public static func character(_ usage: UInt8, shift: Bool = false) -> Character? {
        switch usage {
        case 0x04...0x1D:
            let scalar = UInt8(ascii: shift ? "A" : "a") + (usage - 0x04)
            return Character(Unicode.Scalar(scalar))
        case 0x1E...0x27:
            let plain = Array("1234567890"), shifted = Array("!@#$%^&*()")
            return (shift ? shifted : plain)[Int(usage - 0x1E)]
        case 0x28: return "\n"
        case 0x2B: return "\t"
        case 0x2C: return " "
        case 0x2D...0x38:
            let plain = Array("-=[]\\#;'`,./"), shifted = Array("_+{}|~:\"~<>?")
            return (shift ? shifted : plain)[Int(usage - 0x2D)]
        default: return nil
        }
    }
}

/// PC scan code set 1 (what an i8042 with translation delivers) → HID usage.
public enum ScanCodeSet1 {
    /// Make codes 0x00–0x58; 0 where no key is assigned.
    public static let usages: [UInt8] = [
        0x00, 0x29, 0x1E, 0x1F, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2D, 0x2E, 0x2A, 0x2B,  // 00–0F
        0x14, 0x1A, 0x08, 0x15, 0x17, 0x1C, 0x18, 0x0C, 0x12, 0x13, 0x2F, 0x30, 0x28, 0xE0, 0x04, 0x16,  // 10–1F
        0x07, 0x09, 0x0A, 0x0B, 0x0D, 0x0E, 0x0F, 0x33, 0x34, 0x35, 0xE1, 0x31, 0x1D, 0x1B, 0x06, 0x19,  // 20–2F
        0x05, 0x11, 0x10, 0x36, 0x37, 0x38, 0xE5, 0x55, 0xE2, 0x2C, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E,  // 30–3F
        0x3F, 0x40, 0x41, 0x42, 0x43, 0x53, 0x47, 0x5F, 0x60, 0x61, 0x56, 0x5C, 0x5D, 0x5E, 0x57, 0x59,  // 40–4F
        0x5A, 0x5B, 0x62, 0x63, 0x00, 0x00, 0x64, 0x44, 0x45,                                            // 50–58
    ]

    /// Make codes after an 0xE0 prefix.
    public static let extendedUsages: [UInt8: UInt8] = [
        0x1C: 0x58, 0x1D: 0xE4, 0x35: 0x54, 0x38: 0xE6, 0x47: 0x4A, 0x48: 0x52, 0x49: 0x4B, 0x4B: 0x50,
        0x4D: 0x4F, 0x4F: 0x4D, 0x50: 0x51, 0x51: 0x4E, 0x52: 0x49, 0x53: 0x4C, 0x5B: 0xE3, 0x5C: 0xE7,
        0x5D: 0x65,
    ]

    /// The usage of a make code (bit 7 already stripped), or nil for unassigned codes and the
    /// fake shifts (E0 2A / E0 36) some keyboards wrap around extended keys.
    public static func usage(_ code: UInt8, extended: Bool) -> UInt8? {
        if extended { return extendedUsages[code] }
        let usage = Int(code) < usages.count ? usages[Int(code)] : 0
        return usage == 0 ? nil : usage
    }
}
