// Handle: the Swift-native owned handle (noncopyable; closes itself), the base of Vmo/Vmar.
//
// Zircon counterpart: the C++ zx::handle / zx::object<T> wrappers (lib/zx), over the same
// kernel entry points (`Sys`) as the zx_* functions. Used inside `Process.run`.

import ZX

/// A handle value owned by Swift code in the current process: it is closed when the `Handle`
/// goes away, unless `release()` gives the value up. Every operation acts on the calling
/// thread's process, so a `Handle` belongs inside the `Process.run` closure that made it.
public struct Handle: ~Copyable {
    /// The raw value (ZX_HANDLE_INVALID for an empty handle).
    public let value: zx_handle_t

    /// Takes ownership of `value` (e.g. a handle a zx_* call returned).
    public init(adopting value: zx_handle_t) {
        self.value = value
    }

    /// An empty handle.
    public static var invalid: Handle { Handle(adopting: ZX_HANDLE_INVALID) }

    /// False for ZX_HANDLE_INVALID (says nothing about whether the value is in the table).
    public var isValid: Bool { value != ZX_HANDLE_INVALID }

    deinit {
        if value != ZX_HANDLE_INVALID {
            _ = try? Sys.handleClose(value)
        }
    }

    /// Closes the handle now (errors are ignored, as in zx::handle::reset).
    public consuming func close() {
        // deinit closes it.
    }

    /// Gives up ownership and returns the raw value, which the caller must close.
    public consuming func release() -> zx_handle_t {
        let value = self.value
        discard self
        return value
    }

    /// `zx_handle_duplicate`: a new handle with `rights` (a subset), or the same rights.
    /// - Throws: `.badHandle`, `.accessDenied` (no DUPLICATE right), `.invalidArgs`.
    public func duplicate(rights: zx_rights_t = ZX_RIGHT_SAME_RIGHTS) throws(ZxStatus) -> Handle {
        Handle(adopting: try Sys.handleDuplicate(value, rights))
    }

    /// `zx_handle_replace`: consumes this handle (always) and returns one with `rights`.
    /// - Throws: `.badHandle`, `.invalidArgs` (rights not a subset).
    public consuming func replace(rights: zx_rights_t) throws(ZxStatus) -> Handle {
        let old = release()
        return Handle(adopting: try Sys.handleReplace(old, rights))
    }

    /// ZX_INFO_HANDLE_BASIC for this handle.
    /// - Throws: `.badHandle`, `.badState` (outside `Process.run`).
    public func basicInfo() throws(ZxStatus) -> zx_info_handle_basic_t {
        let context = try Sys.context()
        return Sys.basicInfo(try context.handles.lookup(value))
    }

    /// The object's koid.
    public var koid: zx_koid_t {
        get throws(ZxStatus) { try basicInfo().koid }
    }

    /// The handle's rights.
    public var rights: zx_rights_t {
        get throws(ZxStatus) { try basicInfo().rights }
    }
}
