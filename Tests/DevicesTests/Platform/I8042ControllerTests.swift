// i8042 keyboard controller against the 8042/PS-2 references and QEMU hw/input/pckbd.c + ps2.c:
// controller self tests, command byte, keyboard and mouse command sequences, scancode injection
// with and without translation, mouse packets flagged AUX, interrupt lines, access faults.
import Devices
import Hardware
import Synchronization
import Testing

@Suite struct I8042ControllerTests {
    typealias Status = I8042Controller.StatusBit
    static let data = I8042Controller.dataOffset
    static let command = I8042Controller.statusCommandOffset

    /// Reads every waiting output byte, with whether the status flagged it as aux data.
    static func drain(_ controller: I8042Controller) throws -> [(byte: UInt8, aux: Bool)] {
        var bytes: [(UInt8, Bool)] = []
        while try controller.load8(command) & Status.outputBufferFull != 0 {
            let aux = try controller.load8(command) & Status.auxOutputBufferFull != 0
            bytes.append((try controller.load8(data), aux))
        }
        return bytes
    }

    static func drainBytes(_ controller: I8042Controller) throws -> [UInt8] {
        try drain(controller).map(\.byte)
    }

    @Test func powerOnStatusAndSelfTests() throws {
        let i8042 = I8042Controller()
        #expect(try i8042.load8(Self.command) == Status.keyboardNotInhibited | Status.lastWriteWasCommand)
        try i8042.store8(Self.command, 0xAA)
        #expect(try i8042.load8(Self.command) & Status.outputBufferFull != 0)
        #expect(try i8042.load8(Self.command) & Status.systemFlag != 0)
        #expect(try i8042.load8(Self.data) == 0x55)
        #expect(try i8042.load8(Self.command) & Status.outputBufferFull == 0)
        try i8042.store8(Self.command, 0xAB)
        try i8042.store8(Self.command, 0xA9)
        #expect(try Self.drainBytes(i8042) == [0x00, 0x00])
        #expect(try i8042.load8(Self.data) == 0x00)   // empty: the last byte again
    }

    @Test func commandByteReadAndWrite() throws {
        let i8042 = I8042Controller()
        try i8042.store8(Self.command, 0x20)
        #expect(try Self.drainBytes(i8042) == [0x03])                  // QEMU power-on value
        try i8042.store8(Self.command, 0x60)
        try i8042.store8(Self.data, 0x47)                              // both IRQs, SYS, translate
        #expect(try i8042.load8(Self.command) & Status.lastWriteWasCommand == 0)
        #expect(i8042.configurationByte == 0x47)
        try i8042.store8(Self.command, 0x20)
        #expect(try Self.drainBytes(i8042) == [0x47])
        try i8042.store8(Self.command, 0xAD)
        try i8042.store8(Self.command, 0xA7)
        #expect(i8042.configurationByte == 0x47 | 0x30)
        try i8042.store8(Self.command, 0xAE)
        try i8042.store8(Self.command, 0xA8)
        #expect(i8042.configurationByte == 0x47)
    }

    @Test func keyboardResetAndIdentify() throws {
        let i8042 = I8042Controller()
        try i8042.store8(Self.data, 0xFF)
        #expect(try Self.drainBytes(i8042) == [0xFA, 0xAA])
        try i8042.store8(Self.data, 0xF2)
        #expect(try Self.drainBytes(i8042) == [0xFA, 0xAB, 0x83])
        try i8042.store8(Self.data, 0xF5)
        try i8042.store8(Self.data, 0xF4)
        #expect(try Self.drainBytes(i8042) == [0xFA, 0xFA])
        try i8042.store8(Self.data, 0xED)
        try i8042.store8(Self.data, 0x07)
        #expect(try Self.drainBytes(i8042) == [0xFA, 0xFA])
        #expect(i8042.keyboardLeds == 0x07)
        try i8042.store8(Self.data, 0xF0)
        try i8042.store8(Self.data, 0x00)
        #expect(try Self.drainBytes(i8042) == [0xFA, 0xFA, 0x02])
        try i8042.store8(Self.data, 0xEE)
        try i8042.store8(Self.data, 0x99)
        #expect(try Self.drainBytes(i8042) == [0xEE, 0xFE])            // echo; unknown → resend

        try i8042.store8(Self.command, 0x60)
        try i8042.store8(Self.data, 0x43)                              // translate on
        try i8042.store8(Self.data, 0xF2)
        #expect(try Self.drainBytes(i8042) == [0xFA, 0xAB, 0x41])      // translated ID
    }

    @Test func auxCommandsThroughD4() throws {
        let i8042 = I8042Controller()
        func toMouse(_ byte: UInt8) throws {
            try i8042.store8(Self.command, 0xD4)
            try i8042.store8(Self.data, byte)
        }
        try toMouse(0xFF)
        let reset = try Self.drain(i8042)
        #expect(reset.map(\.byte) == [0xFA, 0xAA, 0x00])
        #expect(reset.allSatisfy { $0.aux })
        try toMouse(0xF2)
        #expect(try Self.drainBytes(i8042) == [0xFA, 0x00])
        try toMouse(0xF6)
        try toMouse(0xF4)
        #expect(try Self.drainBytes(i8042) == [0xFA, 0xFA])
        #expect(i8042.mouseReportingEnabled)
        try toMouse(0xE9)
        #expect(try Self.drainBytes(i8042) == [0xFA, 0x20, 0x02, 100])   // status, resolution, rate
        // The IntelliMouse knock: sample rates 200, 100, 80 turn on the wheel (ID 3).
        for rate: UInt8 in [200, 100, 80] { try toMouse(0xF3); try toMouse(rate) }
        _ = try Self.drainBytes(i8042)
        try toMouse(0xF2)
        #expect(try Self.drainBytes(i8042) == [0xFA, 0x03])
    }

