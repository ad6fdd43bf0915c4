/// Additive noise as Real-ESRGAN draws it: Gaussian of σ levels (on 0…255), or Poisson (shot)
/// noise scaled by a factor; colour (independent per channel) or gray (one field for all
/// three channels, as luminance grain). Results are clipped to 0…255, as the reference does
/// after each noise.
import Foundation

public enum Noise {
    /// Adds N(0, σ²) to every sample (`gray`: the same draw to a pixel's three channels).
    public static func gaussian(_ image: RGBImage, sigma: Double, gray: Bool, rng: inout SplitMix64) -> RGBImage {
        var out = image
        let count = image.width * image.height
        for p in 0..<count {
            if gray {
                let n = Float(sigma * rng.normal())
                for k in 0..<3 { out.pixels[p * 3 + k] = clip(image.pixels[p * 3 + k] + n) }
            } else {
                for k in 0..<3 { out.pixels[p * 3 + k] = clip(image.pixels[p * 3 + k] + Float(sigma * rng.normal())) }
            }
        }
        return out
    }

    /// Poisson noise: each sample x (as a fraction of 255) replaced by Poisson(x·v)/v, v the
    /// number of distinct values in the image rounded up to a power of two (BasicSR's
    /// `generate_poisson_noise`), and the difference scaled by `scale`. `gray`: drawn on the
    /// BT.601 luma and added to all three channels.
    public static func poisson(_ image: RGBImage, scale: Double, gray: Bool, rng: inout SplitMix64) -> RGBImage {
        var out = image
        let count = image.width * image.height
        if gray {
            var luma = [Float](repeating: 0, count: count)
            for p in 0..<count {
                luma[p] = 0.299 * image.pixels[p * 3] + 0.587 * image.pixels[p * 3 + 1] + 0.114 * image.pixels[p * 3 + 2]
            }
            let levels = powerOfTwoLevels(luma)
            for p in 0..<count {
                let n = Float(scale) * shot(luma[p], levels: levels, rng: &rng)
                for k in 0..<3 { out.pixels[p * 3 + k] = clip(image.pixels[p * 3 + k] + n) }
            }
        } else {
            let levels = powerOfTwoLevels(image.pixels)
            for i in 0..<(count * 3) {
                out.pixels[i] = clip(image.pixels[i] + Float(scale) * shot(image.pixels[i], levels: levels, rng: &rng))
            }
        }
        return out
    }

    /// Poisson(x/255·v)/v·255 − x: the shot noise of one sample, on the 0…255 scale.
    static func shot(_ x: Float, levels: Double, rng: inout SplitMix64) -> Float {
        let fraction = Double(max(x, 0)) / 255
        return Float(rng.poisson(fraction * levels) / levels * 255) - max(x, 0)
    }

    /// The number of distinct values, rounded up to a power of two.
    static func powerOfTwoLevels(_ values: [Float]) -> Double {
        let distinct = Set(values).count
        return pow(2, (log2(Double(max(distinct, 1)))).rounded(.up))
    }

    @inline(__always) static func clip(_ v: Float) -> Float { min(max(v, 0), 255) }
}
