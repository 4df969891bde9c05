/// A plain-text table with left-aligned, space-padded columns, for operator output.
struct OperatorTable {
    let headers: [String]
    var rows: [[String]] = []

    /// The table as lines, header first; cells longer than `maxCellWidth` are cut with `…`.
    func render(maxCellWidth: Int = 72) -> String {
        let cut = ([headers] + rows).map { row in
            row.map { $0.count > maxCellWidth ? String($0.prefix(maxCellWidth - 1)) + "…" : $0 }
        }
        var widths = headers.map(\.count)
        for row in cut {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        return cut.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
