/// `enhance-ctl fine-tune` as a person runs it: the real binary, the installed models, real files.
import Testing
import Foundation
import Hashing
import ModelFormats
import TestSupport

@Suite("enhance-ctl fine-tune", .serialized)
struct FineTuneCommandTests {
    func dataSet() throws -> (root: URL, data: String, val: String) {
        let root = try TestEnvironment.temporaryDirectory("enhance-finetune")
        let data = root.appendingPathComponent("photos/nested"), val = root.appendingPathComponent("val")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: val, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: TestEnvironment.fixture("UpscalingTests", "coffee.jpg"),
                                         toPath: data.appendingPathComponent("coffee.jpg").path)
        try FileManager.default.copyItem(atPath: TestEnvironment.fixture("SRGANTests", "sr_gan_tiny.png"),
                                         toPath: val.appendingPathComponent("tiny.png").path)
        return (root, root.appendingPathComponent("photos").path, val.path)
    }

    @Test("vgg54 without VGG19 weights is refused with a message saying where to get them")
    func vggNeedsWeights() throws {
        let result = try runCommand(TestEnvironment.binary("enhance-ctl"),
                                    ["fine-tune", "--data", "/nonexistent", "--out", "/tmp/x.safetensors", "--content", "vgg54"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"))
    }

    @Test("two steps write a model that records its base, data and scores; --resume continues from the checkpoint")
    func shortRunAndResume() throws {
        let (root, data, val) = try dataSet()
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("tuned.safetensors").path
        let env = ["ENHANCE_MODEL_DIR": TestEnvironment.modelDirectory]
        let common = ["fine-tune", "--data", data, "--val", val, "--out", out, "--batch", "1", "--adv-weight", "0",
                      "--threads", "1", "--validate-every", "2", "--log-every", "1"]
        let first = try runCommand(TestEnvironment.binary("enhance-ctl"), common + ["--steps", "2"], environment: env)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("step 2/2"))
        let model = try TensorFile.read(path: out)
        let base = try SHA256.hexDigest(ofFile: TestEnvironment.model("srgan-gan.safetensors"))
        #expect(model.metadata["fine_tuned_from_sha256"] == base)
        #expect(model.metadata["fine_tune_steps"] == "2")
        #expect(model.metadata["fine_tune_manifest_sha256"]?.count == 64)
        #expect(model.metadata["fine_tune_validation_psnr_y"].flatMap(Double.init) != nil)
        #expect(model.tensors["res.15.bn2.var"] != nil)
        // `model list` shows the scores fine-tune recorded, by the model's name.
        let listed = try runCommand(TestEnvironment.binary("enhance-ctl"), ["model", "list", "--directory", root.path, "--json"])
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        let tuned = try #require(entries.first { $0["name"] as? String == "tuned" }, "\(listed.stdout)\(listed.stderr)")
        // Equal to the digit JSON carries: JSONSerialization writes 15 significant digits, so a
        // double may come back one unit in its 16th digit off (0.9787273548053728 → …373).
        for (key, field) in [("validationPSNR", "fine_tune_validation_psnr_y"), ("validationSSIM", "fine_tune_validation_ssim_y")] {
            let listedValue = try #require(tuned[key] as? Double, "\(key) in \(listed.stdout)")
            let recorded = try #require(model.metadata[field].flatMap(Double.init), "\(field)")
            #expect(abs(listedValue - recorded) <= 1e-12 * max(1, abs(recorded)), "\(key): \(listedValue) against \(recorded)")
        }
        #expect(tuned["fineTuneSteps"] as? Int == 2 && tuned["architecture"] as? String == "srgan-generator")
        let table = try runCommand(TestEnvironment.binary("enhance-ctl"), ["model", "list", "--directory", root.path])
        let psnr = try #require(model.metadata["fine_tune_validation_psnr_y"].flatMap(Double.init))
        #expect(table.stdout.contains(String(format: "%.2f dB", psnr)), "\(table.stdout)")

        let second = try runCommand(TestEnvironment.binary("enhance-ctl"), common + ["--steps", "3", "--resume"],
                                    environment: env)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("resumed at step 2"))
        #expect(try TensorFile.read(path: out).metadata["fine_tune_steps"] == "3")
    }

    @Test("Ctrl-C: the step in progress finishes, a checkpoint is written, and --resume picks it up")
    func interruptLeavesACheckpoint() throws {
        let (root, data, val) = try dataSet()
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("tuned.safetensors").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try TestEnvironment.binary("enhance-ctl"))
        process.arguments = ["fine-tune", "--data", data, "--val", val, "--out", out, "--batch", "1", "--adv-weight", "0",
                             "--threads", "1", "--steps", "40", "--log-every", "1", "--checkpoint-every", "1000"]
        var env = ProcessInfo.processInfo.environment
        env["ENHANCE_MODEL_DIR"] = TestEnvironment.modelDirectory
        process.environment = env
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        var seen = ""
        while !seen.contains("step 1/40") {
            let chunk = errors.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
        }
        process.interrupt() // SIGINT, as Ctrl-C sends
        seen += String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130, "\(seen)")
        #expect(seen.contains("checkpoint"))
        #expect(FileManager.default.fileExists(atPath: out + ".checkpoint"))
        #expect(!FileManager.default.fileExists(atPath: out)) // no half-trained model pretends to be finished
        let step = try TensorFile.read(path: out + ".checkpoint").metadata["step"].flatMap(Int.init) ?? 0
        #expect(step >= 1 && step < 40)
    }

    @Test("--promote replaces the daemon's model atomically when validation did not regress, then sends SIGHUP to the pid in its lock file")
    func promoteAndSignal() throws {
        let (root, data, val) = try dataSet()
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("tuned.safetensors").path
        let active = root.appendingPathComponent("active.safetensors").path
        try Data("the daemon's current model".utf8).write(to: URL(fileURLWithPath: active))
        // A stand-in daemon: any process whose pid is in the lock file; SIGHUP ends a `sleep`.
        let daemon = Process()
        daemon.executableURL = URL(fileURLWithPath: "/bin/sleep")
        daemon.arguments = ["60"]
        try daemon.run()
        let lock = root.appendingPathComponent("enhance.sqlite.lock").path
        try Data("\(daemon.processIdentifier)\n".utf8).write(to: URL(fileURLWithPath: lock))
        // Learning rate 0: the weights do not move, so validation cannot regress.
        let result = try runCommand(TestEnvironment.binary("enhance-ctl"),
                                    ["fine-tune", "--data", data, "--val", val, "--out", out, "--batch", "1",
                                     "--adv-weight", "0", "--threads", "1", "--steps", "1", "--lr", "0",
                                     "--promote", active, "--daemon-lock", lock],
                                    environment: ["ENHANCE_MODEL_DIR": TestEnvironment.modelDirectory])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: active)) == Data(contentsOf: URL(fileURLWithPath: out)))
        // The test runner's children inherit its blocked signals, so the stand-in cannot react;
        // the kernel's record of a pending SIGHUP (bit 1 of ShdPnd/SigPnd) shows it was sent.
        let status = try String(contentsOfFile: "/proc/\(daemon.processIdentifier)/status", encoding: .utf8)
        let pending = status.split(separator: "\n").filter { $0.hasPrefix("ShdPnd:") || $0.hasPrefix("SigPnd:") }
            .compactMap { UInt64($0.split(separator: "\t").last ?? "", radix: 16) }.reduce(0, |)
        kill(daemon.processIdentifier, SIGKILL)
        daemon.waitUntilExit()
        #expect(pending & 1 == 1, "no SIGHUP pending for the stand-in daemon: \(status)")
        #expect(!(try FileManager.default.contentsOfDirectory(atPath: root.path)).contains { $0.contains(".incoming-") })
    }
}
