// XhciDriver: an xHCI USB host controller (qemu-xhci, 1b36:000d) through BAR0, offering USB device
// drivers the `UsbHostController` interface. Bring-up: capability registers (CAPLENGTH,
// HCIVERSION, HCSPARAMS1, the Supported Protocol extended capabilities), halt if running, HCRST
// and wait for it and CNR to clear, CONFIG.MaxSlotsEn, R/S and wait for HCHalted to clear. Then
// `enumerate()` walks PORTSC: for each connected port it resets the port (PR, wait PRC, check
// PED), acknowledges the change bits, assigns the next device address and sends SET_ADDRESS.
//
// Transfers: real xHCI moves them through TRB rings in DMA memory (command ring, event ring,
// per-endpoint transfer rings, device contexts). The emulated controller takes no DMA and offers
// instead the Zirconia transfer mailbox at BAR offset 0x3C00 (documented with the device model):
// PORT, SETUP_LOW/HIGH or ENDPOINT, DATA, then COMMAND, then COMPLETION and LENGTH. This driver
// drives that mailbox through MMIO exactly as documented, mapping device addresses to ports;
// completion codes are xHCI's (1 success, 4 USB transaction error, 5 TRB error, 6 stall) plus the
// mailbox's 224 (no data: NAK). No DCBAA, rings or interrupters are set up.
//
// Fuchsia counterpart: src/devices/usb/drivers/xhci (usb-xhci.cc: Init — HCSPARAMS, HCRST, CNR,
// CONFIG.MaxSlotsEn, R/S; xhci-port-state / root hub: port reset and PRC; xhci-enumeration.cc:
// EnumerateDevice with Address Device; the UsbHciRequestQueue entry point device drivers reach
// through usb-bus). Registers from xHCI 1.2 §5.3–§5.4, §7.2.

import Mmio

/// What the controller reports after `initialize()`.
public struct XhciInfo: Sendable, Equatable {
    public var interfaceVersion: UInt16
    public var maxSlots: Int
    public var maxInterrupters: Int
    public var maxPorts: Int
    /// Supported Protocol capabilities: USB major revision and the ports (1-based) it covers.
    public var protocols: [(major: UInt8, ports: ClosedRange<Int>)]

    public init(interfaceVersion: UInt16, maxSlots: Int, maxInterrupters: Int, maxPorts: Int, protocols: [(major: UInt8, ports: ClosedRange<Int>)]) {
        self.interfaceVersion = interfaceVersion
        self.maxSlots = maxSlots
        self.maxInterrupters = maxInterrupters
        self.maxPorts = maxPorts
        self.protocols = protocols
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.interfaceVersion == b.interfaceVersion && a.maxSlots == b.maxSlots && a.maxInterrupters == b.maxInterrupters
            && a.maxPorts == b.maxPorts && a.protocols.elementsEqual(b.protocols) { $0.major == $1.major && $0.ports == $1.ports }
    }

    /// The USB major revision (2 or 3) of `port`, if a protocol capability covers it.
    public func usbMajorRevision(port: Int) -> UInt8? {
        protocols.first { $0.ports.contains(port) }?.major
    }
}

/// xHCI operational and port registers, the transfer mailbox, completion codes.
public enum XhciSpec {
    public enum Operational {
        public static let usbcmd = 0x00, usbsts = 0x04, config = 0x38, portBase = 0x400, portStride = 0x10
        public static let runStop: UInt32 = 1 << 0, reset: UInt32 = 1 << 1
        public static let halted: UInt32 = 1 << 0, notReady: UInt32 = 1 << 11
    }

    public enum PortStatus {
        public static let connected: UInt32 = 1 << 0, enabled: UInt32 = 1 << 1, reset: UInt32 = 1 << 4
        public static let resetChange: UInt32 = 1 << 21
        /// Bits a read-modify-write must write back as read (power, indicators, wake enables);
        /// PED (write 1 disables) and the RW1C change bits are written as 0 unless meant.
        public static let preserve: UInt32 = 1 << 9 | 3 << 14 | 7 << 25
        public static let changeBits: UInt32 = 0x7F << 17
    }

