/// Adam (Kingma & Ba) as Keras implements it, over the raw buffers of `Parameter`s.
import Foundation

/// Keras' Adam: `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`,
/// `θ ← θ − lr·√(1−β₂ᵗ)/(1−β₁ᵗ) · m / (√v + ε)` with ε = 1e-7 (Keras' default, "ε-hat" form).
///
/// The moments live in memories of each parameter's own layout, so the update is one flat loop
/// per parameter whatever oneDNN chose; checkpoints save them in the plain layout like the
/// weights.
public final class Adam: @unchecked Sendable {
    public var learningRate: Float
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    /// Updates applied so far (t in the formulas).
    public private(set) var step: Int = 0
    public let parameters: [Parameter]
    public let firstMoments: [Memory]
    public let secondMoments: [Memory]

    public init(parameters: [Parameter], learningRate: Float = 1e-4, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-7, engine: Engine) throws {
        self.parameters = parameters
        self.learningRate = learningRate
        (self.beta1, self.beta2, self.epsilon) = (beta1, beta2, epsilon)
        firstMoments = try parameters.map { p in
            let m = try Memory(p.desc, engine: engine)
            m.fill(0)
            return m
        }
        secondMoments = try parameters.map { p in
            let v = try Memory(p.desc, engine: engine)
            v.fill(0)
            return v
        }
    }

    /// One update of every parameter from its current gradient.
    public func update() {
        step += 1
        let t = Double(step)
        let correction = Float(Double(learningRate) * (1 - pow(Double(beta2), t)).squareRoot() / (1 - pow(Double(beta1), t)))
        for (index, p) in parameters.enumerated() {
            Self.update(p.value.floats, p.gradient.floats, firstMoments[index].floats, secondMoments[index].floats,
                        stepSize: correction, beta1: beta1, beta2: beta2, epsilon: epsilon)
        }
    }

    /// Restores the step counter (from a checkpoint; the moments are restored through their memories).
    public func restore(step: Int) { self.step = step }

    /// The inner loop, 16 lanes at a time (a debug build does not vectorise scalar loops).
    static func update(_ theta: UnsafeMutableBufferPointer<Float>, _ g: UnsafeMutableBufferPointer<Float>,
                       _ m: UnsafeMutableBufferPointer<Float>, _ v: UnsafeMutableBufferPointer<Float>,
                       stepSize: Float, beta1: Float, beta2: Float, epsilon: Float) {
        let n = theta.count
        let vectors = n / 16
        let b1 = SIMD16<Float>(repeating: beta1), b2 = SIMD16<Float>(repeating: beta2)
        let c1 = SIMD16<Float>(repeating: 1 - beta1), c2 = SIMD16<Float>(repeating: 1 - beta2)
        let lr = SIMD16<Float>(repeating: stepSize), eps = SIMD16<Float>(repeating: epsilon)
        let tp = UnsafeMutableRawPointer(theta.baseAddress!), gp = UnsafeMutableRawPointer(g.baseAddress!)
        let mp = UnsafeMutableRawPointer(m.baseAddress!), vp = UnsafeMutableRawPointer(v.baseAddress!)
        let stride = MemoryLayout<SIMD16<Float>>.stride
        for i in 0..<vectors {
            let offset = i * stride
            let gi = gp.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self)
            let mi = b1 * mp.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self) + c1 * gi
            let vi = b2 * vp.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self) + c2 * gi * gi
            let ti = tp.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self) - lr * mi / (vi.squareRoot() + eps)
            mp.storeBytes(of: mi, toByteOffset: offset, as: SIMD16<Float>.self)
            vp.storeBytes(of: vi, toByteOffset: offset, as: SIMD16<Float>.self)
            tp.storeBytes(of: ti, toByteOffset: offset, as: SIMD16<Float>.self)
        }
        for i in (vectors * 16)..<n {
            m[i] = beta1 * m[i] + (1 - beta1) * g[i]
            v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
            theta[i] -= stepSize * m[i] / (v[i].squareRoot() + epsilon)
        }
    }
}
