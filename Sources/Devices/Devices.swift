// Devices: register-level models of the emulated machine's devices, each an `MmioDevice` (see
// Hardware/MmioDevice.swift) the software MMU calls for every load and store that lands in its
// window.
//
//   PCI/        config space (type 0/1 headers, BARs, capabilities), the ECAM host bridge and
//               memory aperture, a hot-plug root port, and the qemu-x64 functions: Q35 host
//               bridge, ISA and SMBus functions, bochs VBE display, e1000, AHCI.
//   Platform/   PL011 UART, PL031 RTC, virtio-mmio slots, xHCI with a USB HID boot keyboard,
//               i8042 keyboard/mouse controller.
//   Common/     RAM-backed regions, access-width helpers, DMA accessor, CRC/Adler, PNG encoder.
import Hardware