    public enum Mailbox {
        public static let base = 0x3C00
        public static let identifier = 0x00, version = 0x04, port = 0x08, endpoint = 0x0C
        public static let setupLow = 0x10, setupHigh = 0x14, command = 0x18, completion = 0x1C
        public static let length = 0x20, pending = 0x24, data = 0x100, dataCapacity = 256
        public static let identifierValue: UInt32 = 0x4253_555A   // "ZUSB"
        public static let controlTransfer: UInt32 = 1, interruptIn: UInt32 = 2
    }

    public enum Completion {
        public static let success: UInt32 = 1, transactionError: UInt32 = 4, trbError: UInt32 = 5
        public static let stall: UInt32 = 6, noData: UInt32 = 224
    }
}

public final class XhciDriver<Access: MmioAccess>: UsbHostController {
    public typealias Operational = XhciSpec.Operational
    public typealias PortStatus = XhciSpec.PortStatus
    public typealias Mailbox = XhciSpec.Mailbox
    public typealias Completion = XhciSpec.Completion

    public let registers: RegisterWindow<Access>
    public var pollBudget = Poll.defaultReads
    public private(set) var info: XhciInfo?
    public private(set) var devices: [UsbDeviceInfo] = []
    private var operationalBase = 0

    public init(bar0: Access) {
        registers = RegisterWindow(bar0, device: "xhci")
    }

    private func op(_ offset: Int) -> Int { operationalBase + offset }
    private func portsc(_ port: Int) -> Int { op(Operational.portBase + (port - 1) * Operational.portStride) }

    // MARK: Controller

    /// Capabilities, halt, reset, MaxSlotsEn, run; checks the transfer mailbox is there.
    /// - Throws: `.timeout("xhci USBCMD.HCRST")` and friends for a controller that never settles,
    ///   `.unsupportedDevice` without the transfer mailbox.
    @discardableResult
    public func initialize() throws(DriverError) -> XhciInfo {
        let capability = try registers.read32(0x00, "CAPLENGTH/HCIVERSION")
        operationalBase = Int(capability & 0xFF)
        guard operationalBase >= 0x20, operationalBase + Operational.portBase <= registers.io.size else {
            throw .unsupportedDevice("xhci CAPLENGTH \(operationalBase)")
        }
        let structural = try registers.read32(0x04, "HCSPARAMS1")
        let maxSlots = Int(structural & 0xFF), maxPorts = Int(structural >> 24)
        let protocols = try supportedProtocols(extendedCapabilities: Int(try registers.read32(0x10, "HCCPARAMS1") >> 16) * 4)

        if try registers.read32(op(Operational.usbsts), "USBSTS") & Operational.halted == 0 {
            try registers.clearBits32(Operational.runStop, op(Operational.usbcmd), "USBCMD")
            try registers.poll32(op(Operational.usbsts), "USBSTS", "USBSTS.HCH", maxReads: pollBudget) {
                $0 & Operational.halted != 0
            }
        }
        try registers.write32(Operational.reset, op(Operational.usbcmd), "USBCMD")
        try registers.poll32(op(Operational.usbcmd), "USBCMD", "USBCMD.HCRST", maxReads: pollBudget) {
            $0 & Operational.reset == 0
        }
        try registers.poll32(op(Operational.usbsts), "USBSTS", "USBSTS.CNR", maxReads: pollBudget) {
            $0 & Operational.notReady == 0
        }
        let config = try registers.read32(op(Operational.config), "CONFIG")
        try registers.write32((config & ~0xFF) | UInt32(maxSlots & 0xFF), op(Operational.config), "CONFIG")
        try registers.setBits32(Operational.runStop, op(Operational.usbcmd), "USBCMD")
        try registers.poll32(op(Operational.usbsts), "USBSTS", "USBSTS.HCH clear", maxReads: pollBudget) {
            $0 & Operational.halted == 0
        }

        guard Mailbox.base + Mailbox.data + Mailbox.dataCapacity <= registers.io.size,
              try registers.read32(Mailbox.base + Mailbox.identifier, "mailbox IDENTIFIER") == Mailbox.identifierValue,
              try registers.read32(Mailbox.base + Mailbox.version, "mailbox VERSION") == 1
        else {
            throw .unsupportedDevice("xhci without the Zirconia transfer mailbox (ring-based transfers are not implemented)")
        }
        let result = XhciInfo(interfaceVersion: UInt16(capability >> 16), maxSlots: maxSlots,
                              maxInterrupters: Int((structural >> 8) & 0x7FF), maxPorts: maxPorts, protocols: protocols)
        info = result
        devices = []
        return result
    }

