// AcpiBus: the ACPI bus driver's hardware logic on qemu-x64 — find the firmware table at the
// physical address the boot description gives (the role of the RSDP address a bootloader passes
// in the ZBI), map it through an MMIO resource and a physical VMO, verify and decode it, and
// turn what it describes into devices: each PCI root becomes a `PciRootDescription` for PciBus
// (published as the `pci` device), every other device an `acpi-<NAME>` node with its _HID/_CID
// bind properties and a GetMmio for its memory resources.
//
// GetMmio returns {vmo, offset, size} like the platform device's: the i8042's registers are
// 8 bytes at 0xFEF0_0060, so the VMO covers the page and the offset is 0x60. (Fuchsia's ACPI
// GetMmio refuses regions that are not page aligned with INVALID_ARGS; its fuchsia.mem.Range
// answer has an offset field, so this is the more useful reading of the same contract.)
//
// Threading: Sendable; init and getMmio make syscalls, so they run on a thread of the bus
// driver's process. The table mapping is dropped before init returns; nothing else is owned.
//
// Counterpart: src/devices/board/drivers/x86 (acpi/: the namespace walk publishing
// `acpi-<NAME>` nodes with BIND_ACPI_HID/CID and fuchsia.acpi.hid/first_cid, the PCI root
// handed to the pci bus driver as pciroot), fuchsia.hardware.acpi Device.GetMmio
// (driver-model.md §5.3); ACPICA tbutils.c (AcpiTbVerifyChecksum).
import Mmio
import Synchronization
import ZX
import ZirconKernel

/// A device the ACPI bus publishes.
public struct AcpiDeviceInfo: Sendable, Equatable {
    public var index: Int
    /// The namespace path (`\_SB_.PCI0.SF8_.KBD_`).
    public var path: String
    /// `acpi-<last path segment>` (DFv2's node name).
    public var publishedName: String
    public var hid: String
    public var cids: [String]
    public var mmio: [PhysicalRegion]
    public var ioPorts: [Range<UInt32>]
    public var interrupts: [BusInterrupt]
    public var properties: BusBindProperties

    public var bindProperties: [String: UInt32] { properties.integers }
}

public final class AcpiBus: Sendable {
    /// Tables are small; a length beyond this is taken as corruption rather than mapped.
    public static let maximumTableLength = 1 << 20

    public let tableAddress: UInt64
    public let table: AcpiFirmwareTable
    public let devices: [AcpiDeviceInfo]
    /// One per PCI root in the table, for `PciBus(resource:root:)`.
    public let pciRoots: [PciRootDescription]
    private let resource: zx_handle_t
    private let stopped = Atomic<Bool>(false)

    /// Reads and decodes the table at physical `tableAddress` using `resource` (the root resource
    /// or an MMIO resource covering the table and device windows; borrowed).
    /// - Throws: `.table` (offset named) for a malformed table, `.kernel`/`.mmio` if it cannot
    ///   be read.
    public convenience init(resource: zx_handle_t, tableAddress: UInt64) throws(BusDriverError) {
        let header = try Self.readPhysical(resource, PhysicalRegion(base: tableAddress, size: UInt64(AcpiTableParser.headerSize)))
        let length: Int
        do throws(AcpiTableParseError) {
            length = try AcpiTableParser.announcedLength(header: header)
        } catch {
            throw .table(error)
        }
        guard length <= Self.maximumTableLength else {
            throw .table(AcpiTableParseError(offset: 4, .badLength(UInt32(truncatingIfNeeded: length))))
        }
        let bytes = try Self.readPhysical(resource, PhysicalRegion(base: tableAddress, size: UInt64(length)))
        try self.init(resource: resource, tableAddress: tableAddress, bytes: bytes)
    }

    /// Decodes table bytes already read (tests, or a table handed over by the board driver).
    public init(resource: zx_handle_t, tableAddress: UInt64 = 0, bytes: [UInt8]) throws(BusDriverError) {
        self.resource = resource
        self.tableAddress = tableAddress
        let parsed: AcpiFirmwareTable
        do throws(AcpiTableParseError) {
            parsed = try AcpiTableParser.parse(bytes)
        } catch {
            throw .table(error)
        }
        table = parsed
        pciRoots = parsed.pciRoots.map { root in
            PciRootDescription(name: Self.lastSegment(root.path), segment: root.segment, ecamBase: root.ecamBase,
                               busRange: root.busRange, apertures: root.apertures)
        }
        devices = parsed.devices.enumerated().map { index, device in Self.info(device, index: index) }
    }

