// Booting qemu-x64: the seed-shaped dm dump, isolation, MMIO through physical VMOs in each
// driver's own host, crash and rebind, hot-plug, USB through the controller, clean shutdown.

import SystemBoot
import Testing
import Zirconia

/// `pid=NNNN` → `pid=N` so dumps compare across boots.
func withoutPids(_ dump: String) -> String {
    dump.replacing(/pid=[0-9]+/, with: "pid=N")
}

/// The pid of the line naming `device` (`[name]`) in a dump.
func pid(of device: String, in dump: String) -> String? {
    dump.split(separator: "\n").first { $0.contains("[\(device)]") }.flatMap { line in
        line.firstMatch(of: /pid=([0-9]+)/).map { String($0.1) }
    }
}

func bootX64() throws -> BootedSystem {
    let machine = try Machine.qemuX64(MachineOptions(memorySize: 64 << 20))
    return try BootedSystem.boot(machine: machine, options: BootOptions(seed: 1, rebindBackoff: .milliseconds(1)))
}

let expectedX64Dump = """
    [root]
       <root> pid=N 
          [null] pid=N /boot/driver/builtin.so
          [zero] pid=N /boot/driver/builtin.so
       [misc]
          <misc> pid=N 
             [console] pid=N /boot/driver/console.so
             [dmctl] pid=N /boot/driver/dmctl.so
             [ptmx] pid=N /boot/driver/pty.so
             [i8042-keyboard] pid=N /boot/driver/pc-ps2.so
                [hid-device-001] pid=N /boot/driver/hid.so
             [i8042-mouse] pid=N /boot/driver/pc-ps2.so
                [hid-device-002] pid=N /boot/driver/hid.so
       [sys]
          <sys> pid=N /boot/driver/bus-acpi.so
             [acpi] pid=N /boot/driver/bus-acpi.so
             [pci] pid=N /boot/driver/bus-acpi.so
                [00:00:00] pid=N /boot/driver/bus-pci.so
                [00:01:00] pid=N /boot/driver/bus-pci.so
                   <00:01:00> pid=N /boot/driver/bus-pci.proxy.so
                      [bochs_vbe] pid=N /boot/driver/bochs-vbe.so
                         [framebuffer] pid=N /boot/driver/framebuffer.so
                [00:02:00] pid=N /boot/driver/bus-pci.so
                   <00:02:00> pid=N /boot/driver/bus-pci.proxy.so
                      [e1000] pid=N /boot/driver/e1000.so
                         [ethernet] pid=N /boot/driver/ethernet.so
                [00:03:00] pid=N /boot/driver/bus-pci.so
                   <00:03:00> pid=N /boot/driver/bus-pci.proxy.so
                      [xhci] pid=N /boot/driver/xhci.so
                         [usb-001] pid=N /boot/driver/xhci.so
                            <usb-001> pid=N /boot/driver/xhci.proxy.so
                               [usb-hid-keyboard] pid=N /boot/driver/usb-hid.so
                [00:1c:00] pid=N /boot/driver/bus-pci.so
                [00:1f:00] pid=N /boot/driver/bus-pci.so
                [00:1f:02] pid=N /boot/driver/bus-pci.so
                   <00:1f:02> pid=N /boot/driver/bus-pci.proxy.so
                      [ahci] pid=N /boot/driver/ahci.so
                [00:1f:03] pid=N /boot/driver/bus-pci.so
       [test]

    """

@Suite(.serialized) struct BootX64Tests {
    @Test func dumpHasTheSeedShapeAndEachPciDriverItsOwnHost() throws {
        let system = try bootX64()
        defer { _ = try? system.shutdown() }
        let dump = system.dmDump()
        #expect(withoutPids(dump) == expectedX64Dump)
        let hosts = ["bochs_vbe", "e1000", "xhci", "ahci", "usb-hid-keyboard", "00:00:00", "console", "null"]
            .map { pid(of: $0, in: dump) }
        #expect(hosts.allSatisfy { $0 != nil })
        #expect(Set(hosts).count == hosts.count)
        #expect(pid(of: "ethernet", in: dump) == pid(of: "e1000", in: dump))
        #expect(pid(of: "acpi", in: dump) == pid(of: "00:1f:03", in: dump))
        let log = system.bootLog
        #expect(log.contains { $0.contains("launched driver_host:00:02:00") })
        #expect(log.contains { $0.hasPrefix("bus-pci: 00:02.0 BAR0 → physical VMO") })
        #expect(log.contains { $0.hasPrefix("ahci: port 0:") && $0.contains("131072 sectors") })
        #expect(log.contains { $0.hasPrefix("e1000: MAC 52:54:00:12:34:56") })
        #expect(log.contains { $0.contains("(cached)") } && !log.contains { $0.contains("(uncached-device)") })
        let ethernet = try system.describeDevice(path: "/dev/sys/pci/00:02:00/e1000/ethernet")
        #expect(ethernet.contains("mac 52:54:00:12:34:56"))
    }

