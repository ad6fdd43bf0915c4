/// The SRGAN generator as a training graph: the plain, unfolded network (batch norms kept as
/// layers), forward with every activation kept, and backward into every parameter's gradient.
import Foundation
import ModelFormats
import Neural

/// SRResNet for one batch size and LR crop size.
///
/// Batch norm: the reference trains with Keras `training=True` — batch statistics, running
/// statistics moved with momentum 0.8 in the residual blocks and Keras' default 0.99 in the
/// trunk — so that is `.batchStatistics`. `.frozenStatistics` keeps the pretrained running
/// statistics and trains the network exactly as inference computes it, which suits fine-tuning
/// on small sets (batch statistics of 16 crops of one domain are noisy, and the folded
/// inference network then sees statistics it was never trained with).
///
/// Input: LR images already divided by 255 (the Keras model's first op), NCHW plain. Output:
/// `tanh` of the tail, in [-1, 1] (the image is `(y + 1) · 127.5`), NCHW plain — which is also
/// exactly the discriminator's input normalisation.
public final class TrainableGenerator: @unchecked Sendable {
    public struct Configuration: Sendable {
        public var residualBlocks = 16
        public var features = 64
        public var batchNorm: BatchNorm.Mode = .batchStatistics
        public var algorithm: Convolution.Algorithm = .direct
        /// Run the 9×9 tail (64 → 3 channels) on `nhwc` tensors: channel-blocked, its 3 outputs
        /// are padded to a whole block (16 lanes on AVX-512: 5× its FLOPs); `nhwc` needs two
        /// activation reorders and runs oneDNN's gemm, which is slow at this shape on AVX2 (one
        /// 8-image forward took longer there than the other 40 layers together), where the
        /// blocked tail pads only to 8. Hence the default follows the block.
        public var plainTail = Configuration.plainTailByDefault
        public static let plainTailByDefault = TensorDesc.channelBlock == 16
        public init(residualBlocks: Int = 16, features: Int = 64, batchNorm: BatchNorm.Mode = .batchStatistics,
                    algorithm: Convolution.Algorithm = .direct, plainTail: Bool = plainTailByDefault) {
            (self.residualBlocks, self.features, self.batchNorm, self.algorithm, self.plainTail) =
                (residualBlocks, features, batchNorm, algorithm, plainTail)
        }
    }

    public let configuration: Configuration
    public let batch: Int
    public let height: Int
    public let width: Int
    public let engine: Engine
    public private(set) var parameters = ParameterSet()

    /// `[N, 3, h, w]` plain: set it (values / 255) before `forward`.
    public let input: Memory
    /// `[N, 3, 4h, 4w]` plain: `tanh` output after `forward`.
    public let output: Memory
    /// `[N, 3, 4h, 4w]` plain: ∂loss/∂output, set before `backward`.
    public let outputGradient: Memory

    // Layers (shared by all blocks where shapes agree).
    let head: TrainableConvolution
    let lowPReLU: TrainablePReLU
    let lowConv: TrainableConvolution
    let residualNorm: BatchNorm
    let trunkNorm: BatchNorm
    let add: Addition
    let upConv: [TrainableConvolution]
    let shuffle: [PixelShuffle]
    let upPReLU: [TrainablePReLU]
    let tail: TrainableConvolution
    let tanh: TrainableActivation
    let toPlain: Reorder
    let fromPlain: Reorder
    /// The head's input with a zero margin of 4 (see `margin`).
    let headInput: Memory
    /// The tail's input: in `nhwc` with a plain tail (reordered in, and its gradient out), else
    /// channel-blocked with a zero margin of 4.
    let tailInput: Memory
    let tailInputReorder: Reorder?
    let tailGradientReorder: Reorder?
    let tailInputGradient: Memory?
    /// Half the 9×9 kernel: the zero margin of the head's and the blocked tail's sources, on
    /// which they run unpadded (`TrainableConvolution`'s `sourceMargin`).
    static let margin = 4

