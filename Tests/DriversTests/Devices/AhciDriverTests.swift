// The ahci driver against the ICH9 AHCI model: HBA reset, CAP/PI/VS, port start, IDENTIFY DEVICE
// and READ DMA EXT through a command list, command table and received-FIS area in DMA memory —
// host memory without a kernel, and a contiguous VMO in a driver process on a booted qemu-x64
// (physical address through the pin stand-in; see DmaMemory.swift).

import Drivers
import Testing
import Zirconia

@Suite struct AhciDriverTests {
    static func pattern(_ seed: UInt8) -> [UInt8] { (0..<512).map { UInt8(truncatingIfNeeded: $0 * 7) ^ seed } }

    @Test func identifiesAndReadsTheDiskWithHostDma() throws {
        let dma = HostDmaAllocator()
        let disk = AtaDisk(sectorCount: 123_456, model: "ZIRCONIA DISK", serialNumber: "ZR0001")
        let ahci = try AhciController(disks: [nil, nil, disk], memory: dma.busMaster)
        ahci.pciFunction.enableBusMastering()
        disk.write(lba: 1000, Self.pattern(1) + Self.pattern(2))

        var driver = AhciDriver(abar: MmioView(device: ahci.abar), dma: dma)
        let hba = try driver.initialize()
        #expect(hba.portCount == 6)
        #expect(hba.portsImplemented == 0x3F)
        #expect(hba.version == 0x0001_0000)
        #expect(hba.commandSlots == 32)
        #expect(hba.supports64BitAddressing)

        let disks = try driver.probePorts()
        #expect(Array(disks.keys) == [2])
        let info = try #require(disks[2])
        #expect(info == BlockInfo(sectorCount: 123_456, sectorSize: 512, model: "ZIRCONIA DISK", serialNumber: "ZR0001",
                                  firmwareRevision: "2.5+", supportsLba48: true))
        #expect(info.capacityBytes == 123_456 * 512)
        #expect(try driver.readSectors(port: 2, lba: 1000, count: 2) == Self.pattern(1) + Self.pattern(2))
        #expect(try driver.readSectors(port: 2, lba: 0, count: 1) == [UInt8](repeating: 0, count: 512))
        #expect(throws: DriverError.invalidArgument("ahci read of 1 sectors at 123456 past 123456")) {
            try driver.readSectors(port: 2, lba: 123_456, count: 1)
        }

        // The port runs with the command list and FIS area the driver gave it.
        let port = AhciSpec.Register.portBase + 2 * AhciSpec.Register.portStride
        let abar = MmioView(device: ahci.abar)
        let memory = try #require(driver.portMemory[2])
        #expect(try abar.read32(port + AhciSpec.Register.clb) == UInt32(truncatingIfNeeded: memory.physicalAddress))
        #expect(try abar.read32(port + AhciSpec.Register.cmd) & 0xC011 == 0xC011)   // ST, FRE, FR, CR
        // The device posted its D2H register FIS in the received-FIS area (0x40): status DRDY|DSC.
        let fis = try memory.read(at: AhciSpec.Layout.receivedFis + 0x40, count: 4)
        #expect(fis[0] == 0x34 && fis[2] == 0x50)
    }

    @Test func withoutBusMasteringTheCommandTimesOut() throws {
        let dma = HostDmaAllocator()
        let ahci = try AhciController(disk: AtaDisk(sectorCount: 4096), memory: dma.busMaster)
        var driver = AhciDriver(abar: MmioView(device: ahci.abar), dma: dma)
        driver.pollBudget = 32
        #expect(throws: DriverError.timeout("ahci port 0 command 0xec: P0CI slot 0")) { try driver.probePorts() }
    }

    @Test func commandStructuresMatchTheSpecification() {
        let header = AhciCommandBuilder.header(prdCount: 1, write: false, table: 0x1_2345_6780)
        #expect(header.count == 32)
        #expect(Array(header[0..<4]) == [0x05, 0x00, 0x01, 0x00])             // CFL 5, PRDTL 1
        #expect(Array(header[8..<16]) == [0x80, 0x67, 0x45, 0x23, 0x01, 0, 0, 0])
        let fis = AhciCommandBuilder.registerFis(command: 0x25, lba: 0x0605_0403_0201, count: 8, device: 0x40)
        #expect(fis == [0x27, 0x80, 0x25, 0, 0x01, 0x02, 0x03, 0x40, 0x04, 0x05, 0x06, 0, 8, 0, 0, 0, 0, 0, 0, 0])
        let prd = AhciCommandBuilder.prd(address: 0x8000_1000, byteCount: 512)
        #expect(prd == [0x00, 0x10, 0x00, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0x01, 0, 0])
    }

    @Test func identifyParsingHandlesLba28AndRejectsCorruption() throws {
        var data = AtaDisk(sectorCount: 5000, model: "SMALL").identifyData()
        data[83 * 2 + 1] &= ~0x04          // no 48-bit feature set: capacity from words 60–61
        data[511] = 0
        data[511] = 0 &- data[0..<512].reduce(UInt8(0), &+)
        let info = try AtaIdentify.parse(data)
        #expect(info.sectorCount == 5000 && !info.supportsLba48 && info.model == "SMALL")
        data[100] ^= 0xFF
        #expect(throws: DriverError.deviceError("ata IDENTIFY: integrity checksum (word 255) does not match")) {
            try AtaIdentify.parse(data)
        }
    }

    @Test func identifiesTheDiskOfABootedMachineThroughAContiguousVmo() throws {
        let sectors: UInt64 = 1 << 15
        let booted = try BootedMachine(Machine.qemuX64(MachineOptions(memorySize: 32 << 20, diskSectorCount: sectors)))
        let ahci = try #require(booted.machine.ahci)
        ahci.pciFunction.enableBusMastering()   // what the PCI bus driver's SetBusMastering does
        ahci.disk(atPort: 0)?.write(lba: 77, Self.pattern(9))
        let abar = try booted.bar(QemuX64PciBus.ahciAddress, 5)
        let root = booted.root, pin = booted.pin
        let (info, sector, physical) = try booted.process.run { () throws -> (BlockInfo?, [UInt8], UInt64) in
            let registers = try mapMmio(abar, root: root, name: "ahci abar")
            var driver = AhciDriver(abar: registers.window, dma: ContiguousVmoDmaAllocator(bti: root, pin: pin))
            let disks = try driver.probePorts()
            return (disks[0], try driver.readSectors(port: 0, lba: 77, count: 1), driver.portMemory[0]?.physicalAddress ?? 0)
        }
        #expect(info?.sectorCount == sectors)
        #expect(info?.model == "QEMU HARDDISK")
        #expect(sector == Self.pattern(9))
        #expect(booted.machine.description.ram.contains(base: physical, size: 0x2000))
    }
}
