/// Pixel shuffle ×2 (TensorFlow's depth_to_space, ONNX "DCR" order) on channel-blocked tensors,
/// forward and backward.
import CDNNL

/// `out[n, c, 2h+i, 2w+j] = in[n, (2i+j)·C + c, h, w]` for `C` output channels.
///
/// No custom kernel: both tensors are `blocked` (L = `TensorDesc.channelBlock` lanes), and a
/// reorder between two strided views of their buffers — indexed by `(n, i, j, channel block, h,
/// w, lane)` — moves every value to its place. This needs `C` to be a multiple of L, so that a
/// channel's block and lane do not depend on `(i, j)`. The backward is the same permutation run the other way: the gradient of a
/// permutation is its inverse.
public final class PixelShuffle: @unchecked Sendable {
    public let source: TensorDesc
    public let destination: TensorDesc
    let packed: TensorDesc
    let spread: TensorDesc
    let forwardReorder: Reorder
    let backwardReorder: Reorder
    private let engine: Engine

    public init(engine: Engine, batch: Int = 1, channels: Int, height: Int, width: Int) throws {
        let lanes = TensorDesc.channelBlock
        precondition(channels % lanes == 0, "pixel shuffle needs a multiple of \(lanes) output channels")
        let (h, w, blocks) = (height, width, channels / lanes)
        source = TensorDesc([batch, 4 * channels, h, w], .blocked)
        destination = TensorDesc([batch, channels, 2 * h, 2 * w], .blocked)
        let plane = h * w * lanes
        let image = 4 * blocks * plane
        // Indexed (n, i, j, channel block, h, w, lane) in both buffers.
        let dims = [batch, 2, 2, blocks, h, w, lanes]
        packed = TensorDesc(dims, strides: [image, 2 * blocks * plane, blocks * plane, plane, w * lanes, lanes, 1])
        spread = TensorDesc(dims, strides: [image, 2 * w * lanes, lanes, 4 * plane, 4 * w * lanes, 2 * lanes, 1])
        forwardReorder = try Reorder(from: packed, to: spread, engine: engine)
        backwardReorder = try Reorder(from: spread, to: packed, engine: engine)
        self.engine = engine
    }

    /// The forward reorder's implementation (what inference runs).
    public var implementation: String { forwardReorder.implementation }
    public var implementations: [String] { [forwardReorder.implementation, backwardReorder.implementation] }

    // dst[N, C, 2H, 2W] = depth_to_space(src[N, 4C, H, W])
    public func forward(_ src: Memory, into dst: Memory) throws {
        try forwardReorder.execute(try Memory(view: packed, of: src, engine: engine),
                                   try Memory(view: spread, of: dst, engine: engine))
    }

    // diffSrc[N, 4C, H, W] = space_to_depth(diffDst[N, C, 2H, 2W])
    public func backward(_ diffDst: Memory, into diffSrc: Memory) throws {
        try backwardReorder.execute(try Memory(view: spread, of: diffDst, engine: engine),
                                    try Memory(view: packed, of: diffSrc, engine: engine))
    }
}
