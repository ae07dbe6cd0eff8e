// FirmwareRom: read-only memory holding bytes the "firmware" left for the OS — on qemu-x64, the
// machine's AcpiTable at 0x000E_0000, the legacy BIOS area where a PC's RSDP is found. Reads of
// any width at any offset return the bytes (zero past the end of the contents, up to the window's
// page-rounded size); writes are dropped, as a ROM ignores them.
//
// Counterpart: QEMU's read-only "pc.bios"/"isa-bios" MemoryRegion (memory_region_init_rom) that
// SeaBIOS copies the ACPI RSDP into (hw/i386/pc_sysfw.c, SeaBIOS src/fw/biostables.c).
import Hardware

public final class FirmwareRom: MmioDevice {
    public let name: String
    public let contents: [UInt8]
    public let regionSize: UInt64

    /// A ROM holding `contents`, its window rounded up to whole pages (at least one).
    public init(name: String, contents: [UInt8]) {
        self.name = name
        self.contents = contents
        let pages = max(1, (contents.count + 4095) / 4096)
        self.regionSize = UInt64(pages) * 4096
    }

    public func read(offset: UInt64, width: MmioAccessWidth) throws(MmioFault) -> UInt64 {
        guard offset < regionSize, UInt64(width.rawValue) <= regionSize - offset else {
            throw MmioFault(.unmappedRegister, device: name, offset: offset, width: width)
        }
        var value: UInt64 = 0
        for lane in 0..<width.rawValue {
            let index = Int(offset) + lane
            if index < contents.count { value |= UInt64(contents[index]) << UInt64(8 * lane) }
        }
        return value
    }

    public func write(offset: UInt64, width: MmioAccessWidth, value: UInt64) throws(MmioFault) {
        guard offset < regionSize, UInt64(width.rawValue) <= regionSize - offset else {
            throw MmioFault(.unmappedRegister, device: name, offset: offset, width: width)
        }
    }
}
