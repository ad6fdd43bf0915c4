import Configuration
import FolderWatch
import Foundation
import Intake
import JobQueue

/// The daemon's intake: settled files from the watcher become jobs through the shared
/// `SourceIntake`, one at a time on a serial queue of their own, so hashing a large file never
/// holds up inotify events or a reload. Workers are woken for each new job.
final class DaemonIntake: Sendable {
    private let serial = DispatchQueue(label: "enhanced.intake")
    private let queue: any JobStore
    private let state: DaemonState
    private let logger: Logger
    private let hooks: HookRunner

    init(queue: any JobStore, state: DaemonState, logger: Logger, hooks: HookRunner) {
        self.queue = queue
        self.state = state
        self.logger = logger
        self.hooks = hooks
    }

    /// A file that became a failed job without a worker: the `on_failed` hook hears of it too.
    private func failed(_ job: Job, _ reason: String) {
        logger.warning("job \(job.id): failed: \(reason)")
        hooks.jobEnded(.init(jobID: job.id, source: job.sourcePath, state: "failed", reason: reason),
                       hooks: state.snapshot.configuration.hooks)
    }

    /// The intake for the configuration and model in force now (a reload may change either).
    private func current() -> SourceIntake {
        let snapshot = state.snapshot
        let naming = snapshot.configuration.naming
        return SourceIntake(queue: queue, modelID: snapshot.route.id, paramsKey: snapshot.configuration.paramsKey,
                            rules: IgnoreRules(isOwnOutput: { naming.isOutputName($0) }),
                            roots: snapshot.configuration.rootMap)
    }

    func submit(_ file: SettledFile) {
        serial.async { [self] in
            do {
                switch try untilReachable({ try current().submit(file.path) }) {
                case .queued(let job):
                    logger.info("job \(job.id): queued \(file.path)")
                    state.signalWork()
                case .duplicate(let job, let original):
                    logger.info("job \(job.id): \(file.path) skipped: same content as job \(original.id) (\(original.sourcePath))")
                case .rejected(let job, let reason):
                    if let job { failed(job, reason) }
                case .known, .unchanged: break
                case .ignored(let reason): logger.debug("not queued: \(reason)")
                }
            } catch {
                logger.warning("\(file.path): not queued: \(error)")
            }
        }
    }

    /// A file the watcher found but cannot hand over (its name is not UTF-8): recorded as a
    /// failed job so that `status` shows it, and logged once.
    func reject(_ path: String, reason: String) {
        serial.async { [self] in
            do {
                if let job = try current().reject(path, reason: reason) { failed(job, reason) }
            } catch {
                logger.warning("\(reason) (not recorded: \(error))")
            }
        }
    }

    /// A file seen while the queue is unreachable waits for it (with back-off, on this serial
    /// queue, so later files wait behind it in order) rather than being dropped until the next
    /// rescan; a stop gives up waiting.
    private func untilReachable<T>(_ call: () throws -> T) throws -> T {
        var delay = 0.25
        while true {
            do {
                return try call()
            } catch where queue.isUnavailable(error) && !state.snapshot.stopping {
                Thread.sleep(forTimeInterval: delay)
                delay = min(delay * 2, 5)
            }
        }
    }

    /// Waits until everything submitted so far has been handled.
    func drain() { serial.sync {} }
}
