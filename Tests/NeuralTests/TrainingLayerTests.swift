/// Every training layer's backward pass agrees with central finite differences of a
/// double-precision naive forward, on tiny batched shapes in the layouts training uses.
///
/// The scalar checked is `L = Σ r ⊙ layer(x)` for a fixed random `r`, so `r` is the upstream
/// gradient handed to the backward pass.
import Testing
import Foundation
import Neural
import TestSupport

@Suite("training layers: backward passes match finite differences")
struct TrainingLayerTests {
    let engine = try! Engine(threads: 2)
    /// Worst error relative to max(1, |numeric gradient|) a float32 backward may show.
    let tolerance = 2e-3

    func memory(_ desc: TensorDesc, _ values: [Float], plain: TensorDesc.Layout = .nchw) throws -> Memory {
        let m = try Memory(desc, engine: engine)
        m.fill(0)
        try m.store(values, from: plain, engine: engine)
        return m
    }

    func pad(_ bytes: Int) throws -> Scratchpad { try Scratchpad(bytes: bytes, engine: engine) }

    /// Checks the source, kernel and bias gradients of a layer `forward(x, k, b)` against finite
    /// differences of `r · forward`, sampling `counts` entries of each (seeds `seed`, +1, +2).
    func expectGradients(source: [Float], kernel: [Float], bias: [Float],
                         at point: (x: [Double], k: [Double], b: [Double]), upstream r: [Double],
                         counts: (x: Int, k: Int, b: Int), seed: UInt64,
                         _ forward: ([Double], [Double], [Double]) -> [Double]) {
        let (xd, kd, bd) = point
        let dx = worstGradientError(analytic: source, point: xd, count: counts.x, seed: seed) {
            dot64(r, forward($0, kd, bd))
        }
        let dk = worstGradientError(analytic: kernel, point: kd, count: counts.k, seed: seed + 1) {
            dot64(r, forward(xd, $0, bd))
        }
        let db = worstGradientError(analytic: bias, point: bd, count: counts.b, seed: seed + 2) {
            dot64(r, forward(xd, kd, $0))
        }
        #expect(dx < tolerance && dk < tolerance && db < tolerance, "errors dx \(dx) dk \(dk) db \(db)")
    }

    struct ConvCase: CustomTestStringConvertible, Sendable {
        var ic: Int, oc: Int, k: Int, stride: Int, h: Int, w: Int
        var src: TensorDesc.Layout = .blocked, dst: TensorDesc.Layout = .blocked
        var algorithm: Convolution.Algorithm = .direct
        var testDescription: String { "\(k)×\(k)/\(stride) \(ic)→\(oc) on \(h)×\(w) \(algorithm)" }
    }

