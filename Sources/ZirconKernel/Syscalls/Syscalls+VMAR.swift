// VMAR syscalls: zx_vmar_allocate, map, unmap, protect, op_range, destroy.
//
// Zircon counterpart: zircon/kernel/syscalls/vmar.cc and
// object/vm_address_region_dispatcher.cc (split_syscall_flags). Each `Sys.vmar*` makes the
// handle, rights and option checks of shared/reference/zircon-vm-semantics.md §3.1–3.6 in
// order; the VM core makes the rest (DEAD, ranges, overlaps, placement) in order.

import Hardware
import VM
import ZX

/// Every ZX_VM_* bit below the alignment field that Zirconia knows (NEWEST's
/// FAULT_BEYOND_STREAM_SIZE is reserved and rejected as unknown).
private let knownVmOptionBits: zx_vm_option_t =
    ZX_VM_PERM_READ | ZX_VM_PERM_WRITE | ZX_VM_PERM_EXECUTE | ZX_VM_COMPACT | ZX_VM_SPECIFIC
    | ZX_VM_SPECIFIC_OVERWRITE | ZX_VM_CAN_MAP_SPECIFIC | ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE
    | ZX_VM_CAN_MAP_EXECUTE | ZX_VM_MAP_RANGE | ZX_VM_REQUIRE_NON_RESIZABLE | ZX_VM_ALLOW_FAULTS
    | ZX_VM_OFFSET_IS_UPPER_LIMIT | ZX_VM_PERM_READ_IF_XOM_UNSUPPORTED
private let permBits: zx_vm_option_t = ZX_VM_PERM_READ | ZX_VM_PERM_WRITE | ZX_VM_PERM_EXECUTE
private let canMapRWX: zx_vm_option_t = ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE | ZX_VM_CAN_MAP_EXECUTE
private let alignShift: zx_vm_option_t = 24

/// Decodes the alignment field (bits 24–31): 0 means page alignment, 10…32 are log2 values.
/// Returns nil for an invalid field or unknown low bits.
private func decodeOptions(_ options: zx_vm_option_t) -> Int? {
    guard options & ~(0xFF << alignShift) & ~knownVmOptionBits == 0 else { return nil }
    let log2 = Int(options >> alignShift)
    guard log2 == 0 || (10...32).contains(log2) else { return nil }
    return log2
}

private func placement(_ options: zx_vm_option_t, _ offset: UInt) -> Placement {
    Placement(offset: offset, specific: options & ZX_VM_SPECIFIC != 0,
              overwrite: options & ZX_VM_SPECIFIC_OVERWRITE != 0,
              upperLimit: options & ZX_VM_OFFSET_IS_UPPER_LIMIT != 0)
}

extension Sys {
    static func vmarLookup(_ context: ThreadContext, _ handle: zx_handle_t,
                           rights: zx_rights_t = 0) throws(ZxStatus) -> (VmarDispatcher, zx_rights_t) {
        try context.handles.lookup(handle, as: VmarDispatcher.self, rights: rights)
    }

    /// zx_vmar_allocate (§3.1). Returns the new VMAR's handle and absolute base.
    static func vmarAllocate(_ parent: zx_handle_t, _ options: zx_vm_option_t, _ offset: Int,
                             _ size: Int) throws(ZxStatus) -> (zx_handle_t, zx_vaddr_t) {
        let context = try context()
        var needed: zx_rights_t = 0
        if options & ZX_VM_CAN_MAP_READ != 0 { needed |= ZX_RIGHT_READ }
        if options & ZX_VM_CAN_MAP_WRITE != 0 { needed |= ZX_RIGHT_WRITE }
        if options & ZX_VM_CAN_MAP_EXECUTE != 0 { needed |= ZX_RIGHT_EXECUTE }
        let (vmar, _) = try vmarLookup(context, parent, rights: needed)
        guard let alignLog2 = decodeOptions(options) else { throw .invalidArgs }
        guard options & (permBits | ZX_VM_PERM_READ_IF_XOM_UNSUPPORTED) == 0 else { throw .invalidArgs }
        let length = UInt(bitPattern: size)
        guard length.isPageAligned else { throw .invalidArgs }
        let notForAllocate = ZX_VM_SPECIFIC_OVERWRITE | ZX_VM_MAP_RANGE | ZX_VM_REQUIRE_NON_RESIZABLE | ZX_VM_ALLOW_FAULTS
        guard options & notForAllocate == 0 else { throw .invalidArgs }
        var flags: RegionFlags = []
        if options & ZX_VM_CAN_MAP_READ != 0 { flags.insert(.canMapRead) }
        if options & ZX_VM_CAN_MAP_WRITE != 0 { flags.insert(.canMapWrite) }
        if options & ZX_VM_CAN_MAP_EXECUTE != 0 { flags.insert(.canMapExecute) }
        if options & ZX_VM_CAN_MAP_SPECIFIC != 0 { flags.insert(.canMapSpecific) }
        if options & ZX_VM_COMPACT != 0 { flags.insert(.compact) }
        let region = try vmar.region.createSubregion(placement: placement(options, UInt(bitPattern: offset)),
                                                     size: length, alignmentLog2: alignLog2, flags: flags)
        let child = VmarDispatcher(region: region, koid: context.kernel.allocateKoid())
        do {
            return (try context.handles.add(child, child.defaultRights), region.base)
        } catch {
            try? region.destroy()
            throw error
        }
    }

