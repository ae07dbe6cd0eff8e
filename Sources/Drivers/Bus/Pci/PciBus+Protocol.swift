// PciBus: the fuchsia.hardware.pci Device protocol a function's driver is served — GetBar,
// ReadConfig/WriteConfig, SetBusMastering, GetDeviceInfo.
//
// Rules (following bus-pci loosely, see driver-model.md §5.2):
// - GetBar(id): id >= 6 is INVALID_ARGS; an unimplemented BAR (or the upper half of a 64-bit
//   one) NOT_FOUND; a BAR with no address BAD_STATE. A memory BAR is a physical VMO over the
//   page-rounded BAR minted from the aperture resource that contains it, with the BAR's offset in
//   the first page (0 for page-aligned BARs); an I/O BAR is its first port and an IOPORT
//   resource. Both belong to the caller.
// - ReadConfig: anywhere in the function's configuration space (256 bytes, 4 KiB for PCI
//   Express), naturally aligned, 1/2/4 bytes; else OUT_OF_RANGE / INVALID_ARGS.
// - WriteConfig: only at offset >= 0x40 — the standard header (command, BARs, bus numbers) is the
//   bus driver's (ACCESS_DENIED, as bus-pci refuses it); use setBusMastering for the command bit.
//
// Counterpart: src/devices/bus/drivers/pci/device_protocol.cc (PciGetBar, PciReadConfig*,
// PciWriteConfig* with the kPciCfgHeaderSize check, PciSetBusMastering), device.cc
// (Device::EnableBusMaster, upstream bridges enabled too), allocation.cc (CreateVmo).
import Mmio
import ZX
import ZirconKernel

extension PciBus {
    func record(_ bdf: PciBdf) throws(BusDriverError) -> FunctionRecord {
        guard config != nil else { throw .shutDown }
        guard let record = records[bdf] else { throw .noSuchDevice(bdf.description) }
        return record
    }

    /// The BAR `index` of `bdf` as a VMO (memory) or port range (I/O) for the function's driver.
    public func getBar(_ bdf: PciBdf, index: Int) throws(BusDriverError) -> PciBarResource {
        let record = try record(bdf)
        guard (0..<6).contains(index) else { throw .invalidArgs("BAR id \(index) (0-5)") }
        guard let bar = record.info.bar(index) else { throw .noSuchBar(index) }
        guard let address = bar.address, record.allocations[index] != nil else { throw .barNotAssigned(index) }
        let range = BusAddressRange(base: address, size: bar.size)
        guard let aperture = apertureResources.first(where: {
            ($0.aperture.kind == .io) == bar.isIO && $0.range.contains(range)
        }) else {
            throw .badDescription("\(bdf) BAR\(index) \(range) is in no aperture of \(root.name)")
        }
        if bar.isIO {
            let resource = try DeviceMemory.resource(aperture.handle, kind: ZX_RSRC_KIND_IOPORT, base: address,
                                                     size: bar.size, name: "\(bdf) bar\(index)")
            return .io(port: address, size: bar.size, resource: resource)
        }
        return .mmio(try DeviceMemory.vmo(for: PhysicalRegion(base: address, size: bar.size),
                                          resource: aperture.handle, name: "pci \(bdf) bar\(index)"))
    }

    /// fuchsia.hardware.pci GetDeviceInfo.
    public func deviceInfo(_ bdf: PciBdf) throws(BusDriverError) -> PciFunctionInfo { try record(bdf).info }

    // MARK: Configuration space

    private func checkAccess(_ record: FunctionRecord, _ offset: Int, width: Int, write: Bool) throws(BusDriverError) {
        guard offset >= 0, offset < record.configSize, width <= record.configSize - offset else {
            throw .indexOutOfRange(offset, count: record.configSize)
        }
        guard offset % width == 0 else { throw .invalidArgs("\(width)-byte config access at \(hex(UInt64(offset))) is misaligned") }
        if write, offset < PciReg.deviceSpecific {
            throw .accessDenied("\(record.info.bdf): config offset \(hex(UInt64(offset))) is in the protected header")
        }
    }

