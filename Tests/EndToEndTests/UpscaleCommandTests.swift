/// `enhance-ctl upscale`, run as a person runs it: the real binary, real files, real weights.
import Foundation
import Testing
import Imaging
import TestSupport

@Suite("enhance-ctl upscale", .serialized)
final class UpscaleCommandTests {
    let ctl: String
    let directory: URL

    init() throws {
        ctl = try TestEnvironment.binary("enhance-ctl")
        directory = try TestEnvironment.temporaryDirectory("upscale")
        _ = try TestEnvironment.model("srgan-gan.safetensors")
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func upscale(_ arguments: [String]) throws -> CommandResult {
        try runCommand(ctl, ["upscale"] + arguments, environment: ["ENHANCE_MODEL_DIR": TestEnvironment.modelDirectory])
    }

    func readAll(_ path: String) throws -> (info: ImageInfo, samples: [UInt8]) {
        let reader = try ImageReader(path: path)
        var samples: [UInt8] = []
        try reader.readRows(count: reader.info.height, into: &samples)
        return (reader.info, samples)
    }

    /// Files in the work directory other than the ones a test put there itself.
    func leftovers(except kept: Set<String>) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { !kept.contains($0) }.sorted()
    }

    @Test("a photograph comes out as TensorFlow's SRGAN makes it: ≤ 0.1 % of values differ, none by more than 1",
          arguments: ["face", "fur", "cup"])
    func matchesReference(photo: String) throws {
        let output = path("\(photo).x4.png")
        let result = try upscale([TestEnvironment.fixture("SRGANTests", "lr_\(photo).png"), output])
        #expect(result.status == 0, "\(result.stderr)")
        let ours = try readAll(output)
        let reference = try readAll(TestEnvironment.fixture("SRGANTests", "sr_gan_\(photo).png"))
        #expect(ours.info.width == reference.info.width && ours.info.height == reference.info.height)
        let differing = zip(ours.samples, reference.samples).filter { $0 != $1 }
        #expect(Double(differing.count) <= 0.001 * Double(ours.samples.count), "\(differing.count) values differ")
        #expect(differing.allSatisfy { abs(Int($0) - Int($1)) <= 1 })
    }

    @Test("JPEG in, JPEG out, 4× in each direction, tiled when larger than a tile")
    func jpeg() throws {
        let output = path("coffee.x4.jpg")
        let result = try upscale([TestEnvironment.fixture("UpscalingTests", "coffee.jpg"), output,
                                  "--tile", "128", "--threads", "1", "--quality", "85"])
        #expect(result.status == 0, "\(result.stderr)")
        let info = try ImageReader(path: output).info
        #expect(info.format == .jpeg)
        #expect((info.width, info.height, info.channels) == (1600, 1200, 3))
        #expect(result.stdout.contains("1600×1200"))
    }

    @Test("a run longer than a second shows a progress bar on a terminal, and nothing on stderr otherwise")
    func progressBar() throws {
        let input = TestEnvironment.fixture("UpscalingTests", "coffee.jpg")
        // `script` runs the command on a pseudo-terminal, as a person's shell would.
        let command = [ctl, "upscale", input, path("tty.png"), "--threads", "1"].map { "'\($0)'" }.joined(separator: " ")
        let onTerminal = try runCommand("/usr/bin/script", ["-qec", command, "/dev/null"],
                                        environment: ["ENHANCE_MODEL_DIR": TestEnvironment.modelDirectory])
        #expect(onTerminal.status == 0, "\(onTerminal.stdout)")
        #expect(onTerminal.stdout.contains("upscaling") && onTerminal.stdout.contains("100%"), "\(onTerminal.stdout)")

        let piped = try upscale([input, path("piped.png"), "--threads", "1"])
        #expect(piped.status == 0)
        #expect(piped.stderr.isEmpty, "\(piped.stderr)")
    }

