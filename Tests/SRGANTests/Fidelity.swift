/// Comparing our output with the golden references made by the original TensorFlow model
/// (tools/reference/make_fixtures.py).
import Foundation
import Imaging
import TestSupport

/// 8-bit RGB samples of a fixture PNG, with its size.
func loadFixtureImage(_ name: String) throws -> (samples: [UInt8], width: Int, height: Int) {
    let reader = try ImageReader(path: TestEnvironment.fixture("SRGANTests", name))
    var samples: [UInt8] = []
    try reader.readRows(count: reader.info.height, into: &samples)
    precondition(reader.info.channels == 3 && reader.info.bitDepth == 8, "\(name): expected 8-bit RGB")
    return (samples, reader.info.width, reader.info.height)
}

/// What TensorFlow's `resolve()` does to the network output: clip to 0…255, round half to even.
func quantize(_ values: [Float]) -> [UInt8] {
    values.map { UInt8(min(255, max(0, $0)).rounded(.toNearestOrEven)) }
}

/// How far two 8-bit images are apart: the share of values that differ at all, and the largest
/// difference.
struct Agreement: CustomStringConvertible {
    let differing: Int
    let total: Int
    let maxDifference: Int

    init(_ a: [UInt8], _ b: [UInt8]) {
        precondition(a.count == b.count)
        var differing = 0, largest = 0
        for i in a.indices where a[i] != b[i] {
            differing += 1
            largest = max(largest, abs(Int(a[i]) - Int(b[i])))
        }
        (self.differing, total, maxDifference) = (differing, a.count, largest)
    }

    var fractionDiffering: Double { Double(differing) / Double(total) }
    var description: String { "\(differing) of \(total) values differ (max by \(maxDifference))" }
}
