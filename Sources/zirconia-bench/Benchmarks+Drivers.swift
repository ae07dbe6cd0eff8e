// The driver framework benchmark: a test bus device adds N children, each matched by a bind rule
// and bound by a leaf driver that adds one device — colocated (every driver in the bus's host)
// and isolated (each child MUST_ISOLATE: a new driver host process and proxy per child). Timed
// from `start()` to the manager settling, per device. The host column is the floor no framework
// avoids: evaluating the same bind program against the same property sets in-process.

import Zirconia

// MARK: 10. Driver binding

/// Rows: colocated 1,000 devices, isolated 100 devices (one host process each), per device.
func benchBindThousandDevices(rounds: Int) throws -> [Row] {
    let colocated = try median(rounds: rounds) { () throws -> (UInt64, Int) in
        try bindRound(children: 1_000, isolate: false)
    }
    let isolated = try median(rounds: max(1, rounds / 3)) { () throws -> (UInt64, Int) in
        try bindRound(children: 100, isolate: true)
    }
    let floor = try matchFloor(rounds: rounds)
    return [
        Row(name: "bind 1,000 devices colocated (per device)", zirconia: colocated, host: floor,
            hostName: "bind-rule match only", goal: 1000),
        Row(name: "bind 100 devices, a host each (per device)", zirconia: isolated, host: floor,
            hostName: "bind-rule match only", goal: 10000),
    ]
}

private let leafRules = """
    fuchsia.BIND_PROTOCOL == 31;
    fuchsia.BIND_PCI_VID == 0x8086;
    accept fuchsia.BIND_PCI_DID { 0x100e, 0x10d3 }
    """

private func childProperties(_ i: Int) -> DeviceProperties {
    [.pciVendor: .int(0x8086), .pciDevice: .int(i % 2 == 0 ? 0x100e : 0x10d3), .bindProtocol: .int(31)]
}

/// One round: a fresh kernel and manager, a bus on `sys` adding `children` PCI-like devices, a
/// leaf driver binding each. Returns (ns from start to settled, devices).
private func bindRound(children: Int, isolate: Bool) throws -> (UInt64, Int) {
    let kernel = try Kernel(memorySize: 512 << 20, seed: 1)
    let manager = try DriverManager(kernel: kernel)
    let flags: DeviceAddFlags = isolate ? .mustIsolate : []
    try manager.register(DriverRegistration(name: "bus", library: "/boot/driver/bus.so",
                                            bindRules: "fuchsia.BIND_PROTOCOL == \(ProtocolId.sys.rawValue);") {
        BenchDriver { parent in
            for i in 0..<children {
                _ = try parent.addChild(DeviceAddArgs(name: "dev-\(i)", properties: childProperties(i),
                                                      protocolId: .pci, flags: flags))
            }
        }
    })
    try manager.register(DriverRegistration(name: "leaf", library: "/boot/driver/leaf.so", bindRules: leafRules) {
        BenchDriver { parent in
            _ = try parent.addChild(DeviceAddArgs(name: "leaf", flags: .nonBindable))
        }
    })
    let start = now()
    try manager.start()
    guard manager.settle(timeout: .seconds(300)) else { throw BenchError.failed("settle", ZX_ERR_TIMED_OUT) }
    let elapsed = now() - start
    guard manager.devfsPaths().filter({ $0.hasSuffix("/leaf") }).count == children else {
        throw BenchError.failed("not every device bound", ZX_ERR_INTERNAL)
    }
    try manager.shutdown(timeout: .seconds(300))
    return (elapsed, children)
}

private func matchFloor(rounds: Int) throws -> Double {
    let program = try BindProgram.compile(leafRules)
    let properties = (0..<1_000).map(childProperties)
    return median(rounds: rounds) { () -> (UInt64, Int) in
        let start = now()
        var matched: UInt64 = 0
        for props in properties where program.matches(props) { matched += 1 }
        blackHole(matched)
        return (now() - start, properties.count)
    }
}

private struct BenchDriver: Driver {
    let body: @Sendable (DeviceContext) throws -> Void
    func bind(to parent: DeviceContext) throws { try body(parent) }
}
