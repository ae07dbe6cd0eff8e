// The qemu-arm64 machine built from QEMU's own virt DTB: every window where hw/arm/virt.c puts
// it, the description a board driver gets, and the MMIO round trip — the PL011 printing into the
// console log and the PL031's time read from a process; plus the PCI ECAM host with an e1000.

import Testing
import Zirconia

@Suite struct QemuArm64Tests {
    static func machine(clock: @escaping PL031Rtc.Clock = { 1_700_000_000 }) throws -> Machine {
        try Machine.qemuArm64(MachineOptions(memorySize: 32 << 20, rtcClock: clock))
    }

    @Test func windowsAreWhereVirtPutsThem() throws {
        let machine = try Self.machine()
        let description = machine.description
        #expect(description.profile == .arm64)
        #expect(description.ram == PhysicalRange(base: 0x4000_0000, size: 32 << 20))
        #expect(machine.configuration.allowCachedDeviceMemory == false)
        let map = Dictionary(uniqueKeysWithValues: description.physicalMap.map { ($0.name, ($0.base, $0.size)) })
        #expect(map["pl011@9000000"]?.0 == 0x0900_0000)
        #expect(map["pl031@9010000"]?.0 == 0x0901_0000)
        #expect(map["pcie@10000000 ecam"]?.0 == 0x40_1000_0000)
        #expect(map["pcie@10000000 ecam"]?.1 == 0x1000_0000)
        #expect(map["pcie@10000000 memory window"]?.0 == 0x1000_0000)
        #expect(map["pcie@10000000 memory window"]?.1 == 0x2EFF_0000)
        #expect(machine.virtioSlots.count == 32)
        let virtio = description.physicalMap.filter { $0.name.hasPrefix("virtio_mmio@") }.map(\.base)
        #expect(virtio == (0..<32).map { VirtioMmioTransport.qemuVirtAddress(slot: $0) })
        #expect(machine.configuration.devices.count == 2 + 32 + 2)
    }

    @Test func boardDriverDescription() throws {
        let description = try Self.machine().description
        let uart = try #require(description.platformDevice("arm,pl011"))
        #expect(uart.mmio == [MmioRegionDescription(base: 0x0900_0000, size: 0x1000)])
        #expect(uart.interrupts.map(\.number) == [33])
        #expect(uart.interrupts.first?.edgeTriggered == false)
        #expect(uart.source == .deviceTree(path: "/pl011@9000000"))
        let rtc = try #require(description.platformDevice("arm,pl031"))
        #expect(rtc.platformIDs == PlatformDeviceIDs(vid: 0, pid: 0, did: 0x06))
        #expect(rtc.interrupts.map(\.number) == [34])
        let slots = description.platformDevices.filter { $0.compatible == ["virtio,mmio"] }
        #expect(slots.count == 32)
        #expect(slots.first?.interrupts.first == InterruptDescription(number: 48, edgeTriggered: true, cells: [0, 16, 1]))
        #expect(slots.last?.interrupts.first?.number == 79)
        let host = try #require(description.pciHosts.first)
        #expect(host.busRange == 0...255)
        #expect(host.apertures.filter(\.decoded).map(\.cpuAddress) == [0x1000_0000])
        #expect(host.apertures.contains { $0.kind == .memory64 && $0.cpuAddress == 0x80_0000_0000 && !$0.decoded })
        #expect(host.apertures.contains { $0.kind == .io && $0.cpuAddress == 0x3EFF_0000 && $0.size == 0x1_0000 })
        let unmodelled = Set(description.unmodelledNodes.map(\.path))
        for path in ["/intc@8000000", "/timer", "/flash@0", "/fw-cfg@9020000", "/pl061@9030000", "/apb-pclk"] {
            #expect(unmodelled.contains(path), "\(path) should be listed as not modelled")
        }
        #expect(!unmodelled.contains("/pl011@9000000"))
        let summary = description.summary
        #expect(summary.first == "machine qemu-arm64 (arm64)")
        #expect(summary.contains { $0.contains("0x40000000-0x41ffffff  ram") })
        #expect(summary.contains { $0.hasPrefix("    00:01.0 8086:100e") })
    }

