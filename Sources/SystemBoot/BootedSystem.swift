// BootedSystem: a machine booted with real kernel objects — the kernel, the driver manager with
// the boot driver index, the board and bus drivers in the sys host, every device driver in the
// host the framework gives it — and what the shell asks of it (`ShellSystem`).
//
// Fuchsia counterpart: the boot sequence of component_manager → driver_manager (coordinator
// start, devfs, the sys device handed to the board driver) and the `dm` / devfs tools that look
// at the result.

import Devices
import DriverFramework
import Drivers
import Machines
import Shell
import ZX
import ZirconKernel

/// How to boot.
public struct BootOptions: Sendable {
    /// Kernel seed (ASLR etc.); nil: random.
    public var seed: UInt64?
    /// First crash-rebind delay (the reference's 250 ms; tests use less).
    public var rebindBackoff: Duration
    /// How long boot waits for the drivers to settle.
    public var settleTimeout: Duration

    public init(seed: UInt64? = nil, rebindBackoff: Duration = .milliseconds(250), settleTimeout: Duration = .seconds(60)) {
        self.seed = seed
        self.rebindBackoff = rebindBackoff
        self.settleTimeout = settleTimeout
    }
}

/// Why a boot failed.
public struct BootError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}

public final class BootedSystem: ShellSystem, @unchecked Sendable {
    public let kernel: Kernel
    public let machine: Machine
    public let manager: DriverManager
    public var machineName: String { machine.name }
    /// PMM free pages right after the kernel was created (before any process).
    public let baselineFreePages: Int
    let context: BootContext
    /// The process devfs clients (the shell) call from.
    let client: Process

    private init(kernel: Kernel, machine: Machine, manager: DriverManager, baseline: Int, context: BootContext,
                 client: Process) {
        self.kernel = kernel
        self.machine = machine
        self.manager = manager
        baselineFreePages = baseline
        self.context = context
        self.client = client
    }

    /// Boots `machine`: kernel, driver manager, the driver index, start, settle.
    /// - Throws: `BootError` (machine already booted, a kernel failure, drivers not settling).
    public static func boot(machine: Machine, options: BootOptions = BootOptions()) throws -> BootedSystem {
        let kernel: Kernel
        do {
            kernel = try machine.boot(seed: options.seed)
        } catch {
            throw BootError("cannot boot \(machine.name): \(error)")
        }
        let baseline = kernel.memoryStats.freePages
        let description = machine.description
        let isArm = description.acpiTableAddress == nil
        let context = BootContext(description: description, isArm: isArm)
        let recorder = context.recorder
        context.log("boot: \(machine.name), \(description.platformDevices.count) platform devices, "
                    + "\(description.pciHosts.flatMap(\.functions).count) PCI functions; device MMIO mapped "
                    + "\(context.cachePolicyName) (\(isArm ? "arm64: not cache coherent" : "x64: cache coherent"))")
        let configuration = DriverManagerConfiguration(
            rebindBackoff: options.rebindBackoff,
            sysLibrary: isArm ? "/boot/driver/platform-bus.so" : "/boot/driver/bus-acpi.so",
            logSink: { line in recorder.log(line) })
        let manager = try DriverManager(kernel: kernel, configuration: configuration)
        context.manager = manager
        for registration in DriverCatalog.registrations(context) {
            do {
                try manager.register(registration)
            } catch {
                throw BootError("bind rules of \(registration.name): \(error)")
            }
        }
        let client = try kernel.createProcess(name: "zirconia-shell")
        try manager.start()
        guard manager.settle(timeout: options.settleTimeout) else {
            throw BootError("drivers did not settle: \(manager.outstandingWork)")
        }
        context.log("boot: settled with \(manager.hostKoids.count) driver hosts")
        return BootedSystem(kernel: kernel, machine: machine, manager: manager, baseline: baseline,
                            context: context, client: client)
    }

    // MARK: ShellSystem

    public var bootLog: [String] { context.recorder.all }
    public func dmDump() -> String { manager.dump() }
    public func dmDumpJSON() -> String { manager.dumpJSON() }
    public func dmDrivers() -> String { manager.dumpDrivers() }
    public func devfsPaths() -> [String] { manager.devfsPaths() }

