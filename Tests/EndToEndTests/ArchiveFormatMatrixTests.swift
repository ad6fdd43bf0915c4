/// The TIFF and WebP rows of the format matrix through the real `enhance-ctl upscale` (issue 9):
/// every layout an archive holds (`ArchiveFormatRows`) comes out in its own format, four times
/// the size, with its channels, bit depth and alpha, its ICC profile byte for byte, and the same
/// picture as a PNG output of the same source — exactly for lossless outputs, closely for lossy
/// WebP. DaemonFormatMatrixTests holds the daemon to the same rows.
import Foundation
import Testing
import Imaging
import TestSupport

extension ArchiveFormatRow: CustomTestStringConvertible {}

@Suite("TIFF and WebP rows of the format matrix through enhance-ctl upscale", .serialized)
final class ArchiveFormatMatrixTests {
    let ctl: String
    let directory: URL

    init() throws {
        ctl = try TestEnvironment.binary("enhance-ctl")
        directory = try TestEnvironment.temporaryDirectory("archive-matrix")
        _ = try TestEnvironment.model("srgan-gan.safetensors")
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    func upscale(_ input: String, _ output: String) throws -> CommandResult {
        try runCommand(ctl, ["upscale", input, output, "--threads", "1"],
                       environment: ["ENHANCE_MODEL_DIR": TestEnvironment.modelDirectory])
    }

    @Test("each row comes out in its own format, 4× larger, channels, depth, alpha and ICC kept, the same picture",
          arguments: ArchiveFormatRows.rows)
    func row(_ row: ArchiveFormatRow) throws {
        let input = try ArchiveFormatRows.make(row, in: directory.path)
        let source = try ImageReader(path: input)
        #expect(source.metadata.iccProfile == (try ArchiveFormatRows.iccProfile(row)), "the source carries the profile")
        let stem = (row.file as NSString).deletingPathExtension
        let output = directory.path + "/" + stem + ".x4." + row.outputExtension
        let png = directory.path + "/" + stem + ".x4.png"
        for path in [output, png] {
            let result = try upscale(input, path)
            try #require(result.status == 0, "\(result.stderr)")
        }

        let reader = try ImageReader(path: output)
        #expect(reader.info.format == source.info.format)
        #expect((reader.info.width, reader.info.height) == (4 * ArchiveFormatRows.width, 4 * ArchiveFormatRows.height))
        #expect(reader.info.channels == row.channels && reader.info.bitDepth == row.bitDepth, "\(reader.info)")
        if reader.info.format == .webp { #expect(reader.info.isLossless == source.info.isLossless) }
        #expect(reader.metadata.iccProfile == (try ArchiveFormatRows.iccProfile(row)), "ICC bytes identical")

        let picture = try PixelBuffer.load(path: output), reference = try PixelBuffer.load(path: png)
        #expect(picture.channels == reference.channels && picture.bitDepth == reference.bitDepth)
        if row.channels == 2 || row.channels == 4 {
            let alpha = (0..<picture.height).flatMap { y in (0..<picture.width).map { picture[$0, y, row.channels - 1] } }
            #expect(alpha.min()! < 200 && alpha.max()! > 250, "the alpha ramp survives: \(alpha.min()!)…\(alpha.max()!)")
        }
        if reader.info.isLossless {
            #expect(picture.samples == reference.samples, "the same picture as the PNG output")
        } else {
            let a = picture.floatSamples(), b = reference.floatSamples()
            let mean = zip(a, b).reduce(0) { $0 + abs($1.0 - $1.1) } / Float(a.count)
            #expect(mean < 4, "lossy WebP within \(mean) levels of the PNG output on average")
        }
    }
}
