extension SkipList {
    /// Inserts the entry `key` for a member not in the list and returns its 0-based rank.
    /// O(log n + blockCapacity).
    ///
    /// A full block first spills entries into the next block when that has room (half of
    /// it); when that is full too, the two become three, each two thirds full (a B*-tree's
    /// split); only the last block splits in two, or stays full when the key goes past its
    /// end (joins behind everyone then fill every block). Blocks of 96 are ~83% full after
    /// random inserts and ~79% after as many random moves, against 72% and 69% with spills
    /// and splits in two (SkipListFillTests): 53.2 bytes a member at 1M instead of 56.5.
    @discardableResult
    mutating func insert(_ key: SortKey) -> Int {
        insert(key, predecessors: predecessors(of: key))
    }

    /// ``insert(_:)`` given the walk to `key`, `predecessors`. O(height + blockCapacity).
    mutating func insert(_ key: SortKey, predecessors: Path) -> Int {
        var block = predecessors.blocks[0]
        if block == Self.head {
            // The key ranks first: it goes to the front of the first block, if any.
            block = link(Self.head, 0).next
            if block == Self.none { block = appendFirstBlock() }
        }
        let rank = predecessors.ranks[0] + (block == predecessors.blocks[0] ? 0 : Int(counts[Int(predecessors.blocks[0])]))
        let position = lowerBound(key, in: block)
        if Int(counts[Int(block)]) == blockCapacity {
            return insert(key, intoFull: block, at: position, rank: rank, predecessors: predecessors)
        }
        place(key, in: block, at: position)
        addToSpans(over: block, predecessors: predecessors, 1)
        count += 1
        return rank + position
    }

    /// ``insert(_:predecessors:)`` of `key` at `position` of full `block`, whose first
    /// entry has 0-based rank `rank` and whose strict predecessors are `predecessors`:
    /// makes room first. O(height + blockCapacity).
    private mutating func insert(_ key: SortKey, intoFull block: Int32, at position: Int, rank: Int, predecessors: Path) -> Int {
        var block = block, position = position, rank = rank
        var covers = covers(of: block, rank: rank, predecessors: predecessors)
        let next = link(block, 0).next
        if next == Self.none {
            // A key past the end (a new member with the lowest score, behind everyone:
            // the common join) leaves the last block full, so joins fill every block.
            let keeping = position == blockCapacity ? blockCapacity - 1 : blockCapacity / 2
            split(block, keeping: keeping, covers: &covers, rank: rank)
        } else if Int(counts[Int(next)]) < blockCapacity - 1 {
            // The successor keeps room for the key after the spill, which may land there.
            spill(from: block, into: next, covers: covers)
        } else {
            splitInThree(block, before: next, covers: &covers, rank: rank)
        }
        let kept = Int(counts[Int(block)])
        if position > kept {
            // The key now belongs in the block that took the tail.
            position -= kept
            rank += kept
            block = link(block, 0).next
            covers = self.covers(of: block, rank: rank, predecessors: covers)
        }
        place(key, in: block, at: position)
        for level in 0..<height { addToSpan(covers.blocks[level], level, 1) }
        count += 1
        return rank + position
    }

    /// Links a first, empty block after the head. O(height).
    private mutating func appendFirstBlock() -> Int32 {
        let block = allocateBlock()
        raiseHeight(to: Int(levels[Int(block)]))
        for level in 0..<Int(levels[Int(block)]) {
            setLink(Self.head, level, Link(next: block, span: 0))
            setLink(block, level, Link(next: Self.none, span: 0))
        }
        return block
    }

    /// Makes levels up to `newHeight` usable: the head's idle links span the whole list.
    mutating func raiseHeight(to newHeight: Int) {
        while height < newHeight {
            setLink(Self.head, height, Link(next: Self.none, span: Int32(count)))
            height += 1
        }
    }

    /// Moves the tail of full `block` to the front of `next`, its successor, which has room
    /// for two more at least: half of that room. O(height + blockCapacity).
    private mutating func spill(from block: Int32, into next: Int32, covers: Path) {
        moveBoundary(between: block, and: next, by: max(1, (blockCapacity - Int(counts[Int(next)])) / 2), covers: covers)
    }

