// WaitEvent: the one-shot, per-waiter blocking primitive under every blocking syscall
// (zx_object_wait_one, zx_port_wait, zx_channel_call); FifoQueue: the ring buffer behind
// port packet queues and channel message queues.
//
// Zircon counterpart: kernel/include/kernel/event.h (Event::Wait(Deadline) / Signal) and the
// fbl::DoublyLinkedList FIFOs of port_dispatcher.cc and channel_dispatcher.cc.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
#if os(Linux)
import CHostSupport
#endif
import ZX

/// One waiting thread's wake-up: a one-shot "signaled" flag that waiters sleep on. Each blocking
/// call makes its own, so a signal wakes exactly the thread it is meant for; nothing ever polls.
///
/// On Linux the flag is a futex word (CHostSupport/futex.c): no mutex, so a woken thread never
/// lands on a lock the signaller still holds — the pager and channel round trips are two thread
/// hand-offs each, and that extra sleep/wake pair would double them. Elsewhere a mutex + condition
/// variable pair (monotonic clock) does the same job. Whatever a signaller writes before
/// `signal()` is visible to the waiter once `wait` returns true.
final class WaitEvent: @unchecked Sendable {
    #if os(Linux)
    private let word: UnsafeMutablePointer<UInt32>

    init() {
        word = .allocate(capacity: 1)
        word.initialize(to: 0)
    }

    deinit {
        word.deallocate()
    }

    /// Wakes every waiter (now or when they come to wait). Idempotent. Also serves as the
    /// host-side one-shot latch for "until the thread/process is dead" waits.
    func signal() {
        zirconia_event_signal(word)
    }

    /// True once signaled (without blocking).
    var isSignaled: Bool {
        zirconia_event_is_signaled(word) == 1
    }

    /// Blocks until signaled or until `deadline` (ZX_CLOCK_MONOTONIC ns) has passed;
    /// ZX_TIME_INFINITE waits forever. Returns true if signaled.
    func wait(until deadline: zx_time_t) -> Bool {
        zirconia_event_wait(word, deadline == ZX_TIME_INFINITE ? Int64.max : deadline) == 1
    }
    #else

    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let cond: UnsafeMutablePointer<pthread_cond_t>
    private var signaled = false

    init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        cond = .allocate(capacity: 1)
        cond.initialize(to: pthread_cond_t())
        #if canImport(Darwin)
        pthread_cond_init(cond, nil)
        #else
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(cond, &attributes)
        pthread_condattr_destroy(&attributes)
        #endif
    }

    deinit {
        pthread_cond_destroy(cond)
        cond.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Wakes every waiter (now or when they come to wait). Idempotent. Also serves as the
    /// host-side one-shot latch for "until the thread/process is dead" waits.
    func signal() {
        pthread_mutex_lock(mutex)
        signaled = true
        pthread_cond_broadcast(cond)
        pthread_mutex_unlock(mutex)
    }

    /// True once signaled (without blocking).
    var isSignaled: Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return signaled
    }

    /// Blocks until signaled or until `deadline` (ZX_CLOCK_MONOTONIC ns) has passed;
    /// ZX_TIME_INFINITE waits forever. Returns true if signaled.
    func wait(until deadline: zx_time_t) -> Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while !signaled {
            if deadline == ZX_TIME_INFINITE {
                pthread_cond_wait(cond, mutex)
                continue
            }
            let now = Kernel.monotonicNow()
            if now >= deadline { return false }
            #if canImport(Darwin)
            let remaining = deadline - now
            var relative = timespec(tv_sec: Int(remaining / 1_000_000_000),
                                    tv_nsec: Int(remaining % 1_000_000_000))
            _ = pthread_cond_timedwait_relative_np(cond, mutex, &relative)
            #else
            var absolute = timespec(tv_sec: Int(deadline / 1_000_000_000),
                                    tv_nsec: Int(deadline % 1_000_000_000))
            _ = pthread_cond_timedwait(cond, mutex, &absolute)
            #endif
        }
        return true
    }
    #endif
}

extension WaitEvent {
    /// `wait(until:)` as the simulated `thread`: ZX_INFO_THREAD reports `state` meanwhile and a
    /// kill wakes the wait early (see `ThreadDispatcher.blocking`). Kernel-internal waits pass
    /// a nil thread and wait plainly.
    /// - Throws: `.internalIntrKilled` if the thread was killed (the caller then undoes its
    ///   registration and rethrows).
    func wait(until deadline: zx_time_t, as thread: ThreadDispatcher?,
              state: zx_thread_state_t) throws(ZxStatus) -> Bool {
        guard let thread else { return wait(until: deadline) }
        return try thread.blocking(state, interrupt: { [self] in signal() }) { () throws(ZxStatus) in
            wait(until: deadline)
        }
    }
}

/// A growable FIFO ring buffer (power-of-two capacity). Not thread-safe: its owner's lock
/// guards it.
struct FifoQueue<Element> {
    private var storage: ContiguousArray<Element?> = []
    private var head = 0
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    mutating func append(_ element: consuming Element) {
        if count == storage.count { grow() }
        storage[(head + count) & (storage.count - 1)] = element
        count += 1
    }

    /// Puts `element` back at the front.
    mutating func prepend(_ element: consuming Element) {
        if count == storage.count { grow() }
        head = (head - 1) & (storage.count - 1)
        storage[head] = element
        count += 1
    }

    mutating func popFirst() -> Element? {
        guard count > 0 else { return nil }
        let element = storage[head].take()
        head = (head + 1) & (storage.count - 1)
        count -= 1
        if count == 0 { head = 0 }
        return element
    }

    /// Calls `body` with the first element, if any.
    func withFirst<R>(_ body: (borrowing Element) -> R) -> R? {
        guard count > 0, let first = storage[head] else { return nil }
        return body(first)
    }

    /// Empties the queue, returning the elements in order.
    mutating func removeAll() -> [Element] {
        var all: [Element] = []
        all.reserveCapacity(count)
        while let element = popFirst() { all.append(element) }
        return all
    }

    /// Removes the elements `match` selects, keeping the others in order; returns the removed.
    mutating func removeAll(where match: (Element) -> Bool) -> [Element] {
        var removed: [Element] = []
        let n = count
        for _ in 0..<n {
            guard let element = popFirst() else { break }
            if match(element) { removed.append(element) } else { append(element) }
        }
        return removed
    }

    private mutating func grow() {
        let newCapacity = Swift.max(8, storage.count * 2)
        var newStorage = ContiguousArray<Element?>(repeating: nil, count: newCapacity)
        for i in 0..<count {
            newStorage[i] = storage[(head + i) & (storage.count - 1)].take()
        }
        storage = newStorage
        head = 0
    }
}
