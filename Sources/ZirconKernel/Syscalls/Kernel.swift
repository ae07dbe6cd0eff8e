// Kernel: one emulated machine (RAM, the MMIO map, PMM), its koid counter, ASLR policy, root
// resource, resource registry and processes. Several kernels in one host process share nothing.
// Also MachineProfile (its device-memory rules and MachineConfiguration are in Machine.swift).
//
// Zircon counterpart: kernel boot state (pmm, KernelObjectId generator in
// zircon/kernel/object/dispatcher.cc, the root resource from
// zircon/kernel/object/root_resource ... resource_dispatcher.cc, aslr.* boot options).

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Hardware
import Synchronization
import VM
import ZX

/// The emulated machine's architecture; decides the user address-space range.
public enum MachineProfile: Sendable {
    case x64
    case arm64

    /// USER_ASPACE_BASE (both architectures: 2 MiB, the first 2 MiB catch null dereferences).
    public var userAspaceBase: UInt { 0x20_0000 }

    /// USER_ASPACE_SIZE as in NEW Zircon's arch/kernel_aspace.h — except that the emulated page
    /// tables are x86-64's (4 levels, lower canonical half below 2^47) on every profile, so the
    /// arm64 range (0xffff_ff00_0000 - base, 48 bits) is clipped to x64's to stay mappable.
    public var userAspaceSize: Int {
        switch self {
        case .x64, .arm64: return (1 << 47) - 4096 - 0x20_0000
        }
    }
}

/// A Zircon kernel instance on an emulated machine.
public final class Kernel: @unchecked Sendable {
    /// Zircon clamps aslr.entropy_bits to this (kMaxAslrEntropyBits).
    public static let maxAslrEntropyBits = 36

    public let profile: MachineProfile
    /// The machine this kernel booted on.
    public let machine: MachineConfiguration
    /// RAM carved out at boot for physical VMOs (`MachineConfiguration.reservedMemorySize`).
    public let reservedMemory: PhysicalRange?
    let memory: PhysicalMemory
    let pmm: PMM
    /// The boot-time ASLR configuration (per-process seeds derive from the kernel's generator).
    let aslr: AslrPolicy
    /// The root resource (ZX_RSRC_KIND_ROOT).
    let rootResourceObject: ResourceDispatcher
    /// Live ranged resources, for exclusive reservations.
    let resources = ResourceRegistry()
    /// Cache maintenance ops drivers issued, oldest first (Syscalls+Resource.swift).
    let cacheLog = Mutex<[CacheOperationRecord]>([])

    private let nextKoid: Atomic<UInt64>
    private let random: Mutex<SplitMix64>
    private let processes = Mutex<[WeakProcess]>([])
    private let debuglog = Mutex<DebugLog>(DebugLog())

    /// The kernel log: the most recent messages plus an optional sink.
    private struct DebugLog {
        static let capacity = 256
        var recent: [String] = []
        var sink: (@Sendable (String) -> Void)?
    }

    private struct WeakProcess {
        weak var process: ProcessDispatcher?
    }

    /// Boots a kernel.
    /// - Parameters:
    ///   - memorySize: bytes of emulated RAM (a multiple of the page size).
    ///   - aslrEntropyBits: Zircon's aslr.entropy_bits (default 30); 0 disables ASLR; values
    ///     above 36 are clamped as Zircon does.
    ///   - seed: seeds every random choice (ASLR, handle-value mixers); random when nil.
    ///   - profile: the machine architecture.
    /// - Throws: `ZxStatus.invalidArgs` for a bad size or negative entropy, or what the
    ///   machine and PMM throw.
    public convenience init(memorySize: Int = 1 << 30, aslrEntropyBits: Int = 30, seed: UInt64? = nil,
                            profile: MachineProfile = .x64) throws {
        try self.init(machine: MachineConfiguration(profile: profile, memorySize: memorySize),
                      aslrEntropyBits: aslrEntropyBits, seed: seed)
    }

    /// Boots a kernel on the machine `machine` describes: its profile, RAM, device windows
    /// (the MMIO half of the physical address map) and reserved RAM.
    /// - Throws: `ZxStatus.invalidArgs` for a bad size, negative entropy, overlapping device
    ///   windows or a window sharing a page with RAM; `.noMemory` if the reserved RAM does not
    ///   fit; or what the machine and PMM throw.
    public init(machine: MachineConfiguration, aslrEntropyBits: Int = 30, seed: UInt64? = nil) throws {
        guard machine.memorySize > 0, aslrEntropyBits >= 0, machine.reservedMemorySize >= 0 else {
            throw ZxStatus.invalidArgs
        }
        var generator = SystemRandomNumberGenerator()
        let rootSeed = seed ?? generator.next()
        var random = SplitMix64(seed: rootSeed)
        self.profile = machine.profile
        self.machine = machine
        self.memory = try PhysicalMemory(base: PhysicalAddress(machine.ramBase),
                                         size: machine.memorySize, mmio: machine.mmioMap())
        self.pmm = try PMM(memory: memory)
        if machine.reservedMemorySize > 0 {
            guard let bytes = UInt64(machine.reservedMemorySize).pageRoundedUp else { throw ZxStatus.invalidArgs }
            let pages = Int(bytes >> UInt64(PageGeometry.shift))
            let base = try pmm.allocContiguous(pages: pages, alignmentLog2: 0, state: .wired)
            self.reservedMemory = PhysicalRange(base: base.rawValue, size: bytes)
        } else {
            self.reservedMemory = nil
        }
        let bits = min(aslrEntropyBits, Kernel.maxAslrEntropyBits)
        self.aslr = AslrPolicy(enabled: bits > 0, entropyBits: bits, seed: random.next())
        // The root resource takes the first koid.
        self.rootResourceObject = ResourceDispatcher(kind: ZX_RSRC_KIND_ROOT, koid: ZX_KOID_FIRST,
                                                     name: "root")
        self.nextKoid = Atomic(UInt64(ZX_KOID_FIRST) + 1)
        self.random = Mutex(random)
    }

