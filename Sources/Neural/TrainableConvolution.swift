/// A convolution that learns: forward for training, backward to its input (backward-data) and
/// to its kernel and bias (backward-weights), on oneDNN, side by side.
import CDNNL

/// One convolution layer for one batch and input size, with TensorFlow's "same" padding.
///
/// "Same" padding with stride 2 on an even size pads only the right/bottom edge (TensorFlow puts
/// the odd pixel of padding there), which the discriminator's strided layers depend on; oneDNN's
/// separate left and right padding express it exactly.
///
/// Layouts: pass concrete activation layouts (`blocked` between layers, `nchw` for 3-channel
/// images) or `.any` to let oneDNN choose; the backward primitives are created with the forward
/// one as hint and must agree with it on every activation layout (checked at creation). The
/// weights' layout is oneDNN's choice; gradients are produced in the same layout, reordering if
/// backward-weights insists on another.
public final class TrainableConvolution: @unchecked Sendable {
    public let source: TensorDesc
    public let destination: TensorDesc
    public let weightsLayout: TensorDesc
    /// The input gradient's layout: `source`'s, except for 3-channel plain sources (see init).
    public let diffSource: TensorDesc
    public let kernel: Int
    public let stride: Int
    public let inChannels: Int
    public let outChannels: Int
    public let algorithm: Convolution.Algorithm

    let forwardPrimitive: Primitive
    let backwardDataPrimitive: Primitive
    let backwardWeightsPrimitive: Primitive
    /// Set when backward-weights writes the kernel gradient in a layout of its own.
    let gradientLayout: TensorDesc
    /// The kernel in backward-data's preferred layout, when that differs from the forward one.
    let backwardDataWeights: (reorder: Reorder, kernel: Memory)?
    private let engine: Engine
    private var gradientScratch: (weights: Memory, bias: Memory)?

    /// TensorFlow "same" padding: output `ceil(n / s)`, the odd pixel of padding at the end.
    public static func samePadding(size: Int, kernel: Int, stride: Int) -> (output: Int, left: Int, right: Int) {
        let output = (size + stride - 1) / stride
        let total = max((output - 1) * stride + kernel - size, 0)
        return (output, total / 2, total - total / 2)
    }

