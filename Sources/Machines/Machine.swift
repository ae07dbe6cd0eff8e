// Machine: a complete emulated machine — the device models wired into a physical address map,
// the `MachineConfiguration` a Kernel boots on, and the description root bus drivers start from.
// Two are built in (`qemu-x64`, QEMU q35-like; `qemu-arm64`, QEMU virt from its own DTB) and any
// device tree describes one (`Machine.fromDeviceTree(bytes:)`).
//
//   let machine = try Machine.named("qemu-arm64")
//   let kernel = try machine.boot()
//   // drivers map machine.description.platformDevice("arm,pl011")?.mmio.first …
//   print(machine.console?.text ?? "")
//
// Counterpart: QEMU hw/i386/pc_q35.c and hw/arm/virt.c (machine_init: RAM, the memory map, the
// devices on it), Fuchsia's board drivers (src/devices/board/drivers/x86, qemu-arm64) that turn
// the machine into platform devices and a pciroot. A machine is booted once: its devices keep
// their state and AHCI's DMA is bound to that kernel's RAM.
import DeviceTree
import Devices
import Hardware
import Synchronization
import ZirconKernel
import ZX

/// Knobs for the built-in machines (and for device trees, where they apply).
public struct MachineOptions: Sendable {
    /// Bytes of RAM; nil: the machine's default (qemu-x64 1 GiB, device trees their memory node).
    public var memorySize: Int?
    /// MAC address of the e1000 (qemu-x64 00:02.0; qemu-arm64 00:01.0).
    public var mac: [UInt8]
    /// Sectors of the AHCI disk (qemu-x64).
    public var diskSectorCount: UInt64
    /// qemu-x64: put a qemu-xhci controller with a USB HID boot keyboard at 00:03.0.
    public var usbKeyboard: Bool
    /// Windows firmware reserves behind the qemu-x64 hot-plug root port (00:1c.0).
    public var hotPlugMemorySize: UInt64
    public var hotPlugPrefetchableSize: UInt64
    /// Device-tree machines: attach an e1000 at 00:01.0 of each `pci-host-ecam-generic` host.
    public var pciNetwork: Bool
    /// Device-tree machines: what sits in the virtio-mmio slot at each physical address; the
    /// other slots are empty (device ID 0), as QEMU leaves them.
    public var virtioDevices: [UInt64: VirtioMmioDeviceConfiguration]
    /// The PL031's time source (seconds since the epoch).
    public var rtcClock: PL031Rtc.Clock
    /// Called with each complete line the console UART prints.
    public var consoleLineObserver: ConsoleLog.LineObserver?

    /// QEMU's placement of `-device virtio-blk-device -device virtio-net-device` on virt: the
    /// first lands in the highest slot (hw/arm/virt.c create_virtio_devices), so block is slot
    /// 31 (0x0A00_3E00) and net slot 30 (0x0A00_3C00).
    public static let qemuVirtDefaultVirtio: [UInt64: VirtioMmioDeviceConfiguration] = [
        VirtioMmioTransport.qemuVirtAddress(slot: 31): .block(capacitySectors: 1 << 17),
        VirtioMmioTransport.qemuVirtAddress(slot: 30): .network(mac: [0x52, 0x54, 0x00, 0x12, 0x34, 0x57]),
    ]

    public init(memorySize: Int? = nil, mac: [UInt8] = E1000.defaultMac, diskSectorCount: UInt64 = 1 << 17,
                usbKeyboard: Bool = true, hotPlugMemorySize: UInt64 = 2 << 20,
                hotPlugPrefetchableSize: UInt64 = 2 << 20, pciNetwork: Bool = true,
                virtioDevices: [UInt64: VirtioMmioDeviceConfiguration] = MachineOptions.qemuVirtDefaultVirtio,
                rtcClock: @escaping PL031Rtc.Clock = PL031Rtc.hostClock,
                consoleLineObserver: ConsoleLog.LineObserver? = nil) {
        self.memorySize = memorySize
        self.mac = mac
        self.diskSectorCount = diskSectorCount
        self.usbKeyboard = usbKeyboard
        self.hotPlugMemorySize = hotPlugMemorySize
        self.hotPlugPrefetchableSize = hotPlugPrefetchableSize
        self.pciNetwork = pciNetwork
        self.virtioDevices = virtioDevices
        self.rtcClock = rtcClock
        self.consoleLineObserver = consoleLineObserver
    }
}

