/// The daemon's path: open the source securely, decode from that descriptor, write the output
/// and its sidecar as one paired commit. The result must be the path-based upscale's, byte for byte.
import Foundation
import Testing
import Imaging
import SRGAN
import Storage
import TestSupport
import Upscaling

@Suite("Upscaling from an open descriptor into a paired commit", .serialized)
final class DescriptorUpscaleTests {
    let generator: Generator
    let directory: URL

    init() throws {
        generator = try Generator(contentsOf: TestEnvironment.model("srgan-gan.safetensors"), threads: 2)
        directory = try TestEnvironment.temporaryDirectory("descriptor-upscale")
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func pixels(_ path: String) throws -> [UInt8] {
        let reader = try ImageReader(path: path)
        var samples: [UInt8] = []
        try reader.readRows(count: reader.info.height, into: &samples)
        return samples
    }

    @Test("secure open → descriptor reader → paired commit gives the path-based output and its sidecar")
    func sameAsPath() throws {
        let info = ImageInfo(width: 12, height: 10, channels: 3, bitDepth: 8, format: .png)
        let writer = try ImageWriter(path: path("photo.png"), info: info)
        try writer.writeRows((0..<(info.samplesPerRow * info.height)).map { UInt8(truncatingIfNeeded: $0 * 13) })
        try writer.finish()

        _ = try ImageUpscaler.upscale(path("photo.png"), to: path("by-path.png"), generator: generator)

        let source = try SecureFile.open(relativePath: "photo.png", under: directory.path)
        let reader = try UprightReader(descriptor: source.descriptor, path: source.path)
        let pair = try PairedCommit(output: path("by-fd.png"), sidecar: path("by-fd.png.xmp"), mode: source.mode)
        let result = try ImageUpscaler.upscale(reader, into: pair.output, generator: generator)
        #expect(!FileManager.default.fileExists(atPath: path("by-fd.png")), "not before the commit")
        try pair.sidecar.write(Array("<x:xmpmeta/>".utf8))
        try pair.commit()

        #expect(result.output.width == 48 && result.output.height == 40)
        #expect(try pixels(path("by-fd.png")) == pixels(path("by-path.png")))
        #expect(FileManager.default.fileExists(atPath: path("by-fd.png.xmp")))
    }

    @Test("a failed upscale into a paired commit leaves neither file")
    func failureLeavesNothing() throws {
        let bad = path("text.png")
        try Data("not a photo".utf8).write(to: URL(fileURLWithPath: bad))
        let source = try SecureFile.open(path: bad, under: directory.path)
        #expect(throws: ImageError.self) {
            let pair = try PairedCommit(output: self.path("out.png"), sidecar: self.path("out.png.xmp"))
            let reader = try UprightReader(descriptor: source.descriptor, path: source.path)
            _ = try ImageUpscaler.upscale(reader, into: pair.output, generator: self.generator)
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(!left.contains { $0.hasPrefix("out.png") || TemporaryName.isTemporary($0) })
    }
}
