/// The daemon attacked as an adversarial user and a careless admin would: pauses longer than
/// the lease, reloads that cannot watch, content reverted under one name, a person's own file
/// where an output would go, names that are not UTF-8, a clean stop that must leave the queue
/// in the main database file, a database that is not one. Each test is one finding of issue 10,
/// written from its description; each failed against the daemon before its fix.
import Foundation
import Testing
import Imaging
import JobQueue
import TestSupport

@Suite("enhanced under attack", .serialized)
struct AttackTests {
    func coffee() throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: TestEnvironment.fixture("UpscalingTests", "coffee.jpg"))))
    }

    func lines(_ log: String, containing needle: String) -> Int {
        log.split(separator: "\n").filter { $0.contains(needle) }.count
    }

    @Test("a pause longer than the lease (SIGSTOP 7 s, lease 3 s) does not enhance the job twice")
    func pauseLongerThanLease() throws {
        let h = try DaemonHarness("pause", settings: "[workers]\nlease = 3")
        try h.start()
        try h.drop("big.jpg", try coffee())
        #expect(eventually(timeout: 30) { (try? h.queue().jobs(state: .running).count) == 1 })
        h.signal(SIGSTOP)
        sleep(7)
        h.signal(SIGCONT)
        #expect(h.waitFor([.done: 1], timeout: 60), "\(h.counts())\n\(h.log)")
        sleep(3)   // several heartbeats: time for a wrongly requeued job to be claimed again
        let job = try #require(try h.queue().jobs().first)
        #expect(job.state == .done && job.attempts == 1, "\(job)\n\(h.log)")
        #expect(lines(h.log, containing: "enhancing") == 1, "\(h.log)")
        #expect(!h.log.contains("lease expired"), "the daemon expired its own live lease:\n\(h.log)")
        h.signal(SIGTERM)
        #expect(h.waitForExit(timeout: 30) == 0)
    }

    @Test("a SIGHUP whose roots cannot be watched keeps the running configuration and its watches")
    func reloadWithUnusableRoot() throws {
        let h = try DaemonHarness("badroot")
        try h.start()
        // A root that cannot be created (its parent is a file), so it cannot be watched.
        _ = FileManager.default.createFile(atPath: h.directory.appendingPathComponent("plain-file").path, contents: Data())
        try h.writeConfiguration(settings: "[watch]\nroots = [\"plain-file/photos\"]")
        h.signal(SIGHUP)
        #expect(eventually(timeout: 10) { h.log.contains("keeping the running configuration") }, "\(h.log)")
        #expect(!h.log.contains("reloaded"), "a reload that cannot watch its roots is not applied:\n\(h.log)")
        try h.drop("after.png", try DaemonHarness.photo(1))
        #expect(h.waitFor([.done: 1], timeout: 30), "the old inbox is still watched\n\(h.counts())\n\(h.log)")
        h.signal(SIGTERM)
        #expect(h.waitForExit(timeout: 30) == 0)
    }

    @Test("cup → fur → cup in one path: the output ends as cup's, not fur's")
    func revertedContent() throws {
        let h = try DaemonHarness("revert")
        try h.start()
        let path = h.inbox + "/photo.png"
        let sidecar = h.inbox + "/photo.x4.png.xmp"
        func shaInSidecar() -> String? {
            (try? String(contentsOfFile: sidecar, encoding: .utf8))?.firstMatch(of: /<enhance:sha256>([0-9a-f]+)</)
                .map { String($0.1) }
        }
        let cup = try DaemonHarness.photo(1), fur = try DaemonHarness.photo(2)
        try h.drop("photo.png", cup)
        #expect(h.waitFor([.done: 1]), "\(h.log)")
        let cupSHA = try #require(shaInSidecar())
        try h.drop("photo.png", fur)
        #expect(h.waitFor([.done: 2]), "\(h.log)")
        #expect(shaInSidecar() != cupSHA)
        usleep(20_000)   // a new mtime, as a person's save would give
        try h.drop("photo.png", cup)
        #expect(eventually(timeout: 60) { shaInSidecar() == cupSHA }, "the output still describes fur\n\(h.log)")
        #expect(h.waitFor([.done: 2, .queued: 0, .running: 0], timeout: 30))
        let output = try ImageReader(path: h.inbox + "/photo.x4.png")
        #expect(output.info.width == 64)
        _ = path
        h.signal(SIGTERM)
        #expect(h.waitForExit(timeout: 30) == 0)
    }

    @Test("a person's own file where the output would go is never overwritten")
    func usersOwnFileAtTheOutputName() throws {
        let h = try DaemonHarness("ownfile")
        let mine = Array("my own drawing, not an enhanced photo".utf8)
        try h.drop("cat.x4.png", mine)
        try h.start()
        try h.drop("cat.png", try DaemonHarness.photo(0))
        #expect(eventually(timeout: 60) {
            let c = h.counts()
            return (c[.done] ?? 0) + (c[.failed] ?? 0) == 1
        }, "\(h.counts())\n\(h.log)")
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: h.inbox + "/cat.x4.png"))) == mine,
                "the person's file was replaced")
        let job = try #require(try h.queue().jobs().first { $0.sourcePath.hasSuffix("/cat.png") })
        if job.state == .done {
            let output = try #require(job.outputPath)
            #expect(output != h.inbox + "/cat.x4.png" && FileManager.default.fileExists(atPath: output))
        } else {
            #expect(job.state == .failed && job.attempts == 1, "\(job)")
            #expect(job.lastError?.contains("cat.x4.png") == true && job.lastError?.contains("not written by") == true,
                    "\(job.lastError ?? "")")
        }
        h.signal(SIGTERM)
        #expect(h.waitForExit(timeout: 30) == 0)
    }

    @Test("a name that is not UTF-8 is recorded as failed with a clear reason, not dropped")
    func invalidUTF8Name() throws {
        let h = try DaemonHarness("utf8")
        try h.start()
        let bytes = try DaemonHarness.photo(0)
        var name = Array((h.inbox + "/bad").utf8) + [0xff] + Array(".png".utf8)
        name.append(0)
        let fd = name.withUnsafeBufferPointer { open(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self),
                                                     O_WRONLY | O_CREAT | O_TRUNC, 0o644) }
        #expect(fd >= 0)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        #expect(h.waitFor([.failed: 1], timeout: 30), "\(h.counts())\n\(h.log)")
        let job = try #require(try h.queue().jobs(state: .failed).first)
        #expect(job.sourcePath.hasSuffix("/bad\\xff.png"), "\(job.sourcePath)")
        #expect(job.lastError?.contains("not valid UTF-8") == true, "\(job.lastError ?? "")")
        #expect(lines(h.log, containing: "bad\\xff.png") >= 1, "\(h.log)")
        h.signal(SIGTERM)
        #expect(h.waitForExit(timeout: 30) == 0)
    }

    @Test("a clean stop leaves the whole queue in the database file itself (WAL checkpointed)")
    func cleanStopCheckpoints() throws {
        let h = try DaemonHarness("wal")
        try h.start()
        for i in 0..<20 { try h.drop("p-\(i).png", try DaemonHarness.photo(i)) }
        #expect(h.waitFor([.done: 20]), "\(h.counts())\n\(h.log)")
        h.signal(SIGTERM)
        #expect(h.waitForExit(timeout: 30) == 0)
        let wal = (try? FileManager.default.attributesOfItem(atPath: h.database + "-wal")[.size] as? Int) ?? 0
        #expect(wal == 0, "\(wal) bytes left in the WAL")
        // What an admin who backs up only the database file gets:
        let copy = h.directory.appendingPathComponent("backup.sqlite").path
        try FileManager.default.copyItem(atPath: h.database, toPath: copy)
        let restored = try JobQueue(path: copy, create: false)
        #expect(try restored.counts()[.done] == 20)
    }

    @Test("a database that is not one: the error names the file and says what to do; exit non-zero")
    func malformedDatabase() throws {
        let h = try DaemonHarness("malformed")
        try FileManager.default.createDirectory(atPath: (h.database as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: h.database))
        let result = try runCommand(try TestEnvironment.binary("enhanced"), ["--config", h.configPath])
        #expect(result.status != 0)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(result.stderr.contains(h.database), "\(result.stderr)")
        #expect(result.stderr.contains("move it aside") || result.stderr.contains("restore"), "\(result.stderr)")
    }

    // MARK: Files swapped, names at the limit, outputs in pairs

    /// Sets a file's mtime (seconds since 1970, whole) without following a link.
    func setMTime(_ path: String, _ seconds: Int) {
        var times = [timespec(tv_sec: seconds, tv_nsec: 0), timespec(tv_sec: seconds, tv_nsec: 0)]
        _ = utimensat(AT_FDCWD, path, &times, AT_SYMLINK_NOFOLLOW)
    }

    /// Two different valid PNGs of exactly the same length (the shorter padded after IEND,
    /// which decoders ignore).
    func samePNGLength(_ a: [UInt8], _ b: [UInt8]) -> ([UInt8], [UInt8]) {
        let n = max(a.count, b.count)
        return (a + [UInt8](repeating: 0, count: n - a.count), b + [UInt8](repeating: 0, count: n - b.count))
    }

    @Test("a queued photo swapped for a symlink to a private file outside the root is not read")
    func symlinkSwap() throws {
        let h = try DaemonHarness("swap")
        try h.start()
        let (bait, secret) = samePNGLength(try DaemonHarness.photo(0), try DaemonHarness.photo(1))
        let outside = h.directory.appendingPathComponent("private")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        let secretPath = outside.appendingPathComponent("secret.png").path
        try Data(secret).write(to: URL(fileURLWithPath: secretPath))
        chmod(secretPath, 0o600)
        setMTime(secretPath, 1_600_000_000)

        #expect(try h.ctl(["pause"]).status == 0)
        let baitPath = h.inbox + "/bait.png"
        let staging = h.directory.appendingPathComponent("bait.png").path
        try Data(bait).write(to: URL(fileURLWithPath: staging))
        setMTime(staging, 1_600_000_000)
        #expect(rename(staging, baitPath) == 0)
        #expect(h.waitFor([.queued: 1], timeout: 30), "\(h.log)")
        // The swap: same size and mtime as queued, but a link to the private file.
        let link = h.inbox + "/.swap"
        #expect(symlink(secretPath, link) == 0)
        #expect(rename(link, baitPath) == 0)
        #expect(try h.ctl(["resume"]).status == 0)
        #expect(eventually(timeout: 60) {
            let c = h.counts()
            return (c[.queued] ?? 0) + (c[.running] ?? 0) == 0
        }, "\(h.counts())\n\(h.log)")
        let job = try #require(try h.queue().jobs().first)
        #expect(job.state != .done, "the private file was enhanced: \(job)")
        #expect(!FileManager.default.fileExists(atPath: h.inbox + "/bait.x4.png"), "an output of the private file")
        #expect(job.lastError?.contains("bait.png") == true && job.lastError?.contains("link") == true,
                "\(job.lastError ?? "")")
        h.signal(SIGTERM)
        #expect(h.waitForExit(timeout: 30) == 0)
    }

    @Test("outputs and sidecars take the source's mode bits, never wider")
    func outputModes() throws {
        let h = try DaemonHarness("modes")
        try h.start()
        let staging = h.directory.appendingPathComponent("private.png").path
        try Data(try DaemonHarness.photo(2)).write(to: URL(fileURLWithPath: staging))
        chmod(staging, 0o640)
        #expect(rename(staging, h.inbox + "/private.png") == 0)
        #expect(h.waitFor([.done: 1]), "\(h.log)")
        for path in [h.inbox + "/private.x4.png", h.inbox + "/private.x4.png.xmp"] {
            var s = stat()
            #expect(stat(path, &s) == 0)
            #expect(s.st_mode & 0o777 == 0o640, "\(path): \(String(s.st_mode & 0o777, radix: 8))")
        }
        h.signal(SIGTERM)
        #expect(h.waitForExit(timeout: 30) == 0)
    }

    @Test("long names whose output and sidecar fit are enhanced; one whose output or sidecar cannot exist fails at once, saying which")
    func longNames() throws {
        let h = try DaemonHarness("longnames")
        try h.start()
        // Outputs add 3 bytes (.x4), sidecars 7 (.x4 … .xmp); a name holds at most 255 bytes.
        let fits = [240, 248].map { String(repeating: "a", count: $0 - 4) + ".png" }     // sidecars 247, 255
        let tooLong = [String(repeating: "b", count: 249 - 4) + ".png",                   // sidecar 256
                       String(repeating: "c", count: 253 - 4) + ".png"]                   // output 256
        for (i, name) in (fits + tooLong).enumerated() { try h.drop(name, try DaemonHarness.photo(i)) }
        #expect(h.waitFor([.done: 2, .failed: 2], timeout: 60), "\(h.counts())\n\(h.log)")
        for failed in try h.queue().jobs(state: .failed) {
            #expect(tooLong.contains { failed.sourcePath.hasSuffix($0) })
            #expect(failed.attempts == 1, "not retried as if transient: \(failed)")
            #expect(failed.lastError?.contains("too long") == true, "\(failed.lastError ?? "")")
        }
        for name in fits {
            let output = (name as NSString).deletingPathExtension + ".x4.png"
            #expect(FileManager.default.fileExists(atPath: h.inbox + "/" + output))
            #expect(FileManager.default.fileExists(atPath: h.inbox + "/" + output + ".xmp"))
        }
        #expect(!h.inboxFiles().contains { $0.hasPrefix(".") }, "temporaries left: \(h.inboxFiles())")
        h.signal(SIGTERM)
        #expect(h.waitForExit(timeout: 30) == 0)
    }

    @Test("when the sidecar cannot be written the output is not replaced either: both or neither")
    func outputAndSidecarTogether() throws {
        let h = try DaemonHarness("pair")
        try h.start()
        try h.drop("cat.png", try DaemonHarness.photo(0))
        #expect(h.waitFor([.done: 1]), "\(h.log)")
        let output = h.inbox + "/cat.x4.png", sidecar = output + ".xmp"
        let before = try Data(contentsOf: URL(fileURLWithPath: output))
        // The sidecar's name taken by a folder with a file in it: no rename can replace it.
        try FileManager.default.removeItem(atPath: sidecar)
        try FileManager.default.createDirectory(atPath: sidecar + "/blocker", withIntermediateDirectories: true)
        try h.drop("cat.png", try DaemonHarness.photo(1))
        #expect(h.waitFor([.done: 1, .failed: 1], timeout: 60), "\(h.counts())\n\(h.log)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: output)) == before,
                "the output was replaced although its sidecar could not be written")
        let job = try #require(try h.queue().jobs(state: .failed).first)
        #expect(job.lastError?.contains(".xmp") == true, "the recorded reason is the sidecar's: \(job.lastError ?? "")")
        #expect(!h.inboxFiles().contains { ($0 as NSString).lastPathComponent.hasPrefix(".") },
                "temporaries left: \(h.inboxFiles())")
        h.signal(SIGTERM)
        #expect(h.waitForExit(timeout: 30) == 0)
    }

    @Test("a photo the daemon may not read (run as nobody) is recorded as failed with the reason, not only logged")
    func unreadableSourceFromScan() throws {
        let h = try DaemonHarness("unreadable")
        h.launcher = ["/usr/bin/setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
        try h.drop("readable.png", try DaemonHarness.photo(0))
        let secret = try h.drop("secret.png", try DaemonHarness.photo(1))
        // The daemon's user owns its folder, its state and the notify socket's write permission;
        // the secret photo stays root's, mode 600, so the start-up scan finds a file it cannot read.
        for entry in [h.directory.path] + (FileManager.default.subpaths(atPath: h.directory.path) ?? [])
            .map({ h.directory.path + "/" + $0 }) {
            _ = chown(entry, 65534, 65534)
        }
        _ = chown(secret, 0, 0)
        chmod(secret, 0o600)
        chmod(h.notify.path, 0o777)
        try h.start()
        #expect(h.waitFor([.done: 1, .failed: 1], timeout: 60, thenSteadyFor: 2), "\(h.counts())\n\(h.log)")
        let job = try #require(try h.queue().jobs(state: .failed).first)
        #expect(job.sourcePath == secret)
        #expect(job.lastError?.contains("cannot be read") == true && job.lastError?.contains("ermission denied") == true,
                "\(job.lastError ?? "")")
        #expect(lines(h.log, containing: "secret.png: cannot be read") == 1, "said once:\n\(h.log)")
        let status = try h.ctl(["status"])
        #expect(status.stdout.contains("secret.png"), "\(status.stdout)")
        h.signal(SIGTERM)
        #expect(h.waitForExit(timeout: 30) == 0)
    }
}
