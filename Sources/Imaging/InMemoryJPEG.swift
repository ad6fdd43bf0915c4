/// Whole JPEGs compressed and decoded in memory through libjpeg (CImageCodecs owns every call
/// that can longjmp): the training pipeline's JPEG degradation, where a crop is saved at a
/// random quality and read back thousands of times a run without touching the disk.
import CImageCodecs

public enum InMemoryJPEG {
    /// What decoding gives back: 8-bit samples, `channels` (1 or 3) per pixel, row-major, and
    /// the file's own quantization tables (natural order) for `JPEGQuality`.
    public struct Decoded: Sendable {
        public var width: Int
        public var height: Int
        public var channels: Int
        public var samples: [UInt8]
        public var luminanceTable: [UInt16]
        /// Nil for a gray file.
        public var chrominanceTable: [UInt16]?
    }

    /// The name errors carry: there is no file, so they say what the bytes were.
    public static let label = "(JPEG in memory)"

    /// Compresses `samples` (`width × height × channels`, channels 1 or 3) at `quality` 1…100
    /// with libjpeg's defaults.
    public static func encode(_ samples: [UInt8], width: Int, height: Int, channels: Int,
                              quality: Int) throws(ImageError) -> [UInt8] {
        guard samples.count == width * height * channels else {
            throw ImageError(.invalidArgument, path: label,
                             detail: "\(samples.count) samples for \(width) × \(height) × \(channels)")
        }
        var out: UnsafeMutablePointer<UInt8>?
        var length = 0
        var error = ic_error()
        let status = samples.withUnsafeBufferPointer {
            ic_jpeg_encode_memory($0.baseAddress, UInt32(clamping: width), UInt32(clamping: height), Int32(channels),
                                  Int32(quality), &out, &length, &error)
        }
        defer { ic_free_buffer(out) }
        guard status == IC_OK, let encoded = out else { throw ImageError(status: status, error: error, path: label, writing: true) }
        return Array(UnsafeBufferPointer(start: encoded, count: length))
    }

    /// Decodes a JPEG held in `data`, refusing more than `maxPixels` pixels (0: no limit).
    public static func decode(_ data: [UInt8], maxPixels: UInt64 = 0) throws(ImageError) -> Decoded {
        var pixels: UnsafeMutablePointer<UInt8>?
        var info = ic_info()
        var tables = [UInt16](repeating: 0, count: 128)
        var error = ic_error()
        let status = data.withUnsafeBufferPointer { bytes in
            tables.withUnsafeMutableBufferPointer { t in
                ic_jpeg_decode_memory(bytes.baseAddress, bytes.count, maxPixels, &pixels, &info, t.baseAddress, &error)
            }
        }
        defer { ic_free_buffer(pixels) }
        guard status == IC_OK, let decoded = pixels else { throw ImageError(status: status, error: error, path: label) }
        let (w, h, c) = (Int(info.width), Int(info.height), Int(info.channels))
        return Decoded(width: w, height: h, channels: c, samples: Array(UnsafeBufferPointer(start: decoded, count: w * h * c)),
                       luminanceTable: Array(tables[0..<64]), chrominanceTable: c == 3 ? Array(tables[64..<128]) : nil)
    }
}

extension InMemoryJPEG.Decoded {
    /// The quality this JPEG was saved at, from its own tables.
    public var quality: JPEGQuality? { JPEGQuality(luminance: luminanceTable, chrominance: chrominanceTable) }
}
