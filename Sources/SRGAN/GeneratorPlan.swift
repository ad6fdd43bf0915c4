/// Everything the generator needs to run on one input size: primitives, weights, activations.
import Foundation
import Neural

/// The generator compiled for one H×W input: oneDNN primitives created once, weights reordered
/// into the layouts those primitives chose, and one arena for all activations.
///
/// Activations are `nChw16c` from the first layer to the last; the only layout changes are at the
/// input, at the two pixel shuffles (strided-view reorders) and at the output.
///
/// The two widest layers run in four slices each, to bound Winograd's scratch buffers (2.25× the
/// tensor they transform): the second upsampling convolution as four 64→64 convolutions, one per
/// 64-channel slice of its output (a slice of a channel-blocked tensor is contiguous), and the
/// folded tail as four 256→48 convolutions over slices of its input, accumulated with a sum
/// post-op. At 256² input this halves peak memory (1.4 → 0.7 GB) at no cost in speed.
///
/// Activation memory, 6 KiB per input pixel, reused as tensors die:
/// - A (1024·H·W floats): head output, residual stream and temporary (64 ch each); then the
///   second upsampling's output (256 ch at 2H×2W).
/// - B (512·H·W floats): the first upsampling's output (256 ch) and its shuffle (64 ch at
///   2H×2W); then one tail input slice (256 ch) and the tail output (48 ch).
final class GeneratorPlan {
    static let slices = 4

    let height: Int
    let width: Int
    let engine: Engine

    private let inputView: TensorDesc
    private let inputReorder: Reorder?
    private let headInput: Memory?
    private let head: Convolution
    private let conv: Convolution
    private let convAdd: Convolution
    private let prelu64: PReLU
    private let up0: Convolution
    private let prelu256: PReLU
    private let shuffle: PixelShuffle
    private let up1Slice: Convolution
    private let prelu256x2: PReLU
    private let gatherTailSlice: Reorder
    private let tailFirst: Convolution
    private let tailAdd: Convolution
    private let activation: Eltwise
    private let rescale: Eltwise
    private let outputReorder: Reorder
    private let outputView: TensorDesc

    private let arenaA: Memory, arenaB: Memory
    private let x1: Memory, stream: Memory, temp: Memory
    private let u0: Memory, v0: Memory, u1: Memory, tailInput: Memory, o: Memory
    private let u1Slices: [Memory], u1Gathers: [Memory]
    private let tailInputView: Memory, oView: Memory
    private let scratchpad: Scratchpad

    private let headWeights: ConvolutionWeights
    private let headSlopes: Memory
    private let blockWeights: [(ConvolutionWeights, Memory, ConvolutionWeights)]
    private let trunkWeights: ConvolutionWeights
    private let up0Weights: ConvolutionWeights, up0Slopes: Memory
    private let up1Weights: [ConvolutionWeights], up1Slopes: Memory
    private let tailWeights: [ConvolutionWeights]

