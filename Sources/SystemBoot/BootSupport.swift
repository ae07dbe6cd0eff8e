// Boot support: the state every boot-time driver shares (`BootContext`: the machine's description
// as the boot items the board driver reads, the architecture's MMIO cache policy, the boot log,
// what each driver published), a driver's mapping of the VMO its bus handed it (`MappedMmio`,
// lib/mmio's MmioBuffer kept alive with the device), and the conversions from bus-driver types
// to bind properties.
//
// Fuchsia counterpart: the ZBI boot items a board driver reads (src/devices/board/drivers/x86
// reads ACPI, a device-tree board reads the DTB), lib/mmio (MmioBuffer::Create), and the driver
// manager's log (`driver_manager: ...` lines) for the boot log.

import BindRules
import DriverFramework
import Drivers
import Machines
import Mmio
import Synchronization
import ZX
import ZirconKernel

/// A thread-safe boot log plus what each driver reports about the devices it published.
final class BootRecorder: Sendable {
    private let lines = Mutex<[String]>([])
    private let reports = Mutex<[String: [String]]>([:])

    func log(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }

    /// Reports are keyed by the device's host koid and name (what a devfs lookup gives back).
    func report(host: zx_koid_t, device: String, _ facts: [String]) {
        reports.withLock { $0["\(host)/\(device)", default: []].append(contentsOf: facts) }
    }

    func facts(host: zx_koid_t, device: String) -> [String] {
        reports.withLock { $0["\(host)/\(device)"] ?? [] }
    }
}

/// Shared by the boot drivers of one `BootedSystem`.
final class BootContext: Sendable {
    /// What the board driver starts from (the boot items: ACPI table address, device tree nodes).
    let description: MachineDescription
    let isArm: Bool
    /// Device MMIO cache policy: x64 peripheral memory is cache coherent and mapped cached; on
    /// arm64 it is not, and is mapped uncached-device (device-memory-access.md).
    let cachePolicy: UInt32
    let recorder = BootRecorder()
    private struct State: Sendable {
        var manager: DriverManager?
        var pciRoot: PciRootDescription?
        var hidDevices = 0
        var consoleText: [String] = []
    }
    private let state = Mutex(State())

    init(description: MachineDescription, isArm: Bool) {
        self.description = description
        self.isArm = isArm
        cachePolicy = isArm ? ZX_CACHE_POLICY_UNCACHED_DEVICE : ZX_CACHE_POLICY_CACHED
    }

    var manager: DriverManager? {
        get { state.withLock { $0.manager } }
        set { state.withLock { $0.manager = newValue } }
    }

    /// The PCI root the board found (ACPI on x64, the ECAM node on arm64) for bus-pci.
    var pciRoot: PciRootDescription? {
        get { state.withLock { $0.pciRoot } }
        set { state.withLock { $0.pciRoot = newValue } }
    }

    /// The next `hid-device-NNN` number (001 first).
    func nextHidDevice() -> Int { state.withLock { $0.hidDevices += 1; return $0.hidDevices } }

    var cachePolicyName: String { Self.policyName(cachePolicy) }

    static func policyName(_ policy: UInt32) -> String {
        switch policy {
        case ZX_CACHE_POLICY_CACHED: "cached"
        case ZX_CACHE_POLICY_UNCACHED: "uncached"
        case ZX_CACHE_POLICY_UNCACHED_DEVICE: "uncached-device"
        case ZX_CACHE_POLICY_WRITE_COMBINING: "write-combining"
        default: "policy \(policy)"
        }
    }

    func log(_ line: String) { recorder.log(line) }

    /// Maps `vmo` (consumed) as lib/mmio does, with this architecture's cache policy, in the
    /// calling driver host, and logs it.
    func map(vmo: zx_handle_t, offset: UInt64, size: Int, label: String, in parent: DeviceContext) throws -> MappedMmio {
        let policy = cachePolicy
        let buffer = try MmioBuffer.create(vmo: vmo, offset: offset, size: size, cachePolicy: policy)
        let mapped = MappedMmio(buffer)
        log("\(label): mapped \(size) bytes at \(hexString(UInt64(mapped.address))) in driver_host pid=\(parent.hostKoid) "
            + "(\(Self.policyName(policy)))")
        return mapped
    }
}

/// A device's registers mapped in its driver's host (unmapped when the last reference goes).
final class MappedMmio: @unchecked Sendable {
    private let buffer: MmioBuffer
    init(_ buffer: consuming MmioBuffer) { self.buffer = buffer }
    var window: MmioView { buffer.window }
    var address: UInt { buffer.address ?? 0 }
}

/// A value set and read under a lock, for driver state shared between hooks.
final class Locked<Value>: @unchecked Sendable {
    private let lock = Mutex(())
    private var value: Value
    init(_ value: Value) { self.value = value }
    func with<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        try lock.withLock { _ in try body(&value) }
    }
}

func hexString(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }

/// Runs a device driver's hardware step; a `DriverError` fails the bind with ZX_ERR_IO (logged).
func driverStep<T>(_ context: BootContext, _ what: String, _ body: () throws(DriverError) -> T) throws(ZxStatus) -> T {
    do {
        return try body()
    } catch {
        context.log("\(what) failed: \(error)")
        throw .io
    }
}

/// Runs a bus step; a `BusDriverError` becomes its status.
func busStep<T>(_ body: () throws(BusDriverError) -> T) throws(ZxStatus) -> T {
    do {
        return try body()
    } catch {
        throw error.status
    }
}

extension BusBindProperties {
    /// As the framework's `DeviceProperties`.
    var deviceProperties: DeviceProperties {
        var values: [BindKey: BindValue] = [:]
        for (key, value) in integers { values[BindKey(key)] = .int(value) }
        for (key, value) in strings { values[BindKey(key)] = .string(value) }
        return DeviceProperties(values)
    }
}

func deviceProperties(_ integers: [String: UInt32]) -> DeviceProperties {
    BusBindProperties(integers: integers).deviceProperties
}

public enum BoardConversions {
    /// The board driver's pciroot: ECAM, buses and the apertures that decode (I/O kept).
    public static func pciRoot(_ host: PciHostDescription) -> PciRootDescription {
        let apertures = host.apertures.compactMap { aperture -> PciAperture? in
            switch aperture.kind {
            case .io:
                return PciAperture(kind: .io, base: aperture.busAddress, size: aperture.size)
            case .memory32, .memory64:
                guard aperture.decoded, aperture.busAddress == aperture.cpuAddress else { return nil }
                return PciAperture(kind: aperture.kind == .memory32 ? .memory32 : .memory64,
                                   prefetchable: aperture.prefetchable, base: aperture.cpuAddress, size: aperture.size)
            }
        }
        return PciRootDescription(name: host.name, ecamBase: host.ecam.base, busRange: host.busRange, apertures: apertures)
    }

    /// The board driver's platform-bus nodes from a device-tree machine's description.
    public static func platformBus(_ description: MachineDescription) -> PlatformBusDescription {
        PlatformBusDescription(devices: description.platformDevices.map { device in
            PlatformBusDevice(
                name: device.name, compatible: device.compatible, vid: device.platformIDs?.vid,
                pid: device.platformIDs?.pid, did: device.platformIDs?.did,
                mmio: device.mmio.map { PhysicalRegion(base: $0.base, size: $0.size) },
                interrupts: device.interrupts.map {
                    BusInterrupt(number: $0.number, edgeTriggered: $0.edgeTriggered, activeLow: $0.activeLow)
                })
        })
    }
}
