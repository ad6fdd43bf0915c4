/// The ×4 downscale is MATLAB's `imresize(…, 1/4, 'bicubic')` with antialiasing.
import Testing
import Foundation
import Degradation
import Training

@Suite("MATLAB-compatible bicubic downscaling")
struct BicubicTests {
    func image(_ w: Int, _ h: Int, _ f: (Int, Int, Int) -> Float) -> RGBImage {
        var p = [Float](repeating: 0, count: w * h * 3)
        for y in 0..<h { for x in 0..<w { for c in 0..<3 { p[(y * w + x) * 3 + c] = f(x, y, c) } } }
        return RGBImage(width: w, height: h, pixels: p)
    }

    @Test("a flat image stays flat, and sizes that are not multiples of 4 are cropped first")
    func flat() {
        let out = Bicubic.downscale(image(18, 13) { _, _, c in Float(40 * c + 7) }, by: 4)
        #expect(out.width == 4 && out.height == 3)
        #expect(out.pixels.enumerated().allSatisfy { $0.element == Float(40 * ($0.offset % 3) + 7) })
    }

    /// The stretched cubic reproduces straight lines, so far from the edges a ramp `v = x` lands
    /// on MATLAB's sample positions `u = 4·x_out − 1.5` (1-based) — exactly, after rounding.
    @Test("a ramp is sampled at MATLAB's output positions (4·x − 1.5, 1-based)")
    func rampPositions() {
        let ramp = image(64, 8) { x, _, _ in Float(x * 2) }
        let out = Bicubic.downscale(ramp, by: 4)
        // Output x (0-based) 5 sits at 1-based input position 4·6 − 1.5 = 22.5, i.e. 0-based 21.5.
        for x in 3..<12 {
            let want = (Double(4 * (x + 1)) - 1.5 - 1) * 2
            #expect(out.pixels[(1 * out.width + x) * 3] == Float(want.rounded(.toNearestOrAwayFromZero)))
        }
    }

    /// MATLAB mirrors out-of-range indices as [1…n, n…1] (the edge sample repeated), so a ramp's
    /// first output sample averages the ramp folded at the edge (5 here, where the straight ramp
    /// would give 6) — computed independently from MATLAB's formulas.
    @Test("edges mirror the image with the edge sample repeated, and weights come from the stretched cubic")
    func edgeMirroring() {
        let ramp = image(32, 4) { x, _, _ in Float(x * 4) }
        let out = Bicubic.downscale(ramp, by: 4)
        // 1-based centre u = 2.5; taps at i = −5 … 12 with weights cubic((2.5 − i) / 4) / 4,
        // normalised; index i ≤ 0 reads sample 1 − i (mirror), values 4·(i − 1).
        var sum = 0.0, total = 0.0
        for i in -5...12 {
            let d = abs(2.5 - Double(i)) / 4
            let w = d <= 1 ? 1.5 * d * d * d - 2.5 * d * d + 1 : (d <= 2 ? -0.5 * d * d * d + 2.5 * d * d - 4 * d + 2 : 0)
            let j = i >= 1 ? i : 1 - i
            sum += w * Double(4 * (j - 1))
            total += w
        }
        #expect(out.pixels[0] == Float((sum / total).rounded(.toNearestOrAwayFromZero)))
        // The unfolded ramp would give 4 · 1.5 = 6 there: the edge handling is visible.
        #expect(out.pixels[0] == 5)
    }

    @Test("values are rounded to whole levels in 0…255 (as uint8 imresize)")
    func clipsAndRounds() {
        let checker = image(16, 16) { x, y, _ in (x / 2 + y / 2) % 2 == 0 ? 255 : 0 }
        let out = Bicubic.downscale(checker, by: 4)
        #expect(out.pixels.allSatisfy { $0 >= 0 && $0 <= 255 && $0 == $0.rounded() })
    }
}
