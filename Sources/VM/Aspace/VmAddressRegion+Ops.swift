// VMAR operations that change existing children: unmap, protect, destroy, range ops, and the
// read-only walks behind ZX_INFO_PROCESS_MAPS.
//
// Zircon counterpart: zircon/kernel/vm/vm_address_region.cc (UnmapInternalLocked, Protect,
// DestroyLocked, RangeOp) and vm_mapping.cc (ProtectLocked, UnmapLocked).
// Lock domain: the aspace lock. The checks are the VM-level steps of
// shared/reference/zircon-vm-semantics.md §3.3–3.6, in order.

import Hardware
import KernelContainers
import ZX

/// The VMAR range operations (ZX_VMAR_OP_*), decoded.
public enum VmarRangeOp: Sendable {
    case commit, decommit, mapRange, dontNeed, alwaysNeed
}

/// One row of ZX_INFO_PROCESS_MAPS.
public struct MapsEntry: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case aspace
        case region
        case mapping(permissions: MMUFlags, vmoId: UInt64, vmoOffset: UInt64, committedPages: Int)
    }
    public var name: String
    public var base: UInt
    public var size: UInt
    public var depth: Int
    public var kind: Kind
}

extension VmAddressRegion {
    /// The range check shared by unmap and protect: [start, start+length) inside this region.
    private func containsRange(_ start: UInt, _ length: UInt) -> Bool {
        start >= base && length <= size && start - base <= size - length
    }

    // MARK: Unmap (§3.3 steps 4–8)

    /// Unmaps [start, start+length): mappings inside are removed (split where they straddle the
    /// edges); sub-regions wholly inside are destroyed if `canDestroyRegions`.
    public func unmap(_ start: UInt, length: UInt, canDestroyRegions: Bool) throws(ZxStatus) {
        try aspace.lock.withLock { () throws(ZxStatus) in
            guard isAlive else { throw .badState }
            guard containsRange(start, length) else { throw .invalidArgs }
            try unmapLocked(start, length, canDestroyRegions: canDestroyRegions)
        }
    }

    func unmapLocked(_ start: UInt, _ length: UInt, canDestroyRegions: Bool) throws(ZxStatus) {
        guard !children.isEmpty else { return }
        let stop = start + length
        // Fast path: the range is exactly one mapping (the common munmap-of-what-I-mapped).
        if let index = children.find(start), let mapping = children.value(at: index).asMapping,
           mapping.size == length {
            mapping.destroyLocked()
            return
        }
        let hits = childrenLocked(intersecting: start, stop)
        // Validate first: nothing changes if any sub-region cannot be destroyed whole.
        for child in hits where child.asRegion != nil {
            guard canDestroyRegions, child.base >= start, child.end <= stop else { throw .invalidArgs }
        }
        for child in hits {
            if let region = child.asRegion {
                region.destroyLocked()
            } else if let mapping = child.asMapping {
                var target = mapping
                if start > target.base { target = target.splitLocked(at: start) }
                if stop < target.end { _ = target.splitLocked(at: stop) }
                target.destroyLocked()
            }
        }
    }

    // MARK: Protect (§3.4 steps 7–10)

    /// Sets the permissions of every mapping in [start, start+length), splitting at the edges.
    /// Mappings inside sub-regions may only keep or lose permissions, and only if
    /// `canTouchSubregions` (the handle has ZX_RIGHT_OP_CHILDREN).
    public func protect(_ start: UInt, length: UInt, permissions: MMUFlags, canTouchSubregions: Bool) throws(ZxStatus) {
        let newPermissions = permissions.permissions
        try aspace.lock.withLock { () throws(ZxStatus) in
            guard isAlive else { throw .badState }
            guard containsRange(start, length) else { throw .invalidArgs }
            let stop = start + length
            // Validation pass: walk the range in address order; nothing is modified on failure.
            var pieces: [VmMapping] = []
            let reached = try validateProtectLocked(start, stop, newPermissions, inSubregion: false,
                                                    canTouchSubregions: canTouchSubregions, into: &pieces)
            guard reached >= stop else { throw .notFound }
            // Apply.
            for mapping in pieces {
                var target = mapping
                if start > target.base { target = target.splitLocked(at: start) }
                if stop < target.end { _ = target.splitLocked(at: stop) }
                target.applyPermissionsLocked(newPermissions)
            }
        }
    }

