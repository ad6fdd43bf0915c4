/// The training graphs: the unfolded generator computes what inference computes, whole-graph
/// gradients agree with finite differences, and a tiny network can learn.
import Foundation
import Testing
import ModelFormats
import Neural
import SRGAN
import Training
import TestSupport

/// `Σ r ⊙ output` in double, and its gradient `r` handed to the graph.
func weightedSum(_ output: Memory, _ r: [Float]) -> Double {
    zip(output.floats.prefix(r.count), r).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
}

/// Checks sampled coordinates of each parameter against central differences of the graph's own
/// float32 forward (steps large enough to rise above rounding; tolerance to match).
func checkParameterGradients(_ set: ParameterSet, names: [String], engine: Engine, samples: Int = 3, step: Float = 1e-2,
                             loss: () throws -> Double) throws -> [(String, Double)] {
    var rng = SplitMix(state: 99)
    var report: [(String, Double)] = []
    for entry in set.entries where names.contains(where: { entry.parameter.name.hasSuffix($0) }) {
        let p = entry.parameter
        let analytic = try p.loadGradient(engine: engine)
        var values = try p.load(engine: engine)
        var worst = 0.0
        for _ in 0..<samples {
            let i = Int.random(in: 0..<values.count, using: &rng)
            let original = values[i]
            values[i] = original + step
            try p.store(values, engine: engine)
            let plus = try loss()
            values[i] = original - step
            try p.store(values, engine: engine)
            let minus = try loss()
            values[i] = original
            try p.store(values, engine: engine)
            let numeric = (plus - minus) / (2 * Double(step))
            worst = max(worst, abs(numeric - Double(analytic[i])) / max(1, abs(numeric)))
        }
        report.append((p.name, worst))
    }
    return report
}

@Suite("training graphs", .serialized)
struct TrainingGraphTests {
    // One thread: these graphs run hundreds of tiny primitives, and on a busy machine each one
    // would otherwise wait for its second OpenMP thread to be scheduled.
    let engine = try! Engine(threads: 1)

    /// Two implementations of one network: the training graph (whole tensors, plain layers) and
    /// inference (banded, split tail). The sizes put the band boundaries in different places: one
    /// band; bands ending inside a low-resolution row pair; a last band below the image at 2×
    /// scale (56 rows: it only finishes the band before's Z rows).
    @Test("generator with frozen statistics and the pretrained weights computes what inference computes",
          arguments: [(12, 10), (1, 7), (8, 3), (56, 3)])
    func generatorMatchesInference(size: (Int, Int)) throws {
        let path = try TestEnvironment.model("srgan-gan.safetensors")
        let file = try TensorFile.read(path: path)
        let (h, w) = size
        let graph = try TrainableGenerator(batch: 1, height: h, width: w,
                                           configuration: .init(batchNorm: .frozenStatistics), engine: engine)
        try graph.load(file, path: path)
        let hwc = randomValues(h * w * 3, seed: 1).map { ($0 + 1) * 127.5 }
        for c in 0..<3 { for i in 0..<(h * w) { graph.input.floats[c * h * w + i] = hwc[i * 3 + c] / 255 } }
        try graph.forward()
        let inference = try Generator(weights: GeneratorWeights(file, path: path), threads: 2, algorithm: .direct)
            .run(hwc, height: h, width: w)
        let plane = 16 * h * w
        var worst: Float = 0
        for c in 0..<3 { for i in 0..<plane {
            worst = max(worst, abs((graph.output.floats[c * plane + i] + 1) * 127.5 - inference[i * 3 + c]))
        } }
        #expect(worst < 2e-2, "max abs difference on the 0…255 scale: \(worst)")
    }

