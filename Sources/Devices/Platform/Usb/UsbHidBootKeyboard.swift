// UsbHidBootKeyboard: a USB HID keyboard with the boot interface (class 3, subclass 1,
// protocol 1), modelled on QEMU's usb-kbd: VID 0x0627 / PID 0x0001, strings "QEMU" /
// "QEMU USB Keyboard", one configuration with one interface and one interrupt-IN endpoint (0x81)
// that delivers 8-byte boot reports. The host presses and releases keys with HID usage IDs.
//
// Counterpart: USB 2.0 chapter 9; Device Class Definition for HID 1.11 (§7 requests, appendix B.1
// boot keyboard report, appendix E.6 report descriptor); QEMU hw/usb/dev-hid.c, hw/input/hid.c.
//
// Model decisions:
// * Every change of the held-key state queues one report (up to 64 waiting; when full, the oldest
//   is dropped so the newest state always arrives). An interrupt-IN transfer returns the oldest
//   waiting report, or NAK when none waits — idle rate 0 ("report only on change"). A non-zero
//   SET_IDLE rate is stored and read back but does not cause repeats (there is no frame clock).
// * More than six held non-modifier keys report the ErrorRollOver state (HID 1.11 appendix C).
// * The interrupt endpoint works only once configured (SET_CONFIGURATION 1): before that it
//   STALLs, as an unconfigured device has no endpoint 1. A bus reset returns to address 0,
//   unconfigured, report protocol, and clears waiting reports (QEMU hid_reset).
// * Descriptors follow the connection speed as QEMU's do: full/low speed — bcdUSB 1.00,
//   bMaxPacketSize0 8, bInterval 10 ms; high speed — bcdUSB 2.00, bMaxPacketSize0 64,
//   bInterval 7 (8 ms). A keyboard is never SuperSpeed; asking for it gives high speed.
import Synchronization

