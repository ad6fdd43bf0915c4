#if canImport(Glibc)
import Glibc
#endif
import Common
import Configuration
import FolderWatch
import Foundation
import JobQueue
import Storage

/// Start, reload and stop, and the parts they change: the folder watcher, the worker pool and
/// the heartbeat. Every one of those is touched only on `control`, a serial queue: a SIGHUP's
/// reload and a SIGTERM's stop (which used to read the watcher and the workers from another
/// thread while a reload wrote them) are therefore applied one after the other, in the order
/// they came. Once stopping, a reload still waiting on the queue does nothing.
final class Lifecycle: @unchecked Sendable {
    private let control = DispatchQueue(label: "enhanced.control")
    private let queue: any JobStore
    private let state: DaemonState
    private let logger: Logger
    private let notifier: SystemdNotifier
    private let pid: Int32
    private let startedAt: Double
    private let intake: DaemonIntake
    private let heartbeat: Heartbeat
    private let hooks: HookRunner
    private let metricsFile: MetricsTextfile
    private let stopRequested = DispatchSemaphore(value: 0)
    /// Set by a second SIGINT/SIGTERM (the signal thread), read by `waitForStop`: the exit
    /// status of a forced stop, 128 + the signal (130, 143), as a shell reports a killed job.
    /// Guarded by `forceLock`.
    private var forcedExit: Int32?
    private let forceLock = NSLock()
    /// Confined to the signal thread, the only caller of `requestStop`.
    private var stopsRequested = 0

    // Confined to `control`.
    private let pool: WorkerPool
    private var watcher: FolderWatcher?
    private var stopping = false

    init(queue: any JobStore, state: DaemonState, logger: Logger, notifier: SystemdNotifier, pid: Int32,
         startedAt: Double) {
        self.queue = queue
        self.state = state
        self.logger = logger
        self.notifier = notifier
        self.pid = pid
        self.startedAt = startedAt
        hooks = HookRunner(logger: logger)
        intake = DaemonIntake(queue: queue, state: state, logger: logger, hooks: hooks)
        heartbeat = Heartbeat(queue: queue, state: state, notifier: notifier, logger: logger, pid: pid)
        let metrics = DaemonMetrics(startedAt: startedAt)
        metricsFile = MetricsTextfile(metrics: metrics, queue: queue, state: state, logger: logger)
        pool = WorkerPool(state: state, queue: queue, logger: logger,
                          observers: JobObservers(hooks: hooks, metrics: metrics))
    }

    /// Registers the daemon, starts the workers, the watcher and the heartbeat.
    func start() throws {
        try control.sync {
            let snapshot = state.snapshot
            try register(snapshot.configuration, model: snapshot.model)
            pool.ensure(snapshot.configuration.workers)
            watcher = try startWatcher(snapshot.configuration)
            heartbeat.start(on: control)
            metricsFile.start()
        }
    }

    private func register(_ c: DaemonConfiguration, model: ModelIdentity) throws {
        try queue.registerDaemon(DaemonRecord(pid: pid, version: Product.version, startedAt: startedAt,
                                              heartbeatAt: Date().timeIntervalSince1970, modelName: model.name,
                                              modelSHA256: model.sha256, workers: c.workers, threads: c.threadsPerWorker))
    }

    /// Creates missing roots (a fresh install's inbox), then watches them. Throws without
    /// side effects on the running watcher, which the caller replaces only on success.
    private func startWatcher(_ c: DaemonConfiguration) throws -> FolderWatcher {
        for root in c.roots where !FileManager.default.fileExists(atPath: root) {
            do {
                try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
                logger.info("created the watched folder \(root)")
            } catch {
                throw Daemon.StartupError(description: "watch.roots: cannot create \(root): \(error.localizedDescription)")
            }
        }
        let naming = c.naming
        let logger = self.logger, intake = self.intake
        let watcher = FolderWatcher(roots: c.roots, rules: IgnoreRules(isOwnOutput: { naming.isOutputName($0) }),
                                    settleDelay: c.settleDelay, rescanInterval: c.rescanInterval,
                                    log: { level, message in
                                        switch level {
                                        case .debug: logger.debug(message)
                                        case .info: logger.info(message)
                                        case .warning: logger.warning(message)
                                        }
                                    },
                                    onFile: { intake.submit($0) },
                                    onRejected: { intake.reject($0, reason: $1) })
        do {
            try watcher.start()
        } catch {
            throw Daemon.StartupError(description: "watch.roots: cannot watch \(error)")
        }
        return watcher
    }

    // MARK: Reload

