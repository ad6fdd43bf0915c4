/// The SRGAN discriminator as a training graph: forward and backward over "tapes", so one set of
/// weights can judge the real and the generated batch of one step, each with its own saved
/// activations and batch statistics (as the reference calls the Keras model twice).
import Foundation
import ModelFormats
import Neural

/// 8 × [conv 3×3 (stride 1, 2, 1, 2, …) → batch norm (not on the first) → LeakyReLU 0.2], flatten,
/// dense 1024 → LeakyReLU 0.2 → dense 1. The output is the *logit*; the sigmoid lives in the
/// loss (binary cross-entropy from logits), which is the stable way to compute it.
///
/// Input: images scaled to [-1, 1] (`x / 127.5 − 1`, the Keras model's first op) — exactly the
/// generator's `tanh` output — NCHW plain.
public final class TrainableDiscriminator: @unchecked Sendable {
    public struct Configuration: Sendable {
        public var inputSize = 96
        public var filters = 64
        public var denseUnits = 1024
        public var batchNorm: BatchNorm.Mode = .batchStatistics
        /// For the stride-1 convolutions after the first (Winograd has no strided or 3-channel form).
        public var algorithm: Convolution.Algorithm = .direct
        public init(inputSize: Int = 96, filters: Int = 64, denseUnits: Int = 1024,
                    batchNorm: BatchNorm.Mode = .batchStatistics, algorithm: Convolution.Algorithm = .direct) {
            (self.inputSize, self.filters, self.denseUnits, self.batchNorm, self.algorithm) =
                (inputSize, filters, denseUnits, batchNorm, algorithm)
        }
    }

    public let configuration: Configuration
    public let batch: Int
    public let engine: Engine
    public private(set) var parameters = ParameterSet()

    let convs: [TrainableConvolution]
    let norms: [BatchNorm?]
    let activations: [TrainableActivation]
    let dense1: InnerProduct
    let denseActivation: TrainableActivation
    let dense2: InnerProduct
    let inputGradientToPlain: Reorder
    let convParams: [(weight: Parameter, bias: Parameter)]
    let normParams: [BatchNormParameters?]
    let dense1Params: (weight: Parameter, bias: Parameter)
    let dense2Params: (weight: Parameter, bias: Parameter)
    let scratchpad: Scratchpad

    public init(batch: Int, configuration: Configuration = .init(), engine: Engine) throws {
        self.configuration = configuration
        self.batch = batch
        self.engine = engine
        let f = configuration.filters
        var convs: [TrainableConvolution] = [], norms: [BatchNorm?] = [], acts: [TrainableActivation] = []
        var cp: [(weight: Parameter, bias: Parameter)] = [], np: [BatchNormParameters?] = []
        var set = ParameterSet()
        var (channels, size) = (3, configuration.inputSize)
        for i in 0..<8 {
            let out = f << (i / 2), stride = i % 2 == 1 ? 2 : 1
            let conv = try TrainableConvolution(engine: engine, batch: batch, inChannels: channels, outChannels: out,
                                                height: size, width: size, kernel: 3, stride: stride,
                                                sourceLayout: i == 0 ? .nchw : .blocked,
                                                algorithm: i > 0 && stride == 1 ? configuration.algorithm : .direct)
            let params = try conv.makeParameters(name: "block.\(i).conv")
            set.add(params, kernel: 3, in: channels, out: out)
            convs.append(conv)
            cp.append(params)
            if i > 0 {
                let bn = try BatchNorm(engine: engine, data: conv.destination, momentum: 0.8, mode: configuration.batchNorm)
                let p = try bn.makeParameters(name: "block.\(i).bn")
                set.add(p, channels: out)
                norms.append(bn)
                np.append(p)
            } else {
                norms.append(nil)
                np.append(nil)
            }
            acts.append(try TrainableActivation(engine: engine, data: conv.destination, function: .leakyReLU(slope: 0.2)))
            (channels, size) = (out, conv.destination.dims[2])
        }
        dense1 = try InnerProduct(engine: engine, source: convs[7].destination, outputs: configuration.denseUnits)
        dense1Params = try dense1.makeParameters(name: "dense1")
        set.add(dense1Params.weight, shape: [channels * size * size, configuration.denseUnits])
        set.add(dense1Params.bias, shape: [configuration.denseUnits])
        denseActivation = try TrainableActivation(engine: engine, data: dense1.destination, function: .leakyReLU(slope: 0.2))
        dense2 = try InnerProduct(engine: engine, source: dense1.destination, outputs: 1)
        dense2Params = try dense2.makeParameters(name: "dense2")
        set.add(dense2Params.weight, shape: [configuration.denseUnits, 1])
        set.add(dense2Params.bias, shape: [1])
        inputGradientToPlain = try Reorder(from: convs[0].diffSource,
                                           to: TensorDesc(convs[0].source.dims, .nchw), engine: engine)
        (self.convs, self.norms, self.activations, convParams, normParams, parameters) = (convs, norms, acts, cp, np, set)
        let bytes = (convs.map(\.scratchpadBytes) + norms.map { $0?.scratchpadBytes ?? 0 } + acts.map(\.scratchpadBytes)
                     + [dense1.scratchpadBytes, dense2.scratchpadBytes, denseActivation.scratchpadBytes]).max() ?? 0
        scratchpad = try Scratchpad(bytes: bytes, engine: engine)
    }

