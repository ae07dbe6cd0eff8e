// PciBus: hot-plug slots. A hot-plug capable root or downstream port (PCI Express capability
// with Slot Implemented and Hot-Plug Capable) reports insertion and removal in its Slot Status:
// Presence Detect Changed / Data Link Layer State Changed (RW1C events) and Presence Detect
// State. `handleHotPlug()` polls every such port (what the hot-plug interrupt handler would do),
// acknowledges the events and:
// - on insertion, scans the port's secondary bus and places the new BARs inside the windows
//   firmware pre-allocated behind the port, enabling decode — the new functions are returned
//   for the driver manager to publish;
// - on removal, forgets every function behind the port and returns their BAR ranges to the
//   port's pools — the removed functions are returned for the manager to unpublish;
// - a card swapped between two polls (present, but function 0 is not the one recorded) is a
//   removal followed by an insertion.
//
// Counterpart: Fuchsia's bus-pci keeps Bridge::Unplug / Device::Unplug and leaves pre-sized
// windows to firmware (driver-model.md §7.6); the slot registers are PCI Express Base 4.0
// §7.5.3.9–7.5.3.11 and Linux drivers/pci/hotplug/pciehp_hpc.c (pciehp_isr: ack by writing the
// event bits back, then check presence).
import ZX

extension PciBus {
    /// Hot-plug ports known to the bus.
    public var hotPlugPorts: [PciBdf] { records.values.filter(\.info.isHotPlugPort).map(\.info.bdf).sorted() }

    /// Polls every hot-plug port's slot and handles what changed (see the file comment).
    public func handleHotPlug() throws(BusDriverError) -> [PciHotPlugEvent] {
        let config = try configSpace()
        var events: [PciHotPlugEvent] = []
        for port in hotPlugPorts {
            guard let record = records[port], let express = record.expressCapability,
                  let secondary = record.info.secondaryBus else { continue }
            let statusRegister = express + PciReg.expressSlotStatus
            let status = try config.read16(port, statusRegister)
            let pending = status & PciReg.slotEventBits
            guard pending & (PciReg.slotPresenceDetectChanged | PciReg.slotLinkStateChanged) != 0 else { continue }
            try config.write16(port, statusRegister, pending)   // RW1C acknowledge
            let present = try config.read16(port, statusRegister) & PciReg.slotPresenceDetectState != 0
            let known = records.values.filter { $0.parent == port }.map(\.info)
            if !known.isEmpty {
                if present, try sameCard(known, config) { continue }
                events.append(.removed(port: port, functions: forget(behind: port)))
            }
            if present {
                let found = try scan(bus: secondary, parent: port)
                try place(found)
                if !found.isEmpty {
                    events.append(.inserted(port: port, functions: found.compactMap { records[$0]?.info }))
                }
            }
        }
        return events
    }

    /// Whether function 0 behind the port still has the recorded identity.
    private func sameCard(_ known: [PciFunctionInfo], _ config: PciConfigSpace) throws(BusDriverError) -> Bool {
        guard let first = known.min(by: { $0.bdf < $1.bdf }) else { return false }
        let ids = try config.read32(first.bdf, PciReg.vendorID)
        return ids == UInt32(first.deviceID) << 16 | UInt32(first.vendorID)
    }

    /// Removes every function below `port` (recursively), frees their BAR ranges and the pools
    /// of removed bridges, and releases their bus numbers (not the port's own secondary bus).
    func forget(behind port: PciBdf) -> [PciFunctionInfo] {
        var removed: [PciFunctionInfo] = []
        var stack = [port]
        while let bridge = stack.popLast() {
            let children = records.values.filter { $0.parent == bridge }.sorted { $0.info.bdf < $1.info.bdf }
            for child in children {
                for allocation in Array(child.allocations.values) + child.windowClaims {
                    do throws(AddressAllocatorError) {
                        try pools[allocation.pool]?.free(allocation.range)
                    } catch {
                        note("\(child.info.bdf): \(error)")
                    }
                }
                if child.info.isBridge {
                    stack.append(child.info.bdf)
                    for kind in [PoolKey.Kind.memory, .prefetchable, .io] { pools[PoolKey(owner: child.info.bdf, kind: kind)] = nil }
                    if let secondary = child.info.secondaryBus, let subordinate = child.info.subordinateBus,
                       secondary <= subordinate {
                        for bus in secondary...subordinate { usedBuses.remove(bus) }
                    }
                }
                records[child.info.bdf] = nil
                removed.append(child.info)
            }
        }
        return removed.sorted { $0.bdf < $1.bdf }
    }
}
