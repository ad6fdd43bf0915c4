/// SRGAN: the SRGAN ×4 generator (SRResNet architecture) on oneDNN — weights, plans, inference.
/// Inference only: the training graphs built from the same weight files live in `Training`.
///
/// This file turns a weight file's tensors into the inference-ready form: batch norms folded into
/// the convolutions before them, the `x / 255` input scaling folded into the first kernel, and
/// every shape checked against the architecture.
import Foundation
import ModelFormats

/// A convolution kernel stored HWIO (`[kh, kw, in, out]`, Keras' order) with its bias.
public struct ConvParameters: Sendable {
    public var kernel: Int
    public var inChannels: Int
    public var outChannels: Int
    public var weights: [Float]
    public var bias: [Float]

    public init(kernel: Int, inChannels: Int, outChannels: Int, weights: [Float], bias: [Float]) {
        precondition(weights.count == kernel * kernel * inChannels * outChannels && bias.count == outChannels)
        (self.kernel, self.inChannels, self.outChannels) = (kernel, inChannels, outChannels)
        (self.weights, self.bias) = (weights, bias)
    }
}

/// The generator's parameters, ready for inference.
public struct GeneratorWeights: Sendable {
    public static let residualBlocks = 16
    public static let features = 64
    /// Keras' BatchNormalization default, which the pretrained weights were trained with.
    public static let batchNormEpsilon = 0.001

    public var head: ConvParameters
    public var headSlopes: [Float]
    public var blocks: [(conv1: ConvParameters, slopes: [Float], conv2: ConvParameters)]
    public var trunk: ConvParameters
    public var upsample: [(conv: ConvParameters, slopes: [Float])]
    public var tail: ConvParameters

    /// Reads and folds the generator tensors named as `ModelFormats` names them
    /// (`head.conv.weight`, `res.3.bn1.gamma`, …). Throws `ModelFormatError` naming the tensor
    /// that is missing or has the wrong shape.
    public init(_ file: TensorFile, path: String) throws {
        let reader = TensorReader(file: file, path: path, hint: " (is this an SRGAN generator file?)")
        let f = Self.features
        var head = try reader.conv("head.conv", kernel: 9, in: 3, out: f)
        head.weights = head.weights.map { $0 / 255 }
        self.head = head
        headSlopes = try reader.vector("head.prelu.alpha", f)
        blocks = try (0..<Self.residualBlocks).map { i in
            (conv1: try reader.conv("res.\(i).conv1", kernel: 3, in: f, out: f, batchNorm: "res.\(i).bn1"),
             slopes: try reader.vector("res.\(i).prelu.alpha", f),
             conv2: try reader.conv("res.\(i).conv2", kernel: 3, in: f, out: f, batchNorm: "res.\(i).bn2"))
        }
        trunk = try reader.conv("trunk.conv", kernel: 3, in: f, out: f, batchNorm: "trunk.bn")
        upsample = try (0..<2).map { i in
            (conv: try reader.conv("up.\(i).conv", kernel: 3, in: f, out: 4 * f),
             slopes: try reader.vector("up.\(i).prelu.alpha", f))
        }
        tail = try reader.conv("tail.conv", kernel: 9, in: f, out: 3)
    }
}
