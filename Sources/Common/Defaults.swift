/// Defaults that the command line, the configuration file and the libraries share.
public enum Defaults {
    /// JPEG output quality (1…100): high enough that re-encoding adds no visible loss to an
    /// enhanced photo, far smaller than lossless.
    public static let jpegQuality = 92

    /// Input pixels above which an image is refused from its header, before any pixel memory
    /// exists (a 10000×10000 scan is the largest an archive is expected to hold).
    public static let maxInputPixels = 100_000_000

    /// Tile side and overlap in input pixels, chosen by measurement on photographs against the
    /// original TensorFlow model (whole-image inference there). On a 400×300 photo, values of
    /// our tiled output that differ from TensorFlow's: overlap 32 → 0.15 % (max 2 levels),
    /// 40 → 0.044 %, 48 → 0.010 % (max 1, as untiled inference: 0.005 %). The network's
    /// receptive field is ~40 input pixels each way. A 224 tile keeps the work overlaps add
    /// near that of 192/32 (1.48× vs 1.40× the pixels for a 12 MP output) and a plan's memory
    /// near 0.5 GB.
    public static let tile = 224
    public static let overlap = 48

    /// The tile sides accepted anywhere. Below 32 the network's receptive field no longer fits
    /// in a tile with any useful overlap; above 4096 a single tile's activations need more
    /// than 10 GB.
    public static let tileRange = 32...4096

    /// The overlaps accepted with a given tile: less than half of it, or two overlaps would
    /// cover the whole tile.
    public static func overlapRange(tile: Int) -> ClosedRange<Int> { 0...(tile / 2 - 1) }
}
