// Hand-made malformed blobs: each defect gives its own DeviceTreeError kind at the offset of the
// byte that is wrong (libfdt's fdt_check_header / fdt_check_full cover the same ground).

import Testing
@testable import DeviceTree

/// Assembles a DTB around a hand-written structure block, so tests can write token streams the
/// builder refuses to produce. Layout: header (40) | reservations (16) | structure | strings.
struct RawBlob {
    var structure: [UInt8] = []
    var strings: [UInt8] = []

    mutating func token(_ value: UInt32) { structure.appendBigEndian(value) }

    mutating func beginNode(_ name: String) {
        token(1)
        structure += name.utf8
        structure.append(0)
        while structure.count % 4 != 0 { structure.append(0) }
    }

    mutating func endNode() { token(2) }
    mutating func end() { token(9) }

    mutating func property(_ name: String, _ value: [UInt8]) {
        var nameOffset = strings.count
        if let existing = findString(name) { nameOffset = existing } else { strings += name.utf8 + [0] }
        token(3)
        token(UInt32(value.count))
        token(UInt32(nameOffset))
        structure += value
        while structure.count % 4 != 0 { structure.append(0) }
    }

    private func findString(_ name: String) -> Int? {
        let wanted = Array(name.utf8) + [0]
        guard strings.count >= wanted.count else { return nil }
        return (0...(strings.count - wanted.count)).first { Array(strings[$0..<($0 + wanted.count)]) == wanted }
    }

    static let structureOffset = 56

    var bytes: [UInt8] {
        var blob = [UInt8](repeating: 0, count: RawBlob.structureOffset)
        blob += structure
        let stringsOffset = blob.count
        blob += strings
        let header: [UInt32] = [0xd00d_feed, UInt32(blob.count), UInt32(RawBlob.structureOffset), UInt32(stringsOffset),
                                40, 17, 16, 0, UInt32(strings.count), UInt32(structure.count)]
        for (index, field) in header.enumerated() { blob.storeBigEndian(field, at: index * 4) }
        return blob
    }
}

/// Overwrites the big-endian word at `offset`.
func patched(_ blob: [UInt8], _ offset: Int, _ value: UInt32) -> [UInt8] {
    var blob = blob
    blob.storeBigEndian(value, at: offset)
    return blob
}

