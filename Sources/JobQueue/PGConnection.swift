import CLibPQ
import Foundation

/// One libpq connection, closed in `deinit`. Not thread-safe (libpq's rule): `PGPool` hands it
/// to one caller at a time. Statements go through `PQexecParams` with text parameters; results
/// come back as the same `Row`s the SQLite side reads, typed by the column's type OID.
final class PGConnection {
    private let handle: OpaquePointer
    let context: String

    /// Connects with `conninfo` (a URL or `key=value` string; libpq expands it as `dbname`),
    /// `passfile` when a `password_file` was configured, and a short connect timeout so that an
    /// unreachable host is an error in seconds, not minutes. `options` replaces the server
    /// options of `conninfo` (a scratch queue's `-c search_path=…`).
    init(conninfo: String, passfile: String?, context: String, applicationName: String, options: String? = nil) throws {
        var keywords = ["dbname", "connect_timeout", "application_name"]
        var values = [conninfo, "5", applicationName]
        if let passfile { keywords.append("passfile"); values.append(passfile) }
        if let options { keywords.append("options"); values.append(options) }
        let connection = withCStrings(keywords) { k in
            withCStrings(values) { v in PQconnectdbParams(k, v, 1) }
        }
        guard let connection else {
            throw PostgreSQLError(sqlstate: nil, message: "out of memory", context: context, connectionBad: true)
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(connection))
            PQfinish(connection)
            // libpq says "password authentication failed" without a SQLSTATE on a failed
            // start-up: still a refusal, not an outage.
            let refused = message.contains("authentication failed") || message.contains("no password supplied")
            throw PostgreSQLError(sqlstate: refused ? "28000" : nil, message: message, context: context,
                                  connectionBad: true)
        }
        handle = connection
        self.context = context
        // Server notices (a NOTICE for CREATE ... IF NOT EXISTS) would go to stderr unasked.
        _ = try? run("SET client_min_messages = warning")
    }

    deinit { PQfinish(handle) }

    /// Whether the socket is gone (the server restarted or the network failed).
    var isBad: Bool { PQstatus(handle) == CONNECTION_BAD }

    /// The socket, for `poll` in the listener.
    var socket: Int32 { PQsocket(handle) }

    /// Runs one statement with `$1, $2, …` parameters and returns its rows.
    @discardableResult
    func run(_ sql: String, _ arguments: [SQLValue] = []) throws -> [Row] {
        let texts: [String?] = arguments.map(\.postgresText)
        let result: OpaquePointer? = withOptionalCStrings(texts) { values in
            PQexecParams(handle, sql, Int32(texts.count), nil, values, nil, nil, 0)
        }
        defer { PQclear(result) }
        guard let result else { throw error(sql) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK: return []
        case PGRES_TUPLES_OK: return rows(result)
        default: throw error(sql, result)
        }
    }

    /// Several statements without parameters (schema scripts).
    func execute(_ sql: String) throws {
        let result = PQexec(handle, sql)
        defer { PQclear(result) }
        guard let result else { throw error(sql) }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else { throw error(sql, result) }
    }

    /// `body` in one transaction, committed when it returns, rolled back when it throws.
    /// `begin` may ask for another isolation level (a consistent snapshot for `status`).
    func transaction<T>(_ begin: String = "BEGIN", _ body: () throws -> T) throws -> T {
        try execute(begin)
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            if !isBad { try? execute("ROLLBACK") }
            throw error
        }
    }

    // MARK: LISTEN

    /// Reads what the server sent and returns the channels of the notifications in it; throws
    /// when the connection is gone.
    func consumeNotifications() throws -> [String] {
        guard PQconsumeInput(handle) == 1 else { throw error("LISTEN") }
        var channels: [String] = []
        while let notification = PQnotifies(handle) {
            channels.append(String(cString: notification.pointee.relname))
            PQfreemem(notification)
        }
        return channels
    }

    // MARK: Private

    private func error(_ sql: String, _ result: OpaquePointer? = nil) -> PostgreSQLError {
        var sqlstate: String?
        var message = String(cString: PQerrorMessage(handle))
        if let result {
            if let field = PQresultErrorField(result, Int32(UInt8(ascii: "C"))) { sqlstate = String(cString: field) }
            if let text = PQresultErrorMessage(result), text.pointee != 0 { message = String(cString: text) }
        }
        if message.isEmpty { message = "the server closed the connection" }
        return PostgreSQLError(sqlstate: sqlstate, message: message, context: Self.context(sql), connectionBad: isBad)
    }

    private func rows(_ result: OpaquePointer) -> [Row] {
        let columns = (0..<PQnfields(result)).map { (String(cString: PQfname(result, $0)), PQftype(result, $0)) }
        return (0..<PQntuples(result)).map { r in
            var values: [String: SQLValue] = [:]
            for (c, (name, type)) in columns.enumerated() {
                let column = Int32(c)
                if PQgetisnull(result, r, column) == 1 { values[name] = .null; continue }
                values[name] = SQLValue(postgresText: String(cString: PQgetvalue(result, r, column)), type: type)
            }
            return Row(values: values)
        }
    }

    static func context(_ sql: String) -> String {
        let flat = sql.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        return flat.count > 60 ? String(flat.prefix(60)) + "…" : flat
    }
}

extension SQLValue {
    /// The text form PostgreSQL parses for this value (nil: SQL NULL).
    var postgresText: String? {
        switch self {
        case .null: nil
        case .integer(let v): String(v)
        case .real(let v): "\(v)"   // Swift's shortest form round-trips, and PostgreSQL parses it
        case .text(let v): v
        }
    }

    /// A result value by its column's type: int2/4/8, float4/8, numeric (a sum of bigints),
    /// bool, else text.
    init(postgresText text: String, type: Oid) {
        switch type {
        case 20, 21, 23: self = Int64(text).map(SQLValue.integer) ?? .text(text)
        case 700, 701: self = Double(text).map(SQLValue.real) ?? .text(text)
        case 1700: self = Int64(text).map(SQLValue.integer) ?? Double(text).map(SQLValue.real) ?? .text(text)
        case 16: self = .integer(text == "t" ? 1 : 0)
        default: self = .text(text)
        }
    }
}

/// `body` with the strings as a C array of `const char *` (NUL-terminated copies that live for
/// the call).
func withCStrings<T>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> T) -> T {
    withOptionalCStrings(strings.map(Optional.some)) { body($0!) }
}

func withOptionalCStrings<T>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> T) -> T {
    let copies: [UnsafeMutablePointer<CChar>?] = strings.map { $0.map { strdup($0)! } }
    defer { copies.forEach { free($0) } }
    let pointers = copies.map { UnsafePointer($0) } + [nil]
    return pointers.withUnsafeBufferPointer { body($0.baseAddress) }
}
