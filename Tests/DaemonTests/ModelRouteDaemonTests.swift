/// The right model for each image (issue 14, item 3): with `model.degraded` configured, the
/// daemon sends each job to the primary or the degraded model by what it measured of the
/// input, and the job (`show`, `jobs --json`) and the output's XMP History say which one — the
/// real daemon, real JPEGs, real exiftool.
import Foundation
import Hashing
import JobQueue
import Testing
import TestSupport

@Suite("enhanced: a second model for degraded inputs", .serialized)
struct ModelRouteDaemonTests {
    static func routed(_ label: String, extra: String = "") throws -> DaemonHarness {
        try DaemonHarness(label, settings: """
            [model]
            degraded = "\(try TestEnvironment.model("srgan-pre.safetensors"))"
            degraded_below_quality = 60
            \(extra)
            """)
    }

    @Test("JPEG q30 and q95 copies of one photo: the q30 one is enhanced by the degraded model, the q95 one by the primary, each recorded in show, jobs --json and the output's History")
    func qualityRoutes() throws {
        // Noise out of the way (a 32-px crop's σ says little): quality alone decides here.
        let h = try Self.routed("route-quality", extra: "degraded_above_noise = 100")
        try h.start()
        try h.drop("low.jpg", try DaemonHarness.photo(0, size: 32, format: .jpeg, quality: 30))
        try h.drop("high.jpg", try DaemonHarness.photo(0, size: 32, format: .jpeg, quality: 95))
        #expect(h.waitFor([.done: 2], timeout: 90), "\(h.counts())\n\(h.log)")
        let pre = try TestEnvironment.model("srgan-pre.safetensors")
        let gan = try TestEnvironment.model("srgan-gan.safetensors")
        let preSHA = try SHA256.hexDigest(ofFile: pre), ganSHA = try SHA256.hexDigest(ofFile: gan)

        let listed = try h.ctl(["jobs", "--json"])
        #expect(listed.status == 0, "\(listed.stderr)")
        let all = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        let low = try #require(all.first { ($0["sourcePath"] as? String)?.hasSuffix("low.jpg") == true })
        let high = try #require(all.first { ($0["sourcePath"] as? String)?.hasSuffix("high.jpg") == true })
        #expect(low["jpegQuality"] as? Int == 30 && high["jpegQuality"] as? Int == 95, "\(listed.stdout)")
        #expect(low["modelName"] as? String == "srgan-pre" && low["modelSHA256"] as? String == preSHA, "\(listed.stdout)")
        #expect(high["modelName"] as? String == "srgan-gan" && high["modelSHA256"] as? String == ganSHA, "\(listed.stdout)")
        // Both are keyed by the one route, which names both models.
        let key = try #require(low["modelID"] as? String)
        #expect(key == high["modelID"] as? String && key.contains("degraded=srgan-pre@\(preSHA.prefix(16))"), "\(key)")

        let lowID = try #require(low["id"] as? Int)
        let shown = try h.ctl(["show", "\(lowID)"])
        // `show` wraps to the terminal: the hash may start a line of its own.
        #expect(shown.stdout.contains("enhanced by  srgan-pre (sha256") && shown.stdout.contains(preSHA), "\(shown.stdout)")

        for (output, name, sha) in [("low.x4.jpg", "srgan-pre", preSHA), ("high.x4.jpg", "srgan-gan", ganSHA)] {
            let tags = try ExifTool.tags(h.inbox + "/" + output)
            let history = (tags["XMP-xmpMM:History"] as? [[String: Any]]) ?? []
            let parameters = history.compactMap { $0["Parameters"] as? String }.last ?? ""
            #expect(parameters.hasPrefix("model \(name) (sha256 \(sha));"), "\(output): \(parameters)")
        }
        #expect(h.log.contains("with srgan-pre (JPEG quality 30 < 60)"), "\(h.log)")
        h.signal(SIGTERM)
        #expect(h.waitForExit(timeout: 30) == 0)
    }

    @Test("with a second model, the same q30 content under two names is still enhanced once, by the degraded model; the copy is a duplicate")
    func duplicatesUnderRoute() throws {
        let h = try Self.routed("route-dedup", extra: "degraded_above_noise = 100")
        try h.start()
        let bytes = try DaemonHarness.photo(2, size: 32, format: .jpeg, quality: 30)
        try h.drop("one.jpg", bytes)
        #expect(h.waitFor([.done: 1], timeout: 90), "\(h.counts())\n\(h.log)")
        try h.drop("copy.jpg", bytes)
        #expect(h.waitFor([.done: 1, .skipped: 1], timeout: 60, thenSteadyFor: DaemonHarness.grace), "\(h.counts())\n\(h.log)")
        let jobs = try h.queue().jobs()
        let done = try #require(jobs.first { $0.state == .done })
        let copy = try #require(jobs.first { $0.state == .skipped })
        #expect(done.modelName == "srgan-pre" && copy.duplicateOf == done.id, "\(jobs)")
        h.signal(SIGTERM)
        #expect(h.waitForExit(timeout: 30) == 0)
    }

    @Test("a PNG (no JPEG quality) whose noise σ is above degraded_above_noise goes to the degraded model")
    func noiseRoutes() throws {
        // A threshold of 0 counts any measurable noise: a PNG has no quality to route by.
        let h = try Self.routed("route-noise", extra: "degraded_above_noise = 0.0")
        try h.start()
        try h.drop("grain.png", try DaemonHarness.photo(1, size: 32))
        #expect(h.waitFor([.done: 1], timeout: 90), "\(h.counts())\n\(h.log)")
        let job = try #require(try h.queue().jobs().first)
        #expect((job.noiseSigma ?? 0) > 0 && job.modelName == "srgan-pre", "\(job)")
        h.signal(SIGTERM)
        #expect(h.waitForExit(timeout: 30) == 0)
    }

    @Test("enhanced --check-config loads both models, and names model.degraded when its file is missing")
    func checkConfigLoadsBoth() throws {
        let h = try Self.routed("route-check")
        let enhanced = try TestEnvironment.binary("enhanced")
        let good = try runCommand(enhanced, ["--config", h.configPath, "--check-config"])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.contains("# model srgan-gan loads (sha256 "), "\(good.stdout)")
        #expect(good.stdout.contains("# degraded model srgan-pre loads (sha256 "), "\(good.stdout)")
        #expect(good.stdout.contains("inputs with JPEG quality < 60 or noise σ > 4.0"), "\(good.stdout)")

        let missing = h.directory.appendingPathComponent("gone.safetensors").path
        try h.writeConfiguration(settings: "[model]\ndegraded = \"\(missing)\"")
        let absent = try runCommand(enhanced, ["--config", h.configPath, "--check-config"])
        #expect(absent.status == 2)
        #expect(absent.stderr.hasPrefix("enhanced: \(h.configPath): model.degraded: \(missing): no such model file"), "\(absent.stderr)")
        #expect(absent.stderr.split(separator: "\n").count == 1)
    }
}
