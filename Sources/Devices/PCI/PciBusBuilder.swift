// PciBusBuilder: assembles a PCI hierarchy — functions at root-bus addresses, hot-plug root ports —
// into a `PciEcamHostBridge`, optionally doing what platform firmware does before the OS runs:
// bus numbers for the root ports, BAR addresses, bridge windows, decode enables.
//
// Counterpart: SeaBIOS src/fw/pciinit.c (pci_bios_check_devices / pci_region_map_entries: sort
// BARs by size, align each naturally, enable I/O and memory decode) and QEMU's q35 board code
// that places the devices. Fuchsia's bus driver keeps firmware-assigned BARs whose decode is
// enabled and never reprograms bridge windows, so pre-assigning here is what makes a
// hot-plug window usable at all.

public struct PciBusBuilder {
    public let configuration: PciHostConfiguration
    private var rootBus: [PciFunction?] = Array(repeating: nil, count: 256)
    private var rootPorts: [PciHotPlugRootPort] = []

    public init(configuration: PciHostConfiguration) {
        self.configuration = configuration
    }

    /// Places a device's function at `device`.`function` on the root bus.
    public mutating func attach(_ device: any PciDevice, at address: PciAddress) throws(PciConfigurationError) {
        guard address.isValid, address.bus == configuration.rootBusNumber else { throw .invalidAddress(address) }
        let index = Int(address.device) * 8 + Int(address.function)
        guard rootBus[index] == nil else { throw .addressInUse(address) }
        guard !rootBus.contains(where: { $0 === device.pciFunction }) else {
            throw .functionAlreadyAttached(device.pciFunction.name)
        }
        rootBus[index] = device.pciFunction
        if let port = device as? PciHotPlugRootPort { rootPorts.append(port) }
    }

    /// Builds the host bridge. With `assignResources` the builder acts as firmware: root ports
    /// get consecutive secondary buses and their reserved windows, every BAR on the root bus (and
    /// of cards already in a slot) gets an address, and decode is enabled.
    public func build(name: String = "pci-ecam", assignResources: Bool = true) throws(PciConfigurationError)
        -> PciEcamHostBridge
    {
        guard configuration.memoryApertureSize > 0,
              configuration.memoryApertureBase.addingReportingOverflow(configuration.memoryApertureSize).overflow == false,
              configuration.ecamBase.addingReportingOverflow(configuration.ecamSize).overflow == false,
              rootPorts.count < configuration.busRange.count
        else { throw .busRangeInvalid }

        // Function 0 of a device with several functions announces it (header type bit 7).
        for device in 0..<32 {
            let functions = rootBus[(device * 8)..<(device * 8 + 8)]
            let isMultiFunction = functions.compactMap { $0 }.count > 1
            functions.first.flatMap { $0 }?.setMultiFunction(isMultiFunction)
        }

        let hierarchy = PciHierarchy(rootBusNumber: configuration.rootBusNumber, rootBus: rootBus,
                                     rootPorts: rootPorts)
        for function in rootBus.compactMap({ $0 }) where !rootPorts.contains(where: { $0.pciFunction === function }) {
            try function.attach(to: hierarchy.epoch)
        }
        for port in rootPorts { try port.attach(to: hierarchy.epoch) }

        if assignResources {
            try PciResourceAssignment.assignFirmwareResources(
                configuration: configuration, rootBus: rootBus.compactMap { $0 }, rootPorts: rootPorts)
        }
        return PciEcamHostBridge(name: name, configuration: configuration, hierarchy: hierarchy)
    }
}

/// A bump allocator over one address range: each request is aligned to its own alignment.
struct PciAddressAllocator {
    private(set) var next: UInt64
    let end: UInt64  // exclusive
    let label: String

    init(_ range: Range<UInt64>, label: String) {
        next = range.lowerBound
        end = range.upperBound
        self.label = label
    }

    mutating func allocate(size: UInt64, alignment: UInt64) throws(PciConfigurationError) -> UInt64 {
        let mask = max(alignment, 1) - 1
        let (rounded, overflow) = next.addingReportingOverflow(mask)
        let start = rounded & ~mask
        guard !overflow, start < end, size <= end - start else { throw .apertureExhausted(label) }
        next = start + size
        return start
    }
}

/// Firmware-style BAR and window assignment.
enum PciResourceAssignment {
    private static let bridgeWindowGranularity: UInt64 = 1 << 20

