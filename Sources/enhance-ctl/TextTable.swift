/// Aligned plain-text tables for terminal output.

struct TextTable {
    let headers: [String]
    private(set) var rows: [[String]] = []

    init(_ headers: [String]) { self.headers = headers }

    mutating func add(_ row: [String]) { rows.append(row) }

    /// The first column left-aligned, the others right-aligned (they hold numbers).
    func render() -> String {
        let all = [headers] + rows
        let widths = headers.indices.map { c in all.map { $0[c].count }.max() ?? 0 }
        return all.map { row in
            row.indices.map { c in
                let pad = String(repeating: " ", count: widths[c] - row[c].count)
                return c == 0 ? row[c] + pad : pad + row[c]
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}

func fixed(_ value: Double, _ digits: Int) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    var text = String(rounded)
    if digits == 0 { return String(Int(rounded)) }
    let parts = text.split(separator: ".", omittingEmptySubsequences: false)
    let fraction = parts.count > 1 ? String(parts[1]) : ""
    text = String(parts[0]) + "." + String((fraction + String(repeating: "0", count: digits)).prefix(digits))
    return text
}
