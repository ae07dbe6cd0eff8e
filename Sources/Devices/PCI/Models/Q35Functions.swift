// Q35Functions: the qemu-x64 (q35) chipset functions that are only configuration space as far as a
// driver is concerned — the MCH host bridge at 00:00.0, the ICH9 LPC/ISA bridge at 00:1f.0 and
// the ICH9 SMBus controller at 00:1f.3. Fuchsia binds no driver to them; they must enumerate
// with the right IDs and classes.
//
// Counterpart: QEMU hw/pci-host/q35.c (mch: 8086:29c0), hw/isa/lpc_ich9.c (8086:2918, revision
// 2), hw/i2c/smbus_ich9.c (8086:2930, revision 2, SMBus I/O base in BAR4 of 32 bytes); IDs from
// QEMU include/hw/pci/pci_ids.h (driver-model.md section 6.1).

public enum Q35Functions {
    /// Q35 MCH host bridge (00:00.0), class 06/00.
    public static func hostBridge() throws(PciConfigurationError) -> PciFunction {
        try PciFunction(name: "q35 mch", identity: PciIdentity(
            vendorID: PciVendorID.intel, deviceID: 0x29C0, classCode: .hostBridge))
    }

    /// ICH9 LPC interface, the ISA bridge (00:1f.0), class 06/01.
    public static func isaBridge() throws(PciConfigurationError) -> PciFunction {
        try PciFunction(name: "ich9 lpc", identity: PciIdentity(
            vendorID: PciVendorID.intel, deviceID: 0x2918, classCode: .isaBridge, revisionID: 2))
    }

    /// ICH9 SMBus controller (00:1f.3), class 0c/05, its host interface in I/O BAR4.
    public static func smbus() throws(PciConfigurationError) -> PciFunction {
        try PciFunction(
            name: "ich9 smbus",
            identity: PciIdentity(vendorID: PciVendorID.intel, deviceID: 0x2930, classCode: .smbus,
                                  revisionID: 2, interruptPin: 1),
            bars: [.io(4, size: 32)])
    }
}
