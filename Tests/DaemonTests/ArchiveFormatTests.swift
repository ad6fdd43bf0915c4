/// The daemon on an archive's formats: TIFF and WebP dropped in (or enqueued) are enhanced in
/// their own format, a broken TIFF fails with one reason while the daemon carries on, and a
/// file of a type it does not read is said once in the log, at info, with the reason.
import Foundation
import Testing
import Imaging
import JobQueue
import TestSupport

@Suite("enhanced on TIFF and WebP", .serialized)
struct ArchiveFormatTests {
    @Test("a .tif, a .tiff and a .webp in the inbox are enhanced as TIFF and WebP; a broken .tif fails alone; a .txt is said once")
    func archiveFormats() throws {
        let h = try DaemonHarness("archive")
        try h.start()
        try h.drop("scan.tif", try DaemonHarness.photo(0, format: .tiff))
        try h.drop("print.tiff", try DaemonHarness.photo(1, format: .tiff))
        try h.drop("web.webp", try DaemonHarness.photo(2, format: .webp))
        let good = try DaemonHarness.photo(3, format: .tiff)
        try h.drop("broken.tif", Array(good.prefix(good.count / 2)))
        try h.drop("notes.txt", Array("not a photo".utf8))
        try h.drop("notes.txt", Array("still not a photo".utf8))
        #expect(h.waitFor([.done: 3, .failed: 1], thenSteadyFor: DaemonHarness.grace), "\(h.counts())\n\(h.log)")
        for (output, format) in [("scan.x4.tif", ImageFormat.tiff), ("print.x4.tiff", .tiff), ("web.x4.webp", .webp)] {
            let info = try ImageReader(path: h.inbox + "/" + output).info
            #expect(info.format == format && (info.width, info.height) == (64, 64), "\(output): \(info)")
            #expect(FileManager.default.fileExists(atPath: h.inbox + "/" + output + ".xmp"))
        }
        let failed = try h.queue().jobs(state: .failed)
        #expect(failed.count == 1)
        #expect(failed.first?.lastError?.hasPrefix(h.inbox + "/broken.tif: truncated image") == true, "\(failed)")
        #expect(!FileManager.default.fileExists(atPath: h.inbox + "/broken.x4.tif"))
        #expect(h.isRunning)

        let said = h.log.split(separator: "\n").filter { $0.contains("notes.txt") }
        #expect(said.count == 1, "\(said)")
        #expect(said.first?.contains("skipped: not a supported image type") == true && said.first?.contains(" INFO ") == true,
                "\(said)")

        // enqueue of a TIFF outside the inbox works too (it once failed over the output name).
        let elsewhere = h.directory.appendingPathComponent("elsewhere.tif").path
        try Data(try DaemonHarness.photo(4, format: .tiff)).write(to: URL(fileURLWithPath: elsewhere))
        let enqueued = try h.ctl(["enqueue", elsewhere])
        #expect(enqueued.status == 0 && enqueued.stdout.contains("queued"), "\(enqueued.stdout)\(enqueued.stderr)")
        #expect(h.waitFor([.done: 4, .failed: 1]), "\(h.counts())\n\(h.log)")
        #expect(try ImageReader(path: h.directory.appendingPathComponent("elsewhere.x4.tif").path).info.format == .tiff)
        h.signal(SIGTERM)
        #expect(h.waitForExit(timeout: 30) == 0)
    }
}
