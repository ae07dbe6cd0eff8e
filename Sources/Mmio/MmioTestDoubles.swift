// Test doubles for drivers: FakeMmioRegion (per-register read/write callbacks) and
// MockMmioRegion (an expected sequence of accesses, checked in order, width and value). Both are
// `MmioDevice`s, so the same object works two ways:
// - without a kernel: `MmioBuffer(device: fake)` calls it directly;
// - with a kernel: place it in the machine's physical map
//   (`MachineConfiguration.addDevice(fake, at:)`) and reach it through a physical VMO mapped in a
//   process — every access then goes through the software MMU as a driver's would.
//
// Zircon counterpart: src/devices/testing/fake-mmio-reg (ddk_fake::FakeMmioReg,
// FakeMmioRegRegion) and src/devices/testing/mock-mmio-reg (ddk_mock::MockMmioReg,
// MockMmioRegRegion: ExpectRead/ExpectWrite, VerifyAll). Fuchsia's mock keeps one queue per
// register; ours keeps one queue for the whole region, so it also checks the order across
// registers (what a driver's bring-up sequence must respect).

import Hardware
import Synchronization

/// Registers of `registerSize` bytes each; reads call the register's read callback (default 0),
/// writes its write callback (default: ignored). Accesses of other widths are still passed on.
public final class FakeMmioRegion: MmioDevice, @unchecked Sendable {
    public let name: String
    public let regionSize: UInt64
    public let registerSize: Int
    private let callbacks = Mutex<[Int: Callbacks]>([:])

    private struct Callbacks {
        var read: (@Sendable () -> UInt64)?
        var write: (@Sendable (UInt64) -> Void)?
    }

    public init(name: String = "fake-mmio", registerSize: Int = 4, registerCount: Int) {
        self.name = name
        self.registerSize = max(registerSize, 1)
        self.regionSize = UInt64(max(registerSize, 1) * max(registerCount, 1))
    }

    /// What a read of the register at byte `offset` returns.
    public func setReadCallback(at offset: Int, _ callback: @escaping @Sendable () -> UInt64) {
        callbacks.withLock { $0[offset / registerSize, default: Callbacks()].read = callback }
    }

    /// What a write of the register at byte `offset` does.
    public func setWriteCallback(at offset: Int, _ callback: @escaping @Sendable (UInt64) -> Void) {
        callbacks.withLock { $0[offset / registerSize, default: Callbacks()].write = callback }
    }

    public func read(offset: UInt64, width: MmioAccessWidth) throws(MmioFault) -> UInt64 {
        guard offset < regionSize else { throw MmioFault(.unmappedRegister, device: name, offset: offset, width: width) }
        let callback = callbacks.withLock { $0[Int(offset) / registerSize]?.read }
        return callback?() ?? 0
    }

    public func write(offset: UInt64, width: MmioAccessWidth, value: UInt64) throws(MmioFault) {
        guard offset < regionSize else { throw MmioFault(.unmappedRegister, device: name, offset: offset, width: width) }
        let callback = callbacks.withLock { $0[Int(offset) / registerSize]?.write }
        callback?(value)
    }
}

/// A region that expects an exact sequence of accesses. Each access is matched against the next
/// expectation (kind, offset, width, and for writes the value); a read returns the expected
/// value. A mismatch is recorded (and the access refused with `MmioFault`, so the driver under
/// test sees a fault instead of silently continuing); `verify()` reports mismatches and
/// expectations never consumed.
public final class MockMmioRegion: MmioDevice, @unchecked Sendable {
    public enum Access: Sendable, Equatable, CustomStringConvertible {
        case read(offset: UInt64, width: MmioAccessWidth, returns: UInt64)
        /// `value` nil: any value is accepted.
        case write(offset: UInt64, width: MmioAccessWidth, value: UInt64?)

        public var description: String {
            switch self {
            case .read(let offset, let width, let value):
                return "read\(width.rawValue * 8) @0x\(String(offset, radix: 16)) -> 0x\(String(value, radix: 16))"
            case .write(let offset, let width, let value):
                return "write\(width.rawValue * 8) @0x\(String(offset, radix: 16)) = "
                    + (value.map { "0x" + String($0, radix: 16) } ?? "any")
            }
        }
    }

    public let name: String
    public let regionSize: UInt64
    private let state = Mutex<State>(State())

    private struct State {
        var expected: [Access] = []
        var next = 0
        var mismatches: [String] = []
    }

    public init(name: String = "mock-mmio", size: UInt64) {
        self.name = name
        self.regionSize = max(size, 1)
    }

    /// Appends an expected read of `width` at `offset` that returns `value`.
    public func expectRead(_ value: UInt64, at offset: UInt64, width: MmioAccessWidth = .word) {
        state.withLock { $0.expected.append(.read(offset: offset, width: width, returns: value)) }
    }

    /// Appends an expected write of `width` at `offset` (of `value`, or of anything when nil).
    public func expectWrite(_ value: UInt64?, at offset: UInt64, width: MmioAccessWidth = .word) {
        state.withLock { $0.expected.append(.write(offset: offset, width: width, value: value)) }
    }

    /// Mismatches so far plus every expectation not yet consumed; empty means all was as expected.
    public func verify() -> [String] {
        state.withLock { s in
            s.mismatches + s.expected[s.next...].map { "expected \($0), never happened" }
        }
    }

    /// Forgets expectations and mismatches.
    public func clear() {
        state.withLock { $0 = State() }
    }

    private func refuse(_ message: String, _ offset: UInt64, _ width: MmioAccessWidth, _ state: inout State) -> MmioFault {
        state.mismatches.append(message)
        return MmioFault(.unmappedRegister, device: name, offset: offset, width: width)
    }

    public func read(offset: UInt64, width: MmioAccessWidth) throws(MmioFault) -> UInt64 {
        let result: Result<UInt64, MmioFault> = state.withLock { s in
            let actual = "read\(width.rawValue * 8) @0x\(String(offset, radix: 16))"
            guard s.next < s.expected.count else { return .failure(refuse("unexpected \(actual)", offset, width, &s)) }
            let expected = s.expected[s.next]
            guard case .read(let o, let w, let value) = expected, o == offset, w == width else {
                return .failure(refuse("expected \(expected), got \(actual)", offset, width, &s))
            }
            s.next += 1
            return .success(value)
        }
        return try result.get()
    }

    public func write(offset: UInt64, width: MmioAccessWidth, value: UInt64) throws(MmioFault) {
        let result: Result<Void, MmioFault> = state.withLock { s in
            let actual = "write\(width.rawValue * 8) @0x\(String(offset, radix: 16)) = 0x\(String(value, radix: 16))"
            guard s.next < s.expected.count else { return .failure(refuse("unexpected \(actual)", offset, width, &s)) }
            let expected = s.expected[s.next]
            guard case .write(let o, let w, let v) = expected, o == offset, w == width, v == nil || v == value else {
                return .failure(refuse("expected \(expected), got \(actual)", offset, width, &s))
            }
            s.next += 1
            return .success(())
        }
        try result.get()
    }
}