    /// PReLU slopes start at 1 here: with kinks in the graph, a finite difference of a float32
    /// forward is dominated either by kink crossings (large steps) or by rounding (small ones).
    /// The slopes' own gradients (Σ over negative inputs) are still exercised.
    /// Both tails: plain (`nhwc`, the default on AVX-512) and channel-blocked on a margined
    /// source (the default on AVX2); the head always reads a margined source.
    @Test("generator gradients agree with finite differences of its forward",
          arguments: [(BatchNorm.Mode.batchStatistics, true), (.batchStatistics, false), (.frozenStatistics, true),
                      (.frozenStatistics, false)])
    func generatorGradients(mode: BatchNorm.Mode, plainTail: Bool) throws {
        let graph = try TrainableGenerator(batch: 2, height: 5, width: 4,
                                           configuration: .init(residualBlocks: 2, features: 16, batchNorm: mode,
                                                                plainTail: plainTail),
                                           engine: engine)
        try initialise(graph.parameters, seed: 3, slope: 1)
        let x = randomValues(graph.input.desc.elementCount, seed: 4).map { ($0 + 1) / 2 }
        _ = graph.input.floats.update(fromContentsOf: x)
        let r = randomValues(graph.output.desc.elementCount, seed: 5)
        try graph.forward()
        _ = graph.outputGradient.floats.update(fromContentsOf: r)
        try graph.backward()
        let names = ["head.conv.weight", "head.conv.bias", "head.prelu.alpha", "res.0.conv1.weight", "res.0.bn1.gamma",
                     "res.0.bn1.beta", "res.1.prelu.alpha", "res.1.conv2.bias", "res.1.bn2.beta", "trunk.conv.weight",
                     "trunk.bn.gamma", "up.0.conv.weight", "up.1.prelu.alpha", "tail.conv.weight", "tail.conv.bias"]
        let report = try checkParameterGradients(graph.parameters, names: names, engine: engine) {
            try graph.forward()
            return weightedSum(graph.output, r)
        }
        #expect(report.count == names.count)
        #expect(report.allSatisfy { $0.1 < 3e-2 }, "worst relative errors: \(report)")
    }

    @Test("the generator's training graph runs no reference code at the fine-tuning shapes (8 crops of 24², either tail)",
          arguments: [true, false])
    func generatorRunsFastKernels(plainTail: Bool) throws {
        let graph = try TrainableGenerator(batch: 8, height: 24, width: 24, configuration: .init(plainTail: plainTail),
                                           engine: engine)
        let slow = graph.implementations.filter { $0.hasPrefix("ref") }
        #expect(slow.isEmpty, "reference code: \(slow)")
    }

    @Test("a tiny generator overfits two images: MSE falls more than 10×")
    func tinyGeneratorOverfits() throws {
        let graph = try TrainableGenerator(batch: 2, height: 4, width: 4,
                                           configuration: .init(residualBlocks: 1, features: 16), engine: engine)
        try initialise(graph.parameters, seed: 7)
        let adam = try Adam(parameters: graph.parameters.parameters, learningRate: 3e-3, engine: engine)
        // Targets: smooth gradients and a checker pattern; inputs: their 4×4 box averages.
        let (H, W) = (16, 16)
        var target = [Float](repeating: 0, count: 2 * 3 * H * W)
        for b in 0..<2 { for c in 0..<3 { for yy in 0..<H { for xx in 0..<W {
            let v: Float = b == 0 ? Float(xx + yy * (c + 1)) / Float(W + H * 3) : ((xx / 4 + yy / 4) % 2 == 0 ? 0.6 : -0.6)
            target[((b * 3 + c) * H + yy) * W + xx] = b == 0 ? 2 * v - 1 : v
        } } } }
        for b in 0..<2 { for c in 0..<3 { for yy in 0..<4 { for xx in 0..<4 {
            var sum: Float = 0
            for dy in 0..<4 { for dx in 0..<4 { sum += target[((b * 3 + c) * H + yy * 4 + dy) * W + xx * 4 + dx] } }
            graph.input.floats[((b * 3 + c) * 4 + yy) * 4 + xx] = (sum / 16 + 1) / 2
        } } } }
        var losses: [Double] = []
        for _ in 0..<100 {
            try graph.forward()
            let loss = target.withUnsafeBufferPointer { t in
                Loss.meanSquaredError(UnsafeBufferPointer(graph.output.floats), t,
                                      gradient: graph.outputGradient.floats)
            }
            losses.append(loss)
            try graph.backward()
            adam.update()
        }
        let last = losses.suffix(5).reduce(0, +) / 5
        #expect(last * 10 < losses[0], "loss \(losses[0]) → \(last)")
    }

