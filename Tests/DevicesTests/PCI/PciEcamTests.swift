// The ECAM window and the memory aperture: offsets decode to bus/device/function/register,
// absent functions read all ones, bad widths and misaligned accesses fault, memory BARs decode
// only with Memory Space Enable, follow relocation, and unclaimed accesses master-abort.
//
// Counterpart: PCI Express Base 4.0 section 7.2.2 (ECAM); PCI Local Bus 3.0 section 6.2.2
// (Memory Space Enable).

import Hardware
import Testing
@testable import Devices

@Suite struct PciEcamTests {
    /// 00:00.0 = MCH, 00:03.0 = test endpoint, BARs unassigned (no firmware pass).
    private func makeBus() throws -> (PciEcamHostBridge, PciFunction) {
        var builder = PciBusBuilder(configuration: PciTestDevices.smallHost)
        let endpoint = try PciTestDevices.endpoint()
        try builder.attach(try Q35Functions.hostBridge(), at: PciAddress(device: 0))
        try builder.attach(endpoint, at: PciAddress(device: 3))
        return (try builder.build(assignResources: false), endpoint)
    }

    @Test func ecamRoutesByBusDeviceFunctionRegister() throws {
        let (ecam, _) = try makeBus()
        #expect(ecam.regionSize == 4 << 20)
        #expect(try ecam.read(offset: 0, width: .word) == 0x29C0_8086)
        #expect(try ecam.read(offset: 2, width: .halfWord) == 0x29C0)
        #expect(try ecam.read(offset: 0x0B, width: .byte) == 0x06)
        let endpoint = ecam.ecamOffset(of: PciAddress(device: 3))
        #expect(endpoint == 3 << 15)
        #expect(try ecam.read(offset: endpoint, width: .halfWord) == 0x1AF4)
        try ecam.write(offset: endpoint + 0x10, width: .word, value: 0xFFFF_FFFF)
        #expect(try ecam.read(offset: endpoint + 0x10, width: .word) == 0xFFFF_F000)
    }

    @Test func absentFunctionsReadAllOnesAtEveryWidth() throws {
        let (ecam, _) = try makeBus()
        let absent: [UInt64] = [1 << 15, (3 << 15) | (1 << 12), 1 << 20, (3 << 20) | (31 << 15) | (7 << 12)]
        for base in absent {
            #expect(try ecam.read(offset: base, width: .word) == 0xFFFF_FFFF)
            #expect(try ecam.read(offset: base + 2, width: .halfWord) == 0xFFFF)
            #expect(try ecam.read(offset: base + 0xFFF, width: .byte) == 0xFF)
            try ecam.write(offset: base + 4, width: .word, value: 0)  // dropped, no fault
        }
        #expect(ecam.function(at: PciAddress(bus: 1, device: 0)) == nil)
    }

    @Test func badWidthsAndMisalignedAccessesFault() throws {
        let (ecam, _) = try makeBus()
        #expect(pciFaultKind { _ = try ecam.read(offset: 0, width: .doubleWord) } == .badWidth)
        #expect(pciFaultKind { try ecam.write(offset: 8, width: .doubleWord, value: 0) } == .badWidth)
        #expect(pciFaultKind { _ = try ecam.read(offset: 2, width: .word) } == .misaligned)
        #expect(pciFaultKind { _ = try ecam.read(offset: 1, width: .halfWord) } == .misaligned)
        #expect(pciFaultKind { try ecam.write(offset: 0x11, width: .halfWord, value: 0) } == .misaligned)
        #expect(pciFaultKind { _ = try ecam.read(offset: 4 << 20, width: .word) } == .unmappedRegister)
        #expect(pciFaultKind { _ = try ecam.read(offset: UInt64.max - 2, width: .word) } == .misaligned)
        #expect(pciFaultKind { _ = try ecam.read(offset: UInt64.max & ~3, width: .word) } == .unmappedRegister)
    }

    @Test func memoryDecodeNeedsMemorySpaceEnable() throws {
        let (ecam, endpoint) = try makeBus()
        let window = ecam.memoryWindow
        endpoint.setConfig32(0x10, 0x8000_1000)  // BAR0 at aperture offset 0x1000
        #expect(try window.read(offset: 0x1000, width: .word) == 0xFFFF_FFFF)  // master abort
        try window.write(offset: 0x1008, width: .word, value: 0x1234)          // dropped
        endpoint.enableMemoryDecode()
        #expect(try window.read(offset: 0x1000, width: .word) == 0xA0)
        #expect(try window.read(offset: 0x1008, width: .word) == 0)            // the write was dropped
        try window.write(offset: 0x1008, width: .word, value: 0x1234)
        #expect(try window.read(offset: 0x1008, width: .halfWord) == 0x1234)
        // Past the BAR: unclaimed again. Straddling the BAR end: unclaimed.
        #expect(try window.read(offset: 0x2000, width: .byte) == 0xFF)
        #expect(try window.read(offset: 0x1FFE, width: .word) == 0xFFFF_FFFF)
        endpoint.enableMemoryDecode(false)
        #expect(try window.read(offset: 0x1008, width: .word) == 0xFFFF_FFFF)
    }

