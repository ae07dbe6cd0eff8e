// The protocols the boot drivers speak besides the framework's Pci and PlatformDevice ones:
// USB transfers a USB device's driver asks its host controller driver for, DMA memory a PCI
// function's driver asks its bus for (the BTI pin), hot-plug polling of a root port, ACPI
// resources by device, and the small queries between a driver and its protocol child.
//
// Fuchsia counterpart: fuchsia.hardware.usb (banjo usb / usb-request: control and interrupt
// transfers), fuchsia.hardware.pci GetBti + zx_bti_pin, fuchsia.hardware.acpi Device.GetMmio,
// and ethernet-impl / display-controller queries (ethernet_impl_query, simple-display info).

import DriverFramework
import Drivers
import ZX
import ZirconKernel

/// A list of strings (report lines, events).
struct Lines: ProtocolMessage {
    var lines: [String]
    init(_ lines: [String]) { self.lines = lines }
    func encode(into encoder: inout MessageEncoder) {
        encoder.write(UInt32(lines.count))
        for line in lines { encoder.write(line) }
    }
    init(from decoder: inout MessageDecoder) throws(ZxStatus) {
        let count: UInt32 = try decoder.read()
        guard count <= 4096 else { throw .invalidArgs }
        var lines: [String] = []
        for _ in 0..<count { lines.append(try decoder.read()) }
        self.lines = lines
    }
}

enum UsbProtocol {
    /// A control transfer on endpoint 0 of `device`: setup packet, OUT data; returns IN data.
    enum ControlTransfer: ProtocolMethod {
        static let name = "fuchsia.hardware.usb/Usb.ControlTransfer"
        struct Request: ProtocolMessage {
            var device: UInt8
            var setup: UInt64
            var data: [UInt8]
            init(device: UInt8, setup: UInt64, data: [UInt8]) {
                self.device = device
                self.setup = setup
                self.data = data
            }
            func encode(into encoder: inout MessageEncoder) {
                encoder.write(device)
                encoder.write(setup)
                encoder.write(data)
            }
            init(from decoder: inout MessageDecoder) throws(ZxStatus) {
                device = try decoder.read()
                setup = try decoder.read()
                data = try decoder.read()
            }
        }
        struct Response: ProtocolMessage {
            var data: [UInt8]
            init(data: [UInt8]) { self.data = data }
            func encode(into encoder: inout MessageEncoder) { encoder.write(data) }
            init(from decoder: inout MessageDecoder) throws(ZxStatus) { data = try decoder.read() }
        }
    }

    /// One interrupt-IN transfer; `hasData` false for a NAK.
    enum InterruptIn: ProtocolMethod {
        static let name = "fuchsia.hardware.usb/Usb.InterruptIn"
        struct Request: ProtocolMessage {
            var device: UInt8
            var endpoint: UInt8
            init(device: UInt8, endpoint: UInt8) {
                self.device = device
                self.endpoint = endpoint
            }
            func encode(into encoder: inout MessageEncoder) {
                encoder.write(device)
                encoder.write(endpoint)
            }
            init(from decoder: inout MessageDecoder) throws(ZxStatus) {
                device = try decoder.read()
                endpoint = try decoder.read()
            }
        }
        struct Response: ProtocolMessage {
            var hasData: Bool
            var data: [UInt8]
            init(_ data: [UInt8]?) {
                hasData = data != nil
                self.data = data ?? []
            }
            func encode(into encoder: inout MessageEncoder) {
                encoder.write(hasData)
                encoder.write(data)
            }
            init(from decoder: inout MessageDecoder) throws(ZxStatus) {
                hasData = try decoder.read()
                data = try decoder.read()
            }
        }
    }
}

