// Running out of emulated RAM is a status, never a crash: zx_vmo_write, COMMIT and page faults
// report ZX_ERR_NO_MEMORY, and everything comes back when the memory is released.

import Testing
import Zirconia

@Suite struct OutOfMemoryTests {
    @Test func exhaustionReportsNoMemoryEverywhere() throws {
        let kernel = try Kernel(memorySize: 4 << 20, seed: 9)   // 1024 pages
        let baseline = kernel.memoryStats.freePages
        let process = try kernel.createProcess(name: "oom")
        try process.run {
            let page = Int(zx_system_get_page_size())
            // A mapping whose page tables exist (a read maps the shared zero page).
            var other = zx_handle_t(ZX_HANDLE_INVALID)
            #expect(zx_vmo_create(UInt64(page), 0, &other) == ZX_OK)
            var address: zx_vaddr_t = 0
            #expect(zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, other, 0, page, &address) == ZX_OK)
            #expect(try UserMemory.load(UInt8.self, from: address) == 0)

            var big = zx_handle_t(ZX_HANDLE_INVALID)
            #expect(zx_vmo_create(UInt64(2048 * page), 0, &big) == ZX_OK)
            #expect(zx_vmo_op_range(big, ZX_VMO_OP_COMMIT, 0, UInt64(2048 * page), nil, 0) == ZX_ERR_NO_MEMORY)
            var byte: UInt8 = 1
            #expect(zx_vmo_write(big, &byte, UInt64(2047 * page), 1) == ZX_ERR_NO_MEMORY)
            #expect(kernel.memoryStats.freePages == 0)
            #expect(throws: PageFault(address: address, isWrite: true, status: ZX_ERR_NO_MEMORY)) {
                try UserMemory.store(UInt8(1), to: address)
            }
            // Reads still work: the zero page needs no new memory.
            #expect(try UserMemory.load(UInt8.self, from: address) == 0)

            // Give memory back and the same store succeeds.
            #expect(zx_vmo_op_range(big, ZX_VMO_OP_DECOMMIT, 0, UInt64(2048 * page), nil, 0) == ZX_OK)
            try UserMemory.store(UInt8(7), to: address)
            #expect(try UserMemory.load(UInt8.self, from: address) == 7)
            _ = zx_handle_close(big)
            _ = zx_handle_close(other)
        }
        process.kill()
        #expect(kernel.memoryStats.freePages == baseline)
    }
}