/// The error parsing `blob` throws, recording an issue if it parses.
func parseError(_ blob: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> DeviceTreeError? {
    #expect(throws: DeviceTreeError.self, sourceLocation: sourceLocation) { try DeviceTree(parsing: blob) }
}

@Suite struct MalformedBlobTests {
    /// A small valid tree: / { #address-cells; dev@1000 { reg; compatible; } }.
    var valid: RawBlob {
        var raw = RawBlob()
        raw.beginNode("")
        raw.property("#address-cells", [0, 0, 0, 1])
        raw.beginNode("dev@1000")
        raw.property("compatible", Array("acme,dev\0".utf8))
        raw.endNode()
        raw.endNode()
        raw.end()
        return raw
    }

    @Test func validRawBlobParses() throws {
        let tree = try DeviceTree(parsing: valid.bytes)
        #expect(tree.nodes.map(\.path) == ["/", "/dev@1000"])
        #expect(try tree.node(atPath: "/dev@1000")?.compatible() == ["acme,dev"])
    }

    @Test func headerDefects() throws {
        let blob = valid.bytes
        #expect(parseError([]) == DeviceTreeError(offset: 0, .truncatedHeader(length: 0)))
        #expect(parseError([0xd0, 0x0d]) == DeviceTreeError(offset: 0, .truncatedHeader(length: 2)))
        #expect(parseError(Array(blob[0..<39])) == DeviceTreeError(offset: 0, .truncatedHeader(length: 39)))
        #expect(parseError(patched(blob, 0, 0xedfe_0dd0)) == DeviceTreeError(offset: 0, .badMagic(found: 0xedfe_0dd0)))
        #expect(parseError(patched(blob, 20, 15))
                == DeviceTreeError(offset: 20, .unsupportedVersion(version: 15, lastCompatibleVersion: 16)))
        #expect(parseError(patched(blob, 24, 18))
                == DeviceTreeError(offset: 20, .unsupportedVersion(version: 17, lastCompatibleVersion: 18)))
        #expect(parseError(patched(blob, 4, UInt32(blob.count + 1)))
                == DeviceTreeError(offset: 4, .totalSizeExceedsBlob(totalSize: UInt32(blob.count + 1), blobLength: blob.count)))
        #expect(parseError(patched(blob, 4, 39)) == DeviceTreeError(offset: 4, .totalSizeTooSmall(totalSize: 39)))
    }

    @Test func blockLayoutDefects() throws {
        let blob = valid.bytes
        let size = UInt32(blob.count)
        #expect(parseError(patched(blob, 8, 8)) == DeviceTreeError(offset: 8, .blockOverlapsHeader(.structure, start: 8)))
        #expect(parseError(patched(blob, 8, 58)) == DeviceTreeError(offset: 8, .misalignedBlock(.structure, start: 58, alignment: 4)))
        #expect(parseError(patched(blob, 36, size))
                == DeviceTreeError(offset: 8, .blockOutOfBounds(.structure, start: 56, size: size, totalSize: size)))
        #expect(parseError(patched(blob, 12, size))
                == DeviceTreeError(offset: 12, .blockOutOfBounds(.strings, start: size, size: UInt32(valid.strings.count), totalSize: size)))
        #expect(parseError(patched(blob, 16, 44))
                == DeviceTreeError(offset: 16, .misalignedBlock(.memoryReservations, start: 44, alignment: 8)))
        #expect(parseError(patched(blob, 16, 0))
                == DeviceTreeError(offset: 16, .blockOverlapsHeader(.memoryReservations, start: 0)))
        // Trailing bytes after totalsize (QEMU pads to 1 MiB) are fine.
        #expect(throws: Never.self) { try DeviceTree(parsing: blob + [UInt8](repeating: 0xff, count: 100)) }
    }

    @Test func versionSixteenHasNoStructureSize() throws {
        // Version 16 blobs run the structure block to totalsize; the v17 size field is ignored.
        let blob = patched(patched(valid.bytes, 20, 16), 36, 0xffff_ffff)
        let tree = try DeviceTree(parsing: blob)
        #expect(tree.header.version == 16)
        #expect(tree.nodes.count == 2)
    }

    @Test func unterminatedMemoryReservations() throws {
        // A reservation block at the very end, holding one entry and no terminator.
        var blob = valid.bytes
        while blob.count % 8 != 0 { blob.append(0) }
        let reservations = blob.count
        blob += [0, 0, 0, 0, 0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0]
        blob = patched(patched(blob, 16, UInt32(reservations)), 4, UInt32(blob.count))
        #expect(parseError(blob) == DeviceTreeError(offset: reservations + 16, .unterminatedMemoryReservations))
    }

    @Test func tokenDefects() throws {
        let start = RawBlob.structureOffset
        #expect(parseError(patched(valid.bytes, start, 7)) == DeviceTreeError(offset: start, .unknownToken(7)))

        var endNodeFirst = RawBlob()
        endNodeFirst.endNode()
        endNodeFirst.end()
        #expect(parseError(endNodeFirst.bytes) == DeviceTreeError(offset: start, .endNodeWithoutBeginNode))

        var propertyFirst = RawBlob()
        propertyFirst.property("x", [])
        propertyFirst.end()
        #expect(parseError(propertyFirst.bytes) == DeviceTreeError(offset: start, .propertyOutsideNode))

        var onlyEnd = RawBlob()
        onlyEnd.end()
        #expect(parseError(onlyEnd.bytes) == DeviceTreeError(offset: start, .noRootNode))

        var unclosed = RawBlob()
        unclosed.beginNode("")
        unclosed.beginNode("a")
        unclosed.endNode()
        unclosed.end()
        #expect(parseError(unclosed.bytes) == DeviceTreeError(offset: start + 20, .unclosedNodes(depth: 1)))

        var twoRoots = RawBlob()
        twoRoots.beginNode("")
        twoRoots.endNode()
        twoRoots.beginNode("")
        twoRoots.endNode()
        twoRoots.end()
        #expect(parseError(twoRoots.bytes) == DeviceTreeError(offset: start + 12, .secondRootNode))

        var noEnd = RawBlob()
        noEnd.beginNode("")
        noEnd.endNode()
        #expect(parseError(noEnd.bytes) == DeviceTreeError(offset: start + 12, .missingEnd))

        var halfToken = RawBlob()
        halfToken.beginNode("")
        halfToken.endNode()
        halfToken.structure += [0, 0]
        #expect(parseError(halfToken.bytes) == DeviceTreeError(offset: start + 12, .truncatedStructure(expected: "a 4-byte token")))
    }

    @Test func nameDefects() throws {
        let start = RawBlob.structureOffset
        var emptyChild = RawBlob()
        emptyChild.beginNode("")
        emptyChild.beginNode("")
        #expect(parseError(emptyChild.bytes) == DeviceTreeError(offset: start + 12, .invalidNodeName("")))

        var slash = RawBlob()
        slash.beginNode("")
        slash.beginNode("a/b")
        #expect(parseError(slash.bytes) == DeviceTreeError(offset: start + 12, .invalidNodeName("a/b")))

        var unterminated = RawBlob()
        unterminated.beginNode("")
        unterminated.token(1)
        unterminated.structure += Array("runs-off".utf8)
        #expect(parseError(unterminated.bytes) == DeviceTreeError(offset: start + 12, .unterminatedNodeName))

        // Property name offset past the strings block: the error names the nameoff field.
        var raw = valid
        let nameOffsetField = start + 16   // root BEGIN_NODE (8 bytes), then FDT_PROP, len, nameoff
        raw.structure.storeBigEndian(100, at: nameOffsetField - start)
        #expect(parseError(raw.bytes) == DeviceTreeError(
            offset: nameOffsetField, .propertyNameOutOfBounds(nameOffset: 100, stringsSize: UInt32(raw.strings.count))))

        // The last name loses its NUL: the strings block ends inside it.
        var cut = valid
        cut.strings.removeLast()
        let compatibleNameOffset = UInt32(Array("#address-cells\0".utf8).count)
        #expect(parseError(cut.bytes) == DeviceTreeError(
            offset: start + 48, .unterminatedPropertyName(nameOffset: compatibleNameOffset)))
    }

    @Test func propertyRunsPastStructure() throws {
        let start = RawBlob.structureOffset
        var raw = RawBlob()
        raw.beginNode("")
        raw.token(3)
        raw.token(64)   // length 64, but the block ends after the name offset
        raw.token(0)
        raw.strings = [0x78, 0]
        #expect(parseError(raw.bytes) == DeviceTreeError(
            offset: start + 20, .truncatedStructure(expected: "a property value of 64 bytes")))

        var header = RawBlob()
        header.beginNode("")
        header.token(3)
        header.token(4)
        #expect(parseError(header.bytes) == DeviceTreeError(
            offset: start + 12, .truncatedStructure(expected: "a property's length and name offset")))
    }

    @Test func nestingIsCapped() throws {
        let start = RawBlob.structureOffset
        var raw = RawBlob()
        raw.beginNode("")
        for _ in 1..<64 { raw.beginNode("n") }
        let deepest = raw.structure.count
        raw.beginNode("n")
        #expect(parseError(raw.bytes) == DeviceTreeError(offset: start + deepest, .nestingTooDeep(limit: 64)))

        // 64 levels are fine.
        var ok = RawBlob()
        ok.beginNode("")
        for _ in 1..<64 { ok.beginNode("n") }
        for _ in 0..<64 { ok.endNode() }
        ok.end()
        #expect(try DeviceTree(parsing: ok.bytes).nodes.last?.depth == 63)
    }

    @Test func propertyAfterTheRootClosed() throws {
        var raw = RawBlob()
        raw.beginNode("")
        raw.endNode()
        raw.property("x", [])
        raw.end()
        #expect(parseError(raw.bytes) == DeviceTreeError(offset: RawBlob.structureOffset + 12, .propertyOutsideNode))
    }

    @Test func propertiesAfterChildrenAreRegrouped() throws {
        // The spec puts properties first; dtc and Linux accept them after children, and so do we.
        var raw = RawBlob()
        raw.beginNode("")
        raw.property("first", [1])
        raw.beginNode("child")
        raw.property("inner", [2])
        raw.endNode()
        raw.property("late", [3])
        raw.endNode()
        raw.end()
        let tree = try DeviceTree(parsing: raw.bytes)
        #expect(tree.root.properties.map(\.name) == ["first", "late"])
        #expect(tree.root.bytes("late") == [3])
        #expect(tree.root.children.first?.properties.map(\.name) == ["inner"])
    }
}
