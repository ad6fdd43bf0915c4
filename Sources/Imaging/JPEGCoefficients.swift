/// A JPEG's quantized DCT coefficients and the quantization tables they were made with, per
/// component at its own (subsampled) resolution: what the file says each 8×8 block's true
/// coefficients can have been, for `JPEGDeblocker`. Read by the C target in one operation.
import CImageCodecs

#if canImport(Glibc)
import Glibc
#endif

public struct JPEGCoefficients: Sendable, Equatable {
    public struct Component: Sendable, Equatable {
        /// Samples of this component that cover the image (after subsampling).
        public var width: Int
        public var height: Int
        public var blocksWide: Int
        public var blocksHigh: Int
        /// Image pixels per stored sample, across and down (2 for 4:2:0 chroma).
        public var horizontalStep: Int
        public var verticalStep: Int
        /// 64 steps in natural (row-major) order: row = vertical frequency.
        public var quant: [UInt16]
        /// The stored k of each block, 64 per block in natural order, blocks row-major; the
        /// true coefficient was within [(k − ½)·Q, (k + ½)·Q].
        public var coefficients: [Int16]
    }

    public var width: Int
    public var height: Int
    /// Three components of YCbCr; false for gray (one component) and for RGB JPEGs.
    public var isYCbCr: Bool
    public var components: [Component]

    /// Reads the JPEG at `path`.
    public init(path: String, maxPixels: Int = ImageReader.defaultMaxPixels) throws(ImageError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            throw ImageError.system(code == ENOENT || code == ENOTDIR ? .notFound : .unreadable,
                                    path: path, action: "cannot open", errno: code)
        }
        defer { close(fd) }
        try self.init(descriptor: fd, path: path, maxPixels: maxPixels)
    }

    /// Reads the JPEG open on `descriptor` from its first byte, through a dup that shares its
    /// offset (as `ImageReader(descriptor:)`: finish before another reader uses it).
    public init(descriptor: Int32, path: String, maxPixels: Int = ImageReader.defaultMaxPixels) throws(ImageError) {
        try self.init(path: path) { raw, error in ic_jpeg_read_coefficients_fd(descriptor, UInt64(max(0, maxPixels)), &raw, &error) }
    }

    /// Reads a whole JPEG held in memory — one `InMemoryJPEG.encode` made, say; errors name it
    /// `label`.
    public init(bytes: [UInt8], label: String = InMemoryJPEG.label,
                maxPixels: Int = ImageReader.defaultMaxPixels) throws(ImageError) {
        try self.init(path: label) { raw, error in
            bytes.withUnsafeBufferPointer {
                ic_jpeg_read_coefficients_memory($0.baseAddress, $0.count, UInt64(max(0, maxPixels)), &raw, &error)
            }
        }
    }

    /// `read` fills the C side's arrays in one whole operation; this copies them out and frees them.
    private init(path: String, read: (inout ic_jpeg_coefficients, inout ic_error) -> ic_status) throws(ImageError) {
        var raw = ic_jpeg_coefficients()
        var error = ic_error()
        let status = read(&raw, &error)
        guard status == IC_OK else { throw ImageError(status: status, error: error, path: path) }
        defer { ic_jpeg_coefficients_free(&raw) }
        width = Int(raw.width)
        height = Int(raw.height)
        isYCbCr = raw.ycbcr != 0
        let count = Int(raw.components)
        let (maxH, maxV) = (Int(raw.max_h_samp), Int(raw.max_v_samp))
        components = withUnsafeBytes(of: &raw.component) { bytes in
            let all = bytes.bindMemory(to: ic_jpeg_component.self)
            return (0..<count).map { i in
                let c = all[i]
                let blocks = Int(c.blocks_wide) * Int(c.blocks_high) * 64
                var quant = c.quant
                return Component(width: Int(c.width), height: Int(c.height), blocksWide: Int(c.blocks_wide),
                                 blocksHigh: Int(c.blocks_high),
                                 horizontalStep: maxH / max(1, Int(c.h_samp)), verticalStep: maxV / max(1, Int(c.v_samp)),
                                 quant: withUnsafeBytes(of: &quant) { Array($0.bindMemory(to: UInt16.self)) },
                                 coefficients: Array(UnsafeBufferPointer(start: c.coefficients, count: blocks)))
            }
        }
    }
}
