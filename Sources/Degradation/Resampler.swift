/// Resizing with the interpolations Real-ESRGAN draws from (PyTorch's `F.interpolate` modes):
/// area averaging, and bilinear and bicubic *without* antialiasing — the aliasing of a careless
/// downscale is part of what real photos went through. Separable: rows, then columns.
import Foundation

public enum ResizeMode: String, Sendable, CaseIterable {
    case area, bilinear, bicubic
}

public enum Resampler {
    /// For each of `outputs` samples along an axis of `inputs`: the input indices and weights.
    static func contributions(inputs: Int, outputs: Int, mode: ResizeMode) -> [(indices: [Int], weights: [Float])] {
        let scale = Double(outputs) / Double(inputs)
        func clamp(_ i: Int) -> Int { min(max(i, 0), inputs - 1) }
        return (0..<outputs).map { o in
            switch mode {
            case .area where scale < 1:
                // The exact overlap of output cell [o, o+1)/scale with each input cell.
                let (start, end) = (Double(o) / scale, Double(o + 1) / scale)
                var indices: [Int] = [], weights: [Float] = []
                var i = Int(start.rounded(.down))
                while Double(i) < end && i < inputs {
                    let overlap = min(end, Double(i + 1)) - max(start, Double(i))
                    if overlap > 0 { indices.append(i); weights.append(Float(overlap * scale)) }
                    i += 1
                }
                let total = weights.reduce(0, +)
                return (indices, weights.map { $0 / total })
            case .area:
                // Upsampling by averaging is nearest neighbour (PyTorch's adaptive pooling).
                return ([clamp(Int((Double(o) / scale).rounded(.down)))], [1])
            case .bilinear:
                let u = max((Double(o) + 0.5) / scale - 0.5, 0)
                let left = Int(u.rounded(.down)), t = Float(u - Double(left))
                return ([clamp(left), clamp(left + 1)], [1 - t, t])
            case .bicubic:
                let u = (Double(o) + 0.5) / scale - 0.5
                let left = Int(u.rounded(.down)), t = u - Double(left)
                let weights = (-1...2).map { Float(cubic(Double($0) - t)) }
                return ((-1...2).map { clamp(left + $0) }, weights)
            }
        }
    }

    /// Keys' cubic with a = −0.75, PyTorch's and OpenCV's bicubic.
    static func cubic(_ x: Double) -> Double {
        let a = -0.75, d = abs(x)
        if d <= 1 { return ((a + 2) * d - (a + 3)) * d * d + 1 }
        if d < 2 { return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a }
        return 0
    }

    /// `image` resized to `width × height` by `mode`.
    public static func resize(_ image: RGBImage, width: Int, height: Int, mode: ResizeMode) -> RGBImage {
        if (width, height) == (image.width, image.height) { return image }
        let middle = pass(image, contributions(inputs: image.width, outputs: width, mode: mode), horizontal: true)
        return pass(middle, contributions(inputs: image.height, outputs: height, mode: mode), horizontal: false)
    }

    /// One separable pass along rows (`horizontal`) or columns: output sample k of each line is
    /// the weighted sum of that line's samples `taps[k].indices`. The output's length along the
    /// axis is `taps.count`. Blur kernels use it too, with mirrored indices.
    static func pass(_ image: RGBImage, _ taps: [(indices: [Int], weights: [Float])], horizontal: Bool) -> RGBImage {
        let (w, h) = (image.width, image.height)
        let (ow, oh) = horizontal ? (taps.count, h) : (w, taps.count)
        var out = [Float](repeating: 0, count: ow * oh * 3)
        image.pixels.withUnsafeBufferPointer { src in
            for y in 0..<oh { for x in 0..<ow {
                let c = taps[horizontal ? x : y]
                var (s0, s1, s2): (Float, Float, Float) = (0, 0, 0)
                for (i, wt) in zip(c.indices, c.weights) {
                    let p = horizontal ? (y * w + i) * 3 : (i * w + x) * 3
                    s0 += wt * src[p]; s1 += wt * src[p + 1]; s2 += wt * src[p + 2]
                }
                let o = (y * ow + x) * 3
                out[o] = s0; out[o + 1] = s1; out[o + 2] = s2
            } }
        }
        return RGBImage(width: ow, height: oh, pixels: out)
    }
}
