// ZxStatus: the Swift statics match the C constants, names print as Zircon spells them, and
// `zx_status_get_string` / `capture` / `check` convert between the C and Swift conventions.

import Testing
import ZX

@Suite("Status codes")
struct StatusTests {
    static let pairs: [(ZxStatus, zx_status_t)] = [
        (.internal, ZX_ERR_INTERNAL), (.notSupported, ZX_ERR_NOT_SUPPORTED),
        (.noResources, ZX_ERR_NO_RESOURCES), (.noMemory, ZX_ERR_NO_MEMORY),
        (.internalIntrRetry, ZX_ERR_INTERNAL_INTR_RETRY), (.invalidArgs, ZX_ERR_INVALID_ARGS),
        (.badHandle, ZX_ERR_BAD_HANDLE), (.wrongType, ZX_ERR_WRONG_TYPE), (.badSyscall, ZX_ERR_BAD_SYSCALL),
        (.outOfRange, ZX_ERR_OUT_OF_RANGE), (.bufferTooSmall, ZX_ERR_BUFFER_TOO_SMALL),
        (.badState, ZX_ERR_BAD_STATE), (.timedOut, ZX_ERR_TIMED_OUT), (.shouldWait, ZX_ERR_SHOULD_WAIT),
        (.canceled, ZX_ERR_CANCELED), (.peerClosed, ZX_ERR_PEER_CLOSED), (.notFound, ZX_ERR_NOT_FOUND),
        (.alreadyExists, ZX_ERR_ALREADY_EXISTS), (.alreadyBound, ZX_ERR_ALREADY_BOUND),
        (.unavailable, ZX_ERR_UNAVAILABLE), (.accessDenied, ZX_ERR_ACCESS_DENIED), (.io, ZX_ERR_IO),
        (.ioRefused, ZX_ERR_IO_REFUSED), (.ioDataIntegrity, ZX_ERR_IO_DATA_INTEGRITY),
        (.ioDataLoss, ZX_ERR_IO_DATA_LOSS), (.ioNotPresent, ZX_ERR_IO_NOT_PRESENT),
        (.ioOverrun, ZX_ERR_IO_OVERRUN), (.ioMissedDeadline, ZX_ERR_IO_MISSED_DEADLINE),
        (.ioInvalid, ZX_ERR_IO_INVALID), (.badPath, ZX_ERR_BAD_PATH), (.notDir, ZX_ERR_NOT_DIR),
        (.notFile, ZX_ERR_NOT_FILE), (.fileBig, ZX_ERR_FILE_BIG), (.noSpace, ZX_ERR_NO_SPACE),
        (.notEmpty, ZX_ERR_NOT_EMPTY), (.stop, ZX_ERR_STOP), (.next, ZX_ERR_NEXT), (.async, ZX_ERR_ASYNC),
        (.protocolNotSupported, ZX_ERR_PROTOCOL_NOT_SUPPORTED),
        (.addressUnreachable, ZX_ERR_ADDRESS_UNREACHABLE), (.addressInUse, ZX_ERR_ADDRESS_IN_USE),
        (.notConnected, ZX_ERR_NOT_CONNECTED), (.connectionRefused, ZX_ERR_CONNECTION_REFUSED),
        (.connectionReset, ZX_ERR_CONNECTION_RESET), (.connectionAborted, ZX_ERR_CONNECTION_ABORTED),
        (.internalIntrKilled, ZX_ERR_INTERNAL_INTR_KILLED),
    ]

    @Test(arguments: pairs)
    func swiftStaticMatchesCConstant(status: ZxStatus, constant: zx_status_t) {
        #expect(status.rawValue == constant)
        #expect(status.description == zx_status_get_string(constant))
    }

    @Test func everyErrorHasAStatic() {
        // All defined statuses except ZX_OK are covered by a ZxStatus static.
        #expect(Set(Self.pairs.map(\.1)) == Set(zxStatusNames.map(\.status).filter { $0 != ZX_OK }))
    }

    @Test func names() {
        #expect(zx_status_get_string(ZX_OK) == "ZX_OK")
        #expect(zx_status_get_string(ZX_ERR_NO_MEMORY) == "ZX_ERR_NO_MEMORY")
        #expect(zx_status_get_string(ZX_ERR_INTERNAL_INTR_RETRY) == "ZX_ERR_INTERNAL_INTR_RETRY")
        #expect(zx_status_get_string(ZX_ERR_CONNECTION_ABORTED) == "ZX_ERR_CONNECTION_ABORTED")
        #expect(zx_status_get_string(ZX_ERR_INTERNAL_INTR_KILLED) == "ZX_ERR_INTERNAL_INTR_KILLED")
        #expect(zx_status_get_string(-5) == "(UNKNOWN)")
        #expect(zx_status_get_string(1) == "(UNKNOWN)")
        #expect(zx_status_get_string(Int32.min) == "(UNKNOWN)")
        #expect(ZxStatus.accessDenied.description == "ZX_ERR_ACCESS_DENIED")
        #expect(String(describing: ZxStatus.outOfRange) == "ZX_ERR_OUT_OF_RANGE")
        #expect(ZxStatus(-999).description == "ZX_ERR(-999)")
        #expect(ZxStatus.badState.debugDescription == "ZxStatus(ZX_ERR_BAD_STATE)")
    }

    @Test func captureAndCheckRoundTrip() {
        #expect(ZxStatus.capture {} == ZX_OK)
        #expect(ZxStatus.capture { () throws(ZxStatus) in throw .notFound } == ZX_ERR_NOT_FOUND)
        #expect(throws: Never.self) { try ZxStatus.check(ZX_OK) }
        #expect(throws: ZxStatus.bufferTooSmall) { try ZxStatus.check(ZX_ERR_BUFFER_TOO_SMALL) }
        #expect(ZxStatus.capture { () throws(ZxStatus) in try ZxStatus.check(ZX_ERR_IO_DATA_LOSS) } == ZX_ERR_IO_DATA_LOSS)
    }
}
