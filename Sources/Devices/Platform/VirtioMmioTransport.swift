// VirtioMmioTransport: one virtio-mmio slot (0x200 bytes) with the version 2 ("modern") register
// layout. QEMU's arm64 `virt` machine has 32 of them at 0x0A00_0000 (SPI 16 + slot); an empty
// slot reports DeviceID 0 so no driver binds to it.
//
// Counterpart: Virtual I/O Device (VIRTIO) 1.1 §4.2.2 (MMIO device register layout) and §4.2.3
// (initialisation), §3.1 (status handshake), §5.1.4/§5.2.4 (net/block configuration layouts);
// QEMU hw/virtio/virtio-mmio.c.
//
// Model decisions:
// * Register level only: queues record what the driver programs (size, ready, descriptor /
//   driver / device area addresses) and count notifications, but no descriptor is ever read —
//   that would need DMA into guest RAM. A host backend can watch `onQueueNotify`, and signal
//   completions with `raiseUsedBufferInterrupt()`.
// * Version 2 always. (QEMU defaults to the legacy version 1 layout unless the machine sets
//   `virtio-mmio.force-legacy=false`; Fuchsia's and Linux's drivers handle both.)
// * FEATURES_OK is kept only if the driver accepted VIRTIO_F_VERSION_1 and nothing the device
//   did not offer (§6.1: a device may refuse a driver that does not accept VERSION_1); otherwise
//   the bit reads back clear, which is how the spec tells the driver negotiation failed. Feature
//   writes after FEATURES_OK are ignored. Writing 0 to Status resets the device (§4.2.2.1).
// * An empty slot (DeviceID 0) behaves like QEMU's: magic, version and vendor read normally,
//   every other register and the configuration space read as zero, writes are ignored.
// * Registers below 0x100 take 32-bit aligned accesses only; the configuration space takes any
//   width at an aligned offset. Configuration reads past the device's configuration read as all
//   ones (as QEMU's virtio_config_modern_read*); configuration writes are ignored (none of the
//   modelled fields is driver-writable). Undefined register offsets fault.
import Hardware
import Synchronization

/// What occupies a virtio-mmio slot: the device type, its features, its queues and its
/// device-specific configuration space.
public struct VirtioMmioDeviceConfiguration: Sendable, Equatable {
    /// Device IDs (virtio 1.1 §5).
    public enum DeviceType: UInt32, Sendable {
        case empty = 0
        case network = 1
        case block = 2
        case console = 3
        case entropy = 4
        case gpu = 16
        case input = 18
    }

    /// Feature bits (virtio 1.1 §6 and the device sections).
    public enum Feature {
        public static let version1: UInt64 = 1 << 32
        public static let ringIndirectDescriptors: UInt64 = 1 << 28
        public static let ringEventIndex: UInt64 = 1 << 29
        public static let networkMac: UInt64 = 1 << 5
        public static let networkStatus: UInt64 = 1 << 16
        public static let blockSegmentMax: UInt64 = 1 << 2
        public static let blockSize: UInt64 = 1 << 6
        public static let blockFlush: UInt64 = 1 << 9
    }

    public var deviceID: UInt32
    public var deviceFeatures: UInt64
    /// QueueNumMax of each queue; the count is the number of queues.
    public var queueSizes: [UInt32]
    /// The device-specific configuration space (at offset 0x100), little-endian.
    public var configSpace: [UInt8]

    public init(deviceID: UInt32, deviceFeatures: UInt64, queueSizes: [UInt32], configSpace: [UInt8]) {
        self.deviceID = deviceID
        self.deviceFeatures = deviceFeatures
        self.queueSizes = queueSizes
        self.configSpace = configSpace
    }

    /// No device behind the transport.
    public static let empty = VirtioMmioDeviceConfiguration(
        deviceID: DeviceType.empty.rawValue, deviceFeatures: 0, queueSizes: [], configSpace: [])