    // Parameters.
    let headConv: (weight: Parameter, bias: Parameter)
    let headSlopes: Parameter
    struct Block {
        let conv1: (weight: Parameter, bias: Parameter), bn1: BatchNormParameters, slopes: Parameter
        let conv2: (weight: Parameter, bias: Parameter), bn2: BatchNormParameters
        let stats1: BatchStatistics, stats2: BatchStatistics
        // Tape: a = conv1(input), b = bn1 a, c = prelu b, d = conv2 c, e = bn2 d, out = input + e.
        let a: Memory, b: Memory, c: Memory, d: Memory, e: Memory, out: Memory
    }
    var blocks: [Block] = []
    let trunkConv: (weight: Parameter, bias: Parameter)
    let trunkBN: BatchNormParameters
    let trunkStats: BatchStatistics
    let upParams: [(conv: (weight: Parameter, bias: Parameter), slopes: Parameter)]
    let tailConv: (weight: Parameter, bias: Parameter)

    // Tape outside the blocks.
    let h0: Memory, p0: Memory, t: Memory, u: Memory, s: Memory
    let v: [Memory], w: [Memory], q: [Memory]
    let o: Memory, y: Memory
    // Gradient buffers.
    let gLow: [Memory]
    let gUp: [Memory]
    let gUpWide: [Memory]
    let gUpWide2: [Memory]
    let gTail: Memory
    let scratchpad: Scratchpad

