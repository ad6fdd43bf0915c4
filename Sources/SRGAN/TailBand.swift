/// One band of the split tail: the reorder that fills its input buffer.
import Foundation
import Neural

/// Gathers a band's 64-channel input at 4× scale from the second upsampling's output (256
/// channels at 2× scale): the pixel shuffle, as one reorder between strided views, written
/// inside the band buffer's zero margins.
final class TailBand {
    /// Z rows this band computes.
    let rows: Range<Int>
    /// Buffer rows that hold image rows; the others are zero.
    let imageRows: Range<Int>
    let gather: Reorder
    let from: Memory, into: Memory

    /// `upsampled` holds the 2H×2W×256 tensor (`nChw16c`) from offset 0; `bandInput` is the
    /// band buffer (`geometry.inputDesc(channels: 64)`).
    init(_ rows: Range<Int>, geometry: TailGeometry, upsampled: Memory, bandInput: Memory,
         lowHeight h: Int, lowWidth w: Int, engine: Engine,
         reorder: (TensorDesc, TensorDesc) throws -> Reorder) throws {
        self.rows = rows
        let first = rows.lowerBound - 1  // image row of buffer row 0 (even)
        let top = max(0, first), bottom = min(geometry.height, first + geometry.inputRows)
        precondition(top < bottom && top % 2 == 0 && bottom % 2 == 0, "tail band \(rows) misses the image")
        imageRows = (top - first) ..< (bottom - first)

        // Image channel 16cb + lane at (2y+i, 2x+j) is upsampled channel (2i+j)·64 + 16cb + lane
        // at (y, x) (TensorFlow's depth_to_space order). Indices (i, j, cb, lane, y, x).
        let dims = [2, 2, 4, 16, (bottom - top) / 2, 2 * w]
        let p = 4 * h * w * 16
        let source = TensorDesc(dims, strides: [8 * p, 4 * p, p, 1, 2 * w * 16, 16])
        let r = geometry.inputWidth * 16, q = geometry.inputRows * r
        let target = TensorDesc(dims, strides: [r, 16, q, 1, 2 * r, 32])
        gather = try reorder(source, target)
        from = try Memory(view: source, of: upsampled, offset: top / 2 * 2 * w * 16, engine: engine)
        into = try Memory(view: target, of: bandInput, offset: (top - first) * r + 4 * 16, engine: engine)
    }

    /// Zeroes what the gather does not write: the four margin columns on each side, and whole
    /// rows outside the image (the buffer is shared with earlier layers and other bands).
    func clearMargins(of input: Memory, geometry: TailGeometry) {
        let base = input.floats.baseAddress!
        let rowFloats = geometry.inputWidth * 16, margin = 4 * 16
        for block in 0..<(input.desc.dims[1] / 16) {
            for row in 0..<geometry.inputRows {
                let start = base + (block * geometry.inputRows + row) * rowFloats
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
