/// Models by name: `enhance-ctl model list` shows what is installed, and `--model NAME` finds
/// `NAME.safetensors` in the model directory — the real binary on the installed models.
import Foundation
import Hashing
import Testing
import TestSupport

@Suite("models by name")
struct ModelByNameTests {
    let ctl = try! TestEnvironment.binary("enhance-ctl")
    let environment = ["ENHANCE_MODEL_DIR": TestEnvironment.modelDirectory]

    @Test("model list shows each installed model's name, architecture, parameters, sha256 and source")
    func list() throws {
        let result = try runCommand(ctl, ["model", "list"], environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        let rows = result.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(rows.first == ["NAME", "ARCHITECTURE", "PARAMS", "SHA256", "VALIDATION", "SOURCE"])
        for (name, source) in [("srgan-gan", "gan_generator.h5"), ("srgan-pre", "pre_generator.h5")] {
            let sha = try SHA256.hexDigest(ofFile: try TestEnvironment.model(name + ".safetensors"))
            let row = try #require(rows.first { $0.first == name }, "\(result.stdout)")
            #expect(row == [name, "srgan-generator", "1554883", String(sha.prefix(12)), "-", source])
        }
        let json = try runCommand(ctl, ["model", "list", "--json"], environment: environment)
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        let gan = try #require(entries.first { $0["name"] as? String == "srgan-gan" })
        #expect(gan["sha256"] as? String == (try SHA256.hexDigest(ofFile: try TestEnvironment.model("srgan-gan.safetensors"))))
        #expect(gan["path"] as? String == TestEnvironment.modelDirectory + "/srgan-gan.safetensors")
    }

    @Test("--model srgan-pre is the installed file of that name: the same image as its path gives")
    func byName() throws {
        let directory = try TestEnvironment.temporaryDirectory("by-name")
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = TestEnvironment.fixture("SRGANTests", "lr_tiny.png")
        let byName = directory.appendingPathComponent("name.png").path
        let byPath = directory.appendingPathComponent("path.png").path
        let gan = directory.appendingPathComponent("gan.png").path
        let named = try runCommand(ctl, ["upscale", input, byName, "--model", "srgan-pre", "--no-provenance"], environment: environment)
        #expect(named.status == 0, "\(named.stderr)")
        let pathed = try runCommand(ctl, ["upscale", input, byPath, "--model", try TestEnvironment.model("srgan-pre.safetensors"), "--no-provenance"],
                                    environment: environment)
        #expect(pathed.status == 0, "\(pathed.stderr)")
        #expect(try runCommand(ctl, ["upscale", input, gan, "--model", "srgan-gan", "--no-provenance"], environment: environment).status == 0)
        let bytes = { (path: String) in try Data(contentsOf: URL(fileURLWithPath: path)) }
        #expect(try bytes(byName) == bytes(byPath))
        #expect(try bytes(byName) != bytes(gan), "srgan-pre and srgan-gan are different weights")
    }

    @Test("an unknown name fails once, listing the installed names; a missing path says no such file")
    func unknownName() throws {
        let input = TestEnvironment.fixture("SRGANTests", "lr_tiny.png")
        let unknown = try runCommand(ctl, ["upscale", input, "/tmp/never.png", "--model", "srgan-nope"], environment: environment)
        #expect(unknown.status == 1)
        #expect(unknown.stderr == "enhance-ctl: srgan-nope: no model of that name in \(TestEnvironment.modelDirectory) (installed: srgan-discriminator, srgan-gan, srgan-pre; see enhance-ctl model list)\n")
        let missing = try runCommand(ctl, ["upscale", input, "/tmp/never.png", "--model", "/nowhere/m.safetensors"],
                                     environment: environment)
        #expect(missing.stderr == "enhance-ctl: /nowhere/m.safetensors: no such model file\n")
    }
}
