/// `enhance-ctl queue migrate --to URL`: a SQLite queue made by the real daemon, moved into the
/// test's throw-away PostgreSQL through the real binary, then read back with `jobs` and `show`
/// and worked on by a real daemon on PostgreSQL.
import Foundation
import Hashing
import JobQueue
import Testing
import TestSupport

@Suite("queue migrate", .serialized)
struct QueueMigrateTests {
    /// The jobs as `enhance-ctl jobs --json` prints them, by id.
    func jobs(_ harness: DaemonHarness) throws -> [Int: NSDictionary] {
        let result = try harness.ctl(["jobs", "--json", "--limit", "1000"])
        #expect(result.status == 0, "\(result.stderr)")
        let list = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [NSDictionary] ?? []
        return Dictionary(uniqueKeysWithValues: list.map { (($0["id"] as? Int) ?? -1, $0) })
    }

    func show(_ harness: DaemonHarness, _ id: Int) throws -> NSDictionary? {
        let result = try harness.ctl(["show", "\(id)", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? NSDictionary
    }

    /// The SQLite file and its side files, byte for byte.
    func fingerprint(_ database: String) throws -> [String: String] {
        var digests: [String: String] = [:]
        for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: database + suffix) {
            digests[suffix] = try SHA256.hexDigest(ofFile: database + suffix)
        }
        return digests
    }

    func usePostgreSQL(_ harness: DaemonHarness, _ url: String) throws {
        try harness.writeConfiguration(settings: "[state]\nbackend = \"postgresql\"\nurl = \"\(url)\"")
    }

    /// The daemon makes done, failed and skipped jobs and queues three more while paused; queue
    /// calls then give one of those a back-off, leave one running under a dead lease, and finish
    /// one with what only queue calls set here (a warning, a JPEG quality).
    func queueInEveryState(_ harness: DaemonHarness) throws -> (backedOff: Int64, running: Int64) {
        _ = try harness.drop("p0.png", try DaemonHarness.photo(0))
        _ = try harness.drop("p1.png", try DaemonHarness.photo(1))
        _ = try harness.drop("broken.png", Array("not a PNG at all".utf8))
        try harness.start()
        #expect(harness.waitFor([.done: 2, .failed: 1]))
        _ = try harness.drop("p0-copy.png", try DaemonHarness.photo(0))
        #expect(harness.waitFor([.done: 2, .failed: 1, .skipped: 1]))
        #expect(try harness.ctl(["pause"]).status == 0)
        _ = try harness.drop("p2.png", try DaemonHarness.photo(2))
        _ = try harness.drop("p3.png", try DaemonHarness.photo(3))
        _ = try harness.drop("p4.png", try DaemonHarness.photo(4))
        #expect(harness.waitFor([.done: 2, .failed: 1, .skipped: 1, .queued: 3]))
        harness.signal(SIGTERM)
        #expect(harness.waitForExit(timeout: 30) == 0)

        let queue = try harness.queue()
        try queue.setPaused(false)
        let backOff = RetryPolicy(maxAttempts: 4, initialDelay: 3, maxDelay: 3)
        let first = try #require(try queue.claim(owner: "old/1/0", lease: 30))
        #expect(try queue.fail(id: first.id, owner: "old/1/0", reason: "disk busy", permanent: false, policy: backOff) == .queued)
        let second = try #require(try queue.claim(owner: "old/1/0", lease: 30))
        let third = try #require(try queue.claim(owner: "old/1/1", lease: 30))
        #expect(try queue.complete(id: third.id, owner: "old/1/1", outputPath: harness.inbox + "/p4.x4.png", elapsed: 1.25,
                                   outputPixels: 4096, jpegQuality: 80, noiseSigma: 2.5, modelName: "srgan-gan",
                                   modelSHA256: "5e", warning: "the input's XMP packet could not be parsed"))
        try queue.setPaused(true)
        return (first.id, second.id)
    }

    @Test("every job moves with every field: done with its output, failed with its error, a duplicate with its original, a back-off, the pause; a running job comes back queued")
    func movesEveryField() throws {
        let harness = try DaemonHarness("migrate")
        let (backedOff, running) = try queueInEveryState(harness)
        let before = try jobs(harness)
        #expect(before.count == 7)
        // Every field is set in some job that moves unchanged, so comparing them covers each.
        let fields = Set(before.filter { $0.key != Int(running) }.values.flatMap { $0.allKeys.compactMap { $0 as? String } })
        #expect(fields.isSuperset(of: ["warnings", "jpegQuality", "noiseSigma", "modelName", "modelSHA256", "lastError",
                                       "duplicateOf", "outputPath", "elapsed", "outputPixels", "startedAt", "finishedAt",
                                       "notBefore", "progress", "mtime", "size", "sha256", "attempts"]), "\(fields)")
        let done = try #require(before.values.first { $0["state"] as? String == "done" }?["id"] as? Int)
        let shownBefore = try show(harness, done)
        let file = try fingerprint(harness.database)

        let url = try PostgresCluster.shared().createDatabase("migrate")
        let result = try harness.ctl(["queue", "migrate", "--to", url])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }
        for line in ["done 3", "failed 1", "skipped 1", "queued 2", "running 0"] {
            #expect(lines.contains(line), "\(result.stdout)")
        }
        #expect(result.stdout.contains("1 were running when their daemon stopped: 1 queued again"))
        #expect(result.stdout.contains("backend = \"postgresql\""))
        #expect(try fingerprint(harness.database) == file, "the SQLite file is left as it was")

        try usePostgreSQL(harness, url)
        let after = try jobs(harness)
        #expect(Set(after.keys) == Set(before.keys))
        for (id, job) in before where id != Int(running) {
            #expect(after[id] == job, "job \(id): \(job) became \(after[id] ?? [:])")
        }
        let moved = try #require(after[Int(running)]?.mutableCopy() as? NSMutableDictionary)
        #expect(moved["state"] as? String == "queued")
        #expect(moved["attempts"] as? Int == 1)
        #expect(moved["lastError"] as? String == "requeued: lease of old/1/0 lost")
        #expect(moved["leaseOwner"] == nil && moved["leaseExpiry"] == nil)
        let original = try #require(before[Int(running)]?.mutableCopy() as? NSMutableDictionary)
        for key in ["state", "lastError", "leaseOwner", "leaseExpiry", "updatedAt", "progress"] {
            moved.removeObject(forKey: key)
            original.removeObject(forKey: key)
        }
        #expect(moved == original, "the requeued job keeps everything else")
        #expect(try show(harness, done) == shownBefore)
        let skipped = try #require(after.values.first { $0["state"] as? String == "skipped" })
        #expect(skipped["duplicateOf"] as? Int != nil && after[skipped["duplicateOf"] as? Int ?? -1] != nil)
        #expect((after[Int(backedOff)]?["notBefore"] as? Double ?? 0) > (after[Int(backedOff)]?["updatedAt"] as? Double ?? 0))
        let status = try harness.ctl(["status", "--json"])
        #expect(status.stdout.contains("\"paused\" : true"), "\(status.stdout)")

        // The id sequence continues after the copied ids.
        let queue = try PostgreSQLQueue(url: url, node: "test")
        let next = try queue.enqueue(JobSubmission(sourcePath: "/elsewhere/x.png", sha256: "ab", size: 1, mtime: 0,
                                                   modelID: "m", paramsKey: "p"), now: JobQueue.now())
        #expect(next.job.id == (before.keys.max() ?? 0) + 1)
    }

    @Test("a daemon on the migrated PostgreSQL queue finishes the queued jobs and redoes none of the done ones")
    func daemonFinishesQueued() throws {
        let harness = try DaemonHarness("migrate-work")
        _ = try queueInEveryState(harness)
        let before = try jobs(harness)
        let url = try PostgresCluster.shared().createDatabase("migratework")
        #expect(try harness.ctl(["queue", "migrate", "--to", url]).status == 0)
        try usePostgreSQL(harness, url)
        let logBefore = harness.log.count
        try harness.start()
        #expect(try harness.ctl(["resume"]).status == 0)
        let queue = try PostgreSQLQueue(url: url, node: "test")
        let finished = eventually(timeout: 90, interval: 0.2) { (try? queue.counts()[.done]) == 5 }
            && holds(for: DaemonHarness.grace) { (try? queue.counts()) == [.done: 5, .failed: 1, .skipped: 1, .queued: 0, .running: 0] }
        #expect(finished, "\((try? queue.counts()) ?? [:])")
        let after = try jobs(harness)
        for (id, job) in before where job["state"] as? String == "done" {
            #expect(after[id] == job, "done job \(id) is untouched")
        }
        let newLog = String(harness.log.dropFirst(logBefore))
        let doneLines = newLog.split(separator: "\n").filter { $0.contains(": done → ") }
        #expect(doneLines.count == 2, "\(doneLines)")
        harness.signal(SIGTERM)
        #expect(harness.waitForExit(timeout: 30) == 0)
    }

    @Test("refused while enhanced runs on the SQLite queue (its pid said), and into a database that already holds jobs; neither changes PostgreSQL")
    func refusals() throws {
        let harness = try DaemonHarness("migrate-refuse")
        _ = try harness.drop("p0.png", try DaemonHarness.photo(0))
        try harness.start()
        #expect(harness.waitFor([.done: 1]))
        let url = try PostgresCluster.shared().createDatabase("migraterefuse")
        let running = try harness.ctl(["queue", "migrate", "--to", url])
        #expect(running.status == 1)
        #expect(running.stderr == "enhance-ctl: \(harness.database): enhanced (pid \(harness.daemonPID ?? -1)) is running on this queue; stop it first\n")
        let queue = try PostgreSQLQueue(url: url, node: "test")
        #expect(try queue.counts().values.reduce(0, +) == 0)
        harness.signal(SIGTERM)
        #expect(harness.waitForExit(timeout: 30) == 0)

        #expect(try harness.ctl(["queue", "migrate", "--to", url]).status == 0)
        let again = try harness.ctl(["queue", "migrate", "--to", url])
        #expect(again.status == 1)
        #expect(again.stderr.contains("already holds 1 jobs: a queue is migrated only into an empty database"), "\(again.stderr)")
        #expect(again.stderr.split(separator: "\n").count == 1)
        #expect(try queue.counts()[.done] == 1)

        let password = try harness.ctl(["queue", "migrate", "--to", "postgresql://enhance:secret@db/enhance"])
        #expect(password.status == 1)
        #expect(password.stderr == "enhance-ctl: --to: must not contain a password: put it in the file named by state.password_file, or in PGPASSFILE / ~/.pgpass\n")
    }

    @Test("a column both tables have is copied without code knowing it (as migration 5's will be); one only SQLite has is refused, not dropped")
    func columnsByName() throws {
        let harness = try DaemonHarness("migrate-columns")
        let queue = try JobQueue(path: harness.database)
        try queue.enqueue(JobSubmission(sourcePath: "/photos/a.png", sha256: "a", size: 10, mtime: 0, modelID: "m",
                                        paramsKey: "p"), now: JobQueue.now())
        let edit = try runCommand("/usr/bin/sqlite3", [harness.database,
                                                       "ALTER TABLE jobs ADD COLUMN root_label TEXT; UPDATE jobs SET root_label = 'family'"])
        #expect(edit.status == 0, "\(edit.stderr)")
        let psql = { (url: String, sql: String) in try runCommand(PostgresCluster.binaries + "/psql", [url, "-At", "-c", sql]) }

        let lacking = try PostgresCluster.shared().createDatabase("migratelacking")
        let refused = try harness.ctl(["queue", "migrate", "--to", lacking])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("its jobs table has no column root_label, which the SQLite queue has: nothing was copied"), "\(refused.stderr)")
        #expect(try psql(lacking, "SELECT count(*) FROM jobs").stdout == "0\n")

        let url = try PostgresCluster.shared().createDatabase("migratecolumns")
        _ = try PostgreSQLQueue(url: url, node: "test")   // makes the schema
        #expect(try psql(url, "ALTER TABLE jobs ADD COLUMN root_label text").status == 0)
        let result = try harness.ctl(["queue", "migrate", "--to", url])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try psql(url, "SELECT root_label FROM jobs").stdout == "family\n")
    }

    @Test("a row PostgreSQL refuses midway (a size that is not a number, as a hand-edited file may hold): one error naming the job, and PostgreSQL left empty")
    func failureMidCopy() throws {
        let harness = try DaemonHarness("migrate-fail")
        let queue = try JobQueue(path: harness.database)
        for i in 1...3 {
            try queue.enqueue(JobSubmission(sourcePath: "/photos/\(i).png", sha256: "\(i)", size: 10, mtime: 0,
                                            modelID: "m", paramsKey: "p"), now: JobQueue.now())
        }
        try queue.setPaused(true)
        // SQLite keeps a value its column's type cannot convert as it is given.
        let edit = try runCommand("/usr/bin/sqlite3", [harness.database, "UPDATE jobs SET size = 'large' WHERE id = 2"])
        #expect(edit.status == 0, "\(edit.stderr)")
        let url = try PostgresCluster.shared().createDatabase("migratefail")
        let result = try harness.ctl(["queue", "migrate", "--to", url])
        #expect(result.status == 1)
        #expect(result.stderr.contains(": job 2: ERROR:  invalid input syntax for type bigint: \"large\""), "\(result.stderr)")
        #expect(result.stderr.contains("nothing was copied"))
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        let target = try PostgreSQLQueue(url: url, node: "test")
        #expect(try target.counts().values.reduce(0, +) == 0, "job 1, copied before job 2, is gone with the transaction")
        #expect(try target.isPaused() == false)
        #expect(try target.nodes().isEmpty)
    }
}
