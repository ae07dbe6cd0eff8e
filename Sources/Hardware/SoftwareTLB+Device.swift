// SoftwareTLB device translations: the MMU's route to device memory.
//
// A page-table entry whose physical page is not RAM points into the machine's MMIO map. Such a
// translation is cached here — VA page → physical page, tagged with write permission and the
// aspace generation exactly like a RAM slot — but never as a host pointer: every load or store
// through it is a call on the decoding `MmioDevice` (MmioRegionMap.read/write), in program order.
// These slots are only consulted after the RAM hit path (`translate`) missed, so RAM accesses pay
// nothing for them; a device access costs the RAM miss, one slot compare and the device call.
// Shootdown works as for RAM: unmap/protect bump the generation and the slot stops matching.
//
// Zircon counterpart: none in software — an ARM/x86 TLB caches device translations like any
// other; the "never a host pointer" rule is the emulation of Device/UC memory attributes, which
// forbid the CPU from caching, merging or speculating the accesses.

import Synchronization
import ZX

/// One cached device translation.
struct DeviceTLBSlot {
    /// `vpn << 1 | writable`, or `SoftwareTLB.emptyTag`.
    var tag: UInt = SoftwareTLB.emptyTag
    /// The physical page the virtual page maps to.
    var physicalPage: UInt64 = 0
    /// `aspace.generation` when the slot was filled.
    var generation: UInt64 = 0
    /// The region the last access through this slot decoded to (a lookup hint). Unretained:
    /// regions belong to the machine's immutable MMIO map, which outlives every TLB; reaching the
    /// device through it costs no reference counting on the access path.
    var region: Unmanaged<MmioRegion>?
}

/// Where a device access goes: the physical address of the accessed byte plus the slot that
/// holds the translation (to keep its region hint).
public struct DeviceTarget {
    public let physical: PhysicalAddress
    let slot: Int

    /// The target `bytes` further on (the caller keeps it inside the same page).
    public func advanced(by bytes: Int) -> DeviceTarget {
        DeviceTarget(physical: PhysicalAddress(physical.rawValue &+ UInt64(bytes)), slot: slot)
    }
}

extension SoftwareTLB {
    static var deviceSlotCount: Int { 16 }

    /// The device translation for `va`, if a valid slot allows the access; else nil (a RAM
    /// translation, or a miss: call `fillDevice` / the fault handler).
    public func deviceTarget(_ va: VirtualAddress, write: Bool) -> DeviceTarget? {
        let vpn = va.pageNumber
        let index = Int(bitPattern: vpn) & (SoftwareTLB.deviceSlotCount - 1)
        let slot = deviceSlots[index]
        let readMatches: UInt = write ? 0 : 1
        guard slot.tag | readMatches == (vpn &<< 1) | 1,
              slot.generation == aspace.currentGeneration else { return nil }
        return DeviceTarget(physical: PhysicalAddress(slot.physicalPage | UInt64(va.pageOffset)), slot: index)
    }

    /// A load of `width` bytes through a device translation: one call on the decoding device.
    public func read(_ target: DeviceTarget, width: MmioAccessWidth) throws(MmioFault) -> UInt64 {
        if let hint = deviceSlots[target.slot].region {
            // Fast path: the page decodes to the same region as last time.
            var fault: MmioFault?
            let value = hint._withUnsafeGuaranteedRef { (region) -> UInt64? in
                guard let offset = region.offset(of: target.physical, width: width) else { return nil }
                do throws(MmioFault) {
                    return try region.device.read(offset: offset, width: width)
                } catch {
                    fault = error
                    return 0
                }
            }
            if let fault { throw fault }
            if let value { return value & width.valueMask }
        }
        let (region, offset) = try rememberRegion(target, width: width)
        return try region.device.read(offset: offset, width: width) & width.valueMask
    }

    /// A store of the low `width` bytes of `value` through a device translation.
    public func write(_ target: DeviceTarget, width: MmioAccessWidth, value: UInt64) throws(MmioFault) {
        if let hint = deviceSlots[target.slot].region {
            var fault: MmioFault?
            let done = hint._withUnsafeGuaranteedRef { (region) -> Bool in
                guard let offset = region.offset(of: target.physical, width: width) else { return false }
                do throws(MmioFault) {
                    try region.device.write(offset: offset, width: width, value: value & width.valueMask)
                } catch {
                    fault = error
                }
                return true
            }
            if let fault { throw fault }
            if done { return }
        }
        let (region, offset) = try rememberRegion(target, width: width)
        try region.device.write(offset: offset, width: width, value: value & width.valueMask)
    }

    /// Decodes the target through the MMIO map and keeps the region as the slot's hint.
    private func rememberRegion(_ target: DeviceTarget, width: MmioAccessWidth) throws(MmioFault) -> (MmioRegion, UInt64) {
        let (region, offset) = try aspace.memory.mmio.decode(target.physical, width: width)
        deviceSlots[target.slot].region = Unmanaged.passUnretained(region)
        return (region, offset)
    }

    /// Miss path for device memory: walks the tables and, if `va` maps a non-RAM page with the
    /// permissions the access needs, caches the device translation. Returns false otherwise
    /// (including for RAM pages, which `fill` handles). Free when the machine has no MMIO.
    public func fillDevice(_ va: VirtualAddress, write: Bool) -> Bool {
        guard !aspace.memory.mmio.isEmpty,
              let walk = aspace.walkDeviceLocking(va.pageNumber, write: write) else { return false }
        let writable = walk.flags.contains(.write)
        if write && !writable { return false }
        installDevice(va, physical: walk.physical, writable: writable, generation: walk.generation)
        return true
    }

    /// Caches a device translation the page-fault handler just installed (see `install`).
    public func installDevice(_ va: VirtualAddress, physical: PhysicalAddress, writable: Bool,
                              generation: UInt64) {
        let vpn = va.pageNumber
        let index = Int(bitPattern: vpn) & (SoftwareTLB.deviceSlotCount - 1)
        deviceSlots[index] = DeviceTLBSlot(tag: (vpn &<< 1) | (writable ? 1 : 0),
                                           physicalPage: physical.rawValue.pageTruncated,
                                           generation: generation, region: nil)
    }
}

extension ArchVmAspace {
    /// The walk behind `SoftwareTLB.fillDevice`: like `walkLocking` (sets A, and D for a write to
    /// a writable entry; reports `.write` only for dirty entries), but only for entries whose
    /// physical page is outside RAM. Nil for RAM pages, holes and out-of-aspace addresses.
    func walkDeviceLocking(_ page: UInt, write: Bool)
        -> (physical: PhysicalAddress, flags: MMUFlags, generation: UInt64)? {
        guard containsPage(page) else { return nil }
        return lock.withLock { () -> (physical: PhysicalAddress, flags: MMUFlags, generation: UInt64)? in
            guard let slot = leafSlotLocked(page) else { return nil }
            var entry = slot.load()
            guard entry & PageTableEntry.present != 0 else { return nil }
            let physical = PageTableEntry.address(entry)
            guard !memory.contains(physical, length: PageGeometry.size) else { return nil }
            var updated = entry | PageTableEntry.accessed
            if write && entry & PageTableEntry.writable != 0 { updated |= PageTableEntry.dirty }
            if updated != entry {
                slot.store(updated)
                entry = updated
            }
            var flags = PageTableEntry.flags(of: entry)
            if entry & PageTableEntry.dirty == 0 { flags.remove(.write) }
            return (physical, flags, generationCell.pointee.load(ordering: .acquiring))
        }
    }
}
