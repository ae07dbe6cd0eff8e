// KernelLock: the mutex every kernel lock domain is built on.
//
// Zircon counterpart: kernel/lib/locking (Mutex, Guard<Mutex>). A plain pthread mutex rather
// than Synchronization.Mutex because kernel state lives in classes guarded by a *domain* lock
// (one per address space, one per VMO hierarchy), not inside the lock's own value, and the
// fault path must be able to drop a lock explicitly before it waits.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

public final class KernelLock: @unchecked Sendable {
    @usableFromInline let mutex: UnsafeMutablePointer<pthread_mutex_t>

    public init() {
        mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    @inlinable public func lock() { pthread_mutex_lock(mutex) }
    @inlinable public func unlock() { pthread_mutex_unlock(mutex) }
    /// Returns true if the lock was taken.
    @inlinable public func tryLock() -> Bool { pthread_mutex_trylock(mutex) == 0 }

    /// Runs `body` with the lock held. Typed throws pass through unchanged.
    @inlinable
    public func withLock<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}
