// Vmar: the Swift-native face of a VMAR — an owning, noncopyable handle with labelled,
// typed-throws methods over the same kernel entry points as zx_vmar_*. Use inside `Process.run`.

import ZX

public struct Vmar: ~Copyable {
    public let handle: Handle

    /// Takes ownership of a raw VMAR handle.
    public init(adopting value: zx_handle_t) { handle = Handle(adopting: value) }

    /// A new handle to the calling process's root VMAR (the process keeps its own).
    public static func root() throws(ZxStatus) -> Vmar {
        let context = try Sys.context()
        return Vmar(adopting: try Sys.handleDuplicate(context.process.rootVmarHandle, ZX_RIGHT_SAME_RIGHTS))
    }

    /// `zx_vmar_allocate`: a child region of `size` bytes; `address` is its base.
    public func allocate(size: Int, options: VmOptions = [.canMapRead, .canMapWrite],
                         offset: Int = 0) throws(ZxStatus) -> Vmar {
        let (child, _) = try Sys.vmarAllocate(handle.value, options.rawValue, offset, size)
        return Vmar(adopting: child)
    }

    /// The region's base address (ZX_INFO_VMAR).
    public var address: zx_vaddr_t { get throws(ZxStatus) { try info().base } }

    /// `zx_vmar_map`: maps `length` bytes of `vmo` from `vmoOffset`; returns the address.
    public func map(_ vmo: borrowing Vmo, vmoOffset: UInt64 = 0, length: Int,
                    options: VmOptions = [.permRead, .permWrite], offset: Int = 0) throws(ZxStatus) -> zx_vaddr_t {
        try Sys.vmarMap(handle.value, options.rawValue, offset, vmo.handle.value, vmoOffset, length)
    }

    /// `zx_vmar_unmap`.
    public func unmap(_ address: zx_vaddr_t, length: Int) throws(ZxStatus) {
        try Sys.vmarUnmap(handle.value, address, length)
    }

    /// `zx_vmar_protect`.
    public func protect(_ address: zx_vaddr_t, length: Int, options: VmOptions) throws(ZxStatus) {
        try Sys.vmarProtect(handle.value, options.rawValue, address, length)
    }

    /// `zx_vmar_destroy`: removes everything inside; the handle stays valid but dead.
    public func destroy() throws(ZxStatus) { try Sys.vmarDestroy(handle.value) }

    /// ZX_INFO_VMAR: base and length.
    public func info() throws(ZxStatus) -> zx_info_vmar_t {
        let context = try Sys.context()
        let (vmar, _) = try Sys.vmarLookup(context, handle.value, rights: ZX_RIGHT_INSPECT)
        let (base, size, _) = vmar.region.info
        return zx_info_vmar_t(base: base, len: Int(size))
    }
}