    /// A block device of `capacitySectors` 512-byte sectors with one request queue.
    /// Configuration (§5.2.4): capacity (le64), size_max, seg_max, geometry, blk_size, … —
    /// 60 bytes as in QEMU; seg_max is queue size − 2 as QEMU reports it.
    public static func block(capacitySectors: UInt64, queueSize: UInt32 = 256) -> Self {
        var config = [UInt8](repeating: 0, count: 60)
        Self.store(capacitySectors, at: 0, size: 8, in: &config)
        Self.store(UInt64(queueSize > 2 ? queueSize - 2 : 1), at: 12, size: 4, in: &config)
        Self.store(512, at: 20, size: 4, in: &config)
        return Self(
            deviceID: DeviceType.block.rawValue,
            deviceFeatures: Feature.version1 | Feature.blockSegmentMax | Feature.blockSize | Feature.blockFlush,
            queueSizes: [queueSize],
            configSpace: config)
    }

    /// A network device with MAC `mac` (first six bytes used), link up, one receive and one
    /// transmit queue. Configuration (§5.1.4): mac[6], status (le16), max_virtqueue_pairs
    /// (le16), mtu (le16).
    public static func network(mac: [UInt8], queueSize: UInt32 = 256) -> Self {
        var config = [UInt8](repeating: 0, count: 12)
        for (index, byte) in mac.prefix(6).enumerated() { config[index] = byte }
        Self.store(1, at: 6, size: 2, in: &config)   // VIRTIO_NET_S_LINK_UP
        Self.store(1, at: 8, size: 2, in: &config)
        Self.store(1500, at: 10, size: 2, in: &config)
        return Self(
            deviceID: DeviceType.network.rawValue,
            deviceFeatures: Feature.version1 | Feature.networkMac | Feature.networkStatus,
            queueSizes: [queueSize, queueSize],
            configSpace: config)
    }

    static func store(_ value: UInt64, at offset: Int, size: Int, in bytes: inout [UInt8]) {
        for lane in 0..<size where offset + lane < bytes.count {
            bytes[offset + lane] = UInt8(truncatingIfNeeded: value >> UInt64(lane * 8))
        }
    }
}

/// What the driver programmed into one virtqueue.
public struct VirtioMmioQueueState: Sendable, Equatable {
    public var maximumSize: UInt32
    public var size: UInt32 = 0
    public var ready = false
    public var descriptorArea: UInt64 = 0
    public var driverArea: UInt64 = 0
    public var deviceArea: UInt64 = 0
    public var notificationCount = 0

    public init(maximumSize: UInt32) {
        self.maximumSize = maximumSize
    }
}

public final class VirtioMmioTransport: MmioDevice {
    public static let qemuVirtBase: UInt64 = 0x0A00_0000
    public static let slotStride: UInt64 = 0x200
    public static let qemuVirtSlotCount = 32
    public static let windowSize: UInt64 = 0x200
    public static let magicValue: UInt32 = 0x7472_6976    // "virt"
    public static let version: UInt32 = 2
    public static let vendorID: UInt32 = 0x554D_4551      // "QEMU"
    public static let configOffset: UInt64 = 0x100

    /// The physical address of slot `index` on QEMU `virt` (0 ≤ index < 32).
    public static func qemuVirtAddress(slot index: Int) -> UInt64 {
        qemuVirtBase + UInt64(max(0, index)) * slotStride
    }

