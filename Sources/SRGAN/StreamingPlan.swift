/// The generator over a whole image of one width, streamed top to bottom in bands of rows.
import Foundation
import Neural

/// The generator compiled for images `width` input pixels wide and of any height, run as a
/// pipeline over rows: every layer computes each of its output rows once, for the whole width,
/// so nothing is computed twice (tiles recompute their overlaps: 1.5× the pixels at tile 256 with
/// overlap 48), there is no blending, and the result is whole-image inference itself.
///
/// Each step reads `stepRows` (S) new input rows and moves every layer on by S rows. A 3×3 layer
/// that wrote its rows [t, t + S) reads its input rows [t − 1, t + S + 1): two rows it kept from
/// the step before (its *carry*) and the S its producer just wrote. So each layer runs one row
/// behind its producer (the head, 9×9, four), and a row leaves the first upsampling 38 rows after
/// it entered. Rows a layer computes outside the image are set to zero, which is exactly the zero
/// padding the whole-image network gives its next layer; a layer whose rows lie wholly outside
/// computes nothing.
///
/// The two skips: a residual block's input is the first rows of its first convolution's input
/// buffer, copied into the second's destination for the sum post-op; the head's output, summed
/// after the trunk 33 rows later, waits in a ring of S + 33 rows. The first upsampling's output
/// (256 channels) is kept as a window of S + 2 rows, which the bands of the existing 2×/4× end
/// (`Band`, `BandGeometry`) read as they do a whole tile's; their split-tail sums land in an
/// output window of 4S + 6 rows, whose finished rows (all of them but the last six) get tanh and
/// the rescale and go to the caller.
///
/// Memory is rows, not the image: for W input columns about 35 carries of 2 rows and the ring's
/// S + 33 rows at 256 bytes per column, the working buffers of S rows, and the band buffers (kept
/// to about 2 048 columns × rows by the band height). A 4000-wide photo needs ~0.3 GB; height
/// does not matter.
///
/// State: one caller at a time (the generator's), as every plan.
final class StreamingPlan {
    let width: Int
    let engine: Engine
    /// S: input rows per step; a multiple of `bandLowRows`. (16 measured no faster, and costs
    /// memory and part-image windows.)
    let stepRows = 8
    /// Input rows per band of the 2×/4× end: bands of 4 of them in output rows, as many as
    /// keep a band near 2 048 input columns × rows (a 4000-wide photo's band buffers: ~70 MB).
    let bandLowRows: Int

    private let features = GeneratorWeights.features
    private let head: Convolution, headPReLU: PReLU
    private let conv: Convolution, convAdd: Convolution, prelu64: PReLU
    private let up0: Convolution, prelu256: PReLU
    private let ends: BandPrimitives
    private let scratchpad: Scratchpad

    private let loaded: PlanWeights

    /// The head's input: 3 planes of S + 8 rows × W + 8 columns, a zero margin of 4 columns each
    /// side (the head runs unpadded: oneDNN 2.6's AVX2 kernel refuses a left padding of 4).
    private let headInput: Memory
    /// A 3×3 layer's input: its carry (2 rows) above its producer's S rows.
    private let layerInput: Memory
    /// Layer outputs, S rows each: `first` and `second` alternate through the residual blocks.
    private let first: Memory, second: Memory
    private let upsampled: Memory
    /// The first upsampling's output rows [Sj − 1, Sj + S + 1) at step j.
    private let window: Memory
    /// Carries (2 rows of 64 channels) of the 33 trunk convolutions and the first upsampling.
    private let carries: Memory
    /// The head's output rows, row y at y mod (S + 33), each row its channel blocks in order.
    private let ring: Memory
    private let ringRows: Int
    /// The 2×/4× end's buffers, as in `GeneratorPlan`.
    private let up1Input: Memory, up1Outputs: [Memory], tailInput: Memory, tailOutput: Memory
    private let reorders: ReorderCache
    /// tanh and the rescale, by how many floats they run over.
    private var finishes: [Int: (Eltwise, Eltwise)] = [:]
    private var spareRow: [Float]

    /// Input rows from a layer's output rows to the first upsampling's: the head 4, each of the
    /// 33 trunk convolutions and the upsampling 1.
    static let lag = 4 + 33 + 1

