// Shared pieces of the device-memory suites: a register-file test device that logs every access
// in order, and a kernel whose physical map holds it.

import Synchronization
import Zirconia

/// A 4 KiB register window: 0x0 COUNTER (each read returns and then increments it — a read side
/// effect), 0x8 SCRATCH (read/write, any width), 0x10 ID (read-only; writes refused), 0x18
/// STRICT (32-bit accesses only). Anything else is refused as an unmapped register.
final class TestDevice: MmioDevice, @unchecked Sendable {
    struct Access: Equatable, Sendable {
        var write: Bool
        var offset: UInt64
        var width: Int
        var value: UInt64
    }

    let name = "test-device"
    let regionSize: UInt64 = 0x1000
    private let state = Mutex<(counter: UInt64, scratch: UInt64, log: [Access])>((0, 0, []))

    static let id: UInt64 = 0x5A17_C0DE

    var log: [Access] { state.withLock { $0.log } }
    var scratch: UInt64 { state.withLock { $0.scratch } }

    func read(offset: UInt64, width: MmioAccessWidth) throws(MmioFault) -> UInt64 {
        let result: Result<UInt64, MmioFault> = state.withLock { s in
            s.log.append(Access(write: false, offset: offset, width: width.rawValue, value: 0))
            switch offset {
            case 0x0:
                let value = s.counter
                s.counter += 1
                return .success(value)
            case 0x8..<0x10:
                return .success(s.scratch >> ((offset - 8) * 8))
            case 0x10: return .success(TestDevice.id)
            case 0x18:
                guard width == .word else { return .failure(MmioFault(.badWidth, device: name, offset: offset, width: width)) }
                return .success(0x18)
            default: return .failure(MmioFault(.unmappedRegister, device: name, offset: offset, width: width))
            }
        }
        return try result.get()
    }

    func write(offset: UInt64, width: MmioAccessWidth, value: UInt64) throws(MmioFault) {
        let result: Result<Void, MmioFault> = state.withLock { s in
            s.log.append(Access(write: true, offset: offset, width: width.rawValue, value: value))
            switch offset {
            case 0x0:
                s.counter = value
            case 0x8..<0x10:
                let shift = (offset - 8) * 8
                let mask = width.valueMask << shift
                s.scratch = (s.scratch & ~mask) | ((value << shift) & mask)
            case 0x10: return .failure(MmioFault(.readOnly, device: name, offset: offset, width: width))
            case 0x18:
                guard width == .word else { return .failure(MmioFault(.badWidth, device: name, offset: offset, width: width)) }
            default: return .failure(MmioFault(.unmappedRegister, device: name, offset: offset, width: width))
            }
            return .success(())
        }
        try result.get()
    }
}

/// Physical address of the test device in `deviceKernel`'s map.
let testDeviceBase: UInt64 = 0xFE00_0000

/// A small kernel with `device` at `testDeviceBase` and 16 pages of reserved RAM.
func deviceKernel(_ device: TestDevice, profile: MachineProfile = .x64) throws -> Kernel {
    var machine = MachineConfiguration(profile: profile, memorySize: 16 << 20, reservedMemorySize: 16 * 4096)
    machine.addDevice(device, at: testDeviceBase)
    return try Kernel(machine: machine, seed: 1)
}

/// zx_vmo_create_physical as a throwing call.
func physicalVmo(_ resource: zx_handle_t, _ base: UInt64, _ size: Int) throws -> zx_handle_t {
    var vmo = zx_handle_t(ZX_HANDLE_INVALID)
    let status = zx_vmo_create_physical(resource, zx_paddr_t(base), size, &vmo)
    guard status == ZX_OK else { throw ZxStatus(rawValue: status) }
    return vmo
}

/// zx_vmar_map into the root VMAR, read/write.
func mapRW(_ vmo: zx_handle_t, _ size: Int, options: zx_vm_option_t = 0) throws -> zx_vaddr_t {
    var address: zx_vaddr_t = 0
    let status = zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE | options, 0, vmo, 0, size, &address)
    guard status == ZX_OK else { throw ZxStatus(rawValue: status) }
    return address
}

func deviceVmoInfo(_ vmo: zx_handle_t) -> zx_info_vmo_t {
    var info = zx_info_vmo_t()
    var actual = 0
    var avail = 0
    _ = zx_object_get_info(vmo, ZX_INFO_VMO, &info, MemoryLayout<zx_info_vmo_t>.size, &actual, &avail)
    return info
}
