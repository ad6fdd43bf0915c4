/// Aligned plain-text tables, and the spelling of the numbers, durations and paths in their
/// cells: the one formatter behind every table `enhance-ctl` prints (benchmarks and the queue).

/// Columns padded to their widest cell, two spaces apart. Right-aligned columns hold numbers.
/// A left-aligned last column is not padded: it holds paths or reasons, which the caller cuts to
/// fit an 80-column terminal, and trailing blanks would only push lines past it.
struct TextTable {
    let headers: [String]
    /// Indices of the right-aligned columns.
    let rightAligned: Set<Int>
    private(set) var rows: [[String]] = []

    /// By default the first column is left-aligned (it names the row) and the others are
    /// right-aligned (they hold measurements).
    init(_ headers: [String], rightAligned: Set<Int>? = nil, rows: [[String]] = []) {
        self.headers = headers
        self.rightAligned = rightAligned ?? Set(headers.indices.dropFirst())
        self.rows = rows
    }

    mutating func add(_ row: [String]) {
        precondition(row.count == headers.count, "a row of \(row.count) cells in a table of \(headers.count) columns")
        rows.append(row)
    }

    func render() -> String {
        let all = [headers] + rows
        let widths = headers.indices.map { c in all.map { $0[c].count }.max() ?? 0 }
        return all.map { row in
            row.indices.map { c in
                let right = rightAligned.contains(c)
                if c == row.count - 1 && !right { return row[c] }
                let pad = String(repeating: " ", count: widths[c] - row[c].count)
                return right ? pad + row[c] : row[c] + pad
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}

/// `value` with exactly `digits` decimals (no thousands separators, no locale): 0.583, 12.0.
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

/// Human durations: 42s, 3m 05s, 2h 07m, 3d 04h.
func duration(_ seconds: Double) -> String {
    let s = max(0, Int(seconds.rounded()))
    if s < 60 { return "\(s)s" }
    if s < 3600 { return "\(s / 60)m \(twoDigits(s % 60))s" }
    if s < 86400 { return "\(s / 3600)h \(twoDigits(s % 3600 / 60))m" }
    return "\(s / 86400)d \(twoDigits(s % 86400 / 3600))h"
}

private func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

/// Keeps the end of a path (the file name matters most) within `width` characters.
func shortened(_ text: String, to width: Int) -> String {
    text.count <= width ? text : "…" + String(text.suffix(width - 1))
}

/// `text` cut to `width` characters from the right, with an ellipsis where it was cut.
func truncated(_ text: String, to width: Int) -> String {
    text.count <= width ? text : String(text.prefix(width - 1)) + "…"
}

/// `text` broken into lines of at most `width` characters, at spaces where it has them (a
/// reason), else anywhere (a long path or a hash).
func wrapped(_ text: String, width: Int) -> [String] {
    precondition(width > 0)
    var lines: [String] = []
    var line = ""
    for word in text.split(separator: " ", omittingEmptySubsequences: false).map(String.init) {
        var word = word
        if !line.isEmpty, line.count + 1 + word.count <= width {
            line += " " + word
            continue
        }
        if !line.isEmpty { lines.append(line); line = "" }
        while word.count > width {
            lines.append(String(word.prefix(width)))
            word = String(word.dropFirst(width))
        }
        line = word
    }
    lines.append(line)
    return lines
}
