import Foundation

/// A PostgreSQL failure, typed by its SQLSTATE class so callers can tell "try again" from
/// "give up": the queue retries serialization failures and deadlocks itself, and reports a lost
/// or refused connection as `unavailable` (the daemon waits it out; workers keep their outcomes).
public struct PostgreSQLError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// No connection: the server is down, restarting, unreachable, or refused us (08xxx,
        /// 57P01–57P03, or a socket that closed without a SQLSTATE).
        case unavailable
        /// 40001 or 40P01: the transaction lost a race; running it again is right.
        case conflict
        /// 28xxx: wrong user or password — waiting will not fix it.
        case authentication
        /// Anything else: a bug, a schema mismatch, a full disk.
        case other
    }

    public let kind: Kind
    /// The five-character SQLSTATE, when the server sent one.
    public let sqlstate: String?
    public let message: String
    /// What we were doing: the database (without its password) or the start of the statement.
    public let context: String

    init(sqlstate: String?, message: String, context: String, connectionBad: Bool = false) {
        self.sqlstate = sqlstate
        self.message = message.trimmingCharacters(in: .whitespacesAndNewlines)
            .split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: "; ")
        self.context = context
        kind = Self.kind(sqlstate: sqlstate, connectionBad: connectionBad)
    }

    static func kind(sqlstate: String?, connectionBad: Bool) -> Kind {
        guard let state = sqlstate, !state.isEmpty else { return connectionBad ? .unavailable : .other }
        if state.hasPrefix("08") || ["57P01", "57P02", "57P03"].contains(state) { return .unavailable }
        if state == "40001" || state == "40P01" { return .conflict }
        if state.hasPrefix("28") { return .authentication }
        return connectionBad ? .unavailable : .other
    }

    public var description: String {
        "\(context): \(message)" + (sqlstate.map { " (SQLSTATE \($0))" } ?? "")
    }
}
