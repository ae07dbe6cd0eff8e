// AhciDriver: an AHCI 1.x SATA host bus adapter (ICH9 AHCI, 8086:2922) through ABAR (BAR5) and
// physically contiguous DMA memory. HBA reset (GHC.HR) and AHCI enable (GHC.AE); CAP, PI and VS;
// for each implemented port with a device (SSTS.DET = 3) that is an ATA disk (SIG = 0x101): stop
// the port's engines (ST, wait CR; FRE, wait FR), point it at a command list and a received-FIS
// area, start it (FRE, then ST once BSY/DRQ clear), and run IDENTIFY DEVICE from command slot 0 —
// command header → command table (H2D register FIS + one PRD) → data buffer. The IDENTIFY data
// gives the published `BlockInfo`; `readSectors` runs READ DMA EXT the same way.
//
// Per-port DMA layout (one 8 KiB contiguous buffer, allocated through `DmaAllocator`):
//   0x0000 command list (32 headers × 32 bytes; 1 KiB aligned)
//   0x0400 received-FIS area (256 bytes; 256 aligned)
//   0x0500 command table for slot 0 (CFIS at +0, PRDT at +0x80; 128 aligned)
//   0x1000 data buffer (4 KiB: IDENTIFY, or up to 8 sectors)
//
// Not done: interrupts (completion is polled through PxCI), NCQ, more than one slot in flight,
// ATAPI, port multipliers, writes (the command path is the same; no use for them yet).
//
// Fuchsia counterpart: src/devices/block/drivers/ahci (controller.cc: HbaReset, AhciEnable,
// Init reading CAP/PI; port.cc: Configure, Enable (FRE then ST), Disable (clear ST, wait CR, clear
// FRE, wait FR), TxnBeginLocked (command header, CFIS, PRDT, PxCI); sata.cc: IDENTIFY DEVICE
// parsing — model words 27–46, LBA48 words 100–103). Layouts from AHCI 1.3.1 §3 and §4.2.

import Mmio

/// What a disk publishes.
public struct BlockInfo: Sendable, Equatable {
    public var sectorCount: UInt64
    public var sectorSize: Int
    public var model: String
    public var serialNumber: String
    public var firmwareRevision: String
    public var supportsLba48: Bool

    public init(sectorCount: UInt64, sectorSize: Int, model: String, serialNumber: String, firmwareRevision: String, supportsLba48: Bool) {
        self.sectorCount = sectorCount
        self.sectorSize = sectorSize
        self.model = model
        self.serialNumber = serialNumber
        self.firmwareRevision = firmwareRevision
        self.supportsLba48 = supportsLba48
    }

    public var capacityBytes: UInt64 { sectorCount &* UInt64(sectorSize) }
}

/// What the HBA reports after reset.
public struct AhciInfo: Sendable, Equatable {
    public var capabilities: UInt32
    public var portsImplemented: UInt32
    /// VS: major in the high 16 bits (0x0001_0000 = 1.0, 0x0001_0301 = 1.3.1).
    public var version: UInt32
    public var portCount: Int
    public var commandSlots: Int
    public var supports64BitAddressing: Bool

    public init(capabilities: UInt32, portsImplemented: UInt32, version: UInt32, portCount: Int, commandSlots: Int, supports64BitAddressing: Bool) {
        self.capabilities = capabilities
        self.portsImplemented = portsImplemented
        self.version = version
        self.portCount = portCount
        self.commandSlots = commandSlots
        self.supports64BitAddressing = supports64BitAddressing
    }
}

/// AHCI register layout, the per-port DMA layout and the ATA commands used.
public enum AhciSpec {
    /// ABAR offsets and bits (AHCI 1.3.1 §3.1, §3.3).
    public enum Register {
        public static let cap = 0x00, ghc = 0x04, interruptStatus = 0x08, portsImplemented = 0x0C, version = 0x10
        public static let portBase = 0x100, portStride = 0x80
        // Port registers, from the port's base.
        public static let clb = 0x00, clbu = 0x04, fb = 0x08, fbu = 0x0C, portIS = 0x10, portIE = 0x14
        public static let cmd = 0x18, tfd = 0x20, sig = 0x24, ssts = 0x28, serr = 0x30, ci = 0x38

