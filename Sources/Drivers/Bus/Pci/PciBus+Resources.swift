// PciBus: probing a function (identity, BAR sizing, capability lists) and placing its BARs and
// bridge windows in the address pools.
//
// BAR sizing is the classic sequence with decode off: save the BAR, write all ones, read back,
// restore (both halves of a 64-bit BAR); size = ~(readback & address mask) + 1. An I/O BAR whose
// upper 16 bits read back zero is a 16-bit decoder.
//
// Counterpart: src/devices/bus/drivers/pci/device.cc (Device::ProbeBar, ProbeCapabilities,
// AllocateBar: "if decode was enabled keep the firmware address"), bridge.cc
// (ParseBusWindowsLocked: 1 MiB memory granularity, 4 KiB I/O granularity, 64-bit prefetchable
// and 32-bit I/O when the low nibble is 1; base > limit means closed), allocation.cc.
import ZX

extension PciBus {
    // MARK: Probing

    func probe(_ bdf: PciBdf, parent: PciBdf?, _ config: PciConfigSpace) throws(BusDriverError) -> FunctionRecord {
        let headerType = try config.read8(bdf, PciReg.headerType) & 0x7F
        let command = try config.read16(bdf, PciReg.command)
        let barCount = headerType == 0 ? 6 : (headerType == 1 ? 2 : 0)
        let bars = try probeBars(bdf, count: barCount, command: command, config)
        let capabilities = try probeCapabilities(bdf, config)
        let express = capabilities.first { $0.id == PciReg.capabilityIDExpress && !$0.extended }?.offset
        var hotPlug = false
        if headerType == 1, let express {
            let flags = try config.read16(bdf, express + PciReg.expressCapabilities)
            if flags & PciReg.expressSlotImplemented != 0 {
                hotPlug = try config.read32(bdf, express + PciReg.expressSlotCapabilities) & PciReg.slotHotPlugCapable != 0
            }
        }
        let info = PciFunctionInfo(
            bdf: bdf, vendorID: try config.read16(bdf, PciReg.vendorID), deviceID: try config.read16(bdf, PciReg.deviceID),
            classCode: try config.read8(bdf, PciReg.baseClass), subclass: try config.read8(bdf, PciReg.subclass),
            progIf: try config.read8(bdf, PciReg.progIf), revision: try config.read8(bdf, PciReg.revision),
            headerType: headerType, bars: bars, capabilities: capabilities, secondaryBus: nil, subordinateBus: nil,
            isHotPlugPort: hotPlug)
        return FunctionRecord(info: info, parent: parent, configSize: express == nil ? 0x100 : 0x1000,
                              expressCapability: express, firmwareDecode: command & (PciReg.commandIO | PciReg.commandMemory))
    }

    private func probeBars(_ bdf: PciBdf, count: Int, command: UInt16, _ config: PciConfigSpace) throws(BusDriverError) -> [PciBarInfo] {
        guard count > 0 else { return [] }
        try config.write16(bdf, PciReg.command, command & ~(PciReg.commandIO | PciReg.commandMemory))
        var bars: [PciBarInfo] = []
        var index = 0
        while index < count {
            let register = PciReg.bar0 + 4 * index
            let original = try config.read32(bdf, register)
            try config.write32(bdf, register, 0xFFFF_FFFF)
            let readback = try config.read32(bdf, register)
            try config.write32(bdf, register, original)
            if original & 1 == 1 {
                var mask = readback & ~0x3
                if mask != 0 {
                    if mask & 0xFFFF_0000 == 0 { mask |= 0xFFFF_0000 }
                    let address = UInt64(original & ~0x3)
                    bars.append(PciBarInfo(index: index, address: address == 0 ? nil : address, size: UInt64(~mask &+ 1),
                                           is64: false, prefetchable: false, isIO: true,
                                           firmwareAssigned: address != 0 && command & PciReg.commandIO != 0))
                }
                index += 1
                continue
            }
            let is64 = (original >> 1) & 0x3 == 0x2
            let prefetchable = original & 0x8 != 0
            var high: UInt64 = 0xFFFF_FFFF
            var originalHigh: UInt32 = 0
            if is64 {
                guard index + 1 < count else {
                    note("\(bdf): BAR\(index) claims 64 bits but is the last BAR; ignored")
                    break
                }
                originalHigh = try config.read32(bdf, register + 4)
                try config.write32(bdf, register + 4, 0xFFFF_FFFF)
                high = UInt64(try config.read32(bdf, register + 4))
                try config.write32(bdf, register + 4, originalHigh)
            }
            let low = UInt64(readback & ~0xF)
            if low != 0 || (is64 && high != 0) {
                let mask = high << 32 | low
                let size = ~mask &+ 1
                let address = UInt64(original & ~0xF) | (is64 ? UInt64(originalHigh) << 32 : 0)
                if size != 0 {
                    bars.append(PciBarInfo(index: index, address: address == 0 ? nil : address, size: size, is64: is64,
                                           prefetchable: prefetchable, isIO: false,
                                           firmwareAssigned: address != 0 && command & PciReg.commandMemory != 0))
                }
            }
            index += is64 ? 2 : 1
        }
        try config.write16(bdf, PciReg.command, command)
        return bars
    }

