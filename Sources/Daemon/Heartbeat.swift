import Common
import Foundation
import JobQueue

/// Every `Liveness.heartbeatInterval` (or sooner when systemd's watchdog asks): proves the
/// daemon alive to `enhance-ctl` (database) and systemd (watchdog), takes back jobs whose lease
/// ran out (another daemon's: this one's own workers renew on a monotonic clock, and a pause of
/// the whole process must not make it redo their work), and now and then checkpoints the WAL so
/// that the database file alone holds the queue. Runs on the control queue.
final class Heartbeat: @unchecked Sendable {
    private let queue: any JobStore
    private let state: DaemonState
    private let notifier: SystemdNotifier
    private let logger: Logger
    private let pid: Int32
    private let ownLeases: String
    /// Timer and beat count: touched only on the control queue.
    private var timer: DispatchSourceTimer?
    private var beats = 0
    /// Beats between WAL checkpoints (about a minute).
    private let checkpointEvery: Int

    init(queue: any JobStore, state: DaemonState, notifier: SystemdNotifier, logger: Logger, pid: Int32) {
        self.queue = queue
        self.state = state
        self.notifier = notifier
        self.logger = logger
        self.pid = pid
        self.ownLeases = Worker.ownerPrefix(node: state.snapshot.configuration.nodeName, pid: pid)
        checkpointEvery = max(1, Int(60 / Liveness.heartbeatInterval))
    }

    func start(on control: DispatchQueue) {
        let timer = DispatchSource.makeTimerSource(queue: control)
        let interval = min(Liveness.heartbeatInterval, notifier.watchdogInterval ?? .infinity)
        timer.schedule(deadline: .now() + interval, repeating: interval)
        timer.setEventHandler { [self] in beat() }
        timer.resume()
        self.timer = timer
    }

    func stop() {
        timer?.cancel()
        timer = nil
    }

    private func beat() {
        do {
            try queue.heartbeat(pid: pid)
            let policy = state.snapshot.configuration.retryPolicy
            let recovered = try queue.recoverAbandoned(all: false, policy: policy, sparing: ownLeases)
            for job in recovered { logger.warning("job \(job.id): lease expired; \(job.state.rawValue)") }
            if !recovered.isEmpty { state.signalWork() }
            let counts = try queue.counts()
            notifier.status("\(counts[.queued] ?? 0) queued, \(counts[.running] ?? 0) running, \(counts[.done] ?? 0) done, \(counts[.failed] ?? 0) failed")
            notifier.watchdog()
        } catch where queue.isUnavailable(error) {
            // The queue's server is away (logged once, by the availability handler): the daemon
            // itself is alive and reconnecting, which is what the watchdog asks.
            notifier.watchdog()
        } catch {
            // No watchdog ping: if the database stays unusable, systemd restarts us.
            logger.error("heartbeat: \(error)")
        }
        beats += 1
        if beats % checkpointEvery == 0 {
            do { try queue.checkpoint() } catch { logger.warning("WAL checkpoint: \(error)") }
        }
    }
}
