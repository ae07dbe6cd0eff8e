// PciConfigRegisters: the bytes of one function's configuration space together with, per byte,
// which bits software may write and which bits are write-one-to-clear. Every header register,
// BAR and capability is expressed through these two masks, so "vendor ID is read-only", "BAR
// low bits are hard-wired" and "status error bits are RW1C" are all the same rule.
//
// Counterpart: QEMU hw/pci/pci.c keeps config/wmask/w1cmask arrays of the same shape; the
// semantics are those of PCI Local Bus 3.0 section 6.1 (RO, RW, RW1C register attributes).

/// Not thread-safe: lives inside a `PciFunction`'s lock.
struct PciConfigRegisters: Sendable {
    /// Bytes software reads.
    private(set) var bytes: [UInt8]
    /// Bit set = software may change that bit with a write.
    private var writable: [UInt8]
    /// Bit set = writing 1 clears that bit (writing 0 leaves it).
    private var writeOneToClear: [UInt8]
    /// How much of the 4 KiB exists: 256 for conventional PCI, 4096 for PCI Express. Reads past
    /// it answer all ones and writes are dropped (QEMU's pci_host_config_read_common limit).
    let implementedSize: Int

    init(implementedSize: Int) {
        self.implementedSize = implementedSize
        bytes = Array(repeating: 0, count: PciConfigSize.extended)
        writable = Array(repeating: 0, count: PciConfigSize.extended)
        writeOneToClear = Array(repeating: 0, count: PciConfigSize.extended)
    }

    /// True if `offset..<offset+count` is inside the 4 KiB array.
    private static func inArray(_ offset: Int, _ count: Int) -> Bool {
        offset >= 0 && count >= 0 && offset <= PciConfigSize.extended - count
    }

    // MARK: Guest-visible accesses

    /// A configuration read of `count` bytes (1, 2 or 4), little-endian.
    func read(offset: Int, count: Int) -> UInt32 {
        guard Self.inArray(offset, count), offset + count <= implementedSize else {
            return UInt32(truncatingIfNeeded: (UInt64(1) << UInt64(count * 8)) - 1)
        }
        return UInt32(truncatingIfNeeded: LittleEndianBytes.load(bytes, at: offset, count: count))
    }

    /// A configuration write: writable bits take the new value, RW1C bits clear where the value
    /// has ones, everything else is kept.
    mutating func write(offset: Int, count: Int, value: UInt32) {
        guard Self.inArray(offset, count), offset + count <= implementedSize else { return }
        for lane in 0..<count {
            let index = offset + lane
            let incoming = UInt8(truncatingIfNeeded: value >> UInt32(lane * 8))
            let mask = writable[index]
            var byte = (bytes[index] & ~mask) | (incoming & mask)
            byte &= ~(incoming & writeOneToClear[index])
            bytes[index] = byte
        }
    }

    // MARK: Model-side setup and state changes (ignore the masks)

    func value8(_ offset: Int) -> UInt8 { UInt8(truncatingIfNeeded: load(offset, 1)) }
    func value16(_ offset: Int) -> UInt16 { UInt16(truncatingIfNeeded: load(offset, 2)) }
    func value32(_ offset: Int) -> UInt32 { UInt32(truncatingIfNeeded: load(offset, 4)) }

    private func load(_ offset: Int, _ count: Int) -> UInt64 {
        guard Self.inArray(offset, count) else { return 0 }
        return LittleEndianBytes.load(bytes, at: offset, count: count)
    }

    mutating func set8(_ offset: Int, _ value: UInt8) { store(offset, 1, UInt64(value)) }
    mutating func set16(_ offset: Int, _ value: UInt16) { store(offset, 2, UInt64(value)) }
    mutating func set32(_ offset: Int, _ value: UInt32) { store(offset, 4, UInt64(value)) }

    private mutating func store(_ offset: Int, _ count: Int, _ value: UInt64) {
        guard Self.inArray(offset, count) else { return }
        LittleEndianBytes.store(value, into: &bytes, at: offset, count: count)
    }

    /// Sets (model side) or clears bits of a 16-bit register.
    mutating func update16(_ offset: Int, setting bits: UInt16, to on: Bool) {
        let old = value16(offset)
        set16(offset, on ? old | bits : old & ~bits)
    }

    /// Declares which bits of `count` bytes at `offset` software may write.
    mutating func setWritable(_ offset: Int, count: Int, mask: UInt64) {
        guard Self.inArray(offset, count) else { return }
        LittleEndianBytes.store(mask, into: &writable, at: offset, count: count)
    }

    /// Declares which bits of `count` bytes at `offset` are write-one-to-clear.
    mutating func setWriteOneToClear(_ offset: Int, count: Int, mask: UInt64) {
        guard Self.inArray(offset, count) else { return }
        LittleEndianBytes.store(mask, into: &writeOneToClear, at: offset, count: count)
    }

    /// Copies raw bytes and masks of one capability into place.
    mutating func place(
        _ content: [UInt8], writable writableMask: [UInt8], writeOneToClear w1c: [UInt8], at offset: Int
    ) {
        guard Self.inArray(offset, content.count) else { return }
        for (lane, byte) in content.enumerated() {
            bytes[offset + lane] = byte
            writable[offset + lane] = lane < writableMask.count ? writableMask[lane] : 0
            writeOneToClear[offset + lane] = lane < w1c.count ? w1c[lane] : 0
        }
    }
}
