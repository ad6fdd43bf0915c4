/// Losses with their gradients, computed in Swift over plain buffers (they are tiny next to the
/// convolutions), accumulated in double precision.
import Foundation

public enum Loss {
    /// `mean((prediction − target)²)`; writes `scale · ∂loss/∂prediction` into `gradient` (which
    /// may alias nothing else) and returns the loss.
    @discardableResult
    public static func meanSquaredError(_ prediction: UnsafeBufferPointer<Float>, _ target: UnsafeBufferPointer<Float>,
                                        gradient: UnsafeMutableBufferPointer<Float>?, scale: Float = 1) -> Double {
        precondition(prediction.count == target.count)
        let n = prediction.count
        var sum = 0.0
        let g = 2 * scale / Float(n)
        for i in 0..<n {
            let d = prediction[i] - target[i]
            sum += Double(d) * Double(d)
            gradient?[i] = g * d
        }
        return sum / Double(n)
    }

    /// Binary cross-entropy of `sigmoid(logit)` against `label` (0 or 1), averaged over the batch,
    /// computed from the logits so it never takes the log of 0:
    /// `max(z, 0) − z·y + log(1 + e^(−|z|))`. Writes `scale · ∂loss/∂z = scale · (σ(z) − y) / n`.
    ///
    /// Keras' `BinaryCrossentropy(from_logits: false)` in the reference clips probabilities to
    /// [1e-7, 1 − 1e-7] instead, so its loss saturates near 16.1 where this one keeps growing;
    /// the two agree everywhere else.
    @discardableResult
    public static func binaryCrossEntropy(logits: UnsafeBufferPointer<Float>, label: Float,
                                          gradient: UnsafeMutableBufferPointer<Float>?, scale: Float = 1) -> Double {
        let n = logits.count
        var sum = 0.0
        for i in 0..<n {
            let z = Double(logits[i])
            sum += max(z, 0) - z * Double(label) + log1p(exp(-abs(z)))
            let sigmoid = z >= 0 ? 1 / (1 + exp(-z)) : exp(z) / (1 + exp(z))
            gradient?[i] = Float(Double(scale) * (sigmoid - Double(label)) / Double(n))
        }
        return sum / Double(n)
    }
}
