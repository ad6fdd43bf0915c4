import CSQLite
import Foundation

/// One open SQLite database handle, closed in `deinit`. Not thread-safe by itself: `JobQueue`
/// serialises every use behind its lock.
final class Connection {
    private let handle: OpaquePointer

    /// Opens (creating when `create`) the database at `path`. `busyTimeout` is how long a
    /// statement waits for another process's lock: SQLite's default is to fail at once, and the
    /// daemon and `enhance-ctl` share the file.
    convenience init(path: String, create: Bool, busyTimeout: Double) throws {
        try self.init(opening: path, flags: SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0),
                      context: path, busyTimeout: busyTimeout)
    }

    /// Opens the database at `path` only to read it, leaving its folder exactly as it was (a dry
    /// run must not change even which files exist). A read-only connection never checkpoints or
    /// deletes the `-wal`/`-shm` files it finds, but it creates them when they are missing — and
    /// then they are missing because the last writer closed cleanly and the main file holds
    /// everything: that file is opened `immutable` (no locks, no side files) instead.
    convenience init(readingOnly path: String, busyTimeout: Double) throws {
        let escaped = path.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "?", with: "%3f")
            .replacingOccurrences(of: "#", with: "%23")
        let immutable = FileManager.default.fileExists(atPath: path + "-wal") ? "" : "&immutable=1"
        try self.init(opening: "file:\(escaped)?mode=ro\(immutable)", flags: SQLITE_OPEN_READONLY | SQLITE_OPEN_URI,
                      context: path, busyTimeout: busyTimeout)
    }

    private init(opening filename: String, flags: Int32, context: String, busyTimeout: Double) throws {
        var db: OpaquePointer?
        let status = sqlite3_open_v2(filename, &db, flags | SQLITE_OPEN_NOMUTEX, nil)
        guard status == SQLITE_OK, let db else {
            let error = SQLiteError(code: status, connection: db, context: context)
            sqlite3_close_v2(db)
            throw error
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, Int32(busyTimeout * 1000))
    }

    deinit { sqlite3_close_v2(handle) }

    /// Copies this whole database into `destination` (SQLite's online backup, in one step:
    /// a consistent snapshot even while another process writes).
    func copy(into destination: Connection) throws {
        guard let backup = sqlite3_backup_init(destination.handle, "main", handle, "main") else {
            throw SQLiteError(code: sqlite3_errcode(destination.handle), connection: destination.handle, context: "backup")
        }
        let status = sqlite3_backup_step(backup, -1)
        sqlite3_backup_finish(backup)
        guard status == SQLITE_DONE else { throw SQLiteError(code: status, connection: destination.handle, context: "backup") }
    }

    /// Runs one statement with arguments and returns its rows (statements with RETURNING included).
    @discardableResult
    func run(_ sql: String, _ arguments: [SQLValue] = []) throws -> [Row] {
        var statement: OpaquePointer?
        var status = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard status == SQLITE_OK, let statement else {
            throw SQLiteError(code: status, connection: handle, context: Self.context(sql))
        }
        defer { sqlite3_finalize(statement) }
        for (index, value) in arguments.enumerated() {
            let position = Int32(index + 1)
            switch value {
            case .null: status = sqlite3_bind_null(statement, position)
            case .integer(let v): status = sqlite3_bind_int64(statement, position, v)
            case .real(let v): status = sqlite3_bind_double(statement, position, v)
            case .text(let v): status = csqlite_bind_text(statement, position, v)
            }
            guard status == SQLITE_OK else {
                throw SQLiteError(code: status, connection: handle, context: Self.context(sql))
            }
        }
        var rows: [Row] = []
        let columns = (0..<sqlite3_column_count(statement)).map { String(cString: sqlite3_column_name(statement, $0)) }
        while true {
            status = sqlite3_step(statement)
            if status == SQLITE_DONE { break }
            guard status == SQLITE_ROW else {
                throw SQLiteError(code: status, connection: handle, context: Self.context(sql))
            }
            var values: [String: SQLValue] = [:]
            for (i, name) in columns.enumerated() {
                let column = Int32(i)
                switch sqlite3_column_type(statement, column) {
                case SQLITE_INTEGER: values[name] = .integer(sqlite3_column_int64(statement, column))
                case SQLITE_FLOAT: values[name] = .real(sqlite3_column_double(statement, column))
                case SQLITE_TEXT: values[name] = .text(String(cString: sqlite3_column_text(statement, column)))
                default: values[name] = .null
                }
            }
            rows.append(Row(values: values))
        }
        return rows
    }

    /// Several statements without arguments (schema scripts, pragmas).
    func execute(_ sql: String) throws {
        let status = sqlite3_exec(handle, sql, nil, nil, nil)
        guard status == SQLITE_OK else { throw SQLiteError(code: status, connection: handle, context: Self.context(sql)) }
    }

    /// `BEGIN IMMEDIATE` takes the write lock up front, so a read-then-write transaction cannot
    /// fail half-way with SQLITE_BUSY when another process writes in between (the busy timeout
    /// applies to the BEGIN instead).
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    private static func context(_ sql: String) -> String {
        let flat = sql.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        return flat.count > 60 ? String(flat.prefix(60)) + "…" : flat
    }
}
