/// Scoring a generator on held-out images: ×4 bicubic LR in, 8-bit SR out (clipped and rounded
/// as the product writes it), PSNR and SSIM on Y against the HR image.
import Degradation
import Foundation
import ModelFormats
import SRGAN

public struct Scores: Sendable, Equatable, CustomStringConvertible {
    public var psnr: Double
    public var ssim: Double
    public var description: String { String(format: "PSNR-Y %.3f dB, SSIM-Y %.4f", psnr, ssim) }
}

public enum Validation {
    /// Mean PSNR-Y and SSIM-Y of the generator in `file` over `pairs`, fed each pair's clean LR
    /// or, given `inputs` (one per pair, the LR's size), those.
    public static func score(_ file: TensorFile, pairs: [ImagePair], threads: Int,
                             inputs: [RGBImage]? = nil) throws -> Scores {
        let generator = try Generator(weights: GeneratorWeights(file, path: "(model being trained)"), threads: threads)
        var psnr = 0.0, ssim = 0.0
        for (i, pair) in pairs.enumerated() {
            let lr = inputs?[i] ?? pair.lr
            let sr = try generator.run(lr.pixels, height: lr.height, width: lr.width)
            // Round half to even like the product's 8-bit output (tf.round).
            let image = RGBImage(width: pair.hr.width, height: pair.hr.height,
                                 pixels: sr.map { min(max($0, 0), 255).rounded(.toNearestOrEven) })
            psnr += Quality.psnrY(image, pair.hr)
            ssim += Quality.ssimY(image, pair.hr)
        }
        return Scores(psnr: psnr / Double(pairs.count), ssim: ssim / Double(pairs.count))
    }

    /// The seed of validation's degradations: fixed, not the run's, so every run (and the base
    /// model) is scored on the very same inputs.
    public static let degradationSeed: UInt64 = 0x5EED_0F_FA11

    /// For each kind of degradation in `spec` (`DegradationSpec.kinds`), the held-out images'
    /// LR inputs degraded at fixed seeds: (validation seed, kind's position, image's position).
    public static func degradedInputs(_ pairs: [ImagePair], spec: DegradationSpec) throws
        -> [(kind: String, inputs: [RGBImage])] {
        try spec.kinds.enumerated().map { k, kind in
            let degrader = Degrader(kind.spec)
            let inputs = try pairs.enumerated().map { i, pair in
                var rng = SplitMix64(seed: degradationSeed, step: k, index: i)
                return try degrader.degrade(highResolution: pair.hr, cleanLowResolution: pair.lr, rng: &rng)
            }
            return (kind: kind.name, inputs: inputs)
        }
    }

    /// `score` on each degraded set: (kind, scores) in the sets' order.
    public static func scoreByKind(_ file: TensorFile, pairs: [ImagePair], sets: [(kind: String, inputs: [RGBImage])],
                                   threads: Int) throws -> [(kind: String, scores: Scores)] {
        try sets.map { (kind: $0.kind, scores: try score(file, pairs: pairs, threads: threads, inputs: $0.inputs)) }
    }
}