    init(weights: GeneratorWeights, splitTail: ConvParameters, width w: Int, engine: Engine,
         algorithm: Convolution.Algorithm) throws {
        (width, self.engine) = (w, engine)
        let f = features, s = stepRows
        bandLowRows = [8, 4, 2].first { s % $0 == 0 && $0 * w <= 2048 } ?? 1
        let rows64 = TensorDesc([1, f, s, w], .blocked), rows256 = TensorDesc([1, 4 * f, s, w], .blocked)
        let input64 = TensorDesc([1, f, s + 2, w], .blocked)

        head = try Convolution(engine: engine, source: TensorDesc([1, 3, s + 8, w + 8], .nchw), destination: rows64,
                               kernel: 9, padding: 0, algorithm: .direct)
        headPReLU = try PReLU(engine: engine, data: rows64)
        func conv3x3(_ destination: TensorDesc, _ postOps: [PostOp] = []) throws -> Convolution {
            try Convolution(engine: engine, source: input64, destination: destination, kernel: 3, padding: 1,
                            rowPadding: 0, algorithm: algorithm, postOps: postOps)
        }
        conv = try conv3x3(rows64)
        convAdd = try conv3x3(rows64, [.sum])
        prelu64 = headPReLU
        up0 = try conv3x3(rows256)
        prelu256 = try PReLU(engine: engine, data: rows256)

        let geometry = BandGeometry(lowHeight: 1, lowWidth: w, bandRows: 4 * bandLowRows)
        let ends = try BandPrimitives(geometry, engine: engine, algorithm: algorithm)
        self.ends = ends
        reorders = ReorderCache(engine: engine)

        headInput = try Memory(head.source, engine: engine)
        layerInput = try Memory(input64, engine: engine)
        first = try Memory(rows64, engine: engine)
        second = try Memory(rows64, engine: engine)
        upsampled = try Memory(rows256, engine: engine)
        window = try Memory(TensorDesc([1, 4 * f, s + 2, w], .blocked), engine: engine)
        carries = try Memory(TensorDesc([34 * 2 * f * w], .x), engine: engine)
        ringRows = s + 33
        ring = try Memory(TensorDesc([ringRows * f * w], .x), engine: engine)
        up1Input = try Memory(ends.up1.source, engine: engine)
        up1Outputs = try [Memory(ends.up1.destination, engine: engine), Memory(ends.up1.destination, engine: engine)]
        tailInput = try Memory(ends.tail.source, engine: engine)
        tailOutput = try Memory(ends.tail.destination, engine: engine)

        let needs = [head, conv, convAdd, up0].map(\.scratchpadBytes)
            + [headPReLU, prelu256].map(\.scratchpadBytes) + ends.scratchpadBytes
        scratchpad = try Scratchpad(bytes: needs.max()!, engine: engine)

        loaded = try PlanWeights(weights, splitTail: splitTail, head: head, headPReLU: headPReLU, conv: conv,
                                 convAdd: convAdd, prelu64: prelu64, up0: up0, prelu256: prelu256, ends: ends,
                                 engine: engine)
        spareRow = [Float](repeating: 0, count: 4 * w * 3)
    }

    /// Activation and scratch bytes this plan holds (weights excluded).
    var activationBytes: Int {
        [headInput, layerInput, first, second, upsampled, window, carries, ring, up1Input, tailInput, tailOutput]
            .reduce(up1Outputs.reduce(scratchpad.byteCount) { $0 + $1.desc.byteCount }) { $0 + $1.desc.byteCount }
            + (4 * stepRows + 6) * 4 * width * 3 * 4
    }

    var implementations: [(layer: String, implementation: String)] {
        [("head conv 9×9 (rows)", head.implementation), ("conv 3×3 (rows)", conv.implementation),
         ("conv 3×3 + residual (rows)", convAdd.implementation), ("PReLU 64 (rows)", prelu64.implementation),
         ("upsample conv 1 (rows)", up0.implementation), ("PReLU 256 (rows)", prelu256.implementation)]
            + ends.implementations
    }

