// DeviceTreeMachineBuilder: one pass over a device tree's nodes in preorder, instantiating a
// model for each enabled node whose `compatible` is modelled and recording the rest (see
// DeviceTreeMachine.swift for what is modelled and the deviations from QEMU virt).
//
// Counterpart: Fuchsia's devicetree board driver (a visitor per node turning `reg` into MMIO,
// `interrupts` into IRQs) and QEMU hw/arm/virt.c, which builds the same devices it describes.
import DeviceTree
import Devices
import Hardware
import ZirconKernel

struct DeviceTreeMachineBuilder {
    private let options: MachineOptions
    private let stdoutPath: String?
    private let rootCompatible: [String]
    private var parts: MachineParts
    private let dma = DmaBinding()
    private var modelledCount = 0

    /// Takes RAM from the first enabled memory node (base kept, size from `options.memorySize`
    /// when given, which may only shrink it).
    init(tree: DeviceTree, name: String, options: MachineOptions) throws(MachineError) {
        let regions = try dt { () throws(DeviceTreeError) in try tree.memoryRegions() }
        guard let ram = regions.first, ram.size > 0 else { throw .noMemory }
        let available = Int(clamping: ram.size)
        let size = options.memorySize ?? available
        guard size > 0, size % 4096 == 0, size <= available else {
            throw .badOptions("RAM of \(size) bytes: it must be a positive multiple of 4096 no larger than "
                              + "the memory node's \(ram.size) bytes at 0x\(String(ram.address, radix: 16))")
        }
        var configuration = MachineConfiguration(profile: .arm64, memorySize: size)
        configuration.ramBase = ram.address
        self.options = options
        self.stdoutPath = tree.stdoutNode?.path
        self.rootCompatible = (try? tree.root.compatible()) ?? []
        self.parts = MachineParts(name: name, configuration: configuration)
    }

    mutating func visit(_ node: DeviceTreeNode) throws(MachineError) {
        let compatible = try dt { () throws(DeviceTreeError) in try node.compatible() }
        guard let first = compatible.first else { return }
        guard let kind = compatible.first(where: Machine.modelledCompatibles.contains) else {
            let reason = node.isEnabled ? "no model for \(first)" : "status \(node.status)"
            parts.unmodelledNodes.append(UnmodelledNode(path: node.path, compatible: compatible, reason: reason))
            return
        }
        guard node.isEnabled else {
            parts.unmodelledNodes.append(UnmodelledNode(path: node.path, compatible: compatible,
                                                        reason: "status \(node.status)"))
            return
        }
        switch kind {
        case "arm,pl011": try addUart(node, compatible)
        case "arm,pl031": try addRtc(node, compatible)
        case "virtio,mmio": try addVirtio(node, compatible)
        default: try addPciHost(node)
        }
        modelledCount += 1
    }

    func finish() throws(MachineError) -> Machine {
        guard modelledCount > 0 else {
            throw .nothingToModel(rootCompatible: rootCompatible, unmodelledNodes: parts.unmodelledNodes.count)
        }
        var parts = parts
        if parts.consoleIndex == nil, !parts.uarts.isEmpty { parts.consoleIndex = 0 }
        return try Machine(parts, dma: dma)
    }

    // MARK: Devices

    private mutating func addUart(_ node: DeviceTreeNode, _ compatible: [String]) throws(MachineError) {
        let region = try firstRegion(node, "a PL011")
        let isConsole = stdoutPath.map { $0 == node.path } ?? parts.uarts.isEmpty
        let console = ConsoleLog(onLine: isConsole ? options.consoleLineObserver : nil)
        let uart = PL011Uart(name: node.name, console: console)
        if isConsole, parts.consoleIndex == nil { parts.consoleIndex = parts.uarts.count }
        parts.uarts.append(MachineUart(path: node.path, uart: uart, console: console))
        parts.map(uart, at: region.address, name: node.name)
        try describe(node, compatible)
    }

    private mutating func addRtc(_ node: DeviceTreeNode, _ compatible: [String]) throws(MachineError) {
        let region = try firstRegion(node, "a PL031")
        let rtc = PL031Rtc(name: node.name, clock: options.rtcClock)
        parts.rtcs.append(rtc)
        parts.map(rtc, at: region.address, name: node.name)
        try describe(node, compatible, ids: PlatformDeviceIDs(vid: PlatformDeviceIDs.vidGeneric,
                                                              pid: PlatformDeviceIDs.pidGeneric,
                                                              did: PlatformDeviceIDs.didRtcPl031))
    }

    private mutating func addVirtio(_ node: DeviceTreeNode, _ compatible: [String]) throws(MachineError) {
        let region = try firstRegion(node, "a virtio-mmio transport")
        let transport = VirtioMmioTransport(name: node.name, device: options.virtioDevices[region.address] ?? .empty)
        parts.virtioSlots.append(transport)
        parts.map(transport, at: region.address, name: node.name)
        try describe(node, compatible)
    }

