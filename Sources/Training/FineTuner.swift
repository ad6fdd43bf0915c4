/// Training: fine-tuning the SRGAN generator on a user's photos — the training graphs of the
/// generator, discriminator and VGG19 features, the training step, data, quality metrics,
/// checkpoints and the loop around them. Only `enhance-ctl` links it; the daemon runs `SRGAN`
/// (inference) alone. The images it works on and their degradations are `Degradation`'s.
///
/// This file: the fine-tuning run: load the starting weights, train for N steps with checkpoints and
/// validation, stop cleanly on Ctrl-C, and write a model that records where it came from.
import Degradation
import Foundation
import Hashing
import ModelFormats
import Neural
import SRGAN

public struct FineTuneOptions: Sendable {
    public var data: String
    public var output: String
    public var from: String
    public var discriminator: String?
    /// VGG19 features file: the content loss is then `vgg54` instead of `mse`.
    public var vgg19: String?
    public var steps = 1000
    public var batch = 16
    public var crop = 96
    public var learningRate: Float = 1e-4
    public var adversarialWeight: Float = 1e-3
    public var validation: String?
    public var checkpointEvery = 500
    public var validateEvery = 500
    public var resume = false
    public var seed: UInt64 = 1
    public var threads = 2
    public var batchNorm: BatchNorm.Mode = .frozenStatistics
    /// Stride-1 3×3 convolutions of both networks: Winograd where oneDNN has it (−35 % step time).
    public var algorithm: Convolution.Algorithm = .auto
    /// Training LR = this degradation of the HR crop (instead of its clean bicubic LR);
    /// validation then also scores each kind of it at fixed seeds.
    public var degrade: DegradationSpec?

    public init(data: String, output: String, from: String) {
        (self.data, self.output, self.from) = (data, output, from)
    }

    public var checkpointPath: String { output + ".checkpoint" }

    var hyperParameters: String {
        "steps=\(steps) batch=\(batch) crop=\(crop) lr=\(learningRate) content=\(vgg19 == nil ? "mse" : "vgg54") adv_weight=\(discriminator == nil ? 0 : adversarialWeight) batch_norm=\(batchNorm.rawValue) algorithm=\(algorithm.rawValue) seed=\(seed)"
            + (degrade.map { " degrade=\($0)" } ?? "")
    }
}

public struct FineTuneProgress: Sendable {
    public var step: Int
    public var steps: Int
    public var losses: StepLosses
    public var secondsPerStep: Double
    public var validation: Scores?
    /// With `degrade`: the held-out scores on each kind of degraded input, when `validation` is set.
    public var validationByKind: [(kind: String, scores: Scores)] = []
}

public struct FineTuneResult: Sendable {
    public var stepsDone: Int
    public var interrupted: Bool
    public var base: Scores?
    public var final: Scores?
    public var baseByKind: [(kind: String, scores: Scores)] = []
    public var finalByKind: [(kind: String, scores: Scores)] = []
    public var wallSeconds: Double
}

public final class FineTuner: @unchecked Sendable {
    public let options: FineTuneOptions
    /// Set from a signal handler: finish the current step, checkpoint, stop.
    nonisolated(unsafe) public static var interruptRequested: sig_atomic_t = 0

    public init(options: FineTuneOptions) { self.options = options }

