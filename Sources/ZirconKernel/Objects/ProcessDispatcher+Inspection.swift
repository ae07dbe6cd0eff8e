// What a process holds, as records: its task stats and every VMO it reaches. Shared by the
// ZX_INFO_TASK_STATS / ZX_INFO_PROCESS_VMOS syscalls and by the kernel-side inspection API the
// shell's `ps`, `vmaps` and `vmos` use (Native/KernelInspection.swift).
//
// Zircon counterpart: zircon/kernel/object/process_dispatcher.cc (GetStats, GetVmos) and
// vm_object_dispatcher.cc (VmoToInfoEntry).

import VM
import ZX

extension ProcessDispatcher {
    /// ZX_INFO_TASK_STATS: mapped bytes, and committed bytes split into private (mapped only by
    /// this process) and shared (also mapped elsewhere), with the scaled share.
    func taskStats() -> zx_info_task_stats_t {
        var stats = zx_info_task_stats_t()
        for mapping in aspace.allMappings() {
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
        return stats
    }

    /// ZX_INFO_PROCESS_VMOS: every VMO the process reaches through a handle (VIA_HANDLE, with
    /// that handle's rights) or a mapping (VIA_MAPPING). Duplicates are possible, as in Zircon.
    func vmoRecords() -> [zx_info_vmo_t] {
        var records: [zx_info_vmo_t] = []
        handles.forEachHandle { _, entry in
            if let vmo = entry.object as? VmoDispatcher { records.append(vmo.info(rights: entry.rights)) }
        }
        for mapping in aspace.allMappings() {
            var info = zx_info_vmo_t()
            info.koid = mapping.vmo.userId
            info.name = ZxName.make(mapping.vmo.name)
            info.size_bytes = mapping.vmo.size
            info.num_mappings = mapping.vmo.mappingCount
            info.share_count = mapping.vmo.shareCount
            // The same record a handle gives (Zircon's VmoToInfoEntry), minus VIA_HANDLE and rights.
            let paged = mapping.vmo as? VmObjectPaged
            info.flags = (paged?.isPhysical == true ? ZX_INFO_VMO_TYPE_PHYSICAL : ZX_INFO_VMO_TYPE_PAGED)
                | ZX_INFO_VMO_VIA_MAPPING
                | (mapping.vmo.isResizable ? ZX_INFO_VMO_RESIZABLE : 0)
                | (mapping.vmo.isContiguous ? ZX_INFO_VMO_CONTIGUOUS : 0)
                | (mapping.vmo.isDiscardable ? ZX_INFO_VMO_DISCARDABLE : 0)
            info.committed_bytes = mapping.vmo.committedBytes
            info.cache_policy = mapping.vmo.cachePolicy
            if let paged {
                info.parent_koid = paged.parentUserId
                info.num_children = paged.childCount
                if paged.isCowClone { info.flags |= ZX_INFO_VMO_IS_COW_CLONE }
                if paged.isPagerBacked { info.flags |= ZX_INFO_VMO_PAGER_BACKED }
                info.metadata_bytes = paged.metadataBytes
                info.committed_change_events = paged.changeEvents
            }
            records.append(info)
        }
        return records
    }
}
