/// Double-precision definitions of the training layers, batched NCHW, for finite-difference
/// gradient checks: a central difference of these loops is the ground truth the oneDNN backward
/// passes are held to.
import Foundation

/// Convolution with TensorFlow "same" padding (the odd padding pixel at the end), kernel HWIO.
public func naiveConvolution64(_ x: [Double], batch n: Int, channels ic: Int, height h: Int, width w: Int,
                               kernel k: Int, stride s: Int, hwio: [Double], bias: [Double],
                               outChannels oc: Int) -> (values: [Double], height: Int, width: Int) {
    func same(_ size: Int) -> (Int, Int) {
        let out = (size + s - 1) / s
        return (out, max((out - 1) * s + k - size, 0) / 2)
    }
    let (oh, pt) = same(h), (ow, pl) = same(w)
    var y = [Double](repeating: 0, count: n * oc * oh * ow)
    for b in 0..<n { for o in 0..<oc { for oy in 0..<oh { for ox in 0..<ow {
        var sum = bias[o]
        for ky in 0..<k {
            let iy = oy * s + ky - pt
            guard iy >= 0, iy < h else { continue }
            for kx in 0..<k {
                let ix = ox * s + kx - pl
                guard ix >= 0, ix < w else { continue }
                for c in 0..<ic {
                    sum += x[((b * ic + c) * h + iy) * w + ix] * hwio[((ky * k + kx) * ic + c) * oc + o]
                }
            }
        }
        y[((b * oc + o) * oh + oy) * ow + ox] = sum
    } } } }
    return (y, oh, ow)
}

/// Batch norm over NCHW with batch statistics (biased variance) or given statistics.
public func naiveBatchNorm64(_ x: [Double], batch n: Int, channels c: Int, gamma: [Double], beta: [Double],
                             epsilon: Double, statistics: (mean: [Double], variance: [Double])? = nil) -> [Double] {
    let plane = x.count / (n * c)
    var y = x
    for ch in 0..<c {
        var mean = 0.0, variance = 0.0
        if let s = statistics {
            (mean, variance) = (s.mean[ch], s.variance[ch])
        } else {
            var sum = 0.0
            for b in 0..<n { for i in 0..<plane { sum += x[(b * c + ch) * plane + i] } }
            mean = sum / Double(n * plane)
            for b in 0..<n { for i in 0..<plane { let d = x[(b * c + ch) * plane + i] - mean; variance += d * d } }
            variance /= Double(n * plane)
        }
        let inv = 1 / (variance + epsilon).squareRoot()
        for b in 0..<n { for i in 0..<plane {
            let j = (b * c + ch) * plane + i
            y[j] = gamma[ch] * (x[j] - mean) * inv + beta[ch]
        } }
    }
    return y
}

public func naivePReLU64(_ x: [Double], batch n: Int, channels c: Int, slopes: [Double]) -> [Double] {
    let plane = x.count / (n * c)
    return x.indices.map { i in x[i] >= 0 ? x[i] : slopes[(i / plane) % c] * x[i] }
}

/// Dense layer over a flattened NCHW source; kernel `[H·W·C, O]` in HWC order (Keras after Flatten).
public func naiveDense64(_ x: [Double], batch n: Int, channels c: Int, height h: Int, width w: Int,
                         kernel: [Double], bias: [Double], outputs o: Int) -> [Double] {
    var y = [Double](repeating: 0, count: n * o)
    for b in 0..<n { for out in 0..<o {
        var sum = bias[out]
        for yy in 0..<h { for xx in 0..<w { for ch in 0..<c {
            sum += x[((b * c + ch) * h + yy) * w + xx] * kernel[((yy * w + xx) * c + ch) * o + out]
        } } }
        y[b * o + out] = sum
    } }
    return y
}

/// Central finite differences of `loss` at `count` sampled coordinates of `point`, compared with
/// `analytic`; returns the worst error relative to max(1, |numeric|). `skip` rejects coordinates
/// (e.g. those too close to a kink for a difference quotient to mean anything).
public func worstGradientError(analytic: [Float], point: [Double], count: Int, seed: UInt64, step: Double = 1e-3,
                               skip: (Int) -> Bool = { _ in false }, loss: ([Double]) -> Double) -> Double {
    precondition(analytic.count == point.count)
    var rng = SplitMix(state: seed)
    var worst = 0.0
    var checked = 0, attempts = 0
    while checked < min(count, point.count), attempts < 50 * count {
        attempts += 1
        let i = Int.random(in: 0..<point.count, using: &rng)
        if skip(i) { continue }
        var plus = point, minus = point
        plus[i] += step
        minus[i] -= step
        let numeric = (loss(plus) - loss(minus)) / (2 * step)
        worst = max(worst, abs(Double(analytic[i]) - numeric) / max(1, abs(numeric)))
        checked += 1
    }
    return worst
}

public func dot64(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

public extension Array where Element == Float {
    var doubles: [Double] { map(Double.init) }
}
