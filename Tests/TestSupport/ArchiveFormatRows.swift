/// The TIFF and WebP rows of the format matrix (issue 9): one source file per layout an archive
/// holds — strips and tiles; none, LZW, Deflate, PackBits and JPEG compression; 8 and 16 bits;
/// gray, RGB, RGBA with unassociated and associated alpha, palette; both byte orders; lossy,
/// lossless and alpha WebP — each carrying an ICC profile of its colour space (an RGB profile on
/// a gray image would mislabel it, and the upscaler rightly leaves such a profile out). Layouts our encoder never
/// writes come from libtiff's own `tiffcp` and `cwebp` (foreign encoders) or are built by hand
/// (`TIFFBuilder`). Both `enhance-ctl upscale` (EndToEndTests) and the daemon (DaemonTests) run
/// every row, so the two paths are held to the same table.
import Foundation
import Imaging

/// Test files name rows in results with
/// `extension ArchiveFormatRow: CustomTestStringConvertible {}` (TestSupport does not
/// link the Testing module).
public struct ArchiveFormatRow: Sendable {
    /// What the row is, as a person would name the file.
    public let name: String
    /// The source's file name (its extension is the format the output keeps).
    public let file: String
    /// What the output must hold: channels and bit depth after decoding (a palette is RGB, JPEG
    /// inside TIFF is 8-bit).
    public let channels: Int
    public let bitDepth: Int
    public var testDescription: String { name }
    /// The output's extension: the source's own (the daemon's `output.format = "same"`).
    public var outputExtension: String { (file as NSString).pathExtension }

    /// How the row's source is made from the base images in `ArchiveFormatRows.make`.
    let recipe: Recipe
    enum Recipe: Sendable {
        /// Written by our encoder (TIFF Deflate strips, or WebP lossy/lossless).
        case own(channels: Int, bits: Int, lossless: Bool)
        /// Our TIFF of these channels and bits, rewritten by `tiffcp` with these options.
        case tiffcp(channels: Int, bits: Int, [String])
        /// Hand-made: an 8-bit palette, or RGBA with associated (premultiplied) alpha.
        case palette, associatedAlpha
        /// `cwebp` of our PNG, with its ICC profile (`-metadata icc`). (Plain `-lossless` makes
        /// the very bytes our encoder writes — the same libwebp — which the daemon rightly
        /// dedups; `-z 9` makes a file of its own.)
        case cwebp(channels: Int, [String])
    }
}

public enum ArchiveFormatRows {
    /// The source's size: not whole 16-pixel tiles, so edge tiles are clipped.
    public static let width = 20, height = 14

    public static let rows: [ArchiveFormatRow] = [
        .init(name: "TIFF RGB 8-bit, uncompressed strips", file: "rgb8-none.tif", channels: 3, bitDepth: 8,
              recipe: .tiffcp(channels: 3, bits: 8, ["-c", "none"])),
        .init(name: "TIFF RGB 16-bit, LZW", file: "rgb16-lzw.tif", channels: 3, bitDepth: 16,
              recipe: .tiffcp(channels: 3, bits: 16, ["-c", "lzw"])),
        .init(name: "TIFF RGBA 8-bit (unassociated), Deflate (our encoder)", file: "rgba8-deflate.tif", channels: 4, bitDepth: 8,
              recipe: .own(channels: 4, bits: 8, lossless: true)),
        .init(name: "TIFF gray 8-bit, PackBits", file: "gray8-packbits.tiff", channels: 1, bitDepth: 8,
              recipe: .tiffcp(channels: 1, bits: 8, ["-c", "packbits"])),
        .init(name: "TIFF gray 16-bit, Deflate (our encoder)", file: "gray16-deflate.tif", channels: 1, bitDepth: 16,
              recipe: .own(channels: 1, bits: 16, lossless: true)),
        .init(name: "TIFF RGB 8-bit, LZW tiles", file: "rgb8-lzw-tiles.tif", channels: 3, bitDepth: 8,
              recipe: .tiffcp(channels: 3, bits: 8, ["-c", "lzw:2", "-t", "-w", "16", "-l", "16"])),
        .init(name: "TIFF RGBA 16-bit, Deflate tiles", file: "rgba16-zip-tiles.tif", channels: 4, bitDepth: 16,
              recipe: .tiffcp(channels: 4, bits: 16, ["-c", "zip", "-t", "-w", "16", "-l", "16"])),
        .init(name: "TIFF RGB 16-bit, big-endian", file: "rgb16-be.tif", channels: 3, bitDepth: 16,
              recipe: .tiffcp(channels: 3, bits: 16, ["-B", "-c", "none"])),
        .init(name: "TIFF gray + alpha 16-bit, big-endian LZW tiles", file: "graya16-be-tiles.tif", channels: 2, bitDepth: 16,
              recipe: .tiffcp(channels: 2, bits: 16, ["-B", "-c", "lzw", "-t", "-w", "16", "-l", "16"])),
        .init(name: "TIFF RGB 8-bit, JPEG-compressed", file: "rgb8-jpeg.tif", channels: 3, bitDepth: 8,
              recipe: .tiffcp(channels: 3, bits: 8, ["-c", "jpeg:90"])),
        .init(name: "TIFF palette 8-bit (to RGB)", file: "palette8.tif", channels: 3, bitDepth: 8, recipe: .palette),
        .init(name: "TIFF RGBA 8-bit, associated alpha", file: "rgba8-associated.tif", channels: 4, bitDepth: 8,
              recipe: .associatedAlpha),
        .init(name: "WebP lossy RGB (our encoder)", file: "rgb-lossy.webp", channels: 3, bitDepth: 8,
              recipe: .own(channels: 3, bits: 8, lossless: false)),
        .init(name: "WebP lossy RGBA (our encoder)", file: "rgba-lossy.webp", channels: 4, bitDepth: 8,
              recipe: .own(channels: 4, bits: 8, lossless: false)),
        .init(name: "WebP lossless RGBA (our encoder)", file: "rgba-lossless.webp", channels: 4, bitDepth: 8,
              recipe: .own(channels: 4, bits: 8, lossless: true)),
        .init(name: "WebP lossy RGB (cwebp)", file: "rgb-cwebp.webp", channels: 3, bitDepth: 8,
              recipe: .cwebp(channels: 3, ["-q", "80"])),
        .init(name: "WebP lossless RGBA (cwebp)", file: "rgba-cwebp-lossless.webp", channels: 4, bitDepth: 8,
              recipe: .cwebp(channels: 4, ["-lossless", "-z", "9"])),
    ]

