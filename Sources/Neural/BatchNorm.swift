/// Batch normalization with learnable scale (γ) and shift (β): forward for training, forward for
/// inference, backward — on oneDNN, side by side.
import CDNNL

/// `y = γ · (x − μ) / √(σ² + ε) + β` per channel.
///
/// Two ways to train, chosen per layer:
/// - `.batchStatistics` (Keras `training=True`, what the reference SRGAN recipe does): μ and σ²
///   are the batch's, gradients flow through them, and the running statistics move towards them
///   with Keras' rule `running = momentum · running + (1 − momentum) · batch` (σ² with Bessel's
///   correction, as TensorFlow's fused batch norm updates it).
/// - `.frozenStatistics`: μ and σ² are the running statistics and stay fixed; the layer is then
///   the same affine map in training and inference.
public final class BatchNorm: @unchecked Sendable {
    public enum Mode: String, Sendable { case batchStatistics, frozenStatistics }

    public let data: TensorDesc
    public let channels: Int
    public let epsilon: Float
    public let momentum: Float
    public let mode: Mode

    let trainingForward: Primitive
    let inferenceForward: Primitive
    let backwardPrimitive: Primitive
    /// Where a data-only backward puts the γ and β gradients it does not want (oneDNN 2.6 has no
    /// backward-data kernel for a batch norm with scale, so it runs the full backward).
    private var discardedGradients: (gamma: Memory, beta: Memory)?
    private let engine: Engine

    public init(engine: Engine, data: TensorDesc, epsilon: Float = 0.001, momentum: Float,
                mode: Mode = .batchStatistics) throws {
        let channels = data.dims[1]
        let what = "a batch norm over \(channels) channels"
        let affine = dnnl_use_scale.rawValue | dnnl_use_shift.rawValue
        let global = dnnl_use_global_stats.rawValue

        func make(_ prop: dnnl_prop_kind_t, _ flags: UInt32) throws -> Primitive {
            var desc = dnnl_batch_normalization_desc_t()
            var d = data.raw
            try check(dnnl_batch_normalization_forward_desc_init(&desc, prop, &d, epsilon, flags), "describing \(what)")
            return try withUnsafePointer(to: &desc) {
                try Primitive(opDesc: UnsafeRawPointer($0), engine: engine, what: what)
            }
        }
        let trainingFlags = affine | (mode == .frozenStatistics ? global : 0)
        trainingForward = try make(dnnl_forward_training, trainingFlags)
        inferenceForward = try make(dnnl_forward_inference, affine | global)
        var desc = dnnl_batch_normalization_desc_t()
        var d = data.raw, dd = data.raw
        try check(dnnl_batch_normalization_backward_desc_init(&desc, dnnl_backward, &dd, &d, epsilon, trainingFlags),
                  "describing backward of \(what)")
        let hint = trainingForward
        backwardPrimitive = try withUnsafePointer(to: &desc) {
            try Primitive(opDesc: UnsafeRawPointer($0), hint: hint, engine: engine, what: "backward of \(what)")
        }
        self.data = data
        self.channels = channels
        self.epsilon = epsilon
        self.momentum = momentum
        self.mode = mode
        self.engine = engine
    }

    public func makeStatistics() throws -> BatchStatistics {
        BatchStatistics(mean: try Memory(TensorDesc([channels], .x), engine: engine),
                        variance: try Memory(TensorDesc([channels], .x), engine: engine))
    }

    public var implementations: [String] {
        [trainingForward.implementation, inferenceForward.implementation, backwardPrimitive.implementation]
    }

    public var scratchpadBytes: Int {
        max(trainingForward.scratchpadBytes, inferenceForward.scratchpadBytes, backwardPrimitive.scratchpadBytes)
    }

    /// γ (`name.gamma`), β (`name.beta`) and the running statistics (`name.mean`, `name.var`,
    /// not trained but saved), with the identity as initial value.
    public func makeParameters(name: String) throws -> BatchNormParameters {
        let v = TensorDesc([channels], .x)
        let p = BatchNormParameters(
            gamma: try Parameter(name: name + ".gamma", desc: v, plainLayout: .x, engine: engine),
            beta: try Parameter(name: name + ".beta", desc: v, plainLayout: .x, engine: engine),
            runningMean: try Memory(v, engine: engine), runningVariance: try Memory(v, engine: engine), name: name)
        p.gamma.value.fill(1)
        p.runningMean.fill(0)
        p.runningVariance.fill(1)
        return p
    }

