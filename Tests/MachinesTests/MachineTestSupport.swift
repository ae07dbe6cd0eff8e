// Shared test support: the fixtures, and what a root bus driver does to hand a driver its
// registers (PDevGetMmio: a sub-resource and a physical VMO over the page-rounded region, then
// MmioBuffer::Create at the offset inside it).

import Testing
import Zirconia

struct StatusError: Error, Equatable { var status: zx_status_t }

func check(_ status: zx_status_t) throws {
    if status != ZX_OK { throw StatusError(status: status) }
}

/// Maps `region` the way the platform bus's GetMmio and lib/mmio do. Call inside `process.run`.
func mapMmio(_ region: MmioRegionDescription, root: zx_handle_t, name: String,
             cachePolicy: UInt32 = ZX_CACHE_POLICY_UNCACHED) throws -> MmioBuffer {
    let vmoBase = region.base & ~0xFFF
    let vmoSize = (region.base + region.size - vmoBase + 0xFFF) & ~0xFFF
    var resource = zx_handle_t(ZX_HANDLE_INVALID)
    try check(zx_resource_create(root, ZX_RSRC_KIND_MMIO, vmoBase, Int(vmoSize), name, name.utf8.count, &resource))
    defer { _ = zx_handle_close(resource) }
    var vmo = zx_handle_t(ZX_HANDLE_INVALID)
    try check(zx_vmo_create_physical(resource, zx_paddr_t(vmoBase), Int(vmoSize), &vmo))
    return try MmioBuffer.create(vmo: vmo, offset: region.base - vmoBase, size: Int(region.size), cachePolicy: cachePolicy)
}

/// A machine booted with a small, seeded kernel, one driver process holding the root resource,
/// and the PMM's free count after that setup (what tests compare against once everything is freed).
struct BootedMachine {
    let machine: Machine
    let kernel: Kernel
    let process: Process
    let root: zx_handle_t
    let baseline: Int

    init(_ machine: Machine, seed: UInt64 = 1) throws {
        self.machine = machine
        kernel = try machine.boot(seed: seed)
        process = try kernel.createProcess(name: "root-bus-driver")
        root = try kernel.rootResource(for: process)
        baseline = kernel.memoryStats.freePages
    }
}