    @Test func barRelocationMovesDecode() throws {
        let (ecam, endpoint) = try makeBus()
        let window = ecam.memoryWindow
        endpoint.setConfig32(0x10, 0x8000_1000)
        endpoint.setConfig32(0x18, 0x8010_0000)  // 64-bit BAR2 at 0x8010_0000
        endpoint.setConfig32(0x1C, 0)
        endpoint.enableMemoryDecode()
        #expect(try window.read(offset: 0x10_0000, width: .byte) == 0xA2)
        try window.write(offset: 0x10_0010, width: .doubleWord, value: 0x0102_0304_0506_0708)
        #expect(try window.read(offset: 0x10_0010, width: .doubleWord) == 0x0102_0304_0506_0708)

        endpoint.setConfig32(0x18, 0x8040_0000)
        #expect(try window.read(offset: 0x10_0000, width: .byte) == 0xFF)
        #expect(try window.read(offset: 0x40_0000, width: .byte) == 0xA2)
        #expect(try window.read(offset: 0x40_0010, width: .doubleWord) == 0x0102_0304_0506_0708)

        // Moving the 64-bit BAR above 4 GiB takes it out of the 32-bit aperture.
        endpoint.setConfig32(0x1C, 1)
        #expect(try window.read(offset: 0x40_0000, width: .byte) == 0xFF)
        #expect(endpoint.barAddress(2) == 0x1_8040_0000)
    }

    @Test func overlappingBarsResolveToTheFirstStart() throws {
        var builder = PciBusBuilder(configuration: PciTestDevices.smallHost)
        let first = try PciTestDevices.endpoint(name: "first")
        let second = try PciTestDevices.endpoint(name: "second", deviceID: 2)
        try builder.attach(first, at: PciAddress(device: 1))
        try builder.attach(second, at: PciAddress(device: 2))
        let ecam = try builder.build(assignResources: false)
        first.setConfig32(0x10, 0x8000_0000)
        second.setConfig32(0x18, 0x8000_0000)  // second's 1 MiB BAR2 covers first's BAR0
        second.setConfig32(0x1C, 0)
        first.enableMemoryDecode()
        second.enableMemoryDecode()
        #expect(try ecam.memoryWindow.read(offset: 0, width: .byte) == 0xA0)
        #expect(try ecam.memoryWindow.read(offset: 0x1000, width: .byte) == 0)   // second's RAM, past first
        #expect(try ecam.memoryWindow.read(offset: 0xF_F000, width: .word) == 0)
        #expect(try ecam.memoryWindow.read(offset: 0x10_0000, width: .word) == 0xFFFF_FFFF)
    }

    @Test func builderRejectsBadTopologies() throws {
        var builder = PciBusBuilder(configuration: PciTestDevices.smallHost)
        let endpoint = try PciTestDevices.endpoint()
        #expect(throws: PciConfigurationError.invalidAddress(PciAddress(device: 32))) {
            try builder.attach(endpoint, at: PciAddress(device: 32))
        }
        #expect(throws: PciConfigurationError.invalidAddress(PciAddress(bus: 1, device: 0))) {
            try builder.attach(endpoint, at: PciAddress(bus: 1, device: 0))
        }
        try builder.attach(endpoint, at: PciAddress(device: 4))
        #expect(throws: PciConfigurationError.addressInUse(PciAddress(device: 4))) {
            try builder.attach(try Q35Functions.smbus(), at: PciAddress(device: 4))
        }
        #expect(throws: PciConfigurationError.functionAlreadyAttached("test endpoint")) {
            try builder.attach(endpoint, at: PciAddress(device: 5))
        }
        // A function can sit on only one bus.
        _ = try builder.build(assignResources: false)
        var other = PciBusBuilder(configuration: PciTestDevices.smallHost)
        try other.attach(endpoint, at: PciAddress(device: 0))
        #expect(throws: PciConfigurationError.functionAlreadyAttached("test endpoint")) {
            _ = try other.build()
        }
    }

    @Test func firmwareAssignmentFailsWhenTheApertureIsTooSmall() throws {
        let tiny = PciHostConfiguration(ecamBase: 0xE000_0000, busRange: 0...0,
                                        memoryApertureBase: 0x8000_0000, memoryApertureSize: 0x8000)
        var builder = PciBusBuilder(configuration: tiny)
        try builder.attach(try PciTestDevices.endpoint(), at: PciAddress(device: 1))
        #expect(throws: PciConfigurationError.apertureExhausted("PCI memory aperture")) {
            _ = try builder.build()
        }
    }
}