/// A contiguous DMA buffer from the bus: the VMO (moved) and the bus address of its first byte.
enum DmaProtocol {
    enum Allocate: ProtocolMethod {
        static let name = "fuchsia.hardware.pci/Device.AllocateContiguousDma"
        struct Request: ProtocolMessage {
            var size: UInt64
            var alignmentLog2: UInt32
            init(size: UInt64, alignmentLog2: UInt32) {
                self.size = size
                self.alignmentLog2 = alignmentLog2
            }
            func encode(into encoder: inout MessageEncoder) {
                encoder.write(size)
                encoder.write(alignmentLog2)
            }
            init(from decoder: inout MessageDecoder) throws(ZxStatus) {
                size = try decoder.read()
                alignmentLog2 = try decoder.read()
            }
        }
        struct Response: ProtocolMessage {
            var vmo: zx_handle_t
            var physicalAddress: UInt64
            var size: UInt64
            init(vmo: zx_handle_t, physicalAddress: UInt64, size: UInt64) {
                self.vmo = vmo
                self.physicalAddress = physicalAddress
                self.size = size
            }
            func encode(into encoder: inout MessageEncoder) {
                encoder.write(handle: vmo)
                encoder.write(physicalAddress)
                encoder.write(size)
            }
            init(from decoder: inout MessageDecoder) throws(ZxStatus) {
                vmo = try decoder.readHandle()
                physicalAddress = try decoder.read()
                size = try decoder.read()
            }
        }
    }
}

/// fuchsia.hardware.pci Device.SetBusMastering(true).
enum BusMasterProtocol {
    enum Enable: ProtocolMethod {
        static let name = "fuchsia.hardware.pci/Device.SetBusMastering"
        typealias Request = EmptyMessage
        typealias Response = EmptyMessage
    }
}

/// Polls a hot-plug port's slot (what its interrupt handler would do); returns what happened.
enum HotPlugProtocol {
    enum Poll: ProtocolMethod {
        static let name = "zirconia.pci/HotPlugPort.Poll"
        typealias Request = EmptyMessage
        typealias Response = Lines
    }
}

/// fuchsia.hardware.acpi Device.GetMmio for a device of the table, named.
enum AcpiProtocol {
    enum GetMmio: ProtocolMethod {
        static let name = "fuchsia.hardware.acpi/Device.GetMmio"
        struct Request: ProtocolMessage {
            var device: String
            var index: UInt32
            init(device: String, index: UInt32) {
                self.device = device
                self.index = index
            }
            func encode(into encoder: inout MessageEncoder) {
                encoder.write(device)
                encoder.write(index)
            }
            init(from decoder: inout MessageDecoder) throws(ZxStatus) {
                device = try decoder.read()
                index = try decoder.read()
            }
        }
        typealias Response = PlatformDevice.Mmio
    }
}

/// What a device's driver reports about it (`cat` of its devfs node).
enum DescribeProtocol {
    enum Describe: ProtocolMethod {
        static let name = "zirconia.device/Device.Describe"
        typealias Request = EmptyMessage
        typealias Response = Lines
    }
}

/// A `UsbHostController` over the USB protocol of the parent device: a USB device's driver sees
/// transfers, never the controller's registers.
final class UsbProtocolClient: UsbHostController {
    let client: ProtocolClient
    let address: UInt8
    init(client: ProtocolClient, address: UInt8) {
        self.client = client
        self.address = address
    }

    var devices: [UsbDeviceInfo] { [] }

    func controlTransfer(device: UInt8, setup: UsbSetup, data: [UInt8]) throws(DriverError) -> [UInt8] {
        do {
            return try client.call(UsbProtocol.ControlTransfer.self,
                                   .init(device: device, setup: setup.rawValue, data: data)).data
        } catch let status as ZxStatus where status == .ioRefused {
            throw .stall("usb device \(device) \(setup)")
        } catch {
            throw .deviceError("usb control transfer \(setup): \(error)")
        }
    }

    func interruptIn(device: UInt8, endpoint: UInt8) throws(DriverError) -> [UInt8]? {
        do {
            let response = try client.call(UsbProtocol.InterruptIn.self, .init(device: device, endpoint: endpoint))
            return response.hasData ? response.data : nil
        } catch {
            throw .deviceError("usb interrupt-in: \(error)")
        }
    }
}

