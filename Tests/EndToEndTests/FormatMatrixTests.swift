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

    /// A 12×9 image written by our own encoder (format by the name's extension): a colour ramp,
    /// so every channel differs.
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
        if name.hasSuffix(".webp") {
            // Lossless when the name says so, to give the matrix a lossless WebP source.
            let info = ImageInfo(width: 12, height: 9, channels: channels, bitDepth: 8, format: .webp,
                                 isLossless: name.contains("lossless"))
            let writer = try ImageWriter(path: file, info: info)
            try writer.writeRows(floats: image.floatSamples())
            try writer.finish()
        } else {
            try image.save(path: file)
        }
        return file
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        /// A fixture name, or "synthetic:<channels>:<bits>[:<ext>]" for one written by our
        /// encoder (PNG unless the extension says otherwise, "lossless.webp" for lossless WebP).
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
        Case(name: "TIFF RGB 8-bit", input: "synthetic:3:8:tif", output: "tif", channels: 3, bitDepth: 8),
        Case(name: "TIFF RGB 16-bit", input: "synthetic:3:16:tif", output: "tif", channels: 3, bitDepth: 16),
        Case(name: "TIFF gray 16-bit", input: "synthetic:1:16:tif", output: "tiff", channels: 1, bitDepth: 16),
        Case(name: "TIFF gray + alpha 8-bit", input: "synthetic:2:8:tif", output: "tif", channels: 2, bitDepth: 8),
        Case(name: "TIFF RGBA 16-bit", input: "synthetic:4:16:tif", output: "tif", channels: 4, bitDepth: 16),
        Case(name: "TIFF RGB 16-bit to PNG", input: "synthetic:3:16:tif", output: "png", channels: 3, bitDepth: 16),
        Case(name: "TIFF RGB 16-bit to JPEG", input: "synthetic:3:16:tif", output: "jpg", channels: 3, bitDepth: 8),
        Case(name: "PNG RGB 16-bit to TIFF", input: "synthetic:3:16", output: "tif", channels: 3, bitDepth: 16),
        Case(name: "JPEG baseline to TIFF", input: "baseline.jpg", output: "tif", channels: 3, bitDepth: 8),
        Case(name: "WebP lossy RGB", input: "synthetic:3:8:webp", output: "webp", channels: 3, bitDepth: 8),
        Case(name: "WebP lossless RGBA", input: "synthetic:4:8:lossless.webp", output: "webp", channels: 4, bitDepth: 8),
        Case(name: "WebP lossy RGBA to PNG", input: "synthetic:4:8:webp", output: "png", channels: 4, bitDepth: 8),
        Case(name: "PNG RGBA 8-bit to WebP", input: "synthetic:4:8", output: "webp", channels: 4, bitDepth: 8),
        Case(name: "TIFF RGB 16-bit to WebP", input: "synthetic:3:16:tif", output: "webp", channels: 3, bitDepth: 8),
        Case(name: "JPEG gray to WebP (as RGB)", input: "gray.jpg", output: "webp", channels: 3, bitDepth: 8),
    ]

    @Test("each format comes out 4× larger with its channels and bit depth", arguments: cases)
    func roundTrip(_ c: Case) throws {
        let input: String
        if c.input.hasPrefix("synthetic:") {
            let fields = c.input.split(separator: ":")
            let parts = fields.compactMap { Int($0) }
            let ext = fields.count > 3 ? String(fields[3]) : "png"
            input = try synthetic("in-\(parts[0])-\(parts[1]).\(ext)", channels: parts[0], bitDepth: parts[1])
        } else {
            input = Self.fixture(c.input)
        }
        let source = try ImageReader(path: input).info
        let output = path("out.\(c.output)")
        defer { try? FileManager.default.removeItem(atPath: output) }
        let result = try upscale([input, output])
        #expect(result.status == 0, "\(result.stderr)")
        let info = try ImageReader(path: output).info
        #expect(info.format == ImageFormat(pathExtension: c.output))
        // WebP output is lossless exactly when the source was (PNG, TIFF, lossless WebP).
        if info.format == .webp { #expect(info.isLossless == source.isLossless) }
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
        Camera(input: "camera-p3.jpg", output: "tif", profile: "display-p3.icc"),
        Camera(input: "camera-adobergb.png", output: "webp", profile: "adobe-rgb.icc"),
        Camera(input: "camera-p3.jpg", output: "webp", profile: "display-p3.icc"),
    ]

    @Test("a camera photo through TIFF keeps its date, GPS, XMP and ICC on the way back out")
    func cameraThroughTIFF() throws {
        let tiff = path("camera-p3.x4.tif")
        #expect(try upscale([Self.fixture("camera-p3.jpg"), tiff]).status == 0)
        let output = path("camera-p3.x16.png")
        let result = try upscale([tiff, output])
        #expect(result.status == 0, "\(result.stderr)")
        let reader = try ImageReader(path: output)
        #expect((reader.info.width, reader.info.height) == (144, 192))
        let exif = try ExifBlock(try #require(reader.metadata.exif))
        #expect(exif.string(ExifBlock.Tag.dateTimeOriginal, in: .exif) == "2009:07:14 16:20:05")
        #expect(exif.rawValue(ExifBlock.Tag.gpsLatitude, in: .gps) != nil)
        #expect(exif.integer(ExifBlock.Tag.pixelXDimension, in: .exif) == 144)
        #expect(String(decoding: try #require(reader.metadata.xmp), as: UTF8.self).contains("Grandmother's garden"))
        let profile = Array(try Data(contentsOf: URL(fileURLWithPath: Self.fixture("display-p3.icc"))))
        #expect(reader.metadata.iccProfile == profile)
    }

    @Test("TIFF and lossless WebP outputs hold exactly the pixels of the PNG output: the same picture")
    func samePicture() throws {
        let input = try synthetic("same.png", channels: 4, bitDepth: 8)
        var pictures: [[UInt8]] = []
        for ext in ["png", "tif", "webp"] {
            let output = path("same.x4.\(ext)")
            #expect(try upscale([input, output]).status == 0)
            let image = try PixelBuffer.load(path: output)
            guard case .uint8(let values) = image.samples else { Issue.record("\(ext) is not 8-bit"); return }
            pictures.append(values)
        }
        #expect(pictures[1] == pictures[0], "TIFF")
        #expect(pictures[2] == pictures[0], "lossless WebP")
    }

    @Test("HEIC and AVIF photos come out as JPEG or PNG, 4× larger", .enabled(if: FileManager.default.fileExists(atPath: "/usr/bin/heif-enc")),
          arguments: ["heic", "avif"])
    func heif(container: String) throws {
        let png = try synthetic("phone.png", channels: 3, bitDepth: 8)
        let heif = path("phone.\(container)")
        let made = try runCommand("/usr/bin/heif-enc", ["-q", "90"] + (container == "avif" ? ["-A"] : []) + [png, "-o", heif])
        try #require(made.status == 0, "\(made.stderr)")
        for ext in ["jpg", "png"] {
            let output = path("phone-\(container).x4.\(ext)")
            let result = try upscale([heif, output])
            #expect(result.status == 0, "\(result.stderr)")
            let info = try ImageReader(path: output).info
            #expect((info.width, info.height, info.channels) == (48, 36, 3))
        }
        let refused = try upscale([heif, path("phone.x4.heic")])
        #expect(refused.status == 1 && refused.stderr.contains("output must end in"), "\(refused.stderr)")
    }

    @Test("a ×4 output wider than WebP's 16383 pixels fails before any tile is computed, naming the limit")
    func webpLimit() throws {
        var image = PixelBuffer(width: 4100, height: 2, channels: 3)
        for x in 0..<4100 { image[x, 0, 0] = Float(x % 256) }
        let input = path("wide.png")
        try image.save(path: input)
        let output = path("wide.x4.webp")
        let result = try upscale([input, output])
        #expect(result.status == 1)
        #expect(result.stderr.contains(output) && result.stderr.contains("at most 16383 per side"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
    }

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
