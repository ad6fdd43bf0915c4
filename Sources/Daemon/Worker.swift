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
    private let queue: any JobStore
    private let logger: Logger
    private let observers: JobObservers
    // Confined to this worker's thread, like the generators themselves.
    private var generator: Generator?
    /// The route's second model, loaded when a degraded input first needs it.
    private var degradedGenerator: Generator?
    private var generation = -1
    private let exited = DispatchSemaphore(value: 0)
    /// Seconds between lease renewals (with progress) while a job runs.
    static let renewInterval = 1.0

    /// The start of every lease owner name of this process's workers, `node/pid/` (`[node]
    /// name`, by default the host name): the heartbeat spares leases that start with it, and
    /// on a shared queue the node part says whose job it is.
    static func ownerPrefix(node: String, pid: Int32) -> String { "\(node)/\(pid)/" }

    init(index: Int, state: DaemonState, queue: any JobStore, logger: Logger, observers: JobObservers) {
        self.observers = observers
        self.index = index
        self.owner = Self.ownerPrefix(node: state.snapshot.configuration.nodeName, pid: getpid()) + "w\(index)"
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
                    degradedGenerator = nil
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
                // On a shared queue a node takes only the jobs of roots it has: a host that
                // does not mount every share leaves the others' jobs to those that do (a job
                // it cannot open would only fail here, or be released to spin).
                job = try queue.claim(owner: owner, lease: snapshot.configuration.lease,
                                      roots: queue.isShared ? snapshot.configuration.rootMap.names : nil)
            } catch {
                // An outage is logged once, by the queue's availability handler.
                if !queue.isUnavailable(error) { logger.warning("worker \(index): cannot claim a job: \(error)") }
                state.waitForWork(timeout: 1)
                continue
            }
            guard let job else {
                state.waitForWork(timeout: state.idlePoll)
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

    private func process(_ claimed: Job, _ snapshot: DaemonState.Snapshot) {
        let c = snapshot.configuration
        // From here on the job's source is this host's path of its file: outputs, sidecars,
        // provenance, hooks and messages all use it.
        let job: Job
        do {
            job = try Self.localized(claimed, roots: c.rootMap, node: c.nodeName)
        } catch {
            record(error, for: claimed, policy: c.retryPolicy, hooks: c.hooks, model: snapshot.model.name)
            return
        }
        let source = job.sourcePath
        do {
            // Opened once, without following links, and checked: what is decoded below is the
            // very file that was queued (same size, mtime and content), never what a link
            // swapped in since points to.
            let file: SecureFile
            do {
                file = try Self.openSource(source, roots: c.roots)
            } catch let error as StorageError where error.kind == .notFound {
                try persistently { try queue.skip(id: job.id, owner: owner, reason: "\(source): the source disappeared before it was enhanced") }
                logger.warning("job \(job.id): \(source) disappeared; skipped")
                return
            }
            do {
                try file.verify(size: job.size, mtimeSeconds: job.mtime)
                try JobPipeline.verifyContent(file, sha256: job.sha256)
            } catch let error as StorageError where error.kind == .changed {
                try persistently {
                    try queue.skip(id: job.id, owner: owner,
                                   reason: "\(source): changed after it was queued (its new content is queued on its own)")
                }
                logger.info("job \(job.id): \(source) changed since it was queued; skipped")
                return
            }
            let plan = OutputPlan(source: source, configuration: c)
            try claimOutputNames(plan, for: job)
            try FileManager.default.createDirectory(atPath: plan.directory, withIntermediateDirectories: true)
            StaleTemporaries.remove(in: plan.directory)

            var options = UpscaleOptions()
            options.inference = c.inference
            options.tile = c.tile
            options.overlap = c.overlap
            options.jpegQuality = c.jpegQuality
            options.background = c.background
            options.outputSize = c.outputSize
            // The model named here is the primary's; `choose` records the one that runs.
            options.provenance = Provenance(sourcePath: source, sourceSHA256: job.sha256, when: Date(),
                                            softwareAgent: "enhanced \(Product.version)",
                                            modelName: snapshot.route.primary.name,
                                            modelSHA256: snapshot.route.primary.sha256, scale: Generator.scale,
                                            tile: c.tile, overlap: c.overlap)
            var lastRenewal = ProcessInfo.processInfo.systemUptime
            let outcome = try JobPipeline.enhance(file, source: source, outputPath: plan.outputPath,
                                                  sidecarPath: plan.sidecarPath, maxPixels: c.maxInputPixels,
                                                  options: options, choose: { estimate in
                // What the input already suffered picks the model (see `ModelRoute` for why
                // here and not at intake) and whether it is deblocked first.
                let (model, reason) = snapshot.route.choose(jpegQuality: estimate?.jpegQuality,
                                                            noiseSigma: estimate?.noiseSigma)
                logger.info("job \(job.id): enhancing \(source) with \(model.name)\(reason.map { " (\($0))" } ?? "") (attempt \(job.attempts))")
                return JobPipeline.Network(
                    generator: try generator(for: model, snapshot), modelName: model.name, modelSHA256: model.sha256,
                    deblock: c.deblocking.applies(isJPEG: estimate?.isJPEG ?? false, jpegQuality: estimate?.jpegQuality))
            }) { fraction in
                let t = ProcessInfo.processInfo.systemUptime
                guard t - lastRenewal >= Self.renewInterval else { return }
                lastRenewal = t
                if (try? queue.renew(id: job.id, owner: owner, lease: c.lease, progress: fraction)) == false {
                    logger.warning("job \(job.id): lease lost while running")
                }
            }
            if let why = outcome.notDeblocked { logger.info("job \(job.id): not deblocked: \(why)") }
            let (result, estimate) = (outcome.result, outcome.estimate)
            for warning in result.warnings { logger.warning("job \(job.id): \(warning)") }
            let pixels = Int64(result.output.width * result.output.height)
            let completed = try persistently {
                try queue.complete(id: job.id, owner: owner, outputPath: plan.outputPath, elapsed: result.seconds,
                                   outputPixels: pixels, jpegQuality: estimate?.jpegQuality,
                                   noiseSigma: estimate?.noiseSigma, modelName: outcome.modelName,
                                   modelSHA256: outcome.modelSHA256,
                                   warning: result.warnings.isEmpty ? nil : result.warnings.joined(separator: "\n"))
            }
            if completed {
                logger.info(String(format: "job %lld: done → %@ (%.2f s)", job.id, plan.outputPath, result.seconds))
                observers.metrics.jobDone(model: outcome.modelName, seconds: result.seconds, outputPixels: pixels)
                observers.hooks.jobEnded(.init(jobID: job.id, source: source, output: plan.outputPath,
                                               sidecar: plan.sidecarPath, state: "done"), hooks: c.hooks)
            } else {
                logger.warning("job \(job.id): finished after its lease was lost; the queue keeps the other owner's outcome")
            }
        } catch {
            record(error, for: job, policy: c.retryPolicy, hooks: c.hooks, model: snapshot.model.name)
        }
    }

    /// The loaded generator of `model`: the primary's, or the degraded model's (loaded on first
    /// use; the start-up check has loaded it once already, so a failure here is the file's
    /// change since, and the job's to report).
    private func generator(for model: ModelIdentity, _ snapshot: DaemonState.Snapshot) throws -> Generator {
        guard model != snapshot.route.primary else { return generator! }
        if let degradedGenerator { return degradedGenerator }
        let loaded = try Generator(contentsOf: model.path, threads: snapshot.configuration.threadsPerWorker)
        logger.debug("worker \(index): loaded \(model.name) for degraded inputs")
        degradedGenerator = loaded
        return loaded
    }

    /// The job with its source as this host reaches it: under this host's path of the job's
    /// root (hosts mount a share at different places), or as queued for a job without a root.
    /// An output an earlier attempt reserved under the queuing host's root is moved to this
    /// host's path too, so that a redo here knows the file as the job's own. A root this host
    /// does not have (it left the configuration since the job was claimed or queued) is refused,
    /// naming it: guessing at the queuing host's path could open another file.
    static func localized(_ job: Job, roots: RootMap, node: String) throws -> Job {
        guard let rootName = job.rootName, let relativePath = job.relativePath else { return job }
        guard let root = roots.root(named: rootName),
              let path = roots.path(of: .init(rootName: rootName, relativePath: relativePath)) else {
            let known = roots.names.map { "\"\($0)\"" }.joined(separator: ", ")
            throw JobRefusal("\(job.sourcePath): its root \"\(rootName)\" is not one of this node's (\(node)) watched roots (\(known)); add it to [watch], then `enhance-ctl retry \(job.id)`")
        }
        var local = job
        local.sourcePath = path
        if job.sourcePath.hasSuffix("/" + relativePath), let output = job.outputPath {
            let queuingRoot = String(job.sourcePath.dropLast(relativePath.count))   // ends in "/"
            if output.hasPrefix(queuingRoot) {
                local.outputPath = (root.path.hasSuffix("/") ? root.path : root.path + "/") + output.dropFirst(queuingRoot.count)
            }
        }
        return local
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
        // The job's own reserved output counts too: reserved by another node, it is recorded
        // under that node's path, which `isOutput` cannot match here.
        if try job.outputPath != plan.outputPath && !persistently({ try queue.isOutput(path: plan.outputPath) }) {
            for path in [plan.outputPath, plan.sidecarPath] where FileStat(path) != nil {
                throw JobRefusal("\(path) already exists and was not written by enhance; move it away, then `enhance-ctl retry \(job.id)`")
            }
        }
        try persistently { try queue.reserveOutput(id: job.id, owner: owner, outputPath: plan.outputPath) }
    }

    /// A queue call that records what this worker did or must know: while the queue is
    /// unreachable (PostgreSQL restarting, the network down) it is tried again with back-off
    /// (0.25 s doubling to 5 s) instead of failing, so a finished image keeps its outcome. A stop
    /// does not wait for it past its shutdown timeout; then the lease runs out and another node
    /// does the job again into the same output name (an atomic rename: replaced, not doubled).
    @discardableResult
    private func persistently<T>(_ call: () throws -> T) throws -> T {
        var delay = 0.25
        while true {
            do {
                return try call()
            } catch where queue.isUnavailable(error) {
                Thread.sleep(forTimeInterval: delay)
                delay = min(delay * 2, 5)
            }
        }
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
                try persistently { try queue.skip(id: job.id, owner: owner, reason: reason) }
                logger.warning("job \(job.id): skipped: \(reason)")
            case .permanent:
                try persistently { try queue.fail(id: job.id, owner: owner, reason: reason, permanent: true, policy: policy) }
                logger.error("job \(job.id): failed: \(reason)")
                failedForGood()
            case .transient:
                let state = try persistently {
                    try queue.fail(id: job.id, owner: owner, reason: reason, permanent: false, policy: policy)
                }
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
