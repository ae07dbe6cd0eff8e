// Device lifecycle ordering (init before visible; unbind top-down, release bottom-up; suspend
// children first, resume parents first; invisible until made visible) and crash isolation (a
// driver that faults, or a host that is killed, takes down only its host; its parent is rebound
// in a fresh host with backoff, at most four times).
//
// Fuchsia counterpart: src/devices/bin/driver_manager/tests (init, unbind, suspend/resume task
// ordering tests; driver host crash and rebind tests).

import Testing
import Zirconia

@Suite struct LifecycleTests {
    /// sys → a (init hook) → b → c, all colocated in the sys host.
    private func chain(_ kernel: Kernel, log: EventLog, visibleDuringInit: Box<Bool>,
                       managerBox: Box<DriverManager>) throws -> DriverManager {
        let manager = try DriverManager(kernel: kernel, configuration: testConfiguration())
        managerBox.set(manager)
        try manager.register(registration("chain", "/boot/driver/chain.so", "fuchsia.BIND_PROTOCOL == \(ProtocolId.sys.rawValue);") { parent in
            var hooks = recordingHooks("a", log, withInit: true)
            hooks.initialize = { device in
                log.add("init:a")
                visibleDuringInit.set(managerBox.value?.devfsPaths().contains("/dev/sys/a") ?? true)
                let b = try device.addChild(DeviceAddArgs(name: "b", flags: .nonBindable, hooks: recordingHooks("b", log)))
                _ = try b.addChild(DeviceAddArgs(name: "c", protocolId: .block, flags: .nonBindable,
                                                 hooks: recordingHooks("c", log)))
            }
            _ = try parent.addChild(DeviceAddArgs(name: "a", protocolId: .device, flags: .nonBindable, hooks: hooks))
        })
        try manager.start()
        #expect(manager.settle(), "\(manager.outstandingWork)\n\(manager.log.joined(separator: "\n"))")
        return manager
    }

    @Test func initRunsBeforeTheDeviceIsVisible() throws {
        let kernel = try Kernel(memorySize: 32 << 20)
        let log = EventLog()
        let visible = Box<Bool>()
        let manager = try chain(kernel, log: log, visibleDuringInit: visible, managerBox: Box())
        defer { try? manager.shutdown() }
        #expect(visible.value == false)
        #expect(manager.devfsPaths().contains("/dev/sys/a/b/c"))
        #expect(manager.devfsPaths().contains("/dev/class/block/000"))
    }

    @Test func removalUnbindsTopDownAndReleasesBottomUp() throws {
        let kernel = try Kernel(memorySize: 32 << 20)
        let log = EventLog()
        let manager = try chain(kernel, log: log, visibleDuringInit: Box(), managerBox: Box())
        defer { try? manager.shutdown() }
        try manager.remove(path: "/dev/sys/a")
        #expect(log.all.filter { $0.hasPrefix("unbind") || $0.hasPrefix("release") }
                == ["unbind:a", "unbind:b", "unbind:c", "release:c", "release:b", "release:a"])
        #expect(!manager.devfsPaths().contains { $0.hasPrefix("/dev/sys/a") || $0.hasPrefix("/dev/class/block") })
        #expect(throws: ZxStatus.accessDenied) { try manager.remove(path: "/dev/sys") }
    }

    @Test func suspendGoesChildrenFirstAndResumeParentsFirst() throws {
        let kernel = try Kernel(memorySize: 32 << 20)
        let log = EventLog()
        let manager = try chain(kernel, log: log, visibleDuringInit: Box(), managerBox: Box())
        defer { try? manager.shutdown() }
        try manager.suspend(.suspendToRam)
        #expect(log.matching("suspend") == ["suspend:c", "suspend:b", "suspend:a"])
        #expect(manager.device(at: "/dev/sys/a")?.state == "suspended")
        try manager.resume()
        #expect(log.matching("resume") == ["resume:a", "resume:b", "resume:c"])
        #expect(manager.device(at: "/dev/sys/a")?.state == "active")
    }

    @Test func anInvisibleDeviceIsHiddenAndUnboundUntilMadeVisible() throws {
        let kernel = try Kernel(memorySize: 32 << 20)
        let manager = try DriverManager(kernel: kernel, configuration: testConfiguration())
        defer { try? manager.shutdown() }
        let hidden = Box<DeviceContext>()
        try manager.register(registration("bus", "/boot/driver/bus.so", "fuchsia.BIND_PROTOCOL == \(ProtocolId.sys.rawValue);") { parent in
            hidden.set(try parent.addChild(DeviceAddArgs(name: "late", protocolId: .rtc, flags: .invisible)))
        })
        try manager.register(registration("rtc", "/boot/driver/rtc.so", "fuchsia.BIND_PROTOCOL == 115;") { parent in
            _ = try parent.addChild(DeviceAddArgs(name: "clock", flags: .nonBindable))
        })
        try manager.start()
        #expect(manager.settle(), "\(manager.outstandingWork)\n\(manager.log.joined(separator: "\n"))")
        #expect(!manager.devfsPaths().contains("/dev/sys/late"))
        #expect(manager.device(at: "/dev/sys/late") == nil)
        // Make it visible from its host (a driver call runs on a thread of that host).
        let context = try #require(hidden.value)
        let host = try #require(manager.hostProcess(koid: context.hostKoid))
        try host.run { try context.makeVisible() }
        #expect(manager.wait { $0.device(at: "/dev/sys/late/clock") != nil })
        #expect(manager.devfsPaths().contains("/dev/class/rtc/000"))
    }
}

