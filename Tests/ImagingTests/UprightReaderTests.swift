/// Photos come out of `UprightReader` as they are meant to be seen, whatever EXIF orientation
/// the camera recorded.
import Foundation
import Testing
import Imaging

@Suite("Upright reading")
struct UprightReaderTests {
    static let red: [UInt8] = [255, 0, 0], green: [UInt8] = [0, 255, 0], gray: [UInt8] = [128, 128, 128]

    /// Where the EXIF specification puts the upright top-left and top-right corners in the stored
    /// image ("0th row is the visual …, 0th column is the visual …"), as (right?, bottom?).
    static let corners: [ExifOrientation: (topLeft: (Bool, Bool), topRight: (Bool, Bool))] = [
        .topLeft: ((false, false), (true, false)),
        .topRight: ((true, false), (false, false)),
        .bottomRight: ((true, true), (false, true)),
        .bottomLeft: ((false, true), (true, true)),
        .leftTop: ((false, false), (false, true)),
        .rightTop: ((false, true), (false, false)),
        .rightBottom: ((true, true), (true, false)),
        .leftBottom: ((true, false), (true, true)),
    ]

    static func exif(_ orientation: ExifOrientation) -> [UInt8] {
        var bytes = Synthetic.exif
        bytes[19] = UInt8(orientation.rawValue)
        return bytes
    }

    func readAll(_ reader: UprightReader, band: Int) throws -> [Float] {
        var all: [Float] = [], rows: [Float] = []
        while try reader.readRows(count: band, into: &rows) > 0 { all += rows }
        return all
    }

    @Test("each of the 8 orientations is turned upright", arguments: ExifOrientation.allCases,
          [ImageFormat.png, .jpeg])
    func orientations(orientation: ExifOrientation, format: ImageFormat) throws {
        let scratch = try ScratchDirectory()
        let (width, height) = (20, 12)   // JPEG: blocks of 4×4 one colour survive compression
        let (tl, tr) = try #require(Self.corners[orientation])
        var samples: [UInt8] = []
        for y in 0..<height {
            for x in 0..<width {
                let right = x >= width - 4, bottom = y >= height - 4, corner = (x < 4 || right) && (y < 4 || bottom)
                let here = (right, bottom)
                samples += corner && here == tl ? Self.red : corner && here == tr ? Self.green : Self.gray
            }
        }
        var image = PixelBuffer(width: width, height: height, channels: 3, samples: .uint8(samples))
        image.metadata.exif = Self.exif(orientation)
        let path = scratch.file("turned.\(format.preferredPathExtension)")
        try image.save(path: path, quality: 100)

        let reader = try UprightReader(path: path)
        #expect(reader.orientation == orientation)
        let (w, h) = orientation.swapsAxes ? (height, width) : (width, height)
        #expect((reader.info.width, reader.info.height) == (w, h))
        let pixels = try readAll(reader, band: 5)
        #expect(pixels.count == w * h * 3)
        func pixel(_ x: Int, _ y: Int) -> [Int] { (0..<3).map { Int(pixels[(y * w + x) * 3 + $0]) } }
        func near(_ a: [Int], _ b: [UInt8]) -> Bool { zip(a, b).allSatisfy { abs($0 - Int($1)) <= 24 } }
        #expect(near(pixel(1, 1), Self.red), "top-left is \(pixel(1, 1))")
        #expect(near(pixel(w - 2, 1), Self.green), "top-right is \(pixel(w - 2, 1))")
        #expect(near(pixel(1, h - 2), Self.gray) && near(pixel(w - 2, h - 2), Self.gray))
    }

    @Test("16-bit samples keep their fractions when turned")
    func sixteenBit() throws {
        let scratch = try ScratchDirectory()
        let samples = Synthetic.samples16(width: 3, height: 2, channels: 1)
        var image = PixelBuffer(width: 3, height: 2, channels: 1, samples: .uint16(samples))
        image.metadata.exif = Self.exif(.rightTop)
        let path = scratch.file("gray16.png")
        try image.save(path: path)
        let reader = try UprightReader(path: path)
        #expect((reader.info.width, reader.info.height, reader.info.bitDepth) == (2, 3, 16))
        let values = try readAll(reader, band: 1)
        // Upright (x, y) is stored (y, height − 1 − x).
        for y in 0..<3 {
            for x in 0..<2 {
                #expect(values[y * 2 + x] == Float(samples[(1 - x) * 3 + y]) / 257)
            }
        }
    }

    @Test("the camera fixtures stand up: the stored top-left red block lands where the orientation says")
    func cameras() throws {
        let jpeg = try UprightReader(path: Fixture.path("camera-p3.jpg"))   // 6: turn clockwise
        #expect((jpeg.info.width, jpeg.info.height) == (9, 12))
        let a = try readAll(jpeg, band: 4)
        #expect(a[(1 * 9 + 7) * 3] > 200 && a[(1 * 9 + 7) * 3 + 1] < 60, "red at the top right")

        let png = try UprightReader(path: Fixture.path("camera-adobergb.png"))   // 8: counter-clockwise
        #expect((png.info.width, png.info.height) == (9, 12))
        let b = try readAll(png, band: 12)
        #expect(b[(1 * 9 + 1) * 3 + 1] == 255 && b[(1 * 9 + 1) * 3] == 0, "green at the top left")
        #expect(b[(10 * 9 + 1) * 3] == 255, "red at the bottom left")
    }

    @Test("without EXIF, or with unparsable EXIF, rows stream unchanged")
    func unturned() throws {
        let scratch = try ScratchDirectory()
        let samples = Synthetic.samples8(width: 7, height: 5, channels: 3)
        var image = PixelBuffer(width: 7, height: 5, channels: 3, samples: .uint8(samples))
        image.metadata.exif = Array("II*\0garbage".utf8)
        let path = scratch.file("plain.png")
        try image.save(path: path)
        let reader = try UprightReader(path: path)
        #expect(reader.orientation == .topLeft)
        #expect(try readAll(reader, band: 2) == samples.map(Float.init))
    }
}
