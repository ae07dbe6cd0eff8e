// VMO syscalls: zx_vmo_create, read, write, get_size, set_size, op_range, create_child,
// replace_as_executable, set_cache_policy.
//
// Zircon counterpart: zircon/kernel/syscalls/vmo.cc. Each `Sys.vmo*` makes the handle, rights
// and option checks of shared/reference/zircon-vm-semantics.md §3.7–3.14 in order, then calls
// the VM core, which makes the structural checks.

import VM
import ZX

extension Sys {
    static func vmoLookup(_ context: ThreadContext, _ handle: zx_handle_t,
                          rights: zx_rights_t = 0) throws(ZxStatus) -> (VmoDispatcher, zx_rights_t) {
        try context.handles.lookup(handle, as: VmoDispatcher.self, rights: rights)
    }

    /// zx_vmo_create (§3.7).
    static func vmoCreate(_ size: UInt64, _ options: UInt32) throws(ZxStatus) -> zx_handle_t {
        let context = try context()
        guard options & ~(ZX_VMO_RESIZABLE | ZX_VMO_DISCARDABLE) == 0 else { throw .invalidArgs }
        var vmOptions: VmObjectOptions = []
        if options & ZX_VMO_RESIZABLE != 0 { vmOptions.insert(.resizable) }
        if options & ZX_VMO_DISCARDABLE != 0 { vmOptions.insert(.discardable) }
        let vmo = try VmObjectPaged.create(pmm: context.kernel.pmm, size: size, options: vmOptions)
        let dispatcher = VmoDispatcher(vmo: vmo, koid: context.kernel.allocateKoid())
        return try context.handles.add(dispatcher, dispatcher.defaultRights)
    }

    /// zx_vmo_read (§3.8). The buffer is host memory.
    static func vmoRead(_ handle: zx_handle_t, _ buffer: UnsafeMutableRawPointer?, _ offset: UInt64,
                        _ size: Int) throws(ZxStatus) {
        let context = try context()
        let (vmo, _) = try vmoLookup(context, handle, rights: ZX_RIGHT_READ)
        let length = UInt(bitPattern: size)
        guard length <= UInt(Int.max) else { throw .outOfRange }
        // With a nil buffer the VM still checks range and cache policy (and copies nothing);
        // then the unmapped user buffer is NOT_FOUND.
        try vmo.vmo.read(into: buffer, offset: offset, length: Int(length), wait: context.pageWait)
        if buffer == nil && length > 0 { throw .notFound }
    }

    /// zx_vmo_write (§3.8).
    static func vmoWrite(_ handle: zx_handle_t, _ buffer: UnsafeRawPointer?, _ offset: UInt64,
                         _ size: Int) throws(ZxStatus) {
        let context = try context()
        let (vmo, _) = try vmoLookup(context, handle, rights: ZX_RIGHT_WRITE)
        let length = UInt(bitPattern: size)
        guard length <= UInt(Int.max) else { throw .outOfRange }
        try vmo.vmo.write(from: buffer, offset: offset, length: Int(length), wait: context.pageWait)
        if buffer == nil && length > 0 { throw .notFound }
    }

    /// zx_vmo_get_size (§3.9): no rights needed.
    static func vmoGetSize(_ handle: zx_handle_t) throws(ZxStatus) -> UInt64 {
        let context = try context()
        return try vmoLookup(context, handle).0.vmo.size
    }

    /// zx_vmo_set_size (§3.10).
    static func vmoSetSize(_ handle: zx_handle_t, _ size: UInt64) throws(ZxStatus) {
        let context = try context()
        let (vmo, rights) = try vmoLookup(context, handle, rights: ZX_RIGHT_WRITE)
        if vmo.vmo.isResizable && rights & ZX_RIGHT_RESIZE == 0 { throw .accessDenied }
        try vmo.vmo.resize(size)
    }

