/// The generator every random draw of training comes from, and the draws the degradations make.
import Foundation

/// SplitMix64: small, fast, and its whole state is one integer (checkpoints store the seed only).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension SplitMix64 {
    /// The generator of one image's degradations: a function of (seed, step, index) alone, so a
    /// resumed run, or the loader thread running ahead, draws exactly what an uninterrupted run
    /// does — and independent of the crop sampler's own sequence for that step.
    public init(seed: UInt64, step: Int, index: Int) {
        var mixer = SplitMix64(seed: seed ^ 0xD1B5_4A32_D192_ED03)
        mixer.state ^= UInt64(bitPattern: Int64(step)) &* 0x9E37_79B9_7F4A_7C15
        _ = mixer.next()
        mixer.state ^= UInt64(bitPattern: Int64(index)) &* 0xC2B2_AE3D_27D4_EB4F
        self.init(seed: mixer.next())
    }

    /// Uniform in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Uniform in `range` (its bounds may be equal: a fixed value).
    mutating func uniform(_ range: ClosedRange<Double>) -> Double {
        range.lowerBound + (range.upperBound - range.lowerBound) * unit()
    }

    /// True with probability `p`.
    mutating func chance(_ p: Double) -> Bool { p >= 1 || (p > 0 && unit() < p) }

    /// An integer in `range`, both ends included.
    mutating func integer(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }

    /// An odd integer in `range` (kernel sides: 7, 9, …, 21).
    mutating func odd(_ range: ClosedRange<Int>) -> Int {
        let low = range.lowerBound | 1, high = range.upperBound % 2 == 1 ? range.upperBound : range.upperBound - 1
        return low + 2 * integer(0...max((high - low) / 2, 0))
    }

    /// The index of one of `weights` (not all zero), chosen in proportion to them.
    mutating func weighted(_ weights: [Double]) -> Int {
        var target = unit() * weights.reduce(0, +)
        for (i, w) in weights.enumerated() {
            target -= w
            if target < 0 { return i }
        }
        return weights.lastIndex { $0 > 0 } ?? 0
    }

    /// A standard normal sample (Box–Muller; one draw per call keeps the sequence simple).
    mutating func normal() -> Double {
        let u = max(unit(), 0x1p-53), v = unit()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }

    /// A Poisson sample of mean `lambda`: Knuth's product of uniforms while it is small, the
    /// rounded normal approximation (error below 1 % in σ) beyond 30, where it is exact enough
    /// for noise and costs one draw.
    mutating func poisson(_ lambda: Double) -> Double {
        guard lambda > 0 else { return 0 }
        if lambda > 30 { return max((lambda + lambda.squareRoot() * normal()).rounded(), 0) }
        let limit = exp(-lambda)
        var k = 0.0, product = unit()
        while product > limit { k += 1; product *= unit() }
        return k
    }
}
