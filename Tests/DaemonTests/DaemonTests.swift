/// The daemon as its users meet it: the real `enhanced` binary on a temporary inbox, real
/// SQLite, real inotify, real photos (tiny crops, so each job takes a fraction of a second).
import Foundation
import Testing
import Imaging
import JobQueue
import TestSupport

@Suite("enhanced (the daemon)", .serialized)
struct DaemonTests {
    /// The outputs and sidecars that should exist for `sources` (relative paths in the inbox).
    func expectedFiles(_ sources: [String]) -> [String] {
        sources.flatMap { source -> [String] in
            let output = (source as NSString).deletingPathExtension + ".x4." + (source as NSString).pathExtension
            return [source, output, output + ".xmp"]
        }.sorted()
    }

    @Test("20 photos at once — copied, renamed in, in a new folder: each enhanced once, with its sidecar")
    func twentyAtOnce() throws {
        let h = try DaemonHarness("twenty")
        try h.start()
        var sources: [String] = []
        for i in 0..<7 {                       // copied in place
            sources.append("copy-\(i).png")
            try h.drop(sources.last!, try DaemonHarness.photo(i))
        }
        for i in 7..<14 {                      // written under a temporary name, then renamed
            let name = "renamed-\(i).png"
            let temporary = try h.drop(".\(name).part", try DaemonHarness.photo(i))
            try FileManager.default.moveItem(atPath: temporary, toPath: h.inbox + "/" + name)
            sources.append(name)
        }
        try FileManager.default.createDirectory(atPath: h.inbox + "/2024/march", withIntermediateDirectories: true)
        for i in 14..<20 {                     // into a folder created just now
            sources.append("2024/march/new-\(i).png")
            try h.drop(sources.last!, try DaemonHarness.photo(i))
        }
        #expect(h.waitFor([.done: 20], thenSteadyFor: DaemonHarness.grace), "\(h.counts())\n\(h.log)")
        #expect(h.inboxFiles() == expectedFiles(sources), "exactly one output and one sidecar per photo, no leftovers")
        for source in sources {
            let output = h.inbox + "/" + (source as NSString).deletingPathExtension + ".x4.png"
            let info = try ImageReader(path: output).info
            #expect((info.width, info.height) == (64, 64))
        }

        let status = try h.ctl(["status", "--json"])
        #expect(status.status == 0, "\(status.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        let counts = try #require(json["counts"] as? [String: Int])
        #expect(counts == ["queued": 0, "running": 0, "done": 20, "failed": 0, "skipped": 0])
        #expect((json["daemon"] as? [String: Any])?["state"] as? String == "running")
        #expect(json["doneLastHour"] as? Int == 20)

        // The same content under another name is not enhanced again.
        try h.drop("copy-0-again.png", try DaemonHarness.photo(0))
        #expect(h.waitFor([.done: 20, .skipped: 1], thenSteadyFor: DaemonHarness.grace), "\(h.counts())\n\(h.log)")
        #expect(!FileManager.default.fileExists(atPath: h.inbox + "/copy-0-again.x4.png"))

        h.signal(SIGTERM)
        #expect(h.waitForExit(timeout: 30) == 0)
    }

    @Test("the sidecar and the embedded XMP record the source, its sha256, the model and the parameters")
    func provenance() throws {
        let h = try DaemonHarness("provenance")
        try h.start()
        let source = try h.drop("face.png", try DaemonHarness.photo(0))
        #expect(h.waitFor([.done: 1], thenSteadyFor: DaemonHarness.grace), "\(h.counts())\n\(h.log)")
        let job = try #require(try h.queue().jobs().first)
        let sidecar = try String(contentsOfFile: h.inbox + "/face.x4.png.xmp", encoding: .utf8)
        #expect(sidecar.contains("<stRef:filePath>\(source)</stRef:filePath>"))
        #expect(sidecar.contains("<enhance:sha256>\(job.sha256)</enhance:sha256>"))
        #expect(sidecar.contains("<stEvt:action>converted</stEvt:action>"))
        #expect(sidecar.contains("<stEvt:softwareAgent>enhanced 0.1.0</stEvt:softwareAgent>"))
        #expect(sidecar.contains("model srgan-gan (sha256 "))
        // A PNG has no JPEG quality; its noise σ is always measured.
        // Rows are whole-image inference: no tile shaped the result, so none is recorded.
        #expect(sidecar.contains(/scale 4; whole image; input noise σ \d+\.\d<\/stEvt:parameters>/))
        let embedded = String(decoding: try #require(try ImageReader(path: h.inbox + "/face.x4.png").metadata.xmp),
                              as: UTF8.self)
        let documentID = try #require(sidecar.firstMatch(of: /<xmpMM:DocumentID>([^<]+)</)?.1)
        #expect(documentID.hasPrefix("xmp.did:"))
        #expect(embedded == sidecar, "the sidecar is the image's own packet")
        #expect(embedded.contains("<stRef:filePath>\(source)</stRef:filePath>"))
        #expect(h.notify.waitFor("WATCHDOG=1", timeout: 5), "systemd's watchdog is fed")
        h.signal(SIGTERM)
        #expect(h.waitForExit(timeout: 30) == 0)
    }

