// swift-tools-version:6.0
// Zirconia: Fuchsia's Zircon memory model and driver model, hosted on Linux.
//
// Modules form a strict downward stack (see docs/Architecture.md):
//   ZX (vocabulary) → KernelContainers → Hardware → VM → ZirconKernel → Zirconia (re-export) → zirconia (CLI)
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

/// Kernel layers: every mutable kernel field is guarded by a documented lock domain, so release
/// builds skip Swift's dynamic exclusivity checks on them (debug builds and tests keep them on).
let kernelLayer: [SwiftSetting] = strict + [
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

let package = Package(
    name: "Zirconia",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Zirconia", targets: ["Zirconia"]),
        .executable(name: "zirconia", targets: ["zirconia"]),
        .executable(name: "zirconia-bench", targets: ["zirconia-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // Vocabulary: statuses, rights, option sets, constants, info records, addresses, page math.
        .target(name: "ZX", swiftSettings: strict),
        // Generic kernel containers (WAVL tree) and the lock primitive they are guarded by.
        .target(name: "KernelContainers", swiftSettings: strict),
        // Host calls Swift cannot make directly (membarrier through the variadic syscall(2)).
        .target(name: "CHostSupport"),
        // The emulated machine: RAM, x86-64 page tables, software TLB, MMU.
        .target(name: "Hardware", dependencies: ["ZX", "KernelContainers", "CHostSupport"], swiftSettings: kernelLayer),
        // Flattened device tree (DTB) parsing and building. Pure data; knows nothing of the kernel.
        .target(name: "DeviceTree", swiftSettings: strict),
        // The Fuchsia bind language: lexer, parser, evaluator for driver bind rules. Pure data.
        .target(name: "BindRules", swiftSettings: strict),
        // Register-level models of the emulated machine's devices, behind Hardware's MmioDevice.
        .target(name: "Devices", dependencies: ["ZX", "Hardware"], swiftSettings: strict),
        // The VM core: PMM, VMOs, VMARs, mappings, the fault path. No handles, no rights.
        .target(name: "VM", dependencies: ["ZX", "KernelContainers", "Hardware"], swiftSettings: kernelLayer),
        // Kernel objects and syscalls: handles, rights, processes, threads, zx_*, the Swift-native API.
        .target(name: "ZirconKernel", dependencies: ["ZX", "KernelContainers", "CHostSupport", "Hardware", "VM"], swiftSettings: kernelLayer),
        // lib/mmio in Swift: MmioBuffer, MmioView, hwreg-style registers, fake and mock regions.
        .target(name: "Mmio", dependencies: ["ZX", "Hardware", "ZirconKernel"], swiftSettings: strict),
        // Complete emulated machines (qemu-x64, qemu-arm64, any DTB): devices, physical map, the
        // description root bus drivers start from, and the Kernel booted on it.
        .target(
            name: "Machines", dependencies: ["ZX", "Hardware", "Devices", "DeviceTree", "ZirconKernel"],
            swiftSettings: strict),
        // Drivers for the emulated devices and the root bus drivers' hardware logic. They reach
        // hardware only through lib/mmio over VMOs their bus gave them — never the device models.
        .target(name: "Drivers", dependencies: ["ZX", "ZirconKernel", "Mmio"], swiftSettings: strict),
        // The driver framework: driver manager (coordinator), driver hosts as processes, devfs,
        // proxies and cross-host protocols, dm dump.
        .target(
            name: "DriverFramework", dependencies: ["ZX", "KernelContainers", "ZirconKernel", "BindRules"],
            swiftSettings: strict),
        // The `zirconia shell`: commands over a booted system (dm dump, ls/cat of devfs, ps, vmaps,
        // vmos, kmem, trace, crash, hotplug, fb), scriptable; the system is a protocol.
        .target(name: "Shell", dependencies: ["ZX", "ZirconKernel"], swiftSettings: strict),
        // Booting a machine: the board and bus drivers as framework drivers, the device drivers'
        // framework glue, the driver index with bind rules, the boot log; conforms to Shell's system.
        .target(name: "SystemBoot",
                dependencies: ["ZX", "Hardware", "ZirconKernel", "Mmio", "Devices", "Machines", "DriverFramework", "Drivers",
                               "BindRules", "Shell"],
                swiftSettings: strict),
        // The public library: re-exports the surface.
        .target(
            name: "Zirconia",
            dependencies: ["ZX", "ZirconKernel", "VM", "Hardware", "DeviceTree", "Devices", "Mmio", "Machines",
                           "BindRules", "DriverFramework"],
            swiftSettings: strict),
        .executableTarget(
            name: "zirconia",
            dependencies: ["Zirconia", "SystemBoot", "Shell",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict),
        .executableTarget(name: "zirconia-bench", dependencies: ["Zirconia", "SystemBoot", "CHostSupport"], swiftSettings: strict),

        .testTarget(name: "ZXTests", dependencies: ["ZX"], swiftSettings: strict),
        .testTarget(name: "KernelContainersTests", dependencies: ["KernelContainers"], swiftSettings: strict),
        .testTarget(name: "HardwareTests", dependencies: ["Hardware"], swiftSettings: strict),
        .testTarget(
            name: "DeviceTreeTests", dependencies: ["DeviceTree"], resources: [.copy("Fixtures")],
            swiftSettings: strict),
        .testTarget(name: "BindRulesTests", dependencies: ["BindRules"], swiftSettings: strict),
        .testTarget(name: "ShellTests", dependencies: ["Shell", "Zirconia"], swiftSettings: strict),
        .testTarget(name: "SystemBootTests", dependencies: ["SystemBoot", "Zirconia"], swiftSettings: strict),
        .testTarget(name: "DriversTests", dependencies: ["Drivers", "SystemBoot", "Zirconia"], swiftSettings: strict),
        .testTarget(name: "DevicesTests", dependencies: ["Devices", "Hardware"], swiftSettings: strict),
        .testTarget(name: "VMTests", dependencies: ["VM", "Hardware", "ZX"], swiftSettings: strict),
        .testTarget(name: "ZirconKernelTests", dependencies: ["Zirconia"], swiftSettings: strict),
        .testTarget(name: "MmioTests", dependencies: ["Zirconia"], swiftSettings: strict),
        .testTarget(
            name: "MachinesTests", dependencies: ["Zirconia"], resources: [.copy("Fixtures")],
            swiftSettings: strict),
        .testTarget(name: "DriverFrameworkTests", dependencies: ["Zirconia"], swiftSettings: strict),
    ]
)
