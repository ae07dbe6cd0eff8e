// PciBridgeHeader: the type-1 (PCI-to-PCI bridge / root port) header — bus numbers, I/O,
// memory and prefetchable windows, bridge control — and how a bridge decides what it forwards.
//
// Counterpart: PCI-to-PCI Bridge Architecture 1.2 sections 3.2.5.x; QEMU hw/pci/pci_bridge.c
// (pci_bridge_initfn masks, pci_bridge_get_base/limit); window decoding as Fuchsia's
// bridge.cc ParseBusWindowsLocked reads it: memory windows have 1 MiB granularity, a window
// whose base is above its limit is closed.

enum PciBridgeHeader {
    /// Register masks and hard-wired values of a type-1 header.
    static func configure(_ config: inout PciConfigRegisters) {
        // Primary, secondary, subordinate bus numbers and secondary latency timer.
        config.setWritable(PciConfigOffset.primaryBus, count: 4, mask: 0xFFFF_FFFF)
        // I/O base/limit: address bits 15:12 writable; low nibble 0 = 16-bit I/O decode.
        config.setWritable(PciConfigOffset.ioBase, count: 1, mask: 0xF0)
        config.setWritable(PciConfigOffset.ioLimit, count: 1, mask: 0xF0)
        config.setWriteOneToClear(PciConfigOffset.secondaryStatus, count: 2,
                                  mask: UInt64(PciStatus.writeOneToClear.rawValue))
        // Memory base/limit: address bits 31:20 writable.
        config.setWritable(PciConfigOffset.memoryBase, count: 2, mask: 0xFFF0)
        config.setWritable(PciConfigOffset.memoryLimit, count: 2, mask: 0xFFF0)
        // Prefetchable base/limit: low nibble 1 = 64-bit capable, upper halves writable.
        config.set16(PciConfigOffset.prefetchableBase, 0x0001)
        config.set16(PciConfigOffset.prefetchableLimit, 0x0001)
        config.setWritable(PciConfigOffset.prefetchableBase, count: 2, mask: 0xFFF0)
        config.setWritable(PciConfigOffset.prefetchableLimit, count: 2, mask: 0xFFF0)
        config.setWritable(PciConfigOffset.prefetchableBaseUpper, count: 4, mask: 0xFFFF_FFFF)
        config.setWritable(PciConfigOffset.prefetchableLimitUpper, count: 4, mask: 0xFFFF_FFFF)
        // Bridge control: parity response, SERR, ISA, VGA, VGA 16-bit, master abort mode,
        // secondary bus reset.
        config.setWritable(PciConfigOffset.bridgeControl, count: 2, mask: 0x007F)
    }

    /// The non-prefetchable memory window, nil if closed.
    static func memoryWindow(_ config: PciConfigRegisters) -> ClosedRange<UInt64>? {
        let base = UInt64(config.value16(PciConfigOffset.memoryBase) & 0xFFF0) << 16
        let limit = (UInt64(config.value16(PciConfigOffset.memoryLimit) & 0xFFF0) << 16) | 0xF_FFFF
        return base <= limit ? base...limit : nil
    }

    /// The prefetchable memory window (64-bit), nil if closed.
    static func prefetchableWindow(_ config: PciConfigRegisters) -> ClosedRange<UInt64>? {
        let baseUpper = UInt64(config.value32(PciConfigOffset.prefetchableBaseUpper)) << 32
        let limitUpper = UInt64(config.value32(PciConfigOffset.prefetchableLimitUpper)) << 32
        let base = baseUpper | (UInt64(config.value16(PciConfigOffset.prefetchableBase) & 0xFFF0) << 16)
        let limit = limitUpper
            | (UInt64(config.value16(PciConfigOffset.prefetchableLimit) & 0xFFF0) << 16) | 0xF_FFFF
        return base <= limit ? base...limit : nil
    }

    /// Encodes a window for the base/limit register pair (1 MiB granularity): the 16-bit values
    /// to write to base and limit, and the upper 32 bits of each.
    static func encodeWindow(_ window: ClosedRange<UInt64>?) -> (base: UInt16, limit: UInt16, baseUpper: UInt32, limitUpper: UInt32) {
        guard let window else { return (0xFFF0, 0x0000, 0xFFFF_FFFF, 0) }  // closed: base > limit
        return (UInt16(truncatingIfNeeded: (window.lowerBound >> 16) & 0xFFF0),
                UInt16(truncatingIfNeeded: (window.upperBound >> 16) & 0xFFF0),
                UInt32(truncatingIfNeeded: window.lowerBound >> 32),
                UInt32(truncatingIfNeeded: window.upperBound >> 32))
    }
}

/// What a bridge forwards downstream right now.
struct PciBridgeForwarding: Sendable {
    var secondaryBus: UInt8
    var subordinateBus: UInt8
    /// Memory space enabled in the bridge's command register: without it nothing is forwarded.
    var memoryEnabled: Bool
    var windows: [ClosedRange<UInt64>]

    init(_ config: PciConfigRegisters) {
        secondaryBus = config.value8(PciConfigOffset.secondaryBus)
        subordinateBus = config.value8(PciConfigOffset.subordinateBus)
        memoryEnabled = PciCommand(rawValue: config.value16(PciConfigOffset.command)).contains(.memorySpace)
        windows = [PciBridgeHeader.memoryWindow(config), PciBridgeHeader.prefetchableWindow(config)]
            .compactMap { $0 }
    }

    /// Type-1 configuration cycles for `bus` go through this bridge.
    func routes(bus: UInt8) -> Bool {
        secondaryBus != 0 && secondaryBus <= bus && bus <= subordinateBus
    }
}

extension PciFunction {
    /// A bridge function (type-1 header) — used by root ports.
    static func bridge(
        name: String, identity: PciIdentity, capabilities: [PciCapability], express: Bool
    ) throws(PciConfigurationError) -> PciFunction {
        try PciFunction(name: name, layout: .bridge, identity: identity, bars: [],
                        capabilities: capabilities, express: express)
    }

    func bridgeForwarding() -> PciBridgeForwarding {
        withConfig { PciBridgeForwarding($0) }
    }
}
