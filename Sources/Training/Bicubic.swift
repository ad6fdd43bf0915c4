/// MATLAB-compatible `imresize(image, 1/scale, 'bicubic')` downscaling (and its upscaling, the
/// baseline every evaluation compares with), with MATLAB's
/// antialiasing — how super-resolution papers (and the reference's DIV2K data) make LR images.
/// Other resizers give LR images a network was not trained on and shift PSNR by several dB
/// (krasserm/super-resolution#19).
import Degradation
import Foundation

public enum Bicubic {
    /// Keys' cubic with a = −0.5, MATLAB's `cubic`.
    static func cubic(_ x: Double) -> Double {
        let a = abs(x), a2 = a * a, a3 = a2 * a
        if a <= 1 { return 1.5 * a3 - 2.5 * a2 + 1 }
        if a <= 2 { return -0.5 * a3 + 2.5 * a2 - 4 * a + 2 }
        return 0
    }

    /// For each output index along an axis of `length` samples: the (mirrored) input indices and
    /// their weights, as MATLAB's `contributions` computes them for a downscale by `factor`:
    /// the kernel stretched by `factor` (antialiasing), output sample `x` (1-based) centred at
    /// input coordinate `u = x·factor + 0.5·(1 − factor)`, out-of-range indices mirrored
    /// (`[1…n, n…1]`), weights normalised to sum 1.
    static func contributions(length: Int, factor: Int) -> [(indices: [Int], weights: [Double])] {
        contributions(length: length, scale: 1 / Double(factor))
    }

    /// The same for any `scale` (output over input length): below 1 the kernel is stretched
    /// (antialiasing), above 1 it is Keys' cubic itself, as MATLAB's `imresize` does.
    static func contributions(length: Int, scale: Double) -> [(indices: [Int], weights: [Double])] {
        let antialias = scale < 1
        let kernelWidth = antialias ? 4 / scale : 4
        let taps = Int(kernelWidth.rounded(.up)) + 2
        let outputs = Int((Double(length) * scale).rounded(.down))
        return (1...outputs).map { x in
            let u = Double(x) / scale + 0.5 * (1 - 1 / scale)
            let left = Int((u - kernelWidth / 2).rounded(.down))
            var indices: [Int] = [], weights: [Double] = []
            for k in 0..<taps {
                let index = left + k
                let w = antialias ? scale * cubic(scale * (u - Double(index))) : cubic(u - Double(index))
                // MATLAB's mirror: 1-based index i → aux[(i − 1) mod 2n], aux = [1…n, n…1].
                let m = ((index - 1) % (2 * length) + 2 * length) % (2 * length)
                indices.append(m < length ? m : 2 * length - 1 - m)
                weights.append(w)
            }
            let sum = weights.reduce(0, +)
            return (indices, weights.map { $0 / sum })
        }
    }

    /// Downscales by an integer `factor` (the image is first cropped to a multiple of it).
    /// As MATLAB does for uint8 images, each pass (rows first, then columns) rounds to whole
    /// levels in 0…255: this is what `imresize` gives on the PNGs super-resolution sets ship.
    public static func downscale(_ image: RGBImage, by factor: Int) -> RGBImage {
        let (w, h) = (image.width / factor * factor, image.height / factor * factor)
        let source = (w, h) == (image.width, image.height) ? image : image.cropped(width: w, height: h)
        return resize(source, scale: 1 / Double(factor))
    }

    /// Upscales by an integer `factor`: the bicubic baseline super-resolution papers compare with.
    public static func upscale(_ image: RGBImage, by factor: Int) -> RGBImage {
        resize(image, scale: Double(factor))
    }

    /// Both passes (rows first, then columns), each rounded to whole levels as MATLAB's uint8.
    static func resize(_ source: RGBImage, scale: Double) -> RGBImage {
        let (w, h) = (source.width, source.height)
        let rows = contributions(length: h, scale: scale), columns = contributions(length: w, scale: scale)
        let (ow, oh) = (columns.count, rows.count)
        func level(_ v: Double) -> Float { Float(min(max(v.rounded(.toNearestOrAwayFromZero), 0), 255)) }
        // Along the height: [oh, w, 3].
        var middle = [Float](repeating: 0, count: oh * w * 3)
        for (y, c) in rows.enumerated() {
            for x in 0..<w { for k in 0..<3 {
                var sum = 0.0
                for (i, wt) in zip(c.indices, c.weights) { sum += wt * Double(source.pixels[(i * w + x) * 3 + k]) }
                middle[(y * w + x) * 3 + k] = level(sum)
            } }
        }
        var out = [Float](repeating: 0, count: oh * ow * 3)
        for y in 0..<oh {
            for (x, c) in columns.enumerated() { for k in 0..<3 {
                var sum = 0.0
                for (i, wt) in zip(c.indices, c.weights) { sum += wt * Double(middle[(y * w + i) * 3 + k]) }
                out[(y * ow + x) * 3 + k] = level(sum)
            } }
        }
        return RGBImage(width: ow, height: oh, pixels: out)
    }
}