    public init(batch: Int, height: Int, width: Int, configuration: Configuration = .init(), engine: Engine) throws {
        let (n, f, alg) = (batch, configuration.features, configuration.algorithm)
        precondition(f % TensorDesc.channelBlock == 0, "features must be a multiple of \(TensorDesc.channelBlock)")
        self.configuration = configuration
        (self.batch, self.height, self.width, self.engine) = (batch, height, width, engine)
        let low = TensorDesc([n, f, height, width], .blocked)

        // The 9×9 layers read margined sources and run unpadded: on AVX2, oneDNN 2.6 has only
        // reference code for their padding of 4 (the head's forward alone took 8 s for 8 crops).
        let m = Self.margin
        head = try TrainableConvolution(engine: engine, batch: n, inChannels: 3, outChannels: f, height: height,
                                        width: width, kernel: 9, sourceMargin: m, sourceLayout: .nchw,
                                        algorithm: .direct)
        lowPReLU = try TrainablePReLU(engine: engine, data: low)
        lowConv = try TrainableConvolution(engine: engine, batch: n, inChannels: f, outChannels: f, height: height,
                                           width: width, kernel: 3, algorithm: alg)
        residualNorm = try BatchNorm(engine: engine, data: low, momentum: 0.8, mode: configuration.batchNorm)
        trunkNorm = try BatchNorm(engine: engine, data: low, momentum: 0.99, mode: configuration.batchNorm)
        add = try Addition(engine: engine, data: low)
        var upConv: [TrainableConvolution] = [], shuffle: [PixelShuffle] = [], upPReLU: [TrainablePReLU] = []
        for level in 0..<2 {
            let (hh, ww) = (height << level, width << level)
            upConv.append(try TrainableConvolution(engine: engine, batch: n, inChannels: f, outChannels: 4 * f,
                                                   height: hh, width: ww, kernel: 3, algorithm: alg))
            shuffle.append(try PixelShuffle(engine: engine, batch: n, channels: f, height: hh, width: ww))
            upPReLU.append(try TrainablePReLU(engine: engine, data: TensorDesc([n, f, 2 * hh, 2 * ww], .blocked)))
        }
        (self.upConv, self.shuffle, self.upPReLU) = (upConv, shuffle, upPReLU)
        let (H, W) = (4 * height, 4 * width)
        // oneDNN 2.6 has only reference code for a channel-blocked source with a plain 3-channel
        // destination, so the tail is either blocked throughout (padded) or nhwc throughout.
        let wide = TensorDesc([n, f, H, W], .blocked)
        if configuration.plainTail {
            tail = try TrainableConvolution(engine: engine, batch: n, inChannels: f, outChannels: 3, height: H, width: W,
                                            kernel: 9, sourceLayout: .nhwc, destinationLayout: .nhwc, algorithm: .direct)
            tailInputReorder = try Reorder(from: wide, to: tail.source, engine: engine)
            tailGradientReorder = try Reorder(from: tail.diffSource, to: wide, engine: engine)
            tailInputGradient = try Memory(tail.diffSource, engine: engine)
        } else {
            tail = try TrainableConvolution(engine: engine, batch: n, inChannels: f, outChannels: 3, height: H,
                                            width: W, kernel: 9, sourceMargin: m, sourceLayout: .blocked,
                                            destinationLayout: .blocked, algorithm: .direct)
            (tailInputReorder, tailGradientReorder, tailInputGradient) = (nil, nil, nil)
        }
        tailInput = try Memory(tail.source, engine: engine)
        tailInput.fill(0)
        tanh = try TrainableActivation(engine: engine, data: tail.destination, function: .tanh)
        let plainOut = TensorDesc([n, 3, H, W], .nchw)
        toPlain = try Reorder(from: tail.destination, to: plainOut, engine: engine)
        fromPlain = try Reorder(from: plainOut, to: tail.destination, engine: engine)

        func mem(_ d: TensorDesc) throws -> Memory { try Memory(d, engine: engine) }
        input = try mem(TensorDesc([n, 3, height, width], .nchw))
        headInput = try mem(head.source)
        headInput.fill(0)
        output = try mem(plainOut)
        outputGradient = try mem(plainOut)

        var set = ParameterSet()
        headConv = try head.makeParameters(name: "head.conv")
        set.add(headConv, kernel: 9, in: 3, out: f)
        headSlopes = try lowPReLU.makeParameter(name: "head.prelu")
        set.add(headSlopes, shape: [f])
        for i in 0..<configuration.residualBlocks {
            let conv1 = try lowConv.makeParameters(name: "res.\(i).conv1")
            let bn1 = try residualNorm.makeParameters(name: "res.\(i).bn1")
            let slopes = try lowPReLU.makeParameter(name: "res.\(i).prelu")
            let conv2 = try lowConv.makeParameters(name: "res.\(i).conv2")
            let bn2 = try residualNorm.makeParameters(name: "res.\(i).bn2")
            set.add(conv1, kernel: 3, in: f, out: f)
            set.add(bn1, channels: f)
            set.add(slopes, shape: [f])
            set.add(conv2, kernel: 3, in: f, out: f)
            set.add(bn2, channels: f)
            blocks.append(Block(conv1: conv1, bn1: bn1, slopes: slopes, conv2: conv2, bn2: bn2,
                                stats1: try residualNorm.makeStatistics(), stats2: try residualNorm.makeStatistics(),
                                a: try mem(low), b: try mem(low), c: try mem(low), d: try mem(low), e: try mem(low),
                                out: try mem(low)))
        }
        trunkConv = try lowConv.makeParameters(name: "trunk.conv")
        trunkBN = try trunkNorm.makeParameters(name: "trunk.bn")
        trunkStats = try trunkNorm.makeStatistics()
        set.add(trunkConv, kernel: 3, in: f, out: f)
        set.add(trunkBN, channels: f)
        var ups: [(conv: (weight: Parameter, bias: Parameter), slopes: Parameter)] = []
        for level in 0..<2 {
            let conv = try upConv[level].makeParameters(name: "up.\(level).conv")
            let slopes = try upPReLU[level].makeParameter(name: "up.\(level).prelu")
            set.add(conv, kernel: 3, in: f, out: 4 * f)
            set.add(slopes, shape: [f])
            ups.append((conv, slopes))
        }
        upParams = ups
        tailConv = try tail.makeParameters(name: "tail.conv")
        set.add(tailConv, kernel: 9, in: f, out: 3)
        parameters = set

        h0 = try mem(low); p0 = try mem(low); t = try mem(low); u = try mem(low); s = try mem(low)
        v = try upConv.map { try mem($0.destination) }
        w = try shuffle.map { try mem($0.destination) }
        q = try shuffle.map { try mem($0.destination) }
        o = try mem(tail.destination)
        y = try mem(tail.destination)
        gLow = try (0..<4).map { _ in try mem(low) }
        gUp = try upConv.map { try mem($0.destination) }
        gUpWide = try shuffle.map { try mem($0.destination) }
        gUpWide2 = try shuffle.map { try mem($0.destination) }
        gTail = try mem(tail.destination)
        let convs = [head, lowConv, upConv[0], upConv[1], tail]
        let bytes = (convs.map(\.scratchpadBytes) + [lowPReLU.scratchpadBytes, residualNorm.scratchpadBytes,
                     trunkNorm.scratchpadBytes, add.scratchpadBytes, tanh.scratchpadBytes]
                     + upPReLU.map(\.scratchpadBytes)).max() ?? 0
        scratchpad = try Scratchpad(bytes: bytes, engine: engine)
        o.fill(0); gTail.fill(0)
    }