    /// Copies `region` out of physical memory through a temporary uncached mapping.
    static func readPhysical(_ resource: zx_handle_t, _ region: PhysicalRegion) throws(BusDriverError) -> [UInt8] {
        let mmio = try DeviceMemory.vmo(for: region, resource: resource, name: "acpi table")
        let buffer: MmioBuffer
        do throws(ZxStatus) {
            buffer = try MmioBuffer.create(vmo: mmio.vmo, offset: mmio.offset, size: Int(region.size),
                                           cachePolicy: ZX_CACHE_POLICY_UNCACHED)
        } catch {
            throw .kernel(error, "mapping the firmware table at \(hex(region.base))")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(region.size))
        do throws(MmioAccessError) {
            for offset in 0..<Int(region.size) { bytes.append(try buffer.read8(offset)) }
        } catch {
            throw .mmio(error, "reading the firmware table at \(hex(region.base))")
        }
        return bytes
    }

    private static func lastSegment(_ path: String) -> String {
        String(path.split(separator: ".").last.map { $0.drop { $0 == "\\" } } ?? Substring(path))
    }

    private static func info(_ device: AcpiFirmwareTable.Device, index: Int) -> AcpiDeviceInfo {
        var integers: [String: UInt32] = [BusBindKey.proto: BusProtocolID.acpiDevice]
        let hid = BusBindProperties.acpiIDWords(device.hid)
        integers[BusBindKey.acpiHid03] = hid.0
        integers[BusBindKey.acpiHid47] = hid.1
        var strings = [BusBindKey.acpiHid: device.hid]
        if let cid = device.cids.first {
            let words = BusBindProperties.acpiIDWords(cid)
            integers[BusBindKey.acpiCid03] = words.0
            integers[BusBindKey.acpiCid47] = words.1
            strings[BusBindKey.acpiFirstCid] = cid
        }
        var mmio: [PhysicalRegion] = []
        var ports: [Range<UInt32>] = []
        var interrupts: [BusInterrupt] = []
        for resource in device.resources {
            switch resource {
            case let .memory(region): mmio.append(region)
            case let .ioPorts(base, length): ports.append(UInt32(base)..<(UInt32(base) + UInt32(length)))
            case let .interrupt(interrupt): interrupts.append(interrupt)
            }
        }
        return AcpiDeviceInfo(index: index, path: device.path, publishedName: "acpi-" + lastSegment(device.path),
                              hid: device.hid, cids: device.cids, mmio: mmio, ioPorts: ports, interrupts: interrupts,
                              properties: BusBindProperties(integers: integers, strings: strings))
    }

    /// The device whose published name, path, _HID or a _CID is `name`.
    public func device(_ name: String) -> AcpiDeviceInfo? {
        devices.first { $0.publishedName == name || $0.path == name }
            ?? devices.first { $0.hid == name || $0.cids.contains(name) }
    }

    /// fuchsia.hardware.acpi Device.GetMmio(index): the memory resource `index` as a VMO over its
    /// pages, the offset of the region in it and its size. The VMO is the caller's.
    /// Refuses every later GetMmio (BAD_STATE). The bus owns no handle of its own: the resource
    /// is the board's and the VMOs it made belong to the children.
    public func shutdown() { stopped.store(true, ordering: .releasing) }

    public var isShutDown: Bool { stopped.load(ordering: .acquiring) }

    public func getMmio(device: Int, index: Int) throws(BusDriverError) -> DeviceMmio {
        guard !isShutDown else { throw .shutDown }
        guard devices.indices.contains(device) else { throw .noSuchDevice("acpi device #\(device)") }
        let info = devices[device]
        guard info.mmio.indices.contains(index) else { throw .indexOutOfRange(index, count: info.mmio.count) }
        return try DeviceMemory.vmo(for: info.mmio[index], resource: resource, name: "\(info.publishedName) mmio \(index)")
    }

    public func getMmio(_ name: String, index: Int) throws(BusDriverError) -> DeviceMmio {
        guard let info = device(name) else { throw .noSuchDevice(name) }
        return try getMmio(device: info.index, index: index)
    }
}
