import Configuration
import Foundation
import Imaging
import JobQueue
import SRGAN
import Storage
import Upscaling

/// One worker thread: claims a job, enhances it with its own generator (generators are not
/// thread-safe, and each keeps per-size plans and scratch memory), records the outcome, repeats.
final class Worker: @unchecked Sendable {
    let index: Int
    let owner: String
    private let state: DaemonState
    private let queue: JobQueue
    private let logger: Logger
    private var generator: Generator?
    private var generation = -1
    private let exited = DispatchSemaphore(value: 0)
    /// Seconds between lease renewals (with progress) while a job runs.
    static let renewInterval = 1.0

    init(index: Int, state: DaemonState, queue: JobQueue, logger: Logger) {
        self.index = index
        self.owner = "\(ProcessInfo.processInfo.hostName):\(getpid())/w\(index)"
        self.state = state
        self.queue = queue
        self.logger = logger
    }

    func start() {
        let thread = Thread { [self] in
            run()
            exited.signal()
        }
        thread.name = "worker-\(index)"
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Waits until the thread has exited or `deadline` passes; true when it exited.
    func waitForExit(until deadline: DispatchTime) -> Bool {
        guard exited.wait(timeout: deadline) == .success else { return false }
        exited.signal()   // stays signalled for later callers
        return true
    }

    private func run() {
        while true {
            let snapshot = state.snapshot
            if snapshot.stopping || index >= snapshot.configuration.workers { break }
            if generation != snapshot.generation {
                do {
                    generator = nil
                    generator = try Generator(contentsOf: snapshot.model.path,
                                              threads: snapshot.configuration.threadsPerWorker)
                    generation = snapshot.generation
                    logger.debug("worker \(index): loaded \(snapshot.model.name) with \(snapshot.configuration.threadsPerWorker) threads")
                } catch {
                    logger.error("worker \(index): cannot load \(snapshot.model.path): \(error)")
                    state.waitForWork(timeout: 5)
                    continue
                }
            }
            let job: Job?
            do {
                job = try queue.claim(owner: owner, lease: snapshot.configuration.lease)
            } catch {
                logger.warning("worker \(index): cannot claim a job: \(error)")
                state.waitForWork(timeout: 1)
                continue
            }
            guard let job else {
                state.waitForWork(timeout: 0.5)
                continue
            }
            state.began(job.id, owner: owner)
            process(job, snapshot)
            state.ended(job.id)
        }
        logger.debug("worker \(index): exiting")
    }

    private func process(_ job: Job, _ snapshot: DaemonState.Snapshot) {
        let c = snapshot.configuration
        let source = job.sourcePath
        do {
            guard let now = SourceFile(source) else {
                try queue.skip(id: job.id, owner: owner, reason: "\(source): the source disappeared before it was enhanced")
                logger.warning("job \(job.id): \(source) disappeared; skipped")
                return
            }
            guard now.size == job.size, abs(now.mtime - job.mtime) < 1e-6 else {
                try queue.skip(id: job.id, owner: owner,
                               reason: "\(source): changed after it was queued (its new content is queued on its own)")
                logger.info("job \(job.id): \(source) changed since it was queued; skipped")
                return
            }
            let plan = OutputPlan(source: source, configuration: c)
            try FileManager.default.createDirectory(atPath: plan.directory, withIntermediateDirectories: true)
            StaleTemporaries.remove(in: plan.directory)

            var provenance = Provenance(sourcePath: source, sourceSHA256: job.sha256, when: Date(),
                                        softwareAgent: "enhanced \(Daemon.version)", modelName: snapshot.model.name,
                                        modelSHA256: snapshot.model.sha256, scale: Generator.scale,
                                        tile: c.tile, overlap: c.overlap)
            var options = UpscaleOptions()
            options.tile = c.tile
            options.overlap = c.overlap
            options.maxPixels = c.maxInputPixels
            options.jpegQuality = c.jpegQuality
            options.xmp = Array(provenance.packet.utf8)
            logger.info("job \(job.id): enhancing \(source) (attempt \(job.attempts))")
            var lastRenewal = ProcessInfo.processInfo.systemUptime
            let result = try ImageUpscaler.upscale(source, to: plan.outputPath, generator: generator!,
                                                   options: options) { fraction in
                let t = ProcessInfo.processInfo.systemUptime
                guard t - lastRenewal >= Self.renewInterval else { return }
                lastRenewal = t
                if (try? queue.renew(id: job.id, owner: owner, lease: c.lease, progress: fraction)) == false {
                    logger.warning("job \(job.id): lease lost while running")
                }
            }
            provenance.elapsed = result.seconds
            try AtomicFile.write(Array(provenance.packet.utf8), to: plan.sidecarPath)
            let pixels = Int64(result.output.width * result.output.height)
            if try queue.complete(id: job.id, owner: owner, outputPath: plan.outputPath, elapsed: result.seconds,
                                  outputPixels: pixels) {
                logger.info(String(format: "job %lld: done → %@ (%.2f s)", job.id, plan.outputPath, result.seconds))
            } else {
                logger.warning("job \(job.id): finished after its lease was lost; the queue keeps the other owner's outcome")
            }
        } catch {
            record(error, for: job, policy: RetryPolicy(maxAttempts: c.maxAttempts, initialDelay: c.initialDelay,
                                                        maxDelay: c.maxDelay))
        }
    }

    private func record(_ error: any Error, for job: Job, policy: RetryPolicy) {
        let reason = "\(error)"
        do {
            switch FailureKind(error) {
            case .sourceGone:
                try queue.skip(id: job.id, owner: owner, reason: reason)
                logger.warning("job \(job.id): skipped: \(reason)")
            case .permanent:
                try queue.fail(id: job.id, owner: owner, reason: reason, permanent: true, policy: policy)
                logger.error("job \(job.id): failed: \(reason)")
            case .transient:
                let state = try queue.fail(id: job.id, owner: owner, reason: reason, permanent: false, policy: policy)
                if state == .failed {
                    logger.error("job \(job.id): failed after \(job.attempts) attempts: \(reason)")
                } else {
                    logger.warning("job \(job.id): attempt \(job.attempts) failed, will retry: \(reason)")
                }
            }
        } catch {
            logger.error("job \(job.id): cannot record the failure (\(reason)): \(error)")
        }
    }
}
