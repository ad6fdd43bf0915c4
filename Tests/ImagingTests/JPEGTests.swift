/// JPEG: lossy round trips stay close, files from another encoder
/// (baseline, progressive, grayscale, Adobe CMYK) decode to the colours they
/// hold, and what JPEG cannot store is refused rather than silently changed.
import Foundation
import Testing
import Imaging

@Suite("JPEG")
struct JPEGTests {
    @Test("RGB and gray round trips stay within a small error", arguments: [1, 3])
    func roundTrip(channels: Int) throws {
        let scratch = try ScratchDirectory()
        let info = ImageInfo(width: 40, height: 30, channels: channels, bitDepth: 8, format: .jpeg)
        let samples = Synthetic.smooth8(width: 40, height: 30, channels: channels)
        let writer = try ImageWriter(path: scratch.file("out.jpg"), info: info, quality: 95)
        for y in stride(from: 0, to: 30, by: 8) {
            let rows = min(8, 30 - y)
            try writer.writeRows(Array(samples[(y * info.samplesPerRow)..<((y + rows) * info.samplesPerRow)]))
        }
        try writer.finish()

        let (readInfo, decoded) = try readAll8(scratch.file("out.jpg"), band: 7)
        #expect(readInfo == info)
        #expect(meanAbsoluteDifference(decoded, samples) < 2.0)
    }

    /// The four quadrants of the 16×16 fixtures, each within JPEG's error.
    private func expectQuadrants(_ samples: [UInt8], channels: Int, _ colours: [[Int]], tolerance: Int = 6) {
        for (index, colour) in colours.enumerated() {
            let x = 4 + (index % 2) * 8, y = 4 + (index / 2) * 8
            let start = (y * 16 + x) * channels
            let pixel = samples[start..<(start + channels)].map(Int.init)
            #expect(zip(pixel, colour).allSatisfy { abs($0 - $1) <= tolerance }, "quadrant \(index): \(pixel) vs \(colour)")
        }
    }

    @Test("a baseline file from another encoder decodes to its colours")
    func baseline() throws {
        let (info, samples) = try readAll8(Fixture.path("baseline.jpg"))
        #expect(info == ImageInfo(width: 16, height: 16, channels: 3, bitDepth: 8, format: .jpeg, isInterlaced: false))
        expectQuadrants(samples, channels: 3, [[200, 30, 30], [30, 200, 30], [30, 30, 200], [240, 240, 240]])
    }

    @Test("a progressive file decodes the same way and says it is progressive")
    func progressive() throws {
        let (info, samples) = try readAll8(Fixture.path("progressive.jpg"), band: 5)
        #expect(info.isInterlaced)
        #expect(info.channels == 3)
        expectQuadrants(samples, channels: 3, [[200, 30, 30], [30, 200, 30], [30, 30, 200], [240, 240, 240]])
    }

    @Test("a grayscale file gives one channel")
    func grayscale() throws {
        let (info, samples) = try readAll8(Fixture.path("gray.jpg"))
        #expect(info.channels == 1)
        expectQuadrants(samples, channels: 1, [[20], [90], [160], [230]])
    }

    @Test("Adobe CMYK is converted to RGB: full cyan ink shows as cyan")
    func cmyk() throws {
        let (info, samples) = try readAll8(Fixture.path("cmyk.jpg"))
        #expect(info.channels == 3)
        let pixel = Array(samples[(4 * 8 + 4) * 3..<(4 * 8 + 4) * 3 + 3]).map(Int.init)
        #expect(pixel[0] < 8 && pixel[1] > 247 && pixel[2] > 247, "\(pixel)")
    }

    @Test("a JPEG named .png still decodes as JPEG")
    func misnamedJPEG() throws {
        let scratch = try ScratchDirectory()
        let path = try scratch.write(try Fixture.bytes("baseline.jpg"), to: "actually-jpeg.png")
        #expect(try ImageReader(path: path).info.format == .jpeg)
    }

    @Test("alpha is refused, not dropped, and no file is left", arguments: [2, 4])
    func alphaRefused(channels: Int) throws {
        let scratch = try ScratchDirectory()
        let path = scratch.file("alpha.jpg")
        let error = expectFailure(.unsupportedFormat, naming: path) {
            _ = try ImageWriter(path: path, info: ImageInfo(width: 4, height: 4, channels: channels, bitDepth: 8, format: .jpeg))
        }
        #expect(error?.detail.contains("alpha") == true)
        #expect(try scratch.contents().isEmpty)
    }

    @Test("16-bit samples are refused for JPEG")
    func sixteenBitRefused() throws {
        let scratch = try ScratchDirectory()
        let path = scratch.file("deep.jpg")
        expectFailure(.unsupportedFormat, naming: path) {
            _ = try ImageWriter(path: path, info: ImageInfo(width: 4, height: 4, channels: 3, bitDepth: 16, format: .jpeg))
        }
        #expect(try scratch.contents().isEmpty)
    }

    @Test("quality outside 1…100 is a caller error")
    func badQuality() throws {
        let scratch = try ScratchDirectory()
        let path = scratch.file("q.jpg")
        expectFailure(.invalidArgument, naming: path) {
            _ = try ImageWriter(path: path, info: ImageInfo(width: 4, height: 4, channels: 3, bitDepth: 8, format: .jpeg), quality: 0)
        }
        #expect(try scratch.contents().isEmpty)
    }

    @Test("higher quality gives a larger, closer file")
    func qualityMatters() throws {
        let scratch = try ScratchDirectory()
        let info = ImageInfo(width: 64, height: 64, channels: 3, bitDepth: 8, format: .jpeg)
        let samples = Synthetic.samples8(width: 64, height: 64, channels: 3)
        let low = try Synthetic.encoded(info, samples: samples, quality: 20, in: scratch)
        let high = try Synthetic.encoded(info, samples: samples, quality: 98, in: scratch)
        #expect(high.count > low.count)
    }
}
