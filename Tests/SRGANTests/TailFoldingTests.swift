/// The generator's last layer runs as a 3×3 convolution at low resolution; it must compute
/// exactly what the 9×9 convolution at 4× resolution computes, borders included.
import Testing
import TestSupport
import SRGAN

@Suite("tail folding")
struct TailFoldingTests {
    @Test("a 9×9 64→3 convolution at 4× scale equals the folded 3×3 1024→48 one after space-to-depth")
    func foldedTailMatchesOriginal() {
        let (c, h, w) = (64, 3, 2)  // low-resolution size; the layer itself sees 12×8
        let x4 = randomValues(c * 4 * h * 4 * w, seed: 41)
        let tail = ConvParameters(kernel: 9, inChannels: c, outChannels: 3,
                                  weights: randomValues(81 * c * 3, scale: 0.1, seed: 42),
                                  bias: randomValues(3, seed: 43))
        let want = naiveConvolution(x4, channels: c, height: 4 * h, width: 4 * w, kernel: 9,
                                    hwio: tail.weights, bias: tail.bias, outChannels: 3, padding: 4).values

        var s = [Float](repeating: 0, count: 16 * c * h * w)
        for by in 0..<4 { for bx in 0..<4 { for ch in 0..<c { for y in 0..<h { for x in 0..<w {
            let folded = (((by * 4 + bx) * c + ch) * h + y) * w + x
            let original = (ch * 4 * h + 4 * y + by) * 4 * w + 4 * x + bx
            s[folded] = x4[original]
        } } } } }
        let folded = TailFolding.fold(tail)
        let o = naiveConvolution(s, channels: 16 * c, height: h, width: w, kernel: 3, hwio: folded.weights,
                                 bias: folded.bias, outChannels: 48, padding: 1).values
        var got = [Float](repeating: 0, count: want.count)
        for oc in 0..<3 { for ay in 0..<4 { for ax in 0..<4 { for y in 0..<h { for x in 0..<w {
            let original = (oc * 4 * h + 4 * y + ay) * 4 * w + 4 * x + ax
            let folded = ((oc * 16 + ay * 4 + ax) * h + y) * w + x
            got[original] = o[folded]
        } } } } }
        #expect(maxAbsDifference(got, want) < 1e-4)
    }
}
