// VmarDispatcher: the handle-facing VMAR object. Keeps its region and (strongly) the address
// space the region lives in, and derives a new VMAR handle's rights from its CAN_MAP_* flags.
//
// Zircon counterpart: zircon/kernel/object/vm_address_region_dispatcher.cc.

import Hardware
import VM
import ZX

final class VmarDispatcher: KernelObject, @unchecked Sendable {
    let region: VmAddressRegion
    /// Keeps the address space alive as long as a handle names one of its regions.
    let aspace: VmAspace

    init(region: VmAddressRegion, koid: zx_koid_t) {
        self.region = region
        self.aspace = region.aspace
        super.init(koid: koid)
    }

    override var objectType: zx_obj_type_t { ZX_OBJ_TYPE_VMAR }
    override var defaultRights: zx_rights_t { VmarDispatcher.rights(for: region.flags) }

    /// VMAR default rights plus READ/WRITE/EXECUTE for each CAN_MAP_* flag (§1.2).
    static func rights(for flags: RegionFlags) -> zx_rights_t {
        var rights = ZX_DEFAULT_VMAR_RIGHTS
        if flags.contains(.canMapRead) { rights |= ZX_RIGHT_READ }
        if flags.contains(.canMapWrite) { rights |= ZX_RIGHT_WRITE }
        if flags.contains(.canMapExecute) { rights |= ZX_RIGHT_EXECUTE }
        return rights
    }
}

extension MMUFlags {
    /// READ/WRITE/EXECUTE from a rights mask.
    init(rights: zx_rights_t) {
        self = []
        if rights & ZX_RIGHT_READ != 0 { insert(.read) }
        if rights & ZX_RIGHT_WRITE != 0 { insert(.write) }
        if rights & ZX_RIGHT_EXECUTE != 0 { insert(.execute) }
    }

    /// READ/WRITE/EXECUTE from ZX_VM_PERM_* bits.
    init(vmPermissions options: zx_vm_option_t) {
        self = []
        if options & ZX_VM_PERM_READ != 0 { insert(.read) }
        if options & ZX_VM_PERM_WRITE != 0 { insert(.write) }
        if options & ZX_VM_PERM_EXECUTE != 0 { insert(.execute) }
    }

    /// The ZX_VM_PERM_* bits of these permissions (ZX_INFO_MAPS mmu_flags).
    var vmPermissionBits: zx_vm_option_t {
        var bits: zx_vm_option_t = 0
        if contains(.read) { bits |= ZX_VM_PERM_READ }
        if contains(.write) { bits |= ZX_VM_PERM_WRITE }
        if contains(.execute) { bits |= ZX_VM_PERM_EXECUTE }
        return bits
    }
}
