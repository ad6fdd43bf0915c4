/// Issue 9, through `enhance-ctl upscale` and read back with the real exiftool: an archive's
/// photo keeps its captions, keywords, rating, ids, history, EXIF, GPS, ICC and IPTC, gains one
/// `converted` event, and describes its new size.
import Foundation
import Testing
import Imaging
import TestSupport

@Suite("Archive metadata through upscale", .serialized)
final class ArchiveMetadataTests {
    let ctl: String
    let directory: URL

    init() throws {
        ctl = try TestEnvironment.binary("enhance-ctl")
        directory = try TestEnvironment.temporaryDirectory("archive-metadata")
        _ = try TestEnvironment.model("srgan-gan.safetensors")
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func upscale(_ arguments: [String]) throws -> CommandResult {
        try runCommand(ctl, ["upscale"] + arguments + ["--threads", "1"],
                       environment: ["ENHANCE_MODEL_DIR": TestEnvironment.modelDirectory])
    }

    @Test("a digiKam-tagged photo keeps all its metadata, sizes updated, the source's ids and history plus one converted event",
          arguments: ["tagged.jpg", "tagged.png", "tagged.tif", "tagged.webp"])
    func carried(name: String) throws {
        let source = try ExifTool.digiKamPhoto(name, in: directory)
        let ext = (name as NSString).pathExtension
        let output = path("tagged.x4." + ext)
        let result = try upscale([source, output])
        #expect(result.status == 0 && result.stderr.isEmpty, "\(result.stderr)")
        let wrong = ArchiveMetadata.discrepancies(source: try ExifTool.tags(source), output: try ExifTool.tags(output),
                                                  isSidecar: false, sourcePath: source, imageHoldsIPTC: ext == "jpg" || ext == "tif")
        #expect(wrong.isEmpty, "\(wrong.joined(separator: "\n"))")
        let introduced = try ExifTool.validationWarnings(output).subtracting(try ExifTool.validationWarnings(source))
        #expect(introduced.isEmpty, "exiftool -validate: \(introduced.sorted())")
        // The Photoshop resource exiftool wrote beside the IPTC (its digest) comes along.
        if ext == "jpg" {
            let resources = try #require(try ImageReader(path: source).metadata.photoshopResources)
            #expect(try ImageReader(path: output).metadata.photoshopResources == resources)
            #expect(try ExifTool.tags(output)["Photoshop:IPTCDigest"] as? String != nil)
        }
    }

    @Test("JPEG to PNG: IPTC keywords, caption and headline the PNG cannot hold are in its XMP")
    func iptcIntoXMP() throws {
        let source = path("iptc-only.jpg")
        try FileManager.default.copyItem(atPath: TestEnvironment.fixture("ImagingTests", "baseline.jpg"), toPath: source)
        let tagged = try runCommand(ExifTool.path, ["-overwrite_original", "-q", "-IPTC:Keywords=cat", "-IPTC:Keywords=garden",
                                                    "-IPTC:Caption-Abstract=Tom, our cat", "-IPTC:Headline=Tom",
                                                    "-IPTC:CodedCharacterSet=UTF8", source])
        #expect(tagged.status == 0, "\(tagged.stderr)")
        let output = path("iptc-only.x4.png")
        #expect(try upscale([source, output]).status == 0)
        let tags = try ExifTool.tags(output)
        #expect(ArchiveMetadata.canonical(tags["XMP-dc:Subject"]) == #"["cat","garden"]"#)
        #expect(tags["XMP-dc:Description"] as? String == "Tom, our cat")
        #expect(tags["XMP-photoshop:Headline"] as? String == "Tom")
    }

    @Test("--no-provenance: the source's XMP is carried with its sizes updated, and nothing about the conversion added")
    func noProvenance() throws {
        let source = try ExifTool.digiKamPhoto("plain.png", in: directory)
        let output = path("plain.x4.png")
        #expect(try upscale([source, output, "--no-provenance"]).status == 0)
        let before = try ExifTool.tags(source), after = try ExifTool.tags(output)
        for key in ["XMP-dc:Subject", "XMP-xmpMM:DocumentID", "XMP-xmpMM:InstanceID", "XMP-xmpMM:History"] {
            #expect(ArchiveMetadata.canonical(after[key]) == ArchiveMetadata.canonical(before[key]), "\(key)")
        }
        #expect(after["XMP-tiff:ImageWidth"] as? Int == 96)
        #expect(after["XMP-xmpMM:DerivedFrom"] == nil && after["XMP-xmp:MetadataDate"] == nil)
    }

    @Test("a source XMP packet that does not parse is carried byte for byte, with one warning naming the file")
    func unparsable() throws {
        let broken = Array(#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><dc:subject>cat</rdf:RDF>"#.utf8)
        let source = path("broken-xmp.png")
        let writer = try ImageWriter(path: source, info: ImageInfo(width: 8, height: 8, channels: 3, bitDepth: 8, format: .png),
                                     metadata: ImageMetadata(xmp: broken))
        try writer.writeRows([UInt8](repeating: 90, count: 8 * 8 * 3))
        try writer.finish()
        let output = path("broken-xmp.x4.png")
        let result = try upscale([source, output])
        #expect(result.status == 0)
        #expect(try ImageReader(path: output).metadata.xmp == broken)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("warning: \(source): its XMP packet does not parse ("), "\(result.stderr)")
    }
}
