// The generated PCI machine (boot benchmark): it carries exactly the endpoint functions asked for,
// eight per card behind one root port each, every BAR inside its port's window, and it refuses
// counts it cannot build.

import Testing
import Zirconia

@Suite struct GeneratedPciMachineTests {
    @Test(arguments: [1, 20, 1000])
    func carriesTheRequestedFunctions(count: Int) throws {
        let machine = try Machine.generatedPci(functions: count, options: MachineOptions(memorySize: 16 << 20))
        let host = try #require(machine.description.pciHosts.first)
        let endpoints = host.functions.filter { $0.vendorID == 0x1B36 && $0.deviceID == 0x0005 }
        let ports = (count + 7) / 8
        #expect(endpoints.count == count)
        #expect(host.functions.count == 1 + ports + count)  // MCH, root ports, endpoints
        #expect(host.busRange == 0...UInt8(ports))
        #expect(host.hotPlugWindows.count == ports)
        for window in host.hotPlugWindows {
            let range = try #require(window.memory)
            let behind = endpoints.filter { $0.address.bus == window.secondaryBus }
            #expect(!behind.isEmpty)
            for bar in behind.flatMap(\.memoryBars) {
                #expect(range.contains(bar.base) && range.contains(bar.base + bar.size - 1))
            }
        }
    }

    @Test func refusesCountsItCannotBuild() {
        #expect(throws: MachineError.self) { try Machine.generatedPci(functions: 0) }
        #expect(throws: MachineError.self) {
            try Machine.generatedPci(functions: GeneratedPciLayout.maximumFunctions + 1)
        }
    }
}