/// Why a machine could not be built or booted.
public enum MachineError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownMachine(String, known: [String])
    /// The device tree is malformed or a property does not decode (names offset and node).
    case deviceTree(DeviceTreeError)
    /// The device tree has no enabled memory node.
    case noMemory
    /// The device tree describes nothing this emulator models.
    case nothingToModel(rootCompatible: [String], unmodelledNodes: Int)
    /// A node's contents do not make a device (node path, its offset in the blob, why).
    case badNode(path: String, offset: Int, reason: String)
    case overlappingWindows(String, String)
    case windowOverlapsRam(String, base: UInt64)
    case badOptions(String)
    case pci(PciConfigurationError)
    case firmwareTable(AcpiTableError)
    case alreadyBooted
    case kernel(ZxStatus)

    public var description: String {
        switch self {
        case let .unknownMachine(name, known):
            return "unknown machine \"\(name)\" (known: \(known.joined(separator: ", ")))"
        case let .deviceTree(error): return error.description
        case .noMemory: return "device tree: no enabled memory node (device_type = \"memory\")"
        case let .nothingToModel(compatible, count):
            return "device tree for [\(compatible.joined(separator: ", "))] has no node this emulator models "
                + "(arm,pl011, arm,pl031, virtio,mmio, pci-host-ecam-generic); \(count) nodes not modelled"
        case let .badNode(path, offset, reason):
            return "device tree: at byte 0x\(String(offset, radix: 16)) (\(path)): \(reason)"
        case let .overlappingWindows(first, second): return "device windows overlap: \(first) and \(second)"
        case let .windowOverlapsRam(name, base):
            return "device window \(name) at 0x\(String(base, radix: 16)) shares a page with RAM"
        case let .badOptions(reason): return "machine options: \(reason)"
        case let .pci(error): return "PCI topology: \(error)"
        case let .firmwareTable(error): return error.description
        case .alreadyBooted: return "this machine has already booted a kernel"
        case let .kernel(status): return "kernel boot failed: \(status)"
        }
    }
}

/// A PL011 and the console its transmitter prints into.
public struct MachineUart: Sendable {
    /// The device-tree path of the UART's node.
    public var path: String
    public var uart: PL011Uart
    public var console: ConsoleLog
}

/// The parts a machine builder assembles.
struct MachineParts {
    var name: String
    var configuration: MachineConfiguration
    var uarts: [MachineUart] = []
    var consoleIndex: Int?
    var rtcs: [PL031Rtc] = []
    var virtioSlots: [VirtioMmioTransport] = []
    var pciHosts: [(bridge: PciEcamHostBridge, apertures: [PciApertureDescription])] = []
    var display: BochsDisplay?
    var network: E1000?
    var ahci: AhciController?
    var xhci: QemuXhciPci?
    var i8042: I8042Controller?
    var acpiTable: AcpiTable?
    var acpiTableAddress: UInt64?
    var platformDevices: [PlatformDeviceDescription] = []
    var unmodelledNodes: [UnmodelledNode] = []
    var windowNames: [ObjectIdentifier: String] = [:]

    /// Adds a device window at `base`, remembering a name for the physical map.
    mutating func map(_ device: any MmioDevice, at base: UInt64, name: String) {
        configuration.addDevice(device, at: base)
        windowNames[ObjectIdentifier(device)] = name
    }
}

public final class Machine: Sendable {
    /// The built-in machines `named(_:)` knows.
    public static let builtInNames = ["qemu-x64", "qemu-arm64"]

    public let name: String
    /// What `boot()` hands `Kernel(machine:)`: profile, RAM, every device window.
    public let configuration: MachineConfiguration
    /// Every PL011, in tree order; `console` is the one /chosen's stdout-path names (or the first).
    public let uarts: [MachineUart]
    public let console: ConsoleLog?
    public let uart: PL011Uart?
    public let rtc: PL031Rtc?
    /// Every virtio-mmio transport, in tree order (qemu-arm64: slot 0 at 0x0A00_0000 first).
    public let virtioSlots: [VirtioMmioTransport]
    /// The PCI host bridges (qemu-x64: one; device trees: one per ECAM host node).
    public let pciHosts: [PciEcamHostBridge]
    public let display: BochsDisplay?
    public let network: E1000?
    public let ahci: AhciController?
    public let xhci: QemuXhciPci?
    public let i8042: I8042Controller?
    public let acpiTable: AcpiTable?

    private let staticDescription: MachineDescription
    private let apertures: [[PciApertureDescription]]
    let dma: DmaBinding
    private let booted = Atomic<Bool>(false)

    init(_ parts: MachineParts, dma: DmaBinding) throws(MachineError) {
        name = parts.name
        configuration = parts.configuration
        uarts = parts.uarts
        let console = parts.consoleIndex.map { parts.uarts[$0] }
        self.console = console?.console
        uart = console?.uart
        rtc = parts.rtcs.first
        virtioSlots = parts.virtioSlots
        pciHosts = parts.pciHosts.map(\.bridge)
        apertures = parts.pciHosts.map(\.apertures)
        display = parts.display
        network = parts.network
        ahci = parts.ahci
        xhci = parts.xhci
        i8042 = parts.i8042
        acpiTable = parts.acpiTable
        self.dma = dma
        let map = try Self.physicalMap(parts)
        let ram = PhysicalRange(base: parts.configuration.ramBase, size: UInt64(parts.configuration.memorySize))
        staticDescription = MachineDescription(
            name: parts.name, profile: parts.configuration.profile, ram: ram,
            platformDevices: parts.platformDevices, pciHosts: [], acpiTable: parts.acpiTable,
            acpiTableAddress: parts.acpiTableAddress, unmodelledNodes: parts.unmodelledNodes, physicalMap: map)
    }

