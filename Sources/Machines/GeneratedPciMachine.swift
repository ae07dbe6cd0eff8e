// A generated x64 machine for scaling benchmarks: the qemu-x64 layout (RAM, ECAM at 0xB000_0000,
// the 0xC000_0000 memory aperture, the i8042 and the firmware table) with a PCI bus that carries
// N simple endpoint functions instead of the q35 devices.
//
// Topology: the root bus holds the Q35 MCH at 00:00.0 and one generic PCIe root port per eight
// endpoints, at 00:01.0, 00:01.1, … (multi-function devices 1–31, so at most 248 ports). Root
// port i owns secondary bus i + 1, on which sits one card: up to eight endpoint functions at
// device 0. Each endpoint is a QEMU pci-testdev-like function (1b36:0005, class ff/00) with one
// 4 KiB memory BAR, and no driver binds to it — booting measures enumeration, BAR assignment and
// device-node publication, not drivers. Firmware assigns every port a 1 MiB memory window and
// every BAR inside it, as SeaBIOS would. The ECAM covers exactly the buses in use (1 MiB each),
// so the largest machine, 1,984 functions on 249 buses, still ends below the aperture.
//
// Counterpart: QEMU `-M q35 -device pcie-root-port,... -device pci-testdev,...` command lines;
// hw/misc/pci-testdev.c for the endpoint identity.
import Devices
import Hardware
import ZirconKernel

/// Limits and identities of the generated PCI machine.
public enum GeneratedPciLayout {
    /// Endpoint functions per card (one card behind each root port).
    public static let functionsPerCard = 8
    /// Root ports on the root bus: devices 1–31, eight functions each.
    public static let maximumRootPorts = 31 * 8
    /// The most endpoint functions the machine can carry.
    public static let maximumFunctions = maximumRootPorts * functionsPerCard
    /// QEMU's pci-testdev identity (class "other").
    public static let endpointIdentity = PciIdentity(
        vendorID: PciVendorID.redHat, deviceID: 0x0005, classCode: PciClassCode(0xFF, 0x00))
    /// The endpoint's single memory BAR.
    public static let endpointBarSize: UInt64 = 4096
    /// The memory window firmware reserves behind each root port.
    public static let portWindowSize: UInt64 = 1 << 20

    /// The host configuration for `rootPorts` ports: qemu-x64's, with the ECAM sized to the
    /// buses in use.
    static func host(rootPorts: Int) -> PciHostConfiguration {
        var host = PciHostConfiguration.qemuX64
        host.busRange = 0...UInt8(clamping: rootPorts)
        return host
    }
}

extension Machine {
    /// A qemu-x64-shaped machine whose PCI bus carries `functions` endpoint functions behind
    /// ⌈functions / 8⌉ root ports (see GeneratedPciMachine.swift). `options.memorySize` is used;
    /// the q35 devices' options (MAC, disk, USB keyboard, hot-plug windows) do not apply.
    /// - Throws: `.badOptions` for a function count outside 1…`GeneratedPciLayout.maximumFunctions`
    ///   or RAM that does not fit below the ECAM window, `.pci` if the topology cannot be built.
    public static func generatedPci(functions: Int, options: MachineOptions = MachineOptions())
        throws(MachineError) -> Machine
    {
        guard (1...GeneratedPciLayout.maximumFunctions).contains(functions) else {
            throw .badOptions("a generated PCI machine has 1 to \(GeneratedPciLayout.maximumFunctions) "
                              + "functions; asked for \(functions)")
        }
        let memorySize = options.memorySize ?? QemuX64Layout.defaultMemorySize
        guard memorySize > 0, memorySize <= QemuX64Layout.maximumMemorySize else {
            throw .badOptions("generated-pci RAM must be 1 byte to 0x\(String(QemuX64Layout.maximumMemorySize, radix: 16)) "
                              + "bytes; asked for \(memorySize)")
        }
        let perCard = GeneratedPciLayout.functionsPerCard
        let portCount = (functions + perCard - 1) / perCard
        var configuration = MachineConfiguration(profile: .x64, memorySize: memorySize)
        configuration.ramBase = QemuX64Layout.ramBase
        var parts = MachineParts(name: "generated-pci-\(functions)", configuration: configuration)
        let dma = DmaBinding()

        let host = GeneratedPciLayout.host(rootPorts: portCount)
        let bridge: PciEcamHostBridge
        do throws(PciConfigurationError) {
            var builder = PciBusBuilder(configuration: host)
            try builder.attach(Q35Functions.hostBridge(), at: QemuX64PciBus.hostBridgeAddress)
            for port in 0..<portCount {
                let rootPort = try PciHotPlugRootPort(
                    name: "root port \(port)", slotNumber: UInt16(port + 1), portNumber: UInt8(truncatingIfNeeded: port + 1),
                    reservedMemorySize: GeneratedPciLayout.portWindowSize, reservedPrefetchableSize: 0)
                let first = port * perCard
                var card: [any PciDevice] = []
                for index in first..<min(first + perCard, functions) {
                    card.append(try PciFunction(
                        name: "endpoint \(index)", identity: GeneratedPciLayout.endpointIdentity,
                        bars: [.memory32(0, size: GeneratedPciLayout.endpointBarSize, handler: nil)]))
                }
                try rootPort.insert(card)
                try builder.attach(rootPort, at: PciAddress(device: UInt8(1 + port / 8), function: UInt8(port % 8)))
            }
            bridge = try builder.build(name: "pci-ecam")
        } catch {
            throw .pci(error)
        }
        parts.pciHosts = [(bridge, [
            PciApertureDescription(kind: .memory32, busAddress: host.memoryApertureBase,
                                   cpuAddress: host.memoryApertureBase, size: host.memoryApertureSize, decoded: true),
        ] + (host.ioPortRange.map { ports in
            [PciApertureDescription(kind: .io, busAddress: UInt64(ports.lowerBound),
                                    cpuAddress: QemuX64Layout.portWindowBase + UInt64(ports.lowerBound),
                                    size: UInt64(ports.count), decoded: false)]
        } ?? []))]
        parts.map(bridge, at: host.ecamBase, name: "pci ecam")
        parts.map(bridge.memoryWindow, at: host.memoryApertureBase, name: "pci memory aperture")

        try Machine.addPcPlatform(to: &parts, host: host)
        return try Machine(parts, dma: dma)
    }
}
