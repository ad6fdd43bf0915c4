/// 2-D convolution (stride s, zero padding p, with bias) on oneDNN.
import CDNNL

/// A convolution primitive for one input shape.
///
/// Activations keep whatever layout the caller fixes (normally `blocked` (nChw16c or nChw8c), so no reorders happen
/// between layers); the weights' layout is left to oneDNN and `makeWeights` reorders the
/// HWIO kernels of a weight file into it once, at load time.
public final class Convolution: @unchecked Sendable {
    public enum Algorithm: String, Sendable {
        case direct
        case winograd
        /// Winograd where oneDNN implements it for these shapes, direct otherwise.
        case auto
    }

    public let source: TensorDesc
    public let destination: TensorDesc
    public let weightsLayout: TensorDesc
    public let kernel: Int
    public let inChannels: Int
    public let outChannels: Int
    /// The algorithm actually used (never `.auto`).
    public let algorithm: Algorithm
    let primitive: Primitive

    /// Whether oneDNN has a Winograd convolution on this CPU. oneDNN 2.6 implements it for
    /// AVX-512 cores only: on an AVX2 machine (AMD Zen 3, say) asking for it explicitly fails
    /// with "unimplemented", and `.auto` quietly takes the direct algorithm.
    public static func winogradIsAvailable(engine: Engine) -> Bool {
        let probe = TensorDesc([1, 64, 8, 8], .blocked)
        return (try? Convolution(engine: engine, source: probe, destination: probe, kernel: 3, padding: 1,
                                 algorithm: .winograd)) != nil
    }

    /// `rowPadding`, when given, pads the rows by that instead of `padding` (which then pads the
    /// columns only): a band of rows streamed through the network brings its own rows above and
    /// below, and only the image's left and right edges are zero padding.
    public init(engine: Engine, source: TensorDesc, destination: TensorDesc, kernel: Int,
                padding: Int, rowPadding: Int? = nil, stride: Int = 1, algorithm: Algorithm = .auto,
                postOps: [PostOp] = []) throws {
        let n = source.dims[0], ic = source.dims[1], oc = destination.dims[1]
        precondition(destination.dims[0] == n, "batch mismatch")
        let weightsAny = TensorDesc([oc, ic, kernel, kernel], .any)
        let biasDesc = TensorDesc([oc], .x)
        let what = "a \(kernel)×\(kernel) convolution \(ic)→\(oc) on \(source.dims[2])×\(source.dims[3])"

        func make(_ alg: dnnl_alg_kind_t) throws -> Primitive {
            var desc = dnnl_convolution_desc_t()
            var s = source.raw, w = weightsAny.raw, b = biasDesc.raw, d = destination.raw
            let strides = [Int64(stride), Int64(stride)]
            let pad = [Int64(rowPadding ?? padding), Int64(padding)]
            try check(dnnl_convolution_forward_desc_init(&desc, dnnl_forward_inference, alg,
                                                         &s, &w, &b, &d, strides, pad, pad),
                      "describing \(what)")
            return try withUnsafePointer(to: &desc) {
                try Primitive(opDesc: UnsafeRawPointer($0), postOps: postOps, engine: engine, what: what)
            }
        }

        var chosen = algorithm
        switch algorithm {
        case .direct: primitive = try make(dnnl_convolution_direct)
        case .winograd: primitive = try make(dnnl_convolution_winograd)
        case .auto:
            if kernel == 3, stride == 1, let p = try? make(dnnl_convolution_winograd) {
                primitive = p
                chosen = .winograd
            } else {
                primitive = try make(dnnl_convolution_direct)
                chosen = .direct
            }
        }
        self.algorithm = chosen
        self.source = primitive.desc(dnnl_query_src_md)
        self.destination = primitive.desc(dnnl_query_dst_md)
        self.weightsLayout = primitive.desc(dnnl_query_weights_md)
        self.kernel = kernel
        self.inChannels = ic
        self.outChannels = oc
    }

    public var implementation: String { primitive.implementation }
    public var scratchpadBytes: Int { primitive.scratchpadBytes }

    /// Reorders a kernel stored HWIO (`[kh, kw, in, out]`, as Keras stores it) and its bias into
    /// the layout this primitive chose.
    public func makeWeights(hwio: [Float], bias: [Float], engine: Engine) throws -> ConvolutionWeights {
        precondition(hwio.count == kernel * kernel * inChannels * outChannels, "kernel size mismatch")
        precondition(bias.count == outChannels, "bias size mismatch")
        let user = try Memory(TensorDesc([outChannels, inChannels, kernel, kernel], .hwio), engine: engine)
        hwio.withUnsafeBufferPointer { user.floats.baseAddress!.update(from: $0.baseAddress!, count: $0.count) }
        let kernelMemory = try Memory(weightsLayout, engine: engine)
        try Reorder(from: user.desc, to: weightsLayout, engine: engine).execute(user, kernelMemory)
        let biasMemory = try Memory(TensorDesc([outChannels], .x), engine: engine)
        bias.withUnsafeBufferPointer { biasMemory.floats.baseAddress!.update(from: $0.baseAddress!, count: $0.count) }
        return ConvolutionWeights(kernel: kernelMemory, bias: biasMemory)
    }

    public func forward(_ src: Memory, _ weights: ConvolutionWeights, into dst: Memory,
                        scratchpad: Scratchpad?) throws {
        try primitive.execute([(DNNL_ARG_SRC, src), (DNNL_ARG_WEIGHTS, weights.kernel),
                               (DNNL_ARG_BIAS, weights.bias), (DNNL_ARG_DST, dst)],
                              scratchpad: scratchpad)
    }
}

/// A convolution's kernel and bias, already in the primitive's chosen layout.
public final class ConvolutionWeights: @unchecked Sendable {
    public let kernel: Memory
    public let bias: Memory
    init(kernel: Memory, bias: Memory) {
        self.kernel = kernel
        self.bias = bias
    }
}
