// PciBus on the booted qemu-x64 machine: enumeration through ECAM finds the seed's functions with
// their BAR sizes, GetBar's VMO reaches the e1000's registers, the config-space rules hold,
// reassigning every BAR keeps the machine working, a bridge without bus numbers gets one, and a
// card hot-plugged into the root port is enumerated, placed inside the port's window, and
// forgotten again on removal. Every test ends with the kernel's resources and pages at baseline.

import Drivers
import Testing
import Zirconia

@Suite struct PciBusTests {
    static let e1000 = PciBdf(device: 2)
    static let rootPort = PciBdf(device: 0x1C)

    @Test func enumeratesTheSeedFunctionsWithTheirBars() throws {
        let booted = try BusTestMachine.x64()
        let root = try #require(booted.pciRoot)
        let host = try #require(booted.machine.description.pciHosts.first)
        let resource = booted.root
        let functions = try booted.process.run { () throws -> [PciFunctionInfo] in
            let bus = try PciBus(resource: resource, root: root)
            defer { bus.shutdown() }
            return try bus.enumerate()
        }
        #expect(functions.map(\.name) == ["00:00.0", "00:01.0", "00:02.0", "00:03.0", "00:1c.0", "00:1f.0", "00:1f.2", "00:1f.3"])
        #expect(functions.map(\.dumpName) == ["00:00:00", "00:01:00", "00:02:00", "00:03:00", "00:1c:00", "00:1f:00", "00:1f:02", "00:1f:03"])
        let ids = functions.map { String($0.vendorID, radix: 16) + ":" + String($0.deviceID, radix: 16) }
        #expect(ids == ["8086:29c0", "1234:1111", "8086:100e", "1b36:d", "1b36:c", "8086:2918", "8086:2922", "8086:2930"])
        func bars(_ device: UInt8, _ function: UInt8 = 0) -> [String] {
            functions.first { $0.bdf == PciBdf(device: device, function: function) }?.bars.map { bar in
                "\(bar.index) \(bar.isIO ? "io" : bar.is64 ? "m64" : "m32")\(bar.prefetchable ? "p" : "") 0x\(String(bar.size, radix: 16))"
            } ?? []
        }
        #expect(bars(0).isEmpty)
        #expect(bars(1) == ["0 m32p 0x1000000", "2 m32 0x1000"])
        #expect(bars(2) == ["0 m32 0x20000", "1 io 0x40"])
        #expect(bars(3) == ["0 m64 0x4000"])
        #expect(bars(0x1F, 2) == ["4 io 0x20", "5 m32 0x1000"])
        #expect(bars(0x1F, 3) == ["4 io 0x20"])
        // Firmware's addresses were kept (decode was on and they sit in the aperture).
        for described in host.functions {
            let found = try #require(functions.first { $0.name == described.address.description })
            for bar in described.memoryBars {
                #expect(found.bar(bar.index)?.address == bar.base)
                #expect(found.bar(bar.index)?.firmwareAssigned == true)
            }
        }
        let nic = try #require(functions.first { $0.bdf == Self.e1000 })
        #expect(nic.classCode == 0x02 && nic.subclass == 0x00 && nic.progIf == 0)
        #expect(nic.bindProperties == [
            "fuchsia.BIND_PROTOCOL": 31, "fuchsia.BIND_PCI_VID": 0x8086, "fuchsia.BIND_PCI_DID": 0x100E,
            "fuchsia.BIND_PCI_CLASS": 2, "fuchsia.BIND_PCI_SUBCLASS": 0, "fuchsia.BIND_PCI_INTERFACE": 0,
            "fuchsia.BIND_PCI_REVISION": UInt32(nic.revision), "fuchsia.BIND_PCI_TOPO": 0x10,
        ])
        let ahci = try #require(functions.first { $0.bdf == PciBdf(device: 0x1F, function: 2) })
        #expect(ahci.bindProperties["fuchsia.BIND_PCI_INTERFACE"] == 1 && ahci.bindProperties["fuchsia.BIND_PCI_TOPO"] == 0xFA)
        let port = try #require(functions.first { $0.bdf == Self.rootPort })
        #expect(port.isBridge && port.isHotPlugPort)
        #expect(port.secondaryBus == 1 && port.subordinateBus == 1)
        #expect(port.capability(0x10) != nil && port.capability(0x05) != nil)
        booted.expectClean()
    }

    @Test func getBarGivesTheE1000RegistersAndTheIoPorts() throws {
        let booted = try BusTestMachine.x64()
        let root = try #require(booted.pciRoot)
        let resource = booted.root
        let (status, offset, port, errors) = try booted.process.run { () throws -> (UInt32, UInt64, UInt64, [ZxStatus]) in
            let bus = try PciBus(resource: resource, root: root)
            defer { bus.shutdown() }
            _ = try bus.enumerate()
            guard case let .mmio(mmio) = try bus.getBar(Self.e1000, index: 0) else { throw BusStatusError(status: ZX_ERR_WRONG_TYPE) }
            #expect(mmio.size == 0x2_0000)
            let registers = try BusFixtures.map(mmio)
            let status = try registers.read32(Int(E1000Register.status))
            guard case let .io(port, size, ioResource) = try bus.getBar(Self.e1000, index: 1) else {
                throw BusStatusError(status: ZX_ERR_WRONG_TYPE)
            }
            #expect(size == 0x40)
            try BusFixtures.close(ioResource)
            var errors = [6, 2, -1].compactMap { index in busFailure { () throws(BusDriverError) in try bus.getBar(Self.e1000, index: index) } }
            errors += [busFailure { () throws(BusDriverError) in try bus.getBar(PciBdf(device: 9), index: 0) }].compactMap { $0 }
            return (status, mmio.offset, port, errors)
        }
        #expect(status == E1000Register.statusDefault)
        #expect(offset == 0)
        #expect((0xC000..<0x1_0000).contains(port))
        #expect(errors == [.invalidArgs, .notFound, .invalidArgs, .notFound])
        booted.expectClean()
    }

    @Test func configSpaceRulesAndBusMastering() throws {
        let booted = try BusTestMachine.x64()
        let root = try #require(booted.pciRoot)
        let resource = booted.root
        let (vendor, before, after, portCommand, errors, capabilityByte) = try booted.process.run {
            () throws -> (UInt16, UInt16, UInt16, UInt16, [ZxStatus], UInt32) in
            let bus = try PciBus(resource: resource, root: root)
            defer { bus.shutdown() }
            _ = try bus.enumerate()
            let vendor = try bus.readConfig16(Self.e1000, offset: 0)
            let before = try bus.readConfig16(Self.e1000, offset: 4)
            try bus.enableBusMastering(Self.e1000)
            let after = try bus.readConfig16(Self.e1000, offset: 4)
            let errors = [
                busFailure { () throws(BusDriverError) in try bus.writeConfig16(Self.e1000, offset: 4, 0) },
                busFailure { () throws(BusDriverError) in try bus.writeConfig32(Self.e1000, offset: 0x10, 0) },
                busFailure { () throws(BusDriverError) in try bus.readConfig32(Self.e1000, offset: 2) },
                busFailure { () throws(BusDriverError) in try bus.readConfig8(Self.e1000, offset: 0x100) },
                busFailure { () throws(BusDriverError) in try bus.readConfig(Self.e1000, offset: 0, width: 3) },
            ].compactMap { $0 }
            // The root port is PCI Express: its extended space is readable; a write above the
            // header goes through (the slot control register of its PCIe capability).
            let port = try #require(bus.function(Self.rootPort))
            let express = try #require(port.capability(0x10)).offset
            try bus.writeConfig16(Self.rootPort, offset: express + 0x18, 0)
            _ = try bus.readConfig32(Self.rootPort, offset: 0x100)
            let capabilityByte = try bus.readConfig(Self.rootPort, offset: express, width: 1)
            return (vendor, before, after, try bus.readConfig16(Self.rootPort, offset: 4), errors, capabilityByte)
        }
        #expect(vendor == 0x8086)
        #expect(before & 0x4 == 0 && before & 0x2 != 0)
        #expect(after == before | 0x4)
        #expect(portCommand & 0x6 == 0x6)
        #expect(errors == [.accessDenied, .accessDenied, .invalidArgs, .outOfRange, .invalidArgs])
        #expect(capabilityByte == 0x10)
        booted.expectClean()
    }

    @Test func reassigningEveryBarKeepsTheMachineWorking() throws {
        let booted = try BusTestMachine.x64()
        let root = try #require(booted.pciRoot)
        let resource = booted.root
        let (functions, status) = try booted.process.run { () throws -> ([PciFunctionInfo], UInt32) in
            let bus = try PciBus(resource: resource, root: root, options: PciBusOptions(keepFirmwareAssignments: false))
            defer { bus.shutdown() }
            let functions = try bus.enumerate()
            #expect(bus.diagnostics.isEmpty, "\(bus.diagnostics)")
            guard case let .mmio(mmio) = try bus.getBar(Self.e1000, index: 0) else { throw BusStatusError(status: ZX_ERR_WRONG_TYPE) }
            let registers = try BusFixtures.map(mmio)
            return (functions, try registers.read32(Int(E1000Register.status)))
        }
        #expect(status == E1000Register.statusDefault)
        let memory = functions.flatMap { function in function.bars.filter { !$0.isIO }.map { (function.name, $0) } }
        #expect(memory.count == 5)   // bochs 0 and 2, e1000 0, xhci 0, ahci 5
        var ranges: [BusAddressRange] = []
        for (name, bar) in memory {
            let address = try #require(bar.address, "\(name) BAR\(bar.index)")
            #expect(!bar.firmwareAssigned)
            #expect(address % bar.size == 0, "\(name) BAR\(bar.index) is naturally aligned")
            #expect(address >= 0xC000_0000 && address + bar.size <= 0xFEC0_0000)
            let range = BusAddressRange(base: address, size: bar.size)
            #expect(!ranges.contains { $0.overlaps(range) })
            ranges.append(range)
        }
        // The root port's windows were reserved before anything was placed.
        let port = try #require(booted.machine.hotPlugPorts.first)
        for window in [port.memoryWindow, port.prefetchableWindow].compactMap({ $0 }) {
            let reserved = BusAddressRange(base: window.lowerBound, size: window.upperBound - window.lowerBound + 1)
            #expect(!ranges.contains { $0.overlaps(reserved) })
        }
        booted.expectClean()
    }

    @Test func bridgeWithoutBusNumbersGetsTheNextFreeBus() throws {
        let booted = try BusTestMachine.x64()
        let port = try #require(booted.machine.hotPlugPorts.first)
        // Firmware that left the root port unnumbered (the emulator side writes its registers).
        for offset in [0x18, 0x19, 0x1A] { port.pciFunction.writeConfig(offset: offset, width: .byte, value: 0) }
        try port.insert(E1000(name: "card"))
        let root = try #require(booted.pciRoot)
        let resource = booted.root
        let functions = try booted.process.run { () throws -> [PciFunctionInfo] in
            let bus = try PciBus(resource: resource, root: root)
            defer { bus.shutdown() }
            return try bus.enumerate()
        }
        let bridge = try #require(functions.first { $0.bdf == Self.rootPort })
        #expect(bridge.secondaryBus == 1 && bridge.subordinateBus == 1)
        #expect(port.pciFunction.readConfig(offset: 0x19, width: .byte) == 1)
        let card = try #require(functions.first { $0.bdf == PciBdf(bus: 1, device: 0) })
        #expect(card.deviceID == 0x100E)
        let window = try #require(port.memoryWindow)
        #expect(card.bar(0)?.address.map(window.contains) == true)
        #expect(card.bar(1)?.address == nil)   // the port forwards no I/O
        booted.expectClean()
    }

    @Test func hotPlugInsertPlacesTheCardInThePortWindowAndRemovalFreesIt() throws {
        let booted = try BusTestMachine.x64()
        let root = try #require(booted.pciRoot)
        let resource = booted.root
        let port = try #require(booted.machine.hotPlugPorts.first)
        let window = try #require(port.memoryWindow)
        let bus = try booted.process.run { () throws -> PciBus in
            let bus = try PciBus(resource: resource, root: root)
            _ = try bus.enumerate()
            #expect(try bus.handleHotPlug().isEmpty)
            return bus
        }
        // The live bus holds its ECAM and aperture resources and an ECAM mapping.
        #expect(booted.kernel.liveResourceCount == booted.baselineResources + 3)
        let freeBefore = try #require(bus.freeBytes(behind: Self.rootPort))
        #expect(freeBefore == window.upperBound - window.lowerBound + 1)

        try port.insert(E1000(name: "hot-plugged e1000"))   // BARs unassigned, decode off
        let (events, status, quiet) = try booted.process.run { () throws -> ([PciHotPlugEvent], UInt32, [PciHotPlugEvent]) in
            let events = try bus.handleHotPlug()
            guard case let .mmio(mmio) = try bus.getBar(PciBdf(bus: 1, device: 0), index: 0) else {
                throw BusStatusError(status: ZX_ERR_WRONG_TYPE)
            }
            let registers = try BusFixtures.map(mmio)
            return (events, try registers.read32(Int(E1000Register.status)), try bus.handleHotPlug())
        }
        guard case let .inserted(at, functions) = try #require(events.first) else {
            Issue.record("expected an insertion, got \(events)")
            return
        }
        #expect(events.count == 1 && at == Self.rootPort)
        #expect(functions.map(\.name) == ["01:00.0"])
        let bar0 = try #require(functions.first?.bar(0)?.address)
        #expect(window.contains(bar0) && window.contains(bar0 + 0x2_0000 - 1))
        #expect(status == E1000Register.statusDefault)
        #expect(quiet.isEmpty)
        #expect(bus.freeBytes(behind: Self.rootPort) == freeBefore - 0x2_0000)

        port.remove()
        let (removal, afterRemoval) = try booted.process.run { () throws -> ([PciHotPlugEvent], ZxStatus?) in
            let removal = try bus.handleHotPlug()
            let failure = busFailure { () throws(BusDriverError) in try bus.getBar(PciBdf(bus: 1, device: 0), index: 0) }
            bus.shutdown()
            return (removal, failure)
        }
        #expect(removal == [.removed(port: Self.rootPort, functions: functions)])
        #expect(afterRemoval == .notFound)
        #expect(bus.freeBytes(behind: Self.rootPort) == freeBefore)
        #expect(bus.function(PciBdf(bus: 1, device: 0)) == nil)
        booted.expectClean()
    }

    @Test func aCardSwappedBetweenPollsIsARemovalThenAnInsertionInThePrefetchableWindow() throws {
        let booted = try BusTestMachine.x64()
        let root = try #require(booted.pciRoot)
        let resource = booted.root
        let port = try #require(booted.machine.hotPlugPorts.first)
        try port.insert(E1000(name: "first card"))   // present before the bus driver starts
        let bus = try booted.process.run { () throws -> PciBus in
            let bus = try PciBus(resource: resource, root: root)
            _ = try bus.enumerate()
            #expect(try bus.handleHotPlug().isEmpty)   // the card is already known: only acknowledged
            return bus
        }
        #expect(bus.function(PciBdf(bus: 1, device: 0))?.deviceID == 0x100E)
        port.remove()
        try port.insert(QemuXhciPci(keyboard: nil))
        let (events, capability) = try booted.process.run { () throws -> ([PciHotPlugEvent], UInt32) in
            let events = try bus.handleHotPlug()
            guard case let .mmio(mmio) = try bus.getBar(PciBdf(bus: 1, device: 0), index: 0) else {
                throw BusStatusError(status: ZX_ERR_WRONG_TYPE)
            }
            let registers = try BusFixtures.map(mmio)
            let capability = try registers.read32(0)
            bus.shutdown()
            return (events, capability)
        }
        #expect(events.count == 2)
        guard events.count == 2, case let .removed(_, old) = events[0], case let .inserted(_, new) = events[1] else {
            Issue.record("expected removal then insertion, got \(events)")
            return
        }
        #expect(old.map(\.deviceID) == [0x100E])
        #expect(new.map(\.deviceID) == [0x000D])
        let bar = try #require(new.first?.bar(0))
        #expect(bar.is64 && bar.size == 0x4000)
        let window = try #require(port.prefetchableWindow)   // 64-bit BARs prefer it
        #expect(bar.address.map(window.contains) == true)
        #expect(capability == 0x0100_0040)   // HCIVERSION 1.0, CAPLENGTH 0x40
        booted.expectClean()
    }

    @Test func separateEcamAndWindowResourcesAreEnough() throws {
        let booted = try BusTestMachine.x64()
        let root = try #require(booted.pciRoot)
        let resource = booted.root
        let (status, diagnostics, ioFailure) = try booted.process.run { () throws -> (UInt32, [String], ZxStatus?) in
            func mint(_ base: UInt64, _ size: UInt64) throws -> zx_handle_t {
                var handle = zx_handle_t(ZX_HANDLE_INVALID)
                let status = zx_resource_create(resource, ZX_RSRC_KIND_MMIO, base, Int(size), "pciroot", 7, &handle)
                if status != ZX_OK { throw BusStatusError(status: status) }
                return handle
            }
            let memory = try #require(root.apertures.first { $0.kind == .memory32 })
            let ecam = try mint(root.ecamBase, root.ecamSize)
            let windows = try mint(memory.base, memory.size)
            defer {
                _ = zx_handle_close(ecam)
                _ = zx_handle_close(windows)
            }
            let bus = try PciBus(ecamResource: ecam, windowResource: windows, root: root)
            defer { bus.shutdown() }
            _ = try bus.enumerate()
            guard case let .mmio(mmio) = try bus.getBar(Self.e1000, index: 0) else { throw BusStatusError(status: ZX_ERR_WRONG_TYPE) }
            let registers = try BusFixtures.map(mmio)
            let ioFailure = busFailure { () throws(BusDriverError) in try bus.getBar(Self.e1000, index: 1) }
            return (try registers.read32(Int(E1000Register.status)), bus.diagnostics, ioFailure)
        }
        #expect(status == E1000Register.statusDefault)
        #expect(diagnostics.contains { $0.contains("I/O aperture") })
        #expect(ioFailure == .invalidArgs)   // an I/O BAR outside every granted aperture
        booted.expectClean()
    }
}
