// HandleEntry (one handle: object + rights) and HandleTable (a process's handles).
//
// Zircon counterpart: zircon/kernel/object/handle.cc (Handle, arena slots, base_value with a
// per-slot generation) and zircon/kernel/object/handle_table.cc (map_handle_to_value, the
// per-process random mixer, GetDispatcherWithRights' BAD_HANDLE → WRONG_TYPE → ACCESS_DENIED).

import KernelContainers
import ZX

/// One handle: a reference to an object plus a rights mask. Immutable; changing rights means
/// a new entry (`replace`). Creating an entry counts a handle on the object; when the last
/// reference to the entry goes away the handle is closed (like Zircon's `HandleOwner`), and the
/// object's `onZeroHandles()` runs if it was the last handle anywhere.
final class HandleEntry: Sendable {
    let object: KernelObject
    let rights: zx_rights_t

    init(object: KernelObject, rights: zx_rights_t) {
        self.object = object
        self.rights = rights
        object.incrementHandleCount()
    }

    deinit {
        // Waits made through this handle end with it (Zircon: Dispatcher::Cancel(handle)).
        object.cancelObservers(boundTo: ObjectIdentifier(self))
        if object.decrementHandleCount() { object.onZeroHandles() }
    }

    /// True if every bit of `required` is present.
    func hasRights(_ required: zx_rights_t) -> Bool { rights & required == required }
}

/// A process's handle table.
///
/// Handle values follow Zircon's encoding:
///
///     base  = generation << 18 | slot index          (18 index bits, 12 generation bits)
///     value = (base << 2 | 0b11) ^ secret            (secret: per table, low two bits zero)
///
/// so a value is never 0 and always has ZX_HANDLE_FIXED_BITS_MASK set; lookup decodes the
/// value to a slot in O(1) and compares the generation. A freed slot goes to the back of a FIFO
/// and is only reused once `reuseDelay` slots are free, so a value comes back only after
/// reuseDelay × 4096 closes (the slot's generation wraps at 12 bits).
///
/// Lock domain: `lock` guards the slots. Entries removed from the table are always returned to
/// the caller and released after the lock is dropped, so `onZeroHandles()` never runs under it.
final class HandleTable: @unchecked Sendable {
    /// Zircon's kMaxHandleCount (per table here, global there).
    static let maxHandles = 256 * 1024
    static let indexBits: UInt32 = 18
    static let indexMask: UInt32 = (1 << indexBits) - 1
    static let generationMask: UInt32 = (1 << (32 - 2 - indexBits)) - 1
    static let fixedBits = ZX_HANDLE_FIXED_BITS_MASK
    /// Free slots kept in reserve before one is reused.
    static let reuseDelay = 1024

    private struct Slot {
        var entry: HandleEntry?
        var generation: UInt32
    }

    private let lock = KernelLock()
    private let secret: UInt32
    private var slots: ContiguousArray<Slot> = []
    private var freeQueue: [UInt32] = []
    private var freeHead = 0
    private var live = 0
    private var closed = false

    /// `mixer`: random bits (e.g. from the kernel's generator); its low two bits are dropped.
    init(mixer: UInt32) {
        secret = mixer & ~HandleTable.fixedBits
    }

    // MARK: Value encoding

    private func encode(index: Int, generation: UInt32) -> zx_handle_t {
        let base = (generation << HandleTable.indexBits) | UInt32(truncatingIfNeeded: index)
        return ((base << 2) | HandleTable.fixedBits) ^ secret
    }

    /// The slot a value names, if it is well formed and live (caller holds the lock).
    private func slotIndexLocked(_ value: zx_handle_t) -> Int? {
        guard value & HandleTable.fixedBits == HandleTable.fixedBits else { return nil }
        let base = (value ^ secret) >> 2
        let index = Int(base & HandleTable.indexMask)
        let generation = base >> HandleTable.indexBits
        guard index < slots.count, slots[index].entry != nil,
              slots[index].generation == generation else { return nil }
        return index
    }

    // MARK: Slot allocation (caller holds the lock)

    private var freeCountLocked: Int { freeQueue.count - freeHead }

    private func allocateSlotLocked() throws(ZxStatus) -> Int {
        if freeCountLocked >= HandleTable.reuseDelay
            || (slots.count >= HandleTable.maxHandles && freeCountLocked > 0) {
            let index = Int(freeQueue[freeHead])
            freeHead += 1
            if freeHead >= 4096 && freeHead * 2 >= freeQueue.count {
                freeQueue.removeFirst(freeHead)
                freeHead = 0
            }
            return index
        }
        guard slots.count < HandleTable.maxHandles else { throw .noResources }
        slots.append(Slot(entry: nil, generation: 0))
        return slots.count - 1
    }

