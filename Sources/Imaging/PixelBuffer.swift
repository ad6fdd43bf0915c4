/// A whole image in memory, for callers that do not need streaming: load a
/// file, look at or change samples (natively or on the 0…255 Float scale),
/// save it. Built on `ImageReader`/`ImageWriter`, so it shares their checks,
/// errors and atomic saving.
public struct PixelBuffer: Sendable, Hashable {
    /// Interleaved samples, row by row, in the image's native depth; keeping
    /// 8-bit images in bytes halves their memory.
    public enum Samples: Sendable, Hashable {
        case uint8([UInt8])
        case uint16([UInt16])

        public var count: Int {
            switch self {
            case .uint8(let values): values.count
            case .uint16(let values): values.count
            }
        }
    }

    public let width: Int
    public let height: Int
    /// 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA.
    public let channels: Int
    public private(set) var samples: Samples
    /// Carried from `load` to `save` untouched.
    public var metadata: ImageMetadata

    public var bitDepth: Int {
        switch samples {
        case .uint8: 8
        case .uint16: 16
        }
    }

    public var samplesPerRow: Int { width * channels }

    /// All samples zero (black, and fully transparent if there is alpha).
    public init(width: Int, height: Int, channels: Int, bitDepth: Int = 8, metadata: ImageMetadata = ImageMetadata()) {
        precondition(width > 0 && height > 0, "image must have pixels")
        precondition((1...4).contains(channels), "channels must be 1...4")
        precondition(bitDepth == 8 || bitDepth == 16, "bitDepth must be 8 or 16")
        let count = width * height * channels
        self.init(width: width, height: height, channels: channels,
                  samples: bitDepth == 8 ? .uint8(Array(repeating: 0, count: count)) : .uint16(Array(repeating: 0, count: count)),
                  metadata: metadata)
    }

    public init(width: Int, height: Int, channels: Int, samples: Samples, metadata: ImageMetadata = ImageMetadata()) {
        precondition(width > 0 && height > 0, "image must have pixels")
        precondition((1...4).contains(channels), "channels must be 1...4")
        precondition(samples.count == width * height * channels,
                     "\(samples.count) samples do not fill \(width)x\(height)x\(channels)")
        self.width = width
        self.height = height
        self.channels = channels
        self.samples = samples
        self.metadata = metadata
    }

    /// Builds an image from samples on the 0…255 scale, rounded and clamped
    /// to `bitDepth`.
    public init(width: Int, height: Int, channels: Int, bitDepth: Int = 8, floatSamples: [Float],
                metadata: ImageMetadata = ImageMetadata()) {
        precondition(bitDepth == 8 || bitDepth == 16, "bitDepth must be 8 or 16")
        let samples: Samples = bitDepth == 8
            ? .uint8(floatSamples.map { SampleScale.uint8($0) })
            : .uint16(floatSamples.map { SampleScale.uint16($0) })
        self.init(width: width, height: height, channels: channels, samples: samples, metadata: metadata)
    }

    /// The shape to hand to an `ImageWriter`.
    public func info(format: ImageFormat) -> ImageInfo {
        ImageInfo(width: width, height: height, channels: channels, bitDepth: bitDepth, format: format)
    }

    // MARK: Files

    /// Reads a whole image of any format we read (format from content, not extension).
    public static func load(path: String, maxPixels: Int = ImageReader.defaultMaxPixels) throws(ImageError) -> PixelBuffer {
        let reader = try ImageReader(path: path, maxPixels: maxPixels)
        let info = reader.info
        let samples: Samples
        if info.bitDepth == 16 {
            var values: [UInt16] = []
            try reader.readRows(count: info.height, into: &values)
            samples = .uint16(values)
        } else {
            var values: [UInt8] = []
            try reader.readRows(count: info.height, into: &values)
            samples = .uint8(values)
        }
        return PixelBuffer(width: info.width, height: info.height, channels: info.channels,
                           samples: samples, metadata: reader.metadata)
    }

    /// Writes atomically (see `ImageWriter`). The format comes from `format`
    /// or else the path's extension; an unknown extension is refused.
    public func save(path: String, quality: Int = 92, format: ImageFormat? = nil) throws(ImageError) {
        guard let format = format ?? ImageFormat(path: path) else {
            throw ImageError(.unsupportedFormat, path: path,
                             detail: "cannot tell the output format from the extension (use \(ImageFormat.writableExtensionsList))")
        }
        let writer = try ImageWriter(path: path, info: info(format: format), quality: quality, metadata: metadata)
        switch samples {
        case .uint8(let values): try writer.writeRows(values)
        case .uint16(let values): try writer.writeRows(values)
        }
        try writer.finish()
    }

    // MARK: Samples

    private func index(x: Int, y: Int, channel: Int) -> Int {
        precondition(x >= 0 && x < width && y >= 0 && y < height && channel >= 0 && channel < channels,
                     "(\(x), \(y), channel \(channel)) is outside \(width)x\(height)x\(channels)")
        return (y * width + x) * channels + channel
    }

    /// A sample on the 0…255 scale; setting rounds and clamps to the depth.
    public subscript(x: Int, y: Int, channel: Int) -> Float {
        get {
            let i = index(x: x, y: y, channel: channel)
            switch samples {
            case .uint8(let values): return SampleScale.float(values[i])
            case .uint16(let values): return SampleScale.float(values[i])
            }
        }
        set {
            let i = index(x: x, y: y, channel: channel)
            switch samples {
            case .uint8(var values):
                samples = .uint8([])  // drop our reference so the write below does not copy
                values[i] = SampleScale.uint8(newValue)
                samples = .uint8(values)
            case .uint16(var values):
                samples = .uint16([])
                values[i] = SampleScale.uint16(newValue)
                samples = .uint16(values)
            }
        }
    }

    /// The stored value, 0…255 or 0…65535.
    public func rawSample(x: Int, y: Int, channel: Int) -> Int {
        let i = index(x: x, y: y, channel: channel)
        switch samples {
        case .uint8(let values): return Int(values[i])
        case .uint16(let values): return Int(values[i])
        }
    }

    /// Every sample on the 0…255 scale, interleaved.
    public func floatSamples() -> [Float] {
        switch samples {
        case .uint8(let values): values.map { SampleScale.float($0) }
        case .uint16(let values): values.map { SampleScale.float($0) }
        }
    }

    /// Replaces every sample from the 0…255 scale, keeping the bit depth.
    public mutating func setFloatSamples(_ values: [Float]) {
        precondition(values.count == samples.count, "\(values.count) samples given, \(samples.count) expected")
        switch samples {
        case .uint8: samples = .uint8(values.map { SampleScale.uint8($0) })
        case .uint16: samples = .uint16(values.map { SampleScale.uint16($0) })
        }
    }
}