    /// Every oneDNN implementation the graph runs (a `ref:` entry is a slow fall-back).
    public var implementations: [String] {
        [head.implementations[0], head.implementations[2]] + lowConv.implementations + lowPReLU.implementations
            + residualNorm.implementations + upConv.flatMap(\.implementations) + upPReLU.flatMap(\.implementations)
            + tail.implementations + tanh.implementations + [add.implementation]
    }

    /// Loads the tensors of a generator weight file (our safetensors names).
    public func load(_ file: TensorFile, path: String) throws {
        try parameters.load(from: file, path: path, engine: engine)
    }

    /// Forward over `input`, keeping what backward needs; result in `output`.
    public func forward() throws {
        let pad = scratchpad
        MarginedCopy.fill(headInput, from: input, margin: Self.margin)
        try head.forward(headInput, weight: headConv.weight, bias: headConv.bias, into: h0, scratchpad: pad)
        try lowPReLU.forward(h0, slopes: headSlopes, into: p0, scratchpad: pad)
        for (i, block) in blocks.enumerated() {
            let x = blockInput(i)
            try lowConv.forward(x, weight: block.conv1.weight, bias: block.conv1.bias, into: block.a, scratchpad: pad)
            try residualNorm.forwardTraining(block.a, block.bn1, into: block.b, statistics: block.stats1, scratchpad: pad)
            try lowPReLU.forward(block.b, slopes: block.slopes, into: block.c, scratchpad: pad)
            try lowConv.forward(block.c, weight: block.conv2.weight, bias: block.conv2.bias, into: block.d, scratchpad: pad)
            try residualNorm.forwardTraining(block.d, block.bn2, into: block.e, statistics: block.stats2, scratchpad: pad)
            try add.forward(x, block.e, into: block.out, scratchpad: pad)
        }
        let trunkInput = blockInput(blocks.count)
        try lowConv.forward(trunkInput, weight: trunkConv.weight, bias: trunkConv.bias, into: t, scratchpad: pad)
        try trunkNorm.forwardTraining(t, trunkBN, into: u, statistics: trunkStats, scratchpad: pad)
        try add.forward(p0, u, into: s, scratchpad: pad)
        var level = s
        for i in 0..<2 {
            try upConv[i].forward(level, weight: upParams[i].conv.weight, bias: upParams[i].conv.bias, into: v[i], scratchpad: pad)
            try shuffle[i].forward(v[i], into: w[i])
            try upPReLU[i].forward(w[i], slopes: upParams[i].slopes, into: q[i], scratchpad: pad)
            level = q[i]
        }
        if let reorder = tailInputReorder {
            try reorder.execute(q[1], tailInput)
        } else {
            try engine.wait()   // the PReLU's output must be complete before it is copied on the CPU
            MarginedCopy.fill(tailInput, from: q[1], margin: Self.margin)
        }
        try tail.forward(tailInput, weight: tailConv.weight, bias: tailConv.bias, into: o, scratchpad: pad)
        try tanh.forward(o, into: y, scratchpad: pad)
        try toPlain.execute(y, output)
        try engine.wait()
    }

