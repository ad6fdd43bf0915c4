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
        let queue = try JobQueue(path: c.database)
        let route = try ModelCheck.loadRoute(c)
        let model = route.primary
        let state = DaemonState(configuration: c, route: route)
        for job in try queue.recoverAbandoned(all: true, policy: c.retryPolicy) {
            logger.warning("job \(job.id): was running when the daemon stopped; \(job.state == .failed ? "failed: " + (job.lastError ?? "") : "requeued") (\(job.sourcePath))")
        }
        let lifecycle = Lifecycle(queue: queue, state: state, logger: logger, notifier: notifier, pid: pid,
                                  startedAt: Date().timeIntervalSince1970)
        try lifecycle.start()
        logger.info("enhanced \(Product.version) (pid \(pid)): \(c.workers) worker(s) × \(c.threadsPerWorker) thread(s), model \(model.name) (sha256 \(model.sha256.prefix(12))…)\(route.degraded.map { ", degraded inputs (\(route.thresholds.summary)) \($0.name) (sha256 \($0.sha256.prefix(12))…)" } ?? ""), database \(c.database)")
        SignalWaiter.start(onReload: { lifecycle.reload() }, onStop: { lifecycle.requestStop($0, signal: $1) })
        notifier.ready(status: "watching \(c.roots.count) folder(s)")
        let status = lifecycle.waitForStop()
        withExtendedLifetime(lock) {}
        return status
    }
}
