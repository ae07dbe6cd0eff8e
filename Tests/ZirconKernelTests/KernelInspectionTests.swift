// Kernel-side inspection (the shell's ps / vmaps / vmos): every live process with its memory,
// its ZX_INFO_PROCESS_MAPS and ZX_INFO_PROCESS_VMOS records, without a handle to it.

import Testing
import Zirconia

@Suite struct KernelInspectionTests {
    @Test func summariesMapsAndVmosOfLiveProcesses() throws {
        let kernel = try Kernel(memorySize: 16 << 20, seed: 9)
        let busy = try kernel.createProcess(name: "busy")
        let idle = try kernel.createProcess(name: "idle")
        let checks = VmoChecks()
        let vmoKoid = try busy.run { () -> zx_koid_t in
            let (_, vmo) = vmoCreate(4 * vmoPage)
            let name = Array("inspected".utf8)
            _ = name.withUnsafeBytes { zx_object_set_property(vmo, ZX_PROP_NAME, $0.baseAddress, $0.count) }
            let address = vmoMap(checks, vmo, 4 * vmoPage)
            checks.ok(vmoStore32(7, address))
            checks.ok(vmoStore32(8, address + UInt(vmoPage)))
            return handleBasic(vmo).koid
        }
        let summaries = kernel.processSummaries()
        let names = summaries.map(\.name)
        #expect(names.contains("busy") && names.contains("idle"))
        let busySummary = try #require(summaries.first { $0.koid == busy.koid })
        #expect(busySummary.mappedBytes == 4 * Int(vmoPage))
        #expect(busySummary.privateBytes == 2 * Int(vmoPage), "two pages written")
        #expect(busySummary.handles >= 1)
        let maps = try #require(kernel.processMaps(koid: busy.koid))
        let mapping = try #require(maps.first { $0.type == ZX_INFO_MAPS_TYPE_MAPPING })
        #expect(mapping.u.mapping.vmo_koid == vmoKoid)
        #expect(mapping.u.mapping.committed_pages == 2)
        let vmos = try #require(kernel.processVmos(koid: busy.koid))
        #expect(vmos.contains { $0.koid == vmoKoid && $0.flags & ZX_INFO_VMO_VIA_HANDLE != 0 })
        #expect(vmos.contains { $0.koid == vmoKoid && $0.flags & ZX_INFO_VMO_VIA_MAPPING != 0 })
        #expect(kernel.processVmos(koid: idle.koid)?.isEmpty == true)
        idle.kill()
        idle.wait()
        #expect(kernel.processMaps(koid: idle.koid) == nil, "a dead process has no maps")
        #expect(kernel.processMaps(koid: 0xdead) == nil)
        checks.report()
    }
}
