// CacheAttributes: how a cache policy becomes a memory type on each architecture.
//
// The emulated page tables are x86-64's, so x86 is the real encoding: the PAT selector bits of
// the PTE (MMUFlags.swift; Zircon programs PAT index 0 = WB, 3 = UC, 7 = WC). An arm64 machine
// profile keeps those page tables (Zirconia does not emulate the arm64 descriptor format) and
// records the arm64 attribute beside them: `Arm64MemoryAttribute.forCachePolicy` is the
// AttrIndx field a stage-1 descriptor would carry and the MAIR_EL1 byte Zircon programs for that
// index. Tests and inspection read both through `CacheAttributes`.
//
// Zircon counterpart: zircon/kernel/arch/arm64/mmu.cc (mmu_flags_to_s1_pte_attr) and
// arch/arm64/include/arch/arm64/mmu.h (MMU_MAIR_ATTR0..3, MMU_PTE_ATTR_STRONGLY_ORDERED /
// DEVICE / NORMAL_MEMORY / NORMAL_UNCACHED); arch/x86/mmu.cc (X86_MMU_PTE_PAT_*). Note: Zircon's
// code maps ZX_CACHE_POLICY_UNCACHED to Device-nGnRnE ("strongly ordered") and UNCACHED_DEVICE to
// Device-nGnRE; the syscall documentation words it the other way round. We follow the code.

import ZX

/// The arm64 memory attribute a cache policy selects (stage-1 AttrIndx and its MAIR byte).
public struct Arm64MemoryAttribute: Sendable, Equatable, CustomStringConvertible {
    /// The descriptor's AttrIndx (index into MAIR_EL1).
    public let index: Int
    /// The MAIR_EL1 attribute byte Zircon programs at `index`.
    public let mair: UInt8
    public let name: String

    /// AttrIndx 0: Device-nGnRnE (MAIR 0x00), "strongly ordered".
    public static let deviceNGnRnE = Arm64MemoryAttribute(index: 0, mair: 0x00, name: "Device-nGnRnE")
    /// AttrIndx 1: Device-nGnRE (MAIR 0x04).
    public static let deviceNGnRE = Arm64MemoryAttribute(index: 1, mair: 0x04, name: "Device-nGnRE")
    /// AttrIndx 2: Normal, inner/outer write-back read/write-allocate (MAIR 0xff).
    public static let normalWriteBack = Arm64MemoryAttribute(index: 2, mair: 0xFF, name: "Normal-WB")
    /// AttrIndx 3: Normal, inner/outer non-cacheable (MAIR 0x44).
    public static let normalNonCacheable = Arm64MemoryAttribute(index: 3, mair: 0x44, name: "Normal-NC")

    /// The attribute Zircon's arm64 MMU uses for a ZX_CACHE_POLICY_* value (low two bits).
    public static func forCachePolicy(_ policy: UInt32) -> Arm64MemoryAttribute {
        switch policy & 3 {
        case 0: return .normalWriteBack          // CACHED
        case 1: return .deviceNGnRnE             // UNCACHED
        case 2: return .deviceNGnRE              // UNCACHED_DEVICE
        default: return .normalNonCacheable      // WRITE_COMBINING
        }
    }

    /// True for the Device memory types (no caching, merging or speculation).
    public var isDevice: Bool { index <= 1 }

    public var description: String { "\(name) (AttrIndx \(index), MAIR 0x\(String(mair, radix: 16)))" }
}

/// Both architectures' encodings of one translation's cache policy.
public enum CacheAttributes {
    /// The x86 PAT index (0 WB, 3 UC, 7 WC) Zircon's x86 MMU selects for a cache policy.
    public static func x86PatIndex(forCachePolicy policy: UInt32) -> Int {
        switch policy & 3 {
        case 0: return 0
        case 3: return 7
        default: return 3
        }
    }

    /// The x86 PAT index encoded in a present 4 KiB PTE (PAT bit 7, PCD bit 4, PWT bit 3).
    public static func x86PatIndex(ofEntry entry: UInt64) -> Int {
        (entry & PageTableEntry.pat != 0 ? 4 : 0) | (entry & PageTableEntry.cacheDisable != 0 ? 2 : 0)
            | (entry & PageTableEntry.writeThrough != 0 ? 1 : 0)
    }
}

extension ArchVmAspace {
    /// The raw 4 KiB PTE for `va`, or nil if nothing is mapped (for inspecting encodings).
    public func rawEntry(_ va: VirtualAddress) -> UInt64? {
        guard containsPage(va.pageNumber) else { return nil }
        return lock.withLock { () -> UInt64? in
            guard let slot = leafSlotLocked(va.pageNumber) else { return nil }
            let entry = slot.load()
            return entry & PageTableEntry.present != 0 ? entry : nil
        }
    }
}
