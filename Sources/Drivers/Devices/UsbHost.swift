// UsbHost: the boundary between a USB host controller driver and the drivers of USB devices. A
// USB device has no registers of its own a driver could map: its driver asks the controller
// driver for transfers (control on endpoint 0, interrupt IN) addressed by device address, and the
// controller driver turns them into operations on its own MMIO. `UsbHostController` is that
// request interface; `UsbSetup` the 8-byte setup packet; `UsbDescriptors` the parsing every
// device driver needs.
//
// Fuchsia counterpart: the fuchsia.hardware.usb / usb-request banjo protocols (usb_control_in/out,
// usb_request_queue on an endpoint) the usb-bus driver offers device drivers on top of the host
// controller's fuchsia.hardware.usb.hci protocol (src/devices/usb/drivers/usb-bus,
// src/devices/usb/lib/usb: usb::InterfaceList, descriptor iteration). USB 2.0 §9.3, §9.6.

/// The 8-byte SETUP packet (USB 2.0 §9.3).
public struct UsbSetup: Sendable, Equatable, CustomStringConvertible {
    public var requestType: UInt8
    public var request: UInt8
    public var value: UInt16
    public var index: UInt16
    public var length: UInt16

    public init(requestType: UInt8, request: UInt8, value: UInt16 = 0, index: UInt16 = 0, length: UInt16 = 0) {
        self.requestType = requestType
        self.request = request
        self.value = value
        self.index = index
        self.length = length
    }

    /// The eight wire bytes as a little-endian integer (an xHCI Setup Stage TRB's first two dwords).
    public var rawValue: UInt64 {
        UInt64(requestType) | UInt64(request) << 8 | UInt64(value) << 16 | UInt64(index) << 32 | UInt64(length) << 48
    }

    /// The data stage (if any) flows device → host.
    public var isDeviceToHost: Bool { requestType & 0x80 != 0 }

    public var description: String {
        "setup(\(String.hex(requestType)), \(String.hex(request)), value \(String.hex(value)), index \(index), length \(length))"
    }

    public static func getDescriptor(type: UInt8, index: UInt8 = 0, language: UInt16 = 0, length: UInt16) -> UsbSetup {
        UsbSetup(requestType: 0x80, request: 0x06, value: UInt16(type) << 8 | UInt16(index), index: language, length: length)
    }

    public static func setAddress(_ address: UInt8) -> UsbSetup {
        UsbSetup(requestType: 0x00, request: 0x05, value: UInt16(address))
    }

    public static func setConfiguration(_ value: UInt8) -> UsbSetup {
        UsbSetup(requestType: 0x00, request: 0x09, value: UInt16(value))
    }
}

/// Bus speeds as xHCI's default protocol speed IDs (PORTSC.Port Speed).
public enum UsbDeviceSpeed: UInt8, Sendable, Equatable {
    case full = 1, low = 2, high = 3, superSpeed = 4, unknown = 0
}

/// A device the controller driver enumerated.
public struct UsbDeviceInfo: Sendable, Equatable {
    /// The address assigned (SET_ADDRESS); what transfers are addressed to.
    public var address: UInt8
    /// The root-hub port it is attached to (1-based).
    public var port: Int
    public var speed: UsbDeviceSpeed

    public init(address: UInt8, port: Int, speed: UsbDeviceSpeed) {
        self.address = address
        self.port = port
        self.speed = speed
    }
}

/// What a USB host controller driver offers USB device drivers. Transfers are synchronous.
public protocol UsbHostController: AnyObject {
    /// The devices enumerated so far.
    var devices: [UsbDeviceInfo] { get }
    /// A control transfer on endpoint 0 of `device`. For IN requests returns the data received
    /// (at most `setup.length` bytes); for OUT requests sends `data` and returns [].
    /// - Throws: `.stall` when the device refuses the request, `.deviceError` for a failed
    ///   transaction, `.noDevice` for an unknown address.
    func controlTransfer(device: UInt8, setup: UsbSetup, data: [UInt8]) throws(DriverError) -> [UInt8]
    /// One interrupt-IN transfer from `endpoint` (an address with bit 7 set) of `device`: the
    /// report, or nil if the device has nothing to send (NAK).
    func interruptIn(device: UInt8, endpoint: UInt8) throws(DriverError) -> [UInt8]?
}