    @Test("grayscale in, grayscale out")
    func grayscale() throws {
        let input = path("gray.png"), output = path("gray.x4.png")
        let face = try readAll(TestEnvironment.fixture("SRGANTests", "lr_face.png"))
        let gray = stride(from: 0, to: face.samples.count, by: 3).map { face.samples[$0 + 1] }
        let writer = try ImageWriter(path: input, info: ImageInfo(width: face.info.width, height: face.info.height,
                                                                 channels: 1, bitDepth: 8, format: .png))
        try writer.writeRows(gray)
        try writer.finish()
        let result = try upscale([input, output])
        #expect(result.status == 0, "\(result.stderr)")
        let out = try readAll(output)
        #expect((out.info.width, out.info.height, out.info.channels) == (4 * face.info.width, 4 * face.info.height, 1))
    }

    /// Bad inputs: each fails with one line naming the file and the cause, exit status 1, and
    /// nothing — not even a temporary file — is left where the output would go.
    @Test("bad input files are refused with one clear line and leave nothing behind",
          arguments: [
            ("empty.png", Data(), "empty"),
            ("truncated.png", Data(), "truncated"),
            ("random.jpg", Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 13) }), "unsupported"),
            ("notes.jpg", Data("these are my holiday notes, not a photo\n".utf8), "unsupported"),
          ])
    func badInputs(name: String, bytes: Data, cause: String) throws {
        let input = path(name)
        var content = bytes
        if name == "truncated.png" {
            let full = try Data(contentsOf: URL(fileURLWithPath: TestEnvironment.fixture("SRGANTests", "lr_face.png")))
            content = full.prefix(full.count / 2)
        }
        try content.write(to: URL(fileURLWithPath: input))
        let result = try upscale([input, path("out.png")])
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(result.stderr.contains(input) && result.stderr.contains(cause), "\(result.stderr)")
        #expect(try leftovers(except: [name]) == [])
    }

    @Test("a directory, a missing file, an unknown output type and an output that is the input are refused")
    func badPaths() throws {
        let folder = path("album.png")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        let photo = path("photo.png")
        try FileManager.default.copyItem(atPath: TestEnvironment.fixture("SRGANTests", "lr_tiny.png"), toPath: photo)
        let cases: [([String], String)] = [
            ([folder, path("a.png")], "\(folder): is a directory"),
            ([path("nowhere.png"), path("b.png")], "\(path("nowhere.png")): not found"),
            ([photo, path("c.gif")], "\(path("c.gif")): unsupported format"),
            ([photo, photo], "output would overwrite the input"),
        ]
        for (arguments, message) in cases {
            let result = try upscale(arguments)
            #expect(result.status == 1)
            #expect(result.stderr.contains(message), "\(result.stderr)")
        }
        #expect(try leftovers(except: ["album.png", "photo.png"]) == [])
    }

    @Test("each refusal says its cause once, and a folder given as OUT says it is a folder")
    func causeSaidOnce() throws {
        let photo = path("photo.png"), notes = path("notes.png"), folder = path("album")
        try FileManager.default.copyItem(atPath: TestEnvironment.fixture("SRGANTests", "lr_tiny.png"), toPath: photo)
        try Data("my holiday notes\n".utf8).write(to: URL(fileURLWithPath: notes))
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        let cases: [([String], String)] = [
            ([notes, path("a.png")], "\(notes): unsupported format: content is not PNG, JPEG, TIFF, WebP, HEIC or AVIF (unrecognised leading bytes)"),
            ([folder, path("b.png")], "\(folder): is a directory, not an image file"),
            ([photo, "/nonexistent/c.png"], "/nonexistent/c.png: cannot create a temporary file in /nonexistent: No such file or directory"),
            ([photo, folder], "\(folder): is a directory: the output must name a file, e.g. \(folder)/photo.x4.png"),
            ([photo, folder + "/"], "\(folder)/: is a directory: the output must name a file, e.g. \(folder)/photo.x4.png"),
        ]
        for (arguments, message) in cases {
            let result = try upscale(arguments)
            #expect(result.status == 1)
            #expect(result.stderr == "enhance-ctl: \(message)\n")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == [])
    }

    @Test("a missing model names the file and how to install the default one")
    func missingModel() throws {
        let result = try runCommand(ctl, ["upscale", TestEnvironment.fixture("SRGANTests", "lr_tiny.png"), path("x.png")],
                                    environment: ["ENHANCE_MODEL_DIR": path("no-models")])
        #expect(result.status == 1)
        #expect(result.stderr.contains("no-models/srgan-gan.safetensors") && result.stderr.contains("scripts/setup"))
    }
}
