// xHCI register model against xHCI 1.2 chapter 5 and QEMU hw/usb/hcd-xhci.c: capability values,
// run/stop and HCRST, port reset and write-1-to-clear change bits, runtime registers, access
// widths, and the USB keyboard reached through the controller (Swift API and MMIO mailbox).
import Devices
import Hardware
import Testing

@Suite struct XhciControllerTests {
    typealias PortStatus = XhciController.PortStatus
    static let usbcmd: UInt64 = 0x40, usbsts: UInt64 = 0x44, pagesize: UInt64 = 0x48
    static let dnctrl: UInt64 = 0x54, crcr: UInt64 = 0x58, dcbaap: UInt64 = 0x70, config: UInt64 = 0x78
    static let keyboardPort = 5

    static func portsc(_ port: Int) -> UInt64 { XhciController.portRegisterBase + UInt64(port - 1) * 0x10 }

    /// A running controller with the keyboard's port reset (enabled), as a driver leaves it.
    static func readyController(_ keyboard: UsbHidBootKeyboard = UsbHidBootKeyboard()) throws -> XhciController {
        let xhci = XhciController.withKeyboard(keyboard)
        try xhci.store32(usbcmd, XhciController.Command.runStop)
        try xhci.store32(portsc(keyboardPort), PortStatus.power | PortStatus.reset)
        return xhci
    }

    @Test func capabilityRegistersMatchQemu() throws {
        let xhci = XhciController()
        #expect(try xhci.load8(0x00) == 0x40)                                   // CAPLENGTH
        #expect(try xhci.read(offset: 0x02, width: .halfWord) == 0x0100)        // HCIVERSION
        #expect(try xhci.load32(0x04) == 0x0800_1040)   // 8 ports, 16 interrupters, 64 slots
        #expect(try xhci.load32(0x08) == 0x0000_000F)
        #expect(try xhci.load32(0x10) == 0x0008_7001)   // xECP 0x20, MaxPSASize 7, AC64
        #expect(try xhci.load32(0x14) == 0x2000)        // DBOFF
        #expect(try xhci.load32(0x18) == 0x1000)        // RTSOFF
        #expect(try xhci.load32(Self.pagesize) == 1)    // 4 KiB pages

        // Walk the extended capabilities: USB 3.0 ports 1–4 and USB 2.0 ports 5–8.
        var offset = UInt64((try xhci.load32(0x10) >> 16) * 4)
        var protocols: [(major: UInt32, first: UInt32, count: UInt32)] = []
        while offset != 0 {
            let header = try xhci.load32(offset)
            #expect(header & 0xFF == 2)                                         // Supported Protocol
            #expect(try xhci.load32(offset + 4) == 0x2042_5355)                  // "USB "
            let ports = try xhci.load32(offset + 8)
            protocols.append((header >> 24, ports & 0xFF, (ports >> 8) & 0xFF))
            let next = UInt64((header >> 8) & 0xFF) * 4
            offset = next == 0 ? 0 : offset + next
        }
        #expect(protocols.map(\.major) == [2, 3])
        #expect(protocols[0].first == 5 && protocols[0].count == 4)
        #expect(protocols[1].first == 1 && protocols[1].count == 4)
    }

    @Test func runStopDrivesHCHalted() throws {
        let xhci = XhciController()
        #expect(try xhci.load32(Self.usbsts) & XhciController.Status.hcHalted != 0)
        try xhci.store32(Self.usbcmd, XhciController.Command.runStop)
        #expect(try xhci.load32(Self.usbsts) & XhciController.Status.hcHalted == 0)
        #expect(try xhci.load32(Self.usbcmd) == XhciController.Command.runStop)
        try xhci.store32(Self.usbcmd, 0)
        #expect(try xhci.load32(Self.usbsts) & XhciController.Status.hcHalted != 0)
    }