    @Test func virtioSlotsFollowQemuPlacement() throws {
        let machine = try Self.machine()
        let ids = machine.virtioSlots.map(\.deviceID)
        #expect(ids[31] == VirtioMmioDeviceConfiguration.DeviceType.block.rawValue)
        #expect(ids[30] == VirtioMmioDeviceConfiguration.DeviceType.network.rawValue)
        #expect(ids[0..<30].allSatisfy { $0 == 0 })
    }

    @Test func uartWritesReachTheConsoleAndRtcReadsTheClock() throws {
        let booted = try BootedMachine(Self.machine())
        let description = booted.machine.description
        let uartRegion = try #require(description.platformDevice("arm,pl011")?.mmio.first)
        let rtcRegion = try #require(description.platformDevice("arm,pl031")?.mmio.first)
        let root = booted.root
        let (time, flags) = try booted.process.run { () throws -> (UInt32, UInt32) in
            let uart = try mapMmio(uartRegion, root: root, name: "pl011")
            try uart.write32(PL011Uart.Control([.uartEnable, .transmitEnable, .receiveEnable]).rawValue,
                             Int(PL011Uart.Register.control.rawValue))
            for byte in "hello from zirconia\n".utf8 {
                try uart.write32(UInt32(byte), Int(PL011Uart.Register.data.rawValue))
            }
            let flags = try uart.read32(Int(PL011Uart.Register.flags.rawValue))
            let rtc = try mapMmio(rtcRegion, root: root, name: "pl031")
            return (try rtc.read32(Int(PL031Rtc.Register.data.rawValue)), flags)
        }
        #expect(booted.machine.console?.lines == ["hello from zirconia"])
        #expect(flags & PL011Uart.Flags.transmitFifoEmpty.rawValue != 0)
        #expect(time == 1_700_000_000)
        #expect(booted.kernel.memoryStats.freePages == booted.baseline)
    }

    @Test func ramAtVirtsBaseIsNotDeviceMemory() throws {
        let booted = try BootedMachine(Self.machine())
        #expect(booted.kernel.memoryStats.totalPages == (32 << 20) / 4096)
        let root = booted.root
        let status = try booted.process.run { () -> zx_status_t in
            var resource = zx_handle_t(ZX_HANDLE_INVALID)
            return zx_resource_create(root, ZX_RSRC_KIND_MMIO, 0x4000_0000, 0x1000, "ram", 3, &resource)
        }
        #expect(status == ZX_ERR_ACCESS_DENIED)   // PMM RAM: the root resource refuses it
        #expect(booted.kernel.memoryStats.freePages == booted.baseline)
    }

    @Test func cachedMappingOfDeviceMemoryIsRefusedOnArm64() throws {
        let booted = try BootedMachine(Self.machine())
        let region = try #require(booted.machine.description.platformDevice("arm,pl011")?.mmio.first)
        let root = booted.root
        let refused = try booted.process.run { () throws -> Bool in
            do {
                _ = try mapMmio(region, root: root, name: "pl011", cachePolicy: ZX_CACHE_POLICY_CACHED)
                return false
            } catch let error as ZxStatus {
                return error == .notSupported
            }
        }
        #expect(refused)
        #expect(booted.kernel.memoryStats.freePages == booted.baseline)
    }

    @Test func pciEcamHostEnumeratesTheE1000() throws {
        let booted = try BootedMachine(Self.machine())
        let host = try #require(booted.machine.description.pciHosts.first)
        let nic = try #require(host.functions.first { $0.address == PciAddress(device: 1) })
        let bar0 = try #require(nic.memoryBars.first)
        #expect(bar0.base == 0x1000_0000)
        let root = booted.root
        let (hostIDs, nicIDs, status) = try booted.process.run { () throws -> (UInt32, UInt32, UInt32) in
            // Bus 0 device 0 and device 1 configuration headers: two 4 KiB pages of ECAM.
            let ecam = try mapMmio(MmioRegionDescription(base: host.ecam.base, size: 0x1_0000), root: root, name: "ecam")
            let regs = try mapMmio(MmioRegionDescription(base: bar0.base, size: bar0.size), root: root, name: "e1000")
            return (try ecam.read32(0), try ecam.read32(1 << 15), try regs.read32(Int(E1000Register.status)))
        }
        #expect(hostIDs == 0x0008_1B36)
        #expect(nicIDs == 0x100E_8086)
        #expect(status == E1000Register.statusDefault)
        #expect(booted.kernel.memoryStats.freePages == booted.baseline)
    }
}
