// VMAR test helpers: a runner that checks page accounting, a failure collector usable inside
// `Process.run`, zx_* wrappers and the probes of zircon/system/utest/core/vmar/vmar.cc.

import Testing
import Zirconia

/// Collects mismatches inside `Process.run` (Swift Testing records issues only on the test's
/// own task, so checks made on the process thread are reported by `VT.run` afterwards).
final class VmarCheck {
    private(set) var failures: [String] = []

    static func name(_ status: zx_status_t) -> String { ZxStatus(rawValue: status).description }

    func status(_ got: zx_status_t, _ want: zx_status_t, _ what: @autoclosure () -> String, line: Int = #line) {
        if got != want { failures.append("line \(line): \(what()): got \(Self.name(got)), want \(Self.name(want))") }
    }

    func eq<T: Equatable>(_ got: T, _ want: T, _ what: @autoclosure () -> String, line: Int = #line) {
        if got != want { failures.append("line \(line): \(what()): got \(got), want \(want)") }
    }

    func that(_ condition: Bool, _ what: @autoclosure () -> String, line: Int = #line) {
        if !condition { failures.append("line \(line): \(what())") }
    }
}

/// Thin wrappers over the zx_* surface (call inside `run`).
enum VT {
    static var page: Int { Int(zx_system_get_page_size()) }
    static var pageU: UInt { UInt(zx_system_get_page_size()) }

