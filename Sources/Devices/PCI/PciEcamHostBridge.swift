// PciEcamHostBridge: the host side of the PCI Express hierarchy as the CPU sees it — the ECAM
// window (configuration space as memory, one 4 KiB page per function) and, through
// `memoryWindow`, the MMIO aperture out of which BARs are assigned.
//
// Counterpart: QEMU hw/pci-host/gpex.c and q35.c (MMCFG/ECAM region, pcie_host_mmcfg_*);
// PCI Express Base 4.0 section 7.2.2 (ECAM: offset = bus << 20 | device << 15 | function << 12 |
// register). Fuchsia's pciroot/kpci reads the same window (driver-model.md section 7.1).
//
// Rules a driver observes:
// - ECAM accesses are 1, 2 or 4 bytes, naturally aligned. An 8-byte access faults with
//   `.badWidth` and a misaligned one with `.misaligned` (hardware would split or drop them;
//   a fault surfaces the driver bug).
// - A function nobody implements reads as all ones at every width (vendor 0xFFFF) and ignores
//   writes — an Unsupported Request completion turned into all-ones data by the root complex.
// - A memory access inside the aperture that no enabled BAR claims reads all ones and drops the
//   write — a master abort on conventional PCI, an Unsupported Request on PCI Express. It is not
//   a fault: probing code relies on reading all ones.
import Hardware

/// Addresses of the host bridge's windows. All are parameters of the machine; `qemuX64` is the
/// layout this project uses for the qemu-x64 machine by default.
public struct PciHostConfiguration: Sendable, Equatable {
    /// Physical address of ECAM bus `busRange.lowerBound`.
    public var ecamBase: UInt64
    /// Buses decoded by the ECAM window (1 MiB each). The lowest is the root bus.
    public var busRange: ClosedRange<UInt8>
    /// The 32-bit MMIO aperture BARs and bridge windows are assigned from.
    public var memoryApertureBase: UInt64
    public var memoryApertureSize: UInt64
    /// I/O port range for I/O BARs (only assigned, never decoded: there is no port bus).
    public var ioPortRange: Range<UInt32>?

    public init(ecamBase: UInt64, busRange: ClosedRange<UInt8>, memoryApertureBase: UInt64,
                memoryApertureSize: UInt64, ioPortRange: Range<UInt32>? = nil) {
        self.ecamBase = ecamBase
        self.busRange = busRange
        self.memoryApertureBase = memoryApertureBase
        self.memoryApertureSize = memoryApertureSize
        self.ioPortRange = ioPortRange
    }

    /// ECAM at 0xB000_0000 for buses 0–15 (16 MiB; QEMU q35's MCH PCIEXBAR base, sized like
    /// the arm64 virt low ECAM), MMIO aperture 0xC000_0000–0xFEBF_FFFF (below the IOAPIC),
    /// I/O ports 0xC000–0xFFFF as SeaBIOS uses them.
    public static let qemuX64 = PciHostConfiguration(
        ecamBase: 0xB000_0000, busRange: 0...15,
        memoryApertureBase: 0xC000_0000, memoryApertureSize: 0xFEC0_0000 - 0xC000_0000,
        ioPortRange: 0xC000..<0x1_0000)

    /// Size of the ECAM window in bytes.
    public var ecamSize: UInt64 { UInt64(busRange.count) << 20 }
    public var rootBusNumber: UInt8 { busRange.lowerBound }
}

public final class PciEcamHostBridge: MmioDevice {
    public let name: String
    public let configuration: PciHostConfiguration
    /// The MMIO aperture: map it at `configuration.memoryApertureBase`.
    public let memoryWindow: PciMemoryWindow
    let hierarchy: PciHierarchy

    public var regionSize: UInt64 { configuration.ecamSize }

    init(name: String, configuration: PciHostConfiguration, hierarchy: PciHierarchy) {
        self.name = name
        self.configuration = configuration
        self.hierarchy = hierarchy
        self.memoryWindow = PciMemoryWindow(
            name: name + " memory", base: configuration.memoryApertureBase,
            size: configuration.memoryApertureSize, hierarchy: hierarchy)
    }

    /// The hot-plug root ports, in the order they were added.
    public var rootPorts: [PciHotPlugRootPort] { hierarchy.rootPorts }

    /// The function that answers configuration cycles at `address` right now.
    public func function(at address: PciAddress) -> PciFunction? {
        hierarchy.function(at: address)
    }

