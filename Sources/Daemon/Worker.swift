import Common
import Configuration
import FolderWatch
import Foundation
import Imaging
import JobQueue
import Metadata
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
    private let observers: JobObservers
    private var generator: Generator?
    private var generation = -1
    private let exited = DispatchSemaphore(value: 0)
    /// Seconds between lease renewals (with progress) while a job runs.
    static let renewInterval = 1.0

    /// The start of every lease owner name of this process's workers, `host:pid/`: the
    /// heartbeat spares leases that start with it.
    static func ownerPrefix(pid: Int32) -> String { "\(ProcessInfo.processInfo.hostName):\(pid)/" }

    init(index: Int, state: DaemonState, queue: JobQueue, logger: Logger, observers: JobObservers) {
        self.observers = observers
        self.index = index
        self.owner = Self.ownerPrefix(pid: getpid()) + "w\(index)"
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
            observers.metrics.jobStarted(worker: index)
            process(job, snapshot)
            observers.metrics.jobEnded(worker: index)
            state.ended(job.id)
        }
        logger.debug("worker \(index): exiting")
    }

    private func process(_ job: Job, _ snapshot: DaemonState.Snapshot) {
        let c = snapshot.configuration
        let source = job.sourcePath
        do {
            // Opened once, without following links, and checked: what is decoded below is the
            // very file that was queued (same size, mtime and content), never what a link
            // swapped in since points to.
            let file: SecureFile
            do {
                file = try Self.openSource(source, roots: c.roots)
            } catch let error as StorageError where error.kind == .notFound {
                try queue.skip(id: job.id, owner: owner, reason: "\(source): the source disappeared before it was enhanced")
                logger.warning("job \(job.id): \(source) disappeared; skipped")
                return
            }
            do {
                try file.verify(size: job.size, mtimeSeconds: job.mtime)
                try JobPipeline.verifyContent(file, sha256: job.sha256)
            } catch let error as StorageError where error.kind == .changed {
                try queue.skip(id: job.id, owner: owner,
                               reason: "\(source): changed after it was queued (its new content is queued on its own)")
                logger.info("job \(job.id): \(source) changed since it was queued; skipped")
                return
            }
            let plan = OutputPlan(source: source, configuration: c)
            try claimOutputNames(plan, for: job)
            try FileManager.default.createDirectory(atPath: plan.directory, withIntermediateDirectories: true)
            StaleTemporaries.remove(in: plan.directory)

            var options = UpscaleOptions()
            options.tile = c.tile
            options.overlap = c.overlap
            options.jpegQuality = c.jpegQuality
            options.background = c.background
            options.outputSize = c.outputSize
            options.provenance = Provenance(sourcePath: source, sourceSHA256: job.sha256, when: Date(),
                                            softwareAgent: "enhanced \(Product.version)", modelName: snapshot.model.name,
                                            modelSHA256: snapshot.model.sha256, scale: Generator.scale,
                                            tile: c.tile, overlap: c.overlap)
            logger.info("job \(job.id): enhancing \(source) (attempt \(job.attempts))")
            var lastRenewal = ProcessInfo.processInfo.systemUptime
            let outcome = try JobPipeline.enhance(file, source: source, outputPath: plan.outputPath,
                                                  sidecarPath: plan.sidecarPath, maxPixels: c.maxInputPixels,
                                                  generator: generator!, options: options) { fraction in
                let t = ProcessInfo.processInfo.systemUptime
                guard t - lastRenewal >= Self.renewInterval else { return }
                lastRenewal = t
                if (try? queue.renew(id: job.id, owner: owner, lease: c.lease, progress: fraction)) == false {
                    logger.warning("job \(job.id): lease lost while running")
                }
            }
            let (result, estimate) = (outcome.result, outcome.estimate)
            for warning in result.warnings { logger.warning("job \(job.id): \(warning)") }
            let pixels = Int64(result.output.width * result.output.height)
            if try queue.complete(id: job.id, owner: owner, outputPath: plan.outputPath, elapsed: result.seconds,
                                  outputPixels: pixels, jpegQuality: estimate?.jpegQuality,
                                  noiseSigma: estimate?.noiseSigma,
                                  warning: result.warnings.isEmpty ? nil : result.warnings.joined(separator: "\n")) {
                logger.info(String(format: "job %lld: done → %@ (%.2f s)", job.id, plan.outputPath, result.seconds))
                observers.metrics.jobDone(model: snapshot.model.name, seconds: result.seconds, outputPixels: pixels)
                observers.hooks.jobEnded(.init(jobID: job.id, source: source, output: plan.outputPath,
                                               sidecar: plan.sidecarPath, state: "done"), hooks: c.hooks)
            } else {
                logger.warning("job \(job.id): finished after its lease was lost; the queue keeps the other owner's outcome")
            }
        } catch {
            record(error, for: job, policy: c.retryPolicy, hooks: c.hooks, model: snapshot.model.name)
        }
    }

    /// Opens a job's source beneath the watched root it lies under, following no link on the
    /// way (a file `enhance-ctl enqueue` queued from outside every root: beneath its own
    /// folder). A link the watcher accepted (it leads to a file inside the same root) is
    /// opened at its target, checked again to lie inside the root.
    static func openSource(_ source: String, roots: [String]) throws -> SecureFile {
        let root = roots.first { source.hasPrefix($0.hasSuffix("/") ? $0 : $0 + "/") }
            ?? (source as NSString).deletingLastPathComponent
        if FileStat(source)?.kind == .symlink, let resolved = realPath(source), let base = realPath(root),
           resolved.hasPrefix(base + "/") {
            return try SecureFile.open(path: resolved, under: base)
        }
        return try SecureFile.open(path: source, under: root)
    }

    /// The output and sidecar names may only be written when they are free or the queue's own
    /// (an earlier job's output, or this job's from an attempt that died): a person's
    /// `cat.x4.png` is never replaced. The output is then reserved in the queue before a byte
    /// is written, so that a crash after the rename still leaves it known as ours.
    private func claimOutputNames(_ plan: OutputPlan, for job: Job) throws {
        if try !queue.isOutput(path: plan.outputPath) {
            for path in [plan.outputPath, plan.sidecarPath] where FileStat(path) != nil {
                throw JobRefusal("\(path) already exists and was not written by enhance; move it away, then `enhance-ctl retry \(job.id)`")
            }
        }
        try queue.reserveOutput(id: job.id, owner: owner, outputPath: plan.outputPath)
    }

    private func record(_ error: any Error, for job: Job, policy: RetryPolicy, hooks commands: HookCommands,
                        model: String) {
        let reason = "\(error)"
        let failedForGood = {
            self.observers.metrics.jobFailed(model: model)
            self.observers.hooks.jobEnded(.init(jobID: job.id, source: job.sourcePath, state: "failed", reason: reason),
                                          hooks: commands)
        }
        do {
            switch FailureKind(error) {
            case .sourceGone:
                try queue.skip(id: job.id, owner: owner, reason: reason)
                logger.warning("job \(job.id): skipped: \(reason)")
            case .permanent:
                try queue.fail(id: job.id, owner: owner, reason: reason, permanent: true, policy: policy)
                logger.error("job \(job.id): failed: \(reason)")
                failedForGood()
            case .transient:
                let state = try queue.fail(id: job.id, owner: owner, reason: reason, permanent: false, policy: policy)
                if state == .failed {
                    logger.error("job \(job.id): failed after \(job.attempts) attempts: \(reason)")
                    failedForGood()
                } else {
                    logger.warning("job \(job.id): attempt \(job.attempts) failed, will retry: \(reason)")
                }
            }
        } catch {
            logger.error("job \(job.id): cannot record the failure (\(reason)): \(error)")
        }
    }
}
