// The shell's memory commands, with the columns of Fuchsia's tools:
//   ps        — psutils `ps` (ps_internal.c print_table): TASK PSS PRIVATE SHARED STATE NAME,
//               plus thread and handle counts; header repeated at the end as ps does.
//   vmaps PID — psutils `vmaps.c` print_maps: /A /R R M type column indented by depth,
//               base-end (`________` for 32-bit values), perms, `:sz`, `:res`, `:vmo`, 'name'.
//   vmos PID  — psutils `vmos.cc` print_vmo: rights koid parent #chld #map #shr size alloc name,
//               plus the VMO's kind (paged/phys/pager-backed/...) and cache policy.
//   kmem      — `kstats -m` (kstats.c memstats): a header row and one row of sizes in MB, then
//               one line per counter as the older `print_mem_stat` did.
// Sizes are formatted like Fuchsia's pretty/sizes.c `format_size` (1024-based, B K M G T P E).

import ZX
import ZirconKernel

extension Shell {
    // MARK: ps

    func ps() -> [String] {
        let summaries = system.kernel.processSummaries()
        let ids = summaries.map { "p: \($0.koid)" }
        let idWidth = max(4, ids.map(\.count).max() ?? 0)
        func row(_ id: String, _ pss: String, _ priv: String, _ shared: String, _ state: String,
                 _ threads: String, _ handles: String, _ name: String) -> String {
            id.padded(to: idWidth) + " " + pss.rightAligned(7) + " " + priv.rightAligned(7) + " "
                + shared.rightAligned(7) + " " + state.rightAligned(7) + " " + threads.rightAligned(4) + " "
                + handles.rightAligned(4) + " " + name
        }
        let header = row("TASK", "PSS", "PRIVATE", "SHARED", "STATE", "THR", "HDL", "NAME")
        var lines = [header]
        for (summary, id) in zip(summaries, ids) {
            let pss = summary.privateBytes + summary.scaledSharedBytes
            lines.append(row(id, formatSize(pss), formatSize(summary.privateBytes), formatSize(summary.sharedBytes),
                             summary.state, String(summary.threads), String(summary.handles), summary.name))
        }
        lines.append(header)
        return lines
    }

    // MARK: vmaps

    func vmaps(_ args: [String]) throws(ShellError) -> [String] {
        let koid = try processKoid("vmaps", args)
        guard let maps = system.kernel.processMaps(koid: koid) else {
            throw ShellError("vmaps: couldn't find process with koid \(koid)")
        }
        let maxDepth = max(2, maps.map(\.depth).max() ?? 0)
        var lines: [String] = []
        for entry in maps {
            let type: String
            switch entry.type {
            case ZX_INFO_MAPS_TYPE_ASPACE: type = "A"
            case ZX_INFO_MAPS_TYPE_VMAR: type = "R"
            case ZX_INFO_MAPS_TYPE_MAPPING: type = "M"
            default: continue
            }
            var line: String
            if entry.depth < 2 {
                line = "/" + type + String(repeating: " ", count: max(0, maxDepth - 3))
            } else {
                line = String(repeating: " ", count: entry.depth - 2) + type
                    + String(repeating: " ", count: maxDepth - entry.depth)
            }
            line += " " + Shell.pointer(entry.base) + "-" + Shell.pointer(entry.base &+ UInt(entry.size))
            let isMapping = entry.type == ZX_INFO_MAPS_TYPE_MAPPING
            if isMapping { line += " " + Shell.permissions(entry.u.mapping.mmu_flags) }
            line += " " + formatSize(entry.size).rightAligned(isMapping ? 5 : 9) + ":sz"
            if isMapping {
                let mapping = entry.u.mapping
                line += " " + formatSize(mapping.committed_pages * PageGeometry.size).rightAligned(4) + ":res"
                line += " " + String(mapping.vmo_koid).rightAligned(5) + ":vmo"
            } else {
                line += String(repeating: " ", count: 19)
            }
            line += " '" + ZxName.string(from: entry.name) + "'"
            lines.append(line)
        }
        return lines
    }