    private func probeCapabilities(_ bdf: PciBdf, _ config: PciConfigSpace) throws(BusDriverError) -> [PciCapabilityInfo] {
        var capabilities: [PciCapabilityInfo] = []
        guard try config.read16(bdf, PciReg.status) & PciReg.statusCapabilities != 0 else { return [] }
        var pointer = Int(try config.read8(bdf, PciReg.capabilitiesPointer) & 0xFC)
        var visited = Set<Int>()
        while pointer >= PciReg.deviceSpecific, pointer < 0x100, visited.insert(pointer).inserted {
            let id = try config.read8(bdf, pointer)
            capabilities.append(PciCapabilityInfo(id: UInt16(id), offset: pointer, extended: false))
            pointer = Int(try config.read8(bdf, pointer + 1) & 0xFC)
        }
        if pointer >= PciReg.deviceSpecific, visited.contains(pointer) { note("\(bdf): capability list loops at \(hex(UInt64(pointer)))") }
        // The extended list exists only on PCI Express functions.
        guard capabilities.contains(where: { $0.id == PciReg.capabilityIDExpress }) else { return capabilities }
        var offset = PciReg.extendedCapabilities
        visited.removeAll()
        while offset >= PciReg.extendedCapabilities, offset <= 0xFFC, visited.insert(offset).inserted {
            let header = try config.read32(bdf, offset)
            guard header != 0, header != 0xFFFF_FFFF else { break }
            capabilities.append(PciCapabilityInfo(id: UInt16(header & 0xFFFF), offset: offset, extended: true))
            offset = Int(header >> 20) & 0xFFC
        }
        return capabilities
    }

    // MARK: Placement

    /// Places what `found` (new functions, a bridge before its subtree) needs: bridge windows
    /// first, then the BARs firmware placed validly, then the rest largest first; then programs
    /// the BARs and enables decode.
    func place(_ found: [PciBdf]) throws(BusDriverError) {
        let config = try configSpace()
        for bdf in found where records[bdf]?.info.isBridge == true { try setUpBridgePools(bdf, config) }
        var pending: [(bdf: PciBdf, bar: PciBarInfo)] = []
        for bdf in found {
            guard let record = records[bdf] else { continue }
            for bar in record.info.bars {
                if options.keepFirmwareAssignments, bar.firmwareAssigned, let address = bar.address,
                   keep(bdf, bar, at: address) {
                    continue
                }
                pending.append((bdf, bar))
            }
        }
        pending.sort { ($0.bar.size, $1.bdf, $1.bar.index) > ($1.bar.size, $0.bdf, $0.bar.index) }
        for (bdf, bar) in pending { try allocate(bdf, bar, config) }
        if options.enableDecode {
            for bdf in found { try enableDecode(bdf, config) }
        }
    }

