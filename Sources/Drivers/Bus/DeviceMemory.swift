// DeviceMemory: the one privileged thing a root bus driver does for its children — turn a
// physical register range into a VMO. It mints an MMIO sub-resource for the page-rounded range
// from the resource the bus holds (the root resource, or an MMIO resource covering its windows),
// creates a physical VMO with it, and closes the sub-resource again: the child gets the VMO and
// the offset of its registers inside the first page, never a resource.
//
// Counterpart: src/devices/bus/drivers/platform/platform-device.cc (PDevGetMmio: vmo_base =
// round_down(base), vmo_size = round_up(base + length - vmo_base), create_physical, name
// "mmio <index>", return {vmo, offset = base - vmo_base, size = length}) and
// src/devices/bus/drivers/pci/allocation.cc (PciAllocation::CreateVmo). Must run on a thread of
// the bus driver's process (inside `Process.run`), like every syscall.
import ZX
import ZirconKernel

/// A VMO over a device's register range: the region starts `offset` bytes into the VMO and is
/// `size` bytes long (`fuchsia.mem.Range` / pdev_mmio_t). The caller owns `vmo`.
public struct DeviceMmio: Sendable, Equatable {
    public var vmo: zx_handle_t
    public var offset: UInt64
    public var size: UInt64

    public init(vmo: zx_handle_t, offset: UInt64, size: UInt64) {
        self.vmo = vmo
        self.offset = offset
        self.size = size
    }
}

/// A physical register range as a board or firmware describes it (not necessarily aligned).
public struct PhysicalRegion: Sendable, Hashable, CustomStringConvertible {
    public var base: UInt64
    public var size: UInt64

    public init(base: UInt64, size: UInt64) {
        self.base = base
        self.size = size
    }

    /// The page-rounded range covering the region and the region's offset in it; nil when the
    /// region is empty or its rounded end does not fit 64 bits.
    public var pageRange: (base: UInt64, size: UInt64, offset: UInt64)? {
        guard size > 0, let end = base.checkedAdd(size) else { return nil }
        let first = base.pageTruncated
        guard let rounded = (end - first).pageRoundedUp else { return nil }
        return (first, rounded, base - first)
    }

    public var description: String { "0x\(String(base, radix: 16))+0x\(String(size, radix: 16))" }
}

enum DeviceMemory {
    /// Creates a physical VMO covering `region` (page-rounded) with a sub-resource of `resource`.
    static func vmo(for region: PhysicalRegion, resource: zx_handle_t, name: String) throws(BusDriverError) -> DeviceMmio {
        guard let pages = region.pageRange, pages.size <= UInt64(Int.max) else {
            throw .badDescription("\(name): region \(region) is empty or wraps")
        }
        let subResource = try mmioResource(resource, base: pages.base, size: pages.size, name: name)
        defer { _ = zx_handle_close(subResource) }
        var vmo = zx_handle_t(ZX_HANDLE_INVALID)
        let status = zx_vmo_create_physical(subResource, zx_paddr_t(pages.base), Int(pages.size), &vmo)
        guard status == ZX_OK else { throw .kernel(ZxStatus(rawValue: status), "zx_vmo_create_physical(\(name))") }
        setName(vmo, name)
        return DeviceMmio(vmo: vmo, offset: pages.offset, size: region.size)
    }

    /// An MMIO resource `[base, base + size)` minted from `parent` (page aligned by the caller).
    static func mmioResource(_ parent: zx_handle_t, base: UInt64, size: UInt64, name: String) throws(BusDriverError) -> zx_handle_t {
        try resource(parent, kind: ZX_RSRC_KIND_MMIO, base: base, size: size, name: name)
    }

    static func resource(_ parent: zx_handle_t, kind: zx_rsrc_kind_t, base: UInt64, size: UInt64,
                         name: String) throws(BusDriverError) -> zx_handle_t {
        guard size <= UInt64(Int.max) else { throw .badDescription("\(name): size 0x\(String(size, radix: 16))") }
        let bytes = Array(name.utf8.prefix(Int(ZX_MAX_NAME_LEN) - 1)).map { CChar(bitPattern: $0) }
        var handle = zx_handle_t(ZX_HANDLE_INVALID)
        let status = bytes.withUnsafeBufferPointer { buffer in
            zx_resource_create(parent, kind, base, Int(size), buffer.baseAddress, buffer.count, &handle)
        }
        guard status == ZX_OK else {
            throw .kernel(ZxStatus(rawValue: status), "zx_resource_create(\(name) 0x\(String(base, radix: 16))+0x\(String(size, radix: 16)))")
        }
        return handle
    }

    /// Names a VMO for diagnostics (best effort, as platform-device.cc does).
    static func setName(_ vmo: zx_handle_t, _ name: String) {
        let bytes = Array(name.utf8.prefix(Int(ZX_MAX_NAME_LEN) - 1))
        _ = bytes.withUnsafeBytes { buffer in
            zx_object_set_property(vmo, ZX_PROP_NAME, buffer.baseAddress, buffer.count)
        }
    }

    static func close(_ handle: inout zx_handle_t) {
        if handle != ZX_HANDLE_INVALID { _ = zx_handle_close(handle) }
        handle = zx_handle_t(ZX_HANDLE_INVALID)
    }
}
