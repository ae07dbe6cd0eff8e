// Shared helpers for the PCI model tests: fault capture, config-space shorthands, a small bus,
// reference checksums written the slow obvious way, and a bounded multi-thread runner. Names
// carry a Pci prefix: the platform-device tests live in the same test module.

import Dispatch
import Hardware
import Testing
@testable import Devices

/// The fault kind an access raised, nil if it succeeded.
func pciFaultKind(_ body: () throws -> Void) -> MmioFault.Kind? {
    do {
        try body()
        return nil
    } catch let fault as MmioFault {
        return fault.kind
    } catch {
        Issue.record("unexpected error \(error)")
        return nil
    }
}

extension PciFunction {
    func config8(_ offset: Int) -> UInt32 { readConfig(offset: offset, width: .byte) }
    func config16(_ offset: Int) -> UInt32 { readConfig(offset: offset, width: .halfWord) }
    func config32(_ offset: Int) -> UInt32 { readConfig(offset: offset, width: .word) }
    func setConfig16(_ offset: Int, _ value: UInt32) { writeConfig(offset: offset, width: .halfWord, value: value) }
    func setConfig32(_ offset: Int, _ value: UInt32) { writeConfig(offset: offset, width: .word, value: value) }

    /// Sets Memory Space Enable (and keeps the other command bits).
    func enableMemoryDecode(_ on: Bool = true) {
        let command = on ? command.union(.memorySpace) : command.subtracting(.memorySpace)
        setConfig16(PciConfigOffset.command, UInt32(command.rawValue))
    }

    /// The capability IDs reached by walking the list from 0x34, with their offsets.
    func capabilityWalk() -> [(id: UInt8, offset: Int)] {
        var found: [(id: UInt8, offset: Int)] = []
        guard PciStatus(rawValue: UInt16(config16(PciConfigOffset.status))).contains(.capabilitiesList) else {
            return found
        }
        var pointer = Int(config8(PciConfigOffset.capabilitiesPointer) & 0xFC)
        while pointer != 0, found.count < 48 {
            found.append((UInt8(config8(pointer)), pointer))
            pointer = Int(config8(pointer + 1) & 0xFC)
        }
        return found
    }
}

/// A register window that remembers the last write, for decode tests.
final class PciTestWindow: MmioDevice {
    let name: String
    let regionSize: UInt64
    let marker: UInt64
    private let storage: RamRegion

    struct AllocationFailed: Error {}

    init(name: String, size: UInt64, marker: UInt64) throws {
        guard let storage = RamRegion(name: name, size: Int(size)) else { throw AllocationFailed() }
        self.name = name
        self.regionSize = size
        self.marker = marker
        self.storage = storage
    }

    /// Offset 0 reads the marker; the rest is RAM.
    func read(offset: UInt64, width: MmioAccessWidth) throws(MmioFault) -> UInt64 {
        offset == 0 ? marker & width.valueMask : try storage.read(offset: offset, width: width)
    }

    func write(offset: UInt64, width: MmioAccessWidth, value: UInt64) throws(MmioFault) {
        try storage.write(offset: offset, width: width, value: value)
    }
}

enum PciTestDevices {
    /// An endpoint with a 32-bit 4 KiB BAR0 (marker 0xA0) and a 64-bit prefetchable 1 MiB BAR2
    /// (marker 0xA2).
    static func endpoint(name: String = "test endpoint", deviceID: UInt16 = 0x0001, express: Bool = false)
        throws -> PciFunction
    {
        try PciFunction(
            name: name,
            identity: PciIdentity(vendorID: 0x1AF4, deviceID: deviceID, classCode: PciClassCode(0xFF, 0x00)),
            bars: [.memory32(0, size: 0x1000, handler: try PciTestWindow(name: name + " BAR0", size: 0x1000, marker: 0xA0)),
                   .memory64(2, size: 0x10_0000, prefetchable: true,
                             handler: try PciTestWindow(name: name + " BAR2", size: 0x10_0000, marker: 0xA2))],
            capabilities: express ? [.pciExpress(portType: .endpoint), .msi()] : [.msi()],
            express: express)
    }

    /// A small host configuration: ECAM for 4 buses, 256 MiB aperture at 0x8000_0000.
    static let smallHost = PciHostConfiguration(
        ecamBase: 0xE000_0000, busRange: 0...3, memoryApertureBase: 0x8000_0000, memoryApertureSize: 0x1000_0000)
}

/// CRC-32 computed bit by bit (no table): the reference the table-driven encoder is checked against.
func pciReferenceCrc32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
}

/// Adler-32 with the modulo after every byte.
func pciReferenceAdler32(_ bytes: [UInt8]) -> UInt32 {
    var a: UInt32 = 1, b: UInt32 = 0
    for byte in bytes {
        a = (a + UInt32(byte)) % 65521
        b = (b + a) % 65521
    }
    return b << 16 | a
}

func pciBigEndian32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
    bytes[offset..<(offset + 4)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
}

/// Runs `body(thread)` on `threads` threads at once and waits for all.
func pciConcurrently(_ threads: Int, _ body: @escaping @Sendable (Int) -> Void) {
    DispatchQueue.concurrentPerform(iterations: threads, execute: body)
}