    private func insertLocked(_ entry: HandleEntry) throws(ZxStatus) -> zx_handle_t {
        guard !closed else { throw .badState }
        let index = try allocateSlotLocked()
        let generation = (slots[index].generation &+ 1) & HandleTable.generationMask
        slots[index] = Slot(entry: entry, generation: generation)
        live += 1
        return encode(index: index, generation: generation)
    }

    private func removeLocked(at index: Int) -> HandleEntry? {
        let entry = slots[index].entry.take()
        freeQueue.append(UInt32(index))
        live -= 1
        return entry
    }

    // MARK: API

    /// Installs a new handle to `object` with `rights`.
    /// - Throws: `.noResources` when the table is full; `.badState` once the table was torn
    ///   down (the process is dead).
    func add(_ object: KernelObject, _ rights: zx_rights_t) throws(ZxStatus) -> zx_handle_t {
        try add(HandleEntry(object: object, rights: rights))
    }

    /// Installs an existing entry (a handle moved from elsewhere, e.g. a channel message).
    func add(_ entry: HandleEntry) throws(ZxStatus) -> zx_handle_t {
        try lock.withLock { () throws(ZxStatus) in try insertLocked(entry) }
    }

    /// The handle named by `value`.
    /// - Throws: `.badHandle`.
    func lookup(_ value: zx_handle_t) throws(ZxStatus) -> HandleEntry {
        let entry: HandleEntry? = lock.withLock {
            guard let index = slotIndexLocked(value) else { return nil }
            return slots[index].entry
        }
        guard let entry else { throw .badHandle }
        return entry
    }

    /// The object behind `value` as a `T`, checked in Zircon's order: `.badHandle` (no such
    /// handle), `.wrongType` (not a `T`), `.accessDenied` (missing any bit of `rights`).
    /// Returns the object and the handle's full rights.
    func lookup<T: KernelObject>(_ value: zx_handle_t, as type: T.Type,
                                 rights: zx_rights_t) throws(ZxStatus) -> (T, zx_rights_t) {
        let entry = try lookup(value)
        let object: T
        // Dispatchers are final classes: an exact metatype compare is a pointer compare, much
        // cheaper than a generic dynamic cast on this every-syscall path.
        if Swift.type(of: entry.object) == T.self {
            object = unsafeDowncast(entry.object, to: T.self)
        } else if let cast = entry.object as? T {
            object = cast
        } else {
            throw .wrongType
        }
        guard entry.hasRights(rights) else { throw .accessDenied }
        return (object, entry.rights)
    }

    /// Removes the handle and returns it; it closes when the caller drops it.
    /// - Throws: `.badHandle`.
    func remove(_ value: zx_handle_t) throws(ZxStatus) -> HandleEntry {
        let entry: HandleEntry? = lock.withLock {
            guard let index = slotIndexLocked(value) else { return nil }
            return removeLocked(at: index)
        }
        guard let entry else { throw .badHandle }
        return entry
    }

    /// `zx_handle_replace`: the old handle is always consumed (also when the rights are
    /// rejected); the new one has `rights`, or the same rights for ZX_RIGHT_SAME_RIGHTS.
    /// - Throws: `.badHandle`; `.invalidArgs` if `rights` is not a subset of the old rights.
    func replace(_ value: zx_handle_t, rights: zx_rights_t) throws(ZxStatus) -> zx_handle_t {
        let result: (HandleEntry?, Result<zx_handle_t, ZxStatus>) = lock.withLock {
            guard let index = slotIndexLocked(value), let old = removeLocked(at: index) else {
                return (nil, .failure(.badHandle))
            }
            let newRights: zx_rights_t
            if rights == ZX_RIGHT_SAME_RIGHTS {
                newRights = old.rights
            } else if old.hasRights(rights) {
                newRights = rights
            } else {
                return (old, .failure(.invalidArgs))
            }
            do throws(ZxStatus) {
                return (old, .success(try insertLocked(HandleEntry(object: old.object, rights: newRights))))
            } catch {
                return (old, .failure(error))
            }
        }
        // result.0 (the consumed handle) is released here, outside the lock.
        return try withExtendedLifetime(result.0) { () throws(ZxStatus) in try result.1.get() }
    }

    /// Live handles in the table.
    var count: Int { lock.withLock { live } }

    /// Calls `body` for each live handle, with the lock held (body must not touch the table).
    func forEachHandle(_ body: (zx_handle_t, HandleEntry) -> Void) {
        lock.withLock {
            for index in slots.indices {
                if let entry = slots[index].entry {
                    body(encode(index: index, generation: slots[index].generation), entry)
                }
            }
        }
    }

    /// Tears the table down (process death): removes every handle and refuses new ones.
    /// The returned entries close when the caller drops them.
    func removeAll() -> [HandleEntry] {
        lock.withLock {
            closed = true
            var entries: [HandleEntry] = []
            entries.reserveCapacity(live)
            for index in slots.indices {
                if let entry = slots[index].entry.take() { entries.append(entry) }
            }
            live = 0
            return entries
        }
    }
}
