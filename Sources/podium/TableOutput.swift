/// A table for people: a header and rows, columns padded to their widest cell, numbers
/// right-aligned. Widths count characters, so wide glyphs (emoji, CJK) may misalign.
struct TableOutput {
    struct Column {
        var title: String
        var isNumeric: Bool

        static func text(_ title: String) -> Column { Column(title: title, isNumeric: false) }
        static func number(_ title: String) -> Column { Column(title: title, isNumeric: true) }
    }

    let columns: [Column]
    var rows: [[String]] = []

    init(_ columns: [Column]) {
        self.columns = columns
    }

    mutating func append(_ row: [String]) {
        rows.append(row)
    }

    /// The lines of the table, the header bold on a colour terminal. O(cells).
    func lines() -> [String] {
        let widths = columns.indices.map { column in
            rows.reduce(columns[column].title.count) { max($0, $1[column].count) }
        }
        func render(_ cells: [String]) -> String {
            let padded = cells.indices.map { column in
                let padding = String(repeating: " ", count: widths[column] - cells[column].count)
                return columns[column].isNumeric ? padding + cells[column] : cells[column] + padding
            }
            return String(padded.joined(separator: "  ").reversed().drop { $0 == " " }.reversed())
        }
        return [Output.bold(render(columns.map(\.title)))] + rows.map(render)
    }

    func print() {
        for line in lines() { Output.line(line) }
    }
}