    @Test func hostControllerResetClearsAndSelfClears() throws {
        let xhci = XhciController()
        try xhci.write(offset: Self.dcbaap, width: .doubleWord, value: 0x1_2345_6780)
        try xhci.store32(Self.config, 0x1FF)
        try xhci.store32(Self.dnctrl, 0x1_0002)
        try xhci.store32(XhciController.runtimeBase + 0x28, 2)               // ERSTSZ of interrupter 0
        #expect(try xhci.read(offset: Self.dcbaap, width: .doubleWord) == 0x1_2345_6780)
        #expect(try xhci.load32(Self.config) == 0xFF)
        #expect(try xhci.load32(Self.dnctrl) == 0x0002)
        try xhci.store32(Self.usbcmd, XhciController.Command.runStop)

        try xhci.store32(Self.usbcmd, XhciController.Command.hostControllerReset)
        #expect(try xhci.load32(Self.usbcmd) == 0)                            // HCRST reads back 0
        #expect(try xhci.load32(Self.usbsts) == XhciController.Status.hcHalted) // CNR never set
        #expect(try xhci.read(offset: Self.dcbaap, width: .doubleWord) == 0)
        #expect(try xhci.load32(Self.config) == 0)
        #expect(try xhci.load32(Self.dnctrl) == 0)
        #expect(try xhci.load32(XhciController.runtimeBase + 0x28) == 0)
    }

    @Test func attachedKeyboardShowsOnItsUsb2Port() throws {
        let xhci = XhciController.withKeyboard(UsbHidBootKeyboard())
        let status = try xhci.load32(Self.portsc(Self.keyboardPort))
        #expect(status & PortStatus.currentConnect != 0)
        #expect(status & PortStatus.power != 0)
        #expect(status & PortStatus.enabled == 0)                               // until a port reset
        #expect((status & PortStatus.speedMask) >> PortStatus.speedShift == 3)    // high speed
        #expect((status & PortStatus.linkStateMask) >> PortStatus.linkStateShift == XhciController.LinkState.polling)
        #expect(status & PortStatus.connectChange != 0)
        let empty = try xhci.load32(Self.portsc(1))
        #expect(empty == PortStatus.power | XhciController.LinkState.rxDetect << PortStatus.linkStateShift | PortStatus.connectChange)
        #expect(!xhci.attach(UsbHidBootKeyboard(), port: 1))                    // USB 3 port: SuperSpeed only
        #expect(!xhci.attach(UsbHidBootKeyboard(), port: Self.keyboardPort))    // occupied
        #expect(xhci.attachedDevice(port: Self.keyboardPort) is UsbHidBootKeyboard)
    }

    @Test func portResetEnablesAndChangeBitsAreWriteOneToClear() throws {
        let xhci = XhciController.withKeyboard(UsbHidBootKeyboard())
        let port = Self.portsc(Self.keyboardPort)
        try xhci.store32(Self.usbsts, XhciController.Status.portChangeDetect)
        try xhci.store32(port, PortStatus.power | PortStatus.reset)
        var status = try xhci.load32(port)
        #expect(status & PortStatus.reset == 0)
        #expect(status & PortStatus.enabled != 0)
        #expect(status & PortStatus.resetChange != 0)
        #expect((status & PortStatus.linkStateMask) >> PortStatus.linkStateShift == XhciController.LinkState.u0)
        #expect(try xhci.load32(Self.usbsts) & XhciController.Status.portChangeDetect != 0)

        // Writing back what was read with the change bits clear must not disturb them (RW1C)...
        try xhci.store32(port, (status & ~PortStatus.changeBits & ~PortStatus.enabled) | PortStatus.power)
        #expect(try xhci.load32(port) == status)
        // ...and writing 1s clears exactly those.
        try xhci.store32(port, PortStatus.power | PortStatus.connectChange | PortStatus.resetChange)
        status = try xhci.load32(port)
        #expect(status & PortStatus.changeBits == 0)
        #expect(status & PortStatus.enabled != 0)
        // Writing 1 to PED disables the port.
        try xhci.store32(port, PortStatus.power | PortStatus.enabled)
        #expect(try xhci.load32(port) & PortStatus.enabled == 0)

        try xhci.store32(Self.portsc(2), PortStatus.power | PortStatus.reset)   // empty port: ignored
        #expect(try xhci.load32(Self.portsc(2)) & PortStatus.resetChange == 0)
    }

