/// The generator's last layer runs as nine 3×3 convolutions summed with shifts; that must compute
/// exactly what the 9×9 convolution computes, borders included.
import Testing
import TestSupport
import SRGAN

@Suite("tail splitting")
struct TailSplittingTests {
    @Test("a 9×9 64→3 convolution equals the split 3×3 64→32 one, its outputs summed shifted by 3")
    func splitTailMatchesOriginal() {
        let (c, h, w) = (64, 11, 8)
        let x = randomValues(c * h * w, seed: 41)
        let tail = ConvParameters(kernel: 9, inChannels: c, outChannels: 3,
                                  weights: randomValues(81 * c * 3, scale: 0.1, seed: 42),
                                  bias: randomValues(3, seed: 43))
        let want = naiveConvolution(x, channels: c, height: h, width: w, kernel: 9,
                                    hwio: tail.weights, bias: tail.bias, outChannels: 3, padding: 4).values

        // Z over the image plus three pixels each side: the zero-padded input, padding 1.
        let (zh, zw) = (h + 6, w + 6)
        var padded = [Float](repeating: 0, count: c * zh * zw)
        for ch in 0..<c { for y in 0..<h { for xx in 0..<w {
            padded[(ch * zh + y + 3) * zw + xx + 3] = x[(ch * h + y) * w + xx]
        } } }
        let split = TailSplitting.split(tail)
        let z = naiveConvolution(padded, channels: c, height: zh, width: zw, kernel: 3, hwio: split.weights,
                                 bias: split.bias, outChannels: TailSplitting.channels, padding: 1).values

        var got = [Float](repeating: 0, count: want.count)
        for colour in 0..<3 { for y in 0..<h { for xx in 0..<w {
            var sum = tail.bias[colour]
            for p in -1...1 { for q in -1...1 {
                let j = TailSplitting.channel(p: p, q: q, colour: colour)
                sum += z[(j * zh + y + 3 * p + 3) * zw + xx + 3 * q + 3]
            } }
            got[(colour * h + y) * w + xx] = sum
        } } }
        #expect(maxAbsDifference(got, want) < 1e-4)
    }

    @Test("the padding channels 27…31 stay zero")
    func paddingChannelsAreZero() {
        let tail = ConvParameters(kernel: 9, inChannels: 4, outChannels: 3,
                                  weights: randomValues(81 * 4 * 3, seed: 7), bias: [1, 2, 3])
        let split = TailSplitting.split(tail)
        let padding = stride(from: 0, to: split.weights.count, by: TailSplitting.channels).flatMap {
            split.weights[($0 + 27)..<($0 + TailSplitting.channels)]
        }
        #expect(padding.allSatisfy { $0 == 0 })
        #expect(split.bias.allSatisfy { $0 == 0 })
    }
}
