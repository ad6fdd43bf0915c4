/// Scoring a generator on held-out images: ×4 bicubic LR in, 8-bit SR out (clipped and rounded
/// as the product writes it), PSNR and SSIM on Y against the HR image.
import Foundation
import ModelFormats
import SRGAN

public struct Scores: Sendable, Equatable, CustomStringConvertible {
    public var psnr: Double
    public var ssim: Double
    public var description: String { String(format: "PSNR-Y %.3f dB, SSIM-Y %.4f", psnr, ssim) }
}

public enum Validation {
    /// Mean PSNR-Y and SSIM-Y of the generator in `file` over `pairs`.
    public static func score(_ file: TensorFile, pairs: [ImagePair], threads: Int) throws -> Scores {
        let generator = try Generator(weights: GeneratorWeights(file, path: "(model being trained)"), threads: threads)
        var psnr = 0.0, ssim = 0.0
        for pair in pairs {
            let sr = try generator.run(pair.lr.pixels, height: pair.lr.height, width: pair.lr.width)
            // Round half to even like the product's 8-bit output (tf.round).
            let image = RGBImage(width: pair.hr.width, height: pair.hr.height,
                                 pixels: sr.map { min(max($0, 0), 255).rounded(.toNearestOrEven) })
            psnr += Quality.psnrY(image, pair.hr)
            ssim += Quality.ssimY(image, pair.hr)
        }
        return Scores(psnr: psnr / Double(pairs.count), ssim: ssim / Double(pairs.count))
    }

}
