// `Signals`: the Swift-native option set over `zx_signals_t`.
//
// Zircon counterpart: zircon/system/public/zircon/types.h (C constants in
// Constants+Signals.swift). Bits 0–23 are object-specific, bits 24–31 are user signals.

/// A set of signals asserted on, or waited for on, a kernel object.
public struct Signals: OptionSet, Hashable, Sendable {
    public var rawValue: zx_signals_t
    @inlinable public init(rawValue: zx_signals_t) { self.rawValue = rawValue }
    @inlinable public init(_ rawValue: zx_signals_t) { self.rawValue = rawValue }

    /// Corresponding Zircon constant: `__ZX_OBJECT_READABLE`.
    public static let readable = Signals(1 << 0)
    /// Corresponding Zircon constant: `__ZX_OBJECT_WRITABLE`.
    public static let writable = Signals(1 << 1)
    /// Corresponding Zircon constant: `__ZX_OBJECT_PEER_CLOSED`.
    public static let peerClosed = Signals(1 << 2)
    /// Corresponding Zircon constant: `__ZX_OBJECT_SIGNALED`.
    public static let signaled = Signals(1 << 3)
    /// Corresponding Zircon constant: `__ZX_OBJECT_SIGNAL_4`.
    public static let signal4 = Signals(1 << 4)
    /// Corresponding Zircon constant: `__ZX_OBJECT_SIGNAL_5`.
    public static let signal5 = Signals(1 << 5)
    /// A wait was canceled because the handle was closed.
    ///
    /// Corresponding Zircon constant: `ZX_SIGNAL_HANDLE_CLOSED`.
    public static let handleClosed = Signals(1 << 23)

    /// Asserted while a VMO has no children.
    ///
    /// Corresponding Zircon constant: `ZX_VMO_ZERO_CHILDREN`.
    public static let vmoZeroChildren = Signals(1 << 3)
    /// Corresponding Zircon constant: `ZX_TASK_TERMINATED` (also PROCESS/THREAD/JOB_TERMINATED).
    public static let taskTerminated = Signals(1 << 3)
    /// Corresponding Zircon constant: `ZX_THREAD_RUNNING`.
    public static let threadRunning = Signals(1 << 4)
    /// Corresponding Zircon constant: `ZX_THREAD_SUSPENDED`.
    public static let threadSuspended = Signals(1 << 5)
    /// Corresponding Zircon constant: `ZX_EVENT_SIGNALED`.
    public static let eventSignaled = Signals(1 << 3)
    /// Corresponding Zircon constant: `ZX_CHANNEL_READABLE`.
    public static let channelReadable = Signals(1 << 0)
    /// Corresponding Zircon constant: `ZX_CHANNEL_WRITABLE`.
    public static let channelWritable = Signals(1 << 1)
    /// Corresponding Zircon constant: `ZX_CHANNEL_PEER_CLOSED`.
    public static let channelPeerClosed = Signals(1 << 2)

    /// Corresponding Zircon constant: `ZX_USER_SIGNAL_0`.
    public static let user0 = Signals(1 << 24)
    /// Corresponding Zircon constant: `ZX_USER_SIGNAL_1`.
    public static let user1 = Signals(1 << 25)
    /// Corresponding Zircon constant: `ZX_USER_SIGNAL_2`.
    public static let user2 = Signals(1 << 26)
    /// Corresponding Zircon constant: `ZX_USER_SIGNAL_3`.
    public static let user3 = Signals(1 << 27)
    /// Corresponding Zircon constant: `ZX_USER_SIGNAL_4`.
    public static let user4 = Signals(1 << 28)
    /// Corresponding Zircon constant: `ZX_USER_SIGNAL_5`.
    public static let user5 = Signals(1 << 29)
    /// Corresponding Zircon constant: `ZX_USER_SIGNAL_6`.
    public static let user6 = Signals(1 << 30)
    /// Corresponding Zircon constant: `ZX_USER_SIGNAL_7`.
    public static let user7 = Signals(1 << 31)
    /// Corresponding Zircon constant: `ZX_USER_SIGNAL_ALL`.
    public static let userAll = Signals(0xFF00_0000)
    /// All object-specific bits (0–23). Corresponding Zircon constant: `__ZX_OBJECT_SIGNAL_ALL`.
    public static let objectAll = Signals(0x00FF_FFFF)

    /// User signal `n` (0…7). Corresponding Zircon constant: `ZX_USER_SIGNAL_<n>`.
    @inlinable public static func user(_ n: Int) -> Signals {
        precondition((0..<8).contains(n), "user signal index out of range")
        return Signals(1 << UInt32(24 + n))
    }
}
