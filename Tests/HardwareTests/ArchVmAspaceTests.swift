// Tests for ArchVmAspace: map/unmap/protect/query, table-page lifetime, allocation failure,
// cache-policy encoding, and a seeded random run against a dictionary model.
//
// Zircon counterpart: vm/unittests/aspace_unittest.cc and arch/x86 page-table unit tests.

import Hardware
import Testing
import ZX

@Suite struct ArchVmAspaceTests {
    @Test func mapQueryUnmap() throws {
        let machine = try TestMachine()
        let aspace = try machine.aspace()
        #expect(machine.allocator.allocated == 1)
        #expect(aspace.pageTablePages == 1)
        let va = VirtualAddress(0x200_0000)
        try aspace.map(va, machine.dataPage(0), flags: [.read, .write, .user], existing: .fail)
        #expect(aspace.pageTablePages == 4)
        #expect(machine.allocator.allocated == 4)
        let hit = try #require(aspace.query(VirtualAddress(0x200_0123)))
        #expect(hit.0 == machine.dataPage(0))
        #expect(hit.1 == [.read, .write, .user])
        #expect(aspace.query(va.advanced(pages: 1)) == nil)
        #expect(aspace.query(VirtualAddress(0)) == nil)            // outside the aspace: nil, no trap
        #expect(aspace.query(VirtualAddress(UInt.max)) == nil)
        #expect(aspace.unmap(va, pages: 1) == 1)
        #expect(aspace.query(va) == nil)
        #expect(aspace.unmap(va, pages: 1) == 0)
        #expect(aspace.pageTablePages == 1)
        #expect(machine.allocator.allocated == 1)
        aspace.destroy()
        #expect(machine.allocator.allocated == 0)
        #expect(aspace.pageTablePages == 0)
    }

