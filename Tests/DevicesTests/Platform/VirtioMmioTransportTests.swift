// virtio-mmio transport against virtio 1.1 §4.2.2 and QEMU hw/virtio/virtio-mmio.c: identity
// registers, empty slots, feature selection and negotiation, queue programming, status reset,
// configuration space and interrupts.
import Devices
import Hardware
import Synchronization
import Testing

@Suite struct VirtioMmioTransportTests {
    typealias R = VirtioMmioTransport.Register
    typealias Feature = VirtioMmioDeviceConfiguration.Feature
    typealias Status = VirtioMmioTransport.Status

    @Test func identityRegistersOfABlockDevice() throws {
        let slot = VirtioMmioTransport(device: .block(capacitySectors: 2048))
        #expect(try slot.load32(R.magicValue.rawValue) == 0x7472_6976)
        #expect(try slot.load32(R.version.rawValue) == 2)
        #expect(try slot.load32(R.deviceID.rawValue) == 2)
        #expect(try slot.load32(R.vendorID.rawValue) == 0x554D_4551)
        // Capacity (le64) at the start of the configuration space, readable at any width.
        #expect(try slot.read(offset: 0x100, width: .doubleWord) == 2048)
        #expect(try slot.read(offset: 0x100, width: .word) == 2048)
        #expect(try slot.read(offset: 0x101, width: .byte) == 8)
        #expect(try slot.read(offset: 0x114, width: .word) == 512)    // blk_size
        #expect(try slot.read(offset: 0x1F0, width: .word) == 0xFFFF_FFFF)   // past the config
    }

    @Test func emptySlotReadsZeroButKeepsMagicVersionVendor() throws {
        let slot = VirtioMmioTransport()
        #expect(try slot.load32(R.magicValue.rawValue) == VirtioMmioTransport.magicValue)
        #expect(try slot.load32(R.version.rawValue) == 2)
        #expect(try slot.load32(R.vendorID.rawValue) == VirtioMmioTransport.vendorID)
        #expect(try slot.load32(R.deviceID.rawValue) == 0)
        #expect(try slot.load32(R.deviceFeatures.rawValue) == 0)
        try slot.store32(R.status.rawValue, Status.acknowledge)
        #expect(try slot.load32(R.status.rawValue) == 0)
        #expect(try slot.read(offset: 0x100, width: .word) == 0)
        #expect(VirtioMmioTransport.qemuVirtAddress(slot: 31) == 0x0A00_3E00)
    }

    @Test func networkDeviceShowsItsMacInConfigSpace() throws {
        let slot = VirtioMmioTransport(device: .network(mac: [0x52, 0x54, 0x00, 0x12, 0x34, 0x56]))
        #expect(try slot.load32(R.deviceID.rawValue) == 1)
        let mac = try (0..<6).map { index throws(MmioFault) in try slot.load8(0x100 + UInt64(index)) }
        #expect(mac == [0x52, 0x54, 0x00, 0x12, 0x34, 0x56])
        #expect(try slot.read(offset: 0x106, width: .halfWord) == 1)   // VIRTIO_NET_S_LINK_UP
    }

    @Test func featureWordsAreSelectedBySel() throws {
        let slot = VirtioMmioTransport(device: .network(mac: [2, 0, 0, 0, 0, 1]))
        try slot.store32(R.deviceFeaturesSelect.rawValue, 0)
        #expect(try slot.load32(R.deviceFeatures.rawValue) == UInt32(Feature.networkMac | Feature.networkStatus))
        try slot.store32(R.deviceFeaturesSelect.rawValue, 1)
        #expect(try slot.load32(R.deviceFeatures.rawValue) == 1)       // bit 32: VIRTIO_F_VERSION_1
        try slot.store32(R.deviceFeaturesSelect.rawValue, 2)
        #expect(try slot.load32(R.deviceFeatures.rawValue) == 0)
    }

    @Test func featureNegotiationAcceptsVersion1AndRefusesUnofferedBits() throws {
        let slot = VirtioMmioTransport(device: .block(capacitySectors: 8))
        try slot.store32(R.status.rawValue, Status.acknowledge | Status.driver)
        try slot.store32(R.driverFeaturesSelect.rawValue, 0)
        try slot.store32(R.driverFeatures.rawValue, 1 << 30)          // not offered
        try slot.store32(R.driverFeaturesSelect.rawValue, 1)
        try slot.store32(R.driverFeatures.rawValue, 1)
        try slot.store32(R.status.rawValue, Status.acknowledge | Status.driver | Status.featuresOK)
        #expect(try slot.load32(R.status.rawValue) & Status.featuresOK == 0)
        #expect(slot.negotiatedFeatures == nil)

        try slot.store32(R.driverFeaturesSelect.rawValue, 0)
        try slot.store32(R.driverFeatures.rawValue, UInt32(Feature.blockSize))
        try slot.store32(R.status.rawValue, Status.acknowledge | Status.driver | Status.featuresOK)
        #expect(try slot.load32(R.status.rawValue) & Status.featuresOK != 0)
        #expect(slot.negotiatedFeatures == Feature.version1 | Feature.blockSize)

        let withoutVersion1 = VirtioMmioTransport(device: .block(capacitySectors: 8))
        try withoutVersion1.store32(R.driverFeatures.rawValue, UInt32(Feature.blockSize))
        try withoutVersion1.store32(R.status.rawValue, Status.featuresOK)
        #expect(try withoutVersion1.load32(R.status.rawValue) == 0)
    }

