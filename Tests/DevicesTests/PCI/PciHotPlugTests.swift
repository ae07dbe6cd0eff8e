// The hot-plug root port: type-1 header masks, firmware-programmed bus numbers and windows,
// presence detect on insert/remove (RW1C change bits), the card appearing at secondary bus
// device 0 only, memory decode through the bridge windows, and the hot-plug interrupt.
//
// Counterpart: PCI-to-PCI Bridge 1.2 section 3.2.5; PCI Express Base 4.0 sections 6.7.3 and
// 7.5.3.9–11; QEMU hw/pci/pcie.c pcie_cap_slot_plug_cb.

import Synchronization
import Testing
@testable import Devices

@Suite struct PciHotPlugTests {
    /// Root port at 00:1c.0, firmware pass on: secondary bus 1, 2 MiB memory and prefetchable
    /// windows.
    private func makeBus() throws -> (PciEcamHostBridge, PciHotPlugRootPort) {
        var builder = PciBusBuilder(configuration: PciTestDevices.smallHost)
        let port = try PciHotPlugRootPort()
        try builder.attach(try Q35Functions.hostBridge(), at: PciAddress(device: 0))
        try builder.attach(port, at: PciAddress(device: 0x1C))
        return (try builder.build(), port)
    }

    private func slotStatusOffset(_ port: PciHotPlugRootPort) -> Int {
        port.expressCapabilityOffset + PciExpressRegister.slotStatus
    }

    @Test func typeOneHeaderAndFirmwareWindows() throws {
        let (ecam, port) = try makeBus()
        let bridge = port.pciFunction
        #expect(bridge.config8(PciConfigOffset.headerType) == 0x01)
        #expect(bridge.config32(0) == 0x000C_1B36)
        #expect(bridge.config8(PciConfigOffset.primaryBus) == 0)
        #expect(bridge.config8(PciConfigOffset.secondaryBus) == 1)
        #expect(bridge.config8(PciConfigOffset.subordinateBus) == 1)
        #expect(bridge.command.contains([.memorySpace, .busMaster]))
        let memory = try #require(port.memoryWindow)
        let prefetchable = try #require(port.prefetchableWindow)
        #expect(memory.count == 2 << 20 && prefetchable.count == 2 << 20)
        #expect(memory.lowerBound % (1 << 20) == 0)
        let aperture = PciTestDevices.smallHost.memoryApertureBase
            ..< PciTestDevices.smallHost.memoryApertureBase + PciTestDevices.smallHost.memoryApertureSize
        #expect(aperture.contains(memory.lowerBound) && aperture.contains(prefetchable.upperBound))
        #expect(!memory.overlaps(prefetchable))
        // Window registers: low nibbles are hard-wired (memory 0, prefetchable 1 = 64-bit).
        bridge.setConfig16(PciConfigOffset.memoryBase, 0xFFFF)
        #expect(bridge.config16(PciConfigOffset.memoryBase) == 0xFFF0)
        #expect(bridge.config16(PciConfigOffset.prefetchableLimit) & 0xF == 1)
        // I/O window closed by firmware.
        #expect(bridge.config8(PciConfigOffset.ioBase) == 0xF0 && bridge.config8(PciConfigOffset.ioLimit) == 0)
        #expect(ecam.function(at: PciAddress(device: 0x1C)) === bridge)
    }

    @Test func insertAndRemoveSetPresenceBits() throws {
        let (ecam, port) = try makeBus()
        let bridge = port.pciFunction
        let capability = port.expressCapabilityOffset
        let slotCapabilities = PciExpressSlotCapabilities(
            rawValue: bridge.config32(capability + PciExpressRegister.slotCapabilities))
        #expect(slotCapabilities.contains([.hotPlugCapable, .hotPlugSurprise]))
        #expect(port.slotStatus.isEmpty)
        #expect(!port.isOccupied)

        let card = try PciTestDevices.endpoint(express: true)
        try port.insert(card)
        #expect(port.slotStatus.contains([.presenceDetectState, .presenceDetectChanged, .dataLinkLayerStateChanged]))
        #expect(bridge.config16(capability + PciExpressRegister.linkStatus) & UInt32(PciExpressRegister.linkActive) != 0)
        #expect(ecam.function(at: PciAddress(bus: 1, device: 0)) === card)
        #expect(ecam.function(at: PciAddress(bus: 1, device: 1)) == nil)  // only device 0 below a port
        #expect(try ecam.read(offset: 1 << 20, width: .word) == 0x0001_1AF4)
        #expect(try ecam.read(offset: (1 << 20) | (1 << 15), width: .word) == 0xFFFF_FFFF)
        #expect(ecam.presentFunctions().map(\.address) ==
                [PciAddress(device: 0), PciAddress(device: 0x1C), PciAddress(bus: 1, device: 0)])

        // Software acknowledges the change: RW1C; presence state is read-only.
        bridge.setConfig16(slotStatusOffset(port), 0xFFFF)
        #expect(port.slotStatus == [.presenceDetectState])

        #expect(throws: PciConfigurationError.slotOccupied) { try port.insert(try PciTestDevices.endpoint()) }

        #expect(port.remove().count == 1)
        #expect(port.slotStatus == [.presenceDetectChanged, .dataLinkLayerStateChanged])
        #expect(bridge.config16(capability + PciExpressRegister.linkStatus) & UInt32(PciExpressRegister.linkActive) == 0)
        #expect(try ecam.read(offset: 1 << 20, width: .word) == 0xFFFF_FFFF)
        #expect(port.remove().isEmpty)

