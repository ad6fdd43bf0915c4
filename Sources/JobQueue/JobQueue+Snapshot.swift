extension JobQueue {
    /// Every job with every column the file's `jobs` table has (`PRAGMA table_info`), read in
    /// one transaction, with the pause switch and the daemon's record. Meant for a queue no
    /// daemon writes to (a scratch copy taken under the daemon lock), where these agree.
    public func snapshot() throws -> QueueSnapshot {
        let (columns, rows) = try locked {
            try connection.transaction {
                (try connection.run("PRAGMA table_info(jobs)").compactMap { $0.string("name") },
                 try connection.run("SELECT * FROM jobs ORDER BY id").map(\.values))
            }
        }
        return QueueSnapshot(columns: columns, rows: rows, paused: try isPaused(), daemon: try daemonRecord())
    }
}
