import CLibPQ
import Foundation

/// The job queue in PostgreSQL, shared by the daemons of several hosts (`[state] backend =
/// "postgresql"`). The same answers as `JobQueue` to the same calls (the conformance tests run
/// one body against both); what differs is how concurrency is made safe across hosts:
/// - a claim is ONE statement, `UPDATE … WHERE id = (SELECT … FOR UPDATE SKIP LOCKED LIMIT 1)`,
///   so workers on every node claim at once without waiting for each other;
/// - an enqueue takes a transaction-scoped advisory lock on its content key, so two nodes that
///   see the same file (or two copies of one photo) at once still make one job, and inserts
///   with `ON CONFLICT DO NOTHING` against the unique identity index;
/// - any node's heartbeat requeues expired leases (row locks make each requeue happen once);
/// - `NOTIFY enhance_jobs` when work is added or freed wakes idle workers everywhere;
/// - pause is one row every node reads; `nodes` holds one heartbeat row per node.
///
/// Thread-safe: every call takes its own connection from a small locked pool (`PGPool`).
public final class PostgreSQLQueue: JobStore, @unchecked Sendable {
    /// The database as `postgresql://user@host:port/name`, never with a password.
    public let location: String
    public var isShared: Bool { true }
    /// This host's node name: the first part of its workers' lease owners (`node/pid/worker`).
    public let node: String
    /// Internal, not private: `PostgreSQLQueue+Import` runs its one transaction on it.
    let pool: PGPool
    private let listener: PGListener

    static let channel = "enhance_jobs"

    /// Connects (failing at once when the server cannot be reached: the daemon's start-up error)
    /// and migrates the schema. `passwordFile` is a `.pgpass`-format file; else libpq reads
    /// `PGPASSFILE` or `~/.pgpass`.
    public convenience init(url: String, passwordFile: String? = nil, node: String) throws {
        try self.init(url: url, passwordFile: passwordFile, node: node, options: nil)
    }

    /// `options`: server options for every connection (`PostgreSQLQueue+Scratch`'s schema).
    init(url: String, passwordFile: String?, node: String, options: String?) throws {
        location = try Self.describe(url)
        self.node = node
        pool = PGPool(conninfo: url, passfile: passwordFile, context: location,
                      applicationName: "enhance \(node)", options: options)
        listener = PGListener(pool: pool, channel: Self.channel)
        try pool.with { try PGSchema.migrate($0, context: location) }
    }

