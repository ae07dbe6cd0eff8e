// PciBus: the PCI root bus driver's hardware logic for one host bridge — enumerate every bus
// through ECAM (multi-function devices, PCI-to-PCI bridges and root ports with their secondary
// buses), size every BAR, place each one (keeping what firmware assigned when it is valid,
// otherwise first-fit from the host bridge's apertures or the bridge window it sits behind),
// turn decode on, and from then on serve the fuchsia.hardware.pci protocol to the drivers of
// the functions (PciBus+Protocol.swift) and handle hot-plug slots (PciBus+HotPlug.swift).
//
// Policies (documented choices):
// - BAR addresses: a BAR firmware assigned is kept when its decode was enabled, it lies inside
//   the window its function sits behind and it overlaps nothing kept before it — Fuchsia's
//   Device::ProbeBar/AllocateBar do the same; everything else is allocated largest first with
//   natural alignment. `PciBusOptions.keepFirmwareAssignments = false` reassigns everything.
// - Bridge windows are trusted as firmware programmed them and never resized (Fuchsia bridge.cc;
//   hot-plug works because firmware pre-allocated the port's windows, driver-model.md §7.6). A
//   bridge's windows are claimed from its parent's pools and become pools for what is below it.
// - Bus numbers: a bridge keeps firmware's secondary/subordinate numbers when they are above
//   its bus, inside the ECAM range and not used yet; otherwise it gets the next free bus.
// - 64-bit or prefetchable memory BARs prefer the prefetchable pool, then the memory pool;
//   32-bit BARs never get an address at or above 4 GiB; I/O BARs come from the I/O pool.
// - Problems that leave the rest of the bus usable (a BAR that fits nowhere, a bridge without a
//   bus number) are recorded in `diagnostics` and the BAR is reported unassigned.
//
// Threading: a PciBus is confined to its bus driver (not Sendable) — every call must be made on
// a thread of the bus driver's process (`Process.run`), one at a time, as bus-pci serializes
// its Bus under a lock. `shutdown()` must run there too: it unmaps ECAM and closes every
// resource the bus minted. VMOs and resources handed out by getBar belong to the caller.
//
// Counterpart: src/devices/bus/drivers/pci — bus.cc (Bus::Initialize, ScanDownstream, MapEcam),
// device.cc (Device::Create, ProbeBars/ProbeBar, AllocateBars, EnableBusMaster), bridge.cc
// (Bridge::Create, ParseBusWindowsLocked, AllocateBridgeWindowsLocked), allocation.cc
// (PciRootAllocator/PciRegionAllocator), config.cc (MmioConfig); driver-model.md §5.2 and §7.
import ZX
import ZirconKernel

public final class PciBus {
    public let root: PciRootDescription
    public let options: PciBusOptions

    /// Where the bus pools come from: a root function's parent is nil.
    struct PoolKey: Hashable {
        enum Kind: Hashable { case memory, prefetchable, io }
        var owner: PciBdf?
        var kind: Kind
    }

    struct Allocation: Equatable {
        var pool: PoolKey
        var range: BusAddressRange
    }

    /// Everything the bus knows about one function.
    struct FunctionRecord {
        var info: PciFunctionInfo
        /// The bridge it sits behind (nil: the root bus).
        var parent: PciBdf?
        /// Bytes of configuration space: 4 KiB with a PCI Express capability, else 256.
        var configSize: Int
        var expressCapability: Int?
        /// Whether firmware had memory / I/O decode on when the bus found it.
        var firmwareDecode: UInt16
        /// BAR index → its range in a pool.
        var allocations: [Int: Allocation] = [:]
        /// A bridge's windows as claimed from its parent's pools.
        var windowClaims: [Allocation] = []
    }

    /// An aperture and the resource the bus minted over it (the authority for its BARs' VMOs).
    struct ApertureResource {
        var aperture: PciAperture
        var handle: zx_handle_t
        var range: BusAddressRange { BusAddressRange(base: aperture.base, size: aperture.size) }
    }

