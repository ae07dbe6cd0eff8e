// Several host threads hammer the same models at once — interrupt mask registers, ECAM BAR
// relocation racing accesses through the aperture, hot-plug insert/remove racing enumeration,
// framebuffer writes racing PNG snapshots. Every loop is bounded; the checks are that nothing
// crashes or faults unexpectedly and that the final state is the one the last writes imply.

import Synchronization
import Testing
@testable import Devices

@Suite struct PciConcurrencyTests {
    @Test func interruptMaskRegistersUnderContention() throws {
        let nic = try E1000()
        let registers = nic.registers
        let failures = Atomic<Int>(0)
        pciConcurrently(4) { thread in
            let bit = UInt64(1) << UInt64(thread)
            for _ in 0..<400 {
                do {
                    try registers.write(offset: E1000Register.ims, width: .word, value: bit)
                    try registers.write(offset: E1000Register.ics, width: .word, value: bit)
                    _ = try registers.read(offset: E1000Register.icr, width: .word)
                    try registers.write(offset: E1000Register.imc, width: .word, value: bit)
                } catch {
                    failures.add(1, ordering: .relaxed)
                }
            }
        }
        #expect(failures.load(ordering: .relaxed) == 0)
        #expect(try registers.read(offset: E1000Register.ims, width: .word) == 0)
        _ = try registers.read(offset: E1000Register.icr, width: .word)
        #expect(!nic.pciFunction.interruptRequested)
    }

    @Test func barRelocationRacesApertureAccesses() throws {
        var builder = PciBusBuilder(configuration: PciTestDevices.smallHost)
        let endpoint = try PciTestDevices.endpoint()
        let port = try PciHotPlugRootPort()
        try builder.attach(endpoint, at: PciAddress(device: 1))
        try builder.attach(port, at: PciAddress(device: 0x1C))
        let ecam = try builder.build()
        let window = ecam.memoryWindow
        let unexpected = Atomic<Int>(0)
        pciConcurrently(4) { thread in
            for iteration in 0..<1500 {
                do {
                    switch thread {
                    case 0:  // move BAR0 between two pages
                        let base: UInt64 = iteration % 2 == 0 ? 0x8000_0000 : 0x8000_1000
                        try ecam.write(offset: (1 << 15) | 0x10, width: .word, value: base)
                    case 1:  // readers: the marker, or a master abort, nothing else
                        let value = try window.read(offset: UInt64(iteration % 2) * 0x1000, width: .word)
                        if value != 0xA0, value != 0xFFFF_FFFF, value != 0 { unexpected.add(1, ordering: .relaxed) }
                    case 2:  // hot-plug churn while enumeration-style reads run
                        if iteration % 2 == 0 {
                            try? port.insert(try PciTestDevices.endpoint(name: "card \(iteration)"))
                        } else {
                            port.remove()
                        }
                    default:
                        let ids = try ecam.read(offset: 1 << 20, width: .word)
                        if ids != 0xFFFF_FFFF, ids != 0x0001_1AF4 { unexpected.add(1, ordering: .relaxed) }
                    }
                } catch {
                    unexpected.add(1, ordering: .relaxed)
                }
            }
        }
        #expect(unexpected.load(ordering: .relaxed) == 0)
        try ecam.write(offset: (1 << 15) | 0x10, width: .word, value: 0x8000_3000)
        #expect(try window.read(offset: 0x3000, width: .word) == 0xA0)
        #expect(!port.isOccupied)
    }

    @Test func framebufferWritesRaceSnapshots() throws {
        let display = try BochsDisplay()
        try display.registers.write(offset: 0x502, width: .halfWord, value: 32)   // XRES
        try display.registers.write(offset: 0x504, width: .halfWord, value: 16)   // YRES
        try display.registers.write(offset: 0x506, width: .halfWord, value: 32)   // BPP
        try display.registers.write(offset: 0x508, width: .halfWord, value: 0x41) // ENABLE | LFB
        let snapshots = Atomic<Int>(0)
        pciConcurrently(3) { thread in
            for iteration in 0..<300 {
                if thread == 0 {
                    if display.pngData() != nil { snapshots.add(1, ordering: .relaxed) }
                } else {
                    let offset = UInt64((iteration * 4 + thread * 1024) % 2048)
                    try? display.framebuffer.write(offset: offset, width: .word, value: UInt64(iteration))
                }
            }
        }
        #expect(snapshots.load(ordering: .relaxed) == 300)
    }
}
