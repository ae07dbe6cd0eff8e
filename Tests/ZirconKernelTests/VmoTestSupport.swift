// Shared helpers of the VMO conformance suites: a failure collector usable on `Process.run`
// threads, a one-call process runner, and thin wrappers over zx_* calls that return values.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization
import Testing
import Zirconia

/// Collects check failures on the emulated thread (`Process.run` runs on another OS thread, where
/// `#expect` has no test to report to) and replays them as test issues afterwards.
final class VmoChecks: Sendable {
    private struct Failure: Sendable {
        var comment: String
        var location: SourceLocation
    }

    private let failures = Mutex<[Failure]>([])

    func record(_ comment: String, _ location: SourceLocation) {
        failures.withLock { $0.append(Failure(comment: comment, location: location)) }
    }

    /// `actual == expected`, else a failure naming both.
    func eq<T: Equatable>(_ actual: T, _ expected: T, _ note: @autoclosure () -> String = "",
                          sourceLocation: SourceLocation = #_sourceLocation) {
        if actual != expected { record("\(note()): got \(actual), expected \(expected)", sourceLocation) }
    }

    /// Status comparison printing Zircon names.
    func st(_ actual: zx_status_t, _ expected: zx_status_t, _ note: @autoclosure () -> String = "",
            sourceLocation: SourceLocation = #_sourceLocation) {
        if actual != expected {
            record("\(note()): got \(ZxStatus(actual)), expected \(ZxStatus(expected))", sourceLocation)
        }
    }

    func ok(_ actual: zx_status_t, _ note: @autoclosure () -> String = "",
            sourceLocation: SourceLocation = #_sourceLocation) {
        st(actual, ZX_OK, note(), sourceLocation: sourceLocation)
    }

    func yes(_ condition: Bool, _ note: @autoclosure () -> String = "",
             sourceLocation: SourceLocation = #_sourceLocation) {
        if !condition { record("\(note()): condition failed", sourceLocation) }
    }

    var failureCount: Int { failures.withLock { $0.count } }

    /// Reports every collected failure to the current test.
    func report() {
        for failure in failures.withLock({ $0 }) {
            Issue.record(Comment(rawValue: failure.comment), sourceLocation: failure.location)
        }
    }
}

/// Runs `body` as a thread of `process` with a check collector, then reports its failures.
func vmoRun<T>(_ process: Process, _ body: (VmoChecks) throws -> T) throws -> T {
    let checks = VmoChecks()
    let result = try process.run { try body(checks) }
    checks.report()
    return result
}

/// A fresh kernel (small RAM) and process, then `vmoRun`.
func vmoInFreshProcess<T>(memory: Int = 64 << 20, _ body: (VmoChecks) throws -> T) throws -> T {
    let kernel = try Kernel(memorySize: memory)
    let process = try kernel.createProcess(name: "vmo-test")
    return try vmoRun(process, body)
}

/// The page size as every size below uses it.
let vmoPage = UInt64(zx_system_get_page_size())

// MARK: zx_* wrappers returning values (call inside `run`)

/// zx_vmo_create → (status, handle).
func vmoCreate(_ size: UInt64, _ options: UInt32 = 0) -> (zx_status_t, zx_handle_t) {
    var handle = ZX_HANDLE_INVALID
    let status = zx_vmo_create(size, options, &handle)
    return (status, handle)
}

/// zx_vmo_create that must succeed (records a failure and returns ZX_HANDLE_INVALID otherwise).
func vmoMake(_ checks: VmoChecks, _ size: UInt64, _ options: UInt32 = 0,
             sourceLocation: SourceLocation = #_sourceLocation) -> zx_handle_t {
    let (status, handle) = vmoCreate(size, options)
    checks.st(status, ZX_OK, "zx_vmo_create(\(size), \(options))", sourceLocation: sourceLocation)
    return handle
}

func vmoInfo(_ handle: zx_handle_t) -> (zx_status_t, zx_info_vmo_t) {
    var info = zx_info_vmo_t()
    var actual = 0, avail = 0
    let status = zx_object_get_info(handle, ZX_INFO_VMO, &info, MemoryLayout<zx_info_vmo_t>.size, &actual, &avail)
    return (status, info)
}

/// ZX_INFO_VMO.committed_bytes (UInt64.max if the query fails).
func vmoCommitted(_ handle: zx_handle_t) -> UInt64 {
    let (status, info) = vmoInfo(handle)
    return status == ZX_OK ? info.committed_bytes : UInt64.max
}

func vmoHandleRights(_ handle: zx_handle_t) -> zx_rights_t {
    var info = zx_info_handle_basic_t()
    var actual = 0, avail = 0
    guard zx_object_get_info(handle, ZX_INFO_HANDLE_BASIC, &info, MemoryLayout<zx_info_handle_basic_t>.size,
                             &actual, &avail) == ZX_OK else { return 0 }
    return info.rights
}