    var config: PciConfigSpace?
    var apertureResources: [ApertureResource] = []
    var records: [PciBdf: FunctionRecord] = [:]
    var pools: [PoolKey: AddressSpaceAllocator] = [:]
    var usedBuses: Set<UInt8> = []
    var enumerated = false
    /// Survivable problems found while enumerating (a BAR without room, a bridge left unnumbered).
    public private(set) var diagnostics: [String] = []

    /// Takes the resource the board gave the bus driver — the root resource, or an MMIO resource
    /// covering ECAM and the memory apertures (borrowed, not closed) — and mints the bus's own:
    /// one over ECAM and one per aperture. Call on a thread of the bus driver's process.
    /// - Throws: `.badDescription` for an ECAM window or aperture that is misaligned, empty or
    ///   wraps, `.allocation` for overlapping apertures, `.kernel` if the resource does not grant
    ///   ECAM or a memory aperture.
    public convenience init(resource: zx_handle_t, root: PciRootDescription,
                            options: PciBusOptions = PciBusOptions()) throws(BusDriverError) {
        try self.init(ecamResource: resource, windowResource: resource, root: root, options: options)
    }

    /// The same with separate authorities: an MMIO resource over the ECAM window and one over the
    /// apertures (pciroot hands out its windows this way). I/O apertures need the root resource
    /// (IOPORT kind); when `windowResource` cannot grant one, I/O BARs still get ports but
    /// getBar refuses them, and `diagnostics` says why.
    public init(ecamResource: zx_handle_t, windowResource: zx_handle_t, root: PciRootDescription,
                options: PciBusOptions = PciBusOptions()) throws(BusDriverError) {
        self.root = root
        self.options = options
        var minted: [ApertureResource] = []
        var configSpace: PciConfigSpace?
        do throws(BusDriverError) {
            configSpace = try PciConfigSpace(parent: ecamResource, root: root)
            for aperture in root.apertures {
                let range = BusAddressRange(base: aperture.base, size: aperture.size)
                guard range.size > 0, range.end != nil else {
                    throw .badDescription("\(root.name): aperture \(range) is empty or wraps")
                }
                try addToRootPool(aperture)
                switch aperture.kind {
                case .io:
                    do throws(BusDriverError) {
                        let handle = try DeviceMemory.resource(windowResource, kind: ZX_RSRC_KIND_IOPORT, base: aperture.base,
                                                               size: aperture.size, name: "\(root.name) io")
                        minted.append(ApertureResource(aperture: aperture, handle: handle))
                    } catch {
                        note("\(root.name): I/O aperture \(range) not granted (\(error)); I/O BARs cannot be handed out")
                    }
                case .memory32, .memory64:
                    let handle = try DeviceMemory.mmioResource(windowResource, base: aperture.base, size: aperture.size,
                                                               name: "\(root.name) mem")
                    minted.append(ApertureResource(aperture: aperture, handle: handle))
                }
            }
        } catch {
            configSpace?.release()
            for var resource in minted { DeviceMemory.close(&resource.handle) }
            throw error
        }
        config = configSpace
        apertureResources = minted
    }

    private func addToRootPool(_ aperture: PciAperture) throws(BusDriverError) {
        let kind: PoolKey.Kind
        switch aperture.kind {
        case .io: kind = .io
        case .memory64: kind = .prefetchable
        case .memory32: kind = aperture.prefetchable ? .prefetchable : .memory
        }
        let key = PoolKey(owner: nil, kind: kind)
        do throws(AddressAllocatorError) {
            var pool: AddressSpaceAllocator
            if let existing = pools[key] { pool = existing } else { pool = try AddressSpaceAllocator(name: "\(root.name) \(kind) aperture") }
            try pool.addRegion(BusAddressRange(base: aperture.base, size: aperture.size))
            pools[key] = pool
        } catch {
            throw .allocation(error)
        }
    }

    /// Releases everything the bus minted: ECAM mappings and every resource. Idempotent.
    public func shutdown() {
        config?.release()
        config = nil
        for index in apertureResources.indices { DeviceMemory.close(&apertureResources[index].handle) }
        apertureResources.removeAll()
    }

    public var isShutDown: Bool { config == nil }

    /// A bus dropped without `shutdown()` tries the same; off the process's threads the unmap
    /// and closes fail quietly and the process's death reclaims them.
    deinit { shutdown() }

