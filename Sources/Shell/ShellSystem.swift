// ShellSystem: what the `zirconia shell` needs from a booted system. The shell itself (commands,
// parsing, output formats) lives in this module and knows nothing of machines or drivers;
// SystemBoot's booted system conforms. Tests drive the shell with a fake system or a real one.
//
// Zircon counterpart: the shell verbs of a Fuchsia device (dm, ls/cat on /dev, ps, vmaps, vmos,
// kstats/kmem) — each asks a different service; here one protocol gathers them.

import ZirconKernel

/// A failure of a shell command, printed as `error: <description>`.
public struct ShellError: Error, CustomStringConvertible, Equatable, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The booted system a shell talks to.
public protocol ShellSystem: AnyObject, Sendable {
    /// The kernel (the shell's ps/vmaps/vmos/kmem read it through Kernel's inspection API).
    var kernel: Kernel { get }
    /// The machine's name ("qemu-x64", "qemu-arm64", or the DTB's path).
    var machineName: String { get }
    /// The boot log, oldest first.
    var bootLog: [String] { get }
    /// `dm dump` (the reference's exact format), its JSON form, and `dm drivers`.
    func dmDump() -> String
    func dmDumpJSON() -> String
    func dmDrivers() -> String
    /// Every devfs path ("/dev/sys/pci/00:02:00/e1000", "/dev/class/ethernet/000", ...), sorted.
    func devfsPaths() -> [String]
    /// `cat PATH`: what the device at a devfs path publishes (name, driver, host koid,
    /// properties, and what its driver reports — e.g. the MAC of an ethernet device).
    func describeDevice(path: String) throws(ShellError) -> String
    /// `crash DRIVER`: injects a fatal fault into that driver's host and waits until the driver
    /// manager has rebound it (or given up); returns what happened, as log lines.
    func crash(driver: String) throws(ShellError) -> [String]
    /// `hotplug add|remove`: inserts or removes a card in the machine's hot-plug slot and waits
    /// until the drivers have settled; returns what happened.
    func hotplug(add: Bool) throws(ShellError) -> [String]
    /// `fb --png FILE`: writes what is on the screen.
    func writeFramebufferPNG(to path: String) throws(ShellError) -> String
    /// `trace faults on|off`: streams every page-fault step of every driver host to `sink`
    /// (nil: stop).
    func setFaultTracing(_ sink: (@Sendable (String) -> Void)?)
}
