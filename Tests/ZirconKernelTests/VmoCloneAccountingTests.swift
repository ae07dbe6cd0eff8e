// Resizing copy-on-write relatives and the committed-bytes rules of reference §4.3 and §4.5, after
// vmo-clone2.cc's resize tests: shrinking a child clips its view for good, shrinking a parent
// leaves its children's views intact, pages move to the VMO that still needs them, totals never
// exceed the visible sizes, and a survivor is charged exactly what it sees.

import Testing
import Zirconia

@Suite struct VmoCloneAccountingTests {
    let p = vmoPage

    /// vmo-clone2 ResizeChild / ResizeOriginal: exactly Zircon's numbers.
    @Test(arguments: [true, false])
    func resizingFreesUnneededPages(resizeChild: Bool) throws {
        try cloneRun { c in
            let vmo = vmoMake(c, 4 * p, ZX_VMO_RESIZABLE)
            for i in 0..<4 { c.ok(vmoWrite32(vmo, UInt32(i + 1), UInt64(i) * p)) }
            let clone = vmoChild(c, vmo, ZX_VMO_CHILD_SNAPSHOT | ZX_VMO_CHILD_RESIZABLE, 0, 4 * p)
            c.ok(vmoWrite32(vmo, 5, p))
            c.ok(vmoWrite32(clone, 5, 2 * p))
            c.eq(vmoCommittedPages(vmo), 4)
            c.eq(vmoCommittedPages(clone), 2)
            let target = resizeChild ? clone : vmo
            let other = resizeChild ? vmo : clone
            c.ok(zx_vmo_set_size(target, p))
            let written = resizeChild ? 1 : 2
            for i in 0..<4 { vmoExpect(c, other, i == written ? 5 : UInt32(i + 1), page: UInt64(i)) }
            vmoExpect(c, target, 1)
            c.eq(vmoCommittedPages(vmo), resizeChild ? 4 : 1)
            c.eq(vmoCommittedPages(clone), resizeChild ? 0 : 3)
            // Growing the shrunk VMO exposes zeros, never the old data.
            c.ok(zx_vmo_set_size(target, 2 * p))
            vmoExpect(c, target, 0, page: 1)
            // Writes into the other VMO need no new pages (it is the last to see them).
            c.ok(vmoWrite32(other, 6, 3 * p))
            c.eq(vmoCommittedPages(vmo), resizeChild ? 4 : 1)
            c.eq(vmoCommittedPages(clone), resizeChild ? 0 : 3)
            vmoClose(c, other)
            vmoExpect(c, target, 1)
            c.eq(vmoCommittedPages(target), 1, "closing the other frees what the target cannot see")
            vmoClose(c, target)
        }
    }

    /// vmo-clone2 ResizeGrow.
    @Test func growingACloneExposesZeros() throws {
        try cloneRun { c in
            let vmo = vmoTagged(c, 2)
            let clone = vmoChild(c, vmo, ZX_VMO_CHILD_SNAPSHOT | ZX_VMO_CHILD_RESIZABLE, 0, p)
            vmoExpect(c, clone, 1)
            c.ok(zx_vmo_set_size(clone, 2 * p))
            vmoExpect(c, clone, 0, page: 1)
            c.ok(vmoWrite32(vmo, 3, p))
            vmoExpect(c, clone, 0, page: 1)
            c.eq(vmoCommittedPages(vmo), 2)
            c.eq(vmoCommittedPages(clone), 0)
            vmoClose(c, vmo, clone)
        }
    }