    @Test("discriminator: parameter and input gradients over two batches agree with a double-precision reference",
          arguments: [Convolution.Algorithm.direct, .auto])
    func discriminatorGradients(algorithm: Convolution.Algorithm) throws {
        let n = 2
        let config = TrainableDiscriminator.Configuration(inputSize: 16, filters: 16, denseUnits: 8, algorithm: algorithm)
        let d = try TrainableDiscriminator(batch: n, configuration: config, engine: engine)
        try initialise(d.parameters, seed: 11)
        let real = try d.makeTape(), fake = try d.makeTape()
        let xr = randomValues(real.input.desc.elementCount, seed: 12), xf = randomValues(fake.input.desc.elementCount, seed: 13)
        try real.input.store(xr, from: .nchw, engine: engine)
        try fake.input.store(xf, from: .nchw, engine: engine)
        try d.forward(real)
        try d.forward(fake)
        let rr = randomValues(n, seed: 14), rf = randomValues(n, seed: 15)
        try real.logitGradient.store(rr, from: .nc, engine: engine)
        try fake.logitGradient.store(rf, from: .nc, engine: engine)
        try d.backward(real, weights: true, inputGradient: false)
        try d.backward(fake, weights: true, accumulate: true, inputGradient: true)

        // The same network in double precision, parameters by name.
        var values: [String: [Double]] = [:]
        for e in d.parameters.entries { values[e.parameter.name] = try e.parameter.load(engine: engine).doubles }
        func logits(_ x: [Double], _ v: [String: [Double]]) -> [Double] {
            var (a, channels, size) = (x, 3, 16)
            for i in 0..<8 {
                let out = 16 << (i / 2)
                let conv = naiveConvolution64(a, batch: n, channels: channels, height: size, width: size, kernel: 3,
                                              stride: i % 2 == 1 ? 2 : 1, hwio: v["block.\(i).conv.weight"]!,
                                              bias: v["block.\(i).conv.bias"]!, outChannels: out)
                a = conv.values
                if i > 0 {
                    a = naiveBatchNorm64(a, batch: n, channels: out, gamma: v["block.\(i).bn.gamma"]!,
                                         beta: v["block.\(i).bn.beta"]!, epsilon: 0.001)
                }
                a = a.map { $0 >= 0 ? $0 : 0.2 * $0 }
                (channels, size) = (out, conv.height)
            }
            a = naiveDense64(a, batch: n, channels: channels, height: size, width: size, kernel: v["dense1.weight"]!,
                             bias: v["dense1.bias"]!, outputs: 8).map { $0 >= 0 ? $0 : 0.2 * $0 }
            return naiveDense64(a, batch: n, channels: 8, height: 1, width: 1, kernel: v["dense2.weight"]!,
                                bias: v["dense2.bias"]!, outputs: 1)
        }
        let (xrd, xfd) = (xr.doubles, xf.doubles)
        func loss(_ v: [String: [Double]], fakeInput: [Double]? = nil) -> Double {
            dot64(rr.doubles, logits(xrd, v)) + dot64(rf.doubles, logits(fakeInput ?? xfd, v))
        }
        #expect(maxAbsDifference(try fake.logits.load(as: .nc, engine: engine), logits(xfd, values).map(Float.init)) < 1e-4)
        // A step of 1e-6 in double never crosses a LeakyReLU kink in practice, and rounds at ~1e-10.
        var worst: [(String, Double)] = []
        for name in ["block.0.conv.weight", "block.1.bn.gamma", "block.3.conv.weight", "block.5.bn.beta",
                     "block.7.conv.bias", "dense1.weight", "dense2.weight", "dense2.bias"] {
            let p = d.parameters.entries.first { $0.parameter.name == name }!.parameter
            let error = worstGradientError(analytic: try p.loadGradient(engine: engine), point: values[name]!, count: 3,
                                           seed: 16, step: 1e-6) { point in
                var v = values
                v[name] = point
                return loss(v)
            }
            worst.append((name, error))
        }
        let dx = worstGradientError(analytic: try fake.inputGradient.load(as: .nchw, engine: engine), point: xfd, count: 8,
                                    seed: 17, step: 1e-6) { loss(values, fakeInput: $0) }
        worst.append(("input", dx))
        #expect(worst.allSatisfy { $0.1 < 2e-3 }, "worst relative errors: \(worst)")

        // A data-only pass gives the same input gradient and leaves the parameter gradients alone.
        let before = try d.parameters.entries[3].parameter.loadGradient(engine: engine)
        try d.backward(fake, weights: false, inputGradient: true)
        #expect(maxAbsDifference(try fake.inputGradient.load(as: .nchw, engine: engine),
                                 try fake.inputGradient.load(as: .nchw, engine: engine)) == 0)
        #expect(try d.parameters.entries[3].parameter.loadGradient(engine: engine) == before)
    }

    @Test("pretrained discriminator loads under its file names and saves back unchanged")
    func discriminatorRoundTrip() throws {
        let path = try TestEnvironment.model("srgan-discriminator.safetensors")
        let file = try TensorFile.read(path: path)
        let d = try TrainableDiscriminator(batch: 1, engine: engine)
        try d.load(file, path: path)
        let saved = try d.tensorFile()
        #expect(saved.tensors == file.tensors)
        #expect(d.parameters.parameterCount == 23_569_217 - 4 * (64 + 128 + 128 + 256 + 256 + 512 + 512) / 2)
    }

    @Test("VGG feature extractor: conv5_4 features and input gradient agree with a double-precision reference")
    func vggAgainstReference() throws {
        let (n, size) = (2, 16)
        let config = TrainableVGG.Configuration(convolutions: [2, 1, 1, 1, 2], widths: [16, 16, 32, 16, 16])
        let vgg = try TrainableVGG(batch: n, size: size, configuration: config, engine: engine)
        try initialise(vgg.parameters, seed: 21)
        var weights: [String: [Double]] = [:]
        for e in vgg.parameters.entries { weights[e.parameter.name] = try e.parameter.load(engine: engine).doubles }
        // Keras' preprocessing of an RGB image in [-1, 1].
        let t = randomValues(n * 3 * size * size, seed: 22)
        t.withUnsafeBufferPointer { vgg.preprocess($0) }
        let plane = size * size
        #expect(abs(vgg.input.floats[0] - ((t[2 * plane] + 1) * 127.5 - 103.939)) < 1e-4)   // B first
        #expect(abs(vgg.input.floats[2 * plane] - ((t[0] + 1) * 127.5 - 123.68)) < 1e-4)    // R last
        let x = Array(vgg.input.floats.prefix(t.count)).map { $0 / 100 } // keep the reference's numbers small
        _ = vgg.input.floats.update(fromContentsOf: x)
        try vgg.forward()

        func features(_ x: [Double]) -> [Double] {
            var (a, channels, s) = (x, 3, size)
            for (b, count) in config.convolutions.enumerated() {
                if b > 0 {
                    a = naiveMaxPool64(a, planes: n * channels, size: s)
                    s /= 2
                }
                for c in 0..<count {
                    let out = config.widths[b]
                    a = naiveConvolution64(a, batch: n, channels: channels, height: s, width: s, kernel: 3, stride: 1,
                                           hwio: weights["block\(b + 1)_conv\(c + 1).weight"]!,
                                           bias: weights["block\(b + 1)_conv\(c + 1).bias"]!, outChannels: out)
                        .values.map { max($0, 0) }
                    channels = out
                }
            }
            return a
        }
        let want = features(x.doubles)
        #expect(maxAbsDifference(try vgg.features.load(as: .nchw, engine: engine), want.map(Float.init)) < 1e-4)
        let r = randomValues(want.count, seed: 23)
        try vgg.featureGradient.store(r, from: .nchw, engine: engine)
        try vgg.backward()
        let dx = worstGradientError(analytic: try vgg.inputGradient.load(as: .nchw, engine: engine), point: x.doubles,
                                    count: 12, seed: 24, step: 1e-6) { dot64(r.doubles, features($0)) }
        #expect(dx < 2e-3, "input gradient error \(dx)")
        // The chain rule through the preprocessing: × 127.5, BGR back to RGB.
        var g = [Float](repeating: 0, count: t.count)
        g.withUnsafeMutableBufferPointer { vgg.accumulateInputGradient(into: $0) }
        #expect(abs(g[0] - 127.5 * vgg.inputGradient.floats[2 * plane]) < 1e-3)
    }

    @Test("an SRGAN step: finite losses, the discriminator learns to separate, and reruns are bit-identical")
    func adversarialStep() throws {
        func run() throws -> [StepLosses] {
            let g = try TrainableGenerator(batch: 2, height: 4, width: 4,
                                           configuration: .init(residualBlocks: 1, features: 16), engine: engine)
            let d = try TrainableDiscriminator(batch: 2, configuration: .init(inputSize: 16, filters: 16, denseUnits: 8),
                                               engine: engine)
            try initialise(g.parameters, seed: 31)
            try initialise(d.parameters, seed: 32)
            let step = try TrainingStep(generator: g, discriminator: d, learningRate: 1e-3, adversarialWeight: 1e-3)
            let lr = randomValues(2 * 3 * 16, seed: 33).map { ($0 + 1) * 127.5 }
            let hr = randomValues(2 * 3 * 256, seed: 34).map { ($0 + 1) * 127.5 }
            return try (0..<12).map { _ in try step.run(lowResolution: lr, highResolution: hr) }
        }
        let losses = try run()
        #expect(losses.allSatisfy { $0.content.isFinite && $0.adversarial.isFinite && $0.discriminator.isFinite })
        #expect(abs(losses[0].perceptual - (losses[0].content + 1e-3 * losses[0].adversarial)) < 1e-9)
        // A fixed pair of batches: the discriminator soon tells them apart (BCE starts near 2 ln 2).
        #expect(losses.last!.discriminator < losses[0].discriminator)
        #expect(try run() == losses)
    }

    @Test("vgg54 content loss: MSE of conv5_4 features / 12.75 of generated vs real, and it trains")
    func vggContentStep() throws {
        let g = try TrainableGenerator(batch: 2, height: 4, width: 4,
                                       configuration: .init(residualBlocks: 1, features: 16), engine: engine)
        let vgg = try TrainableVGG(batch: 2, size: 16, configuration: .init(convolutions: [2, 1, 1, 1, 2],
                                                                             widths: [16, 16, 32, 16, 16]), engine: engine)
        try initialise(g.parameters, seed: 41)
        try initialise(vgg.parameters, seed: 42)
        let step = try TrainingStep(generator: g, discriminator: nil, learningRate: 1e-3, vgg: vgg)
        let lr = randomValues(2 * 3 * 16, seed: 43).map { ($0 + 1) * 127.5 }
        let hr = randomValues(2 * 3 * 256, seed: 44).map { ($0 + 1) * 127.5 }
        let first = try step.run(lowResolution: lr, highResolution: hr)
        // Independently: features of both batches through the same extractor.
        let generated = Array(g.output.floats)
        hr.map { $0 / 127.5 - 1 }.withUnsafeBufferPointer { vgg.preprocess($0) }
        try vgg.forward()
        let real = Array(vgg.features.floats)
        generated.withUnsafeBufferPointer { vgg.preprocess($0) }
        try vgg.forward()
        let fake = Array(vgg.features.floats)
        let want = zip(fake, real).reduce(0.0) { $0 + pow(Double($1.0 / 12.75) - Double($1.1 / 12.75), 2) } / Double(real.count)
        #expect(abs(first.content - want) <= 1e-6 * want)
        var last = first
        for _ in 0..<15 { last = try step.run(lowResolution: lr, highResolution: hr) }
        #expect(last.content < 0.5 * first.content, "content loss \(first.content) → \(last.content)")
    }
}

