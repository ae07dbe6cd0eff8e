// Test support for the root bus drivers: a booted machine with one bus-driver process holding
// the root resource, and the conversions a board driver makes from the machine's description
// into the bus drivers' own inputs (the drivers never see Machines types).

import Drivers
import SystemBoot
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
    /// The board driver's conversions (SystemBoot's, so tests and boot agree).
    static func pciRoot(_ host: PciHostDescription) -> PciRootDescription { BoardConversions.pciRoot(host) }
    static func platformBus(_ description: MachineDescription) -> PlatformBusDescription {
        BoardConversions.platformBus(description)
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
