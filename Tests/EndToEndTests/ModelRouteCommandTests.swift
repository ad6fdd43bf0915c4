/// `enhance-ctl upscale` chooses the model for an input by the daemon's rule (issue 14,
/// item 3) — from `--degraded-model` and its thresholds, or from a daemon configuration —
/// says which one it ran, and records it in the output's History; `--deblock` deblocks a JPEG
/// first. The real binary, real JPEGs, real weights, exiftool.
import Foundation
import Hashing
import Imaging
import Testing
import TestSupport

@Suite("enhance-ctl upscale: a second model for degraded inputs", .serialized)
final class ModelRouteCommandTests {
    let ctl: String
    let directory: URL

    init() throws {
        ctl = try TestEnvironment.binary("enhance-ctl")
        directory = try TestEnvironment.temporaryDirectory("route")
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func upscale(_ arguments: [String]) throws -> CommandResult {
        try runCommand(ctl, ["upscale"] + arguments + ["--threads", "1"],
                       environment: ["ENHANCE_MODEL_DIR": TestEnvironment.modelDirectory])
    }

    /// The 64×64 face photo saved as a JPEG at `quality`.
    func face(quality: Int) throws -> String {
        let photo = try PixelBuffer.load(path: TestEnvironment.fixture("SRGANTests", "lr_face.png"))
        let target = path("face-q\(quality).jpg")
        try photo.save(path: target, quality: quality)
        return target
    }

    func historyParameters(_ output: String) throws -> String {
        let tags = try ExifTool.tags(output)
        let history = (tags["XMP-xmpMM:History"] as? [[String: Any]]) ?? []
        return history.compactMap { $0["Parameters"] as? String }.last ?? ""
    }

    @Test("with --degraded-model, a q30 JPEG is enhanced by it and a q95 one by the primary; each run says which, and the History records it")
    func flags() throws {
        let preSHA = try SHA256.hexDigest(ofFile: try TestEnvironment.model("srgan-pre.safetensors"))
        let low = try upscale([try face(quality: 30), path("low.png"), "--degraded-model", "srgan-pre", "--deblock", "off"])
        #expect(low.status == 0, "\(low.stderr)")
        #expect(low.stdout.contains("with srgan-pre (JPEG quality 30 < 60)"), "\(low.stdout)")
        #expect(try historyParameters(path("low.png")).hasPrefix("model srgan-pre (sha256 \(preSHA));"))

        let high = try upscale([try face(quality: 95), path("high.png"), "--degraded-model", "srgan-pre"])
        #expect(high.status == 0, "\(high.stderr)")
        #expect(high.stdout.contains("with srgan-gan (clean input)"), "\(high.stdout)")
        #expect(try historyParameters(path("high.png")).hasPrefix("model srgan-gan (sha256 "))

        let stricter = try upscale([try face(quality: 95), path("strict.png"), "--degraded-model", "srgan-pre",
                                    "--degraded-below-quality", "96"])
        #expect(stricter.stdout.contains("with srgan-pre (JPEG quality 95 < 96)"), "\(stricter.stdout)")
    }

    @Test("--config routes as the daemon's configuration does: its model.degraded and thresholds")
    func configuration() throws {
        let config = path("enhance.toml")
        try """
            [watch]
            roots = ["\(path("inbox"))"]
            [model]
            directory = "\(TestEnvironment.modelDirectory)"
            name = "srgan-gan"
            degraded = "srgan-pre"
            degraded_below_quality = 50
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let low = try upscale([try face(quality: 40), path("low.png"), "--config", config])
        #expect(low.status == 0, "\(low.stderr)")
        #expect(low.stdout.contains("with srgan-pre (JPEG quality 40 < 50)"), "\(low.stdout)")
        let middling = try upscale([try face(quality: 55), path("mid.png"), "--config", config])
        #expect(middling.stdout.contains("with srgan-gan (clean input)"), "\(middling.stdout)")
    }

    @Test("a threshold without --degraded-model is a usage error that says so")
    func thresholdAlone() throws {
        let run = try upscale([try face(quality: 30), path("x.png"), "--degraded-below-quality", "50"])
        #expect(run.status == 64, "\(run.stderr)")
        #expect(run.stderr.contains("route to --degraded-model, which is not given"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: path("x.png")))
    }

    @Test("a CMYK JPEG, which deblocking does not handle, is enlarged as decoded with one warning that says why")
    func cmykNotDeblocked() throws {
        let run = try upscale([TestEnvironment.fixture("ImagingTests", "cmyk.jpg"), path("cmyk.png"), "--deblock", "on"])
        #expect(run.status == 0, "\(run.stderr)")
        let warnings = run.stderr.split(separator: "\n").filter { $0.hasPrefix("warning: not deblocked: ") }
        #expect(warnings.count == 1 && warnings[0].contains("cmyk.jpg: ") && warnings[0].contains("CMYK"), "\(run.stderr)")
        #expect(!run.stdout.contains("deblocked"), "\(run.stdout)")
        #expect(FileManager.default.fileExists(atPath: path("cmyk.png")))
    }

    @Test("--deblock on deblocks a JPEG first, says so and records it in the History; off does not")
    func deblock() throws {
        let input = try face(quality: 30)
        let on = try upscale([input, path("on.png"), "--deblock", "on"])
        #expect(on.status == 0, "\(on.stderr)")
        #expect(on.stdout.contains("deblocked first"), "\(on.stdout)")
        #expect(try historyParameters(path("on.png")).contains("; deblocked within the input's JPEG quantization tables; input JPEG quality 30"))
        let off = try upscale([input, path("off.png"), "--deblock", "off"])
        #expect(off.status == 0 && !off.stdout.contains("deblocked"), "\(off.stdout)")
        #expect(try !historyParameters(path("off.png")).contains("deblocked"))
    }
}