    /// Reference §4.3 regression: shrink a child to 1P, grow to 4P → pages 1–3 read 0.
    @Test func shrinkThenGrowNeverReexposesParentData() throws {
        try cloneRun { c in
            let vmo = vmoTagged(c, 4)
            let clone = vmoChild(c, vmo, ZX_VMO_CHILD_SNAPSHOT | ZX_VMO_CHILD_RESIZABLE, 0, 4 * p)
            c.ok(zx_vmo_set_size(clone, p))
            c.ok(zx_vmo_set_size(clone, 4 * p))
            vmoExpect(c, clone, 1, page: 0)
            for page in 1..<4 { vmoExpect(c, clone, 0, page: UInt64(page)) }
            // Unaligned shrink: the tail of the last page reads zero, the parent keeps its data.
            c.ok(zx_vmo_set_size(clone, 2))
            c.eq(vmoBytes(clone, 0, 4), [1, 0, 0, 0])
            vmoExpect(c, vmo, 1)
            vmoClose(c, vmo, clone)
        }
    }

    /// vmo-clone2 ResizeOffsetChild: a parent shrunk to 0 leaves the child's view intact.
    @Test func shrinkingTheParentKeepsTheChildsView() throws {
        try cloneRun { c in
            let vmo = vmoTagged(c, 3, ZX_VMO_RESIZABLE)
            let clone = vmoChild(c, vmo, ZX_VMO_CHILD_SNAPSHOT, p, p)
            c.ok(zx_vmo_set_size(vmo, 0))
            vmoExpect(c, clone, 2)
            c.eq(vmoCommittedPages(vmo), 0)
            c.eq(vmoCommittedPages(clone), 1, "the page it still needs is its now")
            c.ok(zx_vmo_set_size(vmo, 3 * p))
            vmoExpect(c, vmo, 0, page: 1, "regrown parent reads zero")
            vmoClose(c, vmo, clone)
        }
    }

    /// vmo-clone2 ResizeDisjointChild, in every order.
    @Test func resizingDisjointChildren() throws {
        try cloneRun { c in
            for order in permutations(3) {
                let vmo = vmoTagged(c, 3, ZX_VMO_RESIZABLE)
                var clones: [zx_handle_t] = []
                for i in 0..<3 {
                    clones.append(vmoChild(c, vmo, ZX_VMO_CHILD_SNAPSHOT | ZX_VMO_CHILD_RESIZABLE, UInt64(i) * p, p))
                    vmoExpect(c, clones[i], UInt32(i + 1))
                    c.eq(vmoCommittedPages(clones[i]), 0)
                }
                c.eq(vmoCommittedPages(vmo), 3)
                c.ok(zx_vmo_set_size(clones[order[0]], 0))
                c.ok(zx_vmo_set_size(clones[order[1]], 0))
                c.ok(zx_vmo_set_size(vmo, 0))
                vmoExpect(c, clones[order[2]], UInt32(order[2] + 1))
                c.eq(vmoCommittedPages(vmo), 0)
                c.eq(vmoCommittedPages(clones[order[0]]), 0)
                c.eq(vmoCommittedPages(clones[order[1]]), 0)
                c.eq(vmoCommittedPages(clones[order[2]]), 1, "order \(order)")
                c.ok(zx_vmo_set_size(clones[order[2]], 0))
                c.eq(vmoCommittedPages(clones[order[2]]), 0)
                vmoClose(c, vmo)
                for clone in clones { vmoClose(c, clone) }
            }
        }
    }

    /// vmo-clone2 ResizeMultipleProgressive: exactly Zircon's numbers.
    @Test func resizingWithProgressiveWrites() throws {
        try cloneRun { c in
            let vmo = vmoTagged(c, 3, ZX_VMO_RESIZABLE)
            let clone = vmoChild(c, vmo, ZX_VMO_CHILD_SNAPSHOT | ZX_VMO_CHILD_RESIZABLE, 0, 2 * p)
            c.ok(vmoWrite32(vmo, 4, 0))
            c.ok(vmoWrite32(clone, 5, p))
            let clone2 = vmoChild(c, vmo, ZX_VMO_CHILD_SNAPSHOT, 0, p)
            c.ok(zx_vmo_set_size(clone, 0))
            vmoExpect(c, vmo, 4, page: 0)
            vmoExpect(c, vmo, 2, page: 1)
            vmoExpect(c, vmo, 3, page: 2)
            vmoExpect(c, clone2, 4)
            c.eq(vmoCommittedPages(vmo), 3)
            c.eq(vmoCommittedPages(clone), 0)
            c.eq(vmoCommittedPages(clone2), 0)
            c.ok(zx_vmo_set_size(vmo, 0))
            vmoExpect(c, clone2, 4)
            c.eq(vmoCommittedPages(vmo), 0)
            c.eq(vmoCommittedPages(clone), 0)
            c.eq(vmoCommittedPages(clone2), 1)
            vmoClose(c, vmo, clone, clone2)
        }
    }

