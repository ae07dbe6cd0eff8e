// Swift-native option sets for the VM calls: `VmOptions` (ZX_VM_*, with the alignment field),
// `VmoOptions` (ZX_VMO_*), `VmoChildOptions` (ZX_VMO_CHILD_*) and the `CachePolicy` enum.
//
// Zircon counterpart: zircon/system/public/zircon/types.h (C constants in Constants+VM.swift).

/// Options of `zx_vmar_allocate`, `zx_vmar_map` and `zx_vmar_protect`: flag bits 0–23 plus an
/// alignment field in bits 24–31 holding log2 of the requested alignment.
public struct VmOptions: OptionSet, Hashable, Sendable {
    public var rawValue: zx_vm_option_t
    @inlinable public init(rawValue: zx_vm_option_t) { self.rawValue = rawValue }
    @inlinable public init(_ rawValue: zx_vm_option_t) { self.rawValue = rawValue }

    /// Corresponding Zircon constant: `ZX_VM_PERM_READ`.
    public static let permRead = VmOptions(1 << 0)
    /// Corresponding Zircon constant: `ZX_VM_PERM_WRITE`.
    public static let permWrite = VmOptions(1 << 1)
    /// Corresponding Zircon constant: `ZX_VM_PERM_EXECUTE`.
    public static let permExecute = VmOptions(1 << 2)
    /// Allocate only: place the child compactly rather than at a random address.
    ///
    /// Corresponding Zircon constant: `ZX_VM_COMPACT`.
    public static let compact = VmOptions(1 << 3)
    /// Use the given offset instead of choosing an address.
    ///
    /// Corresponding Zircon constant: `ZX_VM_SPECIFIC`.
    public static let specific = VmOptions(1 << 4)
    /// Map only: like `specific`, replacing whatever is mapped there.
    ///
    /// Corresponding Zircon constant: `ZX_VM_SPECIFIC_OVERWRITE`.
    public static let specificOverwrite = VmOptions(1 << 5)
    /// Corresponding Zircon constant: `ZX_VM_CAN_MAP_SPECIFIC`.
    public static let canMapSpecific = VmOptions(1 << 6)
    /// Corresponding Zircon constant: `ZX_VM_CAN_MAP_READ`.
    public static let canMapRead = VmOptions(1 << 7)
    /// Corresponding Zircon constant: `ZX_VM_CAN_MAP_WRITE`.
    public static let canMapWrite = VmOptions(1 << 8)
    /// Corresponding Zircon constant: `ZX_VM_CAN_MAP_EXECUTE`.
    public static let canMapExecute = VmOptions(1 << 9)
    /// Map only: commit and map the whole range immediately.
    ///
    /// Corresponding Zircon constant: `ZX_VM_MAP_RANGE`.
    public static let mapRange = VmOptions(1 << 10)
    /// Corresponding Zircon constant: `ZX_VM_REQUIRE_NON_RESIZABLE`.
    public static let requireNonResizable = VmOptions(1 << 11)
    /// Corresponding Zircon constant: `ZX_VM_ALLOW_FAULTS`.
    public static let allowFaults = VmOptions(1 << 12)
    /// Treat the offset as an upper limit for the placement.
    ///
    /// Corresponding Zircon constant: `ZX_VM_OFFSET_IS_UPPER_LIMIT`.
    public static let offsetIsUpperLimit = VmOptions(1 << 13)
    /// Corresponding Zircon constant: `ZX_VM_PERM_READ_IF_XOM_UNSUPPORTED`.
    public static let permReadIfXomUnsupported = VmOptions(1 << 14)
    /// NEWEST (RFC-0238).
    ///
    /// Corresponding Zircon constant: `ZX_VM_FAULT_BEYOND_STREAM_SIZE`.
    public static let faultBeyondStreamSize = VmOptions(1 << 15)

    /// The three permission bits.
    public static let permissions: VmOptions = [.permRead, .permWrite, .permExecute]
    /// The four CAN_MAP_* bits.
    public static let canMapAll: VmOptions = [.canMapSpecific, .canMapRead, .canMapWrite, .canMapExecute]
    /// Every flag bit Zircon defines below the alignment field.
    public static let knownFlags = VmOptions((1 << 16) - 1)

    /// Shift of the alignment field. Corresponding Zircon constant: `ZX_VM_ALIGN_BASE`.
    public static let alignmentShift: UInt32 = 24
    /// Bits 24–31.
    public static let alignmentMask: UInt32 = 0xFF00_0000
    /// The smallest and largest alignment exponents Zircon accepts (1 KiB … 4 GiB).
    public static let validAlignmentLog2: ClosedRange<UInt8> = 10...32

    /// An option set requesting `1 << log2` alignment (e.g. `.aligned(log2: 21)` for 2 MiB);
    /// corresponds to `ZX_VM_ALIGN_1KB` … `ZX_VM_ALIGN_4GB` for log2 in 10…32.
    @inlinable public static func aligned(log2: UInt8) -> VmOptions {
        VmOptions(UInt32(log2) << alignmentShift)
    }

    /// The raw alignment field (bits 24–31): log2 of the requested alignment, 0 if none.
    @inlinable public var alignmentLog2: UInt8 {
        get { UInt8(truncatingIfNeeded: rawValue >> VmOptions.alignmentShift) }
        set { rawValue = (rawValue & ~VmOptions.alignmentMask) | (UInt32(newValue) << VmOptions.alignmentShift) }
    }

