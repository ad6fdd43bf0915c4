/// Element-wise activations for training: forward and backward on oneDNN, side by side.
import CDNNL

/// LeakyReLU (the discriminator's 0.2, VGG's plain ReLU with slope 0), tanh (the generator's
/// output), sigmoid. Backward computes from the forward's *source*, so the forward must not run
/// in place when a backward follows.
public final class TrainableActivation: @unchecked Sendable {
    public enum Function: Sendable, CustomStringConvertible {
        case leakyReLU(slope: Float)
        case tanh
        case sigmoid

        var parameters: (dnnl_alg_kind_t, Float) {
            switch self {
            case .leakyReLU(let slope): return (dnnl_eltwise_relu, slope)
            case .tanh: return (dnnl_eltwise_tanh, 0)
            case .sigmoid: return (dnnl_eltwise_logistic, 0)
            }
        }

        public var description: String {
            switch self {
            case .leakyReLU(let slope): return slope == 0 ? "ReLU" : "LeakyReLU \(slope)"
            case .tanh: return "tanh"
            case .sigmoid: return "sigmoid"
            }
        }
    }

    public let data: TensorDesc
    public let function: Function
    let forwardPrimitive: Primitive
    let backwardPrimitive: Primitive

    public init(engine: Engine, data: TensorDesc, function: Function) throws {
        let (alg, alpha) = function.parameters
        var desc = dnnl_eltwise_desc_t()
        var d = data.raw
        try check(dnnl_eltwise_forward_desc_init(&desc, dnnl_forward_training, alg, &d, alpha, 0),
                  "describing \(function)")
        let fwd = try withUnsafePointer(to: &desc) {
            try Primitive(opDesc: UnsafeRawPointer($0), engine: engine, what: "\(function)")
        }
        var back = dnnl_eltwise_desc_t()
        var dd = data.raw, sd = data.raw
        try check(dnnl_eltwise_backward_desc_init(&back, alg, &dd, &sd, alpha, 0), "describing backward of \(function)")
        backwardPrimitive = try withUnsafePointer(to: &back) {
            try Primitive(opDesc: UnsafeRawPointer($0), hint: fwd, engine: engine, what: "backward of \(function)")
        }
        forwardPrimitive = fwd
        self.data = data
        self.function = function
    }

    public var implementations: [String] { [forwardPrimitive.implementation, backwardPrimitive.implementation] }
    public var scratchpadBytes: Int { max(forwardPrimitive.scratchpadBytes, backwardPrimitive.scratchpadBytes) }

    // dst = f(src)
    public func forward(_ src: Memory, into dst: Memory, scratchpad: Scratchpad?) throws {
        try forwardPrimitive.execute([(DNNL_ARG_SRC, src), (DNNL_ARG_DST, dst)], scratchpad: scratchpad)
    }

    // diffSrc = diffDst · f′(src)   (diffSrc may be diffDst)
    public func backward(_ src: Memory, _ diffDst: Memory, into diffSrc: Memory, scratchpad: Scratchpad?) throws {
        try backwardPrimitive.execute([(DNNL_ARG_SRC, src), (DNNL_ARG_DIFF_DST, diffDst), (DNNL_ARG_DIFF_SRC, diffSrc)],
                                      scratchpad: scratchpad)
    }
}
