/// `upscale --scale / --max-side / --max-output-pixels`: the network enlarges ×4 and the result is
/// resampled to the size asked for — checked against Pillow's Lanczos resize of the ×4 output
/// (Debian's python3-pil), within one level — with the sizes in EXIF and XMP and the factor in
/// the provenance.
import Foundation
import Testing
import Imaging
import TestSupport

@Suite("upscale to another size than ×4")
struct OutputSizeTests {
    let directory: URL
    let ctl: String

    init() throws {
        directory = try TestEnvironment.temporaryDirectory("outsize")
        ctl = try TestEnvironment.binary("enhance-ctl")
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func upscale(_ arguments: [String]) throws -> CommandResult {
        try runCommand(ctl, ["upscale"] + arguments, environment: ["ENHANCE_MODEL_DIR": TestEnvironment.modelDirectory])
    }

    /// The largest difference per sample between `image` and Pillow's LANCZOS resize of
    /// `reference` to the same size, and the share of samples that differ by more than one.
    func differenceFromPillow(_ image: String, reference: String) throws -> (max: Int, overOne: Double) {
        let script = """
            import sys
            from PIL import Image
            ours = Image.open(sys.argv[1])
            ref = Image.open(sys.argv[2]).resize(ours.size, Image.LANCZOS)
            assert ref.mode == ours.mode, (ref.mode, ours.mode)
            d = [abs(a - b) for a, b in zip(ref.tobytes(), ours.tobytes())]
            print(max(d), sum(1 for v in d if v > 1) / len(d))
            """
        let result = try runCommand("/usr/bin/python3", ["-c", script, image, reference])
        let fields = result.stdout.split(separator: " ")
        guard result.status == 0, fields.count == 2, let m = Int(fields[0]),
              let share = Double(fields[1].trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw PillowFailed(description: "Pillow comparison failed (scripts/setup installs python3-pil): \(result.stderr)")
        }
        return (m, share)
    }

    @Test("--scale 2, 2.5, --max-side and --max-output-pixels give those sizes, each within one level of Pillow's Lanczos resize of the ×4 result",
          arguments: [(["--scale", "2"], 128, 128), (["--scale", "2.5"], 160, 160),
                      (["--max-side", "100"], 100, 100), (["--max-output-pixels", "10000"], 100, 100),
                      (["--scale", "3", "--max-side", "150"], 150, 150)])
    func sizes(_ flags: [String], _ width: Int, _ height: Int) throws {
        let input = TestEnvironment.fixture("SRGANTests", "lr_face.png")   // 64×64
        let full = path("full.png"), resized = path("resized.png")
        #expect(try upscale([input, full, "--no-provenance"]).status == 0)
        let result = try upscale([input, resized] + flags)
        #expect(result.status == 0, "\(result.stderr)")
        let info = try ImageReader(path: resized).info
        #expect((info.width, info.height) == (width, height))
        let (m, overOne) = try differenceFromPillow(resized, reference: full)
        #expect(m <= 1 && overOne == 0, "largest difference \(m), \(overOne * 100) % over one level")
    }

    @Test("a wide photo keeps its aspect: --max-side caps the longer side, the other follows")
    func aspect() throws {
        let input = TestEnvironment.fixture("SRGANTests", "lr_fur.png")   // 80×48
        #expect(try upscale([input, path("fur.png"), "--max-side", "200"]).status == 0)
        let info = try ImageReader(path: path("fur.png")).info
        #expect((info.width, info.height) == (200, 120))
    }

    @Test("after --scale 2 the EXIF and XMP sizes are the output's, and the History event records the factor")
    func metadataSizes() throws {
        let input = try ExifTool.digiKamPhoto("tagged.jpg", in: directory)   // 16×16
        let output = path("tagged.x2.jpg")
        let result = try upscale([input, output, "--scale", "2"])
        #expect(result.status == 0, "\(result.stderr)")
        let tags = try ExifTool.tags(output)
        #expect(tags["File:ImageWidth"] as? Int == 32 && tags["File:ImageHeight"] as? Int == 32, "\(tags["File:ImageWidth"] ?? "-")")
        #expect(tags["ExifIFD:ExifImageWidth"] as? Int == 32 && tags["ExifIFD:ExifImageHeight"] as? Int == 32)
        #expect(tags["XMP-tiff:ImageWidth"] as? Int == 32 && tags["XMP-exif:ExifImageWidth"] as? Int == 32)
        let history = (tags["XMP-xmpMM:History"] as? [[String: Any]]) ?? []
        let converted = try #require(history.first { $0["Action"] as? String == "converted" }, "\(history)")
        let parameters = converted["Parameters"] as? String ?? ""
        #expect(parameters.contains("scale 4") && parameters.contains("resampled to 2× (32×32, Lanczos-3)"), "\(parameters)")
    }

    @Test("alpha is resampled with the colour: RGBA stays RGBA at the new size")
    func alpha() throws {
        let input = path("rgba.png")
        let writer = try ImageWriter(path: input, info: ImageInfo(width: 20, height: 12, channels: 4, bitDepth: 8, format: .png))
        var samples: [UInt8] = []
        for i in 0..<(20 * 12) { samples += [UInt8(i % 251), 90, 200, UInt8((i % 20) * 12)] }
        try writer.writeRows(samples)
        try writer.finish()
        let result = try upscale([input, path("rgba.x2.png"), "--scale", "2"])
        #expect(result.status == 0, "\(result.stderr)")
        let info = try ImageReader(path: path("rgba.x2.png")).info
        #expect((info.width, info.height, info.channels) == (40, 24, 4))
    }

    @Test("a cap at or below the input's own size is refused in one line naming the file; nothing is written")
    func capTooSmall() throws {
        let input = TestEnvironment.fixture("SRGANTests", "lr_face.png")
        let result = try upscale([input, path("never.png"), "--max-side", "50"])
        #expect(result.status == 1)
        #expect(result.stderr == "enhance-ctl: \(input): invalid request: 64×64 is already at or above the output cap (longest side 50): nothing to enlarge\n",
                "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: path("never.png")))
    }

    @Test("--scale outside (1, 4] is a usage error", arguments: ["1", "0.5", "4.5", "nan"])
    func badScale(_ scale: String) throws {
        let result = try upscale([TestEnvironment.fixture("SRGANTests", "lr_face.png"), path("x.png"), "--scale", scale])
        #expect(result.status == 64, "\(result.status) \(result.stderr)")
        #expect(result.stderr.contains("--scale must be above 1 and at most 4"), "\(result.stderr)")
    }
}

struct PillowFailed: Error, CustomStringConvertible {
    let description: String
}
