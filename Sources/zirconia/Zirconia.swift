// The `zirconia` command: boots a kernel on the emulated machine and runs scenarios.
// `zirconia boot` boots a machine with its drivers and prints the boot log and `dm dump`;
// `zirconia shell` boots and then runs shell commands (see Sources/Shell).
// `zirconia demo address-space` replays the address-spaces seed's "map a VMO" example and
// prints every page-fault step with real addresses, then the process's mappings.

import ArgumentParser

@main
struct ZirconiaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zirconia",
        abstract: "Zircon's memory model and driver model, on an emulated machine.",
        subcommands: [BootCommand.self, ShellCommand.self, Demo.self])
}

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replay a scenario from the seed documents.",
        subcommands: [AddressSpaceDemo.self, PagerDemo.self])
}
