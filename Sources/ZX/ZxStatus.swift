// ZxStatus: a Zircon status code as a Swift error.
//
// Zircon counterpart: zircon/system/public/zircon/errors.h. The C-style constants (`ZX_OK`,
// `ZX_ERR_*`) live in Constants+Status.swift; this type is what the Swift-native API and the
// kernel's internals throw (`throws(ZxStatus)`), in the style of swift-system's `Errno`.

/// Zircon's `zx_status_t`: a signed 32-bit status, 0 for success, negative for errors.
public typealias zx_status_t = Int32

/// A Zircon error status. `ZX_OK` is never thrown: success is the absence of an error.
public struct ZxStatus: Error, RawRepresentable, Hashable, Sendable {
    public var rawValue: zx_status_t
    @inlinable public init(rawValue: zx_status_t) { self.rawValue = rawValue }
    @inlinable public init(_ rawValue: zx_status_t) { self.rawValue = rawValue }

    /// Corresponding Zircon status: `ZX_ERR_INTERNAL`.
    public static let `internal` = ZxStatus(-1)
    /// Corresponding Zircon status: `ZX_ERR_NOT_SUPPORTED`.
    public static let notSupported = ZxStatus(-2)
    /// Corresponding Zircon status: `ZX_ERR_NO_RESOURCES`.
    public static let noResources = ZxStatus(-3)
    /// Corresponding Zircon status: `ZX_ERR_NO_MEMORY`.
    public static let noMemory = ZxStatus(-4)
    /// Corresponding Zircon status: `ZX_ERR_INTERNAL_INTR_RETRY`.
    public static let internalIntrRetry = ZxStatus(-6)
    /// Corresponding Zircon status: `ZX_ERR_INVALID_ARGS`.
    public static let invalidArgs = ZxStatus(-10)
    /// Corresponding Zircon status: `ZX_ERR_BAD_HANDLE`.
    public static let badHandle = ZxStatus(-11)
    /// Corresponding Zircon status: `ZX_ERR_WRONG_TYPE`.
    public static let wrongType = ZxStatus(-12)
    /// Corresponding Zircon status: `ZX_ERR_BAD_SYSCALL`.
    public static let badSyscall = ZxStatus(-13)
    /// Corresponding Zircon status: `ZX_ERR_OUT_OF_RANGE`.
    public static let outOfRange = ZxStatus(-14)
    /// Corresponding Zircon status: `ZX_ERR_BUFFER_TOO_SMALL`.
    public static let bufferTooSmall = ZxStatus(-15)
    /// Corresponding Zircon status: `ZX_ERR_BAD_STATE`.
    public static let badState = ZxStatus(-20)
    /// Corresponding Zircon status: `ZX_ERR_TIMED_OUT`.
    public static let timedOut = ZxStatus(-21)
    /// Corresponding Zircon status: `ZX_ERR_SHOULD_WAIT`.
    public static let shouldWait = ZxStatus(-22)
    /// Corresponding Zircon status: `ZX_ERR_CANCELED`.
    public static let canceled = ZxStatus(-23)
    /// Corresponding Zircon status: `ZX_ERR_PEER_CLOSED`.
    public static let peerClosed = ZxStatus(-24)
    /// Corresponding Zircon status: `ZX_ERR_NOT_FOUND`.
    public static let notFound = ZxStatus(-25)
    /// Corresponding Zircon status: `ZX_ERR_ALREADY_EXISTS`.
    public static let alreadyExists = ZxStatus(-26)
    /// Corresponding Zircon status: `ZX_ERR_ALREADY_BOUND`.
    public static let alreadyBound = ZxStatus(-27)
    /// Corresponding Zircon status: `ZX_ERR_UNAVAILABLE`.
    public static let unavailable = ZxStatus(-28)
    /// Corresponding Zircon status: `ZX_ERR_ACCESS_DENIED`.
    public static let accessDenied = ZxStatus(-30)
    /// Corresponding Zircon status: `ZX_ERR_IO`.
    public static let io = ZxStatus(-40)
    /// Corresponding Zircon status: `ZX_ERR_IO_REFUSED`.
    public static let ioRefused = ZxStatus(-41)
    /// Corresponding Zircon status: `ZX_ERR_IO_DATA_INTEGRITY`.
    public static let ioDataIntegrity = ZxStatus(-42)
    /// Corresponding Zircon status: `ZX_ERR_IO_DATA_LOSS`.
    public static let ioDataLoss = ZxStatus(-43)
    /// Corresponding Zircon status: `ZX_ERR_IO_NOT_PRESENT`.
    public static let ioNotPresent = ZxStatus(-44)
    /// Corresponding Zircon status: `ZX_ERR_IO_OVERRUN`.
    public static let ioOverrun = ZxStatus(-45)
    /// Corresponding Zircon status: `ZX_ERR_IO_MISSED_DEADLINE`.
    public static let ioMissedDeadline = ZxStatus(-46)
    /// Corresponding Zircon status: `ZX_ERR_IO_INVALID`.
    public static let ioInvalid = ZxStatus(-47)
    /// Corresponding Zircon status: `ZX_ERR_BAD_PATH`.
    public static let badPath = ZxStatus(-50)
    /// Corresponding Zircon status: `ZX_ERR_NOT_DIR`.
    public static let notDir = ZxStatus(-51)
    /// Corresponding Zircon status: `ZX_ERR_NOT_FILE`.
    public static let notFile = ZxStatus(-52)
    /// Corresponding Zircon status: `ZX_ERR_FILE_BIG`.
    public static let fileBig = ZxStatus(-53)
    /// Corresponding Zircon status: `ZX_ERR_NO_SPACE`.
    public static let noSpace = ZxStatus(-54)
    /// Corresponding Zircon status: `ZX_ERR_NOT_EMPTY`.
    public static let notEmpty = ZxStatus(-55)
    /// Corresponding Zircon status: `ZX_ERR_STOP` (flow control; never returned by a syscall).
    public static let stop = ZxStatus(-60)
    /// Corresponding Zircon status: `ZX_ERR_NEXT` (flow control; never returned by a syscall).
    public static let next = ZxStatus(-61)
    /// Corresponding Zircon status: `ZX_ERR_ASYNC` (flow control; never returned by a syscall).
    public static let async = ZxStatus(-62)
    /// Corresponding Zircon status: `ZX_ERR_PROTOCOL_NOT_SUPPORTED`.
    public static let protocolNotSupported = ZxStatus(-70)
    /// Corresponding Zircon status: `ZX_ERR_ADDRESS_UNREACHABLE`.
    public static let addressUnreachable = ZxStatus(-71)
    /// Corresponding Zircon status: `ZX_ERR_ADDRESS_IN_USE`.
    public static let addressInUse = ZxStatus(-72)
    /// Corresponding Zircon status: `ZX_ERR_NOT_CONNECTED`.
    public static let notConnected = ZxStatus(-73)
    /// Corresponding Zircon status: `ZX_ERR_CONNECTION_REFUSED`.
    public static let connectionRefused = ZxStatus(-74)
    /// Corresponding Zircon status: `ZX_ERR_CONNECTION_RESET`.
    public static let connectionReset = ZxStatus(-75)
    /// Corresponding Zircon status: `ZX_ERR_CONNECTION_ABORTED`.
    public static let connectionAborted = ZxStatus(-76)
    /// Corresponding Zircon status: `ZX_ERR_INTERNAL_INTR_KILLED` (vDSO-private).
    public static let internalIntrKilled = ZxStatus(-502)
}

extension ZxStatus: CustomStringConvertible, CustomDebugStringConvertible {
    /// The Zircon name, e.g. "ZX_ERR_NO_MEMORY"; an undefined value prints as "ZX_ERR(<n>)".
    public var description: String { zxStatusName(rawValue) ?? "ZX_ERR(\(rawValue))" }
    public var debugDescription: String { "ZxStatus(\(description))" }

    /// Converts a C-style status into a Swift error: returns normally for `ZX_OK`, throws otherwise.
    /// The inverse of `capture(_:)`.
    @inlinable
    public static func check(_ status: zx_status_t) throws(ZxStatus) {
        if status != 0 { throw ZxStatus(status) }
    }
}

extension ZxStatus {
    /// Runs `body` and converts its outcome to a C-style status: `ZX_OK` (0) or the thrown code.
    /// This is how every `zx_*` free function wraps the typed-throws kernel entry point.
    @inlinable
    public static func capture(_ body: () throws(ZxStatus) -> Void) -> zx_status_t {
        do {
            try body()
            return 0
        } catch {
            return error.rawValue
        }
    }
}
