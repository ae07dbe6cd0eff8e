// MmioBuffer: a driver's mapping of a device's registers — lib/mmio's MmioBuffer in Swift.
//
// `MmioBuffer.create(vmo:offset:size:cachePolicy:)` does what Fuchsia's MmioBuffer::Create /
// mmio_buffer_init does, inside a process's `run`: reads ZX_INFO_VMO, sets the VMO's cache policy
// if it differs (only possible before the VMO is mapped), checks `offset + size` against the VMO
// size (OUT_OF_RANGE), and maps the page-rounded window into the root VMAR with
// READ | WRITE | MAP_RANGE. The buffer owns the VMO handle and the mapping: it is ~Copyable, and
// its deinit unmaps the window and closes the handle. Like a Fuchsia driver's buffers, it must be
// dropped on a thread of the process that created it (the unmap and close act on the current
// process; elsewhere they fail quietly and the process's death cleans up).
//
// `MmioBuffer(device:)` backs a buffer by an `MmioDevice` directly — no kernel, no mapping — for
// driver unit tests with FakeMmioRegion / MockMmioRegion. Either way accesses go through the
// same checked `MmioView` code (MmioView.swift).
//
// Zircon counterpart: src/devices/lib/mmio/include/lib/mmio/mmio-buffer.h, mmio-buffer.cc
// (MmioBuffer::Create for a VMO and for a physical range + resource, reset, View).

import Hardware
import ZirconKernel
import ZX

public struct MmioBuffer: ~Copyable, MmioAccess {
    /// The whole window.
    public let window: MmioView
    /// The VMO handle (owned; ZX_HANDLE_INVALID for a device-backed buffer).
    public let vmo: zx_handle_t
    /// The VMO offset of the window's byte 0.
    public let vmoOffset: UInt64
    /// The page-rounded mapping (base, length) to unmap; length 0 for device-backed buffers.
    private let mapping: (base: zx_vaddr_t, length: Int)

    /// A buffer over `device`'s registers accessed directly, without a kernel (unit tests).
    public init(device: any MmioDevice) {
        self.window = MmioView(device: device)
        self.vmo = zx_handle_t(ZX_HANDLE_INVALID)
        self.vmoOffset = 0
        self.mapping = (0, 0)
    }

    private init(window: MmioView, vmo: zx_handle_t, vmoOffset: UInt64, mapping: (base: zx_vaddr_t, length: Int)) {
        self.window = window
        self.vmo = vmo
        self.vmoOffset = vmoOffset
        self.mapping = mapping
    }

    /// Maps `[offset, offset + size)` of `vmo` with `cachePolicy` into the current process's root
    /// VMAR. Consumes `vmo` (closed on failure too, as mmio_buffer_init does).
    /// - Throws: lookup errors of `vmo`; `.outOfRange` if the window overflows or exceeds the
    ///   VMO; `.invalidArgs` for a zero size; what zx_vmo_set_cache_policy and zx_vmar_map return.
    public static func create(vmo: zx_handle_t, offset: UInt64, size: Int,
                              cachePolicy: UInt32) throws(ZxStatus) -> MmioBuffer {
        var mapped: zx_vaddr_t = 0
        var pageOffset = 0
        var length = 0
        do throws(ZxStatus) {
            guard size > 0 else { throw ZxStatus.invalidArgs }
            var info = zx_info_vmo_t()
            var actual = 0
            var avail = 0
            try check(zx_object_get_info(vmo, ZX_INFO_VMO, &info, MemoryLayout<zx_info_vmo_t>.size, &actual, &avail))
            if info.cache_policy != cachePolicy {
                try check(zx_vmo_set_cache_policy(vmo, cachePolicy))
            }
            guard let end = offset.checkedAdd(UInt64(size)), end <= info.size_bytes else { throw ZxStatus.outOfRange }
            let first = offset.pageTruncated
            pageOffset = Int(offset - first)
            guard let rounded = (end - first).pageRoundedUp, rounded <= UInt64(Int.max) else { throw ZxStatus.outOfRange }
            length = Int(rounded)
            try check(zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE | ZX_VM_MAP_RANGE, 0,
                                  vmo, first, length, &mapped))
        } catch {
            _ = zx_handle_close(vmo)
            throw error
        }
        let window = MmioView(backing: .mapped(address: mapped + UInt(pageOffset)), size: size)
        return MmioBuffer(window: window, vmo: vmo, vmoOffset: offset, mapping: (mapped, length))
    }

    /// Creates a physical VMO over `[base, base + size)` with `resource` (kept by the caller) and
    /// maps it (MmioBuffer::Create(paddr, size, resource, policy)). `base` and `size` must be
    /// page aligned.
    public static func create(physical base: zx_paddr_t, size: Int, resource: zx_handle_t,
                              cachePolicy: UInt32) throws(ZxStatus) -> MmioBuffer {
        var vmo = zx_handle_t(ZX_HANDLE_INVALID)
        try check(zx_vmo_create_physical(resource, base, size, &vmo))
        return try create(vmo: vmo, offset: 0, size: size, cachePolicy: cachePolicy)
    }

    private static func check(_ status: zx_status_t) throws(ZxStatus) {
        if status != ZX_OK { throw ZxStatus(rawValue: status) }
    }

    deinit {
        if mapping.length > 0 { _ = zx_vmar_unmap(zx_vmar_root_self(), mapping.base, mapping.length) }
        if vmo != ZX_HANDLE_INVALID { _ = zx_handle_close(vmo) }
    }

    // MARK: Access (all through `window`)

    public var size: Int { window.size }

    /// The virtual address of the window's byte 0 (nil for a device-backed buffer).
    public var address: zx_vaddr_t? {
        if case .mapped(let address) = window.backing { return address }
        return nil
    }

    @inlinable
    public func read<T: MmioWord>(_ type: T.Type, at offset: Int) throws(MmioAccessError) -> T {
        try window.read(type, at: offset)
    }

    @inlinable
    public func write<T: MmioWord>(_ value: T, at offset: Int) throws(MmioAccessError) {
        try window.write(value, at: offset)
    }

    /// A view of `[offset, offset + size)` (size nil: to the end). It must not outlive `self`.
    public func view(offset: Int, size: Int? = nil) throws(MmioAccessError) -> MmioView {
        try window.view(offset: offset, size: size)
    }
}
