/// The plain image type the training pipeline and its degradations work on.
import Foundation
import Imaging

/// An RGB image, samples interleaved (HWC) on the 0…255 scale.
public struct RGBImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var pixels: [Float]

    public init(width: Int, height: Int, pixels: [Float]) {
        precondition(pixels.count == width * height * 3, "expected \(width * height * 3) samples")
        (self.width, self.height, self.pixels) = (width, height, pixels)
    }

    /// From 8-bit samples, `channels` (1 or 3) per pixel; gray becomes RGB.
    public init(width: Int, height: Int, samples: [UInt8], channels: Int) {
        precondition(channels == 1 || channels == 3, "expected 1 or 3 channels")
        let pixels = channels == 3 ? samples.map(Float.init) : samples.flatMap { [Float](repeating: Float($0), count: 3) }
        self.init(width: width, height: height, pixels: pixels)
    }

    /// Reads a PNG or JPEG; grey becomes RGB and alpha is dropped (training sees colour only).
    public static func load(path: String) throws -> RGBImage {
        let buffer = try PixelBuffer.load(path: path)
        let samples = buffer.floatSamples(), c = buffer.channels
        var pixels = [Float](repeating: 0, count: buffer.width * buffer.height * 3)
        for i in 0..<(buffer.width * buffer.height) {
            for k in 0..<3 { pixels[i * 3 + k] = samples[i * c + (c >= 3 ? k : 0)] }
        }
        return RGBImage(width: buffer.width, height: buffer.height, pixels: pixels)
    }

    /// The top-left `width × height` part.
    public func cropped(width w: Int, height h: Int, x: Int = 0, y: Int = 0) -> RGBImage {
        var out = [Float](repeating: 0, count: w * h * 3)
        for row in 0..<h {
            let from = ((y + row) * width + x) * 3
            out.replaceSubrange((row * w * 3)..<((row + 1) * w * 3), with: pixels[from..<(from + w * 3)])
        }
        return RGBImage(width: w, height: h, pixels: out)
    }
}
