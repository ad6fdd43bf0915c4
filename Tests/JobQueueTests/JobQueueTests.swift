/// The job table's rules, against a real SQLite file: de-duplication, the job life cycle,
/// leases, bounded retries with back-off, pause, and two processes' worth of connections.
import Foundation
import Testing
import JobQueue
import TestSupport

@Suite("JobQueue")
final class JobQueueTests {
    let directory: URL
    let queue: JobQueue
    let policy = RetryPolicy(maxAttempts: 3, initialDelay: 10, maxDelay: 25)

    init() throws {
        directory = try TestEnvironment.temporaryDirectory("jobqueue")
        queue = try JobQueue(path: directory.appendingPathComponent("state/enhance.sqlite").path)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    func submission(_ path: String, sha: String = "aa", model: String = "gan@1", params: String = "tile=192") -> JobSubmission {
        JobSubmission(sourcePath: path, sha256: sha, size: 100, mtime: 5, modelID: model, paramsKey: params)
    }

    @Test("a new database is at the latest schema version, in WAL mode, with an empty queue")
    func freshDatabase() throws {
        #expect(try queue.schemaVersion() == 5)
        #expect(try queue.counts().values.allSatisfy { $0 == 0 })
        #expect(FileManager.default.fileExists(atPath: queue.path + "-wal"))
        // Reopening migrates nothing twice.
        #expect(try JobQueue(path: queue.path).schemaVersion() == 5)
    }

    @Test("opening a missing database without create fails with a message naming it")
    func missingDatabase() throws {
        let path = directory.appendingPathComponent("none.sqlite").path
        #expect { try JobQueue(path: path, create: false) } throws: { "\($0)".contains(path) }
    }

    @Test("the same content with the same model and parameters is enhanced once")
    func deduplication() throws {
        let first = try queue.enqueue(submission("/in/a.png"))
        guard case .queued(let job) = first else { Issue.record("expected queued, got \(first)"); return }
        #expect(job.state == .queued && job.attempts == 0)

        // The same file seen again (a rescan): nothing new.
        #expect(try queue.enqueue(submission("/in/a.png")) == .known(job))

        // A copy under another name: recorded as a skipped duplicate pointing at the original.
        let copy = try queue.enqueue(submission("/in/copy-of-a.png"))
        guard case .duplicate(let skipped, let original) = copy else { Issue.record("got \(copy)"); return }
        #expect(skipped.state == .skipped && skipped.duplicateOf == job.id && original.id == job.id)
        #expect(skipped.lastError?.contains("same content as job \(job.id)") == true)

        // Other parameters or another model make it new work.
        if case .queued = try queue.enqueue(submission("/in/a.png", params: "tile=128")) {} else { Issue.record("params") }
        if case .queued = try queue.enqueue(submission("/in/a.png", model: "pre@2")) {} else { Issue.record("model") }
        // New content at the same path is new work too.
        if case .queued = try queue.enqueue(submission("/in/a.png", sha: "bb")) {} else { Issue.record("content") }
        #expect(try queue.counts()[.queued] == 4)
    }

    @Test("an unchanged file is recognised by path, size and mtime without hashing")
    func knownBySizeAndTime() throws {
        try queue.enqueue(submission("/in/a.png"))
        #expect(try queue.knownJob(sourcePath: "/in/a.png", size: 100, mtime: 5, modelID: "gan@1", paramsKey: "tile=192") != nil)
        #expect(try queue.knownJob(sourcePath: "/in/a.png", size: 101, mtime: 5, modelID: "gan@1", paramsKey: "tile=192") == nil)
        #expect(try queue.knownJob(sourcePath: "/in/a.png", size: 100, mtime: 6, modelID: "gan@1", paramsKey: "tile=192") == nil)
    }

    @Test("queued → running under a lease → done, oldest first, one claimant per job")
    func lifeCycle() throws {
        let a = try queue.enqueue(submission("/in/a.png", sha: "a"), now: 100).job
        let b = try queue.enqueue(submission("/in/b.png", sha: "b"), now: 101).job
        let claimed = try #require(try queue.claim(owner: "w1", lease: 60, now: 200))
        #expect(claimed.id == a.id && claimed.state == .running && claimed.attempts == 1)
        #expect(claimed.leaseOwner == "w1" && claimed.leaseExpiry == 260)
        #expect(try queue.claim(owner: "w2", lease: 60, now: 200)?.id == b.id)
        #expect(try queue.claim(owner: "w3", lease: 60, now: 200) == nil)

        #expect(try queue.renew(id: a.id, owner: "w1", lease: 60, progress: 0.5, now: 230))
        #expect(try queue.job(id: a.id)?.leaseExpiry == 290)
        #expect(try queue.job(id: a.id)?.progress == 0.5)
        #expect(try !queue.complete(id: a.id, owner: "w2", outputPath: "/in/a.x4.png", elapsed: 1, outputPixels: 16, now: 240),
                "only the lease owner completes a job")
        #expect(try queue.complete(id: a.id, owner: "w1", outputPath: "/in/a.x4.png", elapsed: 1.5, outputPixels: 16, now: 240))
        let done = try #require(try queue.job(id: a.id))
        #expect(done.state == .done && done.outputPath == "/in/a.x4.png" && done.leaseOwner == nil && done.finishedAt == 240)
        #expect(try queue.isOutput(path: "/in/a.x4.png") && !queue.isOutput(path: "/in/a.png"))
    }

