/// One image file in, its ×4 enhancement out: format, channels and metadata decided here.
import Common
import Foundation
import Imaging
import Metadata
import SRGAN
import Storage

public struct UpscaleOptions: Sendable {
    /// Rows (whole-image inference, streamed) or tiles of `tile` with `overlap`, for images
    /// larger than one tile; an image that fits one tile runs whole either way.
    public var inference = Inference.rows
    public var tile = TiledUpscaler.defaultTile
    public var overlap = TiledUpscaler.defaultOverlap
    public var maxPixels = ImageReader.defaultMaxPixels
    public var jpegQuality = 92
    /// What a translucent image is flattened onto when the output format has no alpha (JPEG).
    public var background = BackgroundColor.white
    /// How the output is made, recorded in its XMP (merged into the input's packet, see
    /// `DerivedXMP`); `nil` carries the input's XMP with only its sizes and orientation updated.
    public var provenance: Provenance? = nil
    /// The size written: ×4 by default; a smaller factor or a cap resamples the network's result.
    public var outputSize = OutputSize()
    /// Gets the time of each stage when set; owned by the thread that runs the upscale.
    public var clock: StageClock? = nil
    public init() {}
}

public struct UpscaleResult: Sendable {
    public var input: ImageInfo
    public var output: ImageInfo
    public var seconds: Double
    /// The packet for the output's sidecar: the embedded one, or the provenance alone when the
    /// input's packet did not parse (and was carried unchanged). Nil when there is none.
    public var sidecarXMP: [UInt8]?
    /// What the output does not carry as asked, one line each naming the input.
    public var warnings: [String]
}

public enum ImageUpscaler {
    /// Upscales `inputPath` into `outputPath` (format from its extension). The output appears
    /// atomically when complete; on any error nothing is left at `outputPath`.
    public static func upscale(_ inputPath: String, to outputPath: String, generator: Generator,
                               options: UpscaleOptions = UpscaleOptions(),
                               progress: (Double) -> Void = { _ in }) throws -> UpscaleResult {
        _ = try outputFormat(outputPath, input: inputPath)   // a bad OUT is refused before any decoding
        // Rows arrive upright (EXIF orientation applied), so the output is stored upright.
        let reader = try UprightReader(path: inputPath, maxPixels: options.maxPixels)
        return try upscale(reader, to: outputPath, generator: generator, options: options, progress: progress)
    }

    /// Upscales from a reader the caller opened (see below) into `outputPath`, committed as
    /// `upscale(_:to:)` does.
    public static func upscale(_ reader: UprightReader, to outputPath: String, generator: Generator,
                               options: UpscaleOptions = UpscaleOptions(),
                               progress: (Double) -> Void = { _ in }) throws -> UpscaleResult {
        let start = DispatchTime.now().uptimeNanoseconds
        let format = try outputFormat(outputPath, input: reader.path)
        return try run(reader, format: format, generator: generator, options: options, progress: progress,
                       start: start) { info, metadata throws(ImageError) in
            try ImageWriter(path: outputPath, info: info, quality: options.jpegQuality, metadata: metadata)
        }
    }

    /// Upscales from a reader the caller opened — the daemon's, on the descriptor of a
    /// `SecureFile` it checked, so what is enlarged is the file that was checked — into
    /// `output`, which the caller commits (with its sidecar, through `PairedCommit`): this only
    /// completes and fsyncs it. The format follows `output.path`'s extension. `options.maxPixels`
    /// does not apply: the reader was opened with its own limit. On error nothing is committed
    /// and `output` is left for its owner to discard.
    public static func upscale(_ reader: UprightReader, into output: PendingFile, generator: Generator,
                               options: UpscaleOptions = UpscaleOptions(),
                               progress: (Double) -> Void = { _ in }) throws -> UpscaleResult {
        let start = DispatchTime.now().uptimeNanoseconds
        let format = try outputFormat(output.path, input: reader.path)
        return try run(reader, format: format, generator: generator, options: options, progress: progress,
                       start: start) { info, metadata throws(ImageError) in
            try ImageWriter(into: output, info: info, quality: options.jpegQuality, metadata: metadata)
        }
    }

    private static func outputFormat(_ outputPath: String, input inputPath: String) throws -> ImageFormat {
        // A folder as OUT (`upscale a.png ~/Pictures`) is a common slip: say that, not "unsupported format".
        var isDirectory: ObjCBool = false
        if outputPath.hasSuffix("/") || (FileManager.default.fileExists(atPath: outputPath, isDirectory: &isDirectory)
                                         && isDirectory.boolValue) {
            throw ImageError(.isDirectory, path: outputPath,
                             detail: "the output must name a file, e.g. \((outputPath as NSString).appendingPathComponent("photo.x4.png"))")
        }
        guard let format = ImageFormat(path: outputPath), format.isWritable else {
            throw ImageError(.unsupportedFormat, path: outputPath,
                             detail: "output must end in \(ImageFormat.writableExtensionsList)")
        }
        if sameFile(inputPath, outputPath) {
            throw ImageError(.invalidArgument, path: outputPath, detail: "output would overwrite the input")
        }
        return format
    }