    /// vmo-clone2 ResizeOverSiblingRange (bug 53710): shrinking past a sibling's window and
    /// growing back must not see through to the root.
    @Test func resizeOverASiblingsRange() throws {
        try cloneRun { c in
            let vmo = vmoTagged(c, 4, ZX_VMO_RESIZABLE)
            let intermediate = vmoChild(c, vmo, ZX_VMO_CHILD_SNAPSHOT, 0, 4 * p)
            let sibling = vmoChild(c, vmo, ZX_VMO_CHILD_SNAPSHOT | ZX_VMO_CHILD_RESIZABLE, 2 * p, p)
            c.ok(zx_vmo_set_size(vmo, p))
            c.ok(zx_vmo_set_size(vmo, 4 * p))
            vmoExpect(c, vmo, 1, page: 0)
            for page in 1..<4 { vmoExpect(c, vmo, 0, page: UInt64(page)) }
            for page in 1..<4 { c.ok(vmoWrite32(vmo, UInt32(page + 1), UInt64(page) * p)) }
            for page in 0..<4 { vmoExpect(c, intermediate, UInt32(page + 1), page: UInt64(page)) }
            vmoExpect(c, sibling, 3)
            vmoClose(c, vmo, intermediate, sibling)
        }
    }

    // MARK: Reference §4.5

    @Test func pagesOutsideAWindowAreNeverCharged() throws {
        try cloneRun { c in
            let vmo = vmoTagged(c, 3)
            let child = vmoChild(c, vmo, ZX_VMO_CHILD_SNAPSHOT, p, p)
            c.ok(vmoWrite32(vmo, 9, 0))     // outside the child's window: moved, nothing allocated
            c.eq(vmoCommittedPages(vmo), 3)
            c.eq(vmoCommittedPages(child), 0)
            vmoClose(c, vmo)
            c.eq(vmoCommittedPages(child), 1, "a 1P-window child of a 3P parent ends with 1P")
            vmoClose(c, child)
        }
    }

    @Test func zeroOnChildAndParentOverSharedPages() throws {
        try cloneRun { c in
            let vmo = vmoTagged(c, 2)
            let child = vmoChild(c, vmo, ZX_VMO_CHILD_SNAPSHOT, 0, 2 * p)
            // ZERO on the child over a shared page: counts unchanged, the child reads zero.
            c.ok(vmoOp(child, ZX_VMO_OP_ZERO, 0, p))
            vmoExpect(c, child, 0)
            vmoExpect(c, vmo, 1)
            c.eq(vmoCommittedPages(vmo), 2)
            c.eq(vmoCommittedPages(child), 0)
            // ZERO on the parent over a page only the child still needs: it moves to the child.
            c.ok(vmoOp(vmo, ZX_VMO_OP_ZERO, p, p))
            vmoExpect(c, vmo, 0, page: 1)
            vmoExpect(c, child, 2, page: 1)
            c.eq(vmoCommittedPages(vmo), 1)
            c.eq(vmoCommittedPages(child), 1)
            // Partial ZERO of a shared page forks it.
            c.ok(vmoOp(child, ZX_VMO_OP_ZERO, p + 4, 8))
            vmoExpect(c, child, 2, page: 1)
            c.eq(vmoCommittedPages(child), 1)
            vmoClose(c, vmo)
            c.eq(vmoCommittedPages(child), 1, "the zeroed page is not charged")
            vmoClose(c, child)
        }
    }