        public static let ghcReset: UInt32 = 1 << 0, ghcAhciEnable: UInt32 = 1 << 31
        public static let cmdStart: UInt32 = 1 << 0, cmdFisReceive: UInt32 = 1 << 4
        public static let cmdFisRunning: UInt32 = 1 << 14, cmdListRunning: UInt32 = 1 << 15
        public static let tfdBusy: UInt32 = 0x80, tfdDataRequest: UInt32 = 0x08, tfdError: UInt32 = 0x01
        public static let isTaskFileError: UInt32 = 1 << 30, isHostBusFatal: UInt32 = 1 << 29
        public static let isInterfaceFatal: UInt32 = 1 << 27
        public static let signatureAta: UInt32 = 0x0000_0101
        public static let detPresent: UInt32 = 3
    }

    /// The per-port DMA layout (see the file header).
    public enum Layout {
        public static let commandList = 0x000, receivedFis = 0x400, commandTable = 0x500
        public static let prdTable = commandTable + 0x80
        public static let data = 0x1000, dataSize = 0x1000
        public static let bufferSize = 0x2000
    }

    /// ATA commands used.
    public enum AtaCommand {
        public static let identifyDevice: UInt8 = 0xEC
        public static let readDmaExt: UInt8 = 0x25
    }
}

public struct AhciDriver<Access: MmioAccess> {
    public typealias Register = AhciSpec.Register
    public typealias Layout = AhciSpec.Layout
    public typealias AtaCommand = AhciSpec.AtaCommand

    public let registers: RegisterWindow<Access>
    public let dma: any DmaAllocator
    public var pollBudget = Poll.defaultReads

    /// After `initialize()`.
    public private(set) var info: AhciInfo?
    /// After `probePorts()`: every ATA disk found, by port.
    public private(set) var disks: [Int: BlockInfo] = [:]
    /// Each started port's DMA buffer (command list, FIS area, command table, data).
    public private(set) var portMemory: [Int: any DmaBuffer] = [:]

    public init(abar: Access, dma: any DmaAllocator) {
        registers = RegisterWindow(abar, device: "ahci")
        self.dma = dma
    }

    // MARK: HBA

    /// HBA reset and AHCI enable, then CAP/PI/VS.
    /// - Throws: `.timeout("ahci GHC.HR")` if the reset never completes.
    @discardableResult
    public mutating func initialize() throws(DriverError) -> AhciInfo {
        try registers.setBits32(Register.ghcAhciEnable, Register.ghc, "GHC")
        try registers.setBits32(Register.ghcReset, Register.ghc, "GHC")
        try registers.poll32(Register.ghc, "GHC", "GHC.HR", maxReads: pollBudget) { $0 & Register.ghcReset == 0 }
        try registers.setBits32(Register.ghcAhciEnable, Register.ghc, "GHC")
        let cap = try registers.read32(Register.cap, "CAP")
        let implemented = try registers.read32(Register.portsImplemented, "PI")
        let version = try registers.read32(Register.version, "VS")
        let result = AhciInfo(capabilities: cap, portsImplemented: implemented, version: version,
                              portCount: Int(cap & 0x1F) + 1, commandSlots: Int((cap >> 8) & 0x1F) + 1,
                              supports64BitAddressing: cap & (1 << 31) != 0)
        info = result
        disks = [:]
        portMemory = [:]
        return result
    }

    /// Every implemented port with an ATA disk: started and identified. Ports without a device
    /// (or with another kind of device) are skipped. Publishes `disks`.
    @discardableResult
    public mutating func probePorts() throws(DriverError) -> [Int: BlockInfo] {
        let hba: AhciInfo
        if let info { hba = info } else { hba = try initialize() }
        for port in 0..<32 where hba.portsImplemented & (1 << UInt32(port)) != 0 {
            guard try hasAtaDisk(port: port) else { continue }
            try startPort(port)
            disks[port] = try identify(port: port)
        }
        return disks
    }

    // MARK: Ports

    private func portOffset(_ port: Int, _ register: Int) -> Int { Register.portBase + port * Register.portStride + register }

    private func portRead(_ port: Int, _ register: Int, _ name: String) throws(DriverError) -> UInt32 {
        try registers.read32(portOffset(port, register), "P\(port)\(name)")
    }

