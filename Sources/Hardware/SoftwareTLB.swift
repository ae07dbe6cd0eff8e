// SoftwareTLB: a per-thread, direct-mapped translation cache in front of one ArchVmAspace.
//
// Every emulated memory access goes through `translate` (hit) and, on nil, `fill` (walk); when
// `fill` also returns nil the caller runs the VM page-fault handler and retries.
//
// Slot layout: `tag = vpn << 1 | writable`, `hostDelta` (host address of the page minus its
// virtual address, so the result is one add), and the aspace generation the slot was filled under. A hit is one compare of the tag (the low bit is forced to
// 1 for reads, so a read matches either permission and a write needs a writable slot), one length
// compare and one acquire load + compare of the generation. Empty slots hold a tag no page can
// produce (`UInt.max`). Measured (release, x86-64): a hit-path 8-byte load costs ~5x a raw load
// in a throughput-bound loop and ~2x in a latency-bound (pointer-chasing) one. Counting hits on
// that path would add ~20%, so `hits` is only maintained when Hardware is built with
// `-D ZIRCONIA_TLB_STATS`; `misses` (walks) is always counted.
//
// TLB correctness contract:
// 1. An access that *begins* after `unmap`/`protect`/`destroy` (or a `map` that overwrote an entry)
//    returned misses: the operation bumped `aspace.generation` (release) before returning, the
//    hit path loads it (acquire), and every slot filled earlier carries an older generation. The
//    miss walks the new tables and faults if the page is gone or no longer allows the access.
// 2. An access racing with such an operation may complete against the old page, as on a CPU
//    before the shootdown IPI lands. The VM must not reuse a page it unmapped until the unmap
//    returned (it never does: it frees pages after unmapping them).
// 3. Slots record write permission. A read fill of a read-only entry (e.g. the shared zero page)
//    makes a later write miss and fault. A read fill of a writable but clean (D = 0) entry is also
//    cached read-only, so the first write walks again and sets D, like an x86 TLB.
// 4. Physical pages outside RAM (device memory) never enter these slots; `fill` and `install`
//    return nil for them. Device translations live in a separate small cache
//    (`deviceSlots`, SoftwareTLB+Device.swift) consulted only after the RAM hit path missed, so
//    the RAM hit path is unchanged, and a device hit never yields a host pointer: every access
//    through it is a call on the device.
//
// Zircon counterpart: none in software — this is the x86 TLB plus the shootdown of
// zircon/kernel/arch/x86/mmu.cc (x86_tlb_invalidate_page / TlbInvalidate), with the IPI replaced
// by a generation check.

import Synchronization
import ZX

/// One cached translation.
@usableFromInline
struct TLBSlot {
    /// `vpn << 1 | writable`, or `SoftwareTLB.emptyTag`.
    @usableFromInline var tag: UInt
    /// Host address of the page's first byte minus the page's virtual address, so that
    /// `hostDelta &+ va` is the host address of `va`.
    @usableFromInline var hostDelta: UInt
    /// `aspace.generation` when the slot was filled.
    @usableFromInline var generation: UInt64

    @usableFromInline init(tag: UInt, hostDelta: UInt, generation: UInt64) {
        self.tag = tag
        self.hostDelta = hostDelta
        self.generation = generation
    }
}

/// Hit and miss counters, kept out of line so the inlinable hit path can bump them without class
/// exclusivity checks.
@usableFromInline
struct TLBCounters {
    @usableFromInline var hits: UInt64 = 0
    @usableFromInline var misses: UInt64 = 0
    @usableFromInline init() {}
}

/// A per-thread software TLB (direct-mapped, power-of-two entries) bound to one ArchVmAspace.
/// Not Sendable: the thread that created it owns it.
public final class SoftwareTLB {
    public let aspace: ArchVmAspace
    /// Page-offset bits; fixed at 12 (checked against `PageGeometry` in `init`). Literal so the
    /// inlined hit path needs no cross-module global access.
    @usableFromInline static var pageShift: UInt { 12 }
    @usableFromInline static var pageSize: UInt { 4096 }
    @usableFromInline static var emptyTag: UInt { UInt.max }