    /// Register offsets (virtio 1.1 table 4.1, plus the 1.2 shared-memory registers).
    public enum Register: UInt64, Sendable, CaseIterable {
        case magicValue = 0x000
        case version = 0x004
        case deviceID = 0x008
        case vendorID = 0x00C
        case deviceFeatures = 0x010
        case deviceFeaturesSelect = 0x014
        case driverFeatures = 0x020
        case driverFeaturesSelect = 0x024
        case queueSelect = 0x030
        case queueSizeMaximum = 0x034
        case queueSize = 0x038
        case queueReady = 0x044
        case queueNotify = 0x050
        case interruptStatus = 0x060
        case interruptAcknowledge = 0x064
        case status = 0x070
        case queueDescriptorLow = 0x080
        case queueDescriptorHigh = 0x084
        case queueDriverLow = 0x090
        case queueDriverHigh = 0x094
        case queueDeviceLow = 0x0A0
        case queueDeviceHigh = 0x0A4
        case sharedMemorySelect = 0x0AC
        case sharedMemoryLengthLow = 0x0B0
        case sharedMemoryLengthHigh = 0x0B4
        case sharedMemoryBaseLow = 0x0B8
        case sharedMemoryBaseHigh = 0x0BC
        case configGeneration = 0x0FC
    }

    /// Device status bits (virtio 1.1 §2.1).
    public enum Status {
        public static let acknowledge: UInt32 = 1
        public static let driver: UInt32 = 2
        public static let driverOK: UInt32 = 4
        public static let featuresOK: UInt32 = 8
        public static let deviceNeedsReset: UInt32 = 64
        public static let failed: UInt32 = 128
    }

    /// InterruptStatus bits (§4.2.2).
    public enum InterruptReason {
        public static let usedBuffer: UInt32 = 1
        public static let configurationChange: UInt32 = 2
    }

    private struct State {
        var device: VirtioMmioDeviceConfiguration
        var queues: [VirtioMmioQueueState]
        var deviceFeaturesSelect: UInt32 = 0
        var driverFeaturesSelect: UInt32 = 0
        var driverFeatures: UInt64 = 0
        var queueSelect: UInt32 = 0
        var interruptStatus: UInt32 = 0
        var status: UInt32 = 0
        var configGeneration: UInt32 = 0

        init(device: VirtioMmioDeviceConfiguration) {
            self.device = device
            self.queues = device.queueSizes.map { VirtioMmioQueueState(maximumSize: $0) }
        }

        var isEmpty: Bool { device.deviceID == 0 }
        var interruptAsserted: Bool { interruptStatus != 0 }

        /// The selected queue, if it exists.
        var selectedQueue: Int? {
            Int(queueSelect) < queues.count ? Int(queueSelect) : nil
        }

        /// Device reset (§2.1.2 / §4.2.2.1): everything the driver set goes back to zero; the
        /// configuration generation keeps counting so a driver never sees an old value again.
        mutating func reset() {
            let generation = configGeneration
            self = State(device: device)
            configGeneration = generation
        }
    }

    public let name: String
    public var regionSize: UInt64 { Self.windowSize }
    private let interruptObserver: InterruptLineObserver?
    private let notifyObserver: (@Sendable (_ queue: Int) -> Void)?
    private let state: Mutex<State>

    /// A slot holding `device`. `onQueueNotify` is called, under the transport's lock, with the
    /// queue index of every QueueNotify write to an existing queue; it must not access this
    /// transport.
    public init(
        name: String = "virtio-mmio",
        device: VirtioMmioDeviceConfiguration = .empty,
        onInterruptChange: InterruptLineObserver? = nil,
        onQueueNotify: (@Sendable (_ queue: Int) -> Void)? = nil
    ) {
        self.name = name
        self.interruptObserver = onInterruptChange
        self.notifyObserver = onQueueNotify
        self.state = Mutex(State(device: device))
    }

    // MARK: Host side

    public var deviceID: UInt32 { state.withLock { $0.device.deviceID } }
    public var status: UInt32 { state.withLock { $0.status } }
    public var interruptAsserted: Bool { state.withLock { $0.interruptAsserted } }

    /// The features both sides agreed on, once the driver set FEATURES_OK and it stuck.
    public var negotiatedFeatures: UInt64? {
        state.withLock { $0.status & Status.featuresOK != 0 ? $0.driverFeatures : nil }
    }

    /// What the driver programmed into queue `index`, or nil if the device has no such queue.
    public func queue(_ index: Int) -> VirtioMmioQueueState? {
        state.withLock { index >= 0 && index < $0.queues.count ? $0.queues[index] : nil }
    }

