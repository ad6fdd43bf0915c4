/// scripts/install lays out everything a systemd installation needs (staged with DESTDIR).
import Foundation
import Testing
import TestSupport

@Suite("scripts/install")
struct InstallScriptTests {
    @Test("a staged install holds the binaries, configuration, models and all three units")
    func stagedInstall() throws {
        let stage = try TestEnvironment.temporaryDirectory("install")
        defer { try? FileManager.default.removeItem(at: stage) }
        let script = TestEnvironment.packageRoot.appendingPathComponent("scripts/install").path
        let result = try runCommand("/bin/bash", [script], environment: ["DESTDIR": stage.path])
        #expect(result.status == 0, "\(result.stderr)")
        for path in ["usr/local/bin/enhanced", "usr/local/bin/enhance-ctl", "etc/enhance/enhance.toml",
                     "var/lib/enhance/models/srgan-gan.safetensors",
                     "var/lib/enhance/models/srgan-discriminator.safetensors",
                     "etc/systemd/system/enhanced.service", "etc/systemd/system/enhance-finetune.service",
                     "etc/systemd/system/enhance-finetune.timer"] {
            #expect(FileManager.default.fileExists(atPath: stage.appendingPathComponent(path).path), "\(path) missing")
        }
        #expect(FileManager.default.isExecutableFile(atPath: stage.appendingPathComponent("usr/local/bin/enhanced").path))
    }
}
