/// The last layer split for Winograd: a 9×9 convolution is nine 3×3 convolutions, one per 3×3
/// block of its kernel, whose outputs are added back shifted by whole blocks.
///
/// Why: with 3 output channels, oneDNN's blocked kernels pad the output to 16 channels, so the
/// 9×9 64→3 convolution at 4× scale — 11 % of the network's FLOPs — runs direct at 5.3× its share
/// (780 ms at 1024², measured here). Writing the kernel offset u ∈ −4…4 as u = 3p + s with p, s ∈
/// −1…1 gives
///
///     out(y, x) = bias + Σ_{p,q} Z_pq(y + 3p, x + 3q),   Z_pq = 3×3 convolution with K(3p+s, 3q+t),
///
/// and the nine Z_pq for three colours are one 3×3 64→27 convolution, padded to 32 output
/// channels, which runs Winograd. Measured at 1024² on 2 threads: 83 ms, against 142 ms for the
/// earlier rewrite as a 3×3 1024→48 convolution at low resolution (that one does 1.8× the layer's
/// work, because a 4×4 output patch there reads a 12×12 input window, and Winograd cannot skip
/// the structural zeros).
///
/// Borders: the original layer reads zeros outside the image, so Z must be computed where its
/// window still overlaps the image — one pixel beyond each edge — and is exactly zero further
/// out (its input there is all padding and the split kernels carry no bias).
public enum TailSplitting {
    /// Output channels of the split convolution: 27 used, padded to two 16-channel blocks.
    public static let channels = 32

    /// Channel of Z holding colour `colour`'s partial sum for the kernel block at (3p, 3q),
    /// `p, q` ∈ −1…1.
    public static func channel(p: Int, q: Int, colour: Int) -> Int { ((p + 1) * 3 + (q + 1)) * 3 + colour }

    /// The split 3×3 kernel (HWIO, `[3, 3, in, 32]`) with a zero bias; the tail's own bias is
    /// added once, when the shifted outputs are summed.
    public static func split(_ tail: ConvParameters) -> ConvParameters {
        precondition(tail.kernel == 9, "the tail to split is a 9×9 convolution")
        let ic = tail.inChannels, oc = tail.outChannels
        precondition(9 * oc <= channels, "too many output channels to split into \(channels)")
        var weights = [Float](repeating: 0, count: 9 * ic * channels)
        for p in -1...1 { for q in -1...1 { for s in -1...1 { for t in -1...1 {
            let (ky, kx) = (3 * p + s + 4, 3 * q + t + 4)
            for c in 0..<ic { for colour in 0..<oc {
                let source = ((ky * 9 + kx) * ic + c) * oc + colour
                let target = (((s + 1) * 3 + (t + 1)) * ic + c) * channels + channel(p: p, q: q, colour: colour)
                weights[target] = tail.weights[source]
            } }
        } } } }
        return ConvParameters(kernel: 3, inChannels: ic, outChannels: channels, weights: weights,
                              bias: [Float](repeating: 0, count: channels))
    }
}
