/// Makes the next batches on a background thread while the current step trains.
import Degradation
import Foundation

/// A bounded queue of batches for steps `start…` filled by one producer thread.
public final class BatchLoader: @unchecked Sendable {
    private let sampler: CropSampler
    private let condition = NSCondition()
    private var ready: [Int: Result<Batch, Error>] = [:]
    private var nextToMake: Int
    private var stopped = false
    private let depth: Int
    private var thread: Thread?

    public init(sampler: CropSampler, startStep: Int, depth: Int = 2) {
        self.sampler = sampler
        self.nextToMake = startStep
        self.depth = depth
        let thread = Thread { [weak self] in self?.produce() }
        thread.name = "enhance batch loader"
        self.thread = thread
        thread.start()
    }

    deinit { stop() }

    private func produce() {
        while true {
            condition.lock()
            while !stopped && ready.count >= depth { condition.wait() }
            if stopped { condition.unlock(); return }
            let step = nextToMake
            nextToMake += 1
            condition.unlock()
            let batch = Result { try sampler.batch(step: step) }
            condition.lock()
            ready[step] = batch
            condition.broadcast()
            condition.unlock()
        }
    }

    /// The batch of `step` (steps are taken in order), waiting for it if need be; a failure to
    /// make it (a degradation's codec error) is thrown here, on the training thread.
    public func batch(step: Int) throws -> Batch {
        condition.lock()
        defer { condition.unlock() }
        while ready[step] == nil { condition.wait() }
        let batch = ready.removeValue(forKey: step)!
        condition.broadcast()
        return try batch.get()
    }

    public func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }
}