    /// `sourceMargin` m > 0 (stride 1, kernel 2m + 1): the source is `[N, ic, h + 2m, w + 2m]`
    /// with zero margins of m the caller keeps, forward and backward-weights run unpadded on it,
    /// and backward-data writes the gradient of the dense `[N, ic, h, w]` interior (`diffSource`)
    /// through the equivalent padded form. On AVX2, oneDNN 2.6's jit forward refuses a left
    /// padding wider than its 3-column register block, and its jit backward-data refuses the
    /// unpadded form's, so a 9×9 layer runs jit only this way there (inference's do the same).
    public init(engine: Engine, batch: Int, inChannels ic: Int, outChannels oc: Int, height: Int, width: Int,
                kernel: Int, stride: Int = 1, sourceMargin margin: Int = 0, sourceLayout: TensorDesc.Layout = .blocked,
                destinationLayout: TensorDesc.Layout = .blocked, algorithm: Convolution.Algorithm = .direct) throws {
        precondition(margin == 0 || (stride == 1 && kernel == 2 * margin + 1), "a source margin needs stride 1, kernel 2m + 1")
        let (oh, padTop, padBottom) = Self.samePadding(size: height, kernel: kernel, stride: stride)
        let (ow, padLeft, padRight) = Self.samePadding(size: width, kernel: kernel, stride: stride)
        let dense = TensorDesc([batch, ic, height, width], sourceLayout)
        let src = margin == 0 ? dense : TensorDesc([batch, ic, height + 2 * margin, width + 2 * margin], sourceLayout)
        let dst = TensorDesc([batch, oc, oh, ow], destinationLayout)
        let weightsAny = TensorDesc([oc, ic, kernel, kernel], .any)
        let biasDesc = TensorDesc([oc], .x)
        let strides = [Int64(stride), Int64(stride)]
        // The padding of the dense form (backward-data's), and of what forward reads.
        let padL = [Int64(padTop), Int64(padLeft)], padR = [Int64(padBottom), Int64(padRight)]
        let readL = margin == 0 ? padL : [0, 0], readR = margin == 0 ? padR : [0, 0]
        let what = "a \(kernel)×\(kernel)/\(stride) convolution \(ic)→\(oc) on \(batch)×\(height)×\(width)"

        func forward(_ alg: dnnl_alg_kind_t) throws -> Primitive {
            var desc = dnnl_convolution_desc_t()
            var s = src.raw, w = weightsAny.raw, b = biasDesc.raw, d = dst.raw
            try check(dnnl_convolution_forward_desc_init(&desc, dnnl_forward_training, alg, &s, &w, &b, &d,
                                                         strides, readL, readR), "describing \(what)")
            return try withUnsafePointer(to: &desc) {
                try Primitive(opDesc: UnsafeRawPointer($0), engine: engine, what: what)
            }
        }
        var chosen = algorithm, alg = dnnl_convolution_direct
        let fwd: Primitive
        switch algorithm {
        case .direct: fwd = try forward(dnnl_convolution_direct)
        case .winograd:
            fwd = try forward(dnnl_convolution_winograd)
            alg = dnnl_convolution_winograd
        case .auto:
            if kernel == 3, stride == 1, let p = try? forward(dnnl_convolution_winograd) {
                fwd = p
                chosen = .winograd
                alg = dnnl_convolution_winograd
            } else {
                fwd = try forward(dnnl_convolution_direct)
                chosen = .direct
            }
        }
        let chosenSrc = fwd.desc(dnnl_query_src_md)
        let chosenDst = fwd.desc(dnnl_query_dst_md)
        let chosenWeights = fwd.desc(dnnl_query_weights_md)

        // Backward-data reads the kernel transposed, so its fast kernels want their own weights
        // layout: let oneDNN choose and reorder the (small) kernel before each backward-data.
        // For 3-channel plain sources (the first layer of the discriminator and of VGG) oneDNN
        // 2.6 only has reference code into a plain gradient, but a jit kernel into a
        // channel-blocked one: then the input gradient comes out in `blocked` (`diffSource`).
        // With a margin, its hint is the dense form's forward (created, never run).
        let denseForward: Primitive
        if margin == 0 {
            denseForward = fwd
        } else {
            var desc = dnnl_convolution_desc_t()
            var s = dense.raw, w = weightsAny.raw, b = biasDesc.raw, d = chosenDst.raw
            try check(dnnl_convolution_forward_desc_init(&desc, dnnl_forward_training, alg, &s, &w, &b, &d,
                                                         strides, padL, padR), "describing the dense form of \(what)")
            denseForward = try withUnsafePointer(to: &desc) {
                try Primitive(opDesc: UnsafeRawPointer($0), engine: engine, what: "the dense form of \(what)")
            }
        }
        func backwardData(_ diffSource: TensorDesc) throws -> Primitive {
            var desc = dnnl_convolution_desc_t()
            var s = diffSource.raw, w = weightsAny.raw, d = chosenDst.raw
            try check(dnnl_convolution_backward_data_desc_init(&desc, alg, &s, &w, &d, strides, padL, padR),
                      "describing backward-data of \(what)")
            return try withUnsafePointer(to: &desc) {
                try Primitive(opDesc: UnsafeRawPointer($0), hint: denseForward, engine: engine,
                              what: "backward-data of \(what)")
            }
        }
        var bwdData = try backwardData(margin == 0 ? chosenSrc : dense)
        if bwdData.implementation.hasPrefix("ref"), !chosenSrc.isChannelBlocked,
           let blocked = try? backwardData(TensorDesc([batch, ic, height, width], .blocked)),
           !blocked.implementation.hasPrefix("ref") {
            bwdData = blocked
        }
        let dataWeights = bwdData.desc(dnnl_query_weights_md)
        if dataWeights == chosenWeights {
            backwardDataWeights = nil
        } else {
            backwardDataWeights = (try Reorder(from: chosenWeights, to: dataWeights, engine: engine),
                                   try Memory(dataWeights, engine: engine))
        }

        func backwardWeights(_ weights: TensorDesc) throws -> Primitive {
            var desc = dnnl_convolution_desc_t()
            var s = chosenSrc.raw, w = weights.raw, b = biasDesc.raw, d = chosenDst.raw
            try check(dnnl_convolution_backward_weights_desc_init(&desc, alg, &s, &w, &b, &d, strides, readL, readR),
                      "describing backward-weights of \(what)")
            return try withUnsafePointer(to: &desc) {
                try Primitive(opDesc: UnsafeRawPointer($0), hint: fwd, engine: engine,
                              what: "backward-weights of \(what)")
            }
        }
        // Same kernel layout as the forward pass when oneDNN implements it well, so Adam can work
        // on the raw buffers; otherwise whatever it likes, reordered after each backward pass.
        let bwdWeights: Primitive
        if let p = try? backwardWeights(chosenWeights), !p.implementation.hasPrefix("ref") {
            bwdWeights = p
        } else {
            bwdWeights = try backwardWeights(TensorDesc([oc, ic, kernel, kernel], .any))
        }
        guard bwdData.desc(dnnl_query_diff_dst_md) == chosenDst,
              bwdWeights.desc(dnnl_query_diff_dst_md) == chosenDst, bwdWeights.desc(dnnl_query_src_md) == chosenSrc
        else {
            throw DNNLError(operation: "planning backward passes of \(what)",
                            status: "backward primitives chose other activation layouts than the forward one")
        }
        forwardPrimitive = fwd
        backwardDataPrimitive = bwdData
        backwardWeightsPrimitive = bwdWeights
        self.algorithm = chosen
        source = chosenSrc
        destination = chosenDst
        weightsLayout = chosenWeights
        gradientLayout = bwdWeights.desc(dnnl_query_diff_weights_md)
        diffSource = bwdData.desc(dnnl_query_diff_src_md)
        self.kernel = kernel
        self.stride = stride
        self.inChannels = ic
        self.outChannels = oc
        self.engine = engine
    }