    public func readConfig8(_ bdf: PciBdf, offset: Int) throws(BusDriverError) -> UInt8 {
        try readConfig(UInt8.self, bdf, offset)
    }
    public func readConfig16(_ bdf: PciBdf, offset: Int) throws(BusDriverError) -> UInt16 {
        try readConfig(UInt16.self, bdf, offset)
    }
    public func readConfig32(_ bdf: PciBdf, offset: Int) throws(BusDriverError) -> UInt32 {
        try readConfig(UInt32.self, bdf, offset)
    }
    public func writeConfig8(_ bdf: PciBdf, offset: Int, _ value: UInt8) throws(BusDriverError) {
        try writeConfig(value, bdf, offset)
    }
    public func writeConfig16(_ bdf: PciBdf, offset: Int, _ value: UInt16) throws(BusDriverError) {
        try writeConfig(value, bdf, offset)
    }
    public func writeConfig32(_ bdf: PciBdf, offset: Int, _ value: UInt32) throws(BusDriverError) {
        try writeConfig(value, bdf, offset)
    }

    /// A read of `width` (1, 2 or 4) bytes, zero-extended (the protocol's ReadConfig).
    public func readConfig(_ bdf: PciBdf, offset: Int, width: Int) throws(BusDriverError) -> UInt32 {
        switch width {
        case 1: return UInt32(try readConfig8(bdf, offset: offset))
        case 2: return UInt32(try readConfig16(bdf, offset: offset))
        case 4: return try readConfig32(bdf, offset: offset)
        default: throw .invalidArgs("config access width \(width)")
        }
    }

    /// A write of the low `width` (1, 2 or 4) bytes of `value` (the protocol's WriteConfig).
    public func writeConfig(_ bdf: PciBdf, offset: Int, width: Int, value: UInt32) throws(BusDriverError) {
        switch width {
        case 1: try writeConfig8(bdf, offset: offset, UInt8(truncatingIfNeeded: value))
        case 2: try writeConfig16(bdf, offset: offset, UInt16(truncatingIfNeeded: value))
        case 4: try writeConfig32(bdf, offset: offset, value)
        default: throw .invalidArgs("config access width \(width)")
        }
    }

    private func readConfig<T: MmioWord>(_ type: T.Type, _ bdf: PciBdf, _ offset: Int) throws(BusDriverError) -> T {
        let record = try record(bdf)
        try checkAccess(record, offset, width: MemoryLayout<T>.size, write: false)
        return try configSpace().read(T.self, bdf, offset)
    }

    private func writeConfig<T: MmioWord>(_ value: T, _ bdf: PciBdf, _ offset: Int) throws(BusDriverError) {
        let record = try record(bdf)
        try checkAccess(record, offset, width: MemoryLayout<T>.size, write: true)
        try configSpace().write(value, bdf, offset)
    }

    // MARK: Bus mastering

    /// Turns bus mastering on or off for `bdf`; turning it on also turns it on for every bridge
    /// above it (DMA must be forwarded upstream).
    public func setBusMastering(_ bdf: PciBdf, enabled: Bool) throws(BusDriverError) {
        _ = try record(bdf)
        let config = try configSpace()
        var chain = [bdf]
        if enabled {
            var parent = records[bdf]?.parent
            while let bridge = parent {
                chain.append(bridge)
                parent = records[bridge]?.parent
            }
        }
        for target in chain {
            let command = try config.read16(target, PciReg.command)
            let updated = enabled ? command | PciReg.commandBusMaster : command & ~PciReg.commandBusMaster
            if updated != command { try config.write16(target, PciReg.command, updated) }
        }
    }

    public func enableBusMastering(_ bdf: PciBdf) throws(BusDriverError) {
        try setBusMastering(bdf, enabled: true)
    }
}