    /// zx_vmo_op_range (§3.11).
    static func vmoOpRange(_ handle: zx_handle_t, _ op: UInt32, _ offset: UInt64, _ size: UInt64,
                           _ buffer: UnsafeMutableRawPointer?, _ bufferSize: Int) throws(ZxStatus) {
        let context = try context()
        let (dispatcher, rights) = try vmoLookup(context, handle)
        let vmo = dispatcher.vmo
        func need(_ right: zx_rights_t) throws(ZxStatus) {
            guard rights & right != 0 else { throw .accessDenied }
        }
        switch op {
        case ZX_VMO_OP_COMMIT:
            try need(ZX_RIGHT_WRITE)
            try vmo.commit(offset: offset, length: size, wait: context.pageWait)
        case ZX_VMO_OP_DECOMMIT:
            try need(ZX_RIGHT_WRITE)
            try vmo.decommit(offset: offset, length: size)
        case ZX_VMO_OP_ZERO:
            try need(ZX_RIGHT_WRITE)
            try vmo.zero(offset: offset, length: size, wait: context.pageWait)
        case ZX_VMO_OP_LOCK, ZX_VMO_OP_TRY_LOCK:
            try need(ZX_RIGHT_READ | ZX_RIGHT_WRITE)
            let lost = try vmo.lockDiscardable(offset: offset, length: size, tryOnly: op == ZX_VMO_OP_TRY_LOCK)
            guard op == ZX_VMO_OP_LOCK else { return }
            guard let buffer, UInt(bitPattern: bufferSize) >= UInt(MemoryLayout<zx_vmo_lock_state_t>.size) else {
                try? vmo.unlockDiscardable(offset: offset, length: size)
                throw .invalidArgs
            }
            var state = zx_vmo_lock_state_t()
            state.offset = offset
            state.size = size
            state.discarded_offset = lost.offset
            state.discarded_size = lost.size
            buffer.storeBytes(of: state, as: zx_vmo_lock_state_t.self)
        case ZX_VMO_OP_UNLOCK:
            try need(ZX_RIGHT_READ | ZX_RIGHT_WRITE)
            try vmo.unlockDiscardable(offset: offset, length: size)
        case ZX_VMO_OP_CACHE_SYNC, ZX_VMO_OP_CACHE_CLEAN, ZX_VMO_OP_CACHE_CLEAN_INVALIDATE:
            try need(ZX_RIGHT_READ)
            try vmoCacheOp(context, dispatcher, op, offset, size)
        case ZX_VMO_OP_CACHE_INVALIDATE:
            try need(ZX_RIGHT_WRITE)
            try vmoCacheOp(context, dispatcher, op, offset, size)
        case ZX_VMO_OP_DONT_NEED, ZX_VMO_OP_ALWAYS_NEED:
            try vmo.validateHint(offset: offset, length: size)
        default:
            throw .invalidArgs
        }
    }

