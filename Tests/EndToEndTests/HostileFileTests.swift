/// Broken and hostile files given to the real `enhance-ctl upscale`: each is refused with one
/// line naming the file and the cause, exit status 1, and nothing — not even a temporary file —
/// at or beside the output path.
import Foundation
import Testing
import Imaging
import TestSupport

@Suite("Hostile files through enhance-ctl upscale", .serialized)
final class HostileFileTests {
    let ctl: String
    let directory: URL

    init() throws {
        ctl = try TestEnvironment.binary("enhance-ctl")
        directory = try TestEnvironment.temporaryDirectory("hostile")
        _ = try TestEnvironment.model("srgan-gan.safetensors")
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func upscale(_ arguments: [String], as user: [String] = []) throws -> CommandResult {
        let environment = ["ENHANCE_MODEL_DIR": TestEnvironment.modelDirectory]
        if user.isEmpty { return try runCommand(ctl, ["upscale"] + arguments, environment: environment) }
        return try runCommand("/usr/bin/setpriv", user + [ctl, "upscale"] + arguments, environment: environment)
    }

    func validPNG() throws -> [UInt8] {
        try encoded("valid-source.png", width: 32, height: 24) { x, y, c in (x * 7 + y * 5 + c * 40) % 256 }
    }

    func validJPEG() throws -> [UInt8] {
        try encoded("valid-source.jpg", width: 64, height: 48) { x, y, c in (x * 37 + y * 101 + c * 59) % 256 }
    }

    /// The bytes of an RGB image with these values, encoded by the name's extension.
    func encoded(_ name: String, width: Int, height: Int, value: (Int, Int, Int) -> Int) throws -> [UInt8] {
        let file = path(name)
        defer { try? FileManager.default.removeItem(atPath: file) }
        var image = PixelBuffer(width: width, height: height, channels: 3)
        for y in 0..<height { for x in 0..<width { for c in 0..<3 { image[x, y, c] = Float(value(x, y, c)) } } }
        try image.save(path: file)
        return Array(try Data(contentsOf: URL(fileURLWithPath: file)))
    }

    /// Runs the command on `input` and checks the refusal and that no output appeared.
    func expectRefusal(_ input: String, cause: String, detail: String? = nil, as user: [String] = [],
                       sourceLocation: SourceLocation = #_sourceLocation) throws {
        let output = path("out.png")
        let before = Set(try FileManager.default.contentsOfDirectory(atPath: directory.path))
        let result = try upscale([input, output], as: user)
        #expect(result.status == 1, sourceLocation: sourceLocation)
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.contains("\(input): \(cause)"), "\(result.stderr)", sourceLocation: sourceLocation)
        if let detail { #expect(result.stderr.contains(detail), "\(result.stderr)", sourceLocation: sourceLocation) }
        #expect(!FileManager.default.fileExists(atPath: output), sourceLocation: sourceLocation)
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: directory.path)) == before,
                "nothing new beside the output", sourceLocation: sourceLocation)
    }

    func write(_ bytes: [UInt8], _ name: String) throws -> String {
        let file = path(name)
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }

    @Test("a zero-byte file")
    func zeroBytes() throws {
        try expectRefusal(try write([], "zero.jpg"), cause: "empty file")
    }

    @Test("a PNG and a JPEG cut short")
    func truncated() throws {
        let png = try validPNG(), jpeg = try validJPEG()
        try expectRefusal(try write(Array(png.prefix(png.count / 2)), "half.png"), cause: "truncated image")
        try expectRefusal(try write(Array(jpeg.prefix(jpeg.count * 3 / 4)), "cut.jpg"), cause: "truncated image")
        try expectRefusal(try write(Array(png.dropLast(12)), "no-iend.png"), cause: "truncated image")
    }

    @Test("random bytes, and text named .jpg")
    func notImages() throws {
        var state: UInt64 = 0x9E37_79B9
        let noise = (0..<8192).map { _ -> UInt8 in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        try expectRefusal(try write(noise, "noise.png"), cause: "unsupported format")
        try expectRefusal(try write(Array("Dear diary, today we scanned the old photos.\n".utf8), "diary.jpg"),
                          cause: "unsupported format")
    }

    @Test("a directory named x.png")
    func directoryInput() throws {
        let folder = path("x.png")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        try expectRefusal(folder, cause: "is a directory")
    }

    @Test("a file its reader may not open (mode 000, run as nobody)")
    func unreadable() throws {
        // Root may read anything, so the real binary runs as an unprivileged user, as the daemon would.
        let file = try write(try validJPEG(), "locked.jpg")
        chmod(file, 0)
        chmod(directory.path, 0o777)  // so that nobody could create the output, were the input readable
        defer { chmod(file, 0o644); chmod(directory.path, 0o755) }
        try expectRefusal(file, cause: "cannot be read", detail: "Permission denied",
                          as: ["--reuid=nobody", "--regid=nogroup", "--clear-groups"])
    }

    @Test("corrupt Huffman data in a JPEG")
    func corruptHuffman() throws {
        var bytes = try validJPEG()
        let sos = try #require((0..<(bytes.count - 1)).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xDA })
        let dataStart = sos + 2 + (Int(bytes[sos + 2]) << 8 | Int(bytes[sos + 3]))
        for i in stride(from: dataStart + 10, to: min(dataStart + 200, bytes.count - 4), by: 2) {
            bytes[i] = 0xFF
            bytes[i + 1] = 0x00
        }
        try expectRefusal(try write(bytes, "garbled.jpg"), cause: "corrupt image", detail: "Corrupt JPEG data")
    }

    @Test("a PNG chunk with a wrong CRC")
    func badCRC() throws {
        var bytes = try validPNG()
        let at = try #require((8..<(bytes.count - 4)).first { Array(bytes[$0..<($0 + 4)]) == Array("IDAT".utf8) })
        let length = bytes[(at - 4)..<at].reduce(0) { $0 << 8 | Int($1) }
        bytes[at + 4 + length] ^= 0x5A
        try expectRefusal(try write(bytes, "bad-crc.png"), cause: "corrupt image", detail: "CRC")
    }

    @Test("a decompression bomb: 100000 × 100000 declared in a 100-byte PNG")
    func bomb() throws {
        try expectRefusal(TestEnvironment.fixture("ImagingTests", "huge-header.png"), cause: "image too large",
                          detail: "100000 x 100000")
    }

    @Test("more pixels than --max-pixels allows, checked from the header")
    func maxPixels() throws {
        let file = try write(try validJPEG(), "big.jpg")  // 64 × 48 = 3072 pixels
        let output = path("out.png")
        let result = try upscale([file, output, "--max-pixels", "3000"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(file): image too large") && result.stderr.contains("3072"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    // MARK: TIFF and WebP counterparts

    func validTIFF() throws -> [UInt8] {
        try encoded("valid-source.tif", width: 32, height: 24) { x, y, c in (x * 7 + y * 5 + c * 40) % 256 }
    }

    func validWebP() throws -> [UInt8] {
        try encoded("valid-source.webp", width: 32, height: 24) { x, y, c in (x * 7 + y * 5 + c * 40) % 256 }
    }

    /// A gray 8 × 8 page, hand-made, with these tags replaced.
    func handMadeTIFF(width: Int = 8, height: Int = 8, extra: [UInt16: TIFFBuilder.Value] = [:]) -> [UInt8] {
        var builder = TIFFBuilder()
        builder.addPage(width: width, height: height, bitsPerSample: [8], photometric: 1,
                        strip: [UInt8](repeating: 9, count: 64), extra: extra)
        return builder.bytes()
    }

    @Test("zero-byte TIFF and WebP files")
    func zeroBytesArchive() throws {
        try expectRefusal(try write([], "zero.tif"), cause: "empty file")
        try expectRefusal(try write([], "zero.webp"), cause: "empty file")
    }

    @Test("a TIFF and a WebP cut short")
    func truncatedArchive() throws {
        let tiff = try validTIFF(), webp = try validWebP()
        try expectRefusal(try write(Array(tiff.prefix(tiff.count / 2)), "half.tif"), cause: "truncated image")
        try expectRefusal(try write(Array(tiff.prefix(5)), "header.tif"), cause: "truncated image")
        try expectRefusal(try write(Array(webp.prefix(webp.count / 2)), "half.webp"), cause: "truncated image")
    }

    @Test("TIFF directory and strip offsets out of range")
    func offsetsOutOfRange() throws {
        var farIFD = handMadeTIFF()
        farIFD.replaceSubrange(4..<8, with: [0, 0, 0x10, 0])
        try expectRefusal(try write(farIFD, "far-ifd.tif"), cause: "truncated image", detail: "libtiff")
        try expectRefusal(try write(handMadeTIFF(extra: [273: .long([5_000_000])]), "far-strip.tif"), cause: "truncated image")
    }

    @Test("a TIFF bomb: 100000 × 100000 declared, Deflate, in a 200-byte file")
    func tiffBomb() throws {
        try expectRefusal(try write(handMadeTIFF(width: 100_000, height: 100_000, extra: [259: .short([8])]), "bomb.tif"),
                          cause: "image too large", detail: "100000 x 100000")
    }

    @Test("a WebP whose chunk claims more bytes than the file holds")
    func lyingWebPChunk() throws {
        var webp = try validWebP()
        let size = webp.count * 8
        webp.replaceSubrange(4..<8, with: (0..<4).map { UInt8(truncatingIfNeeded: size >> (8 * $0)) })
        try expectRefusal(try write(webp, "lying.webp"), cause: "truncated image", detail: "WebP")
    }

    @Test("a multi-page TIFF is refused, saying why (animated WebP: WebPTests)")
    func pagesAndFrames() throws {
        var builder = TIFFBuilder()
        for value in [UInt8(1), 2] {
            builder.addPage(width: 8, height: 8, bitsPerSample: [8], photometric: 1, strip: [UInt8](repeating: value, count: 64))
        }
        try expectRefusal(try write(builder.bytes(), "pages.tif"), cause: "unsupported format", detail: "multi-page TIFF (2 pages)")
    }
}
