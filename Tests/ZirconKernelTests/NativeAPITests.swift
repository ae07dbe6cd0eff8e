// The Swift-native face (Vmo, Vmar, Handle, MemoryContext) and the README's example, checked
// against the same kernel the zx_* surface drives.

import Synchronization
import Testing
import Zirconia

@Suite struct NativeAPITests {
    @Test func readmeExampleRuns() throws {
        let kernel = try Kernel()
        let baseline = kernel.memoryStats.freePages
        let process = try kernel.createProcess(name: "example")
        let value = try process.run { () throws -> UInt64 in
            let vmo = try Vmo(size: 4096)
            let address = try Vmar.root().map(vmo, length: 4096, options: [.permRead, .permWrite])
            try UserMemory.store(UInt64(42), to: address)
            return try vmo.read(count: 8, at: 0).withUnsafeBytes { $0.load(as: UInt64.self) }
        }
        #expect(value == 42)
        process.kill()
        #expect(kernel.memoryStats.freePages == baseline)
    }

    @Test func handlesCloseWhenTheirOwnerGoesAway() throws {
        let kernel = try Kernel()
        let process = try kernel.createProcess(name: "owner")
        try process.run {
            var raw = zx_handle_t(ZX_HANDLE_INVALID)
            do {
                let vmo = try Vmo(size: 4096)
                raw = vmo.handle.value
                var actual = 0, avail = 0
                #expect(zx_object_get_info(raw, ZX_INFO_HANDLE_VALID, nil, 0, &actual, &avail) == ZX_OK)
            }
            var actual = 0, avail = 0
            #expect(zx_object_get_info(raw, ZX_INFO_HANDLE_VALID, nil, 0, &actual, &avail) == ZX_ERR_BAD_HANDLE)
            // release() hands ownership back to the caller.
            let kept = try Vmo(size: 4096).handle.duplicate().release()
            #expect(zx_handle_close(kept) == ZX_OK)
        }
    }

    @Test func vmoAndVmarOperations() throws {
        let kernel = try Kernel(seed: 3)
        let baseline = kernel.memoryStats.freePages
        let process = try kernel.createProcess(name: "native")
        try process.run {
            let vmo = try Vmo(size: 3 * 4096, options: .resizable)
            try vmo.write([1, 2, 3], at: 4095)
            #expect(try vmo.read(count: 3, at: 4095) == [1, 2, 3])
            #expect(try vmo.info().committed_bytes == 2 * 4096)
            try vmo.commit(0..<(3 * 4096))
            #expect(try vmo.info().committed_bytes == 3 * 4096)
            try vmo.decommit(0..<4096)
            #expect(try vmo.info().committed_bytes == 2 * 4096)
            try vmo.setSize(4096)
            #expect(try vmo.size == 4096)
            #expect(throws: ZxStatus.outOfRange) { try vmo.read(count: 1, at: 4096) }
            try vmo.setName("native-vmo")
            #expect(ZxName.string(from: try vmo.info().name) == "native-vmo")

            let region = try Vmar.root().allocate(size: 16 * 4096, options: [.canMapRead, .canMapWrite, .canMapSpecific])
            let base = try region.address
            let address = try region.map(vmo, length: 4096, options: [.permRead, .permWrite, .specific], offset: 4096)
            #expect(address == base + 4096)
            try UserMemory.store(UInt8(9), to: address)
            try region.protect(address, length: 4096, options: [.permRead])
            #expect(throws: PageFault(address: address, isWrite: true, status: ZX_ERR_ACCESS_DENIED)) {
                try UserMemory.store(UInt8(1), to: address)
            }
            #expect(try UserMemory.load(UInt8.self, from: address) == 9)
            try region.unmap(address, length: 4096)
            #expect(throws: PageFault(address: address, isWrite: false, status: ZX_ERR_NOT_FOUND)) {
                try UserMemory.load(UInt8.self, from: address)
            }
            try region.destroy()
            #expect(throws: ZxStatus.badState) { try region.map(vmo, length: 4096) }
        }
        process.kill()
        #expect(kernel.memoryStats.freePages == baseline)
    }

    @Test func memoryContextFastPathAndCrossPageAccess() throws {
        let kernel = try Kernel()
        let process = try kernel.createProcess(name: "fast")
        try process.run {
            guard let memory = UserMemory.currentContext() else { Issue.record("no context"); return }
            let vmo = try Vmo(size: 2 * 4096)
            let address = try Vmar.root().map(vmo, length: 2 * 4096)
            for i in 0..<1024 { try memory.store(UInt64(i), to: address + UInt(i * 8)) }
            var sum: UInt64 = 0
            for i in 0..<1024 { sum &+= try memory.load(UInt64.self, from: address + UInt(i * 8)) }
            #expect(sum == UInt64(1023 * 1024 / 2))
            // The register-friendly accessor sees the same memory and faults the same way.
            let accessor = memory.accessor
            #expect(try accessor.load(UInt64.self, from: address + 8) == 1)
            try accessor.store(UInt64(77), to: address + 16)
            #expect(try memory.load(UInt64.self, from: address + 16) == 77)
            #expect(throws: PageFault(address: address + 2 * 4096, isWrite: false, status: ZX_ERR_NOT_FOUND)) {
                try accessor.load(UInt8.self, from: address + 2 * 4096)
            }
            // An 8-byte store straddling the page boundary lands in both pages.
            try memory.store(UInt64(0x1122_3344_5566_7788), to: address + 4092)
            #expect(try memory.load(UInt64.self, from: address + 4092) == 0x1122_3344_5566_7788)
            #expect(try vmo.read(count: 4, at: 4096) == [0x44, 0x33, 0x22, 0x11])
        }
    }

    @Test func faultTraceFollowsTheSeedsSteps() throws {
        let kernel = try Kernel()
        let process = try kernel.createProcess(name: "trace")
        let events = Mutex<[FaultEvent]>([])
        process.setFaultTracer { event in events.withLock { $0.append(event) } }
        let address = try process.run { () throws -> UInt in
            let vmo = try Vmo(size: 4096)
            let address = try Vmar.root().map(vmo, length: 4096)
            try UserMemory.store(UInt32(1), to: address)
            return address
        }
        let trace = events.withLock { $0 }
        guard trace.count == 5 else { Issue.record("unexpected trace \(trace)"); return }
        #expect(trace[0] == .fault(address: address, write: true))
        guard case .mappingFound(let base, let size, _) = trace[1] else { Issue.record("no mapping step"); return }
        #expect(base == address && size == 4096)
        guard case .vmoOffset(_, _, let offset) = trace[2] else { Issue.record("no VMO step"); return }
        #expect(offset == 0)
        guard case .pageAllocated(let page) = trace[3] else { Issue.record("no allocation"); return }
        guard case .translationInstalled(let virtual, let physical, let flags) = trace[4] else { Issue.record("no install"); return }
        #expect(virtual == address && physical == page && flags.contains(.write))
    }
}
