import Foundation
import JobQueue

/// The worker threads, by index. Confined to the lifecycle's control queue: every method is
/// called there, so `workers` needs no lock of its own (a reload that spawns and a stop that
/// waits are serialised by that queue).
final class WorkerPool: @unchecked Sendable {
    private let state: DaemonState
    private let queue: any JobStore
    private let logger: Logger
    private let observers: JobObservers
    private var workers: [Int: Worker] = [:]

    init(state: DaemonState, queue: any JobStore, logger: Logger, observers: JobObservers) {
        self.state = state
        self.queue = queue
        self.logger = logger
        self.observers = observers
    }

    /// Makes sure workers 0..<count run. Workers above `count` leave by themselves after their
    /// current job (they read the count from the state); an index whose worker is still
    /// leaving is filled again once it has gone, at the next reload.
    func ensure(_ count: Int) {
        for index in 0..<count where workers[index].map({ $0.waitForExit(until: .now()) }) ?? true {
            let worker = Worker(index: index, state: state, queue: queue, logger: logger, observers: observers)
            workers[index] = worker
            worker.start()
        }
    }

    /// The workers as they are now, for a stop to wait for outside the control queue.
    var all: [Worker] { Array(workers.values) }
}
