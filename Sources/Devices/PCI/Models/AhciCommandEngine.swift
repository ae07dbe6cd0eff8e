// AhciCommandEngine: what an AHCI port does when software sets a PxCI bit — fetch the command
// header from the command list, the command FIS and PRD table from the command table, run the
// ATA command against the disk, scatter/gather data through the PRDs, post the result FISes into
// the received-FIS area and raise PxIS bits. Commands complete synchronously inside the PxCI
// write.
//
// Counterpart: AHCI 1.3.1 sections 4.2.2 (command header: CFL, W, PRDTL, PRDBC, CTBA), 4.2.3
// (command table: CFIS at 0x00, PRDT at 0x80, PRD = DBA/DBAU/DBC with byte count - 1), 4.2.1
// (received FIS layout: PIO setup 0x20, D2H register 0x40, set device bits 0x58) and 5.6 (NCQ
// completion through Set Device Bits); QEMU hw/ide/ahci.c (handle_cmd, ahci_populate_sglist,
// ahci_write_fis_*) for the QEMU-visible details; ATA8-ACS for the commands themselves.

struct AhciCommandEngine {
    let memory: BusMasterMemory
    let disk: AtaDisk?
    var port: AhciRegisters.Port

    /// ATA status and error bits.
    private static let statusReady: UInt8 = 0x40, statusSeekComplete: UInt8 = 0x10, statusError: UInt8 = 0x01
    private static let errorAbort: UInt8 = 0x04, errorIdNotFound: UInt8 = 0x10

    /// Register FIS types.
    private static let fisHostToDevice: UInt8 = 0x27, fisDeviceToHost: UInt8 = 0x34
    private static let fisPioSetup: UInt8 = 0x5F, fisSetDeviceBits: UInt8 = 0xA1

    /// Received-FIS area offsets.
    private static let pioSetupOffset: UInt64 = 0x20, deviceToHostOffset: UInt64 = 0x40
    private static let setDeviceBitsOffset: UInt64 = 0x58

    /// The decoded command FIS.
    private struct Command {
        var opcode: UInt8
        var features: UInt16
        var lba: UInt64
        var device: UInt8
        var count: UInt16
        var isCommand: Bool
    }

    private enum Outcome {
        case success(isPio: Bool)
        case error(UInt8)
        case busFault
    }

    init(memory: BusMasterMemory, disk: AtaDisk?, port: AhciRegisters.Port) {
        self.memory = memory
        self.disk = disk
        self.port = port
    }

    mutating func runIssuedCommands() {
        for slot in 0..<32 where port.commandIssue & (1 << UInt32(slot)) != 0 {
            guard run(slot: slot) else { return }  // a host bus fault stops the port
        }
    }

