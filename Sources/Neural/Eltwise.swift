/// Element-wise activations as their own primitive, for where a fused post-op would cost more
/// than it saves (oneDNN has no Winograd kernel with a tanh post-op).
import CDNNL

public final class Eltwise: @unchecked Sendable {
    public enum Function: Sendable {
        case tanh
        case linear(scale: Float, shift: Float)
        case leakyReLU(slope: Float)

        var parameters: (dnnl_alg_kind_t, Float, Float) {
            switch self {
            case .tanh: return (dnnl_eltwise_tanh, 0, 0)
            case .linear(let scale, let shift): return (dnnl_eltwise_linear, scale, shift)
            case .leakyReLU(let slope): return (dnnl_eltwise_relu, slope, 0)
            }
        }
    }

    public let data: TensorDesc
    let primitive: Primitive

    /// `function` followed by `postOps` (element-wise ones only), over tensors laid out as `data`.
    public init(engine: Engine, data: TensorDesc, function: Function, postOps: [PostOp] = []) throws {
        var desc = dnnl_eltwise_desc_t()
        var d = data.raw
        let (alg, alpha, beta) = function.parameters
        try check(dnnl_eltwise_forward_desc_init(&desc, dnnl_forward_inference, alg, &d, alpha, beta),
                  "describing an element-wise \(function)")
        primitive = try withUnsafePointer(to: &desc) {
            try Primitive(opDesc: UnsafeRawPointer($0), postOps: postOps, engine: engine, what: "element-wise \(function)")
        }
        self.data = data
    }

    public var implementation: String { primitive.implementation }
    public var scratchpadBytes: Int { primitive.scratchpadBytes }

    /// Applies the function; `source` and `destination` may be the same memory.
    public func forward(_ source: Memory, into destination: Memory, scratchpad: Scratchpad?) throws {
        try primitive.execute([(DNNL_ARG_SRC, source), (DNNL_ARG_DST, destination)], scratchpad: scratchpad)
    }
}
