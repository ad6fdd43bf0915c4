/// Everything the generator needs to run on one input size: primitives, weights, activations.
import Foundation
import Neural

/// The generator compiled for one H×W input: oneDNN primitives created once, weights reordered
/// into the layouts those primitives chose, and one arena for all activations.
///
/// Activations are `blocked` (nChw16c or nChw8c) from the first layer to the last; the only layout changes are at the
/// input, at the two pixel shuffles (strided-view reorders) and at the output, which the tail's
/// shifted sum writes as interleaved RGB.
///
/// The second upsampling convolution and the tail (see `TailSplitting`) run in bands of
/// `bandRows` output rows (see `BandGeometry`, `Band`): each band's inputs are gathered by the
/// pixel-shuffle reorders into small buffers with zero margins, so the convolutions need no
/// padding of their own and a band's tensors stay in cache from one layer to the next. The tail's
/// 32-channel output is summed, shifted, straight into the caller's output, which then gets tanh
/// and the rescale in place.
///
/// Activation memory is one arena (320·H·W floats plus one band's buffers), reused as tensors die:
/// - the first upsampling's output (256 ch) lies over the residual stream and its temporary
///   (64 ch each), which are dead by the time it is written;
/// - the head's output (64 ch), kept for the skip across the trunk and read by the first
///   upsampling, lies beside it;
/// - then the band buffers: the second upsampling's input (64 ch) and its two alternating
///   outputs (256 ch) at 2× scale, the tail's input (64 ch) and output (32 ch) at 4× scale.
/// Two separate arenas (head, stream, temporary; then the upsampling) held 448·H·W floats.
final class GeneratorPlan {
    static let bandRows = 32

    let height: Int
    let width: Int
    let engine: Engine

    private let inputView: TensorDesc
    private let inputReorder: Reorder?
    /// The reorder's target (a view into `headInputBuffer` on AVX2) and what the head reads.
    private let headInput: Memory?
    private let headInputBuffer: Memory?
    private let head: Convolution
    private let conv: Convolution
    private let convAdd: Convolution
    private let prelu64: PReLU
    private let up0: Convolution
    private let prelu256: PReLU
    private let ends: BandPrimitives
    private let bands: [Band]
    /// The distinct pixel-shuffle reorders the bands share.
    private let shuffles: [Reorder]
    private let geometry: BandGeometry
    private let activation: Eltwise
    private let rescale: Eltwise
    private let outputView: TensorDesc

    private let arena: Memory
    private let x1: Memory, stream: Memory, temp: Memory
    private let u0: Memory
    private let up1Input: Memory, tailInput: Memory, tailOutput: Memory
    private let scratchpad: Scratchpad

    private let loaded: PlanWeights
    private let spareRow: UnsafeMutablePointer<Float>