    // dst[N, C, H, W] = γ (src − μ) / √(σ² + ε) + β; μ, σ² of the batch (then running stats updated)
    // or the running ones (frozen).
    /// `statistics` receives the batch's μ and σ² for the matching `backward` (one per use of the
    /// layer in a step: the discriminator sees two batches).
    public func forwardTraining(_ src: Memory, _ p: BatchNormParameters, into dst: Memory,
                                statistics: BatchStatistics, scratchpad: Scratchpad?) throws {
        let (mean, variance) = mode == .batchStatistics ? (statistics.mean, statistics.variance)
                                                        : (p.runningMean, p.runningVariance)
        try trainingForward.execute([(DNNL_ARG_SRC, src), (DNNL_ARG_DST, dst), (DNNL_ARG_SCALE, p.gamma.value),
                                     (DNNL_ARG_SHIFT, p.beta.value), (DNNL_ARG_MEAN, mean),
                                     (DNNL_ARG_VARIANCE, variance)], scratchpad: scratchpad)
        guard mode == .batchStatistics else { return }
        try engine.wait()
        let perChannel = Float(data.elementCount / channels)
        let bessel = perChannel > 1 ? perChannel / (perChannel - 1) : 1
        let rm = p.runningMean.floats, rv = p.runningVariance.floats
        let bm = statistics.mean.floats, bv = statistics.variance.floats
        for c in 0..<channels {
            rm[c] = momentum * rm[c] + (1 - momentum) * bm[c]
            rv[c] = momentum * rv[c] + (1 - momentum) * bv[c] * bessel
        }
    }

    // dst = γ (src − running μ) / √(running σ² + ε) + β
    public func forwardInference(_ src: Memory, _ p: BatchNormParameters, into dst: Memory,
                                 scratchpad: Scratchpad?) throws {
        try inferenceForward.execute([(DNNL_ARG_SRC, src), (DNNL_ARG_DST, dst), (DNNL_ARG_SCALE, p.gamma.value),
                                      (DNNL_ARG_SHIFT, p.beta.value), (DNNL_ARG_MEAN, p.runningMean),
                                      (DNNL_ARG_VARIANCE, p.runningVariance)], scratchpad: scratchpad)
    }

    // diffSrc (overwritten), γ.gradient and β.gradient (overwritten, or added with `accumulate`)
    // from diffDst and the src of the last training forward.
    public func backward(_ src: Memory, _ diffDst: Memory, _ p: BatchNormParameters, statistics: BatchStatistics,
                         into diffSrc: Memory, accumulate: Bool = false, scratchpad: Scratchpad?) throws {
        let (mean, variance) = mode == .batchStatistics ? (statistics.mean, statistics.variance)
                                                        : (p.runningMean, p.runningVariance)
        let (gGamma, gBeta) = accumulate
            ? (try Memory(TensorDesc([channels], .x), engine: engine), try Memory(TensorDesc([channels], .x), engine: engine))
            : (p.gamma.gradient, p.beta.gradient)
        try backwardPrimitive.execute([(DNNL_ARG_SRC, src), (DNNL_ARG_DIFF_DST, diffDst), (DNNL_ARG_SCALE, p.gamma.value),
                                       (DNNL_ARG_SHIFT, p.beta.value), // oneDNN 2.6 insists on it, unused
                                       (DNNL_ARG_MEAN, mean), (DNNL_ARG_VARIANCE, variance),
                                       (DNNL_ARG_DIFF_SRC, diffSrc), (DNNL_ARG_DIFF_SCALE, gGamma),
                                       (DNNL_ARG_DIFF_SHIFT, gBeta)], scratchpad: scratchpad)
        if accumulate {
            try engine.wait()
            p.gamma.gradient.add(gGamma)
            p.beta.gradient.add(gBeta)
        }
    }

    // diffSrc only (γ and β untouched): for passes that carry a gradient through a network whose
    // own parameters must not learn from it (the generator's adversarial signal).
    public func backwardData(_ src: Memory, _ diffDst: Memory, _ p: BatchNormParameters, statistics: BatchStatistics,
                             into diffSrc: Memory, scratchpad: Scratchpad?) throws {
        let (mean, variance) = mode == .batchStatistics ? (statistics.mean, statistics.variance)
                                                        : (p.runningMean, p.runningVariance)
        if discardedGradients == nil {
            discardedGradients = (try Memory(TensorDesc([channels], .x), engine: engine),
                                  try Memory(TensorDesc([channels], .x), engine: engine))
        }
        try backwardPrimitive.execute([(DNNL_ARG_SRC, src), (DNNL_ARG_DIFF_DST, diffDst), (DNNL_ARG_SCALE, p.gamma.value),
                                       (DNNL_ARG_SHIFT, p.beta.value), (DNNL_ARG_MEAN, mean), (DNNL_ARG_VARIANCE, variance),
                                       (DNNL_ARG_DIFF_SRC, diffSrc), (DNNL_ARG_DIFF_SCALE, discardedGradients!.gamma),
                                       (DNNL_ARG_DIFF_SHIFT, discardedGradients!.beta)], scratchpad: scratchpad)
    }
}

/// A batch norm's learnable γ, β and its running statistics.
public final class BatchNormParameters: @unchecked Sendable {
    public let gamma: Parameter
    public let beta: Parameter
    public let runningMean: Memory
    public let runningVariance: Memory
    public let name: String

    init(gamma: Parameter, beta: Parameter, runningMean: Memory, runningVariance: Memory, name: String) {
        (self.gamma, self.beta, self.runningMean, self.runningVariance, self.name) =
            (gamma, beta, runningMean, runningVariance, name)
    }
}

/// One training forward's batch mean and (biased) variance, `[C]` each, kept for its backward.
public struct BatchStatistics: Sendable {
    public let mean: Memory
    public let variance: Memory
}