    @Test("a file written slowly over several seconds is not picked up before it is complete")
    func slowWriter() throws {
        let h = try DaemonHarness("slow", settleDelay: 0.5)
        try h.start()
        let bytes = try DaemonHarness.photo(3, size: 32)
        let path = h.inbox + "/slow.png"
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        let chunks = 12
        let chunk = (bytes.count + chunks - 1) / chunks
        for start in stride(from: 0, to: bytes.count, by: chunk) {
            handle.write(Data(bytes[start..<min(bytes.count, start + chunk)]))
            usleep(250_000)   // 12 chunks over 3 s
            #expect(try h.queue().jobs().isEmpty, "picked up while still being written")
        }
        try handle.close()
        #expect(h.waitFor([.done: 1]), "\(h.counts())\n\(h.log)")
        let job = try #require(try h.queue().jobs().first)
        #expect(job.size == Int64(bytes.count) && job.attempts == 1)
        h.signal(SIGTERM)
        #expect(h.waitForExit(timeout: 30) == 0)
    }

    @Test("kill -9 in the middle of a batch, then restart: every job completes, no partial or duplicate output")
    func killNine() throws {
        let h = try DaemonHarness("kill9")
        try h.start()
        let sources = (0..<12).map { "photo-\($0).png" }
        for (i, name) in sources.enumerated() { try h.drop(name, try DaemonHarness.photo(i, size: 32)) }
        #expect(eventually(timeout: 90) { (h.counts()[.done] ?? 0) >= 3 && (h.counts()[.running] ?? 0) == 1 })
        h.signal(SIGKILL)
        #expect(h.waitForExit(timeout: 10) != nil)
        let interrupted = h.counts()
        #expect((interrupted[.done] ?? 0) < 12, "killed mid-batch")

        try h.start()
        #expect(h.waitFor([.done: 12], thenSteadyFor: DaemonHarness.grace), "\(h.counts())\n\(h.log)")
        #expect(h.inboxFiles() == expectedFiles(sources), "no partial, temporary or duplicate files")
        #expect(h.log.contains("was running when the daemon stopped; requeued") || interrupted[.running] == 0)
        h.signal(SIGTERM)
        #expect(h.waitForExit(timeout: 30) == 0)
    }

