/// JobQueue: the job table in SQLite — schema and migrations, enqueue with de-duplication,
/// claim under a lease, completion, failure with bounded retries, pause, and the queries behind
/// `enhance-ctl status`. The only module that speaks SQL, and the only importer of CSQLite.
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
}
