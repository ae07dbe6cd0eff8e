// VmMapping: a leaf of the VMAR tree — a window of a VMO mapped at a range of addresses with a
// set of permissions. Successful page searches end here.
//
// Zircon counterpart: zircon/kernel/vm/vm_mapping.cc (VmMapping). Protection changes split a
// mapping into separate mappings rather than keeping per-mapping protection ranges, which is what
// ZX_INFO_PROCESS_MAPS reports anyway.
// Lock domain: the aspace lock guards the tree fields; `base`, `size` and `vmoOffset` are written
// with both the aspace lock and the VMO lock held, so the VMO may read them under its own lock.

import Hardware
import ZX

/// Internal VMAR creation flags (Zircon's VMAR_FLAG_*): the CAN_MAP_* ceiling and placement.
public struct RegionFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let canMapRead = RegionFlags(rawValue: 1 << 0)
    public static let canMapWrite = RegionFlags(rawValue: 1 << 1)
    public static let canMapExecute = RegionFlags(rawValue: 1 << 2)
    public static let canMapSpecific = RegionFlags(rawValue: 1 << 3)
    public static let compact = RegionFlags(rawValue: 1 << 4)

    /// The READ/WRITE/EXECUTE permissions this ceiling allows.
    public var permissionCeiling: MMUFlags {
        var flags: MMUFlags = []
        if contains(.canMapRead) { flags.insert(.read) }
        if contains(.canMapWrite) { flags.insert(.write) }
        if contains(.canMapExecute) { flags.insert(.execute) }
        return flags
    }
}

/// A node of the VMAR tree: a sub-region or a mapping.
public class VmAddressRegionOrMapping: @unchecked Sendable {
    /// The address space this node lives in. Unowned: whoever holds a node through a handle also
    /// holds its aspace (the VMAR dispatcher keeps both), and the aspace tears its tree down
    /// (removing every mapping from its VMO's list) before it goes away.
    public unowned(unsafe) let aspace: VmAspace
    public internal(set) var base: UInt
    public internal(set) var size: UInt
    /// The enclosing region; nil for the root VMAR and once the node is removed. Unowned: a
    /// region destroys (and so detaches) every child before it leaves its own parent's tree,
    /// so a non-nil parent is always alive. No weak-reference traffic on the hot paths.
    public internal(set) unowned(unsafe) var parent: VmAddressRegion?
    /// False once destroyed (explicitly or by an unmap that covered it). Operations then fail
    /// with BAD_STATE.
    public internal(set) var isAlive = true
    public let name: String

    init(aspace: VmAspace, base: UInt, size: UInt, parent: VmAddressRegion?, name: String) {
        self.aspace = aspace
        self.base = base
        self.size = size
        self.parent = parent
        self.name = name
    }

    @inline(__always) public var end: UInt { base &+ size }
    @inline(__always) func contains(_ address: UInt) -> Bool { address >= base && address - base < size }

    /// Overridden: the mapping view of this node, or nil for a region (cheaper than a cast).
    var asMapping: VmMapping? { nil }
    var asRegion: VmAddressRegion? { nil }

    /// Destroys this node and everything below it (aspace lock held).
    func destroyLocked() {}
}

public final class VmMapping: VmAddressRegionOrMapping, @unchecked Sendable {
    public let vmo: VmObject
    public internal(set) var vmoOffset: UInt64
    /// Current READ/WRITE/EXECUTE permissions.
    public internal(set) var permissions: MMUFlags
    /// The most `protect` may ever grant: VMO handle rights ∩ VMAR handle rights at map time.
    public let maxPermissions: MMUFlags
    /// Slot in `vmo.mappings` (guarded by the VMO lock).
    var indexInVmo = -1

    init(aspace: VmAspace, parent: VmAddressRegion, base: UInt, size: UInt, vmo: VmObject, vmoOffset: UInt64,
         permissions: MMUFlags, maxPermissions: MMUFlags, name: String) {
        self.vmo = vmo
        self.vmoOffset = vmoOffset
        self.permissions = permissions
        self.maxPermissions = maxPermissions
        super.init(aspace: aspace, base: base, size: size, parent: parent, name: name)
    }

    override var asMapping: VmMapping? { self }

    /// The full hardware flags for a page of this mapping under the VMO's cache policy.
    @inline(__always)
    func archFlags(cachePolicy: UInt32) -> MMUFlags {
        permissions.union(.user).union(MMUFlags(cachePolicy: cachePolicy))
    }

    /// Committed pages of the VMO inside this mapping's window.
    public var committedPages: Int { vmo.committedPages(in: vmoOffset, length: UInt64(size)) }

    /// Unmaps the whole window, leaves the VMO's mapping list and the parent's tree.
    override func destroyLocked() {
        guard isAlive else { return }
        vmo.lock.withLock {
            aspace.arch.unmap(VirtualAddress(base), pages: Int(size >> UInt(PageGeometry.shift)))
            vmo.removeMappingLocked(self)
        }
        parent?.children.remove(base)
        parent = nil
        isAlive = false
    }

    /// Splits this mapping at `address` (strictly inside, page aligned): this mapping keeps the
    /// lower part, the returned new mapping holds the upper part. Aspace lock held.
    func splitLocked(at address: UInt) -> VmMapping {
        precondition(address > base && address < end && address.isPageAligned)
        let delta = address - base
        let upper = VmMapping(aspace: aspace, parent: parent ?? aspace.rootVmar, base: address, size: size - delta,
                              vmo: vmo, vmoOffset: vmoOffset + UInt64(delta),
                              permissions: permissions, maxPermissions: maxPermissions, name: name)
        vmo.lock.withLock {
            size = delta
            upper.indexInVmo = vmo.mappings.count
            vmo.mappings.append(upper)
        }
        parent?.children.insert(upper.base, upper)
        return upper
    }
}
