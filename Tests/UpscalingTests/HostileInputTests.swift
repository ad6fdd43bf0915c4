/// The daemon upscales file after file in one process: a broken or hostile file must end as a
/// typed error for that file alone, leave no output, and leave the process able to do the next.
import Foundation
import Testing
import Imaging
import Metadata
import SRGAN
import TestSupport
import Upscaling

@Suite("Hostile inputs in one process", .serialized)
final class HostileInputTests {
    let generator: Generator
    let directory: URL

    init() throws {
        generator = try Generator(contentsOf: TestEnvironment.model("srgan-gan.safetensors"), threads: 2)
        directory = try TestEnvironment.temporaryDirectory("hostile-in-process")
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func write(_ bytes: [UInt8], _ name: String) throws -> String {
        try Data(bytes).write(to: URL(fileURLWithPath: path(name)))
        return path(name)
    }

    @Test("a run of bad files, each refused with its own error, then a good one upscales")
    func sequence() throws {
        let good = TestEnvironment.fixture("ImagingTests", "camera-p3.jpg")
        let jpeg = Array(try Data(contentsOf: URL(fileURLWithPath: good)))
        // Entropy-coded data overwritten with runs of 1-bits: never a valid Huffman code.
        var garbled = jpeg
        let sos = try #require((0..<(jpeg.count - 1)).first { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xDA })
        for i in stride(from: sos + 20, to: jpeg.count - 4, by: 2) { garbled[i] = 0xFF; garbled[i + 1] = 0x00 }
        try FileManager.default.createDirectory(atPath: path("album.png"), withIntermediateDirectories: false)
        let bad: [(String, ImageError.Kind)] = [
            (try write([], "empty.jpg"), .empty),
            (try write(Array(jpeg.prefix(jpeg.count * 2 / 3)), "cut.jpg"), .truncated),
            (try write(Array("not a photo".utf8), "text.jpg"), .unsupportedFormat),
            (path("album.png"), .isDirectory),
            (path("missing.png"), .notFound),
            (TestEnvironment.fixture("ImagingTests", "huge-header.png"), .tooLarge),
            (try write(garbled, "garbled.jpg"), .corrupt),
        ]
        for (input, kind) in bad {
            let output = path("out.png")
            let error = #expect(throws: ImageError.self, "\(input)") {
                try ImageUpscaler.upscale(input, to: output, generator: self.generator)
            }
            #expect(error?.kind == kind, "\(input): \(String(describing: error))")
            #expect(error?.path == input)
            #expect(!FileManager.default.fileExists(atPath: output))
        }
        // An inflation bomb in a metadata chunk costs nothing: the chunk is dropped, the photo kept.
        let bomb = try ImageUpscaler.upscale(TestEnvironment.fixture("ImagingTests", "iccp-bomb.png"),
                                             to: path("bomb.x4.png"), generator: generator)
        #expect(bomb.output.width == 32)

        let result = try ImageUpscaler.upscale(good, to: path("good.x4.jpg"), generator: generator)
        #expect((result.output.width, result.output.height) == (36, 48))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    @Test("the provenance is merged into the photo's own XMP, while EXIF and ICC are still carried over")
    func provenanceXMP() throws {
        var options = UpscaleOptions()
        options.provenance = Provenance(sourcePath: "/in/camera.png", sourceSHA256: String(repeating: "ab", count: 32),
                                        softwareAgent: "enhance-ctl test", modelName: "srgan-gan",
                                        modelSHA256: String(repeating: "cd", count: 32), scale: 4, tile: 224, overlap: 48)
        let input = TestEnvironment.fixture("ImagingTests", "camera-adobergb.png")
        let result = try ImageUpscaler.upscale(input, to: path("provenance.png"), generator: generator, options: options)
        let metadata = try ImageReader(path: path("provenance.png")).metadata
        let packet = try XMPPacket(parsing: try #require(metadata.xmp))
        #expect(packet.value(XMPNamespace.name(XMPNamespace.xmpMM, "DocumentID")) == options.provenance?.documentID)
        #expect(metadata.xmp == result.sidecarXMP, "the sidecar is the embedded packet")
        #expect(result.warnings.isEmpty)
        #expect(metadata.orientation == .topLeft && metadata.exif != nil)
        #expect(metadata.iccProfile == (try ImageReader(path: input).metadata.iccProfile))
    }
}
