/// Plain aligned columns for terminal output.
struct TextTable {
    var header: [String]
    var rows: [[String]] = []

    init(header: [String]) { self.header = header }

    mutating func add(_ row: [String]) { rows.append(row) }

    func render() -> String {
        var widths = header.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in
                i == cells.count - 1 ? c : c + String(repeating: " ", count: max(0, widths[i] - c.count))
            }.joined(separator: "  ") + "\n"
        }
        return ([header] + rows).map(line).joined()
    }
}
