/// The TIFF and WebP rows of the format matrix through the real daemon (issue 9): every row of
/// `ArchiveFormatRows` dropped into one inbox is enhanced in its own format, and each output is
/// the very picture `enhance-ctl upscale` makes of the same file (same size, channels, depth,
/// losslessness and decoded samples) with the source's ICC profile byte for byte.
import Foundation
import Testing
import Imaging
import JobQueue
import TestSupport

@Suite("enhanced on every TIFF and WebP row of the format matrix", .serialized)
struct DaemonFormatMatrixTests {
    @Test("every row is enhanced in its own format, as upscale enhances it, with its ICC profile")
    func everyRow() throws {
        let h = try DaemonHarness("format-matrix")
        let sources = h.directory.appendingPathComponent("sources").path
        try FileManager.default.createDirectory(atPath: sources, withIntermediateDirectories: true)
        var made: [(row: ArchiveFormatRow, path: String)] = []
        for row in ArchiveFormatRows.rows { made.append((row, try ArchiveFormatRows.make(row, in: sources))) }

        try h.start()
        for (row, path) in made {
            try h.drop(row.file, Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        }
        let rows = ArchiveFormatRows.rows.count
        #expect(h.waitFor([.done: rows], timeout: 300), "\(h.counts())\n\(h.log)\n\((try? h.queue().jobs(state: .skipped)) ?? [])")
        h.signal(SIGTERM)
        #expect(h.waitForExit(timeout: 30) == 0)

        for (row, path) in made {
            let stem = (row.file as NSString).deletingPathExtension
            let name = stem + ".x4." + row.outputExtension
            let reference = h.directory.appendingPathComponent("upscale-" + name).path
            // The daemon's model is the installed SRGAN, which upscale takes by default.
            let result = try runCommand(try TestEnvironment.binary("enhance-ctl"), ["upscale", path, reference, "--threads", "1"],
                                        environment: ["ENHANCE_MODEL_DIR": TestEnvironment.modelDirectory])
            try #require(result.status == 0, "\(result.stderr)")

            let daemon = try ImageReader(path: h.inbox + "/" + name), cli = try ImageReader(path: reference)
            #expect(daemon.info == cli.info, "\(row.name): \(daemon.info) against upscale's \(cli.info)")
            #expect(daemon.info.channels == row.channels && daemon.info.bitDepth == row.bitDepth, "\(row.name)")
            #expect(daemon.metadata.iccProfile == (try ArchiveFormatRows.iccProfile(row)), "\(row.name): ICC bytes identical")
            #expect(try PixelBuffer.load(path: h.inbox + "/" + name).samples == (try PixelBuffer.load(path: reference).samples),
                    "\(row.name): the same picture as upscale's")
            #expect(FileManager.default.fileExists(atPath: h.inbox + "/" + name + ".xmp"), "\(row.name): sidecar")
        }
    }
}
