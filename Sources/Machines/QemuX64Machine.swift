// The qemu-x64 machine: QEMU's q35 PC as Fuchsia's x86 board driver sees it — RAM, the PCI
// Express host (ECAM + 32-bit MMIO aperture) with the q35 functions, the i8042 keyboard
// controller, and a firmware table describing the PCI root and the i8042.
//
// Physical map (RAM is one range here; QEMU splits it around the PCI hole and above 4 GiB):
//   0x000E_0000  FirmwareRom: the AcpiTable (the BIOS area where a PC's RSDP lives; below RAM)
//   0x0010_0000  RAM, up to the ECAM window (at most 0xAFF0_0000 bytes)
//   0xB000_0000  ECAM, buses 0–15 (16 MiB; q35 MCH PCIEXBAR base)
//   0xC000_0000  PCI memory aperture up to 0xFEC0_0000 (BARs, hot-plug windows)
//   0xFEF0_0000  port-I/O window: x86 I/O port P appears at 0xFEF0_0000 + P. The machine has no
//                port bus, so port-mapped devices are decoded here instead, the way non-x86
//                machines map legacy I/O space (arm64 virt's PCIe PIO window at 0x3EFF_0000).
//                Only the i8042 is mapped: 8 bytes at 0xFEF0_0060, port 0x60 at +0, 0x64 at +4.
//                The range sits between the local APIC (0xFEE0_0000, 1 MiB) and the BIOS flash.
//
// PCI (00:xx.x): 00.0 Q35 MCH 8086:29c0, 01.0 bochs VBE 1234:1111, 02.0 e1000 8086:100e,
// 03.0 qemu-xhci 1b36:000d with a USB HID keyboard (`-device qemu-xhci -device usb-kbd` lands in
// the first free slot), 1c.0 hot-plug root port 1b36:000c with reserved windows, 1f.0 ICH9 LPC,
// 1f.2 ICH9 AHCI with a disk, 1f.3 ICH9 SMBus. BARs are assigned as SeaBIOS would.
//
// Counterpart: QEMU hw/i386/pc_q35.c (pc_q35_init), hw/i386/acpi-build.c (the KBD_/MOU_ and PCI0
// descriptions the firmware table mirrors); Fuchsia src/devices/board/drivers/x86.
import Devices
import Hardware
import ZirconKernel

/// The qemu-x64 physical layout.
public enum QemuX64Layout {
    public static let ramBase: UInt64 = 0x10_0000
    public static let defaultMemorySize = 1 << 30
    public static let firmwareTableBase: UInt64 = 0x000E_0000
    /// x86 I/O port P is decoded at `portWindowBase + P`.
    public static let portWindowBase: UInt64 = 0xFEF0_0000
    public static let i8042Base: UInt64 = portWindowBase + UInt64(I8042Controller.dataPort)
    public static let pciHost = PciHostConfiguration.qemuX64
    /// RAM must end below the ECAM window.
    public static var maximumMemorySize: Int { Int(pciHost.ecamBase - ramBase) }

    public static let xhciAddress = PciAddress(device: 0x03)
    public static let acpiPciRootPath = "\\_SB_.PCI0"
    public static let acpiKeyboardPath = "\\_SB_.PCI0.SF8_.KBD_"
    public static let acpiMousePath = "\\_SB_.PCI0.SF8_.MOU_"
}

extension Machine {
    /// The qemu-x64 machine (see QemuX64Machine.swift for its map).
    /// - Throws: `.badOptions` for RAM that does not fit below the ECAM window, `.pci` if the
    ///   topology cannot be assembled.
    public static func qemuX64(_ options: MachineOptions = MachineOptions()) throws(MachineError) -> Machine {
        let memorySize = options.memorySize ?? QemuX64Layout.defaultMemorySize
        guard memorySize > 0, memorySize <= QemuX64Layout.maximumMemorySize else {
            throw .badOptions("qemu-x64 RAM must be 1 byte to 0x\(String(QemuX64Layout.maximumMemorySize, radix: 16)) "
                              + "bytes (it ends below the ECAM window at 0xb0000000); asked for \(memorySize)")
        }
        guard options.mac.count == 6 else { throw .badOptions("a MAC address has 6 bytes, not \(options.mac.count)") }
        var configuration = MachineConfiguration(profile: .x64, memorySize: memorySize)
        configuration.ramBase = QemuX64Layout.ramBase
        var parts = MachineParts(name: "qemu-x64", configuration: configuration)
        let dma = DmaBinding()

        let host = QemuX64Layout.pciHost
        let bridge: PciEcamHostBridge
        do throws(PciConfigurationError) {
            let display = try BochsDisplay()
            let network = try E1000(mac: options.mac)
            let ahci = try AhciController(
                disk: AtaDisk(sectorCount: options.diskSectorCount), memory: dma.busMaster)
            var xhci: QemuXhciPci?
            if options.usbKeyboard { xhci = try QemuXhciPci(keyboard: UsbHidBootKeyboard()) }
            let hotPlugPort = try PciHotPlugRootPort(
                slotNumber: 1, portNumber: 1, reservedMemorySize: options.hotPlugMemorySize,
                reservedPrefetchableSize: options.hotPlugPrefetchableSize)
            var builder = PciBusBuilder(configuration: host)
            try builder.attach(Q35Functions.hostBridge(), at: QemuX64PciBus.hostBridgeAddress)
            try builder.attach(display, at: QemuX64PciBus.displayAddress)
            try builder.attach(network, at: QemuX64PciBus.networkAddress)
            if let xhci { try builder.attach(xhci, at: QemuX64Layout.xhciAddress) }
            try builder.attach(hotPlugPort, at: QemuX64PciBus.hotPlugPortAddress)
            try builder.attach(Q35Functions.isaBridge(), at: QemuX64PciBus.isaBridgeAddress)
            try builder.attach(ahci, at: QemuX64PciBus.ahciAddress)
            try builder.attach(Q35Functions.smbus(), at: QemuX64PciBus.smbusAddress)
            bridge = try builder.build(name: "pci-ecam")
            parts.display = display
            parts.network = network
            parts.ahci = ahci
            parts.xhci = xhci
        } catch {
            throw .pci(error)
        }
        let apertures = [
            PciApertureDescription(kind: .memory32, busAddress: host.memoryApertureBase,
                                   cpuAddress: host.memoryApertureBase, size: host.memoryApertureSize, decoded: true),
        ] + (host.ioPortRange.map { ports in
            [PciApertureDescription(kind: .io, busAddress: UInt64(ports.lowerBound),
                                    cpuAddress: QemuX64Layout.portWindowBase + UInt64(ports.lowerBound),
                                    size: UInt64(ports.count), decoded: false)]
        } ?? [])
        parts.pciHosts = [(bridge, apertures)]
        parts.map(bridge, at: host.ecamBase, name: "pci ecam")
        parts.map(bridge.memoryWindow, at: host.memoryApertureBase, name: "pci memory aperture")

        try addPcPlatform(to: &parts, host: host)
        return try Machine(parts, dma: dma)
    }

