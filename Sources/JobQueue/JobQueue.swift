import Foundation

/// The persistent job queue. One instance per process; thread-safe (every call holds a lock,
/// and each call is one short transaction). Several processes may open the same file: WAL lets
/// readers proceed while the daemon writes, and writers wait up to the busy timeout.
///
/// Times are seconds since 1970, passed in so that tests control the clock.
public final class JobQueue: JobStore, @unchecked Sendable {
    public let path: String
    public var location: String { path }
    /// One daemon per file (its lock file says so): every running job is that daemon's.
    public var isShared: Bool { false }
    /// Internal, not private, with `locked`: `JobQueue+Snapshot` reads the raw rows through them.
    let connection: Connection
    private let lock = NSLock()

    public static func now() -> Double { Date().timeIntervalSince1970 }

    /// Opens the queue at `path`, creating the file and its directory when `create` is set, and
    /// migrating the schema to the current version.
    public init(path: String, create: Bool = true, busyTimeout: Double = 10) throws {
        self.path = path
        if create {
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
        } else if !FileManager.default.fileExists(atPath: path) {
            throw SQLiteError(code: 14, message: "no such database (has the daemon ever run with this configuration?)",
                              context: path)
        }
        do {
            connection = try Connection(path: path, create: create, busyTimeout: busyTimeout)
            // WAL: readers never block the writer and the writer never blocks readers; the setting
            // is stored in the file. NORMAL sync is durable across process crashes in WAL mode
            // (only a power cut may lose the last transactions, which the start-up scan redoes).
            try connection.run("PRAGMA journal_mode = WAL")
            try connection.execute("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON")
            try Schema.migrate(connection, path: path)
        } catch let error as SQLiteError {
            throw error.opening(path)
        }
    }

    /// A private copy, in memory, of the queue at `path` (an empty queue when there is no file):
    /// for what-if runs (`--dry-run`), which go through the same code as real ones and so decide
    /// as they would, while nothing reaches the disk. The file is only read; `path` is what the
    /// copy reports as its path.
    public init(scratchCopyOf path: String, busyTimeout: Double = 5) throws {
        self.path = path
        do {
            connection = try Connection(path: ":memory:", create: true, busyTimeout: 0)
            if FileManager.default.fileExists(atPath: path) {
                try Connection(readingOnly: path, busyTimeout: busyTimeout).copy(into: connection)
            }
            try connection.execute("PRAGMA foreign_keys = ON")
            try Schema.migrate(connection, path: path)
        } catch let error as SQLiteError {
            throw error.opening(path)
        }
    }

    /// Moves everything in the write-ahead log into the database file and empties the log, so
    /// that a copy of the database file alone holds the whole queue (an admin's backup). Cheap
    /// when the log is small; the daemon calls it periodically and on a clean stop. Readers in
    /// other processes may keep part of the log in use: then it is done next time.
    public func checkpoint() throws {
        try locked { _ = try connection.run("PRAGMA wal_checkpoint(TRUNCATE)") }
    }

    func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// The schema version stored in the file.
    public func schemaVersion() throws -> Int {
        try locked { try connection.run("PRAGMA user_version").first?.int("user_version") ?? 0 }
    }

    // MARK: Adding work

    /// The job for this file (see `SourceIdentity`) when its size and mtime are unchanged under
    /// the same model and parameters: lets rescans skip hashing files they have already seen.
    public func knownJob(sourcePath: String, rootName: String?, relativePath: String?, size: Int64, mtime: Double,
                         modelID: String, paramsKey: String) throws -> Job? {
        var arguments: [SQLValue] = []
        let file = SourceIdentity(sourcePath: sourcePath, rootName: rootName, relativePath: relativePath)
            .condition { arguments.append($0); return "?" }
        return try locked {
            try connection.run("""
                SELECT * FROM jobs WHERE \(file) AND size = ? AND mtime = ? AND model_id = ? AND params_key = ?
                ORDER BY id DESC LIMIT 1
                """, arguments + [size.sqlValue, mtime.sqlValue, modelID.sqlValue, paramsKey.sqlValue])
                .first.map(Job.init)
        }
    }

