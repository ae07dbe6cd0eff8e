// PageRequest: one outstanding ask to a user pager ("supply these pages", "may these pages become
// dirty?"), the threads waiting for it, and the sink through which the VM tells the pager.
//
// The VM never blocks while it holds a lock. An operation that meets a page the pager has not
// supplied records (or joins) a request under the hierarchy lock, drops every lock, and calls a
// `PageRequestWaiter` — the kernel's is interruptible by thread kill — then retries from scratch.
//
// Zircon counterpart: zircon/kernel/vm/include/vm/page_source.h (PageRequest, PageSource's
// outstanding-request tracking) and vm/pager_proxy.cc (the packets on the pager's port).

import Dispatch
import KernelContainers
import ZX

/// What a page request asks of the pager (the packet's `command`).
public enum PageRequestCommand: Sendable, Equatable {
    /// ZX_PAGER_VMO_READ: supply the range's contents.
    case read
    /// ZX_PAGER_VMO_DIRTY: acknowledge (ZX_PAGER_OP_DIRTY) that the range may be written.
    case dirty
    /// ZX_PAGER_VMO_COMPLETE: the VMO is gone or detached; the last packet about it.
    case complete
}

/// Where a pager-backed VMO's requests go: the kernel's pager object, which turns them into port
/// packets. Called with the VMO's hierarchy lock held, so it may only queue (the port's lock is a
/// leaf lock) and must never call back into the VM.
public protocol PageRequestSink: AnyObject, Sendable {
    /// Queues a packet for [offset, offset+length) of the VMO.
    func send(_ command: PageRequestCommand, offset: UInt64, length: UInt64)
    /// Withdraws a queued packet the pager has not read yet (a supply made it moot).
    func withdraw(_ command: PageRequestCommand, offset: UInt64, length: UInt64)
}

/// An outstanding request. Its range and command are fixed; it completes exactly once, either
/// satisfied (waiters retry their operation) or failed with the status the waiters report.
public final class PageRequest: @unchecked Sendable {
    public let command: PageRequestCommand
    public let offset: UInt64
    public let length: UInt64
    var end: UInt64 { offset + length }

    /// Guards `completed`, `failure` and `wakeups`. A leaf lock: nothing is called while it is held.
    private let stateLock = KernelLock()
    private var completed = false
    private var failure: ZxStatus?
    private var wakeups: [@Sendable () -> Void] = []

    init(_ command: PageRequestCommand, offset: UInt64, length: UInt64) {
        self.command = command
        self.offset = offset
        self.length = length
    }

    func covers(_ position: UInt64) -> Bool { position >= offset && position < end }

    /// Ends the request: `nil` means satisfied (or moot: retry and see), otherwise the failure
    /// every waiter reports. Only the first call counts.
    func complete(failing status: ZxStatus? = nil) {
        let toWake: [@Sendable () -> Void] = stateLock.withLock {
            guard !completed else { return [] }
            completed = true
            failure = status
            defer { wakeups = [] }
            return wakeups
        }
        for wake in toWake { wake() }
    }

    /// Calls `wake` once the request completes (at once if it already has).
    public func whenComplete(_ wake: @escaping @Sendable () -> Void) {
        let already: Bool = stateLock.withLock {
            if !completed { wakeups.append(wake) }
            return completed
        }
        if already { wake() }
    }

    /// Whether the request completed, and with which failure (nil: satisfied).
    public var outcome: (completed: Bool, failure: ZxStatus?) {
        stateLock.withLock { (completed, failure) }
    }

    /// Blocks the calling host thread until the request completes. For callers that are not
    /// simulated threads (VM unit tests, kernel-internal work); simulated threads use the
    /// kernel's waiter, which a kill interrupts.
    public static func uninterruptibleWait(_ request: PageRequest) throws(ZxStatus) {
        let done = DispatchSemaphore(value: 0)
        request.whenComplete { done.signal() }
        done.wait()
    }
}

/// Blocks until `request` completes (or throws, e.g. when the waiting thread is killed). The VM
/// holds no lock while it runs.
public typealias PageRequestWaiter = (PageRequest) throws(ZxStatus) -> Void