    /// Returns how far the range is covered without a gap; throws on the first violation.
    private func validateProtectLocked(_ start: UInt, _ stop: UInt, _ permissions: MMUFlags, inSubregion: Bool,
                                       canTouchSubregions: Bool, into pieces: inout [VmMapping]) throws(ZxStatus) -> UInt {
        var cursor = start
        for child in childrenLocked(intersecting: start, stop) {
            if child.base > cursor { throw .notFound }
            let childStop = min(stop, child.end)
            if let region = child.asRegion {
                let reached = try region.validateProtectLocked(max(start, child.base), childStop, permissions,
                                                               inSubregion: true, canTouchSubregions: canTouchSubregions,
                                                               into: &pieces)
                if reached < childStop { throw .notFound }
            } else if let mapping = child.asMapping {
                guard flags.permissionCeiling.isSuperset(of: permissions),
                      mapping.maxPermissions.isSuperset(of: permissions) else { throw .accessDenied }
                if inSubregion {
                    guard canTouchSubregions else { throw .invalidArgs }
                    guard mapping.permissions.isSuperset(of: permissions) else { throw .accessDenied }
                }
                pieces.append(mapping)
            }
            cursor = childStop
        }
        return cursor
    }

    // MARK: Destroy (§3.5 steps 2–3)

    /// Destroys this region and everything in it; its range returns to the parent.
    public func destroy() throws(ZxStatus) {
        try aspace.lock.withLock { () throws(ZxStatus) in
            guard !isRoot else { throw .notSupported }
            guard isAlive else { throw .badState }
            destroyLocked()
        }
    }


    // MARK: Range ops (§3.6 steps 5–7)

    /// COMMIT over a pager-backed mapping asks the pager for the missing pages: the walk then
    /// stops, the aspace lock is dropped, `wait` blocks until the pager answers, and the whole
    /// operation runs again (what it already did is idempotent). A pager failure is the result.
    public func rangeOp(_ op: VmarRangeOp, _ start: UInt, length: UInt, canTouchSubregions: Bool,
                        wait: PageRequestWaiter = PageRequest.uninterruptibleWait) throws(ZxStatus) {
        while true {
            var pending: PageRequest?
            do throws(ZxStatus) {
                try rangeOpAttempt(op, start, length: length, canTouchSubregions: canTouchSubregions) { request in
                    pending = request
                }
            } catch .shouldWait {
                guard let request = pending else { throw .shouldWait }
                try wait(request)
                if let failure = request.outcome.failure { throw failure }
                continue
            }
            return
        }
    }

    /// One pass of `rangeOp` under the aspace lock; a pager request stops it with `.shouldWait`
    /// after handing the request to `needsPages`.
    private func rangeOpAttempt(_ op: VmarRangeOp, _ start: UInt, length: UInt, canTouchSubregions: Bool,
                                needsPages: (PageRequest) -> Void) throws(ZxStatus) {
        try aspace.lock.withLock { () throws(ZxStatus) in
            guard containsRange(start, length) else { throw .outOfRange }
            guard isAlive else { throw .badState }
            let stop = start + length
            var pieces: [(mapping: VmMapping, direct: Bool)] = []
            // §3.6 step 7: one walk in address order. A gap is only an error once the walk reaches
            // it, so an earlier piece's failure wins and earlier pieces' effects stay applied
            // (Zircon: VmAddressRegion::RangeOp checks `mapping->base() > expected` per mapping).
            let covered = collectMappingsLocked(start, stop, direct: true, into: &pieces)
            for (mapping, direct) in pieces {
                let pieceStart = max(start, mapping.base)
                let pieceStop = min(stop, mapping.end)
                let offset = mapping.vmoOffset + UInt64(pieceStart - mapping.base)
                let length = UInt64(pieceStop - pieceStart)
                switch op {
                case .commit, .decommit:
                    guard direct else { throw .invalidArgs }
                    guard mapping.maxPermissions.contains(.write) else { throw .accessDenied }
                    guard let paged = mapping.vmo as? VmObjectPaged else { throw .notSupported }
                    if op == .commit {
                        // Never wait for a pager under the aspace lock (a pager thread of this
                        // process could then never fault): record the request and stop the pass.
                        try paged.commit(offset: offset, length: length) { (request) throws(ZxStatus) in
                            needsPages(request)
                            throw .shouldWait
                        }
                        if !mapping.permissions.isEmpty {
                            try paged.mapPresentPages(mapping: mapping, offset: offset, length: length)
                        }
                    } else {
                        try paged.decommit(offset: offset, length: length)
                    }
                case .mapRange, .dontNeed, .alwaysNeed:
                    guard direct || canTouchSubregions else { throw .invalidArgs }
                    if op == .mapRange, !mapping.permissions.isEmpty {
                        try mapping.vmo.mapPresentPages(mapping: mapping, offset: offset, length: length)
                    }
                }
            }
            guard covered >= stop else { throw .badState }
        }
    }