    /// Whether `path` is the output of a finished job: such a file is never work, even when it
    /// no longer matches the output name pattern (the pattern was changed since).
    public func isOutput(path: String) throws -> Bool {
        try locked { !(try connection.run("SELECT 1 FROM jobs WHERE output_path = ? LIMIT 1", [path.sqlValue]).isEmpty) }
    }

    /// Records a file to enhance. The same content (sha256) under the same model and parameters
    /// is enhanced once: another file with that content becomes a `skipped` duplicate, and the
    /// same file again (by root and relative path, else by path: `SourceIdentity`) changes
    /// nothing.
    @discardableResult
    public func enqueue(_ s: JobSubmission, now: Double = JobQueue.now()) throws -> EnqueueOutcome {
        var fileArguments: [SQLValue] = []
        let file = SourceIdentity(s).condition(orSamePath: true) { fileArguments.append($0); return "?" }
        return try locked {
            try connection.transaction {
                let content: [SQLValue] = [s.sha256.sqlValue, s.modelID.sqlValue, s.paramsKey.sqlValue]
                if let row = try connection.run("""
                    SELECT * FROM jobs WHERE sha256 = ? AND model_id = ? AND params_key = ? AND \(file)
                    """, content + fileArguments).first {
                    let known = Job(row)
                    // The file held this content once, then other content (cup → fur → cup):
                    // the output now describes the other content, so this job runs again. "The
                    // file's current job" is the one touched last: every queueing, requeueing
                    // and finishing updates `updated_at`.
                    let newer = try connection.run("""
                        SELECT 1 FROM jobs WHERE \(file) AND id != ? AND updated_at >= ? LIMIT 1
                        """, fileArguments + [known.id.sqlValue, known.updatedAt.sqlValue])
                    guard !newer.isEmpty, [.done, .failed, .skipped].contains(known.state) else { return .known(known) }
                    let requeued = try connection.run("""
                        UPDATE jobs SET state = 'queued', attempts = 0, not_before = 0, duplicate_of = NULL,
                                        size = ?, mtime = ?, last_error = NULL, progress = 0, finished_at = NULL,
                                        updated_at = ?
                        WHERE id = ? RETURNING *
                        """, [s.size.sqlValue, s.mtime.sqlValue, max(now, known.updatedAt + 1e-6).sqlValue,
                              known.id.sqlValue])
                    return .queued(Job(requeued[0]))
                }
                let original = try connection.run("""
                    SELECT * FROM jobs WHERE sha256 = ? AND model_id = ? AND params_key = ? AND state != 'skipped'
                    ORDER BY id LIMIT 1
                    """, content).first.map(Job.init)
                let state: JobState = original == nil ? .queued : .skipped
                let reason = original.map { "same content as job \($0.id) (\($0.sourcePath))" }
                let row = try connection.run("""
                    INSERT INTO jobs (source_path, root_name, relative_path, sha256, size, mtime, model_id, params_key,
                                      state, last_error, duplicate_of, created_at, updated_at, finished_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *
                    """, [s.sourcePath.sqlValue, s.rootName.sqlValue, s.relativePath.sqlValue, s.sha256.sqlValue, s.size.sqlValue, s.mtime.sqlValue,
                          s.modelID.sqlValue, s.paramsKey.sqlValue, state.rawValue.sqlValue, reason.sqlValue,
                          original?.id.sqlValue ?? .null, now.sqlValue, now.sqlValue,
                          original == nil ? .null : now.sqlValue])
                let job = Job(row[0])
                if let original { return .duplicate(job, original: original) }
                return .queued(job)
            }
        }
    }

    // MARK: Working

