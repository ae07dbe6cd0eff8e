// No input traps the parser: truncations of a real blob each throw a clear error, and thousands of
// seeded random mutations either parse (and then survive every accessor) or throw DeviceTreeError.

import Testing
@testable import DeviceTree

@Suite struct RobustnessTests {
    /// Every prefix of the compact QEMU blob is rejected: a short header, or a totalsize larger
    /// than what is there.
    @Test func everyPrefixOfTheBlobIsRejected() throws {
        let blob = QemuVirtBlob.bytes
        for length in 0..<blob.count {
            do throws(DeviceTreeError) {
                _ = try DeviceTree(parsing: Array(blob[..<length]))
                Issue.record("prefix of \(length) bytes parsed")
            } catch {
                let expected = length < 40
                    ? DeviceTreeError(offset: 0, .truncatedHeader(length: length))
                    : DeviceTreeError(offset: 4, .totalSizeExceedsBlob(totalSize: UInt32(blob.count), blobLength: length))
                #expect(error == expected)
            }
        }
    }

    /// Shrinking the structure block (size_dt_struct) cuts FDT_END off: each throws, with the
    /// offset inside the shortened block. Every size up to 1 KiB, then every 7th (7 is coprime
    /// to the 4-byte token alignment, so every cut position within a token is still tried).
    @Test func structureBlockTruncationsAreRejected() throws {
        let blob = QemuVirtBlob.bytes
        let tree = try DeviceTree(parsing: blob)
        let start = Int(tree.header.structureOffset)
        let sizes = Array(0..<1024) + Array(stride(from: 1024, to: Int(tree.header.structureSize), by: 7))
        for size in sizes {
            do throws(DeviceTreeError) {
                _ = try DeviceTree(parsing: patched(blob, 36, UInt32(size)))
                Issue.record("structure block of \(size) bytes parsed")
            } catch {
                #expect(error.offset >= start && error.offset <= start + size, "size \(size): \(error)")
            }
        }
    }

    /// Shrinking the strings block cuts at least the last property name short.
    @Test func everyStringsBlockTruncationIsRejected() throws {
        let blob = QemuVirtBlob.bytes
        let tree = try DeviceTree(parsing: blob)
        for size in 0..<Int(tree.header.stringsSize) {
            let error = #expect(throws: DeviceTreeError.self, "strings size \(size)") {
                try DeviceTree(parsing: patched(blob, 32, UInt32(size)))
            }
            switch error?.kind {
            case .propertyNameOutOfBounds?, .unterminatedPropertyName?: break
            default: Issue.record("strings size \(size): \(String(describing: error))")
            }
        }
    }

    /// Seeded random byte mutations of the QEMU blob (header, structure and strings alike): each
    /// result parses or throws DeviceTreeError; when it parses, every accessor on every node
    /// returns or throws, never traps. The seed and iteration are in every failure message.
    @Test(arguments: [UInt64(7), 0x5eed])
    func mutatedBlobsNeverTrap(seed: UInt64) throws {
        let original = QemuVirtBlob.bytes
        let header = try DeviceTree(parsing: original).header
        var random = SeededGenerator(seed: seed)
        var parsed = 0
        for iteration in 0..<1000 {
            var blob = original
            var mutated: [Int] = []
            for _ in 0...Int.random(in: 0...3, using: &random) {
                // Aim a quarter of the flips at the header, where one byte changes the most.
                let offset = Bool.random(using: &random) && Bool.random(using: &random)
                    ? Int.random(in: 0..<40, using: &random)
                    : Int.random(in: 0..<blob.count, using: &random)
                // A third of the time one flipped bit, otherwise a random byte.
                blob[offset] = random.next() % 3 == 0
                    ? blob[offset] ^ (1 << (random.next() % 8)) : UInt8.random(in: 0...255, using: &random)
                mutated.append(offset)
            }
            // Sometimes cut the blob short as well (keeping totalsize consistent).
            if random.next() % 8 == 0 {
                let length = Int.random(in: 40..<blob.count, using: &random)
                blob = patched(Array(blob[..<length]), 4, UInt32(length))
            }
            do throws(DeviceTreeError) {
                let tree = try DeviceTree(parsing: blob)
                parsed += 1
                exerciseEveryAccessor(tree, decodingPropertiesAt: mutated)
            } catch {
                #expect(error.offset >= 0 && error.offset <= max(blob.count, Int(header.totalSize)),
                        "seed \(seed) iteration \(iteration): \(error)")
                #expect(!error.description.isEmpty)
            }
        }
        // Mutations mostly land in property values, so most blobs still parse.
        #expect(parsed > 100, "seed \(seed): only \(parsed) mutated blobs parsed")
    }

    /// Random garbage, and garbage behind a valid header, is rejected without trapping.
    @Test func randomGarbageIsRejected() throws {
        var random = SeededGenerator(seed: 99)
        let validHeader = Array(QemuVirtBlob.bytes[..<40])
        for iteration in 0..<500 {
            let length = Int.random(in: 0...256, using: &random)
            var blob = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            if iteration % 2 == 0 && blob.count >= 56 {
                blob.replaceSubrange(0..<40, with: validHeader)
                blob = patched(blob, 4, UInt32(blob.count))
                blob = patched(blob, 8, 56)
                blob = patched(blob, 36, UInt32(blob.count - 56))
                blob = patched(blob, 12, UInt32(blob.count))
                blob = patched(blob, 32, 0)
            }
            if let tree = try? DeviceTree(parsing: blob) { exerciseEveryAccessor(tree) }
        }
    }

    /// Calls everything a machine builder would on every node, and every property decoder on the
    /// properties whose values hold one of `offsets` (all properties when nil: decoding all of
    /// them for each of thousands of mutations would dominate the suite's time). Results are
    /// ignored; only traps matter.
    func exerciseEveryAccessor(_ tree: DeviceTree, decodingPropertiesAt offsets: [Int]? = nil) {
        _ = tree.stdoutNode
        _ = try? tree.memoryRegions()
        _ = tree.nodes(compatibleWith: "virtio,mmio")
        _ = tree.nodes.last.map { tree.node(atPath: $0.path) }
        for node in tree.nodes {
            _ = node.baseName
            _ = node.unitAddress
            _ = try? node.compatible()
            _ = node.status
            _ = node.phandle
            _ = try? node.addressCells()
            _ = try? node.sizeCells()
            _ = try? node.reg()
            _ = try? node.translatedReg()
            _ = try? node.ranges()
            _ = try? node.pciRanges()
            _ = try? node.pciBusRange()
            _ = (try? node.interrupts())?.map(\.armGic?.interruptId)
            _ = try? node.interruptMap()
            _ = try? node.pciInterrupt(device: 1, pin: 2)
            for property in node.properties
            where offsets?.contains(where: { $0 >= property.offset && $0 < property.offset + property.length }) ?? true {
                _ = try? property.u32()
                _ = try? property.u64()
                _ = try? property.number()
                _ = try? property.cells()
                _ = try? property.string()
                _ = try? property.stringList()
                _ = property.description
            }
        }
    }
}
