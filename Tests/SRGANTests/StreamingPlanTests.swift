/// Streaming an image through the network row by row is whole-image inference, not an
/// approximation of it: the same layers on the same rows, in another order.
import Foundation
import Testing
import SRGAN
import TestSupport

@Suite("streamed inference", .serialized)
struct StreamingPlanTests {
    let generator: Generator

    init() throws {
        generator = try Generator(contentsOf: TestEnvironment.model("srgan-gan.safetensors"), threads: 2)
    }

    /// A smooth pattern with edges and texture: values the network does not saturate everywhere.
    func pattern(width: Int, height: Int) -> [Float] {
        (0..<height).flatMap { y in
            (0..<width).flatMap { x -> [Float] in
                let u = Float(x) / 7, v = Float(y) / 5
                return [128 + 100 * sin(u + v), 128 + 90 * cos(u * 0.7 - v * 1.3), Float((x * 31 + y * 17) % 256)]
            }
        }
    }

    func streamed(_ values: [Float], width: Int, height: Int) throws -> [Float] {
        var position = 0, output: [Float] = [], fractions: [Double] = []
        try generator.stream(height: height, width: width, read: { count, buffer in
            #expect(position + count * width * 3 <= values.count, "reads past the image")
            values.withUnsafeBufferPointer { (buffer).update(from: $0.baseAddress! + position, count: count * width * 3) }
            position += count * width * 3
        }, write: { count, buffer in
            output.append(contentsOf: UnsafeBufferPointer(start: buffer, count: count * width * 48 / 4))
        }, progress: { fractions.append($0) })
        #expect(position == values.count, "every input row read once")
        #expect(fractions.last == 1 && zip(fractions, fractions.dropFirst()).allSatisfy { $0 <= $1 })
        return output
    }

    /// Sizes around the plan's step (8 rows), its band heights (8, 4, 2 and 1 input rows for
    /// widths up to 256, 512, 1024 and beyond) and the network's 38-row lag.
    @Test("every output value is the whole-image network's, to float rounding",
          arguments: [(24, 1), (9, 7), (40, 37), (31, 120), (300, 45), (600, 21), (1100, 12)])
    func matchesWholeImage(width: Int, height: Int) throws {
        let values = pattern(width: width, height: height)
        let whole = try generator.run(values, height: height, width: width)
        generator.releasePlans()
        let rows = try streamed(values, width: width, height: height)
        #expect(rows.count == whole.count)
        guard rows.count == whole.count else { return }
        var largest: Float = 0
        for i in whole.indices { largest = max(largest, abs(whole[i] - rows[i])) }
        // Summation order differs with the primitives' shapes; a missing row, a shifted band or
        // a wrong skip would be tens of levels off.
        #expect(largest <= 0.05, "largest difference \(largest) levels")
    }

    @Test("one plan serves every height of a width; its memory is set by the width")
    func planPerWidth() throws {
        _ = try streamed(pattern(width: 64, height: 50), width: 64, height: 50)
        let misses = generator.planMisses
        _ = try streamed(pattern(width: 64, height: 90), width: 64, height: 90)
        #expect(generator.planMisses == misses)
        let narrow = try generator.streamingActivationBytes(width: 500)
        let wide = try generator.streamingActivationBytes(width: 1000)
        #expect(wide > narrow && wide < 3 * narrow)
        #expect(try generator.streamingImplementations(width: 1000).allSatisfy { !$0.implementation.hasPrefix("ref") })
    }
}
