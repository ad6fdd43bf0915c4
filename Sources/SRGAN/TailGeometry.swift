/// Where the split tail's bands lie at 4× scale, the shapes of a band's buffers, and the shifted
/// sum that turns a band's split-convolution output into output pixels.
import Neural

/// The split tail (see `TailSplitting`) over a `height`×`width` output, in bands of Z rows.
///
/// Z is needed one pixel beyond each edge (rows and columns −1…size); bands cover rows
/// −1…height in steps of `bandRows`, an even number so that every band's input starts on an
/// even 4×-scale row, which is where one row of the 2×-scale tensor it is shuffled from begins.
/// A band's Z is computed three columns beyond each edge: the two outer ones are zero (their
/// input is all margin) and let the shifted sum run without bounds checks.
struct TailGeometry {
    let height: Int
    let width: Int
    let bandRows: Int
    /// Z rows of each band.
    let bands: [Range<Int>]

    init(height: Int, width: Int, maxBandRows: Int) {
        (self.height, self.width) = (height, width)
        let rows = height + 2
        let count = (rows + maxBandRows - 1) / maxBandRows
        let bandRows = 2 * ((rows + 2 * count - 1) / (2 * count))
        self.bandRows = bandRows
        bands = (0..<count).map { k in (k * bandRows - 1) ..< ((k + 1) * bandRows - 1) }
    }

    /// Input rows per band: Z row z reads input rows z−1…z+1; buffer row ρ is image row
    /// `band.lowerBound − 1 + ρ`.
    var inputRows: Int { bandRows + 2 }
    /// Image column x sits at buffer column x + 4; columns outside the image are zero.
    var inputWidth: Int { width + 8 }
    /// Z column x′ (−3…width+2) sits at column x′ + 3.
    var outputWidth: Int { width + 6 }

    func inputDesc(channels: Int) -> TensorDesc { TensorDesc([1, channels, inputRows, inputWidth], .nChw16c) }
    func outputDesc(channels: Int) -> TensorDesc { TensorDesc([1, channels, bandRows, outputWidth], .nChw16c) }

    /// Adds one band's shifted Z into `output` (height×width×3, interleaved RGB, holding the bias
    /// before the first band): pixel (y, x) gets Z channel `channel(p, q, c)` at (y + 3p, x + 3q).
    /// Each Z row is read once and added into the three output rows it reaches; `spare` (width×3
    /// floats) takes the additions that fall outside the image.
    func accumulate(_ z: UnsafePointer<Float>, band: Range<Int>, into output: UnsafeMutablePointer<Float>,
                    spare: UnsafeMutablePointer<Float>) {
        let rowStride = outputWidth * 16, blockStride = bandRows * rowStride
        // o[(p + 1)·9 + (q + 1)·3 + c]: where channel(p, q, c) of the Z pixel at x′ = x + 3q lies,
        // from Z column x − 3.
        let o: [Int] = (-1...1).flatMap { p in
            (-1...1).flatMap { q in
                (0..<3).map { c in
                    let j = TailSplitting.channel(p: p, q: q, colour: c)
                    return 48 * (q + 1) + (j / 16) * blockStride + j % 16
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
                pixel += 16
                (above, here, below) = (above + 3, here + 3, below + 3)
            }
        }
    }
}
