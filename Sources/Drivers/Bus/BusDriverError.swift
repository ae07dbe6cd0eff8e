// BusDriverError: why a root bus driver operation failed, and the Zircon status a protocol
// server (fuchsia.hardware.pci / platform.device / acpi) answers with.
//
// Counterpart: the zx_status_t returns of src/devices/bus/drivers/pci (device.cc, bus.cc),
// src/devices/bus/drivers/platform (platform-device.cc) and the x86 board's ACPI device
// (src/devices/board/drivers/x86/acpi): OUT_OF_RANGE for an index past the list, INVALID_ARGS for
// a bad BAR id or misaligned config access, NOT_FOUND for an absent BAR, ACCESS_DENIED for a
// protected config write, BAD_STATE once the bus is shut down.
import Mmio
import ZX
import ZirconKernel

public enum BusDriverError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A kernel call failed: which call (and on what), and its status.
    case kernel(ZxStatus, String)
    /// A register access failed (ECAM, the firmware table window).
    case mmio(MmioAccessError, String)
    /// No device / function with that name or address.
    case noSuchDevice(String)
    /// An index past the device's list of MMIO regions / BARs.
    case indexOutOfRange(Int, count: Int)
    /// A BAR id 0–5 the function does not implement (or the upper half of a 64-bit BAR).
    case noSuchBar(Int)
    /// The BAR exists but has no address (its window could not hold it).
    case barNotAssigned(Int)
    /// A caller-supplied argument is malformed (offset, width, alignment).
    case invalidArgs(String)
    /// The operation is refused by policy (a config write into the protected header).
    case accessDenied(String)
    /// The description handed to the bus is inconsistent (names what).
    case badDescription(String)
    /// An address pool could not satisfy a request.
    case allocation(AddressAllocatorError)
    /// No bus number is left for a bridge's secondary bus.
    case busNumbersExhausted(bridge: String)
    /// The firmware table does not decode (names the byte offset).
    case table(AcpiTableParseError)
    /// `shutdown()` has run.
    case shutDown

    /// The status a protocol server replies with.
    public var status: ZxStatus {
        switch self {
        case let .kernel(status, _): return status
        case let .mmio(error, _): return error.status
        case .noSuchDevice: return .notFound
        case .indexOutOfRange: return .outOfRange
        case .noSuchBar: return .notFound
        case .barNotAssigned: return .badState
        case .invalidArgs: return .invalidArgs
        case .accessDenied: return .accessDenied
        case .badDescription: return .invalidArgs
        case .allocation: return .noResources
        case .busNumbersExhausted: return .noResources
        case .table: return .ioDataIntegrity
        case .shutDown: return .badState
        }
    }

    public var description: String {
        switch self {
        case let .kernel(status, what): return "\(what): \(status)"
        case let .mmio(error, what): return "\(what): \(error)"
        case let .noSuchDevice(name): return "no device \(name)"
        case let .indexOutOfRange(index, count): return "index \(index) out of range (the device has \(count))"
        case let .noSuchBar(index): return "BAR \(index) is not implemented"
        case let .barNotAssigned(index): return "BAR \(index) has no address assigned"
        case let .invalidArgs(reason): return "invalid arguments: \(reason)"
        case let .accessDenied(reason): return "access denied: \(reason)"
        case let .badDescription(reason): return "bad bus description: \(reason)"
        case let .allocation(error): return error.description
        case let .busNumbersExhausted(bridge): return "no bus number left for the secondary bus of \(bridge)"
        case let .table(error): return error.description
        case .shutDown: return "the bus driver has shut down"
        }
    }
}
