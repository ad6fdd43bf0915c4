/// `enhance-ctl upscale IN OUT`: one image, start to finish.
import ArgumentParser
import Common
import Configuration
import Foundation
import Hashing
import Imaging
import Metadata
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

    @OptionGroup var routeOptions: RouteOptions

    @Option(help: "How an image larger than one tile runs: rows (whole-image inference, memory grows with the width) or tiles (memory grows with the tile's square).")
    var inference: Inference = .rows

    @Option(help: "Tile size in input pixels: images up to it run whole; with --inference tiles, memory grows with its square.")
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

    @Option(help: "Enlargement factor, above 1 and at most 4: the network enlarges ×4 and the result is resampled (Lanczos-3).")
    var scale: Double = Double(OutputSize.networkScale)

    @Option(help: "At most this many pixels on the output's longest side (resampled down from ×4; never smaller than the input).")
    var maxSide: Int?

    @Option(help: "At most this many output pixels in all (resampled down from ×4). --max-pixels limits the input.")
    var maxOutputPixels: Int?

    @Flag(help: "Record no provenance (ids, DerivedFrom, History event) in the output's XMP; the input's XMP is still carried, its sizes updated.")
    var noProvenance = false

    func validate() throws {
        guard Defaults.tileRange.contains(tile) else {
            throw ValidationError("--tile must be between \(Defaults.tileRange.lowerBound) and \(Defaults.tileRange.upperBound)")
        }
        guard Defaults.overlapRange(tile: tile).contains(overlap) else {
            throw ValidationError("--overlap must be between 0 and \(Defaults.overlapRange(tile: tile).upperBound) (less than half the tile)")
        }
        guard (1...100).contains(quality) else { throw ValidationError("--quality must be between 1 and 100") }
        guard OutputSize.isValidScale(scale) else {
            throw ValidationError("--scale must be above 1 and at most \(OutputSize.networkScale), got \(scale)")
        }
        if let maxSide, maxSide < 2 { throw ValidationError("--max-side must be at least 2, got \(maxSide)") }
        if let maxOutputPixels, maxOutputPixels < 4 { throw ValidationError("--max-output-pixels must be at least 4, got \(maxOutputPixels)") }
    }

    func run() throws {
        try reportingFailures {
            let (route, deblocking) = try routeOptions.settings(model: modelOptions.model)
            // A first pass over the input (a decode, cheap next to the network): for the
            // provenance record, the choice of model and of deblocking. Unreadable input is the
            // upscaler's to report, in its words.
            let estimate = try? InputEstimate(path: input, maxPixels: maxPixels)
            let (model, reason) = route.choose(jpegQuality: estimate?.jpegQuality, noiseSigma: estimate?.noiseSigma)
            let generator = try Generator(contentsOf: model.path, threads: modelOptions.threadCount)
            var options = UpscaleOptions()
            // The same record the daemon writes: what a person runs by hand is described alike.
            if !noProvenance, let sourceSHA256 = try? SHA256.hexDigest(ofFile: input) {
                options.provenance = Provenance(
                    sourcePath: URL(fileURLWithPath: input).standardizedFileURL.path, sourceSHA256: sourceSHA256,
                    softwareAgent: "enhance-ctl \(Product.version)", modelName: model.name, modelSHA256: model.sha256,
                    scale: Generator.scale, tile: tile, overlap: overlap)
                options.provenance?.inputJPEGQuality = estimate?.jpegQuality
                options.provenance?.inputNoiseSigma = estimate?.noiseSigma
            }
            options.inference = inference
            options.tile = tile
            options.overlap = overlap
            options.jpegQuality = quality
            options.maxPixels = maxPixels
            options.background = background
            options.outputSize = OutputSize(scale: scale, maxSide: maxSide, maxPixels: maxOutputPixels)
            // A JPEG the stage cannot work on (CMYK, 12-bit) is enlarged as decoded, with a
            // warning; a damaged one fails here as it would in the decoder, once.
            var deblocker: ImageReader?
            if let estimate, deblocking.applies(isJPEG: estimate.isJPEG, jpegQuality: estimate.jpegQuality) {
                do {
                    deblocker = try JPEGDeblocker.reader(path: input, maxPixels: maxPixels)
                } catch let error as ImageError where error.kind == .unsupportedFormat {
                    FileHandle.standardError.write(Data("warning: not deblocked: \(error)\n".utf8))
                }
            }
            options.provenance?.deblocked = deblocker != nil
            let bar = ProgressBar("upscaling")
            defer { bar.finish() }
            let result = try deblocker.map {
                try ImageUpscaler.upscale(try UprightReader($0), to: output, generator: generator, options: options,
                                          progress: bar.update)
            } ?? ImageUpscaler.upscale(input, to: output, generator: generator, options: options, progress: bar.update)
            bar.finish()
            for warning in result.warnings { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
            // Which model ran is part of the answer once there are two to choose from.
            let by = (route.degraded == nil ? "" : " with \(model.name) (\(reason ?? "clean input"))")
                + (deblocker != nil ? ", deblocked first" : "")
            print("\(output): \(result.output.width)×\(result.output.height) in \(fixed(result.seconds, 1)) s\(by)")
        }
    }
}
