// VmAddressRegion (VMAR): a contiguous range of an address space holding non-overlapping
// children — sub-regions and mappings — in a WAVL tree keyed by base address. This file holds
// the tree and creation (sub-regions, mappings, placement); unmap, protect, destroy and range
// ops are in VmAddressRegion+Ops.swift.
//
// Zircon counterpart: zircon/kernel/vm/vm_address_region.cc (CreateSubVmarInternal,
// AllocSpotLocked, FindRegionLocked), vm_address_region_or_mapping.cc.
// Lock domain: the aspace lock (`aspace.lock`) guards every field of every node in the tree.
// The checks each method makes are the VM-level steps of the syscall rules in
// shared/reference/zircon-vm-semantics.md §3, in that order; the syscall layer makes the
// handle, rights and option-bit checks before calling in.

import Hardware
import KernelContainers
import ZX

/// Where a new child goes: the decoded ZX_VM_SPECIFIC / SPECIFIC_OVERWRITE /
/// OFFSET_IS_UPPER_LIMIT bits and the offset (relative to the region's base). Kept as raw bits so
/// the VM can reject contradictory combinations at the step Zircon does.
public struct Placement: Sendable, Equatable {
    public var offset: UInt
    public var specific: Bool
    public var overwrite: Bool
    public var upperLimit: Bool

    public init(offset: UInt = 0, specific: Bool = false, overwrite: Bool = false, upperLimit: Bool = false) {
        self.offset = offset
        self.specific = specific
        self.overwrite = overwrite
        self.upperLimit = upperLimit
    }

    /// Anywhere that fits (randomized by ASLR unless disabled).
    public static let anywhere = Placement()
    /// Exactly at `offset`; overlapping anything fails.
    public static func specific(offset: UInt) -> Placement { Placement(offset: offset, specific: true) }
    /// Exactly at `offset`, replacing mappings in the way (maps only).
    public static func specificOverwrite(offset: UInt) -> Placement { Placement(offset: offset, overwrite: true) }
    /// Anywhere that ends at or below `offset`.
    public static func upperLimit(offset: UInt) -> Placement { Placement(offset: offset, upperLimit: true) }
}

public final class VmAddressRegion: VmAddressRegionOrMapping, @unchecked Sendable {
    public let flags: RegionFlags
    /// Children keyed by base address. Guarded by the aspace lock.
    var children = WAVLTree<UInt, VmAddressRegionOrMapping>()

    init(aspace: VmAspace, parent: VmAddressRegion?, base: UInt, size: UInt, flags: RegionFlags, name: String) {
        self.flags = flags
        super.init(aspace: aspace, base: base, size: size, parent: parent, name: name)
    }

    override var asRegion: VmAddressRegion? { self }

    /// Destroys every child, leaves the parent's tree and turns DEAD (aspace lock held).
    override func destroyLocked() {
        guard isAlive else { return }
        let all = children.map { $0.value }
        for child in all { child.destroyLocked() }
        children.removeAll()
        parent?.children.remove(base)
        parent = nil
        isAlive = false
    }

    /// True for the process's root VMAR.
    public var isRoot: Bool { aspace.rootVmar === self }

    /// Number of direct children (for tests and dumps).
    public var childCount: Int { aspace.lock.withLock { children.count } }

    // MARK: Tree queries (aspace lock held)

    /// The direct child that contains `address`, if any.
    @inline(__always)
    func childLocked(containing address: UInt) -> VmAddressRegionOrMapping? {
        guard let index = children.floor(address) else { return nil }
        let child = children.value(at: index)
        return child.contains(address) ? child : nil
    }

    /// True if [start, start+length) intersects any direct child.
    func overlapsChildLocked(_ start: UInt, _ length: UInt) -> Bool {
        let stop = start + length
        if let index = children.floor(start), children.value(at: index).end > start { return true }
        if let index = children.lowerBound(start), children.key(at: index) < stop { return true }
        return false
    }

    /// Direct children intersecting [start, stop), in address order.
    func childrenLocked(intersecting start: UInt, _ stop: UInt) -> [VmAddressRegionOrMapping] {
        var result: [VmAddressRegionOrMapping] = []
        var cursor: WAVLTree<UInt, VmAddressRegionOrMapping>.Index?
        if let index = children.floor(start), children.value(at: index).end > start {
            cursor = index
        } else {
            cursor = children.lowerBound(start)
        }
        while let index = cursor {
            let child = children.value(at: index)
            if child.base >= stop { break }
            result.append(child)
            cursor = children.index(after: index)
        }
        return result
    }

    // MARK: Creation

    /// Creates a sub-region. Performs zx_vmar_allocate steps 6–15 (§3.1), in order.
    public func createSubregion(placement: Placement, size: UInt, alignmentLog2: Int,
                                flags childFlags: RegionFlags, name: String = "") throws(ZxStatus) -> VmAddressRegion {
        try aspace.lock.withLock { () throws(ZxStatus) -> VmAddressRegion in
            guard isAlive else { throw .badState }
            guard size > 0 else { throw .invalidArgs }
            let rwx: RegionFlags = [.canMapRead, .canMapWrite, .canMapExecute]
            guard flags.isSuperset(of: childFlags.intersection(rwx)) else { throw .accessDenied }
            guard !placement.overwrite else { throw .invalidArgs }
            let childBase = try placeLocked(placement, size: size, alignmentLog2: alignmentLog2)
            let child = VmAddressRegion(aspace: aspace, parent: self, base: childBase, size: size,
                                        flags: childFlags, name: name)
            children.insert(childBase, child)
            return child
        }
    }

