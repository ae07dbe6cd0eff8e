// Typed registers in the spirit of hwreg: declare a register's offset and its bit fields once,
// then `read(from:)`, change fields, `write(to:)`. Undeclared bits survive a read-modify-write;
// bits declared reserved-zero are forced to 0 on write (hwreg's DEF_RSVDZ_FIELD).
//
// ```swift
// struct Control: Register {
//     static let offset = 0x10
//     static let enable = BitField(bit: 0)
//     static let mode = BitField(high: 5, low: 4)
//     static let reservedZeroMask: UInt32 = 0xFF00_0000
//     var value: UInt32
//     init(value: UInt32) { self.value = value }
// }
// var control = try Control.read(from: mmio)
// control[Control.mode] = 2
// control[Control.enable] = 1
// try control.write(to: mmio)
// ```
//
// Zircon counterpart: zircon/system/ulib/hwreg/include/hwreg/bitfields.h (RegisterBase,
// RegisterAddr, DEF_FIELD, DEF_BIT, DEF_RSVDZ_FIELD). Field bounds are checked when the field is
// declared (high >= low, high < 64); a value that does not fit its field is truncated to it.

/// Bits `[low, high]` of a register (inclusive, high first as in hardware manuals).
public struct BitField: Sendable, Equatable {
    public let high: Int
    public let low: Int

    /// Bits `low...high`; out-of-order or out-of-range bounds are clamped into 0...63.
    public init(high: Int, low: Int) {
        let lo = min(max(low, 0), 63)
        self.low = lo
        self.high = min(max(high, lo), 63)
    }

    /// A one-bit field.
    public init(bit: Int) { self.init(high: bit, low: bit) }

    public var width: Int { high - low + 1 }

    /// The in-place mask of `width` bits at `shift` in `T` (empty if they do not fit).
    public static func mask<T: MmioWord>(_ type: T.Type, shift: Int, width: Int) -> T {
        guard shift >= 0, width > 0, shift < T.bitWidth else { return 0 }
        let bits = min(width, T.bitWidth - shift)
        let ones: T = bits == T.bitWidth ? ~0 : (T(1) << T(bits)) - 1
        return ones << T(shift)
    }

    /// This field's in-place mask in `T`.
    public func mask<T: MmioWord>(in type: T.Type) -> T { BitField.mask(T.self, shift: low, width: width) }

    /// The field's value in `word`, shifted down.
    public func get<T: MmioWord>(_ word: T) -> T {
        guard low < T.bitWidth else { return 0 }
        return (word & mask(in: T.self)) >> T(low)
    }

    /// `word` with the field replaced by `value` (truncated to the field).
    public func set<T: MmioWord>(_ word: T, _ value: T) -> T {
        guard low < T.bitWidth else { return word }
        let mask = mask(in: T.self)
        return (word & ~mask) | ((value << T(low)) & mask)
    }
}

/// A register: its offset in the window, its value snapshot, and (optionally) reserved-zero bits.
public protocol Register: Sendable {
    associatedtype Word: MmioWord
    /// Byte offset of the register in its MMIO window.
    static var offset: Int { get }
    /// Bits always written as 0 (hwreg's rsvdz mask). Default: none.
    static var reservedZeroMask: Word { get }
    /// The register's value.
    var value: Word { get set }
    init(value: Word)
}

extension Register {
    public static var reservedZeroMask: Word { 0 }

    /// A snapshot holding `value`, without any I/O (hwreg's FromValue).
    public static func fromValue(_ value: Word) -> Self { Self(value: value) }

    /// Reads the register (hwreg's ReadFrom).
    public static func read(from io: borrowing some MmioAccess & ~Copyable) throws(MmioAccessError) -> Self {
        Self(value: try io.read(Word.self, at: offset))
    }

    /// Writes the value with the reserved-zero bits cleared (hwreg's WriteTo).
    public func write(to io: borrowing some MmioAccess & ~Copyable) throws(MmioAccessError) {
        try io.write(value & ~Self.reservedZeroMask, at: Self.offset)
    }

    /// Read-modify-write in one call: reads, applies `change`, writes; returns what was written.
    @discardableResult
    public static func modify(_ io: borrowing some MmioAccess & ~Copyable,
                              _ change: (inout Self) -> Void) throws(MmioAccessError) -> Self {
        var register = try read(from: io)
        change(&register)
        try register.write(to: io)
        return register
    }

    /// A field's value (shifted down); setting truncates to the field.
    public subscript(field: BitField) -> Word {
        get { field.get(value) }
        set { value = field.set(value, newValue) }
    }

    /// A one-bit field as a Bool.
    public subscript(flag field: BitField) -> Bool {
        get { field.get(value) != 0 }
        set { value = field.set(value, newValue ? 1 : 0) }
    }
}
