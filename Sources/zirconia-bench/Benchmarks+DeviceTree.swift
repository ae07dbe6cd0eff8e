// The device tree benchmark pair: parsing QEMU virt's DTB (the embedded QemuVirtBlob, 7.4 KB) and
// walking every node's reg through its ancestors' ranges, against a bare token walk of the same
// blob — an unsafe-pointer loop over the structure block that only counts nodes and properties,
// as libfdt's fdt_next_tag loop does. There is no host-kernel counterpart; the bare walk is the
// floor any parser pays, so the ratio is what the checks and the node table cost on top.

import Zirconia

// MARK: 7. Device tree parse and reg translation

/// Zirconia: `DeviceTree(parsing:)` of the QEMU virt blob, and separately a walk over every node
/// translating its `reg` to CPU addresses, as a machine builder does (nodes without `reg` give
/// none; nodes whose bus has no `ranges`, the CPUs, throw and are counted). Host: the bare token
/// walk of the same blob.
func benchDeviceTree(rounds: Int) throws -> [Row] {
    let blob = QemuVirtBlob.bytes
    let iterations = 2_000

    let parse = try median(rounds: rounds) { () throws -> (UInt64, Int) in
        let start = now()
        for _ in 0..<iterations {
            let tree = try DeviceTree(parsing: blob)
            blackHole(UInt64(tree.nodes.count))
        }
        return (now() - start, iterations)
    }

    let tree = try DeviceTree(parsing: blob)
    let translate = median(rounds: rounds) { () -> (UInt64, Int) in
        let start = now()
        for _ in 0..<iterations {
            var sum: UInt64 = 0
            for node in tree.nodes {
                do throws(DeviceTreeError) {
                    for region in try node.translatedReg() { sum &+= region.address &+ region.size }
                } catch {
                    sum &+= 1
                }
            }
            blackHole(sum)
        }
        return (now() - start, iterations)
    }

    let bareWalk = median(rounds: rounds) { () -> (UInt64, Int) in
        let start = now()
        for _ in 0..<iterations { blackHole(bareTokenWalk(blob)) }
        return (now() - start, iterations)
    }

    let host = "bare FDT token walk of the same blob"
    return [
        Row(name: "device tree parse (QEMU virt, \(tree.nodes.count) nodes)", zirconia: parse, host: bareWalk,
            hostName: host, goal: 12),
        Row(name: "device tree translate every reg to CPU", zirconia: translate, host: bareWalk,
            hostName: host, goal: 12),
    ]
}

/// Counts FDT_BEGIN_NODE and FDT_PROP tokens by stepping through the structure block with no
/// checks beyond staying in bounds and no allocation: the least work that visits every token.
@inline(never) private func bareTokenWalk(_ blob: [UInt8]) -> UInt64 {
    blob.withUnsafeBytes { bytes -> UInt64 in
        func word(_ offset: Int) -> UInt32 { UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }
        guard bytes.count >= 40 else { return 0 }
        var offset = Int(word(8))
        let end = min(bytes.count, offset + Int(word(36)))
        var count: UInt64 = 0
        while offset + 4 <= end {
            switch word(offset) {
            case 1:   // FDT_BEGIN_NODE: skip the NUL-terminated name and its padding.
                count += 1
                offset += 4
                while offset < end && bytes[offset] != 0 { offset += 1 }
                offset = (offset + 4) & ~3
            case 3:   // FDT_PROP: skip length, name offset and the padded value.
                count += 1
                guard offset + 12 <= end else { return count }
                offset = (offset + 12 + Int(word(offset + 4)) + 3) & ~3
            case 9:
                return count
            default:  // FDT_END_NODE, FDT_NOP
                offset += 4
            }
        }
        return count
    }
}