    /// Maps `size` bytes of `vmo` from `vmoOffset`. Performs zx_vmar_map steps 16–25 (§3.2).
    /// `size` is already page-rounded and non-overflowing; permissions are within the ceiling.
    public func createMapping(placement: Placement, size: UInt, alignmentLog2: Int, vmo: VmObject, vmoOffset: UInt64,
                              permissions: MMUFlags, maxPermissions: MMUFlags, mapRange: Bool,
                              name: String = "") throws(ZxStatus) -> VmMapping {
        try aspace.lock.withLock { () throws(ZxStatus) -> VmMapping in
            guard isAlive else { throw .badState }
            guard size > 0 else { throw .invalidArgs }
            let mappingBase = try placeLocked(placement, size: size, alignmentLog2: alignmentLog2)
            if placement.overwrite {
                // Validated by placeLocked: only mappings are in the way. Remove them atomically
                // with installing the new one (we hold the aspace lock throughout).
                try unmapLocked(mappingBase, size, canDestroyRegions: false)
            }
            let mapping = VmMapping(aspace: aspace, parent: self, base: mappingBase, size: size, vmo: vmo,
                                    vmoOffset: vmoOffset, permissions: permissions.permissions,
                                    maxPermissions: maxPermissions.permissions, name: name)
            vmo.addMapping(mapping)
            children.insert(mappingBase, mapping)
            if mapRange && !permissions.permissions.isEmpty {
                do throws(ZxStatus) {
                    try vmo.mapPresentPages(mapping: mapping, offset: vmoOffset, length: UInt64(size))
                } catch {
                    mapping.destroyLocked()
                    throw error
                }
            }
            return mapping
        }
    }

    // MARK: Placement

    /// Resolves a placement to an absolute base. Steps 9–15 of §3.1 / 18–24 of §3.2, in order.
    func placeLocked(_ placement: Placement, size: UInt, alignmentLog2: Int) throws(ZxStatus) -> UInt {
        let alignment: UInt = 1 << UInt(max(alignmentLog2, PageGeometry.shift))
        let exact = placement.specific || placement.overwrite
        let offset = placement.offset
        guard !(exact && placement.upperLimit) else { throw .invalidArgs }
        guard offset == 0 || exact || placement.upperLimit else { throw .invalidArgs }
        guard offset.isPageAligned else { throw .invalidArgs }
        if exact || placement.upperLimit {
            guard flags.contains(.canMapSpecific) else { throw .accessDenied }
        }
        if placement.upperLimit {
            guard offset <= self.size, size <= self.size, size <= offset else { throw .invalidArgs }
            return try findSpotLocked(size: size, alignment: alignment, limit: base + offset)
        }
        // §3.1 step 13 / §3.2 step 22: the non-upper-limit range check applies to non-specific
        // requests too (offset 0), so a child larger than the region is INVALID_ARGS, not
        // NO_RESOURCES (vmar.cc AllocateUnsatisfiableTest).
        guard offset < self.size, size <= self.size - offset else { throw .invalidArgs }
        guard exact else {
            return try findSpotLocked(size: size, alignment: alignment, limit: end)
        }
        let start = base + offset
        guard start.isAligned(to: alignment) else { throw .invalidArgs }
        if placement.overwrite {
            for child in childrenLocked(intersecting: start, start + size) where child.asRegion != nil {
                throw .invalidArgs
            }
        } else if overlapsChildLocked(start, size) {
            throw .alreadyExists
        }
        return start
    }

    /// Chooses a free, aligned range of `size` bytes ending at or below `limit`. With ASLR the
    /// choice is uniform over candidate positions, capped by the entropy budget (a COMPACT region
    /// uses Zircon's small compact budget so its children cluster); without it, first fit.
    /// Zircon: VmAddressRegion::AllocSpotLocked.
    func findSpotLocked(size: UInt, alignment: UInt, limit: UInt) throws(ZxStatus) -> UInt {
        let policy = aspace.aslr
        let entropyBits = flags.contains(.compact) ? min(policy.compactEntropyBits, policy.entropyBits) : policy.entropyBits
        let randomize = policy.enabled && entropyBits > 0
        let maxCandidates: UInt = entropyBits >= 63 ? UInt.max : (1 << UInt(entropyBits))

        // Candidate count of the gap [gapStart, gapEnd), clipped to the limit.
        func spots(_ gapStart: UInt, _ gapEnd: UInt) -> (first: UInt, count: UInt) {
            let stop = min(gapEnd, limit)
            guard let first = gapStart.roundedUp(to: alignment), first < stop, stop - first >= size else { return (0, 0) }
            return (first, (stop - first - size) / alignment + 1)
        }
        func forEachGap(_ body: (UInt, UInt) -> Bool) {
            var cursor = base
            for (_, child) in children {
                if cursor >= limit { return }
                if child.base > cursor, !body(cursor, child.base) { return }
                cursor = max(cursor, child.end)
            }
            if cursor < end { _ = body(cursor, end) }
        }

        if !randomize {
            var found: UInt?
            forEachGap { start, stop in
                let gap = spots(start, stop)
                if gap.count > 0 { found = gap.first; return false }
                return true
            }
            guard let found else { throw .noResources }
            return found
        }
        var total: UInt = 0
        forEachGap { start, stop in
            let (sum, overflow) = total.addingReportingOverflow(spots(start, stop).count)
            total = overflow ? UInt.max : sum
            return total < maxCandidates
        }
        total = min(total, maxCandidates)
        guard total > 0 else { throw .noResources }
        var pick = aspace.nextRandom(below: total)
        var chosen: UInt?
        forEachGap { start, stop in
            let gap = spots(start, stop)
            if pick < gap.count {
                chosen = gap.first + pick * alignment
                return false
            }
            pick -= gap.count
            return true
        }
        guard let chosen else { throw .noResources }
        return chosen
    }
}
