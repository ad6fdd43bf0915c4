/// Runs the generator over an image of any size in bounded memory.
import Common
import Foundation
import SRGAN

/// Rows of RGB floats (0…255) arriving top to bottom.
public protocol RowSource {
    var width: Int { get }
    var height: Int { get }
    /// Reads the next `count` rows into `buffer` (count · width · 3 floats).
    mutating func readRows(_ count: Int, into buffer: UnsafeMutableBufferPointer<Float>) throws
}

/// Receives finished output rows, top to bottom: RGB floats on the 0…255 scale, unclipped.
public protocol RowSink {
    mutating func writeRows(_ count: Int, from buffer: UnsafeBufferPointer<Float>) throws
}

/// ×4 inference of a whole image: streamed row by row, or in tiles with feathered blending.
///
/// Works one row of tiles at a time. It keeps only the input rows the current tile row needs and
/// an accumulator of the output rows that tile row touches; output rows that no later tile can
/// change are handed to the sink at once. Peak memory is therefore set by the tile size and the
/// image width, never by the image height.
public struct TiledUpscaler {
    public var tile: Int
    public var overlap: Int
    /// Whether an image larger than one tile is streamed through the network row by row
    /// (`Generator.stream`: every pixel computed once, whole-image inference exactly) rather
    /// than cut into overlapping tiles. Tiles stay for comparison (`--inference tiles`)
    /// and for their own tests.
    public var streams = true

    /// The defaults, with the measurements behind them, live in `Common.Defaults`.
    public static let defaultTile = Defaults.tile
    public static let defaultOverlap = Defaults.overlap

    public init(tile: Int = TiledUpscaler.defaultTile, overlap: Int = TiledUpscaler.defaultOverlap) {
        precondition(tile >= 16, "tile must be at least 16 pixels")
        precondition(overlap >= 0 && overlap < tile, "overlap must be smaller than the tile")
        self.tile = tile
        self.overlap = overlap
    }

