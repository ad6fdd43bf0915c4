/// One step of the SRGAN objective (Ledig et al. 2017, as the reference implementation trains it):
/// generator forward, content + weighted adversarial loss, discriminator on the real and the
/// generated batch, both backward passes, both Adam updates.
import Foundation
import Neural

/// The losses of one step (means over the batch).
public struct StepLosses: Sendable, Equatable {
    /// MSE on the [-1, 1] scale (`mse`) — the paper's pixel loss — or MSE of VGG19 conv5_4
    /// features scaled by 1/12.75 (`vgg54`, as the reference computes it).
    public var content: Double
    /// Generator BCE: how far the discriminator is from calling the generated batch real.
    public var adversarial: Double
    /// content + adversarial weight × adversarial.
    public var perceptual: Double
    /// Discriminator BCE on real (label 1) plus generated (label 0).
    public var discriminator: Double
}

/// Everything one training step needs, allocated once for a batch and crop size.
///
/// With a discriminator, the step follows the reference `train_step`: every gradient comes from
/// the weights as they were at the start of the step, then both optimizers update. Without one,
/// it is plain content-loss training (the reference's SRResNet stage).
public final class TrainingStep: @unchecked Sendable {
    public let generator: TrainableGenerator
    public let discriminator: TrainableDiscriminator?
    public let generatorOptimizer: Adam
    public let discriminatorOptimizer: Adam?
    public var adversarialWeight: Float
    /// With a VGG19 feature extractor (same batch and crop size), the content loss is `vgg54`.
    public let vgg: TrainableVGG?
    /// The reference divides both feature maps by 12.75 before the MSE.
    public static let vggFeatureScale: Float = 12.75
    private var hrFeatures: [Float] = []
    let realTape: TrainableDiscriminator.Tape?
    let fakeTape: TrainableDiscriminator.Tape?
    /// HR batch on the [-1, 1] scale, `[N, 3, H, W]` plain.
    private var target: [Float]

    public init(generator: TrainableGenerator, discriminator: TrainableDiscriminator?, learningRate: Float,
                adversarialWeight: Float = 1e-3, vgg: TrainableVGG? = nil) throws {
        if let vgg {
            precondition(vgg.batch == generator.batch && vgg.size == 4 * generator.height, "VGG and generator shapes disagree")
        }
        self.vgg = vgg
        self.generator = generator
        self.discriminator = discriminator
        self.adversarialWeight = adversarialWeight
        generatorOptimizer = try Adam(parameters: generator.parameters.parameters, learningRate: learningRate,
                                      engine: generator.engine)
        if let d = discriminator {
            precondition(d.batch == generator.batch && d.configuration.inputSize == 4 * generator.height
                         && generator.height == generator.width, "discriminator and generator shapes disagree")
            discriminatorOptimizer = try Adam(parameters: d.parameters.parameters, learningRate: learningRate,
                                              engine: d.engine)
            realTape = try d.makeTape()
            fakeTape = try d.makeTape()
        } else {
            (discriminatorOptimizer, realTape, fakeTape) = (nil, nil, nil)
        }
        target = [Float](repeating: 0, count: generator.output.desc.elementCount)
    }

    /// Trains on one batch: `lowResolution` `[N, 3, h, w]` and `highResolution` `[N, 3, 4h, 4w]`,
    /// both NCHW on the 0…255 scale.
    @discardableResult
    public func run(lowResolution: [Float], highResolution: [Float]) throws -> StepLosses {
        let g = generator
        precondition(lowResolution.count == g.input.desc.elementCount && highResolution.count == target.count)
        let input = g.input.floats
        for i in 0..<lowResolution.count { input[i] = lowResolution[i] / 255 }
        for i in 0..<target.count { target[i] = highResolution[i] / 127.5 - 1 }
        try g.forward()
        let output = UnsafeBufferPointer(g.output.floats)
        let content: Double
        if let vgg {
            // Features of the real batch first (kept), then of the generated one, whose
            // activations stay in the extractor for its backward pass.
            target.withUnsafeBufferPointer { vgg.preprocess($0) }
            try vgg.forward()
            hrFeatures = Array(vgg.features.floats)
            vgg.preprocess(output)
            try vgg.forward()
            let s = Self.vggFeatureScale
            content = hrFeatures.withUnsafeBufferPointer {
                Loss.meanSquaredError(UnsafeBufferPointer(vgg.features.floats), $0,
                                      gradient: vgg.featureGradient.floats, scale: 1 / (s * s))
            } / Double(s * s)
            try vgg.backward()
            g.outputGradient.fill(0)
            vgg.accumulateInputGradient(into: g.outputGradient.floats)
        } else {
            content = target.withUnsafeBufferPointer {
                Loss.meanSquaredError(output, $0, gradient: g.outputGradient.floats)
            }
        }
        var losses = StepLosses(content: content, adversarial: 0, perceptual: content, discriminator: 0)
        if let d = discriminator, let real = realTape, let fake = fakeTape {
            _ = target.withUnsafeBufferPointer { real.input.floats.update(fromContentsOf: $0) }
            _ = fake.input.floats.update(fromContentsOf: output)
            try d.forward(real)
            try d.forward(fake)
            // The generator's signal: BCE(1, D(G(x))) through the discriminator, weights untouched.
            losses.adversarial = Loss.binaryCrossEntropy(logits: UnsafeBufferPointer(fake.logits.floats),
                                                         label: 1, gradient: fake.logitGradient.floats,
                                                         scale: adversarialWeight)
            losses.perceptual = content + Double(adversarialWeight) * losses.adversarial
            try d.backward(fake, weights: false, inputGradient: true)
            let gOut = g.outputGradient.floats, gAdv = fake.inputGradient.floats
            for i in 0..<target.count { gOut[i] += gAdv[i] }
            // The discriminator's: BCE(1, D(real)) + BCE(0, D(G(x))).
            let realLoss = Loss.binaryCrossEntropy(logits: UnsafeBufferPointer(real.logits.floats),
                                                   label: 1, gradient: real.logitGradient.floats)
            let fakeLoss = Loss.binaryCrossEntropy(logits: UnsafeBufferPointer(fake.logits.floats),
                                                   label: 0, gradient: fake.logitGradient.floats)
            losses.discriminator = realLoss + fakeLoss
            try d.backward(real, weights: true, inputGradient: false)
            try d.backward(fake, weights: true, accumulate: true, inputGradient: false)
        }
        try g.backward()
        generatorOptimizer.update()
        discriminatorOptimizer?.update()
        return losses
    }
}
