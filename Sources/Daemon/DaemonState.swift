import Configuration
import Foundation

/// What the daemon's threads share: the configuration and model in force (replaced whole on
/// SIGHUP), the stop flag, the jobs in flight, and a condition workers sleep on until work may
/// be ready.
final class DaemonState: @unchecked Sendable {
    struct Snapshot {
        var configuration: DaemonConfiguration
        /// The models in force and which input goes to which (jobs are keyed by `route.id`).
        var route: ModelRoute
        /// The primary model: the daemon's record and clean inputs.
        var model: ModelIdentity { route.primary }
        /// Bumped when workers must load their generators again (new models or thread count).
        var generation: Int
        var stopping: Bool
    }

    private let condition = NSCondition()
    /// Seconds an idle worker sleeps before asking the queue again: short when nothing tells
    /// it of new work from other processes (SQLite), long when the queue does (PostgreSQL's
    /// NOTIFY). Set once at start-up, before any worker runs.
    var idlePoll = 0.5
    private var current: Snapshot
    private var inFlight: [Int64: String] = [:]
    private var workSignalled = false

    init(configuration: DaemonConfiguration, route: ModelRoute) {
        current = Snapshot(configuration: configuration, route: route, generation: 0, stopping: false)
    }

    var snapshot: Snapshot { condition.withLock { current } }

    func update(configuration: DaemonConfiguration, route: ModelRoute, reloadGenerators: Bool) {
        condition.withLock {
            current.configuration = configuration
            current.route = route
            if reloadGenerators { current.generation += 1 }
            workSignalled = true
            condition.broadcast()
        }
    }

    func stop() {
        condition.withLock {
            current.stopping = true
            condition.broadcast()
        }
    }

    /// Wakes sleeping workers: a job was enqueued, retried or resumed.
    func signalWork() {
        condition.withLock {
            workSignalled = true
            condition.broadcast()
        }
    }

    /// Sleeps until work is signalled, the daemon stops, or `timeout` seconds pass (the queue is
    /// polled anyway: `enhance-ctl` changes it from another process, and back-offs expire).
    func waitForWork(timeout: Double) {
        condition.withLock {
            if !workSignalled && !current.stopping {
                _ = condition.wait(until: Date(timeIntervalSinceNow: timeout))
            }
            workSignalled = false
        }
    }

    func began(_ job: Int64, owner: String) { condition.withLock { inFlight[job] = owner } }
    func ended(_ job: Int64) { condition.withLock { _ = inFlight.removeValue(forKey: job) } }
    var jobsInFlight: [Int64: String] { condition.withLock { inFlight } }
}
