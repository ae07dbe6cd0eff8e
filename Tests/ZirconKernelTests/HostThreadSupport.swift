// Test support shared by the concurrency tests: run a closure on several fresh host OS threads
// at once and join them all (no sleeps; the closures coordinate themselves).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing

/// Runs `body(i)` for i in 0..<count, each on its own host OS thread, and joins them all.
func onHostThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    final class Start: @unchecked Sendable {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }
    var threads: [pthread_t] = []
    for i in 0..<count {
        let start = Unmanaged.passRetained(Start { body(i) }).toOpaque()
        #if canImport(Darwin)
        var thread: pthread_t?
        #else
        var thread = pthread_t()
        #endif
        let rc = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            Unmanaged<Start>.fromOpaque(raw).takeRetainedValue().body()
            return nil
        }, start)
        #expect(rc == 0, "pthread_create failed")
        guard rc == 0 else { Unmanaged<Start>.fromOpaque(start).release(); continue }
        #if canImport(Darwin)
        if let thread { threads.append(thread) }
        #else
        threads.append(thread)
        #endif
    }
    for thread in threads { pthread_join(thread, nil) }
}
