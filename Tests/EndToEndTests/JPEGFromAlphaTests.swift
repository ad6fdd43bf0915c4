/// A photo with an alpha channel written as JPEG (which has none): an opaque alpha disappears,
/// a translucent one is flattened onto the background — the real binary, real files.
import Foundation
import Imaging
import Testing
import TestSupport

@Suite("JPEG from RGBA")
final class JPEGFromAlphaTests {
    let ctl = try! TestEnvironment.binary("enhance-ctl")
    let directory: URL

    init() throws { directory = try TestEnvironment.temporaryDirectory("jpeg-alpha") }
    deinit { try? FileManager.default.removeItem(at: directory) }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func upscale(_ arguments: [String]) throws -> CommandResult {
        try runCommand(ctl, ["upscale"] + arguments, environment: ["ENHANCE_MODEL_DIR": TestEnvironment.modelDirectory])
    }

    /// The 24×20 fixture photo as RGB, and as RGBA with `alpha(x)` per column.
    func photo(alpha: ((Int) -> UInt8)?, to name: String) throws -> String {
        let reader = try ImageReader(path: TestEnvironment.fixture("SRGANTests", "lr_tiny.png"))
        var rgb: [UInt8] = []
        try reader.readRows(count: reader.info.height, into: &rgb)
        let (w, h) = (reader.info.width, reader.info.height)
        var samples = rgb
        if let alpha {
            samples = []
            for p in 0..<(w * h) { samples += rgb[(3 * p)..<(3 * p + 3)] + [alpha(p % w)] }
        }
        let writer = try ImageWriter(path: path(name), info: ImageInfo(width: w, height: h, channels: alpha == nil ? 3 : 4,
                                                                       bitDepth: 8, format: .png))
        try writer.writeRows(samples)
        try writer.finish()
        return path(name)
    }

    func pixels(_ path: String) throws -> (info: ImageInfo, samples: [UInt8]) {
        let reader = try ImageReader(path: path)
        var samples: [UInt8] = []
        try reader.readRows(count: reader.info.height, into: &samples)
        return (reader.info, samples)
    }

    @Test("an opaque alpha channel is dropped: the JPEG is byte for byte the one the same photo without alpha gives")
    func opaque() throws {
        let rgb = try photo(alpha: nil, to: "rgb.png"), rgba = try photo(alpha: { _ in 255 }, to: "rgba.png")
        // Without provenance: its fresh ids would make any two outputs differ.
        let a = try upscale([rgb, path("rgb.jpg"), "--no-provenance"]), b = try upscale([rgba, path("rgba.jpg"), "--no-provenance"])
        #expect(a.status == 0 && b.status == 0, "\(a.stderr)\(b.stderr)")
        #expect(try pixels(path("rgba.jpg")).info.channels == 3)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path("rgba.jpg"))) == Data(contentsOf: URL(fileURLWithPath: path("rgb.jpg"))))
    }

    @Test("a translucent photo is flattened onto white by default, onto --background when given")
    func translucent() throws {
        // Columns 0–7 transparent, 8–15 half transparent, 16–23 opaque.
        let rgba = try photo(alpha: { x in x < 8 ? 0 : x < 16 ? 128 : 255 }, to: "rgba.png")
        // The same photo enlarged to PNG keeps colour and alpha: what the JPEG must show is that
        // colour over the background, weighted by that alpha.
        #expect(try upscale([rgba, path("rgba.x4.png")]).status == 0)
        let (pngInfo, png) = try pixels(path("rgba.x4.png"))
        #expect(pngInfo.channels == 4)
        for (background, value) in [(nil, 255.0), ("black", 0), ("#808080", 128)] as [(String?, Double)] {
            let out = path("flat-\(Int(value)).jpg")
            let result = try upscale([rgba, out] + (background.map { ["--background", $0] } ?? []) + ["--quality", "100"])
            #expect(result.status == 0, "\(result.stderr)")
            let (info, samples) = try pixels(out)
            #expect(info.channels == 3 && info.width == pngInfo.width && info.height == pngInfo.height)
            // Mean difference per third of the image (transparent, half, opaque): JPEG's own
            // rounding and chroma subsampling only, a level or two.
            var error = [0.0, 0.0, 0.0], count = [0.0, 0.0, 0.0]
            for y in 0..<info.height {
                for x in 0..<info.width {
                    let p = y * info.width + x, region = min(2, x * 3 / info.width)
                    let a = Double(png[4 * p + 3]) / 255
                    for c in 0..<3 {
                        let expected = a * Double(png[4 * p + c]) + (1 - a) * value
                        error[region] += abs(Double(samples[3 * p + c]) - expected)
                        count[region] += 1
                    }
                }
            }
            let mean = zip(error, count).map { $0 / $1 }
            #expect(mean.allSatisfy { $0 < 2.5 }, "background \(background ?? "default"): mean differences \(mean)")
        }
    }

    @Test("a --background that is not a colour is a usage error naming the option")
    func badBackground() throws {
        let result = try upscale([path("in.png"), path("out.jpg"), "--background", "mauve-ish"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--background") && result.stderr.contains("#rrggbb"), "\(result.stderr)")
    }
}
