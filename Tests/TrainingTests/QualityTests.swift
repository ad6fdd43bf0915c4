/// PSNR and SSIM on Y with the border shaved, as the paper measures.
import Testing
import Foundation
import Degradation
import Training
import TestSupport

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

    /// coffee.jpg cropped to multiples of 4, and its MATLAB-bicubic LR.
    func coffee() throws -> (hr: RGBImage, lr: RGBImage) {
        let pair = ImagePair(path: "coffee", hr: try RGBImage.load(path: TestEnvironment.fixture("UpscalingTests", "coffee.jpg")))
        return (pair.hr, pair.lr)
    }

    @Test("blockiness: a bicubic ×4 of a clean LR scores about 1 (0.9–1.1)")
    func blockinessOfCleanBicubic() throws {
        let (_, lr) = try coffee()
        let index = Quality.blockiness(Bicubic.upscale(lr, by: 4))
        #expect(index > 0.9 && index < 1.1, "\(index)")
    }

    @Test("blockiness: a bicubic ×4 of the LR saved as JPEG quality 40 scores above 1.2 (its 8×8 blocks show on the 32-px grid)")
    func blockinessOfJPEG() throws {
        let (_, lr) = try coffee()
        let index = Quality.blockiness(Bicubic.upscale(try JPEGCompression.apply(lr, quality: 40), by: 4))
        #expect(index > 1.2, "\(index)")
    }

    @Test("blockiness counts only steps at the ×4 phase: a step on the 32-px grid alone scores high, off it low")
    func blockinessPhase() {
        // Vertical stripes 32 wide: luma jumps between columns 31|32 (shift 0, on the grid) or
        // 3|4 and 35|36 (shift 28, off it), over a checkerboard of ±1 everywhere.
        func stripes(shift: Int) -> RGBImage {
            var pixels = [Float](repeating: 0, count: 64 * 64 * 3)
            for y in 0..<64 { for x in 0..<64 { for k in 0..<3 {
                pixels[(y * 64 + x) * 3 + k] = Float(((x + shift) / 32) % 2 * 50 + (x + y) % 2)
            } } }
            return RGBImage(width: 64, height: 64, pixels: pixels)
        }
        #expect(Quality.blockiness(stripes(shift: 0)) > 10)
        #expect(Quality.blockiness(stripes(shift: 28)) < 1)
    }

    @Test("MATLAB bicubic ×4 up keeps a flat image flat and the size exact")
    func bicubicUpscale() {
        let flat = RGBImage(width: 7, height: 5, pixels: [Float](repeating: 90, count: 105))
        let up = Bicubic.upscale(flat, by: 4)
        #expect(up.width == 28 && up.height == 20 && up.pixels.allSatisfy { $0 == 90 })
    }
}
