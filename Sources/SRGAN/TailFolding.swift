/// The last layer rewritten to run at low resolution: 9×9 64→3 at 4× scale becomes 3×3 1024→48.
///
/// Why: with 3 output channels, oneDNN's blocked kernels pad the output to 16 channels, so the
/// last convolution — 11 % of the network's FLOPs — would cost over 5× its share. Seen through a
/// 4× space-to-depth, the 4H×4W×64 input is an H×W×1024 tensor and each 4×4 patch of the 3-channel
/// output is 48 channels of one low-resolution pixel. A 9×9 window at 4× scale then touches
/// exactly the 3×3 neighbouring low-resolution pixels, so the layer is an ordinary 3×3
/// convolution (zero padding included: out-of-image pixels at either scale are zero), with 48
/// output channels that fill three 16-blocks, and Winograd applies. It costs 1.8× the FLOPs of the
/// original layer at full efficiency instead of 5.3×.
///
/// Channel orders chosen here (the generator's views rely on them):
/// - input  `s = (by·4 + bx)·64 + c` — value of channel c at 4×-scale offset (by, bx);
/// - output `o = oc·16 + ay·4 + ax` — channel oc at 4×-scale offset (ay, ax), so each colour is
///   one 16-block and a pixel's 16 sub-positions are that block's lanes.
public enum TailFolding {
    public static let factor = 4

    /// The folded 3×3 kernel (HWIO, `[3, 3, 1024, 48]`) and bias (48).
    public static func fold(_ tail: ConvParameters) -> ConvParameters {
        precondition(tail.kernel == 9 && tail.outChannels == 3)
        let r = factor, ic = tail.inChannels, oc = tail.outChannels
        let foldedIn = r * r * ic, foldedOut = oc * 16
        var weights = [Float](repeating: 0, count: 9 * foldedIn * foldedOut)
        for ky in 0..<3 { for kx in 0..<3 {
            for by in 0..<r { for bx in 0..<r {
                for ay in 0..<r { for ax in 0..<r {
                    // Output (4y+ay, 4x+ax) reads input (4(y+ky−1)+by, 4(x+kx−1)+bx).
                    let dy = 4 * (ky - 1) + by - ay, dx = 4 * (kx - 1) + bx - ax
                    guard abs(dy) <= 4, abs(dx) <= 4 else { continue }
                    for c in 0..<ic { for o in 0..<oc {
                        let source = (((dy + 4) * 9 + (dx + 4)) * ic + c) * oc + o
                        let s = (by * r + bx) * ic + c
                        let t = o * 16 + ay * r + ax
                        weights[((ky * 3 + kx) * foldedIn + s) * foldedOut + t] = tail.weights[source]
                    } }
                } }
            } }
        } }
        let bias = (0..<foldedOut).map { tail.bias[$0 / 16] }
        return ConvParameters(kernel: 3, inChannels: foldedIn, outChannels: foldedOut, weights: weights, bias: bias)
    }
}
