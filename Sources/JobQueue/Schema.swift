/// The schema as an ordered list of migrations; `PRAGMA user_version` records how many have run.
/// A migration is never edited once released: a change is a new entry at the end.
enum Schema {
    static let migrations: [String] = [
        // 1: jobs, the pause switch, and the running daemon's record.
        """
        CREATE TABLE jobs (
            id            INTEGER PRIMARY KEY,
            source_path   TEXT    NOT NULL,
            sha256        TEXT    NOT NULL,
            size          INTEGER NOT NULL,
            mtime         REAL    NOT NULL,
            model_id      TEXT    NOT NULL,
            params_key    TEXT    NOT NULL,
            state         TEXT    NOT NULL
                          CHECK (state IN ('queued', 'running', 'done', 'failed', 'skipped')),
            attempts      INTEGER NOT NULL DEFAULT 0,
            last_error    TEXT,
            duplicate_of  INTEGER REFERENCES jobs(id),
            output_path   TEXT,
            lease_owner   TEXT,
            lease_expiry  REAL,
            not_before    REAL    NOT NULL DEFAULT 0,
            progress      REAL    NOT NULL DEFAULT 0,
            elapsed       REAL,
            output_pixels INTEGER,
            created_at    REAL    NOT NULL,
            updated_at    REAL    NOT NULL,
            started_at    REAL,
            finished_at   REAL
        );
        CREATE UNIQUE INDEX jobs_identity ON jobs (sha256, model_id, params_key, source_path);
        CREATE INDEX jobs_ready ON jobs (state, not_before);
        CREATE INDEX jobs_source ON jobs (source_path);
        CREATE INDEX jobs_output ON jobs (output_path);
        CREATE TABLE control (
            id     INTEGER PRIMARY KEY CHECK (id = 1),
            paused INTEGER NOT NULL DEFAULT 0
        );
        INSERT INTO control (id, paused) VALUES (1, 0);
        CREATE TABLE daemon (
            id           INTEGER PRIMARY KEY CHECK (id = 1),
            pid          INTEGER NOT NULL,
            version      TEXT    NOT NULL,
            started_at   REAL    NOT NULL,
            heartbeat_at REAL    NOT NULL,
            stopped_at   REAL,
            model_name   TEXT    NOT NULL,
            model_sha256 TEXT    NOT NULL,
            workers      INTEGER NOT NULL,
            threads      INTEGER NOT NULL
        );
        """,
        // 2: what a finished job did not carry as asked (an unparsable XMP packet, metadata too
        // big for the output format), one line each; shown by `enhance-ctl show`.
        """
        ALTER TABLE jobs ADD COLUMN warnings TEXT;
        """,
        // 3: what was measured of a done job's input: the quality a JPEG was saved at (IJG
        // scaling, from its quantization tables) and its noise σ on the 0…255 scale.
        """
        ALTER TABLE jobs ADD COLUMN jpeg_quality INTEGER;
        ALTER TABLE jobs ADD COLUMN noise_sigma REAL;
        """,
        // 4: which model enhanced a done job (name and sha256): with a second model for
        // degraded inputs the choice is made per job when it runs, so model_id (the route
        // the job is keyed by) no longer says it.
        """
        ALTER TABLE jobs ADD COLUMN model_name TEXT;
        ALTER TABLE jobs ADD COLUMN model_sha256 TEXT;
        """,
        // 5: the watched root a source was found under (its name) and its path below it:
        // hosts that mount one share at different places agree on these, not on absolute
        // paths. NULL for older jobs, which keep being found by source_path. One job per
        // content at one root-relative file, as jobs_identity is per absolute path.
        """
        ALTER TABLE jobs ADD COLUMN root_name TEXT;
        ALTER TABLE jobs ADD COLUMN relative_path TEXT;
        CREATE UNIQUE INDEX jobs_root_identity ON jobs (sha256, model_id, params_key, root_name, relative_path)
            WHERE root_name IS NOT NULL;
        CREATE INDEX jobs_root ON jobs (root_name, relative_path);
        """,
    ]

    static var currentVersion: Int { migrations.count }

    /// Brings the database up to `currentVersion`, each step in its own transaction (so two
    /// processes opening a new file at once migrate it exactly once).
    static func migrate(_ connection: Connection, path: String) throws {
        while true {
            let done = try connection.transaction { () throws -> Bool in
                let version = try connection.run("PRAGMA user_version").first?.int("user_version") ?? 0
                if version > currentVersion {
                    throw SQLiteError(code: 0, message: "schema version \(version) is newer than this program's \(currentVersion); upgrade enhance",
                                      context: path)
                }
                if version == currentVersion { return true }
                try connection.execute(migrations[version])
                try connection.execute("PRAGMA user_version = \(version + 1)")
                return false
            }
            if done { return }
        }
    }
}
