// DriverSupport: what every device driver here shares — the error type a misbehaving device or a
// bad request turns into, a register window that names each register it touches (so a failure
// says "e1000 CTRL.RST", not "offset 0x0"), and bounded polling.
//
// Polling is counted in register reads, never in time: the device models complete synchronously
// or within a few reads, so a bound of a few thousand reads means "the device is stuck", and a
// test never sleeps. Fuchsia's drivers poll with a deadline (zx::deadline_after) or a retry count
// with zx_nanosleep in between; the count is the part that survives without a clock.
//
// Fuchsia counterpart: the shared idioms of src/devices/lib/mmio users (fdf::MmioBuffer reads in
// a loop with a retry budget, e.g. e1000's `e1000_reset_hw` and ahci's `WaitForClear`).

import Mmio

/// Why a driver operation failed. Every case names what it was doing, so the message alone tells
/// which device and register misbehaved.
public enum DriverError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A bounded poll ran out of reads: the condition named never became true.
    case timeout(String)
    /// A register access faulted (the device refused it, or the window is gone).
    case mmio(String, MmioAccessError)
    /// The device is not the one this driver drives (wrong ID, magic, version).
    case unsupportedDevice(String)
    /// The device reported an error for a command (status bits, completion code).
    case deviceError(String)
    /// Nothing is attached where the operation needs a device.
    case noDevice(String)
    /// DMA memory could not be had (allocation, pinning, or access to it).
    case dma(String)
    /// The caller asked for something out of range.
    case invalidArgument(String)
    /// A USB transfer ended with a STALL handshake (request not supported by the device).
    case stall(String)

    public var description: String {
        switch self {
        case .timeout(let what): return "timeout: \(what)"
        case .mmio(let what, let error): return "\(what): \(error)"
        case .unsupportedDevice(let what): return "unsupported device: \(what)"
        case .deviceError(let what): return "device error: \(what)"
        case .noDevice(let what): return "no device: \(what)"
        case .dma(let what): return "dma: \(what)"
        case .invalidArgument(let what): return "invalid argument: \(what)"
        case .stall(let what): return "stall: \(what)"
        }
    }
}

/// A device's register window with names: every access takes the register's name and turns an
/// `MmioAccessError` into `DriverError.mmio("<device> <register>", …)`.
public struct RegisterWindow<Access: MmioAccess> {
    /// The window drivers read and write (a `MmioView`, or anything else conforming).
    public let io: Access
    /// Prefix of every register name in errors ("e1000", "ahci port 0").
    public let device: String

    public init(_ io: Access, device: String) {
        self.io = io
        self.device = device
    }

    @inline(__always)
    private func named(_ register: String) -> String { device + " " + register }

    public func read8(_ offset: Int, _ register: String) throws(DriverError) -> UInt8 {
        do { return try io.read(UInt8.self, at: offset) } catch { throw .mmio(named(register), error) }
    }
    public func read16(_ offset: Int, _ register: String) throws(DriverError) -> UInt16 {
        do { return try io.read(UInt16.self, at: offset) } catch { throw .mmio(named(register), error) }
    }
    public func read32(_ offset: Int, _ register: String) throws(DriverError) -> UInt32 {
        do { return try io.read(UInt32.self, at: offset) } catch { throw .mmio(named(register), error) }
    }
    public func read64(_ offset: Int, _ register: String) throws(DriverError) -> UInt64 {
        do { return try io.read(UInt64.self, at: offset) } catch { throw .mmio(named(register), error) }
    }
    public func write8(_ value: UInt8, _ offset: Int, _ register: String) throws(DriverError) {
        do { try io.write(value, at: offset) } catch { throw .mmio(named(register), error) }
    }
    public func write16(_ value: UInt16, _ offset: Int, _ register: String) throws(DriverError) {
        do { try io.write(value, at: offset) } catch { throw .mmio(named(register), error) }
    }
    public func write32(_ value: UInt32, _ offset: Int, _ register: String) throws(DriverError) {
        do { try io.write(value, at: offset) } catch { throw .mmio(named(register), error) }
    }
    public func write64(_ value: UInt64, _ offset: Int, _ register: String) throws(DriverError) {
        do { try io.write(value, at: offset) } catch { throw .mmio(named(register), error) }
    }

    /// `old | bits` on a 32-bit register.
    public func setBits32(_ bits: UInt32, _ offset: Int, _ register: String) throws(DriverError) {
        try write32(try read32(offset, register) | bits, offset, register)
    }

    /// `old & ~bits` on a 32-bit register.
    public func clearBits32(_ bits: UInt32, _ offset: Int, _ register: String) throws(DriverError) {
        try write32(try read32(offset, register) & ~bits, offset, register)
    }

    /// Reads the 32-bit register until `done(value)` holds, at most `maxReads` times; returns the
    /// value that satisfied it.
    /// - Throws: `.timeout("<device> <condition>")` when the budget runs out.
    @discardableResult
    public func poll32(_ offset: Int, _ register: String, _ condition: String, maxReads: Int = Poll.defaultReads,
                       until done: (UInt32) -> Bool) throws(DriverError) -> UInt32 {
        for _ in 0..<max(maxReads, 1) {
            let value = try read32(offset, register)
            if done(value) { return value }
        }
        throw .timeout(named(condition))
    }

    /// `poll32` for 8-bit registers.
    @discardableResult
    public func poll8(_ offset: Int, _ register: String, _ condition: String, maxReads: Int = Poll.defaultReads,
                      until done: (UInt8) -> Bool) throws(DriverError) -> UInt8 {
        for _ in 0..<max(maxReads, 1) {
            let value = try read8(offset, register)
            if done(value) { return value }
        }
        throw .timeout(named(condition))
    }
}

/// Polling budgets, in register reads.
public enum Poll {
    /// What a status bit that "clears within microseconds" gets: far more reads than any model
    /// needs, few enough that a stuck device fails a test at once.
    public static let defaultReads = 1000
}

/// Little-endian helpers over byte arrays (descriptors, IDENTIFY data, DMA contents). Reads past
/// the end give zero bytes: callers validate lengths first where it matters.
enum LittleEndian {
    static func u16(_ bytes: [UInt8], _ offset: Int) -> UInt16 {
        UInt16(byte(bytes, offset)) | UInt16(byte(bytes, offset + 1)) << 8
    }

    static func u32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        UInt32(u16(bytes, offset)) | UInt32(u16(bytes, offset + 2)) << 16
    }

    static func u64(_ bytes: [UInt8], _ offset: Int) -> UInt64 {
        UInt64(u32(bytes, offset)) | UInt64(u32(bytes, offset + 4)) << 32
    }

    static func byte(_ bytes: [UInt8], _ offset: Int) -> UInt8 {
        offset >= 0 && offset < bytes.count ? bytes[offset] : 0
    }

    static func bytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        (0..<(T.bitWidth / 8)).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
    }
}

extension String {
    /// "0x1f" style, for messages.
    static func hex<T: BinaryInteger>(_ value: T) -> String { "0x" + String(value, radix: 16) }
}