    @Test func queueProgrammingAndNotify() throws {
        let notified = Mutex<[Int]>([])
        let slot = VirtioMmioTransport(
            device: .network(mac: [2, 0, 0, 0, 0, 1], queueSize: 128),
            onQueueNotify: { queue in notified.withLock { $0.append(queue) } })
        try slot.store32(R.queueSelect.rawValue, 1)
        #expect(try slot.load32(R.queueSizeMaximum.rawValue) == 128)
        try slot.store32(R.queueSize.rawValue, 64)
        try slot.store32(R.queueDescriptorLow.rawValue, 0x4000_1000)
        try slot.store32(R.queueDescriptorHigh.rawValue, 0x1)
        try slot.store32(R.queueDriverLow.rawValue, 0x4000_2000)
        try slot.store32(R.queueDeviceLow.rawValue, 0x4000_3000)
        try slot.store32(R.queueReady.rawValue, 1)
        #expect(try slot.load32(R.queueReady.rawValue) == 1)
        try slot.store32(R.queueNotify.rawValue, 1)
        try slot.store32(R.queueNotify.rawValue, 9)                    // no such queue: ignored
        let queue = try #require(slot.queue(1))
        #expect(queue.size == 64 && queue.ready)
        #expect(queue.descriptorArea == 0x1_4000_1000)
        #expect(queue.driverArea == 0x4000_2000 && queue.deviceArea == 0x4000_3000)
        #expect(queue.notificationCount == 1)
        #expect(notified.withLock { $0 } == [1])

        try slot.store32(R.queueSelect.rawValue, 5)
        #expect(try slot.load32(R.queueSizeMaximum.rawValue) == 0)     // beyond the last queue
        try slot.store32(R.queueSelect.rawValue, 0)
        try slot.store32(R.queueSize.rawValue, 4096)                   // above the maximum: ignored
        #expect(slot.queue(0)?.size == 0)
    }

    @Test func writingZeroToStatusResetsTheDevice() throws {
        let slot = VirtioMmioTransport(device: .block(capacitySectors: 8))
        try slot.store32(R.status.rawValue, Status.acknowledge | Status.driver)
        try slot.store32(R.driverFeaturesSelect.rawValue, 1)
        try slot.store32(R.driverFeatures.rawValue, 1)
        try slot.store32(R.queueSize.rawValue, 16)
        try slot.store32(R.queueReady.rawValue, 1)
        slot.raiseUsedBufferInterrupt()
        #expect(try slot.load32(R.interruptStatus.rawValue) == 1)

        try slot.store32(R.status.rawValue, 0)
        #expect(try slot.load32(R.status.rawValue) == 0)
        #expect(try slot.load32(R.interruptStatus.rawValue) == 0)
        #expect(try slot.load32(R.queueReady.rawValue) == 0)
        #expect(slot.queue(0) == VirtioMmioQueueState(maximumSize: 256))
        #expect(slot.negotiatedFeatures == nil)
    }

    @Test func interruptsAcknowledgeAndConfigGeneration() throws {
        let recorder = PlatformInterruptRecorder()
        let slot = VirtioMmioTransport(device: .block(capacitySectors: 8), onInterruptChange: recorder.observer)
        #expect(try slot.load32(R.configGeneration.rawValue) == 0)
        var config = VirtioMmioDeviceConfiguration.block(capacitySectors: 16).configSpace
        config[0] = 16
        slot.updateConfigSpace(config)
        #expect(try slot.load32(R.configGeneration.rawValue) == 1)
        #expect(try slot.load32(R.interruptStatus.rawValue) == VirtioMmioTransport.InterruptReason.configurationChange)
        #expect(try slot.read(offset: 0x100, width: .doubleWord) == 16)
        slot.raiseUsedBufferInterrupt()
        try slot.store32(R.interruptAcknowledge.rawValue, 3)
        #expect(!slot.interruptAsserted)
        #expect(recorder.history == [true, false])
    }

    @Test func accessRules() throws {
        let slot = VirtioMmioTransport(name: "virtio-mmio@a000000", device: .block(capacitySectors: 8))
        #expect(throws: MmioFault(.badWidth, device: "virtio-mmio@a000000", offset: 0, width: .halfWord)) {
            try slot.read(offset: 0, width: .halfWord)
        }
        #expect(throws: MmioFault(.unmappedRegister, device: "virtio-mmio@a000000", offset: 0x18, width: .word)) {
            try slot.read(offset: 0x18, width: .word)
        }
        #expect(throws: MmioFault(.misaligned, device: "virtio-mmio@a000000", offset: 0x102, width: .word)) {
            try slot.read(offset: 0x102, width: .word)
        }
        #expect(throws: MmioFault(.unmappedRegister, device: "virtio-mmio@a000000", offset: 0x200, width: .byte)) {
            try slot.read(offset: 0x200, width: .byte)
        }
        try slot.store32(R.magicValue.rawValue, 0)                      // read-only: ignored
        #expect(try slot.load32(R.magicValue.rawValue) == VirtioMmioTransport.magicValue)
    }
}