    func configSpace() throws(BusDriverError) -> PciConfigSpace {
        guard let config else { throw .shutDown }
        return config
    }

    func note(_ message: String) { diagnostics.append(message) }

    // MARK: Results

    /// Every function found, in bus/device/function order.
    public var functions: [PciFunctionInfo] { records.values.map(\.info).sorted { $0.bdf < $1.bdf } }

    public func function(_ bdf: PciBdf) -> PciFunctionInfo? { records[bdf]?.info }

    /// The free bytes left in a pool: nil owner is the host bridge, else a bridge's windows.
    public func freeBytes(behind bridge: PciBdf?, prefetchable: Bool = false) -> UInt64? {
        pools[PoolKey(owner: bridge, kind: prefetchable ? .prefetchable : .memory)]?.freeBytes
    }

    // MARK: Enumeration

    /// Scans every bus reachable from the root bus, sizes and places BARs, enables decode, and
    /// returns the functions. A second call returns the same list without touching hardware.
    public func enumerate() throws(BusDriverError) -> [PciFunctionInfo] {
        guard !enumerated else { return functions }
        let found = try scan(bus: root.busRange.lowerBound, parent: nil)
        try place(found)
        enumerated = true
        return functions
    }

    /// Scans `bus` and, depth first, the buses behind its bridges. Returns the new functions in
    /// discovery order (a bridge before what is behind it).
    func scan(bus: UInt8, parent: PciBdf?) throws(BusDriverError) -> [PciBdf] {
        let config = try configSpace()
        usedBuses.insert(bus)
        var found: [PciBdf] = []
        for device in UInt8(0)..<32 {
            let first = PciBdf(bus: bus, device: device)
            guard try isPresent(first, config) else { continue }
            let multi = try config.read8(first, PciReg.headerType) & PciReg.multiFunction != 0
            for function in UInt8(0)..<(multi ? 8 : 1) {
                let bdf = PciBdf(bus: bus, device: device, function: function)
                if function != 0, !(try isPresent(bdf, config)) { continue }
                var record = try probe(bdf, parent: parent, config)
                records[bdf] = record
                found.append(bdf)
                if record.info.isBridge {
                    found += try scanBridge(&record, bus: bus, config)
                    records[bdf] = record
                }
            }
        }
        return found
    }

    private func isPresent(_ bdf: PciBdf, _ config: PciConfigSpace) throws(BusDriverError) -> Bool {
        let vendor = try config.read16(bdf, PciReg.vendorID)
        return vendor != 0xFFFF && vendor != 0
    }

    /// Gives a bridge its bus numbers (keeping valid firmware ones) and scans behind it.
    private func scanBridge(_ record: inout FunctionRecord, bus: UInt8, _ config: PciConfigSpace) throws(BusDriverError) -> [PciBdf] {
        let bdf = record.info.bdf
        let secondary = try config.read8(bdf, PciReg.secondaryBus)
        let subordinate = try config.read8(bdf, PciReg.subordinateBus)
        let range = root.busRange
        let keep = secondary > bus && range.contains(secondary) && subordinate >= secondary
            && range.contains(subordinate) && !usedBuses.contains(secondary)
        var found: [PciBdf] = []
        if keep {
            record.info.secondaryBus = secondary
            record.info.subordinateBus = subordinate
            found = try scan(bus: secondary, parent: bdf)
            return found
        }
        guard let highest = usedBuses.max(), highest < range.upperBound else {
            note("\(bdf): no bus number left for its secondary bus; nothing behind it is enumerated")
            return []
        }
        let assigned = highest + 1
        try config.write8(bdf, PciReg.primaryBus, bus)
        try config.write8(bdf, PciReg.secondaryBus, assigned)
        // Route every remaining bus through it while scanning, then narrow to what was found.
        try config.write8(bdf, PciReg.subordinateBus, range.upperBound)
        found = try scan(bus: assigned, parent: bdf)
        let last = usedBuses.filter { $0 >= assigned }.max() ?? assigned
        try config.write8(bdf, PciReg.subordinateBus, last)
        record.info.secondaryBus = assigned
        record.info.subordinateBus = last
        return found
    }
}
