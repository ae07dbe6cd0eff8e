// QemuXhciPci: QEMU's `qemu-xhci` PCI function (1b36:000d, class 0c/03/30) around the
// `XhciController` register file, which is its BAR0 (16 KiB, 64-bit, non-prefetchable) — the
// controller through which Fuchsia's xhci driver reaches USB devices (here the HID boot keyboard
// on the first USB 2 port, as `-device qemu-xhci -device usb-kbd` attaches it).
//
// Counterpart: QEMU hw/usb/hcd-xhci-pci.c (usb_xhci_pci_realize: PCI_BASE_ADDRESS_SPACE_MEMORY |
// PCI_BASE_ADDRESS_MEM_TYPE_64 BAR0 of 16 KiB, interrupt pin A, PCI Express endpoint) and
// hw/usb/hcd-xhci-nec.c / qemu-xhci IDs (PCI_VENDOR_ID_REDHAT, PCI_DEVICE_ID_REDHAT_XHCI).
// Lives here rather than in Devices/PCI because only the machines place it; MSI-X is not modelled
// (the controller raises no interrupts: see XhciController's notes).
import Devices

public final class QemuXhciPci: PciDevice {
    public static let deviceID: UInt16 = XhciController.pciDeviceID
    public static let classCode = PciClassCode(0x0C, 0x03, 0x30)

    public let pciFunction: PciFunction
    public let controller: XhciController
    /// The keyboard on the first USB 2 port, if the machine attached one.
    public let keyboard: UsbHidBootKeyboard?

    public init(name: String = "qemu-xhci", keyboard: UsbHidBootKeyboard?) throws(PciConfigurationError) {
        let controller = XhciController(name: name + " BAR0")
        if let keyboard { controller.attach(keyboard, port: controller.firstUsb2Port) }
        self.controller = controller
        self.keyboard = keyboard
        pciFunction = try PciFunction(
            name: name,
            identity: PciIdentity(vendorID: XhciController.pciVendorID, deviceID: Self.deviceID,
                                  classCode: Self.classCode, revisionID: 1, interruptPin: 1),
            bars: [.memory64(0, size: XhciController.windowSize, handler: controller)],
            express: true)
    }
}
