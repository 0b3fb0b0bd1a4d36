/// Plain aligned columns for terminal output.
struct TextTable {
    var header: [String]
    var rows: [[String]] = []

    init(header: [String]) { self.header = header }

    /// Cells are shown with control characters escaped (`TerminalText.visible`): they may hold
    /// agent-supplied text.
    mutating func add(_ row: [String]) { rows.append(row.map(TerminalText.visible)) }

    /// - Parameter style: applied to each body cell after padding (row index, column index,
    ///   padded text), e.g. to colour it; escape codes then do not disturb the alignment.
    func render(style: (_ row: Int, _ column: Int, _ cell: String) -> String = { _, _, cell in cell }) -> String {
        var widths = header.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        func line(_ cells: [String], row: Int?) -> String {
            cells.enumerated().map { i, c in
                let padded = i == cells.count - 1 ? c : c + String(repeating: " ", count: max(0, widths[i] - c.count))
                return row.map { style($0, i, padded) } ?? padded
            }.joined(separator: "  ") + "\n"
        }
        return line(header, row: nil) + rows.enumerated().map { line($1, row: $0) }.joined()
    }
}
