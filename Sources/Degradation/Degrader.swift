/// Degradation: synthetic low-resolution inputs that look like real old photos — blur, resize
/// with random kernels, Gaussian and Poisson noise and JPEG re-compression in memory, in one or
/// two rounds and a final sinc filter, as Real-ESRGAN (Wang et al. 2021) builds its training
/// pairs. Training uses it for `fine-tune --degrade`, `enhance-ctl evaluate` to make its test
/// inputs. Every draw comes from a `SplitMix64` the caller makes from (seed, step, index), so a
/// resumed run sees exactly the inputs an uninterrupted one would.
///
/// This file: the pipeline, in Real-ESRGAN's order.
import Foundation
import Imaging

public struct Degrader: Sendable {
    public let spec: DegradationSpec
    /// The LR side is the HR side over this.
    public let factor: Int

    public init(_ spec: DegradationSpec, factor: Int = 4) { (self.spec, self.factor) = (spec, factor) }

    /// The degraded LR of `highResolution`, of its size over `factor` (the HR's sides are
    /// multiples of it). `cleanLowResolution` is its plain bicubic LR: the start when the spec
    /// has no blur or resize stage (so `jpeg` and `noise` degrade exactly what evaluation's
    /// clean inputs are), and what a `clean` draw returns. Samples come back whole levels 0…255.
    public func degrade(highResolution hr: RGBImage, cleanLowResolution lr: RGBImage,
                        rng: inout SplitMix64) throws -> RGBImage {
        try degradeKeepingJPEG(highResolution: hr, cleanLowResolution: lr, rng: &rng).image
    }

    /// `degrade`, with the same draws, and the bytes of the JPEG the result is the decoding of
    /// — when its last stage that changed anything was a JPEG re-compression (nil otherwise):
    /// the file a user would have, which `evaluate --deblock` deblocks as the product does.
    public func degradeKeepingJPEG(highResolution hr: RGBImage, cleanLowResolution lr: RGBImage,
                                   rng: inout SplitMix64) throws -> (image: RGBImage, jpeg: [UInt8]?) {
        let s = spec
        let (tw, th) = (hr.width / factor, hr.height / factor)
        if s.clean > 0, rng.chance(s.clean) { return (lr, nil) }
        // The latest JPEG and its decoding: still the input's file only if nothing after it
        // changed a pixel, which comparing at the end says whatever stages ran.
        var saved: (image: RGBImage, jpeg: [UInt8])?
        func compress(_ x: RGBImage, _ j: DegradationSpec.JPEG) throws -> RGBImage {
            saved = try JPEGCompression.compress(x, quality: rng.integer(j.quality))
            return saved!.image
        }
        var x: RGBImage
        if s.startsFromHighResolution {
            x = hr
            if let b = s.blur, rng.chance(b.probability) { x = Self.drawKernel(b, rng: &rng).apply(to: x) }
            if let r = s.resize {
                let scale = Self.drawScale(r, rng: &rng)
                x = Resampler.resize(x, width: max(Int(Double(hr.width) * scale), 1), height: max(Int(Double(hr.height) * scale), 1),
                                     mode: Self.drawMode(r.modeWeights, rng: &rng))
            }
        } else {
            x = lr
        }
        if let n = s.noise { x = Self.addNoise(n, to: x, rng: &rng) }
        if let j = s.jpeg, rng.chance(j.probability) { x = try compress(x, j) }
        if let b = s.blur2, rng.chance(b.probability) { x = Self.drawKernel(b, rng: &rng).apply(to: x) }
        if let r = s.resize2 {
            let scale = Self.drawScale(r, rng: &rng)
            x = Resampler.resize(x, width: max(Int(Double(tw) * scale), 1), height: max(Int(Double(th) * scale), 1),
                                 mode: Self.drawMode(r.modeWeights, rng: &rng))
        }
        if let n = s.noise2 { x = Self.addNoise(n, to: x, rng: &rng) }
        // The last JPEG and the final resize with its sinc come in either order (Real-ESRGAN
        // draws it): a photo resized after saving, or saved after resizing.
        let modes = s.resize2?.modeWeights ?? s.resize?.modeWeights ?? [1, 1, 1]
        let jpegFirst = rng.chance(0.5)
        if jpegFirst, let j = s.jpeg2, rng.chance(j.probability) { x = try compress(x, j) }
        if (x.width, x.height) != (tw, th) {
            x = Resampler.resize(x, width: tw, height: th, mode: Self.drawMode(modes, rng: &rng))
        }
        if let f = s.sinc, rng.chance(f.probability) {
            let size = rng.odd(f.sizes)
            x = BlurKernel.sinc(size: size, cutoff: rng.uniform(Double.pi / 3...Double.pi)).apply(to: x)
        }
        if !jpegFirst, let j = s.jpeg2, rng.chance(j.probability) { x = try compress(x, j) }
        x.pixels = x.pixels.map { min(max($0, 0), 255).rounded(.toNearestOrEven) }
        guard let jpeg = saved.flatMap({ $0.image == x ? $0.jpeg : nil }) else { return (x, nil) }
        guard s.deblock else { return (x, jpeg) }
        // What the daemon hands the network for this file; no longer a JPEG's plain decoding.
        let coefficients = try JPEGCoefficients(bytes: jpeg, label: "a degraded crop's JPEG")
        return (RGBImage(width: coefficients.width, height: coefficients.height, samples: JPEGDeblocker.deblock(coefficients),
                         channels: coefficients.components.count == 1 ? 1 : 3), nil)
    }