    /// The conninfo or URL as a person may see it (user, host, port, database; no password),
    /// or the reason libpq cannot parse it. A password in it is refused: it would end up in the
    /// configuration file, in `ps` and in logs; it belongs in a password file.
    public static func describe(_ url: String) throws -> String {
        var message: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(url, &message) else {
            let text = message.map { String(cString: $0) } ?? "cannot be parsed"
            PQfreemem(message)
            throw PostgreSQLError(sqlstate: nil, message: text, context: "state.url")
        }
        defer { PQconninfoFree(options) }
        var values: [String: String] = [:]
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val { values[String(cString: keyword)] = String(cString: value) }
            option += 1
        }
        if let password = values["password"], !password.isEmpty {
            throw PostgreSQLError(sqlstate: nil, message: "must not contain a password: put it in the file named by state.password_file, or in PGPASSFILE / ~/.pgpass",
                                  context: "state.url")
        }
        let user = values["user"].map { $0 + "@" } ?? ""
        let host = values["host"] ?? values["hostaddr"] ?? ""
        let port = values["port"].map { ":" + $0 } ?? ""
        let database = values["dbname"] ?? values["user"] ?? ""
        return "postgresql://\(user)\(host.hasPrefix("/") ? "[\(host)]" : host)\(port)/\(database)"
    }

    /// `body` on a pooled connection; a transaction that lost a race (serialization failure,
    /// deadlock) is run again, up to three times.
    @discardableResult
    private func perform<T>(_ body: (PGConnection) throws -> T) throws -> T {
        var attempt = 0
        while true {
            do {
                return try pool.with(body)
            } catch let error as PostgreSQLError where error.kind == .conflict && attempt < 3 {
                attempt += 1
            }
        }
    }

    private func notify(_ connection: PGConnection) throws {
        try connection.run("SELECT pg_notify($1, '')", [Self.channel.sqlValue])
    }

    public func schemaVersion() throws -> Int {
        try perform { try $0.run("SELECT coalesce(max(version), 0) AS v FROM schema_migrations").first?.int("v") ?? 0 }
    }

    /// Nothing to do: the server keeps its own log.
    public func checkpoint() throws {}

    // MARK: Adding work

    public func knownJob(sourcePath: String, rootName: String?, relativePath: String?, size: Int64, mtime: Double,
                         modelID: String, paramsKey: String) throws -> Job? {
        var arguments: [SQLValue] = [size.sqlValue, mtime.sqlValue, modelID.sqlValue, paramsKey.sqlValue]
        let file = SourceIdentity(sourcePath: sourcePath, rootName: rootName, relativePath: relativePath)
            .condition { arguments.append($0); return "$\(arguments.count)" }
        return try perform {
            try $0.run("""
                SELECT * FROM jobs WHERE size = $1 AND mtime = $2 AND model_id = $3 AND params_key = $4 AND \(file)
                ORDER BY id DESC LIMIT 1
                """, arguments).first.map(Job.init)
        }
    }

    public func isOutput(path: String) throws -> Bool {
        try perform { !(try $0.run("SELECT 1 FROM jobs WHERE output_path = $1 LIMIT 1", [path.sqlValue]).isEmpty) }
    }

    /// `JobQueue.enqueue`'s rules, step for step, under an advisory lock on the content key:
    /// every enqueue of this content, from any node, runs after the one before has committed.
    public func enqueue(_ s: JobSubmission, now: Double) throws -> EnqueueOutcome {
        // This file's condition, its parameters after the content's three ($1…$3) in `sameFile`,
        // and after id and time ($1, $2) in `newer`.
        let content: [SQLValue] = [s.sha256.sqlValue, s.modelID.sqlValue, s.paramsKey.sqlValue]
        var sameFile = content
        let file = SourceIdentity(s).condition(orSamePath: true) { sameFile.append($0); return "$\(sameFile.count)" }
        var newerArguments: [SQLValue] = [.null, .null]
        let newerFile = SourceIdentity(s).condition(orSamePath: true) { newerArguments.append($0); return "$\(newerArguments.count)" }
        return try perform { c in
            try c.transaction {
                try c.run("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                          [[s.sha256, s.modelID, s.paramsKey].joined(separator: "\u{1f}").sqlValue])
                if let row = try c.run("""
                    SELECT * FROM jobs WHERE sha256 = $1 AND model_id = $2 AND params_key = $3 AND \(file)
                    """, sameFile).first {
                    let known = Job(row)
                    newerArguments[0] = known.id.sqlValue
                    newerArguments[1] = known.updatedAt.sqlValue
                    let newer = try c.run("""
                        SELECT 1 FROM jobs WHERE id != $1 AND updated_at >= $2 AND \(newerFile) LIMIT 1
                        """, newerArguments)
                    guard !newer.isEmpty, [.done, .failed, .skipped].contains(known.state) else { return .known(known) }
                    let requeued = try c.run("""
                        UPDATE jobs SET state = 'queued', attempts = 0, not_before = 0, duplicate_of = NULL,
                                        size = $1, mtime = $2, last_error = NULL, progress = 0, finished_at = NULL,
                                        updated_at = $3
                        WHERE id = $4 RETURNING *
                        """, [s.size.sqlValue, s.mtime.sqlValue, max(now, known.updatedAt + 1e-6).sqlValue,
                              known.id.sqlValue])
                    try notify(c)
                    return .queued(Job(requeued[0]))
                }
                let original = try c.run("""
                    SELECT * FROM jobs WHERE sha256 = $1 AND model_id = $2 AND params_key = $3 AND state != 'skipped'
                    ORDER BY id LIMIT 1
                    """, content).first.map(Job.init)
                let state: JobState = original == nil ? .queued : .skipped
                let reason = original.map { "same content as job \($0.id) (\($0.sourcePath))" }
                let row = try c.run("""
                    INSERT INTO jobs (source_path, sha256, size, mtime, model_id, params_key, state, last_error,
                                      duplicate_of, created_at, updated_at, finished_at, root_name, relative_path)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
                    ON CONFLICT DO NOTHING RETURNING *
                    """, [s.sourcePath.sqlValue, s.sha256.sqlValue, s.size.sqlValue, s.mtime.sqlValue,
                          s.modelID.sqlValue, s.paramsKey.sqlValue, state.rawValue.sqlValue, reason.sqlValue,
                          original?.id.sqlValue ?? .null, now.sqlValue, now.sqlValue,
                          original == nil ? .null : now.sqlValue, s.rootName.sqlValue, s.relativePath.sqlValue])
                guard let inserted = row.first.map(Job.init) else {
                    // Unreachable under the lock (the lookup above covers both unique indexes);
                    // said as the same file seen again if it happens, else as an error, not a crash.
                    guard let existing = try c.run("""
                        SELECT * FROM jobs WHERE sha256 = $1 AND model_id = $2 AND params_key = $3 AND \(file)
                        """, sameFile).first else {
                        throw PostgreSQLError(sqlstate: nil, message: "\(s.sourcePath): conflicts with a job the queue does not show",
                                              context: location)
                    }
                    return .known(Job(existing))
                }
                if let original { return .duplicate(inserted, original: original) }
                try notify(c)
                return .queued(inserted)
            }
        }
    }

    public func recordRejected(sourcePath: String, reason: String, modelID: String, paramsKey: String,
                               now: Double) throws -> Job? {
        try perform {
            try $0.run("""
                INSERT INTO jobs (source_path, sha256, size, mtime, model_id, params_key, state, attempts, last_error,
                                  created_at, updated_at, finished_at)
                VALUES ($1, '', 0, 0, $2, $3, 'failed', 1, $4, $5, $5, $5)
                ON CONFLICT DO NOTHING RETURNING *
                """, [sourcePath.sqlValue, modelID.sqlValue, paramsKey.sqlValue, reason.sqlValue, now.sqlValue])
                .first.map(Job.init)
        }
    }

    // MARK: Working

    /// One statement: the oldest ready job no other worker is claiming this instant.
    /// `roots`: the node's root names, so that it never takes a job it cannot open (a node
    /// that does not mount every share leaves the others' jobs to the nodes that do).
    public func claim(owner: String, lease: Double, roots: [String]?, now: Double) throws -> Job? {
        var arguments: [SQLValue] = [owner.sqlValue, (now + lease).sqlValue, now.sqlValue]
        let filter = SourceIdentity.claimFilter(roots: roots) { arguments.append($0); return "$\(arguments.count)" }
        return try perform {
            try $0.run("""
                UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = $1, lease_expiry = $2,
                                progress = 0, started_at = $3, updated_at = $3
                WHERE id = (SELECT id FROM jobs WHERE state = 'queued' AND not_before <= $3\(filter)
                              AND (SELECT paused FROM control WHERE id = 1) = 0
                            ORDER BY not_before, id FOR UPDATE SKIP LOCKED LIMIT 1)
                RETURNING *
                """, arguments).first.map(Job.init)
        }
    }

    public func renew(id: Int64, owner: String, lease: Double, progress: Double, now: Double) throws -> Bool {
        try perform {
            !(try $0.run("""
                UPDATE jobs SET lease_expiry = $1, progress = $2, updated_at = $3
                WHERE id = $4 AND state = 'running' AND lease_owner = $5 RETURNING id
                """, [(now + lease).sqlValue, progress.sqlValue, now.sqlValue, id.sqlValue, owner.sqlValue]).isEmpty)
        }
    }

    public func complete(id: Int64, owner: String, outputPath: String, elapsed: Double, outputPixels: Int64,
                         jpegQuality: Int?, noiseSigma: Double?, modelName: String?, modelSHA256: String?,
                         warning: String?, now: Double) throws -> Bool {
        try perform {
            !(try $0.run("""
                UPDATE jobs SET state = 'done', output_path = $1, elapsed = $2, output_pixels = $3, progress = 1,
                                jpeg_quality = $4, noise_sigma = $5, model_name = $10, model_sha256 = $11,
                                last_error = NULL, warnings = $6, lease_owner = NULL, lease_expiry = NULL,
                                not_before = 0, finished_at = $7, updated_at = $7
                WHERE id = $8 AND ((state = 'running' AND lease_owner = $9) OR state = 'queued') RETURNING id
                """, [outputPath.sqlValue, elapsed.sqlValue, outputPixels.sqlValue, jpegQuality.sqlValue,
                      noiseSigma.sqlValue, warning.sqlValue, now.sqlValue, id.sqlValue, owner.sqlValue,
                      modelName.sqlValue, modelSHA256.sqlValue]).isEmpty)
        }
    }

    public func reserveOutput(id: Int64, owner: String, outputPath: String, now: Double) throws {
        try perform {
            try $0.run("""
                UPDATE jobs SET output_path = $1, updated_at = $2 WHERE id = $3 AND state = 'running' AND lease_owner = $4
                """, [outputPath.sqlValue, now.sqlValue, id.sqlValue, owner.sqlValue])
        }
    }

    public func fail(id: Int64, owner: String, reason: String, permanent: Bool, policy: RetryPolicy,
                     now: Double) throws -> JobState? {
        try perform { c in
            try c.transaction {
                guard let row = try c.run(
                    "SELECT attempts FROM jobs WHERE id = $1 AND state = 'running' AND lease_owner = $2 FOR UPDATE",
                    [id.sqlValue, owner.sqlValue]).first else { return nil }
                let attempts = row.int("attempts")
                let final = permanent || attempts >= policy.maxAttempts
                let state: JobState = final ? .failed : .queued
                let notBefore = final ? 0 : now + policy.delay(afterAttempt: attempts)
                try c.run("""
                    UPDATE jobs SET state = $1, last_error = $2, not_before = $3, lease_owner = NULL, lease_expiry = NULL,
                                    finished_at = $4, updated_at = $5
                    WHERE id = $6
                    """, [state.rawValue.sqlValue, reason.sqlValue, notBefore.sqlValue,
                          final ? now.sqlValue : .null, now.sqlValue, id.sqlValue])
                return state
            }
        }
    }

    public func skip(id: Int64, owner: String, reason: String, now: Double) throws -> Bool {
        try perform {
            !(try $0.run("""
                UPDATE jobs SET state = 'skipped', last_error = $1, lease_owner = NULL, lease_expiry = NULL,
                                finished_at = $2, updated_at = $2
                WHERE id = $3 AND state = 'running' AND lease_owner = $4 RETURNING id
                """, [reason.sqlValue, now.sqlValue, id.sqlValue, owner.sqlValue]).isEmpty)
        }
    }

    public func release(id: Int64, owner: String, now: Double) throws -> Bool {
        try perform { c in
            let released = !(try c.run("""
                UPDATE jobs SET state = 'queued', attempts = greatest(attempts - 1, 0), lease_owner = NULL,
                                lease_expiry = NULL, progress = 0, updated_at = $1
                WHERE id = $2 AND state = 'running' AND lease_owner = $3 RETURNING id
                """, [now.sqlValue, id.sqlValue, owner.sqlValue]).isEmpty)
            if released { try notify(c) }
            return released
        }
    }

    /// As `JobQueue.recoverAbandoned`, except that `all` means every job leased by this node
    /// (its previous run's): the other nodes' workers are still running theirs.
    public func recoverAbandoned(all: Bool, policy: RetryPolicy, sparing ownPrefix: String?,
                                 now: Double) throws -> [Job] {
        try perform { c in
            try c.transaction {
                var conditions = ["state = 'running'"]
                var arguments: [SQLValue] = []
                func parameter(_ value: SQLValue) -> String {
                    arguments.append(value)
                    return "$\(arguments.count + 2)"   // $1 and $2 are the statements' own
                }
                if all {
                    let prefix = node + "/"
                    conditions.append("left(coalesce(lease_owner, ''), \(parameter(prefix.count.sqlValue))) = \(parameter(prefix.sqlValue))::text")
                } else {
                    conditions.append("lease_expiry < \(parameter(now.sqlValue))")
                }
                if let ownPrefix {
                    conditions.append("left(coalesce(lease_owner, ''), \(parameter(ownPrefix.count.sqlValue))) != \(parameter(ownPrefix.sqlValue))::text")
                }
                let condition = conditions.joined(separator: " AND ")
                let failed = try c.run("""
                    UPDATE jobs SET state = 'failed', last_error = 'the worker stopped during the last of '
                                    || attempts || ' attempts (lease of ' || coalesce(lease_owner, '?') || ' lost)',
                                    lease_owner = NULL, lease_expiry = NULL, finished_at = $1, updated_at = $1
                    WHERE \(condition) AND attempts >= $2 RETURNING *
                    """, [now.sqlValue, policy.maxAttempts.sqlValue] + arguments)
                // The same parameters as the statement above, so both share `condition`'s
                // numbering; $2 (attempts) is only type-annotated here.
                let queued = try c.run("""
                    UPDATE jobs SET state = 'queued', last_error = 'requeued: lease of ' || coalesce(lease_owner, '?')
                                    || ' lost', lease_owner = NULL, lease_expiry = NULL, progress = 0, updated_at = $1
                    WHERE \(condition) AND $2::integer IS NOT NULL RETURNING *
                    """, [now.sqlValue, policy.maxAttempts.sqlValue] + arguments)
                if !queued.isEmpty { try notify(c) }
                return (failed + queued).map(Job.init)
            }
        }
    }

    public func nextReadyTime() throws -> Double? {
        try perform { try $0.run("SELECT min(not_before) AS t FROM jobs WHERE state = 'queued'").first?.double("t") }
    }

    // MARK: Operator actions

    public func retry(id: Int64, now: Double) throws -> Bool {
        try perform { c in
            let done = !(try c.run("""
                UPDATE jobs SET state = 'queued', attempts = 0, not_before = 0, duplicate_of = NULL,
                                finished_at = NULL, progress = 0, updated_at = $1
                WHERE id = $2 AND state IN ('failed', 'skipped') RETURNING id
                """, [now.sqlValue, id.sqlValue]).isEmpty)
            if done { try notify(c) }
            return done
        }
    }

    public func retryAllFailed(now: Double) throws -> Int {
        try perform { c in
            let count = try c.run("""
                UPDATE jobs SET state = 'queued', attempts = 0, not_before = 0, finished_at = NULL, progress = 0,
                                updated_at = $1
                WHERE state = 'failed' RETURNING id
                """, [now.sqlValue]).count
            if count > 0 { try notify(c) }
            return count
        }
    }

    /// For the whole cluster: every node's claim reads the same row.
    public func setPaused(_ paused: Bool) throws {
        try perform { c in
            try c.run("UPDATE control SET paused = $1 WHERE id = 1", [paused.sqlValue])
            if !paused { try notify(c) }
        }
    }

    public func isPaused() throws -> Bool {
        try perform { try $0.run("SELECT paused FROM control WHERE id = 1").first?.int("paused") == 1 }
    }

    // MARK: Reading

    public func job(id: Int64) throws -> Job? {
        try perform { try $0.run("SELECT * FROM jobs WHERE id = $1", [id.sqlValue]).first.map(Job.init) }
    }

    public func jobs(state: JobState?, limit: Int) throws -> [Job] {
        try perform { c in
            if let state {
                return try c.run("SELECT * FROM jobs WHERE state = $1 ORDER BY id DESC LIMIT $2",
                                 [state.rawValue.sqlValue, limit.sqlValue]).map(Job.init)
            }
            return try c.run("SELECT * FROM jobs ORDER BY id DESC LIMIT $1", [limit.sqlValue]).map(Job.init)
        }
    }

    public func counts() throws -> [JobState: Int] {
        try perform { c in
            var counts = Dictionary(uniqueKeysWithValues: JobState.allCases.map { ($0, 0) })
            for row in try c.run("SELECT state, count(*) AS n FROM jobs GROUP BY state") {
                if let state = JobState(rawValue: row.string("state") ?? "") { counts[state] = row.int("n") }
            }
            return counts
        }
    }

    /// One snapshot (REPEATABLE READ): the counts and the lists agree with each other.
    public func status(now: Double, recentFailures: Int) throws -> QueueStatus {
        try perform { c in
            try c.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") {
                try QueueStatus.read(now: now, recentFailures: recentFailures, placeholder: "$1") {
                    try c.run($0, $1)
                }
            }
        }
    }

    // MARK: Nodes

    public func registerDaemon(_ record: DaemonRecord) throws {
        try perform {
            try $0.run("""
                INSERT INTO nodes (name, pid, version, started_at, heartbeat_at, stopped_at, model_name, model_sha256,
                                   workers, threads)
                VALUES ($1, $2, $3, $4, $5, NULL, $6, $7, $8, $9)
                ON CONFLICT (name) DO UPDATE SET pid = excluded.pid, version = excluded.version,
                    started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at, stopped_at = NULL,
                    model_name = excluded.model_name, model_sha256 = excluded.model_sha256,
                    workers = excluded.workers, threads = excluded.threads
                """, [node.sqlValue, Int(record.pid).sqlValue, record.version.sqlValue, record.startedAt.sqlValue,
                      record.heartbeatAt.sqlValue, record.modelName.sqlValue, record.modelSHA256.sqlValue,
                      record.workers.sqlValue, record.threads.sqlValue])
        }
    }

    public func heartbeat(pid: Int32, now: Double) throws {
        try perform {
            try $0.run("UPDATE nodes SET heartbeat_at = $1 WHERE name = $2 AND pid = $3",
                       [now.sqlValue, node.sqlValue, Int(pid).sqlValue])
        }
    }

    public func daemonStopped(pid: Int32, now: Double) throws {
        try perform {
            try $0.run("UPDATE nodes SET stopped_at = $1 WHERE name = $2 AND pid = $3",
                       [now.sqlValue, node.sqlValue, Int(pid).sqlValue])
        }
    }

    public func daemonRecord() throws -> DaemonRecord? {
        try nodes().first { $0.node == node }
    }

    /// Every node, by name, with the jobs its workers hold now.
    public func nodes() throws -> [DaemonRecord] {
        try perform { c in
            try c.run("""
                SELECT n.*, (SELECT count(*) FROM jobs WHERE state = 'running'
                             AND left(coalesce(lease_owner, ''), length(n.name) + 1) = n.name || '/') AS running_jobs
                FROM nodes n ORDER BY name
                """).map { row in
                DaemonRecord(pid: Int32(row.int("pid")), version: row.string("version") ?? "",
                             startedAt: row.double("started_at") ?? 0, heartbeatAt: row.double("heartbeat_at") ?? 0,
                             stoppedAt: row.double("stopped_at"), modelName: row.string("model_name") ?? "",
                             modelSHA256: row.string("model_sha256") ?? "", workers: row.int("workers"),
                             threads: row.int("threads"), node: row.string("name") ?? "",
                             runningJobs: row.int("running_jobs"))
            }
        }
    }

    // MARK: Waking and outages

    public func onNewWork(_ handler: @escaping @Sendable () -> Void) -> Bool {
        listener.add(handler)
        return true
    }

    public func onAvailabilityChange(_ handler: @escaping @Sendable (Bool, String) -> Void) {
        pool.onAvailabilityChange(handler)
    }

    public func isUnavailable(_ error: any Error) -> Bool {
        (error as? PostgreSQLError)?.kind == .unavailable
    }
}
