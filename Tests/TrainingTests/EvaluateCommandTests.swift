/// `enhance-ctl evaluate` and `fine-tune --degrade` as a person runs them: the real binary,
/// the installed models, real photos.
import Testing
import Foundation
import Degradation
import Imaging
import ModelFormats
import TestSupport
import Training

@Suite("enhance-ctl evaluate and fine-tune --degrade", .serialized)
struct EvaluateCommandTests {
    let env = ["ENHANCE_MODEL_DIR": TestEnvironment.modelDirectory]

    /// Two HR photos: coffee.jpg (400×300) and the 256×256 face the SRGAN fixtures hold — or,
    /// for `cup`, the 144×212 cup, smooth enough that deblocking a q30 copy of it helps
    /// bicubic clearly (+0.22 dB here; coffee +0.06 dB, the face only +0.03).
    func photos(cup: Bool = false) throws -> URL {
        let root = try TestEnvironment.temporaryDirectory("enhance-evaluate")
        let data = root.appendingPathComponent("hr")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: TestEnvironment.fixture("UpscalingTests", "coffee.jpg"),
                                         toPath: data.appendingPathComponent("coffee.jpg").path)
        let (fixture, name) = cup ? ("sr_pre_cup.png", "cup.png") : ("sr_pre_face.png", "face.png")
        try FileManager.default.copyItem(atPath: TestEnvironment.fixture("SRGANTests", fixture),
                                         toPath: data.appendingPathComponent(name).path)
        return root
    }

    /// The JSON report of `arguments`.
    func report(_ arguments: [String]) throws -> [String: Any] {
        let run = try evaluate(arguments + ["--json"])
        #expect(run.status == 0, "\(run.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    }

    /// Per image name, its rows by method.
    func rows(_ report: [String: Any]) throws -> [String: [String: NSDictionary]] {
        let images = try #require(report["images"] as? [[String: Any]])
        return try Dictionary(uniqueKeysWithValues: images.map { image in
            let results = try #require(image["results"] as? [NSDictionary])
            return (try #require(image["image"] as? String),
                    Dictionary(uniqueKeysWithValues: results.map { ($0["method"] as! String, $0) }))
        })
    }

    func methods(_ report: [String: Any], image: Int) -> [String]? {
        ((report["images"] as? [[String: Any]])?[image]["results"] as? [[String: Any]])?.compactMap { $0["method"] as? String }
    }

    func evaluate(_ arguments: [String]) throws -> CommandResult {
        try runCommand(TestEnvironment.binary("enhance-ctl"), ["evaluate", "--threads", "2"] + arguments, environment: env)
    }

    @Test("--json: per image and mean, bicubic then each model then the reference, PSNR-Y/SSIM-Y as the table prints them")
    func tableAndJSON() throws {
        let root = try photos()
        defer { try? FileManager.default.removeItem(at: root) }
        let data = root.appendingPathComponent("hr").path
        let args = ["--data", data, "--model", "srgan-pre", "--degrade", "jpeg:q=40"]
        let json = try evaluate(args + ["--json"])
        #expect(json.status == 0, "\(json.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let images = try #require(report["images"] as? [[String: Any]])
        #expect(images.map { $0["image"] as? String } == ["coffee.jpg", "face.png"])
        for image in images {
            let results = try #require(image["results"] as? [[String: Any]])
            #expect(results.map { $0["method"] as? String } == ["bicubic", "srgan-pre", "reference"])
            let bicubic = try #require(results[0]["psnr_y"] as? Double)
            #expect(bicubic > 20 && bicubic < 45)
            #expect((results[1]["ssim_y"] as? Double).map { $0 > 0.3 && $0 <= 1 } == true)
            #expect(results[2]["psnr_y"] == nil && results[2]["blockiness"] as? Double != nil)
        }
        let mean = try #require(report["mean"] as? [[String: Any]])
        let first = try #require(images[0]["results"] as? [[String: Any]]), second = try #require(images[1]["results"] as? [[String: Any]])
        for k in 0..<2 {
            let expected = ((first[k]["psnr_y"] as! Double) + (second[k]["psnr_y"] as! Double)) / 2
            #expect(abs((mean[k]["psnr_y"] as? Double ?? 0) - expected) < 1e-9)
        }
        // The table says the same, rounded, and the same run twice gives the same numbers (fixed seeds).
        let table = try evaluate(args)
        #expect(table.status == 0, "\(table.stderr)")
        let bicubicMean = String(format: "%.2f", mean[0]["psnr_y"] as! Double)
        let line = try #require(table.stdout.split(separator: "\n").first { $0.hasPrefix("mean of 2") && $0.contains("bicubic") })
        #expect(line.contains(bicubicMean), "\(table.stdout)")
        #expect(table.stdout.hasPrefix("input: jpeg:p=1,q=40\n"))
        #expect(try evaluate(args + ["--json"]).stdout == json.stdout)
    }

    @Test("--sheet: one row per photo of 128-px crops — input ×4, bicubic, each model, reference — 4-px gaps")
    func contactSheet() throws {
        let root = try photos()
        defer { try? FileManager.default.removeItem(at: root) }
        let sheet = root.appendingPathComponent("sheet.png").path
        let result = try evaluate(["--data", root.appendingPathComponent("hr").path, "--model", "srgan-pre",
                                   "--model", "srgan-gan", "--sheet", sheet])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("contact sheet: \(sheet)"))
        let image = try PixelBuffer.load(path: sheet)
        // 5 columns (input, bicubic, 2 models, reference) and 2 rows of 128 px, 4-px gaps around.
        #expect(image.width == 5 * 128 + 6 * 4 && image.height == 2 * 128 + 3 * 4 && image.channels == 3)
        // The gaps are mid-gray; the reference tile is the HR photo's centre crop on the 32-px grid.
        #expect(image[2, 50, 0] == 128 && image[4 + 128 + 1, 50, 1] == 128)
        let face = try PixelBuffer.load(path: TestEnvironment.fixture("SRGANTests", "sr_pre_face.png"))
        let (x0, y0) = (4 + 4 * (128 + 4), 4 + 128 + 4)   // reference column, second row (face.png)
        for (dx, dy) in [(0, 0), (17, 90), (127, 127)] {
            for k in 0..<3 { #expect(image[x0 + dx, y0 + dy, k] == face[64 + dx, 64 + dy, k]) }
        }
        // The input tile is nearest-neighbour: each 4×4 block is one colour.
        let (ix, iy) = (4, y0)
        #expect(image[ix, iy, 0] == image[ix + 3, iy + 3, 0])
    }

    @Test("--deblock on JPEG q30 inputs adds bicubic+deblock and <model>+deblock rows: deblocked first, each is nearer the HR and less blocky; every other row is the run's without --deblock")
    func deblockRows() throws {
        let root = try photos(cup: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let args = ["--data", root.appendingPathComponent("hr").path, "--model", "srgan-pre", "--degrade", "jpeg:q=30"]
        let plain = try report(args), deblocked = try report(args + ["--deblock"])
        #expect(deblocked["deblocked_inputs"] as? Int == 2 && plain["deblocked_inputs"] == nil)
        for image in 0..<2 {
            #expect(methods(deblocked, image: image) == ["bicubic", "bicubic+deblock", "srgan-pre", "srgan-pre+deblock", "reference"])
        }
        let (before, after) = (try rows(plain), try rows(deblocked))
        for (image, row) in after {
            for method in ["bicubic", "srgan-pre"] {
                let (blocky, smooth) = (try #require(row[method]), try #require(row[method + "+deblock"]))
                #expect((smooth["psnr_y"] as! Double) > (blocky["psnr_y"] as! Double), "\(image) \(method)")
                #expect((smooth["blockiness"] as! Double) < (blocky["blockiness"] as! Double), "\(image) \(method)")
            }
            // The rows both runs have are the very same numbers: the inputs are drawn as before.
            #expect(row.filter { !$0.key.hasSuffix("+deblock") } == before[image], "\(image)")
        }
        let mean = try #require(deblocked["mean"] as? [NSDictionary])
        #expect(mean.map { $0["method"] as? String } == ["bicubic", "bicubic+deblock", "srgan-pre", "srgan-pre+deblock", "reference"])
        #expect(mean.allSatisfy { $0["images"] as? Int == 2 })
        #expect(mean.filter { !($0["method"] as! String).hasSuffix("+deblock") } == (plain["mean"] as? [NSDictionary]))
        let table = try evaluate(args + ["--deblock"])
        #expect(table.stdout.hasPrefix("input: jpeg:p=1,q=30; +deblock: 2 of 2 inputs are JPEGs, deblocked with their own tables first"
                                       + " (inputs that are not JPEG have no +deblock rows)\n"), "\(table.stdout)")
        #expect(table.stdout.split(separator: "\n").contains { $0.hasPrefix("mean of 2 ") && $0.contains(" srgan-pre+deblock ") },
                "\(table.stdout)")
    }

    @Test("--deblock with clean inputs adds no rows; with --lr a .jpg LR is deblocked from its file as from the degraded JPEG's bytes, a .png one gets none — blank on the sheet")
    func deblockOnlyJPEGs() throws {
        let root = try photos(cup: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let hr = root.appendingPathComponent("hr").path
        let clean = try report(["--data", hr, "--deblock"])
        #expect(clean["deblocked_inputs"] as? Int == 0)
        #expect(methods(clean, image: 0) == ["bicubic", "reference"] && methods(clean, image: 1) == ["bicubic", "reference"])
        #expect((clean["mean"] as? [[String: Any]])?.map { $0["method"] as? String } == ["bicubic", "reference"])

        // cup.jpg: the very file `--degrade jpeg:q=30` makes of the cup's clean LR; coffee.png: a clean LR.
        let lr = root.appendingPathComponent("lr")
        try FileManager.default.createDirectory(at: lr, withIntermediateDirectories: true)
        let cup = ImagePair(path: hr + "/cup.png", hr: try RGBImage.load(path: hr + "/cup.png"))
        try Data(try JPEGCompression.compress(cup.lr, quality: 30).jpeg).write(to: lr.appendingPathComponent("cup.jpg"))
        let coffee = ImagePair(path: hr + "/coffee.jpg", hr: try RGBImage.load(path: hr + "/coffee.jpg"))
        try PixelBuffer(width: coffee.lr.width, height: coffee.lr.height, channels: 3,
                        floatSamples: coffee.lr.pixels.map { $0.rounded() }).save(path: lr.appendingPathComponent("coffee.png").path)
        let sheet = root.appendingPathComponent("sheet.png").path
        let given = try report(["--data", hr, "--lr", lr.path, "--deblock", "--sheet", sheet])
        #expect(given["deblocked_inputs"] as? Int == 1)
        #expect(methods(given, image: 0) == ["bicubic", "reference"])
        #expect(methods(given, image: 1) == ["bicubic", "bicubic+deblock", "reference"])
        let degraded = try rows(try report(["--data", hr, "--degrade", "jpeg:q=30", "--deblock"]))
        #expect(try rows(given)["cup.png"] == degraded["cup.png"])
        let mean = try #require(given["mean"] as? [[String: Any]])
        #expect(mean.map { $0["method"] as? String } == ["bicubic", "bicubic+deblock", "reference"])
        #expect(mean.map { $0["images"] as? Int } == [2, 1, 2])

        // Columns: input, input+deblock, bicubic, bicubic+deblock, reference; 128-px tiles, 4-px gaps.
        let image = try PixelBuffer.load(path: sheet)
        let t = 128, g = 4
        #expect(image.width == 5 * t + 6 * g && image.height == 2 * t + 3 * g)
        func tile(_ column: Int, _ row: Int) -> [Float] {
            var out: [Float] = []
            for y in 0..<t { for x in 0..<t { for k in 0..<3 {
                out.append(Float(image[g + column * (t + g) + x, g + row * (t + g) + y, k]))
            } } }
            return out
        }
        // coffee (row 0, not a JPEG): its +deblock tiles are blank; the cup's are pictures, not its blocky ones.
        for column in [1, 3] {
            #expect(tile(column, 0).allSatisfy { $0 == 128 })
            #expect(tile(column, 1) != tile(column - 1, 1) && Set(tile(column, 1)).count > 20)
        }
    }

    @Test("--lr: LR files of the wrong size are refused naming the file and both sizes")
    func wrongLRSize() throws {
        let root = try photos()
        defer { try? FileManager.default.removeItem(at: root) }
        let lr = root.appendingPathComponent("lr")
        try FileManager.default.createDirectory(at: lr, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: TestEnvironment.fixture("SRGANTests", "lr_face.png"), toPath: lr.appendingPathComponent("face.png").path)
        try FileManager.default.copyItem(atPath: TestEnvironment.fixture("SRGANTests", "lr_face.png"), toPath: lr.appendingPathComponent("coffee.png").path)
        let result = try evaluate(["--data", root.appendingPathComponent("hr").path, "--lr", lr.path])
        #expect(result.status == 1)
        #expect(result.stderr == "enhance-ctl: \(lr.path)/coffee.png: 64×64, but its HR photo needs 100×75 (a quarter of \(root.path)/hr/coffee.jpg, cropped to a multiple of 4)\n")
    }

    @Test("a bad --degrade is a usage error (64) said once")
    func badSpec() throws {
        let result = try evaluate(["--data", "/tmp", "--degrade", "jpeg:q=0"])
        #expect(result.status == 64)
        #expect(result.stderr.components(separatedBy: "degradation spec").count == 2, "\(result.stderr)")
        #expect(result.stderr.contains("degradation spec 'jpeg:q=0': jpeg q=0: outside 1-100"))
    }

    @Test("fine-tune --help documents the presets and every stage; a bad --degrade is a usage error before anything runs")
    func fineTuneHelpAndBadSpec() throws {
        let help = try runCommand(TestEnvironment.binary("enhance-ctl"), ["fine-tune", "--help"])
        for word in ["jpeg", "noise", "realistic", "blur, blur2", "resize, resize2", "noise, noise2", "jpeg, jpeg2", "sinc", "clean"] {
            #expect(help.stdout.contains(word), "\(word)")
        }
        let bad = try runCommand(TestEnvironment.binary("enhance-ctl"),
                                 ["fine-tune", "--data", "/nonexistent", "--out", "/tmp/never.safetensors", "--degrade", "blur:sigma=3-1"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("degradation spec 'blur:sigma=3-1': blur sigma=3-1: the range's low end is above its high end"), "\(bad.stderr)")
    }

    @Test("fine-tune --degrade trains on degraded crops, scores each kind at fixed seeds, and records the spec")
    func fineTuneDegrade() throws {
        let root = try photos()
        defer { try? FileManager.default.removeItem(at: root) }
        let val = root.appendingPathComponent("val")
        try FileManager.default.createDirectory(at: val, withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: root.appendingPathComponent("hr/face.png").path, toPath: val.appendingPathComponent("face.png").path)
        let out = root.appendingPathComponent("tuned.safetensors").path
        let common = ["fine-tune", "--data", root.appendingPathComponent("hr").path, "--val", val.path, "--out", out,
                      "--batch", "2", "--adv-weight", "0", "--threads", "2", "--validate-every", "2", "--log-every", "1",
                      "--degrade", "jpeg;noise:p=0.5"]
        let run = try runCommand(TestEnvironment.binary("enhance-ctl"), common + ["--steps", "2"], environment: env)
        #expect(run.status == 0, "\(run.stderr)")
        for kind in ["noise", "jpeg", "all"] {
            #expect(run.stderr.contains("base model on the held-out images degraded by \(kind): PSNR-Y"), "\(run.stderr)")
            #expect(run.stderr.contains("held-out photos degraded by \(kind): base PSNR-Y"), "\(run.stderr)")
        }
        let model = try TensorFile.read(path: out)
        #expect(model.metadata["fine_tune_degrade"] == "noise:p=0.5,gaussian=0.5,sigma=1-30,poisson=0.05-3,gray=0.4;jpeg:p=1,q=30-95")
        #expect(model.metadata["fine_tune_validation_jpeg"]?.hasPrefix("PSNR-Y ") == true)
        #expect(model.metadata["fine_tune_hyper_parameters"]?.contains(" degrade=noise:p=0.5") == true)
        // Resuming with other degradations would silently mix two trainings: refused.
        let other = try runCommand(TestEnvironment.binary("enhance-ctl"),
                                   common.dropLast() + ["jpeg", "--steps", "3", "--resume"], environment: env)
        #expect(other.status == 1)
        #expect(other.stderr.contains("was trained with other degradations"), "\(other.stderr)")
    }
}
