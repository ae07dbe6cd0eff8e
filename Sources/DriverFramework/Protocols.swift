// Two example protocols as Swift types, for the bus drivers of the next issue to serve:
// fuchsia.hardware.platform.device (GetMmio, GetDeviceInfo) and fuchsia.hardware.pci (GetBar,
// ReadConfig, WriteConfig). Each method is a caseless enum naming its request and response.
//
// Fuchsia counterpart: sdk/fidl/fuchsia.hardware.platform.device/platform-device.fidl and
// sdk/fidl/fuchsia.hardware.pci/pci.fidl (the banjo pdev/pci protocols before them).

import ZX
import ZirconKernel

/// fuchsia.hardware.platform.device: a platform-bus device's resources.
public enum PlatformDevice {
    /// A VMO covering an MMIO region, with the region's offset into it and its size.
    public struct Mmio: ProtocolMessage {
        /// The VMO (moved to the caller's process; the caller owns it).
        public var vmo: zx_handle_t
        public var offset: UInt64
        public var size: UInt64

        public init(vmo: zx_handle_t, offset: UInt64, size: UInt64) {
            self.vmo = vmo
            self.offset = offset
            self.size = size
        }

        public func encode(into encoder: inout MessageEncoder) {
            encoder.write(handle: vmo)
            encoder.write(offset)
            encoder.write(size)
        }

        public init(from decoder: inout MessageDecoder) throws(ZxStatus) {
            vmo = try decoder.readHandle()
            offset = try decoder.read()
            size = try decoder.read()
        }
    }

    /// GetMmio(index) → Mmio.
    public enum GetMmio: ProtocolMethod {
        public static let name = "fuchsia.hardware.platform.device/Device.GetMmio"
        public struct Request: ProtocolMessage {
            public var index: UInt32
            public init(index: UInt32) { self.index = index }
            public func encode(into encoder: inout MessageEncoder) { encoder.write(index) }
            public init(from decoder: inout MessageDecoder) throws(ZxStatus) { index = try decoder.read() }
        }
        public typealias Response = Mmio
    }

    /// GetDeviceInfo() → vid, pid, did, counts, name.
    public enum GetDeviceInfo: ProtocolMethod {
        public static let name = "fuchsia.hardware.platform.device/Device.GetDeviceInfo"
        public typealias Request = EmptyMessage
        public struct Response: ProtocolMessage, Equatable {
            public var vid: UInt32
            public var pid: UInt32
            public var did: UInt32
            public var mmioCount: UInt32
            public var irqCount: UInt32
            public var name: String

            public init(vid: UInt32, pid: UInt32, did: UInt32, mmioCount: UInt32, irqCount: UInt32,
                        name: String) {
                self.vid = vid
                self.pid = pid
                self.did = did
                self.mmioCount = mmioCount
                self.irqCount = irqCount
                self.name = name
            }

            public func encode(into encoder: inout MessageEncoder) {
                encoder.write(vid)
                encoder.write(pid)
                encoder.write(did)
                encoder.write(mmioCount)
                encoder.write(irqCount)
                encoder.write(name)
            }

            public init(from decoder: inout MessageDecoder) throws(ZxStatus) {
                vid = try decoder.read()
                pid = try decoder.read()
                did = try decoder.read()
                mmioCount = try decoder.read()
                irqCount = try decoder.read()
                name = try decoder.read()
            }
        }
    }
}

/// fuchsia.hardware.pci: a PCI function's BARs and configuration space.
public enum Pci {
    /// A BAR: an MMIO BAR comes with a VMO (moved to the caller); an I/O BAR has none.
    public struct Bar: ProtocolMessage {
        public var index: UInt32
        public var size: UInt64
        /// ZX_HANDLE_INVALID for an I/O BAR.
        public var vmo: zx_handle_t
        public var isMmio: Bool { vmo != ZX_HANDLE_INVALID }

        public init(index: UInt32, size: UInt64, vmo: zx_handle_t) {
            self.index = index
            self.size = size
            self.vmo = vmo
        }

        public func encode(into encoder: inout MessageEncoder) {
            encoder.write(index)
            encoder.write(size)
            encoder.write(vmo != ZX_HANDLE_INVALID)
            if vmo != ZX_HANDLE_INVALID { encoder.write(handle: vmo) }
        }

        public init(from decoder: inout MessageDecoder) throws(ZxStatus) {
            index = try decoder.read()
            size = try decoder.read()
            let hasVmo: Bool = try decoder.read()
            vmo = hasVmo ? try decoder.readHandle() : ZX_HANDLE_INVALID
        }
    }

    /// GetBar(index) → Bar.
    public enum GetBar: ProtocolMethod {
        public static let name = "fuchsia.hardware.pci/Device.GetBar"
        public struct Request: ProtocolMessage {
            public var index: UInt32
            public init(index: UInt32) { self.index = index }
            public func encode(into encoder: inout MessageEncoder) { encoder.write(index) }
            public init(from decoder: inout MessageDecoder) throws(ZxStatus) { index = try decoder.read() }
        }
        public typealias Response = Bar
    }

    /// A configuration-space access: offset and width in bytes (1, 2 or 4).
    public struct ConfigAccess: ProtocolMessage, Equatable {
        public var offset: UInt16
        public var width: UInt8
        public init(offset: UInt16, width: UInt8) {
            self.offset = offset
            self.width = width
        }
        public func encode(into encoder: inout MessageEncoder) {
            encoder.write(offset)
            encoder.write(width)
        }
        public init(from decoder: inout MessageDecoder) throws(ZxStatus) {
            offset = try decoder.read()
            width = try decoder.read()
            guard width == 1 || width == 2 || width == 4 else { throw .invalidArgs }
        }
    }

    /// A 32-bit value (narrower reads are zero-extended).
    public struct ConfigValue: ProtocolMessage, Equatable {
        public var value: UInt32
        public init(value: UInt32) { self.value = value }
        public func encode(into encoder: inout MessageEncoder) { encoder.write(value) }
        public init(from decoder: inout MessageDecoder) throws(ZxStatus) { value = try decoder.read() }
    }

    /// ReadConfig(offset, width) → value.
    public enum ReadConfig: ProtocolMethod {
        public static let name = "fuchsia.hardware.pci/Device.ReadConfig"
        public typealias Request = ConfigAccess
        public typealias Response = ConfigValue
    }

    /// WriteConfig(offset, width, value) → ().
    public enum WriteConfig: ProtocolMethod {
        public static let name = "fuchsia.hardware.pci/Device.WriteConfig"
        public struct Request: ProtocolMessage, Equatable {
            public var access: ConfigAccess
            public var value: UInt32
            public init(offset: UInt16, width: UInt8, value: UInt32) {
                access = ConfigAccess(offset: offset, width: width)
                self.value = value
            }
            public func encode(into encoder: inout MessageEncoder) {
                access.encode(into: &encoder)
                encoder.write(value)
            }
            public init(from decoder: inout MessageDecoder) throws(ZxStatus) {
                access = try ConfigAccess(from: &decoder)
                value = try decoder.read()
            }
        }
        public typealias Response = EmptyMessage
    }
}