    /// zx_vmo_create_child (§3.12): options and rights are checked in Zircon's order (steps 1–4),
    /// then the VM makes the type's structural checks (step 5) and creates the child. The new
    /// handle's rights follow §1.2; the name is copied iff the parent handle may read it.
    /// SNAPSHOT_MODIFIED (NEWEST) is not implemented and so is an unknown bit: INVALID_ARGS.
    static func vmoCreateChild(_ handle: zx_handle_t, _ options: UInt32, _ offset: UInt64,
                               _ size: UInt64) throws(ZxStatus) -> zx_handle_t {
        if options & ZX_VMO_CHILD_NO_WRITE != 0 && options & ZX_VMO_CHILD_RESIZABLE != 0 { throw .invalidArgs }
        let context = try context()
        let (dispatcher, parentRights) = try vmoLookup(context, handle, rights: ZX_RIGHT_DUPLICATE | ZX_RIGHT_READ)
        let parent = dispatcher.vmo
        if parent.isDiscardable { throw .notSupported }
        let noWrite = options & ZX_VMO_CHILD_NO_WRITE != 0
        let resizable = options & ZX_VMO_CHILD_RESIZABLE != 0
        var remaining = options & ~ZX_VMO_CHILD_NO_WRITE
        let child: VmObjectPaged
        var isSnapshotType = false
        if remaining & ZX_VMO_CHILD_SLICE != 0 {
            guard remaining == ZX_VMO_CHILD_SLICE else { throw .invalidArgs }
            child = try parent.createSlice(offset: offset, size: size)
        } else if remaining & ZX_VMO_CHILD_REFERENCE != 0 {
            guard remaining & ~(ZX_VMO_CHILD_REFERENCE | ZX_VMO_CHILD_RESIZABLE) == 0 else { throw .invalidArgs }
            child = try parent.createReference(offset: offset, size: size, resizable: resizable)
        } else {
            // Exactly one snapshot type; for anonymous memory AT_LEAST_ON_WRITE is a full snapshot
            // (reference §4.4).
            var found = false
            var atLeastOnWrite = false
            for kind in [ZX_VMO_CHILD_SNAPSHOT, ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE] where remaining & kind != 0 {
                remaining &= ~kind
                found = true
                atLeastOnWrite = kind == ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE
                break
            }
            remaining &= ~ZX_VMO_CHILD_RESIZABLE
            guard found, remaining == 0 else { throw .invalidArgs }
            isSnapshotType = true
            child = try parent.createSnapshot(offset: offset, size: size, resizable: resizable,
                                              atLeastOnWrite: atLeastOnWrite)
        }
        let immutable = noWrite && options & ZX_VMO_CHILD_SNAPSHOT != 0
        let childDispatcher = VmoDispatcher(vmo: child, koid: context.kernel.allocateKoid(), immutable: immutable)
        if parentRights & ZX_RIGHT_GET_PROPERTY != 0 {
            let name = dispatcher.nameBytes
            if !name.isEmpty { name.withUnsafeBytes { try? childDispatcher.setName($0) } }
        }
        var rights = (parentRights & ~ZX_RIGHT_RESIZE) | (resizable ? ZX_RIGHT_RESIZE : 0)
            | ZX_RIGHT_GET_PROPERTY | ZX_RIGHT_SET_PROPERTY
        if noWrite {
            rights &= ~ZX_RIGHT_WRITE
        } else if isSnapshotType {
            rights = (rights | ZX_RIGHT_WRITE) & ~ZX_RIGHT_EXECUTE
        }
        return try context.handles.add(childDispatcher, rights)
    }

    /// zx_vmo_replace_as_executable (§3.14): the handle is consumed whatever happens.
    static func vmoReplaceAsExecutable(_ handle: zx_handle_t, _ vmex: zx_handle_t) throws(ZxStatus) -> zx_handle_t {
        let context = try context()
        // Step 1: with ZX_HANDLE_INVALID the job policy decides; Zirconia's processes run with
        // ZX_POL_AMBIENT_MARK_VMO_EXEC allowed (contract §2). Otherwise vmex is checked like
        // Zircon's validate_ranged_resource(vmex, SYSTEM, VMEX_BASE, 1): a bad handle is
        // BAD_HANDLE, a non-resource WRONG_TYPE, and the root resource stands in for every kind
        // (reference §3.14): the root resource or a SYSTEM resource at VMEX_BASE.
        var verdict: ZxStatus?
        if vmex != ZX_HANDLE_INVALID {
            do throws(ZxStatus) {
                try validateResourceKindBase(context, vmex, kind: ZX_RSRC_KIND_SYSTEM, base: ZX_RSRC_SYSTEM_VMEX_BASE)
            } catch {
                verdict = error
            }
        }
        let entry: HandleEntry
        do { entry = try context.handles.remove(handle) } catch { throw .badHandle }
        guard entry.object is VmoDispatcher else { throw .badHandle }
        if let verdict { throw verdict }
        return try context.handles.add(entry.object, entry.rights | ZX_RIGHT_EXECUTE)
    }