    @usableFromInline let slots: UnsafeMutablePointer<TLBSlot>
    @usableFromInline let mask: UInt
    @usableFromInline let counters: UnsafeMutablePointer<TLBCounters>
    let entryCount: Int
    /// Raised while this TLB's owner uses a translation (see AccessRegistry).
    @usableFromInline let activity: UnsafeMutablePointer<Atomic<UInt32>>
    /// Device translations (SoftwareTLB+Device.swift): direct-mapped, never on the RAM hit path.
    var deviceSlots = [DeviceTLBSlot](repeating: DeviceTLBSlot(), count: SoftwareTLB.deviceSlotCount)

    /// Creates an empty TLB with `entries` slots (a power of two).
    public init(aspace: ArchVmAspace, entries: Int = 256) {
        precondition(entries > 0 && entries & (entries - 1) == 0, "SoftwareTLB: entries must be a power of two")
        precondition(PageGeometry.shift == Int(SoftwareTLB.pageShift), "SoftwareTLB assumes 4 KiB pages")
        self.aspace = aspace
        self.entryCount = entries
        self.mask = UInt(entries - 1)
        self.slots = .allocate(capacity: entries)
        slots.initialize(repeating: TLBSlot(tag: SoftwareTLB.emptyTag, hostDelta: 0, generation: 0),
                         count: entries)
        self.counters = .allocate(capacity: 1)
        counters.initialize(to: TLBCounters())
        self.activity = aspace.memory.accessRegistry.register()
    }

    deinit {
        aspace.memory.accessRegistry.unregister(activity)
        slots.deinitialize(count: entryCount)
        slots.deallocate()
        counters.deinitialize(count: 1)
        counters.deallocate()
    }

    /// Translations served by `translate` (only counted with `-D ZIRCONIA_TLB_STATS`; else 0).
    public var hits: UInt64 { counters.pointee.hits }
    /// Calls to `fill` (walks).
    public var misses: UInt64 { counters.pointee.misses }

    /// Drops every cached translation.
    public func flushAll() {
        for index in 0..<entryCount { slots[index].tag = SoftwareTLB.emptyTag }
        for index in deviceSlots.indices { deviceSlots[index] = DeviceTLBSlot() }
    }

    /// Opens an access window: until `endAccess`, a page translated by this TLB is not freed
    /// (AccessRegistry.synchronize waits). Keep windows to one load, store or page copy.
    @inlinable @inline(__always)
    public func beginAccess() { view.beginAccess() }

    /// Closes the access window opened by `beginAccess`.
    @inlinable @inline(__always)
    public func endAccess() { view.endAccess() }

    /// Fast path: the host pointer for `va` if a valid slot allows the access and the `length`
    /// bytes stay inside the page; else nil (call `fill`). Allocation-free.
    @inlinable @inline(__always)
    public func translate(_ va: VirtualAddress, length: Int, write: Bool) -> UnsafeMutableRawPointer? {
        let pointer = view.translate(va, length: length, write: write)
        #if ZIRCONIA_TLB_STATS
        if pointer != nil { counters.pointee.hits &+= 1 }
        #endif
        return pointer
    }

    /// A register-friendly copy of this TLB's hot fields for tight loops (see `TLBView`).
    @inlinable
    public var view: TLBView {
        TLBView(slots: slots, mask: mask, activity: activity, generation: aspace.generationCell)
    }

    /// Miss path: walks the tables; if a present entry allows the access, caches it and returns
    /// the host pointer for `va`; else nil (the caller runs the page-fault handler and retries).
    /// Does not check the access length; `translate` does on the retry.
    public func fill(_ va: VirtualAddress, write: Bool) -> UnsafeMutableRawPointer? {
        counters.pointee.misses &+= 1
        let vpn = va.pageNumber
        guard let walk = aspace.walkLocking(vpn, write: write, cacheableFlags: true) else { return nil }
        let writable = walk.flags.contains(.write)
        if write && !writable { return nil }
        let slot = slots + Int(bitPattern: vpn & mask)
        let pageAddress = vpn &<< SoftwareTLB.pageShift
        slot.pointee = TLBSlot(tag: (vpn &<< 1) | (writable ? 1 : 0),
                               hostDelta: UInt(bitPattern: walk.hostPage) &- pageAddress,
                               generation: walk.generation)
        return walk.hostPage + va.pageOffset
    }