    init(weights: GeneratorWeights, splitTail: ConvParameters, height h: Int, width w: Int,
         engine: Engine, algorithm: Convolution.Algorithm) throws {
        (height, width, self.engine) = (h, w, engine)
        let f = GeneratorWeights.features
        let lr64 = TensorDesc([1, f, h, w], .blocked)
        let lr256 = TensorDesc([1, 4 * f, h, w], .blocked)
        let geometry = BandGeometry(lowHeight: h, lowWidth: w, maxBandRows: Self.bandRows)
        self.geometry = geometry

        // Input: the caller's H×W×3 floats (NHWC). On AVX-512 the head convolution picks its
        // own layout for a 3-channel source and we reorder into it only if it differs. On AVX2,
        // oneDNN 2.6's jit kernel refuses a left padding wider than its 3-column register block
        // (the head pads by 4) and only reference code remains (68 ms at 24×20, 9 s at 256²):
        // there the input is reordered into the middle of a plain NCHW buffer with a zero
        // margin of 4, and the convolution runs unpadded.
        inputView = TensorDesc([1, 3, h, w], .nhwc)
        if TensorDesc.channelBlock == 16 {
            head = try Convolution(engine: engine, source: TensorDesc([1, 3, h, w], .any), destination: lr64,
                                   kernel: 9, padding: 4, algorithm: .direct)
            if head.source == inputView {
                inputReorder = nil
                headInput = nil
            } else {
                inputReorder = try Reorder(from: inputView, to: head.source, engine: engine)
                headInput = try Memory(head.source, engine: engine)
            }
            headInputBuffer = headInput
        } else {
            let (ph, pw) = (h + 8, w + 8)
            head = try Convolution(engine: engine, source: TensorDesc([1, 3, ph, pw], .nchw), destination: lr64,
                                   kernel: 9, padding: 0, algorithm: .direct)
            let buffer = try Memory(head.source, engine: engine)
            buffer.floats.update(repeating: 0)
            let interior = TensorDesc([1, 3, h, w], strides: [3 * ph * pw, ph * pw, pw, 1])
            inputReorder = try Reorder(from: inputView, to: interior, engine: engine)
            headInput = try Memory(view: interior, of: buffer, offset: 4 * pw + 4, engine: engine)
            headInputBuffer = buffer
        }
        func conv3x3(_ source: TensorDesc, _ destination: TensorDesc, _ postOps: [PostOp] = []) throws -> Convolution {
            try Convolution(engine: engine, source: source, destination: destination, kernel: 3, padding: 1,
                            algorithm: algorithm, postOps: postOps)
        }
        conv = try conv3x3(lr64, lr64)
        convAdd = try conv3x3(lr64, lr64, [.sum])
        prelu64 = try PReLU(engine: engine, data: lr64)
        up0 = try conv3x3(lr64, lr256)
        prelu256 = try PReLU(engine: engine, data: lr256)
        let ends = try BandPrimitives(geometry, engine: engine, algorithm: algorithm)
        self.ends = ends
        // tanh, then back to 0…255, as separate passes over the finished output: oneDNN has no
        // Winograd kernel with a tanh post-op, and a linear post-op on tanh runs reference code.
        outputView = TensorDesc([4 * h * 4 * w * 3], .x)
        activation = try Eltwise(engine: engine, data: outputView, function: .tanh)
        rescale = try Eltwise(engine: engine, data: outputView, function: .linear(scale: 127.5, shift: 127.5))

        let lrSize = f * h * w
        let bandBuffers = [ends.up1.source, ends.up1.destination, ends.up1.destination, ends.tail.source, ends.tail.destination]
        let bandOffsets = bandBuffers.reduce(into: [5 * lrSize]) { $0.append($0.last! + $1.byteCount / 4) }
        let arena = try Memory(TensorDesc([bandOffsets.last!], .x), engine: engine)
        self.arena = arena
        stream = try Memory(view: lr64, of: arena, offset: 0, engine: engine)
        temp = try Memory(view: lr64, of: arena, offset: lrSize, engine: engine)
        let u0 = try Memory(view: lr256, of: arena, offset: 0, engine: engine)
        x1 = try Memory(view: lr64, of: arena, offset: 4 * lrSize, engine: engine)
        let views = try zip(bandBuffers, bandOffsets).map { try Memory(view: $0, of: arena, offset: $1, engine: engine) }
        (self.u0, up1Input, tailInput, tailOutput) = (u0, views[0], views[3], views[4])
        let reorders = ReorderCache(engine: engine)
        bands = try (0..<geometry.count).map { k in
            try Band(k, geometry: geometry, lowUpsampled: u0, upsamplingInput: views[0],
                     outputs: [views[1], views[2]], tailInput: views[3], engine: engine, reorder: reorders.reorder)
        }
        shuffles = reorders.all

        let needs = [head.scratchpadBytes, conv.scratchpadBytes, convAdd.scratchpadBytes,
                     prelu64.scratchpadBytes, up0.scratchpadBytes, prelu256.scratchpadBytes,
                     activation.scratchpadBytes, rescale.scratchpadBytes, inputReorder?.scratchpadBytes ?? 0]
                    + ends.scratchpadBytes + shuffles.map(\.scratchpadBytes)
        scratchpad = try Scratchpad(bytes: needs.max()!, engine: engine)

        loaded = try PlanWeights(weights, splitTail: splitTail, head: head, headPReLU: prelu64, conv: conv,
                                 convAdd: convAdd, prelu64: prelu64, up0: up0, prelu256: prelu256, ends: ends,
                                 engine: engine)
        spareRow = .allocate(capacity: 4 * w * 3)
    }

    deinit { spareRow.deallocate() }