    /// Runs one slot; false after a fatal DMA fault.
    private mutating func run(slot: Int) -> Bool {
        let slotBit = UInt32(1) << UInt32(slot)
        let headerAddress = port.commandListBase &+ UInt64(slot * 32)
        guard let header = memory.read(headerAddress, count: 32) else { return fatal(slotBit) }
        let flags = UInt32(truncatingIfNeeded: LittleEndianBytes.load(header, at: 0, count: 4))
        let prdCount = Int(flags >> 16)
        let tableAddress = LittleEndianBytes.load(header, at: 8, count: 8) & ~0x7F
        guard let fis = memory.read(tableAddress, count: 20),
              let prdt = memory.read(tableAddress &+ 0x80, count: prdCount * 16)
        else { return fatal(slotBit) }
        let regions = (0..<prdCount).map { entry -> (address: UInt64, length: Int) in
            let address = LittleEndianBytes.load(prdt, at: entry * 16, count: 8) & ~1
            let length = Int(LittleEndianBytes.load(prdt, at: entry * 16 + 12, count: 4) & 0x3F_FFFF) + 1
            return (address, length)
        }
        let command = Command(
            opcode: fis[2],
            features: UInt16(fis[3]) | UInt16(fis[11]) << 8,
            lba: (0..<3).reduce(UInt64(0)) { $0 | UInt64(fis[4 + $1]) << UInt64(8 * $1) }
                | (0..<3).reduce(UInt64(0)) { $0 | UInt64(fis[8 + $1]) << UInt64(24 + 8 * $1) },
            device: fis[7], count: UInt16(fis[12]) | UInt16(fis[13]) << 8,
            isCommand: fis[0] == Self.fisHostToDevice && fis[1] & 0x80 != 0)

        var transferred = 0
        let outcome: Outcome
        if !command.isCommand {
            // Device control (soft reset): nothing to execute; the device answers with its
            // signature in a D2H FIS.
            outcome = .success(isPio: false)
        } else {
            outcome = execute(command, regions: regions, transferred: &transferred)
        }
        // PRDBC: bytes moved for this command.
        var count = UInt32(transferred).littleEndian
        let countBytes = withUnsafeBytes(of: &count) { Array($0) }
        guard memory.write(countBytes, to: headerAddress &+ 4) else { return fatal(slotBit) }

        let isQueued = command.isCommand && (command.opcode == 0x60 || command.opcode == 0x61)
        switch outcome {
        case let .success(isPio):
            port.taskFile = UInt32(Self.statusReady | Self.statusSeekComplete)
            if isQueued {
                postSetDeviceBits(completed: slotBit)
                port.sataActive &= ~slotBit
            } else {
                if isPio { postPioSetup(command, transferred: transferred) }
                postDeviceToHost(command, status: Self.statusReady | Self.statusSeekComplete, error: 0,
                                 signature: !command.isCommand)
            }
        case let .error(error):
            port.taskFile = UInt32(error) << 8 | UInt32(Self.statusReady | Self.statusError)
            postDeviceToHost(command, status: Self.statusReady | Self.statusError, error: error, signature: false)
            port.interruptStatus |= AhciPortInterrupt.taskFileError.rawValue
            port.sataActive &= ~slotBit
        case .busFault:
            return fatal(slotBit)
        }
        port.commandIssue &= ~slotBit
        return true
    }

    private mutating func fatal(_ slotBit: UInt32) -> Bool {
        port.interruptStatus |= AhciPortInterrupt.hostBusFatalError.rawValue
        port.taskFile = UInt32(Self.errorAbort) << 8 | UInt32(Self.statusReady | Self.statusError)
        port.commandIssue &= ~slotBit
        return false
    }

    private func execute(_ command: Command, regions: [(address: UInt64, length: Int)],
                         transferred: inout Int) -> Outcome {
        guard let disk else { return .error(Self.errorAbort) }
        switch command.opcode {
        case 0xEC:  // IDENTIFY DEVICE
            return scatter(disk.identifyData(), regions, &transferred) ? .success(isPio: true) : .busFault
        case 0x20, 0x24, 0xC8, 0x25, 0x60:  // READ SECTORS (EXT), READ DMA (EXT), READ FPDMA QUEUED
            guard let (lba, count) = Self.range(command), let data = disk.read(lba: lba, count: count) else {
                return .error(Self.errorIdNotFound)
            }
            return scatter(data, regions, &transferred) ? .success(isPio: command.opcode < 0x30) : .busFault
        case 0x30, 0x34, 0xCA, 0x35, 0x61:  // WRITE SECTORS (EXT), WRITE DMA (EXT), WRITE FPDMA QUEUED
            guard let (lba, count) = Self.range(command), disk.contains(lba: lba, count: count) else {
                return .error(Self.errorIdNotFound)
            }
            guard let data = gather(Int(count) * AtaDisk.sectorSize, regions) else { return .busFault }
            guard data.count == Int(count) * AtaDisk.sectorSize else { return .error(Self.errorAbort) }
            disk.write(lba: lba, data)
            transferred = data.count
            return .success(isPio: command.opcode < 0x40)
        case 0xE7, 0xEA, 0xEF, 0x91, 0xC6, 0xE0, 0xE1, 0xE5:
            // FLUSH CACHE (EXT), SET FEATURES, INITIALIZE DEVICE PARAMETERS, SET MULTIPLE MODE,
            // STANDBY/IDLE IMMEDIATE, CHECK POWER MODE: nothing to do for a RAM-backed disk.
            return .success(isPio: false)
        default:
            return .error(Self.errorAbort)
        }
    }

