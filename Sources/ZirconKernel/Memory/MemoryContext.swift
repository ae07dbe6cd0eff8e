// MemoryContext: how emulated code touches its address space. Every load and store goes through
// the thread's software TLB; a miss walks the page tables; a page-table miss runs the VM's
// page-fault handler and retries. Only a fault the VM cannot resolve reaches the caller, as a
// `PageFault`.
//
// Zircon counterpart: the user-copy and fault trap path (zircon/kernel/arch/x86/faults.cc →
// vmm_page_fault_handler) as seen from user code. One MemoryContext belongs to one simulated
// thread; it is not Sendable, which is what lets its hot path use the TLB without locks.

import Hardware
import VM
import ZX

/// A fatal page fault: the access could not be resolved.
public struct PageFault: Error, Equatable, Sendable {
    /// The faulting address.
    public var address: zx_vaddr_t
    public var isWrite: Bool
    /// ZX_ERR_NOT_FOUND (nothing mapped), ZX_ERR_ACCESS_DENIED (permissions),
    /// ZX_ERR_OUT_OF_RANGE (beyond the VMO's end inside a mapping), the pager's failure code, or
    /// ZX_ERR_IO when a device refused the access (`deviceFault` says why).
    public var status: zx_status_t
    /// For a device access the device (or the bus) refused: the device's reason. Zircon has no
    /// exact analogue (a bus error / synchronous external abort is a fatal fault there too).
    public var deviceFault: MmioFault?

    public init(address: zx_vaddr_t, isWrite: Bool, status: zx_status_t, deviceFault: MmioFault? = nil) {
        self.address = address
        self.isWrite = isWrite
        self.status = status
        self.deviceFault = deviceFault
    }
}

extension PageFault: CustomStringConvertible {
    public var description: String {
        let kind = isWrite ? "write" : "read"
        var text = "page fault: \(kind) at 0x\(String(address, radix: 16)), status \(ZxStatus(rawValue: status))"
        if let deviceFault { text += " (device: \(deviceFault))" }
        return text
    }
}

/// The per-thread view of an address space: its software TLB plus the fault handler.
public final class MemoryContext {
    public let tlb: SoftwareTLB
    public let aspace: VmAspace
    /// `tlb.view`, computed once: the hot path reads it without touching (retaining) the TLB.
    @usableFromInline let view: TLBView
    /// The simulated thread this context belongs to (nil for a bare context): once it is
    /// killed, every slow path throws a `PageFault` with ZX_ERR_INTERNAL_INTR_KILLED, which
    /// unwinds the thread like a failing kernel entry (TLB hits still complete).
    var owner: ThreadDispatcher?

    public init(aspace: VmAspace, tlbEntries: Int = 256) {
        self.aspace = aspace
        self.tlb = SoftwareTLB(aspace: aspace.arch, entries: tlbEntries)
        self.view = tlb.view
    }

    /// A context over an existing TLB (a thread's own).
    public init(aspace: VmAspace, tlb: SoftwareTLB) {
        self.aspace = aspace
        self.tlb = tlb
        self.view = tlb.view
    }

    // MARK: Hot path
    //
    // Every use of a translated pointer happens inside the TLB's access window
    // (beginAccess/endAccess), so a page cannot be freed and reused under a racing access
    // (AccessRegistry.synchronize waits for open windows). The window never spans a call into
    // the kernel: misses close it, resolve the translation, and retry the fast path.

    /// Loads a little-endian integer from `address`.
    @inlinable
    public func load<T: FixedWidthInteger>(_ type: T.Type, from address: UInt) throws(PageFault) -> T {
        if let value = view.loadIfHit(type, from: address) { return value }
        return try loadSlow(type, from: address)
    }

    /// The TLB-hit half of `load`: the value if `address` hits the TLB, else nil (nothing is
    /// faulted in). For per-access paths that keep the fault machinery out of line.
    @inlinable
    public func loadIfTranslated<T: FixedWidthInteger>(_ type: T.Type, from address: UInt) -> T? {
        view.loadIfHit(type, from: address)
    }

