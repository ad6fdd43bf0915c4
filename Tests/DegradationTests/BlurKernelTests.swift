/// The blur kernels of Real-ESRGAN's first stage: every shape sums to 1, is odd-sided and
/// point-symmetric, and is shaped as its parameters say.
import Foundation
import Testing
import Degradation

@Suite("blur kernels")
struct BlurKernelTests {
    @Test("every shape, at sides 7 and 21, has size² weights summing to 1 and is point-symmetric",
          arguments: BlurKernel.Shape.allCases, [7, 21])
    func sumsAndShapes(shape: BlurKernel.Shape, size: Int) {
        let k = BlurKernel.make(shape, size: size, sigmaX: 2.5, sigmaY: 0.8, angle: 0.7, beta: 1.7)
        #expect(k.size == size && k.weights.count == size * size)
        #expect(abs(k.weights.reduce(0, +) - 1) < 1e-5)
        for i in k.weights.indices { #expect(abs(k.weights[i] - k.weights[size * size - 1 - i]) < 1e-7) }
        // The centre is the largest tap of every bell-shaped kernel.
        #expect(k.weights[size * size / 2] == k.weights.max())
    }

    @Test("the sinc kernel sums to 1 and rings: it has negative taps")
    func sinc() {
        let k = BlurKernel.sinc(size: 21, cutoff: .pi / 3)
        #expect(k.weights.count == 441 && abs(k.weights.reduce(0, +) - 1) < 1e-5)
        #expect(k.weights.contains { $0 < 0 })
    }

    @Test("an isotropic Gaussian is separable: its 1-D taps' outer product is its 2-D weights")
    func separable() throws {
        let k = BlurKernel.make(.iso, size: 9, sigmaX: 1.3, sigmaY: 1.3, angle: 0)
        let line = try #require(k.separable)
        #expect(abs(line.reduce(0, +) - 1) < 1e-6)
        for i in 0..<9 { for j in 0..<9 { #expect(abs(line[i] * line[j] - k.weights[i * 9 + j]) < 1e-6) } }
        #expect(BlurKernel.make(.aniso, size: 9, sigmaX: 2, sigmaY: 1, angle: 0.3).separable == nil)
    }

    @Test("an anisotropic Gaussian spreads along its long axis: σx 3, σy 0.5 unrotated, then turned 90°")
    func anisotropy() {
        func moments(_ k: BlurKernel) -> (x: Float, y: Float) {
            let r = k.size / 2
            var (mx, my): (Float, Float) = (0, 0)
            for y in -r...r { for x in -r...r {
                let w = k.weights[(y + r) * k.size + x + r]
                mx += w * Float(x * x); my += w * Float(y * y)
            } }
            return (mx, my)
        }
        let wide = moments(BlurKernel.make(.aniso, size: 21, sigmaX: 3, sigmaY: 0.5, angle: 0))
        #expect(abs(wide.x - 9) < 0.3 && abs(wide.y - 0.25) < 0.05)
        let tall = moments(BlurKernel.make(.aniso, size: 21, sigmaX: 3, sigmaY: 0.5, angle: .pi / 2))
        #expect(abs(tall.y - 9) < 0.3 && abs(tall.x - 0.25) < 0.05)
    }

    @Test("convolving a flat image leaves it flat, at the edges too (mirrored, weights sum to 1)",
          arguments: BlurKernel.Shape.allCases)
    func flatStaysFlat(shape: BlurKernel.Shape) {
        let out = BlurKernel.make(shape, size: 15, sigmaX: 2, sigmaY: 1, angle: 1).apply(to: Photo.flat(100, width: 20, height: 12))
        #expect(out.width == 20 && out.height == 12)
        #expect(out.pixels.allSatisfy { abs($0 - 100) < 1e-3 })
    }

    @Test("blurring a photo lowers its pixel-to-pixel differences, the more the wider the kernel")
    func blurs() throws {
        let photo = try Photo.coffee().cropped(width: 96, height: 96, x: 150, y: 100)
        func roughness(_ i: RGBImage) -> Float {
            var s: Float = 0
            for p in 0..<(i.pixels.count - 3) { s += abs(i.pixels[p + 3] - i.pixels[p]) }
            return s
        }
        let narrow = BlurKernel.make(.iso, size: 7, sigmaX: 0.8, sigmaY: 0.8, angle: 0).apply(to: photo)
        let wide = BlurKernel.make(.iso, size: 21, sigmaX: 3, sigmaY: 3, angle: 0).apply(to: photo)
        #expect(roughness(wide) < roughness(narrow) && roughness(narrow) < roughness(photo))
    }
}
