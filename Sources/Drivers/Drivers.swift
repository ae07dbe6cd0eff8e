// Drivers: the drivers of Zirconia's emulated devices and the root bus drivers' hardware logic.
// Drivers reach hardware only through lib/mmio (`MmioAccess` windows over VMOs their bus gave
// them) and DMA memory from a `DmaAllocator` — never the device models themselves.
//
// - Devices/  device drivers as hardware logic, independent of the driver manager: each is a type
//             that takes its register window(s) (and DMA allocator) and exposes the operations
//             and the state the framework publishes — e1000 (EthernetInfo), bochs_vbe
//             (FramebufferInfo), ahci (BlockInfo), pl011, pl031 (RtcTime), virtio-mmio
//             (VirtioDeviceInfo), i8042 (key and mouse events), xhci (a UsbHostController) and the
//             USB HID boot keyboard on top of it; plus DriverError, RegisterWindow, DmaBuffer.
// - Bus/      the root bus drivers' hardware logic (PCI, platform, ACPI).
