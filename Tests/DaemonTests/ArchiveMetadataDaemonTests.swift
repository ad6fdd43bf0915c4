/// Issue 9 through the daemon, read back with the real exiftool: each output and its sidecar
/// say everything the digiKam-tagged source said, describe the new size, and record the
/// conversion once; a packet that cannot be parsed is carried as it is, and the job says so.
import Foundation
import Imaging
import JobQueue
import Testing
import TestSupport

@Suite("Archive metadata through the daemon", .serialized)
struct ArchiveMetadataDaemonTests {
    @Test("a digiKam-tagged JPEG, PNG, TIFF and WebP: output and sidecar keep all their metadata, sizes updated, one converted event")
    func carried() throws {
        let h = try DaemonHarness("archive-metadata")
        try h.start()
        // Tagged outside the inbox, then copied in whole, as a person's file arrives.
        let staging = h.directory.appendingPathComponent("staging")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        var sources: [String] = []
        for name in ["tagged.jpg", "tagged.png", "tagged.tif", "tagged.webp"] {
            let tagged = try ExifTool.digiKamPhoto(name, in: staging)
            sources.append(try h.drop(name, Array(try Data(contentsOf: URL(fileURLWithPath: tagged)))))
        }
        #expect(h.waitFor([.done: 4], thenSteadyFor: DaemonHarness.grace), "\(h.counts())\n\(h.log)")
        for source in sources {
            let ext = (source as NSString).pathExtension
            let output = h.inbox + "/tagged.x4." + ext, sidecar = output + ".xmp"
            let before = try ExifTool.tags(source)
            for (file, isSidecar) in [(output, false), (sidecar, true)] {
                let wrong = ArchiveMetadata.discrepancies(source: before, output: try ExifTool.tags(file), isSidecar: isSidecar,
                                                          sourcePath: source, imageHoldsIPTC: ext == "jpg" || ext == "tif")
                #expect(wrong.isEmpty, "\(file):\n\(wrong.joined(separator: "\n"))")
                let introduced = try ExifTool.validationWarnings(file).subtracting(try ExifTool.validationWarnings(source))
                #expect(introduced.isEmpty, "exiftool -validate \(file): \(introduced.sorted())")
            }
            let embedded = try ImageReader(path: output).metadata.xmp
            #expect(embedded == Array(try Data(contentsOf: URL(fileURLWithPath: sidecar))), "the sidecar is the image's packet")
        }
        #expect(!h.log.contains("warning"), "\(h.log)")
        h.signal(SIGTERM)
        #expect(h.waitForExit(timeout: 30) == 0)
    }

    @Test("an XMP packet that does not parse is carried byte for byte, the provenance is in the sidecar, and the job shows the warning")
    func unparsable() throws {
        let h = try DaemonHarness("archive-broken-xmp")
        try h.start()
        let broken = Array(#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><dc:subject>cat</rdf:RDF>"#.utf8)
        let staged = h.directory.appendingPathComponent("broken.png").path
        let writer = try ImageWriter(path: staged, info: ImageInfo(width: 8, height: 8, channels: 3, bitDepth: 8, format: .png),
                                     metadata: ImageMetadata(xmp: broken))
        try writer.writeRows([UInt8](repeating: 90, count: 8 * 8 * 3))
        try writer.finish()
        let source = try h.drop("broken.png", Array(try Data(contentsOf: URL(fileURLWithPath: staged))))
        #expect(h.waitFor([.done: 1], thenSteadyFor: DaemonHarness.grace), "\(h.counts())\n\(h.log)")
        let output = h.inbox + "/broken.x4.png"
        #expect(try ImageReader(path: output).metadata.xmp == broken)
        let sidecar = try ExifTool.tags(output + ".xmp")
        #expect((sidecar["XMP-xmpMM:DerivedFrom"] as? [String: Any])?["FilePath"] as? String == source)
        let job = try #require(try h.queue().jobs().first)
        let warning = "\(source): its XMP packet does not parse ("
        #expect(job.warnings?.hasPrefix(warning) == true, "\(job.warnings ?? "none")")
        // Wide enough that the warning stays on one line (show wraps to the terminal).
        let show = try runCommand(try TestEnvironment.binary("enhance-ctl"), ["show", "\(job.id)", "--config", h.configPath],
                                  environment: ["COLUMNS": "1000"])
        #expect(show.stdout.split(separator: "\n").filter { $0.hasPrefix("warning      \(warning)") }.count == 1, "\(show.stdout)")
        #expect(h.log.components(separatedBy: warning).count == 2, "logged once:\n\(h.log)")
        h.signal(SIGTERM)
        #expect(h.waitForExit(timeout: 30) == 0)
    }
}
