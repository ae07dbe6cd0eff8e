// `dm dump` (the exact DFv1 text: depth×3 spaces, `[name]` / `<name>` for proxies,
// `pid=<host koid>`, library; coordinator devices as bare `[name]`; a device's proxy one level
// down and its children under the proxy), its JSON form, and `dm drivers`.
//
// Fuchsia counterpart: src/devices/bin/driver_manager/debug_dump.cc (DumpDevice, DumpTree,
// DumpDrivers).

extension DriverManager {
    /// `dm dump`: one line per device, each ending in "\n".
    public func dump() -> String {
        state.withLock {
            var lines: [String] = []
            dumpLines(root, depth: 0, into: &lines)
            for device in root.children where device.isImmortal { dumpLines(device, depth: 1, into: &lines) }
            return lines.map { $0 + "\n" }.joined()
        }
    }

    private func dumpLines(_ node: DeviceNode, depth: Int, into lines: inout [String]) {
        let indent = String(repeating: " ", count: depth * 3)
        if let host = node.host {
            let (open, close) = node.isProxy ? ("<", ">") : ("[", "]")
            lines.append("\(indent)\(open)\(node.name)\(close) pid=\(host.koid) \(node.library)")
        } else {
            lines.append("\(indent)[\(node.name)]")
        }
        var childDepth = depth + 1
        if let proxy = node.proxy, !proxy.isDead {
            dumpLines(proxy, depth: depth + 1, into: &lines)
            childDepth = depth + 2
        }
        for child in node.children where !child.isImmortal && !child.isDead {
            dumpLines(child, depth: childDepth, into: &lines)
        }
    }

    /// `dm dump --json`: the same tree as nested objects
    /// (`{"name","proxy","pid","library","state","path","children":[…]}`, `pid` null for
    /// coordinator devices; a device's proxy appears as its `"proxy_device"`, with the device's
    /// children listed under it).
    public func dumpJSON() -> String {
        state.withLock {
            var out = "{\"devices\":["
            let tops = [root] + root.children.filter(\.isImmortal)
            out += tops.map(json).joined(separator: ",")
            out += "]}"
            return out
        }
    }

    private func json(_ node: DeviceNode) -> String {
        var fields: [String] = [
            "\"name\":\(quoted(node.name))",
            "\"proxy\":\(node.isProxy)",
            "\"pid\":\(node.host.map { String($0.koid) } ?? "null")",
            "\"library\":\(quoted(node.library))",
            "\"state\":\(quoted(node.state.rawValue))",
            "\"path\":\(path(of: node).map(quoted) ?? "null")",
        ]
        let children = node.children.filter { !$0.isDead && !$0.isImmortal }
        let childJSON = "[" + children.map(json).joined(separator: ",") + "]"
        if let proxy = node.proxy, !proxy.isDead {
            var proxyFields = [
                "\"name\":\(quoted(proxy.name))", "\"proxy\":true",
                "\"pid\":\(proxy.host.map { String($0.koid) } ?? "null")",
                "\"library\":\(quoted(proxy.library))", "\"state\":\(quoted(proxy.state.rawValue))",
                "\"path\":null",
            ]
            proxyFields.append("\"children\":\(childJSON)")
            fields.append("\"proxy_device\":{\(proxyFields.joined(separator: ","))}")
            fields.append("\"children\":[]")
        } else {
            fields.append("\"children\":\(childJSON)")
        }
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// `dm drivers`: per driver, in index order, `Name    : `, `Driver  : ` (library),
    /// `Index   : ` and `Bind rules:` followed by the rules source indented by 3, then a blank line.
    public func dumpDrivers() -> String {
        var out = ""
        for (position, driver) in index.all.enumerated() {
            out += "Name    : \(driver.registration.name)\n"
            out += "Driver  : \(driver.registration.library)\n"
            out += "Index   : \(position)\n"
            out += "Bind rules:\n"
            for line in driver.program.source.split(separator: "\n", omittingEmptySubsequences: false) {
                out += "   \(line)\n"
            }
            out += "\n"
        }
        return out
    }
}

/// A JSON string literal.
func quoted(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if scalar.value < 0x20 {
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}
