/// 2×2 max pooling with stride 2 (Keras `MaxPooling2D()`, "valid" padding): forward for training
/// and backward, on oneDNN.
import CDNNL

/// `dst[n, c, y, x] = max over the 2×2 window at (2y, 2x)`. The forward records which element
/// won in a workspace; the backward routes each gradient to that element.
public final class MaxPooling: @unchecked Sendable {
    public let source: TensorDesc
    public let destination: TensorDesc
    let forwardPrimitive: Primitive
    let backwardPrimitive: Primitive
    public let workspaceLayout: TensorDesc

    public init(engine: Engine, source: TensorDesc) throws {
        let d = source.dims
        let dst = TensorDesc([d[0], d[1], d[2] / 2, d[3] / 2], .blocked)
        let (strides, kernel, pad): ([Int64], [Int64], [Int64]) = ([2, 2], [2, 2], [0, 0])
        let what = "2×2 max pooling over \(d)"
        var desc = dnnl_pooling_desc_t()
        var s = source.raw, o = dst.raw
        try check(dnnl_pooling_forward_desc_init(&desc, dnnl_forward_training, dnnl_pooling_max, &s, &o, strides,
                                                 kernel, pad, pad), "describing \(what)")
        let fwd = try withUnsafePointer(to: &desc) {
            try Primitive(opDesc: UnsafeRawPointer($0), engine: engine, what: what)
        }
        var back = dnnl_pooling_desc_t()
        var ds = source.raw, dd = dst.raw
        try check(dnnl_pooling_backward_desc_init(&back, dnnl_pooling_max, &ds, &dd, strides, kernel, pad, pad),
                  "describing backward of \(what)")
        backwardPrimitive = try withUnsafePointer(to: &back) {
            try Primitive(opDesc: UnsafeRawPointer($0), hint: fwd, engine: engine, what: "backward of \(what)")
        }
        forwardPrimitive = fwd
        self.source = source
        destination = dst
        workspaceLayout = fwd.desc(dnnl_query_workspace_md)
    }

    public var implementations: [String] { [forwardPrimitive.implementation, backwardPrimitive.implementation] }
    public var scratchpadBytes: Int { max(forwardPrimitive.scratchpadBytes, backwardPrimitive.scratchpadBytes) }

    // dst = maxpool(src); `workspace` (of `workspaceLayout`) remembers the winners.
    public func forward(_ src: Memory, into dst: Memory, workspace: Memory, scratchpad: Scratchpad?) throws {
        try forwardPrimitive.execute([(DNNL_ARG_SRC, src), (DNNL_ARG_DST, dst), (DNNL_ARG_WORKSPACE, workspace)],
                                     scratchpad: scratchpad)
    }

    // diffSrc = diffDst at each window's winner, 0 elsewhere.
    public func backward(_ diffDst: Memory, workspace: Memory, into diffSrc: Memory, scratchpad: Scratchpad?) throws {
        try backwardPrimitive.execute([(DNNL_ARG_DIFF_DST, diffDst), (DNNL_ARG_WORKSPACE, workspace),
                                       (DNNL_ARG_DIFF_SRC, diffSrc)], scratchpad: scratchpad)
    }
}