    /// Each distinct primitive and the implementation oneDNN chose for it.
    var implementations: [(layer: String, implementation: String)] {
        var list = [("head conv 9×9", head.implementation), ("conv 3×3", conv.implementation),
                    ("conv 3×3 + residual", convAdd.implementation), ("PReLU 64", prelu64.implementation),
                    ("upsample conv 1", up0.implementation), ("PReLU 256", prelu256.implementation)]
                   + ends.implementations
                   + [("tanh", activation.implementation), ("rescale to 0…255", rescale.implementation)]
        list += shuffles.map { ("pixel shuffle into a band", $0.implementation) }
        if let inputReorder { list.insert(("input reorder", inputReorder.implementation), at: 0) }
        return list
    }

    /// Peak bytes this plan holds for activations and scratch (weights excluded).
    var activationBytes: Int { arena.desc.byteCount + scratchpad.byteCount }

    /// Multiply-adds per input pixel of each stage, from the layer shapes: the head 9×9·3→64,
    /// each of the 33 trunk convolutions 3×3·64→64, the first upsampling 3×3·64→256, then per
    /// band the second upsampling (3×3·64→256 on 4 pixels per input pixel) and the tail
    /// (9×9·64→3 on 16). Progress advances by these, so it moves evenly in time within a tile.
    static let headWork = 81.0 * 3 * 64, trunkConvolutionWork = 9.0 * 64 * 64, upsampleWork = 9.0 * 64 * 256
    static let bandWork = 4 * upsampleWork + 16 * 81.0 * 64 * 3
    static let totalWork = headWork + 33 * trunkConvolutionWork + upsampleWork + bandWork

    /// Runs the network: `input` is H×W×3 floats on the 0…255 scale, `output` receives
    /// 4H×4W×3 floats on the same scale, not clipped. `progress` gets the fraction of the work
    /// done after each residual block and each band (about 20 calls), on this thread.
    func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
             progress: (Double) -> Void = { _ in }) throws {
        var work = 0.0
        func advance(_ amount: Double) {
            work += amount
            progress(min(1, work / Self.totalWork))
        }
        let source = try Memory(inputView, engine: engine, borrowing: UnsafeMutableRawPointer(mutating: input))
        let destination = try Memory(outputView, engine: engine, borrowing: output)
        var headSource = source
        if let inputReorder, let headInput, let headInputBuffer {
            try inputReorder.execute(source, headInput, scratchpad: scratchpad)
            headSource = headInputBuffer
        }
        try head.forward(headSource, loaded.head, into: x1, scratchpad: scratchpad)
        try prelu64.forward(x1, slopes: loaded.headSlopes, into: x1, scratchpad: scratchpad)
        memcpy(stream.data, x1.data, x1.desc.byteCount)
        for (conv1, slopes, conv2) in loaded.blocks {
            try conv.forward(stream, conv1, into: temp, scratchpad: scratchpad)
            try prelu64.forward(temp, slopes: slopes, into: temp, scratchpad: scratchpad)
            try convAdd.forward(temp, conv2, into: stream, scratchpad: scratchpad)
            advance(work == 0 ? Self.headWork + 2 * Self.trunkConvolutionWork : 2 * Self.trunkConvolutionWork)
        }
        try convAdd.forward(stream, loaded.trunk, into: x1, scratchpad: scratchpad)
        try up0.forward(x1, loaded.up0, into: u0, scratchpad: scratchpad)
        try prelu256.forward(u0, slopes: loaded.up0Slopes, into: u0, scratchpad: scratchpad)
        advance(Self.trunkConvolutionWork + Self.upsampleWork)
        loaded.tailBias.withUnsafeBufferPointer { bias in
            for pixel in 0..<(16 * height * width) { (output + 3 * pixel).update(from: bias.baseAddress!, count: 3) }
        }
        for band in bands {
            try ends.run(band, weights: loaded, upsamplingInput: up1Input, tailInput: tailInput, tailOutput: tailOutput,
                         scratchpad: scratchpad, engine: engine)
            geometry.accumulate(tailOutput.floats.baseAddress!, band: band.zRows, into: output, spare: spareRow)
            advance(Self.bandWork / Double(bands.count))
        }
        try activation.forward(destination, into: destination, scratchpad: scratchpad)
        try rescale.forward(destination, into: destination, scratchpad: scratchpad)
        try engine.wait()
    }
}