    @Test("convolution: input, kernel and bias gradients", arguments: [
        ConvCase(ic: 16, oc: 16, k: 3, stride: 1, h: 6, w: 5),
        ConvCase(ic: 16, oc: 32, k: 3, stride: 2, h: 8, w: 7),          // "same" pads only the end
        ConvCase(ic: 3, oc: 16, k: 9, stride: 1, h: 7, w: 6, src: .nchw), // the generator's head
        ConvCase(ic: 3, oc: 16, k: 3, stride: 2, h: 7, w: 6, src: .nchw), // discriminator's input
        ConvCase(ic: 16, oc: 3, k: 9, stride: 1, h: 7, w: 6),            // the generator's tail
        ConvCase(ic: 16, oc: 16, k: 3, stride: 1, h: 6, w: 6, algorithm: .winograd),
    ])
    func convolution(_ c: ConvCase) throws {
        if c.algorithm == .winograd, !Convolution.winogradIsAvailable(engine: engine) {
            // No Winograd on this CPU (oneDNN 2.6: AVX-512 only): asking for it fails loudly.
            #expect(throws: (any Error).self) {
                _ = try TrainableConvolution(engine: engine, batch: 2, inChannels: c.ic, outChannels: c.oc,
                                             height: c.h, width: c.w, kernel: c.k, stride: c.stride,
                                             sourceLayout: c.src, destinationLayout: c.dst, algorithm: .winograd)
            }
            return
        }
        let n = 2
        let conv = try TrainableConvolution(engine: engine, batch: n, inChannels: c.ic, outChannels: c.oc,
                                            height: c.h, width: c.w, kernel: c.k, stride: c.stride,
                                            sourceLayout: c.src, destinationLayout: c.dst, algorithm: c.algorithm)
        let oh = conv.destination.dims[2], ow = conv.destination.dims[3]
        let x = randomValues(n * c.ic * c.h * c.w, seed: 1)
        let kernel = randomValues(c.k * c.k * c.ic * c.oc, scale: 0.2, seed: 2)
        let biasValues = randomValues(c.oc, scale: 0.5, seed: 3)
        let r = randomValues(n * c.oc * oh * ow, seed: 4)
        let (weight, bias) = try conv.makeParameters(name: "conv")
        try weight.store(kernel, engine: engine)
        try bias.store(biasValues, engine: engine)
        let src = try memory(conv.source, x), dst = try Memory(conv.destination, engine: engine)
        let diffDst = try memory(conv.destination, r), diffSrc = try Memory(conv.diffSource, engine: engine)
        let scratch = try pad(conv.scratchpadBytes)
        try conv.forward(src, weight: weight, bias: bias, into: dst, scratchpad: scratch)
        try conv.backwardData(diffDst, weight: weight, into: diffSrc, scratchpad: scratch)
        try conv.backwardWeights(src, diffDst, weight: weight, bias: bias, scratchpad: scratch)
        try engine.wait()

