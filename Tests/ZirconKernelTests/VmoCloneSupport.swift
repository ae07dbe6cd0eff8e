// Shared helpers of the child-VMO suites (VmoClone*Tests, VmoSliceReferenceTests): child creation,
// page-tagged VMOs as Zircon's vmo-clone2.cc uses them, 32-bit reads and writes, the
// ZX_VMO_ZERO_CHILDREN state, and a runner that checks every page is back at the end.

import Testing
@testable import ZirconKernel
import Zirconia

/// A fresh kernel and process; runs `body` on the process's thread, then checks the PMM is back
/// at its baseline (the body must close every handle and remove every mapping it made).
func cloneRun<T>(memory: Int = 64 << 20, sourceLocation: SourceLocation = #_sourceLocation,
                 _ body: (VmoChecks) throws -> T) throws -> T {
    let kernel = try Kernel(memorySize: memory)
    let process = try kernel.createProcess(name: "clone-test")
    let baseline = kernel.memoryStats.freePages
    let result = try vmoRun(process, body)
    #expect(kernel.memoryStats.freePages == baseline, "pages leaked", sourceLocation: sourceLocation)
    return result
}

/// zx_vmo_create_child → (status, handle).
func vmoChildStatus(_ parent: zx_handle_t, _ options: UInt32, _ offset: UInt64, _ size: UInt64) -> (zx_status_t, zx_handle_t) {
    var out = ZX_HANDLE_INVALID
    let status = zx_vmo_create_child(parent, options, offset, size, &out)
    return (status, out)
}

/// zx_vmo_create_child that must succeed.
func vmoChild(_ checks: VmoChecks, _ parent: zx_handle_t, _ options: UInt32 = ZX_VMO_CHILD_SNAPSHOT,
              _ offset: UInt64 = 0, _ size: UInt64, sourceLocation: SourceLocation = #_sourceLocation) -> zx_handle_t {
    let (status, handle) = vmoChildStatus(parent, options, offset, size)
    checks.st(status, ZX_OK, "create_child(\(options), \(offset), \(size))", sourceLocation: sourceLocation)
    return handle
}

/// Writes a 32-bit value at `offset`.
@discardableResult
func vmoWrite32(_ handle: zx_handle_t, _ value: UInt32, _ offset: UInt64 = 0) -> zx_status_t {
    var copy = value
    return zx_vmo_write(handle, &copy, offset, 4)
}

/// Reads the 32-bit value at `offset` (nil on failure).
func vmoRead32(_ handle: zx_handle_t, _ offset: UInt64 = 0) -> UInt32? {
    var value: UInt32 = 0
    return zx_vmo_read(handle, &value, offset, 4) == ZX_OK ? value : nil
}

/// Zircon's InitPageTaggedVmo: a VMO of `pages` pages whose page i holds the value i + 1.
func vmoTagged(_ checks: VmoChecks, _ pages: Int, _ options: UInt32 = 0,
               sourceLocation: SourceLocation = #_sourceLocation) -> zx_handle_t {
    let handle = vmoMake(checks, UInt64(pages) * vmoPage, options, sourceLocation: sourceLocation)
    for page in 0..<pages {
        checks.ok(vmoWrite32(handle, UInt32(page + 1), UInt64(page) * vmoPage), "tag", sourceLocation: sourceLocation)
    }
    return handle
}

/// Checks the 32-bit value at page `page` (Zircon's VmoCheck).
func vmoExpect(_ checks: VmoChecks, _ handle: zx_handle_t, _ value: UInt32, page: UInt64 = 0,
               _ note: @autoclosure () -> String = "", sourceLocation: SourceLocation = #_sourceLocation) {
    checks.eq(vmoRead32(handle, page * vmoPage), value, "page \(page) \(note())", sourceLocation: sourceLocation)
}

/// ZX_INFO_VMO.committed_bytes in pages.
func vmoCommittedPages(_ handle: zx_handle_t) -> UInt64 {
    vmoCommitted(handle) / vmoPage
}

/// The handle's object's current signals (the kernel's state, as a zero-timeout wait sees it).
func vmoSignals(_ handle: zx_handle_t) -> zx_signals_t? {
    guard let context = try? Sys.context(),
          let (object, _) = try? context.handles.lookup(handle, as: VmoDispatcher.self, rights: 0) else { return nil }
    return object.signalsState
}

/// True if ZX_VMO_ZERO_CHILDREN is asserted on the handle's VMO.
func vmoHasNoChildren(_ handle: zx_handle_t) -> Bool {
    (vmoSignals(handle) ?? 0) & ZX_VMO_ZERO_CHILDREN != 0
}

/// Maps all of `vmo` (`pages` pages) read-write; 0 on failure.
func vmoMapPages(_ checks: VmoChecks, _ vmo: zx_handle_t, _ pages: Int,
                 _ options: zx_vm_option_t = ZX_VM_PERM_READ | ZX_VM_PERM_WRITE,
                 sourceLocation: SourceLocation = #_sourceLocation) -> zx_vaddr_t {
    vmoMap(checks, vmo, UInt64(pages) * vmoPage, options, sourceLocation: sourceLocation)
}

func vmoUnmap(_ checks: VmoChecks, _ address: zx_vaddr_t, _ pages: Int,
              sourceLocation: SourceLocation = #_sourceLocation) {
    checks.ok(zx_vmar_unmap(zx_vmar_root_self(), address, Int(UInt64(pages) * vmoPage)), "unmap",
              sourceLocation: sourceLocation)
}

func vmoClose(_ checks: VmoChecks, _ handles: zx_handle_t..., sourceLocation: SourceLocation = #_sourceLocation) {
    for handle in handles { checks.ok(zx_handle_close(handle), "close", sourceLocation: sourceLocation) }
}

/// Every permutation of 0..<count (Zircon's CallPermutations).
func permutations(_ count: Int) -> [[Int]] {
    guard count > 0 else { return [[]] }
    var result: [[Int]] = []
    for rest in permutations(count - 1) {
        for position in 0...rest.count {
            var next = rest
            next.insert(count - 1, at: position)
            result.append(next)
        }
    }
    return result
}
