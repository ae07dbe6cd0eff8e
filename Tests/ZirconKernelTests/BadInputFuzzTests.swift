// Bad input never traps the kernel and a failing call changes nothing: thousands of zx_* calls
// with random handles, options, offsets and sizes drawn from edge values, each failing call
// checked against a snapshot of the process's address space and VMO state.

import Testing
import Zirconia

@Suite struct BadInputFuzzTests {
    struct Rng {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func pick<T>(_ values: [T]) -> T { values[Int(next() % UInt64(values.count))] }
    }

    static let page: UInt64 = 4096
    static let edges: [UInt64] = [0, 1, page - 1, page, page + 1, 2 * page, 16 * page, 1 << 32, 1 << 47,
                                  UInt64(Int.max), UInt64.max - page + 2, UInt64.max - 1, UInt64.max]

    /// Everything a failing call must leave untouched.
    struct Snapshot: Equatable {
        var maps: [[UInt64]]
        var vmos: [[UInt64]]
    }

    static func snapshot(_ vmos: [zx_handle_t]) -> Snapshot {
        var actual = 0, avail = 0
        _ = zx_object_get_info(zx_process_self(), ZX_INFO_PROCESS_MAPS, nil, 0, &actual, &avail)
        var rows = [zx_info_maps_t](repeating: zx_info_maps_t(), count: avail + 8)
        _ = rows.withUnsafeMutableBytes {
            zx_object_get_info(zx_process_self(), ZX_INFO_PROCESS_MAPS, $0.baseAddress, $0.count, &actual, &avail)
        }
        let maps = rows.prefix(actual).map {
            [UInt64($0.base), UInt64($0.size), UInt64($0.depth), UInt64($0.type), UInt64($0.u.mapping.mmu_flags),
             $0.u.mapping.vmo_offset]
        }
        let infos = vmos.map { handle -> [UInt64] in
            var info = zx_info_vmo_t()
            guard zx_object_get_info(handle, ZX_INFO_VMO, &info, MemoryLayout<zx_info_vmo_t>.size, &actual, &avail) == ZX_OK
            else { return [] }
            return [info.size_bytes, info.committed_bytes, UInt64(info.num_mappings), UInt64(info.cache_policy)]
        }
        return Snapshot(maps: maps, vmos: infos)
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func randomArgumentsNeverTrapAndFailuresChangeNothing(seed: UInt64) throws {
        let kernel = try Kernel(memorySize: 64 << 20, seed: seed)
        let baseline = kernel.memoryStats.freePages
        let process = try kernel.createProcess(name: "fuzz")
        try process.run {
            var rng = Rng(state: seed)
            var vmos: [zx_handle_t] = []
            for options in [UInt32(0), ZX_VMO_RESIZABLE, ZX_VMO_DISCARDABLE] {
                var vmo = zx_handle_t(ZX_HANDLE_INVALID)
                #expect(zx_vmo_create(4 * Self.page, options, &vmo) == ZX_OK)
                vmos.append(vmo)
            }
            var vmars: [zx_handle_t] = [zx_vmar_root_self()]
            var child = zx_handle_t(ZX_HANDLE_INVALID)
            var childAddress: zx_vaddr_t = 0
            #expect(zx_vmar_allocate(zx_vmar_root_self(), ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE | ZX_VM_CAN_MAP_SPECIFIC,
                                     0, Int(64 * Self.page), &child, &childAddress) == ZX_OK)
            vmars.append(child)
            var reduced = zx_handle_t(ZX_HANDLE_INVALID)
            #expect(zx_handle_duplicate(vmos[0], ZX_RIGHT_READ | ZX_RIGHT_DUPLICATE, &reduced) == ZX_OK)
            let handles = vmos + vmars + [reduced, zx_process_self(), zx_thread_self(), ZX_HANDLE_INVALID, 0xDEAD_BEEF, 3]
            let optionBits: [UInt32] = [0, ZX_VM_PERM_READ, ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, ZX_VM_PERM_WRITE,
                                        ZX_VM_SPECIFIC, ZX_VM_SPECIFIC_OVERWRITE, ZX_VM_COMPACT, ZX_VM_CAN_MAP_READ,
                                        ZX_VM_OFFSET_IS_UPPER_LIMIT, ZX_VM_MAP_RANGE, ZX_VM_ALIGN_64KB, 9 << 24, 0xFF << 24,
                                        1 << 15, 1 << 23, UInt32.max]
            func options() -> UInt32 { rng.pick(optionBits) | rng.pick(optionBits) }
            // Half plausible (small page multiples, addresses inside the child VMAR), half edges.
            func value() -> UInt64 {
                switch rng.next() % 4 {
                case 0: return (rng.next() % 8) * Self.page
                case 1: return childAddress.toUInt64 + (rng.next() % 64) * Self.page
                default: return rng.pick(Self.edges)
                }
            }
            var buffer = [UInt8](repeating: 0, count: 3 * Int(Self.page))

            var successes = 0, failures = 0
            defer {
                // The mix must exercise both outcomes, or the test proves nothing.
                #expect(successes >= 20 && failures >= 1000, "seed \(seed): \(successes) ok, \(failures) failed")
            }
            for step in 0..<3000 {
                let before = Self.snapshot(vmos)
                let handle = rng.pick(handles)
                let status: zx_status_t
                let operation = rng.next() % 12
                switch operation {
                case 0:
                    var out: zx_vaddr_t = 0
                    status = zx_vmar_map(handle, options(), Int(truncatingIfNeeded: value()), rng.pick(handles), value(),
                                         Int(truncatingIfNeeded: value()), &out)
                case 1: status = zx_vmar_unmap(handle, UInt(truncatingIfNeeded: value()), Int(truncatingIfNeeded: value()))
                case 2: status = zx_vmar_protect(handle, options(), UInt(truncatingIfNeeded: value()), Int(truncatingIfNeeded: value()))
                case 3:
                    var out = zx_handle_t(ZX_HANDLE_INVALID)
                    var address: zx_vaddr_t = 0
                    status = zx_vmar_allocate(handle, options(), Int(truncatingIfNeeded: value()), Int(truncatingIfNeeded: value()),
                                              &out, &address)
                    if status == ZX_OK { vmars.append(out) }
                case 4:
                    status = zx_vmar_op_range(handle, UInt32(rng.next() % 16), UInt(truncatingIfNeeded: value()),
                                              Int(truncatingIfNeeded: value()), nil, 0)
                case 5:
                    let length = Int(rng.next() % UInt64(buffer.count))
                    status = buffer.withUnsafeMutableBytes { zx_vmo_read(handle, $0.baseAddress, value(), length) }
                case 6:
                    let length = Int(rng.next() % UInt64(buffer.count))
                    status = buffer.withUnsafeBytes { zx_vmo_write(handle, $0.baseAddress, value(), length) }
                case 7: status = zx_vmo_set_size(handle, value())
                case 8:
                    var lock = zx_vmo_lock_state_t()
                    status = zx_vmo_op_range(handle, UInt32(rng.next() % 16), value(), value(), &lock,
                                             rng.next() % 2 == 0 ? MemoryLayout<zx_vmo_lock_state_t>.size : 0)
                case 9: status = zx_vmo_set_cache_policy(handle, UInt32(rng.next() % 6))
                case 10:
                    var out = zx_handle_t(ZX_HANDLE_INVALID)
                    status = zx_vmo_create_child(handle, UInt32(rng.next() % 256), value(), value(), &out)
                default:
                    var actual = 0
                    status = buffer.withUnsafeMutableBytes {
                        zx_process_read_memory(handle, UInt(truncatingIfNeeded: value()), $0.baseAddress, Int(rng.next() % 8192), &actual)
                    }
                }
                #expect(status <= ZX_OK && status >= -1000, "seed \(seed) step \(step) op \(operation)")
                if status == ZX_OK { successes += 1 } else { failures += 1 }
                if status != ZX_OK && operation != 10 {
                    let after = Self.snapshot(vmos)
                    #expect(after == before, "seed \(seed) step \(step) op \(operation) status \(status) changed state")
                    if after != before { return }
                }
            }
            for handle in vmos + [reduced] { _ = zx_handle_close(handle) }
        }
        process.kill()
        #expect(kernel.memoryStats.freePages == baseline, "seed \(seed)")
    }
}

extension UInt {
    fileprivate var toUInt64: UInt64 { UInt64(self) }
}
