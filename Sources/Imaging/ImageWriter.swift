/// Streaming, atomic encoding: rows go into a hidden temporary file beside
/// the destination (Storage's `PendingFile`), which appears under its real
/// name only once complete and on disk. A watcher of the output folder
/// therefore never sees a half-written image, and a failure leaves nothing
/// behind.
import CImageCodecs
import Storage

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public final class ImageWriter {
    /// The destination, which does not exist under this name until `finish()`.
    public let path: String
    public let info: ImageInfo
    public private(set) var rowsWritten = 0
    /// Where the bytes go meanwhile: a `TemporaryName` (`.enh-<hex>.tmp`) in
    /// the same directory, so the final rename stays on one filesystem and is
    /// atomic, and fits whatever the destination's name is.
    public var temporaryPath: String { file.temporaryPath }

    private let file: PendingFile
    /// False when the caller handed in the file (`init(into:)`) and commits it
    /// itself, together with its sidecar.
    private let commitsFile: Bool
    private var handle: OpaquePointer?
    private var finished = false

    /// Creates the temporary file, with `mode` masked to 0o666 and by the
    /// umask (the default gives what the umask allows, as before). `quality`
    /// (1…100) applies to JPEG and to lossy WebP (`info.isLossless` picks
    /// lossless WebP). JPEG refuses alpha and 16-bit samples, WebP 16-bit
    /// samples and sides over 16383, with `unsupportedFormat` rather than
    /// silently changing the image; HEIF is never written. A
    /// destination name longer than the filesystem allows is refused here,
    /// as `invalidArgument`, before any work.
    public convenience init(path: String, info: ImageInfo, quality: Int = 92,
                            metadata: ImageMetadata = ImageMetadata(), mode: mode_t = 0o666) throws(ImageError) {
        let file: PendingFile
        do throws(StorageError) {
            file = try PendingFile(replacing: path, mode: mode)
        } catch {
            throw ImageError(storage: error)
        }
        try self.init(file: file, commits: true, info: info, quality: quality, metadata: metadata)
    }

    /// Encodes into a file the caller created and commits itself — the image
    /// half of a `PairedCommit`, so it appears only together with its sidecar.
    /// `finish()` then completes and fsyncs the encoding but renames nothing,
    /// and `cancel()` leaves the file for its owner to discard.
    public convenience init(into file: PendingFile, info: ImageInfo, quality: Int = 92,
                            metadata: ImageMetadata = ImageMetadata()) throws(ImageError) {
        try self.init(file: file, commits: false, info: info, quality: quality, metadata: metadata)
    }

    private init(file: PendingFile, commits: Bool, info: ImageInfo, quality: Int,
                 metadata: ImageMetadata) throws(ImageError) {
        self.path = file.path
        self.info = info
        self.file = file
        self.commitsFile = commits

        guard info.width > 0, info.height > 0, info.width <= Int(UInt32.max), info.height <= Int(UInt32.max) else {
            throw ImageError(.invalidArgument, path: path, detail: "cannot write a \(info.width)x\(info.height) image")
        }
        guard info.format.isWritable else {
            throw ImageError(.unsupportedFormat, path: path,
                             detail: "\(info.format) is read only; write \(ImageFormat.writableExtensionsList)")
        }
        var params = ic_encode_params(width: UInt32(info.width), height: UInt32(info.height),
                                      channels: Int32(clamping: info.channels), bit_depth: Int32(clamping: info.bitDepth),
                                      format: info.format.codecFormat, quality: Int32(clamping: quality),
                                      lossless: info.isLossless ? 1 : 0)
        var handle: OpaquePointer?
        var error = ic_error()
        guard file.descriptor >= 0 else {
            throw ImageError(.invalidArgument, path: path, detail: "the file to encode into was already committed or discarded")
        }
        let status = ic_encoder_open_fd(file.descriptor, &params, &handle, &error)
        guard status == IC_OK, let handle else {
            throw ImageError(status: status, error: error, path: path, writing: true)
        }
        self.handle = handle
        for (kind, bytes) in [(IC_META_EXIF, metadata.exif), (IC_META_XMP, metadata.xmp), (IC_META_ICC, metadata.iccProfile),
                              (IC_META_IPTC, metadata.iptc), (IC_META_PHOTOSHOP, metadata.photoshopResources)] {
            guard let bytes, !bytes.isEmpty else { continue }
            let status = bytes.withUnsafeBufferPointer {
                ic_encoder_set_metadata(handle, kind, $0.baseAddress, $0.count, &error)
            }
            if status != IC_OK { throw abandon(status: status, error: error) }
        }
    }

    deinit {
        discard()
    }

    // MARK: Writing rows

    /// Encodes whole rows of 8-bit samples; `samples.count` must be a
    /// multiple of `info.samplesPerRow`.
    public func writeRows(_ samples: UnsafeBufferPointer<UInt8>) throws(ImageError) {
        try checkDepth(8, suppliedBy: "UInt8")
        try encode(UnsafeRawBufferPointer(samples), sampleCount: samples.count)
    }

    /// Encodes whole rows of 16-bit samples in host byte order.
    public func writeRows(_ samples: UnsafeBufferPointer<UInt16>) throws(ImageError) {
        try checkDepth(16, suppliedBy: "UInt16")
        try encode(UnsafeRawBufferPointer(samples), sampleCount: samples.count)
    }

    public func writeRows(_ samples: [UInt8]) throws(ImageError) {
        try samples.withUnsafeBufferPointer { (buffer) throws(ImageError) in try writeRows(buffer) }
    }

    public func writeRows(_ samples: [UInt16]) throws(ImageError) {
        try samples.withUnsafeBufferPointer { (buffer) throws(ImageError) in try writeRows(buffer) }
    }

    /// Encodes rows given on the 0…255 Float scale, rounding and clamping
    /// to the image's bit depth.
    public func writeRows(floats: [Float]) throws(ImageError) {
        if info.bitDepth == 16 {
            try writeRows(floats.map { SampleScale.uint16($0) })
        } else {
            try writeRows(floats.map { SampleScale.uint8($0) })
        }
    }

    /// Completes the file, fsyncs it, renames it onto `path` (replacing any
    /// existing file atomically) and fsyncs the directory so the rename
    /// itself survives a crash. For `init(into:)`, only completes and fsyncs.
    public func finish() throws(ImageError) {
        guard !finished else { return }
        guard let handle else {
            throw ImageError(.invalidArgument, path: path, detail: "writer was already abandoned after an error")
        }
        var error = ic_error()
        let status = ic_encoder_finish(handle, &error)
        guard status == IC_OK else { throw abandon(status: status, error: error) }
        ic_encoder_close(handle)
        self.handle = nil
        guard commitsFile else {
            finished = true
            return
        }
        do throws(StorageError) {
            try file.commit()
        } catch {
            throw ImageError(storage: error)
        }
        finished = true
    }

    /// Gives up: the temporary file is removed and nothing appears at `path`.
    public func cancel() {
        discard()
    }

    // MARK: Internals

    private func checkDepth(_ depth: Int, suppliedBy type: String) throws(ImageError) {
        guard info.bitDepth == depth else {
            discard()
            throw ImageError(.invalidArgument, path: path,
                             detail: "image has \(info.bitDepth)-bit samples but \(type) rows were supplied")
        }
    }

    private func encode(_ raw: UnsafeRawBufferPointer, sampleCount: Int) throws(ImageError) {
        guard let handle else {
            throw ImageError(.invalidArgument, path: path, detail: finished ? "rows written after finish()" : "writer was already abandoned after an error")
        }
        let perRow = info.samplesPerRow
        guard sampleCount % perRow == 0 else {
            discard()
            throw ImageError(.invalidArgument, path: path,
                             detail: "\(sampleCount) samples is not a whole number of \(perRow)-sample rows")
        }
        let rows = sampleCount / perRow
        guard rows > 0 else { return }
        var error = ic_error()
        let status = ic_encoder_write_rows(handle, UInt32(clamping: rows), raw.baseAddress, &error)
        guard status == IC_OK else { throw abandon(status: status, error: error) }
        rowsWritten += rows
    }

    /// Any failure ends the writer: a half-encoded file is worth nothing.
    private func abandon(status: ic_status, error: ic_error) -> ImageError {
        discard()
        return ImageError(status: status, error: error, path: path, writing: true)
    }

    private func discard() {
        if let handle {
            ic_encoder_close(handle)
            self.handle = nil
        }
        if !finished && commitsFile {
            file.discard()
        }
    }
}
