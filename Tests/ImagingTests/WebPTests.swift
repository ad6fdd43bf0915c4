/// WebP through libwebp: lossless is exact, lossy is close at the quality asked, alpha and the
/// ICCP/EXIF/XMP chunks survive, files cwebp writes are read, and what WebP cannot hold (16-bit
/// samples, more than 16383 pixels a side, animation) is refused before any pixel is encoded.
import Foundation
import Testing
import Imaging

@Suite("WebP")
struct WebPTests {
    func write(_ samples: [UInt8], width: Int, height: Int, channels: Int, lossless: Bool, quality: Int = 92,
               to path: String, metadata: ImageMetadata = ImageMetadata()) throws {
        let info = ImageInfo(width: width, height: height, channels: channels, bitDepth: 8, format: .webp,
                             isLossless: lossless)
        let writer = try ImageWriter(path: path, info: info, quality: quality, metadata: metadata)
        try writer.writeRows(samples)
        try writer.finish()
    }

    @Test("lossless WebP is exact for RGB and RGBA, and says it is lossless", arguments: [3, 4])
    func lossless(channels: Int) throws {
        let scratch = try ScratchDirectory()
        let path = scratch.file("exact.webp")
        var samples = Synthetic.samples8(width: 23, height: 17, channels: channels)
        if channels == 4 { for i in stride(from: 3, to: samples.count, by: 8) { samples[i] = 0 } }  // transparent pixels keep their colour
        try write(samples, width: 23, height: 17, channels: channels, lossless: true, to: path)
        let (info, back) = try readAll8(path, band: 4)
        #expect(info == ImageInfo(width: 23, height: 17, channels: channels, bitDepth: 8, format: .webp, isLossless: true))
        #expect(back == samples)
    }

    @Test("gray is stored as RGB, WebP having no gray: the same values in all three channels", arguments: [1, 2])
    func gray(channels: Int) throws {
        let scratch = try ScratchDirectory()
        let path = scratch.file("gray.webp")
        let samples = Synthetic.samples8(width: 8, height: 5, channels: channels)
        try write(samples, width: 8, height: 5, channels: channels, lossless: true, to: path)
        let (info, back) = try readAll8(path)
        #expect(info.channels == channels + 2)
        let expected = stride(from: 0, to: samples.count, by: channels).flatMap { i -> [UInt8] in
            let g = samples[i]
            return channels == 2 ? [g, g, g, samples[i + 1]] : [g, g, g]
        }
        #expect(back == expected)
    }

    @Test("lossy WebP is close to the original, smaller at a lower quality, and not marked lossless")
    func lossy() throws {
        let scratch = try ScratchDirectory()
        let samples = Synthetic.smooth8(width: 64, height: 48, channels: 3)
        var sizes: [Int] = []
        for quality in [40, 95] {
            let path = scratch.file("q\(quality).webp")
            try write(samples, width: 64, height: 48, channels: 3, lossless: false, quality: quality, to: path)
            let (info, back) = try readAll8(path)
            #expect(!info.isLossless && info.channels == 3)
            #expect(meanAbsoluteDifference(back, samples) < (quality == 95 ? 2.5 : 6))
            sizes.append(try scratch.bytes("q\(quality).webp").count)
        }
        #expect(sizes[0] < sizes[1], "\(sizes)")
    }

    @Test("the ICC profile, EXIF and XMP become ICCP, EXIF and XMP chunks and read back byte for byte")
    func metadata() throws {
        let scratch = try ScratchDirectory()
        let path = scratch.file("meta.webp")
        let exif = try #require(try ImageReader(path: Fixture.path("camera-p3.jpg")).metadata.exif)
        let profile = try Fixture.bytes("display-p3.icc")
        let metadata = ImageMetadata(exif: exif, xmp: Synthetic.xmp, iccProfile: profile)
        try write(Synthetic.samples8(width: 4, height: 4, channels: 4), width: 4, height: 4, channels: 4,
                  lossless: false, to: path, metadata: metadata)
        let back = try ImageReader(path: path).metadata
        #expect(back.exif == exif && back.xmp == Synthetic.xmp && back.iccProfile == profile)
        if ExternalTool.exists("exiftool") {
            let seen = try ExternalTool.run("exiftool", ["-s", "-DateTimeOriginal", "-GPSLatitude", "-ProfileDescription", path]).output
            #expect(seen.contains("2009:07:14 16:20:05") && seen.contains("GPSLatitude") && seen.contains("P3"), "\(seen)")
        }
    }

    @Test("files cwebp writes are read: lossy, lossless, with alpha", .enabled(if: ExternalTool.exists("cwebp")),
          arguments: [["-q", "80"], ["-lossless"], ["-q", "70", "-alpha_q", "100"]])
    func foreign(options: [String]) throws {
        let scratch = try ScratchDirectory()
        let png = scratch.file("in.png"), webp = scratch.file("out.webp")
        let channels = options.contains("-alpha_q") ? 4 : 3
        let samples = Synthetic.smooth8(width: 30, height: 20, channels: channels)
        let writer = try ImageWriter(path: png, info: ImageInfo(width: 30, height: 20, channels: channels, bitDepth: 8, format: .png))
        try writer.writeRows(samples)
        try writer.finish()
        let result = try ExternalTool.run("cwebp", ["-quiet"] + options + [png, "-o", webp])
        try #require(result.status == 0, "\(result.errors)")
        let (info, back) = try readAll8(webp)
        #expect(info.channels == channels && info.isLossless == options.contains("-lossless"))
        if info.isLossless { #expect(back == samples) } else { #expect(meanAbsoluteDifference(back, samples) < 4) }
    }

    @Test("an animated WebP is refused as such", .enabled(if: ExternalTool.exists("img2webp")))
    func animated() throws {
        let scratch = try ScratchDirectory()
        var frames: [String] = []
        for i in 0..<2 {
            let file = scratch.file("frame\(i).png")
            let writer = try ImageWriter(path: file, info: ImageInfo(width: 8, height: 8, channels: 3, bitDepth: 8, format: .png))
            try writer.writeRows([UInt8](repeating: UInt8(60 * i), count: 8 * 8 * 3))
            try writer.finish()
            frames.append(file)
        }
        let path = scratch.file("anim.webp")
        try #require(try ExternalTool.run("img2webp", ["-loop", "0"] + frames + ["-o", path]).status == 0)
        let error = expectFailure(.unsupportedFormat, naming: path) { _ = try ImageReader(path: path) }
        #expect(error?.detail.contains("animated WebP (2 frames)") == true, "\(String(describing: error))")
    }

    @Test("16-bit samples and sides over 16383 are refused when the writer is made, with nothing left behind")
    func limits() throws {
        let scratch = try ScratchDirectory()
        let deep = scratch.file("deep.webp"), wide = scratch.file("wide.webp")
        var error = expectFailure(.unsupportedFormat, naming: deep) {
            _ = try ImageWriter(path: deep, info: ImageInfo(width: 4, height: 4, channels: 3, bitDepth: 16, format: .webp))
        }
        #expect(error?.detail.contains("8-bit") == true)
        error = expectFailure(.unsupportedFormat, naming: wide) {
            _ = try ImageWriter(path: wide, info: ImageInfo(width: 16384, height: 4, channels: 3, bitDepth: 8, format: .webp))
        }
        #expect(error?.detail.contains("at most 16383 per side") == true, "\(String(describing: error))")
        #expect(try scratch.contents().isEmpty)
    }
}
