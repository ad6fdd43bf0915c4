/// `[hooks]`: after each job the daemon runs the configured program, without a shell, with the
/// job in its arguments and environment; its output reaches the log; a hook that fails or hangs
/// never stalls the queue.
import Foundation
import Testing
import JobQueue
import TestSupport

@Suite("enhanced: hooks when a job ends", .serialized)
struct HookTests {
    /// An executable shell script in the test's folder (the hook program itself may be a script:
    /// the daemon runs it directly, with no shell of its own in between).
    func script(_ h: DaemonHarness, _ name: String, _ body: String) throws -> String {
        let path = h.directory.appendingPathComponent(name).path
        try ("#!/bin/sh\n" + body + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
        return path
    }

    /// `KEY=value` lines a hook wrote, as a dictionary.
    func environment(in path: String) -> [String: String] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        var result: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            result[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return result
    }

    @Test("on_done and on_failed run with the job in their arguments and ENHANCE_* environment; what they print is logged")
    func doneAndFailed() throws {
        let h = try DaemonHarness("hooks")
        let records = h.directory.appendingPathComponent("records").path
        try FileManager.default.createDirectory(atPath: records, withIntermediateDirectories: true)
        let hook = try script(h, "record.sh", """
            printf '%s\\n' "$3" > "$1/$2.arg"
            env | grep -E '^ENHANCE_(JOB_ID|SOURCE|OUTPUT|SIDECAR|STATE|REASON)=' | sort > "$1/$2.env.partial"
            mv "$1/$2.env.partial" "$1/$2.env"   # whole when it appears: the test reads it then
            echo "hook saw job $2"
            """)
        try h.writeConfiguration(settings: """
            [hooks]
            on_done = ["\(hook)", "\(records)", "{job}", "{output}"]
            on_failed = ["\(hook)", "\(records)", "{job}", "{reason}"]
            """)
        try h.start()
        let source = try h.drop("cat.png", try DaemonHarness.photo(0))
        #expect(h.waitFor([.done: 1], timeout: 60), "\(h.counts())\n\(h.log)")
        try h.drop("broken.png", Array("not a PNG at all".utf8))
        #expect(h.waitFor([.done: 1, .failed: 1], timeout: 60), "\(h.counts())\n\(h.log)")
        let done = try #require(try h.queue().jobs(state: .done).first)
        let failed = try #require(try h.queue().jobs(state: .failed).first)
        #expect(eventually(timeout: 10) {
            [done.id, failed.id].allSatisfy { FileManager.default.fileExists(atPath: "\(records)/\($0).env") }
        })

        let output = h.inbox + "/cat.x4.png"
        #expect(environment(in: "\(records)/\(done.id).env") == [
            "ENHANCE_JOB_ID": "\(done.id)", "ENHANCE_SOURCE": source, "ENHANCE_OUTPUT": output,
            "ENHANCE_SIDECAR": output + ".xmp", "ENHANCE_STATE": "done", "ENHANCE_REASON": "",
        ])
        #expect((try? String(contentsOfFile: "\(records)/\(done.id).arg", encoding: .utf8)) == output + "\n")

        let failure = environment(in: "\(records)/\(failed.id).env")
        #expect(failure["ENHANCE_STATE"] == "failed" && failure["ENHANCE_OUTPUT"] == "", "\(failure)")
        #expect(failure["ENHANCE_SOURCE"] == h.inbox + "/broken.png", "\(failure)")
        let reason = try #require(failed.lastError)
        #expect(failure["ENHANCE_REASON"] == reason, "\(failure)")
        #expect((try? String(contentsOfFile: "\(records)/\(failed.id).arg", encoding: .utf8)) == reason + "\n")

        #expect(eventually(timeout: 5) { h.log.contains("hook on_done (job \(done.id)): hook saw job \(done.id)") }, "\(h.log)")
        #expect(eventually(timeout: 5) { h.log.contains("hook on_failed (job \(failed.id)): hook saw job \(failed.id)") }, "\(h.log)")
        h.signal(SIGTERM)
        #expect(h.waitForExit(timeout: 30) == 0)
    }

    @Test("a hook that fails and one that hangs past its timeout are logged, stopped, and never hold up the photos behind them")
    func failingAndHangingHooks() throws {
        let h = try DaemonHarness("badhooks")
        let hanging = { !((try? runCommand("/usr/bin/pgrep", ["-f", "sleep 1000"]).stdout.isEmpty) ?? true) }
        let marker = h.directory.appendingPathComponent("hook-ran").path
        // Job 1's hook hangs (until stopped at the 15 s timeout); later ones fail with status 3.
        let hook = try script(h, "bad.sh", """
            if [ "$ENHANCE_JOB_ID" = 1 ]; then echo hanging; exec sleep 1000; fi
            touch "\(marker).$ENHANCE_JOB_ID"
            echo "broken on purpose" >&2
            exit 3
            """)
        try h.writeConfiguration(settings: "[hooks]\non_done = [\"\(hook)\"]\ntimeout = 15")
        try h.start()
        try h.drop("first.png", try DaemonHarness.photo(0))
        #expect(h.waitFor([.done: 1], timeout: 60), "\(h.counts())\n\(h.log)")
        #expect(eventually(timeout: 5) { hanging() }, "job 1's hook runs\n\(h.log)")
        for i in 1...5 { try h.drop("next-\(i).png", try DaemonHarness.photo(i)) }
        #expect(h.waitFor([.done: 6], timeout: 60), "\(h.counts())\n\(h.log)")
        // The photos went past the hook while it still hung: it held up no worker.
        #expect(hanging(), "the photos behind it waited for the hung hook\n\(h.log)")
        #expect(eventually(timeout: 40) { (2...6).allSatisfy { FileManager.default.fileExists(atPath: "\(marker).\($0)") } },
                "every later hook ran once the hung one was stopped\n\(h.log)")
        let log = h.log
        #expect(log.contains("hook on_done (job 1): hanging"), "\(log)")
        #expect(log.contains("hook on_done (job 1): \(hook) still running after 15 s; stopped"), "\(log)")
        #expect(eventually(timeout: 5) { h.log.contains("hook on_done (job 6): \(hook) failed with exit status 3") }, "\(h.log)")
        #expect(h.log.contains("hook on_done (job 2): broken on purpose"), "\(h.log)")
        #expect(!hanging(), "the hung hook was stopped")
        h.signal(SIGTERM)
        #expect(h.waitForExit(timeout: 30) == 0)
    }

    @Test("a hook whose program is not an absolute path, or that names an unknown placeholder, is a configuration error")
    func badHookConfiguration() throws {
        let h = try DaemonHarness("hookconfig")
        try h.writeConfiguration(settings: "[hooks]\non_done = [\"notify-send\", \"{output}\"]")
        let relative = try runCommand(try TestEnvironment.binary("enhanced"), ["--config", h.configPath, "--check-config"])
        #expect(relative.status == 2 && relative.stderr.contains("hooks.on_done") && relative.stderr.contains("absolute path"),
                "\(relative.status) \(relative.stderr)")
        try h.writeConfiguration(settings: "[hooks]\non_failed = [\"/bin/true\", \"{outptu}\"]")
        let typo = try runCommand(try TestEnvironment.binary("enhanced"), ["--config", h.configPath, "--check-config"])
        #expect(typo.status == 2 && typo.stderr.contains("hooks.on_failed") && typo.stderr.contains("{outptu}"),
                "\(typo.status) \(typo.stderr)")
    }
}
