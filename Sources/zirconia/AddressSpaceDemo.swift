// `zirconia demo address-space`: the seed's example, step by step, on a fresh process: root
// VMAR, create a VMO, allocate a child VMAR, map the VMO, write through the mapping (a page
// fault the kernel resolves), read it back, then ZX_INFO_PROCESS_MAPS as a table.

import ArgumentParser
import Foundation
import Synchronization
import Zirconia

struct AddressSpaceDemo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "address-space",
        abstract: "Map a VMO into a child VMAR, touch it, and trace the page fault.")

    @Flag(help: "Print the steps, fault events and mappings as JSON.")
    var json = false

    @Option(help: "ASLR seed, for a reproducible layout.")
    var seed: UInt64 = 0x5eed

    @Flag(help: "Disable ASLR (first-fit placement).")
    var noAslr = false

    func run() throws {
        let kernel = try Kernel(aslrEntropyBits: noAslr ? 0 : 30, seed: seed)
        let process = try kernel.createProcess(name: "demo")
        let report = try process.run { () throws -> DemoReport in
            try AddressSpaceScenario.run(process: process)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(report.text)
        }
    }
}

/// What the demo found, in both text and JSON form.
struct DemoReport: Encodable {
    struct Step: Encodable {
        var call: String
        var result: String
        var faults: [[String: String]]
    }
    struct MapRow: Encodable {
        var depth: Int
        var type: String
        var base: String
        var size: String
        var permissions: String
        var vmoKoid: UInt64
        var vmoOffset: String
        var committedPages: Int
        var name: String
    }
    var steps: [Step] = []
    var maps: [MapRow] = []

    var text: String {
        var lines: [String] = ["Zirconia: map a VMO and touch it (the address-spaces seed's example)", ""]
        for (index, step) in steps.enumerated() {
            lines.append("\(index + 1). \(step.call)")
            lines.append("   -> \(step.result)")
            for fault in step.faults {
                if let line = fault["text"] { lines.append("      " + line) }
            }
        }
        lines.append("")
        lines.append("ZX_INFO_PROCESS_MAPS:")
        lines.append(pad("depth", 6) + pad("type", 9) + pad("base", 20) + pad("size", 14) + pad("perm", 6)
                     + pad("vmo", 7) + pad("offset", 10) + pad("pages", 7) + "name")
        for row in maps {
            let indent = String(repeating: " ", count: row.depth)
            lines.append(pad(indent + String(row.depth), 6) + pad(row.type, 9) + pad(row.base, 20) + pad(row.size, 14)
                         + pad(row.permissions, 6) + pad(row.vmoKoid == 0 ? "-" : String(row.vmoKoid), 7)
                         + pad(row.vmoOffset, 10) + pad(row.type == "mapping" ? String(row.committedPages) : "-", 7) + row.name)
        }
        return lines.joined(separator: "\n")
    }

    private func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
    }
}

func hex<T: BinaryInteger>(_ value: T) -> String { "0x" + String(value, radix: 16) }

