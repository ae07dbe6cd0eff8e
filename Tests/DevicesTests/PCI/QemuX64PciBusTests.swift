// The assembled qemu-x64 topology: what enumeration finds through ECAM, firmware-assigned BARs
// (inside the aperture, naturally aligned, disjoint, decoding), and device registers reached
// through the memory aperture at those addresses.
//
// Counterpart: QEMU q35 (driver-model.md section 6.1); SeaBIOS pciinit.c resource assignment.

import Testing
@testable import Devices

@Suite struct QemuX64PciBusTests {
    @Test func enumerationMatchesQ35() throws {
        let bus = try QemuX64PciBus()
        let ecam = bus.hostBridge
        #expect(ecam.configuration == .qemuX64)
        #expect(ecam.regionSize == 16 << 20)
        var found: [String] = []
        // Scan every bus/device/function through ECAM reads, the way a bus driver would.
        for busNumber in UInt8(0)..<16 {
            for device in UInt8(0)..<32 {
                for function in UInt8(0)..<8 {
                    let address = PciAddress(bus: busNumber, device: device, function: function)
                    let offset = ecam.ecamOffset(of: address)
                    let ids = try ecam.read(offset: offset, width: .word)
                    guard ids & 0xFFFF != 0xFFFF else { continue }
                    let classCode = try ecam.read(offset: offset + 8, width: .word) >> 8
                    found.append("\(address) \(String(ids & 0xFFFF, radix: 16)):\(String(ids >> 16, radix: 16)) \(String(classCode, radix: 16))")
                }
            }
        }
        #expect(found == [
            "00:00.0 8086:29c0 60000",
            "00:01.0 1234:1111 30000",
            "00:02.0 8086:100e 20000",
            "00:1c.0 1b36:c 60400",
            "00:1f.0 8086:2918 60100",
            "00:1f.2 8086:2922 10601",
            "00:1f.3 8086:2930 c0500",
        ])
        // 00:1f is a multi-function device; the others are not.
        #expect(try ecam.read(offset: ecam.ecamOffset(of: QemuX64PciBus.isaBridgeAddress, register: 0x0E), width: .byte) == 0x80)
        #expect(try ecam.read(offset: ecam.ecamOffset(of: QemuX64PciBus.networkAddress, register: 0x0E), width: .byte) == 0x00)
        #expect(bus.mmioRegions.map(\.base) == [0xB000_0000, 0xC000_0000])
    }

    @Test func firmwareAssignedBarsAreAlignedDisjointAndDecoding() throws {
        let bus = try QemuX64PciBus()
        let aperture = bus.hostBridge.configuration.memoryApertureBase
            ..< (bus.hostBridge.configuration.memoryApertureBase + bus.hostBridge.configuration.memoryApertureSize)
        var ranges: [Range<UInt64>] = []
        for function in [bus.display.pciFunction, bus.network.pciFunction, bus.ahci.pciFunction] {
            #expect(function.command.contains(.memorySpace))
            for bar in function.bars where bar.isMemory {
                let base = try #require(function.barAddress(bar.index))
                #expect(base % bar.size == 0)
                #expect(aperture.contains(base) && base + bar.size <= aperture.upperBound)
                ranges.append(base..<(base + bar.size))
            }
        }
        ranges += [try #require(bus.hotPlugPort.memoryWindow), try #require(bus.hotPlugPort.prefetchableWindow)]
            .map { $0.lowerBound..<($0.upperBound + 1) }
        for (index, range) in ranges.enumerated() {
            for other in ranges[(index + 1)...] { #expect(!range.overlaps(other)) }
        }
        // I/O BARs land in the I/O port range and I/O decode is on.
        let ioBase = try #require(bus.network.pciFunction.barAddress(1))
        #expect((0xC000..<0x1_0000).contains(ioBase))
        #expect(bus.network.pciFunction.command.contains(.ioSpace))
        // The hot-plug port owns bus 1.
        #expect(bus.hotPlugPort.pciFunction.config8(PciConfigOffset.secondaryBus) == 1)
    }

    @Test func devicesAnswerThroughTheAperture() throws {
        let bus = try QemuX64PciBus(QemuX64PciOptions(mac: [2, 0, 0, 0, 0, 9], diskSectorCount: 8192))
        let window = bus.memoryWindow
        let e1000 = try #require(bus.network.pciFunction.barAddress(0)) - window.base
        #expect(try window.read(offset: e1000 + E1000Register.status, width: .word) == 0x283)
        #expect(try window.read(offset: e1000 + E1000Register.rah0, width: .word) == 0x8000_0900)
        let abar = try #require(bus.ahci.pciFunction.barAddress(5)) - window.base
        #expect(try window.read(offset: abar + AhciRegister.cap, width: .word) == 0xC014_1F05)
        let registers = try #require(bus.display.pciFunction.barAddress(2)) - window.base
        #expect(try window.read(offset: registers + 0x500, width: .halfWord) == 0xB0C5)
        let framebuffer = try #require(bus.display.pciFunction.barAddress(0)) - window.base
        try window.write(offset: framebuffer + 0x100, width: .word, value: 0x00FF_00FF)
        #expect(try bus.display.framebuffer.read(offset: 0x100, width: .word) == 0x00FF_00FF)
        #expect(bus.ahci.disk(atPort: 0)?.sectorCount == 8192)
        // A fault inside a BAR reaches the driver as the device's own fault.
        #expect(pciFaultKind { _ = try window.read(offset: e1000, width: .halfWord) } == .badWidth)
    }

    @Test func withoutFirmwareNothingDecodes() throws {
        let bus = try QemuX64PciBus(QemuX64PciOptions(assignResources: false))
        #expect(bus.network.pciFunction.barAddress(0) == 0)
        #expect(!bus.network.pciFunction.command.contains(.memorySpace))
        #expect(try bus.memoryWindow.read(offset: 0, width: .word) == 0xFFFF_FFFF)
        #expect(bus.hotPlugPort.pciFunction.config8(PciConfigOffset.secondaryBus) == 0)
    }
}
