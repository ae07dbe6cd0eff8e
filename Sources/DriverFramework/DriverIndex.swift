// The driver index: every registered driver in registration order with its compiled bind
// program, and the matching the coordinator asks of it (first match in index order).
//
// Fuchsia counterpart: the DFv1 coordinator's driver list and `Coordinator::MatchDriver` /
// `driver_is_bindable` (src/devices/bin/driver_manager/coordinator.cc), and DFv2's driver index
// (src/devices/bin/driver-index).

import BindRules
import KernelContainers

/// A registered driver: its registration and its compiled bind rules.
struct IndexedDriver: Sendable {
    let registration: DriverRegistration
    let program: BindProgram
}

/// Shared by the coordinator and every driver host (the hosts only read it: "loading a DSO from
/// /boot" is looking its factory up here). Lock domain: `lock` guards `drivers`.
final class DriverIndex: @unchecked Sendable {
    private let lock = KernelLock()
    private var drivers: [IndexedDriver] = []

    /// Compiles `registration`'s rules and appends it; returns its index.
    /// - Throws: the `BindError` (line, column, message) of malformed rules; a duplicate name is
    ///   reported as a `BindError` at 1:1.
    func add(_ registration: DriverRegistration) throws(BindError) -> Int {
        let program = try BindProgram.compile(registration.bindRules)
        return try lock.withLock { () throws(BindError) -> Int in
            guard !drivers.contains(where: { $0.registration.name == registration.name }) else {
                throw BindError(line: 1, column: 1,
                                message: "a driver named '\(registration.name)' is already registered")
            }
            drivers.append(IndexedDriver(registration: registration, program: program))
            return drivers.count - 1
        }
    }

    func registration(at index: Int) -> DriverRegistration? {
        lock.withLock { drivers.indices.contains(index) ? drivers[index].registration : nil }
    }

    var all: [IndexedDriver] { lock.withLock { drivers } }

    /// Indices of the drivers whose rules match `properties`, in index order, from `start`.
    func matches(_ properties: DeviceProperties, from start: Int = 0) -> [Int] {
        let list = all
        guard start < list.count else { return [] }
        return (max(start, 0)..<list.count).filter { list[$0].program.matches(properties) }
    }
}
