/// Streaming decoding: open a PNG, JPEG, TIFF, WebP or HEIC/AVIF, learn its shape from the
/// header, then pull rows a band at a time so memory stays bounded however large the image is
/// (except interlaced PNG and progressive JPEG, see `ImageInfo`, and WebP and HEIF, which
/// their libraries decode whole: at most `maxPixels` × 4 bytes).
import CImageCodecs

public final class ImageReader {
    /// A 10 000 × 10 000 image. Enough for any camera, small enough that a
    /// hostile header cannot make us allocate gigabytes.
    public static let defaultMaxPixels = 100_000_000

    public let path: String
    public let info: ImageInfo
    /// EXIF, XMP, ICC and IPTC found before the pixel data.
    public let metadata: ImageMetadata
    /// For a JPEG: the quality its quantization tables were made for (see `JPEGQuality`),
    /// whether or not they are IJG's scaling; nil for other formats.
    public let jpegTables: JPEGQuality?
    /// The quality an IJG-scaled JPEG (libjpeg, ImageMagick, GIMP, Pillow…) was saved at; nil
    /// for other formats and for JPEGs with tables of their own (cameras, Photoshop).
    public var jpegQuality: Int? { jpegTables.flatMap { $0.isIJGScaled ? $0.quality : nil } }
    public private(set) var rowsRead = 0
    public var rowsRemaining: Int { info.height - rowsRead }

    private let handle: OpaquePointer
    /// Rows served from memory instead of the decoder: this very JPEG's pixels after a stage
    /// that works on the whole file (deblocking); see `substitutePixels`.
    private var substitute: [UInt8]?

    /// Reads only the header: the format is recognised from the file's
    /// content, never its extension, and `maxPixels` is enforced before any
    /// pixel memory exists (`0` means no limit).
    public convenience init(path: String, maxPixels: Int = ImageReader.defaultMaxPixels) throws(ImageError) {
        try self.init(path: path, maxPixels: maxPixels) { limit, handle, raw, error in
            ic_decoder_open(path, limit, &handle, &raw, &error)
        }
    }

    /// Decodes the file open on `descriptor` — typically a `SecureFile`'s, opened without
    /// following links and checked by fstat — so that what is decoded is exactly the file that
    /// was checked, whatever its name points at by now. `path` is only for error messages.
    /// The decoder reads through its own dup (closed with the reader, never `descriptor`
    /// itself), from the first byte; the dup shares the descriptor's file offset, so read the
    /// descriptor meanwhile with pread (as `SecureFile.read(into:at:)` does), not read.
    public convenience init(descriptor: Int32, path: String,
                            maxPixels: Int = ImageReader.defaultMaxPixels) throws(ImageError) {
        try self.init(path: path, maxPixels: maxPixels) { limit, handle, raw, error in
            ic_decoder_open_fd(descriptor, limit, &handle, &raw, &error)
        }
    }

    private init(path: String, maxPixels: Int,
                 open: (UInt64, inout OpaquePointer?, inout ic_info, inout ic_error) -> ic_status) throws(ImageError) {
        guard maxPixels >= 0 else {
            throw ImageError(.invalidArgument, path: path, detail: "maxPixels must not be negative")
        }
        self.path = path
        var handle: OpaquePointer?
        var raw = ic_info()
        var error = ic_error()
        let status = open(UInt64(maxPixels), &handle, &raw, &error)
        guard status == IC_OK, let handle else {
            throw ImageError(status: status, error: error, path: path)
        }
        self.handle = handle
        guard let format = ImageFormat(codecFormat: raw.format) else {
            ic_decoder_close(handle)
            throw ImageError(.unsupportedFormat, path: path, detail: "codec reported an unknown format")
        }
        info = ImageInfo(width: Int(raw.width), height: Int(raw.height), channels: Int(raw.channels),
                         bitDepth: Int(raw.bit_depth), format: format, isInterlaced: raw.interlaced != 0,
                         isLossless: raw.lossless != 0)
        metadata = ImageMetadata(exif: Self.blob(handle, IC_META_EXIF),
                                 xmp: Self.blob(handle, IC_META_XMP),
                                 iccProfile: Self.blob(handle, IC_META_ICC),
                                 iptc: Self.blob(handle, IC_META_IPTC),
                                 photoshopResources: Self.blob(handle, IC_META_PHOTOSHOP))
        jpegTables = Self.quantTable(handle, 0).flatMap { JPEGQuality(luminance: $0, chrominance: Self.quantTable(handle, 1)) }
    }

    deinit {
        ic_decoder_close(handle)
    }

    private static func blob(_ handle: OpaquePointer, _ kind: ic_meta_kind) -> [UInt8]? {
        var length = 0
        guard let bytes = ic_decoder_metadata(handle, kind, &length), length > 0 else { return nil }
        return Array(UnsafeBufferPointer(start: bytes, count: length))
    }

    private static func quantTable(_ handle: OpaquePointer, _ component: Int32) -> [UInt16]? {
        var table = [UInt16](repeating: 0, count: 64)
        guard ic_decoder_jpeg_quant_table(handle, component, &table) == 1 else { return nil }
        return table
    }

    // MARK: Reading rows

