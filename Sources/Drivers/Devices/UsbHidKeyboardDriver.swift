// UsbHidKeyboardDriver: a USB HID keyboard with the boot interface (class 3, subclass 1, protocol
// 1), driven only through a `UsbHostController` — it never sees MMIO. Binding reads the device
// descriptor and the configuration descriptor set, finds the boot keyboard interface and its
// interrupt-IN endpoint, SET_CONFIGURATION, SET_PROTOCOL(boot), SET_IDLE(0), and reads the product
// string. `poll()` takes the boot reports waiting on the interrupt endpoint (modifier byte,
// reserved byte, six key slots) and turns the differences between consecutive reports into key
// presses and releases named by HID usage.
//
// Fuchsia counterpart: src/ui/input/drivers/usb-hid (usb-hid.cc: Bind finds the HID interface and
// interrupt endpoint via usb::InterfaceList, SetProtocol / SetIdle class requests, the interrupt
// request loop) with hid-input-report's boot keyboard parsing; HID 1.11 §7.2 and appendix B.1.

/// What the keyboard publishes.
public struct UsbHidKeyboardInfo: Sendable, Equatable {
    public var vendorID: UInt16
    public var productID: UInt16
    /// bcdUSB (0x0200 = USB 2.0).
    public var usbVersion: UInt16
    public var configuration: UInt8
    public var interface: UInt8
    public var endpoint: UInt8
    public var maxPacketSize: UInt16
    /// The polling interval as the endpoint descriptor states it.
    public var interval: UInt8
    public var product: String?
    public var manufacturer: String?

    public init(vendorID: UInt16, productID: UInt16, usbVersion: UInt16, configuration: UInt8, interface: UInt8, endpoint: UInt8, maxPacketSize: UInt16, interval: UInt8, product: String?, manufacturer: String?) {
        self.vendorID = vendorID
        self.productID = productID
        self.usbVersion = usbVersion
        self.configuration = configuration
        self.interface = interface
        self.endpoint = endpoint
        self.maxPacketSize = maxPacketSize
        self.interval = interval
        self.product = product
        self.manufacturer = manufacturer
    }
}

public struct UsbHidKeyboardDriver {
    public enum Request {
        public static let setProtocol: UInt8 = 0x0B, setIdle: UInt8 = 0x0A, setReport: UInt8 = 0x09
        /// Class request to an interface, host to device.
        public static let classInterfaceOut: UInt8 = 0x21
    }

    public let host: any UsbHostController
    public let device: UInt8
    public private(set) var info: UsbHidKeyboardInfo?
    /// The last boot report (all keys up before the first).
    public private(set) var lastReport: [UInt8] = Array(repeating: 0, count: 8)

    public init(host: any UsbHostController, device: UInt8) {
        self.host = host
        self.device = device
    }

    /// True if `configuration` has a boot keyboard interface with an interrupt-IN endpoint (the
    /// driver's bind rule).
    public static func matches(_ configuration: UsbDescriptors.Configuration) -> Bool {
        bootInterface(configuration) != nil
    }

    private static func bootInterface(_ configuration: UsbDescriptors.Configuration)
        -> (UsbDescriptors.Interface, UsbDescriptors.Endpoint)?
    {
        for interface in configuration.interfaces
        where interface.interfaceClass == 3 && interface.subclass == 1 && interface.interfaceProtocol == 1 {
            if let endpoint = interface.endpoints.first(where: \.isInterruptIn) { return (interface, endpoint) }
        }
        return nil
    }