@Suite struct CrashTests {
    /// The seed tree plus a PCI function 00:03:00 whose driver faults in bind `crashes` times.
    private func crashingManager(_ kernel: Kernel, crashes: Int, attempts: Counter) throws -> DriverManager {
        let manager = try DriverManager(kernel: kernel, configuration: testConfiguration())
        try registerSeedDrivers(manager, functions: seedFunctions + [PciFunction(name: "00:03:00", vendor: 0xdead, device: 1)])
        try manager.register(registration("crashy", "/boot/driver/crashy.so", "fuchsia.BIND_PCI_VID == 0xdead;") { parent in
            if attempts.increment() <= crashes {
                _ = try UserMemory.load(UInt64.self, from: 0x10)   // uncaught: the host dies
            }
            _ = try parent.addChild(DeviceAddArgs(name: "crashy", flags: .nonBindable))
        })
        try manager.start()
        return manager
    }

    @Test func aFaultingDriverIsRebound4TimesThenAbandonedAndOtherHostsAreUntouched() throws {
        let kernel = try Kernel(memorySize: 64 << 20)
        let attempts = Counter()
        let manager = try crashingManager(kernel, crashes: .max, attempts: attempts)
        defer { try? manager.shutdown() }
        #expect(manager.wait { $0.counters.rebindsAbandoned == 1 })
        #expect(manager.settle(), "\(manager.outstandingWork)\n\(manager.log.joined(separator: "\n"))")
        #expect(attempts.count == 5)
        #expect(manager.counters.hostCrashes == 5)
        #expect(manager.counters.rebindsScheduled == 4)
        let device = try #require(manager.device(at: "/dev/sys/pci/00:03:00"))
        #expect(!device.isBound)
        #expect(device.proxyHostKoid == nil)
        #expect(device.rebindRetries == 4)
        #expect(manager.log.contains { $0.contains("driver_host:00:03:00") && $0.contains("fatal page fault at 0x10") })
        #expect(manager.log.contains { $0.contains("giving up on 00:03:00 after 4 rebind attempts") })
        // Everything else is where it was.
        #expect(manager.devfsPaths().contains("/dev/sys/pci/00:02:00/e1000/ethernet"))
        #expect(manager.hostKoids.count == 6)
    }

    @Test func aDriverThatCrashesOnceRunsInAFreshHost() throws {
        let kernel = try Kernel(memorySize: 64 << 20)
        let attempts = Counter()
        let manager = try crashingManager(kernel, crashes: 1, attempts: attempts)
        defer { try? manager.shutdown() }
        #expect(manager.wait { $0.device(at: "/dev/sys/pci/00:03:00/crashy") != nil })
        #expect(manager.settle(), "\(manager.outstandingWork)\n\(manager.log.joined(separator: "\n"))")
        #expect(attempts.count == 2)
        #expect(manager.counters.hostCrashes == 1)
        let device = try #require(manager.device(at: "/dev/sys/pci/00:03:00"))
        #expect(device.proxyHostName == "driver_host:00:03:00")
    }

    @Test func killingAHostRemovesItsDevicesAndRebindsInANewHost() throws {
        let kernel = try Kernel(memorySize: 64 << 20)
        let log = EventLog()
        let manager = try seedManager(kernel, log: log)
        defer { try? manager.shutdown() }
        let before = try #require(manager.device(at: "/dev/sys/pci/00:02:00")?.proxyHostKoid)
        let bochs = try #require(manager.device(at: "/dev/sys/pci/00:01:00")?.proxyHostKoid)
        let sysHost = try #require(manager.device(at: "/dev/sys")?.proxyHostKoid)
        let dumpLinesBefore = manager.dump().split(separator: "\n").filter { !$0.contains("e1000") && !$0.contains("ethernet") && !$0.contains("<00:02:00>") }
        try manager.killHost(koid: before)
        #expect(manager.wait { $0.counters.hostCrashes == 1 })
        #expect(manager.wait {
            guard let after = $0.device(at: "/dev/sys/pci/00:02:00")?.proxyHostKoid else { return false }
            return after != before && $0.device(at: "/dev/sys/pci/00:02:00/e1000/ethernet") != nil
        })
        #expect(manager.settle(), "\(manager.outstandingWork)\n\(manager.log.joined(separator: "\n"))")
        let after = try #require(manager.device(at: "/dev/sys/pci/00:02:00")?.proxyHostKoid)
        #expect(after != before)
        #expect(manager.device(at: "/dev/sys/pci/00:01:00")?.proxyHostKoid == bochs)
        #expect(manager.device(at: "/dev/sys")?.proxyHostKoid == sysHost)
        // The crashed host's devices got no hooks (it was dead), the class alias was reused.
        #expect(log.matching("unbind").isEmpty)
        #expect(manager.devfsPaths().contains("/dev/class/ethernet/001"))
        let dumpLinesAfter = manager.dump().split(separator: "\n").filter { !$0.contains("e1000") && !$0.contains("ethernet") && !$0.contains("<00:02:00>") }
        #expect(dumpLinesBefore == dumpLinesAfter)
        #expect(manager.log.contains { $0.contains("driver_host:00:02:00 (pid=\(before)) died: killed") })
    }
}
