/// The pipeline as a whole: LR of a quarter the HR's size in whole levels, every draw a
/// function of (seed, step, index) alone, presets as documented.
import Foundation
import Testing
import Degradation
import Imaging

@Suite("degradation pipeline")
struct DegraderTests {
    let hr: RGBImage
    let lr: RGBImage
    init() throws {
        hr = try Photo.coffee().cropped(width: 96, height: 96, x: 160, y: 96)
        lr = Resampler.resize(hr, width: 24, height: 24, mode: .area)
    }

    func degraded(_ spec: String, seed: UInt64 = 1, step: Int = 0, index: Int = 0) throws -> RGBImage {
        var rng = SplitMix64(seed: seed, step: step, index: index)
        return try Degrader(try DegradationSpec(parsing: spec)).degrade(highResolution: hr, cleanLowResolution: lr, rng: &rng)
    }

    @Test("every preset gives a 24×24 LR of a 96×96 crop, in whole levels 0…255", arguments: ["jpeg", "noise", "realistic"])
    func shape(preset: String) throws {
        for step in 0..<12 {
            let out = try degraded(preset, step: step)
            #expect(out.width == 24 && out.height == 24)
            #expect(out.pixels.allSatisfy { (0...255).contains($0) && $0 == $0.rounded() })
        }
    }

    @Test("the same (seed, step, index) gives the same LR; another step, index or seed another")
    func determinism() throws {
        let a = try degraded("realistic", seed: 7, step: 41, index: 3)
        #expect(a == (try degraded("realistic", seed: 7, step: 41, index: 3)))
        #expect(a != (try degraded("realistic", seed: 7, step: 42, index: 3)))
        #expect(a != (try degraded("realistic", seed: 7, step: 41, index: 4)))
        #expect(a != (try degraded("realistic", seed: 8, step: 41, index: 3)))
    }

    @Test("without blur or resize stages the pipeline starts from the clean LR: jpeg:q=95 is that LR saved at q 95")
    func startsFromCleanLR() throws {
        #expect(try degraded("jpeg:q=95") == (try JPEGCompression.apply(lr, quality: 95)))
    }

    /// `degradeKeepingJPEG` of `spec` at (1, step, 0), checked to draw exactly as `degrade`
    /// does: the same image and the generator left in the same state.
    func keepingJPEG(_ spec: String, step: Int = 0) throws -> (image: RGBImage, jpeg: [UInt8]?) {
        let degrader = Degrader(try DegradationSpec(parsing: spec))
        var a = SplitMix64(seed: 1, step: step, index: 0), b = a
        let plain = try degrader.degrade(highResolution: hr, cleanLowResolution: lr, rng: &a)
        let kept = try degrader.degradeKeepingJPEG(highResolution: hr, cleanLowResolution: lr, rng: &b)
        #expect(kept.image == plain)
        #expect(a.next() == b.next())
        return kept
    }

    @Test("keeping the JPEG draws as degrade does, and when JPEG is the last stage its bytes are a file that decodes to the input")
    func keepsTheLastJPEG() throws {
        let kept = try keepingJPEG("jpeg:q=30")
        let jpeg = try #require(kept.jpeg)
        let decoded = try InMemoryJPEG.decode(jpeg)
        #expect(decoded.quality?.quality == 30)
        #expect(RGBImage(width: decoded.width, height: decoded.height, samples: decoded.samples, channels: decoded.channels) == kept.image)
    }

    @Test("no JPEG bytes when there was no JPEG, when a later stage changed the pixels, or for a clean draw")
    func noJPEGWhenNotLast() throws {
        #expect(try keepingJPEG("noise:sigma=5").jpeg == nil)
        #expect(try keepingJPEG("jpeg:q=30;noise2:sigma=5").jpeg == nil)
        #expect(try keepingJPEG("jpeg:q=30;clean:p=1").jpeg == nil)
        // Real-ESRGAN's order: in about half the draws the final resize and sinc come after the
        // second JPEG, and then the input is no longer that file.
        let kinds = try (0..<16).map { try keepingJPEG("realistic", step: $0).jpeg != nil }
        #expect(kinds.contains(true) && kinds.contains(false))
    }

    @Test("deblock: a crop whose last stage was JPEG comes back deblocked within that file's tables, as the daemon's input would; others as without it")
    func deblocks() throws {
        let plain = try keepingJPEG("jpeg:q=30")
        let deblocked = try keepingJPEG("jpeg:q=30;deblock")
        let file = try JPEGCoefficients(bytes: try #require(plain.jpeg))
        #expect(deblocked.jpeg == nil, "the input is no longer that file's plain decoding")
        #expect(deblocked.image == RGBImage(width: 24, height: 24, samples: JPEGDeblocker.deblock(file), channels: 3))
        #expect(deblocked.image != plain.image)
        #expect(try keepingJPEG("jpeg:q=30;noise2:sigma=5;deblock").image == (try keepingJPEG("jpeg:q=30;noise2:sigma=5").image))
        #expect(try DegradationSpec(parsing: "realistic;deblock").kinds.first { $0.name == "jpeg" }?.spec.deblock == true)
    }

    @Test("clean:p=1 hands back the clean LR itself")
    func clean() throws {
        #expect(try degraded("realistic;clean:p=1") == lr)
    }
}