func vmoDup(_ handle: zx_handle_t, _ rights: zx_rights_t) -> zx_handle_t {
    var out = ZX_HANDLE_INVALID
    _ = zx_handle_duplicate(handle, rights, &out)
    return out
}

func vmoGetSize(_ handle: zx_handle_t) -> UInt64? {
    var size: UInt64 = 0
    return zx_vmo_get_size(handle, &size) == ZX_OK ? size : nil
}

/// Reads `count` bytes at `offset`; nil on failure.
func vmoBytes(_ handle: zx_handle_t, _ offset: UInt64, _ count: Int) -> [UInt8]? {
    var bytes = [UInt8](repeating: 0xEE, count: count)
    let status = bytes.withUnsafeMutableBytes { zx_vmo_read(handle, $0.baseAddress, offset, count) }
    return status == ZX_OK ? bytes : nil
}

/// Writes `bytes` at `offset`.
@discardableResult
func vmoPut(_ handle: zx_handle_t, _ bytes: [UInt8], _ offset: UInt64) -> zx_status_t {
    bytes.withUnsafeBytes { zx_vmo_write(handle, $0.baseAddress, offset, $0.count) }
}

func vmoOp(_ handle: zx_handle_t, _ op: UInt32, _ offset: UInt64, _ size: UInt64) -> zx_status_t {
    zx_vmo_op_range(handle, op, offset, size, nil, 0)
}

func vmoContentSize(_ handle: zx_handle_t) -> (zx_status_t, UInt64) {
    var value: UInt64 = 0xDEAD
    let status = zx_object_get_property(handle, ZX_PROP_VMO_CONTENT_SIZE, &value, MemoryLayout<UInt64>.size)
    return (status, value)
}

func vmoSetContentSize(_ handle: zx_handle_t, _ value: UInt64) -> zx_status_t {
    var copy = value
    return zx_object_set_property(handle, ZX_PROP_VMO_CONTENT_SIZE, &copy, MemoryLayout<UInt64>.size)
}

/// Maps `len` bytes of `vmo` at `offset` into the root VMAR; 0 on failure (recorded).
func vmoMap(_ checks: VmoChecks, _ vmo: zx_handle_t, offset: UInt64 = 0, _ len: UInt64,
            _ options: zx_vm_option_t = ZX_VM_PERM_READ | ZX_VM_PERM_WRITE,
            sourceLocation: SourceLocation = #_sourceLocation) -> zx_vaddr_t {
    var address: zx_vaddr_t = 0
    let status = zx_vmar_map(zx_vmar_root_self(), options, 0, vmo, offset, Int(len), &address)
    checks.st(status, ZX_OK, "zx_vmar_map", sourceLocation: sourceLocation)
    return status == ZX_OK ? address : 0
}

/// A 32-bit load through the emulated MMU; the fault status on failure.
func vmoLoad32(_ address: zx_vaddr_t) -> Result<UInt32, PageFault> {
    do throws(PageFault) { return .success(try UserMemory.load(UInt32.self, from: address)) } catch { return .failure(error) }
}

/// A 32-bit store through the emulated MMU; ZX_OK or the fault status.
func vmoStore32(_ value: UInt32, _ address: zx_vaddr_t) -> zx_status_t {
    do throws(PageFault) { try UserMemory.store(value, to: address); return ZX_OK } catch { return error.status }
}

/// ZX_INFO_KMEM_STATS through a resource handle.
func vmoKmem(_ resource: zx_handle_t) -> zx_info_kmem_stats_t? {
    var stats = zx_info_kmem_stats_t()
    var actual = 0, avail = 0
    guard zx_object_get_info(resource, ZX_INFO_KMEM_STATS, &stats, MemoryLayout<zx_info_kmem_stats_t>.size,
                             &actual, &avail) == ZX_OK else { return nil }
    return stats
}

/// A deterministic byte pattern: byte `i` of a buffer tagged `tag`.
func vmoPattern(_ count: Int, tag: UInt8) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(tag) &* 7 &+ 1) | 1 }
}

/// A host OS thread running `body` once; `join` waits for it.
final class VmoHostThread {
    private final class Box: @unchecked Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }

    #if canImport(Darwin)
    private var thread: pthread_t?
    #else
    private var thread = pthread_t()
    #endif
    private var started = false

    init(_ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        started = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            Unmanaged<Box>.fromOpaque(raw).takeRetainedValue().body()
            return nil
        }, box) == 0
        if !started { Unmanaged<Box>.fromOpaque(box).release() }
    }

    func join() {
        guard started else { return }
        #if canImport(Darwin)
        if let thread { pthread_join(thread, nil) }
        #else
        pthread_join(thread, nil)
        #endif
        started = false
    }
}