    /// Takes the oldest ready job for `owner` until `now + lease`, counting an attempt; nil when
    /// nothing is ready or the queue is paused. `roots`: only jobs of these roots (and jobs
    /// without a root); nil: any job.
    public func claim(owner: String, lease: Double, roots: [String]?, now: Double) throws -> Job? {
        var rootArguments: [SQLValue] = []
        let filter = SourceIdentity.claimFilter(roots: roots) { rootArguments.append($0); return "?" }
        return try locked {
            try connection.run("""
                UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = ?, lease_expiry = ?,
                                progress = 0, started_at = ?, updated_at = ?
                WHERE id = (SELECT id FROM jobs WHERE state = 'queued' AND not_before <= ?\(filter)
                            ORDER BY not_before, id LIMIT 1)
                  AND (SELECT paused FROM control WHERE id = 1) = 0
                RETURNING *
                """, [owner.sqlValue, (now + lease).sqlValue, now.sqlValue, now.sqlValue, now.sqlValue] + rootArguments)
                .first.map(Job.init)
        }
    }

    /// Extends a running job's lease and records its progress. False when the lease was lost
    /// (expired and requeued, or taken by someone else).
    @discardableResult
    public func renew(id: Int64, owner: String, lease: Double, progress: Double, now: Double = JobQueue.now()) throws -> Bool {
        try locked {
            !(try connection.run("""
                UPDATE jobs SET lease_expiry = ?, progress = ?, updated_at = ?
                WHERE id = ? AND state = 'running' AND lease_owner = ? RETURNING id
                """, [(now + lease).sqlValue, progress.sqlValue, now.sqlValue, id.sqlValue, owner.sqlValue]).isEmpty)
        }
    }

    /// Marks a job done. Also when `owner` lost the lease but nobody has claimed the job since
    /// (it waits `queued` again): the work is finished and its output in place, so redoing it
    /// would only enhance the same photo twice. False when another worker holds it now (it will
    /// write the same output name, so nothing is duplicated) or it ended otherwise.
    @discardableResult
    /// `jpegQuality` and `noiseSigma` are what was measured of the input, `modelName` and
    /// `modelSHA256` the model that enhanced it (see `Job`).
    public func complete(id: Int64, owner: String, outputPath: String, elapsed: Double, outputPixels: Int64,
                         jpegQuality: Int? = nil, noiseSigma: Double? = nil,
                         modelName: String? = nil, modelSHA256: String? = nil,
                         warning: String? = nil, now: Double = JobQueue.now()) throws -> Bool {
        try locked {
            !(try connection.run("""
                UPDATE jobs SET state = 'done', output_path = ?, elapsed = ?, output_pixels = ?, progress = 1,
                                jpeg_quality = ?, noise_sigma = ?, model_name = ?, model_sha256 = ?,
                                last_error = NULL, warnings = ?, lease_owner = NULL, lease_expiry = NULL,
                                not_before = 0, finished_at = ?, updated_at = ?
                WHERE id = ? AND ((state = 'running' AND lease_owner = ?) OR state = 'queued') RETURNING id
                """, [outputPath.sqlValue, elapsed.sqlValue, outputPixels.sqlValue, jpegQuality.sqlValue,
                      noiseSigma.sqlValue, modelName.sqlValue, modelSHA256.sqlValue, warning.sqlValue,
                      now.sqlValue, now.sqlValue, id.sqlValue, owner.sqlValue]).isEmpty)
        }
    }

    /// Records where a running job is about to write, before it writes: from then on the file
    /// at `outputPath` is the queue's own (a crash between the write and `complete` must not
    /// make the next attempt take its own output for a person's file).
    public func reserveOutput(id: Int64, owner: String, outputPath: String, now: Double = JobQueue.now()) throws {
        try locked {
            _ = try connection.run("""
                UPDATE jobs SET output_path = ?, updated_at = ? WHERE id = ? AND state = 'running' AND lease_owner = ?
                """, [outputPath.sqlValue, now.sqlValue, id.sqlValue, owner.sqlValue])
        }
    }

