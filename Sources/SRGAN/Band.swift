/// One band of the network's upsampled end: the reorders that fill its buffers.
import Neural

/// The data movement of band k (see `BandGeometry`): the first pixel shuffle, from the first
/// upsampling's output into the second upsampling convolution's input buffer, and the second
/// pixel shuffle, from that convolution's output (this band's and the last row of the band
/// before) into the tail's input buffer. Each move is one reorder between strided views and
/// writes only image rows inside the margins; `clearUpsamplingInput` and `clearTailInput` zero
/// the rest.
final class Band {
    /// A reorder and the two views it moves between.
    struct Move {
        let reorder: Reorder
        let from: Memory
        let into: Memory

        /// With `scratchpad`, unless the reorder needs more (one of its own then).
        func execute(scratchpad: Scratchpad) throws {
            try reorder.execute(from, into, scratchpad: reorder.scratchpadBytes <= scratchpad.byteCount ? scratchpad : nil)
        }
    }

    let zRows: Range<Int>
    /// Moves into the upsampling convolution's input, from the first upsampling's output.
    let shuffleIn: [Move]
    /// Moves into the tail's input, from the upsampling convolution's outputs.
    let shuffleOut: [Move]
    /// This band's upsampling convolution output (the two alternate between bands).
    let upsampled: Memory
    /// False for a last band that lies wholly below the image at 2× scale (it only finishes Z
    /// rows from the band before's last upsampled row): its upsampling convolution is skipped.
    let upsamples: Bool
    private let upsamplingImageRows: Range<Int>
    private let tailImageRows: Range<Int>

