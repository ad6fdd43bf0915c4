/// What the daemon measures of each input (issue 14, "know the input"): the quality a JPEG was
/// saved at and its noise σ reach the job (`show`, `jobs --json`) and the output's History event.
import Foundation
import Testing
import Imaging
import JobQueue
import TestSupport

@Suite("enhanced: input quality and noise", .serialized)
struct InputEstimateDaemonTests {
    @Test("a JPEG saved at quality 40 is a job that shows quality 40 and a noise σ, also in its History event; a PNG has no quality")
    func jpegAtForty() throws {
        let h = try DaemonHarness("input-estimate")
        try h.start()
        try h.drop("cat.jpg", try DaemonHarness.photo(0, size: 32, format: .jpeg, quality: 40))
        try h.drop("dog.png", try DaemonHarness.photo(1, size: 32))
        #expect(h.waitFor([.done: 2], timeout: 60), "\(h.counts())\n\(h.log)")
        let jobs = try h.queue().jobs()
        let jpeg = try #require(jobs.first { $0.sourcePath.hasSuffix("cat.jpg") })
        let png = try #require(jobs.first { $0.sourcePath.hasSuffix("dog.png") })

        let show = try h.ctl(["show", "\(jpeg.id)", "--json"])
        #expect(show.status == 0, "\(show.stderr)")
        let shown = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any])
        #expect(shown["jpegQuality"] as? Int == 40, "\(show.stdout)")
        let sigma = try #require(shown["noiseSigma"] as? Double, "\(show.stdout)")
        #expect(sigma >= 0)

        let listed = try h.ctl(["jobs", "--json"])
        let all = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        let pngShown = try #require(all.first { ($0["sourcePath"] as? String)?.hasSuffix("dog.png") == true })
        #expect(pngShown["jpegQuality"] == nil && pngShown["noiseSigma"] is Double, "\(listed.stdout)")
        #expect(png.jpegQuality == nil && png.noiseSigma != nil)

        let text = try h.ctl(["show", "\(jpeg.id)"])
        #expect(text.stdout.contains("JPEG quality 40 (of the input)"), "\(text.stdout)")

        let tags = try ExifTool.tags(h.inbox + "/cat.x4.jpg")
        let history = (tags["XMP-xmpMM:History"] as? [[String: Any]]) ?? []
        let parameters = history.compactMap { $0["Parameters"] as? String }.last ?? ""
        #expect(parameters.hasSuffix("; input JPEG quality 40; noise σ " + String(format: "%.1f", sigma)), "\(parameters)")
        h.signal(SIGTERM)
        #expect(h.waitForExit(timeout: 30) == 0)
    }
}
