/// TestSupport: what the test targets share — naive definitions of the layers, and where the
/// package, its fixtures, the installed models and the built binaries are.
///
/// Straightforward loops that define what each oneDNN-backed layer must compute.
/// Plain NCHW (batch 1) activations; kernels HWIO as weight files store them.

public func naiveConvolution(_ x: [Float], channels ic: Int, height h: Int, width w: Int,
                      kernel k: Int, hwio: [Float], bias: [Float], outChannels oc: Int,
                      padding p: Int, stride s: Int = 1) -> (values: [Float], height: Int, width: Int) {
    let oh = (h + 2 * p - k) / s + 1, ow = (w + 2 * p - k) / s + 1
    var y = [Float](repeating: 0, count: oc * oh * ow)
    for o in 0..<oc {
        for oy in 0..<oh {
            for ox in 0..<ow {
                var sum = Double(bias[o])
                for ky in 0..<k {
                    let iy = oy * s + ky - p
                    guard iy >= 0, iy < h else { continue }
                    for kx in 0..<k {
                        let ix = ox * s + kx - p
                        guard ix >= 0, ix < w else { continue }
                        for c in 0..<ic {
                            sum += Double(x[(c * h + iy) * w + ix]) * Double(hwio[((ky * k + kx) * ic + c) * oc + o])
                        }
                    }
                }
                y[(o * oh + oy) * ow + ox] = Float(sum)
            }
        }
    }
    return (y, oh, ow)
}

public func naivePReLU(_ x: [Float], channels: Int, slopes: [Float]) -> [Float] {
    let plane = x.count / channels
    return x.indices.map { i in x[i] >= 0 ? x[i] : slopes[i / plane] * x[i] }
}

/// TensorFlow's depth_to_space(2): out[c, 2h+i, 2w+j] = in[(2i+j)·C + c, h, w].
public func naiveDepthToSpace(_ x: [Float], outChannels c: Int, height h: Int, width w: Int) -> [Float] {
    var y = [Float](repeating: 0, count: x.count)
    for i in 0..<2 { for j in 0..<2 { for ch in 0..<c { for yy in 0..<h { for xx in 0..<w {
        y[(ch * 2 * h + 2 * yy + i) * 2 * w + 2 * xx + j] = x[(((2 * i + j) * c + ch) * h + yy) * w + xx]
    } } } } }
    return y
}

/// A deterministic pseudo-random sequence (so failures reproduce).
public struct SplitMix: RandomNumberGenerator {
    public var state: UInt64
    public init(state: UInt64) { self.state = state }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

public func randomValues(_ count: Int, scale: Float = 1, seed: UInt64) -> [Float] {
    var rng = SplitMix(state: seed)
    return (0..<count).map { _ in Float.random(in: -scale...scale, using: &rng) }
}

public func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count)
    return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}
