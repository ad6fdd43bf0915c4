#if canImport(Glibc)
import Glibc
#endif
import Configuration
import FolderWatch
import Foundation
import Hashing
import JobQueue
import SRGAN

/// The running service: watcher → intake → queue → workers, plus heartbeat, signals and
/// systemd notifications. `run()` blocks until SIGTERM/SIGINT and returns the exit status.
public final class Daemon: @unchecked Sendable {
    public static let version = "0.1.0"
    /// Seconds between heartbeats (database record, expired-lease recovery, watchdog).
    static let heartbeatInterval = 2.0

    private var configuration: DaemonConfiguration
    private let logger: Logger
    private let notifier: SystemdNotifier
    private let control = DispatchQueue(label: "enhanced.control")
    private let intakeQueue = DispatchQueue(label: "enhanced.intake")
    private let stopRequested = DispatchSemaphore(value: 0)
    private var queue: JobQueue!
    private var state: DaemonState!
    private var watcher: FolderWatcher?
    private var workers: [Int: Worker] = [:]
    private var heartbeat: DispatchSourceTimer?
    private var lockDescriptor: Int32 = -1
    private let startedAt = Date().timeIntervalSince1970
    private let pid = getpid()

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
        // Before any thread exists (oneDNN's, Dispatch's, ours): block the signals we handle, so
        // that every thread inherits the block and they stay pending for the one thread that
        // waits for them with sigwait.
        var handled = sigset_t()
        sigemptyset(&handled)
        for number in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&handled, number) }
        pthread_sigmask(SIG_BLOCK, &handled, nil)
        let c = configuration
        try takeLock(database: c.database)
        for root in c.roots where !FileManager.default.fileExists(atPath: root) {
            do {
                try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
                logger.info("created the watched folder \(root)")
            } catch {
                throw StartupError(description: "watch.roots: cannot create \(root): \(error.localizedDescription)")
            }
        }
        queue = try JobQueue(path: c.database)
        let model = try loadModel(c.modelPath)
        state = DaemonState(configuration: c, model: model)
        for job in try queue.recoverAbandoned(all: true, policy: retryPolicy(c)) {
            logger.warning("job \(job.id): was running when the daemon stopped; \(job.state == .failed ? "failed: " + (job.lastError ?? "") : "requeued") (\(job.sourcePath))")
        }
        try register(c, model: model)
        logger.info("enhanced \(Self.version) (pid \(pid)): \(c.workers) worker(s) × \(c.threadsPerWorker) thread(s), model \(model.name) (sha256 \(model.sha256.prefix(12))…), database \(c.database)")
        installSignalHandlers()
        spawnWorkers(c.workers)
        try startWatcher(c)
        startHeartbeat()
        notifier.ready(status: "watching \(c.roots.count) folder(s)")
        stopRequested.wait()
        return shutdown()
    }

    // MARK: Start-up

    /// One daemon per database: a second one would requeue the first one's running jobs.
    private func takeLock(database: String) throws {
        let directory = (database as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = database + ".lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw StartupError(description: "state.database: cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let other = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
            close(fd)
            throw StartupError(description: "\(database): another enhanced (pid \(other)) is already running on this database")
        }
        _ = ftruncate(fd, 0)
        let text = Array("\(pid)\n".utf8)
        _ = pwrite(fd, text, text.count, 0)
        lockDescriptor = fd
    }

    /// Hashes and test-loads the model, so a bad file is reported now rather than by each worker.
    private func loadModel(_ path: String) throws -> ModelIdentity {
        guard FileManager.default.fileExists(atPath: path) else {
            throw StartupError(description: "model.path: \(path): no such model file (run scripts/setup, or set model.path)")
        }
        do {
            let sha = try SHA256.hexDigest(ofFile: path)
            _ = try Generator(contentsOf: path, threads: 1)
            return ModelIdentity(path: path, sha256: sha)
        } catch {
            throw StartupError(description: "model.path: \(error)")
        }
    }

    private func register(_ c: DaemonConfiguration, model: ModelIdentity) throws {
        try queue.registerDaemon(DaemonRecord(pid: pid, version: Self.version, startedAt: startedAt,
                                              heartbeatAt: Date().timeIntervalSince1970, modelName: model.name,
                                              modelSHA256: model.sha256, workers: c.workers, threads: c.threadsPerWorker))
    }

    private func retryPolicy(_ c: DaemonConfiguration) -> RetryPolicy {
        RetryPolicy(maxAttempts: c.maxAttempts, initialDelay: c.initialDelay, maxDelay: c.maxDelay)
    }

    /// One thread waits for the signals (blocked in every thread since start-up, so none is
    /// lost or delivered to a busy worker): stop requests it handles itself, reloads it hands to
    /// the control queue.
    private func installSignalHandlers() {
        signal(SIGPIPE, SIG_IGN)
        let thread = Thread { [self] in
            var handled = sigset_t()
            sigemptyset(&handled)
            for number in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&handled, number) }
            while true {
                var number: Int32 = 0
                guard sigwait(&handled, &number) == 0 else { continue }
                // Stopping is handled right here, not on the control queue: a heartbeat stuck
                // behind a busy database must not keep SIGTERM waiting (seen under load in the
                // test suite: the stop line never came). Reloads stay serialised with heartbeats.
                switch number {
                case SIGHUP: control.async { [self] in reload() }
                case SIGINT: requestStop("SIGINT")
                default: requestStop("SIGTERM")
                }
            }
        }
        thread.name = "signals"
        thread.start()
    }

    private func spawnWorkers(_ count: Int) {
        for index in 0..<count where workers[index].map({ $0.waitForExit(until: .now()) }) ?? true {
            let worker = Worker(index: index, state: state, queue: queue, logger: logger)
            workers[index] = worker
            worker.start()
        }
    }

    private func startWatcher(_ c: DaemonConfiguration) throws {
        let naming = c.naming
        let rules = IgnoreRules(isOwnOutput: { naming.isOutputName($0) })
        let logger = self.logger
        let watcher = FolderWatcher(roots: c.roots, rules: rules, settleDelay: c.settleDelay,
                                    rescanInterval: c.rescanInterval,
                                    log: { level, message in
                                        switch level {
                                        case .debug: logger.debug(message)
                                        case .info: logger.info(message)
                                        case .warning: logger.warning(message)
                                        }
                                    },
                                    onFile: { [self] file in intake(file) })
        do {
            try watcher.start()
        } catch {
            throw StartupError(description: "watch.roots: cannot watch \(error)")
        }
        self.watcher = watcher
    }

    private func startHeartbeat() {
        let timer = DispatchSource.makeTimerSource(queue: control)
        let interval = min(Self.heartbeatInterval, notifier.watchdogInterval ?? .infinity)
        timer.schedule(deadline: .now() + interval, repeating: interval)
        timer.setEventHandler { [self] in beat() }
        timer.resume()
        heartbeat = timer
    }

    /// Proves the daemon alive to `enhance-ctl` (database) and systemd (watchdog), and takes back
    /// jobs whose lease ran out (a worker stuck or gone).
    private func beat() {
        do {
            try queue.heartbeat(pid: pid)
            let snapshot = state.snapshot
            let recovered = try queue.recoverAbandoned(all: false, policy: retryPolicy(snapshot.configuration))
            for job in recovered { logger.warning("job \(job.id): lease expired; \(job.state.rawValue)") }
            if !recovered.isEmpty { state.signalWork() }
            let counts = try queue.counts()
            notifier.status("\(counts[.queued] ?? 0) queued, \(counts[.running] ?? 0) running, \(counts[.done] ?? 0) done, \(counts[.failed] ?? 0) failed")
            notifier.watchdog()
        } catch {
            // No watchdog ping: if the database stays unusable, systemd restarts us.
            logger.error("heartbeat: \(error)")
        }
    }

    // MARK: Intake

    /// A settled file from the watcher: skipped cheaply when already known (same path, size and
    /// mtime), else hashed and enqueued. On its own serial queue, so hashing a large file does
    /// not hold up inotify events.
    private func intake(_ file: SettledFile) {
        intakeQueue.async { [self] in
            let snapshot = state.snapshot
            let modelID = snapshot.model.id, params = snapshot.configuration.paramsKey
            do {
                if try queue.knownJob(sourcePath: file.path, size: file.size, mtime: file.mtime,
                                      modelID: modelID, paramsKey: params) != nil { return }
                if try queue.isOutput(path: file.path) { return }
                let sha = try SHA256.hexDigest(ofFile: file.path)
                let outcome = try queue.enqueue(JobSubmission(sourcePath: file.path, sha256: sha, size: file.size,
                                                              mtime: file.mtime, modelID: modelID, paramsKey: params))
                switch outcome {
                case .queued(let job): logger.info("job \(job.id): queued \(file.path)")
                case .duplicate(let job, let original):
                    logger.info("job \(job.id): \(file.path) skipped: same content as job \(original.id) (\(original.sourcePath))")
                case .known: break
                }
                state.signalWork()
            } catch {
                logger.warning("\(file.path): not queued: \(error)")
            }
        }
    }

    // MARK: Reload and stop

    /// SIGHUP: read the configuration file again and apply it without dropping jobs — running
    /// jobs finish with the model they started with; workers load the new one before their next.
    private func reload() {
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
        var model = old.model
        if next.modelPath != old.model.path || (try? SHA256.hexDigest(ofFile: next.modelPath)) != old.model.sha256 {
            do {
                model = try loadModel(next.modelPath)
            } catch {
                logger.error("reload: \(error); keeping the running configuration")
                return
            }
        }
        logger.level = next.logLevel
        let regenerate = model != old.model || next.threadsPerWorker != old.configuration.threadsPerWorker
        state.update(configuration: next, model: model, reloadGenerators: regenerate)
        let c = old.configuration
        if next.roots != c.roots || next.settleDelay != c.settleDelay || next.rescanInterval != c.rescanInterval
            || next.naming != c.naming {
            watcher?.stop()
            do { try startWatcher(next) } catch { logger.error("reload: \(error); not watching") }
        }
        spawnWorkers(next.workers)
        try? register(next, model: model)
        logger.info("reloaded \(next.file ?? "the configuration"): \(next.workers) worker(s) × \(next.threadsPerWorker) thread(s), model \(model.name)\(regenerate ? " (workers reload it between jobs)" : "")")
    }

    private func requestStop(_ why: String) {
        logger.info("\(why): stopping (running jobs get \(Int(state.snapshot.configuration.shutdownTimeout)) s to finish)")
        stopRequested.signal()
    }

    /// Stop claiming, give running jobs the shutdown timeout, requeue what is still running,
    /// and leave. Exit status 0 either way: this is the orderly stop systemd asked for.
    private func shutdown() -> Int32 {
        notifier.stopping()
        heartbeat?.cancel()
        watcher?.stop()
        state.stop()
        let deadline = DispatchTime.now() + state.snapshot.configuration.shutdownTimeout
        let finished = workers.values.allSatisfy { $0.waitForExit(until: deadline) }
        intakeQueue.sync {}
        if !finished {
            for (job, owner) in state.jobsInFlight {
                if (try? queue.release(id: job, owner: owner)) == true {
                    logger.warning("job \(job): still running at the shutdown timeout; requeued")
                }
            }
        }
        try? queue.daemonStopped(pid: pid)
        logger.info("stopped")
        if !finished {
            // Workers are still inside the model: skip atexit teardown under their feet.
            _exit(0)
        }
        return 0
    }
}
