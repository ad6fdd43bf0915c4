import Configuration
import Foundation
import JobQueue
import Storage

/// Writes the daemon's metrics to `[metrics] textfile_dir`/enhanced.prom every
/// `metrics.interval` seconds, atomically (node_exporter never reads half a file), and once more
/// at stop with `enhance_up 0`. The timer and its writes run on a queue of their own, so a slow
/// disk delays neither the heartbeat nor a reload; the settings are read from the state at each
/// write, so a reload applies them.
final class MetricsTextfile: @unchecked Sendable {
    private let metrics: DaemonMetrics
    private let queue: any JobStore
    private let state: DaemonState
    private let logger: Logger
    private let writes = DispatchQueue(label: "enhanced.metrics")
    /// Touched only on `writes`.
    private var timer: DispatchSourceTimer?
    private var interval: Double = 0
    private var lastError: String?

    init(metrics: DaemonMetrics, queue: any JobStore, state: DaemonState, logger: Logger) {
        self.metrics = metrics
        self.queue = queue
        self.state = state
        self.logger = logger
    }

    /// Starts writing, or follows a reload's new interval.
    func start() {
        writes.async { [self] in
            let wanted = state.snapshot.configuration.metrics.interval
            guard timer == nil || wanted != interval else { return }
            timer?.cancel()
            let timer = DispatchSource.makeTimerSource(queue: writes)
            timer.schedule(deadline: .now(), repeating: wanted)
            timer.setEventHandler { [self] in write(stopping: false) }
            timer.resume()
            self.timer = timer
            interval = wanted
        }
    }

    /// At stop: the last write, saying the daemon is down.
    func stop() {
        writes.sync {
            timer?.cancel()
            timer = nil
            write(stopping: true)
        }
    }

    private func write(stopping: Bool) {
        let snapshot = state.snapshot
        guard let path = snapshot.configuration.metrics.textfilePath else { return }
        let status: QueueStatus?
        do {
            status = try queue.status()
        } catch {
            status = nil
            report("metrics: cannot read the queue: \(error)")
        }
        let text = metrics.render(status: status, model: (snapshot.model.name, snapshot.model.sha256),
                                  workers: snapshot.configuration.workers, now: Date().timeIntervalSince1970,
                                  stopping: stopping)
        do {
            try AtomicFile.write(text, to: path, mode: 0o644)
            if lastError != nil { logger.info("metrics: writing \(path) again") }
            lastError = nil
        } catch {
            report("metrics: cannot write \(path): \(error)")
        }
    }

    /// A failure is logged when it first happens or changes, not at every write.
    private func report(_ message: String) {
        guard message != lastError else { return }
        lastError = message
        logger.warning(message)
    }
}
