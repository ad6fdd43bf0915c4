/// The `--degrade` syntax: presets parse to the documented stages, a spec's written form parses
/// back to itself, later stages override earlier ones, and each mistake is one clear error.
import Foundation
import Testing
import Degradation

@Suite("degradation specs")
struct DegradationSpecTests {
    @Test("realistic is Real-ESRGAN x4plus: both rounds, final sinc, the paper's ranges")
    func realistic() throws {
        let s = try DegradationSpec(parsing: "realistic")
        let blur = try #require(s.blur), blur2 = try #require(s.blur2)
        #expect(blur.sizes == 7...21 && blur.sigma == 0.2...3 && blur.probability == 1 && blur.sinc == 0.1)
        #expect(blur2.sigma == 0.2...1.5 && blur2.probability == 0.8)
        #expect(s.resize?.scale == 0.15...1.5 && s.resize?.up == 0.2 && s.resize?.down == 0.7)
        #expect(s.resize2?.scale == 0.3...1.2)
        #expect(s.noise?.sigma == 1...30 && s.noise?.poisson == 0.05...3 && s.noise?.gray == 0.4)
        #expect(s.noise2?.sigma == 1...25 && s.noise2?.poisson == 0.05...2.5)
        #expect(s.jpeg?.quality == 30...95 && s.jpeg2?.quality == 30...95 && s.sinc?.probability == 0.8)
        #expect(s.kinds.map(\.name) == ["blur", "resize", "noise", "jpeg", "all"])
    }

    @Test("jpeg and noise are one stage each, scored as one kind")
    func singleStagePresets() throws {
        let j = try DegradationSpec(parsing: "jpeg"), n = try DegradationSpec(parsing: "noise")
        #expect(j.jpeg?.quality == 30...95 && j.noise == nil && !j.startsFromHighResolution && !j.hasSecondRound)
        #expect(n.noise?.sigma == 1...30 && n.jpeg == nil)
        #expect(j.kinds.map(\.name) == ["jpeg"] && n.kinds.map(\.name) == ["noise"])
    }

    @Test("a spec's written form parses back to the same spec", arguments: ["realistic", "jpeg", "noise",
          "blur:sigma=1-2,size=9,aniso=1,iso=0;jpeg:q=40;clean:p=0.3", "noise:sigma=5,gaussian=1,gray=0", "realistic;deblock"])
    func roundTrip(text: String) throws {
        let s = try DegradationSpec(parsing: text)
        #expect(try DegradationSpec(parsing: s.description) == s)
    }

    @Test("later stages override earlier ones key by key")
    func overrides() throws {
        let s = try DegradationSpec(parsing: "realistic; jpeg:q=40 ; noise2:p=0")
        #expect(s.jpeg?.quality == 40...40 && s.noise2?.probability == 0 && s.noise2?.sigma == 1...25 && s.blur != nil)
    }

    @Test("each mistake is one error naming the spec and the one cause", arguments: [
        ("", "degradation spec '': empty (give a preset: jpeg, noise, realistic, or stages)"),
        ("jpg", "degradation spec 'jpg': unknown stage 'jpg' (stages: blur, resize, noise, jpeg, blur2, resize2, noise2, jpeg2, sinc, clean, deblock; presets: jpeg, noise, realistic)"),
        ("jpeg:q=20-200", "degradation spec 'jpeg:q=20-200': jpeg q=20-200: outside 1-100"),
        ("jpeg:q=90-30", "degradation spec 'jpeg:q=90-30': jpeg q=90-30: the range's low end is above its high end"),
        ("noise:sigma", "degradation spec 'noise:sigma': 'sigma' in stage 'noise' is not key=value"),
        ("noise:colour=1", "degradation spec 'noise:colour=1': stage 'noise' has no key 'colour' (keys: p, gaussian, sigma, poisson, gray)"),
        ("blur:p=2", "degradation spec 'blur:p=2': blur p=2: a probability is a number 0-1"),
        ("blur:size=8", "degradation spec 'blur:size=8': blur size=8: kernel sides are odd whole numbers 1-41"),
        ("realistic:q=3", "degradation spec 'realistic:q=3': preset 'realistic' takes no keys"),
        ("noise;deblock", "degradation spec 'noise;deblock': 'deblock' needs a jpeg or jpeg2 stage: only a JPEG has tables to deblock within"),
        ("jpeg;deblock:p=1", "degradation spec 'jpeg;deblock:p=1': stage 'deblock' has no key 'p' (keys: none)"),
    ])
    func badSpecs(text: String, message: String) {
        #expect {
            try DegradationSpec(parsing: text)
        } throws: { error in
            "\(error)" == message
        }
    }
}