    @Test func runtimeRegistersAndMicroframeIndex() throws {
        let clock = PlatformTestClock(1_000_000)
        let xhci = XhciController(clock: clock.nanoseconds)
        let mfindex = XhciController.runtimeBase
        clock.advance(by: 1_000_000)
        #expect(try xhci.load32(mfindex) == 0)                                   // halted: frozen
        try xhci.store32(Self.usbcmd, XhciController.Command.runStop)
        clock.advance(by: 125_000 * 10)
        #expect(try xhci.load32(mfindex) == 10)
        try xhci.store32(Self.usbcmd, 0)
        clock.advance(by: 125_000 * 10)
        #expect(try xhci.load32(mfindex) == 10)

        let iman = XhciController.runtimeBase + 0x20
        try xhci.store32(iman, 0x3)                                              // IE set, IP (RW1C) stays 0
        #expect(try xhci.load32(iman) == 0x2)
        try xhci.store32(iman + 8, 0x1_0004)                                     // ERSTSZ is 16 bits
        #expect(try xhci.load32(iman + 8) == 4)
        try xhci.write(offset: iman + 0x10, width: .doubleWord, value: 0x8_0000_1234)
        #expect(try xhci.read(offset: iman + 0x10, width: .doubleWord) == 0x8_0000_1200)   // 64-byte aligned
        try xhci.write(offset: iman + 0x18, width: .doubleWord, value: 0x2_0000_1000)
        #expect(try xhci.read(offset: iman + 0x18, width: .doubleWord) == 0x2_0000_1000)
        #expect(!xhci.interruptAsserted)                                         // no events without rings
    }

