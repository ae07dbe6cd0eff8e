// Boot benchmark: `BootedSystem.boot` of the built-in machines — kernel, driver manager, the board
// and bus drivers, every device driver in its own host — to the manager settling, then shutdown
// (not timed). The host column is the kernel alone on the same machine (`Machine.boot`): what the
// driver model adds on top of it.
//
// Not measured yet: a generated machine with 1,000 PCI functions (no machine builder makes one).

import SystemBoot
import Zirconia

// MARK: 11. Boot

func benchBoot(rounds: Int) throws -> [Row] {
    func bootTime(_ name: String) throws -> Double {
        try median(rounds: rounds) { () throws -> (UInt64, Int) in
            let machine = try Machine.named(name, options: MachineOptions(memorySize: 64 << 20))
            let start = now()
            let system = try BootedSystem.boot(machine: machine, options: BootOptions(seed: 1))
            let elapsed = now() - start
            try system.shutdown()
            return (elapsed, 1)
        }
    }
    func kernelOnly(_ name: String) throws -> Double {
        try median(rounds: rounds) { () throws -> (UInt64, Int) in
            let machine = try Machine.named(name, options: MachineOptions(memorySize: 64 << 20))
            let start = now()
            let kernel = try machine.boot(seed: 1)
            let elapsed = now() - start
            withExtendedLifetime(kernel) {}
            return (elapsed, 1)
        }
    }
    return [
        Row(name: "boot qemu-x64 to settled (per boot)", zirconia: try bootTime("qemu-x64"),
            host: try kernelOnly("qemu-x64"), hostName: "kernel only (Machine.boot)", goal: 1000),
        Row(name: "boot qemu-arm64 to settled (per boot)", zirconia: try bootTime("qemu-arm64"),
            host: try kernelOnly("qemu-arm64"), hostName: "kernel only (Machine.boot)", goal: 1000),
    ]
}