    private mutating func addPciHost(_ node: DeviceTreeNode) throws(MachineError) {
        let ecam = try firstRegion(node, "an ECAM host bridge")
        func bad(_ reason: String) -> MachineError { .badNode(path: node.path, offset: node.offset, reason: reason) }
        let buses = try dt { () throws(DeviceTreeError) in try node.pciBusRange() }
            ?? 0...UInt32(max(1, min(ecam.size >> 20, 256)) - 1)
        guard buses.upperBound <= 255 else { throw bad("bus-range \(buses) goes past bus 255") }
        let busRange = UInt8(buses.lowerBound)...UInt8(buses.upperBound)
        guard UInt64(busRange.count) << 20 <= ecam.size else {
            throw bad("ECAM reg of 0x\(String(ecam.size, radix: 16)) bytes cannot hold buses \(buses) (1 MiB each)")
        }
        let ranges = try dt { () throws(DeviceTreeError) in try node.pciRanges() }
        guard let window = ranges.first(where: { $0.space == .memory32 && !$0.prefetchable })
                ?? ranges.first(where: { $0.space == .memory32 })
        else { throw bad("ranges has no 32-bit memory window") }
        guard window.pciAddress == window.cpuAddress else {
            throw bad("the 32-bit window maps PCI 0x\(String(window.pciAddress, radix: 16)) to CPU "
                      + "0x\(String(window.cpuAddress, radix: 16)); only identity-mapped windows are modelled")
        }
        let io = ranges.first { $0.space == .io && $0.pciAddress.checkedAdd($0.size).map { $0 <= 0x1_0000_0000 } == true }
        let configuration = PciHostConfiguration(
            ecamBase: ecam.address, busRange: busRange, memoryApertureBase: window.cpuAddress,
            memoryApertureSize: window.size,
            ioPortRange: io.map { UInt32($0.pciAddress)..<UInt32($0.pciAddress + $0.size) })

        let bridge: PciEcamHostBridge
        do throws(PciConfigurationError) {
            var builder = PciBusBuilder(configuration: configuration)
            let hostFunction = try PciFunction(name: "gpex host", identity: PciIdentity(
                vendorID: PciVendorID.redHat, deviceID: 0x0008, classCode: .hostBridge))
            try builder.attach(hostFunction, at: PciAddress(bus: busRange.lowerBound, device: 0))
            if options.pciNetwork {
                let network = try E1000(mac: options.mac)
                try builder.attach(network, at: PciAddress(bus: busRange.lowerBound, device: 1))
                if parts.network == nil { parts.network = network }
            }
            bridge = try builder.build(name: node.name)
        } catch {
            throw .pci(error)
        }
        let apertures = ranges.compactMap { range -> PciApertureDescription? in
            let kind: PciApertureDescription.Kind
            switch range.space {
            case .memory32: kind = .memory32
            case .memory64: kind = .memory64
            case .io: kind = .io
            case .configuration: return nil
            }
            return PciApertureDescription(kind: kind, prefetchable: range.prefetchable, busAddress: range.pciAddress,
                                          cpuAddress: range.cpuAddress, size: range.size, decoded: range == window)
        }
        parts.pciHosts.append((bridge, apertures))
        parts.map(bridge, at: ecam.address, name: "\(node.name) ecam")
        parts.map(bridge.memoryWindow, at: window.cpuAddress, name: "\(node.name) memory window")
    }

    // MARK: Helpers

    /// The node's first `reg` region in CPU physical addresses.
    private func firstRegion(_ node: DeviceTreeNode, _ what: String) throws(MachineError) -> DeviceTree.Region {
        let regions = try dt { () throws(DeviceTreeError) in try node.translatedReg() }
        guard let first = regions.first, first.size > 0 else {
            throw .badNode(path: node.path, offset: node.offset, reason: "no reg: \(what) needs its register window")
        }
        return first
    }

    /// Adds the node to the platform devices: every `reg` region by index, its interrupts.
    private mutating func describe(_ node: DeviceTreeNode, _ compatible: [String],
                                   ids: PlatformDeviceIDs? = nil) throws(MachineError) {
        let regions = try dt { () throws(DeviceTreeError) in try node.translatedReg() }
        var interrupts: [InterruptDescription] = []
        if node.hasProperty("interrupts") || node.hasProperty("interrupts-extended") {
            let specifiers = try dt { () throws(DeviceTreeError) in try node.interrupts() }
            interrupts = specifiers.map { specifier in
                guard let gic = specifier.armGic, let id = gic.interruptId else {
                    return InterruptDescription(number: specifier.cells.first ?? 0, edgeTriggered: false,
                                                cells: specifier.cells)
                }
                return InterruptDescription(number: id, edgeTriggered: !gic.isLevelTriggered,
                                            activeLow: gic.triggerType & 0xA != 0, cells: specifier.cells)
            }
        }
        parts.platformDevices.append(PlatformDeviceDescription(
            name: node.name, compatible: compatible, source: .deviceTree(path: node.path), platformIDs: ids,
            mmio: regions.map { MmioRegionDescription(base: $0.address, size: $0.size) }, interrupts: interrupts))
    }
}