    @Test func accessWidthRules() throws {
        let xhci = XhciController()
        #expect(throws: MmioFault(.badWidth, device: "xhci BAR0", offset: 0x40, width: .byte)) {
            try xhci.read(offset: 0x40, width: .byte)
        }
        #expect(throws: MmioFault(.badWidth, device: "xhci BAR0", offset: 0x440, width: .doubleWord)) {
            try xhci.read(offset: 0x440, width: .doubleWord)
        }
        #expect(throws: MmioFault(.badWidth, device: "xhci BAR0", offset: 0, width: .doubleWord)) {
            try xhci.read(offset: 0, width: .doubleWord)
        }
        #expect(throws: MmioFault(.misaligned, device: "xhci BAR0", offset: 0x42, width: .word)) {
            try xhci.read(offset: 0x42, width: .word)
        }
        #expect(throws: MmioFault(.unmappedRegister, device: "xhci BAR0", offset: 0x4C0, width: .word)) {
            try xhci.read(offset: 0x4C0, width: .word)                           // past the 8th port
        }
        #expect(throws: MmioFault(.unmappedRegister, device: "xhci BAR0", offset: 0x3000, width: .word)) {
            try xhci.read(offset: 0x3000, width: .word)
        }
        #expect(throws: MmioFault(.unmappedRegister, device: "xhci BAR0", offset: 0x4000, width: .word)) {
            try xhci.read(offset: 0x4000, width: .word)
        }
        #expect(try xhci.load32(0x100) == 0)                                     // reserved operational dword
        #expect(try xhci.load32(XhciController.doorbellBase) == 0)               // doorbells read 0
        try xhci.store32(Self.usbcmd, XhciController.Command.runStop)
        try xhci.store32(XhciController.doorbellBase, 0)
        #expect(xhci.doorbellWriteCount == 1)
    }

    @Test func keyboardDescriptorsThroughTheController() throws {
        let halted = XhciController.withKeyboard(UsbHidBootKeyboard())
        let getDevice = UsbSetupPacket.getDescriptor(type: UsbDescriptorType.device, length: 18)
        #expect(halted.controlTransfer(port: Self.keyboardPort, setup: getDevice) == .transactionError)

        let xhci = try Self.readyController()
        guard case .completed(let device) = xhci.controlTransfer(port: Self.keyboardPort, setup: getDevice) else {
            Issue.record("device descriptor")
            return
        }
        #expect(device.count == 18 && device[1] == 1)
        #expect(device[2] == 0x00 && device[3] == 0x02)                          // bcdUSB 2.00
        #expect(device[7] == 64)                                                 // high-speed EP0
        #expect(UInt16(device[8]) | UInt16(device[9]) << 8 == 0x0627)            // idVendor
        #expect(UInt16(device[10]) | UInt16(device[11]) << 8 == 0x0001)          // idProduct

        let getConfig = UsbSetupPacket.getDescriptor(type: UsbDescriptorType.configuration, length: 255)
        guard case .completed(let config) = xhci.controlTransfer(port: Self.keyboardPort, setup: getConfig) else {
            Issue.record("configuration descriptor")
            return
        }
        #expect(config.count == 34 && UInt16(config[2]) | UInt16(config[3]) << 8 == 34)
        let interface = Array(config[9..<18])
        #expect(interface[1] == UsbDescriptorType.interface)
        #expect(interface[4] == 1 && interface[5] == 3 && interface[6] == 1 && interface[7] == 1)   // HID boot keyboard
        let hid = Array(config[18..<27])
        #expect(hid[1] == UsbDescriptorType.hid && hid[6] == UsbDescriptorType.hidReport && hid[7] == 63)
        let endpoint = Array(config[27..<34])
        #expect(endpoint[1] == UsbDescriptorType.endpoint && endpoint[2] == 0x81 && endpoint[3] == 3 && endpoint[4] == 8)

        let shortConfig = UsbSetupPacket.getDescriptor(type: UsbDescriptorType.configuration, length: 9)
        #expect(xhci.controlTransfer(port: Self.keyboardPort, setup: shortConfig) == .completed(Array(config.prefix(9))))

        let getReport = UsbSetupPacket.getDescriptor(type: UsbDescriptorType.hidReport, recipient: 1, length: 63)
        #expect(xhci.controlTransfer(port: Self.keyboardPort, setup: getReport) == .completed(UsbHidBootKeyboard.reportDescriptor))
        #expect(UsbHidBootKeyboard.reportDescriptor.count == 63)

        let product = UsbSetupPacket.getDescriptor(type: UsbDescriptorType.string, index: 4, languageOrInterface: 0x0409, length: 255)
        guard case .completed(let string) = xhci.controlTransfer(port: Self.keyboardPort, setup: product) else {
            Issue.record("product string")
            return
        }
        let units = stride(from: 2, to: string.count, by: 2).map { UInt16(string[$0]) | UInt16(string[$0 + 1]) << 8 }
        #expect(String(decoding: units, as: UTF16.self) == "QEMU USB Keyboard")
        #expect(xhci.controlTransfer(port: Self.keyboardPort, setup: UsbSetupPacket(requestType: 0x80, request: 0x42)) == .stall)
    }

    @Test func bootReportAfterAKeyPress() throws {
        let keyboard = UsbHidBootKeyboard()
        let xhci = try Self.readyController(keyboard)
        let port = Self.keyboardPort
        #expect(xhci.interruptIn(port: port) == .stall)                          // not configured yet
        #expect(xhci.controlTransfer(port: port, setup: .setAddress(1)) == .completed([]))
        #expect(xhci.controlTransfer(port: port, setup: .setConfiguration(1)) == .completed([]))
        let setBootProtocol = UsbSetupPacket(requestType: 0x21, request: UsbRequest.hidSetProtocol, value: 0)
        #expect(xhci.controlTransfer(port: port, setup: setBootProtocol) == .completed([]))
        #expect(keyboard.address == 1 && keyboard.configuration == 1 && keyboard.usesBootProtocol)
        #expect(xhci.interruptIn(port: port) == .nak)

        keyboard.press(keys: [0x04], modifiers: .leftShift)                     // "A"
        #expect(xhci.interruptIn(port: port) == .completed([0x02, 0, 0x04, 0, 0, 0, 0, 0]))
        keyboard.releaseAll()
        #expect(xhci.interruptIn(port: port) == .completed([0, 0, 0, 0, 0, 0, 0, 0]))
        #expect(xhci.interruptIn(port: port) == .nak)

        keyboard.press(keys: [4, 5, 6, 7, 8, 9, 10])                              // seven keys: rollover
        #expect(xhci.interruptIn(port: port) == .completed([0, 0, 1, 1, 1, 1, 1, 1]))

        let setLeds = UsbSetupPacket(requestType: 0x21, request: UsbRequest.hidSetReport, value: 0x0200, length: 1)
        #expect(xhci.controlTransfer(port: port, setup: setLeds, data: [0x02]) == .completed([]))
        #expect(keyboard.leds == 0x02)
    }

    @Test func mailboxRunsTransfersThroughMmio() throws {
        let keyboard = UsbHidBootKeyboard()
        let xhci = try Self.readyController(keyboard)
        let box = XhciTransferMailbox.base
        typealias M = XhciTransferMailbox.Register
        typealias Code = XhciTransferMailbox.CompletionCode
        #expect(try xhci.load32(box + M.identifier.rawValue) == 0x4253_555A)

        func control(_ setup: UsbSetupPacket) throws -> (code: UInt32, bytes: [UInt8]) {
            try xhci.store32(box + M.port.rawValue, UInt32(Self.keyboardPort))
            try xhci.write(offset: box + M.setupLow.rawValue, width: .word, value: setup.rawValue & 0xFFFF_FFFF)
            try xhci.write(offset: box + M.setupHigh.rawValue, width: .word, value: setup.rawValue >> 32)
            try xhci.store32(box + M.command.rawValue, XhciTransferMailbox.Command.controlTransfer)
            let length = try xhci.load32(box + M.length.rawValue)
            let bytes = try (0..<UInt64(length)).map { index throws(MmioFault) in
                try xhci.load8(box + XhciTransferMailbox.dataOffset + index)
            }
            return (try xhci.load32(box + M.completion.rawValue), bytes)
        }

        let device = try control(.getDescriptor(type: UsbDescriptorType.device, length: 18))
        #expect(device.code == Code.success && device.bytes.count == 18 && device.bytes[8] == 0x27 && device.bytes[9] == 0x06)
        #expect(try control(.setConfiguration(1)).code == Code.success)
        #expect(try control(UsbSetupPacket(requestType: 0x80, request: 0x77)).code == Code.stallError)
        #expect(try control(.getDescriptor(type: 1, length: 300)).code == Code.trbError)

        try xhci.store32(box + M.command.rawValue, XhciTransferMailbox.Command.interruptIn)
        #expect(try xhci.load32(box + M.completion.rawValue) == Code.noData)
        #expect(try xhci.load32(box + M.pendingPorts.rawValue) == 0)
        keyboard.press(keys: [0x28])                                             // Enter
        #expect(try xhci.load32(box + M.pendingPorts.rawValue) == 1 << UInt32(Self.keyboardPort))
        try xhci.store32(box + M.command.rawValue, XhciTransferMailbox.Command.interruptIn)
        #expect(try xhci.load32(box + M.completion.rawValue) == Code.success)
        #expect(try xhci.load32(box + M.length.rawValue) == 8)
        #expect(try xhci.read(offset: box + XhciTransferMailbox.dataOffset, width: .doubleWord) == 0x28_0000)

        try xhci.store32(box + M.port.rawValue, 1)                                // empty USB 3 port
        try xhci.store32(box + M.command.rawValue, XhciTransferMailbox.Command.interruptIn)
        #expect(try xhci.load32(box + M.completion.rawValue) == Code.usbTransactionError)
        #expect(throws: MmioFault(.badWidth, device: "xhci BAR0", offset: box, width: .byte)) {
            try xhci.read(offset: box, width: .byte)
        }
    }

    @Test func hostControllerResetDisablesPortsAndTransfersStop() throws {
        let keyboard = UsbHidBootKeyboard()
        let xhci = try Self.readyController(keyboard)
        #expect(xhci.controlTransfer(port: Self.keyboardPort, setup: .setAddress(3)) == .completed([]))
        try xhci.store32(Self.usbcmd, XhciController.Command.hostControllerReset)
        let status = try xhci.load32(Self.portsc(Self.keyboardPort))
        #expect(status & PortStatus.enabled == 0 && status & PortStatus.currentConnect != 0)
        try xhci.store32(Self.usbcmd, XhciController.Command.runStop)
        #expect(xhci.controlTransfer(port: Self.keyboardPort, setup: .setAddress(4)) == .transactionError)
        try xhci.store32(Self.portsc(Self.keyboardPort), PortStatus.power | PortStatus.reset)
        #expect(keyboard.address == 0)                                           // the port reset reset it
    }
}