    /// LBA and sector count of a read/write: 28-bit commands use the device register's low
    /// nibble and an 8-bit count (0 = 256); 48-bit ones a 16-bit count (0 = 65536); NCQ takes the
    /// count from the features field.
    private static func range(_ command: Command) -> (UInt64, UInt64)? {
        switch command.opcode {
        case 0x20, 0xC8, 0x30, 0xCA:
            let lba = (command.lba & 0xFF_FFFF) | UInt64(command.device & 0x0F) << 24
            let count = UInt64(command.count & 0xFF)
            return (lba, count == 0 ? 256 : count)
        case 0x60, 0x61:
            return (command.lba, command.features == 0 ? 65536 : UInt64(command.features))
        default:
            return (command.lba, command.count == 0 ? 65536 : UInt64(command.count))
        }
    }

    /// Copies `data` into the PRD regions in order; stops when either runs out.
    private func scatter(_ data: [UInt8], _ regions: [(address: UInt64, length: Int)], _ transferred: inout Int) -> Bool {
        var offset = 0
        for region in regions where offset < data.count {
            let length = min(region.length, data.count - offset)
            guard memory.write(Array(data[offset..<(offset + length)]), to: region.address) else { return false }
            offset += length
        }
        transferred = offset
        return true
    }

    /// Reads up to `byteCount` bytes from the PRD regions; nil on a DMA fault.
    private func gather(_ byteCount: Int, _ regions: [(address: UInt64, length: Int)]) -> [UInt8]? {
        var data: [UInt8] = []
        data.reserveCapacity(byteCount)
        for region in regions where data.count < byteCount {
            let length = min(region.length, byteCount - data.count)
            guard let bytes = memory.read(region.address, count: length) else { return nil }
            data += bytes
        }
        return data
    }

    // MARK: Received FISes

    private var receivesFis: Bool { port.command & AhciRegister.cmdFisReceiveEnable != 0 }

    private mutating func postDeviceToHost(_ command: Command, status: UInt8, error: UInt8, signature: Bool) {
        var fis = Array(repeating: UInt8(0), count: 20)
        fis[0] = Self.fisDeviceToHost
        fis[1] = 0x40  // interrupt bit
        fis[2] = status
        fis[3] = error
        if signature {  // an ATA device's signature: count 1, LBA 1
            fis[4] = 1
            fis[12] = 1
        } else {
            for byte in 0..<3 { fis[4 + byte] = UInt8(truncatingIfNeeded: command.lba >> UInt64(8 * byte)) }
            fis[7] = command.device
            for byte in 0..<3 { fis[8 + byte] = UInt8(truncatingIfNeeded: command.lba >> UInt64(24 + 8 * byte)) }
            fis[12] = UInt8(truncatingIfNeeded: command.count)
            fis[13] = UInt8(truncatingIfNeeded: command.count >> 8)
        }
        if receivesFis { memory.write(fis, to: port.fisBase &+ Self.deviceToHostOffset) }
        port.interruptStatus |= AhciPortInterrupt.deviceToHostRegisterFis.rawValue
    }

    private mutating func postPioSetup(_ command: Command, transferred: Int) {
        var fis = Array(repeating: UInt8(0), count: 20)
        fis[0] = Self.fisPioSetup
        fis[1] = 0x60  // interrupt, device-to-host direction
        fis[2] = Self.statusReady | Self.statusSeekComplete
        fis[7] = command.device
        fis[15] = Self.statusReady | Self.statusSeekComplete  // ending status
        fis[16] = UInt8(truncatingIfNeeded: transferred)
        fis[17] = UInt8(truncatingIfNeeded: transferred >> 8)
        if receivesFis { memory.write(fis, to: port.fisBase &+ Self.pioSetupOffset) }
        port.interruptStatus |= AhciPortInterrupt.pioSetupFis.rawValue
    }

    private mutating func postSetDeviceBits(completed slotBit: UInt32) {
        var fis: [UInt8] = [Self.fisSetDeviceBits, 0x40, Self.statusReady | Self.statusSeekComplete, 0]
        fis += withUnsafeBytes(of: slotBit.littleEndian) { Array($0) }
        if receivesFis { memory.write(fis, to: port.fisBase &+ Self.setDeviceBitsOffset) }
        port.interruptStatus |= AhciPortInterrupt.setDeviceBitsFis.rawValue
    }
}