    private func portWrite(_ port: Int, _ register: Int, _ name: String, _ value: UInt32) throws(DriverError) {
        try registers.write32(value, portOffset(port, register), "P\(port)\(name)")
    }

    private func portPoll(_ port: Int, _ register: Int, _ name: String, _ condition: String,
                          until done: (UInt32) -> Bool) throws(DriverError) -> UInt32 {
        try registers.poll32(portOffset(port, register), "P\(port)\(name)", "P\(port)\(condition)",
                             maxReads: pollBudget, until: done)
    }

    /// SSTS.DET = 3 (device present, PHY up) and SIG = 0x101 (ATA disk).
    public func hasAtaDisk(port: Int) throws(DriverError) -> Bool {
        let status = try portRead(port, Register.ssts, "SSTS")
        guard status & 0xF == Register.detPresent else { return false }
        return try portRead(port, Register.sig, "SIG") == Register.signatureAta
    }

    /// Stops the command engine (clear ST, wait CR) and FIS receive (clear FRE, wait FR).
    public func stopPort(_ port: Int) throws(DriverError) {
        var command = try portRead(port, Register.cmd, "CMD")
        if command & (Register.cmdStart | Register.cmdListRunning) != 0 {
            try portWrite(port, Register.cmd, "CMD", command & ~Register.cmdStart)
            command = try portPoll(port, Register.cmd, "CMD", "CMD.CR") { $0 & Register.cmdListRunning == 0 }
        }
        if command & (Register.cmdFisReceive | Register.cmdFisRunning) != 0 {
            try portWrite(port, Register.cmd, "CMD", command & ~Register.cmdFisReceive)
            _ = try portPoll(port, Register.cmd, "CMD", "CMD.FR") { $0 & Register.cmdFisRunning == 0 }
        }
    }

    /// Stops the port, gives it a command list and FIS area in fresh DMA memory, clears its
    /// error and interrupt status, and starts it: FRE, wait for BSY/DRQ to clear, ST.
    public mutating func startPort(_ port: Int) throws(DriverError) {
        try stopPort(port)
        let memory: any DmaBuffer
        if let existing = portMemory[port] {
            memory = existing
        } else {
            memory = try dma.allocateContiguous(size: Layout.bufferSize, alignmentLog2: 12)
        }
        try memory.zero()
        let base = memory.physicalAddress
        if base > UInt64(UInt32.max) - UInt64(Layout.bufferSize), info?.supports64BitAddressing == false {
            throw .dma("ahci: DMA buffer at \(String.hex(base)) above 4 GiB without CAP.S64A")
        }
        let commandList = base + UInt64(Layout.commandList), fis = base + UInt64(Layout.receivedFis)
        try portWrite(port, Register.clb, "CLB", UInt32(truncatingIfNeeded: commandList))
        try portWrite(port, Register.clbu, "CLBU", UInt32(truncatingIfNeeded: commandList >> 32))
        try portWrite(port, Register.fb, "FB", UInt32(truncatingIfNeeded: fis))
        try portWrite(port, Register.fbu, "FBU", UInt32(truncatingIfNeeded: fis >> 32))
        try portWrite(port, Register.serr, "SERR", 0xFFFF_FFFF)
        try portWrite(port, Register.portIS, "IS", 0xFFFF_FFFF)
        try portWrite(port, Register.portIE, "IE", 0)
        try registers.setBits32(Register.cmdFisReceive, portOffset(port, Register.cmd), "P\(port)CMD")
        _ = try portPoll(port, Register.tfd, "TFD", "TFD.BSY|DRQ") {
            $0 & (Register.tfdBusy | Register.tfdDataRequest) == 0
        }
        try registers.setBits32(Register.cmdStart, portOffset(port, Register.cmd), "P\(port)CMD")
        portMemory[port] = memory
    }

    // MARK: Commands

    /// IDENTIFY DEVICE on a started port, parsed.
    public func identify(port: Int) throws(DriverError) -> BlockInfo {
        let data = try issue(port: port, command: AtaCommand.identifyDevice, lba: 0, count: 0, device: 0,
                             byteCount: 512)
        return try AtaIdentify.parse(data)
    }