    public var implementations: [String] {
        convs.flatMap(\.implementations) + norms.flatMap { $0?.implementations ?? [] }
            + activations.flatMap(\.implementations) + dense1.implementations + dense2.implementations
    }

    public func load(_ file: TensorFile, path: String) throws {
        try parameters.load(from: file, path: path, engine: engine)
    }

    /// Activations and batch statistics of one forward pass, for its backward.
    public final class Tape: @unchecked Sendable {
        /// `[N, 3, S, S]` plain, in [-1, 1]: set before `forward`.
        public let input: Memory
        /// `[N, 1]`: logits after `forward`.
        public let logits: Memory
        /// `[N, 1]`: ∂loss/∂logits, set before `backward`.
        public let logitGradient: Memory
        /// `[N, 3, S, S]` plain: ∂loss/∂input after a `backward` that asked for it.
        public let inputGradient: Memory
        let convOut: [Memory], normOut: [Memory?], actOut: [Memory], stats: [BatchStatistics?]
        let dense1Out: Memory, dense1Act: Memory
        let gradients: [Memory], gradients2: [Memory], firstInputGradient: Memory
        let denseGradient: Memory, denseGradient2: Memory

        init(_ d: TrainableDiscriminator) throws {
            let e = d.engine
            func mem(_ desc: TensorDesc) throws -> Memory { try Memory(desc, engine: e) }
            input = try mem(d.convs[0].source)
            logits = try mem(d.dense2.destination)
            logitGradient = try mem(d.dense2.destination)
            inputGradient = try mem(TensorDesc(d.convs[0].source.dims, .nchw))
            convOut = try d.convs.map { try mem($0.destination) }
            normOut = try d.convs.enumerated().map { i, c in i == 0 ? nil : try mem(c.destination) }
            actOut = try d.convs.map { try mem($0.destination) }
            stats = try d.norms.map { try $0?.makeStatistics() }
            dense1Out = try mem(d.dense1.destination)
            dense1Act = try mem(d.dense1.destination)
            gradients = try d.convs.map { try mem($0.destination) }
            gradients2 = try d.convs.map { try mem($0.destination) }
            firstInputGradient = try mem(d.convs[0].diffSource)
            denseGradient = try mem(d.dense1.destination)
            denseGradient2 = try mem(d.dense1.destination)
        }
    }

    public func makeTape() throws -> Tape { try Tape(self) }

