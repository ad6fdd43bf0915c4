/// JobQueue: the job table, behind one protocol (`JobStore`) with two backends — SQLite
/// (`JobQueue`, one host) and PostgreSQL (`PostgreSQLQueue`, several): schema and migrations,
/// enqueue with de-duplication, claim under a lease, completion, failure with bounded retries,
/// pause, and the queries behind `enhance-ctl status`. The only module that speaks SQL, and the
/// only importer of CSQLite and CLibPQ.
import CSQLite

/// A SQLite result code that was not success, with SQLite's own message.
public struct SQLiteError: Error, CustomStringConvertible, Sendable {
    public let code: Int32
    public let message: String
    /// What we were doing, e.g. the path being opened or the start of the statement.
    public let context: String

    init(code: Int32, message: String, context: String) {
        self.code = code
        self.message = message
        self.context = context
    }

    init(code: Int32, connection: OpaquePointer?, context: String) {
        let message = connection.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
        self.init(code: code, message: message, context: context)
    }

    /// SQLITE_BUSY / SQLITE_LOCKED: another connection held the lock past the busy timeout.
    public var isBusy: Bool { code & 0xff == SQLITE_BUSY || code & 0xff == SQLITE_LOCKED }

    public var description: String { "\(context): \(message) (SQLite error \(code))" }

    /// The same failure said as the opening of the database file `path`: which file, what went
    /// wrong, and what to do about it — the statement that happened to fail means nothing to an
    /// admin reading a start-up error.
    func opening(_ path: String) -> SQLiteError {
        let advice: String
        // A start-up error, the first thing an admin reads: name the file, say what to do.
        switch code & 0xff {
        case SQLITE_READONLY, SQLITE_PERM, SQLITE_CANTOPEN, SQLITE_AUTH:
            advice = "check that the user running enhance may write the file, its -wal and -shm files and their folder"
        case SQLITE_CORRUPT, SQLITE_NOTADB:
            advice = "the file is damaged or not an enhance queue: restore it from a backup, or move it aside and start again (the start-up scan queues the photos anew)"
        case SQLITE_FULL:
            advice = "the disk is full: free space and start again"
        case SQLITE_BUSY, SQLITE_LOCKED:
            advice = "another process holds it locked: try again"
        default:
            advice = "check the file and its folder"
        }
        guard code != 0 else { return self }   // our own message (a newer schema) says it all
        return SQLiteError(code: code, message: "cannot open the job queue: \(message); \(advice)", context: path)
    }
}