    /// A built-in machine by name: "qemu-x64" or "qemu-arm64".
    public static func named(_ name: String, options: MachineOptions = MachineOptions()) throws(MachineError) -> Machine {
        switch name {
        case "qemu-x64": return try qemuX64(options)
        case "qemu-arm64": return try qemuArm64(options)
        default: throw .unknownMachine(name, known: builtInNames)
        }
    }

    /// The USB keyboard behind the xHCI controller (qemu-x64).
    public var usbKeyboard: UsbHidBootKeyboard? { xhci?.keyboard }

    /// Every hot-plug root port (insert a card with `insert(_:assignResources:)`).
    public var hotPlugPorts: [PciHotPlugRootPort] { pciHosts.flatMap(\.rootPorts) }

    /// What root bus drivers start from. The PCI part is read from the hosts now, so it shows
    /// hot-plugged cards.
    public var description: MachineDescription {
        var description = staticDescription
        description.pciHosts = zip(pciHosts, apertures).map { PciHostDescription($0, apertures: $1) }
        return description
    }

    /// Boots a kernel on this machine (once) and binds bus-master DMA to its RAM.
    /// - Throws: `.alreadyBooted` on a second call; `.kernel` with what `Kernel(machine:)` threw.
    public func boot(aslrEntropyBits: Int = 30, seed: UInt64? = nil) throws(MachineError) -> Kernel {
        guard !booted.exchange(true, ordering: .acquiringAndReleasing) else { throw .alreadyBooted }
        let kernel: Kernel
        do {
            kernel = try Kernel(machine: configuration, aslrEntropyBits: aslrEntropyBits, seed: seed)
        } catch let status as ZxStatus {
            booted.store(false, ordering: .releasing)
            throw .kernel(status)
        } catch {
            booted.store(false, ordering: .releasing)
            throw .kernel(.internal)
        }
        dma.bind(kernel.physicalMemory)
        return kernel
    }

    /// RAM and the device windows sorted by base, after checking windows overlap neither each
    /// other nor RAM's pages (what `Kernel(machine:)` would refuse with a bare INVALID_ARGS).
    private static func physicalMap(_ parts: MachineParts) throws(MachineError) -> [PhysicalMapEntry] {
        let configuration = parts.configuration
        guard configuration.memorySize > 0, configuration.memorySize % 4096 == 0, configuration.ramBase % 4096 == 0,
              configuration.ramBase.checkedAdd(UInt64(configuration.memorySize)) != nil
        else { throw .badOptions("RAM of \(configuration.memorySize) bytes at 0x\(String(configuration.ramBase, radix: 16))") }
        let ramEnd = configuration.ramBase + UInt64(configuration.memorySize)
        var entries = [PhysicalMapEntry(name: "ram", base: configuration.ramBase,
                                        size: UInt64(configuration.memorySize), kind: .ram)]
        for window in configuration.devices {
            let name = parts.windowNames[ObjectIdentifier(window.device)] ?? window.device.name
            let size = window.device.regionSize
            guard size > 0, window.base.checkedAdd(size) != nil else {
                throw .badOptions("window \(name) at 0x\(String(window.base, radix: 16)) is empty or wraps")
            }
            let firstPage = window.base & ~0xFFF
            let lastPage = (window.base + size - 1) & ~0xFFF
            if lastPage >= configuration.ramBase && firstPage < ramEnd {
                throw .windowOverlapsRam(name, base: window.base)
            }
            entries.append(PhysicalMapEntry(name: name, base: window.base, size: size,
                                            kind: window.device is FirmwareRom ? .rom : .device))
        }
        entries.sort { $0.base < $1.base }
        for (previous, next) in zip(entries, entries.dropFirst())
        where previous.kind != .ram && next.kind != .ram && next.base < previous.base + previous.size {
            throw .overlappingWindows(previous.name, next.name)
        }
        return entries
    }
}

/// Bus-master DMA for the machine's devices, bound to a kernel's RAM at boot (before that every
/// DMA fails, as on a bus with nothing behind it).
final class DmaBinding: Sendable {
    private let memory = Mutex<PhysicalMemory?>(nil)

    func bind(_ memory: PhysicalMemory) { self.memory.withLock { $0 = memory } }

    var busMaster: BusMasterMemory {
        BusMasterMemory { [self] address, length in
            guard let memory = self.memory.withLock({ $0 }) else { return nil }
            let start = PhysicalAddress(address)
            guard length > 0, memory.contains(start, length: length) else { return nil }
            return UnsafeMutableRawBufferPointer(start: memory.hostPointer(start), count: length)
        }
    }
}