    /// Creates a process with its own address space and root VMAR.
    /// - Throws: `ZxStatus` from the address-space setup (e.g. `.noMemory`).
    public func createProcess(name: String) throws -> Process {
        let dispatcher = try ProcessDispatcher.create(kernel: self, name: name)
        processes.withLock { list in
            list.removeAll { $0.process == nil }
            list.append(WeakProcess(process: dispatcher))
        }
        return Process(dispatcher: dispatcher)
    }

    /// Installs a handle to the root resource in `process`'s handle table and returns its
    /// value (use it inside that process's `run`).
    /// - Throws: `ZxStatus.invalidArgs` if the process belongs to another kernel;
    ///   `.badState` if it is dead.
    public func rootResource(for process: Process) throws -> zx_handle_t {
        guard process.dispatcher.kernel === self else { throw ZxStatus.invalidArgs }
        return try process.dispatcher.handles.add(rootResourceObject, rootResourceObject.defaultRights)
    }

    /// Live processes of this kernel (those not yet destroyed).
    var liveProcesses: [ProcessDispatcher] {
        processes.withLock { list in list.compactMap(\.process) }
    }

    // MARK: Kernel log

    /// The most recent kernel log messages (at most 256), oldest first: crash reports of fatal
    /// exceptions, like the lines Zircon writes to its debuglog.
    public var recentLog: [String] { debuglog.withLock { $0.recent } }

    /// Also sends every new kernel log message to `sink` (nil: keep them only in `recentLog`),
    /// e.g. `{ fputs($0 + "\n", stderr) }`. Called on the logging thread, no kernel lock held.
    public func setLogSink(_ sink: (@Sendable (String) -> Void)?) {
        debuglog.withLock { $0.sink = sink }
    }

    /// Appends `message` to the kernel log.
    func log(_ message: String) {
        let sink: (@Sendable (String) -> Void)? = debuglog.withLock { log in
            if log.recent.count >= DebugLog.capacity { log.recent.removeFirst() }
            log.recent.append(message)
            return log.sink
        }
        sink?(message)
    }

    // MARK: Kernel services

    /// A fresh koid (unique in this kernel, starting at ZX_KOID_FIRST).
    func allocateKoid() -> zx_koid_t {
        zx_koid_t(nextKoid.wrappingAdd(1, ordering: .relaxed).oldValue)
    }

    /// 64 random bits from the kernel's (seeded) generator.
    func randomUInt64() -> UInt64 {
        random.withLock { $0.next() }
    }

    /// The ASLR policy for a new address space: the boot policy with a fresh seed.
    func aslrPolicy() -> AslrPolicy {
        var policy = aslr
        policy.seed = randomUInt64()
        return policy
    }

    /// ZX_CLOCK_MONOTONIC in nanoseconds.
    static func monotonicNow() -> zx_time_t {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return zx_time_t(ts.tv_sec) * 1_000_000_000 + zx_time_t(ts.tv_nsec)
    }

    /// ZX_CLOCK_MONOTONIC `timeout` from now, saturating at zx_time_t.max.
    static func deadline(after timeout: Duration) -> zx_time_t {
        let now = monotonicNow()
        let (seconds, attoseconds) = timeout.components
        guard seconds >= 0, attoseconds >= 0 else { return now }
        let (whole, o1) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (total, o2) = whole.addingReportingOverflow(attoseconds / 1_000_000_000)
        let (deadline, o3) = now.addingReportingOverflow(total)
        return o1 || o2 || o3 ? zx_time_t.max : deadline
    }

    /// ZX_INFO_KMEM_STATS from the PMM counters.
    func kmemStats() -> zx_info_kmem_stats_t {
        let stats = pmm.stats
        let page = UInt64(PageGeometry.size)
        var info = zx_info_kmem_stats_t()
        info.total_bytes = UInt64(stats.totalPages) * page
        info.free_bytes = UInt64(stats.freePages) * page
        info.wired_bytes = UInt64(stats.wiredPages) * page
        info.vmo_bytes = UInt64(stats.objectPages) * page
        info.mmu_overhead_bytes = UInt64(stats.mmuPages) * page
        let accounted = info.free_bytes + info.wired_bytes + info.vmo_bytes + info.mmu_overhead_bytes
        info.other_bytes = info.total_bytes > accounted ? info.total_bytes - accounted : 0
        return info
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014): small, seedable, good enough for ASLR and mixers.
struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
