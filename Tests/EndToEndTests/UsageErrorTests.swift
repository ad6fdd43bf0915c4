/// `enhance-ctl`'s command line as a specification: options that take one of a few words list
/// them in `--help`, and a wrong word or number is a usage error (exit status 64, EX_USAGE) that
/// says what is allowed, before any work starts or any file is touched.
import Foundation
import Testing
import TestSupport

@Suite("enhance-ctl usage errors and help")
struct UsageErrorTests {
    let ctl = try! TestEnvironment.binary("enhance-ctl")

    @Test("a --content other than mse or vgg54 exits 64 with a usage message naming both")
    func badContent() throws {
        let result = try runCommand(ctl, ["fine-tune", "--data", "/nonexistent", "--out", "/tmp/never.safetensors",
                                          "--content", "l1"])
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("--content"), "\(result.stderr)")
        #expect(result.stderr.contains("'l1'"), "\(result.stderr)")
        #expect(result.stderr.contains("mse") && result.stderr.contains("vgg54"), "\(result.stderr)")
        #expect(result.stderr.contains("Usage: enhance-ctl fine-tune"), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test("fine-tune --help lists the values of --content, --batch-norm and --algorithm")
    func fineTuneHelpListsChoices() throws {
        let result = try runCommand(ctl, ["fine-tune", "--help"])
        #expect(result.status == 0)
        let help = result.stdout.split(separator: "\n").map { String($0) }
        // Help wraps long lines; what matters is that each list appears once, whole.
        let text = help.map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        #expect(text.contains("values: mse, vgg54"), "\(result.stdout)")
        #expect(text.contains("values: frozen, batch"), "\(result.stdout)")
        #expect(text.contains("values: auto, winograd, direct"), "\(result.stdout)")
    }

    @Test("bench speed, bench train and bench memory list their choices too")
    func benchHelpListsChoices() throws {
        for (command, list) in [(["bench", "speed"], "values: auto, winograd, direct"),
                                (["bench", "train"], "values: auto, winograd, direct"),
                                (["bench", "memory"], "values: jpg, png")] {
            let result = try runCommand(ctl, command + ["--help"])
            #expect(result.status == 0)
            let text = result.stdout.split(separator: "\n")
                .map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
            #expect(text.contains(list), "\(command): \(result.stdout)")
        }
    }

    @Test("wrong words and numbers are usage errors, each naming its option", arguments: [
        (["fine-tune", "--data", "d", "--out", "o", "--batch-norm", "running"], "--batch-norm"),
        (["fine-tune", "--data", "d", "--out", "o", "--algorithm", "fft"], "--algorithm"),
        (["fine-tune", "--data", "d", "--out", "o", "--batch", "0"], "--batch"),
        (["fine-tune", "--data", "d", "--out", "o", "--log-every", "0"], "--log-every"),
        (["bench", "--algorithm", "fast"], "--algorithm"),
        (["bench", "train", "--crop", "30"], "--crop"),
        (["bench", "memory", "--format", "gif"], "--format"),
        (["upscale", "in.png", "out.png", "--threads", "0"], "--threads"),
        (["bench", "memory", "--threads", "0"], "--threads"),
        (["jobs", "--limit=-3"], "--limit"),
        (["jobs", "--limit", "0"], "--limit"),
    ])
    func usageErrors(arguments: [String], option: String) throws {
        let result = try runCommand(ctl, arguments)
        #expect(result.status == 64, "\(arguments): \(result.stderr)")
        #expect(result.stderr.contains(option), "\(arguments): \(result.stderr)")
        #expect(result.stderr.contains("Usage:"), "\(arguments): \(result.stderr)")
    }

    @Test("upscale --help shows the shared --model and --threads options")
    func upscaleHelpHasModelOptions() throws {
        let result = try runCommand(ctl, ["upscale", "--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("--model <model>") && result.stdout.contains("--threads <threads>"), "\(result.stdout)")
    }
}