    /// Records a file that cannot become a job (its name is not UTF-8, it cannot be read) as
    /// `failed` with the reason, so that `status` shows it; once per path and model. Returns
    /// the job, or nil when this path was already recorded.
    @discardableResult
    public func recordRejected(sourcePath: String, reason: String, modelID: String, paramsKey: String,
                               now: Double = JobQueue.now()) throws -> Job? {
        try locked {
            try connection.run("""
                INSERT INTO jobs (source_path, sha256, size, mtime, model_id, params_key, state, attempts, last_error,
                                  created_at, updated_at, finished_at)
                VALUES (?, '', 0, 0, ?, ?, 'failed', 1, ?, ?, ?, ?)
                ON CONFLICT DO NOTHING RETURNING *
                """, [sourcePath.sqlValue, modelID.sqlValue, paramsKey.sqlValue, reason.sqlValue, now.sqlValue,
                      now.sqlValue, now.sqlValue]).first.map(Job.init)
        }
    }

    /// Records a failed attempt. A permanent failure, or a transient one on the last allowed
    /// attempt, ends in `failed` with the reason kept; otherwise the job waits out its back-off
    /// in `queued`. Returns the job's new state (nil when `owner` no longer held it).
    @discardableResult
    public func fail(id: Int64, owner: String, reason: String, permanent: Bool, policy: RetryPolicy,
                     now: Double = JobQueue.now()) throws -> JobState? {
        try locked {
            try connection.transaction {
                guard let row = try connection.run(
                    "SELECT attempts FROM jobs WHERE id = ? AND state = 'running' AND lease_owner = ?",
                    [id.sqlValue, owner.sqlValue]).first else { return nil }
                let attempts = row.int("attempts")
                let final = permanent || attempts >= policy.maxAttempts
                let state: JobState = final ? .failed : .queued
                let notBefore = final ? 0 : now + policy.delay(afterAttempt: attempts)
                try connection.run("""
                    UPDATE jobs SET state = ?, last_error = ?, not_before = ?, lease_owner = NULL, lease_expiry = NULL,
                                    finished_at = ?, updated_at = ?
                    WHERE id = ?
                    """, [state.rawValue.sqlValue, reason.sqlValue, notBefore.sqlValue,
                          final ? now.sqlValue : .null, now.sqlValue, id.sqlValue])
                return state
            }
        }
    }

    /// Marks a running job skipped (its source disappeared before it could be read).
    @discardableResult
    public func skip(id: Int64, owner: String, reason: String, now: Double = JobQueue.now()) throws -> Bool {
        try locked {
            !(try connection.run("""
                UPDATE jobs SET state = 'skipped', last_error = ?, lease_owner = NULL, lease_expiry = NULL,
                                finished_at = ?, updated_at = ?
                WHERE id = ? AND state = 'running' AND lease_owner = ? RETURNING id
                """, [reason.sqlValue, now.sqlValue, now.sqlValue, id.sqlValue, owner.sqlValue]).isEmpty)
        }
    }

    /// Gives a running job back without counting the attempt (a clean shutdown that could not
    /// wait for it to finish).
    @discardableResult
    public func release(id: Int64, owner: String, now: Double = JobQueue.now()) throws -> Bool {
        try locked {
            !(try connection.run("""
                UPDATE jobs SET state = 'queued', attempts = max(attempts - 1, 0), lease_owner = NULL,
                                lease_expiry = NULL, progress = 0, updated_at = ?
                WHERE id = ? AND state = 'running' AND lease_owner = ? RETURNING id
                """, [now.sqlValue, id.sqlValue, owner.sqlValue]).isEmpty)
        }
    }

