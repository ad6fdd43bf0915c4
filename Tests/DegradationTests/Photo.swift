/// The photo the degradation tests work on, and small statistics over images.
import Degradation
import Foundation
import TestSupport

enum Photo {
    /// coffee.jpg (400×300), a real photograph, as floats.
    static func coffee() throws -> RGBImage {
        try RGBImage.load(path: TestEnvironment.fixture("UpscalingTests", "coffee.jpg"))
    }

    /// A `width × height` image of one level.
    static func flat(_ level: Float, width: Int = 64, height: Int = 64) -> RGBImage {
        RGBImage(width: width, height: height, pixels: [Float](repeating: level, count: width * height * 3))
    }

    static func meanAndDeviation(_ values: [Double]) -> (mean: Double, sigma: Double) {
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
        return (mean, variance.squareRoot())
    }
}