        // The removed card can be inserted again.
        try port.insert(card)
        #expect(ecam.function(at: PciAddress(bus: 1, device: 0)) === card)
    }

    @Test func cardDecodesThroughTheBridgeWindow() throws {
        let (ecam, port) = try makeBus()
        let window = ecam.memoryWindow
        let card = try PciTestDevices.endpoint()
        try port.insert(card)
        let memory = try #require(port.memoryWindow)
        let prefetchable = try #require(port.prefetchableWindow)
        // Program the card like a driver: BAR0 in the memory window, BAR2 in the prefetchable one.
        try ecam.write(offset: (1 << 20) | 0x10, width: .word, value: memory.lowerBound + 0x1000)
        try ecam.write(offset: (1 << 20) | 0x18, width: .word, value: prefetchable.lowerBound)
        try ecam.write(offset: (1 << 20) | 0x1C, width: .word, value: 0)
        let bar0 = memory.lowerBound + 0x1000 - window.base
        let bar2 = prefetchable.lowerBound - window.base
        #expect(try window.read(offset: bar0, width: .word) == 0xFFFF_FFFF)  // card decode off
        try ecam.write(offset: (1 << 20) | 0x04, width: .halfWord, value: UInt64(PciCommand.memorySpace.rawValue))
        #expect(try window.read(offset: bar0, width: .word) == 0xA0)
        #expect(try window.read(offset: bar2, width: .word) == 0xA2)

        // The bridge stops forwarding without its own memory enable.
        port.pciFunction.enableMemoryDecode(false)
        #expect(try window.read(offset: bar0, width: .word) == 0xFFFF_FFFF)
        port.pciFunction.enableMemoryDecode()
        #expect(try window.read(offset: bar0, width: .word) == 0xA0)

        // A BAR outside every window is not forwarded.
        let outside = prefetchable.upperBound + 1 + 0x10_0000
        try ecam.write(offset: (1 << 20) | 0x10, width: .word, value: outside & 0xFFFF_F000)
        #expect(try window.read(offset: (outside & 0xFFFF_F000) - window.base, width: .word) == 0xFFFF_FFFF)

        // Removal ends decode at once.
        port.remove()
        #expect(try window.read(offset: bar2, width: .word) == 0xFFFF_FFFF)
    }

    @Test func insertWithResourceAssignmentPlacesBarsInWindows() throws {
        let (ecam, port) = try makeBus()
        let card = try PciTestDevices.endpoint()
        try port.insert(card, assignResources: true)
        let bar0 = try #require(card.barAddress(0)), bar2 = try #require(card.barAddress(2))
        #expect(try #require(port.memoryWindow).contains(bar0))
        #expect(try #require(port.prefetchableWindow).contains(bar2))  // 64-bit prefetchable
        #expect(card.command.contains(.memorySpace))
        #expect(try ecam.memoryWindow.read(offset: bar2 - ecam.memoryWindow.base, width: .byte) == 0xA2)
    }

    @Test func hotPlugInterruptFollowsSlotControl() throws {
        let (_, port) = try makeBus()
        let bridge = port.pciFunction
        let signals = Mutex<[PciInterruptSignal]>([])
        bridge.setInterruptSink { signal in signals.withLock { $0.append(signal) } }
        let control = port.expressCapabilityOffset + PciExpressRegister.slotControl
        let enables: PciExpressSlotControl = [.hotPlugInterruptEnable, .presenceDetectChangedEnable]
        bridge.setConfig16(control, UInt32(enables.rawValue))
        try port.insert(try PciTestDevices.endpoint())
        #expect(bridge.interruptRequested)
        bridge.setConfig16(slotStatusOffset(port), UInt32(PciExpressSlotStatus.presenceDetectChanged.rawValue))
        #expect(!bridge.interruptRequested)  // DLLSC is pending but not enabled
        #expect(signals.withLock { $0 } == [.legacy(asserted: true), .legacy(asserted: false)])
    }

    @Test func cardInsertedBeforeBuildGetsFirmwareResources() throws {
        var builder = PciBusBuilder(configuration: PciTestDevices.smallHost)
        let port = try PciHotPlugRootPort()
        let card = try PciTestDevices.endpoint()
        try port.insert(card)
        try builder.attach(port, at: PciAddress(device: 0x1C))
        let ecam = try builder.build()
        #expect(ecam.function(at: PciAddress(bus: 1, device: 0)) === card)
        let bar0 = try #require(card.barAddress(0))
        #expect(try #require(port.memoryWindow).contains(bar0))
        #expect(try ecam.memoryWindow.read(offset: bar0 - ecam.memoryWindow.base, width: .byte) == 0xA0)
    }
}

@Suite struct PciHotPlugCardTests {
    @Test func multiFunctionCard() throws {
        var builder = PciBusBuilder(configuration: PciTestDevices.smallHost)
        let port = try PciHotPlugRootPort()
        try builder.attach(port, at: PciAddress(device: 0x1C))
        let ecam = try builder.build()
        let first = try PciTestDevices.endpoint(name: "fn0")
        let second = try PciTestDevices.endpoint(name: "fn1", deviceID: 2)
        #expect(throws: PciConfigurationError.invalidCardFunctionCount(0)) { try port.insert([]) }
        try port.insert([first, second])
        #expect(ecam.function(at: PciAddress(bus: 1, device: 0, function: 1)) === second)
        #expect(try ecam.read(offset: (1 << 20) | 0x0E, width: .byte) == 0x80)  // multi-function bit
        #expect(try ecam.read(offset: (1 << 20) | (1 << 12), width: .word) == 0x0002_1AF4)
        #expect(port.remove().count == 2)
        #expect(try ecam.read(offset: (1 << 20) | (1 << 12), width: .word) == 0xFFFF_FFFF)
    }
}