    @Test func commitAndDecommitOnCopyOnWriteRelatives() throws {
        try cloneRun { c in
            let vmo = vmoTagged(c, 2)
            let child = vmoChild(c, vmo, ZX_VMO_CHILD_SNAPSHOT, 0, 3 * p)
            c.st(vmoOp(child, ZX_VMO_OP_DECOMMIT, 0, p), ZX_ERR_NOT_SUPPORTED, "child")
            c.st(vmoOp(vmo, ZX_VMO_OP_DECOMMIT, 0, p), ZX_ERR_NOT_SUPPORTED, "parent with a COW child")
            c.st(vmoOp(vmo, ZX_VMO_OP_DECOMMIT, 0, 5), ZX_ERR_NOT_SUPPORTED, "before the alignment check")
            c.st(vmoOp(child, ZX_VMO_OP_DECOMMIT, 0, 4 * p), ZX_ERR_OUT_OF_RANGE, "range first")
            c.ok(vmoOp(child, ZX_VMO_OP_DECOMMIT, 0, 0), "zero length")
            // COMMIT in a child: private copies of what it sees.
            c.ok(vmoOp(child, ZX_VMO_OP_COMMIT, 0, 3 * p))
            c.eq(vmoCommittedPages(child), 3)
            c.eq(vmoCommittedPages(vmo), 2)
            vmoExpect(c, child, 1, page: 0)
            vmoExpect(c, child, 2, page: 1)
            vmoExpect(c, child, 0, page: 2)
            vmoClose(c, child)
            c.ok(vmoOp(vmo, ZX_VMO_OP_DECOMMIT, 0, p), "no COW child any more")
            c.eq(vmoCommittedPages(vmo), 1)
            vmoClose(c, vmo)
        }
    }

    /// Totals never exceed the visible sizes, and once all but one VMO of a tree closed, the
    /// survivor is charged exactly the pages it sees that are committed — for every survivor.
    @Test func survivorIsChargedExactlyWhatItSees() throws {
        try cloneRun { c in
            for survivor in 0..<4 {
                let vmo = vmoTagged(c, 4)
                let a = vmoChild(c, vmo, ZX_VMO_CHILD_SNAPSHOT, p, 4 * p)
                let b = vmoChild(c, vmo, ZX_VMO_CHILD_SNAPSHOT, 0, 2 * p)
                let d = vmoChild(c, a, ZX_VMO_CHILD_SNAPSHOT, 2 * p, 3 * p)
                let e = vmoChild(c, a, ZX_VMO_CHILD_SLICE, p, p)
                c.ok(vmoWrite32(a, 7, 0))
                c.ok(vmoWrite32(d, 8, 2 * p))
                c.ok(vmoWrite32(e, 9, 0))
                c.ok(vmoOp(b, ZX_VMO_OP_ZERO, 0, p))
                let all = [vmo, a, b, d]
                let sizes: [UInt64] = [4, 4, 2, 3]
                let total = all.reduce(UInt64(0)) { $0 + vmoCommittedPages($1) }
                c.yes(total <= sizes.reduce(0, +), "total \(total)")
                for (h, size) in zip(all, sizes) { c.yes(vmoCommittedPages(h) <= size) }
                c.eq(vmoCommittedPages(e), 0, "slices are never charged")
                // Which pages each one sees committed (contents non-zero): computed by reading.
                func visibleNonZero(_ h: zx_handle_t, _ pages: UInt64) -> UInt64 {
                    (0..<pages).reduce(0) { $0 + ((vmoRead32(h, $1 * p) ?? 0) != 0 ? 1 : 0) }
                }
                let keep = all[survivor]
                vmoClose(c, e)
                for h in all where h != keep { vmoClose(c, h) }
                c.eq(vmoCommittedPages(keep), visibleNonZero(keep, sizes[survivor]), "survivor \(survivor)")
                vmoClose(c, keep)
            }
        }
    }
}
