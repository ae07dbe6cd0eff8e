// Zirconia: the public library. `import Zirconia` gives the Zircon-exact surface (zx_* functions,
// constants, info records, Kernel, Process, UserMemory, PageFault) and the Swift-native API
// (Vmo, Vmar, Handle, MemoryContext), plus the lower layers for those who study them.

@_exported import ZX
@_exported import ZirconKernel
@_exported import VM
@_exported import Hardware
@_exported import DeviceTree
@_exported import Devices
@_exported import Mmio
@_exported import Machines
@_exported import BindRules
@_exported import DriverFramework
