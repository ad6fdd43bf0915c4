/// Pixel shuffle ×2 (TensorFlow's `depth_to_space`, ONNX "DCR" order) on channel-blocked tensors.
import CDNNL

/// `out[c, 2h+i, 2w+j] = in[(2i+j)·C + c, h, w]` for `C` output channels.
///
/// No custom kernel: both tensors are `nChw16c`, and a reorder between two 6-D strided views of
/// their buffers — indexed by `(i, j, channel block, h, w, lane)` — moves every value to its
/// place. This needs `C` to be a multiple of 16, so that a channel's block and lane do not depend
/// on `(i, j)`.
public final class PixelShuffle: @unchecked Sendable {
    public let source: TensorDesc
    public let destination: TensorDesc
    let from: TensorDesc
    let to: TensorDesc
    let reorder: Reorder

    public init(engine: Engine, channels: Int, height: Int, width: Int) throws {
        precondition(channels % 16 == 0, "pixel shuffle needs a multiple of 16 output channels")
        let (h, w, blocks) = (height, width, channels / 16)
        source = TensorDesc([1, 4 * channels, h, w], .nChw16c)
        destination = TensorDesc([1, channels, 2 * h, 2 * w], .nChw16c)
        let dims = [2, 2, blocks, h, w, 16]
        let plane = h * w * 16
        from = TensorDesc(dims, strides: [2 * blocks * plane, blocks * plane, plane, w * 16, 16, 1])
        to = TensorDesc(dims, strides: [2 * w * 16, 16, 4 * plane, 4 * w * 16, 32, 1])
        reorder = try Reorder(from: from, to: to, engine: engine)
    }

    public var implementation: String { reorder.implementation }

    public func forward(_ input: Memory, into output: Memory, engine: Engine) throws {
        let src = try Memory(view: from, of: input, engine: engine)
        let dst = try Memory(view: to, of: output, engine: engine)
        try reorder.execute(src, dst)
    }
}
