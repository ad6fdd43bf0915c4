/// What the daemon-facing commands share: the configuration that says where the queue is.
import ArgumentParser
import Configuration
import Foundation
import JobQueue

struct QueueOptions: ParsableArguments {
    @Option(name: .long, help: "The daemon's TOML configuration (default: the embedded one, ./var/state/enhance.sqlite).")
    var config: String?

    func configuration() throws -> DaemonConfiguration {
        do {
            return try DaemonConfiguration.load(file: config)
        } catch {
            throw Failure("\(error)")
        }
    }

    /// Opens the daemon's queue. A short busy timeout: the daemon's transactions are short, and
    /// a command should answer rather than hang.
    func openQueue(create: Bool = false) throws -> JobQueue {
        let path = try configuration().database
        do {
            return try JobQueue(path: path, create: create, busyTimeout: 5)
        } catch {
            throw Failure("\(error)")
        }
    }
}

/// Output for `--json`: pretty, keys sorted, so scripts and people can both read it.
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

/// Human durations: 42s, 3m 05s, 2h 07m, 3d 04h.
func duration(_ seconds: Double) -> String {
    let s = max(0, Int(seconds.rounded()))
    if s < 60 { return "\(s)s" }
    if s < 3600 { return "\(s / 60)m \(String(format: "%02d", s % 60))s" }
    if s < 86400 { return "\(s / 3600)h \(String(format: "%02d", s % 3600 / 60))m" }
    return "\(s / 86400)d \(String(format: "%02d", s % 86400 / 3600))h"
}

/// Keeps the end of a path (the file name matters most) within `width` characters.
func shortened(_ text: String, to width: Int) -> String {
    text.count <= width ? text : "…" + String(text.suffix(width - 1))
}

/// Columns padded to their widest cell; numeric columns right-aligned; the last column is not
/// padded (it holds paths or reasons, cut to fit the 80-column terminal by the caller).
func columns(_ header: [String], _ rows: [[String]], rightAligned: Set<Int> = []) -> String {
    let all = [header] + rows
    let widths = header.indices.map { c in all.map { $0[c].count }.max() ?? 0 }
    return all.map { row in
        row.indices.map { c in
            let pad = String(repeating: " ", count: widths[c] - row[c].count)
            if c == row.count - 1 && !rightAligned.contains(c) { return row[c] }
            return rightAligned.contains(c) ? pad + row[c] : row[c] + pad
        }.joined(separator: "  ")
    }.joined(separator: "\n")
}
