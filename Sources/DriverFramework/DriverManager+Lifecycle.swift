// Device lifecycle on the coordinator side: removal (unbind top-down, then release bottom-up,
// one device at a time), suspend (children first) and resume (parents first), and crash
// handling — a host that faults or is killed loses all its devices at once, its proxied parent
// becomes bindable again and is rebound in a fresh host with exponential backoff.
//
// Fuchsia counterpart: src/devices/bin/driver_manager/coordinator.cc (ScheduleRemove,
// RemoveDevice(forced), the unbind/remove/suspend/resume tasks in unbind_task.cc,
// suspend_task.cc, resume_task.cc), device.cc (HandleRpc PEER_CLOSED, backoff/retries).

import ZX
import ZirconKernel

extension DriverManager {
    // MARK: Removal

    /// Removes `node` and everything under it (its proxy and the proxy's host included):
    /// `unbind` runs top-down (a child after its parent replied), devices leave devfs as they
    /// unbind, then `release` runs bottom-up; `then` runs at the end.
    func scheduleRemoval(_ node: DeviceNode, then: (() -> Void)?) {
        guard !node.isDead else {
            then?()
            return
        }
        if node.state == .initializing {
            node.removeAfterInit = true
            then?()
            return
        }
        guard node.state != .unbinding else {
            then?()
            return
        }
        removeSequence(node.preorder, name: node.name, then: then)
    }

    /// Unbinds `devices` in order, then releases them in reverse order.
    func removeSequence(_ devices: [DeviceNode], name: String, then: (() -> Void)?) {
        let order = devices.filter { !$0.isDead && !$0.isImmortal && $0.state != .unbinding }
        for device in order { device.state = .unbinding }
        operations += 1
        record("removing \(name) (\(order.count) device\(order.count == 1 ? "" : "s"))")
        runSequence(order, { id in { .unbind(request: $0, device: id) } }, each: { [self] device, status in
            if let status { record("unbind of \(device.name): \(status)") }
            unpublish(device)
        }, then: { [self] in
            runSequence(order.reversed(), { id in { .release(request: $0, device: id) } }, each: { [self] device, status in
                if let status, status != .peerClosed { record("release of \(device.name): \(status)") }
                detach(device)
            }, then: { [self] in
                operations -= 1
                then?()
            })
        })
    }

    /// Sends one command per device in order, each after the previous completed (devices whose
    /// host is gone are passed over at once), calling `each` after every device.
    func runSequence(_ devices: [DeviceNode], _ command: @escaping (UInt64) -> (UInt64) -> HostCommand,
                     each: @escaping (DeviceNode, ZxStatus?) -> Void, then: @escaping () -> Void) {
        var position = 0
        func step() {
            while position < devices.count {
                let device = devices[position]
                position += 1
                guard let host = device.host, !host.dead, !host.retiring else {
                    each(device, device.host == nil ? nil : .peerClosed)
                    continue
                }
                send(to: host, command(device.id)) { status in
                    each(device, status)
                    step()
                }
                return
            }
            then()
        }
        step()
    }

    /// Takes a released (or crashed) device out of the tree; retires its host when empty.
    func detach(_ device: DeviceNode) {
        guard !device.isDead else { return }
        device.state = .dead
        unpublish(device)
        nodes[device.id] = nil
        if let proxied = device.proxied {
            if proxied.proxy === device { proxied.proxy = nil }
            if proxied.children.isEmpty { proxied.boundDrivers = []; proxied.bound = false }
        } else if let parent = device.parent {
            parent.children.removeAll { $0 === device }
            if parent.children.isEmpty && parent.proxy == nil && !parent.isImmortal {
                parent.bound = false
                parent.boundDrivers = []
            }
        }
        if let host = device.host {
            host.deviceCount -= 1
            if host.deviceCount <= 0 && !host.dead { retire(host) }
        }
    }

    // MARK: Power