    init(weights: GeneratorWeights, foldedTail: ConvParameters, height h: Int, width w: Int,
         engine: Engine, algorithm: Convolution.Algorithm) throws {
        (height, width, self.engine) = (h, w, engine)
        let f = GeneratorWeights.features
        let lr64 = TensorDesc([1, f, h, w], .nChw16c)
        let lr256 = TensorDesc([1, 4 * f, h, w], .nChw16c)
        let hr64 = TensorDesc([1, f, 2 * h, 2 * w], .nChw16c)
        let hr256 = TensorDesc([1, 4 * f, 2 * h, 2 * w], .nChw16c)
        let lr48 = TensorDesc([1, 48, h, w], .nChw16c)

        // Input: the caller's H×W×3 floats (NHWC); the head convolution picks its own layout for
        // a 3-channel source and we reorder into it only if it differs.
        inputView = TensorDesc([1, 3, h, w], .nhwc)
        head = try Convolution(engine: engine, source: TensorDesc([1, 3, h, w], .any), destination: lr64,
                               kernel: 9, padding: 4, algorithm: .direct)
        if head.source == inputView {
            inputReorder = nil
            headInput = nil
        } else {
            inputReorder = try Reorder(from: inputView, to: head.source, engine: engine)
            headInput = try Memory(head.source, engine: engine)
        }
        func conv3x3(_ source: TensorDesc, _ destination: TensorDesc, _ postOps: [PostOp] = []) throws -> Convolution {
            try Convolution(engine: engine, source: source, destination: destination, kernel: 3, padding: 1,
                            algorithm: algorithm, postOps: postOps)
        }
        conv = try conv3x3(lr64, lr64)
        convAdd = try conv3x3(lr64, lr64, [.sum])
        prelu64 = try PReLU(engine: engine, data: lr64)
        up0 = try conv3x3(lr64, lr256)
        prelu256 = try PReLU(engine: engine, data: lr256)
        shuffle = try PixelShuffle(engine: engine, channels: f, height: h, width: w)
        up1Slice = try conv3x3(hr64, hr64)
        prelu256x2 = try PReLU(engine: engine, data: hr256)
        tailFirst = try conv3x3(lr256, lr48)
        tailAdd = try conv3x3(lr256, lr48, [.sum])
        // tanh, then back to 0…255, as separate passes: oneDNN has no Winograd kernel with a tanh
        // post-op, and a linear post-op on the tanh primitive runs reference code.
        activation = try Eltwise(engine: engine, data: lr48, function: .tanh)
        rescale = try Eltwise(engine: engine, data: lr48, function: .linear(scale: 127.5, shift: 127.5))

        // Pixel shuffle of the second upsampling fused with the tail's 4× space-to-depth, one
        // slice at a time. U1 channel (2i+j)·64 + 16cb + lane at (2y+py, 2x+px) is tail input
        // channel ((2py+i)·4 + 2px+j)·64 + 16cb + lane at (y, x); slice `by = 2py+i` holds the 256
        // channels with that leading index. Indices (px, j, cb, lane, y, x); the slice's (py, i)
        // become an offset into U1.
        let p = 4 * h * w * 16, q = h * w * 16
        let gatherDims = [2, 2, f / 16, 16, h, w]
        let fromU1 = TensorDesc(gatherDims, strides: [16, 4 * p, p, 1, 4 * w * 16, 32])
        let toSlice = TensorDesc(gatherDims, strides: [8 * q, 4 * q, q, 1, w * 16, 16])
        gatherTailSlice = try Reorder(from: fromU1, to: toSlice, engine: engine)

        // Output: folded channel oc·16 + ay·4 + ax at (y, x) is pixel (4y+ay, 4x+ax), colour oc.
        let outDims = [h, 4, w, 4, 3]
        let oDesc = TensorDesc(outDims, strides: [w * 16, 4, 16, 1, q])
        outputView = TensorDesc(outDims, strides: [48 * w, 12 * w, 12, 3, 1])
        outputReorder = try Reorder(from: oDesc, to: outputView, engine: engine)

        let lrSize = f * h * w
        let arenaA = try Memory(TensorDesc([16 * lrSize], .x), engine: engine)
        let arenaB = try Memory(TensorDesc([8 * lrSize], .x), engine: engine)
        (self.arenaA, self.arenaB) = (arenaA, arenaB)
        x1 = try Memory(view: lr64, of: arenaA, offset: 0, engine: engine)
        stream = try Memory(view: lr64, of: arenaA, offset: lrSize, engine: engine)
        temp = try Memory(view: lr64, of: arenaA, offset: 2 * lrSize, engine: engine)
        u0 = try Memory(view: lr256, of: arenaB, offset: 0, engine: engine)
        v0 = try Memory(view: hr64, of: arenaB, offset: 4 * lrSize, engine: engine)
        u1 = try Memory(view: hr256, of: arenaA, offset: 0, engine: engine)
        u1Slices = try (0..<Self.slices).map { try Memory(view: hr64, of: arenaA, offset: $0 * 4 * lrSize, engine: engine) }
        u1Gathers = try (0..<Self.slices).map { by in
            let (py, i) = (by / 2, by % 2)
            return try Memory(view: fromU1, of: arenaA, offset: py * 2 * w * 16 + i * 8 * p, engine: engine)
        }
        tailInput = try Memory(view: lr256, of: arenaB, offset: 0, engine: engine)
        tailInputView = try Memory(view: toSlice, of: arenaB, offset: 0, engine: engine)
        o = try Memory(view: lr48, of: arenaB, offset: 4 * lrSize, engine: engine)
        oView = try Memory(view: oDesc, of: arenaB, offset: 4 * lrSize, engine: engine)

        let needs = [head.scratchpadBytes, conv.scratchpadBytes, convAdd.scratchpadBytes,
                     prelu64.scratchpadBytes, up0.scratchpadBytes, prelu256.scratchpadBytes,
                     up1Slice.scratchpadBytes, prelu256x2.scratchpadBytes, tailFirst.scratchpadBytes,
                     tailAdd.scratchpadBytes, activation.scratchpadBytes, rescale.scratchpadBytes,
                     gatherTailSlice.scratchpadBytes, outputReorder.scratchpadBytes,
                     inputReorder?.scratchpadBytes ?? 0]
        scratchpad = try Scratchpad(bytes: needs.max()!, engine: engine)

        headWeights = try head.makeWeights(hwio: weights.head.weights, bias: weights.head.bias, engine: engine)
        headSlopes = try prelu64.makeSlopes(weights.headSlopes, engine: engine)
        let (conv, prelu64, convAdd) = (self.conv, self.prelu64, self.convAdd)
        blockWeights = try weights.blocks.map { block in
            (try conv.makeWeights(hwio: block.conv1.weights, bias: block.conv1.bias, engine: engine),
             try prelu64.makeSlopes(block.slopes, engine: engine),
             try convAdd.makeWeights(hwio: block.conv2.weights, bias: block.conv2.bias, engine: engine))
        }
        trunkWeights = try convAdd.makeWeights(hwio: weights.trunk.weights, bias: weights.trunk.bias, engine: engine)
        // The PReLU after each pixel shuffle has one slope per output channel c; applied before
        // the shuffle it sees channel (2i+j)·64 + c, so the 64 slopes repeat four times.
        let up = weights.upsample
        up0Weights = try up0.makeWeights(hwio: up[0].conv.weights, bias: up[0].conv.bias, engine: engine)
        up0Slopes = try prelu256.makeSlopes(Array(repeating: up[0].slopes, count: 4).flatMap { $0 }, engine: engine)
        let up1Slice = self.up1Slice
        up1Weights = try (0..<Self.slices).map { k in
            let part = up[1].conv.outputSlice(k * f ..< (k + 1) * f)
            return try up1Slice.makeWeights(hwio: part.weights, bias: part.bias, engine: engine)
        }
        up1Slopes = try prelu256x2.makeSlopes(Array(repeating: up[1].slopes, count: 4).flatMap { $0 }, engine: engine)
        let (tailFirst, tailAdd) = (self.tailFirst, self.tailAdd)
        tailWeights = try (0..<Self.slices).map { by in
            // The bias is added once, by the first slice.
            var part = foldedTail.inputSlice(by * 4 * f ..< (by + 1) * 4 * f)
            if by > 0 { part.bias = part.bias.map { _ in 0 } }
            return try (by == 0 ? tailFirst : tailAdd).makeWeights(hwio: part.weights, bias: part.bias, engine: engine)
        }
    }

