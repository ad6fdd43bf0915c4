/// PSNR and SSIM on Y with the border shaved, as the paper measures.
import Testing
import Foundation
import Training

@Suite("quality metrics")
struct QualityTests {
    func noise(_ w: Int, _ h: Int, seed: UInt64) -> RGBImage {
        var rng = SplitMix64(seed: seed)
        return RGBImage(width: w, height: h, pixels: (0..<(w * h * 3)).map { _ in Float(rng.next() % 256) })
    }

    @Test("PSNR-Y: BT.601 luma, border shaved; a uniform offset of k levels in Y gives 20·log10(255/k)")
    func psnr() {
        let a = noise(24, 20, seed: 1)
        #expect(Quality.psnrY(a, a) == .infinity)
        // +3 on every channel moves Y by 3·(65.481 + 128.553 + 24.966)/255 = 3·219/255.
        var b = a
        b.pixels = a.pixels.map { $0 + 3 }
        let dy = 3 * 219.0 / 255
        #expect(abs(Quality.psnrY(b, a) - 20 * log10(255 / dy)) < 1e-9)
        // Only the 4-pixel border differs: it is not counted.
        var c = a
        for i in 0..<(24 * 3) { c.pixels[i] = 0 }
        #expect(Quality.psnrY(c, a) == .infinity)
        #expect(Quality.luma(a, shave: 4).values.count == 16 * 12)
    }

    @Test("SSIM-Y: 1 for identical images, lower for noisier copies, near 0 for unrelated noise")
    func ssim() {
        let a = noise(40, 40, seed: 2)
        #expect(abs(Quality.ssimY(a, a) - 1) < 1e-12)
        var slight = a, heavy = a
        var rng = SplitMix64(seed: 3)
        for i in a.pixels.indices {
            slight.pixels[i] = min(255, max(0, a.pixels[i] + Float(Int(rng.next() % 11) - 5)))
            heavy.pixels[i] = min(255, max(0, a.pixels[i] + Float(Int(rng.next() % 101) - 50)))
        }
        let (s1, s2) = (Quality.ssimY(slight, a), Quality.ssimY(heavy, a))
        #expect(s1 < 1 && s2 < s1)
        #expect(abs(Quality.ssimY(noise(40, 40, seed: 4), a)) < 0.1)
    }
}
