/// Each oneDNN-backed layer agrees with its naive definition, in the blocked layouts the
/// generator uses, and runs a real (non-reference) implementation.
import Testing
import Foundation
import Neural
import TestSupport

@Suite("oneDNN layers match their naive definitions")
struct LayerTests {
    let engine = try! Engine(threads: 2)

    func convolutionCase(ic: Int, oc: Int, k: Int, h: Int, w: Int, algorithm: Convolution.Algorithm,
                         postOps: [PostOp] = [], seed: UInt64) throws -> (got: [Float], want: [Float], conv: Convolution) {
        let x = randomValues(ic * h * w, seed: seed)
        let kernel = randomValues(k * k * ic * oc, scale: 0.2, seed: seed + 1)
        let bias = randomValues(oc, scale: 0.5, seed: seed + 2)
        let srcDesc = TensorDesc([1, ic, h, w], ic % 16 == 0 ? .blocked : .any)
        let conv = try Convolution(engine: engine, source: srcDesc, destination: TensorDesc([1, oc, h, w], .blocked),
                                   kernel: k, padding: k / 2, algorithm: algorithm, postOps: postOps)
        let src = try Memory(conv.source, engine: engine)
        try src.store(x, from: .nchw, engine: engine)
        let dst = try Memory(conv.destination, engine: engine)
        let previous = randomValues(oc * h * w, seed: seed + 3)
        try dst.store(previous, from: .nchw, engine: engine)
        try conv.forward(src, conv.makeWeights(hwio: kernel, bias: bias, engine: engine), into: dst, scratchpad: Scratchpad(bytes: conv.scratchpadBytes, engine: engine))
        try engine.wait()
        var want = naiveConvolution(x, channels: ic, height: h, width: w, kernel: k, hwio: kernel, bias: bias, outChannels: oc, padding: k / 2).values
        for op in postOps {
            switch op {
            case .sum: want = zip(want, previous).map { $0 + $1 }
            case .tanh: want = want.map { tanh($0) }
            case .linear(let a, let b): want = want.map { a * $0 + b }
            case .leakyReLU(let a): want = want.map { $0 >= 0 ? $0 : a * $0 }
            }
        }
        return (try dst.load(as: .nchw, engine: engine), want, conv)
    }