    /// BasicSR's `random_mixed_kernels` and the sinc alternative of Real-ESRGAN's dataset.
    static func drawKernel(_ b: DegradationSpec.Blur, rng: inout SplitMix64) -> BlurKernel {
        let size = rng.odd(b.sizes)
        if rng.chance(b.sinc) {
            let low = size < 13 ? Double.pi / 3 : Double.pi / 5
            return BlurKernel.sinc(size: size, cutoff: rng.uniform(low...Double.pi))
        }
        let shape = BlurKernel.Shape.allCases[rng.weighted(b.shapeWeights)]
        let (sx, sy) = (rng.uniform(b.sigma), rng.uniform(b.sigma))
        let angle = rng.uniform(-Double.pi...Double.pi)
        // β below or above 1 with even odds, as BasicSR draws it: both tails equally likely
        // however lopsided the range is around 1.
        func beta(_ range: ClosedRange<Double>) -> Double {
            rng.chance(0.5) ? rng.uniform(min(range.lowerBound, 1)...min(range.upperBound, 1))
                            : rng.uniform(max(range.lowerBound, 1)...max(range.upperBound, 1))
        }
        let exponent: Double
        switch shape {
        case .giso, .ganiso: exponent = beta(b.betaGeneralized)
        case .piso, .paniso: exponent = beta(b.betaPlateau)
        case .iso, .aniso: exponent = 1
        }
        return BlurKernel.make(shape, size: size, sigmaX: sx, sigmaY: sy, angle: angle, beta: exponent)
    }

    static func drawScale(_ r: DegradationSpec.Resize, rng: inout SplitMix64) -> Double {
        switch rng.weighted([r.up, r.down, r.keep]) {
        case 0: rng.uniform(1...max(r.scale.upperBound, 1))
        case 1: rng.uniform(min(r.scale.lowerBound, 1)...1)
        default: 1
        }
    }

    static func drawMode(_ weights: [Double], rng: inout SplitMix64) -> ResizeMode {
        ResizeMode.allCases[rng.weighted(weights)]
    }

    static func addNoise(_ n: DegradationSpec.NoiseStage, to x: RGBImage, rng: inout SplitMix64) -> RGBImage {
        guard rng.chance(n.probability) else { return x }
        let gaussian = rng.chance(n.gaussian)
        let gray = rng.chance(n.gray)
        return gaussian ? Noise.gaussian(x, sigma: rng.uniform(n.sigma), gray: gray, rng: &rng)
                        : Noise.poisson(x, scale: rng.uniform(n.poisson), gray: gray, rng: &rng)
    }
}
