/// VGG19 up to conv5_4 (after its ReLU) — the feature extractor of the `vgg54` content loss —
/// forward and backward to its input. Its weights never train.
import Foundation
import ModelFormats
import Neural

/// Keras' VGG19 (`include_top=False`) truncated at layer 20, `block5_conv4`, as the reference's
/// `vgg_54()`: 3×3 "same" convolutions with ReLU, 2×2 max pooling between blocks.
///
/// Input: the generator's `tanh` output in [-1, 1]. `preprocess` applies Keras'
/// `preprocess_input` ("caffe" mode): to the 0…255 scale, RGB → BGR, subtract the ImageNet
/// means [103.939, 116.779, 123.68] — and `inputGradient` carries the chain rule back through it.
public final class TrainableVGG: @unchecked Sendable {
    /// Convolutions per block and their widths (VGG19: 2, 2, 4, 4, 4 with 64 … 512).
    public struct Configuration: Sendable {
        public var convolutions = [2, 2, 4, 4, 4]
        public var widths = [64, 128, 256, 512, 512]
        public init(convolutions: [Int] = [2, 2, 4, 4, 4], widths: [Int] = [64, 128, 256, 512, 512]) {
            (self.convolutions, self.widths) = (convolutions, widths)
        }
    }
    public static let means: [Float] = [103.939, 116.779, 123.68] // B, G, R

    public let batch: Int
    public let size: Int
    public let engine: Engine
    public private(set) var parameters = ParameterSet()
    enum Layer {
        case conv(TrainableConvolution, (weight: Parameter, bias: Parameter), TrainableActivation)
        case pool(MaxPooling)
    }
    let layers: [Layer]
    /// Per layer: output (after ReLU for convolutions), pre-activation (convolutions) or workspace (pooling).
    let outputs: [Memory]
    let extras: [Memory]
    let gradientA: [Memory], gradientB: [Memory]
    let toPlain: Reorder
    let scratchpad: Scratchpad

    /// `[N, 3, S, S]` plain, preprocessed (BGR, mean-subtracted): see `preprocess`.
    public let input: Memory
    /// conv5_4 features after `forward`.
    public var features: Memory { outputs[outputs.count - 1] }
    /// ∂loss/∂features, set before `backward` (same layout as `features`).
    public let featureGradient: Memory
    /// ∂loss/∂input after `backward`, `[N, 3, S, S]` plain (BGR preprocessed space).
    public let inputGradient: Memory
    let firstGradient: Memory

    public init(batch: Int, size: Int, configuration: Configuration = .init(), engine: Engine) throws {
        (self.batch, self.size, self.engine) = (batch, size, engine)
        var layers: [Layer] = [], set = ParameterSet()
        var (channels, s) = (3, size)
        for (b, count) in configuration.convolutions.enumerated() {
            if b > 0 {
                let pool = try MaxPooling(engine: engine, source: TensorDesc([batch, channels, s, s], .blocked))
                layers.append(.pool(pool))
                s /= 2
            }
            for c in 0..<count {
                let out = configuration.widths[b]
                let conv = try TrainableConvolution(engine: engine, batch: batch, inChannels: channels, outChannels: out,
                                                    height: s, width: s, kernel: 3,
                                                    sourceLayout: layers.isEmpty ? .nchw : .blocked)
                let p = try conv.makeParameters(name: "block\(b + 1)_conv\(c + 1)")
                set.add(p, kernel: 3, in: channels, out: out)
                let relu = try TrainableActivation(engine: engine, data: conv.destination, function: .leakyReLU(slope: 0))
                layers.append(.conv(conv, p, relu))
                channels = out
            }
        }
        self.layers = layers
        parameters = set
        func mem(_ d: TensorDesc) throws -> Memory { try Memory(d, engine: engine) }
        var outputs: [Memory] = [], extras: [Memory] = [], gA: [Memory] = [], gB: [Memory] = []
        for layer in layers {
            switch layer {
            case .conv(let conv, _, _):
                outputs.append(try mem(conv.destination)); extras.append(try mem(conv.destination))
                gA.append(try mem(conv.destination)); gB.append(try mem(conv.destination))
            case .pool(let pool):
                outputs.append(try mem(pool.destination)); extras.append(try mem(pool.workspaceLayout))
                gA.append(try mem(pool.destination)); gB.append(try mem(pool.destination))
            }
        }
        (self.outputs, self.extras, gradientA, gradientB) = (outputs, extras, gA, gB)
        guard case .conv(let first, _, _) = layers[0] else { fatalError("VGG starts with a convolution") }
        input = try mem(first.source)
        featureGradient = try mem(outputs[outputs.count - 1].desc)
        inputGradient = try mem(TensorDesc(first.source.dims, .nchw))
        firstGradient = try mem(first.diffSource)
        toPlain = try Reorder(from: first.diffSource, to: inputGradient.desc, engine: engine)
        let bytes = layers.map { layer -> Int in
            switch layer {
            case .conv(let c, _, let r): return max(c.scratchpadBytes, r.scratchpadBytes)
            case .pool(let p): return p.scratchpadBytes
            }
        }.max() ?? 0
        scratchpad = try Scratchpad(bytes: bytes, engine: engine)
    }

