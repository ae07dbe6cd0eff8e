// Boot benchmark: `BootedSystem.boot` of the built-in machines — kernel, driver manager, the board
// and bus drivers, every device driver in its own host — to the manager settling, then shutdown
// (not timed). The host column is the kernel alone on the same machine (`Machine.boot`): what the
// driver model adds on top of it.
//
//
// Scaling: `Machine.generatedPci(functions:)` — the qemu-x64 layout with N driverless endpoint
// functions, eight behind each root port — booted with 20, 500 and 1,000 functions. Issue 6's goal:
// boot time grows linearly, the 1,000-function machine within 60× the 20-device one.

import SystemBoot
import Zirconia

// MARK: 11. Boot

func benchBoot(rounds: Int) throws -> [Row] {
    let options = MachineOptions(memorySize: 64 << 20)
    func bootTime(_ name: String) throws -> Double {
        try systemBootTime { () throws(MachineError) in try Machine.named(name, options: options) }
    }
    /// `report`: print what the PCI bus driver enumerated (first round only, not timed).
    func systemBootTime(_ make: () throws(MachineError) -> Machine, report: Bool = false) throws -> Double {
        var reported = !report
        return try median(rounds: rounds) { () throws -> (UInt64, Int) in
            let machine = try make()
            let start = now()
            let system = try BootedSystem.boot(machine: machine, options: BootOptions(seed: 1))
            let elapsed = now() - start
            if !reported, let line = system.bootLog.first(where: { $0.contains("bus-pci:") }) {
                print("\(machine.name): \(line)")
                reported = true
            }
            try system.shutdown()
            return (elapsed, 1)
        }
    }
    func kernelOnly(_ name: String) throws -> Double {
        try kernelBootTime { () throws(MachineError) in try Machine.named(name, options: options) }
    }
    func kernelBootTime(_ make: () throws(MachineError) -> Machine) throws -> Double {
        try median(rounds: rounds) { () throws -> (UInt64, Int) in
            let machine = try make()
            let start = now()
            let kernel = try machine.boot(seed: 1)
            let elapsed = now() - start
            withExtendedLifetime(kernel) {}
            return (elapsed, 1)
        }
    }
    func generated(_ functions: Int) -> () throws(MachineError) -> Machine {
        { () throws(MachineError) in try Machine.generatedPci(functions: functions, options: options) }
    }
    let generated20 = try systemBootTime(generated(20), report: true)
    let generated500 = try systemBootTime(generated(500), report: true)
    let generated1000 = try systemBootTime(generated(1000), report: true)
    let kernelOnly20 = try kernelBootTime(generated(20))
    return [
        Row(name: "boot qemu-x64 to settled (per boot)", zirconia: try bootTime("qemu-x64"),
            host: try kernelOnly("qemu-x64"), hostName: "kernel only (Machine.boot)", goal: 1000),
        Row(name: "boot qemu-arm64 to settled (per boot)", zirconia: try bootTime("qemu-arm64"),
            host: try kernelOnly("qemu-arm64"), hostName: "kernel only (Machine.boot)", goal: 1000),
        Row(name: "boot generated 20 PCI fns (per boot)", zirconia: generated20,
            host: kernelOnly20, hostName: "kernel only (Machine.boot)", goal: 1000),
        Row(name: "boot generated 1000 PCI fns vs 20", zirconia: generated1000,
            host: generated20, hostName: "generated 20-function boot", goal: 60),
        Row(name: "boot generated 1000 PCI fns vs 500", zirconia: generated1000,
            host: generated500, hostName: "generated 500-function boot (linear: 2)", goal: 2.5),
    ]
}
