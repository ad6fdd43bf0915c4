/// The training graphs: the unfolded generator computes what inference computes, whole-graph
/// gradients agree with finite differences, and a tiny network can learn.
import Foundation
import Testing
import ModelFormats
import Neural
import SRGAN
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
    let engine = try! Engine(threads: 2)

    @Test("generator with frozen statistics and the pretrained weights computes what inference computes")
    func generatorMatchesInference() throws {
        let path = try TestEnvironment.model("srgan-gan.safetensors")
        let file = try TensorFile.read(path: path)
        let (h, w) = (12, 10)
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
    @Test("generator gradients agree with finite differences of its forward",
          arguments: [BatchNorm.Mode.batchStatistics, .frozenStatistics])
    func generatorGradients(mode: BatchNorm.Mode) throws {
        let graph = try TrainableGenerator(batch: 2, height: 5, width: 4,
                                           configuration: .init(residualBlocks: 2, features: 16, batchNorm: mode),
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