    @Test("3×3 64→64 convolution, direct and Winograd", arguments: [Convolution.Algorithm.direct, .winograd])
    func convolution3x3(algorithm: Convolution.Algorithm) throws {
        if algorithm == .winograd, !Convolution.winogradIsAvailable(engine: engine) {
            // oneDNN 2.6 has Winograd on AVX-512 cores only. Here, asking for it must fail
            // loudly rather than fall back, and `auto` must pick the direct algorithm.
            #expect(throws: (any Error).self) {
                _ = try convolutionCase(ic: 64, oc: 64, k: 3, h: 13, w: 11, algorithm: .winograd, seed: 1)
            }
            let (got, want, conv) = try convolutionCase(ic: 64, oc: 64, k: 3, h: 13, w: 11, algorithm: .auto, seed: 1)
            #expect(conv.algorithm == .direct)
            #expect(maxAbsDifference(got, want) < 2e-4)
            return
        }
        let (got, want, conv) = try convolutionCase(ic: 64, oc: 64, k: 3, h: 13, w: 11, algorithm: algorithm, seed: 1)
        #expect(conv.algorithm == algorithm)
        #expect(!conv.implementation.hasPrefix("ref"), "fell back to \(conv.implementation)")
        #expect(maxAbsDifference(got, want) < 2e-4)
    }

    @Test("a residual add fused as a sum post-op adds onto what the destination held")
    func convolutionWithSum() throws {
        let (got, want, conv) = try convolutionCase(ic: 64, oc: 64, k: 3, h: 8, w: 9, algorithm: .auto, postOps: [.sum], seed: 7)
        #expect(!conv.implementation.hasPrefix("ref"))
        #expect(maxAbsDifference(got, want) < 2e-4)
    }

    @Test("9×9 convolution from 3 channels (the generator's head)")
    func headConvolution() throws {
        let (got, want, conv) = try convolutionCase(ic: 3, oc: 64, k: 9, h: 12, w: 10, algorithm: .direct, seed: 11)
        // On AVX2 oneDNN 2.6 has only reference code for a padding of 4 (wider than its jit
        // kernel's 3-column block); the generator therefore pre-pads its head input there, and
        // SRGANTests' plan test checks that inference runs no reference code.
        if TensorDesc.channelBlock == 16 {
            #expect(!conv.implementation.hasPrefix("ref"), "fell back to \(conv.implementation)")
        }
        #expect(maxAbsDifference(got, want) < 1e-4)
    }

    @Test("tanh then linear post-ops (the generator's output scaling)")
    func tanhLinear() throws {
        let (got, want, _) = try convolutionCase(ic: 32, oc: 48, k: 3, h: 6, w: 7, algorithm: .auto,
                                                 postOps: [.tanh, .linear(scale: 127.5, shift: 127.5)], seed: 5)
        #expect(maxAbsDifference(got, want) < 1e-3)
    }

    @Test("PReLU with per-channel slopes, in place on blocked data")
    func prelu() throws {
        let (c, h, w) = (64, 9, 10)
        let x = randomValues(c * h * w, seed: 21), slopes = randomValues(c, scale: 0.5, seed: 22)
        let desc = TensorDesc([1, c, h, w], .blocked)
        let layer = try PReLU(engine: engine, data: desc)
        #expect(!layer.implementation.hasPrefix("ref"), "fell back to \(layer.implementation)")
        let data = try Memory(desc, engine: engine)
        try data.store(x, from: .nchw, engine: engine)
        try layer.forward(data, slopes: layer.makeSlopes(slopes, engine: engine), into: data,
                          scratchpad: Scratchpad(bytes: layer.scratchpadBytes, engine: engine))
        try engine.wait()
        #expect(try data.load(as: .nchw, engine: engine) == naivePReLU(x, channels: c, slopes: slopes))
    }

    @Test("element-wise tanh and linear rescaling, in place on blocked data")
    func eltwise() throws {
        let desc = TensorDesc([1, 48, 5, 6], .blocked)
        let x = randomValues(48 * 5 * 6, scale: 3, seed: 51)
        let data = try Memory(desc, engine: engine)
        try data.store(x, from: .nchw, engine: engine)
        let tanhLayer = try Eltwise(engine: engine, data: desc, function: .tanh)
        let rescale = try Eltwise(engine: engine, data: desc, function: .linear(scale: 127.5, shift: 127.5))
        for layer in [tanhLayer, rescale] {
            #expect(!layer.implementation.hasPrefix("ref"), "fell back to \(layer.implementation)")
            try layer.forward(data, into: data, scratchpad: nil)
        }
        try engine.wait()
        let want = x.map { 127.5 * Foundation.tanh($0) + 127.5 }
        #expect(maxAbsDifference(try data.load(as: .nchw, engine: engine), want) < 1e-3)
    }

    @Test("pixel shuffle follows TensorFlow's depth_to_space channel order")
    func pixelShuffle() throws {
        let (c, h, w) = (32, 5, 7)
        let x = randomValues(4 * c * h * w, seed: 31)
        let shuffle = try PixelShuffle(engine: engine, channels: c, height: h, width: w)
        let src = try Memory(shuffle.source, engine: engine)
        try src.store(x, from: .nchw, engine: engine)
        let dst = try Memory(shuffle.destination, engine: engine)
        try shuffle.forward(src, into: dst)
        try engine.wait()
        #expect(try dst.load(as: .nchw, engine: engine) == naiveDepthToSpace(x, outChannels: c, height: h, width: w))
    }
}