    /// Logits of `tape.input`, keeping the activations in the tape.
    public func forward(_ tape: Tape) throws {
        let pad = scratchpad
        var x = tape.input
        for i in 0..<8 {
            try convs[i].forward(x, weight: convParams[i].weight, bias: convParams[i].bias, into: tape.convOut[i], scratchpad: pad)
            var y = tape.convOut[i]
            if let bn = norms[i], let p = normParams[i], let out = tape.normOut[i], let stats = tape.stats[i] {
                try bn.forwardTraining(y, p, into: out, statistics: stats, scratchpad: pad)
                y = out
            }
            try activations[i].forward(y, into: tape.actOut[i], scratchpad: pad)
            x = tape.actOut[i]
        }
        try dense1.forward(x, weight: dense1Params.weight, bias: dense1Params.bias, into: tape.dense1Out, scratchpad: pad)
        try denseActivation.forward(tape.dense1Out, into: tape.dense1Act, scratchpad: pad)
        try dense2.forward(tape.dense1Act, weight: dense2Params.weight, bias: dense2Params.bias, into: tape.logits, scratchpad: pad)
        try engine.wait()
    }

    /// Backward from `tape.logitGradient`.
    /// - `weights`: write parameter gradients (overwrite, or add with `accumulate`); without it
    ///   only data gradients are computed (the generator's adversarial signal).
    /// - `inputGradient`: also compute ∂loss/∂input into `tape.inputGradient`.
    public func backward(_ tape: Tape, weights: Bool, accumulate: Bool = false, inputGradient: Bool) throws {
        let pad = scratchpad
        try denseBackward(tape, weights: weights, accumulate: accumulate)
        for i in stride(from: 7, through: 0, by: -1) {
            // gradients[i] = ∂/∂(activation output i) on entry.
            let g = tape.gradients[i], g2 = tape.gradients2[i]
            let beforeActivation = tape.normOut[i] ?? tape.convOut[i]
            try activations[i].backward(beforeActivation, g, into: g2, scratchpad: pad)
            var gConv = g2
            if let bn = norms[i], let p = normParams[i], let stats = tape.stats[i] {
                if weights {
                    try bn.backward(tape.convOut[i], g2, p, statistics: stats, into: g, accumulate: accumulate, scratchpad: pad)
                } else {
                    try bn.backwardData(tape.convOut[i], g2, p, statistics: stats, into: g, scratchpad: pad)
                }
                gConv = g
            }
            let source = i == 0 ? tape.input : tape.actOut[i - 1]
            if weights {
                try convs[i].backwardWeights(source, gConv, weight: convParams[i].weight, bias: convParams[i].bias,
                                             accumulate: accumulate, scratchpad: pad)
            }
            if i > 0 {
                try convs[i].backwardData(gConv, weight: convParams[i].weight, into: tape.gradients[i - 1], scratchpad: pad)
            } else if inputGradient {
                try convs[0].backwardData(gConv, weight: convParams[0].weight, into: tape.firstInputGradient, scratchpad: pad)
                try inputGradientToPlain.execute(tape.firstInputGradient, tape.inputGradient)
            }
        }
        try engine.wait()
    }

    private func denseBackward(_ tape: Tape, weights: Bool, accumulate: Bool) throws {
        let pad = scratchpad
        if weights {
            try dense2.backwardWeights(tape.dense1Act, tape.logitGradient, weight: dense2Params.weight,
                                       bias: dense2Params.bias, accumulate: accumulate, scratchpad: pad)
        }
        try dense2.backwardData(tape.logitGradient, weight: dense2Params.weight, into: tape.denseGradient, scratchpad: pad)
        try denseActivation.backward(tape.dense1Out, tape.denseGradient, into: tape.denseGradient2, scratchpad: pad)
        if weights {
            try dense1.backwardWeights(tape.actOut[7], tape.denseGradient2, weight: dense1Params.weight,
                                       bias: dense1Params.bias, accumulate: accumulate, scratchpad: pad)
        }
        try dense1.backwardData(tape.denseGradient2, weight: dense1Params.weight, into: tape.gradients[7], scratchpad: pad)
    }

    public func tensorFile(metadata: [String: String] = [:]) throws -> TensorFile {
        TensorFile(metadata: metadata, tensors: try parameters.tensors(engine: engine))
    }
}
