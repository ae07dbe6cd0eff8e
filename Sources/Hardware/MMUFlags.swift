// MMUFlags and the x86-64 page-table-entry encoding.
//
// `MMUFlags` is the VM core's internal permission + cache vocabulary (never ABI). `PageTableEntry`
// turns it into 64-bit x86-64 entries and back, the way Zircon's x86 MMU does:
//   - P, RW, US from the permissions; NX unless execute; read is implied by P (x86 has no
//     write-only or no-access PTE, so a mapping must include `.read`).
//   - Cache policy through the PAT selector bits (PAT=7, PCD=4, PWT=3) with Zircon's PAT
//     programming: index 0 write-back (cached), index 3 UC (uncached and uncached-device),
//     index 7 write-combining.
//   - Zircon decodes UC back as plain "uncached"; we additionally keep software-available bit 9
//     on uncached-device entries so the policy round-trips exactly through `query`.
//
// Zircon counterpart: zircon/kernel/vm/include/vm/arch_vm_aspace.h (ARCH_MMU_FLAG_*),
// zircon/kernel/arch/x86/page_tables/page_tables.cc + arch/x86/mmu.cc (terminal_flags,
// pt_flags_to_mmu_flags, X86_MMU_PTE_PAT_*), arch/x86/include/arch/x86/mmu.h.

import ZX

/// Internal MMU permission and cache flags: Zircon's `ARCH_MMU_FLAG_*`, with the same bit values.
///
/// The cache policy is a 2-bit *field* (bits 0–1, ZX_CACHE_POLICY_* numbering), not four
/// independent flags: `.writeCombining` (3) "contains" `.uncached` (1) as far as `OptionSet` is
/// concerned. Compare policies with `cachePolicyBits`, not `contains`.
public struct MMUFlags: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// `ARCH_MMU_FLAG_CACHED` (0): the default; contributes no bits.
    public static let cached = MMUFlags([])
    /// `ARCH_MMU_FLAG_UNCACHED`.
    public static let uncached = MMUFlags(rawValue: 1)
    /// `ARCH_MMU_FLAG_UNCACHED_DEVICE`.
    public static let uncachedDevice = MMUFlags(rawValue: 2)
    /// `ARCH_MMU_FLAG_WRITE_COMBINING`.
    public static let writeCombining = MMUFlags(rawValue: 3)
    /// `ARCH_MMU_FLAG_CACHE_MASK`.
    public static let cacheMask = MMUFlags(rawValue: 3)
    /// `ARCH_MMU_FLAG_PERM_USER`.
    public static let user = MMUFlags(rawValue: 1 << 2)
    /// `ARCH_MMU_FLAG_PERM_READ`.
    public static let read = MMUFlags(rawValue: 1 << 3)
    /// `ARCH_MMU_FLAG_PERM_WRITE`.
    public static let write = MMUFlags(rawValue: 1 << 4)
    /// `ARCH_MMU_FLAG_PERM_EXECUTE`.
    public static let execute = MMUFlags(rawValue: 1 << 5)

    /// The cache-policy field, in ZX_CACHE_POLICY_* numbering (0 cached, 1 uncached,
    /// 2 uncached device, 3 write-combining).
    @inlinable public var cachePolicyBits: UInt32 { rawValue & MMUFlags.cacheMask.rawValue }

    /// Flags holding only the given cache policy (ZX_CACHE_POLICY_* numbering; higher bits ignored).
    @inlinable public init(cachePolicy: UInt32) {
        self.init(rawValue: cachePolicy & MMUFlags.cacheMask.rawValue)
    }

    /// Read, write and execute only.
    @inlinable public var permissions: MMUFlags {
        MMUFlags(rawValue: rawValue & (MMUFlags.read.rawValue | MMUFlags.write.rawValue | MMUFlags.execute.rawValue))
    }

    /// The same flags with the cache field replaced.
    @inlinable public func withCachePolicy(_ policy: UInt32) -> MMUFlags {
        MMUFlags(rawValue: (rawValue & ~MMUFlags.cacheMask.rawValue) | (policy & MMUFlags.cacheMask.rawValue))
    }

    public var description: String {
        var parts: [String] = []
        if contains(.read) { parts.append("r") }
        if contains(.write) { parts.append("w") }
        if contains(.execute) { parts.append("x") }
        if contains(.user) { parts.append("u") }
        switch cachePolicyBits {
        case 1: parts.append("uncached")
        case 2: parts.append("device")
        case 3: parts.append("wc")
        default: break
        }
        return "[" + parts.joined(separator: " ") + "]"
    }
}

