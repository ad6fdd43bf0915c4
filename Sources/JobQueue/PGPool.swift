import Foundation

/// The connections of one `PostgreSQLQueue`: a small locked pool. A call takes an idle
/// connection (or opens one), uses it alone, and gives it back, so there are never more
/// connections than calls at once (the daemon's workers, its intake, heartbeat and metrics:
/// a handful). One per thread would not do: the intake and the heartbeat run on dispatch
/// queues, whose threads come and go.
///
/// When the server goes away every idle connection is dropped, and new ones are tried with
/// back-off (0.25 s doubling to 5 s): callers in between get `unavailable` at once instead of
/// each waiting out a connect timeout. Listeners hear once that the queue went down and once
/// that it came back.
///
/// Each connection belongs to an epoch, bumped when an outage begins: a call that was already
/// under way on an older connection and succeeded just before the server went neither ends the
/// outage nor goes back to the pool (the outage is then said once, not flapping).
///
/// `lock` guards `idle`, `epoch`, `outage`, `nextAttempt`, `backoff` and `handlers`.
final class PGPool: @unchecked Sendable {
    let conninfo: String
    let passfile: String?
    /// The database without its password, for messages.
    let context: String
    private let applicationName: String
    private let options: String?
    private let lock = NSLock()
    private var idle: [(connection: PGConnection, epoch: Int)] = []
    private var epoch = 0
    /// Since when (monotonic seconds) and why the server is unreachable; nil while it answers.
    private var outage: (since: Double, cause: String)?
    private var nextAttempt = 0.0
    private var backoff = PGPool.firstBackoff
    private var handlers: [@Sendable (Bool, String) -> Void] = []

    static let firstBackoff = 0.25
    static let maxBackoff = 5.0

    init(conninfo: String, passfile: String?, context: String, applicationName: String, options: String? = nil) {
        self.options = options
        self.conninfo = conninfo
        self.passfile = passfile
        self.context = context
        self.applicationName = applicationName
    }

    func onAvailabilityChange(_ handler: @escaping @Sendable (Bool, String) -> Void) {
        lock.withLock { handlers.append(handler) }
    }

    /// A new connection outside the pool (the listener's own), under the same back-off.
    func connect() throws -> PGConnection { try open().connection }

    private func open() throws -> (connection: PGConnection, epoch: Int) {
        let now = ProcessInfo.processInfo.systemUptime
        if let wait = lock.withLock({ outage != nil && now < nextAttempt ? nextAttempt - now : nil }) {
            throw PostgreSQLError(sqlstate: nil, message: "still unreachable (\(lock.withLock { outage?.cause ?? "" })); next attempt in \(String(format: "%.1f", wait)) s",
                                  context: context, connectionBad: true)
        }
        do {
            let epoch = lock.withLock { self.epoch }
            let connection = try PGConnection(conninfo: conninfo, passfile: passfile, context: context,
                                              applicationName: applicationName, options: options)
            markUp(epoch)
            return (connection, epoch)
        } catch let error as PostgreSQLError {
            markDown(error)
            throw error
        }
    }

    /// Runs `body` on a connection of its own.
    func with<T>(_ body: (PGConnection) throws -> T) throws -> T {
        let (connection, epoch) = try lock.withLock({ idle.popLast() }) ?? open()
        do {
            let value = try body(connection)
            lock.withLock { if epoch == self.epoch { idle.append((connection, epoch)) } }
            markUp(epoch)
            return value
        } catch let error as PostgreSQLError where error.kind == .unavailable || connection.isBad {
            // This one is dead, and the idle ones most likely with it (a restart ends them all).
            lock.withLock { idle.removeAll() }
            markDown(error)
            throw error
        } catch {
            lock.withLock { if epoch == self.epoch { idle.append((connection, epoch)) } }
            throw error
        }
    }

    private func markDown(_ error: PostgreSQLError) {
        guard error.kind == .unavailable else { return }
        let now = ProcessInfo.processInfo.systemUptime
        let (notify, list) = lock.withLock { () -> (Bool, [@Sendable (Bool, String) -> Void]) in
            nextAttempt = now + backoff
            backoff = min(backoff * 2, Self.maxBackoff)
            guard outage == nil else { return (false, []) }
            outage = (now, error.message)
            epoch += 1
            return (true, handlers)
        }
        if notify { list.forEach { $0(false, "\(error)") } }
    }

    /// A call on a connection of `epoch` succeeded: the outage is over if the connection is
    /// newer than its start.
    private func markUp(_ epoch: Int) {
        let now = ProcessInfo.processInfo.systemUptime
        let (ended, list) = lock.withLock { () -> (Double?, [@Sendable (Bool, String) -> Void]) in
            guard let outage, epoch == self.epoch else { return (nil, []) }
            self.outage = nil
            backoff = Self.firstBackoff
            return (now - outage.since, handlers)
        }
        if let ended { list.forEach { $0(true, String(format: "reachable again after %.1f s", ended)) } }
    }
}
