/// Residual additions, `dst = a + b`, and the way gradients meet where paths split.
import CDNNL

/// oneDNN's sum primitive over two tensors of one layout. `dst` may be `a` (in place). Its
/// backward needs no primitive: the gradient of `a + b` is the upstream gradient for both, so a
/// backward pass *adds* gradients where a path splits — with this same primitive.
public final class Addition: @unchecked Sendable {
    public let data: TensorDesc
    let primitive: Primitive

    public init(engine: Engine, data: TensorDesc) throws {
        engine.pinThreads()
        var attr: dnnl_primitive_attr_t?
        try check(dnnl_primitive_attr_create(&attr), "creating attributes for a sum")
        defer { dnnl_primitive_attr_destroy(attr) }
        try check(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user), "asking for a user scratchpad")
        var d = data.raw
        let sources = [data.raw, data.raw]
        let scales: [Float] = [1, 1]
        var pd: dnnl_primitive_desc_t?
        try check(dnnl_sum_primitive_desc_create(&pd, &d, 2, scales, sources, attr, engine.engine),
                  "describing a sum of two tensors \(data.dims)")
        primitive = try Primitive(descriptor: pd!, engine: engine, what: "a sum")
        self.data = data
    }

    public var implementation: String { primitive.implementation }
    public var scratchpadBytes: Int { primitive.scratchpadBytes }

    // dst = a + b
    public func forward(_ a: Memory, _ b: Memory, into dst: Memory, scratchpad: Scratchpad?) throws {
        try primitive.execute([(DNNL_ARG_MULTIPLE_SRC, a), (DNNL_ARG_MULTIPLE_SRC + 1, b), (DNNL_ARG_DST, dst)],
                              scratchpad: scratchpad)
    }
}
