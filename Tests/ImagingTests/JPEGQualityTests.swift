/// The quality a JPEG was saved at, read back from its quantization tables (issue 14, "know the
/// input"): exact for files that IJG's libjpeg wrote, nil for tables of an encoder's own.
import Foundation
import Testing
import Imaging
import TestSupport

@Suite("JPEG quality from the file's tables")
struct JPEGQualityTests {
    let scratch: ScratchDirectory
    init() throws { scratch = try ScratchDirectory() }

    /// coffee.jpg (400×300) saved again by our own writer at `quality`.
    func saved(at quality: Int, channels: Int = 3) throws -> String {
        var photo = try PixelBuffer.load(path: TestEnvironment.fixture("UpscalingTests", "coffee.jpg"))
        if channels == 1 {
            var gray: [UInt8] = []
            guard case .uint8(let rgb) = photo.samples else { throw CocoaError(.fileReadCorruptFile) }
            for i in Swift.stride(from: 0, to: rgb.count, by: 3) {
                let r = 299 * Int(rgb[i]), g = 587 * Int(rgb[i + 1]), b = 114 * Int(rgb[i + 2])
                gray.append(UInt8((r + g + b + 500) / 1000))
            }
            photo = PixelBuffer(width: photo.width, height: photo.height, channels: 1, samples: .uint8(gray))
        }
        let path = scratch.file("q\(quality)-\(channels).jpg")
        try photo.save(path: path, quality: quality)
        return path
    }

    @Test("a photo our writer saved at quality 30, 50, 75, 90 or 95 reads back as exactly that quality",
          arguments: [30, 50, 75, 90, 95])
    func ownWriter(quality: Int) throws {
        let reader = try ImageReader(path: try saved(at: quality))
        #expect(reader.jpegQuality == quality)
        #expect(reader.jpegTables?.largestDeviation == 0)
    }

    @Test("a grayscale JPEG (one table, luminance only) reads back its quality too")
    func grayscale() throws {
        #expect(try ImageReader(path: try saved(at: 62, channels: 1)).jpegQuality == 62)
    }

    @Test("IJG's tables for every quality 1…100 invert to that quality and no other")
    func everyQualityInverts() {
        for quality in 1...100 {
            let scale = quality < 50 ? 5000 / quality : 200 - 2 * quality
            let table = { (base: [Int]) in base.map { UInt16(min(max(($0 * scale + 50) / 100, 1), 255)) } }
            let estimate = JPEGQuality(luminance: table(Self.luminance), chrominance: table(Self.chrominance))
            #expect(estimate?.quality == quality && estimate?.isIJGScaled == true, "quality \(quality): \(String(describing: estimate))")
        }
    }

    @Test("a file cjpeg (libjpeg-turbo's own encoder) wrote at quality 40 reads back as 40")
    func cjpegFile() throws {
        let ppm = try ppmOfCoffee()
        let output = scratch.file("cjpeg.jpg")
        let run = try runCommand("/usr/bin/cjpeg", ["-quality", "40", "-outfile", output, ppm])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try ImageReader(path: output).jpegQuality == 40)
    }

    @Test("tables of an encoder's own fit no IJG quality: jpegQuality is nil, the nearest is still told")
    func customTables() throws {
        let ppm = try ppmOfCoffee()
        // A flat table of 12s for both luminance and chrominance: what no IJG quality makes.
        let tables = scratch.file("tables.txt")
        try Array(repeating: String(repeating: "12 ", count: 64), count: 2).joined(separator: "\n")
            .write(toFile: tables, atomically: true, encoding: .utf8)
        let output = scratch.file("custom.jpg")
        let run = try runCommand("/usr/bin/cjpeg", ["-qtables", tables, "-qslots", "0,1,1", "-outfile", output, ppm])
        #expect(run.status == 0, "\(run.stderr)")
        let reader = try ImageReader(path: output)
        #expect(reader.jpegQuality == nil)
        let nearest = try #require(reader.jpegTables)
        #expect(!nearest.isIJGScaled && nearest.largestDeviation > JPEGQuality.tolerance, "\(nearest)")
    }

    @Test("a PNG has no JPEG quality")
    func notJPEG() throws {
        let photo = try PixelBuffer.load(path: TestEnvironment.fixture("UpscalingTests", "coffee.jpg"))
        let path = scratch.file("coffee.png")
        try photo.save(path: path)
        let reader = try ImageReader(path: path)
        #expect(reader.jpegQuality == nil && reader.jpegTables == nil)
    }

    /// cjpeg reads PPM: the fixture photo as a binary P6.
    func ppmOfCoffee() throws -> String {
        let photo = try PixelBuffer.load(path: TestEnvironment.fixture("UpscalingTests", "coffee.jpg"))
        guard case .uint8(let rgb) = photo.samples else { throw CocoaError(.fileReadCorruptFile) }
        let path = scratch.file("coffee.ppm")
        try Data(Array("P6\n\(photo.width) \(photo.height)\n255\n".utf8) + rgb).write(to: URL(fileURLWithPath: path))
        return path
    }

    // Annex K, written out again here so the test does not take the code's word for them.
    static let luminance = [
        16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
        14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
        18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
        49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
    ]
    static let chrominance = [17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99,
                              24, 26, 56, 99, 99, 99, 99, 99, 47, 66] + Array(repeating: 99, count: 38)
}
