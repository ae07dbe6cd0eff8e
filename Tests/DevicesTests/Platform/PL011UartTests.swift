// PL011 UART model against the PL011 TRM (DDI0183) and QEMU hw/char/pl011.c: transmit into the
// console log, flag register, receive FIFO, interrupts, PrimeCell IDs, access-width faults and a
// multi-threaded transmit hammer.
import Devices
import Dispatch
import Hardware
import Synchronization
import Testing

@Suite struct PL011UartTests {
    typealias R = PL011Uart.Register
    static let enabled = PL011Uart.Control([.uartEnable, .transmitEnable, .receiveEnable]).rawValue

    static func enabledUart(console: ConsoleLog = ConsoleLog(), fifos: Bool = true) throws -> PL011Uart {
        let uart = PL011Uart(console: console)
        try uart.store32(R.lineControl.rawValue, fifos ? 0x70 : 0x60)   // 8 bits, FIFOs on/off
        try uart.store32(R.control.rawValue, enabled)
        return uart
    }

    @Test func resetValuesMatchTheTRM() throws {
        let uart = PL011Uart(transmit: { _ in })
        #expect(try uart.load32(R.flags.rawValue) == 0x90)             // TXFE | RXFE
        #expect(try uart.load32(R.control.rawValue) == 0x300)          // TXE | RXE
        #expect(try uart.load32(R.fifoLevelSelect.rawValue) == 0x12)
        #expect(try uart.load32(R.rawInterruptStatus.rawValue) == 0)
        #expect(!uart.interruptAsserted)
    }

    @Test func transmittedBytesBecomeConsoleLines() throws {
        let console = ConsoleLog()
        let uart = try Self.enabledUart(console: console)
        for byte in "hello\r\nworld\npartial".utf8 { try uart.store32(R.data.rawValue, UInt32(byte)) }
        #expect(console.lines == ["hello", "world"])
        #expect(console.pendingLine == "partial")
        #expect(console.byteCount == 20)
        let flags = PL011Uart.Flags(rawValue: try uart.load32(R.flags.rawValue))
        #expect(flags.contains(.transmitFifoEmpty))
        #expect(!flags.contains(.busy) && !flags.contains(.transmitFifoFull))
    }

    @Test func onlyTheLowByteOfADataWriteIsSent() throws {
        let sent = Mutex<[UInt8]>([])
        let uart = PL011Uart(transmit: { byte in sent.withLock { $0.append(byte) } })
        try uart.store32(R.control.rawValue, Self.enabled)
        try uart.store32(R.data.rawValue, 0x1241)
        try uart.store8(R.data.rawValue, 0x42)
        #expect(sent.withLock { $0 } == [0x41, 0x42])
    }

    @Test func disabledTransmitterHoldsBytesInTheFifoUntilEnabled() throws {
        let console = ConsoleLog()
        let uart = PL011Uart(console: console)
        try uart.store32(R.lineControl.rawValue, 0x70)              // FIFOs on, UART still disabled
        for byte in 0..<20 { try uart.store32(R.data.rawValue, UInt32(0x61 + byte % 26)) }
        var flags = PL011Uart.Flags(rawValue: try uart.load32(R.flags.rawValue))
        #expect(flags.contains(.transmitFifoFull) && flags.contains(.busy) && !flags.contains(.transmitFifoEmpty))
        #expect(console.byteCount == 0)

        try uart.store32(R.control.rawValue, Self.enabled)          // the 16 that fit go out, in order
        #expect(console.pendingLine == "abcdefghijklmnop")
        flags = PL011Uart.Flags(rawValue: try uart.load32(R.flags.rawValue))
        #expect(flags.contains(.transmitFifoEmpty) && !flags.contains(.busy))
    }

