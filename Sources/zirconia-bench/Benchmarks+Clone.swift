// Copy-on-write children: a snapshot must cost the same whatever the parent's size (a hidden node
// takes the page list over by swapping it, nothing is copied), and a copy-on-write fault should cost
// little more than a demand-zero fault (one page copy instead of one page of zeroes). Both pairs
// compare Zirconia with itself; the "host" column is the smaller or simpler case.

#if canImport(Glibc)
import Glibc
#endif
import Zirconia

// MARK: 6. SNAPSHOT of 1 MiB vs 1 GiB

/// zx_vmo_create_child(SNAPSHOT) and zx_handle_close of the child, on a fully committed 1 GiB
/// VMO against a fully committed 1 MiB VMO.
func benchSnapshotScaling(_ kernel: Kernel, rounds: Int) throws -> Row {
    let iterations = 2000
    let process = try kernel.createProcess(name: "bench-clone")
    func cost(_ size: UInt64) throws -> Double {
        try process.run { () throws -> Double in
            var vmo = zx_handle_t(ZX_HANDLE_INVALID)
            try check(zx_vmo_create(size, 0, &vmo), "vmo_create")
            defer { _ = zx_handle_close(vmo) }
            try check(zx_vmo_op_range(vmo, ZX_VMO_OP_COMMIT, 0, size, nil, 0), "commit")
            return try median(rounds: rounds) { () throws -> (UInt64, Int) in
                let start = now()
                for _ in 0..<iterations {
                    var child = zx_handle_t(ZX_HANDLE_INVALID)
                    try check(zx_vmo_create_child(vmo, ZX_VMO_CHILD_SNAPSHOT, 0, size, &child), "create_child")
                    _ = zx_handle_close(child)
                }
                return (now() - start, iterations)
            }
        }
    }
    let small = try cost(1 << 20)
    let large = try cost(1 << 30)
    return Row(name: "SNAPSHOT create + close, 1 GiB committed", zirconia: large, host: small,
               hostName: "same, 1 MiB committed (Zirconia)", goal: 2)
}

// MARK: 7. Copy-on-write fault vs demand-zero fault

/// Stores one byte to each page of a mapped snapshot of a committed VMO (each store forks a page)
/// against the same stores to a mapped fresh VMO (each store commits a zero page). A fork moves
/// twice the bytes a zero fill does (read 4 KiB + write 4 KiB against write 4 KiB), so the ratio
/// follows the host's memcpy ÷ memset cost at the working set: 1024 pages (4 MiB read + 4 MiB
/// written per round) spill out of L2; 128 pages stay in it.
func benchCopyOnWriteFault(_ kernel: Kernel, rounds: Int, pages: Int) throws -> Row {
    let size = UInt64(pages * pageSize)
    let process = try kernel.createProcess(name: "bench-cow")
    return try process.run { () throws -> Row in
        guard let memory = UserMemory.currentContext() else { throw BenchError.failed("context", ZX_ERR_BAD_STATE) }
        let root = zx_vmar_root_self()
        var parent = zx_handle_t(ZX_HANDLE_INVALID)
        try check(zx_vmo_create(size, 0, &parent), "vmo_create")
        defer { _ = zx_handle_close(parent) }
        var pattern = [UInt8](repeating: 0x5a, count: Int(size))
        try check(zx_vmo_write(parent, &pattern, 0, Int(size)), "fill")
        pattern = []
        func faults(snapshot: Bool) throws -> Double {
            try median(rounds: rounds) { () throws -> (UInt64, Int) in
                var vmo = zx_handle_t(ZX_HANDLE_INVALID)
                if snapshot {
                    try check(zx_vmo_create_child(parent, ZX_VMO_CHILD_SNAPSHOT, 0, size, &vmo), "create_child")
                } else {
                    try check(zx_vmo_create(size, 0, &vmo), "vmo_create")
                }
                var address: zx_vaddr_t = 0
                try check(zx_vmar_map(root, ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, vmo, 0, Int(size), &address), "map")
                let start = now()
                for page in 0..<pages { try memory.store(UInt8(1), to: address + UInt(page * pageSize)) }
                let elapsed = now() - start
                try check(zx_vmar_unmap(root, address, Int(size)), "unmap")
                _ = zx_handle_close(vmo)
                return (elapsed, pages)
            }
        }
        let cow = try faults(snapshot: true)
        let zero = try faults(snapshot: false)
        return Row(name: "copy-on-write write fault, \(pages) pages", zirconia: cow, host: zero,
                   hostName: "demand-zero write fault (Zirconia)", goal: 1.5)
    }
}
