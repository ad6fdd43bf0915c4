/// Losses and Adam: gradients against finite differences, stability at extreme logits, and the
/// Keras update rule step by step.
import Testing
import Foundation
import Neural
import TestSupport

@Suite("losses and Adam")
struct OptimizerTests {
    @Test("mean squared error: value and scaled gradient")
    func meanSquaredError() {
        let p = randomValues(50, seed: 1), t = randomValues(50, seed: 2)
        var g = [Float](repeating: 0, count: 50)
        let loss = p.withUnsafeBufferPointer { pp in t.withUnsafeBufferPointer { tp in
            g.withUnsafeMutableBufferPointer { Loss.meanSquaredError(pp, tp, gradient: $0, scale: 0.5) } } }
        let want = zip(p, t).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) } / 50
        #expect(abs(loss - want) < 1e-6)
        let error = worstGradientError(analytic: g, point: p.doubles, count: 20, seed: 3) { x in
            0.5 * zip(x, t).reduce(0.0) { $0 + ($1.0 - Double($1.1)) * ($1.0 - Double($1.1)) } / 50
        }
        #expect(error < 1e-5)
    }

    @Test("binary cross-entropy from logits: gradient for both labels, finite at ±100")
    func binaryCrossEntropy() {
        let z = randomValues(16, scale: 4, seed: 4)
        for label: Float in [0, 1] {
            var g = [Float](repeating: 0, count: z.count)
            _ = z.withUnsafeBufferPointer { zp in g.withUnsafeMutableBufferPointer {
                Loss.binaryCrossEntropy(logits: zp, label: label, gradient: $0) } }
            let error = worstGradientError(analytic: g, point: z.doubles, count: 16, seed: 5, step: 1e-5) { x in
                x.reduce(0.0) { s, v in
                    let p = 1 / (1 + exp(-v))
                    return s - (Double(label) * log(p) + (1 - Double(label)) * log(1 - p))
                } / Double(x.count)
            }
            #expect(error < 1e-6)
        }
        // A confident wrong answer costs about |z|, and a right one about e^(−|z|); never inf or NaN.
        let extreme: [Float] = [100, -100]
        let wrong = extreme.withUnsafeBufferPointer { Loss.binaryCrossEntropy(logits: $0, label: 0, gradient: nil) }
        #expect(abs(wrong - 50) < 1e-9)
        let right = [Float(100)].withUnsafeBufferPointer { Loss.binaryCrossEntropy(logits: $0, label: 1, gradient: nil) }
        #expect(right.isFinite && right < 1e-40)
    }

    @Test("Adam follows Keras' update rule with bias correction, in any parameter layout")
    func adamMatchesTheFormula() throws {
        let engine = try Engine(threads: 1)
        // 37 values: two SIMD chunks and a scalar tail.
        let p = try Parameter(name: "w", desc: TensorDesc([37], .x), plainLayout: .x, engine: engine)
        let start = randomValues(37, seed: 6)
        try p.store(start, engine: engine)
        let adam = try Adam(parameters: [p], learningRate: 0.01, engine: engine)
        var theta = start.doubles, m = [Double](repeating: 0, count: 37), v = m
        for step in 1...3 {
            let g = randomValues(37, seed: 10 + UInt64(step))
            try p.gradient.store(g, from: .x, engine: engine)
            adam.update()
            let stepSize = 0.01 * (1 - pow(0.999, Double(step))).squareRoot() / (1 - pow(0.9, Double(step)))
            for i in 0..<37 {
                m[i] = 0.9 * m[i] + 0.1 * Double(g[i])
                v[i] = 0.999 * v[i] + 0.001 * Double(g[i]) * Double(g[i])
                theta[i] -= stepSize * m[i] / (v[i].squareRoot() + 1e-7)
            }
        }
        #expect(adam.step == 3)
        #expect(maxAbsDifference(try p.load(engine: engine), theta.map(Float.init)) < 1e-6)
    }
}
