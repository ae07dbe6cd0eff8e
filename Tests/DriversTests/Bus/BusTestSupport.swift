// Test support for the root bus drivers: a booted machine with one bus-driver process holding
// the root resource, and the conversions a board driver makes from the machine's description
// into the bus drivers' own inputs (the drivers never see Machines types).

import Drivers
import Testing
import Zirconia

struct BusStatusError: Error, Equatable { var status: zx_status_t }

/// A machine booted with a small seeded kernel, a "bus driver" process with the root resource,
/// and the PMM free count and live resource count after that setup.
struct BusTestMachine {
    let machine: Machine
    let kernel: Kernel
    let process: Process
    let root: zx_handle_t
    let baselinePages: Int
    let baselineResources: Int

    init(_ machine: Machine) throws {
        self.machine = machine
        kernel = try machine.boot(seed: 7)
        process = try kernel.createProcess(name: "bus-driver")
        root = try kernel.rootResource(for: process)
        baselinePages = kernel.memoryStats.freePages
        baselineResources = kernel.liveResourceCount
    }

    static func x64() throws -> BusTestMachine {
        try BusTestMachine(Machine.qemuX64(MachineOptions(memorySize: 32 << 20)))
    }

    static func arm64() throws -> BusTestMachine {
        try BusTestMachine(Machine.qemuArm64(MachineOptions(memorySize: 32 << 20, rtcClock: { 1_700_000_000 })))
    }

    /// Everything the bus drivers minted or mapped is gone.
    func expectClean(sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(kernel.liveResourceCount == baselineResources, sourceLocation: sourceLocation)
        #expect(kernel.memoryStats.freePages == baselinePages, sourceLocation: sourceLocation)
    }

    var pciRoot: PciRootDescription? { machine.description.pciHosts.first.map(BusFixtures.pciRoot) }
}

enum BusFixtures {
    /// The board driver's pciroot: ECAM, buses and the apertures that decode (the arm64 virt
    /// 64-bit window is described but nothing decodes it, so BARs must not go there). I/O
    /// apertures are kept: I/O BARs are assigned ports even though nothing decodes them.
    static func pciRoot(_ host: PciHostDescription) -> PciRootDescription {
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

    /// The board driver's platform-bus nodes.
    static func platformBus(_ description: MachineDescription) -> PlatformBusDescription {
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

    /// Maps what a bus handed a child the way the child's driver does (lib/mmio), uncached.
    static func map(_ mmio: DeviceMmio) throws -> MmioBuffer {
        try MmioBuffer.create(vmo: mmio.vmo, offset: mmio.offset, size: Int(mmio.size),
                              cachePolicy: ZX_CACHE_POLICY_UNCACHED)
    }

    static func close(_ handle: zx_handle_t) throws {
        let status = zx_handle_close(handle)
        if status != ZX_OK { throw BusStatusError(status: status) }
    }
}

/// The status a bus operation failed with, nil if it succeeded.
func busFailure<T>(_ body: () throws(BusDriverError) -> T) -> ZxStatus? {
    do throws(BusDriverError) {
        _ = try body()
        return nil
    } catch {
        return error.status
    }
}
