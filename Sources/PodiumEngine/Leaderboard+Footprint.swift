/// The memory a board's storage holds, counted by the engine itself: the bytes of its
/// arrays' elements and of their capacities. A process's resident growth is a poorer
/// measure of a board: it leaves out reserved pages never written, and pages the board
/// reused from earlier frees, resident already (BENCHMARKS.md, "The memory figure does
/// not add up").
public struct MemoryFootprint: Sendable, Equatable {
    /// Bytes of the elements the board's arrays hold.
    public var usedBytes = 0
    /// Bytes the board's arrays have reserved (their capacities): what the allocator
    /// handed out for them, as Redis's `used_memory` counts its own.
    public var reservedBytes = 0

    /// Counts `array`'s elements and capacity in. O(1).
    mutating func add<Element>(_ array: [Element]) {
        usedBytes += array.count * MemoryLayout<Element>.stride
        reservedBytes += array.capacity * MemoryLayout<Element>.stride
    }
}

extension Leaderboard {
    /// What the board's skip list and member table hold; member metadata is not counted.
    /// O(1).
    public var memoryFootprint: MemoryFootprint {
        var footprint = MemoryFootprint()
        list.addFootprint(to: &footprint)
        return footprint
    }
}

extension SkipList {
    /// Counts the list's arrays, and its member table's, into `footprint`. O(1).
    func addFootprint(to footprint: inout MemoryFootprint) {
        footprint.add(counts)
        footprint.add(levels)
        footprint.add(towers)
        footprint.add(headers)
        footprint.add(upperLinks)
        footprint.add(freeTowers)
        for towers in freeTowers { footprint.add(towers) }
        footprint.add(scores)
        footprint.add(ties)
        footprint.add(members)
        footprint.add(freeBlocks)
        names.addFootprint(to: &footprint)
    }
}
