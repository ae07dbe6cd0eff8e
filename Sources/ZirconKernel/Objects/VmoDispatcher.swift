// VmoDispatcher: the handle-facing VMO object. Translates ABI options to VM options, computes
// the rights a new handle gets, owns the VMO's properties (name, content size) and signals.
//
// Zircon counterpart: zircon/kernel/object/vm_object_dispatcher.cc.

import Synchronization
import VM
import ZX

final class VmoDispatcher: KernelObject, @unchecked Sendable {
    let vmo: VmObjectPaged
    /// Created by SNAPSHOT | NO_WRITE: reported as ZX_INFO_VMO_IMMUTABLE (Zircon's
    /// InitialMutability::kImmutable; only an explicit SNAPSHOT qualifies).
    let isImmutable: Bool

    init(vmo: VmObjectPaged, koid: zx_koid_t, immutable: Bool = false) {
        self.vmo = vmo
        self.isImmutable = immutable
        super.init(koid: koid)
        vmo.userId = koid
        // A new VMO has no children (§4.6). The VM tells us whenever the count changes, before
        // the call that changed it returns: creating a child deasserts the signal before
        // zx_vmo_create_child returns, the last child's death (its last handle or mapping)
        // reasserts it.
        updateSignals(set: ZX_VMO_ZERO_CHILDREN)
        vmo.setChildCountObserver { [weak self] count, sequence in
            self?.childCountChanged(to: count, sequence: sequence)
        }
    }

    /// The sequence number of the last child-count notice applied. Notices of racing clones and
    /// closes can arrive out of order; an older one must not undo a newer one.
    private let appliedChildSequence = Mutex<UInt64>(0)

    private func childCountChanged(to count: Int, sequence: UInt64) {
        appliedChildSequence.withLock { applied in
            guard sequence > applied else { return }
            applied = sequence
            if count == 0 {
                updateSignals(set: ZX_VMO_ZERO_CHILDREN)
            } else {
                updateSignals(clear: ZX_VMO_ZERO_CHILDREN)
            }
        }
    }

    override var objectType: zx_obj_type_t { ZX_OBJ_TYPE_VMO }
    override var supportsName: Bool { true }
    /// Default rights of a new VMO handle; resizable VMOs also get RESIZE (NEW profile).
    override var defaultRights: zx_rights_t {
        vmo.isResizable ? ZX_DEFAULT_VMO_RIGHTS | ZX_RIGHT_RESIZE : ZX_DEFAULT_VMO_RIGHTS
    }

    override func nameDidChange(_ name: String) {
        vmo.name = name
    }

    override func getProperty(_ property: UInt32, into value: UnsafeMutableRawBufferPointer,
                              rights: zx_rights_t) throws(ZxStatus) {
        guard property == ZX_PROP_VMO_CONTENT_SIZE else {
            try super.getProperty(property, into: value, rights: rights)
            return
        }
        guard value.count >= MemoryLayout<UInt64>.size else { throw .bufferTooSmall }
        let contentSize = vmo.isContiguous || vmo.isPhysical ? 0 : vmo.contentSize
        value.storeBytes(of: contentSize, as: UInt64.self)
    }

    override func setProperty(_ property: UInt32, from value: UnsafeRawBufferPointer,
                              rights: zx_rights_t) throws(ZxStatus) {
        guard property == ZX_PROP_VMO_CONTENT_SIZE else {
            try super.setProperty(property, from: value, rights: rights)
            return
        }
        guard value.count >= MemoryLayout<UInt64>.size else { throw .bufferTooSmall }
        try vmo.setContentSize(value.loadUnaligned(as: UInt64.self))
    }

    /// ZX_INFO_VMO for this VMO as seen through a handle with `rights`.
    func info(rights: zx_rights_t) -> zx_info_vmo_t {
        var info = zx_info_vmo_t()
        info.koid = koid
        // The stored bytes, not `name` (a repaired String): a name cut mid-character must read
        // the same here as through ZX_PROP_NAME (reference §3.17).
        info.name = ZxName.make(bytes: nameBytes)
        info.size_bytes = vmo.size
        info.parent_koid = vmo.parentUserId
        info.num_children = vmo.childCount
        info.num_mappings = vmo.mappingCount
        info.share_count = vmo.shareCount
        var flags = (vmo.isPhysical ? ZX_INFO_VMO_TYPE_PHYSICAL : ZX_INFO_VMO_TYPE_PAGED) | ZX_INFO_VMO_VIA_HANDLE
        if vmo.isResizable { flags |= ZX_INFO_VMO_RESIZABLE }
        if vmo.isContiguous { flags |= ZX_INFO_VMO_CONTIGUOUS }
        if vmo.isDiscardable { flags |= ZX_INFO_VMO_DISCARDABLE }
        if vmo.isCowClone { flags |= ZX_INFO_VMO_IS_COW_CLONE }
        if vmo.isPagerBacked { flags |= ZX_INFO_VMO_PAGER_BACKED }
        if isImmutable { flags |= ZX_INFO_VMO_IMMUTABLE }
        info.flags = flags
        info.committed_bytes = vmo.committedBytes
        info.handle_rights = rights
        info.cache_policy = vmo.cachePolicy
        info.metadata_bytes = vmo.metadataBytes
        info.committed_change_events = vmo.changeEvents
        return info
    }
}