    /// Each distinct primitive and the implementation oneDNN chose for it.
    var implementations: [(layer: String, implementation: String)] {
        var list = [("head conv 9×9", head.implementation), ("conv 3×3", conv.implementation),
                    ("conv 3×3 + residual", convAdd.implementation), ("PReLU 64", prelu64.implementation),
                    ("upsample conv 1", up0.implementation), ("PReLU 256", prelu256.implementation),
                    ("pixel shuffle", shuffle.implementation), ("upsample conv 2 (slice)", up1Slice.implementation),
                    ("PReLU 256 ×2", prelu256x2.implementation),
                    ("shuffle + space-to-depth (slice)", gatherTailSlice.implementation),
                    ("tail conv (folded, first slice)", tailFirst.implementation),
                    ("tail conv (folded, accumulating)", tailAdd.implementation),
                    ("tanh", activation.implementation), ("rescale to 0…255", rescale.implementation),
                    ("output reorder", outputReorder.implementation)]
        if let inputReorder { list.insert(("input reorder", inputReorder.implementation), at: 0) }
        return list
    }

    /// Peak bytes this plan holds for activations and scratch (weights excluded).
    var activationBytes: Int { arenaA.desc.byteCount + arenaB.desc.byteCount + scratchpad.byteCount }

    /// Runs the network: `input` is H×W×3 floats on the 0…255 scale, `output` receives
    /// 4H×4W×3 floats on the same scale, not clipped.
    func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) throws {
        let source = try Memory(inputView, engine: engine, borrowing: UnsafeMutableRawPointer(mutating: input))
        let destination = try Memory(outputView, engine: engine, borrowing: output)
        var headSource = source
        if let inputReorder, let headInput {
            try inputReorder.execute(source, headInput, scratchpad: scratchpad)
            headSource = headInput
        }
        try head.forward(headSource, headWeights, into: x1, scratchpad: scratchpad)
        try prelu64.forward(x1, slopes: headSlopes, into: x1, scratchpad: scratchpad)
        memcpy(stream.data, x1.data, x1.desc.byteCount)
        for (conv1, slopes, conv2) in blockWeights {
            try conv.forward(stream, conv1, into: temp, scratchpad: scratchpad)
            try prelu64.forward(temp, slopes: slopes, into: temp, scratchpad: scratchpad)
            try convAdd.forward(temp, conv2, into: stream, scratchpad: scratchpad)
        }
        try convAdd.forward(stream, trunkWeights, into: x1, scratchpad: scratchpad)
        try up0.forward(x1, up0Weights, into: u0, scratchpad: scratchpad)
        try prelu256.forward(u0, slopes: up0Slopes, into: u0, scratchpad: scratchpad)
        try shuffle.forward(u0, into: v0)
        for (slice, weights) in zip(u1Slices, up1Weights) {
            try up1Slice.forward(v0, weights, into: slice, scratchpad: scratchpad)
        }
        try prelu256x2.forward(u1, slopes: up1Slopes, into: u1, scratchpad: scratchpad)
        for (by, gather) in u1Gathers.enumerated() {
            try gatherTailSlice.execute(gather, tailInputView, scratchpad: scratchpad)
            try (by == 0 ? tailFirst : tailAdd).forward(tailInput, tailWeights[by], into: o, scratchpad: scratchpad)
        }
        try activation.forward(o, into: o, scratchpad: scratchpad)
        try rescale.forward(o, into: o, scratchpad: scratchpad)
        try outputReorder.execute(oView, destination, scratchpad: scratchpad)
        try engine.wait()
    }
}