    static func assignFirmwareResources(
        configuration: PciHostConfiguration, rootBus: [PciFunction], rootPorts: [PciHotPlugRootPort]
    ) throws(PciConfigurationError) {
        let aperture = configuration.memoryApertureBase
            ..< configuration.memoryApertureBase + configuration.memoryApertureSize
        var memory = PciAddressAllocator(aperture, label: "PCI memory aperture")
        var io = configuration.ioPortRange.map {
            PciAddressAllocator(UInt64($0.lowerBound)..<UInt64($0.upperBound), label: "PCI I/O ports")
        }

        // Largest first so natural alignment wastes little (SeaBIOS does the same).
        enum Request { case bar(PciFunction, PciBar), memoryWindow(Int), prefetchableWindow(Int) }
        var requests: [(size: UInt64, alignment: UInt64, request: Request)] = []
        for function in rootBus where !rootPorts.contains(where: { $0.pciFunction === function }) {
            for bar in function.bars where bar.isMemory {
                requests.append((bar.size, bar.size, .bar(function, bar)))
            }
        }
        var windows: [(memory: ClosedRange<UInt64>?, prefetchable: ClosedRange<UInt64>?)] =
            Array(repeating: (nil, nil), count: rootPorts.count)
        for (index, port) in rootPorts.enumerated() {
            let memorySize = roundUpToWindow(port.reservedMemorySize)
            let prefetchableSize = roundUpToWindow(port.reservedPrefetchableSize)
            if memorySize > 0 { requests.append((memorySize, bridgeWindowGranularity, .memoryWindow(index))) }
            if prefetchableSize > 0 {
                requests.append((prefetchableSize, bridgeWindowGranularity, .prefetchableWindow(index)))
            }
        }
        requests.sort { ($0.alignment, $0.size) > ($1.alignment, $1.size) }
        for (size, alignment, request) in requests {
            let base = try memory.allocate(size: size, alignment: alignment)
            switch request {
            case let .bar(function, bar): program(bar, of: function, at: base)
            case let .memoryWindow(index): windows[index].memory = base...(base + size - 1)
            case let .prefetchableWindow(index): windows[index].prefetchable = base...(base + size - 1)
            }
        }
        for function in rootBus where !rootPorts.contains(where: { $0.pciFunction === function }) {
            var enable: PciCommand = []
            if function.bars.contains(where: \.isMemory) { enable.insert(.memorySpace) }
            for bar in function.bars where bar.space == .io {
                guard io != nil else { break }
                let base = try io?.allocate(size: bar.size, alignment: bar.size) ?? 0
                program(bar, of: function, at: base)
                enable.insert(.ioSpace)
            }
            if !enable.isEmpty {
                function.writeConfig(offset: PciConfigOffset.command, width: .halfWord,
                                     value: UInt32(function.command.union(enable).rawValue))
            }
        }

        for (index, port) in rootPorts.enumerated() {
            let secondary = configuration.rootBusNumber + UInt8(index + 1)
            port.programWindows(primaryBus: configuration.rootBusNumber, secondaryBus: secondary,
                                subordinateBus: secondary, memory: windows[index].memory,
                                prefetchable: windows[index].prefetchable)
            let card = port.occupantFunctions
            if !card.isEmpty { try assignBehindBridge(card, bridge: port.pciFunction) }
        }
    }

    /// Places the memory BARs of a card inside its bridge's windows — 64-bit or prefetchable
    /// BARs in the prefetchable window, the rest in the memory window, as Fuchsia's allocator
    /// chooses — and enables memory decode on the card.
    static func assignBehindBridge(_ functions: [PciFunction], bridge: PciFunction) throws(PciConfigurationError) {
        let forwarding = bridge.withConfig { config in
            (PciBridgeHeader.memoryWindow(config), PciBridgeHeader.prefetchableWindow(config))
        }
        func allocator(_ window: ClosedRange<UInt64>?, _ label: String) -> PciAddressAllocator? {
            guard let window, window.upperBound < UInt64.max else { return nil }
            return PciAddressAllocator(window.lowerBound..<(window.upperBound + 1), label: label)
        }
        var memory = allocator(forwarding.0, "\(bridge.name) memory window")
        var prefetchable = allocator(forwarding.1, "\(bridge.name) prefetchable window")
        let bars = functions.flatMap { function in
            function.bars.filter(\.isMemory).map { (function, $0) }
        }.sorted { $0.1.size > $1.1.size }
        for (function, bar) in bars {
            let wantsPrefetchable = bar.prefetchable || bar.space == .memory64
            let base: UInt64
            if wantsPrefetchable, prefetchable != nil {
                base = try prefetchable?.allocate(size: bar.size, alignment: bar.size) ?? 0
            } else if memory != nil {
                base = try memory?.allocate(size: bar.size, alignment: bar.size) ?? 0
            } else {
                throw .apertureExhausted("\(bridge.name): no window for \(function.name) BAR\(bar.index)")
            }
            program(bar, of: function, at: base)
        }
        for function in functions where function.bars.contains(where: \.isMemory) {
            function.writeConfig(offset: PciConfigOffset.command, width: .halfWord,
                                 value: UInt32(function.command.union(.memorySpace).rawValue))
        }
    }

    /// Writes a BAR the way firmware does: low dword, then the high dword of a 64-bit BAR.
    static func program(_ bar: PciBar, of function: PciFunction, at base: UInt64) {
        function.writeConfig(offset: bar.registerOffset, width: .word, value: UInt32(truncatingIfNeeded: base))
        if bar.space == .memory64 {
            function.writeConfig(offset: bar.registerOffset + 4, width: .word, value: UInt32(truncatingIfNeeded: base >> 32))
        }
    }

    private static func roundUpToWindow(_ size: UInt64) -> UInt64 {
        let mask = bridgeWindowGranularity - 1
        return size > UInt64.max - mask ? 0 : (size + mask) & ~mask
    }
}
