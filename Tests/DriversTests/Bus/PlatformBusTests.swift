// PlatformBus on the booted qemu-arm64 machine (QEMU's own virt DTB): GetMmio for the PL011
// prints into the console log, virtio slot 31 shares its page with fifteen other slots and comes
// back with a non-zero offset that still reads the magic, the PL031 is published under its
// platform IDs; and the arm64 ECAM host's PCI bus enumerates its e1000.

import Drivers
import Testing
import Zirconia

@Suite struct PlatformBusTests {
    @Test func pl011GetMmioWritesReachTheConsole() throws {
        let booted = try BusTestMachine.arm64()
        let description = BusFixtures.platformBus(booted.machine.description)
        let resource = booted.root
        let mmio = try booted.process.run { () throws -> DeviceMmio in
            let bus = try PlatformBus(resource: resource, description: description)
            let mmio = try bus.getMmio("arm,pl011", index: 0)
            let uart = try BusFixtures.map(mmio)
            try uart.write32(PL011Uart.Control([.uartEnable, .transmitEnable]).rawValue,
                             Int(PL011Uart.Register.control.rawValue))
            for byte in "pbus\n".utf8 { try uart.write32(UInt32(byte), Int(PL011Uart.Register.data.rawValue)) }
            return mmio
        }
        #expect(mmio.offset == 0 && mmio.size == 0x1000)
        #expect(booted.machine.console?.lines == ["pbus"])
        booted.expectClean()
    }

    @Test func virtioSlot31SharesAPageAndReadsTheMagicAtItsOffset() throws {
        let booted = try BusTestMachine.arm64()
        let description = BusFixtures.platformBus(booted.machine.description)
        let resource = booted.root
        let (slot31, slot30, magic, deviceID, otherMagic) = try booted.process.run {
            () throws -> (DeviceMmio, DeviceMmio, UInt32, UInt32, UInt32) in
            let bus = try PlatformBus(resource: resource, description: description)
            let slot31 = try bus.getMmio("virtio_mmio@a003e00", index: 0)
            let slot30 = try bus.getMmio("virtio_mmio@a003c00", index: 0)
            let registers = try BusFixtures.map(slot31)
            let neighbour = try BusFixtures.map(slot30)
            return (slot31, slot30, try registers.read32(0), try registers.read32(8), try neighbour.read32(0))
        }
        #expect(slot31.offset == 0xE00 && slot31.size == 0x200)
        #expect(slot30.offset == 0xC00)
        #expect(magic == 0x7472_6976)
        #expect(deviceID == 2)   // virtio block in slot 31, as QEMU places it
        #expect(otherMagic == 0x7472_6976)
        booted.expectClean()
    }

    @Test func devicesArePublishedWithNamesAndProperties() throws {
        let booted = try BusTestMachine.arm64()
        let description = BusFixtures.platformBus(booted.machine.description)
        let resource = booted.root
        let (bus, outOfRange, noDevice, stopped) = try booted.process.run {
            () throws -> (PlatformBus, ZxStatus?, ZxStatus?, ZxStatus?) in
            let bus = try PlatformBus(resource: resource, description: description)
            let outOfRange = busFailure { () throws(BusDriverError) in try bus.getMmio("arm,pl011", index: 1) }
            let noDevice = busFailure { () throws(BusDriverError) in try bus.getMmio("nothing", index: 0) }
            bus.shutdown()
            return (bus, outOfRange, noDevice, busFailure { () throws(BusDriverError) in try bus.getMmio("arm,pl011", index: 0) })
        }
        #expect(outOfRange == .outOfRange && noDevice == .notFound && stopped == .badState)
        let rtc = try #require(bus.device("arm,pl031"))
        #expect(rtc.publishedName == "00:00:6")
        #expect(rtc.bindProperties == [
            "fuchsia.BIND_PROTOCOL": 85, "fuchsia.BIND_PLATFORM_DEV_VID": 0, "fuchsia.BIND_PLATFORM_DEV_PID": 0,
            "fuchsia.BIND_PLATFORM_DEV_DID": 6, "fuchsia.BIND_PLATFORM_DEV_INSTANCE_ID": 0,
        ])
        let uart = try #require(bus.device("arm,pl011"))
        #expect(uart.publishedName == "pl011@9000000")
        #expect(uart.properties.strings == ["fuchsia.devicetree.FIRST_COMPATIBLE": "arm,pl011"])
        #expect(uart.bindProperties["fuchsia.BIND_PROTOCOL"] == 85)
        #expect(uart.interrupts == [BusInterrupt(number: 33, edgeTriggered: false)])
        #expect(bus.devices.filter { $0.compatible == ["virtio,mmio"] }.count == 32)
        booted.expectClean()
    }

    @Test func badRegionsAreRefused() throws {
        let empty = PlatformBusDescription(devices: [PlatformBusDevice(name: "x", mmio: [PhysicalRegion(base: 0x1000, size: 0)])])
        #expect(throws: BusDriverError.badDescription("x: MMIO 0 0x1000+0x0 is empty or wraps")) {
            try PlatformBus(resource: zx_handle_t(ZX_HANDLE_INVALID), description: empty)
        }
        let wraps = PlatformBusDescription(devices: [PlatformBusDevice(name: "y", mmio: [PhysicalRegion(base: UInt64.max - 4, size: 8)])])
        #expect(throws: BusDriverError.self) { try PlatformBus(resource: zx_handle_t(ZX_HANDLE_INVALID), description: wraps) }
    }

    @Test func arm64EcamHostEnumeratesItsE1000() throws {
        let booted = try BusTestMachine.arm64()
        let root = try #require(booted.pciRoot)
        #expect(root.busRange == 0...255 && root.apertures.filter { $0.kind != .io }.map(\.base) == [0x1000_0000])
        let resource = booted.root
        let (functions, status) = try booted.process.run { () throws -> ([PciFunctionInfo], UInt32) in
            let bus = try PciBus(resource: resource, root: root)
            defer { bus.shutdown() }
            let functions = try bus.enumerate()
            guard case let .mmio(mmio) = try bus.getBar(PciBdf(device: 1), index: 0) else {
                throw BusStatusError(status: ZX_ERR_WRONG_TYPE)
            }
            let registers = try BusFixtures.map(mmio)
            return (functions, try registers.read32(Int(E1000Register.status)))
        }
        #expect(functions.map(\.name) == ["00:00.0", "00:01.0"])
        #expect(functions.map(\.vendorID) == [0x1B36, 0x8086])
        let nic = try #require(functions.last)
        #expect(nic.bar(0)?.address == 0x1000_0000 && nic.bar(0)?.size == 0x2_0000)
        #expect(status == E1000Register.statusDefault)
        booted.expectClean()
    }
}
