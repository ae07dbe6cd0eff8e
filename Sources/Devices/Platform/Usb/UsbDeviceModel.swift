// UsbDeviceModel: the interface between a USB host controller model (xHCI) and a USB device
// model behind one of its ports, at the level of USB transfers: a control transfer is a setup
// packet plus an optional data stage; an interrupt-IN transfer returns one report or a NAK.
// Devices never get an MMIO window of their own — drivers reach them only through the controller.
//
// Counterpart: USB 2.0 specification chapter 9 (setup packet §9.3, standard requests §9.4,
// descriptors §9.6); QEMU's USBDevice/USBPacket interface (hw/usb/core.c, include/hw/usb.h).

/// A device's bus speed, valued as the xHCI default Protocol Speed ID that PORTSC reports
/// (xHCI 1.2 §7.2.2.1.1).
public enum UsbSpeed: UInt8, Sendable, CaseIterable {
    case full = 1
    case low = 2
    case high = 3
    case superSpeed = 4

    /// Whether a port of this protocol generation can carry the speed (USB 3 ports only carry
    /// SuperSpeed; a USB 2 device shows up on the paired USB 2 port).
    var isSuperSpeed: Bool { self == .superSpeed }
}

/// The 8-byte SETUP packet that opens every control transfer (USB 2.0 §9.3).
public struct UsbSetupPacket: Sendable, Equatable, CustomStringConvertible {
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

    /// The packet as its eight wire bytes read as a little-endian integer (the layout of an xHCI
    /// Setup Stage TRB's first two dwords).
    public init(rawValue: UInt64) {
        requestType = UInt8(truncatingIfNeeded: rawValue)
        request = UInt8(truncatingIfNeeded: rawValue >> 8)
        value = UInt16(truncatingIfNeeded: rawValue >> 16)
        index = UInt16(truncatingIfNeeded: rawValue >> 32)
        length = UInt16(truncatingIfNeeded: rawValue >> 48)
    }

    public var rawValue: UInt64 {
        UInt64(requestType) | UInt64(request) << 8 | UInt64(value) << 16 | UInt64(index) << 32
            | UInt64(length) << 48
    }

    /// bmRequestType bit 7: the data stage (if any) flows device → host.
    public var isDeviceToHost: Bool { requestType & 0x80 != 0 }
    /// bmRequestType bits 6:5 — 0 standard, 1 class, 2 vendor.
    public var kind: UInt8 { (requestType >> 5) & 3 }
    /// bmRequestType bits 4:0 — 0 device, 1 interface, 2 endpoint, 3 other.
    public var recipient: UInt8 { requestType & 0x1F }

    public var description: String {
        "setup(type 0x\(String(requestType, radix: 16)), request 0x\(String(request, radix: 16)), "
            + "value 0x\(String(value, radix: 16)), index \(index), length \(length))"
    }

    /// GET_DESCRIPTOR from the device (or, with `recipient` 1, from interface `index`).
    public static func getDescriptor(
        type: UInt8, index descriptorIndex: UInt8 = 0, languageOrInterface: UInt16 = 0,
        recipient: UInt8 = 0, length: UInt16
    ) -> UsbSetupPacket {
        UsbSetupPacket(
            requestType: 0x80 | recipient, request: UsbRequest.getDescriptor,
            value: UInt16(type) << 8 | UInt16(descriptorIndex), index: languageOrInterface, length: length)
    }

    public static func setAddress(_ address: UInt8) -> UsbSetupPacket {
        UsbSetupPacket(requestType: 0x00, request: UsbRequest.setAddress, value: UInt16(address))
    }

    public static func setConfiguration(_ configuration: UInt8) -> UsbSetupPacket {
        UsbSetupPacket(requestType: 0x00, request: UsbRequest.setConfiguration, value: UInt16(configuration))
    }
}

/// Standard request codes (USB 2.0 table 9-4) and the HID class requests (HID 1.11 §7.2).
public enum UsbRequest {
    public static let getStatus: UInt8 = 0x00
    public static let clearFeature: UInt8 = 0x01
    public static let setFeature: UInt8 = 0x03
    public static let setAddress: UInt8 = 0x05
    public static let getDescriptor: UInt8 = 0x06
    public static let setDescriptor: UInt8 = 0x07
    public static let getConfiguration: UInt8 = 0x08
    public static let setConfiguration: UInt8 = 0x09
    public static let getInterface: UInt8 = 0x0A
    public static let setInterface: UInt8 = 0x0B

    public static let hidGetReport: UInt8 = 0x01
    public static let hidGetIdle: UInt8 = 0x02
    public static let hidGetProtocol: UInt8 = 0x03
    public static let hidSetReport: UInt8 = 0x09
    public static let hidSetIdle: UInt8 = 0x0A
    public static let hidSetProtocol: UInt8 = 0x0B
}

/// Descriptor type codes (USB 2.0 table 9-5, HID 1.11 §7.1).
public enum UsbDescriptorType {
    public static let device: UInt8 = 1
    public static let configuration: UInt8 = 2
    public static let string: UInt8 = 3
    public static let interface: UInt8 = 4
    public static let endpoint: UInt8 = 5
    public static let deviceQualifier: UInt8 = 6
    public static let hid: UInt8 = 0x21
    public static let hidReport: UInt8 = 0x22
}

/// How a transfer ended.
public enum UsbTransferResult: Sendable, Equatable {
    /// The transfer completed; for IN transfers these are the bytes received (possibly fewer
    /// than requested — a short packet), for OUT and no-data transfers an empty array.
    case completed([UInt8])
    /// The device answered STALL: request not supported, or the endpoint is halted.
    case stall
    /// The device has nothing to send yet (interrupt endpoints); the host retries later.
    case nak
    /// Nobody answered: no device, port disabled or not reset, or the controller not running.
    case transactionError
}

/// A USB device as a controller model sees it.
public protocol UsbDeviceModel: AnyObject, Sendable {
    /// The speed it connects at (reported in PORTSC).
    var speed: UsbSpeed { get }
    /// A bus reset from the port: back to the default state (address 0, unconfigured).
    func busReset()
    /// A control transfer on endpoint 0; `data` is the OUT data stage (ignored for IN requests).
    func controlTransfer(setup: UsbSetupPacket, data: [UInt8]) -> UsbTransferResult
    /// One interrupt-IN transaction on `endpoint` (an address with bit 7 set, e.g. 0x81).
    func interruptIn(endpoint: UInt8) -> UsbTransferResult
    /// Whether an interrupt-IN transfer would return data now (rather than NAK).
    var hasPendingInterruptData: Bool { get }
}

extension UsbDeviceModel {
    /// A control transfer without an OUT data stage.
    public func controlTransfer(setup: UsbSetupPacket) -> UsbTransferResult {
        controlTransfer(setup: setup, data: [])
    }

    /// One interrupt-IN transaction on endpoint 1 IN (0x81), where HID devices report.
    public func interruptIn() -> UsbTransferResult {
        interruptIn(endpoint: 0x81)
    }
}
