/// The generator's weights reordered for one plan's primitives.
import Neural

/// Every plan (`GeneratorPlan` for a tile, `StreamingPlan` for rows) reorders the weight file's
/// HWIO kernels and slopes into the layouts its own primitives chose; this is that step, once
/// for both. The layer order and shapes are `GeneratorWeights`'.
struct PlanWeights {
    let head: ConvolutionWeights, headSlopes: Memory
    let blocks: [(ConvolutionWeights, Memory, ConvolutionWeights)]
    let trunk: ConvolutionWeights
    let up0: ConvolutionWeights, up0Slopes: Memory
    let up1: ConvolutionWeights, up1Slopes: Memory
    let tail: ConvolutionWeights
    /// The tail's own bias, added once when the split tail's shifted outputs are summed.
    let tailBias: [Float]

    /// `conv` and `convAdd` are the trunk's 3×3 convolutions (the second with the residual sum),
    /// `prelu64` its PReLU; `up0`/`prelu256` the first upsampling at low resolution; `ends` the
    /// 2×/4× end, whose tail is `splitTail`.
    init(_ weights: GeneratorWeights, splitTail: ConvParameters, head: Convolution, headPReLU: PReLU,
         conv: Convolution, convAdd: Convolution, prelu64: PReLU, up0: Convolution, prelu256: PReLU,
         ends: BandPrimitives, engine: Engine) throws {
        self.head = try head.makeWeights(hwio: weights.head.weights, bias: weights.head.bias, engine: engine)
        headSlopes = try headPReLU.makeSlopes(weights.headSlopes, engine: engine)
        blocks = try weights.blocks.map { block in
            (try conv.makeWeights(hwio: block.conv1.weights, bias: block.conv1.bias, engine: engine),
             try prelu64.makeSlopes(block.slopes, engine: engine),
             try convAdd.makeWeights(hwio: block.conv2.weights, bias: block.conv2.bias, engine: engine))
        }
        trunk = try convAdd.makeWeights(hwio: weights.trunk.weights, bias: weights.trunk.bias, engine: engine)
        // The PReLU after each pixel shuffle has one slope per output channel c; applied before
        // the shuffle it sees channel (2i+j)·64 + c, so the 64 slopes repeat four times.
        let up = weights.upsample
        self.up0 = try up0.makeWeights(hwio: up[0].conv.weights, bias: up[0].conv.bias, engine: engine)
        up0Slopes = try prelu256.makeSlopes(Array(repeating: up[0].slopes, count: 4).flatMap { $0 }, engine: engine)
        self.up1 = try ends.up1.makeWeights(hwio: up[1].conv.weights, bias: up[1].conv.bias, engine: engine)
        up1Slopes = try ends.tailPReLU.makeSlopes(up[1].slopes, engine: engine)
        self.tail = try ends.tail.makeWeights(hwio: splitTail.weights, bias: splitTail.bias, engine: engine)
        tailBias = weights.tail.bias
    }
}
