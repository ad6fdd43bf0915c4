/// `enhance-ctl upscale IN OUT`: one image, start to finish.
import ArgumentParser
import Common
import Foundation
import SRGAN
import Upscaling

struct Upscale: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Upscale one PNG, JPEG, TIFF, WebP, HEIC or AVIF image 4× with the SRGAN generator.",
        discussion: "OUT is written under a temporary name and renamed when complete, so a failure never leaves a partial file.")

    @Argument(help: "The input image (PNG, JPEG, TIFF, WebP, HEIC or AVIF, recognised by content).")
    var input: String

    @Argument(help: "The output image; its extension (.png, .jpg, .jpeg, .tif, .tiff, .webp) picks the format.")
    var output: String

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "Tile size in input pixels; memory grows with its square.")
    var tile: Int = Defaults.tile

    @Option(help: "Overlap between neighbouring tiles, in input pixels.")
    var overlap: Int = Defaults.overlap

    @Option(help: "JPEG (and lossy WebP) output quality, 1–100.")
    var quality: Int = Defaults.jpegQuality

    @Option(help: "Refuse inputs with more pixels than this (checked from the header).")
    var maxPixels: Int = Defaults.maxInputPixels

    @Option(help: "What a translucent image is flattened onto in a JPEG: \(BackgroundColor.accepted) (default white).",
            transform: { text in
                guard let color = BackgroundColor(parsing: text) else {
                    throw ValidationError("--background must be \(BackgroundColor.accepted), got '\(text)'")
                }
                return color
            })
    var background: BackgroundColor = .white

    func validate() throws {
        guard Defaults.tileRange.contains(tile) else {
            throw ValidationError("--tile must be between \(Defaults.tileRange.lowerBound) and \(Defaults.tileRange.upperBound)")
        }
        guard Defaults.overlapRange(tile: tile).contains(overlap) else {
            throw ValidationError("--overlap must be between 0 and \(Defaults.overlapRange(tile: tile).upperBound) (less than half the tile)")
        }
        guard (1...100).contains(quality) else { throw ValidationError("--quality must be between 1 and 100") }
    }

    func run() throws {
        try reportingFailures {
            let generator = try Generator(contentsOf: try modelOptions.modelPath(), threads: modelOptions.threadCount)
            var options = UpscaleOptions()
            options.tile = tile
            options.overlap = overlap
            options.jpegQuality = quality
            options.maxPixels = maxPixels
            options.background = background
            let bar = ProgressBar("upscaling")
            defer { bar.finish() }
            let result = try ImageUpscaler.upscale(input, to: output, generator: generator, options: options,
                                                   progress: bar.update)
            bar.finish()
            print("\(output): \(result.output.width)×\(result.output.height) in \(fixed(result.seconds, 1)) s")
        }
    }
}