    @Test func withoutFifosTheHoldingRegisterKeepsOneByte() throws {
        let console = ConsoleLog()
        let uart = PL011Uart(console: console)
        try uart.store32(R.control.rawValue, PL011Uart.Control.transmitEnable.rawValue)   // UARTEN clear
        try uart.store32(R.data.rawValue, 0x78)
        try uart.store32(R.data.rawValue, 0x79)                      // lost: holding register full
        #expect(PL011Uart.Flags(rawValue: try uart.load32(R.flags.rawValue)).contains(.transmitFifoFull))
        try uart.store32(R.control.rawValue, Self.enabled)
        #expect(console.pendingLine == "x")
    }

    @Test func receiveFifoFillsFromHostInputAsTheGuestReads() throws {
        let uart = try Self.enabledUart()
        #expect(uart.receive(bytes: Array("0123456789abcdefXYZ".utf8)) == 19)
        var flags = PL011Uart.Flags(rawValue: try uart.load32(R.flags.rawValue))
        #expect(flags.contains(.receiveFifoFull) && !flags.contains(.receiveFifoEmpty))
        #expect(uart.pendingInputCount == 3)

        var received: [UInt8] = []
        while !PL011Uart.Flags(rawValue: try uart.load32(R.flags.rawValue)).contains(.receiveFifoEmpty) {
            received.append(UInt8(try uart.load32(R.data.rawValue)))
        }
        #expect(String(decoding: received, as: UTF8.self) == "0123456789abcdefXYZ")
        flags = PL011Uart.Flags(rawValue: try uart.load32(R.flags.rawValue))
        #expect(flags.contains(.receiveFifoEmpty) && !flags.contains(.receiveFifoFull))
        #expect(try uart.load32(R.data.rawValue) == 0)               // empty FIFO reads 0
    }

    @Test func receptionWaitsForUartAndReceiverEnable() throws {
        let uart = PL011Uart(transmit: { _ in })                   // UARTEN clear at reset
        uart.receive(bytes: [0x41])
        #expect(PL011Uart.Flags(rawValue: try uart.load32(R.flags.rawValue)).contains(.receiveFifoEmpty))
        try uart.store32(R.control.rawValue, Self.enabled)
        #expect(try uart.load32(R.data.rawValue) == 0x41)
    }

    @Test func receiveAndTransmitInterruptsFollowMaskAndClear() throws {
        let recorder = PlatformInterruptRecorder()
        let uart = PL011Uart(transmit: { _ in }, onInterruptChange: recorder.observer)
        try uart.store32(R.control.rawValue, Self.enabled)
        let receive = PL011Uart.Interrupts.receive.rawValue
        let transmit = PL011Uart.Interrupts.transmit.rawValue
        try uart.store32(R.interruptMask.rawValue, receive)

        uart.receive(bytes: [1, 2])
        #expect(try uart.load32(R.rawInterruptStatus.rawValue) & receive != 0)
        #expect(try uart.load32(R.maskedInterruptStatus.rawValue) == receive)
        #expect(uart.interruptAsserted)
        _ = try uart.load32(R.data.rawValue)
        #expect(uart.interruptAsserted)                            // one byte still waits
        _ = try uart.load32(R.data.rawValue)
        #expect(!uart.interruptAsserted)                           // drained: RX deasserts

        try uart.store32(R.data.rawValue, 0x2E)                     // TX raw status sets, masked off
        #expect(try uart.load32(R.rawInterruptStatus.rawValue) & transmit != 0)
        #expect(!uart.interruptAsserted)
        try uart.store32(R.interruptMask.rawValue, receive | transmit)
        #expect(uart.interruptAsserted)
        try uart.store32(R.interruptClear.rawValue, transmit)       // write-1-to-clear
        #expect(try uart.load32(R.rawInterruptStatus.rawValue) & transmit == 0)
        #expect(!uart.interruptAsserted)
        #expect(recorder.history == [true, false, true, false])
    }

    @Test func loopbackFeedsTransmitIntoReceive() throws {
        let console = ConsoleLog()
        let uart = try Self.enabledUart(console: console)
        try uart.store32(R.control.rawValue, Self.enabled | PL011Uart.Control.loopbackEnable.rawValue)
        try uart.store32(R.data.rawValue, 0x5A)
        #expect(try uart.load32(R.data.rawValue) == 0x5A)
        #expect(console.pendingLine == "Z")
    }