    /// SIGHUP: read the configuration file again and apply it without dropping jobs — running
    /// jobs finish with the model they started with; workers load the new one before their
    /// next. Anything that cannot be applied (a bad file, a model that does not load, roots that
    /// cannot be watched) keeps the whole running configuration.
    func reload() {
        control.async { [self] in
            guard !stopping else { return }
            notifier.reloading()
            defer { notifier.ready(status: "configuration reloaded") }
            let old = state.snapshot
            var next: DaemonConfiguration
            do {
                next = try DaemonConfiguration.load(file: old.configuration.file)
            } catch {
                logger.error("reload: \(error); keeping the running configuration")
                return
            }
            if next.database != old.configuration.database {
                logger.warning("reload: state.database changes only on restart; still using \(old.configuration.database)")
                next.database = old.configuration.database
            }
            let o = old.configuration
            if (next.backend, next.stateURL, next.passwordFile, next.nodeName) != (o.backend, o.stateURL, o.passwordFile, o.nodeName) {
                logger.warning("reload: state.backend, state.url, state.password_file and node.name change only on restart; still using \(queue.location)")
                (next.backend, next.stateURL, next.passwordFile, next.nodeName) = (o.backend, o.stateURL, o.passwordFile, o.nodeName)
            }
            let route: ModelRoute
            do {
                route = try reloadRoute(next, old.route)
            } catch {
                logger.error("reload: \(error); keeping the running configuration")
                return
            }
            let c = old.configuration
            var replacement: FolderWatcher?
            if next.roots != c.roots || next.settleDelay != c.settleDelay || next.rescanInterval != c.rescanInterval
                || next.naming != c.naming {
                // The new watcher starts before the old one stops, so no event falls between
                // them (one seen by both is de-duplicated by the queue), and a failure leaves
                // the old one watching.
                do {
                    replacement = try startWatcher(next)
                } catch {
                    logger.error("reload: \(error); keeping the running configuration")
                    return
                }
            }
            logger.level = next.logLevel
            let regenerate = route.primary != old.route.primary || route.degraded != old.route.degraded
                || next.threadsPerWorker != c.threadsPerWorker
            state.update(configuration: next, route: route, reloadGenerators: regenerate)
            if let replacement {
                watcher?.stop()
                watcher = replacement
            }
            pool.ensure(next.workers)
            metricsFile.start()
            try? register(next, model: route.primary)
            let models = route.primary.name + (route.degraded.map { ", degraded inputs \($0.name)" } ?? "")
            logger.info("reloaded \(next.file ?? "the configuration"): \(next.workers) worker(s) × \(next.threadsPerWorker) thread(s), model \(models)\(regenerate ? " (workers reload it between jobs)" : "")")
        }
    }

    /// The route of the `next` configuration: a model whose file (path or bytes) is what runs
    /// now is kept as it is, any other is hashed and test-loaded first.
    private func reloadRoute(_ next: DaemonConfiguration, _ old: ModelRoute) throws -> ModelRoute {
        func model(_ path: String, key: String, running: ModelIdentity?) throws -> ModelIdentity {
            if let running, running.path == path, (try? ModelCheck.sha256(of: path)) == running.sha256 { return running }
            return try ModelCheck.load(path, key: key)
        }
        return ModelRoute(primary: try model(next.modelPath, key: "model.path", running: old.primary),
                          degraded: try next.degradedModelPath.map { try model($0, key: "model.degraded", running: old.degraded) },
                          thresholds: next.degradedThresholds)
    }

    // MARK: Stop

    /// From the signal thread: the first SIGINT/SIGTERM wakes `waitForStop`; a second one while
    /// stopping (the admin's "now, please" — a second Ctrl-C) cuts the wait for running jobs
    /// short: they are requeued at once and the daemon exits with 128 + that signal's number.
    func requestStop(_ why: String, signal number: Int32) {
        stopsRequested += 1
        if stopsRequested == 1 {
            logger.info("\(why): stopping (running jobs get \(Int(state.snapshot.configuration.shutdownTimeout)) s to finish; \(why) again stops at once)")
            stopRequested.signal()
        } else if stopsRequested == 2 {
            logger.warning("\(why) again: stopping now, running jobs are requeued")
            forceLock.withLock { forcedExit = 128 + number }
        }
    }

    private var forcedStatus: Int32? { forceLock.withLock { forcedExit } }

    /// Blocks until a stop is requested, then stops: no more claims, running jobs get the
    /// shutdown timeout (or less, when a second signal forces the stop), what is still running
    /// is requeued, the WAL is checkpointed. Exit status 0 for the orderly stop systemd asked
    /// for, 130/143 for a forced one.
    func waitForStop() -> Int32 {
        stopRequested.wait()
        let workers = control.sync { () -> [Worker] in
            // On the control queue, so that a reload that came first has sent its READY=1
            // before this: systemd must not read "ready" after "stopping".
            notifier.stopping()
            stopping = true
            heartbeat.stop()
            watcher?.stop()
            watcher = nil
            state.stop()
            return pool.all
        }
        let deadline = DispatchTime.now() + state.snapshot.configuration.shutdownTimeout
        // In short slices, so that a forced stop is seen within one.
        var finished = false
        while forcedStatus == nil {
            let slice = min(deadline, DispatchTime.now() + 0.1)
            finished = workers.allSatisfy { $0.waitForExit(until: slice) }
            if finished || DispatchTime.now() >= deadline { break }
        }
        let forced = forcedStatus
        intake.drain()
        // Hooks not yet started are dropped (each logged); a running one gets its timeout.
        if !hooks.drain(until: .now() + state.snapshot.configuration.hooks.timeout + 3) {
            logger.warning("a hook was still running at stop; not waited for")
        }
        if !finished {
            for (job, owner) in state.jobsInFlight {
                if (try? queue.release(id: job, owner: owner)) == true {
                    logger.warning("job \(job): still running \(forced == nil ? "at the shutdown timeout" : "at a forced stop"); requeued")
                }
            }
        }
        try? queue.daemonStopped(pid: pid)
        metricsFile.stop()
        do { try queue.checkpoint() } catch { logger.warning("WAL checkpoint at stop: \(error)") }
        logger.info("stopped")
        let status = forced ?? 0
        if !finished {
            // Workers are still inside the model: skip atexit teardown under their feet, and
            // take their half-written outputs with us rather than leave them to the next start.
            PendingFile.removeAllUncommitted()
            _exit(status)
        }
        return status
    }
}
