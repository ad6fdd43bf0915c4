/// scripts/install lays out everything a systemd installation needs (staged with DESTDIR).
import Foundation
import Testing
import TestSupport

@Suite("scripts/install")
struct InstallScriptTests {
    /// Runs scripts/install into a fresh staging folder (the caller removes it) with the binaries
    /// under test (its default is .build/release, which scripts/setup builds).
    func stage(_ label: String) throws -> URL {
        let stage = try TestEnvironment.temporaryDirectory(label)
        let script = TestEnvironment.packageRoot.appendingPathComponent("scripts/install").path
        let binaries = (try TestEnvironment.binary("enhanced") as NSString).deletingLastPathComponent
        let result = try runCommand("/bin/bash", [script], environment: ["DESTDIR": stage.path, "ENHANCE_BINARIES": binaries])
        #expect(result.status == 0, "\(result.stderr)")
        return stage
    }

    @Test("a staged install holds the binaries, configuration, models and all three units")
    func stagedInstall() throws {
        let stage = try stage("install")
        defer { try? FileManager.default.removeItem(at: stage) }
        for path in ["usr/local/bin/enhanced", "usr/local/bin/enhance-ctl", "etc/enhance/enhance.toml",
                     "var/lib/enhance/models/srgan-gan.safetensors",
                     "var/lib/enhance/models/srgan-discriminator.safetensors",
                     "etc/systemd/system/enhanced.service", "etc/systemd/system/enhance-finetune.service",
                     "etc/systemd/system/enhance-finetune.timer"] {
            #expect(FileManager.default.fileExists(atPath: stage.appendingPathComponent(path).path), "\(path) missing")
        }
        #expect(FileManager.default.isExecutableFile(atPath: stage.appendingPathComponent("usr/local/bin/enhanced").path))
    }

    @Test("a staged install holds the three manual pages, which man renders, and enhance-ctl's bash, zsh and fish completions")
    func manualsAndCompletions() throws {
        let stage = try stage("install-man")
        defer { try? FileManager.default.removeItem(at: stage) }
        let share = stage.appendingPathComponent("usr/local/share").path
        for (page, title, mentions) in [("man1/enhance-ctl.1", "ENHANCE-CTL(1)", ["status", "enqueue", "--dry-run", "model"]),
                                        ("man8/enhanced.8", "ENHANCED(8)", ["--check-config", "--dry-run", "SIGHUP"]),
                                        ("man5/enhance.toml.5", "ENHANCE.TOML(5)", ["watch", "background", "shutdown_timeout"])] {
            // What a person sees: `man -l` formats the installed file (MANWIDTH: no terminal here).
            let shown = try runCommand("/usr/bin/man", ["-l", share + "/man/" + page], environment: ["MANWIDTH": "80", "MANPAGER": "cat"])
            #expect(shown.status == 0, "\(page): \(shown.stderr)")
            #expect(shown.stdout.hasPrefix(title), "\(page): \(shown.stdout.prefix(200))")
            #expect(shown.stdout.contains("NAME") && shown.stdout.contains("DESCRIPTION"), "\(page)")
            for word in mentions { #expect(shown.stdout.contains(word), "\(page) does not mention \(word)") }
        }
        // `man` finds them by name under the staged prefix, as it does under /usr/local after install.
        let found = try runCommand("/usr/bin/man", ["-M", share + "/man", "-w", "enhance.toml"])
        #expect(found.stdout == share + "/man/man5/enhance.toml.5\n", "\(found.stdout)\(found.stderr)")
        for (file, marker) in [("bash-completion/completions/enhance-ctl", "complete -"),
                               ("zsh/site-functions/_enhance-ctl", "#compdef enhance-ctl"),
                               ("fish/vendor_completions.d/enhance-ctl.fish", "complete -c 'enhance-ctl'")] {
            let text = (try? String(contentsOfFile: share + "/" + file, encoding: .utf8)) ?? ""
            #expect(text.contains(marker), "\(file): \(text.prefix(200))")
            #expect(text.contains("enqueue") && text.contains("status"), "\(file) lists the subcommands")
        }
    }
}