    /// Turns full `block` and `next`, its full (or all but full) successor, into three
    /// blocks of about a third of their entries each: `block` keeps its first third, and a
    /// new block between them takes the rest of `block`'s entries and the front of
    /// `next`'s. Each of the three keeps room for the key. O(height + blockCapacity).
    private mutating func splitInThree(_ block: Int32, before next: Int32, covers: inout Path, rank: Int) {
        let total = blockCapacity + Int(counts[Int(next)])
        let kept = total / 3
        // With tiny blocks a third is less than what `block` hands on; the new block
        // then takes no more than that.
        let middle = max(total / 3, blockCapacity - kept)
        split(block, keeping: kept, covers: &covers, rank: rank)
        let fresh = link(block, 0).next
        let freshCovers = self.covers(of: fresh, rank: rank + kept, predecessors: covers)
        moveBoundary(between: fresh, and: next, by: Int(counts[Int(fresh)]) - middle, covers: freshCovers)
    }

    /// Moves the boundary between `block` and `next`, its successor, by `moved` entries:
    /// from the end of `block` to the front of `next`, or, when negative, from the front
    /// of `next` to the end of `block`; the receiving block has room. `covers` are
    /// `block`'s. O(height + blockCapacity).
    private mutating func moveBoundary(between block: Int32, and next: Int32, by moved: Int, covers: Path) {
        let count = Int(counts[Int(block)])
        if moved > 0 {
            shiftEntries(of: next, from: 0, by: moved)
            copyEntries(from: slot(block, count - moved), to: slot(next, 0), count: moved)
        } else if moved < 0 {
            copyEntries(from: slot(next, 0), to: slot(block, count), count: -moved)
            let left = Int(counts[Int(next)]) + moved
            moveEntries(from: slot(next, -moved), to: slot(next, 0), count: left)
            counts[Int(next)] = Int32(left)
            refreshFirstScore(next)
        }
        counts[Int(block)] = Int32(count - moved)
        // `next` now starts `moved` entries earlier: links ending at it shrink, its own grow.
        for level in 0..<Int(levels[Int(next)]) {
            addToSpan(covers.blocks[level], level, -Int32(moved))
            addToSpan(next, level, Int32(moved))
        }
    }

    /// Moves all but the first `kept` entries of full `block` into a new block linked after
    /// it. O(height + blockCapacity).
    private mutating func split(_ block: Int32, keeping kept: Int, covers: inout Path, rank: Int) {
        let fresh = allocateBlock()
        let freshLevel = Int(levels[Int(fresh)])
        if freshLevel > height {
            for level in height..<freshLevel {
                covers.blocks[level] = Self.head
                covers.ranks[level] = 0
            }
            raiseHeight(to: freshLevel)
        }
        let moved = Int(counts[Int(block)]) - kept
        copyEntries(from: slot(block, kept), to: slot(fresh, 0), count: moved)
        counts[Int(block)] = Int32(kept)
        counts[Int(fresh)] = Int32(moved)
        let freshRank = rank + kept
        for level in 0..<freshLevel {
            let previous = covers.blocks[level], previousRank = covers.ranks[level]
            let old = link(previous, level)
            setLink(fresh, level, Link(next: old.next, span: Int32(previousRank + Int(old.span) - freshRank)))
            setLink(previous, level, Link(next: fresh, span: Int32(freshRank - previousRank)))
        }
    }

    /// Writes `key` at `position` of `block`, shifting later entries up. O(blockCapacity).
    private mutating func place(_ key: SortKey, in block: Int32, at position: Int) {
        shiftEntries(of: block, from: position, by: 1)
        setKey(key, at: slot(block, position))
        setBlock(block, of: key.member)
        refreshFirstScore(block)
    }

    /// Opens `gap` empty slots at `position` of `block` and counts them in. O(blockCapacity).
    mutating func shiftEntries(of block: Int32, from position: Int, by gap: Int) {
        let start = slot(block, position)
        moveEntries(from: start, to: start + gap, count: Int(counts[Int(block)]) - position)
        counts[Int(block)] += Int32(gap)
    }

    /// Copies `count` entries to slots `target...` (at the front of their block or past its
    /// `counts`, which the caller then fixes), recording their new block. O(count).
    mutating func copyEntries(from source: Int, to target: Int, count: Int) {
        let block = Int32(target / blockCapacity)
        moveEntries(from: source, to: target, count: count)
        for offset in 0..<count { setBlock(block, of: members[target + offset]) }
        refreshFirstScore(block)
    }
}