    /// Walks the extended capability list from `offset` for Supported Protocol capabilities (ID 2).
    private func supportedProtocols(extendedCapabilities offset: Int) throws(DriverError) -> [(major: UInt8, ports: ClosedRange<Int>)] {
        var protocols: [(major: UInt8, ports: ClosedRange<Int>)] = []
        var current = offset
        for _ in 0..<64 where current > 0 && current + 12 <= registers.io.size {
            let header = try registers.read32(current, "xECP+\(String.hex(current))")
            if header & 0xFF == 2 {
                let ports = try registers.read32(current + 8, "xECP+\(String.hex(current + 8))")
                let first = Int(ports & 0xFF), count = Int((ports >> 8) & 0xFF)
                if first >= 1, count >= 1 { protocols.append((UInt8(header >> 24), first...(first + count - 1))) }
            }
            let next = Int((header >> 8) & 0xFF)
            guard next != 0 else { break }
            current += next * 4
        }
        return protocols
    }

    // MARK: Root hub

    /// Resets every connected port that is not yet enabled, assigns addresses from 1 and sends
    /// SET_ADDRESS. Publishes and returns `devices`.
    @discardableResult
    public func enumerate() throws(DriverError) -> [UsbDeviceInfo] {
        guard let info else { throw .deviceError("xhci: enumerate before initialize") }
        devices = []
        for port in 1...max(info.maxPorts, 1) where port <= info.maxPorts {
            var status = try registers.read32(portsc(port), "PORTSC\(port)")
            guard status & PortStatus.connected != 0 else { continue }
            guard devices.count < 127 else { break }   // USB addresses are 1…127
            if status & PortStatus.enabled == 0 {
                try registers.write32((status & PortStatus.preserve) | PortStatus.reset, portsc(port), "PORTSC\(port)")
                status = try registers.poll32(portsc(port), "PORTSC\(port)", "PORTSC\(port).PRC", maxReads: pollBudget) {
                    $0 & PortStatus.resetChange != 0 && $0 & PortStatus.reset == 0
                }
                guard status & PortStatus.enabled != 0 else {
                    throw .deviceError("xhci port \(port) not enabled after reset (PORTSC \(String.hex(status)))")
                }
            }
            // Acknowledge the change bits (RW1C) without disabling the port.
            try registers.write32((status & PortStatus.preserve) | (status & PortStatus.changeBits), portsc(port),
                                  "PORTSC\(port)")
            let address = UInt8(devices.count + 1)
            let speed = UsbDeviceSpeed(rawValue: UInt8((status >> 10) & 0xF)) ?? .unknown
            _ = try transfer(port: port, command: Mailbox.controlTransfer, setup: .setAddress(address), data: [],
                             what: "port \(port) SET_ADDRESS \(address)")
            devices.append(UsbDeviceInfo(address: address, port: port, speed: speed))
        }
        return devices
    }

