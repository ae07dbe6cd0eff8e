// The benchmark pairs: the Zirconia operation and its native host counterpart.

#if canImport(Glibc)
import Glibc
#endif
import Zirconia

let pageSize = Int(zx_system_get_page_size())

enum BenchError: Error { case failed(String, zx_status_t) }

func check(_ status: zx_status_t, _ what: String) throws {
    guard status == ZX_OK else { throw BenchError.failed(what, status) }
}

// MARK: 1. First-touch demand-zero fault

/// Zirconia: map a fresh VMO, store one byte to each page (each store is a demand-zero fault),
/// unmap and close. Host: the same over an anonymous mmap.
func benchFirstTouchFault(_ kernel: Kernel, rounds: Int) throws -> Row {
    let pages = 1024
    let process = try kernel.createProcess(name: "bench-fault")
    let ours = try process.run { () throws -> Double in
        guard let memory = UserMemory.currentContext() else { throw BenchError.failed("context", ZX_ERR_BAD_STATE) }
        return try median(rounds: rounds) { () throws -> (UInt64, Int) in
            var vmo = zx_handle_t(ZX_HANDLE_INVALID)
            try check(zx_vmo_create(UInt64(pages * pageSize), 0, &vmo), "vmo_create")
            var address: zx_vaddr_t = 0
            try check(zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, vmo, 0, pages * pageSize, &address), "map")
            let start = now()
            for page in 0..<pages {
                try memory.store(UInt8(1), to: address + UInt(page * pageSize))
            }
            let elapsed = now() - start
            try check(zx_vmar_unmap(zx_vmar_root_self(), address, pages * pageSize), "unmap")
            _ = zx_handle_close(vmo)
            return (elapsed, pages)
        }
    }
    let host = median(rounds: rounds) { () -> (UInt64, Int) in
        let length = pages * pageSize
        guard let raw = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              raw != MAP_FAILED else { return (0, 1) }
        let bytes = raw.assumingMemoryBound(to: UInt8.self)
        let start = now()
        for page in 0..<pages { bytes[page * pageSize] = 1 }
        let elapsed = now() - start
        munmap(raw, length)
        return (elapsed, pages)
    }
    return Row(name: "first-touch demand-zero fault (4 KiB)", zirconia: ours, host: host,
               hostName: "first write to anonymous mmap", goal: 0.5)
}

// MARK: 2. Map + unmap of one page

func benchMapUnmap(_ kernel: Kernel, rounds: Int) throws -> Row {
    let iterations = 20_000
    let process = try kernel.createProcess(name: "bench-map")
    let ours = try process.run { () throws -> Double in
        var vmo = zx_handle_t(ZX_HANDLE_INVALID)
        try check(zx_vmo_create(UInt64(pageSize), 0, &vmo), "vmo_create")
        defer { _ = zx_handle_close(vmo) }
        let root = zx_vmar_root_self()
        return try median(rounds: rounds) { () throws -> (UInt64, Int) in
            let start = now()
            for _ in 0..<iterations {
                var address: zx_vaddr_t = 0
                try check(zx_vmar_map(root, ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, vmo, 0, pageSize, &address), "map")
                try check(zx_vmar_unmap(root, address, pageSize), "unmap")
            }
            return (now() - start, iterations)
        }
    }
    let host = median(rounds: rounds) { () -> (UInt64, Int) in
        let start = now()
        for _ in 0..<iterations {
            let raw = mmap(nil, pageSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
            munmap(raw, pageSize)
        }
        return (now() - start, iterations)
    }
    return Row(name: "map + unmap one page (untouched)", zirconia: ours, host: host,
               hostName: "mmap + munmap", goal: 0.25)
}

// MARK: 3. Translated random 8-byte loads, TLB hits

func benchTLBLoad(_ kernel: Kernel, rounds: Int) throws -> Row {
    let span = 32 * 1024
    let loads = 4_000_000
    var generator = SplitMixBench(seed: 7)
    let indices = (0..<4096).map { _ in UInt(generator.next() % UInt64(span / 8)) * 8 }
    let process = try kernel.createProcess(name: "bench-tlb")
    let ours = try process.run { () throws -> Double in
        guard let memory = UserMemory.currentContext() else { throw BenchError.failed("context", ZX_ERR_BAD_STATE) }
        var vmo = zx_handle_t(ZX_HANDLE_INVALID)
        try check(zx_vmo_create(UInt64(span), 0, &vmo), "vmo_create")
        var base: zx_vaddr_t = 0
        try check(zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, vmo, 0, span, &base), "map")
        for offset in stride(from: 0, to: span, by: 8) { try memory.store(UInt64(offset), to: base + UInt(offset)) }
        _ = try memory.load(UInt64.self, from: base)  // warm every TLB entry
        for page in 0..<(span / pageSize) { _ = try memory.load(UInt64.self, from: base + UInt(page * pageSize)) }
        let accessor = memory.accessor
        let result = try median(rounds: rounds) { () throws -> (UInt64, Int) in
            var total: UInt64 = 0
            let start = now()
            try indices.withUnsafeBufferPointer { idx in
                for _ in 0..<(loads / idx.count) {
                    for j in 0..<idx.count {
                        total &+= try accessor.load(UInt64.self, from: base &+ idx[j])
                    }
                }
            }
            let elapsed = now() - start
            blackHole(total)
            return (elapsed, loads)
        }
        _ = zx_vmar_unmap(zx_vmar_root_self(), base, span)
        _ = zx_handle_close(vmo)
        return result
    }
    let raw = UnsafeMutableRawPointer.allocate(byteCount: span, alignment: 4096)
    defer { raw.deallocate() }
    for offset in stride(from: 0, to: span, by: 8) { raw.storeBytes(of: UInt64(offset), toByteOffset: offset, as: UInt64.self) }
    let host = median(rounds: rounds) { () -> (UInt64, Int) in
        var total: UInt64 = 0
        let start = now()
        indices.withUnsafeBufferPointer { idx in
            for _ in 0..<(loads / idx.count) {
                for j in 0..<idx.count {
                    total &+= raw.load(fromByteOffset: Int(idx[j]), as: UInt64.self)
                }
            }
        }
        let elapsed = now() - start
        blackHole(total)
        return (elapsed, loads)
    }
    return Row(name: "8-byte random load, TLB hit (32 KiB)", zirconia: ours, host: host,
               hostName: "raw load over 32 KiB", goal: 4)
}