    /// The TLB-hit half of `store`: true if `address` hit the TLB and the value was stored.
    @inlinable
    public func storeIfTranslated<T: FixedWidthInteger>(_ value: T, to address: UInt) -> Bool {
        view.storeIfHit(value, to: address)
    }

    /// Stores a little-endian integer to `address`.
    @inlinable
    public func store<T: FixedWidthInteger>(_ value: T, to address: UInt) throws(PageFault) {
        if view.storeIfHit(value, to: address) { return }
        try storeSlow(value, to: address)
    }

    // MARK: Slow path

    /// Makes the TLB hold a translation for `address` that allows the access: a fill from the
    /// page tables, else the VM fault handler (whose result goes straight into the TLB).
    /// Called with no access window open.
    @usableFromInline
    func prepare(_ address: UInt, write: Bool) throws(PageFault) {
        let va = VirtualAddress(address)
        try checkOwnerAlive(address, write: write)
        if tlb.fill(va, write: write) == nil, !tlb.fillDevice(va, write: write) {
            let resolution: FaultResolution
            do {
                if let owner {
                    resolution = try aspace.pageFault(address, write: write, wait: owner.pageRequestWaiter)
                } else {
                    resolution = try aspace.pageFault(address, write: write)
                }
            } catch {
                throw PageFault(address: address, isWrite: write, status: error.rawValue)
            }
            if !write || resolution.writable {
                if tlb.install(va, physical: resolution.physical, writable: resolution.writable,
                               generation: resolution.generation) == nil {
                    // Not RAM: a device page (MemoryContext+Device.swift).
                    tlb.installDevice(va, physical: resolution.physical, writable: resolution.writable,
                                      generation: resolution.generation)
                }
            }
        }
        // Again after the fill: a kill that bumped the TLB generation before this fill read it
        // is visible now, so no translation installed under the new generation outlives it.
        try checkOwnerAlive(address, write: write)
    }

    /// Throws the unwinding fault if the owning thread was killed.
    @inline(__always)
    func checkOwnerAlive(_ address: UInt, write: Bool) throws(PageFault) {
        if let owner, owner.isKilled {
            throw PageFault(address: address, isWrite: write, status: ZX_ERR_INTERNAL_INTR_KILLED)
        }
    }

    /// Runs `body` on the host pointer for `length` bytes at `address` (inside one page) inside
    /// an access window, faulting the page in as needed. A bounded number of retries: a
    /// concurrent unmap/protect can undo the translation just installed, and each retry re-runs
    /// the full fault path, as a CPU would re-trap.
    /// A translation to device memory runs `device` instead (no access window: device pages are
    /// never freed), which must make the access as calls on the device.
    @usableFromInline
    func withPage<R>(_ address: UInt, length: Int, write: Bool,
                     _ body: (UnsafeMutableRawPointer) -> R,
                     device: (DeviceTarget) throws(PageFault) -> R) throws(PageFault) -> R {
        let va = VirtualAddress(address)
        for _ in 0..<64 {
            tlb.beginAccess()
            if let pointer = tlb.translate(va, length: length, write: write) {
                let result = body(pointer)
                tlb.endAccess()
                return result
            }
            tlb.endAccess()
            if let target = tlb.deviceTarget(va, write: write) {
                try checkOwnerAlive(address, write: write)
                return try device(target)
            }
            try prepare(address, write: write)
        }
        throw PageFault(address: address, isWrite: write, status: ZxStatus.internalIntrRetry.rawValue)
    }

    @usableFromInline
    @_specialize(where T == UInt8) @_specialize(where T == UInt16)
    @_specialize(where T == UInt32) @_specialize(where T == UInt64)
    func loadSlow<T: FixedWidthInteger>(_ type: T.Type, from address: UInt) throws(PageFault) -> T {
        let size = MemoryLayout<T>.size
        if (address & UInt(PageGeometry.mask)) + UInt(size) <= UInt(PageGeometry.size) {
            return try withPage(address, length: size, write: false, { $0.loadUnaligned(as: T.self) },
                                device: { (target) throws(PageFault) in try deviceLoad(T.self, target, address) })
        }
        var value = T.zero
        try withUnsafeMutableBytes(of: &value) { (bytes) throws(PageFault) in
            try read(into: bytes, from: address)
        }
        return value
    }

