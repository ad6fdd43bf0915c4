/// Resizes rows of interleaved float samples with a Lanczos-3 filter, streamed: rows go in top to
/// bottom and finished rows come out as soon as every input row they weigh has arrived, so only
/// the filter's window of rows (a dozen or so) is ever held, never the image.
///
/// The weights are those of Pillow's `Image.resize(…, LANCZOS)` (ImagingResample): each output
/// sample's centre at (i + ½)·in/out, a support of 3 · max(in/out, 1) input samples (the filter
/// widens when shrinking, which is what antialiases), taps clipped to the image and normalised
/// to sum to 1, horizontal pass first and clipped to 0…255. Pillow also rounds to 8 bits between
/// its passes; this keeps floats, so the two agree within one level.
import Foundation

struct LanczosResampler {
    let channels: Int
    let horizontal: Taps
    let vertical: Taps
    private let inputHeight: Int
    /// Horizontally resized rows by input row index, only those a later output row still needs.
    private var window: [Int: [Float]] = [:]
    private var rowsIn = 0
    private var rowsOut = 0
    private var output: [Float]

    init(input: (width: Int, height: Int), output size: (width: Int, height: Int), channels: Int) {
        self.channels = channels
        horizontal = Taps(inSize: input.width, outSize: size.width)
        vertical = Taps(inSize: input.height, outSize: size.height)
        inputHeight = input.height
        output = [Float](repeating: 0, count: size.width * channels)
    }

    var outputWidth: Int { horizontal.outSize }

    /// Takes the next input row (input width × channels samples) and hands each output row it
    /// completes to `emit`.
    mutating func push(_ row: UnsafeBufferPointer<Float>, emit: ([Float]) throws -> Void) rethrows {
        precondition(rowsIn < inputHeight && row.count == horizontal.inSize * channels)
        var resized = [Float](repeating: 0, count: horizontal.outSize * channels)
        for x in 0..<horizontal.outSize {
            let (start, weights) = (horizontal.starts[x], horizontal.weights[x])
            for c in 0..<channels {
                var sum: Float = 0
                for (k, w) in weights.enumerated() { sum += w * row[(start + k) * channels + c] }
                // Samples are on the 0…255 scale: like Pillow, the horizontal pass is clipped to it
                // before the vertical one (a lobe's overshoot is not carried into the next pass).
                resized[x * channels + c] = min(max(sum, 0), 255)
            }
        }
        window[rowsIn] = resized
        rowsIn += 1
        while rowsOut < vertical.outSize {
            let (start, weights) = (vertical.starts[rowsOut], vertical.weights[rowsOut])
            guard start + weights.count <= rowsIn else { break }
            for i in output.indices { output[i] = 0 }
            for (k, w) in weights.enumerated() {
                let source = window[start + k]!
                for i in output.indices { output[i] += w * source[i] }
            }
            try emit(output)
            rowsOut += 1
            // Rows below the next output row's first tap are never read again.
            let keepFrom = rowsOut < vertical.outSize ? vertical.starts[rowsOut] : rowsIn
            for index in window.keys where index < keepFrom { window.removeValue(forKey: index) }
        }
    }

    /// One axis's taps: for each output index, the first input index and the weights from there.
    struct Taps {
        let inSize: Int
        let outSize: Int
        let starts: [Int]
        let weights: [[Float]]

        init(inSize: Int, outSize: Int) {
            self.inSize = inSize
            self.outSize = outSize
            let scale = Double(inSize) / Double(outSize)
            let filterScale = max(scale, 1)
            let support = 3 * filterScale
            var starts: [Int] = [], weights: [[Float]] = []
            for i in 0..<outSize {
                let centre = (Double(i) + 0.5) * scale
                let first = max(0, Int(centre - support + 0.5))
                let end = min(inSize, Int(centre + support + 0.5))
                var taps = (first..<end).map { Self.lanczos((Double($0) - centre + 0.5) / filterScale) }
                let total = taps.reduce(0, +)
                if total != 0 { taps = taps.map { $0 / total } }
                starts.append(first)
                weights.append(taps.map(Float.init))
            }
            self.starts = starts
            self.weights = weights
        }

        static func lanczos(_ x: Double) -> Double {
            guard x >= -3 && x < 3 else { return 0 }
            return sinc(x) * sinc(x / 3)
        }

        static func sinc(_ x: Double) -> Double {
            x == 0 ? 1 : sin(.pi * x) / (.pi * x)
        }
    }
}
