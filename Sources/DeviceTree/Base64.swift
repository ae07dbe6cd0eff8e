// Base64: the small decoder behind QemuVirtBlob's embedded DTB, so the module needs no Foundation.
// Standard alphabet with `=` padding (RFC 4648 §4); line breaks and spaces are skipped.

enum Base64 {
    /// The bytes `text` encodes, or nil when it holds a character outside the alphabet, data
    /// after padding, or a partial group.
    static func decode(_ text: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count / 4 * 3)
        var group: UInt32 = 0
        var count = 0
        var padding = 0
        var finished = false
        for character in text.utf8 {
            if character == UInt8(ascii: "\n") || character == UInt8(ascii: "\r") || character == UInt8(ascii: " ") {
                continue
            }
            guard !finished else { return nil }
            let value: UInt32
            if character == UInt8(ascii: "=") {
                padding += 1
                value = 0
            } else {
                guard padding == 0, let digit = digit(character) else { return nil }
                value = digit
            }
            group = group << 6 | value
            count += 1
            guard count == 4 else { continue }
            guard padding <= 2 else { return nil }
            bytes.append(UInt8(truncatingIfNeeded: group >> 16))
            if padding < 2 { bytes.append(UInt8(truncatingIfNeeded: group >> 8)) }
            if padding < 1 { bytes.append(UInt8(truncatingIfNeeded: group)) }
            group = 0
            count = 0
            finished = padding > 0
        }
        return count == 0 ? bytes : nil
    }

    private static func digit(_ character: UInt8) -> UInt32? {
        switch character {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): UInt32(character - UInt8(ascii: "A"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): UInt32(character - UInt8(ascii: "a")) + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(character - UInt8(ascii: "0")) + 52
        case UInt8(ascii: "+"): 62
        case UInt8(ascii: "/"): 63
        default: nil
        }
    }
}
