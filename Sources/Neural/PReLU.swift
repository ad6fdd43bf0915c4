/// Parametric ReLU with one slope per channel: `x >= 0 ? x : alpha[c] * x`.
import CDNNL

/// A PReLU primitive for one activation shape and layout.
///
/// The slopes' layout is left to oneDNN (`any`): with plain `[1, C, 1, 1]` slopes on blocked data
/// oneDNN 2.6 silently falls back to reference code, ~40× slower (engine notes).
public final class PReLU: @unchecked Sendable {
    public let data: TensorDesc
    public let slopesLayout: TensorDesc
    let primitive: Primitive

    public init(engine: Engine, data: TensorDesc) throws {
        let channels = data.dims[1]
        var desc = dnnl_prelu_desc_t()
        var d = data.raw
        var w = TensorDesc([1, channels, 1, 1], .any).raw
        try check(dnnl_prelu_forward_desc_init(&desc, dnnl_forward_inference, &d, &w),
                  "describing a PReLU over \(channels) channels")
        primitive = try withUnsafePointer(to: &desc) {
            try Primitive(opDesc: UnsafeRawPointer($0), engine: engine, what: "a PReLU over \(channels) channels")
        }
        self.data = data
        slopesLayout = primitive.desc(dnnl_query_weights_md)
    }

    public var implementation: String { primitive.implementation }
    public var scratchpadBytes: Int { primitive.scratchpadBytes }

    public func makeSlopes(_ alpha: [Float], engine: Engine) throws -> Memory {
        precondition(alpha.count == data.dims[1], "one slope per channel")
        let user = try Memory(TensorDesc([1, alpha.count, 1, 1], .nchw), engine: engine)
        alpha.withUnsafeBufferPointer { user.floats.baseAddress!.update(from: $0.baseAddress!, count: $0.count) }
        let slopes = try Memory(slopesLayout, engine: engine)
        try Reorder(from: user.desc, to: slopesLayout, engine: engine).execute(user, slopes)
        return slopes
    }

    /// Applies the PReLU; `source` and `destination` may be the same memory (in place).
    public func forward(_ source: Memory, slopes: Memory, into destination: Memory,
                        scratchpad: Scratchpad?) throws {
        try primitive.execute([(DNNL_ARG_SRC, source), (DNNL_ARG_WEIGHTS, slopes),
                               (DNNL_ARG_DST, destination)], scratchpad: scratchpad)
    }
}
