/// Every input format the issue lists, round-tripped through the real `enhance-ctl upscale`:
/// four times the size, the same channels, the same bit depth (JPEG: 8), stored upright, with the
/// EXIF date and GPS, the XMP packet and the ICC profile carried over. Inputs are tiny (≤ 16×16)
/// so the whole matrix runs in seconds even in a debug build.
import Foundation
import Testing
import Imaging
import TestSupport

@Suite("Format matrix through enhance-ctl upscale", .serialized)
final class FormatMatrixTests {
    let ctl: String
    let directory: URL

    init() throws {
        ctl = try TestEnvironment.binary("enhance-ctl")
        directory = try TestEnvironment.temporaryDirectory("format-matrix")
        _ = try TestEnvironment.model("srgan-gan.safetensors")
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    static func fixture(_ name: String) -> String { TestEnvironment.fixture("ImagingTests", name) }

    func upscale(_ arguments: [String]) throws -> CommandResult {
        try runCommand(ctl, ["upscale"] + arguments, environment: ["ENHANCE_MODEL_DIR": TestEnvironment.modelDirectory])
    }

    /// A 12×9 image written by our own encoder: a colour ramp, so every channel differs.
    func synthetic(_ name: String, channels: Int, bitDepth: Int) throws -> String {
        var image = PixelBuffer(width: 12, height: 9, channels: channels, bitDepth: bitDepth)
        for y in 0..<9 {
            for x in 0..<12 {
                for c in 0..<channels {
                    let alpha = (channels == 2 || channels == 4) && c == channels - 1
                    image[x, y, c] = alpha ? Float(255 - 8 * x) : Float(30 + 15 * x + 20 * y + 25 * c) + 0.25
                }
            }
        }
        let file = path(name)
        try image.save(path: file)
        return file
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        /// A fixture name, or "synthetic:<channels>:<bits>" for one written by our encoder.
        let input: String
        let output: String
        let channels: Int
        let bitDepth: Int
        var testDescription: String { "\(name) → \(output)" }
    }

    static let cases: [Case] = [
        Case(name: "JPEG baseline", input: "baseline.jpg", output: "jpg", channels: 3, bitDepth: 8),
        Case(name: "JPEG progressive", input: "progressive.jpg", output: "png", channels: 3, bitDepth: 8),
        Case(name: "JPEG grayscale", input: "gray.jpg", output: "jpg", channels: 1, bitDepth: 8),
        Case(name: "JPEG CMYK (Adobe, converted to RGB)", input: "cmyk.jpg", output: "png", channels: 3, bitDepth: 8),
        Case(name: "PNG RGB 8-bit", input: "synthetic:3:8", output: "png", channels: 3, bitDepth: 8),
        Case(name: "PNG RGB 16-bit", input: "synthetic:3:16", output: "png", channels: 3, bitDepth: 16),
        Case(name: "PNG RGB 16-bit to JPEG", input: "synthetic:3:16", output: "jpg", channels: 3, bitDepth: 8),
        Case(name: "PNG gray 8-bit", input: "synthetic:1:8", output: "png", channels: 1, bitDepth: 8),
        Case(name: "PNG gray 16-bit (foreign encoder)", input: "gray16.png", output: "png", channels: 1, bitDepth: 16),
        Case(name: "PNG gray 1-bit", input: "gray-1bit.png", output: "png", channels: 1, bitDepth: 8),
        Case(name: "PNG gray + alpha 8-bit", input: "synthetic:2:8", output: "png", channels: 2, bitDepth: 8),
        Case(name: "PNG gray + alpha 16-bit", input: "synthetic:2:16", output: "png", channels: 2, bitDepth: 16),
        Case(name: "PNG RGBA 8-bit", input: "synthetic:4:8", output: "png", channels: 4, bitDepth: 8),
        Case(name: "PNG RGBA 16-bit interlaced", input: "interlaced-rgba16.png", output: "png", channels: 4, bitDepth: 16),
        Case(name: "PNG RGB interlaced", input: "interlaced-rgb8.png", output: "png", channels: 3, bitDepth: 8),
        Case(name: "PNG palette", input: "palette-2bit.png", output: "png", channels: 3, bitDepth: 8),
        Case(name: "PNG palette + tRNS", input: "palette-trns.png", output: "png", channels: 4, bitDepth: 8),
        Case(name: "PNG RGB + tRNS", input: "rgb-trns.png", output: "png", channels: 4, bitDepth: 8),
    ]

    @Test("each format comes out 4× larger with its channels and bit depth", arguments: cases)
    func roundTrip(_ c: Case) throws {
        let input: String
        if c.input.hasPrefix("synthetic:") {
            let parts = c.input.split(separator: ":").compactMap { Int($0) }
            input = try synthetic("in-\(parts[0])-\(parts[1]).png", channels: parts[0], bitDepth: parts[1])
        } else {
            input = Self.fixture(c.input)
        }
        let source = try ImageReader(path: input).info
        let output = path("out.\(c.output)")
        defer { try? FileManager.default.removeItem(atPath: output) }
        let result = try upscale([input, output])
        #expect(result.status == 0, "\(result.stderr)")
        let info = try ImageReader(path: output).info
        #expect(info.format == (c.output == "jpg" ? .jpeg : .png))
        #expect((info.width, info.height) == (4 * source.width, 4 * source.height))
        #expect(info.channels == c.channels)
        #expect(info.bitDepth == c.bitDepth)
    }

    @Test("16-bit output keeps 16-bit precision (not 8-bit values widened)")
    func sixteenBitPrecision() throws {
        let input = try synthetic("fine.png", channels: 3, bitDepth: 16)
        let output = path("fine.x4.png")
        #expect(try upscale([input, output]).status == 0)
        let image = try PixelBuffer.load(path: output)
        guard case .uint16(let values) = image.samples else { Issue.record("not 16-bit"); return }
        #expect(values.contains { $0 % 257 != 0 }, "some samples fall between the 8-bit levels")
    }

    struct Camera: Sendable, CustomTestStringConvertible {
        let input: String
        let output: String
        let profile: String
        var testDescription: String { "\(input) → \(output)" }
    }

    static let cameras = [
        Camera(input: "camera-p3.jpg", output: "jpg", profile: "display-p3.icc"),
        Camera(input: "camera-p3.jpg", output: "png", profile: "display-p3.icc"),
        Camera(input: "camera-adobergb.png", output: "png", profile: "adobe-rgb.icc"),
        Camera(input: "camera-adobergb.png", output: "jpg", profile: "adobe-rgb.icc"),
    ]

    @Test("a camera photo comes out upright with its date, GPS, XMP and exact ICC profile", arguments: cameras)
    func metadata(_ camera: Camera) throws {
        let input = Self.fixture(camera.input)
        let original = try ImageReader(path: input).metadata
        let before = try ExifBlock(try #require(original.exif))
        let output = path("camera.\(camera.output)")
        defer { try? FileManager.default.removeItem(atPath: output) }
        let result = try upscale([input, output])
        #expect(result.status == 0, "\(result.stderr)")

        let reader = try ImageReader(path: output)
        // Stored 12×9 with orientation 6 or 8: upright it is 9×12, so 36×48 out, orientation 1.
        #expect((reader.info.width, reader.info.height) == (36, 48))
        let after = try ExifBlock(try #require(reader.metadata.exif))
        #expect(after.orientation == .topLeft)
        #expect(reader.metadata.orientation == .topLeft)
        #expect(after.string(ExifBlock.Tag.dateTimeOriginal, in: .exif) == "2009:07:14 16:20:05")
        for tag in [ExifBlock.Tag.gpsLatitude, ExifBlock.Tag.gpsLongitude] {
            #expect(after.rawValue(tag, in: .gps) != nil && after.rawValue(tag, in: .gps) == before.rawValue(tag, in: .gps))
        }
        #expect(after.string(ExifBlock.Tag.model, in: .ifd0) == "Model 12x9")
        #expect(after.integer(ExifBlock.Tag.pixelXDimension, in: .exif) == 36)
        #expect(after.integer(ExifBlock.Tag.pixelYDimension, in: .exif) == 48)
        #expect(!after.hasThumbnailDirectory)

        let xmp = String(decoding: try #require(reader.metadata.xmp), as: UTF8.self)
        #expect(xmp.contains("Grandmother's garden") && xmp.contains(#"tiff:Orientation="1""#))

        // Colours are never converted, so the very same profile must describe them.
        let profile = Array(try Data(contentsOf: URL(fileURLWithPath: Self.fixture(camera.profile))))
        #expect(reader.metadata.iccProfile == profile)
        #expect(original.iccProfile == profile)
    }

    @Test("the upright output shows the photo as its camera meant: red block top right (6), green top left (8)")
    func uprightPixels() throws {
        for (input, x, expected) in [("camera-p3.jpg", 30, [255, 0, 0]), ("camera-adobergb.png", 5, [0, 255, 0])] {
            let output = path("upright-\(input).png")
            #expect(try upscale([Self.fixture(input), output]).status == 0)
            let image = try PixelBuffer.load(path: output)
            let pixel = (0..<3).map { Int(image[x, 5, $0]) }
            #expect(zip(pixel, expected).allSatisfy { abs($0 - $1) < 70 }, "\(input): \(pixel)")
        }
    }

    @Test("--quality sets the JPEG quality: 40 makes a smaller file than 98")
    func quality() throws {
        var sizes: [Int] = []
        for q in [40, 98] {
            let output = path("q\(q).jpg")
            #expect(try upscale([Self.fixture("camera-p3.jpg"), output, "--quality", "\(q)"]).status == 0)
            sizes.append(try FileManager.default.attributesOfItem(atPath: output)[.size] as? Int ?? 0)
        }
        #expect(sizes[0] < sizes[1], "\(sizes)")
    }

    @Test("transparency into a JPEG is flattened (issue 13; JPEGFromAlphaTests has the pixels): an RGB JPEG, no temporary left")
    func alphaToJPEG() throws {
        let input = try synthetic("rgba.png", channels: 4, bitDepth: 8)
        let result = try upscale([input, path("rgba.x4.jpg")])
        #expect(result.status == 0, "\(result.stderr)")
        let reader = try ImageReader(path: path("rgba.x4.jpg"))
        #expect(reader.info.channels == 3 && reader.info.format == .jpeg)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["rgba.png", "rgba.x4.jpg"])
    }
}