    /// Decodes up to `count` rows of 8-bit samples into `buffer` (interleaved,
    /// `info.samplesPerRow` per row) and returns how many rows it decoded:
    /// fewer at the end of the image, 0 after it.
    @discardableResult
    public func readRows(count: Int, into buffer: UnsafeMutableBufferPointer<UInt8>) throws(ImageError) -> Int {
        try checkDepth(8, requestedBy: "UInt8")
        return try decode(count: count, into: UnsafeMutableRawBufferPointer(buffer), capacity: buffer.count)
    }

    /// Decodes up to `count` rows of 16-bit samples (host byte order).
    @discardableResult
    public func readRows(count: Int, into buffer: UnsafeMutableBufferPointer<UInt16>) throws(ImageError) -> Int {
        try checkDepth(16, requestedBy: "UInt16")
        return try decode(count: count, into: UnsafeMutableRawBufferPointer(buffer), capacity: buffer.count)
    }

    /// Like the buffer-pointer form, resizing `samples` to exactly the rows
    /// decoded. Reusing one array across calls avoids reallocating per band.
    @discardableResult
    public func readRows(count: Int, into samples: inout [UInt8]) throws(ImageError) -> Int {
        try checkDepth(8, requestedBy: "UInt8")
        return try decode(count: count, resizing: &samples)
    }

    @discardableResult
    public func readRows(count: Int, into samples: inout [UInt16]) throws(ImageError) -> Int {
        try checkDepth(16, requestedBy: "UInt16")
        return try decode(count: count, resizing: &samples)
    }

    /// Decodes rows of either bit depth as floats on the 0…255 scale
    /// (16-bit samples keep their fractional precision).
    @discardableResult
    public func readRows(count: Int, into floats: inout [Float]) throws(ImageError) -> Int {
        let rows: Int
        if info.bitDepth == 16 {
            var samples: [UInt16] = []
            rows = try decode(count: count, resizing: &samples)
            SampleScale.convert(samples, into: &floats)
        } else {
            var samples: [UInt8] = []
            rows = try decode(count: count, resizing: &samples)
            SampleScale.convert(samples, into: &floats)
        }
        return rows
    }

    /// From now on the rows come from `samples` (all of the image: `info.height` rows of
    /// `info.samplesPerRow` 8-bit samples, stored orientation), while header, metadata and
    /// tables stay the file's: how a stage before the network (deblocking) hands its result to
    /// the readers above this one. Only before any row is read.
    public func substitutePixels(_ samples: [UInt8]) throws(ImageError) {
        guard rowsRead == 0, info.bitDepth == 8, samples.count == info.height * info.samplesPerRow else {
            throw ImageError(.invalidArgument, path: path,
                             detail: "substitute pixels must be all \(info.height) rows of 8-bit samples, before any row is read")
        }
        substitute = samples
    }

    private func checkDepth(_ depth: Int, requestedBy type: String) throws(ImageError) {
        guard info.bitDepth == depth else {
            throw ImageError(.invalidArgument, path: path,
                             detail: "image has \(info.bitDepth)-bit samples but \(type) rows were requested")
        }
    }

    private func decode<Sample: FixedWidthInteger>(count: Int, resizing samples: inout [Sample]) throws(ImageError) -> Int {
        let rows = max(0, min(count, rowsRemaining))
        let needed = rows * info.samplesPerRow
        if samples.count != needed {
            samples = [Sample](repeating: 0, count: needed)
        }
        // withUnsafeMutableBytes only rethrows `any Error`; carry ours out as a Result.
        let result = samples.withUnsafeMutableBytes { raw -> Result<Int, ImageError> in
            do throws(ImageError) { return .success(try decode(count: rows, into: raw, capacity: needed)) }
            catch { return .failure(error) }
        }
        return try result.get()
    }

    private func decode(count: Int, into raw: UnsafeMutableRawBufferPointer, capacity: Int) throws(ImageError) -> Int {
        guard count >= 0 else {
            throw ImageError(.invalidArgument, path: path, detail: "row count \(count) is negative")
        }
        let rows = min(count, rowsRemaining)
        guard rows > 0 else { return 0 }
        guard capacity >= rows * info.samplesPerRow else {
            throw ImageError(.invalidArgument, path: path,
                             detail: "buffer holds \(capacity) samples, \(rows) rows need \(rows * info.samplesPerRow)")
        }
        if let substitute {
            let start = rowsRead * info.samplesPerRow, count = rows * info.samplesPerRow
            substitute.withUnsafeBytes { source in
                raw.baseAddress!.copyMemory(from: source.baseAddress! + start, byteCount: count)
            }
            rowsRead += rows
            return rows
        }
        var done: UInt32 = 0
        var error = ic_error()
        let status = ic_decoder_read_rows(handle, UInt32(rows), raw.baseAddress, &done, &error)
        rowsRead += Int(done)
        guard status == IC_OK else {
            throw ImageError(status: status, error: error, path: path)
        }
        return Int(done)
    }
}

/// A reader is a cursor over one C decoder handle that is not thread-safe:
/// hand it to one task at a time (`sending`), never share it.
@available(*, unavailable)
extension ImageReader: Sendable {}
