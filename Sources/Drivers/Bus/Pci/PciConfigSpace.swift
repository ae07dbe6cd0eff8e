// PciConfigSpace: the bus driver's view of configuration space through ECAM — the window the
// host bridge decodes at `ecamBase` (bus << 20 | device << 15 | function << 12 | register),
// reached through an MMIO resource, a physical VMO and an uncached lib/mmio mapping.
//
// Each bus's 1 MiB is mapped on first use rather than the whole window at once: MmioBuffer maps
// with MAP_RANGE, and the emulated MMU would populate page tables for all of a 256-bus window
// (256 MiB, 64 Ki entries) that the scan never touches. Fuchsia's bus driver maps the whole ECAM
// VMO (src/devices/bus/drivers/pci/config.cc MmioConfig, bus.cc MapEcam); the accesses are the
// same. Accesses are 1, 2 or 4 bytes, naturally aligned, as ECAM requires.
//
// Counterpart: src/devices/bus/drivers/pci/config.cc (MmioConfig Read/Write) and the register
// offsets of fuchsia.hardware.pci.Config (driver-model.md §7.1–7.3).
import Mmio
import ZX
import ZirconKernel

/// Configuration-space register offsets and bits the bus driver uses.
enum PciReg {
    static let vendorID = 0x00
    static let deviceID = 0x02
    static let command = 0x04
    static let status = 0x06
    static let revision = 0x08
    static let progIf = 0x09
    static let subclass = 0x0A
    static let baseClass = 0x0B
    static let headerType = 0x0E
    static let bar0 = 0x10
    static let primaryBus = 0x18
    static let secondaryBus = 0x19
    static let subordinateBus = 0x1A
    static let ioBase = 0x1C
    static let ioLimit = 0x1D
    static let memoryBase = 0x20
    static let memoryLimit = 0x22
    static let prefetchableBase = 0x24
    static let prefetchableLimit = 0x26
    static let prefetchableBaseUpper = 0x28
    static let prefetchableLimitUpper = 0x2C
    static let ioBaseUpper = 0x30
    static let ioLimitUpper = 0x32
    static let capabilitiesPointer = 0x34
    /// The first byte drivers may write (the header is the bus driver's).
    static let deviceSpecific = 0x40
    static let extendedCapabilities = 0x100

    static let commandIO: UInt16 = 1 << 0
    static let commandMemory: UInt16 = 1 << 1
    static let commandBusMaster: UInt16 = 1 << 2
    static let statusCapabilities: UInt16 = 1 << 4
    static let multiFunction: UInt8 = 0x80

    // PCI Express capability (ID 0x10) registers, relative to the capability.
    static let capabilityIDExpress: UInt16 = 0x10
    static let expressCapabilities = 0x02
    static let expressSlotCapabilities = 0x14
    static let expressSlotStatus = 0x1A
    static let expressSlotImplemented: UInt16 = 1 << 8
    static let slotHotPlugCapable: UInt32 = 1 << 6
    static let slotPresenceDetectChanged: UInt16 = 1 << 3
    static let slotPresenceDetectState: UInt16 = 1 << 6
    static let slotLinkStateChanged: UInt16 = 1 << 8
    /// Attention button, power fault, MRL, presence detect, command completed, DLL changed.
    static let slotEventBits: UInt16 = 0x011F
}

/// A mapped bus of ECAM (owns its MmioBuffer: dropping it unmaps and closes the VMO).
final class EcamBusMapping {
    let buffer: MmioBuffer
    init(_ buffer: consuming MmioBuffer) { self.buffer = buffer }
}

/// ECAM access for one host bridge.
final class PciConfigSpace {
    let root: PciRootDescription
    /// MMIO resource covering the ECAM window (owned).
    private var resource: zx_handle_t
    private var buses: [UInt8: EcamBusMapping] = [:]

    init(parent: zx_handle_t, root: PciRootDescription) throws(BusDriverError) {
        guard root.ecamBase.isPageAligned, root.ecamBase.checkedAdd(root.ecamSize) != nil else {
            throw .badDescription("ECAM window \(hex(root.ecamBase))+\(hex(root.ecamSize))")
        }
        self.root = root
        resource = try DeviceMemory.mmioResource(parent, base: root.ecamBase, size: root.ecamSize,
                                                 name: "\(root.name) ecam")
    }

