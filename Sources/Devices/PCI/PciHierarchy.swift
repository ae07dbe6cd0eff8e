// PciHierarchy: the topology behind one host bridge (the root bus's functions and its hot-plug
// root ports) and the memory decode table built from it. ECAM routing and the memory window
// both ask it; nobody else holds a lock across more than one function.
//
// Counterpart: QEMU hw/pci/pci.c (pci_find_device, pci_bridge_update_mappings) — QEMU
// rebuilds its memory-region tree when BARs or bridge windows change; here the table is rebuilt
// lazily on the first memory access after a change.
//
// Lock order: decode-table lock → root port's slot lock → a function's lock. Functions never
// take any other lock while holding theirs (they only bump the atomic epoch).
import Hardware
import Synchronization

/// One decoded range of the memory window: `[start, last]` goes to `handler`, at offsets
/// relative to `barBase`.
struct PciDecodeEntry: Sendable {
    var start: UInt64
    var last: UInt64
    var barBase: UInt64
    var handler: any MmioDevice
}

final class PciHierarchy: Sendable {
    let epoch = PciDecodeEpoch()
    let rootBusNumber: UInt8
    /// Root-bus functions indexed by device * 8 + function: a fixed array, so ECAM routing is
    /// an index, not a search.
    let rootBus: [PciFunction?]
    let rootPorts: [PciHotPlugRootPort]

    private struct DecodeTable {
        var builtForEpoch: UInt64 = 0
        /// Sorted by `start`, non-overlapping.
        var entries: [PciDecodeEntry] = []
    }
    private let decodeTable = Mutex(DecodeTable())

    /// Which root port forwards each bus number (nil: none), rebuilt when bus numbers change —
    /// so a configuration cycle is an index, not a walk over every port.
    private struct RoutingTable {
        var builtForEpoch: UInt64 = 0
        var portForBus: [Int?] = []
    }
    private let routingTable = Mutex(RoutingTable())

    init(rootBusNumber: UInt8, rootBus: [PciFunction?], rootPorts: [PciHotPlugRootPort]) {
        self.rootBusNumber = rootBusNumber
        self.rootBus = rootBus
        self.rootPorts = rootPorts
    }

    // MARK: Configuration routing

    /// The function a configuration cycle for `address` reaches, nil if none answers.
    func function(at address: PciAddress) -> PciFunction? {
        guard address.isValid else { return nil }
        if address.bus == rootBusNumber {
            return rootBus[Int(address.device) * 8 + Int(address.function)]
        }
        let current = epoch.routingValue
        let portIndex: Int? = routingTable.withLock { table in
            if table.builtForEpoch != current {
                table.portForBus = buildRouting()
                table.builtForEpoch = current
            }
            return table.portForBus[Int(address.bus)]
        }
        guard let portIndex else { return nil }
        let forwarding = rootPorts[portIndex].pciFunction.bridgeForwarding()
        // Only the secondary bus has anything on it: the card is an endpoint.
        guard forwarding.routes(bus: address.bus), address.bus == forwarding.secondaryBus else { return nil }
        return rootPorts[portIndex].occupant(device: address.device, function: address.function)
    }

    /// For each bus number, the first root port (in port order) that forwards it.
    private func buildRouting() -> [Int?] {
        var table = [Int?](repeating: nil, count: 256)
        for (index, port) in rootPorts.enumerated() {
            let forwarding = port.pciFunction.bridgeForwarding()
            // `routes(bus:)` is exactly secondary...subordinate (secondary 0: routes nothing).
            guard forwarding.secondaryBus != 0, forwarding.secondaryBus <= forwarding.subordinateBus else { continue }
            for bus in Int(forwarding.secondaryBus)...Int(forwarding.subordinateBus) where table[bus] == nil {
                table[bus] = index
            }
        }
        return table
    }

    // MARK: Memory decode

    /// Where a memory access of `width` bytes at bus address `address` goes, or nil if no BAR
    /// claims all of it (the host bridge then completes it as a master abort).
    func memoryTarget(_ address: UInt64, width: MmioAccessWidth) -> (handler: any MmioDevice, offset: UInt64)? {
        let current = epoch.value
        return decodeTable.withLock { table in
            if table.builtForEpoch != current {
                table.entries = buildEntries()
                table.builtForEpoch = current
            }
            // Binary search for the last entry starting at or below the address.
            var low = 0
            var high = table.entries.count
            while low < high {
                let middle = (low + high) / 2
                if table.entries[middle].start <= address { low = middle + 1 } else { high = middle }
            }
            guard low > 0 else { return nil }
            let entry = table.entries[low - 1]
            let (accessLast, overflow) = address.addingReportingOverflow(UInt64(width.rawValue - 1))
            guard !overflow, accessLast <= entry.last else { return nil }
            return (entry.handler, address - entry.barBase)
        }
    }

    /// Every decoding BAR, root bus first in device/function order, then each root port's card
    /// clipped to the windows its port forwards. Overlaps (a misprogrammed bus, undefined on real
    /// hardware) resolve to the range that starts first.
    private func buildEntries() -> [PciDecodeEntry] {
        var candidates: [PciDecodeEntry] = []
        for function in rootBus.compactMap({ $0 }) {
            for bar in function.decodedMemoryBars() {
                candidates.append(PciDecodeEntry(start: bar.base, last: bar.base + (bar.size - 1),
                                                 barBase: bar.base, handler: bar.handler))
            }
        }
        for port in rootPorts {
            let forwarding = port.pciFunction.bridgeForwarding()
            guard forwarding.memoryEnabled else { continue }
            for function in port.occupantFunctions {
                for bar in function.decodedMemoryBars() {
                    let range = bar.base...(bar.base + (bar.size - 1))
                    for window in forwarding.windows where window.overlaps(range) {
                        let clipped = range.clamped(to: window)
                        candidates.append(PciDecodeEntry(start: clipped.lowerBound, last: clipped.upperBound,
                                                         barBase: bar.base, handler: bar.handler))
                    }
                }
            }
        }
        // Stable order by start: enumerate to keep discovery order among equal starts.
        let ordered = candidates.enumerated().sorted {
            ($0.element.start, $0.offset) < ($1.element.start, $1.offset)
        }.map(\.element)
        var entries: [PciDecodeEntry] = []
        entries.reserveCapacity(ordered.count)
        for var entry in ordered {
            if let previous = entries.last, entry.start <= previous.last {
                guard entry.last > previous.last else { continue }
                entry.start = previous.last + 1
            }
            entries.append(entry)
        }
        return entries
    }
}
