// PMM: page states, counters, the zero page, exhaustion, contiguous runs, warm/cold reuse.

import Hardware
import Testing
import VM
import ZX

@Suite struct PMMTests {
    @Test func allocatesZeroedPagesAndCountsStates() throws {
        let pmm = try makePMM(megabytes: 4)
        let start = pmm.stats
        #expect(start.totalPages == 1024)
        #expect(start.wiredPages == 1)  // the zero page
        #expect(start.freePages == 1023)
        let page = try pmm.allocPage()
        #expect(pmm.state(of: page) == .object)
        #expect(pmm.stats.objectPages == 1)
        let bytes = pmm.memory.hostPointer(page)
        #expect((0..<PageGeometry.size).allSatisfy { bytes.load(fromByteOffset: $0, as: UInt8.self) == 0 })
        bytes.storeBytes(of: 0xAB, as: UInt8.self)
        pmm.freePage(page)
        #expect(pmm.state(of: page) == .free)
        // A warm page comes back zeroed.
        let again = try pmm.allocPage()
        #expect(again == page)
        #expect(pmm.memory.hostPointer(again).load(as: UInt8.self) == 0)
        pmm.freePage(again)
        #expect(pmm.stats.freePages == start.freePages)
        #expect(pmm.stats.objectPages == 0)
        #expect(pmm.stats.warmFreePages == 1)
    }

    @Test func zeroPageIsWiredAndZero() throws {
        let pmm = try makePMM(megabytes: 4)
        #expect(pmm.state(of: pmm.zeroPage) == .wired)
        let bytes = pmm.memory.hostPointer(pmm.zeroPage)
        #expect((0..<PageGeometry.size).allSatisfy { bytes.load(fromByteOffset: $0, as: UInt8.self) == 0 })
    }

    @Test func exhaustionIsNoMemoryNotACrash() throws {
        let pmm = try makePMM(megabytes: 1)
        var pages: [PhysicalAddress] = []
        while true {
            do { pages.append(try pmm.allocPage()) } catch {
                #expect(error == .noMemory)
                break
            }
        }
        #expect(pages.count == 255)
        #expect(Set(pages).count == pages.count)
        #expect(pmm.stats.freePages == 0)
        for page in pages { pmm.freePage(page) }
        #expect(pmm.stats.freePages == 255)
    }

    @Test func contiguousRunsAreAlignedAndTracked() throws {
        let pmm = try makePMM(megabytes: 8)
        let before = pmm.stats.freePages
        let first = try pmm.allocContiguous(pages: 16, alignmentLog2: 16)
        #expect(first.rawValue % (1 << 16) == 0)
        for i in 0..<16 {
            #expect(pmm.state(of: PhysicalAddress(first.rawValue + UInt64(i * PageGeometry.size))) == .object)
        }
        #expect(pmm.stats.freePages == before - 16)
        for i in 0..<16 { pmm.freePage(PhysicalAddress(first.rawValue + UInt64(i * PageGeometry.size))) }
        #expect(pmm.stats.freePages == before)
        #expect(throws: ZxStatus.noMemory) { try pmm.allocContiguous(pages: 4096, alignmentLog2: 12) }
    }

    @Test func warmPagesBeyondTheLimitReturnHostMemory() throws {
        let memory = try PhysicalMemory(size: 4 << 20)
        let pmm = try PMM(memory: memory, warmFreeLimit: 4)
        var pages: [PhysicalAddress] = []
        for _ in 0..<10 {
            let page = try pmm.allocPage()
            memory.hostPointer(page).storeBytes(of: 0x5A, as: UInt8.self)
            pages.append(page)
        }
        for page in pages { pmm.freePage(page) }
        #expect(pmm.stats.warmFreePages == 4)
        // Released pages read zero in place (their host memory was given back).
        let released = pages.filter { memory.hostPointer($0).load(as: UInt8.self) == 0 }
        #expect(released.count == 6)
        pmm.releaseWarmPages()
        #expect(pmm.stats.warmFreePages == 0)
    }
}