    public func run(progress: (FineTuneProgress) -> Void, log: (String) -> Void) throws -> FineTuneResult {
        let o = options
        let started = Date()
        let baseFile = try TensorFile.read(path: o.from)
        let baseSHA = try SHA256.hexDigest(ofFile: o.from)
        let all = try Dataset.scan(o.data)
        var (trainFiles, valFiles) = Dataset.split(all)
        if let val = o.validation {
            valFiles = try Dataset.scan(val)
            trainFiles = all.filter { !Set(valFiles).contains($0) }
        }
        guard !trainFiles.isEmpty else { throw TrainingError("\(o.data): no training images left after the validation split") }
        let manifest = try Dataset.manifestHash(trainFiles, root: o.data)
        log("data: \(trainFiles.count) training images, \(valFiles.count) held out for validation; manifest sha256 \(manifest.prefix(16))…")
        let trainPairs = try Dataset.load(trainFiles), valPairs = try Dataset.load(valFiles)

        let engine = try Engine(threads: o.threads)
        let g = try TrainableGenerator(batch: o.batch, height: o.crop / 4, width: o.crop / 4,
                                       configuration: .init(batchNorm: o.batchNorm, algorithm: o.algorithm), engine: engine)
        try g.load(baseFile, path: o.from)
        var d: TrainableDiscriminator?
        if let path = o.discriminator, o.adversarialWeight > 0 {
            d = try TrainableDiscriminator(batch: o.batch, configuration: .init(inputSize: o.crop, algorithm: o.algorithm),
                                           engine: engine)
            try d!.load(try TensorFile.read(path: path), path: path)
        }
        var vgg: TrainableVGG?
        if let path = o.vgg19 {
            // An imported file, or Keras' notop .h5 itself (imported on the fly).
            let file = path.hasSuffix(".h5") ? try KerasImporter.importFile(path: path) : try TensorFile.read(path: path)
            if let kind = file.metadata["architecture"], kind != ModelArchitecture.vgg19Features.rawValue {
                throw TrainingError("\(path): a \(kind) model, not VGG19 features")
            }
            vgg = try TrainableVGG(batch: o.batch, size: o.crop, engine: engine)
            try vgg!.load(file, path: path)
        }
        let step = try TrainingStep(generator: g, discriminator: d, learningRate: o.learningRate,
                                    adversarialWeight: o.adversarialWeight, vgg: vgg)
        var first = 0
        var base: Scores?
        if o.resume, FileManager.default.fileExists(atPath: o.checkpointPath) {
            let (n, meta) = try Checkpoint.restore(path: o.checkpointPath, into: step)
            guard meta["base_sha256"] == baseSHA, meta["manifest_sha256"] == manifest else {
                throw TrainingError("\(o.checkpointPath) was made from another base model or data set; remove it or drop --resume")
            }
            guard meta["degrade"] == o.degrade?.description else {
                throw TrainingError("\(o.checkpointPath) was trained with other degradations (\(meta["degrade"] ?? "none")); give the same --degrade, or remove it")
            }
            first = n
            if let p = meta["base_psnr"].flatMap(Double.init), let s = meta["base_ssim"].flatMap(Double.init) {
                base = Scores(psnr: p, ssim: s)
            }
            log("resumed at step \(n) from \(o.checkpointPath)")
        }
        if base == nil, !valPairs.isEmpty {
            base = try Validation.score(baseFile, pairs: valPairs, threads: o.threads)
            log("base model on the held-out images: \(base!)")
        }
        // Validation's degraded inputs are made once (fixed seeds) and scored every time.
        let degradedSets = try o.degrade.map { try Validation.degradedInputs(valPairs, spec: $0) } ?? []
        func byKind(_ file: TensorFile) throws -> [(kind: String, scores: Scores)] {
            if valPairs.isEmpty { return [] }
            return try Validation.scoreByKind(file, pairs: valPairs, sets: degradedSets, threads: o.threads)
        }
        let baseByKind = try byKind(baseFile)
        for (kind, scores) in baseByKind { log("base model on the held-out images degraded by \(kind): \(scores)") }
        var metadata = ["base_sha256": baseSHA, "manifest_sha256": manifest, "hyper_parameters": o.hyperParameters]
        if let d = o.degrade { metadata["degrade"] = d.description }
        if let b = base { metadata["base_psnr"] = String(b.psnr); metadata["base_ssim"] = String(b.ssim) }

        let sampler = try CropSampler(pairs: trainPairs, batchSize: o.batch, crop: o.crop, seed: o.seed,
                                      degrader: o.degrade.map { Degrader($0) })
        let loader = BatchLoader(sampler: sampler, startStep: first)
        defer { loader.stop() }
        var done = first, interrupted = false, latest: Scores?, latestByKind: [(kind: String, scores: Scores)] = []
        var recent: [Double] = []
        while done < o.steps {
            if FineTuner.interruptRequested != 0 { interrupted = true; break }
            let batch = try loader.batch(step: done)
            let t0 = Date()
            let losses = try step.run(lowResolution: batch.lowResolution, highResolution: batch.highResolution)
            recent.append(Date().timeIntervalSince(t0))
            if recent.count > 20 { recent.removeFirst() }
            done += 1
            var scores: Scores?, scoresByKind: [(kind: String, scores: Scores)] = []
            if !valPairs.isEmpty, done % o.validateEvery == 0 || done == o.steps {
                let current = try g.tensorFile()
                scores = try Validation.score(current, pairs: valPairs, threads: o.threads)
                scoresByKind = try byKind(current)
                (latest, latestByKind) = (scores, scoresByKind)
            }
            progress(FineTuneProgress(step: done, steps: o.steps, losses: losses,
                                      secondsPerStep: recent.reduce(0, +) / Double(recent.count), validation: scores,
                                      validationByKind: scoresByKind))
            if done % o.checkpointEvery == 0 && done < o.steps {
                try Checkpoint.save(path: o.checkpointPath, step: step, stepNumber: done, metadata: metadata)
            }
        }
        try Checkpoint.save(path: o.checkpointPath, step: step, stepNumber: done, metadata: metadata)
        if !interrupted {
            if latest == nil, !valPairs.isEmpty {
                latest = try Validation.score(try g.tensorFile(), pairs: valPairs, threads: o.threads)
                latestByKind = try byKind(try g.tensorFile())
            }
            var meta = baseFile.metadata
            meta["fine_tuned_from_sha256"] = baseSHA
            meta["fine_tune_manifest_sha256"] = manifest
            meta["fine_tune_hyper_parameters"] = o.hyperParameters
            meta["fine_tune_steps"] = String(done)
            meta["fine_tune_training_images"] = String(trainFiles.count)
            if let b = base { meta["fine_tune_base_validation"] = b.description }
            if let l = latest { meta["fine_tune_validation"] = l.description
                meta["fine_tune_validation_psnr_y"] = String(l.psnr); meta["fine_tune_validation_ssim_y"] = String(l.ssim) }
            for (kind, scores) in latestByKind { meta["fine_tune_validation_\(kind)"] = scores.description }
            if let d = o.degrade { meta["fine_tune_degrade"] = d.description }
            meta.removeValue(forKey: "source_sha256")
            meta["source_file"] = o.from
            try g.tensorFile(metadata: meta).write(to: o.output)
        }
        return FineTuneResult(stepsDone: done, interrupted: interrupted, base: base, final: latest,
                              baseByKind: baseByKind, finalByKind: latestByKind, wallSeconds: Date().timeIntervalSince(started))
    }
}