    /// The ICC profile `row` carries, from the imaging fixtures: Display P3 for colour, a gamma
    /// 2.2 gray profile for gray.
    public static func iccProfile(_ row: ArchiveFormatRow) throws -> [UInt8] {
        let name = row.channels <= 2 ? "gray-gamma22.icc" : "display-p3.icc"
        return Array(try Data(contentsOf: URL(fileURLWithPath: TestEnvironment.fixture("ImagingTests", name))))
    }

    public struct ToolFailed: Error, CustomStringConvertible {
        public let description: String
    }

    /// Writes `row`'s source into `directory` and returns its path.
    public static func make(_ row: ArchiveFormatRow, in directory: String) throws -> String {
        let path = directory + "/" + row.file
        let icc = try iccProfile(row)
        switch row.recipe {
        case .own(let channels, let bits, let lossless):
            try write(ramp(channels: channels, bits: bits, icc: icc), to: path, lossless: lossless)
        case .tiffcp(let channels, let bits, let options):
            let base = directory + "/.base-" + row.file
            defer { try? FileManager.default.removeItem(atPath: base) }
            try write(ramp(channels: channels, bits: bits, icc: icc), to: base, lossless: true)
            try run("/usr/bin/tiffcp", options + [base, path])
        case .cwebp(let channels, let options):
            let base = directory + "/.base-" + row.file + ".png"
            defer { try? FileManager.default.removeItem(atPath: base) }
            try ramp(channels: channels, bits: 8, icc: icc).save(path: base)
            try run("/usr/bin/cwebp", ["-quiet", "-metadata", "icc"] + options + [base, "-o", path])
        case .palette:
            let entries = 256
            let red = (0..<entries).map { UInt16(($0 * 37) % 256 * 257) }
            let green = (0..<entries).map { UInt16((255 - ($0 * 11) % 256) * 257) }
            let blue = (0..<entries).map { UInt16(($0 * 5) % 256 * 257) }
            let strip = (0..<(width * height)).map { UInt8(($0 % width) * 9 + ($0 / width) * 3) }
            var builder = TIFFBuilder()
            builder.addPage(width: width, height: height, bitsPerSample: [8], photometric: 3, strip: strip,
                            extra: [320: .short(red + green + blue), 34675: .bytes(type: 7, icc)])
            try Data(builder.bytes()).write(to: URL(fileURLWithPath: path))
        case .associatedAlpha:
            let straight = ramp(channels: 4, bits: 8, icc: icc)
            var strip = [UInt8](repeating: 0, count: width * height * 4)
            for i in 0..<(width * height) {
                let alpha = Int(straight.rawSample(x: i % width, y: i / width, channel: 3))
                for c in 0..<3 {
                    strip[i * 4 + c] = UInt8((straight.rawSample(x: i % width, y: i / width, channel: c) * alpha + 127) / 255)
                }
                strip[i * 4 + 3] = UInt8(alpha)
            }
            var builder = TIFFBuilder()
            builder.addPage(width: width, height: height, bitsPerSample: [8, 8, 8, 8], photometric: 2, strip: strip,
                            extra: [338: .short([1]), 34675: .bytes(type: 7, icc)])
            try Data(builder.bytes()).write(to: URL(fileURLWithPath: path))
        }
        return path
    }

    /// A colour ramp that differs in every channel, alpha falling from opaque to faint across
    /// the image (never fully transparent, so the colour under it still counts), with `icc`.
    static func ramp(channels: Int, bits: Int, icc: [UInt8]) -> PixelBuffer {
        var image = PixelBuffer(width: width, height: height, channels: channels, bitDepth: bits,
                                metadata: ImageMetadata(iccProfile: icc))
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<channels {
                    let alpha = (channels == 2 || channels == 4) && c == channels - 1
                    let fraction = alpha ? 1 - 0.7 * Float(x) / Float(width - 1)
                        : (Float(20 + 9 * x + 11 * y + 30 * c) + 0.37) / 255
                    image[x, y, c] = min(fraction, 1) * 255   // samples are on 0…255 at either depth
                }
            }
        }
        return image
    }

    static func write(_ image: PixelBuffer, to path: String, lossless: Bool) throws {
        let format = ImageFormat(path: path)!
        var info = image.info(format: format)
        info.isLossless = lossless
        let writer = try ImageWriter(path: path, info: info, metadata: image.metadata)
        switch image.samples {
        case .uint8(let values): try writer.writeRows(values)
        case .uint16(let values): try writer.writeRows(values)
        }
        try writer.finish()
    }

    static func run(_ tool: String, _ arguments: [String]) throws {
        let result = try runCommand(tool, arguments)
        guard result.status == 0 else {
            throw ToolFailed(description: "\(tool) \(arguments.joined(separator: " ")) failed: \(result.stderr)")
        }
    }
}