    @Test func mmioIsAPhysicalVmoMappedInTheDriversOwnHost() throws {
        let system = try bootX64()
        defer { _ = try? system.shutdown() }
        let e1000 = try #require(system.hostKoid(of: "/dev/sys/pci/00:02:00/e1000"))
        let sys = try #require(system.hostKoid(of: "/dev/sys/pci"))
        #expect(e1000 != sys)
        let vmos = try #require(system.kernel.processVmos(koid: e1000))
        #expect(vmos.contains { ZX_INFO_VMO_TYPE($0.flags) == ZX_INFO_VMO_TYPE_PHYSICAL && $0.size_bytes == 128 << 10 })
        let maps = try #require(system.kernel.processMaps(koid: e1000))
        #expect(maps.contains { $0.type == ZX_INFO_MAPS_TYPE_MAPPING && $0.size == 128 << 10 })
        // The USB keyboard's driver has no physical VMO: only the controller's protocol.
        let keyboard = try #require(system.hostKoid(of: "/dev/sys/pci/00:03:00/xhci/usb-001/usb-hid-keyboard"))
        let xhci = try #require(system.hostKoid(of: "/dev/sys/pci/00:03:00/xhci"))
        #expect(keyboard != xhci)
        let keyboardVmos = try #require(system.kernel.processVmos(koid: keyboard))
        #expect(!keyboardVmos.contains { ZX_INFO_VMO_TYPE($0.flags) == ZX_INFO_VMO_TYPE_PHYSICAL })
        let xhciVmos = try #require(system.kernel.processVmos(koid: xhci))
        #expect(xhciVmos.contains { ZX_INFO_VMO_TYPE($0.flags) == ZX_INFO_VMO_TYPE_PHYSICAL && $0.size_bytes == 16 << 10 })
    }

    @Test func crashOfE1000RebindsItAndLeavesTheOthers() throws {
        let system = try bootX64()
        defer { _ = try? system.shutdown() }
        let before = system.dmDump()
        let lines = try system.crash(driver: "e1000")
        let after = system.dmDump()
        #expect(withoutPids(after) == expectedX64Dump)
        #expect(pid(of: "e1000", in: after) != pid(of: "e1000", in: before))
        for device in ["bochs_vbe", "ahci", "xhci", "usb-hid-keyboard", "console", "null", "acpi"] {
            #expect(pid(of: device, in: after) == pid(of: device, in: before), "\(device)")
        }
        #expect(lines.contains { $0.contains("bound e1000") }, "\(lines)")
    }

    @Test func hotPlugAddAndRemoveLeakNothing() throws {
        let system = try bootX64()
        defer { _ = try? system.shutdown() }
        let pages = system.kernel.memoryStats.freePages
        let processes = system.kernel.processSummaries().count
        let added = try system.hotplug(add: true)
        #expect(added.contains { $0.contains("inserted") })
        let dump = system.dmDump()
        let plugged = try #require(dump.split(separator: "\n").first { $0.contains("[01:00:00]") })
        #expect(plugged.contains("/boot/driver/bus-pci.so"))
        #expect(dump.contains("<01:00:00>"))
        #expect(system.kernel.processSummaries().count == processes + 1)
        let removed = try system.hotplug(add: false)
        #expect(removed.contains { $0.contains("removed") })
        #expect(withoutPids(system.dmDump()) == expectedX64Dump)
        #expect(system.kernel.processSummaries().count == processes)
        #expect(system.kernel.memoryStats.freePages == pages)
    }

    @Test func shutdownReturnsThePmmToItsBaseline() throws {
        let system = try bootX64()
        try system.shutdown()
        #expect(system.kernel.memoryStats.freePages == system.baselineFreePages)
    }
}

@Suite struct BootArm64Tests {
    @Test func bootsTheDeviceTreeMachineWithThePl011Console() throws {
        let machine = try Machine.qemuArm64(MachineOptions(memorySize: 64 << 20, rtcClock: { 1_700_000_000 }))
        let system = try BootedSystem.boot(machine: machine, options: BootOptions(seed: 2, rebindBackoff: .milliseconds(1)))
        defer { _ = try? system.shutdown() }
        let console = try #require(machine.console)
        #expect(console.lines.contains { $0.hasPrefix("zirconia: console on pl011") })
        #expect(system.bootLog.contains { $0.contains("pl031-rtc: time 2023-11-14") })
        #expect(system.bootLog.contains { $0.contains("(uncached-device)") })
    }
}