/// x86-64 page-table-entry bits and the MMUFlags ⇄ entry translation.
enum PageTableEntry {
    static let present: UInt64 = 1 << 0
    static let writable: UInt64 = 1 << 1
    static let user: UInt64 = 1 << 2
    static let writeThrough: UInt64 = 1 << 3      // PWT
    static let cacheDisable: UInt64 = 1 << 4      // PCD
    static let accessed: UInt64 = 1 << 5
    static let dirty: UInt64 = 1 << 6
    static let pat: UInt64 = 1 << 7               // PAT on 4 KiB PTEs (PS on higher levels)
    static let global: UInt64 = 1 << 8
    /// Software-available bit 9: "uncached device" (hardware sees plain UC).
    static let softwareDevice: UInt64 = 1 << 9
    static let noExecute: UInt64 = 1 << 63
    /// Physical-address bits 12–51.
    static let addressMask: UInt64 = 0x000F_FFFF_FFFF_F000

    /// Flags of an entry that points at a lower-level table.
    static let intermediate: UInt64 = present | writable | user

    /// PAT selector for PAT index `i`: bit 2 → PAT, bit 1 → PCD, bit 0 → PWT.
    static func patSelector(_ index: UInt64) -> UInt64 {
        (index & 4 != 0 ? pat : 0) | (index & 2 != 0 ? cacheDisable : 0) | (index & 1 != 0 ? writeThrough : 0)
    }
    static let patMask: UInt64 = pat | cacheDisable | writeThrough
    static let patWriteBack = patSelector(0)
    static let patUncachable = patSelector(3)
    static let patWriteCombining = patSelector(7)

    /// Bits that differ between two entries in ways a TLB may have cached (A and D excluded).
    static let hardwareStateBits: UInt64 = accessed | dirty

    /// True if `flags` can be expressed as a 4 KiB PTE (x86 requires read permission).
    static func isMappable(_ flags: MMUFlags) -> Bool { flags.contains(.read) }

    /// A terminal (4 KiB) entry for `physical` with `flags`.
    static func leaf(_ physical: PhysicalAddress, _ flags: MMUFlags) -> UInt64 {
        var entry = (physical.rawValue & addressMask) | present
        if flags.contains(.write) { entry |= writable }
        if flags.contains(.user) { entry |= user }
        if !flags.contains(.execute) { entry |= noExecute }
        switch flags.cachePolicyBits {
        case MMUFlags.uncached.rawValue: entry |= patUncachable
        case MMUFlags.uncachedDevice.rawValue: entry |= patUncachable | softwareDevice
        case MMUFlags.writeCombining.rawValue: entry |= patWriteCombining
        default: entry |= patWriteBack
        }
        return entry
    }

    /// The MMU flags a present terminal entry grants.
    static func flags(of entry: UInt64) -> MMUFlags {
        var flags: MMUFlags = .read
        if entry & writable != 0 { flags.insert(.write) }
        if entry & user != 0 { flags.insert(.user) }
        if entry & noExecute == 0 { flags.insert(.execute) }
        switch entry & patMask {
        case patWriteBack: break
        case patWriteCombining: flags.formUnion(.writeCombining)
        default:
            // Index 3 (and, defensively, any index we never program) is uncachable.
            flags.formUnion(entry & softwareDevice != 0 ? .uncachedDevice : .uncached)
        }
        return flags
    }

    /// The physical address an entry points at.
    static func address(_ entry: UInt64) -> PhysicalAddress { PhysicalAddress(entry & addressMask) }
}