/// Small random weights (Glorot-like scale), slopes 0.2, γ = 1, β = 0 — a fresh network.
func initialise(_ set: ParameterSet, seed: UInt64, slope: Float = 0.2) throws {
    let engine = try Engine(threads: 1)
    for (i, e) in set.entries.enumerated() {
        let p = e.parameter
        let values: [Float]
        if p.name.hasSuffix(".gamma") { values = Array(repeating: 1, count: p.elementCount) }
        else if p.name.hasSuffix(".beta") || p.name.hasSuffix(".bias") { values = Array(repeating: 0, count: p.elementCount) }
        else if p.name.hasSuffix(".alpha") { values = Array(repeating: slope, count: p.elementCount) }
        else {
            let fanIn = e.fileShape.dropLast().reduce(1, *), fanOut = e.fileShape.last!
            values = randomValues(p.elementCount, scale: Float((6.0 / Double(fanIn + fanOut)).squareRoot()),
                                  seed: seed &+ UInt64(i))
        }
        try p.store(values, engine: engine)
    }
}

/// 2×2 max pooling, stride 2, over `planes` square planes of side `size`.
func naiveMaxPool64(_ x: [Double], planes: Int, size: Int) -> [Double] {
    let half = size / 2
    var y = [Double](repeating: 0, count: planes * half * half)
    for p in 0..<planes { for yy in 0..<half { for xx in 0..<half {
        let base = p * size * size + 2 * yy * size + 2 * xx
        y[(p * half + yy) * half + xx] = max(max(x[base], x[base + 1]), max(x[base + size], x[base + size + 1]))
    } } }
    return y
}
