// The input drivers: i8042 (controller and device bring-up, set-1 scancodes and mouse packets)
// against the i8042 model, and the xHCI driver with the USB HID boot keyboard driver on top of it
// (which only sees `UsbHostController`) against the xHCI model — directly and from a driver
// process on a booted qemu-x64.

import Drivers
import Testing
import Zirconia

@Suite struct I8042DriverTests {
    @Test func bringsUpKeyboardAndMouseAndDecodesInput() throws {
        let controller = I8042Controller()
        var driver = I8042Driver(ports: MmioView(device: controller))
        let info = try driver.initialize()
        #expect(info == I8042Info(hasKeyboard: true, hasMouse: true, mouseID: 0, configuration: 0x43))
        #expect(controller.configurationByte == 0x43)   // both interrupts, translation
        #expect(controller.keyboardScanningEnabled)
        #expect(controller.mouseReportingEnabled)

        controller.pressKey(set2Code: 0x1C)                    // A
        controller.releaseKey(set2Code: 0x1C)
        controller.pressKey(set2Code: 0x75, extended: true)    // Up arrow
        controller.pressKey(set2Code: 0x12)                    // left shift
        controller.releaseKey(set2Code: 0x12)
        controller.moveMouse(dx: 5, dy: -3, buttons: .left)
        #expect(try driver.poll() == [
            .key(KeyEvent(usage: 0x04, pressed: true)), .key(KeyEvent(usage: 0x04, pressed: false)),
            .key(KeyEvent(usage: 0x52, pressed: true)),
            .key(KeyEvent(usage: 0xE1, pressed: true)), .key(KeyEvent(usage: 0xE1, pressed: false)),
            .mouse(MouseEvent(dx: 5, dy: -3, buttons: 1)),
        ])
        #expect(try driver.poll().isEmpty)
        #expect(HidUsage.character(0x04) == "a" && HidUsage.character(0x1E, shift: true) == "!")
    }

    @Test func aFailedSelfTestIsADeviceError() throws {
        let fake = FakeMmioRegion(name: "i8042 fake", registerSize: 4, registerCount: 2)
        fake.setReadCallback(at: 4) { 0x01 }     // output always full
        fake.setReadCallback(at: 0) { 0xFC }     // every reply: failure
        var driver = I8042Driver(ports: MmioView(device: fake))
        #expect(throws: DriverError.deviceError("i8042 self test answered 0xfc, expected 0x55")) { try driver.initialize() }
    }

    @Test func keyboardThroughThePortWindowOfABootedQemuX64() throws {
        let booted = try BootedMachine(Machine.qemuX64(MachineOptions(memorySize: 32 << 20)))
        let region = try #require(booted.machine.description.platformDevice("PNP0303")?.mmio.first)
        let controller = try #require(booted.machine.i8042)
        let root = booted.root
        let events = try booted.process.run { () throws -> [InputEvent] in
            let ports = try mapMmio(region, root: root, name: "i8042")
            var driver = I8042Driver(ports: ports.window)
            try driver.initialize()
            controller.pressKey(set2Code: 0x2D)   // R
            return try driver.poll()
        }
        #expect(events == [.key(KeyEvent(usage: 0x15, pressed: true))])
    }
}

@Suite struct UsbDriverTests {
    /// Controller bring-up, enumeration, keyboard bind; returns the pieces.
    static func bind<Access: MmioAccess>(_ window: Access) throws -> (XhciDriver<Access>, UsbHidKeyboardDriver, UsbHidKeyboardInfo) {
        let xhci = XhciDriver(bar0: window)
        try xhci.initialize()
        let devices = try xhci.enumerate()
        let device = try #require(devices.first)
        var keyboard = UsbHidKeyboardDriver(host: xhci, device: device.address)
        let info = try keyboard.bind()
        return (xhci, keyboard, info)
    }

