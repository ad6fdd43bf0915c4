/// HEIC and AVIF input through libheif, which decodes both on Debian 12 (libde265 for HEVC,
/// dav1d/libaom for AV1): files heif-enc writes are read at their size, close to the picture,
/// and HEIF is refused as an output.
import Foundation
import Testing
import Imaging

@Suite("HEIC and AVIF")
struct HEIFTests {
    @Test("heif-enc's HEIC and AVIF read back at their size and close to the picture",
          .enabled(if: ExternalTool.exists("heif-enc")), arguments: ["heic", "avif"])
    func decodes(container: String) throws {
        let scratch = try ScratchDirectory()
        let png = scratch.file("in.png"), heif = scratch.file("photo.\(container)")
        let samples = Synthetic.smooth8(width: 64, height: 48, channels: 3)
        let writer = try ImageWriter(path: png, info: ImageInfo(width: 64, height: 48, channels: 3, bitDepth: 8, format: .png))
        try writer.writeRows(samples)
        try writer.finish()
        let result = try ExternalTool.run("heif-enc", ["-q", "90"] + (container == "avif" ? ["-A"] : []) + [png, "-o", heif])
        try #require(result.status == 0, "\(result.errors)")
        let (info, back) = try readAll8(heif, band: 10)
        #expect(info.format == .heif && info.width == 64 && info.height == 48 && info.channels == 3 && !info.isLossless)
        #expect(meanAbsoluteDifference(back, samples) < 6)
    }

    @Test("HEIF is read only: a writer for it is refused, naming the formats that can be written")
    func notWritten() throws {
        let scratch = try ScratchDirectory()
        let path = scratch.file("out.heic")
        let error = expectFailure(.unsupportedFormat, naming: path) {
            _ = try ImageWriter(path: path, info: ImageInfo(width: 4, height: 4, channels: 3, bitDepth: 8, format: .heif))
        }
        #expect(error?.detail.contains(".webp") == true)
        #expect(try scratch.contents().isEmpty)
    }
}