    @Test func injectedScancodesAppearWithOBF() throws {
        let recorder = Mutex<[(I8042Controller.InterruptLine, Bool)]>([])
        let i8042 = I8042Controller(onInterruptChange: { line, level in recorder.withLock { $0.append((line, level)) } })
        i8042.pressKey(set2Code: 0x1C)                                 // "A" down, set 2
        #expect(try i8042.load8(Self.command) & (Status.outputBufferFull | Status.auxOutputBufferFull) == Status.outputBufferFull)
        #expect(i8042.keyboardInterruptAsserted)
        i8042.releaseKey(set2Code: 0x1C)
        #expect(try Self.drainBytes(i8042) == [0x1C, 0xF0, 0x1C])
        #expect(!i8042.keyboardInterruptAsserted)
        #expect(recorder.withLock { $0.map(\.1) } == [true, false])

        try i8042.store8(Self.command, 0x60)
        try i8042.store8(Self.data, 0x41)                              // translate to set 1
        i8042.pressKey(set2Code: 0x1C)
        i8042.releaseKey(set2Code: 0x1C)
        i8042.pressKey(set2Code: 0x75, extended: true)                 // cursor up
        i8042.releaseKey(set2Code: 0x75, extended: true)
        #expect(try Self.drainBytes(i8042) == [0x1E, 0x9E, 0xE0, 0x48, 0xE0, 0xC8])
    }

    @Test func disabledKeyboardPortHoldsItsBytes() throws {
        let i8042 = I8042Controller()
        try i8042.store8(Self.command, 0xAD)
        i8042.injectScancodes([0x29])                                   // space
        #expect(try i8042.load8(Self.command) & Status.outputBufferFull == 0)
        try i8042.store8(Self.command, 0xAE)
        #expect(try Self.drainBytes(i8042) == [0x29])

        try i8042.store8(Self.data, 0xF5)                              // scanning off: keys dropped
        _ = try Self.drainBytes(i8042)
        i8042.injectScancodes([0x29])
        #expect(try Self.drainBytes(i8042).isEmpty)
    }

    @Test func mousePacketIsFlaggedAux() throws {
        let lines = Mutex<[(I8042Controller.InterruptLine, Bool)]>([])
        let i8042 = I8042Controller(onInterruptChange: { line, level in lines.withLock { $0.append((line, level)) } })
        i8042.moveMouse(dx: 5, dy: 5)                                   // reporting off: nothing
        #expect(try Self.drain(i8042).isEmpty)
        try i8042.store8(Self.command, 0xD4)
        try i8042.store8(Self.data, 0xF4)
        #expect(try Self.drainBytes(i8042) == [0xFA])
        lines.withLock { $0.removeAll() }

        i8042.moveMouse(dx: 10, dy: -3, buttons: .left)
        #expect(try i8042.load8(Self.command) & Status.auxOutputBufferFull != 0)
        #expect(i8042.auxInterruptAsserted && !i8042.keyboardInterruptAsserted)
        let packet = try Self.drain(i8042)
        #expect(packet.map(\.byte) == [0x08 | 0x20 | 0x01, 10, 0xFD])   // Y negative, left button
        #expect(packet.allSatisfy { $0.aux })
        #expect(lines.withLock { $0.map(\.0) } == [.aux, .aux])

        i8042.moveMouse(dx: 200, dy: 0)                                 // split into ±127 packets
        #expect(try Self.drainBytes(i8042) == [0x08, 127, 0, 0x08, 73, 0])
    }

    @Test func keyboardDataComesBeforeMouseData() throws {
        let i8042 = I8042Controller()
        try i8042.store8(Self.command, 0xD4)
        try i8042.store8(Self.data, 0xF4)
        _ = try Self.drain(i8042)
        i8042.moveMouse(dx: 1, dy: 1)
        i8042.injectScancodes([0x16])
        let bytes = try Self.drain(i8042)
        // The first mouse byte was already in the buffer; then the keyboard goes first.
        #expect(bytes.map(\.byte) == [0x08, 0x16, 1, 1])
        #expect(bytes.map(\.aux) == [true, false, true, true])
    }

    @Test func unreadAnswersAreBounded() throws {
        let i8042 = I8042Controller()
        for _ in 0..<100 { try i8042.store8(Self.command, 0x20) }
        #expect(try Self.drainBytes(i8042).count == 17)                // output buffer + 16 queued
        for _ in 0..<100 {
            try i8042.store8(Self.command, 0xD4)
            try i8042.store8(Self.data, 0xE9)
        }
        #expect(try Self.drainBytes(i8042).count <= 17)
    }

    @Test func resetRequestsAndAccessRules() throws {
        let resets = Mutex(0)
        let i8042 = I8042Controller(onSystemResetRequest: { resets.withLock { $0 += 1 } })
        try i8042.store8(Self.command, 0xFE)
        try i8042.store8(Self.command, 0xD1)
        try i8042.store8(Self.data, 0xCE)                               // bit 0 clear: reset
        #expect(resets.withLock { $0 } == 2)
        #expect(throws: MmioFault(.badWidth, device: "i8042", offset: 0, width: .word)) {
            try i8042.read(offset: 0, width: .word)
        }
        #expect(throws: MmioFault(.unmappedRegister, device: "i8042", offset: 1, width: .byte)) {
            try i8042.read(offset: 1, width: .byte)
        }
        #expect(throws: MmioFault(.unmappedRegister, device: "i8042", offset: 8, width: .byte)) {
            try i8042.write(offset: 8, width: .byte, value: 0)
        }
        #expect(I8042Controller.windowOffset(ioPort: 0x64) == 4)
    }
}