    @Test func enumeratesTheKeyboardAndDecodesKeyPresses() throws {
        let model = UsbHidBootKeyboard()
        let controller = XhciController.withKeyboard(model)
        let (xhci, keyboardDriver, info) = try Self.bind(MmioView(device: controller))
        var keyboard = keyboardDriver
        let hc = try #require(xhci.info)
        #expect(hc.maxPorts == 8 && hc.maxSlots == 64 && hc.interfaceVersion == 0x0100)
        #expect(hc.usbMajorRevision(port: 1) == 3 && hc.usbMajorRevision(port: 5) == 2)
        #expect(xhci.devices == [UsbDeviceInfo(address: 1, port: 5, speed: .high)])
        #expect(model.address == 1)
        #expect(info == UsbHidKeyboardInfo(vendorID: 0x0627, productID: 0x0001, usbVersion: 0x0200, configuration: 1,
                                           interface: 0, endpoint: 0x81, maxPacketSize: 8, interval: 7,
                                           product: "QEMU USB Keyboard", manufacturer: "QEMU"))
        #expect(model.configuration == 1 && model.usesBootProtocol)

        #expect(try keyboard.poll().isEmpty)   // NAK: nothing typed yet
        model.type(key: 0x04)                  // a
        model.press(keys: [0x1E], modifiers: .leftShift)
        model.releaseAll()
        #expect(try xhci.hasPendingData(device: 1))
        #expect(try keyboard.poll() == [
            KeyEvent(usage: 0x04, pressed: true), KeyEvent(usage: 0x04, pressed: false),
            KeyEvent(usage: 0xE1, pressed: true), KeyEvent(usage: 0x1E, pressed: true),
            KeyEvent(usage: 0xE1, pressed: false), KeyEvent(usage: 0x1E, pressed: false),
        ])
        try keyboard.setLeds(0x02)
        #expect(model.leds == 0x02)
    }

    @Test func bootReportDecoding() {
        let none: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0]
        #expect(UsbHidKeyboardDriver.decode(previous: none, report: [0, 0, 4, 5, 0, 0, 0, 0])
            == [KeyEvent(usage: 4, pressed: true), KeyEvent(usage: 5, pressed: true)])
        #expect(UsbHidKeyboardDriver.decode(previous: [0, 0, 4, 5, 0, 0, 0, 0], report: [0, 0, 5, 0, 0, 0, 0, 0])
            == [KeyEvent(usage: 4, pressed: false)])
        // ErrorRollOver: keys unchanged.
        #expect(UsbHidKeyboardDriver.decode(previous: [0, 0, 4, 0, 0, 0, 0, 0], report: [0, 0, 1, 1, 1, 1, 1, 1]).isEmpty)
    }

    @Test func transferErrorsAreReported() throws {
        let controller = XhciController()   // nothing attached
        let xhci = XhciDriver(bar0: MmioView(device: controller))
        try xhci.initialize()
        #expect(try xhci.enumerate().isEmpty)
        #expect(throws: DriverError.noDevice("xhci: no device at address 1")) {
            try xhci.controlTransfer(device: 1, setup: .getDescriptor(type: 1, length: 18))
        }
        let model = UsbHidBootKeyboard()
        let withKeyboard = XhciController.withKeyboard(model)
        let (host, _, _) = try Self.bind(MmioView(device: withKeyboard))
        #expect(throws: DriverError.stall("xhci device 1 setup(0x80, 0x6, value 0x900, index 0, length 9)")) {
            try host.controlTransfer(device: 1, setup: .getDescriptor(type: 9, length: 9))
        }
    }

    @Test func keyboardThroughAControllerMappedInADriverProcess() throws {
        let booted = try BootedMachine(Machine.qemuX64(MachineOptions(memorySize: 32 << 20)))
        let bar0 = try booted.bar(QemuX64Layout.xhciAddress, 0)
        let model = try #require(booted.machine.usbKeyboard)
        let root = booted.root
        let (product, events) = try booted.process.run { () throws -> (String?, [KeyEvent]) in
            let registers = try mapMmio(bar0, root: root, name: "xhci bar0")
            var (_, keyboard, info) = try Self.bind(registers.window)
            model.type(key: 0x0B)   // h
            model.type(key: 0x0C)   // i
            return (info.product, try keyboard.poll())
        }
        #expect(product == "QEMU USB Keyboard")
        #expect(events.filter(\.pressed).compactMap { HidUsage.character($0.usage) } == ["h", "i"])
        #expect(events.count == 4)
    }
}