    /// Runs the network over an image `height` rows tall. `read(n, buffer)` fills `buffer` with
    /// the next n input rows (n·W·3 floats, 0…255); `write(n, buffer)` takes the next n output
    /// rows (n·4W·3 floats, 0…255, unclipped), top to bottom. `progress` gets the fraction done
    /// after each step.
    func run(height h: Int, read: (Int, UnsafeMutablePointer<Float>) throws -> Void,
             write: (Int, UnsafePointer<Float>) throws -> Void, progress: (Double) -> Void = { _ in }) throws {
        let w = width, s = stepRows, f = features, L = TensorDesc.channelBlock
        let rowFloats = w * L  // one row of one channel block
        let geometry = BandGeometry(lowHeight: h, lowWidth: w, bandRows: 4 * bandLowRows)
        let bandsPerStep = s / bandLowRows
        let tailSteps = (geometry.count + bandsPerStep - 1) / bandsPerStep
        // Step j reads input rows [Sj + 39, …): the first upsampling then writes rows
        // [Sj + 1, Sj + S + 1), the fresh rows of window j. Steps start where every carry still
        // holds rows above the image (zeros).
        let firstStep = -((Self.lag + 1 + s - 1) / s)
        let outWidth = 4 * w, outRowFloats = outWidth * 3
        let windowRows = 4 * s + 6
        var output = [Float](repeating: 0, count: windowRows * outRowFloats)
        var staged = [Float](repeating: 0, count: s * w * 3)
        for memory in [headInput, window, carries] { memory.floats.update(repeating: 0) }
        func fillBias(_ rows: Range<Int>) {
            loaded.tailBias.withUnsafeBufferPointer { bias in
                output.withUnsafeMutableBufferPointer { o in
                    for pixel in (rows.lowerBound * outWidth)..<(rows.upperBound * outWidth) {
                        (o.baseAddress! + 3 * pixel).update(from: bias.baseAddress!, count: 3)
                    }
                }
            }
        }
        fillBias(0..<windowRows)
        var nextInputRow = 0
        let totalSteps = Double(tailSteps - firstStep)

        /// Copies `count` rows of every channel block between two blocked tensors of `fromRows`
        /// and `toRows` rows.
        /// (A oneDNN reorder between strided views does the same on every engine thread, but its
        /// plain-strided kernel is scalar: no faster in a 2-thread run, measured.)
        func copyRows(_ count: Int, blocks: Int, from source: UnsafeMutablePointer<Float>, _ fromRows: Int, row fromRow: Int,
                      to target: UnsafeMutablePointer<Float>, _ toRows: Int, row toRow: Int) {
            for b in 0..<blocks {
                (target + (b * toRows + toRow) * rowFloats)
                    .update(from: source + (b * fromRows + fromRow) * rowFloats, count: count * rowFloats)
            }
        }
        /// Copies S rows between a blocked tensor of S rows and the ring (image row y at slot
        /// y mod ring rows, its channel blocks side by side), row by row.
        func ringCopy(rows firstRow: Int, tensor: Memory, intoRing: Bool) {
            let base = tensor.floats.baseAddress!
            for r in 0..<s {
                let slot = ring.floats.baseAddress! + ringRow(firstRow + r) * f * w
                for b in 0..<(f / L) {
                    let row = base + (b * s + r) * rowFloats
                    if intoRing { (slot + b * rowFloats).update(from: row, count: rowFloats) }
                    else { row.update(from: slot + b * rowFloats, count: rowFloats) }
                }
            }
        }
        /// Zeroes a layer's output rows that lie outside the image (`start` is its first row's).
        func clearOutside(_ memory: Memory, blocks: Int, start: Int) {
            let base = memory.floats.baseAddress!
            for r in 0..<s where start + r < 0 || start + r >= h {
                for b in 0..<blocks { (base + (b * s + r) * rowFloats).update(repeating: 0, count: rowFloats) }
            }
        }
        /// Builds layer `index`'s input from its carry and `fresh` (its producer's S rows), and
        /// keeps the last two fresh rows as the next carry. Returns whether any of the layer's
        /// rows [start, start + S) lie in the image (else its output is just zeros). The input is
        /// built either way: a residual block's sum reads it.
        func prepare(_ index: Int, fresh: Memory, start: Int) -> Bool {
            let carry = carries.floats.baseAddress! + index * 2 * f * w
            let input = layerInput.floats.baseAddress!, source = fresh.floats.baseAddress!
            copyRows(2, blocks: f / L, from: carry, 2, row: 0, to: input, s + 2, row: 0)
            copyRows(2, blocks: f / L, from: source, s, row: s - 2, to: carry, 2, row: 0)
            copyRows(s, blocks: f / L, from: source, s, row: 0, to: input, s + 2, row: 2)
            return start + s > 0 && start < h
        }
        func ringRow(_ y: Int) -> Int { ((y % ringRows) + ringRows) % ringRows }

        for j in firstStep..<tailSteps {
            let p = s * j + Self.lag + 1  // this step's first input row
            // The head: shift its 8-row carry up, then the new rows (zeros past the image).
            let planes = headInput.floats.baseAddress!, planeFloats = (s + 8) * (w + 8)
            for c in 0..<3 {
                let plane = planes + c * planeFloats
                plane.update(from: plane + s * (w + 8), count: 8 * (w + 8))
            }
            let (lo, hi) = (max(p, 0), min(p + s, h))
            let count = max(0, hi - lo)
            precondition(count == 0 || lo == nextInputRow, "input rows arrive in order")
            if count > 0 {
                try staged.withUnsafeMutableBufferPointer { try read(count, $0.baseAddress!) }
                nextInputRow += count
            }
            staged.withUnsafeBufferPointer { src in
                for r in 0..<s {
                    let y = p + r
                    for c in 0..<3 {
                        let row = planes + c * planeFloats + (8 + r) * (w + 8) + 4
                        if y >= 0 && y < h {
                            let from = src.baseAddress! + (y - lo) * w * 3 + c
                            for x in 0..<w { row[x] = from[3 * x] }
                        } else {
                            row.update(repeating: 0, count: w)
                        }
                    }
                }
            }
            let headStart = p - 4
            if headStart + s > 0 && headStart < h {
                try head.forward(headInput, loaded.head, into: second, scratchpad: scratchpad)
                try headPReLU.forward(second, slopes: loaded.headSlopes, into: second, scratchpad: scratchpad)
                try engine.wait()
                clearOutside(second, blocks: f / L, start: headStart)
            } else {
                second.floats.update(repeating: 0)
            }
            // The head's rows wait in the ring for the sum after the trunk.
            ringCopy(rows: headStart, tensor: second, intoRing: true)
            // Residual blocks: block input in `second`; its first convolution writes `first`.
            var start = headStart
            for (index, (conv1, slopes, conv2)) in loaded.blocks.enumerated() {
                if index % 4 == 3 { progress((Double(j - firstStep) + Double(index + 1) / 20) / totalSteps) }
                start -= 1
                let computes1 = prepare(2 * index, fresh: second, start: start)
                // The block's input rows [start − 1, start + S − 1) are the first S of the
                // first convolution's input: the second convolution's rows, to sum onto.
                if start - 1 + s > 0 && start - 1 < h {
                    copyRows(s, blocks: f / L, from: layerInput.floats.baseAddress!, s + 2, row: 0,
                                 to: second.floats.baseAddress!, s, row: 0)
                }
                if computes1 {
                    try conv.forward(layerInput, conv1, into: first, scratchpad: scratchpad)
                    try prelu64.forward(first, slopes: slopes, into: first, scratchpad: scratchpad)
                    try engine.wait()
                    clearOutside(first, blocks: f / L, start: start)
                } else {
                    first.floats.update(repeating: 0)
                }
                start -= 1
                if prepare(2 * index + 1, fresh: first, start: start) {
                    try convAdd.forward(layerInput, conv2, into: second, scratchpad: scratchpad)
                    try engine.wait()
                    clearOutside(second, blocks: f / L, start: start)
                } else {
                    second.floats.update(repeating: 0)
                }
            }
            // The trunk's last convolution, summed onto the head's rows from the ring.
            start -= 1
            if prepare(32, fresh: second, start: start) {
                ringCopy(rows: start, tensor: first, intoRing: false)
                try convAdd.forward(layerInput, loaded.trunk, into: first, scratchpad: scratchpad)
                try engine.wait()
                clearOutside(first, blocks: f / L, start: start)
            } else {
                first.floats.update(repeating: 0)
            }
            // The first upsampling, into the window's last S rows after its last two move up.
            start -= 1
            let windowBase = window.floats.baseAddress!, upBlocks = 4 * f / L
            copyRows(2, blocks: upBlocks, from: windowBase, s + 2, row: s, to: windowBase, s + 2, row: 0)
            if prepare(33, fresh: first, start: start) {
                try up0.forward(layerInput, loaded.up0, into: upsampled, scratchpad: scratchpad)
                try prelu256.forward(upsampled, slopes: loaded.up0Slopes, into: upsampled, scratchpad: scratchpad)
                try engine.wait()
                clearOutside(upsampled, blocks: upBlocks, start: start)
                copyRows(s, blocks: upBlocks, from: upsampled.floats.baseAddress!, s, row: 0, to: windowBase, s + 2, row: 2)
            } else {
                for b in 0..<upBlocks { (windowBase + (b * (s + 2) + 2) * rowFloats).update(repeating: 0, count: s * rowFloats) }
            }
            precondition(start == s * j + 1, "the first upsampling's rows are the window's fresh rows")

            // The 2×/4× end: window j holds low rows [Sj − 1, Sj + S + 1).
            if j >= 0 {
                let outputOrigin = 4 * s * j - 4  // the output window's first row
                for i in 0..<bandsPerStep {
                    let k = j * bandsPerStep + i
                    guard k < geometry.count else { break }
                    let band = try Band(k, geometry: geometry, lowUpsampled: window, lowFirstRow: s * j - 1,
                                        lowRows: s + 2, upsamplingInput: up1Input, outputs: up1Outputs,
                                        tailInput: tailInput, engine: engine, reorder: reorders.reorder)
                    try ends.run(band, weights: loaded, upsamplingInput: up1Input, tailInput: tailInput,
                                 tailOutput: tailOutput, scratchpad: scratchpad, engine: engine)
                    output.withUnsafeMutableBufferPointer { o in
                        spareRow.withUnsafeMutableBufferPointer { spare in
                            geometry.accumulate(tailOutput.floats.baseAddress!, band: band.zRows,
                                                into: o.baseAddress! - outputOrigin * outRowFloats, spare: spare.baseAddress!)
                        }
                    }
                }
                // Rows [origin, origin + 4S) are final; the last six still wait for Z rows.
                let finalRows = max(outputOrigin, 0)..<min(outputOrigin + 4 * s, 4 * h)
                if !finalRows.isEmpty {
                    let offset = (finalRows.lowerBound - outputOrigin) * outRowFloats, n = finalRows.count * outRowFloats
                    let (tanh, rescale) = try finish(floats: n)
                    try output.withUnsafeMutableBufferPointer { o in
                        let rows = try Memory(tanh.data, engine: engine, borrowing: o.baseAddress! + offset)
                        try tanh.forward(rows, into: rows, scratchpad: scratchpad)
                        try rescale.forward(rows, into: rows, scratchpad: scratchpad)
                        try engine.wait()
                    }
                    try output.withUnsafeBufferPointer { try write(finalRows.count, $0.baseAddress! + offset) }
                }
                output.withUnsafeMutableBufferPointer { o in
                    o.baseAddress!.update(from: o.baseAddress! + 4 * s * outRowFloats, count: 6 * outRowFloats)
                }
                fillBias(6..<windowRows)
            }
            progress(Double(j - firstStep + 1) / totalSteps)
        }
        precondition(nextInputRow == h, "every input row read once")
    }

    private func finish(floats n: Int) throws -> (Eltwise, Eltwise) {
        if let known = finishes[n] { return known }
        let desc = TensorDesc([n], .x)
        let pair = (try Eltwise(engine: engine, data: desc, function: .tanh),
                    try Eltwise(engine: engine, data: desc, function: .linear(scale: 127.5, shift: 127.5)))
        if finishes.count > 4 { finishes.removeAll() }
        finishes[n] = pair
        return pair
    }
}
