/// The primitives of the network's 2×/4× end for one band geometry, and one band's run of them.
import Neural

/// The second upsampling convolution, the PReLU after its shuffle and the split tail, built for
/// a `BandGeometry`'s buffer shapes; both plans (`GeneratorPlan` over a tile, `StreamingPlan`
/// over rows) build theirs here and run each band with `run`.
struct BandPrimitives {
    let up1: Convolution
    /// The second upsampling's PReLU runs on the tail's input, after the shuffle (one slope per
    /// 4×-scale channel), while it is in cache.
    let tailPReLU: PReLU
    let tail: Convolution

    init(_ geometry: BandGeometry, engine: Engine, algorithm: Convolution.Algorithm) throws {
        let f = GeneratorWeights.features
        up1 = try Convolution(engine: engine, source: geometry.upsamplingInput(channels: f),
                              destination: geometry.upsamplingOutput(channels: 4 * f),
                              kernel: 3, padding: 0, algorithm: algorithm)
        tailPReLU = try PReLU(engine: engine, data: geometry.tailInput(channels: f))
        tail = try Convolution(engine: engine, source: geometry.tailInput(channels: f),
                               destination: geometry.tailOutput(channels: TailSplitting.channels),
                               kernel: 3, padding: 0, algorithm: algorithm)
    }

    var scratchpadBytes: [Int] { [up1.scratchpadBytes, tailPReLU.scratchpadBytes, tail.scratchpadBytes] }

    var implementations: [(layer: String, implementation: String)] {
        [("upsample conv 2 (band)", up1.implementation), ("PReLU 64 ×4 (tail band)", tailPReLU.implementation),
         ("tail conv (split into 3×3)", tail.implementation)]
    }

    /// Runs `band`: the second upsampling (unless the band lies below the image at 2× scale), the
    /// shuffle into the tail's input, the PReLU and the split tail; the Z rows are in
    /// `tailOutput` when it returns.
    func run(_ band: Band, weights: PlanWeights, upsamplingInput: Memory, tailInput: Memory, tailOutput: Memory,
             scratchpad: Scratchpad, engine: Engine) throws {
        if band.upsamples {
            band.clearUpsamplingInput(upsamplingInput)
            for move in band.shuffleIn { try move.execute(scratchpad: scratchpad) }
            try up1.forward(upsamplingInput, weights.up1, into: band.upsampled, scratchpad: scratchpad)
        }
        band.clearTailInput(tailInput)
        for move in band.shuffleOut { try move.execute(scratchpad: scratchpad) }
        try tailPReLU.forward(tailInput, slopes: weights.up1Slopes, into: tailInput, scratchpad: scratchpad)
        try tail.forward(tailInput, weights.tail, into: tailOutput, scratchpad: scratchpad)
        try engine.wait()
    }
}

/// The pixel-shuffle reorders bands share where their views' shapes agree: made once, reused.
/// State: owned by one plan, used by one thread.
final class ReorderCache {
    private var entries: [(source: TensorDesc, target: TensorDesc, reorder: Reorder)] = []
    private let engine: Engine

    init(engine: Engine) { self.engine = engine }

    func reorder(from source: TensorDesc, to target: TensorDesc) throws -> Reorder {
        if let known = entries.first(where: { $0.source == source && $0.target == target }) { return known.reorder }
        let reorder = try Reorder(from: source, to: target, engine: engine)
        entries.append((source, target, reorder))
        return reorder
    }

    var all: [Reorder] { entries.map(\.reorder) }
}
