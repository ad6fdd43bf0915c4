/// The pipeline as a whole: LR of a quarter the HR's size in whole levels, every draw a
/// function of (seed, step, index) alone, presets as documented.
import Foundation
import Testing
import Degradation

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

    @Test("clean:p=1 hands back the clean LR itself")
    func clean() throws {
        #expect(try degraded("realistic;clean:p=1") == lr)
    }
}