    public var implementations: [String] {
        layers.flatMap { layer -> [String] in
            switch layer {
            case .conv(let c, _, let r): return Array(c.implementations.prefix(2)) + r.implementations
            case .pool(let p): return p.implementations
            }
        }
    }

    /// Loads `block{b}_conv{c}.weight/bias` from an imported Keras VGG19 notop file.
    public func load(_ file: TensorFile, path: String) throws {
        try parameters.load(from: file, path: path, engine: engine)
    }

    /// Keras `preprocess_input` of `(t + 1) · 127.5` into `input`, from `t` `[N, 3, S, S]` RGB in [-1, 1].
    public func preprocess(_ t: UnsafeBufferPointer<Float>) {
        let plane = size * size, x = input.floats
        for n in 0..<batch { for c in 0..<3 {
            let from = (n * 3 + 2 - c) * plane, to = (n * 3 + c) * plane
            let mean = Self.means[c]
            for i in 0..<plane { x[to + i] = (t[from + i] + 1) * 127.5 - mean }
        } }
    }

    /// Adds ∂loss/∂t (through `preprocess`) to `gradient` `[N, 3, S, S]` RGB.
    public func accumulateInputGradient(into gradient: UnsafeMutableBufferPointer<Float>) {
        let plane = size * size, g = inputGradient.floats
        for n in 0..<batch { for c in 0..<3 {
            let to = (n * 3 + 2 - c) * plane, from = (n * 3 + c) * plane
            for i in 0..<plane { gradient[to + i] += 127.5 * g[from + i] }
        } }
    }

    public func forward() throws {
        let pad = scratchpad
        var x = input
        for (i, layer) in layers.enumerated() {
            switch layer {
            case .conv(let conv, let p, let relu):
                try conv.forward(x, weight: p.weight, bias: p.bias, into: extras[i], scratchpad: pad)
                try relu.forward(extras[i], into: outputs[i], scratchpad: pad)
            case .pool(let pool):
                try pool.forward(x, into: outputs[i], workspace: extras[i], scratchpad: pad)
            }
            x = outputs[i]
        }
        try engine.wait()
    }

    /// From `featureGradient` to `inputGradient` (data gradients only: the weights stay fixed).
    public func backward() throws {
        let pad = scratchpad
        var g = featureGradient
        for i in stride(from: layers.count - 1, through: 0, by: -1) {
            switch layers[i] {
            case .conv(let conv, let p, let relu):
                try relu.backward(extras[i], g, into: gradientB[i], scratchpad: pad)
                if i == 0 {
                    try conv.backwardData(gradientB[i], weight: p.weight, into: firstGradient, scratchpad: pad)
                    try toPlain.execute(firstGradient, inputGradient)
                } else {
                    try conv.backwardData(gradientB[i], weight: p.weight, into: gradientA[i - 1], scratchpad: pad)
                }
            case .pool(let pool):
                try pool.backward(g, workspace: extras[i], into: gradientA[i - 1], scratchpad: pad)
            }
            if i > 0 { g = gradientA[i - 1] }
        }
        try engine.wait()
    }
}
