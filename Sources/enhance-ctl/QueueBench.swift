/// `enhance-ctl bench queue`: claims per second of the job queue alone, without the generator,
/// on SQLite and (given `--url`) PostgreSQL — what the queue costs the workers of a cluster.
import ArgumentParser
import Foundation
import JobQueue

struct QueueBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "Measure the queue alone: claims per second and claim latency with no-op jobs.",
        discussion: """
            For each worker count W: N jobs are enqueued into an empty queue, then W threads each \
            claim and complete jobs until none is left. SQLite uses a temporary file; PostgreSQL a \
            schema of its own in the --url database, dropped afterwards.
            """)

    @Option(help: "A PostgreSQL database to measure too (a URL or libpq conninfo, no password); needs the CREATE privilege.")
    var url: String?
    @Option(help: "A .pgpass-format file with the password (default: PGPASSFILE or ~/.pgpass).")
    var passwordFile: String?
    @Option(help: "Jobs per run.") var jobs = 2000
    @Option(help: "Worker thread counts, comma-separated.") var workers = "1,4,16"
    @Flag(help: "Print JSON instead of a table.") var json = false

    struct Row: Codable {
        var backend: String
        var workers: Int
        var jobs: Int
        var seconds: Double
        var claimsPerSecond: Double
        var p50ClaimMilliseconds: Double
        var p99ClaimMilliseconds: Double
        /// "debug" or "release": a debug build's own overhead is part of every figure.
        var build: String
    }

    var workerCounts: [Int] { workers.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }

    func validate() throws {
        if jobs < 1 { throw ValidationError("--jobs must be at least 1, got \(jobs)") }
        let counts = workerCounts
        if counts.isEmpty || counts.count != workers.split(separator: ",").count || counts.contains(where: { $0 < 1 }) {
            throw ValidationError("--workers must be positive whole numbers separated by commas, got \"\(workers)\"")
        }
    }

    static var build: String {
        #if DEBUG
        "debug"
        #else
        "release"
        #endif
    }

    func run() throws {
        try reportingFailures {
            var rows: [Row] = []
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("enhance-bench-queue-\(getpid())-\(UUID().uuidString.prefix(8))").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            for count in workerCounts {
                let queue = try JobQueue(path: "\(directory)/queue-\(count).sqlite")
                rows.append(try measure(queue, backend: "sqlite", workers: count))
            }
            if let url {
                for count in workerCounts {
                    rows.append(try PostgreSQLQueue.withScratchSchema(url: url, passwordFile: passwordFile, node: "bench") {
                        try measure($0, backend: "postgresql", workers: count)
                    })
                }
            }
            if json { return try printJSON(rows) }
            print("\(jobs) no-op jobs per run; \(Self.build) build")
            print(TextTable(["backend", "workers", "claims/s", "p50 claim ms", "p99 claim ms", "seconds"], rows: rows.map {
                [$0.backend, "\($0.workers)", fixed($0.claimsPerSecond, 0), fixed($0.p50ClaimMilliseconds, 3),
                 fixed($0.p99ClaimMilliseconds, 3), fixed($0.seconds, 2)]
            }).render())
        }
    }

    /// Enqueues `jobs` distinct jobs into the empty `queue`, then runs `workers` threads that
    /// claim and complete until nothing is left; the clock runs from the first claim to the
    /// last thread's end.
    private func measure(_ queue: any JobStore, backend: String, workers: Int) throws -> Row {
        guard try queue.counts().values.reduce(0, +) == 0 else {
            throw Failure("\(queue.location): the benchmark needs an empty queue")
        }
        let now = JobQueue.now()
        for index in 0..<jobs {
            let digest = String(format: "%064x", index)
            try queue.enqueue(JobSubmission(sourcePath: "/bench/\(index).png", sha256: digest, size: 1, mtime: now,
                                            modelID: "bench", paramsKey: "none"), now: now)
        }
        let results = ClaimResults()
        let group = DispatchGroup()
        let start = DispatchTime.now().uptimeNanoseconds
        for worker in 0..<workers {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                results.add(Self.work(queue, owner: "bench/\(getpid())/\(worker)"))
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        group.wait()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let (latencies, claimed, error) = results.collected()
        if let error { throw error }
        guard claimed == jobs else { throw Failure("\(queue.location): \(claimed) of \(jobs) jobs were claimed") }
        let sorted = latencies.sorted()
        let percentile = { (p: Double) in sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(p * Double(sorted.count)))] * 1000 }
        return Row(backend: backend, workers: workers, jobs: jobs, seconds: seconds,
                   claimsPerSecond: Double(claimed) / seconds, p50ClaimMilliseconds: percentile(0.5),
                   p99ClaimMilliseconds: percentile(0.99), build: Self.build)
    }

    /// One worker's loop: claim → complete until a claim comes back empty. Its claims' latencies
    /// in seconds (successful claims only), or the error that stopped it.
    private static func work(_ queue: any JobStore, owner: String) -> Result<[Double], any Error> {
        Result {
            var latencies: [Double] = []
            while true {
                let before = DispatchTime.now().uptimeNanoseconds
                guard let job = try queue.claim(owner: owner, lease: 300, now: JobQueue.now()) else { return latencies }
                latencies.append(Double(DispatchTime.now().uptimeNanoseconds - before) / 1e9)
                try queue.complete(id: job.id, owner: owner, outputPath: job.sourcePath + ".out", elapsed: 0,
                                   outputPixels: 0, jpegQuality: nil, noiseSigma: nil, modelName: nil,
                                   modelSHA256: nil, warning: nil, now: JobQueue.now())
            }
        }
    }
}

/// The workers' results, gathered from their threads; `lock` guards `latencies` and `error`.
private final class ClaimResults: @unchecked Sendable {
    private let lock = NSLock()
    private var latencies: [Double] = []
    private var error: (any Error)?

    func add(_ result: Result<[Double], any Error>) {
        lock.withLock {
            switch result {
            case .success(let values): latencies += values
            case .failure(let failure): error = error ?? failure
            }
        }
    }

    func collected() -> (latencies: [Double], claimed: Int, error: (any Error)?) {
        lock.withLock { (latencies, latencies.count, error) }
    }
}