    /// The requested alignment in bytes, or nil if the field is 0 (page alignment) or outside the
    /// valid range 10…32 (which Zircon rejects with ZX_ERR_INVALID_ARGS; see `hasValidAlignment`).
    @inlinable public var alignment: UInt64? {
        let log2 = alignmentLog2
        guard VmOptions.validAlignmentLog2.contains(log2) else { return nil }
        return 1 << UInt64(log2)
    }

    /// True if the alignment field is 0 or in 10…32.
    @inlinable public var hasValidAlignment: Bool {
        let log2 = alignmentLog2
        return log2 == 0 || VmOptions.validAlignmentLog2.contains(log2)
    }

    /// The flag bits without the alignment field.
    @inlinable public var flags: VmOptions { VmOptions(rawValue & ~VmOptions.alignmentMask) }

    /// Flag bits below bit 24 that Zircon does not define (any → ZX_ERR_INVALID_ARGS).
    @inlinable public var unknownFlags: VmOptions { VmOptions(rawValue & ~VmOptions.alignmentMask & ~VmOptions.knownFlags.rawValue) }
}

/// Options of `zx_vmo_create` / `zx_pager_create_vmo`.
public struct VmoOptions: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }
    @inlinable public init(_ rawValue: UInt32) { self.rawValue = rawValue }

    /// Corresponding Zircon constant: `ZX_VMO_RESIZABLE`.
    public static let resizable = VmoOptions(1 << 1)
    /// `zx_vmo_create` only.
    ///
    /// Corresponding Zircon constant: `ZX_VMO_DISCARDABLE`.
    public static let discardable = VmoOptions(1 << 2)
    /// `zx_pager_create_vmo` only.
    ///
    /// Corresponding Zircon constant: `ZX_VMO_TRAP_DIRTY`.
    public static let trapDirty = VmoOptions(1 << 3)
    /// NEWEST; incompatible with `resizable`.
    ///
    /// Corresponding Zircon constant: `ZX_VMO_UNBOUNDED`.
    public static let unbounded = VmoOptions(1 << 4)
}

/// Options of `zx_vmo_create_child`: exactly one child type plus modifiers.
public struct VmoChildOptions: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }
    @inlinable public init(_ rawValue: UInt32) { self.rawValue = rawValue }

    /// Type: a full snapshot of the parent at creation time.
    ///
    /// Corresponding Zircon constant: `ZX_VMO_CHILD_SNAPSHOT`.
    public static let snapshot = VmoChildOptions(1 << 0)
    /// Modifier: the child is resizable (and its handle gets RESIZE).
    ///
    /// Corresponding Zircon constant: `ZX_VMO_CHILD_RESIZABLE`.
    public static let resizable = VmoChildOptions(1 << 2)
    /// Type: a window onto the parent's pages.
    ///
    /// Corresponding Zircon constant: `ZX_VMO_CHILD_SLICE`.
    public static let slice = VmoChildOptions(1 << 3)
    /// Type: copy-on-write where the parent may still show through unmodified pages.
    ///
    /// Corresponding Zircon constant: `ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE`.
    public static let snapshotAtLeastOnWrite = VmoChildOptions(1 << 4)
    /// Modifier: the child handle lacks WRITE.
    ///
    /// Corresponding Zircon constant: `ZX_VMO_CHILD_NO_WRITE`.
    public static let noWrite = VmoChildOptions(1 << 5)
    /// Type: a reference sharing the parent's pages and size.
    ///
    /// Corresponding Zircon constant: `ZX_VMO_CHILD_REFERENCE`.
    public static let reference = VmoChildOptions(1 << 6)
    /// Type (NEWEST).
    ///
    /// Corresponding Zircon constant: `ZX_VMO_CHILD_SNAPSHOT_MODIFIED`.
    public static let snapshotModified = VmoChildOptions(1 << 7)
    /// Deprecated alias of `snapshotAtLeastOnWrite`.
    ///
    /// Corresponding Zircon constant: `ZX_VMO_CHILD_COPY_ON_WRITE`.
    public static let copyOnWrite = VmoChildOptions(1 << 4)
    /// Deprecated alias of `snapshotAtLeastOnWrite`.
    ///
    /// Corresponding Zircon constant: `ZX_VMO_CHILD_PRIVATE_PAGER_COPY`.
    public static let privatePagerCopy = VmoChildOptions(1 << 4)

    /// All child-type bits (exactly one must be set).
    public static let types: VmoChildOptions = [.snapshot, .slice, .snapshotAtLeastOnWrite, .reference, .snapshotModified]
    /// The snapshot-type bits (children that get WRITE and lose EXECUTE).
    public static let snapshotTypes: VmoChildOptions = [.snapshot, .snapshotAtLeastOnWrite, .snapshotModified]
}

/// A cache policy for `zx_vmo_set_cache_policy` and mappings of physical VMOs.
public enum CachePolicy: UInt32, Sendable, CaseIterable {
    /// Corresponding Zircon constant: `ZX_CACHE_POLICY_CACHED`.
    case cached = 0
    /// Corresponding Zircon constant: `ZX_CACHE_POLICY_UNCACHED`.
    case uncached = 1
    /// Corresponding Zircon constant: `ZX_CACHE_POLICY_UNCACHED_DEVICE`.
    case uncachedDevice = 2
    /// Corresponding Zircon constant: `ZX_CACHE_POLICY_WRITE_COMBINING`.
    case writeCombining = 3

    /// Bits a valid policy may use. Corresponding Zircon constant: `ZX_CACHE_POLICY_MASK`.
    public static let mask: UInt32 = 3
}
