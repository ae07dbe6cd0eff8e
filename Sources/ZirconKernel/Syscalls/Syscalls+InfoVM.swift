// zx_object_get_info topics of the VM: ZX_INFO_VMO(_V1), ZX_INFO_VMAR, ZX_INFO_PROCESS_MAPS,
// ZX_INFO_TASK_STATS, ZX_INFO_PROCESS_VMOS(_V1).
//
// Zircon counterpart: zircon/kernel/syscalls/object.cc (the VM cases of sys_object_get_info),
// object/process_dispatcher.cc (GetAspaceMaps, GetVmos, GetStats).

import Hardware
import VM
import ZX

extension Sys {
    /// ZX_INFO_VMO and ZX_INFO_VMO_V1: any VMO handle, no right needed.
    static func infoVmo(_ context: ThreadContext, _ handle: zx_handle_t, _ topic: zx_object_info_topic_t,
                        _ out: inout InfoOutput) throws(ZxStatus) {
        let (vmo, rights) = try vmoLookup(context, handle)
        let info = vmo.info(rights: rights)
        if topic == ZX_INFO_VMO_V1 {
            try out.single(zx_info_vmo_v1_t(info))
        } else {
            try out.single(info)
        }
    }

    /// ZX_INFO_VMAR: VMAR handle with INSPECT; base and length as allocated.
    static func infoVmar(_ context: ThreadContext, _ handle: zx_handle_t, _ out: inout InfoOutput) throws(ZxStatus) {
        let (vmar, _) = try vmarLookup(context, handle, rights: ZX_RIGHT_INSPECT)
        let (base, size, _) = vmar.region.info
        try out.single(zx_info_vmar_t(base: base, len: Int(size)))
    }

    /// ZX_INFO_PROCESS_MAPS: depth-first pre-order walk of the process's address space.
    static func infoProcessMaps(_ context: ThreadContext, _ handle: zx_handle_t, _ out: inout InfoOutput) throws(ZxStatus) {
        let (process, _) = try context.handles.lookup(handle, as: ProcessDispatcher.self, rights: ZX_RIGHT_INSPECT)
        guard process.state != .dead else { throw .badState }
        let rows = process.aspace.mapsSnapshot().map(Self.mapsRecord)
        try out.multiple(rows)
    }

    static func mapsRecord(_ row: MapsEntry) -> zx_info_maps_t {
        var record = zx_info_maps_t()
        record.base = row.base
        record.size = Int(row.size)
        record.depth = row.depth
        switch row.kind {
        case .aspace:
            record.type = ZX_INFO_MAPS_TYPE_ASPACE
            record.name = ZxName.make(row.name)
        case .region:
            record.type = ZX_INFO_MAPS_TYPE_VMAR
            record.name = ZxName.make(row.name)
        case .mapping(let permissions, let vmoId, let vmoOffset, let committedPages):
            record.type = ZX_INFO_MAPS_TYPE_MAPPING
            record.name = ZxName.make(row.name)
            record.u.mapping = zx_info_maps_mapping_t(mmu_flags: permissions.vmPermissionBits, vmo_koid: vmoId,
                                                      vmo_offset: vmoOffset, committed_pages: committedPages)
        }
        return record
    }

    /// ZX_INFO_TASK_STATS: mapped bytes, and committed bytes split into private (mapped only by
    /// this process) and shared (also mapped elsewhere), with the scaled share.
    static func infoTaskStats(_ context: ThreadContext, _ handle: zx_handle_t, _ out: inout InfoOutput) throws(ZxStatus) {
        let (process, _) = try context.handles.lookup(handle, as: ProcessDispatcher.self, rights: ZX_RIGHT_INSPECT)
        guard process.state != .dead else { throw .badState }
        let stats = process.taskStats()
        try out.single(stats)
    }

    /// ZX_INFO_PROCESS_VMOS(_V1): every VMO the process reaches through a handle (VIA_HANDLE,
    /// with that handle's rights) or a mapping (VIA_MAPPING). Duplicates are possible, as in Zircon.
    static func infoProcessVmos(_ context: ThreadContext, _ handle: zx_handle_t, _ topic: zx_object_info_topic_t,
                                _ out: inout InfoOutput) throws(ZxStatus) {
        let (process, _) = try context.handles.lookup(handle, as: ProcessDispatcher.self, rights: ZX_RIGHT_INSPECT)
        guard process.state != .dead else { throw .badState }
        let records = process.vmoRecords()
        if topic == ZX_INFO_PROCESS_VMOS_V1 {
            try out.multiple(records.map(zx_info_vmo_v1_t.init))
        } else {
            try out.multiple(records)
        }
    }
}
