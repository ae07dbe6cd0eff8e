// A `ShellSystem` for the shell's tests: a real small kernel with two processes (one maps a
// named VMO with two pages written and an uncached physical VMO; one is idle), canned `dm`
// text, a devfs listing, and recorded crash / hot-plug / framebuffer / fault-trace requests.

import Shell
import Synchronization
import Zirconia

final class FakeSystem: ShellSystem, @unchecked Sendable {
    let kernel: Kernel
    let machineName = "fake-x64"
    let bootLog = ["boot: fake-x64 up", "driver host 'sys' launched"]
    /// The process with mappings, and the one without.
    let busy: Process
    let idle: Process
    /// koid of the busy process's paged VMO ("shell-test-vmo", 4 pages, 2 written).
    let pagedVmoKoid: zx_koid_t
    let physicalVmoKoid: zx_koid_t
    let requests = Mutex<[String]>([])
    let faultSink = Mutex<(@Sendable (String) -> Void)?>(nil)

    static let dump = """
        [root]
           <root> pid=2 
              [null] pid=2 builtin
        """
    static let paths = ["/dev/class/ethernet/000", "/dev/class/framebuffer/000", "/dev/null",
                        "/dev/sys/pci/00:02:00/e1000", "/dev/sys/pci/00:02:00/e1000/ethernet", "/dev/zero"]

    init() throws {
        let machine = MachineConfiguration(profile: .x64, memorySize: 16 << 20, reservedMemorySize: 2 * 4096)
        kernel = try Kernel(machine: machine, seed: 7)
        busy = try kernel.createProcess(name: "busy")
        idle = try kernel.createProcess(name: "idle")
        let reserved = kernel.reservedMemory
        let root = try kernel.rootResource(for: busy)
        let page = PageGeometry.size
        (pagedVmoKoid, physicalVmoKoid) = try busy.run { () throws -> (zx_koid_t, zx_koid_t) in
            var vmo = zx_handle_t(ZX_HANDLE_INVALID)
            try check(zx_vmo_create(UInt64(4 * page), 0, &vmo))
            let name = Array("shell-test-vmo".utf8)
            try check(name.withUnsafeBytes { zx_object_set_property(vmo, ZX_PROP_NAME, $0.baseAddress, $0.count) })
            var address: zx_vaddr_t = 0
            try check(zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, vmo, 0, 4 * page, &address))
            try UserMemory.store(Int32(1), to: address)
            try UserMemory.store(Int32(2), to: address + UInt(page))
            var physical = zx_handle_t(ZX_HANDLE_INVALID)
            if let reserved {
                try check(zx_vmo_create_physical(root, zx_paddr_t(reserved.base), 2 * page, &physical))
                try check(zx_vmo_set_cache_policy(physical, ZX_CACHE_POLICY_UNCACHED))
            }
            return (koid(vmo), koid(physical))
        }
    }

    func dmDump() -> String { FakeSystem.dump }
    /// What `dmDumpJSON()` returns (a test may make it malformed).
    let dumpJSON = Mutex<String>(#"{"name":"root","children":[]}"#)
    func dmDumpJSON() -> String { dumpJSON.withLock { $0 } }
    func dmDrivers() -> String { "Name    : builtin\nDriver  : builtin.so\n" }
    func devfsPaths() -> [String] { FakeSystem.paths }

    func describeDevice(path: String) throws(ShellError) -> String {
        guard path == "/dev/class/ethernet/000" else { throw ShellError("\(path): nothing to describe") }
        return "name: ethernet\ndriver: e1000\nmac: 52:54:00:12:34:56"
    }

    func crash(driver: String) throws(ShellError) -> [String] {
        guard driver == "e1000" else { throw ShellError("crash: no driver named '\(driver)'") }
        record("crash \(driver)")
        return ["e1000: host crashed", "e1000: rebound"]
    }

    func hotplug(add: Bool) throws(ShellError) -> [String] {
        record("hotplug \(add ? "add" : "remove")")
        return [add ? "card inserted" : "card removed"]
    }

    func writeFramebufferPNG(to path: String) throws(ShellError) -> String {
        record("fb \(path)")
        return "wrote 640x480 to \(path)"
    }

    func setFaultTracing(_ sink: (@Sendable (String) -> Void)?) {
        record(sink == nil ? "trace off" : "trace on")
        faultSink.withLock { $0 = sink }
    }

    /// What a driver host's fault would stream while tracing is on.
    func emitFault(_ line: String) {
        faultSink.withLock { $0 }?(line)
    }

    func record(_ request: String) { requests.withLock { $0.append(request) } }
}


private func check(_ status: zx_status_t) throws {
    guard status == ZX_OK else { throw ZxStatus(rawValue: status) }
}

private func koid(_ handle: zx_handle_t) -> zx_koid_t {
    var info = zx_info_handle_basic_t()
    var actual = 0, avail = 0
    _ = zx_object_get_info(handle, ZX_INFO_HANDLE_BASIC, &info, MemoryLayout<zx_info_handle_basic_t>.size, &actual, &avail)
    return info.koid
}
