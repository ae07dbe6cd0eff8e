// Handle syscalls: zx_handle_close, zx_handle_close_many, zx_handle_duplicate, zx_handle_replace.
//
// Zircon counterpart: zircon/kernel/syscalls/handle_ops.cc; contracts from
// docs/reference/syscalls/handle_{close,close_many,duplicate,replace}.md.

import ZX

extension Sys {
    /// Closes `value`; closing ZX_HANDLE_INVALID is not an error.
    /// - Throws: `.badHandle`.
    static func handleClose(_ value: zx_handle_t) throws(ZxStatus) {
        let context = try context()
        guard value != ZX_HANDLE_INVALID else { return }
        _ = try context.handles.remove(value)
    }

    /// Closes every handle in `handles[0..<count]`, skipping ZX_HANDLE_INVALID. All valid ones
    /// are closed even if some are not.
    /// - Throws: `.badHandle` if any entry was not a valid handle (or appeared twice);
    ///   `.invalidArgs` for a nil array with a nonzero count.
    static func handleCloseMany(_ handles: UnsafePointer<zx_handle_t>?, _ count: Int) throws(ZxStatus) {
        let context = try context()
        let n = UInt(bitPattern: count)
        guard n > 0 else { return }
        guard let handles, n <= UInt(Int.max / MemoryLayout<zx_handle_t>.stride) else {
            throw .invalidArgs
        }
        var sawBadHandle = false
        for value in UnsafeBufferPointer(start: handles, count: Int(n))
            where value != ZX_HANDLE_INVALID {
            do {
                _ = try context.handles.remove(value)
            } catch {
                sawBadHandle = true
            }
        }
        if sawBadHandle { throw .badHandle }
    }

    /// A new handle to the same object. Needs ZX_RIGHT_DUPLICATE; `rights` must be a subset of
    /// the handle's rights, or ZX_RIGHT_SAME_RIGHTS.
    /// - Throws: `.badHandle`, `.accessDenied` (no DUPLICATE), `.invalidArgs` (not a subset),
    ///   `.noResources` (table full).
    static func handleDuplicate(_ value: zx_handle_t, _ rights: zx_rights_t) throws(ZxStatus) -> zx_handle_t {
        let context = try context()
        let source = try context.handles.lookup(value)
        guard source.hasRights(ZX_RIGHT_DUPLICATE) else { throw .accessDenied }
        let newRights: zx_rights_t
        if rights == ZX_RIGHT_SAME_RIGHTS {
            newRights = source.rights
        } else if source.hasRights(rights) {
            newRights = rights
        } else {
            throw .invalidArgs
        }
        return try context.handles.add(source.object, newRights)
    }

    /// Replaces `value` by a new handle with `rights` (or the same rights). `value` is always
    /// invalidated, as NEW Zircon documents, also when the rights are rejected.
    /// - Throws: `.badHandle`, `.invalidArgs` (not a subset).
    static func handleReplace(_ value: zx_handle_t, _ rights: zx_rights_t) throws(ZxStatus) -> zx_handle_t {
        let context = try context()
        return try context.handles.replace(value, rights: rights)
    }
}

// zx_status_t zx_handle_close
public func zx_handle_close(_ handle: zx_handle_t) -> zx_status_t {
    ZxStatus.capture { () throws(ZxStatus) in try Sys.handleClose(handle) }
}

// zx_status_t zx_handle_close_many
public func zx_handle_close_many(_ handles: UnsafePointer<zx_handle_t>?, _ num: Int) -> zx_status_t {
    ZxStatus.capture { () throws(ZxStatus) in try Sys.handleCloseMany(handles, num) }
}

// zx_status_t zx_handle_duplicate
public func zx_handle_duplicate(_ handle: zx_handle_t, _ rights: zx_rights_t,
                                _ out: inout zx_handle_t) -> zx_status_t {
    ZxStatus.capture { () throws(ZxStatus) in out = try Sys.handleDuplicate(handle, rights) }
}

// zx_status_t zx_handle_replace
public func zx_handle_replace(_ handle: zx_handle_t, _ rights: zx_rights_t,
                              _ out: inout zx_handle_t) -> zx_status_t {
    ZxStatus.capture { () throws(ZxStatus) in out = try Sys.handleReplace(handle, rights) }
}