    /// Upscales everything `source` yields into `sink`. `progress` is called with the fraction of
    /// the work done: whole tiles, and within a tile its layers' share (a photo of one tile
    /// moves too). `clock`, when given, gets the time of each stage (see `StageClock`).
    public func run<Source: RowSource, Sink: RowSink>(
        _ generator: Generator, source: inout Source, sink: inout Sink, clock: StageClock? = nil,
        progress: (Double) -> Void = { _ in }
    ) throws {
        let clock = clock ?? StageClock()
        let (hits, misses) = (generator.planHits, generator.planMisses)
        defer {
            clock.planHits += generator.planHits - hits
            clock.planMisses += generator.planMisses - misses
        }
        let (width, height, s) = (source.width, source.height, Generator.scale)
        let rows = TileAxis(extent: height, tile: tile, overlap: overlap)
        let columns = TileAxis(extent: width, tile: tile, overlap: overlap)
        let (th, tw) = (rows.length, columns.length)
        let outWidth = width * s
        if streams && (rows.starts.count > 1 || columns.starts.count > 1) {
            try stream(generator, source: &source, sink: &sink, clock: clock, progress: progress)
            return
        }

        // Input rows [inputStart, inputStart + inputRows) are held in `input`.
        var input = [Float](repeating: 0, count: th * width * 3)
        var inputStart = 0, inputRows = 0
        // Output rows [outputStart, outputStart + band) accumulate weighted sums. The weights of
        // the tiles covering a pixel sum to 1 (`TileAxis.weight`, separable in x and y), so the
        // sums are the blended values: no per-pixel weight total is kept (at 12 MP that would be
        // another quarter of the band's memory) and none is divided by.
        let band = th * s
        var accumulator = [Float](repeating: 0, count: band * outWidth * 3)
        var outputStart = 0
        var tileInput = [Float](repeating: 0, count: th * tw * 3)
        var tileOutput = [Float](repeating: 0, count: th * tw * 3 * s * s)
        let columnWeights = (0..<columns.starts.count).map { c in
            (0..<tw * s).map { columns.weight(tile: c, at: columns.starts[c] * s + $0, scale: s) }
        }
        let total = Double(rows.starts.count * columns.starts.count)
        var done = 0.0

        for (r, y0) in rows.starts.enumerated() {
            // Slide the input window down to [y0, y0 + th).
            let keep = max(0, inputStart + inputRows - y0)
            if keep < inputRows {
                let drop = inputRows - keep
                input.withUnsafeMutableBufferPointer { b in
                    b.baseAddress!.update(from: b.baseAddress! + drop * width * 3, count: keep * width * 3)
                }
                inputStart += drop
                inputRows = keep
            }
            let needed = th - inputRows
            if needed > 0 {
                let decodeStart = DispatchTime.now().uptimeNanoseconds
                try input.withUnsafeMutableBufferPointer { b in
                    try source.readRows(needed, into: UnsafeMutableBufferPointer(
                        rebasing: b[(inputRows * width * 3)..<((inputRows + needed) * width * 3)]))
                }
                clock.add(.decode, nanoseconds: DispatchTime.now().uptimeNanoseconds - decodeStart)
                inputRows = th
            }

            let rowWeights = (0..<th * s).map { rows.weight(tile: r, at: y0 * s + $0, scale: s) }
            let bandOffset = y0 * s - outputStart
            for (c, x0) in columns.starts.enumerated() {
                let copyStart = DispatchTime.now().uptimeNanoseconds
                for y in 0..<th {
                    let from = (y * width + x0) * 3
                    tileInput.withUnsafeMutableBufferPointer { t in
                        input.withUnsafeBufferPointer { i in
                            (t.baseAddress! + y * tw * 3).update(from: i.baseAddress! + from, count: tw * 3)
                        }
                    }
                }
                let networkStart = DispatchTime.now().uptimeNanoseconds
                clock.add(.blending, nanoseconds: networkStart - copyStart)
                let creation = generator.planCreationNanoseconds
                try tileInput.withUnsafeBufferPointer { i in
                    try tileOutput.withUnsafeMutableBufferPointer { o in
                        try generator.run(input: i, height: th, width: tw, output: o) { within in
                            progress((done + within) / total)
                        }
                    }
                }
                let blendStart = DispatchTime.now().uptimeNanoseconds
                clock.add(.network, nanoseconds: blendStart - networkStart)
                clock.move(generator.planCreationNanoseconds - creation, from: .network, to: .planCreation)
                let cw = columnWeights[c]
                accumulator.withUnsafeMutableBufferPointer { acc in
                    tileOutput.withUnsafeBufferPointer { out in
                        for y in 0..<th * s {
                            let wy = rowWeights[y]
                            guard wy > 0 else { continue }
                            let accRow = ((bandOffset + y) * outWidth + x0 * s)
                            for x in 0..<tw * s {
                                let w = wy * cw[x]
                                guard w > 0 else { continue }
                                let o = (y * tw * s + x) * 3, a = (accRow + x) * 3
                                acc[a] += w * out[o]
                                acc[a + 1] += w * out[o + 1]
                                acc[a + 2] += w * out[o + 2]
                            }
                        }
                    }
                }
                clock.add(.blending, nanoseconds: DispatchTime.now().uptimeNanoseconds - blendStart)
                done += 1
                progress(done / total)
            }

            // Rows above the next tile row's start are final.
            let finalEnd = r + 1 < rows.starts.count ? rows.starts[r + 1] * s : height * s
            let count = finalEnd - outputStart
            guard count > 0 else { continue }
            let encodeStart = DispatchTime.now().uptimeNanoseconds
            try accumulator.withUnsafeBufferPointer { acc in
                try sink.writeRows(count, from: UnsafeBufferPointer(rebasing: acc[0..<(count * outWidth * 3)]))
            }
            let shiftStart = DispatchTime.now().uptimeNanoseconds
            clock.add(.encode, nanoseconds: shiftStart - encodeStart)
            // Move the unfinished rows to the top of the band and clear the rest.
            let remaining = band - count
            accumulator.withUnsafeMutableBufferPointer { acc in
                let base = acc.baseAddress!
                base.update(from: base + count * outWidth * 3, count: remaining * outWidth * 3)
                (base + remaining * outWidth * 3).update(repeating: 0, count: count * outWidth * 3)
            }
            outputStart = finalEnd
            clock.add(.blending, nanoseconds: DispatchTime.now().uptimeNanoseconds - shiftStart)
        }
    }

    /// The image through `Generator.stream`: rows are read as the network needs them, and its
    /// finished rows are encoded on a thread of their own (`BackgroundRowWriter`) while it goes
    /// on. The stage clock gets decode from inside, as encode only the time the network waited
    /// for the encoder, and the rest as network.
    private func stream<Source: RowSource, Sink: RowSink>(
        _ generator: Generator, source: inout Source, sink: inout Sink, clock: StageClock,
        progress: (Double) -> Void
    ) throws {
        let (width, height) = (source.width, source.height)
        let outRowFloats = width * Generator.scale * 3
        var decode: UInt64 = 0, encode: UInt64 = 0
        let start = DispatchTime.now().uptimeNanoseconds, creation = generator.planCreationNanoseconds
        try withUnsafeMutablePointer(to: &sink) { sink in
            let writer = BackgroundRowWriter(sink: sink, rowFloats: outRowFloats)
            do {
                try generator.stream(height: height, width: width, read: { count, buffer in
                    let t = DispatchTime.now().uptimeNanoseconds
                    try source.readRows(count, into: UnsafeMutableBufferPointer(start: buffer, count: count * width * 3))
                    decode += DispatchTime.now().uptimeNanoseconds - t
                }, write: { count, buffer in try writer.write(count, from: buffer) }, progress: progress)
                let t = DispatchTime.now().uptimeNanoseconds
                try writer.finish()
                encode = writer.waitNanoseconds + DispatchTime.now().uptimeNanoseconds - t
            } catch {
                writer.abandon()
                throw error
            }
        }
        let total = DispatchTime.now().uptimeNanoseconds - start
        let planning = generator.planCreationNanoseconds - creation
        clock.add(.decode, nanoseconds: decode)
        clock.add(.encode, nanoseconds: encode)
        clock.add(.planCreation, nanoseconds: planning)
        clock.add(.network, nanoseconds: total - decode - encode - planning)
    }
}
