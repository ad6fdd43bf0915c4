/// What an input photo already suffered before it reaches the network — the quality it was
/// last saved at as a JPEG and how much noise it holds — recorded with the job and in the
/// output's provenance (and the inputs a degradation-aware model is chosen by).
public struct InputEstimate: Sendable, Equatable {
    /// See `ImageReader.jpegQuality`: nil for other formats and for tables of their own.
    public var jpegQuality: Int?
    /// See `NoiseEstimator.sigma`: on the 0…255 scale; nil for an image under 2×2 pixels.
    public var noiseSigma: Double?
    /// A JPEG, whatever its tables: what deblocking can work on.
    public var isJPEG: Bool

    public init(jpegQuality: Int?, noiseSigma: Double?, isJPEG: Bool = false) {
        self.jpegQuality = jpegQuality
        self.noiseSigma = noiseSigma
        self.isJPEG = isJPEG
    }

    /// Band height while streaming: memory is this many rows of floats.
    static let bandRows = 16

    /// Decodes `path` once, band by band, with its own reader.
    public init(path: String, maxPixels: Int = ImageReader.defaultMaxPixels) throws(ImageError) {
        try self.init(reading: ImageReader(path: path, maxPixels: maxPixels))
    }

    /// Decodes the file open on `descriptor` (see `ImageReader(descriptor:path:maxPixels:)`):
    /// finish with this before another reader uses the descriptor, since the two would share
    /// its file offset.
    public init(descriptor: Int32, path: String, maxPixels: Int = ImageReader.defaultMaxPixels) throws(ImageError) {
        try self.init(reading: ImageReader(descriptor: descriptor, path: path, maxPixels: maxPixels))
    }

    /// Reads every remaining row of `reader`. Stored orientation is fine: noise has no direction.
    public init(reading reader: ImageReader) throws(ImageError) {
        var noise = NoiseEstimator(width: reader.info.width, channels: reader.info.channels,
                                   bitDepth: reader.info.bitDepth)
        var band: [Float] = []
        while reader.rowsRemaining > 0 {
            let rows = try reader.readRows(count: Self.bandRows, into: &band)
            if rows == 0 { break }
            noise.add(rows: band, rowCount: rows)
        }
        self.init(jpegQuality: reader.jpegQuality, noiseSigma: noise.sigma, isJPEG: reader.info.format == .jpeg)
    }
}
