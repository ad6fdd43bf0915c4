/// `[output] scale`, `max_side`, `max_pixels`: the daemon writes its outputs at the configured
/// size, records that size, and keeps such jobs apart from ×4 ones of the same photo.
import Foundation
import Testing
import Imaging
import JobQueue
import TestSupport

@Suite("enhanced: output size", .serialized)
struct OutputSizeDaemonTests {
    @Test("[output] scale = 2: a 16×16 photo becomes 32×32, recorded as such; max_side caps another")
    func configuredScale() throws {
        let h = try DaemonHarness("outsize", settings: "[output]\nscale = 2")
        try h.start()
        try h.drop("cat.png", try DaemonHarness.photo(0))
        #expect(h.waitFor([.done: 1], timeout: 60), "\(h.counts())\n\(h.log)")
        let info = try ImageReader(path: h.inbox + "/cat.x4.png").info
        #expect((info.width, info.height) == (32, 32))
        let job = try #require(try h.queue().jobs().first)
        #expect(job.outputPixels == Int64(32 * 32))
        #expect(job.paramsKey.hasSuffix(" size=2"), "\(job.paramsKey)")
        h.signal(SIGTERM)
        #expect(h.waitForExit(timeout: 30) == 0)

        // The same photo under a cap is other work: queued again, written at the capped size.
        try h.writeConfiguration(settings: "[output]\nmax_side = 40")
        try h.start()
        #expect(h.waitFor([.done: 2], timeout: 60), "\(h.counts())\n\(h.log)")
        let capped = try ImageReader(path: h.inbox + "/cat.x4.png").info
        #expect((capped.width, capped.height) == (40, 40))
        h.signal(SIGTERM)
        #expect(h.waitForExit(timeout: 30) == 0)
    }

    @Test("an output scale outside (1, 4] is a configuration error naming the key")
    func badScale() throws {
        let h = try DaemonHarness("outsize-bad", settings: "[output]\nscale = 6")
        let check = try runCommand(try TestEnvironment.binary("enhanced"), ["--config", h.configPath, "--check-config"])
        #expect(check.status == 2 && check.stderr.contains("output.scale") && check.stderr.contains("at most 4"), "\(check.stderr)")
    }
}
