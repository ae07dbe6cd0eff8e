// Fixed-size kernel object names: the `char name[ZX_MAX_NAME_LEN]` field of info records and the
// ZX_PROP_NAME property, as a 32-`CChar` tuple with helpers to and from `String`.
//
// Zircon counterpart: ZX_MAX_NAME_LEN in zircon/system/public/zircon/types.h and the kernel's
// fbl::Name (zircon/kernel/lib/fbl/include/fbl/name.h): at most 31 bytes plus a NUL.

/// C `char[32]`, laid out exactly like the C array (32 bytes, alignment 1).
public typealias ZxNameBuffer = (
    CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar,
    CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar,
    CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar,
    CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar
)

/// Conversions between Swift strings and `ZxNameBuffer`.
public enum ZxName {
    /// An all-zero (empty) name.
    public static let empty: ZxNameBuffer = (
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
    )

    /// The longest name that fits, in bytes (the last byte is always NUL).
    public static let maxLength = ZX_MAX_NAME_LEN - 1

    /// Builds a NUL-terminated, zero-padded name from UTF-8 `bytes`, truncated to 31 bytes and
    /// cut at the first NUL, as the kernel stores names.
    public static func make<Bytes: Sequence>(bytes: Bytes) -> ZxNameBuffer where Bytes.Element == UInt8 {
        var buffer = empty
        withUnsafeMutableBytes(of: &buffer) { raw in
            var index = 0
            for byte in bytes {
                if index == maxLength || byte == 0 { break }
                raw[index] = byte
                index += 1
            }
        }
        return buffer
    }

    /// Builds a name from `string`'s UTF-8 bytes (truncated to 31 bytes, then NUL).
    public static func make(_ string: String) -> ZxNameBuffer {
        make(bytes: string.utf8)
    }

    /// The bytes of `buffer` up to (not including) the first NUL; all 32 if there is none.
    public static func bytes(of buffer: ZxNameBuffer) -> [UInt8] {
        withUnsafeBytes(of: buffer) { raw in
            Array(raw.prefix { $0 != 0 })
        }
    }

    /// Decodes `buffer` up to the first NUL as UTF-8 (invalid sequences become U+FFFD).
    public static func string(from buffer: ZxNameBuffer) -> String {
        String(decoding: bytes(of: buffer), as: UTF8.self)
    }
}
