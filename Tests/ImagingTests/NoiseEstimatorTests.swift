/// The noise σ of an input, estimated from its rows as they stream (issue 14, "know the input"):
/// Gaussian noise of a known σ added with a fixed seed and saved as PNG reads back within 10 % on a smooth picture.
import Foundation
import Testing
import Imaging
import TestSupport

@Suite("Noise level of an input")
struct NoiseEstimatorTests {
    let scratch: ScratchDirectory
    init() throws { scratch = try ScratchDirectory() }

    /// A smooth 320×240 RGB picture: gradients and a slow wave, nothing at the finest scale.
    static func smooth() -> (width: Int, height: Int, samples: [Double]) {
        let width = 320, height = 240
        var samples: [Double] = []
        for y in 0..<height {
            for x in 0..<width {
                let wave = 20 * sin(Double(x) / 23) * cos(Double(y) / 31)
                samples += [60 + 0.4 * Double(x) + wave, 90 + 0.5 * Double(y) - wave, 140 + 0.1 * Double(x + y)]
            }
        }
        return (width, height, samples)
    }

    /// `samples` with independent Gaussian noise of `sigma` on every sample (a fixed seed, so
    /// every run sees the same picture), rounded and clipped to 8 bits, saved as PNG.
    func noisy(_ image: (width: Int, height: Int, samples: [Double]), sigma: Double, name: String) throws -> String {
        var random = SplitMix(state: 0x5eed_0000 + UInt64(sigma * 10))
        let bytes = image.samples.map { UInt8(max(0, min(255, ($0 + sigma * random.gaussian()).rounded()))) }
        let path = scratch.file(name)
        try PixelBuffer(width: image.width, height: image.height, channels: 3, samples: .uint8(bytes)).save(path: path)
        return path
    }

    @Test("Gaussian noise of σ 2, 5 and 10 on a smooth picture is estimated within 10 %", arguments: [2.0, 5.0, 10.0])
    func knownSigma(sigma: Double) throws {
        let path = try noisy(Self.smooth(), sigma: sigma, name: "smooth-\(sigma).png")
        let estimate = try #require(try InputEstimate(path: path).noiseSigma)
        #expect(abs(estimate - sigma) <= 0.1 * sigma, "σ \(sigma) estimated as \(estimate)")
    }

    @Test("a clean photo estimates lower than the same photo with σ 2 added, and σ 10 on it within 20 %")
    func realPhoto() throws {
        let photo = try PixelBuffer.load(path: TestEnvironment.fixture("UpscalingTests", "coffee.jpg"))
        let image = (photo.width, photo.height, photo.floatSamples().map(Double.init))
        let clean = try #require(try InputEstimate(path: try noisy(image, sigma: 0, name: "clean.png")).noiseSigma)
        let two = try #require(try InputEstimate(path: try noisy(image, sigma: 2, name: "two.png")).noiseSigma)
        let ten = try #require(try InputEstimate(path: try noisy(image, sigma: 10, name: "ten.png")).noiseSigma)
        #expect(clean < two, "clean \(clean), σ 2 \(two)")
        #expect(abs(ten - 10) <= 2, "σ 10 estimated as \(ten)")
    }

    @Test("rows fed one at a time give the estimate of rows fed in bands")
    func rowByRow() throws {
        let image = Self.smooth()
        var random = SplitMix(state: 7)
        let floats = image.samples.map { Float($0 + 3 * random.gaussian()) }
        let stride = image.width * 3
        var whole = NoiseEstimator(width: image.width, channels: 3)
        whole.add(rows: floats, rowCount: image.height)
        var single = NoiseEstimator(width: image.width, channels: 3)
        for y in 0..<image.height { single.add(rows: Array(floats[(y * stride)..<((y + 1) * stride)]), rowCount: 1) }
        #expect(whole.sigma != nil && whole.sigma == single.sigma)
    }

    @Test("alpha is no part of the noise: a noisy alpha plane over colour estimates as the colour alone")
    func alphaIgnored() {
        var random = SplitMix(state: 11)
        var rgba: [Float] = [], rgb: [Float] = []
        for i in 0..<(64 * 64) {
            let pixel: [Float] = [100 + Float(i % 3), 120, 140 - Float(i % 5)]
            rgb += pixel
            rgba += pixel + [Float(128 + 20 * random.gaussian())]
        }
        var withAlpha = NoiseEstimator(width: 64, channels: 4), without = NoiseEstimator(width: 64, channels: 3)
        withAlpha.add(rows: rgba, rowCount: 64)
        without.add(rows: rgb, rowCount: 64)
        #expect(withAlpha.sigma != nil && withAlpha.sigma == without.sigma)
        #expect((withAlpha.sigma ?? 99) < 2)
    }

    @Test("an image of one row has no 2×2 block and so no estimate")
    func tooSmall() {
        var estimator = NoiseEstimator(width: 10, channels: 1)
        estimator.add(rows: [Float](repeating: 9, count: 10), rowCount: 1)
        #expect(estimator.sigma == nil)
    }
}

/// Box–Muller normals from the tests' seeded generator: reproducible noise.
extension SplitMix {
    mutating func gaussian() -> Double {
        let u = (Double(next() >> 11) + 1) / 9_007_199_254_740_992   // (0, 1]: log stays finite
        let v = Double(next() >> 11) / 9_007_199_254_740_992
        return sqrt(-2 * log(u)) * cos(2 * Double.pi * v)
    }
}
