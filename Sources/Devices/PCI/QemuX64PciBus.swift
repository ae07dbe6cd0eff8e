// QemuX64PciBus: the qemu-x64 (QEMU q35) PCI topology assembled from the models — what Fuchsia's
// bus driver enumerates on that machine — plus one hot-plug root port with pre-allocated windows.
//
//   00:00.0  8086:29c0  06/00     Q35 MCH host bridge
//   00:01.0  1234:1111  03/00     Bochs VBE display (BAR0 framebuffer, BAR2 registers)
//   00:02.0  8086:100e  02/00     e1000 (BAR0 registers, BAR1 I/O)
//   00:1c.0  1b36:000c  06/04     PCIe root port, hot-plug slot, secondary bus 1
//   00:1f.0  8086:2918  06/01     ICH9 LPC / ISA bridge (multi-function device)
//   00:1f.2  8086:2922  01/06/01  ICH9 AHCI (BAR4 I/O, BAR5 ABAR), disk on port 0
//   00:1f.3  8086:2930  0c/05     ICH9 SMBus (BAR4 I/O)
//
// Counterpart: QEMU hw/i386/pc_q35.c and the device table of driver-model.md section 6.1 (q35
// places e1000 at 00:02.0 when `-device e1000` is the first NIC; ICH9 root ports live at 00:1c).
import Hardware

public struct QemuX64PciOptions: Sendable {
    public var host: PciHostConfiguration
    public var mac: [UInt8]
    public var diskSectorCount: UInt64
    public var diskModel: String
    public var videoMemorySize: Int
    /// Windows reserved behind the hot-plug root port.
    public var hotPlugMemorySize: UInt64
    public var hotPlugPrefetchableSize: UInt64
    /// Assign BARs and windows and enable decode as firmware would (Fuchsia keeps them).
    public var assignResources: Bool

    public init(host: PciHostConfiguration = .qemuX64, mac: [UInt8] = E1000.defaultMac,
                diskSectorCount: UInt64 = 1 << 17, diskModel: String = "QEMU HARDDISK",
                videoMemorySize: Int = 16 << 20, hotPlugMemorySize: UInt64 = 2 << 20,
                hotPlugPrefetchableSize: UInt64 = 2 << 20, assignResources: Bool = true) {
        self.host = host
        self.mac = mac
        self.diskSectorCount = diskSectorCount
        self.diskModel = diskModel
        self.videoMemorySize = videoMemorySize
        self.hotPlugMemorySize = hotPlugMemorySize
        self.hotPlugPrefetchableSize = hotPlugPrefetchableSize
        self.assignResources = assignResources
    }
}

public final class QemuX64PciBus: Sendable {
    public static let hostBridgeAddress = PciAddress(device: 0x00)
    public static let displayAddress = PciAddress(device: 0x01)
    public static let networkAddress = PciAddress(device: 0x02)
    public static let hotPlugPortAddress = PciAddress(device: 0x1C)
    public static let isaBridgeAddress = PciAddress(device: 0x1F, function: 0)
    public static let ahciAddress = PciAddress(device: 0x1F, function: 2)
    public static let smbusAddress = PciAddress(device: 0x1F, function: 3)

    /// The ECAM window: map at `hostBridge.configuration.ecamBase`, size `ecamSize`.
    public let hostBridge: PciEcamHostBridge
    public let display: BochsDisplay
    public let network: E1000
    public let ahci: AhciController
    public let hotPlugPort: PciHotPlugRootPort
    public let mch: PciFunction
    public let isaBridge: PciFunction
    public let smbus: PciFunction

    /// `memory` is how bus-master devices (AHCI) reach guest RAM.
    public init(_ options: QemuX64PciOptions = QemuX64PciOptions(), memory: BusMasterMemory = .none)
        throws(PciConfigurationError)
    {
        mch = try Q35Functions.hostBridge()
        display = try BochsDisplay(videoMemorySize: options.videoMemorySize)
        network = try E1000(mac: options.mac)
        hotPlugPort = try PciHotPlugRootPort(
            slotNumber: 1, portNumber: 1, reservedMemorySize: options.hotPlugMemorySize,
            reservedPrefetchableSize: options.hotPlugPrefetchableSize)
        isaBridge = try Q35Functions.isaBridge()
        ahci = try AhciController(
            disk: AtaDisk(sectorCount: options.diskSectorCount, model: options.diskModel), memory: memory)
        smbus = try Q35Functions.smbus()

        var builder = PciBusBuilder(configuration: options.host)
        try builder.attach(mch, at: Self.hostBridgeAddress)
        try builder.attach(display, at: Self.displayAddress)
        try builder.attach(network, at: Self.networkAddress)
        try builder.attach(hotPlugPort, at: Self.hotPlugPortAddress)
        try builder.attach(isaBridge, at: Self.isaBridgeAddress)
        try builder.attach(ahci, at: Self.ahciAddress)
        try builder.attach(smbus, at: Self.smbusAddress)
        hostBridge = try builder.build(assignResources: options.assignResources)
    }

    /// The MMIO aperture: map at `hostBridge.configuration.memoryApertureBase`.
    public var memoryWindow: PciMemoryWindow { hostBridge.memoryWindow }

    /// Windows to map into the machine's physical address space: (base, device).
    public var mmioRegions: [(base: UInt64, device: any MmioDevice)] {
        [(hostBridge.configuration.ecamBase, hostBridge),
         (hostBridge.configuration.memoryApertureBase, hostBridge.memoryWindow)]
    }
}
