/// One body per behaviour, run against both backends (as GRDB runs one test against several
/// database kinds): SQLite and PostgreSQL must give the same answers to the same calls —
/// de-duplication, leases and their expiry, back-off, pause, recovery, retry, status, the
/// daemons' records — and both must hold up under concurrent claimants.
import Foundation
import JobQueue
import Testing
import TestSupport

@Suite("JobStore conformance")
struct JobStoreConformanceTests {
    let policy = RetryPolicy(maxAttempts: 3, initialDelay: 10, maxDelay: 25)
    let node = QueueBackend.node

    func submission(_ path: String, sha: String = "aa", model: String = "gan@1", params: String = "tile=192") -> JobSubmission {
        JobSubmission(sourcePath: path, sha256: sha, size: 100, mtime: 5, modelID: model, paramsKey: params)
    }

    @Test("a new queue is at its latest schema with nothing in it", arguments: QueueBackend.allCases)
    func fresh(_ backend: QueueBackend) throws {
        let (queue, reopen, directory) = try backend.makeQueue()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(try queue.schemaVersion() == (backend == .sqlite ? 5 : 2))
        #expect(try queue.counts().values.allSatisfy { $0 == 0 })
        #expect(try !queue.isPaused())
        #expect(try reopen(node).schemaVersion() == queue.schemaVersion(), "opening again migrates nothing twice")
    }

