// Record helpers: 32-byte names (truncation to 31 bytes + NUL), name accessors on info records,
// and the port packet's union views reinterpreting the same 32 bytes.

import Testing
import ZX

@Suite("Names and records")
struct RecordTests {
    @Test func nameRoundTrip() {
        let name = ZxName.make("vmo-name")
        #expect(ZxName.string(from: name) == "vmo-name")
        #expect(ZxName.bytes(of: name) == Array("vmo-name".utf8))
        let raw = withUnsafeBytes(of: name) { Array($0) }
        #expect(raw.count == 32)
        #expect(raw[8...].allSatisfy { $0 == 0 })
        #expect(ZxName.string(from: ZxName.empty) == "")
    }

    @Test func nameTruncatesTo31Bytes() {
        let long = String(repeating: "abcdefghij", count: 4)  // 40 bytes
        let name = ZxName.make(long)
        let raw = withUnsafeBytes(of: name) { Array($0) }
        #expect(raw[31] == 0)
        #expect(ZxName.string(from: name) == String(long.prefix(31)))
        #expect(ZxName.string(from: ZxName.make(String(repeating: "x", count: 31))).utf8.count == 31)
        #expect(ZxName.string(from: ZxName.make(String(repeating: "y", count: 32))).utf8.count == 31)
        #expect(ZxName.maxLength == 31)
    }

    @Test func nameStopsAtEmbeddedNul() {
        #expect(ZxName.string(from: ZxName.make(bytes: [0x61, 0x62, 0, 0x63])) == "ab")
    }

    @Test func nameWithoutNulUsesAll32Bytes() {
        var name = ZxName.empty
        withUnsafeMutableBytes(of: &name) { raw in
            for i in 0..<32 { raw[i] = 0x7A }
        }
        #expect(ZxName.bytes(of: name).count == 32)
    }

    @Test func multiByteTruncationDoesNotCrash() {
        // 11 three-byte characters = 33 bytes; truncation lands mid-character.
        let s = String(repeating: "€", count: 11)
        let decoded = ZxName.string(from: ZxName.make(s))
        #expect(ZxName.bytes(of: ZxName.make(s)).count == 31)
        #expect(decoded.hasPrefix(String(repeating: "€", count: 10)))
    }

    @Test func infoRecordNames() {
        var vmo = zx_info_vmo_t()
        vmo.nameString = "a-vmo"
        #expect(vmo.nameString == "a-vmo")
        #expect(withUnsafeBytes(of: vmo) { $0[8] } == UInt8(ascii: "a"))
        var maps = zx_info_maps_t(name: ZxName.make("root"), type: ZX_INFO_MAPS_TYPE_VMAR)
        #expect(maps.nameString == "root")
        maps.nameString = String(repeating: "m", count: 50)
        #expect(maps.nameString.count == 31)
        var resource = zx_info_resource_t(kind: ZX_RSRC_KIND_MMIO, base: 0xFE00_0000, size: 0x1000)
        resource.nameString = "mmio"
        #expect(resource.nameString == "mmio")
        var v1 = zx_info_vmo_v1_t(vmo)
        #expect(v1.nameString == "a-vmo")
        v1.nameString = "b"
        #expect(v1.nameString == "b")
    }

    @Test func mapsUnionAccess() {
        var entry = zx_info_maps_t(base: 0x1000, size: 0x2000, depth: 2, type: ZX_INFO_MAPS_TYPE_MAPPING)
        entry.u.mapping.mmu_flags = ZX_VM_PERM_READ | ZX_VM_PERM_WRITE
        entry.u.mapping.vmo_koid = 0x55
        entry.u.mapping.vmo_offset = 0x3000
        entry.u.mapping.committed_pages = 2
        let bytes = withUnsafeBytes(of: entry) { Array($0) }
        #expect(bytes[64] == 0x3)
        #expect(bytes[72] == 0x55)
        #expect(bytes[81] == 0x30)
        #expect(bytes[88] == 2)
    }

    @Test func portPacketViews() {
        var packet = zx_port_packet_t(key: 42, type: ZX_PKT_TYPE_PAGE_REQUEST, status: ZX_OK)
        packet.page_request = zx_packet_page_request_t(command: ZX_PAGER_VMO_READ, offset: 0x4000, length: 0x2000)
        #expect(packet.page_request.command == ZX_PAGER_VMO_READ)
        #expect(packet.page_request.offset == 0x4000)
        #expect(packet.page_request.length == 0x2000)
        #expect(packet.payload.1 == 0x4000)
        #expect(packet.payload.2 == 0x2000)
        let bytes = withUnsafeBytes(of: packet) { Array($0) }
        #expect(bytes.count == 48)
        #expect(bytes[0] == 42)
        #expect(bytes[8] == 9)
        #expect(bytes[16 + 9] == 0x40)  // offset 0x4000 little-endian at payload+8

        let signal = zx_port_packet_t(key: 1, type: ZX_PKT_TYPE_SIGNAL_ONE, status: ZX_OK,
                                      signal: zx_packet_signal_t(trigger: ZX_VMO_ZERO_CHILDREN,
                                                                 observed: ZX_VMO_ZERO_CHILDREN | ZX_USER_SIGNAL_0,
                                                                 count: 1))
        #expect(signal.signal.trigger == 0x8)
        #expect(signal.signal.observed == 0x0100_0008)
        #expect(signal.signal.count == 1)
        #expect(signal.payload.0 == 0x0100_0008_0000_0008)

        var user = zx_packet_user_t(u64: (1, 2, 3, 0xFFFF_FFFF_0000_0000))
        #expect(user.u32.0 == 1 && user.u32.1 == 0)
        #expect(user.u32.6 == 0 && user.u32.7 == 0xFFFF_FFFF)
        #expect(user.c8.count == 32)
        #expect(user.c8[16] == 3)
        var c8 = [UInt8](repeating: 0, count: 32)
        c8[0] = 0xAB
        user.c8 = c8
        #expect(user.u64.0 == 0xAB && user.u64.3 == 0)
        let queued = zx_port_packet_t(key: 7, type: ZX_PKT_TYPE_USER, status: -1, user: user)
        #expect(queued.user.u64.0 == 0xAB)
        #expect(queued.status == -1)
        var interrupt = zx_port_packet_t()
        interrupt.interrupt = zx_packet_interrupt_t(timestamp: 123)
        #expect(interrupt.payload.0 == 123)
    }
}
