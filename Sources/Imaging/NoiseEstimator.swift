/// A robust estimate of the Gaussian noise in an image, from rows as they stream.
///
/// Donoho's estimator: the finest diagonal wavelet band (HH1 of the orthonormal Haar transform,
/// `(a − b − c + d) / 2` over each 2×2 block) holds almost nothing of a photo's content but
/// all of its noise at full strength, so σ ≈ median(|HH1|) / 0.6745; the median ignores the
/// few large coefficients that edges and texture leave there. The median comes from a
/// histogram of |HH1| per channel, so memory stays ~12 KB (8-bit RGB) or ~390 KB (16-bit RGB)
/// however large the image, and rows are taken two at a time as the decoder delivers them.
///
/// 8-bit samples make |HH1| a multiple of ½, so the histogram has one bin per half level and
/// the median is interpolated within its bin as for grouped data: the plain median would
/// jump in steps of ½ / 0.6745 = 0.74, too coarse at σ 2. A flat image therefore reads as
/// σ ≈ 0.2, not 0: the resolution of 8-bit data.
public struct NoiseEstimator: Sendable {
    /// Histogram resolution, bins per 0…255 level: one per value |HH1| of 8-bit samples can
    /// take, finer than one step of interpolation for 16-bit ones.
    let binsPerLevel: Int
    /// The largest |HH1| of samples on the 0…255 scale is 255.
    let binCount: Int
    /// For Gaussian noise, median(|x|) = 0.6745 σ.
    static let gaussianMAD = 0.6745

    public let width: Int
    public let channels: Int
    /// Colour channels measured: alpha is not part of the picture's noise.
    let measured: Int
    // One histogram per measured channel, laid end to end.
    private var histogram: [Int]
    private var blocks = 0
    // A row waiting for its partner when rows arrive an odd number at a time.
    private var pending: [Float] = []

    /// For rows of `width` pixels of `channels` interleaved samples on the 0…255 scale, decoded
    /// from samples of `bitDepth` bits.
    public init(width: Int, channels: Int, bitDepth: Int = 8) {
        self.width = width
        self.channels = channels
        measured = channels == 2 || channels == 4 ? channels - 1 : channels
        binsPerLevel = bitDepth == 8 ? 2 : 64
        binCount = 255 * binsPerLevel + 1
        histogram = [Int](repeating: 0, count: measured * binCount)
    }

    /// Adds `rowCount` rows of `samples` (the first `rowCount × width × channels` values).
    public mutating func add(rows samples: [Float], rowCount: Int) {
        let stride = width * channels
        var row = 0
        if !pending.isEmpty, rowCount > 0 {
            let second = Array(samples[0..<stride])
            addPair(pending[...], second[...])
            pending = []
            row = 1
        }
        while row + 1 < rowCount {
            addPair(samples[(row * stride)..<((row + 1) * stride)], samples[((row + 1) * stride)..<((row + 2) * stride)])
            row += 2
        }
        if row < rowCount { pending = Array(samples[(row * stride)..<((row + 1) * stride)]) }
    }

    private mutating func addPair(_ top: ArraySlice<Float>, _ bottom: ArraySlice<Float>) {
        let t = top.startIndex, b = bottom.startIndex
        for x in Swift.stride(from: 0, to: width - 1, by: 2) {
            for c in 0..<measured {
                let left = x * channels + c, right = left + channels
                let hh = (top[t + left] - top[t + right] - bottom[b + left] + bottom[b + right]) / 2
                let bin = min(Int((abs(hh) * Float(binsPerLevel)).rounded()), binCount - 1)
                histogram[c * binCount + bin] += 1
            }
            blocks += 1
        }
    }

    /// σ on the 0…255 scale, the mean of the channels' estimates; nil before any 2×2 block.
    public var sigma: Double? {
        guard blocks > 0 else { return nil }
        let half = Double(blocks) / 2, step = 1 / Double(binsPerLevel)
        var total = 0.0
        for c in 0..<measured {
            let bins = histogram[(c * binCount)..<((c + 1) * binCount)]
            var below = 0, bin = 0
            for (index, count) in zip(0..., bins) {
                bin = index
                if Double(below + count) >= half { break }
                below += count
            }
            // Bin k holds |HH1| in [(k − ½)·step, (k + ½)·step]; bin 0 only its upper half.
            let lower = bin == 0 ? 0 : (Double(bin) - 0.5) * step
            let width = bin == 0 ? step / 2 : step
            let count = Double(bins[bins.startIndex + bin])
            let median = lower + (count > 0 ? (half - Double(below)) / count * width : 0)
            total += median / Self.gaussianMAD
        }
        return total / Double(measured)
    }
}