// MARK: 4. zx_vmo_write / zx_vmo_read of 1 MiB

func benchVmoReadWrite(_ kernel: Kernel, rounds: Int) throws -> [Row] {
    let size = 1 << 20
    let iterations = 200
    let source = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
    let target = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
    defer { source.deallocate(); target.deallocate() }
    for i in 0..<size { source.storeBytes(of: UInt8(truncatingIfNeeded: i), toByteOffset: i, as: UInt8.self) }
    memset(target, 0, size)
    let process = try kernel.createProcess(name: "bench-vmo")
    let (write, read) = try process.run { () throws -> (Double, Double) in
        var vmo = zx_handle_t(ZX_HANDLE_INVALID)
        try check(zx_vmo_create(UInt64(size), 0, &vmo), "vmo_create")
        defer { _ = zx_handle_close(vmo) }
        try check(zx_vmo_write(vmo, source, 0, size), "warm write")
        let write = try median(rounds: rounds) { () throws -> (UInt64, Int) in
            let start = now()
            for _ in 0..<iterations { try check(zx_vmo_write(vmo, source, 0, size), "write") }
            return (now() - start, iterations)
        }
        let read = try median(rounds: rounds) { () throws -> (UInt64, Int) in
            let start = now()
            for _ in 0..<iterations { try check(zx_vmo_read(vmo, target, 0, size), "read") }
            return (now() - start, iterations)
        }
        return (write, read)
    }
    let copy = median(rounds: rounds) { () -> (UInt64, Int) in
        let start = now()
        for _ in 0..<iterations {
            memcpy(target, source, size)
            blackHole(UInt64(target.load(as: UInt8.self)))
        }
        return (now() - start, iterations)
    }
    return [
        Row(name: "zx_vmo_write 1 MiB (committed)", zirconia: write, host: copy, hostName: "memcpy 1 MiB", goal: 1.4),
        Row(name: "zx_vmo_read 1 MiB", zirconia: read, host: copy, hostName: "memcpy 1 MiB", goal: 1.4),
    ]
}

// MARK: 5. A fault among 100,000 mappings

/// The same first-touch faults (1024 pages of one mapping) in a process that also holds
/// 100,000 other mappings, against a process holding only that mapping.
func benchManyMappingsFault(_ kernel: Kernel, rounds: Int, quick: Bool) throws -> Row {
    let extraMappings = quick ? 20_000 : 100_000
    func faultCost(extra: Int) throws -> Double {
        let process = try kernel.createProcess(name: "bench-many-\(extra)")
        return try process.run { () throws -> Double in
            guard let memory = UserMemory.currentContext() else { throw BenchError.failed("context", ZX_ERR_BAD_STATE) }
            let root = zx_vmar_root_self()
            var filler = zx_handle_t(ZX_HANDLE_INVALID)
            try check(zx_vmo_create(UInt64(pageSize), 0, &filler), "vmo_create")
            defer { _ = zx_handle_close(filler) }
            var region = zx_handle_t(ZX_HANDLE_INVALID)
            var regionBase: zx_vaddr_t = 0
            let regionSize = (2 * extra + 2) * pageSize
            try check(zx_vmar_allocate(root, ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE | ZX_VM_CAN_MAP_SPECIFIC, 0,
                                       regionSize, &region, &regionBase), "allocate")
            for i in 0..<extra {
                var address: zx_vaddr_t = 0
                try check(zx_vmar_map(region, ZX_VM_PERM_READ | ZX_VM_SPECIFIC, 2 * i * pageSize, filler, 0, pageSize, &address), "map")
            }
            let pages = 1024
            return try median(rounds: rounds) { () throws -> (UInt64, Int) in
                var vmo = zx_handle_t(ZX_HANDLE_INVALID)
                try check(zx_vmo_create(UInt64(pages * pageSize), 0, &vmo), "vmo_create")
                var address: zx_vaddr_t = 0
                try check(zx_vmar_map(root, ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, vmo, 0, pages * pageSize, &address), "map")
                let start = now()
                for page in 0..<pages { try memory.store(UInt8(1), to: address + UInt(page * pageSize)) }
                let elapsed = now() - start
                try check(zx_vmar_unmap(root, address, pages * pageSize), "unmap")
                _ = zx_handle_close(vmo)
                return (elapsed, pages)
            }
        }
    }
    let one = try faultCost(extra: 0)
    let many = try faultCost(extra: extraMappings)
    return Row(name: "fault with \(extraMappings / 1000)k other mappings", zirconia: many, host: one,
               hostName: "same fault, 1 mapping (Zirconia)", goal: 2)
}

struct SplitMixBench {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
