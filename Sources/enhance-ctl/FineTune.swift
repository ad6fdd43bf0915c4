/// `enhance-ctl fine-tune`: train the generator further on a user's own photos, checkpointed,
/// validated on held-out images, and (with --promote) handed to the daemon only if it got better.
import ArgumentParser
import Foundation
import ModelFormats
import Neural
import Storage
import Training

struct FineTune: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fine-tune",
        abstract: "Fine-tune the SRGAN generator on your own photos (CPU; checkpointed; Ctrl-C is safe).",
        discussion: DegradeOption.discussion)

    @Option(help: "Directory of training photos (PNG/JPEG, searched recursively).")
    var data: String

    @Option(help: "Where to write the fine-tuned model (safetensors). Its checkpoint is <out>.checkpoint.")
    var out: String

    @Option(help: "Starting generator (default: the installed srgan-gan.safetensors).")
    var from: String?

    @Option(help: "Starting discriminator (default: the installed srgan-discriminator.safetensors).")
    var discriminator: String?

    @Option(help: "Training steps in total (a resumed run continues up to this number).")
    var steps: Int = 1000

    @Option(help: "Crops per step.")
    var batch: Int = 16

    @Option(help: "Adam learning rate.")
    var lr: Float = 1e-4

    @Option(help: "Content loss: mse (pixels) or vgg54 (VGG19 conv5_4 features).")
    var content: ContentLoss = .mse

    @Option(help: "VGG19 weights for --content vgg54 (imported with `enhance-ctl model import` from Keras' vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5).")
    var vgg19: String?

    @Option(help: "Weight of the adversarial loss (0: train on the content loss alone, no discriminator).")
    var advWeight: Float = 1e-3

    @Option(help: "Validation photos (default: every 10th photo of --data is held out and never trained on).")
    var val: String?

    @Option(help: "Write a checkpoint every N steps (and always at the end or on Ctrl-C).")
    var checkpointEvery: Int = 500

    @Option(help: "Score the held-out photos every N steps.")
    var validateEvery: Int = 500

    @Flag(help: "Continue from <out>.checkpoint exactly where it stopped.")
    var resume = false

    @Option(help: "Seed of the crop and augmentation sequence.")
    var seed: UInt64 = 1

    @Option(help: "oneDNN threads.")
    var threads: Int = 2

    @Option(help: "Batch norm while training: frozen (keep the pretrained statistics; inference computes exactly what was trained) or batch (batch statistics, as the reference's GAN stage).")
    var batchNorm: BatchNormChoice = .frozen

    @Option(help: "After training, atomically replace this model file (the daemon's model.path) if validation did not get worse.")
    var promote: String?

    @Option(help: "The running daemon's lock file (<state.database>.lock, which holds its pid): send it SIGHUP after --promote so it reloads the model.")
    var daemonLock: String?

    @Option(help: "Stride-1 3×3 convolutions: auto (Winograd where available), winograd or direct.")
    var algorithm: AlgorithmChoice = .auto

    @Option(help: DegradeOption.help)
    var degrade: String?

    @Option(help: "Print a progress line every N steps.")
    var logEvery: Int = 10

    /// Mistakes in the command line itself: usage errors (exit status 64), before anything runs.
    func validate() throws {
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard logEvery >= 1 else { throw ValidationError("--log-every must be at least 1") }
        _ = try DegradeOption.parse(degrade)
    }

    func run() throws {
        try reportingFailures {
            // Missing weights are not a usage error: the command line is right, the machine lacks
            // a file. So this is checked here (exit status 1), not in `validate()`.
            if content == .vgg54 {
                guard let vgg19, FileManager.default.fileExists(atPath: vgg19) else {
                    throw Failure("--content vgg54 needs VGG19 weights: download vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5 (Keras applications, github.com/fchollet/deep-learning-models releases), import it with `enhance-ctl model import`, and pass the result as --vgg19 FILE")
                }
            }
            var o = FineTuneOptions(data: data, output: out, from: try ModelLocator.resolve(from))
            if advWeight > 0 {
                let path = discriminator ?? ModelLocator.modelDirectory + "/srgan-discriminator.safetensors"
                guard FileManager.default.fileExists(atPath: path) else {
                    throw Failure("\(path): no discriminator (import gan_discriminator.h5 with `enhance-ctl model import`, pass --discriminator FILE, or train without one: --adv-weight 0)")
                }
                o.discriminator = path
            }
            o.vgg19 = content == .vgg54 ? vgg19 : nil
            o.algorithm = algorithm.algorithm
            o.degrade = try DegradeOption.parse(degrade)
            (o.steps, o.batch, o.learningRate, o.adversarialWeight, o.validation) = (steps, batch, lr, advWeight, val)
            (o.checkpointEvery, o.validateEvery, o.resume, o.seed, o.threads, o.batchNorm) =
                (max(1, checkpointEvery), max(1, validateEvery), resume, seed, threads, batchNorm.mode)

            // A parent may hand us these signals blocked (posix_spawn keeps the spawning thread's
            // mask): unblock them, or Ctrl-C and `systemctl stop` would never reach the handler.
            var signals = sigset_t()
            sigemptyset(&signals)
            sigaddset(&signals, SIGINT)
            sigaddset(&signals, SIGTERM)
            pthread_sigmask(SIG_UNBLOCK, &signals, nil)
            signal(SIGINT) { _ in FineTuner.interruptRequested = 1 }
            signal(SIGTERM) { _ in FineTuner.interruptRequested = 1 }
            func say(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }
            let result = try FineTuner(options: o).run(progress: { p in
                guard p.step % logEvery == 0 || p.step == p.steps || p.validation != nil else { return }
                let eta = Double(p.steps - p.step) * p.secondsPerStep
                var line = String(format: "step %d/%d  content %.5f", p.step, p.steps, p.losses.content)
                if o.discriminator != nil {
                    line += String(format: "  adversarial %.4f  discriminator %.4f", p.losses.adversarial, p.losses.discriminator)
                }
                line += String(format: "  %.2f s/step  ETA %dm%02ds", p.secondsPerStep, Int(eta) / 60, Int(eta) % 60)
                if let v = p.validation { line += "  validation \(v)" }
                say(line)
                for (kind, scores) in p.validationByKind { say("  held-out, degraded by \(kind): \(scores)") }
            }, log: say)
            if result.interrupted {
                say("interrupted after step \(result.stepsDone): checkpoint \(o.checkpointPath) written; continue with --resume")
                throw ExitCode(130)
            }
            say(String(format: "done: %d steps in %.0f s; wrote %@", result.stepsDone, result.wallSeconds, out))
            if let b = result.base, let f = result.final { say("held-out photos: base \(b) → fine-tuned \(f)") }
            for ((kind, b), (_, f)) in zip(result.baseByKind, result.finalByKind) {
                say("held-out photos degraded by \(kind): base \(b) → fine-tuned \(f)")
            }
            if let target = promote { try promoteModel(to: target, result: result) }
        }
    }

    /// Replaces `target` only if held-out PSNR-Y did not drop, by rename within its directory
    /// (the daemon never sees a half-written file), then asks the daemon to reload.
    func promoteModel(to target: String, result: FineTuneResult) throws {
        guard let b = result.base, let f = result.final else {
            throw Failure("--promote needs validation scores, and there were no held-out photos")
        }
        guard f.psnr >= b.psnr else {
            FileHandle.standardError.write(Data("not promoted: held-out PSNR-Y fell from \(b) to \(f)\n".utf8))
            return
        }
        try Self.copyAtomically(out, to: target)
        FileHandle.standardError.write(Data("promoted to \(target)\n".utf8))
        guard let lock = daemonLock else {
            FileHandle.standardError.write(Data("no --daemon-lock given: reload the daemon yourself (systemctl reload enhanced, or kill -HUP <pid>)\n".utf8))
            return
        }
        guard let text = try? String(contentsOfFile: lock, encoding: .utf8),
              let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0 else {
            throw Failure("\(lock): no daemon pid in it (is enhanced running?)")
        }
        guard kill(pid, SIGHUP) == 0 else { throw Failure("signalling daemon pid \(pid): \(String(cString: strerror(errno)))") }
        FileHandle.standardError.write(Data("sent SIGHUP to the daemon (pid \(pid)); it reloads the model when its sha256 changed\n".utf8))
    }

    /// The daemon may load `target` at any moment (on SIGHUP, or at start-up after a crash), so
    /// it must only ever hold a whole model: copy into a Storage temporary in the target's own
    /// folder, fsync, rename, fsync the folder. The copy keeps the model's permission bits.
    static func copyAtomically(_ source: String, to target: String) throws {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw Failure("\(source): cannot open (\(String(cString: strerror(errno))))") }
        defer { close(input) }
        var status = stat()
        guard fstat(input, &status) == 0 else { throw Failure("\(source): cannot stat (\(String(cString: strerror(errno))))") }
        let copy = try PendingFile(replacing: target, mode: status.st_mode & 0o666)
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw Failure("\(source): cannot read (\(String(cString: strerror(errno))))") }
            if count == 0 { break }
            // A typed-throws closure passed to withUnsafeBytes crashes the 6.3 compiler: carry
            // the failure out instead.
            let failure = buffer.withUnsafeBytes { raw -> StorageError? in
                do throws(StorageError) { try copy.write(UnsafeRawBufferPointer(rebasing: raw[..<count])) } catch { return error }
                return nil
            }
            if let failure { throw failure }
        }
        try copy.commit()
    }
}