    /// Signals "used buffer" (InterruptStatus bit 0), as a device does after completing requests.
    public func raiseUsedBufferInterrupt() {
        updating { state in
            guard !state.isEmpty else { return }
            state.interruptStatus |= InterruptReason.usedBuffer
        }
    }

    /// Replaces the configuration space: bumps ConfigGeneration and signals a configuration
    /// change (InterruptStatus bit 1), as §4.2.2 requires of a device whose configuration changes.
    public func updateConfigSpace(_ bytes: [UInt8]) {
        updating { state in
            guard !state.isEmpty else { return }
            state.device.configSpace = bytes
            state.configGeneration &+= 1
            state.interruptStatus |= InterruptReason.configurationChange
        }
    }

    /// A system reset (the same as the driver writing 0 to Status).
    public func reset() {
        updating { $0.reset() }
    }

    // MARK: MmioDevice

    public func read(offset: UInt64, width: MmioAccessWidth) throws(MmioFault) -> UInt64 {
        if offset >= Self.configOffset {
            try PlatformAccess.check(
                offset, width, allowed: PlatformAccess.anyWidth, size: Self.windowSize, device: name)
            return state.withLock { state in
                guard !state.isEmpty else { return 0 }
                return Self.readConfig(state.device.configSpace, at: Int(offset - Self.configOffset), width: width)
            }
        }
        let register = try decode(offset, width)
        return UInt64(state.withLock { state -> UInt32 in
            switch register {
            case .magicValue: return Self.magicValue
            case .version: return Self.version
            case .vendorID: return Self.vendorID
            default: break
            }
            guard !state.isEmpty else { return 0 }
            let queue = state.selectedQueue.map { state.queues[$0] }
            switch register {
            case .magicValue, .version, .vendorID: return 0   // answered above
            case .deviceID: return state.device.deviceID
            case .deviceFeatures:
                switch state.deviceFeaturesSelect {
                case 0: return UInt32(truncatingIfNeeded: state.device.deviceFeatures)
                case 1: return UInt32(truncatingIfNeeded: state.device.deviceFeatures >> 32)
                default: return 0
                }
            case .queueSizeMaximum: return queue?.maximumSize ?? 0
            case .queueReady: return queue?.ready == true ? 1 : 0
            case .interruptStatus: return state.interruptStatus
            case .status: return state.status
            case .configGeneration: return state.configGeneration
            case .sharedMemoryLengthLow, .sharedMemoryLengthHigh, .sharedMemoryBaseLow, .sharedMemoryBaseHigh:
                return UInt32.max   // no shared memory regions: length and base read as -1
            case .deviceFeaturesSelect, .driverFeatures, .driverFeaturesSelect, .queueSelect, .queueSize,
                 .queueNotify, .interruptAcknowledge, .queueDescriptorLow, .queueDescriptorHigh,
                 .queueDriverLow, .queueDriverHigh, .queueDeviceLow, .queueDeviceHigh, .sharedMemorySelect:
                return 0   // write-only (QEMU: "read of write-only register" reads 0)
            }
        })
    }

    public func write(offset: UInt64, width: MmioAccessWidth, value: UInt64) throws(MmioFault) {
        if offset >= Self.configOffset {
            try PlatformAccess.check(
                offset, width, allowed: PlatformAccess.anyWidth, size: Self.windowSize, device: name)
            return   // no modelled configuration field is driver-writable
        }
        let register = try decode(offset, width)
        let value = UInt32(truncatingIfNeeded: value)
        updating { state in
            guard !state.isEmpty else { return }
            writeRegister(register, value, &state)
        }
    }

    // MARK: Register behaviour

    private func decode(_ offset: UInt64, _ width: MmioAccessWidth) throws(MmioFault) -> Register {
        try PlatformAccess.check(offset, width, allowed: PlatformAccess.wordOnly, size: Self.windowSize, device: name)
        guard let register = Register(rawValue: offset) else {
            throw MmioFault(.unmappedRegister, device: name, offset: offset, width: width)
        }
        return register
    }