    /// vmaps' print_ptr: 64-bit addresses as 16 hex digits, 32-bit ones as `________` + 8.
    static func pointer(_ address: UInt) -> String {
        if address <= UInt(UInt32.max) {
            return "________" + hexDigits(UInt64(address), width: 8)
        }
        return hexDigits(UInt64(address), width: 16)
    }

    static func hexDigits(_ value: UInt64, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    static func permissions(_ flags: zx_vm_option_t) -> String {
        (flags & ZX_VM_PERM_READ != 0 ? "r" : "-") + (flags & ZX_VM_PERM_WRITE != 0 ? "w" : "-")
            + (flags & ZX_VM_PERM_EXECUTE != 0 ? "x" : "-")
    }

    // MARK: vmos

    static let vmosHeader =
        "rights  koid parent #chld #map #shr    size   alloc " + "kind".padded(to: 16) + " " + "cache".padded(to: 13) + " name"

    func vmos(_ args: [String]) throws(ShellError) -> [String] {
        let koid = try processKoid("vmos", args)
        guard let vmos = system.kernel.processVmos(koid: koid) else {
            throw ShellError("vmos: couldn't find process with koid \(koid)")
        }
        var lines = [Shell.vmosHeader]
        for vmo in vmos {
            let rights = vmo.flags & ZX_INFO_VMO_VIA_HANDLE != 0 ? Shell.rights(vmo.handle_rights) : "-"
            let isPaged = ZX_INFO_VMO_TYPE(vmo.flags) == ZX_INFO_VMO_TYPE_PAGED
            let alloc = isPaged ? formatSize(Int(clamping: vmo.committed_bytes)) : "phys"
            let parent = vmo.flags & ZX_INFO_VMO_IS_COW_CLONE != 0 ? String(vmo.parent_koid) : "-"
            let name = ZxName.string(from: vmo.name)
            lines.append(rights.rightAligned(6) + " " + String(vmo.koid).rightAligned(5) + " "
                         + parent.rightAligned(6) + " " + String(vmo.num_children).rightAligned(5) + " "
                         + String(vmo.num_mappings).rightAligned(4) + " " + String(vmo.share_count).rightAligned(4) + " "
                         + formatSize(Int(clamping: vmo.size_bytes)).rightAligned(7) + " " + alloc.rightAligned(7) + " "
                         + Shell.vmoKind(vmo.flags).padded(to: 16) + " "
                         + Shell.cachePolicyName(vmo.cache_policy).padded(to: 13) + " " + (name.isEmpty ? "-" : name))
        }
        lines.append(Shell.vmosHeader)
        return lines
    }

    /// vmos' handle_rights_to_string: r w x m d t.
    static func rights(_ rights: zx_rights_t) -> String {
        let letters: [(zx_rights_t, Character)] = [
            (ZX_RIGHT_READ, "r"), (ZX_RIGHT_WRITE, "w"), (ZX_RIGHT_EXECUTE, "x"),
            (ZX_RIGHT_MAP, "m"), (ZX_RIGHT_DUPLICATE, "d"), (ZX_RIGHT_TRANSFER, "t"),
        ]
        return String(letters.map { rights & $0.0 != 0 ? $0.1 : "-" })
    }

    /// "paged" or "phys", then pager-backed, cow-clone, resizable, contiguous, discardable,
    /// immutable when set, comma-separated.
    static func vmoKind(_ flags: UInt32) -> String {
        var parts = [ZX_INFO_VMO_TYPE(flags) == ZX_INFO_VMO_TYPE_PAGED ? "paged" : "phys"]
        let extras: [(UInt32, String)] = [
            (ZX_INFO_VMO_PAGER_BACKED, "pager"), (ZX_INFO_VMO_IS_COW_CLONE, "cow"),
            (ZX_INFO_VMO_RESIZABLE, "resizable"), (ZX_INFO_VMO_CONTIGUOUS, "contig"),
            (ZX_INFO_VMO_DISCARDABLE, "discardable"), (ZX_INFO_VMO_IMMUTABLE, "immutable"),
        ]
        for (bit, name) in extras where flags & bit != 0 { parts.append(name) }
        return parts.joined(separator: ",")
    }

    static func cachePolicyName(_ policy: UInt32) -> String {
        switch policy & ZX_CACHE_POLICY_MASK {
        case ZX_CACHE_POLICY_CACHED: "cached"
        case ZX_CACHE_POLICY_UNCACHED: "uncached"
        case ZX_CACHE_POLICY_UNCACHED_DEVICE: "uncached-dev"
        default: "write-comb"
        }
    }

    /// The PID argument of vmaps / vmos: decimal, or hex with 0x (like strtoull base 0).
    func processKoid(_ command: String, _ args: [String]) throws(ShellError) -> zx_koid_t {
        guard let text = args.first else { throw Shell.usageError(command, "missing PID") }
        guard args.count == 1 else { throw Shell.usageError(command, "too many arguments") }
        let koid: zx_koid_t?
        if text.hasPrefix("0x") || text.hasPrefix("0X") {
            koid = zx_koid_t(text.dropFirst(2), radix: 16)
        } else {
            koid = zx_koid_t(text, radix: 10)
        }
        guard let koid else { throw Shell.usageError(command, "\"\(text)\" is not a number") }
        return koid
    }

    // MARK: kmem

    func kmem() -> [String] {
        let stats = system.kernel.memoryStats
        let page = PageGeometry.size
        let total = stats.totalPages * page, free = stats.freePages * page
        let vmo = stats.objectPages * page, wired = stats.wiredPages * page, mmu = stats.mmuPages * page
        let other = max(0, total - free - vmo - wired - mmu)
        let width = 9
        let labels = ["mem total", "free", "VMOs", "wired", "mmu", "other"]
        let values = [total, free, vmo, wired, mmu, other]
        var lines = [labels.map { $0.rightAligned(width) }.joined(separator: " "),
                     values.map { formatSize(fixed: $0, unit: "M").rightAligned(width) }.joined(separator: " "),
                     ""]
        let detail: [(String, Int)] = [
            ("total", total), ("free", free), ("free (warm)", stats.warmFreePages * page),
            ("vmo", vmo), ("wired", wired), ("mmu overhead", mmu), ("other", other),
        ]
        for (label, bytes) in detail {
            lines.append(label.rightAligned(15) + ": " + formatSize(fixed: bytes, unit: "M").rightAligned(8) + "B / "
                         + String(bytes).rightAligned(10) + "B")
        }
        lines.append("pages: \(stats.totalPages) total, \(stats.freePages) free, \(stats.objectPages) in VMOs, "
                     + "\(stats.wiredPages) wired, \(stats.mmuPages) page tables (\(page) bytes each)")
        return lines
    }
}

private let sizeUnits: [Character] = ["B", "K", "M", "G", "T", "P", "E"]

/// pretty/sizes `format_size`: the largest 1024-based unit that keeps the value at least 1;
/// whole values without a decimal ("4K"), others with one rounded decimal ("1.5M").
func formatSize(_ bytes: Int) -> String {
    var whole = max(0, bytes)
    var remainder = 0
    var unit = 0
    while whole >= 1024 && unit < sizeUnits.count - 1 {
        remainder = whole % 1024
        whole /= 1024
        unit += 1
    }
    return decimal(whole: whole, remainder: remainder, unit: unit, alwaysDecimal: false)
}

/// pretty/sizes `format_size_fixed`: the value in `unit` ("M": mebibytes) with one decimal.
func formatSize(fixed bytes: Int, unit: Character) -> String {
    let target = sizeUnits.firstIndex(of: unit) ?? 0
    var whole = max(0, bytes)
    var remainder = 0
    for _ in 0..<target {
        remainder = whole % 1024
        whole /= 1024
    }
    return decimal(whole: whole, remainder: remainder, unit: target, alwaysDecimal: true)
}

private func decimal(whole: Int, remainder: Int, unit: Int, alwaysDecimal: Bool) -> String {
    var whole = whole
    var tenth = (remainder * 10 + 512) / 1024
    if tenth == 10 {
        whole += 1
        tenth = 0
    }
    if tenth == 0 && !alwaysDecimal { return "\(whole)\(sizeUnits[unit])" }
    return "\(whole).\(tenth)\(sizeUnits[unit])"
}
