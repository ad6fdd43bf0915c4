/// PReLU with learnable per-channel slopes: forward for training and backward, on oneDNN.
import CDNNL

/// `y = x ≥ 0 ? x : α[c]·x`. The slopes' layout is oneDNN's (`any`), for the same reason as the
/// inference `PReLU`: plain slopes on blocked data fall back to reference code.
public final class TrainablePReLU: @unchecked Sendable {
    public let data: TensorDesc
    public let slopesLayout: TensorDesc
    let forwardPrimitive: Primitive
    let backwardPrimitive: Primitive
    private let engine: Engine

    public init(engine: Engine, data: TensorDesc) throws {
        let channels = data.dims[1]
        let what = "a PReLU over \(channels) channels"
        var desc = dnnl_prelu_desc_t()
        var d = data.raw, w = TensorDesc([1, channels, 1, 1], .any).raw
        try check(dnnl_prelu_forward_desc_init(&desc, dnnl_forward_training, &d, &w), "describing \(what)")
        let fwd = try withUnsafePointer(to: &desc) {
            try Primitive(opDesc: UnsafeRawPointer($0), engine: engine, what: what)
        }
        let slopes = fwd.desc(dnnl_query_weights_md)
        var back = dnnl_prelu_desc_t()
        var bd = data.raw, bw = slopes.raw, dd = data.raw, dw = slopes.raw
        try check(dnnl_prelu_backward_desc_init(&back, &bd, &bw, &dd, &dw), "describing backward of \(what)")
        backwardPrimitive = try withUnsafePointer(to: &back) {
            try Primitive(opDesc: UnsafeRawPointer($0), hint: fwd, engine: engine, what: "backward of \(what)")
        }
        forwardPrimitive = fwd
        slopesLayout = slopes
        self.data = data
        self.engine = engine
    }

    public var implementations: [String] { [forwardPrimitive.implementation, backwardPrimitive.implementation] }
    public var scratchpadBytes: Int { max(forwardPrimitive.scratchpadBytes, backwardPrimitive.scratchpadBytes) }

    /// The slopes (`name.alpha`, `[C]` in files).
    public func makeParameter(name: String) throws -> Parameter {
        let p = try Parameter(name: name + ".alpha", desc: slopesLayout, plainLayout: .nchw, engine: engine)
        return p
    }

    // dst[N, C, H, W] = src ≥ 0 ? src : α[c]·src   (dst may be src)
    public func forward(_ src: Memory, slopes: Parameter, into dst: Memory, scratchpad: Scratchpad?) throws {
        try forwardPrimitive.execute([(DNNL_ARG_SRC, src), (DNNL_ARG_WEIGHTS, slopes.value), (DNNL_ARG_DST, dst)],
                                     scratchpad: scratchpad)
    }

    // diffSrc = diffDst · (src ≥ 0 ? 1 : α[c]);  α.gradient[c] = Σ_{src<0} diffDst · src  (overwritten)
    public func backward(_ src: Memory, _ diffDst: Memory, slopes: Parameter, into diffSrc: Memory,
                         scratchpad: Scratchpad?) throws {
        try backwardPrimitive.execute([(DNNL_ARG_SRC, src), (DNNL_ARG_WEIGHTS, slopes.value),
                                       (DNNL_ARG_DIFF_DST, diffDst), (DNNL_ARG_DIFF_SRC, diffSrc),
                                       (DNNL_ARG_DIFF_WEIGHTS, slopes.gradient)], scratchpad: scratchpad)
    }
}
