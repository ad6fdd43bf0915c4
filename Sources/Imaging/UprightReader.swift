/// An `ImageReader` that applies the EXIF orientation: rows come out as the photo is meant to be
/// seen, and `info` has the upright width and height.
///
/// Memory: orientations 1 and 2 stream row by row like the plain reader. The others need the
/// bottom row first or whole columns, so the first `readRows` decodes the image once into its
/// native samples (a 12 MP 8-bit RGB photo: 36 MB, 72 MB at 16 bits) and serves rows from there —
/// bounded by the reader's pixel limit, and small next to the ×4 output, which is never held whole.
public final class UprightReader {
    public let path: String
    /// The stored orientation that is being undone.
    public let orientation: ExifOrientation
    /// The upright shape (width and height exchanged for orientations 5–8).
    public let info: ImageInfo
    /// The metadata as stored in the file; see `ImageMetadata.upright(width:height:)` for a copy's.
    public var metadata: ImageMetadata { reader.metadata }
    public private(set) var rowsRead = 0
    public var rowsRemaining: Int { info.height - rowsRead }

    private let reader: ImageReader
    // Orientations 3–8: the stored image in its native depth (floats would take 4× the memory).
    private var native8: [UInt8] = []
    private var native16: [UInt16] = []

    public convenience init(path: String, maxPixels: Int = ImageReader.defaultMaxPixels) throws(ImageError) {
        try self.init(try ImageReader(path: path, maxPixels: maxPixels))
    }

    /// Decodes from an already-open descriptor; see `ImageReader(descriptor:path:maxPixels:)`.
    public convenience init(descriptor: Int32, path: String,
                            maxPixels: Int = ImageReader.defaultMaxPixels) throws(ImageError) {
        try self.init(try ImageReader(descriptor: descriptor, path: path, maxPixels: maxPixels))
    }

    /// Applies the orientation of a reader no rows have been read from yet.
    public init(_ reader: ImageReader) throws(ImageError) {
        guard reader.rowsRead == 0 else {
            throw ImageError(.invalidArgument, path: reader.path, detail: "rows were already read from this reader")
        }
        self.reader = reader
        let path = reader.path
        self.path = path
        orientation = reader.metadata.orientation
        var info = reader.info
        (info.width, info.height) = orientation.uprightSize(width: info.width, height: info.height)
        self.info = info
    }

    /// Decodes up to `count` upright rows as floats on the 0…255 scale (16-bit samples keep their
    /// fractions), interleaved with `info.channels` per pixel; returns how many rows it decoded.
    @discardableResult
    public func readRows(count: Int, into floats: inout [Float]) throws(ImageError) -> Int {
        guard count >= 0 else {
            throw ImageError(.invalidArgument, path: path, detail: "row count \(count) is negative")
        }
        let rows = min(count, rowsRemaining)
        switch orientation {
        case .topLeft:
            _ = try reader.readRows(count: rows, into: &floats)
        case .topRight:
            _ = try reader.readRows(count: rows, into: &floats)
            mirrorRows(&floats, rows: rows)
        default:
            try loadWhole()
            gather(rows: rows, into: &floats)
        }
        rowsRead += rows
        return rows
    }

    private func mirrorRows(_ floats: inout [Float], rows: Int) {
        let (width, channels) = (info.width, info.channels)
        for y in 0..<rows {
            let base = y * width * channels
            var left = 0, right = width - 1
            while left < right {
                for c in 0..<channels { floats.swapAt(base + left * channels + c, base + right * channels + c) }
                left += 1
                right -= 1
            }
        }
    }

    private func loadWhole() throws(ImageError) {
        guard reader.rowsRemaining > 0 else { return }
        if reader.info.bitDepth == 16 {
            try reader.readRows(count: reader.info.height, into: &native16)
        } else {
            try reader.readRows(count: reader.info.height, into: &native8)
        }
    }

    private func gather(rows: Int, into floats: inout [Float]) {
        let stored = reader.info
        let channels = info.channels
        let needed = rows * info.width * channels
        if floats.count != needed { floats = [Float](repeating: 0, count: needed) }
        let sixteen = stored.bitDepth == 16
        floats.withUnsafeMutableBufferPointer { out in
            for r in 0..<rows {
                let y = rowsRead + r
                for x in 0..<info.width {
                    let s = orientation.storedPosition(x: x, y: y, width: stored.width, height: stored.height)
                    let from = (s.y * stored.width + s.x) * channels
                    let to = (r * info.width + x) * channels
                    for c in 0..<channels {
                        out[to + c] = sixteen ? SampleScale.float(native16[from + c]) : SampleScale.float(native8[from + c])
                    }
                }
            }
        }
    }
}

@available(*, unavailable)
extension UprightReader: Sendable {}
