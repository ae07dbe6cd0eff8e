// The emulated machine a Kernel boots on: its architecture profile, RAM, the MMIO windows of its
// devices (the physical address map) and the device-memory rules the profile implies.
//
// Reading of the device-memory seed (shared/seeds/device-memory-access.md) and Zircon's code:
// - Physical VMOs default to ZX_CACHE_POLICY_UNCACHED on every architecture (Zircon's
//   VmObjectPhysical::Create). What that means differs: x64 maps it PAT UC; arm64 maps it
//   Device-nGnRnE (Zircon's arm64 MMU: UNCACHED → "strongly ordered", AttrIndx 0), which is the
//   "mapped uncached" the seed describes for ARM. `MachineProfile.defaultPhysicalCachePolicy`.
// - x64: "peripheral memory is always cache coherent, so it can be mapped as cached" — CACHED
//   physical VMOs over device memory are allowed (`deviceMemoryCoherent`).
// - arm64: "peripheral memory is not cache coherent, thus it is often mapped as uncached";
//   mapping it cached and managing coherency by hand is for advanced drivers. Zirconia models
//   that as a machine opt-in: an arm64 machine refuses ZX_CACHE_POLICY_CACHED on a physical VMO
//   over device memory (NOT_SUPPORTED) unless built with `allowCachedDeviceMemory = true`.
//   UNCACHED_DEVICE and WRITE_COMBINING are always allowed. RAM-backed physical VMOs may be
//   CACHED on both.
//
// Zircon counterpart: the board's memory map (ZBI MEM_CONFIG RAM / PERIPHERAL ranges) and
// arch/{x86,arm64}/mmu.cc's cache attributes; nothing here is a syscall.

import Hardware
import ZX

extension MachineProfile {
    /// True if device memory is coherent with the CPU caches (x64), so it may be mapped cached.
    public var deviceMemoryCoherent: Bool { self == .x64 }

    /// The cache policy a new physical VMO gets (Zircon: UNCACHED on every architecture).
    public var defaultPhysicalCachePolicy: UInt32 { ZX_CACHE_POLICY_UNCACHED }

    /// The arm64 memory attribute of a cache policy, or nil on x64 (whose encoding is the PTE's
    /// PAT bits, `CacheAttributes.x86PatIndex`).
    public func arm64Attribute(forCachePolicy policy: UInt32) -> Arm64MemoryAttribute? {
        self == .arm64 ? Arm64MemoryAttribute.forCachePolicy(policy) : nil
    }
}

/// One device window of a machine: `device` decodes `[base, base + device.regionSize)`.
public struct MachineDevice: Sendable {
    public var base: UInt64
    public var device: any MmioDevice

    public init(base: UInt64, device: any MmioDevice) {
        self.base = base
        self.device = device
    }
}

/// How to build the emulated machine: `Kernel(machine:)`.
///
/// ```swift
/// var machine = MachineConfiguration(profile: .arm64, memorySize: 64 << 20)
/// machine.devices.append(MachineDevice(base: 0x0900_0000, device: uart))
/// let kernel = try Kernel(machine: machine)
/// ```
/// RAM sits at physical 0x10_0000 (`ramBase`) unless the machine moves it (the arm64 `virt`
/// machine's RAM starts at 0x4000_0000); device windows must not share a page with it.
public struct MachineConfiguration: Sendable {
    /// Physical address of the first byte of RAM unless a machine sets `ramBase`.
    public static let ramBase: UInt64 = 0x10_0000

    public var profile: MachineProfile
    /// Physical address of the first byte of this machine's RAM (page aligned).
    public var ramBase: UInt64 = MachineConfiguration.ramBase
    /// Bytes of RAM (a multiple of the page size).
    public var memorySize: Int
    /// The MMIO windows (any order; they must not overlap each other or RAM's pages).
    public var devices: [MachineDevice]
    /// Bytes of RAM carved out at boot and never given to the PMM (a framebuffer or firmware
    /// carve-out): the only RAM the root resource may mint MMIO resources and physical VMOs over.
    /// Rounded up to pages. `Kernel.reservedMemory` says where it landed.
    public var reservedMemorySize: Int
    /// Whether a physical VMO over device memory may be set CACHED (default: the profile's
    /// `deviceMemoryCoherent`).
    public var allowCachedDeviceMemory: Bool

    public init(profile: MachineProfile = .x64, memorySize: Int = 1 << 30,
                devices: [MachineDevice] = [], reservedMemorySize: Int = 0) {
        self.profile = profile
        self.memorySize = memorySize
        self.devices = devices
        self.reservedMemorySize = reservedMemorySize
        self.allowCachedDeviceMemory = profile.deviceMemoryCoherent
    }

    /// Adds a device window at physical `base`.
    public mutating func addDevice(_ device: any MmioDevice, at base: UInt64) {
        devices.append(MachineDevice(base: base, device: device))
    }

    /// The MMIO map of this configuration.
    /// - Throws: `.invalidArgs` for an empty or wrapping window or overlapping windows.
    func mmioMap() throws(ZxStatus) -> MmioRegionMap {
        var regions: [MmioRegion] = []
        for entry in devices {
            regions.append(try MmioRegion(base: PhysicalAddress(entry.base), device: entry.device))
        }
        return try MmioRegionMap(regions)
    }
}

/// A physical range of the machine (base and size in bytes).
public struct PhysicalRange: Sendable, Equatable {
    public var base: UInt64
    public var size: UInt64

    public init(base: UInt64, size: UInt64) {
        self.base = base
        self.size = size
    }

    /// True if `[base, base + size)` lies inside this range (size > 0, no wrap).
    public func contains(base other: UInt64, size otherSize: UInt64) -> Bool {
        guard otherSize > 0, let otherEnd = other.checkedAdd(otherSize), let end = base.checkedAdd(size) else { return false }
        return other >= base && otherEnd <= end
    }

    /// True if the two ranges share a byte.
    public func intersects(base other: UInt64, size otherSize: UInt64) -> Bool {
        guard size > 0, otherSize > 0 else { return false }
        let end = base.checkedAdd(size) ?? UInt64.max
        let otherEnd = other.checkedAdd(otherSize) ?? UInt64.max
        return other < end && base < otherEnd
    }
}

/// One cache maintenance operation a driver asked for (`Kernel.cacheOperations`).
public struct CacheOperationRecord: Sendable, Equatable {
    /// ZX_VMO_OP_CACHE_SYNC / _INVALIDATE / _CLEAN / _CLEAN_INVALIDATE.
    public var op: UInt32
    /// The koid of the VMO (vmo_op_range) or 0 for a virtual-address op (zx_cache_flush).
    public var vmoKoid: zx_koid_t
    /// VMO offset, or the virtual address for zx_cache_flush.
    public var offset: UInt64
    public var size: UInt64

    public init(op: UInt32, vmoKoid: zx_koid_t, offset: UInt64, size: UInt64) {
        self.op = op
        self.vmoKoid = vmoKoid
        self.offset = offset
        self.size = size
    }
}
