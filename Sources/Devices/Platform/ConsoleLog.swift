// ConsoleLog: the machine's console — a thread-safe line buffer that a UART's transmitter feeds
// byte by byte, and that the machine (or a test) reads back as lines. Bounded, because the guest
// decides how much it prints.
//
// Counterpart: QEMU's chardev backends (`-serial mon:stdio`, `-serial file:`) that receive what
// hw/char/pl011.c transmits.
import Synchronization

public final class ConsoleLog: Sendable {
    /// Called with each completed line, in order, under the log's lock: it must not call back
    /// into this log (print it, forward it, return).
    public typealias LineObserver = @Sendable (_ line: String) -> Void

    private struct State {
        var lines: [String] = []
        var partial: [UInt8] = []
        var droppedLines = 0
        var byteCount = 0
        var lastWasCarriageReturn = false
    }

    /// The most lines kept; older ones are dropped (counted in `droppedLineCount`).
    public let maximumLines: Int
    /// A line longer than this is broken, so a guest that never prints a newline cannot grow
    /// the buffer without bound.
    public let maximumLineLength: Int
    private let observer: LineObserver?
    private let state = Mutex(State())

    public init(maximumLines: Int = 10_000, maximumLineLength: Int = 4096, onLine: LineObserver? = nil) {
        self.maximumLines = max(1, maximumLines)
        self.maximumLineLength = max(1, maximumLineLength)
        self.observer = onLine
    }

    /// A transmit sink for a UART: `PL011Uart(transmit: log.sink)`.
    public var sink: @Sendable (UInt8) -> Void {
        { [self] byte in append(byte) }
    }

    /// Adds one byte. "\n" ends a line; "\r\n" counts as one line end and a lone "\r" as one too
    /// (both are how guests end console lines).
    public func append(_ byte: UInt8) {
        state.withLock { state in
            state.byteCount &+= 1
            switch byte {
            case UInt8(ascii: "\n"):
                if state.lastWasCarriageReturn {
                    state.lastWasCarriageReturn = false
                    return
                }
                finishLine(&state)
            case UInt8(ascii: "\r"):
                finishLine(&state)
                state.lastWasCarriageReturn = true
            default:
                state.lastWasCarriageReturn = false
                state.partial.append(byte)
                if state.partial.count >= maximumLineLength { finishLine(&state) }
            }
        }
    }

    /// Adds every byte of `bytes`, in order.
    public func append(contentsOf bytes: some Sequence<UInt8>) {
        for byte in bytes { append(byte) }
    }

    /// The completed lines still kept, oldest first (without their line ends).
    public var lines: [String] {
        state.withLock { Array($0.lines.suffix(maximumLines)) }
    }

    /// What has been printed since the last line end.
    public var pendingLine: String {
        state.withLock { String(decoding: $0.partial, as: UTF8.self) }
    }

    /// Every kept line joined with "\n", followed by the pending line.
    public var text: String {
        state.withLock { state in
            (state.lines.suffix(maximumLines) + [String(decoding: state.partial, as: UTF8.self)])
                .joined(separator: "\n")
        }
    }

    /// Bytes received since creation (or the last `clear()`), including dropped ones.
    public var byteCount: Int {
        state.withLock { $0.byteCount }
    }

    /// Lines discarded because more than `maximumLines` were kept.
    public var droppedLineCount: Int {
        state.withLock { $0.droppedLines + max(0, $0.lines.count - maximumLines) }
    }

    /// Forgets everything.
    public func clear() {
        state.withLock { $0 = State() }
    }

    private func finishLine(_ state: inout State) {
        let line = String(decoding: state.partial, as: UTF8.self)
        state.partial.removeAll(keepingCapacity: true)
        state.lines.append(line)
        // Trim in batches so keeping the newest `maximumLines` stays amortised O(1) per line.
        if state.lines.count > maximumLines + maximumLines / 4 {
            let excess = state.lines.count - maximumLines
            state.lines.removeFirst(excess)
            state.droppedLines += excess
        }
        observer?(line)
    }
}
