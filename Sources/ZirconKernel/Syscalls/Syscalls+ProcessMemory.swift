// zx_process_read_memory / zx_process_write_memory: debugger-style access to another (or the
// same) process's address space that never faults the caller.
//
// Zircon counterpart: zircon/kernel/syscalls/task.cc (sys_process_read_memory) and
// ProcessDispatcher::ReadMemory/WriteMemory: find the mapping, go through its VMO.

import VM
import ZX

extension Sys {
    /// Largest transfer in one call (Zircon: 64 MiB).
    static let maxProcessMemoryTransfer = 64 << 20

    /// Moves bytes between a host buffer and `process`'s memory mapping by mapping, through the
    /// VMOs. Returns the count transferred before the first inaccessible byte.
    static func processMemory(_ handle: zx_handle_t, _ address: zx_vaddr_t, _ count: Int, write: Bool,
                              _ transfer: (VmObjectPaged, UInt64, Int, Int) throws(ZxStatus) -> Void) throws(ZxStatus) -> Int {
        let context = try context()
        let (process, _) = try context.handles.lookup(handle, as: ProcessDispatcher.self,
                                                      rights: ZX_RIGHT_READ | ZX_RIGHT_WRITE)
        let length = UInt(bitPattern: count)
        guard length > 0, length <= UInt(maxProcessMemoryTransfer) else { throw .invalidArgs }
        guard process.state != .dead else { throw .badState }
        var done = 0
        while done < Int(length) {
            let (current, overflow) = address.addingReportingOverflow(UInt(done))
            guard !overflow, let mapping = process.aspace.mapping(containing: current),
                  let vmo = mapping.vmo as? VmObjectPaged else {
                if done == 0 { throw .noMemory }
                break
            }
            let offset = mapping.vmoOffset + UInt64(current - mapping.base)
            let vmoSize = vmo.size
            guard offset < vmoSize else {
                if done == 0 { throw .outOfRange }
                break
            }
            let inMapping = Int(min(UInt64(mapping.end - current), vmoSize - offset))
            let chunk = min(Int(length) - done, inMapping)
            do {
                try transfer(vmo, offset, done, chunk)
            } catch {
                if done == 0 { throw error }
                break
            }
            done += chunk
        }
        return done
    }
}

// zx_status_t zx_process_read_memory
public func zx_process_read_memory(_ process: zx_handle_t, _ vaddr: zx_vaddr_t, _ buffer: UnsafeMutableRawPointer?,
                                   _ bufferSize: Int, _ actual: inout Int) -> zx_status_t {
    var count = 0
    let status = ZxStatus.capture { () throws(ZxStatus) in
        guard let buffer else { throw .invalidArgs }
        count = try Sys.processMemory(process, vaddr, bufferSize, write: false) { (vmo, offset, done, chunk) throws(ZxStatus) in
            try vmo.read(into: buffer + done, offset: offset, length: chunk, wait: Sys.currentPageWait())
        }
    }
    if status == ZX_OK { actual = count }
    return status
}

// zx_status_t zx_process_write_memory
public func zx_process_write_memory(_ process: zx_handle_t, _ vaddr: zx_vaddr_t, _ buffer: UnsafeRawPointer?,
                                    _ bufferSize: Int, _ actual: inout Int) -> zx_status_t {
    var count = 0
    let status = ZxStatus.capture { () throws(ZxStatus) in
        guard let buffer else { throw .invalidArgs }
        count = try Sys.processMemory(process, vaddr, bufferSize, write: true) { (vmo, offset, done, chunk) throws(ZxStatus) in
            try vmo.write(from: buffer + done, offset: offset, length: chunk, wait: Sys.currentPageWait())
        }
    }
    if status == ZX_OK { actual = count }
    return status
}

extension Sys {
    /// The calling thread's pager wait (kill-interruptible), or a plain wait outside a thread.
    static func currentPageWait() -> PageRequestWaiter {
        guard let context = ThreadContext.current else { return PageRequest.uninterruptibleWait }
        return context.pageWait
    }
}
