/// What `PostgreSQLQueue.importQueue` moved.
public struct ImportOutcome: Sendable {
    /// Jobs per state, as they are now in PostgreSQL.
    public let counts: [JobState: Int]
    /// The columns copied: every column of the source's `jobs` table.
    public let columns: [String]
    /// Columns only PostgreSQL's table has, left at their defaults.
    public let defaulted: [String]
    /// The node the source's daemon record was filed under, when there was one.
    public let node: String?
}

extension PostgreSQLQueue {
    /// Copies `snapshot` into this database in ONE transaction, so that any error (a value
    /// PostgreSQL's types refuse, a lost connection) leaves it exactly as it was. Columns are
    /// copied by name, so one added by a later migration on both backends travels unchanged;
    /// a source column PostgreSQL lacks is refused rather than dropped. Ids are kept (outputs'
    /// logs, `duplicate_of` and people's notes name jobs by id) and the id sequence is moved
    /// past them.
    ///
    /// Only into an empty queue: merging would have to renumber one side's jobs, and two
    /// queues that saw the same photo would each hold a job for it.
    public func importQueue(_ snapshot: QueueSnapshot, now: Double) throws -> ImportOutcome {
        let defaulted = try pool.with { c in
            try c.transaction {
                // Nodes already running on this database wait (reads go on) and then see the
                // whole queue at once.
                try c.run("LOCK TABLE jobs, control, nodes IN EXCLUSIVE MODE")
                let existing = try c.run("SELECT count(*) AS n FROM jobs").first?.int("n") ?? 0
                guard existing == 0 else {
                    throw PostgreSQLError(sqlstate: nil, message: "already holds \(existing) jobs: a queue is migrated only into an empty database (merging two queues would renumber one's jobs)",
                                          context: location)
                }
                let target = try c.run("""
                    SELECT column_name FROM information_schema.columns
                    WHERE table_schema = current_schema() AND table_name = 'jobs' ORDER BY ordinal_position
                    """).compactMap { $0.string("column_name") }
                let missing = snapshot.columns.filter { !target.contains($0) }
                guard missing.isEmpty else {
                    throw PostgreSQLError(sqlstate: nil, message: "its jobs table has no column \(missing.joined(separator: ", ")), which the SQLite queue has: nothing was copied",
                                          context: location)
                }
                let columns = snapshot.columns
                let insert = "INSERT INTO jobs (\(columns.map { "\"\($0)\"" }.joined(separator: ", "))) VALUES (\((1...max(1, columns.count)).map { "$\($0)" }.joined(separator: ", ")))"
                for row in snapshot.rows {
                    do {
                        try c.run(insert, columns.map { row[$0] ?? .null })
                    } catch let error as PostgreSQLError {
                        // Which job, and no more: the statement's text says nothing to a person.
                        throw PostgreSQLError(sqlstate: error.sqlstate,
                                              message: "job \(row["id"]?.int64.map(String.init) ?? "?"): \(error.message); nothing was copied",
                                              context: location, connectionBad: error.kind == .unavailable)
                    }
                }
                if let last = snapshot.rows.compactMap({ $0["id"]?.int64 }).max() {
                    try c.run("SELECT setval(pg_get_serial_sequence('jobs', 'id'), $1)", [last.sqlValue])
                }
                try c.run("UPDATE control SET paused = $1 WHERE id = 1", [snapshot.paused.sqlValue])
                if let d = snapshot.daemon {
                    // Under this node's name, stopped: it is not running (the caller holds its lock).
                    try c.run("""
                        INSERT INTO nodes (name, pid, version, started_at, heartbeat_at, stopped_at, model_name,
                                           model_sha256, workers, threads)
                        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (name) DO NOTHING
                        """, [node.sqlValue, Int(d.pid).sqlValue, d.version.sqlValue, d.startedAt.sqlValue,
                              d.heartbeatAt.sqlValue, (d.stoppedAt ?? now).sqlValue, d.modelName.sqlValue,
                              d.modelSHA256.sqlValue, d.workers.sqlValue, d.threads.sqlValue])
                }
                try c.run("SELECT pg_notify($1, '')", [Self.channel.sqlValue])
                return target.filter { !columns.contains($0) }
            }
        }
        return ImportOutcome(counts: try counts(), columns: snapshot.columns, defaulted: defaulted,
                             node: snapshot.daemon == nil ? nil : node)
    }
}
