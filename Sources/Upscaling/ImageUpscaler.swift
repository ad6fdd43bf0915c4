/// One image file in, its ×4 enhancement out: format, channels and metadata decided here.
import Foundation
import Imaging
import SRGAN

public struct UpscaleOptions: Sendable {
    public var tile = TiledUpscaler.defaultTile
    public var overlap = TiledUpscaler.defaultOverlap
    public var maxPixels = ImageReader.defaultMaxPixels
    public var jpegQuality = 92
    /// An XMP packet to store in the output instead of the input's (the daemon's provenance
    /// record); `nil` carries the input's XMP over unchanged.
    public var xmp: [UInt8]? = nil
    public init() {}
}

public struct UpscaleResult: Sendable {
    public var input: ImageInfo
    public var output: ImageInfo
    public var seconds: Double
}

public enum ImageUpscaler {
    /// Upscales `inputPath` into `outputPath` (format from its extension). The output appears
    /// atomically when complete; on any error nothing is left at `outputPath`.
    public static func upscale(_ inputPath: String, to outputPath: String, generator: Generator,
                               options: UpscaleOptions = UpscaleOptions(),
                               progress: (Double) -> Void = { _ in }) throws -> UpscaleResult {
        let start = DispatchTime.now().uptimeNanoseconds
        guard let format = ImageFormat(path: outputPath) else {
            throw ImageError(.unsupportedFormat, path: outputPath,
                             detail: "output must end in .png, .jpg or .jpeg")
        }
        if sameFile(inputPath, outputPath) {
            throw ImageError(.invalidArgument, path: outputPath, detail: "output would overwrite the input")
        }
        let reader = try ImageReader(path: inputPath, maxPixels: options.maxPixels)
        let info = reader.info
        guard info.channels == 1 || info.channels == 3 else {
            throw ImageError(.unsupportedFormat, path: inputPath,
                             detail: "images with an alpha channel are not supported yet")
        }
        let scale = Generator.scale
        let outputInfo = ImageInfo(width: info.width * scale, height: info.height * scale,
                                   channels: info.channels, bitDepth: format == .jpeg ? 8 : info.bitDepth,
                                   format: format)
        var metadata = reader.metadata
        if let xmp = options.xmp { metadata.xmp = xmp }
        let writer = try ImageWriter(path: outputPath, info: outputInfo, quality: options.jpegQuality,
                                     metadata: metadata)
        var source = ReaderRows(reader)
        var sink = WriterRows(writer)
        do {
            try TiledUpscaler(tile: options.tile, overlap: options.overlap)
                .run(generator, source: &source, sink: &sink, progress: progress)
            try writer.finish()
        } catch {
            writer.cancel()
            throw error
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return UpscaleResult(input: info, output: outputInfo, seconds: seconds)
    }

    private static func sameFile(_ a: String, _ b: String) -> Bool {
        let x = URL(fileURLWithPath: a).standardizedFileURL.resolvingSymlinksInPath().path
        let y = URL(fileURLWithPath: b).standardizedFileURL.resolvingSymlinksInPath().path
        return x == y
    }
}
