// PlatformDeviceSupport: what the platform device models (PL011, PL031, virtio-mmio, xHCI,
// i8042) share — access-rule checks, a bounded FIFO, the PrimeCell identification block and the
// interrupt-line observer type. Kept apart from the PCI models' helpers so each family can change
// its own rules.
//
// Counterpart: QEMU's memory core applies MemoryRegionOps .valid rules (sizes, alignment) before a
// device callback runs; the PrimeCell ID layout is from the ARM PrimeCell TRMs (DDI0183 §3.3.x,
// DDI0224 §3.3.x).
//
// How a machine builder wires the platform devices (each is an `MmioDevice` it maps at a base):
//   let console = ConsoleLog(onLine: { print($0) })
//   PL011Uart(console: console)                          at PL011Uart.qemuVirtBase      (0x0900_0000)
//   PL031Rtc()                                           at PL031Rtc.qemuVirtBase       (0x0901_0000)
//   VirtioMmioTransport(device: .block(capacitySectors:)) at
//       VirtioMmioTransport.qemuVirtAddress(slot: i), i in 0..<32 (empty slots: `.empty`)
//   XhciController.withKeyboard(keyboard)                as the 16 KiB BAR0 of PCI 1b36:000d
//   I8042Controller()                                    with I/O ports 0x60/0x64 routed to
//       window offsets 0/4 (`I8042Controller.windowOffset(ioPort:)`)
// Input is injected on the host side: `uart.receive(bytes:)`, `keyboard.press(keys:)`,
// `i8042.pressKey(set2Code:)` / `moveMouse(dx:dy:)`. Interrupt outputs are levels, read with
// `interruptAsserted` or observed with the `onInterruptChange` initialiser argument.
import Hardware

/// Called with the new level whenever a device's interrupt output changes. It runs under the
/// device's lock, so the order of calls is the order of the changes; it must not access the
/// device that calls it (record the level, signal an interrupt controller, return).
public typealias InterruptLineObserver = @Sendable (_ asserted: Bool) -> Void

/// Access-rule checks used by every platform model, so each register decoder only ever sees
/// accesses its hardware accepts.
enum PlatformAccess {
    /// Throws unless `width` is one of `allowed`.
    static func requireWidth(
        _ width: MmioAccessWidth, _ allowed: Set<MmioAccessWidth>, offset: UInt64, device: String
    ) throws(MmioFault) {
        guard allowed.contains(width) else {
            throw MmioFault(.badWidth, device: device, offset: offset, width: width)
        }
    }

    /// Throws unless `offset` is a multiple of the access width.
    static func requireAligned(_ offset: UInt64, _ width: MmioAccessWidth, device: String) throws(MmioFault) {
        guard offset % UInt64(width.rawValue) == 0 else {
            throw MmioFault(.misaligned, device: device, offset: offset, width: width)
        }
    }

    /// Throws unless the whole access lies inside a window of `size` bytes.
    static func requireInside(
        _ offset: UInt64, _ width: MmioAccessWidth, size: UInt64, device: String
    ) throws(MmioFault) {
        guard offset < size, UInt64(width.rawValue) <= size - offset else {
            throw MmioFault(.unmappedRegister, device: device, offset: offset, width: width)
        }
    }

    /// The standard checks in the order a bus applies them: inside the window, then width, then
    /// alignment.
    static func check(
        _ offset: UInt64, _ width: MmioAccessWidth, allowed: Set<MmioAccessWidth>, size: UInt64,
        device: String
    ) throws(MmioFault) {
        try requireInside(offset, width, size: size, device: device)
        try requireWidth(width, allowed, offset: offset, device: device)
        try requireAligned(offset, width, device: device)
    }

    static let narrowWidths: Set<MmioAccessWidth> = [.byte, .halfWord, .word]
    static let wordOnly: Set<MmioAccessWidth> = [.word]
    static let byteOnly: Set<MmioAccessWidth> = [.byte]
    static let anyWidth: Set<MmioAccessWidth> = Set(MmioAccessWidth.allCases)
}

/// A first-in first-out queue with a fixed capacity; `push` refuses (returns false) when full,
/// as a hardware FIFO drops what does not fit. O(1) amortised at both ends.
struct PlatformFifo<Element: Sendable>: Sendable {
    private var storage: [Element] = []
    private var head = 0
    let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    var count: Int { storage.count - head }
    var isEmpty: Bool { count == 0 }
    var isFull: Bool { count >= capacity }
    var first: Element? { isEmpty ? nil : storage[head] }

    @discardableResult
    mutating func push(_ element: Element) -> Bool {
        guard !isFull else { return false }
        storage.append(element)
        return true
    }

    mutating func pop() -> Element? {
        guard head < storage.count else { return nil }
        let element = storage[head]
        head += 1
        // Compact once the consumed prefix dominates, so memory stays proportional to `count`.
        if head >= 64, head * 2 >= storage.count {
            storage.removeFirst(head)
            head = 0
        }
        return element
    }

    mutating func removeAll() {
        storage.removeAll(keepingCapacity: true)
        head = 0
    }
}

/// The eight identification registers every ARM PrimeCell decodes at 0xFE0–0xFFC: four
/// peripheral-ID bytes (part number, designer, revision, configuration) then the fixed cell-ID
/// preamble 0x0D, 0xF0, 0x05, 0xB1 that lets firmware discover the block on an AMBA bus.
public struct PrimeCellID: Sendable, Equatable {
    public static let cellID: [UInt8] = [0x0D, 0xF0, 0x05, 0xB1]
    /// Offset of PeriphID0; the eight registers follow at 4-byte strides.
    public static let firstOffset: UInt64 = 0xFE0

    public var peripheralID: [UInt8]

    public init(peripheralID: [UInt8]) {
        self.peripheralID = peripheralID
    }

    /// The register at `offset` (0xFE0...0xFFC, 4-byte aligned), or nil if it is not an ID register.
    func register(at offset: UInt64) -> UInt64? {
        guard offset >= Self.firstOffset, offset <= 0xFFC, offset % 4 == 0 else { return nil }
        let index = Int((offset - Self.firstOffset) / 4)
        let bytes = peripheralID + Self.cellID
        return index < bytes.count ? UInt64(bytes[index]) : nil
    }

    /// The 32-bit part/designer/revision value Linux's AMBA bus builds from PeriphID0–3.
    public var combinedPeripheralID: UInt32 {
        peripheralID.prefix(4).enumerated().reduce(0) { $0 | UInt32($1.element) << UInt32($1.offset * 8) }
    }
}