    @Test("the same content with the same model and parameters is enhanced once", arguments: QueueBackend.allCases)
    func deduplication(_ backend: QueueBackend) throws {
        let (queue, _, directory) = try backend.makeQueue()
        defer { try? FileManager.default.removeItem(at: directory) }
        guard case .queued(let job) = try queue.enqueue(submission("/in/a.png"), now: 1) else {
            Issue.record("expected queued"); return
        }
        #expect(try queue.enqueue(submission("/in/a.png"), now: 2) == .known(job))
        guard case .duplicate(let skipped, let original) = try queue.enqueue(submission("/in/copy.png"), now: 3) else {
            Issue.record("expected a duplicate"); return
        }
        #expect(skipped.state == .skipped && skipped.duplicateOf == job.id && original.id == job.id)
        #expect(skipped.lastError == "same content as job \(job.id) (/in/a.png)")
        if case .queued = try queue.enqueue(submission("/in/a.png", params: "tile=128"), now: 4) {} else { Issue.record("params") }
        if case .queued = try queue.enqueue(submission("/in/a.png", model: "pre@2"), now: 5) {} else { Issue.record("model") }
        if case .queued = try queue.enqueue(submission("/in/a.png", sha: "bb"), now: 6) {} else { Issue.record("content") }
        #expect(try queue.counts() == [.queued: 4, .running: 0, .done: 0, .failed: 0, .skipped: 1])
        #expect(try queue.knownJob(sourcePath: "/in/a.png", size: 100, mtime: 5, modelID: "gan@1", paramsKey: "tile=192") != nil)
        #expect(try queue.knownJob(sourcePath: "/in/a.png", size: 101, mtime: 5, modelID: "gan@1", paramsKey: "tile=192") == nil)
        // A rejected file is recorded once per path and model.
        #expect(try queue.recordRejected(sourcePath: "/in/\u{FFFD}.png", reason: "not UTF-8", modelID: "gan@1",
                                         paramsKey: "tile=192", now: 7)?.state == .failed)
        #expect(try queue.recordRejected(sourcePath: "/in/\u{FFFD}.png", reason: "not UTF-8", modelID: "gan@1",
                                         paramsKey: "tile=192", now: 8) == nil)
    }

    @Test("a path whose content went back to an earlier one is queued again (cup → fur → cup)", arguments: QueueBackend.allCases)
    func contentReturns(_ backend: QueueBackend) throws {
        let (queue, _, directory) = try backend.makeQueue()
        defer { try? FileManager.default.removeItem(at: directory) }
        let cup = try queue.enqueue(submission("/in/a.png", sha: "cup"), now: 1).job
        _ = try queue.claim(owner: "\(node)/1/w0", lease: 60, now: 2)
        try queue.complete(id: cup.id, owner: "\(node)/1/w0", outputPath: "/in/a.x4.png", elapsed: 1, outputPixels: 16,
                           jpegQuality: nil, noiseSigma: nil, modelName: nil, modelSHA256: nil, warning: nil, now: 3)
        _ = try queue.enqueue(submission("/in/a.png", sha: "fur"), now: 4)
        let again = try queue.enqueue(submission("/in/a.png", sha: "cup"), now: 5)
        #expect(again == .queued(try #require(try queue.job(id: cup.id))))
        #expect(again.job.id == cup.id && again.job.state == .queued && again.job.attempts == 0)
    }

    @Test("nodes enqueueing the same files at once make one job per file and one original per content",
          arguments: QueueBackend.allCases)
    func concurrentEnqueue(_ backend: QueueBackend) throws {
        let (queue, reopen, directory) = try backend.makeQueue()
        defer { try? FileManager.default.removeItem(at: directory) }
        let handles = try (0..<4).map { try reopen("node-\($0)") }
        DispatchQueue.concurrentPerform(iterations: 4) { i in
            for k in 0..<100 {
                // Every node sees every file; files 2k and 2k+1 hold the same content, and odd
                // nodes see them in the other order: two nodes meet on one content through two
                // paths at the same moment.
                let n = i % 2 == 0 ? k : k ^ 1
                _ = try? handles[i].enqueue(submission("/in/\(n).png", sha: "c\(n / 2)"), now: Double(k))
            }
        }
        let counts = try queue.counts()
        #expect(counts[.queued] == 50 && counts[.skipped] == 50, "\(counts)")
    }

    @Test("queued → running under a lease → done; oldest first; one claimant per job; only the owner renews or completes",
          arguments: QueueBackend.allCases)
    func lifeCycle(_ backend: QueueBackend) throws {
        let (queue, _, directory) = try backend.makeQueue()
        defer { try? FileManager.default.removeItem(at: directory) }
        let a = try queue.enqueue(submission("/in/a.png", sha: "a"), now: 100).job
        let b = try queue.enqueue(submission("/in/b.png", sha: "b"), now: 101).job
        let claimed = try #require(try queue.claim(owner: "w1", lease: 60, now: 200))
        #expect(claimed.id == a.id && claimed.state == .running && claimed.attempts == 1)
        #expect(claimed.leaseOwner == "w1" && claimed.leaseExpiry == 260 && claimed.startedAt == 200)
        #expect(try queue.claim(owner: "w2", lease: 60, now: 200)?.id == b.id)
        #expect(try queue.claim(owner: "w3", lease: 60, now: 200) == nil)
        #expect(try queue.renew(id: a.id, owner: "w1", lease: 60, progress: 0.5, now: 230))
        #expect(try !queue.renew(id: a.id, owner: "w2", lease: 60, progress: 0.9, now: 230))
        #expect(try queue.job(id: a.id)?.leaseExpiry == 290)
        #expect(try !queue.complete(id: a.id, owner: "w2", outputPath: "/in/a.x4.png", elapsed: 1, outputPixels: 16,
                                    jpegQuality: nil, noiseSigma: nil, modelName: nil, modelSHA256: nil, warning: nil, now: 240))
        try queue.reserveOutput(id: a.id, owner: "w1", outputPath: "/in/a.x4.png", now: 239)
        #expect(try queue.isOutput(path: "/in/a.x4.png"), "reserved before the write")
        #expect(try queue.complete(id: a.id, owner: "w1", outputPath: "/in/a.x4.png", elapsed: 1.5, outputPixels: 16,
                                   jpegQuality: 40, noiseSigma: 2.25, modelName: "srgan-gan", modelSHA256: "ab12", warning: "no XMP", now: 240))
        let done = try #require(try queue.job(id: a.id))
        #expect(done.state == .done && done.leaseOwner == nil && done.finishedAt == 240 && done.elapsed == 1.5)
        #expect(done.jpegQuality == 40 && done.noiseSigma == 2.25 && done.warnings == "no XMP" && done.progress == 1)
        #expect(done.modelName == "srgan-gan" && done.modelSHA256 == "ab12", "the model that enhanced it")
        #expect(try queue.release(id: b.id, owner: "w2", now: 250))
        let back = try #require(try queue.job(id: b.id))
        #expect(back.state == .queued && back.attempts == 0, "a release spends no attempt")
        _ = try queue.claim(owner: "w2", lease: 60, now: 260)
        #expect(try !queue.skip(id: b.id, owner: "other", reason: "not mine", now: 261))
        #expect(try queue.skip(id: b.id, owner: "w2", reason: "/in/b.png: gone", now: 262))
        #expect(try queue.job(id: b.id)?.state == .skipped)
        #expect(try queue.jobs(state: nil, limit: 10).map(\.id) == [b.id, a.id], "newest first")
    }

    @Test("concurrent workers on several handles each claim distinct jobs until none are left",
          arguments: QueueBackend.allCases)
    func concurrentClaims(_ backend: QueueBackend) throws {
        let (queue, reopen, directory) = try backend.makeQueue()
        defer { try? FileManager.default.removeItem(at: directory) }
        for n in 0..<40 { try queue.enqueue(submission("/in/\(n).png", sha: "s\(n)"), now: 0) }
        let handles = try (0..<4).map { try reopen("node-\($0)") }
        let claimed = Mutex<[Int64]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { w in
            while let job = try? handles[w % 4].claim(owner: "node-\(w % 4)/1/w\(w)", lease: 60, now: 1) {
                claimed.withLock { $0.append(job.id) }
            }
        }
        let ids = claimed.withLock { $0 }
        #expect(ids.count == 40 && Set(ids).count == 40, "\(ids.count) claims, \(Set(ids).count) distinct")
    }

    @Test("a transient failure waits out an exponential back-off, then fails for good after the last attempt",
          arguments: QueueBackend.allCases)
    func backoff(_ backend: QueueBackend) throws {
        let (queue, _, directory) = try backend.makeQueue()
        defer { try? FileManager.default.removeItem(at: directory) }
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
                #expect(try queue.nextReadyTime() == ready)
                waits.append(ready - now)
                #expect(try queue.claim(owner: "w", lease: 60, now: ready - 0.5) == nil, "not before the back-off ends")
                now = ready
            } else {
                #expect(state == .failed)
            }
        }
        #expect(waits == [10, 20])
        #expect(try queue.fail(id: job.id, owner: "w", reason: "again", permanent: false, policy: policy, now: now) == nil,
                "a job the caller no longer holds")
        let failed = try #require(try queue.job(id: job.id))
        #expect(failed.state == .failed && failed.lastError == "disk full" && failed.attempts == 3)
    }

    @Test("pause, from any handle, stops every handle's claims; resume restarts them", arguments: QueueBackend.allCases)
    func pause(_ backend: QueueBackend) throws {
        let (queue, reopen, directory) = try backend.makeQueue()
        defer { try? FileManager.default.removeItem(at: directory) }
        let other = try reopen("node-b")
        try queue.enqueue(submission("/in/a.png"), now: 0)
        try other.setPaused(true)
        #expect(try queue.isPaused())
        #expect(try queue.claim(owner: "w", lease: 60, now: 1) == nil)
        #expect(try other.claim(owner: "w", lease: 60, now: 1) == nil)
        try queue.setPaused(false)
        #expect(try other.claim(owner: "w", lease: 60, now: 2) != nil)
    }

    @Test("an expired lease goes back to the queue, a live one and the recovering daemon's own stay; the old owner's late outcome is kept only while nobody holds the job",
          arguments: QueueBackend.allCases)
    func leaseExpiry(_ backend: QueueBackend) throws {
        let (queue, reopen, directory) = try backend.makeQueue()
        defer { try? FileManager.default.removeItem(at: directory) }
        let a = try queue.enqueue(submission("/in/a.png", sha: "a"), now: 0).job
        let b = try queue.enqueue(submission("/in/b.png", sha: "b"), now: 0).job
        let c = try queue.enqueue(submission("/in/c.png", sha: "c"), now: 0).job
        let d = try queue.enqueue(submission("/in/d.png", sha: "d"), now: 0).job
        _ = try queue.claim(owner: "node-b/7/w0", lease: 10, now: 0)    // a: its node died
        _ = try queue.claim(owner: "node-b/7/w1", lease: 100, now: 0)   // b: alive
        _ = try queue.claim(owner: "\(node)/100/w0", lease: 10, now: 0)  // c: the recoverer's own
        _ = try queue.claim(owner: "node-c/9/w0", lease: 10, now: 0)    // d: paused, finishes late
        let recovered = try reopen(node).recoverAbandoned(all: false, policy: policy, sparing: "\(node)/100/", now: 50)
        #expect(Set(recovered.map(\.id)) == [a.id, d.id])
        #expect(recovered.allSatisfy { $0.state == .queued && $0.lastError?.hasPrefix("requeued: lease of node-") == true })
        #expect(try queue.job(id: b.id)?.state == .running && queue.job(id: c.id)?.state == .running)
        #expect(try queue.recoverAbandoned(all: false, policy: policy, sparing: nil, now: 50).map(\.id) == [c.id],
                "each expired job is requeued once")
        #expect(try queue.complete(id: d.id, owner: "node-c/9/w0", outputPath: "/in/d.x4.png", elapsed: 1,
                                   outputPixels: 16, jpegQuality: nil, noiseSigma: nil, modelName: nil, modelSHA256: nil, warning: nil, now: 60))
        #expect(try queue.job(id: d.id)?.state == .done, "finished before anyone claimed it again: not redone")
        let next = try #require(try queue.claim(owner: "node-b/8/w0", lease: 100, now: 61))
        #expect(next.id == a.id)
        #expect(try !queue.complete(id: a.id, owner: "node-b/7/w0", outputPath: "/in/a.x4.png", elapsed: 0,
                                    outputPixels: 0, jpegQuality: nil, noiseSigma: nil, modelName: nil, modelSHA256: nil, warning: nil, now: 62),
                "another worker holds it now")
    }

    @Test("at start-up a daemon's old running jobs are requeued, and one that used all its attempts fails",
          arguments: QueueBackend.allCases)
    func startUpRecovery(_ backend: QueueBackend) throws {
        let (queue, _, directory) = try backend.makeQueue()
        defer { try? FileManager.default.removeItem(at: directory) }
        let a = try queue.enqueue(submission("/in/a.png", sha: "a"), now: 0).job
        let b = try queue.enqueue(submission("/in/b.png", sha: "b"), now: 0).job
        for run in 1...4 {  // the daemon "dies" four times, each time in the middle of a job
            _ = try queue.claim(owner: "\(node)/\(run)/w0", lease: 1000, now: Double(run))
            try queue.recoverAbandoned(all: true, policy: policy, sparing: nil, now: Double(run) + 0.5)
        }
        #expect(try queue.counts()[.running] == 0)
        let failed = try #require(try queue.job(id: a.id))
        #expect(failed.state == .failed && failed.lastError?.contains("worker stopped during the last of 3 attempts") == true)
        #expect(try queue.job(id: b.id)?.state == .queued)
    }

    @Test("retry sends failed and skipped jobs back with fresh attempts", arguments: QueueBackend.allCases)
    func retry(_ backend: QueueBackend) throws {
        let (queue, _, directory) = try backend.makeQueue()
        defer { try? FileManager.default.removeItem(at: directory) }
        for name in ["a", "b"] {
            let job = try queue.enqueue(submission("/in/\(name).png", sha: name), now: 0).job
            _ = try queue.claim(owner: "w", lease: 60, now: 0)
            try queue.fail(id: job.id, owner: "w", reason: "x", permanent: true, policy: policy, now: 0)
        }
        let first = try #require(try queue.jobs(state: .failed, limit: 10).last)
        #expect(try queue.retry(id: first.id, now: 1))
        #expect(try !queue.retry(id: first.id, now: 1), "a queued job is not retried")
        #expect(try queue.retryAllFailed(now: 2) == 1)
        #expect(try queue.jobs(state: .queued, limit: 10).allSatisfy { $0.attempts == 0 })
        #expect(try queue.counts()[.queued] == 2)
    }

    @Test("status: counts, running jobs with progress, the last hour's throughput, the oldest queued, recent failures",
          arguments: QueueBackend.allCases)
    func status(_ backend: QueueBackend) throws {
        let (queue, _, directory) = try backend.makeQueue()
        defer { try? FileManager.default.removeItem(at: directory) }
        for (i, name) in ["a", "b", "c", "d"].enumerated() {
            try queue.enqueue(submission("/in/\(name).png", sha: name), now: Double(1000 + i))
        }
        let a = try #require(try queue.claim(owner: "w", lease: 60, now: 2000))
        try queue.complete(id: a.id, owner: "w", outputPath: "/o", elapsed: 2, outputPixels: 4_000_000,
                           jpegQuality: nil, noiseSigma: nil, modelName: nil, modelSHA256: nil, warning: nil, now: 2001)
        let b = try #require(try queue.claim(owner: "w", lease: 60, now: 2002))
        try queue.renew(id: b.id, owner: "w", lease: 60, progress: 0.25, now: 2003)
        let c = try #require(try queue.claim(owner: "w", lease: 60, now: 2004))
        try queue.fail(id: c.id, owner: "w", reason: "broken", permanent: true, policy: policy, now: 2005)
        let status = try queue.status(now: 2010, recentFailures: 5)
        #expect(status.counts == ["done": 1, "running": 1, "queued": 1, "failed": 1, "skipped": 0])
        #expect(status.running.map(\.progress) == [0.25] && status.running.map(\.id) == [b.id])
        #expect(status.doneLastHour == 1 && status.outputPixelsLastHour == 4_000_000)
        #expect(status.oldestQueuedAt == 1003 && !status.paused)
        #expect(status.recentFailures.map(\.lastError) == ["broken"])
        #expect(try queue.status(now: 2001 + 3601, recentFailures: 5).doneLastHour == 0)
    }

    @Test("the daemon's record: registered, heartbeat from its own pid only, stopped", arguments: QueueBackend.allCases)
    func daemonRecord(_ backend: QueueBackend) throws {
        let (queue, _, directory) = try backend.makeQueue()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(try queue.daemonRecord() == nil && queue.nodes().isEmpty)
        try queue.registerDaemon(DaemonRecord(pid: 42, version: "0.1.0", startedAt: 10, heartbeatAt: 10,
                                              modelName: "srgan-gan", modelSHA256: "ff", workers: 1, threads: 2))
        try queue.heartbeat(pid: 42, now: 20)
        try queue.heartbeat(pid: 7, now: 30)  // not the registered daemon: ignored
        try queue.daemonStopped(pid: 42, now: 40)
        let record = try #require(try queue.daemonRecord())
        #expect(record.heartbeatAt == 20 && record.stoppedAt == 40 && record.modelName == "srgan-gan")
        #expect(record.workers == 1 && record.threads == 2 && record.pid == 42)
        #expect(try queue.nodes().count == 1)
    }
}

/// A value several threads append to.
final class Mutex<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func withLock<T>(_ body: (inout Value) -> T) -> T { lock.withLock { body(&value) } }
}
