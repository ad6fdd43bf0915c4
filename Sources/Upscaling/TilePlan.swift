/// Upscaling: whole images through the generator in overlapping, feathered tiles, band by band.
///
/// This file decides where tiles go and how much each contributes where they overlap.

/// Tile positions along one axis, in input pixels.
///
/// Uses as few tiles as the tile size allows, all of one length (so one generator plan serves the
/// whole image), shortened to just what covers the extent with every overlap at least `overlap`:
/// 400 pixels with tile 192 and overlap 32 become three tiles of 155, not three of 192, which
/// would compute 24 % more pixels.
public struct TileAxis: Sendable, Equatable {
    public let extent: Int
    public let length: Int
    public let starts: [Int]

    public init(extent: Int, tile: Int, overlap: Int) {
        precondition(extent > 0 && tile > 0 && overlap >= 0)
        self.extent = extent
        let overlap = min(overlap, tile / 2)
        let count = extent <= tile ? 1 : 1 + (extent - tile + (tile - overlap) - 1) / (tile - overlap)
        let length = count == 1 ? extent : (extent + (count - 1) * overlap + count - 1) / count
        self.length = length
        let span = extent - length
        starts = (0..<count).map { count == 1 ? 0 : span * $0 / (count - 1) }
    }

    /// Blending weight of tile `index` at output coordinate `p` (in `scale`× pixels).
    ///
    /// Where two tiles overlap, the outer 3/8 of the overlap on each tile's side is dropped —
    /// those pixels saw the tile's zero padding within the network's receptive field — and the
    /// middle quarter is cross-faded linearly. Weights of overlapping tiles sum to 1. (Dropping
    /// only a quarter and fading across the middle half let through pixels closer to a tile
    /// edge, with more error against whole-image inference.)
    public func weight(tile index: Int, at p: Int, scale: Int) -> Float {
        let start = starts[index] * scale, end = (starts[index] + length) * scale
        var w: Float = 1
        if index > 0 {
            let overlapEnd = (starts[index - 1] + length) * scale
            w = min(w, ramp(p, from: start, to: overlapEnd))
        }
        if index + 1 < starts.count {
            let overlapStart = starts[index + 1] * scale
            w = min(w, 1 - ramp(p, from: overlapStart, to: end))
        }
        return w
    }

    /// 0 before the middle quarter of [a, b), 1 after it, linear across it (pixel centres).
    private func ramp(_ p: Int, from a: Int, to b: Int) -> Float {
        let length = Float(b - a)
        guard length > 0 else { return 1 }
        let margin = length * 3 / 8
        let t = (Float(p) + 0.5 - Float(a) - margin) / (length - 2 * margin)
        return min(1, max(0, t))
    }
}
