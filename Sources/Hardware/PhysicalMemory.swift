// PhysicalMemory: the emulated machine's RAM.
//
// One anonymous host mapping (PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE)
// stands for the physical range [base, base + size). Untouched RAM costs no host memory, and
// `releaseHostMemory` hands pages back (MADV_DONTNEED) so freed pages stop costing host RSS;
// they read as zero afterwards. Everything above this type (page tables, the TLB, the PMM)
// reaches RAM through `hostPointer`. The rest of the physical address map — the MMIO windows of
// the machine's devices — rides along as `mmio` (PhysicalAddressMap.swift), so everything that
// can reach RAM can also decode a device address.
//
// Zircon counterpart: the physmap (zircon/kernel/vm/include/vm/physmap.h, paddr_to_physmap)
// plus the arena memory the PMM manages (vm/pmm_arena.cc).

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import ZX

/// Emulated RAM: one anonymous host mmap, so untouched RAM costs no host memory.
///
/// The object itself is immutable; the bytes behind it are shared memory that the VM core
/// synchronizes (page ownership, page-table lock, TLB generations). Hence `@unchecked Sendable`.
public final class PhysicalMemory: @unchecked Sendable {
    /// Lowest physical address of RAM (page aligned).
    public let base: PhysicalAddress
    /// Size of RAM in bytes (a multiple of the page size).
    public let size: Int
    /// Activity flags of every SoftwareTLB over this RAM (the shootdown acknowledgement).
    public let accessRegistry = AccessRegistry()
    /// Host address of `base`.
    @usableFromInline let hostBase: UnsafeMutableRawPointer
    /// The MMIO windows of the machine's devices (empty for a RAM-only machine).
    public let mmio: MmioRegionMap

    /// Maps `size` bytes of host memory for RAM starting at physical address `base`; `mmio` is
    /// the rest of the physical address map.
    /// - Throws: `.invalidArgs` if `base` or `size` is not page aligned, `size` is not positive,
    ///   the range wraps, or an MMIO region shares a page with RAM; `.noMemory` if the host mmap
    ///   fails.
    public init(base: PhysicalAddress = PhysicalAddress(0x10_0000), size: Int,
                mmio: MmioRegionMap = MmioRegionMap()) throws(ZxStatus) {
        guard size > 0, UInt64(size).isPageAligned, base.rawValue.isPageAligned,
              base.rawValue.checkedAdd(UInt64(size)) != nil
        else { throw .invalidArgs }
        // A page is either RAM or device memory, never both: the MMU routes by page.
        for region in mmio.regions {
            let pages = region.pageRange
            guard pages.base.checkedAdd(pages.size).map({ $0 <= base.rawValue }) ?? false
                    || pages.base >= base.rawValue + UInt64(size) else { throw .invalidArgs }
        }
        let flags = MAP_PRIVATE | MAP_ANONYMOUS | PhysicalMemory.noReserve
        let pointer = mmap(nil, size, PROT_READ | PROT_WRITE, flags, -1, 0)
        guard let pointer, pointer != MAP_FAILED else { throw .noMemory }
        self.base = base
        self.size = size
        self.hostBase = pointer
        self.mmio = mmio
    }

    deinit {
        munmap(hostBase, size)
    }

    #if canImport(Darwin)
    private static let noReserve: Int32 = 0
    #else
    private static let noReserve: Int32 = MAP_NORESERVE
    #endif

    /// Number of pages of RAM.
    public var pageCount: Int { size >> PageGeometry.shift }

    /// Physical address one past the end of RAM.
    public var end: PhysicalAddress { PhysicalAddress(base.rawValue + UInt64(size)) }

    /// True if `[address, address + length)` lies inside RAM (overflow-safe; `length` >= 1).
    @inlinable
    public func contains(_ address: PhysicalAddress, length: Int = 1) -> Bool {
        guard length > 0, address.rawValue >= base.rawValue else { return false }
        let offset = address.rawValue &- base.rawValue
        return offset < UInt64(size) && UInt64(length) <= UInt64(size) &- offset
    }

    /// Host pointer for a physical address inside RAM. No check: callers validated.
    @inlinable
    public func hostPointer(_ address: PhysicalAddress) -> UnsafeMutableRawPointer {
        hostBase + Int(truncatingIfNeeded: address.rawValue &- base.rawValue)
    }

    /// Fills one page with zeros.
    public func zeroPage(_ page: PhysicalAddress) {
        precondition(page.rawValue.isPageAligned && contains(page, length: PageGeometry.size),
                     "zeroPage: \(page) is not a RAM page")
        hostPointer(page).initializeMemory(as: UInt8.self, repeating: 0, count: PageGeometry.size)
    }

    /// Copies one page of RAM to another.
    public func copyPage(from source: PhysicalAddress, to destination: PhysicalAddress) {
        precondition(source.rawValue.isPageAligned && contains(source, length: PageGeometry.size),
                     "copyPage: \(source) is not a RAM page")
        precondition(destination.rawValue.isPageAligned && contains(destination, length: PageGeometry.size),
                     "copyPage: \(destination) is not a RAM page")
        guard source != destination else { return }
        hostPointer(destination).copyMemory(from: hostPointer(source), byteCount: PageGeometry.size)
    }

    /// Gives the host memory behind whole pages back (madvise MADV_DONTNEED); they read as
    /// zero afterwards.
    public func releaseHostMemory(_ address: PhysicalAddress, pages: Int) {
        guard pages > 0 else { return }
        let length = pages << PageGeometry.shift
        precondition(address.rawValue.isPageAligned && contains(address, length: length),
                     "releaseHostMemory: range outside RAM")
        let result = madvise(hostPointer(address), length, MADV_DONTNEED)
        #if canImport(Darwin)
        let zeroed = false  // Darwin's MADV_DONTNEED may keep the old contents.
        #else
        let zeroed = result == 0  // Linux: private anonymous pages refault as zero.
        #endif
        if !zeroed {
            hostPointer(address).initializeMemory(as: UInt8.self, repeating: 0, count: length)
        }
    }
}
