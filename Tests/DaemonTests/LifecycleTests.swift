/// The daemon's reload and stop, applied in the order their signals came: a SIGHUP's reload
/// used to write the watcher and the workers on one thread while a SIGTERM's stop read them on
/// another.
import Foundation
import Testing
import JobQueue
import TestSupport

@Suite("enhanced: reload and stop", .serialized)
struct LifecycleTests {
    @Test("SIGHUP then SIGTERM back to back, 50 times: every run exits 0 and leaves the queue consistent")
    func reloadThenStop() throws {
        let h = try DaemonHarness("hup-term")
        for i in 0..<3 { try h.drop("p-\(i).png", try DaemonHarness.photo(i)) }
        try h.start()
        #expect(h.waitFor([.done: 3]), "\(h.log)")
        h.signal(SIGTERM)
        #expect(h.waitForExit(timeout: 60) == 0)
        #expect(h.notify.waitFor("STOPPING=1", timeout: 5))
        for run in 0..<50 {
            // Every other run changes what the reload must rebuild (the watcher, with the
            // settle delay; the workers, with their count).
            try h.writeConfiguration(settleDelay: run % 2 == 0 ? 0.3 : 0.4,
                                     settings: run % 2 == 0 ? "" : "[workers]\ncount = 2")
            try h.start()
            h.signal(SIGHUP)
            h.signal(SIGTERM)
            let status = h.waitForExit(timeout: 60)
            #expect(status == 0, "run \(run): exit \(status.map(String.init) ?? "timeout")\n\(h.log)")
            guard status == 0 else { return }
            // Consumes this run's messages, so that the next start waits for its own READY=1.
            #expect(h.notify.waitFor("STOPPING=1", timeout: 5), "run \(run): \(h.notify.messages)")
            let queue = try h.queue()
            #expect(try queue.jobs(state: .running).isEmpty, "run \(run): a job left running")
            let record = try #require(try queue.daemonRecord())
            #expect(record.stoppedAt != nil, "run \(run): the daemon's record says it still runs")
            let jobs = try queue.jobs()
            #expect(jobs.count == 3, "run \(run): \(jobs)")
        }
    }
}
