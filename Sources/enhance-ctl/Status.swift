/// `enhance-ctl status`: is the daemon up, what is it doing, how fast, what failed and why.
import ArgumentParser
import Common
import Foundation
import JobQueue

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show whether the daemon runs, the queue's counts, running jobs, throughput and recent failures.",
        discussion: "Exit status, as systemctl status gives it: 0 the daemon runs and beats, 3 it does not run (stopped, killed, or never started on this database), 1 it hangs or the queue cannot be read.")

    @OptionGroup var options: QueueOptions
    @Flag(name: .long, help: "Print JSON instead of text.") var json = false


    struct Report: Codable {
        struct DaemonInfo: Codable {
            var state: String
            var pid: Int32
            var version: String
            var uptimeSeconds: Double?
            var lastHeartbeatSecondsAgo: Double
            var model: String
            var modelSHA256: String
            var workers: Int
            var threadsPerWorker: Int
        }
        struct RunningJob: Codable {
            var id: Int64
            var source: String
            var progress: Double
            var runningSeconds: Double
            var attempt: Int
        }
        struct FailedJob: Codable {
            var id: Int64
            var source: String
            var reason: String
        }
        /// A daemon working a shared queue, as its row in `nodes` says.
        struct NodeInfo: Codable {
            var name: String
            var pid: Int32
            var version: String
            var workers: Int
            var threadsPerWorker: Int
            var lastHeartbeatSecondsAgo: Double
            var stopped: Bool
            var runningJobs: Int
        }
        var database: String
        var daemon: DaemonInfo?
        /// Every node of a shared (PostgreSQL) queue; absent for SQLite's one daemon.
        var nodes: [NodeInfo]?
        var paused: Bool
        var counts: [String: Int]
        var running: [RunningJob]
        var doneLastHour: Int
        var outputMegapixelsLastHour: Double
        var oldestQueuedAgeSeconds: Double?
        var recentFailures: [FailedJob]
    }

    /// Exit status: 0 when the daemon runs and beats, 3 when it does not run (stopped, killed, or
    /// never started on this database), 1 when it hangs or the queue cannot be read — for
    /// monitors, as `systemctl status` does. The output is the same whatever the status.
    func run() throws {
        var health = DaemonHealth.stopped
        try reportingFailures {
            let c = try options.configuration()
            let queue: any JobStore
            do {
                queue = try options.openQueue()
            } catch where c.backend == .sqlite && !FileManager.default.fileExists(atPath: c.database) {
                // No database: no daemon has ever run with this configuration. Said as before,
                // but a monitor reads "not running" rather than an error.
                FileHandle.standardError.write(Data("enhance-ctl: \(error)\n".utf8))
                throw ExitCode(DaemonHealth.notRunning)
            }
            let now = JobQueue.now()
            let status = try queue.status(now: now)
            let record = try queue.daemonRecord()
            health = DaemonHealth(record, now: now)
            let daemon = record.map { record in
                Report.DaemonInfo(state: health.word, pid: record.pid, version: record.version,
                                  uptimeSeconds: record.stoppedAt == nil ? now - record.startedAt : nil,
                                  lastHeartbeatSecondsAgo: now - record.heartbeatAt, model: record.modelName,
                                  modelSHA256: record.modelSHA256, workers: record.workers,
                                  threadsPerWorker: record.threads)
            }
            let nodes = queue.isShared ? try queue.nodes().map {
                Report.NodeInfo(name: $0.node, pid: $0.pid, version: $0.version, workers: $0.workers,
                                threadsPerWorker: $0.threads, lastHeartbeatSecondsAgo: now - $0.heartbeatAt,
                                stopped: $0.stoppedAt != nil, runningJobs: $0.runningJobs ?? 0)
            } : nil
            let report = Report(
                database: queue.location, daemon: daemon, nodes: nodes, paused: status.paused, counts: status.counts,
                running: status.running.map {
                    Report.RunningJob(id: $0.id, source: $0.sourcePath, progress: $0.progress,
                                      runningSeconds: now - ($0.startedAt ?? now), attempt: $0.attempts)
                },
                doneLastHour: status.doneLastHour,
                outputMegapixelsLastHour: Double(status.outputPixelsLastHour) / 1e6,
                oldestQueuedAgeSeconds: status.oldestQueuedAt.map { now - $0 },
                recentFailures: status.recentFailures.map {
                    Report.FailedJob(id: $0.id, source: $0.sourcePath, reason: $0.lastError ?? "")
                })
            if json { try printJSON(report) } else { print(Self.text(report)) }
        }
        if health.exitStatus != 0 { throw ExitCode(health.exitStatus) }
    }

    static func text(_ r: Report) -> String {
        var lines: [String] = []
        if let d = r.daemon {
            switch d.state {
            case "running":
                lines.append("daemon   running, pid \(d.pid), up \(duration(d.uptimeSeconds ?? 0)), enhanced \(d.version)")
            case "stopped":
                lines.append("daemon   stopped (was pid \(d.pid))")
            default:
                lines.append("daemon   NOT RESPONDING: pid \(d.pid), last heartbeat \(duration(d.lastHeartbeatSecondsAgo)) ago")
            }
            lines.append("model    \(d.model) (sha256 \(d.modelSHA256.prefix(12))…), \(d.workers) worker(s) × \(d.threadsPerWorker) thread(s)")
        } else {
            lines.append("daemon   has never run on \(shortened(r.database, to: 50))")
        }
        if let nodes = r.nodes, !nodes.isEmpty {
            lines.append("nodes    " + nodes.map { n in
                "\(n.name) (pid \(n.pid), \(n.workers)×\(n.threadsPerWorker), \(n.stopped ? "stopped" : "beat \(duration(n.lastHeartbeatSecondsAgo)) ago"), \(n.runningJobs) running)"
            }.joined(separator: " · "))
        }
        lines.append("queue    \(r.paused ? "PAUSED (enhance-ctl resume)" : "active")")
        let order = ["queued", "running", "done", "failed", "skipped"]
        lines.append("jobs     " + order.map { "\($0) \(r.counts[$0] ?? 0)" }.joined(separator: " · "))
        if let age = r.oldestQueuedAgeSeconds { lines.append("oldest   queued \(duration(age)) ago") }
        let rate = String(format: "%.1f", r.outputMegapixelsLastHour)
        lines.append("hour     \(r.doneLastHour) done, \(rate) output megapixels")
        if !r.running.isEmpty {
            lines.append("")
            lines.append(TextTable(["ID", "DONE", "TIME", "SOURCE"], rightAligned: [0, 1, 2], rows: r.running.map {
                ["\($0.id)", "\(Int(($0.progress * 100).rounded()))%", duration($0.runningSeconds), shortened($0.source, to: 56)]
            }).render())
        }
        if !r.recentFailures.isEmpty {
            lines.append("")
            lines.append("recent failures:")
            // 80 columns: the file's name (shortened from the left, where its folders are) and
            // the reason without the path it starts with (shortened from the right: its cause
            // comes first).
            lines.append(TextTable(["ID", "FILE", "REASON"], rightAligned: [0], rows: r.recentFailures.map { failure in
                let name = (failure.source as NSString).lastPathComponent
                let reason = failure.reason.hasPrefix(failure.source + ": ")
                    ? String(failure.reason.dropFirst(failure.source.count + 2)) : failure.reason
                return ["\(failure.id)", shortened(name, to: 24), truncated(reason, to: 44)]
            }).render())
        }
        return lines.joined(separator: "\n")
    }
}
