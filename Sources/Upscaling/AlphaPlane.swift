/// The alpha channel's path around the network: input alpha rows are kept in a sliding window
/// as they are decoded, and output alpha rows are interpolated from it as the matching colour rows
/// come out of the tiled upscaler. The window holds only the input rows between the oldest output
/// row still to be written and the newest input row decoded (about a tile's height), so alpha
/// streams band by band like the colour.
import Foundation

/// State: the decoder appends rows on the network's thread while the output rows may be made on
/// the encoder's (`BackgroundRowWriter`): `rows` and `firstRow` are guarded by `lock`;
/// `nextOutputRow` belongs to the thread that calls `outputRows`.
final class AlphaPlane: @unchecked Sendable {
    let width: Int
    let height: Int
    private let lock = NSLock()
    /// Input rows `firstRow ..< firstRow + rows.count`, alpha on the 0…255 scale.
    private var rows: [[Float]] = []
    private var firstRow = 0
    /// The next output row `outputRows` will produce.
    private var nextOutputRow = 0
    static let scale = 4

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    func append(_ row: [Float]) {
        precondition(row.count == width)
        lock.withLock { rows.append(row) }
    }

    /// Bicubic (Keys, a = −0.5) weights for the four output phases of a ×4 enlargement, with pixel
    /// centres aligned: output row Y samples input coordinate Y/4 − 3/8, i.e. phase t = 5/8, 7/8,
    /// 1/8, 3/8 past input rows ⌊Y/4⌋ − 1, ⌊Y/4⌋ − 1, ⌊Y/4⌋, ⌊Y/4⌋ for Y mod 4 = 0…3.
    static let phases: [(offset: Int, weights: [Float])] = [(-1, 0.625), (-1, 0.875), (0, 0.125), (0, 0.375)].map {
        ($0.0, keys(Float($0.1)))
    }

    /// The four taps at −1, 0, 1, 2 around the sample point for fractional position `t`.
    static func keys(_ t: Float) -> [Float] {
        func w(_ x: Float) -> Float {
            let a: Float = -0.5, x = abs(x)
            if x <= 1 { return (a + 2) * x * x * x - (a + 3) * x * x + 1 }
            if x < 2 { return a * x * x * x - 5 * a * x * x + 8 * a * x - 4 * a }
            return 0
        }
        return [w(1 + t), w(t), w(1 - t), w(2 - t)]
    }

    /// The first input row an output row `y` reads (before clamping to the image).
    private static func firstInputRow(forOutput y: Int) -> Int {
        y / scale + phases[y % scale].offset - 1
    }

    /// Interpolates the next `count` output rows (width × 4 each) into `out`, then forgets input
    /// rows no later output row needs.
    func outputRows(_ count: Int, into out: inout [Float]) {
        let outWidth = width * Self.scale
        if out.count != count * outWidth { out = [Float](repeating: 0, count: count * outWidth) }
        var column = [Float](repeating: 0, count: width)
        // A snapshot (the arrays are shared, not copied): the decoder may append meanwhile.
        let (window, windowStart) = lock.withLock { (rows, firstRow) }
        func row(_ y: Int) -> [Float] {
            precondition(y >= windowStart && y < windowStart + window.count,
                         "alpha row \(y) is not in the window \(windowStart)..<\(windowStart + window.count)")
            return window[y - windowStart]
        }
        for r in 0..<count {
            let y = nextOutputRow + r
            let phase = Self.phases[y % Self.scale]
            let top = Self.firstInputRow(forOutput: y)
            // Vertical pass: one input-resolution row at this output row's position.
            for i in 0..<width { column[i] = 0 }
            for k in 0..<4 {
                let row = row(min(max(top + k, 0), height - 1))
                let w = phase.weights[k]
                for i in 0..<width { column[i] += w * row[i] }
            }
            // Horizontal pass, clamped at the edges; bicubic overshoots, alpha may not.
            for x in 0..<outWidth {
                let hp = Self.phases[x % Self.scale]
                let left = Self.firstInputRow(forOutput: x)
                var v: Float = 0
                for k in 0..<4 { v += hp.weights[k] * column[min(max(left + k, 0), width - 1)] }
                out[r * outWidth + x] = min(255, max(0, v))
            }
        }
        nextOutputRow += count
        let keepFrom = max(0, min(height - 1, Self.firstInputRow(forOutput: nextOutputRow)))
        lock.withLock {
            if keepFrom > firstRow {
                let drop = min(keepFrom - firstRow, rows.count)
                rows.removeFirst(drop)
                firstRow += drop
            }
        }
    }
}
