// XhciTransferMailbox: how a driver performs USB transfers on the xHCI model without rings. Real
// xHCI moves every transfer through TRB rings in guest RAM (DMA); this model takes no DMA, so the
// controller offers, in an otherwise unused part of its BAR, a synchronous mailbox: pick a port,
// write a setup packet (and OUT data), write a command, read the completion code, the length and
// the IN data back. The controller applies the same rules a ring would — it must be running, the
// port enabled by a port reset, a device attached — and answers with xHCI completion codes. The
// same operations are on the Swift API (`controlTransfer(port:setup:data:)`,
// `interruptIn(port:endpoint:)`) for host-side code.
//
// Not in QEMU or the xHCI specification: a Zirconia extension. QEMU puts the MSI-X table and PBA
// of qemu-xhci at 0x3000 and 0x3800; the mailbox sits above them at 0x3C00 so a PCI wrapper can
// follow QEMU's layout. Completion codes are xHCI 1.2 §6.4.5's (224 is in the vendor-defined
// information range).
//
// Layout (offsets from the BAR; registers 32-bit, the data window any width):
//   0x3C00 IDENTIFIER   RO  0x4253555A ("ZUSB"), so a driver can probe for the mailbox
//   0x3C04 VERSION      RO  1
//   0x3C08 PORT         RW  root-hub port number (1-based)
//   0x3C0C ENDPOINT     RW  endpoint address for interrupt IN (reset 0x81)
//   0x3C10 SETUP_LOW    RW  setup bytes 0–3: bmRequestType, bRequest, wValue
//   0x3C14 SETUP_HIGH   RW  setup bytes 4–7: wIndex, wLength (at most 256)
//   0x3C18 COMMAND      WO  1 = control transfer, 2 = interrupt IN; completes before the write returns
//   0x3C1C COMPLETION   RO  completion code of the last command (0 before the first)
//   0x3C20 LENGTH       RO  bytes transferred by the last command (IN data in DATA from byte 0)
//   0x3C24 PENDING      RO  bit n set: the device on enabled port n has interrupt-IN data waiting
//   0x3D00–0x3DFF DATA  RW  256-byte buffer: OUT data before a command, IN data after it
import Hardware

public enum XhciTransferMailbox {
    public static let base: UInt64 = 0x3C00
    public static let size: UInt64 = 0x200
    public static let identifier: UInt32 = 0x4253_555A
    public static let version: UInt32 = 1
    /// Offset of the data window from `base`.
    public static let dataOffset: UInt64 = 0x100
    public static let dataCapacity = 256

    /// Register offsets from `base`.
    public enum Register: UInt64, Sendable, CaseIterable {
        case identifier = 0x00
        case version = 0x04
        case port = 0x08
        case endpoint = 0x0C
        case setupLow = 0x10
        case setupHigh = 0x14
        case command = 0x18
        case completion = 0x1C
        case length = 0x20
        case pendingPorts = 0x24
    }

    public enum Command {
        public static let controlTransfer: UInt32 = 1
        public static let interruptIn: UInt32 = 2
    }

    /// xHCI completion codes (§6.4.5) the mailbox reports.
    public enum CompletionCode {
        public static let none: UInt32 = 0
        public static let success: UInt32 = 1
        public static let usbTransactionError: UInt32 = 4
        public static let trbError: UInt32 = 5
        public static let stallError: UInt32 = 6
        /// Vendor-defined information: the endpoint NAKed (no interrupt data yet).
        public static let noData: UInt32 = 224
    }

    struct Registers {
        var port: UInt32 = 0
        var endpoint: UInt32 = 0x81
        var setup: UInt64 = 0
        var completion: UInt32 = CompletionCode.none
        var length: UInt32 = 0
        var data = [UInt8](repeating: 0, count: XhciTransferMailbox.dataCapacity)
    }
}

extension XhciController {
    // MARK: Controller-level transfers (Swift API)

    /// A control transfer to the device on `port`, through the controller: it fails with
    /// `.transactionError` unless the controller runs, the port is enabled and a device answers.
    public func controlTransfer(port: Int, setup: UsbSetupPacket, data: [UInt8] = []) -> UsbTransferResult {
        state.withLock { state in
            guard let device = reachableDevice(port: port, state) else { return .transactionError }
            return device.controlTransfer(setup: setup, data: data)
        }
    }

    /// One interrupt-IN transfer from `endpoint` of the device on `port`, through the controller.
    public func interruptIn(port: Int, endpoint: UInt8 = 0x81) -> UsbTransferResult {
        state.withLock { state in
            guard let device = reachableDevice(port: port, state) else { return .transactionError }
            return device.interruptIn(endpoint: endpoint)
        }
    }

    /// The device on `port` if a transfer could reach it: controller running, port enabled.
    private func reachableDevice(port: Int, _ state: State) -> (any UsbDeviceModel)? {
        guard state.isRunning, let index = portIndex(port, in: state),
              state.ports[index].statusControl & PortStatus.enabled != 0
        else { return nil }
        return state.ports[index].device
    }

    // MARK: The MMIO mailbox