    // MARK: UsbHostController

    public func controlTransfer(device: UInt8, setup: UsbSetup, data: [UInt8]) throws(DriverError) -> [UInt8] {
        let port = try port(of: device)
        guard Int(setup.length) <= Mailbox.dataCapacity, setup.isDeviceToHost || data.count <= Int(setup.length) else {
            throw .invalidArgument("xhci control transfer \(setup) with \(data.count) bytes")
        }
        guard let bytes = try transfer(port: port, command: Mailbox.controlTransfer, setup: setup, data: data,
                                       what: "device \(device) \(setup)")
        else { throw .deviceError("xhci device \(device) \(setup): NAK on a control transfer") }
        return setup.isDeviceToHost ? Array(bytes.prefix(Int(setup.length))) : []
    }

    public func interruptIn(device: UInt8, endpoint: UInt8) throws(DriverError) -> [UInt8]? {
        let port = try port(of: device)
        try registers.write32(UInt32(endpoint), Mailbox.base + Mailbox.endpoint, "mailbox ENDPOINT")
        return try transfer(port: port, command: Mailbox.interruptIn, setup: nil, data: [],
                            what: "device \(device) interrupt IN \(String.hex(endpoint))")
    }

    /// Whether `device` has interrupt-IN data waiting (the mailbox's PENDING bitmap).
    public func hasPendingData(device: UInt8) throws(DriverError) -> Bool {
        let port = try port(of: device)
        return try registers.read32(Mailbox.base + Mailbox.pending, "mailbox PENDING") & (1 << UInt32(port & 31)) != 0
    }

    private func port(of device: UInt8) throws(DriverError) -> Int {
        guard let found = devices.first(where: { $0.address == device }) else {
            throw .noDevice("xhci: no device at address \(device)")
        }
        return found.port
    }

    /// One mailbox command. Returns the IN bytes on success, nil for a NAK (no data yet).
    private func transfer(port: Int, command: UInt32, setup: UsbSetup?, data: [UInt8], what: String) throws(DriverError) -> [UInt8]? {
        let mailbox = Mailbox.base
        try registers.write32(UInt32(port), mailbox + Mailbox.port, "mailbox PORT")
        if let setup {
            try registers.write32(UInt32(truncatingIfNeeded: setup.rawValue), mailbox + Mailbox.setupLow, "mailbox SETUP_LOW")
            try registers.write32(UInt32(truncatingIfNeeded: setup.rawValue >> 32), mailbox + Mailbox.setupHigh,
                                  "mailbox SETUP_HIGH")
            if !setup.isDeviceToHost {
                for start in stride(from: 0, to: data.count, by: 4) {
                    let word = (0..<4).reduce(UInt32(0)) { $0 | UInt32(LittleEndian.byte(data, start + $1)) << UInt32(8 * $1) }
                    try registers.write32(word, mailbox + Mailbox.data + start, "mailbox DATA")
                }
            }
        }
        try registers.write32(command, mailbox + Mailbox.command, "mailbox COMMAND")
        let code = try registers.read32(mailbox + Mailbox.completion, "mailbox COMPLETION")
        switch code {
        case Completion.success: break
        case Completion.noData: return nil
        case Completion.stall: throw .stall("xhci \(what)")
        case Completion.transactionError: throw .deviceError("xhci \(what): USB transaction error")
        case Completion.trbError: throw .deviceError("xhci \(what): TRB error")
        default: throw .deviceError("xhci \(what): completion code \(code)")
        }
        let length = min(Int(try registers.read32(mailbox + Mailbox.length, "mailbox LENGTH")), Mailbox.dataCapacity)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(length)
        for start in stride(from: 0, to: length, by: 4) {
            let word = try registers.read32(mailbox + Mailbox.data + start, "mailbox DATA")
            bytes += LittleEndian.bytes(word).prefix(length - start)
        }
        return bytes
    }
}