    /// Boots a small kernel, runs `body` as a thread of a fresh process (passed in, for kernel-side
    /// views such as its page tables), kills the process and
    /// checks the collected failures and that every page went back to the PMM.
    static func run(memory: Int = 64 << 20, aslrBits: Int = 30, seed: UInt64 = 0x5eed,
                    sourceLocation: SourceLocation = #_sourceLocation,
                    _ body: (Process, VmarCheck) throws -> Void) throws {
        let kernel = try Kernel(memorySize: memory, aslrEntropyBits: aslrBits, seed: seed)
        let baseline = kernel.memoryStats.freePages
        let check = VmarCheck()
        do {
            let process = try kernel.createProcess(name: "vmar-test")
            try process.run { try body(process, check) }
            process.kill()
        }
        #expect(check.failures.isEmpty, Comment(rawValue: check.failures.joined(separator: "\n")),
                sourceLocation: sourceLocation)
        #expect(kernel.memoryStats.freePages == baseline, "PMM free pages not back at baseline",
                sourceLocation: sourceLocation)
    }

    static func allocate(_ parent: zx_handle_t, _ options: zx_vm_option_t, _ offset: Int,
                         _ size: Int) -> (status: zx_status_t, handle: zx_handle_t, addr: zx_vaddr_t) {
        var handle = ZX_HANDLE_INVALID
        var addr: zx_vaddr_t = 0
        let status = zx_vmar_allocate(parent, options, offset, size, &handle, &addr)
        return (status, handle, addr)
    }

    static func map(_ vmar: zx_handle_t, _ options: zx_vm_option_t, _ offset: Int, _ vmo: zx_handle_t,
                    _ vmoOffset: UInt64, _ len: Int) -> (status: zx_status_t, addr: zx_vaddr_t) {
        var addr: zx_vaddr_t = 0
        let status = zx_vmar_map(vmar, options, offset, vmo, vmoOffset, len, &addr)
        return (status, addr)
    }

    /// A new VMO of `pages` pages (ZX_HANDLE_INVALID on failure).
    static func vmo(pages: Int, options: UInt32 = 0) -> zx_handle_t {
        var handle = ZX_HANDLE_INVALID
        _ = zx_vmo_create(UInt64(pages * page), options, &handle)
        return handle
    }

    static func dup(_ handle: zx_handle_t, _ rights: zx_rights_t) -> zx_handle_t {
        var out = ZX_HANDLE_INVALID
        _ = zx_handle_duplicate(handle, rights, &out)
        return out
    }

    static func basic(_ handle: zx_handle_t) -> zx_info_handle_basic_t {
        var info = zx_info_handle_basic_t()
        var actual = 0, avail = 0
        _ = zx_object_get_info(handle, ZX_INFO_HANDLE_BASIC, &info, MemoryLayout<zx_info_handle_basic_t>.size,
                               &actual, &avail)
        return info
    }

    static func rights(_ handle: zx_handle_t) -> zx_rights_t { basic(handle).rights }
    static func koid(_ handle: zx_handle_t) -> zx_koid_t { basic(handle).koid }

    static func isValid(_ handle: zx_handle_t) -> Bool {
        var actual = 0, avail = 0
        return zx_object_get_info(handle, ZX_INFO_HANDLE_VALID, nil, 0, &actual, &avail) == ZX_OK
    }

    static func vmarInfo(_ handle: zx_handle_t) -> (status: zx_status_t, info: zx_info_vmar_t) {
        var info = zx_info_vmar_t()
        var actual = 0, avail = 0
        let status = zx_object_get_info(handle, ZX_INFO_VMAR, &info, MemoryLayout<zx_info_vmar_t>.size,
                                        &actual, &avail)
        return (status, info)
    }

    static func vmoInfo(_ handle: zx_handle_t) -> zx_info_vmo_t {
        var info = zx_info_vmo_t()
        var actual = 0, avail = 0
        _ = zx_object_get_info(handle, ZX_INFO_VMO, &info, MemoryLayout<zx_info_vmo_t>.size, &actual, &avail)
        return info
    }

    /// ZX_INFO_PROCESS_MAPS of the calling process.
    static func maps() -> (status: zx_status_t, rows: [zx_info_maps_t]) {
        var actual = 0, avail = 0
        var status = zx_object_get_info(zx_process_self(), ZX_INFO_PROCESS_MAPS, nil, 0, &actual, &avail)
        guard status == ZX_OK else { return (status, []) }
        var rows = [zx_info_maps_t](repeating: zx_info_maps_t(), count: avail + 8)
        status = rows.withUnsafeMutableBytes { buffer in
            zx_object_get_info(zx_process_self(), ZX_INFO_PROCESS_MAPS, buffer.baseAddress, buffer.count,
                               &actual, &avail)
        }
        return (status, Array(rows.prefix(actual)))
    }

    /// Mapping rows of ZX_INFO_PROCESS_MAPS inside [base, base+size).
    static func mappingRows(in base: zx_vaddr_t, _ size: Int) -> [zx_info_maps_t] {
        maps().rows.filter { $0.type == ZX_INFO_MAPS_TYPE_MAPPING && $0.base >= base && $0.base < base + UInt(size) }
    }

    /// zx_process_read_memory of one byte: ZX_OK (mapped), ZX_ERR_NO_MEMORY (nothing mapped),
    /// ZX_ERR_OUT_OF_RANGE (beyond the VMO) — the tests' "is it mapped" probe.
    static func probe(_ address: zx_vaddr_t) -> zx_status_t {
        var byte: UInt8 = 0
        var actual = 0
        return zx_process_read_memory(zx_process_self(), address, &byte, 1, &actual)
    }

    /// Bit i set ⇔ page i of [base, base + pages·P) reads OK through zx_process_read_memory.
    static func mappedBits(_ base: zx_vaddr_t, pages: Int) -> UInt64 {
        var bits: UInt64 = 0
        for i in 0..<pages where probe(base + UInt(i * page)) == ZX_OK { bits |= 1 << UInt64(i) }
        return bits
    }

    /// Loads a byte through UserMemory: (ZX_OK, value) or (fault status, 0).
    static func load(_ address: zx_vaddr_t) -> (status: zx_status_t, value: UInt8) {
        do { return (ZX_OK, try UserMemory.load(UInt8.self, from: address)) } catch { return (error.status, 0) }
    }

    static func load64(_ address: zx_vaddr_t) -> (status: zx_status_t, value: UInt64) {
        do { return (ZX_OK, try UserMemory.load(UInt64.self, from: address)) } catch { return (error.status, 0) }
    }

    /// Stores through UserMemory: ZX_OK or the fault status.
    static func store<T: FixedWidthInteger>(_ value: T, _ address: zx_vaddr_t) -> zx_status_t {
        do { try UserMemory.store(value, to: address); return ZX_OK } catch { return error.status }
    }

    static func writeVmo(_ vmo: zx_handle_t, _ byte: UInt8, at offset: Int) -> zx_status_t {
        var value = byte
        return zx_vmo_write(vmo, &value, UInt64(offset), 1)
    }

    static func close(_ handles: zx_handle_t...) {
        for handle in handles where handle != ZX_HANDLE_INVALID { _ = zx_handle_close(handle) }
    }
}