        func forward(_ x: [Double], _ k: [Double], _ b: [Double]) -> [Double] {
            naiveConvolution64(x, batch: n, channels: c.ic, height: c.h, width: c.w, kernel: c.k, stride: c.stride,
                               hwio: k, bias: b, outChannels: c.oc).values
        }
        let (xd, kd, bd, rd) = (x.doubles, kernel.doubles, biasValues.doubles, r.doubles)
        let want = forward(xd, kd, bd)
        #expect(maxAbsDifference(try dst.load(as: .nchw, engine: engine), want.map(Float.init)) < 1e-4)
        expectGradients(source: try diffSrc.load(as: .nchw, engine: engine),
                        kernel: try weight.loadGradient(engine: engine), bias: try bias.loadGradient(engine: engine),
                        at: (xd, kd, bd), upstream: rd, counts: (30, 30, 10), seed: 5, forward)
    }

    @Test("convolution: accumulate adds the second batch's kernel gradient to the first's")
    func convolutionAccumulates() throws {
        let conv = try TrainableConvolution(engine: engine, batch: 1, inChannels: 16, outChannels: 16,
                                            height: 5, width: 5, kernel: 3)
        let (weight, bias) = try conv.makeParameters(name: "c")
        try weight.store(randomValues(9 * 256, seed: 8), engine: engine)
        let a = try memory(conv.source, randomValues(400, seed: 9)), b = try memory(conv.source, randomValues(400, seed: 10))
        let r = try memory(conv.destination, randomValues(400, seed: 11))
        let scratch = try pad(conv.scratchpadBytes)
        try conv.backwardWeights(a, r, weight: weight, bias: bias, scratchpad: scratch)
        try engine.wait()
        let first = try weight.loadGradient(engine: engine)
        try conv.backwardWeights(b, r, weight: weight, bias: bias, scratchpad: scratch)
        try engine.wait()
        let second = try weight.loadGradient(engine: engine)
        try conv.backwardWeights(a, r, weight: weight, bias: bias, accumulate: true, scratchpad: scratch)
        try engine.wait()
        #expect(maxAbsDifference(try weight.loadGradient(engine: engine), zip(first, second).map { $0 + $1 }) < 1e-4)
    }

    @Test("batch norm: gradients through batch statistics and through frozen ones",
          arguments: [BatchNorm.Mode.batchStatistics, .frozenStatistics])
    func batchNorm(mode: BatchNorm.Mode) throws {
        let (n, c, h, w) = (3, 16, 4, 3)
        let desc = TensorDesc([n, c, h, w], .blocked)
        let bn = try BatchNorm(engine: engine, data: desc, epsilon: 0.001, momentum: 0.8, mode: mode)
        let p = try bn.makeParameters(name: "bn")
        let x = randomValues(n * c * h * w, scale: 2, seed: 12).map { $0 + 0.5 }
        let gamma = randomValues(c, seed: 13).map { $0 + 1.5 }, beta = randomValues(c, seed: 14)
        let runMean = randomValues(c, scale: 0.3, seed: 15), runVar = randomValues(c, scale: 0.5, seed: 16).map { $0 + 1 }
        try p.gamma.store(gamma, engine: engine)
        try p.beta.store(beta, engine: engine)
        try p.runningMean.store(runMean, from: .x, engine: engine)
        try p.runningVariance.store(runVar, from: .x, engine: engine)
        let r = randomValues(x.count, seed: 17)
        let src = try memory(desc, x), dst = try Memory(desc, engine: engine)
        let diffDst = try memory(desc, r), diffSrc = try Memory(desc, engine: engine)
        let stats = try bn.makeStatistics(), scratch = try pad(bn.scratchpadBytes)
        try bn.forwardTraining(src, p, into: dst, statistics: stats, scratchpad: scratch)
        try bn.backward(src, diffDst, p, statistics: stats, into: diffSrc, scratchpad: scratch)
        try engine.wait()

        let frozen = mode == .frozenStatistics ? (runMean.doubles, runVar.doubles) : nil
        func forward(_ x: [Double], _ g: [Double], _ b: [Double]) -> [Double] {
            naiveBatchNorm64(x, batch: n, channels: c, gamma: g, beta: b, epsilon: 0.001, statistics: frozen)
        }
        let (xd, gd, bd, rd) = (x.doubles, gamma.doubles, beta.doubles, r.doubles)
        #expect(maxAbsDifference(try dst.load(as: .nchw, engine: engine), forward(xd, gd, bd).map(Float.init)) < 1e-4)
        let dx = worstGradientError(analytic: try diffSrc.load(as: .nchw, engine: engine), point: xd, count: 30,
                                    seed: 18, step: 1e-4) { dot64(rd, forward($0, gd, bd)) }
        let dg = worstGradientError(analytic: try p.gamma.loadGradient(engine: engine), point: gd, count: 8,
                                    seed: 19) { dot64(rd, forward(xd, $0, bd)) }
        let db = worstGradientError(analytic: try p.beta.loadGradient(engine: engine), point: bd, count: 8,
                                    seed: 20) { dot64(rd, forward(xd, gd, $0)) }
        #expect(dx < tolerance && dg < tolerance && db < tolerance, "errors dx \(dx) dγ \(dg) dβ \(db)")
        // The data-only backward gives the same input gradient and leaves γ's gradient alone.
        let gammaGradient = try p.gamma.loadGradient(engine: engine)
        let dataOnly = try Memory(desc, engine: engine)
        try bn.backwardData(src, diffDst, p, statistics: stats, into: dataOnly, scratchpad: scratch)
        try engine.wait()
        #expect(try dataOnly.load(as: .nchw, engine: engine) == diffSrc.load(as: .nchw, engine: engine))
        #expect(try p.gamma.loadGradient(engine: engine) == gammaGradient)

        // Running statistics: Keras' momentum rule with the batch's unbiased variance, or untouched.
        let running = try p.runningMean.load(as: .x, engine: engine)
        let runningVariance = try p.runningVariance.load(as: .x, engine: engine)
        if mode == .frozenStatistics {
            #expect(running == runMean && runningVariance == runVar)
        } else {
            let m = n * h * w
            for ch in [0, 7, 15] {
                let values = (0..<n).flatMap { b in (0..<(h * w)).map { Double(x[(b * c + ch) * h * w + $0]) } }
                let mean = values.reduce(0, +) / Double(m)
                let unbiased = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(m - 1)
                #expect(abs(Double(running[ch]) - (0.8 * Double(runMean[ch]) + 0.2 * mean)) < 1e-5)
                #expect(abs(Double(runningVariance[ch]) - (0.8 * Double(runVar[ch]) + 0.2 * unbiased)) < 1e-4)
            }
        }
    }

    @Test("PReLU: input and slope gradients, sampled away from the kink at 0")
    func prelu() throws {
        let (n, c, h, w) = (2, 32, 3, 4)
        let desc = TensorDesc([n, c, h, w], .blocked)
        let layer = try TrainablePReLU(engine: engine, data: desc)
        let slopes = try layer.makeParameter(name: "p")
        let alpha = randomValues(c, scale: 0.3, seed: 21)
        try slopes.store(alpha, engine: engine)
        // Keep every input at least 0.05 from the kink, so x ± step never crosses it.
        let x = randomValues(n * c * h * w, seed: 22).map { $0 >= 0 ? $0 + 0.05 : $0 - 0.05 }
        let r = randomValues(x.count, seed: 23)
        let src = try memory(desc, x), dst = try Memory(desc, engine: engine)
        let diffDst = try memory(desc, r), diffSrc = try Memory(desc, engine: engine)
        let scratch = try pad(layer.scratchpadBytes)
        try layer.forward(src, slopes: slopes, into: dst, scratchpad: scratch)
        try layer.backward(src, diffDst, slopes: slopes, into: diffSrc, scratchpad: scratch)
        try engine.wait()
        let (xd, ad, rd) = (x.doubles, alpha.doubles, r.doubles)
        #expect(try dst.load(as: .nchw, engine: engine) == naivePReLU(x, channels: c, slopes: alpha)
            || maxAbsDifference(try dst.load(as: .nchw, engine: engine), naivePReLU64(xd, batch: n, channels: c, slopes: ad).map(Float.init)) < 1e-6)
        let dx = worstGradientError(analytic: try diffSrc.load(as: .nchw, engine: engine), point: xd, count: 30,
                                    seed: 24) { dot64(rd, naivePReLU64($0, batch: n, channels: c, slopes: ad)) }
        let da = worstGradientError(analytic: try slopes.loadGradient(engine: engine), point: ad, count: 16,
                                    seed: 25) { dot64(rd, naivePReLU64(xd, batch: n, channels: c, slopes: $0)) }
        #expect(dx < tolerance && da < tolerance, "errors dx \(dx) dα \(da)")
    }

    @Test("activations: LeakyReLU 0.2 (away from its kink), tanh, sigmoid", arguments: [
        TrainableActivation.Function.leakyReLU(slope: 0.2), .leakyReLU(slope: 0), .tanh, .sigmoid,
    ])
    func activation(_ function: TrainableActivation.Function) throws {
        let desc = TensorDesc([2, 16, 3, 5], .blocked)
        let layer = try TrainableActivation(engine: engine, data: desc, function: function)
        let x = randomValues(desc.elementCount, scale: 3, seed: 26)
        let r = randomValues(x.count, seed: 27)
        func f(_ v: Double) -> Double {
            switch function {
            case .leakyReLU(let slope): return v >= 0 ? v : Double(slope) * v
            case .tanh: return Foundation.tanh(v)
            case .sigmoid: return 1 / (1 + exp(-v))
            }
        }
        let src = try memory(desc, x), dst = try Memory(desc, engine: engine)
        let diffDst = try memory(desc, r), diffSrc = try Memory(desc, engine: engine)
        let scratch = try pad(layer.scratchpadBytes)
        try layer.forward(src, into: dst, scratchpad: scratch)
        try layer.backward(src, diffDst, into: diffSrc, scratchpad: scratch)
        try engine.wait()
        let (xd, rd) = (x.doubles, r.doubles)
        #expect(maxAbsDifference(try dst.load(as: .nchw, engine: engine), xd.map { Float(f($0)) }) < 1e-5)
        let dx = worstGradientError(analytic: try diffSrc.load(as: .nchw, engine: engine), point: xd, count: 40,
                                    seed: 28, step: 1e-4, skip: { abs(x[$0]) < 0.01 }) { dot64(rd, $0.map(f)) }
        #expect(dx < tolerance, "error \(dx)")
    }

    @Test("dense layer after a 4-D source: Keras' HWC-flattened kernel, all three gradients")
    func denseAfterFlatten() throws {
        let (n, c, h, w, o) = (2, 16, 3, 2, 8)
        let ip = try InnerProduct(engine: engine, source: TensorDesc([n, c, h, w], .blocked), outputs: o)
        let (weight, bias) = try ip.makeParameters(name: "dense")
        let x = randomValues(n * c * h * w, seed: 29), kernel = randomValues(c * h * w * o, scale: 0.3, seed: 30)
        let b = randomValues(o, seed: 31), r = randomValues(n * o, seed: 32)
        try weight.store(kernel, engine: engine)
        try bias.store(b, engine: engine)
        let src = try memory(ip.source, x), dst = try Memory(ip.destination, engine: engine)
        let diffDst = try memory(ip.destination, r, plain: .nc), diffSrc = try Memory(ip.source, engine: engine)
        let scratch = try pad(ip.scratchpadBytes)
        try ip.forward(src, weight: weight, bias: bias, into: dst, scratchpad: scratch)
        try ip.backwardData(diffDst, weight: weight, into: diffSrc, scratchpad: scratch)
        try ip.backwardWeights(src, diffDst, weight: weight, bias: bias, scratchpad: scratch)
        try engine.wait()
        func forward(_ x: [Double], _ k: [Double], _ b: [Double]) -> [Double] {
            naiveDense64(x, batch: n, channels: c, height: h, width: w, kernel: k, bias: b, outputs: o)
        }
        let (xd, kd, bd, rd) = (x.doubles, kernel.doubles, b.doubles, r.doubles)
        #expect(maxAbsDifference(try dst.load(as: .nc, engine: engine), forward(xd, kd, bd).map(Float.init)) < 1e-4)
        expectGradients(source: try diffSrc.load(as: .nchw, engine: engine),
                        kernel: try weight.loadGradient(engine: engine), bias: try bias.loadGradient(engine: engine),
                        at: (xd, kd, bd), upstream: rd, counts: (30, 30, 8), seed: 33, forward)
    }

    @Test("dense layer on a 2-D source (the discriminator's last layer)")
    func dense2D() throws {
        let (n, i, o) = (3, 20, 1)
        let ip = try InnerProduct(engine: engine, source: TensorDesc([n, i], .nc), outputs: o)
        let (weight, bias) = try ip.makeParameters(name: "d")
        let x = randomValues(n * i, seed: 36), kernel = randomValues(i * o, seed: 37), r = randomValues(n * o, seed: 38)
        try weight.store(kernel, engine: engine)
        try bias.store([0.25], engine: engine)
        let src = try memory(ip.source, x, plain: .nc), dst = try Memory(ip.destination, engine: engine)
        let diffDst = try memory(ip.destination, r, plain: .nc), diffSrc = try Memory(ip.source, engine: engine)
        let scratch = try pad(ip.scratchpadBytes)
        try ip.forward(src, weight: weight, bias: bias, into: dst, scratchpad: scratch)
        try ip.backwardData(diffDst, weight: weight, into: diffSrc, scratchpad: scratch)
        try ip.backwardWeights(src, diffDst, weight: weight, bias: bias, scratchpad: scratch)
        try engine.wait()
        func forward(_ x: [Double], _ k: [Double]) -> [Double] {
            naiveDense64(x, batch: n, channels: i, height: 1, width: 1, kernel: k, bias: [0.25], outputs: o)
        }
        let (xd, kd, rd) = (x.doubles, kernel.doubles, r.doubles)
        #expect(maxAbsDifference(try dst.load(as: .nc, engine: engine), forward(xd, kd).map(Float.init)) < 1e-5)
        let dx = worstGradientError(analytic: try diffSrc.load(as: .nc, engine: engine), point: xd, count: 20,
                                    seed: 39) { dot64(rd, forward($0, kd)) }
        let dk = worstGradientError(analytic: try weight.loadGradient(engine: engine), point: kd, count: 20,
                                    seed: 40) { dot64(rd, forward(xd, $0)) }
        let gb = try bias.loadGradient(engine: engine)[0]
        #expect(dx < tolerance && dk < tolerance && abs(gb - r.reduce(0, +)) < 1e-5)
    }

    @Test("batched pixel shuffle: depth_to_space per image; backward is the inverse permutation")
    func pixelShuffle() throws {
        let (n, c, h, w) = (2, 32, 3, 5)
        let shuffle = try PixelShuffle(engine: engine, batch: n, channels: c, height: h, width: w)
        let x = randomValues(n * 4 * c * h * w, seed: 41)
        let src = try memory(shuffle.source, x), dst = try Memory(shuffle.destination, engine: engine)
        try shuffle.forward(src, into: dst)
        let back = try Memory(shuffle.source, engine: engine)
        try shuffle.backward(dst, into: back)
        try engine.wait()
        let image = 4 * c * h * w
        let want = (0..<n).flatMap { b in
            naiveDepthToSpace(Array(x[(b * image)..<((b + 1) * image)]), outChannels: c, height: h, width: w)
        }
        #expect(try dst.load(as: .nchw, engine: engine) == want)
        #expect(try back.load(as: .nchw, engine: engine) == x)
    }

    @Test("2×2 max pooling: forward picks each window's maximum, backward routes the gradient to it")
    func maxPooling() throws {
        let (n, c, h, w) = (2, 16, 6, 4)
        let desc = TensorDesc([n, c, h, w], .blocked)
        let pool = try MaxPooling(engine: engine, source: desc)
        // Distinct values, so no window has a tie and every gradient has one destination.
        let x = (0..<desc.elementCount).map { Float(($0 * 7919) % desc.elementCount) / 100 }
        let r = randomValues(pool.destination.elementCount, seed: 44)
        let src = try memory(desc, x), dst = try Memory(pool.destination, engine: engine)
        let workspace = try Memory(pool.workspaceLayout, engine: engine)
        let diffDst = try memory(pool.destination, r), diffSrc = try Memory(desc, engine: engine)
        let scratch = try pad(pool.scratchpadBytes)
        try pool.forward(src, into: dst, workspace: workspace, scratchpad: scratch)
        try pool.backward(diffDst, workspace: workspace, into: diffSrc, scratchpad: scratch)
        try engine.wait()
        func forward(_ x: [Double]) -> [Double] {
            var y: [Double] = []
            for p in 0..<(n * c) { for yy in 0..<(h / 2) { for xx in 0..<(w / 2) {
                let b = p * h * w + 2 * yy * w + 2 * xx
                y.append(max(max(x[b], x[b + 1]), max(x[b + w], x[b + w + 1])))
            } } }
            return y
        }
        #expect(try dst.load(as: .nchw, engine: engine) == forward(x.doubles).map(Float.init))
        let dx = worstGradientError(analytic: try diffSrc.load(as: .nchw, engine: engine), point: x.doubles, count: 40,
                                    seed: 45, step: 1e-4) { dot64(r.doubles, forward($0)) }
        #expect(dx < tolerance, "error \(dx)")
    }

    @Test("addition, in place: the residual add")
    func addition() throws {
        let desc = TensorDesc([2, 16, 3, 3], .blocked)
        let add = try Addition(engine: engine, data: desc)
        let a = randomValues(desc.elementCount, seed: 42), b = randomValues(desc.elementCount, seed: 43)
        let ma = try memory(desc, a), mb = try memory(desc, b)
        try add.forward(ma, mb, into: ma, scratchpad: try pad(add.scratchpadBytes))
        try engine.wait()
        #expect(try ma.load(as: .nchw, engine: engine) == zip(a, b).map { $0 + $1 })
    }

    @Test("no training layer falls back to reference code at the SRGAN training shapes (batch 16, 96² crops)")
    func realisticShapesRunFastKernels() throws {
        let n = 16
        var found: [(String, [String])] = []
        func conv(_ ic: Int, _ oc: Int, _ size: Int, k: Int = 3, s: Int = 1, margin: Int = 0,
                  src: TensorDesc.Layout = .blocked, dst: TensorDesc.Layout = .blocked) throws {
            let c = try TrainableConvolution(engine: engine, batch: n, inChannels: ic, outChannels: oc, height: size,
                                             width: size, kernel: k, stride: s, sourceMargin: margin, sourceLayout: src,
                                             destinationLayout: dst)
            found.append(("conv \(k)×\(k)/\(s) \(ic)→\(oc) at \(size)²", c.implementations))
        }
        // The 9×9 layers run unpadded on sources with zero margins of 4 (TrainableGenerator).
        let head = try TrainableConvolution(engine: engine, batch: n, inChannels: 3, outChannels: 64, height: 24,
                                            width: 24, kernel: 9, sourceMargin: 4, sourceLayout: .nchw)
        // The generator's head needs no input gradient, so its reference backward-data never runs.
        found.append(("generator head", [head.implementations[0], head.implementations[2]]))
        try conv(64, 64, 24)                            // residual blocks
        try conv(64, 256, 24); try conv(64, 256, 48)    // upsampling
        try conv(64, 3, 96, k: 9, margin: 4)            // generator tail (3 channels padded to a block)
        try conv(3, 64, 96, src: .nchw)                 // discriminator / VGG first layer
        try conv(64, 64, 96, s: 2); try conv(64, 128, 48); try conv(128, 128, 48, s: 2)
        try conv(256, 256, 24, s: 2); try conv(256, 512, 12); try conv(512, 512, 12, s: 2)
        let data = [TensorDesc([n, 64, 24, 24], .blocked), TensorDesc([n, 64, 96, 96], .blocked)]
        for d in data {
            found.append(("batch norm \(d.dims)", try BatchNorm(engine: engine, data: d, momentum: 0.8).implementations))
            found.append(("PReLU \(d.dims)", try TrainablePReLU(engine: engine, data: d).implementations))
            found.append(("LeakyReLU \(d.dims)",
                          try TrainableActivation(engine: engine, data: d, function: .leakyReLU(slope: 0.2)).implementations))
            found.append(("add \(d.dims)", [try Addition(engine: engine, data: d).implementation]))
        }
        found.append(("tanh", try TrainableActivation(engine: engine, data: TensorDesc([n, 3, 96, 96], .nchw),
                                                      function: .tanh).implementations))
        found.append(("dense 18432→1024", try InnerProduct(engine: engine, source: TensorDesc([n, 512, 6, 6], .blocked),
                                                           outputs: 1024).implementations))
        found.append(("dense 1024→1", try InnerProduct(engine: engine, source: TensorDesc([n, 1024], .nc),
                                                       outputs: 1).implementations))
        found.append(("pixel shuffle", try PixelShuffle(engine: engine, batch: n, channels: 64, height: 24,
                                                             width: 24).implementations))
        let slow = found.filter { _, implementations in implementations.contains { $0.hasPrefix("ref") } }
        #expect(slow.isEmpty, "reference code in: \(slow.map { "\($0.0): \($0.1)" }.joined(separator: "; "))")
    }
}

