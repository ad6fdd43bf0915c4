/// Where tiles go along one axis, and how they are blended.
import Testing
import Upscaling

@Suite("tile placement and blending weights")
struct TileAxisTests {
    static let cases: [(extent: Int, tile: Int, overlap: Int)] = [
        (1, 192, 24), (191, 192, 24), (192, 192, 24), (193, 192, 24), (400, 192, 24),
        (1000, 128, 32), (353, 192, 32), (17, 16, 4), (5000, 192, 24),
    ]

    @Test("as few tiles as fit, equally long and no longer than a tile, covering the extent, neighbours overlapping by at least the overlap")
    func coverage() {
        for (extent, tile, overlap) in Self.cases {
            let axis = TileAxis(extent: extent, tile: tile, overlap: overlap)
            #expect(axis.length <= tile && axis.length <= extent)
            let fewer = axis.starts.count - 1
            #expect(fewer == 0 || fewer * tile - (fewer - 1) * overlap < extent, "\(fewer) tiles would do for \(extent)")
            #expect(axis.starts.first == 0)
            #expect(axis.starts.last! + axis.length == extent)
            for (a, b) in zip(axis.starts, axis.starts.dropFirst()) {
                #expect(b > a)
                #expect(a + axis.length - b >= overlap, "overlap \(a + axis.length - b) < \(overlap) for extent \(extent)")
            }
        }
    }

    @Test("blending weights of the tiles covering a pixel sum to 1 at every output pixel")
    func weightsSumToOne() {
        for (extent, tile, overlap) in Self.cases where extent <= 1000 {
            let axis = TileAxis(extent: extent, tile: tile, overlap: overlap)
            for p in 0..<extent * 4 {
                var sum: Float = 0
                for (i, start) in axis.starts.enumerated() where p >= start * 4 && p < (start + axis.length) * 4 {
                    sum += axis.weight(tile: i, at: p, scale: 4)
                }
                #expect(abs(sum - 1) < 1e-6, "extent \(extent), pixel \(p): weights sum to \(sum)")
            }
        }
    }

    @Test("a tile contributes nothing in the outer 3/8 of an overlap, where it saw its own border")
    func edgesAreDropped() {
        let axis = TileAxis(extent: 400, tile: 192, overlap: 32)
        let overlapStart = axis.starts[1] * 4, overlapEnd = (axis.starts[0] + axis.length) * 4
        let dropped = (overlapEnd - overlapStart) * 3 / 8
        #expect(axis.weight(tile: 0, at: overlapEnd - 1, scale: 4) == 0)
        #expect(axis.weight(tile: 0, at: overlapEnd - dropped, scale: 4) == 0)
        #expect(axis.weight(tile: 1, at: overlapStart + dropped - 1, scale: 4) == 0)
        #expect(axis.weight(tile: 1, at: overlapStart, scale: 4) == 0)
    }
}
