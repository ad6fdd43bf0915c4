/// Progress comes from inside the generator: a photo that is one tile reports more than "0 %,
/// then done" (issue 13), and the fractions only grow, ending at 1.
import Foundation
import Testing
import SRGAN
import TestSupport
import Upscaling

@Suite("progress inside a tile")
struct ProgressTests {
    @Test("one tile: about twenty fractions strictly between 0 and 1, increasing, then exactly 1")
    func singleTile() throws {
        let generator = try Generator(contentsOf: TestEnvironment.model("srgan-gan.safetensors"), threads: 1)
        let (width, height) = (40, 72)   // more than one band of the second upsampling (32 rows)
        var source = ArrayRows(width: width, height: height, values: randomValues(width * height * 3, scale: 127, seed: 13)
            .map { $0 + 128 })
        var sink = ArrayRows(width: width * 4, height: height * 4, values: [])
        var fractions: [Double] = []
        try TiledUpscaler(tile: 224, overlap: 48).run(generator, source: &source, sink: &sink) { fractions.append($0) }
        #expect(fractions.last == 1)
        let inside = fractions.dropLast().filter { $0 > 0 && $0 < 1 }
        #expect(inside.count >= 16, "\(fractions)")
        #expect(zip(fractions, fractions.dropFirst()).allSatisfy { $0 < $1 || ($0 == 1 && $1 == 1) }, "\(fractions)")
        // The trunk is about 55 % of the multiply-adds: half-way is reached inside it, not at the end.
        #expect(fractions.contains { $0 > 0.3 && $0 < 0.6 }, "\(fractions)")
        #expect(sink.values.count == width * 4 * height * 4 * 3)
    }

    @Test("several tiles, or streamed rows: the fractions still only grow, through every tile or step, to 1")
    func severalTiles() throws {
        let generator = try Generator(contentsOf: TestEnvironment.model("srgan-gan.safetensors"), threads: 1)
        let (width, height) = (72, 40)
        let source = ArrayRows(width: width, height: height, values: [Float](repeating: 100, count: width * height * 3))
        let sink = ArrayRows(width: width * 4, height: height * 4, values: [])
        var upscaler = TiledUpscaler(tile: 40, overlap: 8)
        for streams in [false, true] {
            upscaler.streams = streams
            var fractions: [Double] = []
            var source = source, sink = sink
            try upscaler.run(generator, source: &source, sink: &sink) { fractions.append($0) }
            #expect(fractions.last == 1)
            #expect(zip(fractions, fractions.dropFirst()).allSatisfy { $0 <= $1 }, "\(fractions)")
            #expect(fractions.filter { $0 > 0 && $0 < 0.5 }.count >= 10, "streams: \(streams)")
        }
    }
}
