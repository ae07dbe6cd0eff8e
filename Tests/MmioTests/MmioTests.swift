// lib/mmio in Swift: MmioBuffer over a device directly (no kernel) and over physical VMOs mapped
// in a process (device registers and RAM), views, bounds/alignment errors, hwreg-style registers,
// the fake and the mock.

import Synchronization
import Testing
import Zirconia

struct Control: Register {
    static let offset = 0x4
    static let enable = BitField(bit: 0)
    static let mode = BitField(high: 5, low: 4)
    static let reservedZeroMask: UInt32 = 0xFF00_0000
    var value: UInt32
    init(value: UInt32) { self.value = value }
}

@Suite struct MmioTests {
    @Test func bufferOverFakeWithoutKernel() throws {
        let fake = FakeMmioRegion(registerCount: 4)
        let stored = Mutex<[UInt64]>([])
        fake.setReadCallback(at: 0) { 0xCAFE }
        fake.setWriteCallback(at: 8) { value in stored.withLock { $0.append(value) } }
        let mmio = MmioBuffer(device: fake)
        #expect(try mmio.read32(0) == 0xCAFE)
        try mmio.write32(0x1234, 8)
        try mmio.setBits32(0x1, 8)            // reads 0 (default), writes 1
        #expect(stored.withLock { $0 } == [0x1234, 0x1])
        #expect(throws: MmioAccessError.outOfRange(offset: 16, width: 4)) { try mmio.read32(16) }
        #expect(throws: MmioAccessError.misaligned(offset: 2, width: 4)) { try mmio.read32(2) }
        #expect(throws: MmioAccessError.outOfRange(offset: -4, width: 4)) { try mmio.read32(-4) }
        let view = try mmio.view(offset: 8, size: 8)
        try view.write32(7, 0)
        #expect(stored.withLock { $0.last } == 7)
        #expect(throws: MmioAccessError.self) { _ = try mmio.view(offset: 12, size: 8) }
    }

    @Test func registersReadModifyWrite() throws {
        let fake = FakeMmioRegion(registerCount: 4)
        let register = Mutex<UInt64>(0xFFFF_FF0E)   // reserved bits set, enable clear, mode 0
        fake.setReadCallback(at: 4) { register.withLock { $0 } }
        fake.setWriteCallback(at: 4) { value in register.withLock { $0 = value } }
        let mmio = MmioBuffer(device: fake)
        var control = try Control.read(from: mmio)
        #expect(control[flag: Control.enable] == false)
        control[flag: Control.enable] = true
        control[Control.mode] = 0x7               // truncated to 2 bits
        try control.write(to: mmio)
        #expect(register.withLock { $0 } == 0x00FF_FF3F)   // undeclared bits kept, rsvdz cleared
        try Control.modify(mmio) { $0[Control.mode] = 1 }
        #expect(try Control.read(from: mmio)[Control.mode] == 1)
        #expect(BitField(high: 3, low: 1).mask(in: UInt8.self) == 0b1110)
    }

    @Test func mockChecksTheSequence() throws {
        let mock = MockMmioRegion(size: 0x100)
        mock.expectRead(0x10, at: 0)
        mock.expectWrite(0x11, at: 0)
        mock.expectWrite(nil, at: 0x20, width: .byte)
        let mmio = MmioBuffer(device: mock)
        try mmio.setBits32(0x1, 0)
        try mmio.write8(0x99, 0x20)
        #expect(mock.verify().isEmpty)
        mock.expectRead(1, at: 4)
        mock.expectRead(2, at: 8)
        #expect(throws: MmioAccessError.self) { _ = try mmio.read16(4) }   // wrong width
        let problems = mock.verify()
        #expect(problems.count == 3)   // the mismatch plus two unconsumed expectations
        #expect(problems.first?.contains("expected read32 @0x4") == true)
    }

    @Test func bufferOverMappedDeviceAndRAM() throws {
        let mock = MockMmioRegion(name: "uart", size: 0x1000)
        mock.expectRead(0x60, at: 0x18)
        mock.expectWrite(0x41, at: 0x0, width: .byte)
        mock.expectRead(0x1_0000_0002, at: 0x20, width: .doubleWord)
        var machine = MachineConfiguration(profile: .arm64, memorySize: 16 << 20, reservedMemorySize: 2 * 4096)
        machine.addDevice(mock, at: 0x0900_0000)
        let kernel = try Kernel(machine: machine, seed: 3)
        let reserved = try #require(kernel.reservedMemory)
        let process = try kernel.createProcess(name: "driver")
        let root = try kernel.rootResource(for: process)
        let baseline = kernel.memoryStats.freePages
        let (value, ram) = try process.run { () throws -> (UInt64, UInt32) in
            var resource = zx_handle_t(ZX_HANDLE_INVALID)
            _ = zx_resource_create(root, ZX_RSRC_KIND_MMIO, 0x0900_0000, 0x1000, "uart", 4, &resource)
            let uart = try MmioBuffer.create(physical: 0x0900_0000, size: 0x1000, resource: resource,
                                             cachePolicy: ZX_CACHE_POLICY_UNCACHED_DEVICE)
            _ = try uart.read32(0x18)
            try uart.write8(0x41, 0x0)
            let value = try uart.read64(0x20)
            // RAM: a window in the middle of a page (offset within the VMO).
            var vmo = zx_handle_t(ZX_HANDLE_INVALID)
            _ = zx_vmo_create_physical(root, zx_paddr_t(reserved.base), 2 * 4096, &vmo)
            let fb = try MmioBuffer.create(vmo: vmo, offset: 0x800, size: 0x1000, cachePolicy: ZX_CACHE_POLICY_WRITE_COMBINING)
            try fb.write32(0xABCD, 0xFFC)
            try fb.setBits32(0x10000, 0xFFC)
            let ram = try fb.read32(0xFFC)
            _ = zx_handle_close(resource)
            return (value, ram)
        }
        #expect(value == 0x1_0000_0002)
        #expect(ram == 0x1ABCD)
        #expect(mock.verify().isEmpty)
        #expect(kernel.memoryStats.freePages == baseline)
    }

    @Test func createRejectsBadWindows() throws {
        let kernel = try Kernel(memorySize: 8 << 20, seed: 4)
        let process = try kernel.createProcess(name: "driver")
        let statuses = try process.run { () throws -> [ZxStatus] in
            var s: [ZxStatus] = []
            for (offset, size) in [(UInt64(0), 8192), (UInt64.max - 1, 4), (0, 0)] {
                var vmo = zx_handle_t(ZX_HANDLE_INVALID)
                _ = zx_vmo_create(4096, 0, &vmo)
                do throws(ZxStatus) { _ = try MmioBuffer.create(vmo: vmo, offset: offset, size: size, cachePolicy: 0) } catch { s.append(error) }
            }
            return s
        }
        #expect(statuses == [ZxStatus.outOfRange, ZxStatus.outOfRange, ZxStatus.invalidArgs])
    }
}
