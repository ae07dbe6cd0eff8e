// Bus-master DMA of a machine's devices (AHCI) reaches RAM only once a kernel has booted on it.

import Testing
@testable import Machines
import Zirconia

@Suite struct DmaBindingTests {
    @Test func dmaReachesTheBootedKernelsRam() throws {
        let machine = try Machine.qemuX64(MachineOptions(memorySize: 16 << 20))
        let bus = machine.dma.busMaster
        #expect(bus.read(0x20_0000, count: 4) == nil)   // nothing behind the bus before boot
        let kernel = try machine.boot(seed: 5)
        // The last page of RAM: never handed out this early by the PMM's allocator in this test.
        let address = machine.configuration.ramBase + UInt64(machine.configuration.memorySize) - 4096
        #expect(bus.write([1, 2, 3, 4], to: address))
        #expect(bus.read(address, count: 4) == [1, 2, 3, 4])
        #expect(bus.read(0xB000_0000, count: 4) == nil)   // not RAM: a master abort
        #expect(kernel.physicalMemory.contains(PhysicalAddress(address), length: 4))
    }
}