    /// READ DMA EXT of `count` sectors (1…8) from `lba` on an identified disk.
    public func readSectors(port: Int, lba: UInt64, count: Int) throws(DriverError) -> [UInt8] {
        guard let disk = disks[port] else { throw .noDevice("ahci port \(port): no identified disk") }
        guard count > 0, disk.sectorSize > 0, count <= Layout.dataSize / disk.sectorSize else {
            throw .invalidArgument("ahci read of \(count) sectors")
        }
        let bytes = count * disk.sectorSize
        guard lba < disk.sectorCount, UInt64(count) <= disk.sectorCount - lba else {
            throw .invalidArgument("ahci read of \(count) sectors at \(lba) past \(disk.sectorCount)")
        }
        return try issue(port: port, command: AtaCommand.readDmaExt, lba: lba, count: UInt16(count), device: 0x40,
                         byteCount: bytes)
    }

    /// Builds slot 0's command (header, H2D FIS, one PRD over the data buffer), issues it, polls
    /// PxCI until it completes, checks the outcome and returns the `byteCount` bytes transferred.
    private func issue(port: Int, command: UInt8, lba: UInt64, count: UInt16, device: UInt8,
                       byteCount: Int) throws(DriverError) -> [UInt8] {
        guard let memory = portMemory[port] else { throw .noDevice("ahci port \(port) not started") }
        let what = "ahci port \(port) command \(String.hex(command))"
        let busy = try portRead(port, Register.tfd, "TFD")
        guard busy & (Register.tfdBusy | Register.tfdDataRequest) == 0,
              try portRead(port, Register.ci, "CI") & 1 == 0
        else { throw .deviceError("\(what): port busy (TFD \(String.hex(busy)))") }

        let table = memory.physicalAddress + UInt64(Layout.commandTable)
        let data = memory.physicalAddress + UInt64(Layout.data)
        try memory.write(AhciCommandBuilder.registerFis(command: command, lba: lba, count: count, device: device),
                         at: Layout.commandTable)
        try memory.write(AhciCommandBuilder.prd(address: data, byteCount: byteCount), at: Layout.prdTable)
        try memory.write(AhciCommandBuilder.header(prdCount: 1, write: false, table: table), at: Layout.commandList)
        try memory.zero(at: Layout.data, count: byteCount)

        try portWrite(port, Register.portIS, "IS", 0xFFFF_FFFF)
        try portWrite(port, Register.ci, "CI", 1)
        let fatal = Register.isTaskFileError | Register.isHostBusFatal | Register.isInterfaceFatal
        var status: UInt32 = 0
        var completed = false
        for _ in 0..<max(pollBudget, 1) {
            status = try portRead(port, Register.portIS, "IS")
            if try portRead(port, Register.ci, "CI") & 1 == 0 || status & fatal != 0 {
                completed = true
                break
            }
        }
        guard completed else { throw .timeout("\(what): P\(port)CI slot 0") }
        let taskFile = try portRead(port, Register.tfd, "TFD")
        if status & Register.isHostBusFatal != 0 { throw .deviceError("\(what): host bus fatal error (DMA to \(String.hex(data)))") }
        if status & fatal != 0 || taskFile & Register.tfdError != 0 {
            throw .deviceError("\(what): task file error, status \(String.hex(taskFile & 0xFF)) error \(String.hex(taskFile >> 8 & 0xFF))")
        }
        let transferred = Int(try memory.read32(at: Layout.commandList + 4))
        guard transferred == byteCount else {
            throw .deviceError("\(what): \(transferred) of \(byteCount) bytes transferred (PRDBC)")
        }
        return try memory.read(at: Layout.data, count: byteCount)
    }
}

/// The in-memory structures of one AHCI command (AHCI 1.3.1 §4.2.2, §4.2.3; SATA H2D register
/// FIS), as bytes.
public enum AhciCommandBuilder {
    /// A command header: CFL = 5 dwords (a 20-byte FIS), W for writes, PRDTL, PRDBC = 0, CTBA.
    public static func header(prdCount: Int, write: Bool, table: UInt64) -> [UInt8] {
        let flags = UInt32(5) | (write ? 1 << 6 : 0) | UInt32(truncatingIfNeeded: prdCount) << 16
        return LittleEndian.bytes(flags) + LittleEndian.bytes(UInt32(0)) + LittleEndian.bytes(table)
            + [UInt8](repeating: 0, count: 16)
    }