    private func updating<Result: Sendable>(_ body: (inout State) -> Result) -> Result {
        state.withLock { state in
            let before = state.interruptAsserted
            let result = body(&state)
            if state.interruptAsserted != before { interruptObserver?(state.interruptAsserted) }
            return result
        }
    }

    private func writeRegister(_ register: Register, _ value: UInt32, _ state: inout State) {
        let queue = state.selectedQueue
        func setHalf(_ field: inout UInt64, high: Bool) {
            field = high
                ? (field & 0xFFFF_FFFF) | UInt64(value) << 32
                : (field & ~0xFFFF_FFFF) | UInt64(value)
        }
        switch register {
        case .deviceFeaturesSelect: state.deviceFeaturesSelect = value
        case .driverFeaturesSelect: state.driverFeaturesSelect = value
        case .driverFeatures:
            guard state.status & Status.featuresOK == 0, state.driverFeaturesSelect < 2 else { return }
            setHalf(&state.driverFeatures, high: state.driverFeaturesSelect == 1)
        case .queueSelect: state.queueSelect = value
        case .queueSize:
            // QEMU's virtio_queue_set_num ignores sizes above the maximum.
            if let queue, value <= state.queues[queue].maximumSize { state.queues[queue].size = value }
        case .queueReady:
            if let queue { state.queues[queue].ready = value & 1 != 0 }
        case .queueNotify:
            // With VIRTIO_F_NOTIFICATION_DATA the high half carries ring positions; the index
            // is always the low 16 bits.
            let index = Int(value & 0xFFFF)
            if index < state.queues.count {
                state.queues[index].notificationCount &+= 1
                notifyObserver?(index)
            }
        case .interruptAcknowledge: state.interruptStatus &= ~value
        case .status: writeStatus(value & 0xFF, &state)
        case .queueDescriptorLow, .queueDescriptorHigh:
            if let queue { setHalf(&state.queues[queue].descriptorArea, high: register == .queueDescriptorHigh) }
        case .queueDriverLow, .queueDriverHigh:
            if let queue { setHalf(&state.queues[queue].driverArea, high: register == .queueDriverHigh) }
        case .queueDeviceLow, .queueDeviceHigh:
            if let queue { setHalf(&state.queues[queue].deviceArea, high: register == .queueDeviceHigh) }
        case .sharedMemorySelect: break   // no regions to select
        case .magicValue, .version, .deviceID, .vendorID, .deviceFeatures, .queueSizeMaximum,
             .interruptStatus, .configGeneration, .sharedMemoryLengthLow, .sharedMemoryLengthHigh,
             .sharedMemoryBaseLow, .sharedMemoryBaseHigh:
            break   // read-only: writes ignored (QEMU logs "write to read-only register")
        }
    }

    private func writeStatus(_ value: UInt32, _ state: inout State) {
        guard value != 0 else {
            state.reset()
            return
        }
        var value = value
        let settingFeaturesOK = value & Status.featuresOK != 0 && state.status & Status.featuresOK == 0
        if settingFeaturesOK {
            let offered = state.device.deviceFeatures
            let acceptable = state.driverFeatures & ~offered == 0
                && (offered & VirtioMmioDeviceConfiguration.Feature.version1 == 0
                    || state.driverFeatures & VirtioMmioDeviceConfiguration.Feature.version1 != 0)
            if !acceptable { value &= ~Status.featuresOK }
        }
        state.status = value
    }

    private static func readConfig(_ bytes: [UInt8], at offset: Int, width: MmioAccessWidth) -> UInt64 {
        guard offset >= 0, offset + width.rawValue <= bytes.count else { return width.valueMask }
        var value: UInt64 = 0
        for lane in 0..<width.rawValue {
            value |= UInt64(bytes[offset + lane]) << UInt64(lane * 8)
        }
        return value
    }
}