    /// The pools a BAR of a function behind `parent` may come from, in preference order.
    func candidatePools(_ parent: PciBdf?, _ bar: PciBarInfo) -> [PoolKey] {
        if bar.isIO { return [PoolKey(owner: parent, kind: .io)] }
        let memory = PoolKey(owner: parent, kind: .memory)
        let prefetchable = PoolKey(owner: parent, kind: .prefetchable)
        return bar.prefetchable || bar.is64 ? [prefetchable, memory] : [memory, prefetchable]
    }

    /// Claims a firmware address if it lies in one of the function's pools and is free.
    private func keep(_ bdf: PciBdf, _ bar: PciBarInfo, at address: UInt64) -> Bool {
        guard let parent = records[bdf].map({ $0.parent }) else { return false }
        let range = BusAddressRange(base: address, size: bar.size)
        if !bar.is64, !bar.isIO, let last = range.last, last > 0xFFFF_FFFF { return false }
        for key in candidatePools(parent, bar) {
            guard var pool = pools[key], pool.covers(range) else { continue }
            do throws(AddressAllocatorError) {
                try pool.claim(range)
            } catch {
                note("\(bdf) BAR\(bar.index): firmware address \(range) is taken; reassigning")
                return false
            }
            pools[key] = pool
            records[bdf]?.allocations[bar.index] = Allocation(pool: key, range: range)
            return true
        }
        note("\(bdf) BAR\(bar.index): firmware address \(range) is outside its windows; reassigning")
        return false
    }

    private func allocate(_ bdf: PciBdf, _ bar: PciBarInfo, _ config: PciConfigSpace) throws(BusDriverError) {
        guard let parent = records[bdf].map({ $0.parent }) else { return }
        for key in candidatePools(parent, bar) {
            guard var pool = pools[key] else { continue }
            guard let base = try? pool.allocate(size: bar.size) else { continue }
            let range = BusAddressRange(base: base, size: bar.size)
            if !bar.is64, !bar.isIO, let last = range.last, last > 0xFFFF_FFFF { continue }  // pool copy dropped
            pools[key] = pool
            records[bdf]?.allocations[bar.index] = Allocation(pool: key, range: range)
            try program(bdf, bar, at: base, config)
            return
        }
        note("\(bdf) BAR\(bar.index): no window can hold \(hex(bar.size)) bytes; left unassigned")
        try program(bdf, bar, at: nil, config)
    }

    /// Writes a BAR (low dword, then high) with decode off, and records it in the function info.
    private func program(_ bdf: PciBdf, _ bar: PciBarInfo, at address: UInt64?, _ config: PciConfigSpace) throws(BusDriverError) {
        let register = PciReg.bar0 + 4 * bar.index
        let command = try config.read16(bdf, PciReg.command)
        try config.write16(bdf, PciReg.command, command & ~(PciReg.commandIO | PciReg.commandMemory))
        let value = address ?? 0
        try config.write32(bdf, register, UInt32(truncatingIfNeeded: value))
        if bar.is64 { try config.write32(bdf, register + 4, UInt32(truncatingIfNeeded: value >> 32)) }
        try config.write16(bdf, PciReg.command, command)
        guard let index = records[bdf]?.info.bars.firstIndex(where: { $0.index == bar.index }) else { return }
        records[bdf]?.info.bars[index].address = address
        records[bdf]?.info.bars[index].firmwareAssigned = false
    }

    private func enableDecode(_ bdf: PciBdf, _ config: PciConfigSpace) throws(BusDriverError) {
        guard let record = records[bdf] else { return }
        var enable: UInt16 = 0
        for bar in record.info.bars where bar.address != nil && record.allocations[bar.index] != nil {
            enable |= bar.isIO ? PciReg.commandIO : PciReg.commandMemory
        }
        if record.info.isBridge {
            if pools[PoolKey(owner: bdf, kind: .memory)] != nil || pools[PoolKey(owner: bdf, kind: .prefetchable)] != nil {
                enable |= PciReg.commandMemory
            }
            if pools[PoolKey(owner: bdf, kind: .io)] != nil { enable |= PciReg.commandIO }
        }
        guard enable != 0 else { return }
        let command = try config.read16(bdf, PciReg.command)
        if command & enable != enable { try config.write16(bdf, PciReg.command, command | enable) }
    }

