/// Operations fused onto a primitive's output (they keep the fast kernels; see engine notes).
import CDNNL

public enum PostOp: Sendable {
    /// `dst = op(...) + dst`: accumulates onto what the destination already holds — residual
    /// additions happen in place, without a separate add pass.
    case sum
    /// `dst = tanh(dst)`.
    case tanh
    /// `dst = scale * dst + shift`.
    case linear(scale: Float, shift: Float)
    /// `dst = dst >= 0 ? dst : slope * dst`.
    case leakyReLU(slope: Float)

    func append(to ops: dnnl_post_ops_t, what: String) throws {
        switch self {
        case .sum:
            try check(dnnl_post_ops_append_sum(ops, 1), "adding a sum post-op to \(what)")
        case .tanh:
            try check(dnnl_post_ops_append_eltwise(ops, 1, dnnl_eltwise_tanh, 0, 0),
                      "adding a tanh post-op to \(what)")
        case .linear(let scale, let shift):
            try check(dnnl_post_ops_append_eltwise(ops, 1, dnnl_eltwise_linear, scale, shift),
                      "adding a linear post-op to \(what)")
        case .leakyReLU(let slope):
            try check(dnnl_post_ops_append_eltwise(ops, 1, dnnl_eltwise_relu, slope, 0),
                      "adding a leaky ReLU post-op to \(what)")
        }
    }
}