public final class UsbHidBootKeyboard: UsbDeviceModel {
    /// The modifier byte of a boot report (HID usage IDs 0xE0–0xE7 as bits).
    public struct Modifiers: OptionSet, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let leftControl = Modifiers(rawValue: 1 << 0)
        public static let leftShift = Modifiers(rawValue: 1 << 1)
        public static let leftAlt = Modifiers(rawValue: 1 << 2)
        public static let leftGUI = Modifiers(rawValue: 1 << 3)
        public static let rightControl = Modifiers(rawValue: 1 << 4)
        public static let rightShift = Modifiers(rawValue: 1 << 5)
        public static let rightAlt = Modifiers(rawValue: 1 << 6)
        public static let rightGUI = Modifiers(rawValue: 1 << 7)
    }

    public static let qemuVendorID: UInt16 = 0x0627
    public static let qemuProductID: UInt16 = 0x0001
    public static let interruptEndpoint: UInt8 = 0x81
    public static let reportLength = 8
    public static let maximumQueuedReports = 64
    /// HID usage ID reported in every key slot when more than six keys are held.
    public static let errorRollOver: UInt8 = 0x01

    /// The boot keyboard report descriptor of HID 1.11 appendix E.6 (63 bytes): modifier byte,
    /// reserved byte, five LED output bits plus padding, six key-code bytes.
    public static let reportDescriptor: [UInt8] = [
        0x05, 0x01, 0x09, 0x06, 0xA1, 0x01,   // Usage Page (Generic Desktop), Usage (Keyboard),
                                              // Collection (Application)
        0x05, 0x07, 0x19, 0xE0, 0x29, 0xE7,   //   Usage Page (Key Codes), Usage Minimum (224), Usage Maximum (231)
        0x15, 0x00, 0x25, 0x01,               //   Logical Minimum (0), Logical Maximum (1)
        0x75, 0x01, 0x95, 0x08, 0x81, 0x02,   //   Report Size (1), Report Count (8), Input (Data, Variable, Absolute)
        0x95, 0x01, 0x75, 0x08, 0x81, 0x01,   //   Report Count (1), Report Size (8), Input (Constant): reserved byte
        0x95, 0x05, 0x75, 0x01,               //   Report Count (5), Report Size (1)
        0x05, 0x08, 0x19, 0x01, 0x29, 0x05,   //   Usage Page (LEDs), Usage Minimum (1), Usage Maximum (5)
        0x91, 0x02,                           //   Output (Data, Variable, Absolute): LED report
        0x95, 0x01, 0x75, 0x03, 0x91, 0x01,   //   Report Count (1), Report Size (3), Output (Constant): padding
        0x95, 0x06, 0x75, 0x08,               //   Report Count (6), Report Size (8)
        0x15, 0x00, 0x25, 0x65,               //   Logical Minimum (0), Logical Maximum (101)
        0x05, 0x07, 0x19, 0x00, 0x29, 0x65,   //   Usage Page (Key Codes), Usage Minimum (0), Usage Maximum (101)
        0x81, 0x00,                           //   Input (Data, Array): key codes
        0xC0,                                 // End Collection
    ]

    /// String descriptor indices (QEMU dev-hid.c numbering).
    enum StringIndex {
        static let manufacturer: UInt8 = 1
        static let product: UInt8 = 4
        static let configuration: UInt8 = 8
        static let serialNumber: UInt8 = 11
    }

    private struct State {
        var address: UInt8 = 0
        var configuration: UInt8 = 0
        var remoteWakeup = false
        var bootProtocol = false            // HID 1.11 §7.2.6: report protocol after reset
        var idleRate: UInt8 = 0
        var leds: UInt8 = 0
        var modifiers: Modifiers = []
        var heldKeys: [UInt8] = []          // in press order
        var reports = PlatformFifo<[UInt8]>(capacity: UsbHidBootKeyboard.maximumQueuedReports)

        var currentReport: [UInt8] {
            let keys: [UInt8] = heldKeys.count > 6
                ? Array(repeating: UsbHidBootKeyboard.errorRollOver, count: 6)
                : heldKeys + Array(repeating: 0, count: 6 - heldKeys.count)
            return [modifiers.rawValue, 0] + keys
        }

        mutating func queueReport() {
            if reports.isFull { _ = reports.pop() }
            reports.push(currentReport)
        }
    }

    public let speed: UsbSpeed
    public let vendorID: UInt16
    public let productID: UInt16
    private let state = Mutex(State())

    public init(
        vendorID: UInt16 = UsbHidBootKeyboard.qemuVendorID,
        productID: UInt16 = UsbHidBootKeyboard.qemuProductID,
        speed: UsbSpeed = .high
    ) {
        self.vendorID = vendorID
        self.productID = productID
        self.speed = speed == .superSpeed ? .high : speed
    }

    // MARK: Host side (the person at the keyboard)

    /// Presses `keys` (HID usage IDs from the Keyboard/Keypad page, e.g. 0x04 = "a") and adds
    /// `modifiers`, keeping what is already held. Queues one report.
    public func press(keys: [UInt8], modifiers: Modifiers = []) {
        state.withLock { state in
            for key in keys where key != 0 && !state.heldKeys.contains(key) {
                state.heldKeys.append(key)
            }
            state.modifiers.formUnion(modifiers)
            state.queueReport()
        }
    }

    /// Releases `keys` and `modifiers`. Queues one report.
    public func release(keys: [UInt8], modifiers: Modifiers = []) {
        state.withLock { state in
            state.heldKeys.removeAll { keys.contains($0) }
            state.modifiers.subtract(modifiers)
            state.queueReport()
        }
    }

    /// Releases every key and modifier. Queues one report.
    public func releaseAll() {
        state.withLock { state in
            state.heldKeys.removeAll()
            state.modifiers = []
            state.queueReport()
        }
    }

    /// Presses then releases `key`: two reports.
    public func type(key: UInt8, modifiers: Modifiers = []) {
        press(keys: [key], modifiers: modifiers)
        release(keys: [key], modifiers: modifiers)
    }

    /// The LED state the host last set with SET_REPORT (bit 0 Num Lock, 1 Caps Lock, 2 Scroll Lock).
    public var leds: UInt8 { state.withLock { $0.leds } }
    /// The address assigned with SET_ADDRESS (0 in the default state).
    public var address: UInt8 { state.withLock { $0.address } }
    /// The active configuration (0 = unconfigured).
    public var configuration: UInt8 { state.withLock { $0.configuration } }
    /// Whether the host selected the boot protocol with SET_PROTOCOL 0.
    public var usesBootProtocol: Bool { state.withLock { $0.bootProtocol } }

    // MARK: UsbDeviceModel

    public var hasPendingInterruptData: Bool {
        state.withLock { $0.configuration != 0 && !$0.reports.isEmpty }
    }

    public func busReset() {
        state.withLock { state in
            let held = (state.heldKeys, state.modifiers)
            state = State()
            (state.heldKeys, state.modifiers) = held   // fingers stay on the keys
        }
    }

    public func interruptIn(endpoint: UInt8) -> UsbTransferResult {
        state.withLock { state in
            guard endpoint == Self.interruptEndpoint, state.configuration != 0 else { return .stall }
            guard let report = state.reports.pop() else { return .nak }
            return .completed(report)
        }
    }

    public func controlTransfer(setup: UsbSetupPacket, data: [UInt8]) -> UsbTransferResult {
        state.withLock { state in
            let reply: [UInt8]?
            switch setup.kind {
            case 0: reply = standardRequest(setup, &state)
            case 1: reply = classRequest(setup, data: data, &state)
            default: reply = nil
            }
            guard let reply else { return .stall }
            // IN data stages are cut to wLength (USB 2.0 §9.3.5); OUT requests return nothing.
            return .completed(setup.isDeviceToHost ? Array(reply.prefix(Int(setup.length))) : [])
        }
    }

    // MARK: Requests (under the lock); nil means STALL

    private func standardRequest(_ setup: UsbSetupPacket, _ state: inout State) -> [UInt8]? {
        switch (setup.requestType, setup.request) {
        case (0x80, UsbRequest.getDescriptor):
            return deviceDescriptor(type: UInt8(setup.value >> 8), index: UInt8(truncatingIfNeeded: setup.value))
        case (0x81, UsbRequest.getDescriptor):
            guard setup.index == 0 else { return nil }
            switch UInt8(setup.value >> 8) {
            case UsbDescriptorType.hid: return hidDescriptor
            case UsbDescriptorType.hidReport: return Self.reportDescriptor
            default: return nil
            }
        case (0x00, UsbRequest.setAddress):
            guard setup.value <= 127 else { return nil }
            state.address = UInt8(setup.value)
            return []
        case (0x80, UsbRequest.getConfiguration):
            return [state.configuration]
        case (0x00, UsbRequest.setConfiguration):
            guard setup.value <= 1 else { return nil }
            state.configuration = UInt8(setup.value)
            return []
        case (0x80, UsbRequest.getStatus):
            return [state.remoteWakeup ? 0x02 : 0x00, 0]   // bus powered; bit 1 remote wakeup
        case (0x81, UsbRequest.getStatus), (0x82, UsbRequest.getStatus):
            return [0, 0]
        case (0x00, UsbRequest.setFeature), (0x00, UsbRequest.clearFeature):
            guard setup.value == 1 else { return nil }          // DEVICE_REMOTE_WAKEUP
            state.remoteWakeup = setup.request == UsbRequest.setFeature
            return []
        case (0x02, UsbRequest.setFeature), (0x02, UsbRequest.clearFeature):
            return setup.value == 0 ? [] : nil                  // ENDPOINT_HALT: accepted
        case (0x81, UsbRequest.getInterface):
            return setup.index == 0 ? [0] : nil
        case (0x01, UsbRequest.setInterface):
            return setup.index == 0 && setup.value == 0 ? [] : nil
        default:
            return nil
        }
    }

    private func classRequest(_ setup: UsbSetupPacket, data: [UInt8], _ state: inout State) -> [UInt8]? {
        guard setup.recipient == 1, setup.index == 0 else { return nil }
        switch (setup.requestType, setup.request) {
        case (0xA1, UsbRequest.hidGetReport):
            switch setup.value >> 8 {
            case 1: return state.currentReport       // input report
            case 2: return [state.leds]              // output report
            default: return nil
            }
        case (0xA1, UsbRequest.hidGetIdle):
            return [state.idleRate]
        case (0xA1, UsbRequest.hidGetProtocol):
            return [state.bootProtocol ? 0 : 1]
        case (0x21, UsbRequest.hidSetReport):
            guard setup.value >> 8 == 2, let leds = data.first else { return nil }
            state.leds = leds & 0x1F
            return []
        case (0x21, UsbRequest.hidSetIdle):
            state.idleRate = UInt8(setup.value >> 8)
            return []
        case (0x21, UsbRequest.hidSetProtocol):
            guard setup.value <= 1 else { return nil }
            state.bootProtocol = setup.value == 0
            return []
        default:
            return nil
        }
    }

    // MARK: Descriptors

    private var isHighSpeed: Bool { speed == .high }

    private func deviceDescriptor(type: UInt8, index: UInt8) -> [UInt8]? {
        switch type {
        case UsbDescriptorType.device:
            let bcdUSB: UInt16 = isHighSpeed ? 0x0200 : 0x0100
            return [
                18, UsbDescriptorType.device,
                UInt8(bcdUSB & 0xFF), UInt8(bcdUSB >> 8),
                0, 0, 0,                                   // class, subclass, protocol: per interface
                isHighSpeed ? 64 : 8,                      // bMaxPacketSize0
                UInt8(vendorID & 0xFF), UInt8(vendorID >> 8),
                UInt8(productID & 0xFF), UInt8(productID >> 8),
                0, 0,                                      // bcdDevice 0.00
                StringIndex.manufacturer, StringIndex.product, StringIndex.serialNumber,
                1,                                         // bNumConfigurations
            ]
        case UsbDescriptorType.configuration:
            guard index == 0 else { return nil }
            return configurationDescriptorSet
        case UsbDescriptorType.string:
            return stringDescriptor(index: index)
        case UsbDescriptorType.deviceQualifier:
            // Only a high-speed-capable device has one (USB 2.0 §9.6.2): it describes the
            // full-speed personality.
            guard isHighSpeed else { return nil }
            return [10, UsbDescriptorType.deviceQualifier, 0x00, 0x02, 0, 0, 0, 8, 1, 0]
        default:
            return nil
        }
    }

    private var hidDescriptor: [UInt8] {
        let length = UInt16(Self.reportDescriptor.count)
        return [9, UsbDescriptorType.hid, 0x11, 0x01, 0, 1, UsbDescriptorType.hidReport,
                UInt8(length & 0xFF), UInt8(length >> 8)]
    }

    /// Configuration, interface, HID and endpoint descriptors as GET_DESCRIPTOR(CONFIGURATION)
    /// returns them: 9 + 9 + 9 + 7 = 34 bytes.
    private var configurationDescriptorSet: [UInt8] {
        let interface: [UInt8] = [9, UsbDescriptorType.interface, 0, 0, 1, 3, 1, 1, 0]
        let endpoint: [UInt8] = [7, UsbDescriptorType.endpoint, Self.interruptEndpoint, 0x03,
                                 UInt8(Self.reportLength), 0, isHighSpeed ? 7 : 10]
        let body = interface + hidDescriptor + endpoint
        let total = UInt16(9 + body.count)
        let header: [UInt8] = [9, UsbDescriptorType.configuration, UInt8(total & 0xFF), UInt8(total >> 8),
                               1, 1, StringIndex.configuration, 0xA0, 50]   // bus powered + remote wakeup, 100 mA
        return header + body
    }

    private func stringDescriptor(index: UInt8) -> [UInt8]? {
        let text: String
        switch index {
        case 0: return [4, UsbDescriptorType.string, 0x09, 0x04]   // LANGID US English
        case StringIndex.manufacturer: text = "QEMU"
        case StringIndex.product: text = "QEMU USB Keyboard"
        case StringIndex.configuration: text = "HID Keyboard"
        case StringIndex.serialNumber: text = "68284"
        default: return nil
        }
        let units = Array(text.utf16)
        var bytes: [UInt8] = [UInt8(2 + units.count * 2), UsbDescriptorType.string]
        for unit in units { bytes += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        return bytes
    }
}