    /// Every function that answers right now, in bus/device/function order (root bus, then each
    /// root port's secondary bus).
    public func presentFunctions() -> [(address: PciAddress, function: PciFunction)] {
        var found: [(address: PciAddress, function: PciFunction)] = []
        for (index, function) in hierarchy.rootBus.enumerated() {
            guard let function else { continue }
            found.append((PciAddress(bus: hierarchy.rootBusNumber, device: UInt8(index / 8),
                                     function: UInt8(index % 8)), function))
        }
        for port in hierarchy.rootPorts {
            let bus = port.pciFunction.bridgeForwarding().secondaryBus
            guard bus != 0 else { continue }
            for number in UInt8(0)..<8 {
                if let function = port.occupant(device: 0, function: number) {
                    found.append((PciAddress(bus: bus, device: 0, function: number), function))
                }
            }
        }
        return found
    }

    /// ECAM offset of a function's configuration register (what a driver adds to `ecamBase`).
    public func ecamOffset(of address: PciAddress, register: Int = 0) -> UInt64 {
        (UInt64(address.bus &- configuration.rootBusNumber) << 20) | (UInt64(address.device & 0x1F) << 15)
            | (UInt64(address.function & 0x7) << 12) | UInt64(register & 0xFFF)
    }

    private func decode(_ offset: UInt64, _ width: MmioAccessWidth) throws(MmioFault) -> (PciFunction?, Int) {
        guard width != .doubleWord else {
            throw MmioFault(.badWidth, device: name, offset: offset, width: width)
        }
        try MmioAccessCheck.aligned(offset, width, device: name)
        try MmioAccessCheck.inRange(offset, width, size: regionSize, device: name)
        let address = PciAddress(bus: configuration.rootBusNumber &+ UInt8(truncatingIfNeeded: offset >> 20),
                                 device: UInt8(truncatingIfNeeded: (offset >> 15) & 0x1F),
                                 function: UInt8(truncatingIfNeeded: (offset >> 12) & 0x7))
        return (hierarchy.function(at: address), Int(offset & 0xFFF))
    }

    public func read(offset: UInt64, width: MmioAccessWidth) throws(MmioFault) -> UInt64 {
        let (function, register) = try decode(offset, width)
        guard let function else { return width.valueMask }
        return UInt64(function.readConfig(offset: register, width: width))
    }

    public func write(offset: UInt64, width: MmioAccessWidth, value: UInt64) throws(MmioFault) {
        let (function, register) = try decode(offset, width)
        function?.writeConfig(offset: register, width: width, value: UInt32(truncatingIfNeeded: value))
    }
}

/// The host bridge's MMIO aperture: accesses are forwarded to whichever memory BAR decodes the
/// address — on the root bus when the function's Memory Space Enable is set, behind a root port
/// when in addition the port forwards the address (memory enable and inside a window).
public final class PciMemoryWindow: MmioDevice {
    public let name: String
    /// Bus (= physical) address of offset 0.
    public let base: UInt64
    public let regionSize: UInt64
    private let hierarchy: PciHierarchy

    init(name: String, base: UInt64, size: UInt64, hierarchy: PciHierarchy) {
        self.name = name
        self.base = base
        self.regionSize = size
        self.hierarchy = hierarchy
    }

    /// The BAR handler and offset an access at `offset` reaches, nil for a master abort.
    private func target(_ offset: UInt64, _ width: MmioAccessWidth) throws(MmioFault) -> (any MmioDevice, UInt64)? {
        try MmioAccessCheck.inRange(offset, width, size: regionSize, device: name)
        guard let (handler, barOffset) = hierarchy.memoryTarget(base &+ offset, width: width) else { return nil }
        // A BAR larger than its register window: the tail is decoded but unimplemented.
        guard barOffset < handler.regionSize, UInt64(width.rawValue) <= handler.regionSize - barOffset else {
            return nil
        }
        return (handler, barOffset)
    }

    public func read(offset: UInt64, width: MmioAccessWidth) throws(MmioFault) -> UInt64 {
        guard let (handler, barOffset) = try target(offset, width) else { return width.valueMask }
        return try handler.read(offset: barOffset, width: width)
    }

    public func write(offset: UInt64, width: MmioAccessWidth, value: UInt64) throws(MmioFault) {
        guard let (handler, barOffset) = try target(offset, width) else { return }
        try handler.write(offset: barOffset, width: width, value: value)
    }
}
