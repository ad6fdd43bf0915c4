/// The generator reproduces the original TensorFlow model from its pretrained weights.
import Foundation
import Testing
import ModelFormats
import Neural
import SRGAN
import TestSupport

@Suite("generator fidelity against TensorFlow", .serialized)
struct GeneratorFidelityTests {
    static let photos = ["face", "fur", "cup"]

    func generator(_ model: String, algorithm: Convolution.Algorithm = .auto) throws -> Generator {
        try Generator(contentsOf: TestEnvironment.model("srgan-\(model).safetensors"), threads: 2, algorithm: algorithm)
    }

    @Test("unrounded output within 5e-3 of TensorFlow's float32 output", arguments: [Convolution.Algorithm.auto, .direct])
    func floatOutput(algorithm: Convolution.Algorithm) throws {
        let lr = try loadFixtureImage("lr_tiny.png")
        let data = try Data(contentsOf: URL(fileURLWithPath: TestEnvironment.fixture("SRGANTests", "sr_gan_tiny.f32")))
        let reference = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        let ours = try generator("gan", algorithm: algorithm).run(lr.samples.map(Float.init), height: lr.height, width: lr.width)
        // Both must hold every value (4× each side, 3 channels); zip alone would compare only the
        // common prefix of a short output.
        try #require(reference.count == lr.width * lr.height * 48, "the fixture holds \(reference.count) values")
        try #require(ours.count == reference.count, "we produce \(ours.count) values, TensorFlow \(reference.count)")
        let worst = zip(ours, reference).map { abs($0 - $1) }.max()!
        #expect(worst < 5e-3, "max abs difference \(worst)")
    }

    @Test("8-bit output: at most 0.1 % of values differ from TensorFlow's, none by more than 1",
          arguments: ["gan", "pre"], photos)
    func photographs(model: String, photo: String) throws {
        let lr = try loadFixtureImage("lr_\(photo).png")
        let reference = try loadFixtureImage("sr_\(model)_\(photo).png")
        #expect(reference.width == 4 * lr.width && reference.height == 4 * lr.height)
        let ours = quantize(try generator(model).run(lr.samples.map(Float.init), height: lr.height, width: lr.width))
        let agreement = Agreement(ours, reference.samples)
        #expect(agreement.fractionDiffering <= 0.001, "\(agreement)")
        #expect(agreement.maxDifference <= 1, "\(agreement)")
    }

    @Test("no layer runs oneDNN's slow reference code", arguments: [(64, 64), (96, 80), (13, 7)])
    func noReferenceKernels(height: Int, width: Int) throws {
        for (layer, implementation) in try generator("gan").implementations(height: height, width: width) {
            #expect(!implementation.hasPrefix("ref"), "\(layer) runs \(implementation)")
        }
    }

    @Test("a file that is not a generator is refused, naming the missing tensor")
    func wrongModel() throws {
        let path = try TestEnvironment.model("srgan-discriminator.safetensors")
        #expect {
            try Generator(contentsOf: path, threads: 1)
        } throws: { error in
            "\(error)".contains(path) && "\(error)".contains("head.conv.weight")
        }
    }
}
