#if canImport(Glibc)
import Glibc
#endif
import Common
import Configuration
import Foundation
import JobQueue

/// Daemon: the running service — watcher → intake → queue → workers, with the heartbeat, the
/// reload/stop lifecycle, signals and systemd notifications. This type only puts the parts
/// together: the lock (`DaemonLock`), the model check (`ModelCheck`), the signals
/// (`SignalWaiter`), and the `Lifecycle` that owns the watcher, the worker pool and the
/// heartbeat. `run()` blocks until SIGTERM/SIGINT and returns the exit status.
public final class Daemon: Sendable {
    public static var version: String { Product.version }

    private let configuration: DaemonConfiguration
    private let logger: Logger
    private let notifier: SystemdNotifier

    public init(configuration: DaemonConfiguration, logger: Logger, notifier: SystemdNotifier = SystemdNotifier()) {
        self.configuration = configuration
        self.logger = logger
        self.notifier = notifier
    }

    /// A start-up problem, reported as one line before exiting non-zero.
    public struct StartupError: Error, CustomStringConvertible {
        public let description: String
    }

    public func run() throws -> Int32 {
        SignalWaiter.blockHandledSignals()
        let c = configuration
        let pid = getpid()
        let lock = try DaemonLock(database: c.database, pid: pid)
        let queue = try Self.openQueue(c)
        let route = try ModelCheck.loadRoute(c)
        let model = route.primary
        let logger = self.logger, location = queue.location
        // An outage is said once when it starts and once when it ends, whichever thread met it.
        queue.onAvailabilityChange { up, cause in
            if up {
                logger.info("job queue \(location): \(cause)")
            } else {
                logger.error("job queue unreachable: \(cause); reconnecting with back-off (running jobs keep their outcomes)")
            }
        }
        let state = DaemonState(configuration: c, route: route)
        // Woken by the queue itself when another node adds work: then polling can be slow.
        let notified = queue.onNewWork { [state] in state.signalWork() }
        state.idlePoll = notified ? 5 : 0.5
        for job in try queue.recoverAbandoned(all: true, policy: c.retryPolicy) {
            logger.warning("job \(job.id): was running when the daemon stopped; \(job.state == .failed ? "failed: " + (job.lastError ?? "") : "requeued") (\(job.sourcePath))")
        }
        let lifecycle = Lifecycle(queue: queue, state: state, logger: logger, notifier: notifier, pid: pid,
                                  startedAt: Date().timeIntervalSince1970)
        try lifecycle.start()
        logger.info("enhanced \(Product.version) (pid \(pid)): \(c.workers) worker(s) × \(c.threadsPerWorker) thread(s), model \(model.name) (sha256 \(model.sha256.prefix(12))…)\(route.degraded.map { ", degraded inputs (\(route.thresholds.summary)) \($0.name) (sha256 \($0.sha256.prefix(12))…)" } ?? ""), \(queue.isShared ? "node \(c.nodeName), queue" : "database") \(queue.location)")
        SignalWaiter.start(onReload: { lifecycle.reload() }, onStop: { lifecycle.requestStop($0, signal: $1) })
        notifier.ready(status: "watching \(c.roots.count) folder(s)")
        let status = lifecycle.waitForStop()
        withExtendedLifetime(lock) {}
        return status
    }

    /// The configured queue, or one start-up error saying which and why: an unreachable
    /// PostgreSQL exits non-zero at once, and systemd starts the daemon again after RestartSec
    /// (a wait, not a crash loop) until the server answers.
    static func openQueue(_ c: DaemonConfiguration) throws -> any JobStore {
        do {
            return try c.openJobStore()
        } catch let error as PostgreSQLError {
            let advice = switch error.kind {
            case .unavailable: "check that PostgreSQL runs and accepts connections from this host"
            case .authentication: "check the role and its password (state.password_file, PGPASSFILE or ~/.pgpass)"
            default: "check the database and the role's rights on it"
            }
            throw StartupError(description: "state.url: cannot open the job queue \(error.context): \(error.message)\(error.sqlstate.map { " (SQLSTATE \($0))" } ?? ""); \(advice)")
        }
    }
}
