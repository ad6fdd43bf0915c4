/// `enhance-ctl` against a live daemon: jobs, show, retry, enqueue, pause and resume.
import Foundation
import Testing
import JobQueue
import TestSupport

@Suite("enhance-ctl with the daemon", .serialized)
struct ControlCommandTests {
    @Test("pause holds new work, resume releases it; enqueue adds files from outside the inbox")
    func pauseEnqueueResume() throws {
        let h = try DaemonHarness("ctl-pause")
        try h.start()
        #expect(try h.ctl(["pause"]).status == 0)
        let outside = h.directory.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        try Data(try DaemonHarness.photo(7)).write(to: outside.appendingPathComponent("extra.png"))
        let enqueued = try h.ctl(["enqueue", outside.path])
        #expect(enqueued.status == 0, "\(enqueued.stderr)")
        #expect(enqueued.stdout.hasPrefix("job 1: queued \(outside.path)/extra.png"))
        // The daemon beats twice (its loop is alive) and still starts nothing.
        let beat = try #require(try h.queue().daemonRecord()).heartbeatAt
        #expect(eventually(timeout: 15) { ((try? h.queue().daemonRecord())??.heartbeatAt ?? 0) > beat + 2 })
        #expect(h.counts()[.queued] == 1)
        #expect(try h.ctl(["status"]).stdout.contains("queue    PAUSED"))

        #expect(try h.ctl(["resume"]).status == 0)
        #expect(h.waitFor([.done: 1]), "\(h.log)")
        #expect(FileManager.default.fileExists(atPath: outside.appendingPathComponent("extra.x4.png").path))
        h.signal(SIGTERM)
        #expect(h.waitForExit(timeout: 30) == 0)
    }

    @Test("jobs, show and retry: a failed job is listed, explained and queued again")
    func jobsShowRetry() throws {
        let h = try DaemonHarness("ctl-retry")
        try h.start()
        try h.drop("good.png", try DaemonHarness.photo(0))
        try h.drop("bad.png", Array("not an image".utf8))
        #expect(h.waitFor([.done: 1, .failed: 1]), "\(h.log)")

        let failed = try h.ctl(["jobs", "--state", "failed"])
        #expect(failed.stdout.split(separator: "\n").count == 2, "\(failed.stdout)")
        #expect(failed.stdout.contains("failed") && failed.stdout.contains("bad.png"))
        let jobs = try JSONSerialization.jsonObject(with: Data(try h.ctl(["jobs", "--json", "--limit", "5"]).stdout.utf8)) as? [[String: Any]]
        #expect(jobs?.count == 2)
        let id = try #require(try h.queue().jobs(state: .failed).first?.id)
        // Wide enough that the reason stays on one line (wrapping has its own test).
        let show = try runCommand(try TestEnvironment.binary("enhance-ctl"), ["show", "\(id)", "--config", h.configPath],
                                  environment: ["COLUMNS": "400"])
        #expect(show.stdout.contains("state        failed"))
        #expect(show.stdout.contains("reason       \(h.inbox)/bad.png: unsupported format"))
        #expect(try h.ctl(["show", "999"]).stderr == "enhance-ctl: job 999: no such job\n")

        // Fix the file in place (a new version is new work of its own); retry the old one too.
        #expect(try h.ctl(["retry", "\(id)"]).stdout == "job \(id): queued again\n")
        #expect(h.waitFor([.done: 1, .failed: 1]))
        #expect(try h.ctl(["retry", "--failed"]).stdout == "1 failed job(s) queued again\n")
        #expect(try h.ctl(["retry", "1"]).status == 1, "a done job is not retried")
        h.signal(SIGTERM)
        #expect(h.waitForExit(timeout: 30) == 0)
    }

    @Test("status without a daemon ever run says so; human output fits 80 columns")
    func statusWithoutDaemon() throws {
        let h = try DaemonHarness("ctl-none")
        let missing = try h.ctl(["status"])
        #expect(missing.status == 3 && missing.stderr.contains("no such database"), "not running, said on stderr")
        #expect(try h.ctl(["pause"]).status == 0)   // creates the queue
        let status = try h.ctl(["status"])
        #expect(status.status == 3)
        #expect(status.stdout.hasPrefix("daemon   has never run"))
        #expect(status.stdout.split(separator: "\n").allSatisfy { $0.count <= 80 })
    }
}
