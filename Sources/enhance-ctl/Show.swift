/// `enhance-ctl show ID`: everything the queue knows about one job.
import ArgumentParser
import Common
import Foundation
import JobQueue

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show one job in full.")

    @OptionGroup var options: QueueOptions
    @Argument(help: "The job's id (see `enhance-ctl jobs`).") var id: Int64
    @Flag(name: .long, help: "Print JSON instead of text.") var json = false

    func run() throws {
        try reportingFailures {
            guard let job = try options.openQueue().job(id: id) else { throw Failure("job \(id): no such job") }
            if json { return try printJSON(job) }
            let time = { (t: Double?) in t.map { Date(timeIntervalSince1970: $0).formatted(.iso8601) } ?? "-" }
            // The source as this host reaches it (its path for the job's root), and where the
            // job lies by root name, which every host agrees on.
            var place: RootMap.Place?
            if let root = job.rootName, let relative = job.relativePath { place = .init(rootName: root, relativePath: relative) }
            let local = try place.flatMap { try options.configuration().rootMap.path(of: $0) }
            var rows: [(String, String)] = [
                ("job", "\(job.id)"), ("state", job.state.rawValue), ("source", local ?? job.sourcePath),
            ]
            if let place { rows.append(("root", "\(place.rootName): \(place.relativePath)")) }
            if let local, local != job.sourcePath { rows.append(("queued as", job.sourcePath)) }
            rows += [
                ("sha256", job.sha256), ("size", "\(job.size) bytes"), ("model", job.modelID),
                ("parameters", job.paramsKey), ("attempts", "\(job.attempts)"),
                ("output", job.outputPath ?? "-"), ("created", time(job.createdAt)),
                ("started", time(job.startedAt)), ("finished", time(job.finishedAt)),
            ]
            if let name = job.modelName {
                rows.append(("enhanced by", "\(name)" + (job.modelSHA256.map { " (sha256 \($0))" } ?? "")))
            }
            if let elapsed = job.elapsed { rows.append(("elapsed", String(format: "%.2f s", elapsed))) }
            if let quality = job.jpegQuality { rows.append(("JPEG quality", "\(quality) (of the input)")) }
            if let sigma = job.noiseSigma { rows.append(("noise σ", String(format: "%.1f (of the input, 0–255 scale)", sigma))) }
            if job.state == .running {
                rows.append(("progress", "\(Int((job.progress * 100).rounded()))%"))
                rows.append(("lease", "\(job.leaseOwner ?? "?") until \(time(job.leaseExpiry))"))
            }
            if job.state == .queued && job.notBefore > JobQueue.now() { rows.append(("next try", time(job.notBefore))) }
            if let original = job.duplicateOf { rows.append(("duplicate of", "job \(original)")) }
            if let error = job.lastError { rows.append(("reason", error)) }
            for warning in job.warnings?.split(separator: "\n") ?? [] { rows.append(("warning", String(warning))) }
            // Values (paths, reasons) wrap under themselves, so no line is wider than the terminal.
            let label = 13, width = TerminalWidth.current - label
            for (key, value) in rows {
                for (index, line) in wrapped(value, width: width).enumerated() {
                    print((index == 0 ? key : "").padding(toLength: label, withPad: " ", startingAt: 0) + line)
                }
            }
        }
    }
}