    /// Block `i`'s input: the head's PReLU output, then each block's output (`i == count`: the trunk's input).
    private func blockInput(_ i: Int) -> Memory { i == 0 ? p0 : blocks[i - 1].out }

    /// Backward from `outputGradient` (∂loss/∂output) into every parameter's gradient
    /// (overwritten). Needs the activations of the last `forward`.
    public func backward() throws {
        let pad = scratchpad
        try fromPlain.execute(outputGradient, gTail)
        try tanh.backward(o, gTail, into: gTail, scratchpad: pad)
        try tail.backwardWeights(tailInput, gTail, weight: tailConv.weight, bias: tailConv.bias, scratchpad: pad)
        if let reorder = tailGradientReorder, let plain = tailInputGradient {
            try tail.backwardData(gTail, weight: tailConv.weight, into: plain, scratchpad: pad)
            try reorder.execute(plain, gUpWide[1])
        } else {
            // Margined: the gradient of the dense interior (the margin is constant, not an activation).
            try tail.backwardData(gTail, weight: tailConv.weight, into: gUpWide[1], scratchpad: pad)
        }
        for i in [1, 0] {
            try upPReLU[i].backward(w[i], gUpWide[i], slopes: upParams[i].slopes, into: gUpWide2[i], scratchpad: pad)
            try shuffle[i].backward(gUpWide2[i], into: gUp[i])
            let source = i == 0 ? s : q[0]
            try upConv[i].backwardWeights(source, gUp[i], weight: upParams[i].conv.weight, bias: upParams[i].conv.bias,
                                          scratchpad: pad)
            try upConv[i].backwardData(gUp[i], weight: upParams[i].conv.weight, into: i == 0 ? gLow[0] : gUpWide[0],
                                       scratchpad: pad)
        }
        // gLow[0] = ∂/∂s: it reaches the trunk and, through the long skip, the head's PReLU.
        let (gs, g1, g2, gx) = (gLow[0], gLow[1], gLow[2], gLow[3])
        try trunkNorm.backward(t, gs, trunkBN, statistics: trunkStats, into: g1, scratchpad: pad)
        let trunkInput = blockInput(blocks.count)
        try lowConv.backwardWeights(trunkInput, g1, weight: trunkConv.weight, bias: trunkConv.bias, scratchpad: pad)
        try lowConv.backwardData(g1, weight: trunkConv.weight, into: gx, scratchpad: pad)
        for (i, block) in blocks.enumerated().reversed() {
            // gx = ∂/∂(block output); it flows to the block input directly and through the branch.
            try residualNorm.backward(block.d, gx, block.bn2, statistics: block.stats2, into: g1, scratchpad: pad)
            try lowConv.backwardWeights(block.c, g1, weight: block.conv2.weight, bias: block.conv2.bias, scratchpad: pad)
            try lowConv.backwardData(g1, weight: block.conv2.weight, into: g2, scratchpad: pad)
            try lowPReLU.backward(block.b, g2, slopes: block.slopes, into: g1, scratchpad: pad)
            try residualNorm.backward(block.a, g1, block.bn1, statistics: block.stats1, into: g2, scratchpad: pad)
            try lowConv.backwardWeights(blockInput(i), g2, weight: block.conv1.weight, bias: block.conv1.bias, scratchpad: pad)
            try lowConv.backwardData(g2, weight: block.conv1.weight, into: g1, scratchpad: pad)
            try add.forward(gx, g1, into: gx, scratchpad: pad)
        }
        try add.forward(gx, gs, into: gx, scratchpad: pad)
        try lowPReLU.backward(h0, gx, slopes: headSlopes, into: g1, scratchpad: pad)
        try head.backwardWeights(headInput, g1, weight: headConv.weight, bias: headConv.bias, scratchpad: pad)
        try engine.wait()
    }

    /// The current weights as a generator weight file (what inference and `GeneratorWeights` read).
    public func tensorFile(metadata: [String: String] = [:]) throws -> TensorFile {
        TensorFile(metadata: metadata, tensors: try parameters.tensors(engine: engine))
    }
}
