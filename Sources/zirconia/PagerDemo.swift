// `zirconia demo pager`: the seed's "VMOs can also be backed by a userspace pager" made visible.
// A pager process serves a host file as a pager-backed VMO; a second process, which got the VMO
// over a channel, maps it and reads the file through its own address space. Every page request
// is printed as the pager serves it, and with --trace every page-fault step of the reader.

import ArgumentParser
import Foundation
import Synchronization
import Zirconia

struct PagerDemo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pager",
        abstract: "Serve a host file through a user pager to a process that maps and reads it.")

    @Option(help: "The host file to serve (default: docs/Architecture.md or README.md of this package, else generated text).")
    var file: String?

    @Flag(help: "Also print every page-fault step of the reading process.")
    var trace = false

    func run() throws {
        let (name, contents) = try Self.loadContents(file)
        let output = DemoOutput()
        output.line("Zirconia: a user pager serving \(name) (\(contents.count) bytes)")
        let kernel = try Kernel(memorySize: 64 << 20)
        let pagerProcess = try kernel.createProcess(name: "file-pager")
        let reader = try kernel.createProcess(name: "reader")
        let pageSize = Int(zx_system_get_page_size())
        let size = UInt64(max(contents.count, 1))

        // The pager process: a pager, its port, and the VMO; a duplicate goes to the reader.
        let (pager, port, vmo, channel, readerEnd) = try pagerProcess.run {
            () throws -> (zx_handle_t, zx_handle_t, zx_handle_t, zx_handle_t, zx_handle_t) in
            var pager = ZX_HANDLE_INVALID, port = ZX_HANDLE_INVALID, vmo = ZX_HANDLE_INVALID
            try ZxStatus.check(zx_pager_create(0, &pager))
            try ZxStatus.check(zx_port_create(0, &port))
            try ZxStatus.check(zx_pager_create_vmo(pager, 0, port, 0xF11E, size, &vmo))
            let vmoName = Array(("file:" + (name.split(separator: "/").last.map(String.init) ?? name)).utf8.prefix(31))
            _ = vmoName.withUnsafeBytes { zx_object_set_property(vmo, ZX_PROP_NAME, $0.baseAddress, $0.count) }
            var mine = ZX_HANDLE_INVALID, theirs = ZX_HANDLE_INVALID
            try ZxStatus.check(zx_channel_create(0, &mine, &theirs))
            var copy = ZX_HANDLE_INVALID
            try ZxStatus.check(zx_handle_duplicate(vmo, ZX_RIGHT_SAME_RIGHTS, &copy))
            let handles = [copy]
            try ZxStatus.check(zx_channel_write(mine, 0, nil, 0, handles, 1))
            output.line("pager  (koid \(pagerProcess.koid)): created a pager-backed VMO of \(size) bytes, sent it over a channel")
            return (pager, port, vmo, mine, theirs)
        }
        let bootstrap = try reader.transferHandle(readerEnd, from: pagerProcess)

        // The pager's serving thread: one READ packet at a time, filled from the host file.
        let server = try pagerProcess.startThread(name: "serve") {
            var aux = ZX_HANDLE_INVALID
            var packet = zx_port_packet_t()
            while zx_port_wait(port, ZX_TIME_INFINITE, &packet) == ZX_OK {
                guard packet.type == ZX_PKT_TYPE_PAGE_REQUEST else { return }
                let request = packet.page_request
                switch request.command {
                case ZX_PAGER_VMO_READ:
                    let start = Int(request.offset), count = Int(request.length)
                    try ZxStatus.check(zx_vmo_create(request.length, 0, &aux))
                    let available = max(0, min(count, contents.count - start))
                    if available > 0 {
                        try contents.withUnsafeBytes { bytes in
                            guard let base = bytes.baseAddress else { return }
                            try ZxStatus.check(zx_vmo_write(aux, base + start, 0, available))
                        }
                    }
                    try ZxStatus.check(zx_pager_supply_pages(pager, vmo, request.offset, request.length, aux, 0))
                    _ = zx_handle_close(aux)
                    output.line("pager: ZX_PAGER_VMO_READ [\(hex(request.offset)), \(hex(request.offset + request.length)))"
                                + " -> supplied \(count / pageSize) page(s), \(available) bytes of the file")
                case ZX_PAGER_VMO_COMPLETE:
                    output.line("pager: ZX_PAGER_VMO_COMPLETE: the VMO is gone; nothing more will be asked")
                    return
                default:
                    output.line("pager: command \(request.command) ignored")
                }
            }
        }

        // The reader: receive the VMO, map it read-only, read the file through the mapping.
        if trace {
            reader.addressSpace.setFaultTracer(FaultTracer { event in
                if let text = AddressSpaceScenario.describe(event)["text"] { output.line("reader:    " + text) }
            })
        }
        let readBack = try reader.run { () throws -> [UInt8] in
            var bytes = [UInt8](repeating: 0, count: 64)
            var handles = [ZX_HANDLE_INVALID]
            var actualBytes: UInt32 = 0, actualHandles: UInt32 = 0
            var observed: zx_signals_t = 0
            try ZxStatus.check(zx_object_wait_one(bootstrap, ZX_CHANNEL_READABLE, ZX_TIME_INFINITE, &observed))
            try ZxStatus.check(zx_channel_read(bootstrap, 0, &bytes, &handles, 64, 1, &actualBytes, &actualHandles))
            let received = handles[0]
            var address: zx_vaddr_t = 0
            let length = (Int(size) + pageSize - 1) / pageSize * pageSize
            try ZxStatus.check(zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ, 0, received, 0, length, &address))
            output.line("reader (koid \(reader.koid)): mapped the VMO at \(hex(address)); reading it page by page")
            var copy = [UInt8](repeating: 0, count: contents.count)
            try copy.withUnsafeMutableBytes { buffer in
                try UserMemory.read(buffer, from: address)
            }
            _ = zx_vmar_unmap(zx_vmar_root_self(), address, length)
            _ = zx_handle_close(received)
            _ = zx_handle_close(bootstrap)
            return copy
        }
        reader.addressSpace.setFaultTracer(nil)
        let same = readBack == contents
        let firstLine = String(decoding: readBack.prefix { $0 != 0x0A }.prefix(100), as: UTF8.self)
        output.line("reader: first line through the mapping: \(firstLine)")
        output.line("reader: \(readBack.count) bytes read through the MMU; identical to the host file: \(same ? "yes" : "NO")")
        // The reader's copy is gone; closing the pager process's handle destroys the VMO.
        try pagerProcess.run { _ = zx_handle_close(vmo) }
        try server.join()
        try pagerProcess.run {
            for handle in [pager, port, channel] { _ = zx_handle_close(handle) }
        }
        if !same { throw ExitCode.failure }
    }

    /// The file's name and bytes; with no file given, the README next to the package, or text.
    static func loadContents(_ path: String?) throws -> (String, [UInt8]) {
        if let path {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ValidationError("cannot read \(path)")
            }
            return (path, [UInt8](data))
        }
        for candidate in ["docs/Architecture.md", "README.md"] {
            if let data = FileManager.default.contents(atPath: candidate) { return (candidate, [UInt8](data)) }
        }
        let text = (0..<400).map { "line \($0): served by a user pager, one page at a time\n" }.joined()
        return ("(generated text)", Array(text.utf8))
    }
}

/// Serialises lines printed from several threads.
final class DemoOutput: Sendable {
    private let lock = Mutex(())
    func line(_ text: String) {
        lock.withLock { _ in print(text) }
    }
}