    /// A Register – Host to Device FIS with the C bit set (a command, not device control).
    public static func registerFis(command: UInt8, lba: UInt64, count: UInt16, device: UInt8,
                                   features: UInt16 = 0) -> [UInt8] {
        var fis = [UInt8](repeating: 0, count: 20)
        fis[0] = 0x27
        fis[1] = 0x80
        fis[2] = command
        fis[3] = UInt8(truncatingIfNeeded: features)
        for byte in 0..<3 {
            fis[4 + byte] = UInt8(truncatingIfNeeded: lba >> UInt64(8 * byte))
            fis[8 + byte] = UInt8(truncatingIfNeeded: lba >> UInt64(24 + 8 * byte))
        }
        fis[7] = device
        fis[11] = UInt8(truncatingIfNeeded: features >> 8)
        fis[12] = UInt8(truncatingIfNeeded: count)
        fis[13] = UInt8(truncatingIfNeeded: count >> 8)
        return fis
    }

    /// A physical region descriptor: DBA, reserved, DBC = byte count − 1 (no interrupt bit).
    public static func prd(address: UInt64, byteCount: Int) -> [UInt8] {
        LittleEndian.bytes(address) + LittleEndian.bytes(UInt32(0))
            + LittleEndian.bytes(UInt32(truncatingIfNeeded: max(byteCount, 1) - 1) & 0x3F_FFFF)
    }
}

/// IDENTIFY DEVICE data (ATA8-ACS §7.16).
public enum AtaIdentify {
    /// Parses the 512 bytes: strings (byte-swapped words), capacity (LBA48 words 100–103 when
    /// word 83 bit 10 says 48-bit addressing, else words 60–61), logical sector size (words
    /// 117–118 when word 106 bit 12 says it is not 512).
    /// - Throws: `.deviceError` for short data, a bad integrity word (255), or zero capacity.
    public static func parse(_ data: [UInt8]) throws(DriverError) -> BlockInfo {
        guard data.count >= 512 else { throw .deviceError("ata IDENTIFY: \(data.count) bytes") }
        if data[510] == 0xA5, data[0..<512].reduce(UInt8(0), &+) != 0 {
            throw .deviceError("ata IDENTIFY: integrity checksum (word 255) does not match")
        }
        func word(_ index: Int) -> UInt16 { LittleEndian.u16(data, index * 2) }
        let lba48 = word(83) & (1 << 10) != 0 && word(83) & 0xC000 == 0x4000
        let sectors: UInt64
        if lba48 {
            sectors = (0..<4).reduce(UInt64(0)) { $0 | UInt64(word(100 + $1)) << UInt64(16 * $1) }
        } else {
            sectors = UInt64(word(60)) | UInt64(word(61)) << 16
        }
        guard sectors > 0 else { throw .deviceError("ata IDENTIFY: zero capacity") }
        var sectorSize = 512
        let sizing = word(106)
        if sizing & 0xC000 == 0x4000, sizing & (1 << 12) != 0 {
            let words = Int(word(117)) | Int(word(118)) << 16
            if words >= 256 { sectorSize = words * 2 }
        }
        return BlockInfo(sectorCount: sectors, sectorSize: sectorSize, model: string(data, words: 27..<47),
                         serialNumber: string(data, words: 10..<20), firmwareRevision: string(data, words: 23..<27),
                         supportsLba48: lba48)
    }

    /// An ATA string field: two characters per word, the first in the high byte; trailing spaces
    /// and NULs dropped.
    public static func string(_ data: [UInt8], words: Range<Int>) -> String {
        var characters: [UInt8] = []
        for index in words {
            characters.append(LittleEndian.byte(data, index * 2 + 1))
            characters.append(LittleEndian.byte(data, index * 2))
        }
        while let last = characters.last, last == 0x20 || last == 0 { characters.removeLast() }
        while let first = characters.first, first == 0x20 { characters.removeFirst() }
        return String(decoding: characters.map { $0 >= 0x20 && $0 < 0x7F ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
    }
}
