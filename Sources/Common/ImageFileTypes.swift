/// The image file extensions enhance works with, in one place for the watcher, the
/// configuration and the command line (Imaging's `ImageFormat` maps each to a codec; its tests
/// check that every name here has one).
public enum ImageFileTypes {
    /// Files the daemon picks up and `enqueue` accepts (lower case, without the dot). HEIC and
    /// AVIF are read through libheif but never written.
    public static let readable: Set<String> = ["png", "jpg", "jpeg", "tif", "tiff", "webp", "heic", "heif", "avif"]
    /// Extensions an output may have.
    public static let writable: [String] = ["png", "jpg", "jpeg", "tif", "tiff", "webp"]
}