    /// Mappings intersecting [start, stop) in address order; returns how far they cover without
    /// a gap (a gap stops the walk).
    private func collectMappingsLocked(_ start: UInt, _ stop: UInt, direct: Bool,
                                       into pieces: inout [(mapping: VmMapping, direct: Bool)]) -> UInt {
        var cursor = start
        for child in childrenLocked(intersecting: start, stop) {
            if child.base > cursor { return cursor }
            let childStop = min(stop, child.end)
            if let region = child.asRegion {
                let reached = region.collectMappingsLocked(max(start, child.base), childStop, direct: false, into: &pieces)
                if reached < childStop { return reached }
            } else if let mapping = child.asMapping {
                pieces.append((mapping, direct))
            }
            cursor = childStop
        }
        return cursor
    }

    // MARK: Walks for info topics

    /// Depth-first pre-order rows for this region and everything below it.
    func appendMapsLocked(depth: Int, into rows: inout [MapsEntry]) {
        rows.append(MapsEntry(name: name, base: base, size: size, depth: depth, kind: .region))
        for (_, child) in children {
            if let region = child.asRegion {
                region.appendMapsLocked(depth: depth + 1, into: &rows)
            } else if let mapping = child.asMapping {
                rows.append(MapsEntry(name: mapping.vmo.name, base: mapping.base, size: mapping.size, depth: depth + 1,
                                      kind: .mapping(permissions: mapping.permissions, vmoId: mapping.vmo.userId,
                                                     vmoOffset: mapping.vmoOffset, committedPages: mapping.committedPages)))
            }
        }
    }

    /// Every mapping below this region (for task stats).
    func forEachMappingLocked(_ body: (VmMapping) -> Void) {
        for (_, child) in children {
            if let region = child.asRegion { region.forEachMappingLocked(body) } else if let mapping = child.asMapping { body(mapping) }
        }
    }

    /// Snapshot of this region's base, size and liveness under the aspace lock.
    public var info: (base: UInt, size: UInt, isAlive: Bool) {
        aspace.lock.withLock { (base, size, isAlive) }
    }
}

extension VmMapping {
    /// Sets new permissions and brings the page tables in line. Removing permissions protects
    /// the present entries; anything that grants write is done by unmapping, so pages mapped
    /// read-only on purpose (the zero page, later copy-on-write pages) refault instead of
    /// silently becoming writable. Zircon: VmMapping::ProtectLocked.
    func applyPermissionsLocked(_ newPermissions: MMUFlags) {
        let old = permissions
        guard newPermissions != old else { return }
        vmo.lock.withLock {
            permissions = newPermissions
            let va = VirtualAddress(base)
            let pages = Int(size >> UInt(PageGeometry.shift))
            if newPermissions.contains(.write) || !old.isSuperset(of: newPermissions) {
                aspace.arch.unmap(va, pages: pages)
            } else {
                aspace.arch.protect(va, pages: pages, flags: archFlags(cachePolicy: vmo.cachePolicyLocked))
            }
        }
    }
}

extension VmAspace {
    /// ZX_INFO_PROCESS_MAPS rows: the aspace at depth 0, the root VMAR at depth 1, then
    /// everything below in address order.
    public func mapsSnapshot() -> [MapsEntry] {
        lock.withLock {
            var rows = [MapsEntry(name: name, base: base, size: size, depth: 0, kind: .aspace)]
            if !isDestroyed { rootVmar.appendMapsLocked(depth: 1, into: &rows) }
            return rows
        }
    }

    /// Every live mapping of this address space.
    public func allMappings() -> [VmMapping] {
        lock.withLock {
            var result: [VmMapping] = []
            rootVmar.forEachMappingLocked { result.append($0) }
            return result
        }
    }
}
