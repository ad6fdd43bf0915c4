/// Tiled inference is seam-free: it matches inference on the whole image at once.
import Foundation
import Testing
import Imaging
import SRGAN
import TestSupport
import Upscaling

/// An in-memory image as rows of RGB floats.
struct ArrayRows: RowSource, RowSink {
    let width: Int
    let height: Int
    var values: [Float]
    var position = 0

    mutating func readRows(_ count: Int, into buffer: UnsafeMutableBufferPointer<Float>) throws {
        let n = count * width * 3
        _ = buffer.update(from: values[position..<(position + n)])
        position += n
    }

    mutating func writeRows(_ count: Int, from buffer: UnsafeBufferPointer<Float>) throws {
        values.append(contentsOf: buffer[0..<(count * width * 3)])
    }
}

func quantize(_ values: [Float]) -> [UInt8] {
    values.map { UInt8(min(255, max(0, $0)).rounded(.toNearestOrEven)) }
}

@Suite("tiled inference", .serialized)
struct TiledUpscalerTests {
    let generator: Generator
    let photo: (values: [Float], width: Int, height: Int)

    init() throws {
        generator = try Generator(contentsOf: TestEnvironment.model("srgan-gan.safetensors"), threads: 2)
        let reader = try ImageReader(path: TestEnvironment.fixture("UpscalingTests", "coffee.jpg"))
        var values: [Float] = []
        try reader.readRows(count: reader.info.height, into: &values)
        photo = (values, reader.info.width, reader.info.height)
    }

    func tiled(_ upscaler: TiledUpscaler, _ values: [Float], width: Int, height: Int) throws -> [Float] {
        var source = ArrayRows(width: width, height: height, values: values)
        var sink = ArrayRows(width: width * 4, height: height * 4, values: [])
        var fractions: [Double] = []
        try upscaler.run(generator, source: &source, sink: &sink, progress: { fractions.append($0) })
        #expect(fractions.last == 1)
        #expect(sink.values.count == values.count * 16)
        return sink.values
    }

    /// The photo cropped to `width` columns; wider than the photo, continued by its mirror image
    /// (no edge where they meet), so that two default tiles fit across it.
    func crop(width: Int) -> [Float] {
        (0..<photo.height).flatMap { y in
            (0..<width).flatMap { x -> ArraySlice<Float> in
                let column = x < photo.width ? x : 2 * photo.width - 1 - x
                let start = (y * photo.width + column) * 3
                return photo.values[start..<(start + 3)]
            }
        }
    }

    /// The crop width is chosen so that two tiles overlap by exactly the overlap asked for: the
    /// seam gets no more context than it would in a large image.
    @Test("a photo larger than a tile matches whole-image inference: ≥ 99.9 % within 1 level, none beyond 2",
          arguments: [(tile: TiledUpscaler.defaultTile, overlap: TiledUpscaler.defaultOverlap), (tile: 128, overlap: TiledUpscaler.defaultOverlap)])
    func matchesWholeImage(tile: Int, overlap: Int) throws {
        let (w, h) = (2 * tile - overlap, photo.height)
        #expect(w <= 2 * photo.width && h > tile, "the photo must need several tiles each way")
        let values = crop(width: w)
        let whole = quantize(try generator.run(values, height: h, width: w))
        generator.releasePlans()
        var upscaler = TiledUpscaler(tile: tile, overlap: overlap)
        upscaler.streams = false
        let pieces = quantize(try tiled(upscaler, values, width: w, height: h))
        var beyondOne = 0, largest = 0
        for i in whole.indices {
            let d = abs(Int(whole[i]) - Int(pieces[i]))
            if d > 1 { beyondOne += 1 }
            largest = max(largest, d)
        }
        let share = Double(beyondOne) / Double(whole.count)
        #expect(share <= 0.001, "\(beyondOne) of \(whole.count) values differ by more than 1")
        #expect(largest <= 2, "largest difference \(largest)")
    }

    @Test("by default a photo larger than a tile is streamed: whole-image inference to float rounding")
    func streamsLargePhotos() throws {
        let (w, h) = (2 * TiledUpscaler.defaultTile - TiledUpscaler.defaultOverlap, photo.height)
        let values = crop(width: w)
        let whole = try generator.run(values, height: h, width: w)
        generator.releasePlans()
        let streamed = try tiled(TiledUpscaler(), values, width: w, height: h)
        #expect(zip(whole, streamed).allSatisfy { abs($0 - $1) <= 0.05 })
    }

    struct DiskFull: Error, Equatable {}

    /// A sink that takes `capacity` rows, then fails as a full disk would.
    struct FailingSink: RowSink {
        var capacity: Int
        var written = 0
        mutating func writeRows(_ count: Int, from buffer: UnsafeBufferPointer<Float>) throws {
            guard written + count <= capacity else { throw DiskFull() }
            written += count
        }
    }

    @Test("a sink that fails while rows are encoded beside the network fails the upscale with its own error, at once")
    func sinkFailure() throws {
        let (w, h) = (300, 90)
        var source = ArrayRows(width: w, height: h, values: crop(width: w).prefix(w * h * 3).map { $0 })
        var sink = FailingSink(capacity: 100)
        #expect(throws: DiskFull()) {
            try TiledUpscaler().run(generator, source: &source, sink: &sink)
        }
        #expect(sink.written <= 100)
        // The network stopped soon after: it did not run on through the whole image.
        #expect(source.position < w * h * 3)
    }

    @Test("images smaller than a tile, and one-pixel strips, come out 4× with the generator's values",
          arguments: [(7, 5), (1, 1), (1, 40), (40, 1)])
    func smallImages(width: Int, height: Int) throws {
        let values = (0..<width * height * 3).map { Float(($0 * 53) % 256) }
        let out = try tiled(TiledUpscaler(), values, width: width, height: height)
        #expect(quantize(out) == quantize(try generator.run(values, height: height, width: width)))
    }
}