    private static func run(_ reader: UprightReader, format: ImageFormat, generator: Generator,
                            options: UpscaleOptions, progress: (Double) -> Void, start: UInt64,
                            makeWriter: (ImageInfo, ImageMetadata) throws(ImageError) -> ImageWriter) throws -> UpscaleResult {
        let inputPath = reader.path
        let info = reader.info
        guard info.width <= maxInputWidth else {
            throw ImageError(.tooLarge, path: inputPath,
                             detail: "\(info.width) pixels wide; at most \(maxInputWidth) can be enlarged (memory per output band grows with the width)")
        }
        let scale = Generator.scale
        // Channels and depth follow the input (gray stays gray, alpha stays, 16-bit PNG and
        // TIFF stay 16-bit); JPEG and WebP hold 8 bits; JPEG holds no alpha: the image is
        // flattened onto the background (see `WriterRows`). WebP is lossless exactly when the
        // input was (PNG, lossless TIFF or WebP), else lossy at the JPEG quality. WebP's
        // 16383-pixel side limit is checked when the writer is made, before any tile is computed.
        let flattens = format == .jpeg && info.hasAlpha
        let size: (width: Int, height: Int)
        switch options.outputSize.dimensions(width: info.width, height: info.height) {
        case .success(let s): size = s
        case .failure(let refusal): throw ImageError(.invalidArgument, path: inputPath, detail: refusal.description)
        }
        let networkSize = (width: info.width * scale, height: info.height * scale)
        var provenance = options.provenance
        provenance?.wholeImage = options.inference == .rows
        if size != networkSize {
            provenance?.resampled = .init(width: size.width, height: size.height,
                                          factor: Double(size.width) / Double(info.width))
        }
        let outputInfo = ImageInfo(width: size.width, height: size.height,
                                   channels: flattens ? info.channels - 1 : info.channels,
                                   bitDepth: format == .jpeg || format == .webp ? 8 : info.bitDepth,
                                   format: format, isLossless: info.isLossless)
        var metadata = reader.metadata.upright(width: outputInfo.width, height: outputInfo.height)
        let xmp = DerivedXMP(xmp: metadata.xmp, iptc: metadata.iptc, sourcePath: inputPath,
                             width: outputInfo.width, height: outputInfo.height, provenance: provenance,
                             toolkit: "enhance \(Product.version)", outputHoldsIPTC: format.holdsIPTC)
        metadata.xmp = xmp.embedded
        var warnings = xmp.warnings
        // The profile is kept byte for byte (colours are never converted, so it still describes
        // them) — unless it describes other channels: a CMYK JPEG's profile would mislabel the
        // RGB it was decoded to.
        if let space = metadata.iccColorSpace, space != (outputInfo.channels >= 3 ? "RGB" : "GRAY") {
            metadata.iccProfile = nil
        }
        if format == .jpeg {
            // One APP1 segment each: a block that does not fit (possible from PNG) is left out
            // rather than failing the photo over metadata, and the job says so.
            if let exif = metadata.exif, exif.count > maxJPEGSegmentPayload - 6 {
                metadata.exif = nil
                warnings.append("\(inputPath): its EXIF block (\(exif.count) bytes) does not fit in one JPEG segment; the output has no EXIF")
            }
            if let packet = metadata.xmp, packet.count > maxJPEGSegmentPayload - 29 {
                metadata.xmp = nil
                warnings.append("\(inputPath): the output's XMP packet (\(packet.count) bytes) does not fit in one JPEG segment and is left out of the image (a sidecar, where one is written, still has it)")
            }
            let photoshop = (metadata.photoshopResources?.count ?? 0) + (metadata.iptc.map { 12 + $0.count + $0.count % 2 } ?? 0)
            if photoshop > maxJPEGSegmentPayload - 14 {
                warnings.append("\(inputPath): its IPTC and Photoshop resources (\(photoshop) bytes) do not fit in one JPEG segment; the output has none (the XMP carries the IPTC fields)")
                metadata.iptc = nil
                metadata.photoshopResources = nil
            }
        } else {
            // Only JPEG has a home for Photoshop's resources.
            metadata.photoshopResources = nil
        }
        // Where IPTC has no home, DerivedXMP has copied its fields into the XMP.
        if !format.holdsIPTC { metadata.iptc = nil }
        let clock = options.clock ?? StageClock()
        let writer = try clock.measure(.encode) { () throws(ImageError) in try makeWriter(outputInfo, metadata) }
        var source = ReaderRows(reader)
        var sink = WriterRows(writer, alpha: source.alpha, background: options.background, networkSize: networkSize)
        do {
            var upscaler = TiledUpscaler(tile: options.tile, overlap: options.overlap)
            upscaler.streams = options.inference == .rows
            try upscaler.run(generator, source: &source, sink: &sink, clock: clock, progress: progress)
            try clock.measure(.encode) { () throws(ImageError) in try writer.finish() }
        } catch {
            writer.cancel()
            throw error
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return UpscaleResult(input: info, output: outputInfo, seconds: seconds, sidecarXMP: xmp.sidecar,
                             warnings: warnings)
    }

    /// Input width above which the output band (a tile's height of 4×-wide float rows) alone
    /// would pass ~0.6 GB; 16384 in gives 65536 out, JPEG's limit too.
    public static let maxInputWidth = 16384
    static let maxJPEGSegmentPayload = 65533

    private static func sameFile(_ a: String, _ b: String) -> Bool {
        let x = URL(fileURLWithPath: a).standardizedFileURL.resolvingSymlinksInPath().path
        let y = URL(fileURLWithPath: b).standardizedFileURL.resolvingSymlinksInPath().path
        return x == y
    }
}
