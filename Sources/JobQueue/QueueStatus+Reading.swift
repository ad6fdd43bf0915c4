extension QueueStatus {
    /// Reads the status with `run`, inside the caller's one transaction: the same statements on
    /// both backends, whose only difference here is how a statement's one parameter is written
    /// (`placeholder`: "?" in SQLite, "$1" in PostgreSQL).
    static func read(now: Double, recentFailures: Int, placeholder: String,
                     run: (String, [SQLValue]) throws -> [Row]) throws -> QueueStatus {
        var counts = Dictionary(uniqueKeysWithValues: JobState.allCases.map { ($0.rawValue, 0) })
        for row in try run("SELECT state, count(*) AS n FROM jobs GROUP BY state", []) {
            counts[row.string("state") ?? "?"] = row.int("n")
        }
        let paused = try run("SELECT paused FROM control WHERE id = 1", []).first?.int("paused") == 1
        let running = try run("SELECT * FROM jobs WHERE state = 'running' ORDER BY started_at", []).map(Job.init)
        let hour = try run("""
            SELECT count(*) AS n, coalesce(sum(output_pixels), 0) AS pixels FROM jobs
            WHERE state = 'done' AND finished_at >= \(placeholder)
            """, [(now - 3600).sqlValue]).first
        let oldest = try run("SELECT min(created_at) AS t FROM jobs WHERE state = 'queued'", []).first?.double("t")
        let failures = try run(
            "SELECT * FROM jobs WHERE state = 'failed' ORDER BY finished_at DESC, id DESC LIMIT \(placeholder)",
            [recentFailures.sqlValue]).map(Job.init)
        return QueueStatus(counts: counts, paused: paused, running: running,
                           doneLastHour: hour?.int("n") ?? 0,
                           outputPixelsLastHour: hour?.int64("pixels") ?? 0,
                           oldestQueuedAt: oldest, recentFailures: failures)
    }
}
