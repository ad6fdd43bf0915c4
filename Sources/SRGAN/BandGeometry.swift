/// The 2×- and 4×-scale end of the network in bands of rows: where the bands lie, the shapes of
/// each band's buffers, and the shifted sum that turns a band's split-tail output into pixels.
import Neural

/// The second upsampling convolution and the split tail (see `TailSplitting`), band by band over
/// an H×W input (a 4H×4W output), so that neither the 2×-scale 256-channel tensor nor the
/// 4×-scale one is ever held whole.
///
/// Band k computes the tail's Z rows [kB − 1, (k+1)B − 1) at 4× scale (Z is needed one pixel
/// beyond each edge: rows −1…4H). Those read 4×-scale rows [kB − 2, kB + B), which are the
/// pixel shuffle of 2×-scale rows [kb − 1, kb + b), b = B/2. The band's upsampling convolution
/// computes rows [kb, kb + b); row kb − 1 is the last one of the band before (so bands
/// alternate between two output buffers), and no row is computed twice. B is a multiple of 4,
/// so every band's own rows start on a whole low-resolution row.
///
/// Buffers carry zero margins instead of padding (the convolutions run with padding 0): one
/// column each side at 2× scale, four at 4× scale, and zero rows outside the image. Z is
/// computed three columns beyond each edge; the outer two are zero (their window is all margin)
/// and let the shifted sum run without bounds checks.
struct BandGeometry {
    let lowHeight: Int
    let lowWidth: Int
    /// B: Z rows per band at 4× scale.
    let bandRows: Int
    let count: Int

    init(lowHeight: Int, lowWidth: Int, maxBandRows: Int) {
        (self.lowHeight, self.lowWidth) = (lowHeight, lowWidth)
        let rows = 4 * lowHeight + 2
        count = (rows + maxBandRows - 1) / maxBandRows
        bandRows = 4 * ((rows + 4 * count - 1) / (4 * count))
    }

    /// Bands of exactly `bandRows` (a multiple of 4), the last reaching past the image: a
    /// streamed image (`StreamingPlan`) feeds its bands whole low-resolution rows at a fixed pace.
    init(lowHeight: Int, lowWidth: Int, bandRows: Int) {
        precondition(bandRows > 0 && bandRows % 4 == 0, "bands are whole low-resolution rows")
        (self.lowHeight, self.lowWidth, self.bandRows) = (lowHeight, lowWidth, bandRows)
        count = (4 * lowHeight + 2 + bandRows - 1) / bandRows
    }

    /// Output size (4× scale).
    var height: Int { 4 * lowHeight }
    var width: Int { 4 * lowWidth }
    /// b: 2×-scale rows each band's upsampling convolution computes.
    var upsampledRows: Int { bandRows / 2 }

    /// Z rows of band k.
    func zRows(_ k: Int) -> Range<Int> { (k * bandRows - 1) ..< ((k + 1) * bandRows - 1) }

    /// The upsampling convolution's input: 2×-scale rows [kb − 1, kb + b + 1); column x at x + 1.
    func upsamplingInput(channels: Int) -> TensorDesc {
        TensorDesc([1, channels, upsampledRows + 2, 2 * lowWidth + 2], .blocked)
    }
    /// Its output: 2×-scale rows [kb, kb + b).
    func upsamplingOutput(channels: Int) -> TensorDesc {
        TensorDesc([1, channels, upsampledRows, 2 * lowWidth], .blocked)
    }
    /// The tail's input: 4×-scale rows [kB − 2, kB + B); column x at x + 4.
    func tailInput(channels: Int) -> TensorDesc { TensorDesc([1, channels, bandRows + 2, width + 8], .blocked) }
    /// The tail's output Z: rows `zRows(k)`; column x′ (−3…width + 2) at x′ + 3.
    func tailOutput(channels: Int) -> TensorDesc { TensorDesc([1, channels, bandRows, width + 6], .blocked) }

    /// Adds one band's shifted Z into `output` (height×width×3, interleaved RGB, holding the bias
    /// before the first band): pixel (y, x) gets Z channel `channel(p, q, c)` at (y + 3p, x + 3q).
    /// Each Z row is read once and added into the three output rows it reaches; `spare` (width×3
    /// floats) takes the additions that fall outside the image.
    func accumulate(_ z: UnsafePointer<Float>, band: Range<Int>, into output: UnsafeMutablePointer<Float>,
                    spare: UnsafeMutablePointer<Float>) {
        let L = TensorDesc.channelBlock
        let rowStride = (width + 6) * L, blockStride = bandRows * rowStride
        // o[(p + 1)·9 + (q + 1)·3 + c]: where channel(p, q, c) of the Z pixel at x′ = x + 3q lies,
        // from Z column x − 3.
        let o: [Int] = (-1...1).flatMap { p in
            (-1...1).flatMap { q in
                (0..<3).map { c in
                    let j = TailSplitting.channel(p: p, q: q, colour: c)
                    return 3 * L * (q + 1) + (j / L) * blockStride + j % L
                }
            }
        }
        let (a0, a1, a2, a3, a4, a5, a6, a7, a8) = (o[18], o[19], o[20], o[21], o[22], o[23], o[24], o[25], o[26])
        let (h0, h1, h2, h3, h4, h5, h6, h7, h8) = (o[9], o[10], o[11], o[12], o[13], o[14], o[15], o[16], o[17])
        let (b0, b1, b2, b3, b4, b5, b6, b7, b8) = (o[0], o[1], o[2], o[3], o[4], o[5], o[6], o[7], o[8])
        for zRow in band where zRow >= -1 && zRow <= height {
            var pixel = z + (zRow - band.lowerBound) * rowStride
            // Z row z reaches output row z − 3p.
            func outputRow(_ p: Int) -> UnsafeMutablePointer<Float> {
                let y = zRow - 3 * p
                return y >= 0 && y < height ? output + y * width * 3 : spare
            }
            var (above, here, below) = (outputRow(1), outputRow(0), outputRow(-1))
            for _ in 0..<width {
                above[0] += pixel[a0] + pixel[a3] + pixel[a6]
                above[1] += pixel[a1] + pixel[a4] + pixel[a7]
                above[2] += pixel[a2] + pixel[a5] + pixel[a8]
                here[0] += pixel[h0] + pixel[h3] + pixel[h6]
                here[1] += pixel[h1] + pixel[h4] + pixel[h7]
                here[2] += pixel[h2] + pixel[h5] + pixel[h8]
                below[0] += pixel[b0] + pixel[b3] + pixel[b6]
                below[1] += pixel[b1] + pixel[b4] + pixel[b7]
                below[2] += pixel[b2] + pixel[b5] + pixel[b8]
                pixel += L
                (above, here, below) = (above + 3, here + 3, below + 3)
            }
        }
    }
}
