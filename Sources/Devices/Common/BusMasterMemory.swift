// BusMasterMemory: how a DMA-capable device model reaches guest RAM. A PCI function that is a bus
// master (command register bit 2) reads descriptors and moves data by physical address; the
// emulator hands the model a closure that turns (physical address, length) into host bytes, or
// nil when the range is not RAM — which the model reports the way its hardware reports a master
// abort on the bus (AHCI: host bus fatal error).
//
// Counterpart: QEMU's pci_dma_read/pci_dma_write over the device's bus-master address space.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Hardware
import ZX

public struct BusMasterMemory: Sendable {
    /// Returns host bytes for `[physicalAddress, physicalAddress + length)` if that whole range is
    /// RAM, else nil. The buffer must stay valid until the model's access returns.
    public typealias Accessor = @Sendable (_ physicalAddress: UInt64, _ length: Int)
        -> UnsafeMutableRawBufferPointer?

    private let accessor: Accessor

    public init(_ accessor: @escaping Accessor) {
        self.accessor = accessor
    }

    /// DMA straight into the emulated machine's RAM (no IOMMU: bus addresses are physical).
    public init(physicalMemory memory: PhysicalMemory) {
        self.accessor = { address, length in
            let start = PhysicalAddress(address)
            guard length > 0, memory.contains(start, length: length) else { return nil }
            return UnsafeMutableRawBufferPointer(start: memory.hostPointer(start), count: length)
        }
    }

    /// A bus with nothing behind it: every DMA fails (models without RAM attached).
    public static let none = BusMasterMemory { _, _ in nil }

    /// Reads `count` bytes; nil if any of them is not RAM.
    public func read(_ address: UInt64, count: Int) -> [UInt8]? {
        guard count > 0 else { return [] }
        guard let buffer = accessor(address, count), buffer.count >= count else { return nil }
        return Array(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
    }

    /// Writes `bytes`; false (and nothing written) if any of them is not RAM.
    @discardableResult
    public func write(_ bytes: [UInt8], to address: UInt64) -> Bool {
        guard !bytes.isEmpty else { return true }
        guard let buffer = accessor(address, bytes.count), buffer.count >= bytes.count else {
            return false
        }
        bytes.withUnsafeBytes { source in
            UnsafeMutableRawBufferPointer(rebasing: buffer[0..<bytes.count]).copyMemory(from: source)
        }
        return true
    }
}

/// Writing host files for snapshots (a PNG of the screen) without Foundation.
public enum HostFile {
    public struct WriteError: Error, Sendable, Equatable, CustomStringConvertible {
        public var path: String
        public var errorNumber: Int32
        public var description: String { "cannot write \(path): errno \(errorNumber)" }
    }

    /// Creates or truncates `path` and writes `bytes` to it.
    public static func write(_ bytes: [UInt8], to path: String) throws(WriteError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw WriteError(path: path, errorNumber: errno) }
        defer { close(descriptor) }
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return systemWrite(descriptor, base + written, bytes.count - written)
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw WriteError(path: path, errorNumber: errno)
            }
            written += result
        }
    }

    private static func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
        #if canImport(Glibc)
        Glibc.write(descriptor, buffer, count)
        #else
        Darwin.write(descriptor, buffer, count)
        #endif
    }
}