    /// Unmaps every bus and closes the ECAM resource (on a thread of the bus driver's process).
    func release() {
        buses.removeAll()
        DeviceMemory.close(&resource)
    }

    var mappedBusCount: Int { buses.count }

    private func mapping(_ bus: UInt8) throws(BusDriverError) -> EcamBusMapping {
        if let existing = buses[bus] { return existing }
        guard resource != ZX_HANDLE_INVALID else { throw .shutDown }
        guard root.busRange.contains(bus) else {
            throw .invalidArgs("bus \(bus) is outside \(root.name)'s ECAM buses \(root.busRange)")
        }
        let base = root.ecamBase + (UInt64(bus - root.busRange.lowerBound) << 20)
        var vmo = zx_handle_t(ZX_HANDLE_INVALID)
        let status = zx_vmo_create_physical(resource, zx_paddr_t(base), 1 << 20, &vmo)
        guard status == ZX_OK else { throw .kernel(ZxStatus(rawValue: status), "zx_vmo_create_physical(ecam bus \(bus))") }
        DeviceMemory.setName(vmo, "ecam bus \(bus)")
        do throws(ZxStatus) {
            let buffer = try MmioBuffer.create(vmo: vmo, offset: 0, size: 1 << 20, cachePolicy: ZX_CACHE_POLICY_UNCACHED)
            let mapping = EcamBusMapping(buffer)
            buses[bus] = mapping
            return mapping
        } catch {
            throw .kernel(error, "mapping ECAM bus \(bus)")
        }
    }

    private func offset(_ bdf: PciBdf, _ register: Int, width: Int) throws(BusDriverError) -> Int {
        guard bdf.device < 32, bdf.function < 8 else { throw .invalidArgs("no function \(bdf)") }
        guard register >= 0, register + width <= 0x1000 else {
            throw .invalidArgs("config offset \(hex(UInt64(clamping: register))) outside the 4 KiB function space")
        }
        guard register % width == 0 else { throw .invalidArgs("\(width)-byte config access at \(register) is misaligned") }
        return Int(bdf.device) << 15 | Int(bdf.function) << 12 | register
    }

    func read8(_ bdf: PciBdf, _ register: Int) throws(BusDriverError) -> UInt8 { try read(UInt8.self, bdf, register) }
    func read16(_ bdf: PciBdf, _ register: Int) throws(BusDriverError) -> UInt16 { try read(UInt16.self, bdf, register) }
    func read32(_ bdf: PciBdf, _ register: Int) throws(BusDriverError) -> UInt32 { try read(UInt32.self, bdf, register) }
    func write8(_ bdf: PciBdf, _ register: Int, _ value: UInt8) throws(BusDriverError) { try write(value, bdf, register) }
    func write16(_ bdf: PciBdf, _ register: Int, _ value: UInt16) throws(BusDriverError) { try write(value, bdf, register) }
    func write32(_ bdf: PciBdf, _ register: Int, _ value: UInt32) throws(BusDriverError) { try write(value, bdf, register) }

    func read<T: MmioWord>(_ type: T.Type, _ bdf: PciBdf, _ register: Int) throws(BusDriverError) -> T {
        let at = try offset(bdf, register, width: MemoryLayout<T>.size)
        let mapping = try mapping(bdf.bus)
        do throws(MmioAccessError) {
            return try mapping.buffer.read(T.self, at: at)
        } catch {
            throw .mmio(error, "config read \(bdf) +\(hex(UInt64(register)))")
        }
    }

    func write<T: MmioWord>(_ value: T, _ bdf: PciBdf, _ register: Int) throws(BusDriverError) {
        let at = try offset(bdf, register, width: MemoryLayout<T>.size)
        let mapping = try mapping(bdf.bus)
        do throws(MmioAccessError) {
            try mapping.buffer.write(value, at: at)
        } catch {
            throw .mmio(error, "config write \(bdf) +\(hex(UInt64(register)))")
        }
    }
}