    /// `lowUpsampled` is the first upsampling's output (256 channels, `blocked`, PReLU applied):
    /// rows [lowFirstRow, lowFirstRow + lowRows) of it, the whole H rows unless the image is
    /// streamed, and the rows this band reads among them; `outputs` the two upsampling output
    /// buffers; `reorder` makes (or reuses) the reorder between two descriptors.
    init(_ k: Int, geometry g: BandGeometry, lowUpsampled: Memory, lowFirstRow: Int = 0, lowRows: Int? = nil,
         upsamplingInput: Memory, outputs: [Memory], tailInput: Memory, engine: Engine,
         reorder: (TensorDesc, TensorDesc) throws -> Reorder) throws {
        let (h, w, b, bb) = (g.lowHeight, g.lowWidth, g.upsampledRows, g.bandRows)
        let lowRows = lowRows ?? h
        zRows = g.zRows(k)
        upsampled = outputs[k % 2]
        func move(_ dims: [Int], from source: Memory, _ sourceStrides: [Int], at sourceOffset: Int,
                  into target: Memory, _ targetStrides: [Int], at targetOffset: Int) throws -> Move {
            let (s, t) = (TensorDesc(dims, strides: sourceStrides), TensorDesc(dims, strides: targetStrides))
            return Move(reorder: try reorder(s, t),
                        from: try Memory(view: s, of: source, offset: sourceOffset, engine: engine),
                        into: try Memory(view: t, of: target, offset: targetOffset, engine: engine))
        }
        // L lanes per channel block (`TensorDesc.channelBlock`), nb blocks per 64 features.
        let L = TensorDesc.channelBlock, nb = 64 / L
        // 2×-scale channel L·cb + lane at (2y+i, 2x+j) is channel (2i+j)·64 + L·cb + lane at (y, x)
        // one scale down (TensorFlow's depth_to_space order); indices (i, j, cb, lane, y, x).
        func shuffled(rows: Int, columns: Int) -> [Int] { [2, 2, nb, L, rows, columns] }

        // First shuffle: 2×-scale rows [kb − 1, kb + b + 1) of the input buffer; rows kb…kb+b−1
        // are whole low-resolution rows, the two halo rows are half rows.
        let p0 = lowRows * w * L, rv = (2 * w + 2) * L, qv = (b + 2) * rv
        func lowOffset(_ row: Int) -> Int { (row - lowFirstRow) * w * L }
        let lowStrides = [2 * nb * p0, nb * p0, p0, 1, w * L, L]
        let inStrides = [rv, L, qv, 1, 2 * rv, 2 * L]
        let first = k * b - 1, end = min(k * b + b, 2 * h)
        upsamplingImageRows = (max(0, first) - first) ..< (min(2 * h, first + b + 2) - first)
        upsamples = end > k * b
        var shuffleIn: [Move] = []
        if upsamples {
            shuffleIn.append(try move(shuffled(rows: (end - k * b) / 2, columns: w), from: lowUpsampled, lowStrides, at: lowOffset(k * b / 2),
                                      into: upsamplingInput, inStrides, at: rv + L))
        }
        // A half row: (j, cb, lane, x) of sub-row i.
        func halfRow(lowRow: Int, i: Int, bufferRow: Int) throws -> Move {
            try move([2, nb, L, w], from: lowUpsampled, [nb * p0, p0, 1, L], at: i * 2 * nb * p0 + lowOffset(lowRow),
                     into: upsamplingInput, [L, qv, 1, 2 * L], at: bufferRow * rv + L)
        }
        if upsamples && first >= 0 { shuffleIn.append(try halfRow(lowRow: first / 2, i: 1, bufferRow: 0)) }
        if upsamples && end < 2 * h { shuffleIn.append(try halfRow(lowRow: end / 2, i: 0, bufferRow: b + 1)) }
        self.shuffleIn = shuffleIn

        // Second shuffle: 4×-scale rows [kB − 2, kB + B) of the tail's input buffer are 2×-scale
        // rows kb − 1 (the band before's last) and kb…kb+b−1 (this band's).
        let pu = b * 2 * w * L, rt = (g.width + 8) * L, qt = (bb + 2) * rt
        let upStrides = [2 * nb * pu, nb * pu, pu, 1, 2 * w * L, L]
        let tailStrides = [rt, L, qt, 1, 2 * rt, 2 * L]
        let top = k * bb - 2
        tailImageRows = (max(0, top) - top) ..< (min(g.height, top + bb + 2) - top)
        var shuffleOut: [Move] = []
        if upsamples {
            shuffleOut.append(try move(shuffled(rows: end - k * b, columns: 2 * w), from: upsampled, upStrides, at: 0,
                                       into: tailInput, tailStrides, at: 2 * rt + 4 * L))
        }
        if k > 0 && first < 2 * h {
            shuffleOut.append(try move(shuffled(rows: 1, columns: 2 * w), from: outputs[(k - 1) % 2], upStrides, at: (b - 1) * 2 * w * L,
                                       into: tailInput, tailStrides, at: 4 * L))
        }
        self.shuffleOut = shuffleOut
    }

    /// Zeroes what the moves do not write in the upsampling input (`margin` 1) or the tail input
    /// (`margin` 4): margin columns, and whole rows outside the image. The buffers are shared
    /// with earlier layers and other bands, so this runs before each band.
    func clearUpsamplingInput(_ memory: Memory) { Self.clear(memory, margin: 1, imageRows: upsamplingImageRows) }
    func clearTailInput(_ memory: Memory) { Self.clear(memory, margin: 4, imageRows: tailImageRows) }

    private static func clear(_ memory: Memory, margin columns: Int, imageRows: Range<Int>) {
        let dims = memory.desc.dims, rows = dims[2]
        let L = TensorDesc.channelBlock
        let rowFloats = dims[3] * L, margin = columns * L
        let base = memory.floats.baseAddress!
        for block in 0..<(dims[1] / L) {
            for row in 0..<rows {
                let start = base + (block * rows + row) * rowFloats
                if imageRows.contains(row) {
                    start.update(repeating: 0, count: margin)
                    (start + rowFloats - margin).update(repeating: 0, count: margin)
                } else {
                    start.update(repeating: 0, count: rowFloats)
                }
            }
        }
    }
}
