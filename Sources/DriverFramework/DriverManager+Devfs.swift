// devfs: the `/dev` path tree over the device tree (proxies skipped, unpublished devices
// hidden), class aliases `/dev/class/<protocol>/NNN`, and `open`, which hands a client process a
// channel whose server end is served by the device's `message` hook on its host.
//
// Fuchsia counterpart: src/devices/bin/driver_manager/devfs.cc (devfs_publish, class
// directories with the %03u sequence, devfs_unpublish, devfs_connect) and
// coordinator.cc::GetTopologicalPath.

import ZX
import ZirconKernel

extension DriverManager {
    /// Gives a published device its class alias (console keeps its own name; PF_NOPUB protocols
    /// get none) — and does so for its published descendants (a device made visible late).
    func publish(_ node: DeviceNode) {
        for device in node.preorder where device.isPublished && device.classAlias == nil {
            guard let className = device.protocolId.className else { continue }
            var directory = classDirectories[className] ?? (next: 0, entries: [:])
            var entry: String?
            if device.protocolId == .console {
                if directory.entries[device.name] == nil { entry = device.name }
            } else {
                for _ in 0..<1000 {
                    let candidate = threeDigits(directory.next)
                    directory.next = (directory.next + 1) % 1000
                    if directory.entries[candidate] == nil {
                        entry = candidate
                        break
                    }
                }
            }
            guard let entry else {
                record("class \(className) is full; \(device.name) has no alias")
                continue
            }
            directory.entries[entry] = device.id
            classDirectories[className] = directory
            device.classAlias = (className, entry)
        }
    }

    /// Removes `node`'s class alias (its path disappears with its state).
    func unpublish(_ node: DeviceNode) {
        guard let (className, entry) = node.classAlias else { return }
        classDirectories[className]?.entries[entry] = nil
        node.classAlias = nil
    }

    /// The device at a devfs path (`/dev/sys/pci/00:02:00/e1000`, `/dev/class/ethernet/000`).
    func lookup(_ path: String) -> DeviceNode? {
        var parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard parts.first == "dev" else { return nil }
        parts.removeFirst()
        if parts.count == 3, parts[0] == "class" {
            guard let id = classDirectories[parts[1]]?.entries[parts[2]], let node = nodes[id] else { return nil }
            return node.isPublished ? node : nil
        }
        var node = root
        for part in parts {
            guard let next = node.children.first(where: { $0.name == part && $0.isPublished }) else { return nil }
            node = next
        }
        return node
    }

    /// The devfs path of a published device (`/dev` for root).
    func path(of node: DeviceNode) -> String? {
        guard node.isPublished else { return nil }
        var names: [String] = []
        var current: DeviceNode? = node
        while let device = current, device !== root {
            names.append(device.name)
            current = device.parent
        }
        return "/dev" + names.reversed().map { "/" + $0 }.joined()
    }

    // MARK: Public devfs surface

    /// Every devfs path: the tree in pre-order (proxies skipped), then the class aliases sorted.
    public func devfsPaths() -> [String] {
        state.withLock {
            var paths = root.preorder.compactMap { path(of: $0) }
            for (className, directory) in classDirectories.sorted(by: { $0.key < $1.key }) {
                for entry in directory.entries.keys.sorted() { paths.append("/dev/class/\(className)/\(entry)") }
            }
            return paths
        }
    }

    /// The topological devfs path of the device a class alias (or any path) names.
    public func topologicalPath(of path: String) -> String? {
        state.withLock { lookup(path).flatMap { self.path(of: $0) } }
    }

    /// Opens the device at `path` for `client`: returns a channel handle in `client`'s table;
    /// calls on it (`ProtocolClient(channel:)`) are served by the device's `message` hook in its
    /// host. If the device's `open` hook refuses, the channel's peer closes.
    /// - Throws: `.notFound` (no such published device), `.notSupported` (a coordinator-owned
    ///   device), `ZxStatus` from channel creation or the transfer.
    public func open(_ path: String, for client: Process) throws -> zx_handle_t {
        var result = ZX_HANDLE_INVALID
        try inManager {
            guard let node = lookup(path), !node.isDead else { throw ZxStatus.notFound }
            guard let host = node.host, !host.dead else { throw ZxStatus.notSupported }
            var clientEnd = ZX_HANDLE_INVALID, serverEnd = ZX_HANDLE_INVALID
            let status = zx_channel_create(0, &clientEnd, &serverEnd)
            guard status == ZX_OK else { throw ZxStatus(status) }
            send(to: host, { .open(request: $0, device: node.id, channel: serverEnd) }) { [self] status in
                if let status { record("open of \(node.name) refused: \(status)") }
            }
            result = try client.transferHandle(clientEnd, from: manager)
        }
        return result
    }

    /// Facts about the device at a devfs path (or nil): for tests and tools.
    public func device(at path: String) -> DeviceSnapshot? {
        state.withLock { lookup(path).map(snapshot) }
    }

    func snapshot(_ node: DeviceNode) -> DeviceSnapshot {
        DeviceSnapshot(name: node.name, path: path(of: node), library: node.library,
                       hostKoid: node.host?.koid, hostName: node.host?.name,
                       proxyHostKoid: node.proxy?.host?.koid, proxyHostName: node.proxy?.host?.name,
                       proxyLibrary: node.proxy?.library, protocolId: node.protocolId,
                       state: node.state.rawValue, isBound: node.bound,
                       boundDrivers: node.boundDrivers.compactMap { index.registration(at: $0)?.name },
                       bindAttempts: node.bindAttempts, rebindRetries: node.retries,
                       classAlias: node.classAlias.map { "/dev/class/\($0.0)/\($0.1)" })
    }
}

/// A device as `DriverManager.device(at:)` reports it.
public struct DeviceSnapshot: Sendable, Equatable {
    public var name: String
    public var path: String?
    public var library: String
    /// Its host's koid (nil for coordinator-owned devices).
    public var hostKoid: zx_koid_t?
    public var hostName: String?
    /// The host of its proxy, when its children are isolated.
    public var proxyHostKoid: zx_koid_t?
    public var proxyHostName: String?
    public var proxyLibrary: String?
    public var protocolId: ProtocolId
    public var state: String
    public var isBound: Bool
    public var boundDrivers: [String]
    public var bindAttempts: Int
    public var rebindRetries: Int
    public var classAlias: String?
}

func threeDigits(_ value: Int) -> String {
    let text = String(value)
    return String(repeating: "0", count: max(0, 3 - text.count)) + text
}