    @Test func existingEntryActions() throws {
        let machine = try TestMachine()
        let aspace = try machine.aspace()
        let va = VirtualAddress(0x300_0000)
        try aspace.mapContiguous(va.advanced(pages: 1), machine.dataPage(1), pages: 1, flags: .read, existing: .fail)
        // .fail: nothing changes, not even the free neighbours.
        #expect(throws: ZxStatus.alreadyExists) {
            try aspace.mapContiguous(va, machine.dataPage(10), pages: 3, flags: [.read, .write], existing: .fail)
        }
        #expect(aspace.query(va) == nil)
        #expect(aspace.query(va.advanced(pages: 2)) == nil)
        #expect(aspace.query(va.advanced(pages: 1))?.0 == machine.dataPage(1))
        // .skip: fills the holes only.
        try aspace.mapContiguous(va, machine.dataPage(10), pages: 3, flags: [.read, .write], existing: .skip)
        #expect(aspace.query(va)?.0 == machine.dataPage(10))
        #expect(aspace.query(va.advanced(pages: 1))?.0 == machine.dataPage(1))
        #expect(aspace.query(va.advanced(pages: 1))?.1 == .read)
        #expect(aspace.query(va.advanced(pages: 2))?.0 == machine.dataPage(12))
        // .overwrite: replaces and bumps the generation.
        let before = aspace.currentGeneration
        try aspace.mapContiguous(va, machine.dataPage(20), pages: 3, flags: .read, existing: .overwrite)
        #expect(aspace.query(va.advanced(pages: 1))?.0 == machine.dataPage(21))
        #expect(aspace.currentGeneration != before)
        // Overwriting with the identical entry changes nothing a TLB could hold.
        let same = aspace.currentGeneration
        try aspace.map(va, machine.dataPage(20), flags: .read, existing: .overwrite)
        #expect(aspace.currentGeneration == same)
        // No read permission cannot be expressed on x86.
        #expect(throws: ZxStatus.invalidArgs) {
            try aspace.map(va.advanced(pages: 5), machine.dataPage(5), flags: .write, existing: .fail)
        }
        aspace.destroy()
        #expect(machine.allocator.allocated == 0)
    }

    @Test func protectChangesAndRemoves() throws {
        let machine = try TestMachine()
        let aspace = try machine.aspace()
        let va = VirtualAddress(0x400_0000)
        try aspace.mapContiguous(va, machine.dataPage(0), pages: 4, flags: [.read, .write], existing: .fail)
        try aspace.map(va.advanced(pages: 5), machine.dataPage(5), flags: .read, existing: .fail)
        var generation = aspace.currentGeneration
        aspace.protect(va, pages: 8, flags: [.read, .execute, .uncached])
        #expect(aspace.currentGeneration != generation)
        #expect(aspace.query(va.advanced(pages: 2))?.1 == [.read, .execute, .uncached])
        #expect(aspace.query(va.advanced(pages: 2))?.0 == machine.dataPage(2))
        #expect(aspace.query(va.advanced(pages: 4)) == nil)          // absent stays absent
        #expect(aspace.query(va.advanced(pages: 5))?.1 == [.read, .execute, .uncached])
        generation = aspace.currentGeneration
        aspace.protect(va, pages: 8, flags: [.read, .execute, .uncached])   // no-op
        #expect(aspace.currentGeneration == generation)
        aspace.protect(va, pages: 2, flags: .write)                  // no read => removed
        #expect(aspace.query(va) == nil)
        #expect(aspace.query(va.advanced(pages: 1)) == nil)
        #expect(aspace.query(va.advanced(pages: 2)) != nil)
        aspace.protect(va, pages: 8, flags: [])
        #expect(aspace.pageTablePages == 1)
        #expect(machine.allocator.allocated == 1)
    }

    @Test(arguments: [
        (MMUFlags.cached, UInt32(0)), (.uncached, 1), (.uncachedDevice, 2), (.writeCombining, 3),
    ])
    func cachePolicyRoundTrips(policy: MMUFlags, bits: UInt32) throws {
        let machine = try TestMachine()
        let aspace = try machine.aspace()
        let va = VirtualAddress(0x500_0000)
        for (index, permissions) in [MMUFlags.read, [.read, .write], [.read, .execute, .user]].enumerated() {
            let flags = permissions.union(policy)
            try aspace.map(va.advanced(pages: index), machine.dataPage(index), flags: flags, existing: .fail)
            let (pa, queried) = try #require(aspace.query(va.advanced(pages: index)))
            #expect(pa == machine.dataPage(index))
            #expect(queried == flags)
            #expect(queried.cachePolicyBits == bits)
        }
    }

    @Test func tablesSpanningBoundaries() throws {
        let machine = try TestMachine()
        // 2 TiB starting just below a 512 GiB (PML4-entry) boundary.
        let boundary: UInt = 1 << 39
        let aspace = try machine.aspace(base: boundary - 4 * 4096, size: 1 << 41)
        let va = VirtualAddress(boundary - 2 * 4096)
        try aspace.mapContiguous(va, machine.dataPage(0), pages: 4, flags: .read, existing: .fail)
        // Two PML4 entries used: 2 x (PDPT + PD + PT) + PML4.
        #expect(aspace.pageTablePages == 7)
        for i in 0..<4 { #expect(aspace.query(va.advanced(pages: i))?.0 == machine.dataPage(i)) }
        #expect(aspace.unmap(va.advanced(pages: 2), pages: 2) == 2)
        #expect(aspace.pageTablePages == 4)
        // The whole aspace in one call.
        #expect(aspace.unmap(aspace.base, pages: aspace.size / 4096) == 2)
        #expect(aspace.pageTablePages == 1)
    }

    @Test func upperHalfAspace() throws {
        let machine = try TestMachine()
        let base: UInt = 0xFFFF_FFFF_0000_0000
        let aspace = try machine.aspace(base: base, size: 1 << 32)   // ends at 2^64
        let top = VirtualAddress(UInt.max & ~UInt(4095))
        try aspace.map(top, machine.dataPage(3), flags: [.read, .write], existing: .fail)
        #expect(aspace.query(top)?.0 == machine.dataPage(3))
        #expect(aspace.unmap(aspace.base, pages: aspace.size / 4096) == 1)
        aspace.destroy()
        #expect(machine.allocator.allocated == 0)
    }

    @Test func allocationFailureChangesNothing() throws {
        let machine = try TestMachine()
        let aspace = try machine.aspace()
        let va = VirtualAddress(0x600_0000)
        try aspace.map(va, machine.dataPage(0), flags: .read, existing: .fail)
        let tables = aspace.pageTablePages
        // A range that needs a new PDPT, PD and PT in another PML4 slot, plus a new PT here.
        for failAfter in 0..<4 {
            machine.allocator.failAfter(failAfter)
            #expect(throws: ZxStatus.noMemory) {
                try aspace.mapContiguous(VirtualAddress((1 << 39) - 4096 * 600), machine.dataPage(1),
                                         pages: 700, flags: .read, existing: .overwrite)
            }
            #expect(aspace.pageTablePages == tables)
            #expect(machine.allocator.allocated == tables)
            #expect(aspace.query(VirtualAddress((1 << 39) - 4096 * 600)) == nil)
        }
        machine.allocator.failAfter(nil)
        try aspace.mapContiguous(VirtualAddress((1 << 39) - 4096 * 600), machine.dataPage(1),
                                 pages: 700, flags: .read, existing: .overwrite)
        #expect(aspace.query(VirtualAddress(1 << 39))?.0 == machine.dataPage(601))
    }

    @Test func destroyIsFinal() throws {
        let machine = try TestMachine()
        let aspace = try machine.aspace()
        try aspace.mapContiguous(VirtualAddress(0x100_0000), machine.dataPage(0), pages: 1500,
                                 flags: [.read, .write], existing: .fail)
        try aspace.map(VirtualAddress(0xFF_FFFF_F000), machine.dataPage(0), flags: .read, existing: .fail)
        #expect(machine.allocator.allocated > 5)
        aspace.destroy()
        #expect(machine.allocator.allocated == 0)
        #expect(aspace.pageTablePages == 0)
        #expect(aspace.query(VirtualAddress(0x100_0000)) == nil)
        #expect(aspace.walkForTLB(VirtualAddress(0x100_0000)) == nil)
        #expect(aspace.unmap(VirtualAddress(0x100_0000), pages: 10) == 0)
        aspace.protect(VirtualAddress(0x100_0000), pages: 10, flags: .read)
        #expect(throws: ZxStatus.badState) {
            try aspace.map(VirtualAddress(0x100_0000), machine.dataPage(0), flags: .read, existing: .fail)
        }
        aspace.destroy()
    }

    @Test func deinitReturnsTables() throws {
        let machine = try TestMachine()
        do {
            let aspace = try machine.aspace()
            try aspace.mapContiguous(VirtualAddress(0x100_0000), machine.dataPage(0), pages: 10, flags: .read, existing: .fail)
            #expect(machine.allocator.allocated == 4)
        }
        #expect(machine.allocator.allocated == 0)
    }

    @Test func accessedAndDirtyBits() throws {
        let machine = try TestMachine()
        let aspace = try machine.aspace()
        let va = VirtualAddress(0x700_0000)
        try aspace.map(va, machine.dataPage(0), flags: [.read, .write], existing: .fail)
        #expect(aspace.accessedAndDirty(va)! == (false, false))
        let fill = try #require(aspace.walkForTLB(va))
        #expect(fill.physical == machine.dataPage(0))
        #expect(fill.hostPage == machine.memory.hostPointer(machine.dataPage(0)))
        #expect(fill.flags == [.read, .write])
        #expect(aspace.accessedAndDirty(va)! == (true, false))
        aspace.protect(va, pages: 1, flags: .read)
        #expect(aspace.accessedAndDirty(va)! == (true, false))   // protect keeps A/D
    }
}
