/// Moves a dense activation into the interior of a copy that carries zero margins: the
/// generator's 9×9 head and tail run unpadded on margined sources (see `TrainableConvolution`'s
/// `sourceMargin`), as inference's do.
import Neural

enum MarginedCopy {
    /// The floats of one (image, channel block) plane row run `width × lanes` long in both
    /// layouts this handles: plain NCHW (`lanes` 1, one plane per channel) and channel-blocked
    /// (`lanes` = `TensorDesc.channelBlock`, one plane per block of channels).
    private static func lanes(_ memory: Memory) -> Int { memory.desc.isChannelBlocked ? TensorDesc.channelBlock : 1 }

    /// Writes `dense` `[N, C, h, w]` into `margined` `[N, C, h + 2m, w + 2m]` (same layout) at
    /// offset (m, m). The margins are never written here: zero them once, when allocating.
    static func fill(_ margined: Memory, from dense: Memory, margin m: Int) {
        let (d, e) = (dense.desc.dims, margined.desc.dims)
        precondition(d.count == 4 && d[0] == e[0] && d[1] == e[1] && e[2] == d[2] + 2 * m && e[3] == d[3] + 2 * m
                     && lanes(dense) == lanes(margined), "margined copy of \(d) into \(e)")
        let L = lanes(dense), planes = d[0] * (d[1] / L), (h, w) = (d[2], d[3]), wide = e[3]
        let source = dense.floats.baseAddress!, target = margined.floats.baseAddress!
        for plane in 0..<planes {
            for row in 0..<h {
                (target + ((plane * e[2] + row + m) * wide + m) * L).update(from: source + (plane * h + row) * w * L,
                                                                          count: w * L)
            }
        }
    }
}
