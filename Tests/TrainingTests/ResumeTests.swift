/// Checkpoints carry everything: a run stopped, saved and resumed ends bit-identical to one that
/// never stopped.
import Testing
import Foundation
import ModelFormats
import Neural
import SRGAN
import Degradation
import Training
import TestSupport

@Suite("checkpoints and exact resumption", .serialized)
struct ResumeTests {
    let engine = try! Engine(threads: 1)

    func makeStep(seed: UInt64) throws -> TrainingStep {
        let g = try TrainableGenerator(batch: 2, height: 4, width: 4,
                                       configuration: .init(residualBlocks: 1, features: 16, batchNorm: .batchStatistics),
                                       engine: engine)
        let d = try TrainableDiscriminator(batch: 2, configuration: .init(inputSize: 16, filters: 16, denseUnits: 8),
                                           engine: engine)
        for (i, e) in (g.parameters.entries + d.parameters.entries).enumerated() {
            let p = e.parameter
            let v: [Float] = p.name.hasSuffix("gamma") ? Array(repeating: 1, count: p.elementCount)
                : randomValues(p.elementCount, scale: 0.1, seed: seed &+ UInt64(i))
            try p.store(v, engine: engine)
        }
        return try TrainingStep(generator: g, discriminator: d, learningRate: 1e-3)
    }

    func sampler() throws -> CropSampler {
        var rng = SplitMix64(seed: 9)
        let pairs = (0..<3).map { i in
            ImagePair(path: "synthetic \(i)", hr: RGBImage(width: 40, height: 36,
                                                           pixels: (0..<(40 * 36 * 3)).map { _ in Float(rng.next() % 256) }))
        }
        return try CropSampler(pairs: pairs, batchSize: 2, crop: 16, seed: 5)
    }

    func everything(_ step: TrainingStep) throws -> [String: Tensor] {
        let url = try TestEnvironment.temporaryDirectory("enhance-ckpt")
        defer { try? FileManager.default.removeItem(at: url) }
        try Checkpoint.save(path: url.path + "/c", step: step, stepNumber: 0, metadata: [:])
        return try TensorFile.read(path: url.path + "/c").tensors
    }

    @Test("the crop sampler is a function of (seed, step): prefetching cannot change what a step sees")
    func samplerIsReproducible() throws {
        let s = try sampler()
        #expect(try s.batch(step: 7).highResolution == s.batch(step: 7).highResolution)
        #expect(try s.batch(step: 7).lowResolution != s.batch(step: 8).lowResolution)
        let loader = BatchLoader(sampler: s, startStep: 3)
        #expect(try loader.batch(step: 3).lowResolution == s.batch(step: 3).lowResolution)
        #expect(try loader.batch(step: 4).highResolution == s.batch(step: 4).highResolution)
        loader.stop()
    }

    @Test("with --degrade, a step's degraded LR crops are a function of (seed, step) too, prefetched or not")
    func degradedSamplerIsReproducible() throws {
        let clean = try sampler()
        let s = try CropSampler(pairs: clean.pairs, batchSize: 2, crop: 16, seed: 5,
                                degrader: Degrader(try DegradationSpec(parsing: "realistic")))
        let (a, b) = (try s.batch(step: 7), try s.batch(step: 7))
        #expect(a.lowResolution == b.lowResolution && a.highResolution == b.highResolution)
        // The same crops as without degradation; only the LR differs.
        #expect(a.highResolution == (try clean.batch(step: 7)).highResolution)
        #expect(a.lowResolution != (try clean.batch(step: 7)).lowResolution)
        #expect(try s.batch(step: 8).lowResolution != a.lowResolution)
        let loader = BatchLoader(sampler: s, startStep: 6)
        #expect(try loader.batch(step: 6).lowResolution == s.batch(step: 6).lowResolution)
        #expect(try loader.batch(step: 7).lowResolution == a.lowResolution)
        loader.stop()
    }

    @Test("4 steps straight equal 2 steps, checkpoint, restore into fresh networks, 2 more — bit for bit")
    func resumeIsExact() throws {
        let s = try sampler()
        let straight = try makeStep(seed: 1)
        for k in 0..<4 { try straight.run(lowResolution: s.batch(step: k).lowResolution, highResolution: s.batch(step: k).highResolution) }

        let first = try makeStep(seed: 1)
        for k in 0..<2 { try first.run(lowResolution: s.batch(step: k).lowResolution, highResolution: s.batch(step: k).highResolution) }
        let dir = try TestEnvironment.temporaryDirectory("enhance-resume")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.path + "/run.checkpoint"
        try Checkpoint.save(path: path, step: first, stepNumber: 2, metadata: ["note": "test"])

        let resumed = try makeStep(seed: 77) // different weights until restored
        let (n, meta) = try Checkpoint.restore(path: path, into: resumed)
        #expect(n == 2 && meta["note"] == "test" && meta["format"] == Checkpoint.format)
        for k in n..<4 { try resumed.run(lowResolution: s.batch(step: k).lowResolution, highResolution: s.batch(step: k).highResolution) }
        #expect(resumed.generatorOptimizer.step == 4)
        let a = try everything(straight), b = try everything(resumed)
        #expect(a.keys.count > 50 && a == b)
    }

    @Test("a file that is not a checkpoint is refused with its format named")
    func refusesOtherFiles() throws {
        let dir = try TestEnvironment.temporaryDirectory("enhance-resume")
        defer { try? FileManager.default.removeItem(at: dir) }
        try TensorFile(metadata: ["format": "enhance-weights/1"], tensors: [:]).write(to: dir.path + "/w")
        #expect(throws: TrainingError.self) { try Checkpoint.restore(path: dir.path + "/w", into: try makeStep(seed: 1)) }
    }
}
