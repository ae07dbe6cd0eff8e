// Binding: which driver binds to which device (first match in index order, all matches for the
// multi-bind coordinator devices, NON_BINDABLE honoured), where it runs (the device's own host, or
// a new host behind a proxy when the isolation policy says so), device addition from hosts, and
// the init → visible → bindable sequence.
//
// Fuchsia counterpart: src/devices/bin/driver_manager/coordinator.cc (AttemptBind, PrepareProxy,
// AddDevice, BindDevice), device.cc (init task, proxy libname).

import BindRules
import ZX
import ZirconKernel

extension DriverManager {
    /// Whether drivers bound to `node` run in a new host behind a proxy.
    func isolates(_ node: DeviceNode) -> Bool {
        node.isImmortal || configuration.isolation.isolates(node.flags, node.properties)
    }

    /// `<lib>.proxy.so` for `<lib>.so` (immortal devices keep their library).
    func proxyLibrary(for node: DeviceNode) -> String {
        guard !node.isImmortal else { return node.library }
        if node.library.hasSuffix(".so") { return String(node.library.dropLast(3)) + ".proxy.so" }
        return node.library + ".proxy"
    }

    /// Offers `node` to the index from `start`: the first match binds (all of them for a
    /// multi-bind device); a failed bind moves on to the next match.
    func attemptBind(_ node: DeviceNode, from start: Int = 0) {
        guard !stopped, node.isBindable, node.isImmortal || node.isPublished else { return }
        let matches = index.matches(node.bindProperties, from: start).filter { !node.boundDrivers.contains($0) }
        guard !matches.isEmpty else {
            if start == 0, !node.isImmortal { record("no driver matches \(node.name)") }
            return
        }
        if node.isMultiBind {
            for driver in matches { bind(node, driver: driver, onFailure: {}) }
        } else if let first = matches.first {
            bind(node, driver: first) { [self] in attemptBind(node, from: first + 1) }
        }
    }

    private func bind(_ node: DeviceNode, driver: Int, onFailure: @escaping () -> Void) {
        guard let registration = index.registration(at: driver) else { return }
        countersStorage.bindAttempts += 1
        node.bindAttempts += 1
        node.bound = true
        node.boundDrivers.append(driver)
        let target: DeviceNode
        if isolates(node) {
            if let proxy = node.proxy {
                target = proxy
            } else {
                do {
                    target = try makeProxy(for: node)
                } catch {
                    record("cannot create a host for \(node.name): \(error)")
                    unbindBookkeeping(node, driver: driver)
                    return
                }
            }
        } else {
            target = node
        }
        guard let host = target.host else {
            unbindBookkeeping(node, driver: driver)
            return
        }
        record("binding \(registration.name) (\(registration.library)) to \(node.name) in \(host.name) (pid=\(host.koid))")
        send(to: host, { .bindDriver(request: $0, device: target.id, driver: UInt32(driver)) }) { [self] status in
            guard let status else {
                record("bound \(registration.name) to \(node.name)")
                return
            }
            record("bind of \(registration.name) to \(node.name) failed: \(status)")
            // The host died during bind: crash handling removes its devices and rebinds.
            guard status != .peerClosed else { return }
            unbindBookkeeping(node, driver: driver)
            if let proxy = node.proxy, node.boundDrivers.isEmpty, node.children.isEmpty, !node.isDead {
                // The new host holds only the proxy: remove it again.
                node.proxy = nil
                scheduleRemoval(proxy, then: nil)
            }
            if !node.isDead { onFailure() }
        }
    }

    private func unbindBookkeeping(_ node: DeviceNode, driver: Int) {
        node.boundDrivers.removeAll { $0 == driver }
        if node.boundDrivers.isEmpty && node.children.filter({ !$0.isImmortal }).isEmpty { node.bound = false }
    }

    /// A new host named `driver_host:<name>` whose root is a proxy for `node`; the proxy's
    /// channel is connected to `node`'s protocol in `node`'s host.
    func makeProxy(for node: DeviceNode) throws -> DeviceNode {
        let host = try launchHost(name: "driver_host:\(node.name)",
                                  rootResource: node === sys && configuration.grantRootResourceToSys)
        let proxy = DeviceNode(id: nextCoordinatorId, name: node.name, library: proxyLibrary(for: node),
                               protocolId: node.protocolId, properties: node.properties, flags: [],
                               proxied: node, host: host, state: .active, invisible: false)
        nextCoordinatorId += 1
        nodes[proxy.id] = proxy
        node.proxy = proxy
        host.deviceCount += 1
        var bottom = ZX_HANDLE_INVALID
        if let parentHost = node.host {
            var top = ZX_HANDLE_INVALID
            let status = zx_channel_create(0, &top, &bottom)
            if status == ZX_OK {
                send(to: parentHost, { .connectProxy(request: $0, device: node.id, channel: top) }) { [self] status in
                    if let status { record("connecting the proxy of \(node.name) failed: \(status)") }
                }
            } else {
                record("no proxy channel for \(node.name): \(ZxStatus(status))")
            }
        }
        send(to: host, { .createProxy(request: $0, proxy: proxy.id, name: node.name, protocolId: node.protocolId.rawValue,
                                      properties: node.properties, channel: bottom) }) { [self] status in
            if let status { record("creating the proxy of \(node.name) failed: \(status)") }
        }
        record("proxy <\(node.name)> (\(proxy.library)) in \(host.name) (pid=\(host.koid))")
        return proxy
    }

    /// A host's `device_add`. Returns what to do once the reply is sent (init, or publish and
    /// bind).
    func addDevice(_ request: AddDeviceRequest, from host: HostRecord) throws(ZxStatus) -> () -> Void {
        guard let hostParent = nodes[request.parent], hostParent.host === host, !hostParent.isDead else {
            throw .notFound
        }
        // Children may be added during the parent's init (they stay hidden with it).
        guard !stopped, hostParent.state == .active || hostParent.state == .initializing else { throw .badState }
        guard request.id >> 32 == host.id, nodes[request.id] == nil else { throw .invalidArgs }
        guard !request.name.isEmpty, request.name.utf8.count <= DeviceAddArgs.maxNameLength,
              !request.name.contains("/") else { throw .invalidArgs }
        let parent = hostParent.proxied ?? hostParent
        guard !parent.children.contains(where: { $0.name == request.name && !$0.isDead }) else {
            throw .alreadyExists
        }
        let flags = DeviceAddFlags(rawValue: request.flags)
        let library = index.registration(at: Int(request.driver))?.library ?? ""
        let node = DeviceNode(id: request.id, name: request.name, library: library,
                              protocolId: ProtocolId(request.protocolId,
                                                     className: request.className.isEmpty ? nil : request.className),
                              properties: request.properties, flags: flags, host: host,
                              state: request.hasInit ? .initializing : .active,
                              invisible: flags.contains(.invisible))
        node.parent = parent
        parent.children.append(node)
        parent.bound = true
        nodes[node.id] = node
        host.deviceCount += 1
        return { [self] in
            guard request.hasInit else {
                publish(node)
                attemptBind(node)
                return
            }
            send(to: host, { .initialize(request: $0, device: node.id) }) { [self] status in
                guard !node.isDead else { return }
                if node.removeAfterInit {
                    node.state = .active
                    scheduleRemoval(node, then: nil)
                    return
                }
                if let status {
                    record("init of \(node.name) failed: \(status); removing it")
                    node.state = .active
                    scheduleRemoval(node, then: nil)
                    return
                }
                node.state = .active
                publish(node)
                for device in node.preorder { attemptBind(device) }
            }
        }
    }
}