enum AddressSpaceScenario {
    static func run(process: Zirconia.Process) throws -> DemoReport {
        var report = DemoReport()
        let events = Mutex<[FaultEvent]>([])
        process.setFaultTracer { event in events.withLock { $0.append(event) } }
        defer { process.setFaultTracer(nil) }
        func drainFaults() -> [[String: String]] {
            events.withLock { list in
                defer { list.removeAll() }
                return list.map(describe)
            }
        }
        func check(_ status: zx_status_t, _ call: String) throws {
            guard status == ZX_OK else { throw ValidationError("\(call) failed: \(zx_status_get_string(status))") }
        }

        let page = Int(zx_system_get_page_size())
        let root = zx_vmar_root_self()
        var rootInfo = zx_info_vmar_t()
        var actual = 0, avail = 0
        try check(zx_object_get_info(root, ZX_INFO_VMAR, &rootInfo, MemoryLayout<zx_info_vmar_t>.size, &actual, &avail),
                  "zx_object_get_info")
        report.steps.append(.init(call: "zx_vmar_root_self()",
                                  result: "root VMAR handle \(hex(root)) covering [\(hex(rootInfo.base)), \(hex(rootInfo.base + UInt(rootInfo.len))))",
                                  faults: []))

        var vmo = zx_handle_t(ZX_HANDLE_INVALID)
        try check(zx_vmo_create(UInt64(page), 0, &vmo), "zx_vmo_create")
        let name = "demo-vmo"
        try check(zx_object_set_property(vmo, ZX_PROP_NAME, name, name.utf8.count), "zx_object_set_property")
        var vmoInfo = zx_info_vmo_t()
        try check(zx_object_get_info(vmo, ZX_INFO_VMO, &vmoInfo, MemoryLayout<zx_info_vmo_t>.size, &actual, &avail),
                  "zx_object_get_info")
        report.steps.append(.init(call: "zx_vmo_create(\(page), 0, &vmo)",
                                  result: "VMO handle \(hex(vmo)), koid \(vmoInfo.koid), \(vmoInfo.committed_bytes) bytes committed",
                                  faults: []))

        var region = zx_handle_t(ZX_HANDLE_INVALID)
        var regionAddress: zx_vaddr_t = 0
        try check(zx_vmar_allocate(root, ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE, 0, page * 10, &region, &regionAddress),
                  "zx_vmar_allocate")
        report.steps.append(.init(call: "zx_vmar_allocate(root, ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE, 0, \(page * 10), ...)",
                                  result: "child VMAR \(hex(region)) at [\(hex(regionAddress)), \(hex(regionAddress + UInt(page * 10))))",
                                  faults: []))

        var mapAddress: zx_vaddr_t = 0
        try check(zx_vmar_map(region, ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, vmo, 0, page, &mapAddress), "zx_vmar_map")
        report.steps.append(.init(call: "zx_vmar_map(region, ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, vmo, 0, \(page), &addr)",
                                  result: "mapped at \(hex(mapAddress)) (nothing committed yet)", faults: []))

        do {
            try UserMemory.store(Int32(1), to: mapAddress)
        } catch {
            throw ValidationError("store faulted: \(zx_status_get_string(error.status))")
        }
        report.steps.append(.init(call: "arr[0] = 1  (store Int32 to \(hex(mapAddress)))",
                                  result: "page fault resolved; the store retried and completed", faults: drainFaults()))

        let value = try UserMemory.load(Int32.self, from: mapAddress)
        report.steps.append(.init(call: "arr[0]  (load Int32 from \(hex(mapAddress)))",
                                  result: "\(value) — a TLB hit, no fault", faults: drainFaults()))

        // ZX_INFO_PROCESS_MAPS, sized with a first call.
        try check(zx_object_get_info(zx_process_self(), ZX_INFO_PROCESS_MAPS, nil, 0, &actual, &avail),
                  "zx_object_get_info(ZX_INFO_PROCESS_MAPS)")
        var rows = [zx_info_maps_t](repeating: zx_info_maps_t(), count: avail)
        try check(rows.withUnsafeMutableBytes {
            zx_object_get_info(zx_process_self(), ZX_INFO_PROCESS_MAPS, $0.baseAddress, $0.count, &actual, &avail)
        }, "zx_object_get_info(ZX_INFO_PROCESS_MAPS)")
        for row in rows.prefix(actual) {
            let type: String
            switch row.type {
            case ZX_INFO_MAPS_TYPE_ASPACE: type = "aspace"
            case ZX_INFO_MAPS_TYPE_VMAR: type = "vmar"
            case ZX_INFO_MAPS_TYPE_MAPPING: type = "mapping"
            default: type = "none"
            }
            let isMapping = row.type == ZX_INFO_MAPS_TYPE_MAPPING
            let flags = row.u.mapping.mmu_flags
            let perms = isMapping
                ? (flags & ZX_VM_PERM_READ != 0 ? "r" : "-") + (flags & ZX_VM_PERM_WRITE != 0 ? "w" : "-")
                    + (flags & ZX_VM_PERM_EXECUTE != 0 ? "x" : "-")
                : ""
            report.maps.append(.init(depth: row.depth, type: type, base: hex(row.base), size: hex(row.size),
                                     permissions: perms, vmoKoid: isMapping ? row.u.mapping.vmo_koid : 0,
                                     vmoOffset: isMapping ? hex(row.u.mapping.vmo_offset) : "-",
                                     committedPages: isMapping ? row.u.mapping.committed_pages : 0,
                                     name: ZxName.string(from: row.name)))
        }
        _ = zx_vmar_unmap(region, mapAddress, page)
        _ = zx_handle_close(region)
        _ = zx_handle_close(vmo)
        return report
    }

    static func describe(_ event: FaultEvent) -> [String: String] {
        switch event {
        case .fault(let address, let write):
            return ["step": "fault", "address": hex(address), "access": write ? "write" : "read",
                    "text": "page fault: \(write ? "write" : "read") at \(hex(address)) (TLB miss, no translation)"]
        case .mappingFound(let base, let size, let depth):
            return ["step": "mapping", "base": hex(base), "size": hex(size), "depth": String(depth),
                    "text": "1. VMAR tree search from the root: mapping [\(hex(base)), \(hex(base + UInt(size)))) at depth \(depth)"]
        case .vmoOffset(let vmoId, let vmoName, let offset):
            return ["step": "vmo", "vmoKoid": String(vmoId), "vmoName": vmoName, "offset": hex(offset),
                    "text": "2. the mapping names VMO koid \(vmoId) \"\(vmoName)\" at offset \(hex(offset))"]
        case .pagePresent(let physical):
            return ["step": "page", "physical": physical.description,
                    "text": "3. the VMO already has a page there: physical \(physical)"]
        case .zeroPageMapped(let physical):
            return ["step": "zero-page", "physical": physical.description,
                    "text": "3. no page and a read: map the shared zero page \(physical) read-only"]
        case .pageAllocated(let physical):
            return ["step": "allocate", "physical": physical.description,
                    "text": "3. no page at that offset: the PMM allocated zero-filled physical page \(physical)"]
        case .pageRequested(let offset, let length):
            return ["step": "page-request", "offset": hex(offset), "length": hex(length),
                    "text": "3. pager-backed and not supplied: ZX_PAGER_VMO_READ [\(hex(offset)), \(hex(offset + length))) is open; drop the aspace lock and wait"]
        case .pagerAnswered(let status):
            return ["step": "pager-answer", "status": status?.description ?? "ZX_OK",
                    "text": status.map { "the pager failed the request: \($0)" } ?? "the pager supplied the pages; retry the fault from the VMAR walk"]
        case .translationInstalled(let virtual, let physical, let flags):
            return ["step": "install", "virtual": hex(virtual), "physical": physical.description, "flags": "\(flags)",
                    "text": "4. ArchVmAspace installed \(hex(virtual)) -> \(physical) \(flags); the access is retried"]
        case .fatal(let address, let status):
            return ["step": "fatal", "address": hex(address), "status": status.description,
                    "text": "fatal fault at \(hex(address)): \(status)"]
        }
    }
}