    func readMailbox(offset: UInt64, width: MmioAccessWidth) throws(MmioFault) -> UInt64 {
        let relative = offset - XhciTransferMailbox.base
        if relative >= XhciTransferMailbox.dataOffset {
            try PlatformAccess.requireAligned(offset, width, device: name)
            let start = Int(relative - XhciTransferMailbox.dataOffset)
            return state.withLock { state in
                (0..<width.rawValue).reduce(UInt64(0)) { value, lane in
                    value | UInt64(state.mailbox.data[start + lane]) << UInt64(lane * 8)
                }
            }
        }
        let register = try decodeMailboxRegister(offset, width)
        return UInt64(state.withLock { state -> UInt32 in
            let mailbox = state.mailbox
            switch register {
            case .identifier: return XhciTransferMailbox.identifier
            case .version: return XhciTransferMailbox.version
            case .port: return mailbox.port
            case .endpoint: return mailbox.endpoint
            case .setupLow: return UInt32(truncatingIfNeeded: mailbox.setup)
            case .setupHigh: return UInt32(truncatingIfNeeded: mailbox.setup >> 32)
            case .command: return 0
            case .completion: return mailbox.completion
            case .length: return mailbox.length
            case .pendingPorts: return pendingPorts(state)
            }
        })
    }

    func writeMailbox(offset: UInt64, width: MmioAccessWidth, value: UInt64) throws(MmioFault) {
        let relative = offset - XhciTransferMailbox.base
        if relative >= XhciTransferMailbox.dataOffset {
            try PlatformAccess.requireAligned(offset, width, device: name)
            let start = Int(relative - XhciTransferMailbox.dataOffset)
            state.withLock { state in
                for lane in 0..<width.rawValue {
                    state.mailbox.data[start + lane] = UInt8(truncatingIfNeeded: value >> UInt64(lane * 8))
                }
            }
            return
        }
        let register = try decodeMailboxRegister(offset, width)
        let value = UInt32(truncatingIfNeeded: value)
        state.withLock { state in
            switch register {
            case .port: state.mailbox.port = value
            case .endpoint: state.mailbox.endpoint = value & 0xFF
            case .setupLow: state.mailbox.setup = (state.mailbox.setup & ~0xFFFF_FFFF) | UInt64(value)
            case .setupHigh: state.mailbox.setup = (state.mailbox.setup & 0xFFFF_FFFF) | UInt64(value) << 32
            case .command: runMailboxCommand(value, &state)
            case .identifier, .version, .completion, .length, .pendingPorts: break   // read-only
            }
        }
    }

    private func decodeMailboxRegister(
        _ offset: UInt64, _ width: MmioAccessWidth
    ) throws(MmioFault) -> XhciTransferMailbox.Register {
        try PlatformAccess.requireWidth(width, PlatformAccess.wordOnly, offset: offset, device: name)
        try PlatformAccess.requireAligned(offset, width, device: name)
        guard let register = XhciTransferMailbox.Register(rawValue: offset - XhciTransferMailbox.base) else {
            throw MmioFault(.unmappedRegister, device: name, offset: offset, width: width)
        }
        return register
    }

    private func pendingPorts(_ state: State) -> UInt32 {
        var bits: UInt32 = 0
        for (index, port) in state.ports.enumerated() where index + 1 < 32 {
            if port.statusControl & PortStatus.enabled != 0, port.device?.hasPendingInterruptData == true {
                bits |= 1 << UInt32(index + 1)
            }
        }
        return bits
    }

    private func runMailboxCommand(_ command: UInt32, _ state: inout State) {
        typealias Code = XhciTransferMailbox.CompletionCode
        let port = Int(state.mailbox.port)
        let result: UsbTransferResult
        switch command {
        case XhciTransferMailbox.Command.controlTransfer:
            let setup = UsbSetupPacket(rawValue: state.mailbox.setup)
            guard Int(setup.length) <= XhciTransferMailbox.dataCapacity else {
                finishMailbox(Code.trbError, [], &state)
                return
            }
            let outData = setup.isDeviceToHost ? [] : Array(state.mailbox.data.prefix(Int(setup.length)))
            result = reachableDevice(port: port, state)?.controlTransfer(setup: setup, data: outData)
                ?? .transactionError
        case XhciTransferMailbox.Command.interruptIn:
            let endpoint = UInt8(truncatingIfNeeded: state.mailbox.endpoint)
            result = reachableDevice(port: port, state)?.interruptIn(endpoint: endpoint) ?? .transactionError
        default:
            finishMailbox(Code.trbError, [], &state)
            return
        }
        switch result {
        case .completed(let bytes): finishMailbox(Code.success, bytes, &state)
        case .stall: finishMailbox(Code.stallError, [], &state)
        case .nak: finishMailbox(Code.noData, [], &state)
        case .transactionError: finishMailbox(Code.usbTransactionError, [], &state)
        }
    }

    private func finishMailbox(_ code: UInt32, _ bytes: [UInt8], _ state: inout State) {
        let count = min(bytes.count, XhciTransferMailbox.dataCapacity)
        for index in 0..<count { state.mailbox.data[index] = bytes[index] }
        state.mailbox.completion = code
        state.mailbox.length = UInt32(count)
    }
}