    @Test("a corrupt photo among good ones fails with a clear reason; the others are done; the daemon carries on")
    func corruptAmongGood() throws {
        let h = try DaemonHarness("corrupt")
        try h.start()
        for i in 0..<4 { try h.drop("good-\(i).png", try DaemonHarness.photo(i)) }
        var broken = try DaemonHarness.photo(4)
        for i in 60..<broken.count - 20 { broken[i] ^= 0x5a }   // keep the signature, ruin the data
        try h.drop("broken.png", broken)
        try h.drop("not-a-photo.jpg", Array("this is text, not JPEG".utf8))
        #expect(h.waitFor([.done: 4, .failed: 2]), "\(h.counts())\n\(h.log)")
        // Each bad file with the reason that fits it: the path, then what is wrong with it.
        let expectedReasons = ["broken.png": "corrupt image", "not-a-photo.jpg": "unsupported format"]
        let failed = try h.queue().jobs(state: .failed)
        #expect(Set(failed.map { ($0.sourcePath as NSString).lastPathComponent }) == Set(expectedReasons.keys))
        for job in failed {
            #expect(job.attempts == 1, "a bad image is not retried")
            let reason = job.lastError ?? ""
            let summary = try #require(expectedReasons[(job.sourcePath as NSString).lastPathComponent])
            #expect(reason.hasPrefix("\(job.sourcePath): \(summary)"), "\(reason)")
        }
        #expect(h.isRunning)
        try h.drop("after.png", try DaemonHarness.photo(5))
        #expect(h.waitFor([.done: 5, .failed: 2]))

        let text = try h.ctl(["status"])
        // Both failures are listed, each by its file, below the heading.
        let failures = try #require(text.stdout.components(separatedBy: "recent failures:\n").dropFirst().first,
                                    "\(text.stdout)")
        #expect(failures.contains("broken.png"), "\(text.stdout)")
        #expect(failures.contains("not-a-photo.jpg"), "\(text.stdout)")
        #expect(text.stdout.split(separator: "\n").allSatisfy { $0.count <= 80 }, "\(text.stdout)")
        h.signal(SIGTERM)
        #expect(h.waitForExit(timeout: 30) == 0)
    }

    @Test("SIGTERM during work: exit 0 within the timeout, the running job requeued; a restart finishes the rest")
    func sigtermDuringWork() throws {
        // shutdown_timeout = 0: the running job cannot finish and must be put back cleanly.
        let h = try DaemonHarness("sigterm", settings: "[workers]\nshutdown_timeout = 0")
        try h.start()
        try h.drop("big.jpg", Array(try Data(contentsOf: URL(fileURLWithPath: TestEnvironment.fixture("UpscalingTests", "coffee.jpg")))))
        for i in 0..<3 { try h.drop("small-\(i).png", try DaemonHarness.photo(i)) }
        #expect(eventually(timeout: 30) { (try? h.queue().jobs(state: .running).first?.sourcePath.hasSuffix("big.jpg")) == true })
        let stopAsked = Date()
        h.signal(SIGTERM)
        #expect(h.waitForExit(timeout: 10) == 0)
        #expect(Date().timeIntervalSince(stopAsked) < 10)
        #expect(h.notify.messages.contains("STOPPING=1"))
        let big = try #require(try h.queue().jobs().first { $0.sourcePath.hasSuffix("big.jpg") })
        #expect(big.state == .queued && big.attempts == 0, "requeued without spending an attempt")
        #expect(h.log.contains("requeued"))

        try h.start()
        #expect(h.waitFor([.done: 4], timeout: 120, thenSteadyFor: DaemonHarness.grace), "\(h.counts())\n\(h.log)")
        #expect(h.inboxFiles() == expectedFiles(["big.jpg", "small-0.png", "small-1.png", "small-2.png"]))
        h.signal(SIGTERM)
        #expect(h.waitForExit(timeout: 60) == 0, "\(h.log)")
    }

    @Test("photos that arrived while the daemon was stopped are processed after it starts")
    func arrivedWhileStopped() throws {
        let h = try DaemonHarness("offline")
        try h.start()
        try h.drop("before.png", try DaemonHarness.photo(0))
        #expect(h.waitFor([.done: 1]))
        h.signal(SIGTERM)
        #expect(h.waitForExit(timeout: 30) == 0)
        #expect(try h.ctl(["status", "--json"]).stdout.contains("\"state\" : \"stopped\""))

        try h.drop("while-down-1.png", try DaemonHarness.photo(1))
        try h.drop("folder/while-down-2.png", try DaemonHarness.photo(2))
        try h.start()
        #expect(h.waitFor([.done: 3], thenSteadyFor: DaemonHarness.grace), "\(h.counts())\n\(h.log)")
        #expect(try h.queue().jobs().count == 3, "what was already done is not queued again")
        h.signal(SIGTERM)
        #expect(h.waitForExit(timeout: 30) == 0)
    }

    @Test("a bad configuration: one line naming the key, non-zero exit")
    func badConfiguration() throws {
        let h = try DaemonHarness("badconfig")
        try h.writeConfiguration(settings: "[log]\nlevel = \"chatty\"")
        let result = try runCommand(try TestEnvironment.binary("enhanced"), ["--config", h.configPath])
        #expect(result.status != 0)
        #expect(result.stderr == "enhanced: \(h.configPath): log.level: must be one of \"debug\", \"info\", \"warning\", \"error\", got \"chatty\"\n")
    }

    @Test("SIGHUP reloads the configuration without a restart; SIGTERM still stops it afterwards")
    func reload() throws {
        let h = try DaemonHarness("reload")
        try h.start()
        try h.drop("first.png", try DaemonHarness.photo(0))
        #expect(h.waitFor([.done: 1]))
        try h.writeConfiguration(settings: "[output]\nname_pattern = \"{name}.sharp.{ext}\"")
        let pid = h.process?.processIdentifier
        h.signal(SIGHUP)
        #expect(h.notify.waitFor("RELOADING=1", timeout: 10))
        #expect(h.notify.waitFor("READY=1", timeout: 10))
        try h.drop("second.png", try DaemonHarness.photo(1))
        #expect(h.waitFor([.done: 2], thenSteadyFor: DaemonHarness.grace), "\(h.counts())\n\(h.log)")
        #expect(FileManager.default.fileExists(atPath: h.inbox + "/second.sharp.png"))
        #expect(!FileManager.default.fileExists(atPath: h.inbox + "/first.x4.sharp.png"),
                "an earlier output is not taken for a source when the pattern changes")
        #expect(h.process?.processIdentifier == pid && h.isRunning)
        h.signal(SIGTERM)
        #expect(h.waitForExit(timeout: 30) == 0)
    }

    @Test("a photo changed after it was queued: the old job is skipped with the reason, the new content is enhanced")
    func sourceChangedBeforeProcessing() throws {
        // A long lease: the worker renews it only between progress reports, and on a loaded
        // machine one small job has been seen to outlast the harness's 30 s (it then starts over).
        let h = try DaemonHarness("changed", settings: "[workers]\nlease = 600")
        try h.start()
        #expect(try h.ctl(["pause"]).status == 0)   // nothing is claimed while the file changes
        let path = try h.drop("photo.png", try DaemonHarness.photo(0))
        #expect(h.waitFor([.queued: 1]), "\(h.counts())\n\(h.log)")
        let original = try #require(try h.queue().jobs().first)

        // Another size, so the change shows in the size as well as the mtime.
        let changed = try DaemonHarness.photo(1, size: 24)
        try Data(changed).write(to: URL(fileURLWithPath: path))
        #expect(h.waitFor([.queued: 2]), "the new content is queued as new work\n\(h.log)")
        #expect(try h.ctl(["resume"]).status == 0)

        // (One small photo has been seen to take over a minute on a loaded machine.)
        #expect(h.waitFor([.done: 1, .skipped: 1], timeout: 300, thenSteadyFor: DaemonHarness.grace),
                "\(h.counts())\n\(h.log)")
        let skipped = try #require(try h.queue().jobs(state: .skipped).first)
        #expect(skipped.id == original.id && skipped.sourcePath == path)
        #expect(skipped.lastError == "\(path): changed after it was queued (its new content is queued on its own)")
        let done = try #require(try h.queue().jobs(state: .done).first)
        #expect(done.id != original.id && done.sourcePath == path && done.size == Int64(changed.count))
        let output = try ImageReader(path: h.inbox + "/photo.x4.png").info
        #expect((output.width, output.height) == (96, 96), "the output is of the new content")
        h.signal(SIGTERM)
        #expect(h.waitForExit(timeout: 30) == 0)
    }

    @Test("a photo removed after it was queued: the job ends skipped with the reason, and nothing is written")
    func sourceRemovedBeforeProcessing() throws {
        let h = try DaemonHarness("removed")
        try h.start()
        #expect(try h.ctl(["pause"]).status == 0)
        let path = try h.drop("photo.png", try DaemonHarness.photo(0))
        #expect(h.waitFor([.queued: 1]), "\(h.counts())\n\(h.log)")
        try FileManager.default.removeItem(atPath: path)
        #expect(try h.ctl(["resume"]).status == 0)

        #expect(h.waitFor([.skipped: 1], thenSteadyFor: DaemonHarness.grace), "\(h.counts())\n\(h.log)")
        let skipped = try #require(try h.queue().jobs().first)
        #expect(skipped.state == .skipped && skipped.sourcePath == path && skipped.attempts == 1)
        #expect(skipped.lastError == "\(path): the source disappeared before it was enhanced")
        #expect(h.inboxFiles() == [], "no output, sidecar or temporary file")
        #expect(h.isRunning)
        h.signal(SIGTERM)
        #expect(h.waitForExit(timeout: 30) == 0)
    }
}