    @Test func primeCellIdentificationAsQemuReportsIt() throws {
        let uart = PL011Uart(transmit: { _ in })
        let ids = try (0..<8).map { index throws(MmioFault) in try uart.load32(0xFE0 + UInt64(index) * 4) }
        #expect(ids == [0x11, 0x10, 0x14, 0x00, 0x0D, 0xF0, 0x05, 0xB1])
        #expect(PL011Uart.identification.combinedPeripheralID == 0x0014_1011)
    }

    @Test func narrowAccessesWorkAndBadOnesFault() throws {
        let uart = PL011Uart(transmit: { _ in })
        #expect(try uart.read(offset: R.flags.rawValue, width: .halfWord) == 0x90)
        #expect(try uart.read(offset: R.control.rawValue, width: .byte) == 0x00)    // low byte of 0x300
        // QEMU decodes a narrow access at its own offset: inside a register is no register.
        #expect(throws: MmioFault(.unmappedRegister, device: "pl011", offset: 0x31, width: .byte)) {
            try uart.read(offset: R.control.rawValue + 1, width: .byte)
        }
        #expect(throws: MmioFault(.badWidth, device: "pl011", offset: 0, width: .doubleWord)) {
            try uart.read(offset: 0, width: .doubleWord)
        }
        #expect(throws: MmioFault(.misaligned, device: "pl011", offset: 0x19, width: .halfWord)) {
            try uart.read(offset: 0x19, width: .halfWord)
        }
        #expect(throws: MmioFault(.unmappedRegister, device: "pl011", offset: 0x100, width: .word)) {
            try uart.write(offset: 0x100, width: .word, value: 0)
        }
        #expect(throws: MmioFault(.unmappedRegister, device: "pl011", offset: 0x1000, width: .byte)) {
            try uart.read(offset: 0x1000, width: .byte)
        }
    }

    /// Several threads write distinct bytes at once: every byte reaches the sink exactly once.
    @Test func concurrentTransmitLosesNothing() throws {
        let counts = Mutex([Int](repeating: 0, count: 256))
        let uart = PL011Uart(transmit: { byte in counts.withLock { $0[Int(byte)] += 1 } })
        try uart.store32(R.lineControl.rawValue, 0x70)
        try uart.store32(R.control.rawValue, Self.enabled)
        let threads = 8, perThread = 2_000
        let failures = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            for index in 0..<perThread {
                let byte = UInt8(thread * 32 + index % 32)
                do { try uart.store32(R.data.rawValue, UInt32(byte)) } catch { failures.withLock { $0 += 1 } }
                if index % 64 == 0 { _ = try? uart.load32(R.flags.rawValue) }
            }
        }
        #expect(failures.withLock { $0 } == 0)
        let totals = counts.withLock { $0 }
        #expect(totals.reduce(0, +) == threads * perThread)
        for thread in 0..<threads {
            for lane in 0..<32 { #expect(totals[thread * 32 + lane] == perThread / 32 + (lane < perThread % 32 ? 1 : 0)) }
        }
    }
}

@Suite struct ConsoleLogTests {
    @Test func keepsTheNewestLinesAndCountsDropped() {
        let seen = Mutex<[String]>([])
        let log = ConsoleLog(maximumLines: 4, onLine: { line in seen.withLock { $0.append(line) } })
        for index in 0..<10 { log.append(contentsOf: Array("line \(index)\n".utf8)) }
        #expect(log.lines == ["line 6", "line 7", "line 8", "line 9"])
        #expect(log.droppedLineCount == 6)
        #expect(seen.withLock { $0.count } == 10)
        #expect(log.text == "line 6\nline 7\nline 8\nline 9\n")
    }

    @Test func breaksOverlongLines() {
        let log = ConsoleLog(maximumLineLength: 8)
        log.append(contentsOf: Array("0123456789".utf8))
        #expect(log.lines == ["01234567"])
        #expect(log.pendingLine == "89")
    }
}
