// Device routing through the software MMU: loads and stores on a mapped physical VMO over an MMIO
// region reach the device in program order with their widths; refusals are fatal page faults;
// a RAM-backed physical VMO is plain memory; nothing ever crashes the host.

import Testing
import Zirconia

@Suite struct DeviceRoutingTests {
    @Test func accessesReachTheDeviceInOrder() throws {
        let device = TestDevice()
        let kernel = try deviceKernel(device)
        let process = try kernel.createProcess(name: "driver")
        let root = try kernel.rootResource(for: process)
        let baseline = kernel.memoryStats.freePages
        let values = try process.run { () throws -> [UInt64] in
            let vmo = try physicalVmo(root, testDeviceBase, 4096)
            let base = try mapRW(vmo, 4096)
            var v: [UInt64] = []
            v.append(UInt64(try UserMemory.load(UInt32.self, from: base)))        // counter 0
            v.append(UInt64(try UserMemory.load(UInt32.self, from: base)))        // counter 1 (side effect)
            try UserMemory.store(UInt64(0x1122_3344_5566_7788), to: base + 8)
            v.append(UInt64(try UserMemory.load(UInt16.self, from: base + 8)))
            try UserMemory.store(UInt8(0xAB), to: base + 9)
            v.append(try UserMemory.load(UInt64.self, from: base + 8))
            v.append(UInt64(try UserMemory.load(UInt32.self, from: base + 0x10)))
            // A bulk copy is split into naturally aligned accesses.
            var bytes = [UInt8](repeating: 0, count: 6)
            try bytes.withUnsafeMutableBytes { try UserMemory.read($0, from: base + 9) }
            v.append(UInt64(bytes[0]))
            _ = zx_vmar_unmap(zx_vmar_root_self(), base, 4096)
            _ = zx_handle_close(vmo)
            return v
        }
        #expect(values == [0, 1, 0x7788, 0x1122_3344_5566_AB88, TestDevice.id, 0xAB])
        let log = device.log
        let expected: [TestDevice.Access] = [
            .init(write: false, offset: 0, width: 4, value: 0),
            .init(write: false, offset: 0, width: 4, value: 0),
            .init(write: true, offset: 8, width: 8, value: 0x1122_3344_5566_7788),
            .init(write: false, offset: 8, width: 2, value: 0),
            .init(write: true, offset: 9, width: 1, value: 0xAB),
            .init(write: false, offset: 8, width: 8, value: 0),
            .init(write: false, offset: 0x10, width: 4, value: 0),
            // read of 6 bytes at 9: 1 @9, 2 @10, 2 @12, 1 @14
            .init(write: false, offset: 9, width: 1, value: 0),
            .init(write: false, offset: 10, width: 2, value: 0),
            .init(write: false, offset: 12, width: 2, value: 0),
            .init(write: false, offset: 14, width: 1, value: 0),
        ]
        #expect(log == expected)
        #expect(kernel.memoryStats.freePages == baseline)
    }

    @Test func refusedAccessIsAFatalPageFault() throws {
        let device = TestDevice()
        let kernel = try deviceKernel(device)
        let process = try kernel.createProcess(name: "driver")
        let root = try kernel.rootResource(for: process)
        let base = try process.run { () throws -> zx_vaddr_t in
            let vmo = try physicalVmo(root, testDeviceBase, 4096)
            return try mapRW(vmo, 4096)
        }
        // Caught: the process survives.
        let caught = try process.run { () throws -> PageFault? in
            do throws(PageFault) {
                try UserMemory.store(UInt32(1), to: base + 0x10)   // read-only register
                return nil
            } catch {
                return error
            }
        }
        #expect(caught?.status == ZX_ERR_IO)
        #expect(caught?.isWrite == true)
        #expect(caught?.deviceFault?.kind == .readOnly)
        #expect(caught?.address == base + 0x10)
        let badWidth = try process.run { () throws -> PageFault? in
            do throws(PageFault) { _ = try UserMemory.load(UInt8.self, from: base + 0x18); return nil } catch { return error }
        }
        #expect(badWidth?.deviceFault?.kind == .badWidth)
        // Uncaught: the process dies with a fatal page fault; the host is fine.
        do {
            _ = try process.run { () throws -> UInt64 in try UserMemory.load(UInt64.self, from: base + 0x100) }
            Issue.record("expected a fault")
        } catch let fault as PageFault {
            #expect(fault.status == ZX_ERR_IO)
        }
        #expect(kernel.recentLog.last?.contains("no register at this offset") == true)
    }

    @Test func holeInThePhysicalMapIsABusError() throws {
        let kernel = try deviceKernel(TestDevice())
        let process = try kernel.createProcess(name: "driver")
        let root = try kernel.rootResource(for: process)
        let fault = try process.run { () throws -> PageFault? in
            let vmo = try physicalVmo(root, 0xE000_0000, 4096)   // nothing decodes it
            let base = try mapRW(vmo, 4096)
            do throws(PageFault) { _ = try UserMemory.load(UInt32.self, from: base); return nil } catch { return error }
        }
        #expect(fault?.status == ZX_ERR_IO)
        #expect(fault?.deviceFault?.device == "physical bus")
    }

    @Test func ramBackedPhysicalVmoIsPlainMemory() throws {
        let kernel = try deviceKernel(TestDevice())
        let reserved = try #require(kernel.reservedMemory)
        let process = try kernel.createProcess(name: "fb")
        let root = try kernel.rootResource(for: process)
        let baseline = kernel.memoryStats.freePages
        let (first, second) = try process.run { () throws -> (UInt64, UInt64) in
            let a = try physicalVmo(root, reserved.base, 2 * 4096)
            let b = try physicalVmo(root, reserved.base + 4096, 4096)
            let va = try mapRW(a, 2 * 4096)
            let vb = try mapRW(b, 4096)
            try UserMemory.store(UInt64(0xFEED_FACE), to: va + 4096 + 16)
            let seen = try UserMemory.load(UInt64.self, from: vb + 16)        // aliases the same page
            try UserMemory.store(UInt32(7), to: vb)
            let back = UInt64(try UserMemory.load(UInt32.self, from: va + 4096))
            _ = zx_vmar_unmap(zx_vmar_root_self(), va, 2 * 4096)
            _ = zx_vmar_unmap(zx_vmar_root_self(), vb, 4096)
            _ = zx_handle_close(a)
            _ = zx_handle_close(b)
            return (seen, back)
        }
        #expect(first == 0xFEED_FACE)
        #expect(second == 7)
        #expect(kernel.memoryStats.freePages == baseline)   // never freed to (or taken from) the PMM
    }

    @Test func kernelWithoutDevicesIsUnchanged() throws {
        let kernel = try Kernel(memorySize: 8 << 20)
        #expect(kernel.machine.devices.isEmpty)
        #expect(kernel.reservedMemory == nil)
        var overlapping = MachineConfiguration(memorySize: 8 << 20)
        overlapping.addDevice(TestDevice(), at: MachineConfiguration.ramBase + 0x1000)
        #expect(throws: ZxStatus.invalidArgs) { _ = try Kernel(machine: overlapping) }
        var twice = MachineConfiguration(memorySize: 8 << 20)
        twice.addDevice(TestDevice(), at: 0xF000_0000)
        twice.addDevice(TestDevice(), at: 0xF000_0800)
        #expect(throws: ZxStatus.invalidArgs) { _ = try Kernel(machine: twice) }
    }
}
