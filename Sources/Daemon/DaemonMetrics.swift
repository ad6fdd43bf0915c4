import Foundation
import JobQueue
import Prometheus

/// What the daemon counts for Prometheus, kept in one registry: jobs by state and the oldest
/// queued job's age (read from the queue when written), jobs completed and failed by model, job
/// duration and output size (histograms), how busy the workers were, which model runs, and
/// whether the daemon is up. Workers report into it from their threads; the registry's metrics
/// are thread-safe, and the busy-time bookkeeping below is guarded by `lock`.
final class DaemonMetrics: @unchecked Sendable {
    let registry = PrometheusCollectorRegistry()
    private let durations: ValueHistogram
    private let outputMegapixels: ValueHistogram
    private let up: Gauge
    private let startTime: Gauge
    private let writtenAt: Gauge
    private let oldestQueuedAge: Gauge
    private let busyRatio: Gauge
    private let paused: Gauge
    private let jobs: [JobState: Gauge]

    // Guarded by `lock`.
    private let lock = NSLock()
    private var modelInfo: (name: String, sha256: String, gauge: Gauge)?
    private var completed: [String: Counter] = [:]
    private var failed: [String: Counter] = [:]
    /// Busy time of finished jobs, and the start of each job in progress, by worker (monotonic).
    private var busySeconds = 0.0
    private var busySince: [Int: Double] = [:]
    private var lastSample: (at: Double, busy: Double)

    init(startedAt: Double) {
        durations = registry.makeValueHistogram(
            descriptor: Self.name("job_duration", unit: "seconds", help: "Wall time of each job done, from decode to the committed output"),
            buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800])
        outputMegapixels = registry.makeValueHistogram(
            descriptor: Self.name("output", unit: "megapixels", help: "Size of each output written, in megapixels"),
            buckets: [0.01, 0.1, 0.5, 1, 2, 5, 10, 20, 50, 100, 200])
        up = registry.makeGauge(descriptor: Self.name("up", help: "1 while the daemon runs; 0 in the file it leaves when it stops"))
        startTime = registry.makeGauge(descriptor: Self.name("start_time", unit: "seconds", help: "When the daemon started (Unix time)"))
        writtenAt = registry.makeGauge(descriptor: Self.name(
            "heartbeat_timestamp", unit: "seconds", help: "When these metrics were written (Unix time): a stale value means a stuck daemon"))
        oldestQueuedAge = registry.makeGauge(descriptor: Self.name(
            "oldest_queued_age", unit: "seconds", help: "Age of the oldest queued job; 0 when none waits"))
        busyRatio = registry.makeGauge(descriptor: Self.name(
            "worker_busy", unit: "ratio", help: "Share of the workers' time spent on jobs since the previous write"))
        paused = registry.makeGauge(descriptor: Self.name("queue_paused", help: "1 while the queue is paused"))
        let registry = self.registry
        jobs = Dictionary(uniqueKeysWithValues: JobState.allCases.map { state in
            (state, registry.makeGauge(descriptor: Self.name("jobs", help: "Jobs in the queue by state"),
                                       labels: [("state", state.rawValue)]))
        })
        lastSample = (ProcessInfo.processInfo.systemUptime, 0)
        startTime.set(to: startedAt)
        up.set(to: 1)
    }

    /// `enhance_<metric>_<unit>`, with its help line.
    private static func name(_ metric: String, unit: String = "", help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "enhance", metricName: metric, unitName: unit, helpText: help)
    }

    // MARK: From the workers

    func jobStarted(worker: Int) {
        lock.withLock { busySince[worker] = ProcessInfo.processInfo.systemUptime }
    }

    func jobEnded(worker: Int) {
        lock.withLock {
            if let start = busySince.removeValue(forKey: worker) {
                busySeconds += ProcessInfo.processInfo.systemUptime - start
            }
        }
    }

    func jobDone(model: String, seconds: Double, outputPixels: Int64) {
        counter(&completed, "jobs_completed", "Jobs done by this daemon since it started", model).increment()
        durations.record(seconds)
        outputMegapixels.record(Double(outputPixels) / 1_000_000)
    }

    func jobFailed(model: String) {
        counter(&failed, "jobs_failed", "Jobs failed for good by this daemon since it started", model).increment()
    }

    private func counter(_ table: inout [String: Counter], _ name: String, _ help: String, _ model: String) -> Counter {
        lock.withLock {
            if let existing = table[model] { return existing }
            let made = registry.makeCounter(descriptor: Self.name(name, unit: "total", help: help), labels: [("model", model)])
            table[model] = made
            return made
        }
    }

    // MARK: When written

    /// Brings the sampled values up to date and renders the exposition text.
    func render(status: QueueStatus?, model: (name: String, sha256: String), workers: Int, now: Double, stopping: Bool) -> [UInt8] {
        lock.withLock {
            if modelInfo?.name != model.name || modelInfo?.sha256 != model.sha256 {
                if let old = modelInfo?.gauge { registry.unregisterGauge(old) }
                let gauge = registry.makeGauge(descriptor: Self.name("model_info", help: "The model the workers run (always 1)"),
                                               labels: [("name", model.name), ("sha256", model.sha256)])
                gauge.set(to: 1)
                modelInfo = (model.name, model.sha256, gauge)
            }
            let t = ProcessInfo.processInfo.systemUptime
            let busyNow = busySeconds + busySince.values.reduce(0) { $0 + (t - $1) }
            let span = (t - lastSample.at) * Double(max(1, workers))
            busyRatio.set(to: span > 0 ? min(1, max(0, (busyNow - lastSample.busy) / span)) : 0)
            lastSample = (t, busyNow)
        }
        if let status {
            for (state, gauge) in jobs { gauge.set(to: Double(status.count(state))) }
            oldestQueuedAge.set(to: status.oldestQueuedAt.map { max(0, now - $0) } ?? 0)
            paused.set(to: status.paused ? 1 : 0)
        }
        up.set(to: stopping ? 0 : 1)
        writtenAt.set(to: now)
        return registry.emitToBuffer()
    }
}