    @Test("a transient failure waits out an exponential back-off, then fails for good after the last attempt")
    func retriesWithBackoff() throws {
        let job = try queue.enqueue(submission("/in/a.png"), now: 0).job
        var now = 0.0
        var waits: [Double] = []
        for attempt in 1...3 {
            let claimed = try #require(try queue.claim(owner: "w", lease: 60, now: now))
            #expect(claimed.attempts == attempt)
            let state = try queue.fail(id: job.id, owner: "w", reason: "disk full", permanent: false, policy: policy, now: now)
            if attempt < 3 {
                #expect(state == .queued)
                let ready = try #require(try queue.job(id: job.id)?.notBefore)
                waits.append(ready - now)
                #expect(try queue.claim(owner: "w", lease: 60, now: ready - 0.5) == nil, "not before the back-off ends")
                now = ready
            } else {
                #expect(state == .failed)
            }
        }
        #expect(waits == [10, 20])
        let failed = try #require(try queue.job(id: job.id))
        #expect(failed.state == .failed && failed.lastError == "disk full" && failed.attempts == 3)
        #expect(policy.delay(afterAttempt: 3) == 25, "capped at maxDelay")
    }

    @Test("a permanent failure is final at once and keeps its reason")
    func permanentFailure() throws {
        let job = try queue.enqueue(submission("/in/bad.png")).job
        _ = try queue.claim(owner: "w", lease: 60)
        #expect(try queue.fail(id: job.id, owner: "w", reason: "bad.png: corrupt image: CRC error", permanent: true,
                               policy: policy) == .failed)
        #expect(try queue.job(id: job.id)?.lastError == "bad.png: corrupt image: CRC error")
        #expect(try queue.status().recentFailures.map(\.id) == [job.id])
    }

    @Test("an expired lease goes back to the queue; a live one stays")
    func leaseExpiry() throws {
        let a = try queue.enqueue(submission("/in/a.png", sha: "a"), now: 0).job
        let b = try queue.enqueue(submission("/in/b.png", sha: "b"), now: 0).job
        _ = try queue.claim(owner: "dead", lease: 10, now: 0)
        _ = try queue.claim(owner: "alive", lease: 100, now: 0)
        let recovered = try queue.recoverAbandoned(all: false, policy: policy, now: 50)
        #expect(recovered.map(\.id) == [a.id])
        #expect(try queue.job(id: a.id)?.state == .queued)
        #expect(try queue.job(id: b.id)?.state == .running)
        // Once another worker holds it, the old owner's outcome is refused (the new owner writes
        // the same output name, so nothing is duplicated).
        #expect(try queue.claim(owner: "next", lease: 100, now: 55)?.id == a.id)
        #expect(try !queue.complete(id: a.id, owner: "dead", outputPath: "x", elapsed: 0, outputPixels: 0, now: 60),
                "the old owner lost it")
        #expect(try queue.job(id: a.id)?.leaseOwner == "next")
    }

    @Test("a job finished after its lease was lost, before anyone claimed it again, is done: not redone")
    func finishedAfterLeaseLoss() throws {
        let a = try queue.enqueue(submission("/in/a.png", sha: "a"), now: 0).job
        _ = try queue.claim(owner: "paused", lease: 10, now: 0)
        #expect(try queue.recoverAbandoned(all: false, policy: policy, now: 50).map(\.id) == [a.id])
        #expect(try queue.complete(id: a.id, owner: "paused", outputPath: "/in/a.x4.png", elapsed: 1,
                                   outputPixels: 16, now: 60))
        let job = try #require(try queue.job(id: a.id))
        #expect(job.state == .done && job.attempts == 1 && job.outputPath == "/in/a.x4.png")
        #expect(try queue.claim(owner: "other", lease: 10, now: 61) == nil, "nothing left to redo")
    }

    @Test("a done job keeps the warnings its worker reported; a job done without any has none")
    func warningsKept() throws {
        let a = try queue.enqueue(submission("/in/a.png", sha: "a"), now: 0).job
        _ = try queue.claim(owner: "w", lease: 10, now: 0)
        #expect(try queue.complete(id: a.id, owner: "w", outputPath: "/in/a.x4.png", elapsed: 1, outputPixels: 16,
                                   warning: "/in/a.png: its XMP packet does not parse", now: 1))
        #expect(try queue.job(id: a.id)?.warnings == "/in/a.png: its XMP packet does not parse")
        let b = try queue.enqueue(submission("/in/b.png", sha: "b"), now: 2).job
        _ = try queue.claim(owner: "w", lease: 10, now: 2)
        #expect(try queue.complete(id: b.id, owner: "w", outputPath: "/in/b.x4.png", elapsed: 1, outputPixels: 16, now: 3))
        #expect(try queue.job(id: b.id)?.warnings == nil)
    }

    @Test("a done job keeps what was measured of its input (JPEG quality, noise σ); unknown ones stay nil")
    func inputEstimateKept() throws {
        let a = try queue.enqueue(submission("/in/a.jpg", sha: "a"), now: 0).job
        _ = try queue.claim(owner: "w", lease: 10, now: 0)
        #expect(try queue.complete(id: a.id, owner: "w", outputPath: "/in/a.x4.jpg", elapsed: 1, outputPixels: 16,
                                   jpegQuality: 40, noiseSigma: 2.25, now: 1))
        let done = try #require(try queue.job(id: a.id))
        #expect(done.jpegQuality == 40 && done.noiseSigma == 2.25)
        let b = try queue.enqueue(submission("/in/b.png", sha: "b"), now: 2).job
        _ = try queue.claim(owner: "w", lease: 10, now: 2)
        #expect(try queue.complete(id: b.id, owner: "w", outputPath: "/in/b.x4.png", elapsed: 1, outputPixels: 16,
                                   noiseSigma: 0.5, now: 3))
        let png = try #require(try queue.job(id: b.id))
        #expect(png.jpegQuality == nil && png.noiseSigma == 0.5)
    }

    @Test("a database of schema 2 with a done job migrates to the latest, the job kept, its estimates, model and root unknown")
    func migratesFromSchema2() throws {
        let a = try queue.enqueue(submission("/in/a.png", sha: "a"), now: 0).job
        // Back to what version 2 was: the columns of migrations 3 to 5 dropped, the version lowered.
        let sqlite = try runCommand("/usr/bin/sqlite3", [queue.path, """
            DROP INDEX jobs_root_identity; DROP INDEX jobs_root;
            ALTER TABLE jobs DROP COLUMN root_name; ALTER TABLE jobs DROP COLUMN relative_path;
            ALTER TABLE jobs DROP COLUMN jpeg_quality; ALTER TABLE jobs DROP COLUMN noise_sigma;
            ALTER TABLE jobs DROP COLUMN model_name; ALTER TABLE jobs DROP COLUMN model_sha256; PRAGMA user_version = 2;
            """])
        #expect(sqlite.status == 0, "\(sqlite.stderr)")
        let reopened = try JobQueue(path: queue.path)
        #expect(try reopened.schemaVersion() == 5)
        let job = try #require(try reopened.job(id: a.id))
        #expect(job.sourcePath == "/in/a.png" && job.jpegQuality == nil && job.noiseSigma == nil && job.modelName == nil)
        #expect(job.rootName == nil && job.relativePath == nil, "an older job keeps being found by its path")
    }

    @Test("a done job records the model that enhanced it, apart from the route it was keyed by")
    func modelKept() throws {
        let a = try queue.enqueue(submission("/in/a.jpg", sha: "a"), now: 0).job
        _ = try queue.claim(owner: "w", lease: 10, now: 0)
        #expect(try queue.complete(id: a.id, owner: "w", outputPath: "/in/a.x4.jpg", elapsed: 1, outputPixels: 16,
                                   jpegQuality: 30, modelName: "srgan-pre", modelSHA256: "ab12", now: 1))
        let done = try #require(try queue.job(id: a.id))
        #expect(done.modelName == "srgan-pre" && done.modelSHA256 == "ab12" && done.modelID == a.modelID)
    }

    @Test("recovery spares the leases of its own daemon's workers, however long ago they expired")
    func ownLeasesSpared() throws {
        let mine = try queue.enqueue(submission("/in/mine.png", sha: "m"), now: 0).job
        let theirs = try queue.enqueue(submission("/in/theirs.png", sha: "t"), now: 0).job
        _ = try queue.claim(owner: "host:100/w0", lease: 10, now: 0)
        _ = try queue.claim(owner: "host:200/w0", lease: 10, now: 0)
        let recovered = try queue.recoverAbandoned(all: false, policy: policy, sparing: "host:100/", now: 500)
        #expect(recovered.map(\.id) == [theirs.id])
        #expect(try queue.job(id: mine.id)?.state == .running)
    }

    @Test("at start-up every running job is requeued, and one that used all its attempts fails instead")
    func startUpRecovery() throws {
        let a = try queue.enqueue(submission("/in/a.png", sha: "a")).job
        let b = try queue.enqueue(submission("/in/b.png", sha: "b")).job
        for _ in 1...3 {  // b's worker "dies" three times
            _ = try queue.claim(owner: "w", lease: 1000)
            try queue.recoverAbandoned(all: true, policy: policy)
        }
        _ = try queue.claim(owner: "w", lease: 1000)
        try queue.recoverAbandoned(all: true, policy: policy)
        let counts = try queue.counts()
        #expect(counts[.running] == 0)
        // a was claimed first each time; after 3 lost attempts it fails, b is still queued.
        #expect(try queue.job(id: a.id)?.state == .failed)
        #expect(try queue.job(id: a.id)?.lastError?.contains("worker stopped") == true)
        #expect(try queue.job(id: b.id)?.state == .queued)
    }

    @Test("release gives a job back without spending an attempt")
    func release() throws {
        let job = try queue.enqueue(submission("/in/a.png")).job
        _ = try queue.claim(owner: "w", lease: 60)
        #expect(try queue.release(id: job.id, owner: "w"))
        let back = try #require(try queue.job(id: job.id))
        #expect(back.state == .queued && back.attempts == 0)
    }

    @Test("skip ends a running job as skipped, keeps the reason, frees the lease; only its owner may skip it")
    func skip() throws {
        let job = try queue.enqueue(submission("/in/gone.png"), now: 100).job
        #expect(try !queue.skip(id: job.id, owner: "w", reason: "too early", now: 150), "a queued job is not skipped")
        _ = try #require(try queue.claim(owner: "w", lease: 60, now: 200))
        #expect(try !queue.skip(id: job.id, owner: "other", reason: "not mine", now: 210), "only the lease owner")
        #expect(try queue.job(id: job.id)?.state == .running)

        #expect(try queue.skip(id: job.id, owner: "w", reason: "/in/gone.png: the source disappeared", now: 220))
        let skipped = try #require(try queue.job(id: job.id))
        #expect(skipped.state == .skipped && skipped.lastError == "/in/gone.png: the source disappeared")
        #expect(skipped.leaseOwner == nil && skipped.leaseExpiry == nil && skipped.finishedAt == 220)
        #expect(skipped.attempts == 1, "the attempt that found the source gone is counted")
        #expect(try queue.counts() == [.queued: 0, .running: 0, .done: 0, .failed: 0, .skipped: 1])
        #expect(try queue.claim(owner: "w", lease: 60, now: 300) == nil, "a skipped job is never claimed again")
        #expect(try !queue.skip(id: job.id, owner: "w", reason: "twice", now: 310), "a skipped job stays as it was")
        #expect(try queue.job(id: job.id)?.lastError == "/in/gone.png: the source disappeared")

        #expect(try queue.retry(id: job.id, now: 400), "an operator may send it back")
        #expect(try queue.job(id: job.id)?.state == .queued)
    }

    @Test("pause stops claims, resume restarts them")
    func pause() throws {
        try queue.enqueue(submission("/in/a.png"))
        try queue.setPaused(true)
        #expect(try queue.isPaused())
        #expect(try queue.claim(owner: "w", lease: 60) == nil)
        try queue.setPaused(false)
        #expect(try queue.claim(owner: "w", lease: 60) != nil)
    }

    @Test("retry sends failed jobs back with fresh attempts")
    func retry() throws {
        for name in ["a", "b"] {
            let job = try queue.enqueue(submission("/in/\(name).png", sha: name)).job
            _ = try queue.claim(owner: "w", lease: 60)
            try queue.fail(id: job.id, owner: "w", reason: "x", permanent: true, policy: policy)
        }
        let first = try #require(try queue.jobs(state: .failed).last)
        #expect(try queue.retry(id: first.id))
        #expect(try !queue.retry(id: first.id), "a queued job is not retried")
        #expect(try queue.retryAllFailed() == 1)
        #expect(try queue.counts()[.queued] == 2)
        #expect(try queue.jobs(state: .queued).allSatisfy { $0.attempts == 0 })
    }

    @Test("status: counts, running jobs with progress, last hour's throughput, oldest queued age")
    func status() throws {
        for (i, name) in ["a", "b", "c"].enumerated() {
            try queue.enqueue(submission("/in/\(name).png", sha: name), now: Double(1000 + i))
        }
        let a = try #require(try queue.claim(owner: "w", lease: 60, now: 2000))
        try queue.complete(id: a.id, owner: "w", outputPath: "/o", elapsed: 2, outputPixels: 4_000_000, now: 2001)
        let b = try #require(try queue.claim(owner: "w", lease: 60, now: 2002))
        try queue.renew(id: b.id, owner: "w", lease: 60, progress: 0.25, now: 2003)
        let status = try queue.status(now: 2010)
        #expect(status.count(.done) == 1 && status.count(.running) == 1 && status.count(.queued) == 1)
        #expect(status.running.map(\.progress) == [0.25])
        #expect(status.doneLastHour == 1 && status.outputPixelsLastHour == 4_000_000)
        #expect(status.oldestQueuedAt == 1002)
        #expect(try queue.status(now: 2001 + 3601).doneLastHour == 0)
    }

    @Test("two connections (daemon and enhance-ctl) share the file: a reader sees the writer's commits")
    func twoConnections() throws {
        let other = try JobQueue(path: queue.path, create: false, busyTimeout: 2)
        try queue.enqueue(submission("/in/a.png"))
        #expect(try other.counts()[.queued] == 1)
        try other.setPaused(true)
        #expect(try queue.isPaused())
    }

    @Test("the daemon's record: registered, heartbeat, stopped")
    func daemonRecord() throws {
        #expect(try queue.daemonRecord() == nil)
        try queue.registerDaemon(DaemonRecord(pid: 42, version: "0.1.0", startedAt: 10, heartbeatAt: 10,
                                              modelName: "srgan-gan", modelSHA256: "ff", workers: 1, threads: 2))
        try queue.heartbeat(pid: 42, now: 20)
        try queue.heartbeat(pid: 7, now: 30)  // not the registered daemon: ignored
        try queue.daemonStopped(pid: 42, now: 40)
        let record = try #require(try queue.daemonRecord())
        #expect(record.heartbeatAt == 20 && record.stoppedAt == 40 && record.modelName == "srgan-gan")
    }
}