    /// Implementations of forward, backward-data and backward-weights (a `ref:` is a slow fall-back).
    public var implementations: [String] {
        [forwardPrimitive.implementation, backwardDataPrimitive.implementation,
         backwardWeightsPrimitive.implementation]
    }

    public var scratchpadBytes: Int {
        max(forwardPrimitive.scratchpadBytes, backwardDataPrimitive.scratchpadBytes,
            backwardWeightsPrimitive.scratchpadBytes)
    }

    /// Kernel (`name.weight`, HWIO in files) and bias (`name.bias`) parameters in this layer's layouts.
    public func makeParameters(name: String) throws -> (weight: Parameter, bias: Parameter) {
        (try Parameter(name: name + ".weight", desc: weightsLayout, plainLayout: .hwio, engine: engine),
         try Parameter(name: name + ".bias", desc: TensorDesc([outChannels], .x), plainLayout: .x, engine: engine))
    }

    // dst[N, oc, oh, ow] = conv(src[N, ic, h, w], weight) + bias
    public func forward(_ src: Memory, weight: Parameter, bias: Parameter, into dst: Memory,
                        scratchpad: Scratchpad?) throws {
        try forwardPrimitive.execute([(DNNL_ARG_SRC, src), (DNNL_ARG_WEIGHTS, weight.value),
                                      (DNNL_ARG_BIAS, bias.value), (DNNL_ARG_DST, dst)], scratchpad: scratchpad)
    }

    // diffSrc[N, ic, h, w] = convᵀ(diffDst[N, oc, oh, ow], weight)   (overwrites diffSrc)
    public func backwardData(_ diffDst: Memory, weight: Parameter, into diffSrc: Memory,
                             scratchpad: Scratchpad?) throws {
        var kernel = weight.value
        if let (reorder, transposed) = backwardDataWeights {
            try reorder.execute(weight.value, transposed)
            kernel = transposed
        }
        try backwardDataPrimitive.execute([(DNNL_ARG_DIFF_DST, diffDst), (DNNL_ARG_WEIGHTS, kernel),
                                           (DNNL_ARG_DIFF_SRC, diffSrc)], scratchpad: scratchpad)
    }

    // weight.gradient (+)= Σ_batch src ⋆ diffDst;  bias.gradient (+)= Σ diffDst
    /// Overwrites the gradients, or adds to them with `accumulate` (a layer used twice per step).
    public func backwardWeights(_ src: Memory, _ diffDst: Memory, weight: Parameter, bias: Parameter,
                                accumulate: Bool = false, scratchpad: Scratchpad?) throws {
        let direct = !accumulate && gradientLayout == weightsLayout
        let (gw, gb): (Memory, Memory)
        if direct {
            (gw, gb) = (weight.gradient, bias.gradient)
        } else {
            if gradientScratch == nil {
                gradientScratch = (try Memory(gradientLayout, engine: engine),
                                   try Memory(TensorDesc([outChannels], .x), engine: engine))
            }
            (gw, gb) = gradientScratch!
        }
        try backwardWeightsPrimitive.execute([(DNNL_ARG_SRC, src), (DNNL_ARG_DIFF_DST, diffDst),
                                              (DNNL_ARG_DIFF_WEIGHTS, gw), (DNNL_ARG_DIFF_BIAS, gb)],
                                             scratchpad: scratchpad)
        guard !direct else { return }
        try engine.wait()
        var kernelGradient = gw
        if !(gradientLayout == weightsLayout) {
            let reordered = try Memory(weightsLayout, engine: engine)
            try Reorder(from: gradientLayout, to: weightsLayout, engine: engine).execute(gw, reordered)
            try engine.wait()
            kernelGradient = reordered
        }
        if accumulate {
            weight.gradient.add(kernelGradient)
            bias.gradient.add(gb)
        } else {
            _ = weight.gradient.floats.update(fromContentsOf: kernelGradient.floats)
            _ = bias.gradient.floats.update(fromContentsOf: gb.floats)
        }
    }
}