    /// Puts back in the queue every running job whose worker is gone: all of them when `all`
    /// (the daemon starting: nobody else can be running them), else those whose lease expired.
    /// A job that has already used every attempt this way ends `failed` instead, so a file that
    /// crashes the daemon cannot crash it forever. Returns the jobs requeued or failed.
    ///
    /// `sparing` is the recovering daemon's own lease-owner prefix: its live workers renew on a
    /// monotonic clock, so an expiry seen against the wall clock (a SIGSTOP, a VM pause, a clock
    /// step) says nothing about them, and requeueing their jobs would only do the work twice.
    @discardableResult
    public func recoverAbandoned(all: Bool, policy: RetryPolicy, sparing ownPrefix: String? = nil,
                                 now: Double = JobQueue.now()) throws -> [Job] {
        try locked {
            try connection.transaction {
                var condition = all ? "state = 'running'" : "state = 'running' AND lease_expiry < ?"
                var arguments: [SQLValue] = all ? [] : [now.sqlValue]
                if let ownPrefix {
                    condition += " AND substr(coalesce(lease_owner, ''), 1, ?) != ?"
                    arguments += [ownPrefix.utf8.count.sqlValue, ownPrefix.sqlValue]
                }
                let failed = try connection.run("""
                    UPDATE jobs SET state = 'failed', last_error = 'the worker stopped during the last of '
                                    || attempts || ' attempts (lease of ' || coalesce(lease_owner, '?') || ' lost)',
                                    lease_owner = NULL, lease_expiry = NULL, finished_at = ?, updated_at = ?
                    WHERE \(condition) AND attempts >= ? RETURNING *
                    """, [now.sqlValue, now.sqlValue] + arguments + [policy.maxAttempts.sqlValue])
                let queued = try connection.run("""
                    UPDATE jobs SET state = 'queued', last_error = 'requeued: lease of ' || coalesce(lease_owner, '?')
                                    || ' lost', lease_owner = NULL, lease_expiry = NULL, progress = 0, updated_at = ?
                    WHERE \(condition) RETURNING *
                    """, [now.sqlValue] + arguments)
                return (failed + queued).map(Job.init)
            }
        }
    }

    /// When the next queued job becomes ready (nil when none is queued).
    public func nextReadyTime() throws -> Double? {
        try locked {
            try connection.run("SELECT min(not_before) AS t FROM jobs WHERE state = 'queued'").first?.double("t")
        }
    }

    // MARK: Operator actions

    /// Sends a failed or skipped job back to the queue with fresh attempts. False when the job
    /// does not exist or is not in a final failed/skipped state.
    @discardableResult
    public func retry(id: Int64, now: Double = JobQueue.now()) throws -> Bool {
        try locked {
            !(try connection.run("""
                UPDATE jobs SET state = 'queued', attempts = 0, not_before = 0, duplicate_of = NULL,
                                finished_at = NULL, progress = 0, updated_at = ?
                WHERE id = ? AND state IN ('failed', 'skipped') RETURNING id
                """, [now.sqlValue, id.sqlValue]).isEmpty)
        }
    }

    /// Sends every failed job back to the queue; returns how many.
    @discardableResult
    public func retryAllFailed(now: Double = JobQueue.now()) throws -> Int {
        try locked {
            try connection.run("""
                UPDATE jobs SET state = 'queued', attempts = 0, not_before = 0, finished_at = NULL, progress = 0,
                                updated_at = ?
                WHERE state = 'failed' RETURNING id
                """, [now.sqlValue]).count
        }
    }

    public func setPaused(_ paused: Bool) throws {
        try locked { _ = try connection.run("UPDATE control SET paused = ? WHERE id = 1", [paused.sqlValue]) }
    }

    public func isPaused() throws -> Bool {
        try locked { try connection.run("SELECT paused FROM control WHERE id = 1").first?.int("paused") == 1 }
    }

    // MARK: Reading

