/// A dense (fully connected) layer: forward for training, backward-data, backward-weights.
import CDNNL

/// `dst[N, O] = W · flatten(src) + b`.
///
/// The source may be 4-D (`[N, C, H, W]`, any layout): oneDNN then flattens it itself, and the
/// weights are logically `[O, C, H, W]`. A Keras Dense after Flatten stores its kernel as
/// `[H·W·C, O]` in HWC order — exactly the plain `hwio` layout of those 4-D weights, so files load
/// without any index shuffling.
public final class InnerProduct: @unchecked Sendable {
    public let source: TensorDesc
    public let destination: TensorDesc
    public let weightsLayout: TensorDesc
    public let outputs: Int
    let forwardPrimitive: Primitive
    let backwardDataPrimitive: Primitive
    let backwardWeightsPrimitive: Primitive
    private let engine: Engine
    private let plainWeights: TensorDesc.Layout
    /// Where accumulating backward passes put their share first (the first dense layer of the
    /// discriminator has 19 M weights: not something to allocate per step).
    private var gradientScratch: (weights: Memory, bias: Memory)?

    public init(engine: Engine, source: TensorDesc, outputs: Int) throws {
        let inDims = source.dims
        let n = inDims[0]
        let weightsDims = [outputs] + inDims.dropFirst()
        let what = "a dense layer \(inDims.dropFirst().reduce(1, *))→\(outputs)"
        let wAny = TensorDesc(weightsDims, .any), bias = TensorDesc([outputs], .x)
        let dst = TensorDesc([n, outputs], .nc)
        var desc = dnnl_inner_product_desc_t()
        var s = source.raw, w = wAny.raw, b = bias.raw, d = dst.raw
        try check(dnnl_inner_product_forward_desc_init(&desc, dnnl_forward_training, &s, &w, &b, &d), "describing \(what)")
        let fwd = try withUnsafePointer(to: &desc) {
            try Primitive(opDesc: UnsafeRawPointer($0), engine: engine, what: what)
        }
        let chosenSrc = fwd.desc(dnnl_query_src_md), chosenW = fwd.desc(dnnl_query_weights_md)
        var dataDesc = dnnl_inner_product_desc_t()
        var ds = chosenSrc.raw, dw = chosenW.raw, dd = dst.raw
        try check(dnnl_inner_product_backward_data_desc_init(&dataDesc, &ds, &dw, &dd), "describing backward-data of \(what)")
        backwardDataPrimitive = try withUnsafePointer(to: &dataDesc) {
            try Primitive(opDesc: UnsafeRawPointer($0), hint: fwd, engine: engine, what: "backward-data of \(what)")
        }
        var weightsDesc = dnnl_inner_product_desc_t()
        var ws = chosenSrc.raw, ww = chosenW.raw, wb = bias.raw, wd = dst.raw
        try check(dnnl_inner_product_backward_weights_desc_init(&weightsDesc, &ws, &ww, &wb, &wd),
                  "describing backward-weights of \(what)")
        backwardWeightsPrimitive = try withUnsafePointer(to: &weightsDesc) {
            try Primitive(opDesc: UnsafeRawPointer($0), hint: fwd, engine: engine, what: "backward-weights of \(what)")
        }
        guard backwardDataPrimitive.desc(dnnl_query_diff_src_md) == chosenSrc,
              backwardWeightsPrimitive.desc(dnnl_query_diff_weights_md) == chosenW else {
            throw DNNLError(operation: "planning backward passes of \(what)", status: "layouts disagree with the forward pass")
        }
        forwardPrimitive = fwd
        self.source = chosenSrc
        destination = fwd.desc(dnnl_query_dst_md)
        weightsLayout = chosenW
        self.outputs = outputs
        self.engine = engine
        plainWeights = inDims.count == 4 ? .hwio : .io
    }

    public var implementations: [String] {
        [forwardPrimitive.implementation, backwardDataPrimitive.implementation, backwardWeightsPrimitive.implementation]
    }
    public var scratchpadBytes: Int {
        max(forwardPrimitive.scratchpadBytes, backwardDataPrimitive.scratchpadBytes, backwardWeightsPrimitive.scratchpadBytes)
    }

    /// `name.weight` (Keras `[inputs, outputs]`; for a 4-D source, inputs in HWC order) and `name.bias`.
    public func makeParameters(name: String) throws -> (weight: Parameter, bias: Parameter) {
        (try Parameter(name: name + ".weight", desc: weightsLayout, plainLayout: plainWeights, engine: engine),
         try Parameter(name: name + ".bias", desc: TensorDesc([outputs], .x), plainLayout: .x, engine: engine))
    }

    // dst[N, O] = W · src + b
    public func forward(_ src: Memory, weight: Parameter, bias: Parameter, into dst: Memory, scratchpad: Scratchpad?) throws {
        try forwardPrimitive.execute([(DNNL_ARG_SRC, src), (DNNL_ARG_WEIGHTS, weight.value), (DNNL_ARG_BIAS, bias.value),
                                      (DNNL_ARG_DST, dst)], scratchpad: scratchpad)
    }

    // diffSrc = Wᵀ · diffDst
    public func backwardData(_ diffDst: Memory, weight: Parameter, into diffSrc: Memory, scratchpad: Scratchpad?) throws {
        try backwardDataPrimitive.execute([(DNNL_ARG_DIFF_DST, diffDst), (DNNL_ARG_WEIGHTS, weight.value),
                                           (DNNL_ARG_DIFF_SRC, diffSrc)], scratchpad: scratchpad)
    }

    // W.gradient (+)= diffDstᵀ · src; b.gradient (+)= Σ_batch diffDst
    public func backwardWeights(_ src: Memory, _ diffDst: Memory, weight: Parameter, bias: Parameter,
                                accumulate: Bool = false, scratchpad: Scratchpad?) throws {
        if accumulate, gradientScratch == nil {
            gradientScratch = (try Memory(weightsLayout, engine: engine), try Memory(TensorDesc([outputs], .x), engine: engine))
        }
        let (gw, gb) = accumulate ? gradientScratch! : (weight.gradient, bias.gradient)
        try backwardWeightsPrimitive.execute([(DNNL_ARG_SRC, src), (DNNL_ARG_DIFF_DST, diffDst),
                                              (DNNL_ARG_DIFF_WEIGHTS, gw), (DNNL_ARG_DIFF_BIAS, gb)],
                                             scratchpad: scratchpad)
        if accumulate {
            try engine.wait()
            weight.gradient.add(gw)
            bias.gradient.add(gb)
        }
    }
}
