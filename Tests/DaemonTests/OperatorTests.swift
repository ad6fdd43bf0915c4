/// What an archive admin relies on beyond "it works" (issue 13): `status` exit codes a monitor
/// can use, `--config` before the subcommand, a second signal that stops at once, the model
/// checked by `--check-config` and chosen by name, dry runs that change nothing, progress inside
/// a tile, and `show` within the terminal — the real binaries on a real queue.
import Foundation
import Imaging
import JobQueue
import Testing
import TestSupport

@Suite("the operator's side", .serialized)
struct OperatorTests {
    /// The coffee photograph tiled 2×2 (800×600): a job that takes long enough to be caught running.
    static func largePhoto() throws -> [UInt8] {
        let reader = try ImageReader(path: TestEnvironment.fixture("UpscalingTests", "coffee.jpg"))
        var samples: [UInt8] = []
        try reader.readRows(count: reader.info.height, into: &samples)
        let (w, h) = (reader.info.width, reader.info.height)
        var large: [UInt8] = []
        for y in 0..<(2 * h) {
            let row = samples[((y % h) * w * 3)..<((y % h + 1) * w * 3)]
            large += row + row
        }
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("large-\(UUID().uuidString).png").path
        defer { try? FileManager.default.removeItem(atPath: temporary) }
        let writer = try ImageWriter(path: temporary, info: ImageInfo(width: 2 * w, height: 2 * h, channels: 3,
                                                                     bitDepth: 8, format: .png))
        try writer.writeRows(large)
        try writer.finish()
        return Array(try Data(contentsOf: URL(fileURLWithPath: temporary)))
    }

    @Test("status exits 0 while the daemon runs, 3 once it stopped or before it ever ran, 1 on a broken database; --json alike")
    func statusExitCodes() throws {
        let h = try DaemonHarness("status-codes")
        let never = try h.ctl(["status"])
        #expect(never.status == 3, "no database yet: not running")
        #expect(never.stderr.contains("no such database"))
        try h.start()
        let up = try h.ctl(["status"]), upJSON = try h.ctl(["status", "--json"])
        #expect(up.status == 0 && upJSON.status == 0, "\(up.stderr)")
        #expect(up.stdout.hasPrefix("daemon   running"))
        let report = try #require(try JSONSerialization.jsonObject(with: Data(upJSON.stdout.utf8)) as? [String: Any])
        #expect((report["daemon"] as? [String: Any])?["state"] as? String == "running")
        h.signal(SIGTERM)
        #expect(h.waitForExit(timeout: 30) == 0)
        let stopped = try h.ctl(["status"]), stoppedJSON = try h.ctl(["status", "--json"])
        #expect(stopped.status == 3 && stoppedJSON.status == 3)
        #expect(stopped.stdout.hasPrefix("daemon   stopped"))
        #expect(stoppedJSON.stdout.contains("\"state\" : \"stopped\""))

        try Data("this is not a SQLite database, whatever its name says".utf8).write(to: URL(fileURLWithPath: h.database))
        try? FileManager.default.removeItem(atPath: h.database + "-wal")
        try? FileManager.default.removeItem(atPath: h.database + "-shm")
        let broken = try h.ctl(["status"])
        #expect(broken.status == 1, "\(broken.stderr)")
        #expect(broken.stderr.hasPrefix("enhance-ctl: \(h.database): cannot open the job queue"), "\(broken.stderr)")
    }