    /// Caches a translation the page-fault handler just installed, skipping the second walk.
    /// `generation` must have been read while the locks that guard this translation (the VM's
    /// aspace and VMO locks) were still held after the entry was written, so that any later
    /// invalidation bumps past it. Returns the host pointer for `va`, or nil for a physical page
    /// outside RAM (device memory never enters the TLB).
    public func install(_ va: VirtualAddress, physical: PhysicalAddress, writable: Bool,
                        generation: UInt64) -> UnsafeMutableRawPointer? {
        let memory = aspace.memory
        guard memory.contains(physical, length: PageGeometry.size) else { return nil }
        let vpn = va.pageNumber
        let hostPage = memory.hostPointer(physical)
        slots[Int(bitPattern: vpn & mask)] = TLBSlot(
            tag: (vpn &<< 1) | (writable ? 1 : 0),
            hostDelta: UInt(bitPattern: hostPage) &- (vpn &<< SoftwareTLB.pageShift),
            generation: generation)
        return hostPage + va.pageOffset
    }

    /// `translate`, falling back to `fill`: the host pointer or nil (fault).
    @inlinable
    public func access(_ va: VirtualAddress, length: Int, write: Bool) -> UnsafeMutableRawPointer? {
        if let pointer = translate(va, length: length, write: write) { return pointer }
        guard length >= 0, length <= Int(SoftwareTLB.pageSize) - va.pageOffset else { return nil }
        return fill(va, write: write)
    }
}

/// The hit path of one SoftwareTLB as a plain value: raw pointers to its slots, its activity
/// flag and its aspace's generation. Held in a local variable, its fields stay in registers, so
/// a hit costs only the slot and generation loads — the access window's compiler fence does not
/// force the TLB's own fields to be reloaded. Valid while the SoftwareTLB lives, on its thread.
public struct TLBView {
    @usableFromInline let slots: UnsafeMutablePointer<TLBSlot>
    @usableFromInline let mask: UInt
    @usableFromInline let activity: UnsafeMutablePointer<Atomic<UInt32>>
    @usableFromInline let generation: UnsafeMutablePointer<Atomic<UInt64>>

    @usableFromInline
    init(slots: UnsafeMutablePointer<TLBSlot>, mask: UInt, activity: UnsafeMutablePointer<Atomic<UInt32>>,
         generation: UnsafeMutablePointer<Atomic<UInt64>>) {
        self.slots = slots
        self.mask = mask
        self.activity = activity
        self.generation = generation
    }

    /// See `SoftwareTLB.beginAccess`.
    @inlinable @inline(__always)
    public func beginAccess() {
        activity.pointee.store(1, ordering: .relaxed)
        atomicMemoryFence(ordering: .acquiringAndReleasing)
    }

    /// See `SoftwareTLB.endAccess`.
    @inlinable @inline(__always)
    public func endAccess() {
        activity.pointee.store(0, ordering: .releasing)
    }

    /// See `SoftwareTLB.translate`.
    @inlinable @inline(__always)
    public func translate(_ va: VirtualAddress, length: Int, write: Bool) -> UnsafeMutableRawPointer? {
        let address = va.rawValue
        let vpn = address &>> SoftwareTLB.pageShift
        let offset = address & (SoftwareTLB.pageSize &- 1)
        let slot = slots + Int(bitPattern: vpn & mask)
        let readMatches: UInt = write ? 0 : 1
        guard slot.pointee.tag | readMatches == (vpn &<< 1) | 1,
              UInt(bitPattern: length) <= SoftwareTLB.pageSize &- offset,
              slot.pointee.generation == generation.pointee.load(ordering: .acquiring)
        else { return nil }
        return UnsafeMutableRawPointer(bitPattern: slot.pointee.hostDelta &+ address).unsafelyUnwrapped
    }
    /// A TLB-hit load inside an access window: the value, or nil on a miss (the caller faults the
    /// page in and retries). The one copy of the hit path every accessor uses.
    @inlinable @inline(__always)
    public func loadIfHit<T: FixedWidthInteger>(_ type: T.Type, from address: UInt) -> T? {
        beginAccess()
        defer { endAccess() }
        guard let pointer = translate(VirtualAddress(address), length: MemoryLayout<T>.size, write: false) else {
            return nil
        }
        return pointer.loadUnaligned(as: T.self)
    }

    /// A TLB-hit store inside an access window; false on a miss.
    @inlinable @inline(__always)
    public func storeIfHit<T: FixedWidthInteger>(_ value: T, to address: UInt) -> Bool {
        beginAccess()
        defer { endAccess() }
        guard let pointer = translate(VirtualAddress(address), length: MemoryLayout<T>.size, write: true) else {
            return false
        }
        pointer.storeBytes(of: value, as: T.self)
        return true
    }
}