    public func describeDevice(path: String) throws(ShellError) -> String {
        guard let device = manager.device(at: path) else { throw ShellError("\(path): no such device") }
        var lines = ["name: \(device.name)", "path: \(device.path ?? path)",
                     "driver: \(device.library.isEmpty ? "(coordinator)" : device.library)",
                     "host: \(device.hostName ?? "-") pid=\(device.hostKoid.map(String.init) ?? "-")",
                     "protocol: \(device.protocolId)", "state: \(device.state)"]
        if let proxy = device.proxyHostKoid {
            lines.append("proxy: pid=\(proxy) \(device.proxyLibrary ?? "")")
        }
        if !device.boundDrivers.isEmpty { lines.append("bound: \(device.boundDrivers.joined(separator: ", "))") }
        if let alias = device.classAlias { lines.append("class: \(alias)") }
        if let host = device.hostKoid {
            lines += context.recorder.facts(host: host, device: device.name)
        }
        return lines.joined(separator: "\n")
    }

    public func crash(driver: String) throws(ShellError) -> [String] {
        let library = "/boot/driver/\(driver).so"
        let match = devfsPaths().compactMap { manager.device(at: $0) }.first {
            ($0.name == driver || $0.library == library) && $0.hostKoid != nil
        }
        guard let device = match, let koid = device.hostKoid else { throw ShellError("\(driver): no such driver bound") }
        let before = manager.log.count
        let crashes = manager.counters.hostCrashes
        var lines = ["injecting a page fault into driver_host pid=\(koid) (\(device.name))"]
        if let process = manager.hostProcess(koid: koid) {
            do {
                try process.run { _ = try UserMemory.load(UInt8.self, from: 0x10) }
            } catch {
                lines.append("pid=\(koid): \(error)")
            }
        } else {
            throw ShellError("\(driver): its host is gone")
        }
        // The coordinator learns of the death asynchronously (peer closed): wait for it, then settle.
        _ = manager.wait(timeout: .seconds(10)) { $0.counters.hostCrashes > crashes }
        guard manager.settle(timeout: .seconds(30)) else { throw ShellError("the manager did not settle") }
        let log = manager.log
        lines += log.count > before ? Array(log[before...]) : Array(log.suffix(10))
        return lines
    }

    public func hotplug(add: Bool) throws(ShellError) -> [String] {
        guard let port = machine.hotPlugPorts.first else { throw ShellError("\(machineName) has no hot-plug slot") }
        let logBefore = manager.log.count
        if add {
            guard !port.isOccupied else { throw ShellError("the hot-plug slot is occupied") }
            do {
                try port.insert(E1000(name: "hot-plugged e1000"))
            } catch {
                throw ShellError("insert: \(error)")
            }
        } else {
            guard port.isOccupied else { throw ShellError("the hot-plug slot is empty") }
            _ = port.remove()
        }
        var lines = [add ? "inserted an e1000 card in the hot-plug slot" : "removed the card from the hot-plug slot"]
        let ports = devfsPaths().filter { $0.hasPrefix("/dev/sys/pci/") && $0.split(separator: "/").count == 4 }
        let manager = self.manager, client = self.client
        for path in ports {
            let events: [String]? = try? client.run { () throws -> [String] in
                let channel = try manager.open(path, for: client)
                defer { _ = zx_handle_close(channel) }
                return try ProtocolClient(channel: channel).call(HotPlugProtocol.Poll.self, EmptyMessage()).lines
            }
            lines += events ?? []
        }
        guard manager.settle(timeout: .seconds(30)) else { throw ShellError("the manager did not settle") }
        // What the driver manager did about it: devices added or removed, hosts launched or gone.
        let log = manager.log
        if log.count > logBefore { lines += log[logBefore...] }
        return lines
    }

    public func writeFramebufferPNG(to path: String) throws(ShellError) -> String {
        guard let display = machine.display else { throw ShellError("\(machineName) has no display") }
        do {
            try display.writePNG(to: path)
        } catch {
            throw ShellError("\(path): \(error)")
        }
        let mode = display.mode.map { "\($0.width)x\($0.height)" } ?? "no mode"
        return "wrote \(path) (\(mode))"
    }

    public func setFaultTracing(_ sink: (@Sendable (String) -> Void)?) {
        for koid in manager.hostKoids {
            guard let process = manager.hostProcess(koid: koid) else { continue }
            if let sink {
                process.setFaultTracer { event in sink("pid=\(koid) \(event)") }
            } else {
                process.setFaultTracer(nil)
            }
        }
    }

    /// Removes every device, ends every host and the manager; the PMM is back at its baseline.
    public func shutdown() throws {
        try manager.shutdown()
        client.kill()
    }

    /// Host koid of the device at a devfs path.
    public func hostKoid(of path: String) -> zx_koid_t? { manager.device(at: path)?.hostKoid }
}
