// `zirconia boot [--machine qemu-x64|qemu-arm64] [--dtb FILE] [--json]`: builds the machine
// (a built-in one, or one from a flattened device tree), boots its kernel and drivers, prints
// the boot log, then `dm dump` — the tree of devices, proxies and driver hosts.
//
// Zircon counterpart: booting Fuchsia on QEMU and typing `dm dump` (driver_manager's DebugDumper).

import ArgumentParser
import Foundation
import Shell
import SystemBoot
import Zirconia

/// Which machine to boot: `--machine NAME` or `--dtb FILE` (shared by `boot` and `shell`).
struct MachineSelection: ParsableArguments {
    @Option(help: "Built-in machine to boot: qemu-x64 (default) or qemu-arm64.")
    var machine: String?

    @Option(help: "Boot the machine a flattened device tree (DTB) describes, instead of a built-in one.")
    var dtb: String?

    func validate() throws {
        if machine != nil && dtb != nil {
            throw ValidationError("give either --machine or --dtb, not both")
        }
    }

    /// Builds the selected machine; a clear error for an unknown name, an unreadable file or a
    /// malformed device tree.
    func makeMachine() throws -> Machine {
        if let dtb {
            let bytes: [UInt8]
            do {
                bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dtb)))
            } catch {
                throw BootFailure("cannot read device tree \(dtb): \(error.localizedDescription)")
            }
            do {
                return try Machine.fromDeviceTree(bytes: bytes, name: dtb)
            } catch {
                throw BootFailure("bad device tree \(dtb): \(error.description)")
            }
        }
        do {
            return try Machine.named(machine ?? "qemu-x64")
        } catch {
            throw BootFailure(error.description)
        }
    }

    /// Builds and boots the selected machine.
    func bootSystem() throws -> any ShellSystem {
        let built = try makeMachine()
        return try makeSystem(machine: built, name: dtb ?? machine ?? "qemu-x64")
    }
}

// MARK: - Booting through SystemBoot

/// Boots `machine` (named `name`: "qemu-x64", "qemu-arm64" or the DTB's path) with its drivers
/// and returns the running system the shell talks to.
func makeSystem(machine: Machine, name: String) throws -> any ShellSystem {
    do {
        return try BootedSystem.boot(machine: machine, options: BootOptions())
    } catch {
        throw BootFailure("booting \(name): \(error)")
    }
}

/// A boot that could not happen: printed as `error: <message>`, exit status 1.
struct BootFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Prints `error: <message>` to standard error and exits with status 1.
func exitWithError(_ message: String) -> Never {
    FileHandle.standardError.write(Data(("error: " + message + "\n").utf8))
    exit(1)
}

// MARK: - zirconia boot

struct BootCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "boot",
        abstract: "Boot a machine: drivers bound in their hosts, the boot log, then dm dump.")

    @OptionGroup var selection: MachineSelection

    @Flag(help: "Print the boot log and dm dump as one JSON object.")
    var json = false

    func run() throws {
        let system: any ShellSystem
        do {
            system = try selection.bootSystem()
        } catch {
            exitWithError(String(describing: error))
        }
        if json {
            do {
                print(try Shell.bootReportJSON(system))
            } catch {
                exitWithError(error.description)
            }
        } else {
            for line in Shell.bootReport(system) { print(line) }
        }
    }
}