    /// The PC platform around a PCI host: the i8042 on its port window, the ZACP firmware table
    /// in its ROM window, and the ACPI-described platform devices (KBD_ and MOU_ on the i8042).
    /// Shared by qemu-x64 and the generated PCI machines.
    static func addPcPlatform(to parts: inout MachineParts, host: PciHostConfiguration) throws(MachineError) {
        let i8042 = I8042Controller(name: "i8042")
        parts.i8042 = i8042
        parts.map(i8042, at: QemuX64Layout.i8042Base, name: "i8042 (ports 0x60-0x67)")

        let table = qemuX64FirmwareTable(host: host)
        let rom: FirmwareRom
        do throws(AcpiTableError) {
            rom = FirmwareRom(name: "firmware table", contents: try table.encoded())
        } catch {
            throw .firmwareTable(error)
        }
        parts.acpiTable = table
        parts.acpiTableAddress = QemuX64Layout.firmwareTableBase
        parts.map(rom, at: QemuX64Layout.firmwareTableBase, name: "firmware table (ZACP)")
        parts.platformDevices = table.devices.map { device in
            PlatformDeviceDescription(
                name: String(device.path.split(separator: ".").last ?? Substring(device.path)),
                compatible: [device.hid] + device.cids, source: .acpi(path: device.path),
                mmio: device.memoryResources.map { MmioRegionDescription(base: $0.base, size: $0.size) },
                interrupts: device.resources.compactMap { resource -> InterruptDescription? in
                    guard case let .interrupt(number, edge, activeLow) = resource else { return nil }
                    return InterruptDescription(number: number, edgeTriggered: edge, activeLow: activeLow)
                },
                ioPorts: device.resources.compactMap { resource -> Range<UInt32>? in
                    guard case let .ioPorts(base, length) = resource else { return nil }
                    return UInt32(base)..<(UInt32(base) + UInt32(length))
                })
        }
    }

    /// The table QEMU's DSDT/MCFG would give: PCI0 (ECAM, bus range, memory and I/O apertures),
    /// KBD_ (PNP0303: ports 0x60 and 0x64, IRQ 1, and the MMIO window they are decoded at) and
    /// MOU_ (PNP0F13: IRQ 12; it shares the controller, so it has no registers of its own).
    static func qemuX64FirmwareTable(host: PciHostConfiguration) -> AcpiTable {
        var apertures = [AcpiTable.PciRoot.Aperture(kind: .memory32, base: host.memoryApertureBase,
                                                    size: host.memoryApertureSize)]
        if let ports = host.ioPortRange {
            apertures.append(.init(kind: .io, base: UInt64(ports.lowerBound), size: UInt64(ports.count)))
        }
        let root = AcpiTable.PciRoot(path: QemuX64Layout.acpiPciRootPath, busRange: host.busRange,
                                     ecamBase: host.ecamBase, apertures: apertures)
        let keyboard = AcpiTable.Device(path: QemuX64Layout.acpiKeyboardPath, hid: "PNP0303", resources: [
            .memory(base: QemuX64Layout.i8042Base, size: I8042Controller.windowSize),
            .ioPorts(base: I8042Controller.dataPort, length: 1),
            .ioPorts(base: I8042Controller.statusCommandPort, length: 1),
            .interrupt(number: UInt32(I8042Controller.keyboardIRQ), edgeTriggered: true, activeLow: false),
        ])
        let mouse = AcpiTable.Device(path: QemuX64Layout.acpiMousePath, hid: "PNP0F13", resources: [
            .interrupt(number: UInt32(I8042Controller.auxIRQ), edgeTriggered: true, activeLow: false),
        ])
        return AcpiTable(pciRoots: [root], devices: [keyboard, mouse])
    }
}
