/// Noise statistics: Gaussian noise has the σ asked for and no bias, gray noise is the same on
/// all channels, Poisson noise's variance follows the signal as BasicSR scales it.
import Foundation
import Testing
import Degradation

@Suite("noise")
struct NoiseTests {
    @Test("Gaussian σ 10 on mid-gray: mean within 0.2 and σ within 2 % of what was asked, channels independent")
    func gaussian() {
        var rng = SplitMix64(seed: 3, step: 0, index: 0)
        let flat = Photo.flat(128, width: 128, height: 128)
        let out = Noise.gaussian(flat, sigma: 10, gray: false, rng: &rng)
        let noise = out.pixels.map { Double($0) - 128 }
        let (mean, sigma) = Photo.meanAndDeviation(noise)
        #expect(abs(mean) < 0.2 && abs(sigma - 10) < 0.2)
        #expect(stride(from: 0, to: noise.count, by: 3).contains { noise[$0] != noise[$0 + 1] })
    }

    @Test("gray Gaussian noise adds the same value to a pixel's three channels")
    func grayGaussian() {
        var rng = SplitMix64(seed: 4, step: 0, index: 0)
        let out = Noise.gaussian(Photo.flat(128), sigma: 5, gray: true, rng: &rng)
        let p = out.pixels
        let sameOnAllChannels = stride(from: 0, to: p.count, by: 3).allSatisfy { (i: Int) -> Bool in p[i] == p[i + 1] && p[i] == p[i + 2] }
        #expect(sameOnAllChannels)
        let (_, sigma) = Photo.meanAndDeviation(out.pixels.map { Double($0) - 128 })
        #expect(abs(sigma - 5) < 0.2)
    }

    @Test("Poisson noise on a ramp of 256 levels: unbiased, variance = scale² · level · 255/256")
    func poisson() {
        // 256 columns of levels 0…255, 160 rows: 256 distinct values, so v = 256.
        let (w, h) = (256, 160)
        var pixels = [Float](repeating: 0, count: w * h * 3)
        for y in 0..<h { for x in 0..<w { for k in 0..<3 { pixels[(y * w + x) * 3 + k] = Float(x) } } }
        let ramp = RGBImage(width: w, height: h, pixels: pixels)
        var rng = SplitMix64(seed: 5, step: 0, index: 0)
        let scale = 2.0
        let out = Noise.poisson(ramp, scale: scale, gray: false, rng: &rng)
        // Columns well inside 0…255, where clipping cannot bias the statistics.
        var bias = 0.0, ratio = (observed: 0.0, predicted: 0.0), n = 0.0
        for y in 0..<h { for x in 40..<216 { for k in 0..<3 {
            let d = Double(out.pixels[(y * w + x) * 3 + k]) - Double(x)
            bias += d; n += 1
            ratio.observed += d * d
            ratio.predicted += scale * scale * Double(x) * 255 / 256
        } } }
        #expect(abs(bias / n) < 0.15)
        #expect(abs(ratio.observed / ratio.predicted - 1) < 0.03)
    }

    @Test("noisy samples stay within 0…255")
    func clipped() {
        var rng = SplitMix64(seed: 6, step: 0, index: 0)
        let out = Noise.gaussian(Photo.flat(250), sigma: 30, gray: false, rng: &rng)
        #expect(out.pixels.allSatisfy { (0...255).contains($0) } && out.pixels.contains(255))
    }
}
