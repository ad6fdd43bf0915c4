/// JPEG re-compression in memory is libjpeg's own JPEG: the file it makes reads back (from
/// its own quantization tables, by Imaging's `JPEGQuality`) at the quality drawn, decodes the
/// same from disk as in memory, and shows 8×8 blocking at low quality.
import Foundation
import Testing
import Degradation
import Imaging

@Suite("JPEG in memory")
struct JPEGCompressionTests {
    func bytes(_ image: RGBImage) -> [UInt8] { image.pixels.map { UInt8($0) } }

    @Test("a photo compressed in memory at 30, 40, 75 or 95 carries exactly IJG's tables for that quality",
          arguments: [30, 40, 75, 95])
    func qualityRoundTrip(quality: Int) throws {
        let photo = try Photo.coffee()
        let file = try InMemoryJPEG.encode(bytes(photo), width: photo.width, height: photo.height, channels: 3, quality: quality)
        let decoded = try InMemoryJPEG.decode(file)
        let measured = try #require(decoded.quality)
        #expect(measured.quality == quality && measured.largestDeviation == 0)
        #expect(decoded.width == 400 && decoded.height == 300 && decoded.channels == 3)
    }

    @Test("the in-memory file is a JPEG like any other: read from disk by the product's reader, same pixels and quality")
    func sameAsOnDisk() throws {
        let photo = try Photo.coffee()
        let file = try InMemoryJPEG.encode(bytes(photo), width: photo.width, height: photo.height, channels: 3, quality: 55)
        let path = NSTemporaryDirectory() + "degradation-\(UUID().uuidString).jpg"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(file).write(to: URL(fileURLWithPath: path))
        let reader = try ImageReader(path: path)
        #expect(reader.jpegQuality == 55)
        let fromDisk = try PixelBuffer.load(path: path)
        guard case .uint8(let samples) = fromDisk.samples else { Issue.record("not 8-bit"); return }
        #expect(samples == (try InMemoryJPEG.decode(file)).samples)
    }

    @Test("JPEGCompression keeps the size, changes the pixels, and at q 30 loses more than at q 90")
    func degrades() throws {
        let photo = try Photo.coffee().cropped(width: 96, height: 96, x: 100, y: 80)
        func error(_ q: Int) throws -> Double {
            let out = try JPEGCompression.apply(photo, quality: q)
            #expect(out.width == 96 && out.height == 96)
            return zip(out.pixels, photo.pixels).reduce(0) { $0 + Double(abs($1.0 - $1.1)) } / Double(photo.pixels.count)
        }
        let (low, high) = (try error(30), try error(90))
        #expect(high > 0 && low > 2 * high)
    }

    @Test("a damaged in-memory JPEG is one clear error naming it and the cause")
    func damaged() throws {
        let photo = Photo.flat(90, width: 32, height: 32)
        let file = try InMemoryJPEG.encode(bytes(photo), width: 32, height: 32, channels: 3, quality: 50)
        #expect {
            try InMemoryJPEG.decode(Array(file.prefix(file.count / 2)))
        } throws: { error in
            "\(error)" == "(JPEG in memory): truncated image: libjpeg: Premature end of JPEG file"
        }
    }
}