    /// zx_vmar_map (§3.2). Returns the mapping's absolute base.
    static func vmarMap(_ handle: zx_handle_t, _ rawOptions: zx_vm_option_t, _ vmarOffset: Int, _ vmoHandle: zx_handle_t,
                        _ vmoOffset: UInt64, _ len: Int) throws(ZxStatus) -> zx_vaddr_t {
        let context = try context()
        let (vmar, vmarRights) = try vmarLookup(context, handle)
        let (vmo, vmoRights) = try vmoLookup(context, vmoHandle)
        guard vmoRights & ZX_RIGHT_MAP != 0 else { throw .accessDenied }
        var options = rawOptions
        // No execute-only support on the emulated MMU: READ_IF_XOM_UNSUPPORTED means READ.
        if options & ZX_VM_PERM_READ_IF_XOM_UNSUPPORTED != 0 { options |= ZX_VM_PERM_READ }
        if options & (ZX_VM_PERM_WRITE | ZX_VM_PERM_EXECUTE) != 0 && options & ZX_VM_PERM_READ == 0 { throw .invalidArgs }
        if options & ZX_VM_MAP_RANGE != 0 && options & ZX_VM_SPECIFIC_OVERWRITE != 0 { throw .invalidArgs }
        guard options & canMapRWX == 0 else { throw .invalidArgs }
        let requested = MMUFlags(vmPermissions: options)
        let maximum = MMUFlags(rights: vmoRights).intersection(MMUFlags(rights: vmarRights))
        guard maximum.isSuperset(of: requested) else { throw .accessDenied }
        guard let alignLog2 = decodeOptions(options) else { throw .invalidArgs }
        if options & ZX_VM_REQUIRE_NON_RESIZABLE != 0 && vmo.vmo.isResizable { throw .notSupported }
        if options & ZX_VM_ALLOW_FAULTS == 0 && vmo.vmo.isDiscardable { throw .notSupported }
        guard options & (ZX_VM_COMPACT | ZX_VM_CAN_MAP_SPECIFIC) == 0 else { throw .invalidArgs }
        guard vmar.region.flags.permissionCeiling.isSuperset(of: requested) else { throw .accessDenied }
        guard vmoOffset.isPageAligned else { throw .invalidArgs }
        guard let length = UInt(bitPattern: len).pageRoundedUp,
              vmoOffset.checkedAdd(UInt64(length)) != nil else { throw .outOfRange }
        let mapping = try vmar.region.createMapping(
            placement: placement(options, UInt(bitPattern: vmarOffset)), size: length, alignmentLog2: alignLog2,
            vmo: vmo.vmo, vmoOffset: vmoOffset, permissions: requested, maxPermissions: maximum,
            mapRange: options & ZX_VM_MAP_RANGE != 0)
        return mapping.base
    }

    /// zx_vmar_unmap (§3.3).
    static func vmarUnmap(_ handle: zx_handle_t, _ address: zx_vaddr_t, _ len: Int) throws(ZxStatus) {
        let context = try context()
        let (vmar, rights) = try vmarLookup(context, handle)
        guard address.isPageAligned else { throw .invalidArgs }
        guard let length = UInt(bitPattern: len).pageRoundedUp, length > 0 else { throw .invalidArgs }
        try vmar.region.unmap(address, length: length, canDestroyRegions: rights & ZX_RIGHT_OP_CHILDREN != 0)
    }

    /// zx_vmar_protect (§3.4).
    static func vmarProtect(_ handle: zx_handle_t, _ rawOptions: zx_vm_option_t, _ address: zx_vaddr_t,
                            _ len: Int) throws(ZxStatus) {
        let context = try context()
        var options = rawOptions
        if options & ZX_VM_PERM_READ_IF_XOM_UNSUPPORTED != 0 {
            options = (options & ~ZX_VM_PERM_READ_IF_XOM_UNSUPPORTED) | ZX_VM_PERM_READ
        }
        var needed: zx_rights_t = 0
        if options & ZX_VM_PERM_READ != 0 { needed |= ZX_RIGHT_READ }
        if options & ZX_VM_PERM_WRITE != 0 { needed |= ZX_RIGHT_WRITE }
        if options & ZX_VM_PERM_EXECUTE != 0 { needed |= ZX_RIGHT_EXECUTE }
        let (vmar, rights) = try vmarLookup(context, handle, rights: needed)
        if options & (ZX_VM_PERM_WRITE | ZX_VM_PERM_EXECUTE) != 0 && options & ZX_VM_PERM_READ == 0 { throw .invalidArgs }
        guard address.isPageAligned else { throw .invalidArgs }
        guard options & ~permBits == 0 else { throw .invalidArgs }
        guard let length = UInt(bitPattern: len).pageRoundedUp, length > 0 else { throw .invalidArgs }
        try vmar.region.protect(address, length: length, permissions: MMUFlags(vmPermissions: options),
                                canTouchSubregions: rights & ZX_RIGHT_OP_CHILDREN != 0)
    }

