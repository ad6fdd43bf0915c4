/// Tensor shapes and physical layouts, as oneDNN memory descriptors.
import CDNNL

/// A tensor's logical dims plus its physical layout. Dims are in oneDNN's logical order whatever
/// the layout: activations `[N, C, H, W]`, convolution weights `[O, I, KH, KW]`.
public struct TensorDesc: @unchecked Sendable {
    var raw: dnnl_memory_desc_t

    /// Channels per block of the `blocked` activation layout: 16 on AVX-512 cores (`nChw16c`), 8
    /// on AVX2-only ones (`nChw8c`). oneDNN 2.6 has jit kernels for each ISA's own block size
    /// only; anything else silently runs reference code (seen on an AMD Zen 3: every convolution
    /// `ref:any`, four minutes for a 24×20 photo).
    public static let channelBlock: Int = dnnl_get_effective_cpu_isa().rawValue >= dnnl_cpu_isa_avx512_core.rawValue ? 16 : 8

    /// Layouts used by this project. `any` lets a primitive choose (normally a blocked layout).
    /// `blocked` is the activation layout kept from the first layer to the last: channels in
    /// blocks of `channelBlock`, the block innermost.
    public enum Layout: Sendable {
        case any, nchw, nhwc, blocked, oihw, hwio, x, nc, io
        var tag: dnnl_format_tag_t {
            switch self {
            case .any: return dnnl_format_tag_any
            case .nchw: return dnnl_nchw
            case .nhwc: return dnnl_nhwc
            case .blocked: return TensorDesc.channelBlock == 16 ? dnnl_nChw16c : dnnl_nChw8c
            case .oihw: return dnnl_oihw
            case .hwio: return dnnl_hwio
            case .x: return dnnl_x
            case .nc: return dnnl_nc
            case .io: return dnnl_io
            }
        }
    }

    public init(_ dims: [Int], _ layout: Layout) {
        raw = dnnl_memory_desc_t()
        let d = dims.map(Int64.init)
        let status = dnnl_memory_desc_init_by_tag(&raw, Int32(dims.count), d, dnnl_f32, layout.tag)
        precondition(status == dnnl_success, "bad tensor shape \(dims) for layout \(layout)")
    }

    /// A strided view: element `i` lives at `sum(i[k] * strides[k])` floats from the start. Views
    /// of one buffer under two descriptors let a reorder move data between arbitrary index maps
    /// (this is how pixel shuffle and space-to-depth run without a custom kernel).
    public init(_ dims: [Int], strides: [Int]) {
        precondition(dims.count == strides.count)
        raw = dnnl_memory_desc_t()
        let status = dnnl_memory_desc_init_by_strides(
            &raw, Int32(dims.count), dims.map(Int64.init), dnnl_f32, strides.map(Int64.init))
        precondition(status == dnnl_success, "bad strided view \(dims) / \(strides)")
    }

    init(raw: dnnl_memory_desc_t) { self.raw = raw }

    public var dims: [Int] {
        withUnsafeBytes(of: raw.dims) { buffer in
            Array(buffer.bindMemory(to: Int64.self).prefix(Int(raw.ndims)).map(Int.init))
        }
    }

    /// Bytes the tensor occupies in this layout, including any padding of blocked channels.
    public var byteCount: Int {
        var copy = raw
        return dnnl_memory_desc_get_size(&copy)
    }

    public var elementCount: Int { dims.reduce(1, *) }

    /// Bytes from the first to one past the last element actually addressed. For a strided view
    /// this can be far less than `byteCount`, which oneDNN sizes as if the view were dense along
    /// its largest stride.
    var addressedBytes: Int {
        guard raw.format_kind == dnnl_blocked, raw.format_desc.blocking.inner_nblks == 0 else { return byteCount }
        let strides = withUnsafeBytes(of: raw.format_desc.blocking.strides) {
            Array($0.bindMemory(to: Int64.self).prefix(Int(raw.ndims)))
        }
        let last = zip(dims, strides).reduce(0) { $0 + ($1.0 - 1) * Int($1.1) }
        return (last + 1) * MemoryLayout<Float>.size
    }

    /// True for the `blocked` layout (channels in blocks of `channelBlock`), which the
    /// pixel-shuffle views assume.
    public var isChannelBlocked: Bool {
        guard raw.format_kind == dnnl_blocked, raw.ndims == 4 else { return false }
        let blocking = raw.format_desc.blocking
        let block = withUnsafeBytes(of: blocking.inner_blks) { $0.bindMemory(to: Int64.self)[0] }
        let index = withUnsafeBytes(of: blocking.inner_idxs) { $0.bindMemory(to: Int64.self)[0] }
        return blocking.inner_nblks == 1 && block == TensorDesc.channelBlock && index == 1
    }

    public static func == (lhs: TensorDesc, rhs: TensorDesc) -> Bool {
        var l = lhs.raw, r = rhs.raw
        return dnnl_memory_desc_equal(&l, &r) != 0
    }
}