extension UsbHostController {
    /// A control transfer without an OUT data stage.
    public func controlTransfer(device: UInt8, setup: UsbSetup) throws(DriverError) -> [UInt8] {
        try controlTransfer(device: device, setup: setup, data: [])
    }
}

/// Standard descriptors (USB 2.0 §9.6) parsed from the bytes GET_DESCRIPTOR returns.
public enum UsbDescriptors {
    public struct Device: Sendable, Equatable {
        public var usbVersion: UInt16
        public var deviceClass: UInt8
        public var maxPacketSize0: UInt8
        public var vendorID: UInt16
        public var productID: UInt16
        public var manufacturerIndex: UInt8
        public var productIndex: UInt8
        public var configurationCount: UInt8
    }

    public struct Endpoint: Sendable, Equatable {
        public var address: UInt8
        public var attributes: UInt8
        public var maxPacketSize: UInt16
        public var interval: UInt8

        public var isInterruptIn: Bool { address & 0x80 != 0 && attributes & 3 == 3 }
    }

    public struct Interface: Sendable, Equatable {
        public var number: UInt8
        public var alternateSetting: UInt8
        public var interfaceClass: UInt8
        public var subclass: UInt8
        public var interfaceProtocol: UInt8
        public var endpoints: [Endpoint]
    }

    public struct Configuration: Sendable, Equatable {
        public var value: UInt8
        public var interfaces: [Interface]
    }

    public static func device(_ bytes: [UInt8]) throws(DriverError) -> Device {
        guard bytes.count >= 18, bytes[0] >= 18, bytes[1] == 1 else {
            throw .deviceError("usb device descriptor of \(bytes.count) bytes (type \(bytes.count > 1 ? bytes[1] : 0))")
        }
        return Device(usbVersion: LittleEndian.u16(bytes, 2), deviceClass: bytes[4], maxPacketSize0: bytes[7],
                      vendorID: LittleEndian.u16(bytes, 8), productID: LittleEndian.u16(bytes, 10),
                      manufacturerIndex: bytes[14], productIndex: bytes[15], configurationCount: bytes[17])
    }

    /// A configuration descriptor set: the configuration, then interface descriptors each
    /// followed by its class-specific and endpoint descriptors.
    public static func configuration(_ bytes: [UInt8]) throws(DriverError) -> Configuration {
        guard bytes.count >= 9, bytes[1] == 2 else { throw .deviceError("usb configuration descriptor malformed") }
        let total = min(Int(LittleEndian.u16(bytes, 2)), bytes.count)
        var configuration = Configuration(value: bytes[5], interfaces: [])
        var offset = Int(bytes[0])
        while offset + 2 <= total {
            let length = Int(bytes[offset])
            guard length >= 2, offset + length <= total else {
                throw .deviceError("usb descriptor of length \(length) at \(offset) overruns \(total) bytes")
            }
            switch bytes[offset + 1] {
            case 4 where length >= 9:
                configuration.interfaces.append(Interface(
                    number: bytes[offset + 2], alternateSetting: bytes[offset + 3], interfaceClass: bytes[offset + 5],
                    subclass: bytes[offset + 6], interfaceProtocol: bytes[offset + 7], endpoints: []))
            case 5 where length >= 7:
                guard !configuration.interfaces.isEmpty else { break }
                configuration.interfaces[configuration.interfaces.count - 1].endpoints.append(Endpoint(
                    address: bytes[offset + 2], attributes: bytes[offset + 3],
                    maxPacketSize: LittleEndian.u16(bytes, offset + 4), interval: bytes[offset + 6]))
            default:
                break
            }
            offset += length
        }
        return configuration
    }

    /// A string descriptor's UTF-16LE text.
    public static func string(_ bytes: [UInt8]) -> String? {
        guard bytes.count >= 2, bytes[1] == 3 else { return nil }
        let length = min(Int(bytes[0]), bytes.count)
        let units = stride(from: 2, to: length - 1, by: 2).map { LittleEndian.u16(bytes, $0) }
        return String(decoding: units, as: UTF16.self)
    }
}
