// Vmo: the Swift-native face of a VMO — an owning, noncopyable handle with labelled, typed-throws
// methods, in the spirit of Rust's fuchsia-zircon crate and C++'s zx::vmo. Calls the same kernel
// entry points (`Sys`) as the zx_* functions. Use it inside `Process.run`.

import ZX

public struct Vmo: ~Copyable {
    public let handle: Handle

    /// Takes ownership of a raw VMO handle.
    public init(adopting value: zx_handle_t) { handle = Handle(adopting: value) }

    /// `zx_vmo_create`: a VMO of `size` bytes (rounded up to pages), reading as zeros.
    public init(size: UInt64, options: VmoOptions = []) throws(ZxStatus) {
        handle = Handle(adopting: try Sys.vmoCreate(size, options.rawValue))
    }

    /// The page-rounded size.
    public var size: UInt64 { get throws(ZxStatus) { try Sys.vmoGetSize(handle.value) } }

    /// `zx_vmo_set_size` (resizable VMOs only).
    public func setSize(_ size: UInt64) throws(ZxStatus) { try Sys.vmoSetSize(handle.value, size) }

    /// Reads `buffer.count` bytes at `offset`.
    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(ZxStatus) {
        try Sys.vmoRead(handle.value, buffer.baseAddress, offset, buffer.count)
    }

    /// Reads `count` bytes at `offset` into a new array.
    public func read(count: Int, at offset: UInt64) throws(ZxStatus) -> [UInt8] {
        guard count >= 0 else { throw .invalidArgs }
        var bytes = [UInt8](repeating: 0, count: count)
        let status = bytes.withUnsafeMutableBytes { buffer in
            ZxStatus.capture { () throws(ZxStatus) in try read(into: buffer, at: offset) }
        }
        try ZxStatus.check(status)
        return bytes
    }

    /// Writes `bytes` at `offset`.
    public func write(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws(ZxStatus) {
        try Sys.vmoWrite(handle.value, bytes.baseAddress, offset, bytes.count)
    }

    /// Writes an array of bytes at `offset`.
    public func write(_ bytes: [UInt8], at offset: UInt64) throws(ZxStatus) {
        let status = bytes.withUnsafeBytes { buffer in
            ZxStatus.capture { () throws(ZxStatus) in try write(buffer, at: offset) }
        }
        try ZxStatus.check(status)
    }

    /// ZX_VMO_OP_COMMIT over `range`.
    public func commit(_ range: Range<UInt64>) throws(ZxStatus) { try op(ZX_VMO_OP_COMMIT, range) }
    /// ZX_VMO_OP_DECOMMIT over `range`.
    public func decommit(_ range: Range<UInt64>) throws(ZxStatus) { try op(ZX_VMO_OP_DECOMMIT, range) }
    /// ZX_VMO_OP_ZERO over `range`.
    public func zero(_ range: Range<UInt64>) throws(ZxStatus) { try op(ZX_VMO_OP_ZERO, range) }

    private func op(_ code: UInt32, _ range: Range<UInt64>) throws(ZxStatus) {
        try Sys.vmoOpRange(handle.value, code, range.lowerBound, range.upperBound - range.lowerBound, nil, 0)
    }

    /// ZX_INFO_VMO for this handle.
    public func info() throws(ZxStatus) -> zx_info_vmo_t {
        let context = try Sys.context()
        let (vmo, rights) = try Sys.vmoLookup(context, handle.value)
        return vmo.info(rights: rights)
    }

    /// ZX_PROP_NAME.
    public func setName(_ name: String) throws(ZxStatus) {
        let context = try Sys.context()
        let entry = try context.handles.lookup(handle.value)
        guard entry.hasRights(ZX_RIGHT_SET_PROPERTY) else { throw .accessDenied }
        guard entry.object is VmoDispatcher else { throw .wrongType }
        try entry.object.setName(name)
    }

    /// `zx_vmo_set_cache_policy`.
    public func setCachePolicy(_ policy: CachePolicy) throws(ZxStatus) {
        try Sys.vmoSetCachePolicy(handle.value, policy.rawValue)
    }

    /// `zx_handle_duplicate`.
    public func duplicate(rights: zx_rights_t = ZX_RIGHT_SAME_RIGHTS) throws(ZxStatus) -> Vmo {
        Vmo(adopting: try handle.duplicate(rights: rights).release())
    }
}