    @Test("status exits 1 while the daemon hangs (SIGSTOP: no heartbeat), 3 once it was killed (its pid gone)")
    func statusHungAndKilled() throws {
        let h = try DaemonHarness("status-hung")
        try h.start()
        #expect(try h.ctl(["status"]).status == 0)
        h.signal(SIGSTOP)
        // No heartbeat for Liveness.staleAfter (10 s): "not responding", an error for a monitor.
        var hung: CommandResult?
        #expect(eventually(timeout: 60) {
            hung = try? h.ctl(["status"])
            return hung?.status == 1
        }, "\(hung?.stdout ?? "")\(hung?.stderr ?? "")")
        #expect(hung?.stdout.hasPrefix("daemon   NOT RESPONDING") == true)
        h.signal(SIGKILL)
        _ = h.waitForExit(timeout: 30)
        let killed = try h.ctl(["status"]), json = try h.ctl(["status", "--json"])
        #expect(killed.status == 3 && json.status == 3, "gone: not running")
        #expect(json.stdout.contains("\"state\" : \"not responding\""), "the JSON word is unchanged")
    }

    @Test("--config before the subcommand works as after it: enhance-ctl --config CFG status")
    func configBeforeSubcommand() throws {
        let h = try DaemonHarness("config-first")
        #expect(try h.ctl(["pause"]).status == 0)   // creates the queue
        let ctl = try TestEnvironment.binary("enhance-ctl")
        for form in [["--config", h.configPath, "status"], ["--config=\(h.configPath)", "status"]] {
            let result = try runCommand(ctl, form)
            #expect(result.status == 3, "\(form): \(result.stderr)")
            #expect(result.stdout.contains("queue    PAUSED"), "\(form): \(result.stdout)")
        }
        let jobs = try runCommand(ctl, ["--config", h.configPath, "jobs", "--limit", "1"])
        #expect(jobs.status == 0 && jobs.stdout == "no jobs\n", "\(jobs.stderr)")
    }

    @Test("a second SIGINT or SIGTERM while stopping requeues the running job at once and exits 128 + the signal",
          arguments: [SIGINT, SIGTERM])
    func secondSignalForcesStop(signal number: Int32) throws {
        // A generous shutdown timeout: only the second signal can make the daemon let go of the job.
        let h = try DaemonHarness("forced-\(number)", settings: "[workers]\nshutdown_timeout = 3600")
        try h.start()
        try h.drop("large.png", try Self.largePhoto())
        // Under way: progress reported, so its output is being written (a temporary file).
        #expect(eventually(timeout: 120) { ((try? h.queue().jobs(state: .running).first?.progress) ?? 0) > 0 }, "\(h.log)")
        #expect(h.inboxFiles().contains { $0.hasPrefix(".enh-") }, "\(h.inboxFiles())")
        h.signal(number)
        #expect(eventually(timeout: 30) { h.log.contains("stopping (running jobs get 3600 s to finish") }, "\(h.log)")
        #expect(h.isRunning, "still waiting for the job")
        h.signal(number)
        #expect(h.waitForExit(timeout: 60) == 128 + number, "\(h.log)")
        let job = try #require(try h.queue().jobs().first)
        #expect(job.state == .queued && job.attempts == 0, "requeued without spending an attempt")
        #expect(h.log.contains("again: stopping now") && h.log.contains("requeued"), "\(h.log)")
        #expect(h.inboxFiles() == ["large.png"], "no output, no temporary file left")
    }

    @Test("enhanced --check-config says the model loads, and fails naming it when it is missing or not a model")
    func checkConfigLoadsModel() throws {
        let h = try DaemonHarness("check-model")
        let enhanced = try TestEnvironment.binary("enhanced")
        let good = try runCommand(enhanced, ["--config", h.configPath, "--check-config"])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.contains("# model srgan-gan loads (sha256 "), "\(good.stdout)")

        let missing = h.directory.appendingPathComponent("gone.safetensors").path
        try h.writeConfiguration(settings: "[model]\npath = \"\(missing)\"")
        let absent = try runCommand(enhanced, ["--config", h.configPath, "--check-config"])
        #expect(absent.status == 2)
        #expect(absent.stderr.hasPrefix("enhanced: \(h.configPath): model.path: \(missing): no such model file"), "\(absent.stderr)")

        let bogus = h.directory.appendingPathComponent("bogus.safetensors").path
        try Data("not a model".utf8).write(to: URL(fileURLWithPath: bogus))
        try h.writeConfiguration(settings: "[model]\npath = \"\(bogus)\"")
        let broken = try runCommand(enhanced, ["--config", h.configPath, "--check-config"])
        #expect(broken.status == 2)
        #expect(broken.stderr.hasPrefix("enhanced: \(h.configPath): model.path: \(bogus): "), "\(broken.stderr)")
        #expect(broken.stderr.split(separator: "\n").count == 1)
    }

    @Test("without --config the binaries use the checkout's var/, whatever the current directory")
    func embeddedDefaultFollowsTheCheckout() throws {
        let elsewhere = try TestEnvironment.temporaryDirectory("elsewhere")
        defer { try? FileManager.default.removeItem(at: elsewhere) }
        // As the configuration spells paths: standardized (here var/ is a symlink, resolved).
        let under = { (relative: String) in ((TestEnvironment.packageRoot.path + "/" + relative) as NSString).standardizingPath }
        let check = try runCommand(try TestEnvironment.binary("enhanced"), ["--check-config"], currentDirectory: elsewhere.path)
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout.contains("watch.roots = [\"\(under("var/inbox"))\"]"), "\(check.stdout)")
        #expect(check.stdout.contains("state.database = \"\(under("var/state/enhance.sqlite"))\""), "\(check.stdout)")
        let status = try runCommand(try TestEnvironment.binary("enhance-ctl"), ["status", "--json"], currentDirectory: elsewhere.path)
        #expect((status.stdout + status.stderr).contains(under("var/state/enhance.sqlite")),
                "\(status.stdout)\(status.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere.path) == [], "nothing created in the current directory")
    }

    @Test("model.name picks the file of that name in model.directory, and the daemon runs it")
    func modelByNameInConfiguration() throws {
        let h = try DaemonHarness("model-name")
        var tables = try h.defaultConfiguration(settleDelay: 0.3)
        tables.remove("model", "path")
        try tables.merge("[model]\nname = \"srgan-pre\"\ndirectory = \"\(TestEnvironment.modelDirectory)\"")
        try tables.text.write(toFile: h.configPath, atomically: true, encoding: .utf8)
        let check = try runCommand(try TestEnvironment.binary("enhanced"), ["--config", h.configPath, "--check-config"])
        let directory = (TestEnvironment.modelDirectory as NSString).standardizingPath
        #expect(check.stdout.contains("model.path = \"\(directory)/srgan-pre.safetensors\""), "\(check.stdout)\(check.stderr)")
        try h.start()
        #expect(try h.ctl(["status"]).stdout.contains("model    srgan-pre (sha256"))
        h.signal(SIGTERM)
        #expect(h.waitForExit(timeout: 30) == 0)
    }

    /// Every file under `directory` with its bytes, so that a run can be shown to change nothing.
    static func tree(_ directory: String) -> [String: Data] {
        var files: [String: Data] = [:]
        for relative in FileManager.default.enumerator(atPath: directory)?.compactMap({ $0 as? String }) ?? [] {
            let path = directory + "/" + relative
            files[relative] = FileManager.default.contents(atPath: path) ?? Data("<folder or unreadable>".utf8)
        }
        return files
    }

    @Test("enqueue --dry-run and enhanced --dry-run say what would be queued, skipped and why, and where outputs go; nothing changes")
    func dryRun() throws {
        let h = try DaemonHarness("dry-run")
        try h.start()
        try h.drop("done.png", try DaemonHarness.photo(0))
        #expect(h.waitFor([.done: 1]), "\(h.log)")
        h.signal(SIGTERM)
        #expect(h.waitForExit(timeout: 30) == 0)
        // Taken in name order: the first of two copies is the work, the second its duplicate.
        let new = try h.drop("album/a-new.png", try DaemonHarness.photo(1))
        try h.drop("album/b-copy.png", try DaemonHarness.photo(1))
        try h.drop(".hidden.png", try DaemonHarness.photo(2))
        try h.drop("notes.txt", Array("a list of photos".utf8))
        let before = Self.tree(h.directory.path)

        let enqueue = try h.ctl(["enqueue", "--dry-run", h.inbox])
        #expect(enqueue.status == 0, "\(enqueue.stderr)")
        let expected = [
            "would ignore   \(h.inbox)/.hidden.png: a hidden file",
            "would skip     \(h.inbox)/album/b-copy.png: same content as \(new)",
            "would queue    \(new) → \(h.inbox)/album/a-new.x4.png (sidecar \(h.inbox)/album/a-new.x4.png.xmp)",
            "already known  \(h.inbox)/done.png: job 1 (done); nothing to do",
        ]
        let lines = enqueue.stdout.split(separator: "\n").map(String.init)
        for line in expected { #expect(lines.contains(line), "missing: \(line)\n\(enqueue.stdout)") }
        #expect(lines.contains { $0.hasPrefix("would ignore   \(h.inbox)/done.x4.png: an output of enhance") })
        #expect(lines.contains { $0.hasPrefix("would ignore   \(h.inbox)/notes.txt: not a supported image type") })

        let daemon = try runCommand(try TestEnvironment.binary("enhanced"), ["--config", h.configPath, "--dry-run"])
        #expect(daemon.status == 0, "\(daemon.stderr)")
        #expect(daemon.stdout == enqueue.stdout, "the daemon's scan of its root decides as enqueue of the same folder")
        let after = Self.tree(h.directory.path)
        #expect(after.keys.sorted() == before.keys.sorted(), "no file created or removed")
        // Byte for byte, the database and its log included — all but `-shm`, SQLite's shared-
        // memory index, in which every reader (read-only ones too) marks what it reads while
        // the log is in use: coordination, not content.
        #expect(after.keys.filter { after[$0] != before[$0] && !$0.hasSuffix("-shm") }.sorted() == [],
                "every file byte for byte as it was")
        #expect(after["state/enhance.sqlite"] == before["state/enhance.sqlite"] && before["state/enhance.sqlite"] != nil)

        // A database closed cleanly by its last user has no -wal or -shm: a dry run creates none.
        #expect((try FileManager.default.attributesOfItem(atPath: h.database + "-wal")[.size] as? Int) == 0)
        try FileManager.default.removeItem(atPath: h.database + "-wal")
        try FileManager.default.removeItem(atPath: h.database + "-shm")
        let closed = Self.tree(h.directory.path)
        #expect(try h.ctl(["enqueue", "--dry-run", h.inbox]).stdout == enqueue.stdout)
        #expect(Self.tree(h.directory.path) == closed)
        #expect(try h.queue().jobs().count == 1)
    }

    @Test("a dry run before the daemon ever ran creates no database")
    func dryRunWithoutDatabase() throws {
        let h = try DaemonHarness("dry-none")
        try h.drop("a.png", try DaemonHarness.photo(3))
        let result = try h.ctl(["enqueue", "--dry-run", h.inbox + "/a.png"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("would queue    \(h.inbox)/a.png → \(h.inbox)/a.x4.png"))
        #expect(!FileManager.default.fileExists(atPath: (h.database as NSString).deletingLastPathComponent))
    }

    @Test("a photo that is a single tile reports progress while the generator runs, and status shows it")
    func progressInsideATile() throws {
        // One 1024-pixel tile holds the whole 800×600 photo: progress can only come from inside it.
        let h = try DaemonHarness("one-tile", settings: "[model]\ntile = 1024\noverlap = 48")
        try h.start()
        try h.drop("large.png", try Self.largePhoto())
        var seen: Set<Int> = []
        let finished = eventually(timeout: 300) {
            if let job = try? h.queue().jobs(state: .running).first, job.progress > 0, job.progress < 1 {
                if let status = try? h.ctl(["status"]).stdout,
                   let line = status.split(separator: "\n").first(where: { $0.hasSuffix("large.png") }) {
                    seen.insert(Int(line.split(separator: " ")[1].dropLast()) ?? -1)
                }
            }
            return h.counts()[.done] == 1
        }
        #expect(finished, "\(h.log)")
        #expect(seen.contains { $0 > 0 && $0 < 100 }, "status showed the job at \(seen.sorted()) %")
        h.signal(SIGTERM)
        #expect(h.waitForExit(timeout: 30) == 0)
    }

    @Test("show wraps long values under themselves within the terminal's width: COLUMNS, else 80")
    func showWraps() throws {
        let h = try DaemonHarness("show-wrap")
        try h.start()
        try h.drop("a folder with a rather long name/and another one below it/not really a photo at all.png",
                   Array("not an image".utf8))
        #expect(h.waitFor([.failed: 1]), "\(h.log)")
        let job = try #require(try h.queue().jobs().first)
        let ctl = try TestEnvironment.binary("enhance-ctl")
        for (columns, width) in [(nil, 80), ("50", 50), ("120", 120)] as [(String?, Int)] {
            let result = try runCommand(ctl, ["show", "\(job.id)", "--config", h.configPath],
                                        environment: ["COLUMNS": columns ?? ""])
            let lines = result.stdout.split(separator: "\n").map(String.init)
            #expect(lines.allSatisfy { $0.count <= width }, "COLUMNS=\(columns ?? "unset"):\n\(result.stdout)")
            // The reason, read back from its lines, is the whole reason (wrapping only moved
            // where the lines break).
            let start = try #require(lines.firstIndex { $0.hasPrefix("reason") })
            let text = lines[start...].map { String($0.dropFirst(13)) }.joined()
            let reason = try #require(job.lastError)
            #expect(text.filter { !$0.isWhitespace } == reason.filter { !$0.isWhitespace }, "\(result.stdout)")
        }
        h.signal(SIGTERM)
        #expect(h.waitForExit(timeout: 30) == 0)
    }
}