    /// Descriptors, configuration, boot protocol, idle rate 0. Publishes and returns the info.
    /// - Throws: `.unsupportedDevice` without a boot keyboard interface; transfer errors.
    @discardableResult
    public mutating func bind() throws(DriverError) -> UsbHidKeyboardInfo {
        let deviceDescriptor = try UsbDescriptors.device(
            host.controlTransfer(device: device, setup: .getDescriptor(type: 1, length: 18)))
        let header = try host.controlTransfer(device: device, setup: .getDescriptor(type: 2, length: 9))
        guard header.count >= 4 else { throw .deviceError("usb-hid: configuration header of \(header.count) bytes") }
        let total = min(LittleEndian.u16(header, 2), 255)
        let configuration = try UsbDescriptors.configuration(
            host.controlTransfer(device: device, setup: .getDescriptor(type: 2, length: total)))
        guard let (interface, endpoint) = Self.bootInterface(configuration) else {
            throw .unsupportedDevice("usb device \(device) (\(String.hex(deviceDescriptor.vendorID)):"
                                     + "\(String.hex(deviceDescriptor.productID))) has no HID boot keyboard interface")
        }
        _ = try host.controlTransfer(device: device, setup: .setConfiguration(configuration.value))
        _ = try host.controlTransfer(device: device, setup: UsbSetup(
            requestType: Request.classInterfaceOut, request: Request.setProtocol, value: 0, index: UInt16(interface.number)))
        _ = try host.controlTransfer(device: device, setup: UsbSetup(
            requestType: Request.classInterfaceOut, request: Request.setIdle, value: 0, index: UInt16(interface.number)))
        let result = UsbHidKeyboardInfo(
            vendorID: deviceDescriptor.vendorID, productID: deviceDescriptor.productID,
            usbVersion: deviceDescriptor.usbVersion, configuration: configuration.value, interface: interface.number,
            endpoint: endpoint.address, maxPacketSize: endpoint.maxPacketSize, interval: endpoint.interval,
            product: try string(index: deviceDescriptor.productIndex),
            manufacturer: try string(index: deviceDescriptor.manufacturerIndex))
        info = result
        lastReport = Array(repeating: 0, count: 8)
        return result
    }

    /// String descriptor `index` in the device's first language; nil for index 0 or a STALL.
    public func string(index: UInt8) throws(DriverError) -> String? {
        guard index != 0 else { return nil }
        do {
            let languages = try host.controlTransfer(device: device, setup: .getDescriptor(type: 3, length: 255))
            let language = languages.count >= 4 ? LittleEndian.u16(languages, 2) : 0x0409
            let bytes = try host.controlTransfer(
                device: device, setup: .getDescriptor(type: 3, index: index, language: language, length: 255))
            return UsbDescriptors.string(bytes)
        } catch .stall {
            return nil
        }
    }

    /// Sets the keyboard LEDs (bit 0 Num Lock, 1 Caps Lock, 2 Scroll Lock) with SET_REPORT(output).
    public func setLeds(_ leds: UInt8) throws(DriverError) {
        guard let info else { throw .deviceError("usb-hid: setLeds before bind") }
        _ = try host.controlTransfer(device: device, setup: UsbSetup(
            requestType: Request.classInterfaceOut, request: Request.setReport, value: 0x0200,
            index: UInt16(info.interface), length: 1), data: [leds & 0x1F])
    }

    /// Reads the reports waiting on the interrupt endpoint (at most `limit`) and returns the key
    /// events they encode, in order.
    public mutating func poll(limit: Int = 64) throws(DriverError) -> [KeyEvent] {
        guard let info else { throw .deviceError("usb-hid: poll before bind") }
        var events: [KeyEvent] = []
        for _ in 0..<max(limit, 1) {
            guard let report = try host.interruptIn(device: device, endpoint: info.endpoint) else { break }
            guard report.count >= 3 else { continue }   // too short to be a boot report
            events += Self.decode(previous: lastReport, report: report)
            if !Self.isRollOver(report) { lastReport = Self.normalized(report) }
        }
        return events
    }

    /// Key events between two boot reports: modifier bits as usages 0xE0–0xE7, key slots as
    /// usages; releases first, then presses. A report with ErrorRollOver in its key slots keeps
    /// the previous keys (HID 1.11 appendix C).
    public static func decode(previous: [UInt8], report: [UInt8]) -> [KeyEvent] {
        let old = normalized(previous), new = normalized(report)
        var releases: [KeyEvent] = [], presses: [KeyEvent] = []
        for bit in 0..<8 {
            let mask = UInt8(1) << UInt8(bit)
            let was = old[0] & mask != 0, now = new[0] & mask != 0
            guard was != now else { continue }
            let event = KeyEvent(usage: 0xE0 + UInt8(bit), pressed: now)
            if now { presses.append(event) } else { releases.append(event) }
        }
        if !isRollOver(new) {
            let oldKeys = old[2...].filter { $0 > 3 }, newKeys = new[2...].filter { $0 > 3 }
            for key in oldKeys where !newKeys.contains(key) { releases.append(KeyEvent(usage: key, pressed: false)) }
            for key in newKeys where !oldKeys.contains(key) { presses.append(KeyEvent(usage: key, pressed: true)) }
        }
        return releases + presses
    }

    static func isRollOver(_ report: [UInt8]) -> Bool { report.dropFirst(2).contains(1) }

    /// The report padded or cut to 8 bytes.
    static func normalized(_ report: [UInt8]) -> [UInt8] {
        Array((report + Array(repeating: 0, count: 8)).prefix(8))
    }
}
