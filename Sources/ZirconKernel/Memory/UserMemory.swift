// UserMemory: the contract's way for code running in `Process.run` to touch its process's
// address space (contract §5). Each call finds the calling thread's MemoryContext (one
// pthread_getspecific) and goes through its software TLB; the Swift-native API's
// `MemoryContext` skips that lookup for hot loops.

import VM
import ZX

public enum UserMemory {
    /// The calling thread's memory context, or a NOT_FOUND-free BAD_STATE fault outside `run`.
    @inline(__always)
    static func context(_ address: zx_vaddr_t, write: Bool) throws(PageFault) -> MemoryContext {
        guard let context = ThreadContext.current else {
            throw PageFault(address: address, isWrite: write, status: ZX_ERR_BAD_STATE)
        }
        return context.memory
    }

    public static func load<T: FixedWidthInteger>(_ type: T.Type, from address: zx_vaddr_t) throws(PageFault) -> T {
        try context(address, write: false).load(type, from: address)
    }

    public static func store<T: FixedWidthInteger>(_ value: T, to address: zx_vaddr_t) throws(PageFault) {
        try context(address, write: true).store(value, to: address)
    }

    public static func read(_ buffer: UnsafeMutableRawBufferPointer, from address: zx_vaddr_t) throws(PageFault) {
        try context(address, write: false).read(into: buffer, from: address)
    }

    public static func write(_ buffer: UnsafeRawBufferPointer, to address: zx_vaddr_t) throws(PageFault) {
        try context(address, write: true).write(buffer, to: address)
    }

    /// The calling thread's memory context, for hot loops that want to skip the per-call lookup.
    /// Valid only on this thread, inside `run`.
    public static func currentContext() -> MemoryContext? {
        ThreadContext.current?.memory
    }

    /// Runs `body` on the calling thread's memory context without retaining it (the context
    /// outlives every call made on its thread) — for per-access paths such as lib/mmio's
    /// register reads, where two reference-count round trips would cost more than the access.
    /// Nil outside `run`.
    @inlinable @inline(__always)
    public static func withCurrentContext<R>(_ body: (MemoryContext) -> R) -> R? {
        guard let context = ThreadContext.currentUnretained else { return nil }
        let memory = context._withUnsafeGuaranteedRef { $0.memoryUnretained }
        return memory._withUnsafeGuaranteedRef(body)
    }
}
