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
        var stats = zx_info_task_stats_t()
        for mapping in process.aspace.allMappings() {
            stats.mem_mapped_bytes += Int(mapping.size)
            let committed = mapping.committedPages * PageGeometry.size
            let sharers = mapping.vmo.mappingAspaceCount()
            if sharers <= 1 {
                stats.mem_private_bytes += committed
            } else {
                stats.mem_shared_bytes += committed
                stats.mem_scaled_shared_bytes += committed / sharers
            }
        }
        try out.single(stats)
    }

    /// ZX_INFO_PROCESS_VMOS(_V1): every VMO the process reaches through a handle (VIA_HANDLE,
    /// with that handle's rights) or a mapping (VIA_MAPPING). Duplicates are possible, as in Zircon.
    static func infoProcessVmos(_ context: ThreadContext, _ handle: zx_handle_t, _ topic: zx_object_info_topic_t,
                                _ out: inout InfoOutput) throws(ZxStatus) {
        let (process, _) = try context.handles.lookup(handle, as: ProcessDispatcher.self, rights: ZX_RIGHT_INSPECT)
        guard process.state != .dead else { throw .badState }
        var records: [zx_info_vmo_t] = []
        process.handles.forEachHandle { _, entry in
            if let vmo = entry.object as? VmoDispatcher { records.append(vmo.info(rights: entry.rights)) }
        }
        for mapping in process.aspace.allMappings() {
            var info = zx_info_vmo_t()
            info.koid = mapping.vmo.userId
            info.name = ZxName.make(mapping.vmo.name)
            info.size_bytes = mapping.vmo.size
            info.num_mappings = mapping.vmo.mappingCount
            info.share_count = mapping.vmo.shareCount
            // The same record a handle gives (Zircon's VmoToInfoEntry), minus VIA_HANDLE and rights.
            info.flags = ZX_INFO_VMO_TYPE_PAGED | ZX_INFO_VMO_VIA_MAPPING
                | (mapping.vmo.isResizable ? ZX_INFO_VMO_RESIZABLE : 0)
                | (mapping.vmo.isContiguous ? ZX_INFO_VMO_CONTIGUOUS : 0)
                | (mapping.vmo.isDiscardable ? ZX_INFO_VMO_DISCARDABLE : 0)
            info.committed_bytes = mapping.vmo.committedBytes
            info.cache_policy = mapping.vmo.cachePolicy
            if let paged = mapping.vmo as? VmObjectPaged {
                info.parent_koid = paged.parentUserId
                info.num_children = paged.childCount
                if paged.isCowClone { info.flags |= ZX_INFO_VMO_IS_COW_CLONE }
                if paged.isPagerBacked { info.flags |= ZX_INFO_VMO_PAGER_BACKED }
                info.metadata_bytes = paged.metadataBytes
                info.committed_change_events = paged.changeEvents
            }
            records.append(info)
        }
        if topic == ZX_INFO_PROCESS_VMOS_V1 {
            try out.multiple(records.map(zx_info_vmo_v1_t.init))
        } else {
            try out.multiple(records)
        }
    }
}