    /// zx_vmo_set_cache_policy (§3.13).
    static func vmoSetCachePolicy(_ handle: zx_handle_t, _ policy: UInt32) throws(ZxStatus) {
        guard policy & ~ZX_CACHE_POLICY_MASK == 0 else { throw .invalidArgs }
        let context = try context()
        let (dispatcher, _) = try vmoLookup(context, handle, rights: ZX_RIGHT_MAP)
        try dispatcher.vmo.setCachePolicy(policy)
    }
}

// zx_status_t zx_vmo_create
public func zx_vmo_create(_ size: UInt64, _ options: UInt32, _ out: inout zx_handle_t) -> zx_status_t {
    var result = zx_handle_t(ZX_HANDLE_INVALID)
    let status = ZxStatus.capture { () throws(ZxStatus) in result = try Sys.vmoCreate(size, options) }
    if status == ZX_OK { out = result }
    return status
}

// zx_status_t zx_vmo_read
public func zx_vmo_read(_ handle: zx_handle_t, _ buffer: UnsafeMutableRawPointer?, _ offset: UInt64,
                        _ bufferSize: Int) -> zx_status_t {
    ZxStatus.capture { () throws(ZxStatus) in try Sys.vmoRead(handle, buffer, offset, bufferSize) }
}

// zx_status_t zx_vmo_write
public func zx_vmo_write(_ handle: zx_handle_t, _ buffer: UnsafeRawPointer?, _ offset: UInt64,
                         _ bufferSize: Int) -> zx_status_t {
    ZxStatus.capture { () throws(ZxStatus) in try Sys.vmoWrite(handle, buffer, offset, bufferSize) }
}

// zx_status_t zx_vmo_get_size
public func zx_vmo_get_size(_ handle: zx_handle_t, _ size: inout UInt64) -> zx_status_t {
    var result: UInt64 = 0
    let status = ZxStatus.capture { () throws(ZxStatus) in result = try Sys.vmoGetSize(handle) }
    if status == ZX_OK { size = result }
    return status
}

// zx_status_t zx_vmo_set_size
public func zx_vmo_set_size(_ handle: zx_handle_t, _ size: UInt64) -> zx_status_t {
    ZxStatus.capture { () throws(ZxStatus) in try Sys.vmoSetSize(handle, size) }
}

// zx_status_t zx_vmo_op_range
public func zx_vmo_op_range(_ handle: zx_handle_t, _ op: UInt32, _ offset: UInt64, _ size: UInt64,
                            _ buffer: UnsafeMutableRawPointer?, _ bufferSize: Int) -> zx_status_t {
    ZxStatus.capture { () throws(ZxStatus) in try Sys.vmoOpRange(handle, op, offset, size, buffer, bufferSize) }
}

// zx_status_t zx_vmo_create_child
public func zx_vmo_create_child(_ handle: zx_handle_t, _ options: UInt32, _ offset: UInt64, _ size: UInt64,
                                _ out: inout zx_handle_t) -> zx_status_t {
    var result = zx_handle_t(ZX_HANDLE_INVALID)
    let status = ZxStatus.capture { () throws(ZxStatus) in result = try Sys.vmoCreateChild(handle, options, offset, size) }
    if status == ZX_OK { out = result }
    return status
}

// zx_status_t zx_vmo_replace_as_executable
public func zx_vmo_replace_as_executable(_ handle: zx_handle_t, _ vmex: zx_handle_t,
                                         _ out: inout zx_handle_t) -> zx_status_t {
    var result = zx_handle_t(ZX_HANDLE_INVALID)
    let status = ZxStatus.capture { () throws(ZxStatus) in result = try Sys.vmoReplaceAsExecutable(handle, vmex) }
    if status == ZX_OK { out = result }
    return status
}

// zx_status_t zx_vmo_set_cache_policy
public func zx_vmo_set_cache_policy(_ handle: zx_handle_t, _ cachePolicy: UInt32) -> zx_status_t {
    ZxStatus.capture { () throws(ZxStatus) in try Sys.vmoSetCachePolicy(handle, cachePolicy) }
}