    /// zx_vmar_destroy (§3.5).
    static func vmarDestroy(_ handle: zx_handle_t) throws(ZxStatus) {
        let context = try context()
        let (vmar, _) = try vmarLookup(context, handle, rights: ZX_RIGHT_OP_CHILDREN)
        try vmar.region.destroy()
    }

    /// zx_vmar_op_range (§3.6).
    static func vmarOpRange(_ handle: zx_handle_t, _ op: UInt32, _ address: zx_vaddr_t, _ size: Int,
                            _ buffer: UnsafeMutableRawPointer?, _ bufferSize: Int) throws(ZxStatus) {
        let context = try context()
        let (vmar, rights) = try vmarLookup(context, handle)
        let rangeOp: VmarRangeOp
        switch op {
        case ZX_VMAR_OP_COMMIT: rangeOp = .commit
        case ZX_VMAR_OP_DECOMMIT: rangeOp = .decommit
        case ZX_VMAR_OP_MAP_RANGE: rangeOp = .mapRange
        case ZX_VMAR_OP_DONT_NEED: rangeOp = .dontNeed
        case ZX_VMAR_OP_ALWAYS_NEED: rangeOp = .alwaysNeed
        default: throw .invalidArgs
        }
        guard buffer == nil, bufferSize == 0 else { throw .invalidArgs }
        guard let length = UInt(bitPattern: size).pageRoundedUp, length > 0, address.isPageAligned else { throw .invalidArgs }
        if rangeOp == .commit || rangeOp == .decommit {
            guard rights & ZX_RIGHT_WRITE != 0 else { throw .accessDenied }
        }
        try vmar.region.rangeOp(rangeOp, address, length: length, canTouchSubregions: rights & ZX_RIGHT_OP_CHILDREN != 0,
                                wait: context.pageWait)
    }
}

// zx_status_t zx_vmar_allocate
public func zx_vmar_allocate(_ parent: zx_handle_t, _ options: zx_vm_option_t, _ offset: Int, _ size: Int,
                             _ childVmar: inout zx_handle_t, _ childAddr: inout zx_vaddr_t) -> zx_status_t {
    var result: (zx_handle_t, zx_vaddr_t) = (zx_handle_t(ZX_HANDLE_INVALID), 0)
    let status = ZxStatus.capture { () throws(ZxStatus) in result = try Sys.vmarAllocate(parent, options, offset, size) }
    if status == ZX_OK {
        childVmar = result.0
        childAddr = result.1
    }
    return status
}

// zx_status_t zx_vmar_map
public func zx_vmar_map(_ handle: zx_handle_t, _ options: zx_vm_option_t, _ vmarOffset: Int,
                        _ vmo: zx_handle_t, _ vmoOffset: UInt64, _ len: Int,
                        _ mappedAddr: inout zx_vaddr_t) -> zx_status_t {
    var result: zx_vaddr_t = 0
    let status = ZxStatus.capture { () throws(ZxStatus) in
        result = try Sys.vmarMap(handle, options, vmarOffset, vmo, vmoOffset, len)
    }
    if status == ZX_OK { mappedAddr = result }
    return status
}

// zx_status_t zx_vmar_unmap
public func zx_vmar_unmap(_ handle: zx_handle_t, _ addr: zx_vaddr_t, _ len: Int) -> zx_status_t {
    ZxStatus.capture { () throws(ZxStatus) in try Sys.vmarUnmap(handle, addr, len) }
}

// zx_status_t zx_vmar_protect
public func zx_vmar_protect(_ handle: zx_handle_t, _ options: zx_vm_option_t, _ addr: zx_vaddr_t, _ len: Int) -> zx_status_t {
    ZxStatus.capture { () throws(ZxStatus) in try Sys.vmarProtect(handle, options, addr, len) }
}

// zx_status_t zx_vmar_op_range
public func zx_vmar_op_range(_ handle: zx_handle_t, _ op: UInt32, _ addr: zx_vaddr_t, _ len: Int,
                             _ buffer: UnsafeMutableRawPointer?, _ bufferSize: Int) -> zx_status_t {
    ZxStatus.capture { () throws(ZxStatus) in try Sys.vmarOpRange(handle, op, addr, len, buffer, bufferSize) }
}

// zx_status_t zx_vmar_destroy
public func zx_vmar_destroy(_ handle: zx_handle_t) -> zx_status_t {
    ZxStatus.capture { () throws(ZxStatus) in try Sys.vmarDestroy(handle) }
}
