/// The blur kernels of Real-ESRGAN's degradations (Wang et al. 2021, after BasicSR's
/// `degradations.py`): Gaussian, generalized Gaussian and plateau shapes, isotropic or rotated
/// anisotropic, and the circular sinc (ideal low-pass) that imitates ringing.
import Foundation

/// A square, odd-sided kernel whose weights sum to 1.
public struct BlurKernel: Sendable, Equatable {
    /// Side in pixels (odd).
    public let size: Int
    /// `size × size` weights, row-major.
    public let weights: [Float]
    /// The one-dimensional kernel whose outer product is `weights`, when there is one (an
    /// isotropic Gaussian): applied as two passes of `size` taps instead of one of `size²`.
    public let separable: [Float]?

    public enum Shape: String, Sendable, CaseIterable {
        case iso, aniso
        /// Generalized Gaussian, exp(−½ dᵝ): flatter top (β > 1) or heavier tails (β < 1).
        case giso, ganiso
        /// Plateau, 1 / (1 + dᵝ): a flat top and slowly decaying tails.
        case piso, paniso

        var isotropic: Bool { self == .iso || self == .giso || self == .piso }
    }

    init(size: Int, weights raw: [Double], separable: [Double]? = nil) {
        let total = raw.reduce(0, +)
        self.size = size
        weights = raw.map { Float($0 / total) }
        self.separable = separable.map { s in
            let t = s.reduce(0, +)
            return s.map { Float($0 / t) }
        }
    }

    /// The identity (a single 1 at the centre), for a stage that draws "no filter".
    public static func identity(size: Int = 1) -> BlurKernel {
        var w = [Double](repeating: 0, count: size * size)
        w[size * size / 2] = 1
        var s = [Double](repeating: 0, count: size)
        s[size / 2] = 1
        return BlurKernel(size: size, weights: w, separable: s)
    }

    /// `shape` with standard deviations σx, σy (pixels) rotated by `angle` (radians) and shape
    /// exponent `beta` (ignored by the Gaussian). The quadratic form d = xᵀ Σ⁻¹ x is the
    /// Mahalanobis distance of each tap from the centre.
    public static func make(_ shape: Shape, size: Int, sigmaX: Double, sigmaY: Double, angle: Double,
                            beta: Double = 1) -> BlurKernel {
        precondition(size % 2 == 1 && size > 0, "kernel sides are odd")
        let r = size / 2
        if shape == .iso {
            let line = (-r...r).map { exp(-0.5 * Double($0 * $0) / (sigmaX * sigmaX)) }
            var w = [Double](repeating: 0, count: size * size)
            for i in 0..<size { for j in 0..<size { w[i * size + j] = line[i] * line[j] } }
            return BlurKernel(size: size, weights: w, separable: line)
        }
        let (sx, sy) = shape.isotropic ? (sigmaX, sigmaX) : (sigmaX, sigmaY)
        let theta = shape.isotropic ? 0 : angle
        // Σ = R diag(σx², σy²) Rᵀ; its inverse is R diag(1/σx², 1/σy²) Rᵀ.
        let (c, s) = (cos(theta), sin(theta))
        let (a, d) = (1 / (sx * sx), 1 / (sy * sy))
        let i00 = c * c * a + s * s * d, i11 = s * s * a + c * c * d, i01 = c * s * (a - d)
        var w = [Double](repeating: 0, count: size * size)
        for y in -r...r { for x in -r...r {
            let (fx, fy) = (Double(x), Double(y))
            let q = i00 * fx * fx + 2 * i01 * fx * fy + i11 * fy * fy
            let value: Double
            switch shape {
            case .iso, .aniso: value = exp(-0.5 * q)
            case .giso, .ganiso: value = exp(-0.5 * pow(q, beta))
            case .piso, .paniso: value = 1 / (1 + pow(q, beta))
            }
            w[(y + r) * size + x + r] = value
        } }
        return BlurKernel(size: size, weights: w)
    }

    /// The circular low-pass filter of cut-off `cutoff` (radians per pixel, ≤ π):
    /// ω J₁(ω r) / (2π r), ω²/(4π) at the centre.
    public static func sinc(size: Int, cutoff: Double) -> BlurKernel {
        precondition(size % 2 == 1 && size > 0, "kernel sides are odd")
        let r = size / 2
        var w = [Double](repeating: 0, count: size * size)
        for y in -r...r { for x in -r...r {
            let distance = (Double(x * x + y * y)).squareRoot()
            w[(y + r) * size + x + r] = distance == 0
                ? cutoff * cutoff / (4 * Double.pi)
                : cutoff * j1(cutoff * distance) / (2 * Double.pi * distance)
        } }
        return BlurKernel(size: size, weights: w)
    }

    /// Convolves `image` with this kernel, edges mirrored (reflect-101, as OpenCV's
    /// `filter2D` does in the reference pipeline).
    public func apply(to image: RGBImage) -> RGBImage {
        if size == 1 { return image }
        if let line = separable { return Self.pass(Self.pass(image, line, horizontal: true), line, horizontal: false) }
        let (w, h, r) = (image.width, image.height, size / 2)
        var out = [Float](repeating: 0, count: w * h * 3)
        image.pixels.withUnsafeBufferPointer { src in
            weights.withUnsafeBufferPointer { k in
                for y in 0..<h { for x in 0..<w {
                    var (s0, s1, s2): (Float, Float, Float) = (0, 0, 0)
                    for dy in -r...r {
                        let row = mirror(y + dy, h) * w
                        for dx in -r...r {
                            let wt = k[(dy + r) * size + dx + r]
                            let i = (row + mirror(x + dx, w)) * 3
                            s0 += wt * src[i]; s1 += wt * src[i + 1]; s2 += wt * src[i + 2]
                        }
                    }
                    let o = (y * w + x) * 3
                    out[o] = s0; out[o + 1] = s1; out[o + 2] = s2
                } }
            }
        }
        return RGBImage(width: w, height: h, pixels: out)
    }

    /// One separable pass of `line` along rows (`horizontal`) or columns, edges mirrored.
    static func pass(_ image: RGBImage, _ line: [Float], horizontal: Bool) -> RGBImage {
        let (n, r) = (horizontal ? image.width : image.height, line.count / 2)
        let taps = (0..<n).map { o in (indices: (-r...r).map { mirror(o + $0, n) }, weights: line) }
        return Resampler.pass(image, taps, horizontal: horizontal)
    }
}

/// Reflect-101 index (…2 1 | 0 1 2 … n−1 | n−2…) for any offset, even beyond one period.
@inline(__always) func mirror(_ i: Int, _ n: Int) -> Int {
    guard n > 1 else { return 0 }
    let period = 2 * (n - 1)
    var m = i % period
    if m < 0 { m += period }
    return m < n ? m : period - m
}