    public func job(id: Int64) throws -> Job? {
        try locked { try connection.run("SELECT * FROM jobs WHERE id = ?", [id.sqlValue]).first.map(Job.init) }
    }

    /// Jobs newest first, optionally in one state.
    public func jobs(state: JobState? = nil, limit: Int = 100) throws -> [Job] {
        try locked {
            if let state {
                return try connection.run("SELECT * FROM jobs WHERE state = ? ORDER BY id DESC LIMIT ?",
                                          [state.rawValue.sqlValue, limit.sqlValue]).map(Job.init)
            }
            return try connection.run("SELECT * FROM jobs ORDER BY id DESC LIMIT ?", [limit.sqlValue]).map(Job.init)
        }
    }

    public func counts() throws -> [JobState: Int] {
        try locked {
            var counts = Dictionary(uniqueKeysWithValues: JobState.allCases.map { ($0, 0) })
            for row in try connection.run("SELECT state, count(*) AS n FROM jobs GROUP BY state") {
                if let state = JobState(rawValue: row.string("state") ?? "") { counts[state] = row.int("n") }
            }
            return counts
        }
    }

    public func status(now: Double = JobQueue.now(), recentFailures: Int = 5) throws -> QueueStatus {
        try locked {
            try connection.transaction {
                try QueueStatus.read(now: now, recentFailures: recentFailures, placeholder: "?") {
                    try connection.run($0, $1)
                }
            }
        }
    }

    // MARK: The daemon's own record

    public func registerDaemon(_ record: DaemonRecord) throws {
        try locked {
            _ = try connection.run("""
                INSERT OR REPLACE INTO daemon (id, pid, version, started_at, heartbeat_at, stopped_at, model_name,
                                               model_sha256, workers, threads)
                VALUES (1, ?, ?, ?, ?, NULL, ?, ?, ?, ?)
                """, [Int(record.pid).sqlValue, record.version.sqlValue, record.startedAt.sqlValue,
                      record.heartbeatAt.sqlValue, record.modelName.sqlValue, record.modelSHA256.sqlValue,
                      record.workers.sqlValue, record.threads.sqlValue])
        }
    }

    public func heartbeat(pid: Int32, now: Double = JobQueue.now()) throws {
        try locked {
            _ = try connection.run("UPDATE daemon SET heartbeat_at = ? WHERE id = 1 AND pid = ?",
                                   [now.sqlValue, Int(pid).sqlValue])
        }
    }

    public func daemonStopped(pid: Int32, now: Double = JobQueue.now()) throws {
        try locked {
            _ = try connection.run("UPDATE daemon SET stopped_at = ? WHERE id = 1 AND pid = ?",
                                   [now.sqlValue, Int(pid).sqlValue])
        }
    }

    public func nodes() throws -> [DaemonRecord] { try daemonRecord().map { [$0] } ?? [] }

    /// SQLite cannot tell another process's changes as they happen: the daemon's workers poll.
    public func onNewWork(_ handler: @escaping @Sendable () -> Void) -> Bool { false }
    /// A file on a local disk is there or it is not: its errors are never an outage to wait out.
    public func onAvailabilityChange(_ handler: @escaping @Sendable (Bool, String) -> Void) {}
    public func isUnavailable(_ error: any Error) -> Bool { false }

    public func daemonRecord() throws -> DaemonRecord? {
        try locked {
            try connection.run("SELECT * FROM daemon WHERE id = 1").first.map { row in
                DaemonRecord(pid: Int32(row.int("pid")), version: row.string("version") ?? "",
                             startedAt: row.double("started_at") ?? 0, heartbeatAt: row.double("heartbeat_at") ?? 0,
                             stoppedAt: row.double("stopped_at"), modelName: row.string("model_name") ?? "",
                             modelSHA256: row.string("model_sha256") ?? "", workers: row.int("workers"),
                             threads: row.int("threads"))
            }
        }
    }
}
