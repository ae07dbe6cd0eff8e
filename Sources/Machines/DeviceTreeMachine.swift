// Machines described by a flattened device tree — `qemu-arm64` is the one QEMU's virt board
// builds (`QemuVirtBlob`), and any other DTB works the same way: RAM from the memory node, and a
// device model for every enabled node whose `compatible` this emulator knows, at its translated
// `reg`, with its interrupts:
//   arm,pl011              PL011Uart printing into a ConsoleLog (the /chosen stdout-path one is
//                          `Machine.console`)
//   arm,pl031              PL031Rtc (platform IDs GENERIC/GENERIC/RTC_PL031, as Fuchsia's
//                          qemu-arm64 board publishes it)
//   virtio,mmio            VirtioMmioTransport, empty unless `MachineOptions.virtioDevices` has a
//                          device for its address (qemu-arm64: block in slot 31, net in slot 30)
//   pci-host-ecam-generic  PciEcamHostBridge over `reg` (ECAM) and the 32-bit memory window of
//                          `ranges`, with QEMU's gpex host function (1b36:0008) at 00:00.0 and an
//                          e1000 at 00:01.0 (`MachineOptions.pciNetwork`), BARs assigned
// Every other node with a `compatible` is listed in `description.unmodelledNodes` (GIC, timer,
// flash, fw-cfg, pl061, …), as are disabled nodes.
//
// Deviations from QEMU virt, by necessity: RAM may be shrunk (`memorySize`), keeping its base
// 0x4000_0000; the 64-bit PCI window (0x80_0000_0000, 512 GiB) and the PIO window (0x3EFF_0000)
// are described but not decoded (one aperture per host bridge; no port bus); interrupts are
// described, not delivered (there is no GIC model yet).
//
// Counterpart: QEMU hw/arm/virt.c (create_uart, create_rtc, create_virtio_devices, create_pcie),
// hw/pci-host/gpex.c; Fuchsia src/devices/board/drivers/qemu-arm64 and the devicetree visitors
// (driver-model.md §5.4, §6.2).
import DeviceTree
import Devices
import Hardware
import ZirconKernel

extension Machine {
    /// The `compatible` strings this emulator models.
    public static let modelledCompatibles = ["arm,pl011", "arm,pl031", "virtio,mmio", "pci-host-ecam-generic"]

    /// QEMU's arm64 virt machine from its own device tree (`QemuVirtBlob`, 128 MiB at 0x4000_0000).
    public static func qemuArm64(_ options: MachineOptions = MachineOptions()) throws(MachineError) -> Machine {
        try fromDeviceTree(bytes: QemuVirtBlob.bytes, name: "qemu-arm64", options: options)
    }

    /// The machine a device tree describes (arm64 profile: device memory uncached by default).
    /// - Throws: `.deviceTree` for a malformed blob or property (offset and node named),
    ///   `.noMemory` without a memory node, `.nothingToModel` when no node is one this emulator
    ///   models, `.badNode` for a known device whose node cannot be placed, `.windowOverlapsRam`
    ///   / `.overlappingWindows` for an impossible map.
    public static func fromDeviceTree(bytes: [UInt8], name: String = "devicetree",
                                      options: MachineOptions = MachineOptions()) throws(MachineError) -> Machine {
        let tree = try dt { () throws(DeviceTreeError) in try DeviceTree(parsing: bytes) }
        var builder = try DeviceTreeMachineBuilder(tree: tree, name: name, options: options)
        for node in tree.nodes where !node.isRoot {
            try builder.visit(node)
        }
        return try builder.finish()
    }
}

/// Runs a device-tree accessor, turning its error into `MachineError.deviceTree`.
func dt<T>(_ body: () throws(DeviceTreeError) -> T) throws(MachineError) -> T {
    do {
        return try body()
    } catch {
        throw .deviceTree(error)
    }
}
