// VirtioMmioDriver: the virtio-mmio transport's probe and feature negotiation (virtio 1.1 §4.2.2,
// §3.1.1): check the magic ("virt") and version (2, modern), read DeviceID and VendorID — an empty
// slot (DeviceID 0) is skipped — reset (Status = 0), ACKNOWLEDGE then DRIVER, read the 64 feature
// bits, accept VIRTIO_F_VERSION_1 plus whatever the caller supports, FEATURES_OK, and re-read
// Status to see the device agreed. Reports a `VirtioDeviceInfo`. Queues and DRIVER_OK are the
// device-specific driver's (net, block) next step; `readConfig` gives it the configuration space.
//
// Fuchsia counterpart: src/devices/bus/lib/virtio (backends/mmio.cc: Bind checks magic/version,
// DeviceReset, DriverStatusAck, ReadFeatures/SetFeatures over DeviceFeaturesSel, ConfirmFeatures,
// ReadDeviceConfig; device.cc: the init sequence), spec references as above.

import Mmio

/// What a virtio device reports after negotiation.
public struct VirtioDeviceInfo: Sendable, Equatable {
    /// Device type (1 net, 2 block, 3 console, 4 entropy, 16 gpu, 18 input).
    public var deviceID: UInt32
    public var vendor: UInt32
    /// The features agreed (what the driver wrote and the device accepted with FEATURES_OK).
    public var features: UInt64
    /// Everything the device offered.
    public var deviceFeatures: UInt64

    public init(deviceID: UInt32, vendor: UInt32, features: UInt64, deviceFeatures: UInt64) {
        self.deviceID = deviceID
        self.vendor = vendor
        self.features = features
        self.deviceFeatures = deviceFeatures
    }
}

/// virtio-mmio registers, status bits and features (virtio 1.1 §4.2.2, §2.1, §6).
public enum VirtioMmioSpec {
    public enum Register {
        public static let magic = 0x000, version = 0x004, deviceID = 0x008, vendorID = 0x00C
        public static let deviceFeatures = 0x010, deviceFeaturesSelect = 0x014
        public static let driverFeatures = 0x020, driverFeaturesSelect = 0x024
        public static let status = 0x070, configGeneration = 0x0FC, config = 0x100

        public static let magicValue: UInt32 = 0x7472_6976   // "virt"
    }

    public enum Status {
        public static let acknowledge: UInt32 = 1, driver: UInt32 = 2, driverOK: UInt32 = 4
        public static let featuresOK: UInt32 = 8, failed: UInt32 = 128
    }

    public enum Feature {
        public static let version1: UInt64 = 1 << 32
    }
}

public struct VirtioMmioDriver<Access: MmioAccess> {
    public typealias Register = VirtioMmioSpec.Register
    public typealias Status = VirtioMmioSpec.Status
    public typealias Feature = VirtioMmioSpec.Feature

    public let registers: RegisterWindow<Access>
    public var pollBudget = Poll.defaultReads
    public private(set) var info: VirtioDeviceInfo?

    public init(registers window: Access) {
        registers = RegisterWindow(window, device: "virtio-mmio")
    }

    /// The device ID behind the transport, or nil for an empty slot.
    /// - Throws: `.unsupportedDevice` for a bad magic value or a version other than 2.
    public func probe() throws(DriverError) -> UInt32? {
        let magic = try registers.read32(Register.magic, "MagicValue")
        guard magic == Register.magicValue else { throw .unsupportedDevice("virtio-mmio magic \(String.hex(magic))") }
        let version = try registers.read32(Register.version, "Version")
        guard version == 2 else {
            throw .unsupportedDevice("virtio-mmio version \(version) (only the modern layout, 2, is driven)")
        }
        let id = try registers.read32(Register.deviceID, "DeviceID")
        return id == 0 ? nil : id
    }

    /// Probe, reset, acknowledge and negotiate. `supportedFeatures` are the device-specific bits
    /// the caller's driver handles; VERSION_1 is always required. Returns nil for an empty slot.
    /// - Throws: `.unsupportedDevice` if the device does not offer VERSION_1 or refuses the
    ///   features (FEATURES_OK does not stick) — Status is left with FAILED set, as §3.1.1 asks.
    @discardableResult
    public mutating func initialize(supportedFeatures: UInt64 = 0) throws(DriverError) -> VirtioDeviceInfo? {
        guard let deviceID = try probe() else { return nil }
        let vendor = try registers.read32(Register.vendorID, "VendorID")
        try reset()
        var status = Status.acknowledge
        try registers.write32(status, Register.status, "Status")
        status |= Status.driver
        try registers.write32(status, Register.status, "Status")

        try registers.write32(0, Register.deviceFeaturesSelect, "DeviceFeaturesSel")
        let low = try registers.read32(Register.deviceFeatures, "DeviceFeatures")
        try registers.write32(1, Register.deviceFeaturesSelect, "DeviceFeaturesSel")
        let high = try registers.read32(Register.deviceFeatures, "DeviceFeatures")
        let offered = UInt64(low) | UInt64(high) << 32
        guard offered & Feature.version1 != 0 else {
            try registers.write32(status | Status.failed, Register.status, "Status")
            throw .unsupportedDevice("virtio-mmio device \(deviceID) does not offer VIRTIO_F_VERSION_1")
        }
        let accepted = offered & (supportedFeatures | Feature.version1)
        try registers.write32(0, Register.driverFeaturesSelect, "DriverFeaturesSel")
        try registers.write32(UInt32(truncatingIfNeeded: accepted), Register.driverFeatures, "DriverFeatures")
        try registers.write32(1, Register.driverFeaturesSelect, "DriverFeaturesSel")
        try registers.write32(UInt32(truncatingIfNeeded: accepted >> 32), Register.driverFeatures, "DriverFeatures")
        status |= Status.featuresOK
        try registers.write32(status, Register.status, "Status")
        guard try registers.read32(Register.status, "Status") & Status.featuresOK != 0 else {
            try registers.write32(status | Status.failed, Register.status, "Status")
            throw .unsupportedDevice("virtio-mmio device \(deviceID) refused features \(String.hex(accepted))")
        }
        let result = VirtioDeviceInfo(deviceID: deviceID, vendor: vendor, features: accepted, deviceFeatures: offered)
        info = result
        return result
    }

    /// Writes 0 to Status and waits for it to read back 0 (§4.2.2.1).
    public func reset() throws(DriverError) {
        try registers.write32(0, Register.status, "Status")
        try registers.poll32(Register.status, "Status", "Status reset", maxReads: pollBudget) { $0 == 0 }
    }

    /// `count` bytes of the device configuration space from `offset`, read until two passes see
    /// the same ConfigGeneration (§4.2.2: a consistent snapshot).
    public func readConfig(offset: Int, count: Int) throws(DriverError) -> [UInt8] {
        let available = registers.io.size - Register.config
        guard offset >= 0, count >= 0, available >= 0, offset <= available, count <= available - offset else {
            throw .invalidArgument("virtio-mmio config read of \(count) bytes at \(offset)")
        }
        for _ in 0..<8 {
            let before = try registers.read32(Register.configGeneration, "ConfigGeneration")
            var bytes: [UInt8] = []
            for index in 0..<count {
                bytes.append(try registers.read8(Register.config + offset + index, "config+\(offset + index)"))
            }
            if try registers.read32(Register.configGeneration, "ConfigGeneration") == before { return bytes }
        }
        throw .timeout("virtio-mmio ConfigGeneration kept changing")
    }
}