    @usableFromInline
    @_specialize(where T == UInt8) @_specialize(where T == UInt16)
    @_specialize(where T == UInt32) @_specialize(where T == UInt64)
    func storeSlow<T: FixedWidthInteger>(_ value: T, to address: UInt) throws(PageFault) {
        let size = MemoryLayout<T>.size
        if (address & UInt(PageGeometry.mask)) + UInt(size) <= UInt(PageGeometry.size) {
            try withPage(address, length: size, write: true, { $0.storeBytes(of: value, as: T.self) },
                         device: { (target) throws(PageFault) in try deviceStore(value, target, address) })
            return
        }
        var copy = value
        try withUnsafeBytes(of: &copy) { (bytes) throws(PageFault) in
            try write(bytes, to: address)
        }
    }

    // MARK: Bulk copies

    /// Copies emulated memory into a host buffer, page by page.
    public func read(into buffer: UnsafeMutableRawBufferPointer, from address: UInt) throws(PageFault) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        var done = 0
        while done < buffer.count {
            let (current, overflow) = address.addingReportingOverflow(UInt(done))
            guard !overflow else { throw PageFault(address: address, isWrite: false, status: ZxStatus.notFound.rawValue) }
            let chunk = min(buffer.count - done, PageGeometry.size - Int(current & UInt(PageGeometry.mask)))
            try withPage(current, length: chunk, write: false, { source in
                (base + done).copyMemory(from: source, byteCount: chunk)
            }, device: { (target) throws(PageFault) in
                try deviceCopy(into: UnsafeMutableRawBufferPointer(start: base + done, count: chunk), target, current)
            })
            done += chunk
        }
    }

    /// Copies a host buffer into emulated memory, page by page.
    public func write(_ buffer: UnsafeRawBufferPointer, to address: UInt) throws(PageFault) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        var done = 0
        while done < buffer.count {
            let (current, overflow) = address.addingReportingOverflow(UInt(done))
            guard !overflow else { throw PageFault(address: address, isWrite: true, status: ZxStatus.notFound.rawValue) }
            let chunk = min(buffer.count - done, PageGeometry.size - Int(current & UInt(PageGeometry.mask)))
            try withPage(current, length: chunk, write: true, { target in
                target.copyMemory(from: base + done, byteCount: chunk)
            }, device: { (target) throws(PageFault) in
                try deviceCopy(from: UnsafeRawBufferPointer(start: base + done, count: chunk), target, current)
            })
            done += chunk
        }
    }
}

/// The fast path for hot loops: a value copy of the calling thread's TLB view plus its
/// MemoryContext for misses. Keep it in a local variable on the thread that made it (it must
/// not outlive the `run` closure or cross threads).
public struct MemoryAccessor {
    public let context: MemoryContext
    @usableFromInline let view: TLBView

    @inlinable
    public init(_ context: MemoryContext) {
        self.context = context
        self.view = context.view
    }

    /// Loads a little-endian integer from `address`.
    @inlinable
    public func load<T: FixedWidthInteger>(_ type: T.Type, from address: UInt) throws(PageFault) -> T {
        if let value = view.loadIfHit(type, from: address) { return value }
        return try context.loadSlow(type, from: address)
    }

    /// Stores a little-endian integer to `address`.
    @inlinable
    public func store<T: FixedWidthInteger>(_ value: T, to address: UInt) throws(PageFault) {
        if view.storeIfHit(value, to: address) { return }
        try context.storeSlow(value, to: address)
    }
}

extension MemoryContext {
    /// A register-friendly accessor for tight loops on this thread.
    public var accessor: MemoryAccessor { MemoryAccessor(self) }
}
