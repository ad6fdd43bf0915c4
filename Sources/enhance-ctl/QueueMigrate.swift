/// `enhance-ctl queue migrate --to URL`: moves the configured SQLite queue into PostgreSQL, for
/// a single host becoming the first node of several.
import ArgumentParser
import Configuration
import Foundation
import JobQueue

struct QueueMigrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Move the SQLite queue (every job, the pause switch, the daemon's record) into an empty PostgreSQL database.",
        discussion: """
            Refused while enhanced runs on the SQLite queue, and into a database that already holds jobs. \
            The copy is one transaction: on any error PostgreSQL is left as it was. The SQLite file is not changed. \
            Jobs that were running when their daemon stopped are moved as queued, as the daemon's next start would \
            requeue them.
            """)

    @OptionGroup var options: QueueOptions
    @Option(name: .long, help: "The PostgreSQL database: a postgresql:// URL or a libpq conninfo string, without a password.")
    var to: String
    @Option(name: .long, help: "A .pgpass-format file with the password (as [state] password_file; default: that key, else PGPASSFILE or ~/.pgpass).")
    var passwordFile: String?

    func run() throws {
        try reportingFailures {
            do {
                _ = try PostgreSQLQueue.describe(to)
            } catch let error as PostgreSQLError {
                throw Failure("--to: \(error.message)")
            }
            let config = try options.configuration()
            let database = config.database
            guard FileManager.default.fileExists(atPath: database) else {
                throw Failure("\(database): no such queue (has the daemon ever run with this configuration?)")
            }
            let lock = try SQLiteQueueLock(database: database)
            defer { withExtendedLifetime(lock) {} }
            let now = JobQueue.now()
            // A private copy in memory: the file stays byte for byte as it was, and the copy's
            // running jobs (their daemon is gone: we hold its lock) are requeued or failed
            // exactly as the daemon's own start-up would do it.
            let source = try JobQueue(scratchCopyOf: database)
            let recovered = try source.recoverAbandoned(all: true, policy: config.retryPolicy, sparing: nil, now: now)
            let snapshot = try source.snapshot()
            let target = try PostgreSQLQueue(url: to, passwordFile: passwordFile ?? config.passwordFile,
                                             node: config.nodeName)
            let outcome = try target.importQueue(snapshot, now: now)
            report(outcome, recovered: recovered, snapshot: snapshot, from: database, into: target.location,
                   config: config)
        }
    }

    private func report(_ outcome: ImportOutcome, recovered: [Job], snapshot: QueueSnapshot, from database: String,
                        into location: String, config: DaemonConfiguration) {
        print("moved \(snapshot.rows.count) jobs from \(database) into \(location):")
        print(TextTable(["STATE", "JOBS"], rightAligned: [1], rows: JobState.allCases.map {
            [$0.rawValue, "\(outcome.counts[$0, default: 0])"]
        }).render())
        if !recovered.isEmpty {
            let requeued = recovered.filter { $0.state == .queued }.count
            print("\(recovered.count) were running when their daemon stopped: \(requeued) queued again, \(recovered.count - requeued) failed (no attempt left)")
        }
        if snapshot.paused { print("the queue is paused, as it was: `enhance-ctl resume` starts the nodes' work") }
        if let node = outcome.node { print("the daemon's record is now node \"\(node)\" (stopped)") }
        if !outcome.defaulted.isEmpty {
            print("left at their defaults (PostgreSQL only): \(outcome.defaulted.joined(separator: ", "))")
        }
        print("""
            \(database) is unchanged. Next, in \(config.file ?? "the configuration"), set
              [state]
              backend = "postgresql"
              url = "\(to)"
            """)
        if let file = passwordFile ?? config.passwordFile { print("  password_file = \"\(file)\"") }
        print("and start enhanced on each host, each with its own [node] name.")
    }
}