    func runPowerSequence(suspend request: SuspendRequest?, timeout: Duration) throws {
        var done = false
        try inManager {
            // Reversed pre-order visits children (and a device's proxy) before their parent.
            let all = root.preorder.filter { !$0.isDead }
            let order = request == nil ? all : all.reversed()
            operations += 1
            if let request {
                record("suspending \(order.count) devices (flags 0x\(String(request.flags, radix: 16)))")
                runSequence(order, { id in { .suspend(request: $0, device: id, flags: request.flags) } },
                            each: { [self] device, status in
                    if let status { record("suspend of \(device.name): \(status)") }
                    if device.state == .active { device.state = .suspended }
                }, then: { [self] in
                    operations -= 1
                    done = true
                })
            } else {
                record("resuming \(order.count) devices")
                runSequence(order, { id in { .resume(request: $0, device: id) } }, each: { [self] device, status in
                    if let status { record("resume of \(device.name): \(status)") }
                    if device.state == .suspended { device.state = .active }
                }, then: { [self] in
                    operations -= 1
                    done = true
                })
            }
        }
        guard state.wait(until: deadline(after: timeout), { done }) else { throw ZxStatus.timedOut }
    }

    // MARK: Crashes

    /// The host's channel closed or its process terminated. A retiring host is simply gone; any
    /// other exit is a crash: every device of the host is removed at once (no hooks can run),
    /// devices in other hosts under them are removed normally, the proxied parent is told, and
    /// the parent is rebound with backoff.
    func hostExited(_ host: HostRecord) {
        guard !host.dead else { return }
        host.dead = true
        if host.channel != ZX_HANDLE_INVALID {
            _ = zx_handle_close(host.channel)
            host.channel = ZX_HANDLE_INVALID
        }
        if host.retiring {
            failPending(of: host)
            return
        }
        countersStorage.hostCrashes += 1
        var reason = "exited"
        if let exception = host.process.lastException {
            reason = "fatal page fault at 0x\(String(exception.address, radix: 16)) (\(ZxStatus(exception.status)))"
        } else if let code = host.process.returnCode {
            reason = code == ZX_TASK_RETCODE_SYSCALL_KILL ? "killed" : "exited with \(code)"
        }
        record("\(host.name) (pid=\(host.koid)) died: \(reason); removing its devices")
        host.process.kill()
        let lost = nodes.values.filter { $0.host === host }.sorted { $0.id < $1.id }
        // Its proxies' real devices lose their bindings and are rebound later.
        let orphaned = lost.compactMap(\.proxied).filter { $0.host !== host }
        for device in lost {
            unpublish(device)
            device.state = .dead
        }
        failPending(of: host)
        for device in lost {
            nodes[device.id] = nil
            if let proxied = device.proxied, proxied.proxy === device { proxied.proxy = nil }
            device.parent?.children.removeAll { $0 === device }
            // Children of its devices that live in other hosts (behind their proxies) go too.
            if let proxy = device.proxy {
                device.proxy = nil
                removeSequence([proxy] + device.children.flatMap(\.preorder), name: proxy.name, then: nil)
            }
            host.deviceCount -= 1
        }
        for device in orphaned where !device.isDead {
            device.boundDrivers = []
            device.bound = false
            if let parentHost = device.host {
                send(to: parentHost, { .disconnectProxy(request: $0, device: device.id) }) { _ in }
                record("told \(parentHost.name) that the proxy of \(device.name) is gone")
            }
            scheduleRebind(device)
        }
    }

    /// Reference 2.6: rebind after `backoff` (doubling from the configured first delay), at most
    /// `rebindRetries` times per device.
    func scheduleRebind(_ device: DeviceNode) {
        guard !stopped, !device.isDead, isolates(device) else { return }
        if let host = device.host, host.dead || host.retiring { return }
        guard device.retries < configuration.rebindRetries else {
            countersStorage.rebindsAbandoned += 1
            record("giving up on \(device.name) after \(device.retries) rebind attempts")
            return
        }
        device.backoff = device.retries == 0 ? configuration.rebindBackoff : device.backoff * 2
        device.retries += 1
        countersStorage.rebindsScheduled += 1
        record("rebinding \(device.name) in \(device.backoff) (retry \(device.retries) of \(configuration.rebindRetries))")
        addTimer(after: device.backoff) { [self] in
            guard !device.isDead else { return }
            attemptBind(device)
        }
    }
}