    // MARK: Bridge windows

    /// Reads a bridge's windows, claims each from the bridge's parent pools and makes it a pool
    /// for what is behind the bridge. A window outside every parent pool is not used.
    private func setUpBridgePools(_ bdf: PciBdf, _ config: PciConfigSpace) throws(BusDriverError) {
        guard let parent = records[bdf].map({ $0.parent }) else { return }
        let windows = try bridgeWindows(bdf, config)
        let claims: [(PoolKey.Kind, BusAddressRange?, [PoolKey.Kind])] = [
            (.memory, windows.memory, [.memory, .prefetchable]),
            (.prefetchable, windows.prefetchable, [.prefetchable, .memory]),
            (.io, windows.io, [.io]),
        ]
        for (kind, window, parentKinds) in claims {
            guard let window else { continue }
            var claimed = false
            for parentKind in parentKinds {
                let key = PoolKey(owner: parent, kind: parentKind)
                guard var pool = pools[key], pool.covers(window) else { continue }
                do throws(AddressAllocatorError) {
                    try pool.claim(window)
                    pools[key] = pool
                    records[bdf]?.windowClaims.append(Allocation(pool: key, range: window))
                    claimed = true
                } catch {
                    note("\(bdf): \(kind) window \(window) overlaps something already placed; not used")
                }
                break
            }
            guard claimed else {
                note("\(bdf): \(kind) window \(window) is outside its parent's windows; not used")
                continue
            }
            do throws(AddressAllocatorError) {
                pools[PoolKey(owner: bdf, kind: kind)] = try AddressSpaceAllocator(
                    name: "\(bdf) \(kind) window", regions: [window])
            } catch {
                throw .allocation(error)
            }
        }
    }

    /// The bridge's open windows (nil where base > limit).
    func bridgeWindows(_ bdf: PciBdf, _ config: PciConfigSpace) throws(BusDriverError)
        -> (memory: BusAddressRange?, prefetchable: BusAddressRange?, io: BusAddressRange?)
    {
        func window(_ base: UInt64, _ limit: UInt64) -> BusAddressRange? {
            base <= limit ? BusAddressRange(base: base, size: limit - base + 1) : nil
        }
        let memoryBase = UInt64(try config.read16(bdf, PciReg.memoryBase) & 0xFFF0) << 16
        let memoryLimit = UInt64(try config.read16(bdf, PciReg.memoryLimit) & 0xFFF0) << 16 | 0xF_FFFF
        let prefetchBaseRaw = try config.read16(bdf, PciReg.prefetchableBase)
        let prefetchLimitRaw = try config.read16(bdf, PciReg.prefetchableLimit)
        var prefetchBase = UInt64(prefetchBaseRaw & 0xFFF0) << 16
        var prefetchLimit = UInt64(prefetchLimitRaw & 0xFFF0) << 16 | 0xF_FFFF
        if prefetchBaseRaw & 0xF == 1 {
            prefetchBase |= UInt64(try config.read32(bdf, PciReg.prefetchableBaseUpper)) << 32
            prefetchLimit |= UInt64(try config.read32(bdf, PciReg.prefetchableLimitUpper)) << 32
        }
        let ioBaseRaw = try config.read8(bdf, PciReg.ioBase)
        var ioBase = UInt64(ioBaseRaw & 0xF0) << 8
        var ioLimit = UInt64(try config.read8(bdf, PciReg.ioLimit) & 0xF0) << 8 | 0xFFF
        if ioBaseRaw & 0xF == 1 {
            ioBase |= UInt64(try config.read16(bdf, PciReg.ioBaseUpper)) << 16
            ioLimit |= UInt64(try config.read16(bdf, PciReg.ioLimitUpper)) << 16
        }
        return (window(memoryBase, memoryLimit), window(prefetchBase, prefetchLimit), window(ioBase, ioLimit))
    }
}
